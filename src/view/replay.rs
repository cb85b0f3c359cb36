//! Replay with time travel: play, pause, change speed, seek both ways.
//!
//! **Inputs in memory.** A replay keeps the recording's merged input stream
//! (`source::Input`, the compact parsed form, `size_of::<Input>()` bytes per
//! record: 64 on x86-64, so ~12 MB for the 184 k records of the shipped
//! sample and ~640 MB for 10 M records) so that seeking never re-reads or
//! re-parses files. The reader thread fills it while the screen already
//! plays what has arrived.
//!
//! **Position.** The state "at event time T" is, by definition, every input
//! up to the first record later than T applied in stream order
//! (`Session::apply_replay`, which moves the clock with the records), then
//! the clock moved to T (`Session::advance`). A straight run, a forward seek
//! and a backward seek all land there.
//!
//! **Checkpoints.** Seeking backwards restores the nearest earlier
//! checkpoint (a clone of the `Session`) and re-applies inputs from there.
//! Checkpoints are taken on a grid of event time (every 10 minutes at
//! first). They are bounded: at most `MAX_CHECKPOINTS` and
//! `CHECKPOINT_BYTES` in total; when either bound is passed, every other
//! checkpoint is dropped and the grid spacing doubles. A backward seek so
//! costs at most one clone plus one grid cell of re-applied records.
//!
//! **Exactness.** A checkpoint is taken just before a record is applied,
//! so re-applying from it repeats the straight run's operations. The clock
//! moves the screen made while playing (an `advance` to a time between two
//! records) evaluate the same buckets on the same state as the straight
//! run does when the next record arrives: rules read the series up to the
//! evaluated boundary, never the clock. (The one exception is a gap in the
//! recording longer than the engine's catch-up limit, 2 000 buckets, which
//! a straight run skips and a playing screen evaluates.)
//!
//! **Alert log and acks.** Transitions are numbered in the order the run
//! makes them; only those past the furthest point ever reached are "new"
//! (handed out for the alert log), so re-playing a stretch after a seek
//! does not log it twice. An ack is remembered with its position and is
//! re-applied when a re-run passes that position; checkpoints after it are
//! dropped (they do not hold it).

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};

use crate::alerts::expect::Baseline;
use crate::alerts::model::AlertEvent;
use crate::config::Config;
use crate::dims::Dims;
use crate::ingest::{self, Batch, Mode};
use crate::session::Session;
use crate::source::{Input, SourceStats};
use crate::time::{Millis, MINUTE};

/// Most checkpoints kept.
pub const MAX_CHECKPOINTS: usize = 64;
/// Most bytes (estimated) of checkpoints kept.
pub const CHECKPOINT_BYTES: usize = 512 << 20;
/// Initial spacing of checkpoints, event time.
pub const CHECKPOINT_EVERY: Millis = 10 * MINUTE;

struct Checkpoint {
    pos: usize,
    cell: i64,
    session: Session,
    events_run: usize,
    acks_applied: usize,
    bytes: usize,
}

#[derive(Debug, Clone)]
struct Ack {
    pos: usize,
    at: Millis,
    id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    /// Run to this event time.
    To(Millis),
    /// Run forward until a transition after this time, then land on it.
    NextEvent(Millis),
}

/// The outcome of one bounded step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The position is the goal.
    Reached,
    /// The budget ran out first: call again.
    Busy,
    /// The goal lies beyond what has been loaded so far.
    Waiting,
}

pub struct Replay {
    inputs: Vec<Input>,
    loaded: bool,
    first_ts: Option<Millis>,
    last_ts: Option<Millis>,
    fresh: Session,
    session: Session,
    pos: usize,
    /// Cell of the last record applied (checkpoint grid).
    last_cell: i64,
    goal: Goal,
    /// Position time once the goal is reached.
    at: Millis,
    events_run: usize,
    events_seen: usize,
    transitions: Vec<Millis>,
    /// Transition times of the last batch of events.
    last_batch: Vec<Millis>,
    acks: Vec<Ack>,
    acks_applied: usize,
    checkpoints: Vec<Checkpoint>,
    spacing: Millis,
    settle: Millis,
}

