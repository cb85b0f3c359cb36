//! Alerts in a live run: the follow-mode reader on a directory producers
//! append to, a `Session` driven the way `warroom watch` drives it (each
//! batch applied, the live clock observed, then the engine advanced), and
//! the alert log written by `AlertLog` and read back from its file. Waits
//! poll with deadlines; latencies are measured with `Instant`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use serde_json::Value;
use warroom::alerts::log::AlertLog;
use warroom::alerts::model::AlertEvent;
use warroom::clock::{LiveClock, ManualClock, WallClock};
use warroom::config::Config;
use warroom::ingest::{self, Batch, Mode};
use warroom::session::{self, Session};
use warroom::source::Input;
use warroom::time::{format_ts, parse_offset, parse_ts_str, Millis, SECOND};

/// The rule tests' 双11 phases.
const CONFIG: &str = common::DOUBLE11_PHASES;

/// The longest the room may wait for an alert once its cause is in a file.
const LATENCY: Duration = Duration::from_secs(1);

fn cfg() -> Arc<Config> {
    Arc::new(Config::parse(CONFIG, "warroom.toml", None).unwrap())
}

fn t(s: &str) -> Millis {
    parse_ts_str(s, parse_offset("+08:00").unwrap()).unwrap()
}

fn ts(ms: Millis) -> String {
    format_ts(ms, parse_offset("+08:00").unwrap())
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.flush().unwrap();
}

/// Funnel counters of one 10-second flush, as the traffic producer writes them.
fn traffic(ms: Millis, i: i64) -> String {
    let visit = 340 + (i * 37) % 41;
    let view = visit * 68 / 100;
    let cart = view * 35 / 100;
    let order = cart / 4;
    let pay = order * 95 / 100;
    let mut s = String::new();
    for (stage, n) in [
        ("visit", visit),
        ("view", view),
        ("cart", cart),
        ("order", order),
        ("pay", pay),
    ] {
        s.push_str(&format!(
            "{{\"ts\":\"{}\",\"kind\":\"traffic\",\"stage\":\"{stage}\",\"count\":{n},\"channel\":\"搜索\",\"category\":\"美妆\"}}\n",
            ts(ms)
        ));
    }
    s
}

fn stock(ms: Millis, sku: &str, on_hand: i64) -> String {
    format!(
        "{{\"ts\":\"{}\",\"kind\":\"stock\",\"sku\":\"{sku}\",\"on_hand\":{on_hand},\"safety\":100,\"hot\":true}}\n",
        ts(ms)
    )
}

/// Normal minutes from `from` to `to` (exclusive): traffic every 10 s and
/// the hot SKU's level every 20 s, selling down from 300 but above safety.
fn normal_lines(dir: &Path, from: Millis, to: Millis) -> usize {
    let mut traffic_text = String::new();
    let mut stock_text = String::new();
    let mut records = 0;
    let mut ms = from;
    let mut i = 0;
    while ms < to {
        traffic_text.push_str(&traffic(ms, i));
        records += 5;
        if i % 2 == 0 {
            stock_text.push_str(&stock(ms + 5 * SECOND, "LIP-001", 300 - 10 * i));
            records += 1;
        }
        ms += 10 * SECOND;
        i += 1;
    }
    append(&dir.join("traffic.jsonl"), &traffic_text);
    append(&dir.join("stock.jsonl"), &stock_text);
    records
}

/// A live war room over `dir`: the reader, the session, the live clock (its
/// wall time injected) and the alert log file.
struct Live {
    rx: mpsc::Receiver<Batch>,
    reader: Option<ingest::Reader>,
    session: Session,
    clock: LiveClock,
    wall: ManualClock,
    log: AlertLog,
    log_path: PathBuf,
    events: Vec<AlertEvent>,
    pending: Vec<AlertEvent>,
}

