//! Replay on the screen: the ingest thread reads the recording and the
//! screen stores it (in bounded memory, the rest in a temporary file) while
//! it plays; play, pause, speed, seek and alert navigation go through
//! `view::replay::Replay` (checkpoints, exact seeks).

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use warroom::alerts::expect::Baseline;
use warroom::alerts::log::AlertLog;
use warroom::config::Config;
use warroom::ingest::{self, Batch, Mode, Reader};
use warroom::session::Session;
use warroom::source::SourceStats;
use warroom::summary::write_atomic;
use warroom::time::{format_clock, Millis};
use warroom::view::replay::{Replay, Step};
use warroom::view::text::Lang;
use warroom::view::ui::{Command, Status};

use super::Driver;

/// The speeds `+`/`-` step through (event seconds per wall second).
pub const SPEEDS: [f64; 11] = [
    1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0,
];

use super::BaselineResult;

pub struct ReplayDriver {
    cfg: Arc<Config>,
    dir: PathBuf,
    baseline: Option<Receiver<BaselineResult>>,
    reader: Option<Reader>,
    batches: Option<Receiver<Batch>>,
    stats: Option<Arc<RwLock<SourceStats>>>,
    replay: Option<Replay>,
    speed: f64,
    paused: bool,
    started: bool,
    from: Option<Millis>,
    play_at: f64,
    last_wall: Instant,
    seeking: Option<Millis>,
    searching: bool,
    log: AlertLog,
    log_path: Option<PathBuf>,
    summary_out: Option<PathBuf>,
}

impl ReplayDriver {
    pub fn new(
        dir: PathBuf,
        cfg: Arc<Config>,
        speed: f64,
        from: Option<Millis>,
        alerts_out: Option<PathBuf>,
        summary_out: Option<PathBuf>,
    ) -> Result<ReplayDriver> {
        ingest::check_dir(&dir)?;
        let log = AlertLog::create(alerts_out.as_deref())?;
        let rx = super::load_baseline_in_background(&cfg)?;
        Ok(ReplayDriver {
            cfg,
            dir,
            baseline: Some(rx),
            reader: None,
            batches: None,
            stats: None,
            replay: None,
            speed: speed.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]),
            paused: false,
            started: false,
            from,
            play_at: 0.0,
            last_wall: Instant::now(),
            seeking: None,
            searching: false,
            log,
            log_path: alerts_out,
            summary_out,
        })
    }

    fn start_reading(&mut self, baseline: Option<Arc<Baseline>>) {
        let (tx, rx) = mpsc::sync_channel::<Batch>(8);
        let reader = ingest::spawn(&self.dir, self.cfg.clone(), Mode::Replay, move |b| {
            tx.send(b).is_ok()
        });
        self.replay = Some(Replay::new(self.cfg.clone(), reader.dims.clone(), baseline));
        self.stats = Some(reader.stats.clone());
        self.batches = Some(rx);
        self.reader = Some(reader);
    }

    /// Clamp a seek target to the recording (as far as it is loaded).
    fn clamp(&self, t: Millis) -> Millis {
        let Some(r) = &self.replay else { return t };
        let lo = r.first_ts().unwrap_or(t);
        let hi = r.last_ts().unwrap_or(t);
        t.clamp(lo.min(hi), hi.max(lo))
    }

    fn seek(&mut self, t: Millis) {
        let t = self.clamp(t);
        if let Some(r) = &mut self.replay {
            r.seek(t);
            self.play_at = t as f64;
            self.seeking = Some(t);
            self.searching = false;
        }
    }
}

impl Driver for ReplayDriver {
    fn session(&self) -> Option<&Session> {
        self.replay
            .as_ref()
            .filter(|_| self.started)
            .map(|r| r.session())
    }

    fn splash(&self, lang: Lang) -> String {
        match &self.replay {
            None => lang
                .t(
                    "载入基线 (历史同期) …",
                    "loading the baseline (last year) …",
                )
                .into(),
            Some(r) => format!(
                "{} {} …",
                lang.t("读取回放记录", "reading the recording"),
                r.len()
            ),
        }
    }

    fn status(&self) -> Status {
        let r = self.replay.as_ref();
        Status::Replay {
            speed: self.speed,
            paused: self.paused,
            ended: r.is_some_and(|r| r.at_end()),
            seeking: self.seeking.or(if self.searching {
                r.map(|r| r.now())
            } else {
                None
            }),
            loading: r.filter(|r| !r.loaded()).map(|r| r.len()),
            fault: r.and_then(|r| r.fault().cloned()),
        }
    }