impl Replay {
    pub fn new(
        cfg: Arc<Config>,
        dims: Arc<RwLock<Dims>>,
        baseline: Option<Arc<Baseline>>,
    ) -> Replay {
        let settle = i64::from(cfg.alerts.settle_seconds) * 1000;
        let fresh = Session::new(cfg, dims, baseline);
        Replay {
            inputs: Vec::new(),
            loaded: false,
            first_ts: None,
            last_ts: None,
            session: fresh.clone(),
            fresh,
            pos: 0,
            last_cell: i64::MIN,
            goal: Goal::To(Millis::MIN),
            at: Millis::MIN,
            events_run: 0,
            events_seen: 0,
            transitions: Vec::new(),
            last_batch: Vec::new(),
            acks: Vec::new(),
            acks_applied: 0,
            checkpoints: Vec::new(),
            spacing: CHECKPOINT_EVERY,
            settle,
        }
    }

    /// Append inputs read from the recording (in stream order).
    pub fn push(&mut self, inputs: Vec<Input>) {
        for i in &inputs {
            if let Input::Record(r) = i {
                self.first_ts = Some(self.first_ts.map_or(r.ts, |t| t.min(r.ts)));
                self.last_ts = Some(self.last_ts.map_or(r.ts, |t| t.max(r.ts)));
            }
        }
        if self.inputs.is_empty() {
            self.inputs = inputs;
        } else {
            self.inputs.extend(inputs);
        }
    }

    /// The whole recording is in.
    pub fn finish_loading(&mut self) {
        self.loaded = true;
    }

    pub fn loaded(&self) -> bool {
        self.loaded
    }

    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    pub fn first_ts(&self) -> Option<Millis> {
        self.first_ts
    }

