//! Replay with time travel: play, pause, change speed, seek both ways.
//!
//! **Inputs, bounded.** A replay keeps the recording's merged input stream
//! (`source::Input`, the compact parsed form) so that seeking never re-reads
//! or re-parses files. The stream lives in an `InputStore`
//! (`view::input_store`): chunks of 64 Ki inputs, at most
//! `input_store::RESIDENT_BUDGET` (64 MiB, about 1 M inputs) of them in
//! memory; older chunks go to an unnamed temporary file (45 bytes per
//! input) and are decoded back, least recently used out, when a seek or
//! re-run needs them. The shipped sample (184 k records, ~12 MB) stays in
//! memory; 10 M records take 64 MiB of memory and ~400 MB of temporary
//! disk (before, all of them were in memory: ~640 MB). Decoding is cheap
//! next to applying: a straight run over 5 M records is as fast spilled as
//! in memory. The reader thread fills the store while the screen already
//! plays what has arrived.
//!
//! **Faults.** The temporary file can fail (disk full, unwritable temporary
//! directory, I/O error); that never panics and the screen keeps running.
//! A failed write cuts the recording where it happened: loading stops and
//! the replay plays the inputs stored before it (`Fault::Cut`). A failed
//! read stops the replay where it stands, a consistent state of the inputs
//! applied so far, and seeking is refused from then on (`Fault::Stopped`).
//! Either is shown on the screen (`fault`).
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
use crate::view::input_store::InputStore;

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
    /// The inputs cannot be read back (see `Replay::fault`); the position
    /// does not move again.
    Failed,
}

/// What went wrong with the replay's temporary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Writing failed: only the first `records` inputs were kept.
    Cut { records: usize, error: String },
    /// Reading back failed: the replay stopped where it stood.
    Stopped { error: String },
}

