//! The reader against files as producers really write them: appended while
//! watched, created mid-run, truncated mid-run, half-written last lines, a
//! line of several MB, bad lines. Polls with deadlines; no fixed sleeps.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use warroom::config::Config;
use warroom::ingest::{self, replay_to_end, Batch, Mode};
use warroom::state::State;
use warroom::summary::Summary;

fn cfg() -> Arc<Config> {
    Arc::new(
        Config::parse(
            &common::config_text(
                "2026-11-11T00:00:00+08:00",
                "2026-11-12T00:00:00+08:00",
                "+08:00",
            ),
            "t.toml",
            None,
        )
        .unwrap(),
    )
}

fn visit(sec: u32, count: u32) -> String {
    format!(
        "{{\"ts\":\"2026-11-11T20:00:{sec:02}+08:00\",\"kind\":\"traffic\",\"stage\":\"visit\",\"count\":{count},\"channel\":\"搜索\"}}\n"
    )
}

fn order(id: &str, amount: f64) -> String {
    format!("{{\"ts\":\"2026-11-11T20:01:00+08:00\",\"kind\":\"order\",\"order_id\":\"{id}\",\"amount\":{amount}}}\n")
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

/// A live session over `dir`: the state, fed by the follow-mode reader.
struct Live {
    state: State,
    rx: mpsc::Receiver<Batch>,
    reader: ingest::Reader,
}

impl Live {
    fn start(dir: &Path) -> Live {
        let cfg = cfg();
        let (tx, rx) = mpsc::channel();
        let reader = ingest::spawn(dir, cfg.clone(), Mode::Follow, move |b| tx.send(b).is_ok());
        Live {
            state: State::new(cfg, reader.dims.clone()),
            rx,
            reader,
        }
    }

    fn pump(&mut self) {
        while let Ok(b) = self.rx.try_recv() {
            for i in &b.inputs {
                self.state.apply_input(i);
            }
        }
    }

    /// Wait (polling, with a deadline) until `pred` holds on the state.
    fn until(&mut self, what: &str, pred: impl Fn(&State) -> bool) {
        let ok = common::poll_until(Duration::from_secs(10), || {
            self.pump();
            pred(&self.state).then_some(())
        });
        assert!(
            ok.is_some(),
            "timed out waiting for: {what}; visits={} records={}",
            self.state.totals.stages[0],
            self.state.records
        );
    }
}

#[test]
fn appended_lines_change_the_figures_of_a_watched_directory() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("traffic.jsonl");
    append(&f, &visit(0, 10));
    let mut live = Live::start(dir.path());
    live.until("first line", |s| s.totals.stages[0] == 10);
    append(&f, &visit(1, 5));
    live.until("appended line", |s| s.totals.stages[0] == 15);
    // A half-written line is held until its newline arrives.
    let half = visit(2, 100);
    let (a, b) = half.split_at(30);
    append(&f, a);
    let name = "traffic.jsonl";
    let held = common::poll_until(Duration::from_secs(10), || {
        let stats = live.reader.stats.read().unwrap().clone();
        stats
            .files
            .iter()
            .any(|f| f.path == name && f.held_bytes == 30)
            .then_some(())
    });
    assert!(held.is_some(), "the half line is held");
    live.pump();
    assert_eq!(
        live.state.totals.stages[0], 15,
        "half a line must not count"
    );
    append(&f, b);
    live.until("completed line", |s| s.totals.stages[0] == 115);
    assert_eq!(live.state.bad_lines, 0);
    live.reader.stop();
}

#[test]
fn files_created_mid_run_are_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    append(&dir.path().join("a.jsonl"), &visit(0, 1));
    let mut live = Live::start(dir.path());
    live.until("first file", |s| s.totals.stages[0] == 1);
    std::fs::create_dir(dir.path().join("later")).unwrap();
    append(
        &dir.path().join("later").join("orders.ndjson"),
        &order("O-1", 99.5),
    );
    append(&dir.path().join("ignored.txt"), "not an input\n");
    live.until("new file in a new folder", |s| s.totals.orders == 1);
    assert_eq!(live.state.totals.gmv_yuan(), 99.5);
    assert_eq!(live.state.bad_lines, 0, "non-input files are ignored");
    live.reader.stop();
}

