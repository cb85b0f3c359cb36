//! A war-room session: the state, the alert engine and the event clock
//! moving together. Replay and live drive it the same way — inputs in
//! order, and the clock — and differ only in where the clock comes from.

use std::path::Path;
use std::sync::{mpsc, Arc, RwLock};

use crate::alerts::expect::Baseline;
use crate::alerts::model::AlertEvent;
use crate::alerts::Engine;
use crate::config::Config;
use crate::dims::Dims;
use crate::ingest::{self, Batch, Mode};
use crate::source::{Input, SourceStats};
use crate::state::State;
use crate::summary::Summary;
use crate::time::Millis;

#[derive(Clone)]
pub struct Session {
    pub state: State,
    pub engine: Engine,
}

impl Session {
    pub fn new(
        cfg: Arc<Config>,
        dims: Arc<RwLock<Dims>>,
        baseline: Option<Arc<Baseline>>,
    ) -> Session {
        Session {
            state: State::new(cfg.clone(), dims),
            engine: Engine::new(cfg, baseline),
        }
    }

    /// Move the event clock to `now`, judging every bucket that closed.
    pub fn advance(&mut self, now: Millis, out: &mut Vec<AlertEvent>) {
        self.state.advance(now);
        self.engine.on_clock(&self.state, self.state.now, out);
    }

    /// Apply one input. In a replay the clock follows the records, so a
    /// record first moves the clock to its own time.
    pub fn apply_replay(&mut self, input: &Input, out: &mut Vec<AlertEvent>) {
        if let Input::Record(r) = input {
            if r.ts > self.state.now {
                self.advance(r.ts, out);
            }
        }
        self.state.apply_input(input);
    }

    /// Apply a live batch that arrived at wall time `wall`: exactly as a
    /// replay (each record first moves the clock to its own time), while
    /// the live clock learns where event time is.
    pub fn apply_live(
        &mut self,
        inputs: &[Input],
        clock: &mut crate::clock::LiveClock,
        wall: Millis,
        out: &mut Vec<AlertEvent>,
    ) {
        for input in inputs {
            if let Input::Record(r) = input {
                clock.observe(r.ts, wall);
            }
            self.apply_replay(input, out);
        }
    }

    /// About what a clone of this session allocates (a replay checkpoint):
    /// the series, the order keys, and a fixed allowance for the rest.
    /// `tests/checkpoint_bytes.rs` holds it to the measured allocation.
    pub fn approx_bytes(&self) -> usize {
        let s = &self.state;
        s.series.approx_bytes() + s.order_keys() * 32 + (64 << 10)
    }

    pub fn summary(&self, stats: &SourceStats) -> Summary {
        Summary::build(&self.state, stats, self.engine.counts)
    }
}

/// Replay a finished recording with alerting, as fast as possible. `sink`
/// gets every alert transition as it happens (e.g. the alert log).
pub fn replay(
    dir: &Path,
    cfg: Arc<Config>,
    sink: impl FnMut(&[AlertEvent]) -> anyhow::Result<()>,
) -> anyhow::Result<(Session, SourceStats)> {
    replay_until(dir, cfg, None, sink)
}

/// As `replay`, stopping at event time `until` when given: every input up to
/// the first record later than it is applied, then the clock moves to it
/// (the state "at T" that snapshots and seeks land on).
pub fn replay_until(
    dir: &Path,
    cfg: Arc<Config>,
    until: Option<Millis>,
    mut sink: impl FnMut(&[AlertEvent]) -> anyhow::Result<()>,
) -> anyhow::Result<(Session, SourceStats)> {
    ingest::check_dir(dir)?;
    let baseline = Baseline::load(&cfg)?;
    let (tx, rx) = mpsc::sync_channel::<Batch>(4);
    let reader = ingest::spawn(dir, cfg.clone(), Mode::Replay, move |b| tx.send(b).is_ok());
    let mut session = Session::new(cfg, reader.dims.clone(), baseline);
    let mut events = Vec::new();
    'read: for batch in rx.iter() {
        for input in &batch.inputs {
            if let (Input::Record(r), Some(t)) = (input, until) {
                if r.ts > t {
                    break 'read;
                }
            }
            session.apply_replay(input, &mut events);
            if !events.is_empty() {
                sink(&events)?;
                events.clear();
            }
        }
    }
    drop(rx);
    if let Some(t) = until {
        session.advance(t, &mut events);
        sink(&events)?;
    }
    let stats = reader.stats.read().expect("stats lock").clone();
    reader.stop();
    Ok((session, stats))
}
