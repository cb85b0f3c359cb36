//! The war-room screen end to end in a real pseudo-terminal: the binary
//! replays the shipped sample, keys typed as a terminal sends them pause,
//! go to the payment failure of `sample-data/truth.json`, focus the alerts,
//! drill into the open alert, ack it, shrink the window and quit. The
//! screen is read back through a terminal emulator (`vt100`); the alert log
//! must hold the ack and the terminal must be restored. Every wait polls
//! the parsed screen against a deadline; a failure prints the screen.

#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use pty::PtyApp;

/// Deadline of each step (a few seconds in release on two cores; generous
/// for a loaded CI machine or a debug build).
const STEP: Duration = Duration::from_secs(30);

fn ts(v: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time string")).expect("RFC 3339")
}

/// Row `r` of the screen.
fn row(s: &vt100::Screen, r: u16) -> String {
    let (_, cols) = s.size();
    s.rows(0, cols.get()).nth(r as usize).unwrap_or_default()
}

/// The alert log's lines as JSON.
fn log_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("alert log line {l:?}: {e}")))
        .collect()
}

#[test]
fn drill_into_an_alert_ack_it_and_quit_in_a_real_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("sample-data/truth.json")).expect("truth.json"),
    )
    .expect("truth.json is JSON");
    let incident = truth["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == "payment-failure")
        .expect("the sample's payment failure")
        .clone();
    // Eight minutes in: the alert is open (and not yet resolved).
    let at = ts(&incident["start"]) + chrono::Duration::minutes(8);
    assert!(at < ts(&incident["end"]));
    let at_text = at.to_rfc3339();
    let clock = at.format("%m-%d %H:%M:%S").to_string();

    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("alerts.jsonl");
    let log_arg = log.to_str().expect("utf-8 temp path");
    let report = tmp.path().join("复盘.md");
    let report_arg = report.to_str().expect("utf-8 temp path");
    let mut app = PtyApp::spawn(
        Path::new(env!("CARGO_BIN_EXE_warroom")),
        &[
            "replay",
            "sample-data/campaign",
            "--config",
            "sample-data/warroom.toml",
            "--alerts-out",
            log_arg,
            "--report-out",
            report_arg,
            "--lang",
            "en",
        ],
        root,
        &[],
        160,
        48,
    );

    // The recording is loaded and playing.
    app.expect("the replay to load", STEP, |s| {
        let h = row(s, 0);
        h.contains("REPLAY") && !h.contains("loading")
    });
    // Pause, then go to the incident: `g`, a typed time, Enter.
    app.send(b" ");
    app.expect("the replay to pause", STEP, |s| {
        row(s, 0).contains("paused")
    });
    app.send(b"g");
    app.expect_text("the go-to prompt", "go to time:", STEP);
    app.send(at_text.as_bytes());
    app.send(b"\r");
    app.expect(&format!("the seek to {clock}"), STEP, |s| {
        let h = row(s, 0);
        h.contains(&clock) && h.contains("paused") && !h.contains("seeking")
    });

    // The alert the replay opened for the incident, from the alert log
    // (written as the replay passed its transitions).
    let lines = log_lines(&log);
    let id = lines
        .iter()
        .filter(|l| {
            l["transition"] == "open"
                && l["metric"] == incident["metric"]
                && l["scope"] == incident["scope"]
                && ts(&l["at"]) >= ts(&incident["start"])
                && ts(&l["at"]) <= at
        })
        .filter_map(|l| l["alert_id"].as_str())
        .find(|id| {
            !lines
                .iter()
                .any(|l| l["alert_id"] == *id && l["transition"] == "resolve")
        })
        .unwrap_or_else(|| {
            panic!(
                "no open {} alert in the log at {at_text}: {lines:#?}\n{}",
                incident["metric"],
                app.dump()
            )
        })
        .to_string();
    app.expect_text("the alert in the list", &id, STEP);

    // Focus moves away and back to the alerts panel (its title is
    // bracketed when focused), then Enter drills into the selected alert.
    app.send(b"h");
    app.expect_text("the focus on the sales panel", "[Sales", STEP);
    app.send(b"l");
    app.expect("the focus on the alerts panel", STEP, |s| {
        let t = s.contents();
        t.contains("[Alerts") && !t.contains("[Sales")
    });
    app.send(b"\r");
    app.expect("the alert's drill-down", STEP, |s| {
        let t = s.contents();
        t.contains(&format!("{id} · ")) && t.contains("timeline") && t.contains("press a to ack")
    });

    // Ack it: the drill-down says so.
    app.send(b"a");
    app.expect_text("the ack on the drill-down", "acked at", STEP);

    // The room writes its 复盘 from the screen.
    app.send(b"R");
    app.expect_text("the report written", "post-mortem written", STEP);

    // A smaller window: the screen lays itself out again (the footer on
    // the new last row).
    app.resize(100, 30);
    app.expect("the redraw at 100x30", STEP, |s| {
        row(s, 29).contains("q quit") && row(s, 0).contains(&clock)
    });

    // Quit: a clean exit, the terminal restored.
    app.send(b"q");
    let status = app.wait_exit(STEP).unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "exit status {status:?}\n{}", app.dump());
    let raw = app.raw();
    let last = |seq: &[u8]| raw.windows(seq.len()).rposition(|w| w == seq);
    let (enter_alt, leave_alt) = (last(b"\x1b[?1049h"), last(b"\x1b[?1049l"));
    assert!(
        enter_alt.is_some() && leave_alt > enter_alt,
        "the alternate screen was entered ({enter_alt:?}) and left after ({leave_alt:?})\n{}",
        app.dump()
    );
    let (hide, show) = (last(b"\x1b[?25l"), last(b"\x1b[?25h"));
    assert!(
        show.is_some() && show > hide,
        "the cursor is shown again at the end (hide at {hide:?}, show at {show:?})\n{}",
        app.dump()
    );
    assert_eq!(
        app.modes(),
        (false, false),
        "the emulator's modes (alternate screen, hidden cursor) after exit"
    );

    // The alert log holds the ack, at the event time of the screen.
    let acks: Vec<Value> = log_lines(&log)
        .into_iter()
        .filter(|l| l["alert_id"] == id.as_str() && l["transition"] == "ack")
        .collect();
    assert_eq!(acks.len(), 1, "one ack line for {id}: {acks:#?}");
    assert_eq!(ts(&acks[0]["at"]), at, "{:#}", acks[0]);

    // The 复盘 the screen wrote has the alert with its time to ack.
    let text = std::fs::read_to_string(&report).expect("the report file");
    let opened = log_lines(&log)
        .into_iter()
        .find(|l| l["alert_id"] == id.as_str() && l["transition"] == "open")
        .map(|l| ts(&l["at"]))
        .expect("its open line");
    let minutes = (at - opened).num_minutes();
    assert!((1..60).contains(&minutes), "{minutes}");
    let row = text
        .lines()
        .find(|l| l.starts_with(&format!("| {id} |")))
        .unwrap_or_else(|| panic!("{id} not in the report:\n{text}"));
    let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
    assert_eq!(cells[7], format!("{minutes}m"), "time to ack: {row}");
    assert!(text.contains("the screen (acks included"), "{text}");
}