    pub fn last_ts(&self) -> Option<Millis> {
        self.last_ts
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Event time of the position (the goal's time once reached).
    pub fn now(&self) -> Millis {
        self.session.state.now
    }

    /// The time being run to, if any.
    pub fn target(&self) -> Option<Millis> {
        match self.goal {
            Goal::To(t) => Some(t),
            Goal::NextEvent(_) => None,
        }
    }

    /// Has the position reached the end of a fully loaded recording?
    pub fn at_end(&self) -> bool {
        self.loaded && self.pos >= self.inputs.len() && self.at >= self.last_ts.unwrap_or(0)
    }

    /// Memory held: input bytes, checkpoints, their estimated bytes, and
    /// the current grid spacing.
    pub fn memory(&self) -> (usize, usize, usize, Millis) {
        (
            self.inputs.capacity() * std::mem::size_of::<Input>(),
            self.checkpoints.len(),
            self.checkpoints.iter().map(|c| c.bytes).sum(),
            self.spacing,
        )
    }

    /// Run towards `t` (forward play). A time behind the position seeks.
    pub fn set_target(&mut self, t: Millis) {
        if t < self.session.state.now {
            self.seek(t);
        } else {
            self.goal = Goal::To(t);
        }
    }

    /// Go to event time `t`: backwards restores the nearest checkpoint at
    /// or before `t` (cheap), then `step` re-applies records up to `t`.
    pub fn seek(&mut self, t: Millis) {
        if t < self.session.state.now {
            self.restore(t);
        }
        self.goal = Goal::To(t);
    }

    /// Run forward to the next alert transition after the position and land
    /// where it has just happened.
    pub fn seek_next_event(&mut self) {
        let now = self.session.state.now;
        match self.transitions.iter().find(|t| **t + self.settle > now) {
            Some(t) => self.seek(*t + self.settle),
            None => self.goal = Goal::NextEvent(now),
        }
    }

    /// Go back to the latest transition before the position.
    pub fn seek_prev_event(&mut self) -> bool {
        let now = self.session.state.now;
        match self
            .transitions
            .iter()
            .rev()
            .find(|t| **t + self.settle < now)
        {
            Some(t) => {
                self.seek(*t + self.settle);
                true
            }
            None => false,
        }
    }

    /// Event times (as `at` of the alert log) of every transition seen.
    pub fn transitions(&self) -> &[Millis] {
        &self.transitions
    }

    fn restore(&mut self, t: Millis) {
        let cp = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.session.state.now <= t);
        match cp {
            Some(c) => {
                self.session = c.session.clone();
                self.pos = c.pos;
                self.events_run = c.events_run;
                self.acks_applied = c.acks_applied;
                self.last_cell = c.cell;
            }
            None => {
                self.session = self.fresh.clone();
                self.pos = 0;
                self.events_run = 0;
                self.acks_applied = 0;
                self.last_cell = i64::MIN;
            }
        }
        self.at = Millis::MIN;
    }

    /// Work towards the goal, applying at most `budget` inputs. New alert
    /// transitions (never handed out before) are appended to `out`.
    pub fn step(&mut self, budget: usize, out: &mut Vec<AlertEvent>) -> Step {
        match self.goal {
            Goal::To(t) => self.run_to(t, budget, out, None),
            Goal::NextEvent(after) => {
                let end = self.last_ts.unwrap_or(Millis::MIN);
                let mut found = None;
                let r = self.run_to(end, budget, out, Some((after, &mut found)));
                match found {
                    Some(at) => {
                        self.seek(at + self.settle);
                        Step::Busy
                    }
                    None if r == Step::Reached => {
                        self.goal = Goal::To(end);
                        Step::Reached
                    }
                    None => r,
                }
            }
        }
    }

    /// Run to the goal without a budget (tests, snapshot).
    pub fn finish(&mut self, out: &mut Vec<AlertEvent>) -> Step {
        loop {
            match self.step(usize::MAX, out) {
                Step::Busy => continue,
                s => return s,
            }
        }
    }

    fn run_to(
        &mut self,
        t: Millis,
        budget: usize,
        out: &mut Vec<AlertEvent>,
        mut watch: Option<(Millis, &mut Option<Millis>)>,
    ) -> Step {
        if self.at == t && self.at != Millis::MIN && self.session.state.now == t {
            return Step::Reached;
        }
        let mut events = Vec::new();
        let mut n = 0usize;
        loop {
            self.apply_acks(t, out);
            let Some(input) = self.inputs.get(self.pos) else {
                break;
            };
            if let Input::Record(r) = input {
                if r.ts > t {
                    break;
                }
                let cell = r.ts.div_euclid(self.spacing);
                if cell != self.last_cell {
                    self.last_cell = cell;
                    self.checkpoint(cell);
                }
            }
            let input = &self.inputs[self.pos];
            self.session.apply_replay(input, &mut events);
            self.pos += 1;
            n += 1;
            if !events.is_empty() {
                self.take_events(&mut events, out);
                if let Some((after, found)) = watch.as_mut() {
                    if let Some(&at) = self
                        .recent_transitions()
                        .find(|a| *a + self.settle > *after)
                    {
                        **found = Some(at);
                        return Step::Busy;
                    }
                }
            }
            if n >= budget {
                return Step::Busy;
            }
        }
        if self.pos >= self.inputs.len() && !self.loaded {
            return Step::Waiting;
        }
        self.session.advance(t, &mut events);
        self.take_events(&mut events, out);
        if let Some((after, found)) = watch.as_mut() {
            if let Some(&at) = self
                .recent_transitions()
                .find(|a| *a + self.settle > *after)
            {
                **found = Some(at);
                return Step::Busy;
            }
        }
        self.at = t;
        Step::Reached
    }

    /// Transitions made by the last `take_events` call, oldest first.
    fn recent_transitions(&self) -> impl Iterator<Item = &Millis> {
        self.last_batch.iter()
    }

    fn take_events(&mut self, events: &mut Vec<AlertEvent>, out: &mut Vec<AlertEvent>) {
        self.last_batch.clear();
        for e in events.drain(..) {
            self.events_run += 1;
            self.last_batch.push(e.at_ms);
            if let Err(i) = self.transitions.binary_search(&e.at_ms) {
                self.transitions.insert(i, e.at_ms);
            }
            if self.events_run > self.events_seen {
                self.events_seen = self.events_run;
                out.push(e);
            }
        }
    }

    fn apply_acks(&mut self, t: Millis, out: &mut Vec<AlertEvent>) {
        while let Some(a) = self.acks.get(self.acks_applied) {
            if a.pos != self.pos || a.at > t {
                break;
            }
            let (at, id) = (a.at, a.id.clone());
            let mut events = Vec::new();
            self.session.advance(at, &mut events);
            self.take_events(&mut events, out);
            let phase = self.session.state.cfg.phase_at(at);
            let _ = self.session.engine.ack(&id, at, phase);
            self.acks_applied += 1;
        }
    }

    /// Acknowledge an open alert at the position: the engine's `ack` (the
    /// returned line goes to the alert log). Remembered for re-runs.
    pub fn ack(&mut self, id: &str) -> Option<AlertEvent> {
        let at = self.session.state.now;
        if at == Millis::MIN {
            return None;
        }
        let phase = self.session.state.cfg.phase_at(at);
        let ev = self.session.engine.ack(id, at, phase)?;
        // Insert in position order and forget checkpoints that lack it.
        let i = self
            .acks
            .iter()
            .position(|a| a.pos > self.pos)
            .unwrap_or(self.acks.len());
        self.acks.insert(
            i,
            Ack {
                pos: self.pos,
                at,
                id: id.to_string(),
            },
        );
        self.acks_applied = i + 1;
        let pos = self.pos;
        self.checkpoints.retain(|c| c.pos < pos);
        Some(ev)
    }

    fn checkpoint(&mut self, cell: i64) {
        if self.checkpoints.iter().any(|c| c.cell == cell) {
            return;
        }
        let s = &self.session.state;
        let bytes = s.series.approx_bytes() + s.order_keys() * 32 + (64 << 10);
        let cp = Checkpoint {
            pos: self.pos,
            cell,
            session: self.session.clone(),
            events_run: self.events_run,
            acks_applied: self.acks_applied,
            bytes,
        };
        let i = self
            .checkpoints
            .iter()
            .position(|c| c.pos > cp.pos)
            .unwrap_or(self.checkpoints.len());
        self.checkpoints.insert(i, cp);
        while self.checkpoints.len() > MAX_CHECKPOINTS
            || self.checkpoints.iter().map(|c| c.bytes).sum::<usize>() > CHECKPOINT_BYTES
        {
            if !self.thin() {
                break;
            }
        }
    }

    /// Double the grid spacing and keep one checkpoint per new cell.
    fn thin(&mut self) -> bool {
        if self.checkpoints.len() <= 1 {
            self.checkpoints.clear();
            return false;
        }
        self.spacing *= 2;
        let mut last = None;
        self.checkpoints.retain_mut(|c| {
            let cell = c.cell.div_euclid(2);
            if last == Some(cell) {
                false
            } else {
                last = Some(cell);
                c.cell = cell;
                true
            }
        });
        if self.last_cell != i64::MIN {
            self.last_cell = self.last_cell.div_euclid(2);
        }
        true
    }
}

/// Load a whole recording into a `Replay` (tests, snapshot). Returns the
/// replay, positioned before the first record, and the reader's stats.
pub fn load(dir: &Path, cfg: Arc<Config>) -> anyhow::Result<(Replay, SourceStats)> {
    ingest::check_dir(dir)?;
    let baseline = Baseline::load(&cfg)?;
    let (tx, rx) = mpsc::sync_channel::<Batch>(4);
    let reader = ingest::spawn(dir, cfg.clone(), Mode::Replay, move |b| tx.send(b).is_ok());
    let mut replay = Replay::new(cfg, reader.dims.clone(), baseline);
    for batch in rx {
        replay.push(batch.inputs);
    }
    replay.finish_loading();
    let stats = reader.stats.read().expect("stats lock").clone();
    reader.stop();
    Ok((replay, stats))
}

/// The session at event time `at` by a straight run over the files, reading
/// no further than needed (the `snapshot` command).
pub fn session_at(
    dir: &Path,
    cfg: Arc<Config>,
    at: Millis,
) -> anyhow::Result<(Session, SourceStats)> {
    crate::session::replay_until(dir, cfg, Some(at), |_| Ok(()))
}