pub struct Replay {
    inputs: InputStore,
    loaded: bool,
    /// Writing the inputs failed: later ones are dropped.
    cut: Option<Fault>,
    /// Reading the inputs back failed: the position is frozen.
    stopped: Option<Fault>,
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
        Replay::with_store(cfg, dims, baseline, InputStore::default())
    }

    /// A replay keeping its inputs in `inputs` (an empty store: chunk size,
    /// memory budget and temporary directory of your choice).
    pub fn with_store(
        cfg: Arc<Config>,
        dims: Arc<RwLock<Dims>>,
        baseline: Option<Arc<Baseline>>,
        inputs: InputStore,
    ) -> Replay {
        debug_assert!(inputs.is_empty());
        let settle = i64::from(cfg.alerts.settle_seconds) * 1000;
        let fresh = Session::new(cfg, dims, baseline);
        Replay {
            inputs,
            loaded: false,
            cut: None,
            stopped: None,
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

    /// Append inputs read from the recording (in stream order). If they
    /// cannot be stored (the temporary file fails), the recording is cut
    /// there: it counts as loaded and later inputs are dropped.
    pub fn push(&mut self, inputs: Vec<Input>) {
        if self.cut.is_some() {
            return;
        }
        for input in inputs {
            let ts = match &input {
                Input::Record(r) => Some(r.ts),
                Input::Bad { .. } => None,
            };
            if let Err(e) = self.inputs.push(input) {
                self.cut = Some(Fault::Cut {
                    records: self.inputs.len(),
                    error: e.to_string(),
                });
                self.loaded = true;
                return;
            }
            if let Some(ts) = ts {
                self.first_ts = Some(self.first_ts.map_or(ts, |t| t.min(ts)));
                self.last_ts = Some(self.last_ts.map_or(ts, |t| t.max(ts)));
            }
        }
    }

    /// The whole recording is in.
    pub fn finish_loading(&mut self) {
        self.loaded = true;
    }

    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// What went wrong with the temporary file, if anything (a stopped
    /// replay first: it matters more than a cut recording).
    pub fn fault(&self) -> Option<&Fault> {
        self.stopped.as_ref().or(self.cut.as_ref())
    }

    /// The inputs (sizes, memory).
    pub fn inputs(&self) -> &InputStore {
        &self.inputs
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

    /// Memory held: input bytes in memory (resident chunks, buffer and
    /// chunk index; the rest is in the temporary file), checkpoints, their
    /// estimated bytes, and the current grid spacing.
    pub fn memory(&self) -> (usize, usize, usize, Millis) {
        (
            self.inputs.resident_bytes() + self.inputs.index_bytes(),
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
    /// Refused once the replay has stopped on a fault.
    pub fn seek(&mut self, t: Millis) {
        if self.stopped.is_some() {
            return;
        }
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
        if self.stopped.is_some() {
            return Step::Failed;
        }
        match self.goal {
            Goal::To(t) => self.run_to(t, budget, out, None),
            Goal::NextEvent(after) => {
                let end = self.last_ts.unwrap_or(Millis::MIN);
                let mut found = None;
                let r = self.run_to(end, budget, out, Some((after, &mut found)));
                match found {
                    _ if r == Step::Failed => r,
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
            let ts = match self.inputs.get(self.pos) {
                Ok(Some(Input::Record(r))) => Some(r.ts),
                Ok(Some(Input::Bad { .. })) => None,
                Ok(None) => break,
                Err(e) => return self.stop(e),
            };
            if let Some(ts) = ts {
                if ts > t {
                    break;
                }
                let cell = ts.div_euclid(self.spacing);
                if cell != self.last_cell {
                    self.last_cell = cell;
                    self.checkpoint(cell);
                }
            }
            // The same chunk as just read: no I/O.
            let input = match self.inputs.get(self.pos) {
                Ok(Some(input)) => input,
                Ok(None) => break,
                Err(e) => return self.stop(e),
            };
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

    /// The inputs cannot be read back: stay where we are (every input
    /// before `pos` applied, a consistent state) and say why.
    fn stop(&mut self, e: std::io::Error) -> Step {
        self.stopped = Some(Fault::Stopped {
            error: e.to_string(),
        });
        self.goal = Goal::To(self.session.state.now);
        Step::Failed
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
        let bytes = self.session.approx_bytes();
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
    load_with(dir, cfg, InputStore::default())
}

/// `load`, keeping the inputs in `inputs` (an empty store).
pub fn load_with(
    dir: &Path,
    cfg: Arc<Config>,
    inputs: InputStore,
) -> anyhow::Result<(Replay, SourceStats)> {
    ingest::check_dir(dir)?;
    let baseline = Baseline::load(&cfg)?;
    let (tx, rx) = mpsc::sync_channel::<Batch>(4);
    let reader = ingest::spawn(dir, cfg.clone(), Mode::Replay, move |b| tx.send(b).is_ok());
    let mut replay = Replay::with_store(cfg, reader.dims.clone(), baseline, inputs);
    for batch in rx {
        replay.push(batch.inputs);
        if replay.loaded() {
            // Cut short (see `Fault::Cut`): stop reading.
            break;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_temporary_file_stops_the_replay_where_it_stands() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let cfg = Config::load(&root.join("sample-data/warroom.toml")).expect("config");
        // Two chunks of 1024 inputs in memory: the rest is in the file.
        let store = InputStore::new(1024, 0);
        let (mut r, _) =
            load_with(&root.join("sample-data/campaign"), Arc::new(cfg), store).expect("loads");
        let (first, last) = (r.first_ts().expect("ts"), r.last_ts().expect("ts"));
        let mut sink = Vec::new();
        r.seek(first + (last - first) / 2);
        assert_eq!(r.finish(&mut sink), Step::Reached);
        assert_eq!(r.fault(), None);
        r.inputs.damage_spill_file();
        // Back: a checkpoint, then inputs that are only in the file.
        r.seek(first + (last - first) / 4);
        assert_eq!(r.finish(&mut sink), Step::Failed);
        match r.fault() {
            Some(Fault::Stopped { error }) => {
                assert!(error.contains("temporary file"), "{error}")
            }
            f => panic!("expected a stop, got {f:?}"),
        }
        let (now, records) = (r.now(), r.session().state.records);
        // Frozen where it stopped: steps fail, seeks are refused, no panic.
        r.seek(last);
        assert_eq!(r.step(1000, &mut sink), Step::Failed);
        r.seek_next_event();
        assert_eq!(r.finish(&mut sink), Step::Failed);
        r.set_target(first);
        assert_eq!(r.finish(&mut sink), Step::Failed);
        assert_eq!((r.now(), r.session().state.records), (now, records));
    }
}
