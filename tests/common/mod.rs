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
