//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The shared real data sets (read-only, beside the repo).
pub fn real_data(rel: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.join("..")
        .join("shared")
        .join("data")
        .join("real")
        .join(rel)
}

/// Poll `check` until it returns Some or the deadline passes.
pub fn poll_until<T>(deadline: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A config with one 爆发 phase covering `start..end` (RFC 3339).
pub fn config_text(start: &str, end: &str, tz: &str) -> String {
    format!(
        "[campaign]\nname = \"test\"\ntimezone = \"{tz}\"\n[[phase]]\nname = \"爆发\"\nstart = \"{start}\"\nend = \"{end}\"\n"
    )
}

/// Campaign and phases of a 双11 (预热 from 11-01 20:00, 爆发 on 11-11,
/// 收尾 to 11-14): the config the rule tests build on.
pub const DOUBLE11_PHASES: &str = r#"[campaign]
name = "2026 双11"
timezone = "+08:00"

[[phase]]
name = "预热"
start = "2026-11-01T20:00:00+08:00"
end = "2026-11-11T00:00:00+08:00"

[[phase]]
name = "爆发"
start = "2026-11-11T00:00:00+08:00"
end = "2026-11-12T00:00:00+08:00"

[[phase]]
name = "收尾"
start = "2026-11-12T00:00:00+08:00"
end = "2026-11-14T00:00:00+08:00"
"#;

/// Replay a recording with a config: its alert transitions, and its run
/// summary as JSON (read back the way outside tools read it).
pub fn replay_summary(
    recording: &Path,
    config: &Path,
) -> (Vec<warroom::alerts::model::AlertEvent>, serde_json::Value) {
    let cfg = std::sync::Arc::new(warroom::config::Config::load(config).unwrap());
    let mut events = Vec::new();
    let (session, stats) = warroom::session::replay(recording, cfg, |e| {
        events.extend_from_slice(e);
        Ok(())
    })
    .unwrap();
    let summary = serde_json::from_str(&session.summary(&stats).to_json()).unwrap();
    (events, summary)
}
