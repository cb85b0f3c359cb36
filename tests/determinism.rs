//! Replay is a function of the input and the config (`spec/outputs.md`):
//! the same recording gives a byte-identical run summary and the same alert
//! log lines, in the same order, run after run — and also when the same
//! lines reach the reader cut into different read chunks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use warroom::config::Config;
use warroom::simulate::{run, Pacing, SimOptions, SimReport};

const SEED: u64 = 618;

fn simulate(out: &Path, scale: f64) -> SimReport {
    run(&SimOptions {
        out: out.to_path_buf(),
        seed: SEED,
        scenario: "double11".into(),
        pacing: Pacing::Instant,
        scale,
        with_baseline: true,
        bad_lines: true,
        compact: false,
    })
    .unwrap()
}

/// Replay `dir`; the summary JSON and the alert log lines, as written.
fn replay(dir: &Path, config: &Path) -> (String, Vec<String>) {
    let cfg = Arc::new(Config::load(config).unwrap());
    let mut log = Vec::new();
    let (session, stats) = warroom::session::replay(dir, cfg, |events| {
        for e in events {
            log.push(serde_json::to_string(e)?);
        }
        Ok(())
    })
    .unwrap();
    (session.summary(&stats).to_json(), log)
}

fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for (i, (x, y)) in la.iter().zip(&lb).enumerate() {
        if x != y {
            return format!("line {}: {x:?} vs {y:?}", i + 1);
        }
    }
    format!("lengths {} vs {} lines", la.len(), lb.len())
}

fn assert_same(what: &str, a: &(String, Vec<String>), b: &(String, Vec<String>)) {
    assert!(
        a.0 == b.0,
        "{what}: run summaries differ at {}",
        first_difference(&a.0, &b.0)
    );
    assert!(
        a.1 == b.1,
        "{what}: alert logs differ ({} vs {} lines) at {}",
        a.1.len(),
        b.1.len(),
        first_difference(&a.1.join("\n"), &b.1.join("\n"))
    );
}

fn input_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            input_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Copy the recording with every line (or every other line) ending in
/// `\r\n` instead of `\n`: the same records, the same line numbers, but every
/// line boundary moves against the reader's fixed-size read chunks, so the
/// files are read, and interleaved in the merge, in different pieces.
fn copy_with_crlf(from: &Path, to: &Path, every: usize) {
    let mut files = Vec::new();
    input_files(from, &mut files);
    for f in files {
        let dest = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let text = std::fs::read(&f).unwrap();
        let mut out = Vec::with_capacity(text.len() + text.len() / 32);
        let mut lines = text.split(|b| *b == b'\n').peekable();
        let mut i = 0;
        while let Some(line) = lines.next() {
            out.extend_from_slice(line);
            if lines.peek().is_some() {
                if i % every == 0 {
                    out.push(b'\r');
                }
                out.push(b'\n');
            }
            i += 1;
        }
        assert!(out.len() > text.len() || text.is_empty());
        std::fs::write(dest, out).unwrap();
    }
}

#[test]
fn the_same_recording_replays_to_the_same_summary_and_alert_log() {
    let tmp = tempfile::tempdir().unwrap();
    let r = simulate(&tmp.path().join("sim"), 0.3);
    let first = replay(&r.campaign_dir, &r.config_path);
    let second = replay(&r.campaign_dir, &r.config_path);
    assert!(
        !first.1.is_empty(),
        "the simulated incidents should raise alerts (else this test proves little)"
    );
    assert_same("replayed twice", &first, &second);
}

#[test]
fn a_copy_read_in_different_chunks_replays_to_the_same_summary_and_alert_log() {
    let tmp = tempfile::tempdir().unwrap();
    // Large enough that every file spans more than one read chunk (1 MiB).
    let r = simulate(&tmp.path().join("sim"), 0.5);
    let original = replay(&r.campaign_dir, &r.config_path);
    for every in [1, 2] {
        let copy = tmp.path().join(format!("crlf-{every}"));
        copy_with_crlf(&r.campaign_dir, &copy, every);
        let again = replay(&copy, &r.config_path);
        assert_same(
            &format!("copy with \\r\\n on every {every}. line"),
            &original,
            &again,
        );
    }
}
