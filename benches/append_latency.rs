//! Append-to-screen latency of `warroom watch`: a line appended to a
//! watched file, until the terminal shows the figure it changed. The real
//! binary runs in a pseudo-terminal (the helper of `tests/e2e_pty.rs`); its
//! output is parsed into a screen grid as it arrives. Each round appends one
//! paid order to `orders.jsonl` and times from the write to the moment the
//! header's order count reads the new number. The appends are spread over
//! the screen loop's cycle by varied pauses between rounds, as a producer's
//! writes would be. Nothing here asserts a speed; figures go to
//! docs/performance.md.
//!
//! Run: `cargo bench --bench append_latency` (Cargo builds the binary in
//! the same profile and passes its path). `-- --rounds 60` for more rounds.

#[path = "../tests/common/pty.rs"]
mod pty;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use pty::PtyApp;
use warroom::view::text::group;

const COLS: u16 = 160;
const ROWS: u16 = 48;
/// Orders in the campaign before the first round.
const SEEDED: u64 = 5;
/// 2026-11-11T20:00:00+08:00.
const BASE_MS: i64 = 1_794_398_400_000;

fn order(n: u64) -> String {
    format!(
        "{{\"ts\":{},\"kind\":\"order\",\"order_id\":\"B-{n:06}\",\"amount\":100.0,\"channel\":\"搜索\",\"category\":\"美妆\",\"customer\":\"new\"}}\n",
        BASE_MS + n as i64 * 1_000
    )
}

/// The header (its first five rows) shows `n` orders.
fn shows_orders(s: &vt100::Screen, n: u64) -> bool {
    let want = format!("orders {}  ", group(n));
    s.rows(0, COLS).take(5).any(|r| r.contains(&want))
}

fn write_campaign(dir: &Path) {
    let campaign = dir.join("campaign");
    std::fs::create_dir_all(&campaign).expect("campaign dir");
    std::fs::write(
        dir.join("warroom.toml"),
        "[campaign]\nname = \"latency\"\ntimezone = \"+08:00\"\n\n[[phase]]\nname = \"爆发\"\nstart = \"2026-11-11T00:00:00+08:00\"\nend = \"2026-11-12T00:00:00+08:00\"\n",
    )
    .expect("config");
    let mut traffic = String::new();
    for (stage, count) in [
        ("visit", 400),
        ("view", 280),
        ("cart", 100),
        ("order", 25),
        ("pay", 24),
    ] {
        traffic.push_str(&format!(
            "{{\"ts\":{BASE_MS},\"kind\":\"traffic\",\"stage\":\"{stage}\",\"count\":{count},\"channel\":\"搜索\",\"category\":\"美妆\"}}\n"
        ));
    }
    std::fs::write(campaign.join("traffic.jsonl"), traffic).expect("traffic");
    let orders: String = (1..=SEEDED).map(order).collect();
    std::fs::write(campaign.join("orders.jsonl"), orders).expect("orders");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let tmp = tempfile::tempdir().expect("temp dir");
    write_campaign(tmp.path());
    let campaign = tmp.path().join("campaign");
    let config = tmp.path().join("warroom.toml");
    let mut app = PtyApp::spawn(
        Path::new(env!("CARGO_BIN_EXE_warroom")),
        &[
            "watch",
            campaign.to_str().expect("utf-8 path"),
            "--config",
            config.to_str().expect("utf-8 path"),
            "--lang",
            "en",
        ],
        tmp.path(),
        &[],
        COLS,
        ROWS,
    );
    let settle = Duration::from_secs(30);
    if let Err(e) = app.wait_screen(settle, |s| shows_orders(s, SEEDED)) {
        panic!("the screen never showed the seeded orders: {e}");
    }
    if app.screen_text().contains("(polling)") {
        println!("note: file notifications unavailable, the watcher polls");
    }
    let mut file = OpenOptions::new()
        .append(true)
        .open(campaign.join("orders.jsonl"))
        .expect("open orders.jsonl");
    let mut ms = Vec::with_capacity(rounds);
    for i in 0..rounds {
        // Pauses of 50-300 ms on a low-discrepancy sequence: the appends
        // land at every phase of the screen's wake-up cycle.
        let frac = (i as f64 * 0.618_033_988_7).fract();
        std::thread::sleep(Duration::from_millis(50 + (frac * 250.0) as u64));
        let n = SEEDED + i as u64 + 1;
        let line = order(n);
        let start = std::time::Instant::now();
        file.write_all(line.as_bytes()).expect("append");
        file.flush().expect("flush");
        match app.wait_screen(Duration::from_secs(10), |s| shows_orders(s, n)) {
            Ok(seen) => ms.push((seen - start).as_secs_f64() * 1e3),
            Err(e) => panic!("round {i}: order {n} never showed: {e}"),
        }
    }
    app.send(b"q");
    if let Err(e) = app.wait_exit(Duration::from_secs(10)) {
        eprintln!("the watcher did not quit: {e}");
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    println!(
        "append → screen ({COLS}x{ROWS}, watch, notify): N={rounds}  min {:.1} ms  p50 {:.1} ms  p90 {:.1} ms  max {:.1} ms  (mean {mean:.1} ms)",
        ms[0],
        q(0.5),
        q(0.9),
        ms[ms.len() - 1]
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average at the end: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
