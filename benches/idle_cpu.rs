//! CPU use of the screen when nothing happens: `warroom watch` on a copy of
//! the shipped sample (184 k records, every panel populated), in a
//! pseudo-terminal at 200×50, once it has read everything; then the
//! program's own CPU time (user + system, all threads, from /proc) over a
//! quiet stretch. The screen still redraws its clocks once a second and
//! the input thread wakes every 100 ms. Nothing is asserted; figures go to
//! docs/performance.md.
//!
//! Run: `cargo bench --bench idle_cpu` (`-- --seconds 60` for a longer
//! stretch). Linux only (/proc).

#[path = "../tests/common/pty.rs"]
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

use pty::PtyApp;

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let campaign = tmp.path().join("campaign");
    std::fs::create_dir_all(&campaign).expect("campaign dir");
    for entry in std::fs::read_dir(root.join("sample-data/campaign")).expect("sample") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), campaign.join(entry.file_name())).expect("copy");
    }
    let mut app = PtyApp::spawn(
        Path::new(env!("CARGO_BIN_EXE_warroom")),
        &[
            "watch",
            campaign.to_str().expect("utf-8 path"),
            "--config",
            root.join("sample-data/warroom.toml")
                .to_str()
                .expect("utf-8 path"),
            "--lang",
            "en",
        ],
        tmp.path(),
        &[],
        200,
        50,
    );
    let pid = app.pid().expect("pid");
    // Loaded: the CPU time stops growing by more than a tick a second.
    let start = Instant::now();
    let mut last = cpu_ticks(pid);
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let now = cpu_ticks(pid);
        if now - last <= 2 && start.elapsed() > Duration::from_secs(4) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "never settled");
        last = now;
    }
    // SAFETY: sysconf only reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let before = cpu_ticks(pid);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let ticks = cpu_ticks(pid) - before;
    let wall = t0.elapsed().as_secs_f64();
    app.send(b"q");
    let _ = app.wait_exit(Duration::from_secs(10));
    println!(
        "idle screen (watch, sample, 200x50): {ticks} CPU ticks in {wall:.1} s at {hz} ticks/s = {:.3} % of one core",
        ticks as f64 / hz / wall * 100.0
    );
}
