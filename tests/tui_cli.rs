//! `warroom snapshot` end to end: the binary renders the same frame as the
//! library at the same event time, and rejects bad arguments clearly.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use warroom::config::Config;
use warroom::time::parse_ts_str;
use warroom::view::replay::session_at;
use warroom::view::text::Lang;
use warroom::view::ui::{Status, Ui, View};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .current_dir(root())
        .arg("snapshot")
        .args([
            "sample-data/campaign",
            "--config",
            "sample-data/warroom.toml",
        ])
        .args(args)
        .output()
        .expect("run warroom")
}

#[test]
fn snapshot_command_renders_the_library_frame() {
    let at = "2026-11-11T07:50:00+08:00";
    let out = snapshot(&["--at", at, "--size", "80x24", "--lang", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 24);
    let cfg = Arc::new(Config::load(&root().join("sample-data/warroom.toml")).expect("config"));
    let t = parse_ts_str(at, cfg.tz).expect("time");
    let (session, _) = session_at(&root().join("sample-data/campaign"), cfg, t).expect("replay");
    let mut ui = Ui::new(Lang::En, Status::Snapshot);
    ui.color = false;
    ui.open(View::Main);
    assert_eq!(text, warroom::view::screen_text(&session, &ui, 80, 24));
    assert!(text.contains("11-11 07:50:00"), "{text}");
}

#[test]
fn snapshot_command_rejects_bad_arguments() {
    for (args, want) in [
        (vec!["--at", "soon"], "--at"),
        (
            vec!["--at", "2026-11-11 07:50:00", "--size", "80"],
            "--size",
        ),
        (
            vec!["--at", "2026-11-11 07:50:00", "--view", "nope"],
            "--view",
        ),
    ] {
        let out = snapshot(&args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{err}");
    }
}

/// An empty recording directory is not an error (a live directory starts
/// empty) but the user is told nothing was read.
#[test]
fn replay_of_an_empty_directory_says_so() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["replay"])
        .arg(tmp.path())
        .args(["--config", "sample-data/warroom.toml", "--headless"])
        .current_dir(root())
        .output()
        .expect("run warroom");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("no input files under"), "{err}");
}