impl Live {
    fn start(dir: &Path, log_path: &Path) -> Live {
        let cfg = cfg();
        let (tx, rx) = mpsc::channel();
        let reader = ingest::spawn(dir, cfg.clone(), Mode::Follow, move |b| tx.send(b).is_ok());
        Live {
            rx,
            session: Session::new(cfg, reader.dims.clone(), None),
            reader: Some(reader),
            clock: LiveClock::new(1.0),
            wall: ManualClock::new(1_000_000),
            log: AlertLog::create(Some(log_path)).unwrap(),
            log_path: log_path.to_path_buf(),
            events: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// One turn of the watch loop (`src/cmd.rs`): apply what the reader
    /// handed over, move the event clock, write the transitions.
    fn turn(&mut self) {
        match self.rx.recv_timeout(Duration::from_millis(50)) {
            Ok(batch) => {
                let now_wall = self.wall.wall_ms();
                for input in &batch.inputs {
                    if let Input::Record(r) = input {
                        self.clock.observe(r.ts, now_wall);
                    }
                    self.session.state.apply_input(input);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the reader stopped"),
        }
        self.session
            .advance(self.clock.now(self.wall.wall_ms()), &mut self.pending);
        if !self.pending.is_empty() {
            self.log.write(&self.pending).unwrap();
            self.events.append(&mut self.pending);
        }
    }

    /// Turn until `pred` holds; how long it took, or None at the deadline.
    fn until(&mut self, deadline: Duration, pred: impl Fn(&Live) -> bool) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if pred(self) {
                return Some(start.elapsed());
            }
            if start.elapsed() > deadline {
                return None;
            }
            self.turn();
        }
    }

    /// The alert log as it is on disk.
    fn log_lines(&self) -> Vec<Value> {
        read_log(&self.log_path)
    }

    fn stop(mut self) -> Vec<AlertEvent> {
        if let Some(r) = self.reader.take() {
            r.stop();
        }
        self.events
    }
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.ends_with('}'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stock_alerts(lines: &[Value]) -> Vec<Value> {
    lines
        .iter()
        .filter(|v| v["rule"] == "stock-level")
        .cloned()
        .collect()
}

fn assert_hot_sku_out_line(v: &Value, at: &str) {
    assert_eq!(v["transition"], "open", "{v}");
    assert_eq!(v["tier"], "紧急", "{v}");
    assert_eq!(v["panel"], "stock", "{v}");
    assert_eq!(v["metric"], "stock.on_hand", "{v}");
    assert_eq!(v["scope"], serde_json::json!({"sku": "LIP-001"}), "{v}");
    assert_eq!(v["phase"], "爆发", "{v}");
    assert_eq!(v["value"], 0.0, "{v}");
    assert_eq!(v["expected"], 100.0, "{v}");
    assert_eq!(v["at"], at, "{v}");
    assert!(v["alert_id"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
    assert!(v["message"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
}

#[test]
fn hot_sku_out_of_stock_is_in_the_alert_log_within_a_second() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("feed");
    std::fs::create_dir(&dir).unwrap();
    let log_path = root.path().join("alerts.jsonl");
    let mut live = Live::start(&dir, &log_path);

    // Three normal minutes.
    let n = normal_lines(&dir, t("2026-11-11T19:58:00"), t("2026-11-11T20:01:00"));
    let took = live.until(Duration::from_secs(10), |l| {
        l.session.state.records == n as u64
    });
    assert!(took.is_some(), "the normal lines are read");
    assert!(live.log_lines().is_empty(), "{:?}", live.log_lines());

    // The incident: the hot SKU sells out at 20:00:55; the producers go on
    // writing, and their next lines carry event time past the 20:01 boundary
    // and its settle seconds, when the stock rule judges.
    let incident = format!(
        "{}{}",
        traffic(t("2026-11-11T20:01:00"), 100),
        traffic(t("2026-11-11T20:01:10"), 101)
    );
    append(
        &dir.join("stock.jsonl"),
        &stock(t("2026-11-11T20:00:55"), "LIP-001", 0),
    );
    append(&dir.join("traffic.jsonl"), &incident);
    let appended = Instant::now();
    let took = live.until(Duration::from_secs(5), |l| {
        !stock_alerts(&l.log_lines()).is_empty()
    });
    let latency = appended.elapsed();
    eprintln!("stock alert in the log {latency:?} after its cause was appended");
    assert!(took.is_some(), "no stock alert in the log within 5 s");
    assert!(
        latency <= LATENCY,
        "the alert line took {latency:?} after its cause was appended"
    );
    let lines = stock_alerts(&live.log_lines());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_hot_sku_out_line(&lines[0], "2026-11-11T20:01:00+08:00");
    let live_events = live.stop();

    // Replaying what was written gives the same alert log.
    let mut replayed = Vec::new();
    session::replay(&dir, cfg(), |e| {
        replayed.extend_from_slice(e);
        Ok(())
    })
    .unwrap();
    assert_eq!(live_events, replayed);
}

#[test]
fn when_the_feed_goes_quiet_wall_time_moves_the_clock_to_the_judgement() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("feed");
    std::fs::create_dir(&dir).unwrap();
    let log_path = root.path().join("alerts.jsonl");
    let mut live = Live::start(&dir, &log_path);

    let n = normal_lines(&dir, t("2026-11-11T19:58:00"), t("2026-11-11T20:01:00"));
    let took = live.until(Duration::from_secs(10), |l| {
        l.session.state.records == n as u64
    });
    assert!(took.is_some(), "the normal lines are read");
    // The last line of every producer: the hot SKU is out at 20:00:55.
    append(
        &dir.join("stock.jsonl"),
        &stock(t("2026-11-11T20:00:55"), "LIP-001", 0),
    );
    let took = live.until(Duration::from_secs(10), |l| {
        l.session.state.records == n as u64 + 1
    });
    assert!(took.is_some(), "the incident line is read");
    assert!(
        stock_alerts(&live.log_lines()).is_empty(),
        "20:01 is not judged before its settle time (clock at {}): {:?}",
        ts(live.session.state.now),
        live.log_lines()
    );

    // Eleven seconds of wall time pass with no new line.
    live.wall.advance(11 * SECOND);
    let moved = Instant::now();
    let took = live.until(Duration::from_secs(5), |l| {
        !stock_alerts(&l.log_lines()).is_empty()
    });
    assert!(
        took.is_some(),
        "no stock alert once the clock passed 20:01:05"
    );
    assert!(moved.elapsed() <= LATENCY, "{:?}", moved.elapsed());
    let lines = stock_alerts(&live.log_lines());
    assert_hot_sku_out_line(&lines[0], "2026-11-11T20:01:00+08:00");
    live.stop();
}

// ---- the real `warroom watch` --------------------------------------------------------

struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn warroom_watch_started_on_existing_data_writes_the_alert_log_replay_writes() {
    // The war room is restarted mid-campaign: `warroom watch` starts on a
    // directory that already holds three minutes of lines, among them the
    // hot SKU selling out at 20:00:55, and the producers' lines up to 20:02:10.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("feed");
    std::fs::create_dir(&dir).unwrap();
    let cfg_path = root.path().join("warroom.toml");
    std::fs::write(&cfg_path, CONFIG).unwrap();
    let log_path = root.path().join("alerts.jsonl");
    let summary = root.path().join("summary.json");
    let mut n = normal_lines(&dir, t("2026-11-11T19:58:00"), t("2026-11-11T20:01:00"));
    append(
        &dir.join("stock.jsonl"),
        &stock(t("2026-11-11T20:00:55"), "LIP-001", 0),
    );
    let mut more = String::new();
    for i in 0..8 {
        more.push_str(&traffic(t("2026-11-11T20:01:00") + i * 10 * SECOND, i));
    }
    append(&dir.join("traffic.jsonl"), &more);
    n += 1 + 8 * 5;

    let _watch = Watch(
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("watch")
            .arg(&dir)
            .arg("--headless")
            .arg("--config")
            .arg(&cfg_path)
            .arg("--alerts-out")
            .arg(&log_path)
            .arg("--summary-out")
            .arg(&summary)
            .arg("--summary-every")
            .arg("0.2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start warroom watch"),
    );
    let read_all = common::poll_until(Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&summary).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        (v["records"]["read"].as_u64()? >= n as u64).then_some(())
    });
    assert!(read_all.is_some(), "watch reads every line");
    let live = common::poll_until(Duration::from_secs(5), || {
        let lines = stock_alerts(&read_log(&log_path));
        (!lines.is_empty()).then_some(lines)
    })
    .expect("watch raised no stock alert");

    let mut replayed = Vec::new();
    session::replay(&dir, cfg(), |e| {
        replayed.extend_from_slice(e);
        Ok(())
    })
    .unwrap();
    let replayed: Vec<Value> = replayed
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    // The SKU is out at 20:00:55: the first judgement that can see it is the
    // one of 20:01:00.
    let replay_stock = stock_alerts(&replayed);
    assert_eq!(replay_stock.len(), 1, "{replayed:?}");
    assert_hot_sku_out_line(&replay_stock[0], "2026-11-11T20:01:00+08:00");
    assert_eq!(
        live, replay_stock,
        "watch and replay disagree on the same input"
    );
}