#[test]
fn a_file_truncated_mid_run_is_read_again_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.jsonl");
    append(
        &f,
        &format!("{}{}{}", visit(0, 1), visit(1, 1), visit(2, 1)),
    );
    let mut live = Live::start(dir.path());
    live.until("three visits", |s| s.totals.stages[0] == 3);
    // The producer starts the file over, shorter than before.
    std::fs::write(&f, visit(5, 40)).unwrap();
    live.until("re-read after truncation", |s| s.totals.stages[0] == 43);
    let stats = live.reader.stats.read().unwrap().clone();
    assert_eq!(stats.files[0].truncations + stats.files[0].rotations, 1);
    live.reader.stop();
}

#[test]
fn a_line_of_several_megabytes_is_skipped_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.jsonl");
    let huge = format!(
        "{{\"ts\":\"2026-11-11T20:00:00+08:00\",\"kind\":\"traffic\",\"stage\":\"visit\",\"pad\":\"{}\"}}\n",
        "x".repeat(5 << 20)
    );
    append(&f, &format!("{}{}{}", visit(0, 1), huge, visit(1, 2)));
    let (state, stats) = replay_to_end(dir.path(), cfg()).unwrap();
    assert_eq!(state.totals.stages[0], 3);
    assert_eq!(stats.files[0].skipped, 1);
    assert_eq!(stats.files[0].first_bad[0].line, 2);
    assert!(stats.files[0].first_bad[0]
        .reason
        .contains("max_line_bytes"));
}

#[test]
fn bad_lines_are_counted_per_file_with_line_numbers_and_never_stop_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..10 {
        text.push_str(&visit(i, 1));
        text.push_str("{broken\n");
    }
    text.push_str("\u{1b}[31m{\"kind\":\"evil\"}\n");
    append(&dir.path().join("a.jsonl"), &text);
    append(
        &dir.path().join("b.csv"),
        "ts,kind,stage,count\n2026-11-11T20:00:00+08:00,traffic,visit,7\nnot,a,valid\n",
    );
    let (state, stats) = replay_to_end(dir.path(), cfg()).unwrap();
    assert_eq!(state.totals.stages[0], 17);
    let a = &stats.files[0];
    assert_eq!((a.path.as_str(), a.skipped, a.lines), ("a.jsonl", 11, 21));
    let lines: Vec<u64> = a.first_bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [2, 4, 6, 8, 10]);
    assert_eq!(stats.files[1].skipped, 1);
    assert_eq!(stats.files[1].first_bad[0].line, 3);
}

#[test]
fn a_finished_recording_with_an_unterminated_last_line_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    append(
        &dir.path().join("a.jsonl"),
        &format!("{}{}", visit(0, 1), visit(1, 2).trim_end()),
    );
    let (state, stats) = replay_to_end(dir.path(), cfg()).unwrap();
    assert_eq!(state.totals.stages[0], 1);
    assert!(stats.files[0].held_bytes > 0);
}

#[test]
fn empty_directory_and_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (state, stats) = replay_to_end(dir.path(), cfg()).unwrap();
    assert_eq!((state.records, stats.files.len()), (0, 0));
    let s = Summary::build(&state, &stats, [0; 3]);
    assert_eq!(s.totals.cr_overall, None);
    assert_eq!(s.from, None);
    let err = replay_to_end(&dir.path().join("nope"), cfg()).unwrap_err();
    assert!(
        err.to_string().contains("cannot read recording directory"),
        "{err}"
    );
}

#[test]
fn files_merge_by_time_and_late_records_still_count() {
    let dir = tempfile::tempdir().unwrap();
    // Two concurrent streams, and one record 10 minutes behind its file.
    let a: String = (0..50).map(|i| visit(i, 1)).collect();
    append(&dir.path().join("a.jsonl"), &a);
    let mut b = String::new();
    for m in 0..30 {
        b.push_str(&format!("{{\"ts\":\"2026-11-11T20:{m:02}:30+08:00\",\"kind\":\"spend\",\"item\":\"站内推广\",\"amount\":1.25}}\n"));
    }
    b.push_str("{\"ts\":\"2026-11-11T20:05:00+08:00\",\"kind\":\"spend\",\"item\":\"站内推广\",\"amount\":100}\n");
    append(&dir.path().join("b.jsonl"), &b);
    let (state, stats) = replay_to_end(dir.path(), cfg()).unwrap();
    assert_eq!(state.late, 1);
    assert_eq!(stats.late(), 1);
    assert_eq!(state.totals.spend_yuan(), 30.0 * 1.25 + 100.0);
    // The late record is in the bucket of its own time.
    let b5 = state.series.get(1_794_398_700_000).expect("20:05 bucket");
    assert_eq!(warroom::record::money_to_yuan(b5.total.spend), 101.25);
}
