//! The ingest task: a thread that owns the directory source, does all the
//! file I/O and parsing, and hands merged batches to whoever drives the
//! state (headless loop or TUI), so the consumer never blocks on a file.
//! `Mode::Replay` stops at the end of the recording; `Mode::Follow` waits
//! for `notify` events (or polls where notify cannot watch) and goes on.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::config::Config;
use crate::dims::Dims;
use crate::source::{DirSource, Input, Progress, SourceStats};
use crate::state::State;

/// Inputs per batch handed over; big enough to amortise the hand-over.
pub const BATCH: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read a finished recording to its end, then stop.
    Replay,
    /// Follow growing files until stopped.
    Follow,
}

#[derive(Debug, Default)]
pub struct Batch {
    pub inputs: Vec<Input>,
    /// Every file was at its end when this batch was cut.
    pub caught_up: bool,
}

/// How the reader is woken in follow mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wakeup {
    Notify,
    /// notify could not watch the directory: polling, with the reason.
    Poll(String),
}

pub struct Reader {
    pub stats: Arc<RwLock<SourceStats>>,
    pub dims: Arc<RwLock<Dims>>,
    pub wakeup: Wakeup,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Reader {
    /// Ask the thread to stop and wait for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }

    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Start reading `dir`. `sink` receives each batch and returns false to stop.
pub fn spawn(
    dir: &Path,
    cfg: Arc<Config>,
    mode: Mode,
    mut sink: impl FnMut(Batch) -> bool + Send + 'static,
) -> Reader {
    let dims = Arc::new(RwLock::new(Dims::new(&cfg.ingest)));
    let mut source = DirSource::new(dir, cfg.clone(), dims.clone());
    let stats = source.stats();
    let stop = Arc::new(AtomicBool::new(false));
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    // Keep the watcher alive as long as the thread runs.
    let (watcher, wakeup) = if mode == Mode::Follow {
        watch_dir(dir, wake_tx)
    } else {
        (None, Wakeup::Poll("replay".into()))
    };
    let poll = Duration::from_millis(cfg.ingest.poll_ms.max(10));
    let safety_poll = Duration::from_millis(2_000).max(poll);
    let stop_thread = stop.clone();
    let has_watcher = watcher.is_some();
    let handle = std::thread::Builder::new()
        .name("warroom-ingest".into())
        .spawn(move || {
            let _watcher = watcher;
            let mut out = Vec::with_capacity(BATCH);
            loop {
                if stop_thread.load(Ordering::SeqCst) {
                    return;
                }
                let progress = source.read_some(&mut out);
                let caught_up = progress == Progress::CaughtUp;
                if out.len() >= BATCH
                    || (caught_up && !out.is_empty())
                    || (caught_up && mode == Mode::Replay)
                {
                    let batch = Batch {
                        inputs: std::mem::replace(&mut out, Vec::with_capacity(BATCH)),
                        caught_up,
                    };
                    if !sink(batch) {
                        return;
                    }
                }
                if caught_up {
                    if mode == Mode::Replay {
                        return;
                    }
                    // Sleep until notify says something changed (or the
                    // poll interval passes), waking regularly to see `stop`.
                    let wait = if has_watcher { safety_poll } else { poll };
                    let deadline = std::time::Instant::now() + wait;
                    loop {
                        let left = deadline.saturating_duration_since(std::time::Instant::now());
                        if left.is_zero() || stop_thread.load(Ordering::SeqCst) {
                            break;
                        }
                        match wake_rx.recv_timeout(left.min(Duration::from_millis(100))) {
                            Ok(()) => {
                                // Coalesce a burst of events into one round.
                                while wake_rx.try_recv().is_ok() {}
                                break;
                            }
                            Err(mpsc::RecvTimeoutError::Timeout) => {}
                            Err(mpsc::RecvTimeoutError::Disconnected) => {
                                std::thread::sleep(left.min(Duration::from_millis(100)))
                            }
                        }
                    }
                }
            }
        })
        .expect("spawn ingest thread");
    Reader {
        stats,
        dims,
        wakeup,
        stop,
        handle: Some(handle),
    }
}

fn watch_dir(dir: &Path, tx: mpsc::Sender<()>) -> (Option<notify::RecommendedWatcher>, Wakeup) {
    let made = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            if !ev.kind.is_access() {
                let _ = tx.send(());
            }
        }
    });
    match made {
        Ok(mut w) => match w.watch(dir, RecursiveMode::Recursive) {
            Ok(()) => (Some(w), Wakeup::Notify),
            Err(e) => (None, Wakeup::Poll(e.to_string())),
        },
        Err(e) => (None, Wakeup::Poll(e.to_string())),
    }
}

/// Replay a finished recording as fast as possible on two threads (read and
/// parse; aggregate) and return the final state with the ingest accounting.
pub fn replay_to_end(dir: &Path, cfg: Arc<Config>) -> anyhow::Result<(State, SourceStats)> {
    replay_with(dir, cfg, |_, _| {})
}

/// As `replay_to_end`, calling `each` after every applied input (the alert
/// engine hooks in here).
pub fn replay_with(
    dir: &Path,
    cfg: Arc<Config>,
    mut each: impl FnMut(&mut State, &Input),
) -> anyhow::Result<(State, SourceStats)> {
    check_dir(dir)?;
    let (tx, rx) = mpsc::sync_channel::<Batch>(4);
    let reader = spawn(dir, cfg.clone(), Mode::Replay, move |b| tx.send(b).is_ok());
    let mut state = State::new(cfg, reader.dims.clone());
    for batch in rx {
        for input in &batch.inputs {
            state.apply_input(input);
            if let Input::Record(r) = input {
                // Replay: event time is the newest record's time.
                state.advance(r.ts);
            }
            each(&mut state, input);
        }
    }
    let stats = reader.stats.read().expect("stats lock").clone();
    reader.stop();
    Ok((state, stats))
}

/// A recording must be an existing directory (a clear error, not an empty run).
pub fn check_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| anyhow::anyhow!("cannot read recording directory {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        anyhow::bail!(
            "{} is not a directory (a recording is a directory of .jsonl/.csv files)",
            dir.display()
        );
    }
    Ok(dir.to_path_buf())
}