    fn pump(&mut self, budget: Duration) -> Result<bool> {
        let started = Instant::now();
        if self.replay.is_none() {
            let Some(rx) = &self.baseline else {
                return Ok(false);
            };
            match rx.try_recv() {
                Ok(b) => {
                    self.baseline = None;
                    self.start_reading(b?);
                }
                Err(TryRecvError::Empty) => return Ok(false),
                Err(TryRecvError::Disconnected) => {
                    anyhow::bail!("the baseline loader stopped")
                }
            }
        }
        let mut changed = false;
        let replay = self.replay.as_mut().expect("replay started");
        if let Some(rx) = &self.batches {
            loop {
                match rx.try_recv() {
                    Ok(b) => {
                        replay.push(b.inputs);
                        changed = true;
                        if started.elapsed() >= budget {
                            break;
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        replay.finish_loading();
                        self.batches = None;
                        changed = true;
                        break;
                    }
                }
            }
            if replay.loaded() && self.batches.is_some() {
                // The recording was cut (the temporary file failed): stop
                // the reader, whose next send now fails.
                self.batches = None;
            }
        }
        if !self.started {
            match (replay.first_ts(), replay.loaded()) {
                (Some(first), _) => {
                    self.started = true;
                    let at = self.from.unwrap_or(first).max(first);
                    self.play_at = at as f64;
                    replay.seek(at);
                    self.seeking = self.from.map(|_| at);
                    self.last_wall = Instant::now();
                }
                (None, true) => {
                    self.started = true;
                    self.paused = true;
                }
                (None, false) => return Ok(changed),
            }
        }
        let now_before = replay.now();
        let wall = self.last_wall.elapsed();
        self.last_wall = Instant::now();
        if !self.paused && self.seeking.is_none() && !self.searching {
            self.play_at += wall.as_secs_f64() * 1000.0 * self.speed;
            // Never run far ahead of what could be applied.
            let cap = replay.now() as f64 + self.speed * 1000.0;
            if replay.now() != Millis::MIN && self.play_at > cap {
                self.play_at = cap;
            }
            if replay.loaded() {
                if let Some(last) = replay.last_ts() {
                    self.play_at = self.play_at.min(last as f64);
                }
            }
            replay.set_target(self.play_at as Millis);
        }
        let mut events = Vec::new();
        let step = loop {
            match replay.step(8_192, &mut events) {
                Step::Busy if started.elapsed() < budget => continue,
                s => break s,
            }
        };
        if !events.is_empty() {
            self.log
                .write(&events)
                .context("cannot write the alert log")?;
            changed = true;
        }
        if step == Step::Failed && (self.seeking.is_some() || self.searching || !self.paused) {
            // Stopped on a fault (shown in the status): stay put.
            self.seeking = None;
            self.searching = false;
            self.paused = true;
            changed = true;
        }
        if step == Step::Reached {
            if self.seeking.take().is_some() || self.searching {
                changed = true;
            }
            if self.searching {
                self.searching = false;
                self.paused = true;
            }
            self.play_at = self.play_at.max(replay.now() as f64);
        }
        if replay.at_end() && !self.paused {
            self.paused = true;
            changed = true;
        }
        Ok(changed || replay.now() != now_before)
    }

    fn wake_in(&self) -> Duration {
        let busy = self.replay.is_none()
            || self.batches.is_some()
            || self.seeking.is_some()
            || self.searching
            || !self.paused;
        if busy {
            Duration::from_millis(50)
        } else {
            Duration::from_secs(1)
        }
    }

    fn command(&mut self, c: &Command, lang: Lang) -> Result<Option<String>> {
        if self.replay.is_none() {
            return Ok(None);
        }
        let now = self.replay.as_ref().map_or(0, |r| r.now());
        match c {
            Command::TogglePause => {
                let at_end = self.replay.as_ref().is_some_and(|r| r.at_end());
                if !at_end {
                    self.paused = !self.paused;
                    self.last_wall = Instant::now();
                }
            }
            Command::Faster => {
                self.speed = SPEEDS
                    .iter()
                    .copied()
                    .find(|s| *s > self.speed)
                    .unwrap_or(self.speed);
            }
            Command::Slower => {
                self.speed = SPEEDS
                    .iter()
                    .rev()
                    .copied()
                    .find(|s| *s < self.speed)
                    .unwrap_or(self.speed);
            }
            Command::SeekBy(d) => {
                let base = self.seeking.unwrap_or(now);
                self.seek(base + d);
            }
            Command::SeekTo(t) => {
                let clamped = self.clamp(*t);
                self.seek(*t);
                if clamped != *t {
                    return Ok(Some(format!(
                        "{} {}",
                        lang.t("超出记录范围, 已到", "outside the recording: went to"),
                        format_clock(clamped, self.cfg.tz)
                    )));
                }
            }
            Command::NextTransition => {
                if let Some(r) = &mut self.replay {
                    r.seek_next_event();
                    self.paused = true;
                    self.searching = r.target().is_none();
                    self.seeking = r.target();
                }
            }
            Command::PrevTransition => {
                if let Some(r) = &mut self.replay {
                    if r.seek_prev_event() {
                        self.paused = true;
                        self.seeking = r.target();
                        self.play_at = r.target().unwrap_or(now) as f64;
                    } else {
                        return Ok(Some(
                            lang.t("之前没有告警变化", "no earlier alert transition")
                                .into(),
                        ));
                    }
                }
            }
            Command::Ack(id) => {
                let Some(r) = &mut self.replay else {
                    return Ok(None);
                };
                return Ok(Some(match r.ack(id) {
                    Some(ev) => {
                        self.log
                            .write(std::slice::from_ref(&ev))
                            .context("cannot write the alert log")?;
                        match &self.log_path {
                            Some(p) => {
                                format!("{id} {} → {}", lang.t("已确认", "acked"), p.display())
                            }
                            None => format!("{id} {}", lang.t("已确认", "acked")),
                        }
                    }
                    None => format!("{id} {}", lang.t("无法确认", "cannot be acked")),
                }));
            }
            Command::Quit | Command::Refilter | Command::WriteReport => {}
        }
        Ok(None)
    }

    fn source_stats(&self) -> Option<SourceStats> {
        self.stats
            .as_ref()
            .map(|s| s.read().expect("stats lock").clone())
    }

    fn finish(&mut self) -> Result<()> {
        if let (Some(p), Some(r), Some(stats)) = (&self.summary_out, &self.replay, &self.stats) {
            let stats = stats.read().expect("stats lock").clone();
            write_atomic(p, &r.session().summary(&stats).to_json())
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
        self.batches = None;
        if let Some(reader) = self.reader.take() {
            reader.stop();
        }
        Ok(())
    }
}
