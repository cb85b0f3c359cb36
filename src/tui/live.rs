//! Live on the screen: follow a directory as producers append (the same
//! session code path as `watch --headless`: records applied as they come,
//! the clock from `LiveClock`), and the demo (the simulator writing a 双11
//! in real time × speed into a temporary directory, watched live).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use warroom::alerts::log::AlertLog;
use warroom::clock::{LiveClock, SystemClock, WallClock};
use warroom::config::Config;
use warroom::ingest::{self, Batch, Mode, Reader, Wakeup};
use warroom::session::Session;
use warroom::simulate::{run_with_stop, Pacing, SimOptions};
use warroom::summary::write_atomic;
use warroom::time::Millis;
use warroom::view::text::Lang;
use warroom::view::ui::{Command, Status};

use super::{Driver, Waker};

use super::BaselineResult;

pub struct LiveDriver {
    cfg: Arc<Config>,
    dir: PathBuf,
    baseline: Option<Receiver<BaselineResult>>,
    reader: Option<Reader>,
    batches: Option<Receiver<Batch>>,
    session: Option<Session>,
    frozen: Option<Session>,
    clock: LiveClock,
    rate: f64,
    polling: Option<String>,
    log: AlertLog,
    log_path: Option<PathBuf>,
    summary_out: Option<PathBuf>,
    summary_every: Duration,
    last_summary: Instant,
    waker: Option<Waker>,
}

impl LiveDriver {
    pub fn new(
        dir: PathBuf,
        cfg: Arc<Config>,
        rate: f64,
        alerts_out: Option<PathBuf>,
        summary_out: Option<PathBuf>,
        summary_every: Duration,
    ) -> Result<LiveDriver> {
        ingest::check_dir(&dir)?;
        let log = AlertLog::create(alerts_out.as_deref())?;
        let rx = super::load_baseline_in_background(&cfg)?;
        Ok(LiveDriver {
            cfg,
            dir,
            baseline: Some(rx),
            reader: None,
            batches: None,
            session: None,
            frozen: None,
            clock: LiveClock::new(rate),
            rate,
            polling: None,
            log,
            log_path: alerts_out,
            summary_out,
            summary_every,
            last_summary: Instant::now(),
            waker: None,
        })
    }

    fn write_summary(&self) -> Result<()> {
        if let (Some(p), Some(s), Some(r)) = (&self.summary_out, &self.session, &self.reader) {
            let stats = r.stats.read().expect("stats lock").clone();
            write_atomic(p, &s.summary(&stats).to_json())
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
        Ok(())
    }
}

impl Driver for LiveDriver {
    fn session(&self) -> Option<&Session> {
        self.frozen.as_ref().or(self.session.as_ref())
    }

    fn splash(&self, lang: Lang) -> String {
        lang.t(
            "载入基线 (历史同期) …",
            "loading the baseline (last year) …",
        )
        .into()
    }

    fn status(&self) -> Status {
        Status::Live {
            rate: self.rate,
            frozen: self.frozen.is_some(),
            polling: self.polling.clone(),
        }
    }

    fn pump(&mut self, budget: Duration) -> Result<bool> {
        let started = Instant::now();
        if self.session.is_none() {
            let Some(rx) = &self.baseline else {
                return Ok(false);
            };
            let baseline = match rx.try_recv() {
                Ok(b) => b?,
                Err(TryRecvError::Empty) => return Ok(false),
                Err(TryRecvError::Disconnected) => anyhow::bail!("the baseline loader stopped"),
            };
            self.baseline = None;
            let (tx, rx) = mpsc::sync_channel::<Batch>(16);
            // Wake the screen with each batch: appended lines show at once.
            let waker = self.waker.clone();
            let reader = ingest::spawn(&self.dir, self.cfg.clone(), Mode::Follow, move |b| {
                let sent = tx.send(b).is_ok();
                if let Some(w) = &waker {
                    w.wake();
                }
                sent
            });
            if let Wakeup::Poll(why) = &reader.wakeup {
                self.polling = Some(why.clone());
            }
            self.session = Some(Session::new(
                self.cfg.clone(),
                reader.dims.clone(),
                baseline,
            ));
            self.batches = Some(rx);
            self.reader = Some(reader);
        }
        let session = self.session.as_mut().expect("session started");
        let before = (session.state.records, session.state.now / 1000);
        let wall = SystemClock;
        let mut events = Vec::new();
        if let Some(rx) = &self.batches {
            loop {
                match rx.try_recv() {
                    Ok(batch) => {
                        let now_wall = wall.wall_ms();
                        session.apply_live(&batch.inputs, &mut self.clock, now_wall, &mut events);
                        if started.elapsed() >= budget {
                            break;
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.batches = None;
                        break;
                    }
                }
            }
        }
        session.advance(self.clock.now(wall.wall_ms()), &mut events);
        if !events.is_empty() {
            self.log
                .write(&events)
                .context("cannot write the alert log")?;
        }
        let after = (session.state.records, session.state.now / 1000);
        if self.last_summary.elapsed() >= self.summary_every {
            self.write_summary()?;
            self.last_summary = Instant::now();
        }
        Ok(before != after || !events.is_empty())
    }

    fn wake_in(&self) -> Duration {
        Duration::from_millis(100)
    }

    fn command(&mut self, c: &Command, lang: Lang) -> Result<Option<String>> {
        match c {
            Command::TogglePause => {
                self.frozen = match self.frozen.take() {
                    Some(_) => None,
                    None => self.session.clone(),
                };
                Ok(Some(
                    if self.frozen.is_some() {
                        lang.t(
                            "画面已冻结 (数据继续接收), 空格恢复",
                            "frozen (data keeps arriving); space resumes",
                        )
                    } else {
                        lang.t("恢复实时", "live again")
                    }
                    .into(),
                ))
            }
            Command::Ack(id) => {
                let Some(s) = &mut self.session else {
                    return Ok(None);
                };
                let at: Millis = s.state.now;
                let phase = s.state.cfg.phase_at(at);
                let msg = match s.engine.ack(id, at, phase) {
                    Some(ev) => {
                        self.log
                            .write(std::slice::from_ref(&ev))
                            .context("cannot write the alert log")?;
                        // The frozen frame shows the ack too.
                        if let Some(f) = &mut self.frozen {
                            let _ = f.engine.ack(id, at, phase);
                        }
                        match &self.log_path {
                            Some(p) => {
                                format!("{id} {} → {}", lang.t("已确认", "acked"), p.display())
                            }
                            None => format!("{id} {}", lang.t("已确认", "acked")),
                        }
                    }
                    None => format!("{id} {}", lang.t("无法确认", "cannot be acked")),
                };
                Ok(Some(msg))
            }
            _ => Ok(None),
        }
    }

    fn source_stats(&self) -> Option<warroom::source::SourceStats> {
        self.reader
            .as_ref()
            .map(|r| r.stats.read().expect("stats lock").clone())
    }

    fn finish(&mut self) -> Result<()> {
        self.batches = None;
        let summary = self.write_summary();
        if let Some(r) = self.reader.take() {
            r.stop();
        }
        summary
    }

    fn set_waker(&mut self, waker: Waker) {
        self.waker = Some(waker);
    }
}

/// `warroom demo`: the simulator writes a 双11 in real time × speed; the
/// screen watches it live.
pub struct DemoDriver {
    out: PathBuf,
    keep: bool,
    speed: f64,
    stop: Arc<AtomicBool>,
    sim: Option<JoinHandle<Result<()>>>,
    live: Option<LiveDriver>,
    waker: Option<Waker>,
}

impl DemoDriver {
    pub fn new(out: Option<PathBuf>, seed: u64, scale: f64, speed: f64) -> Result<DemoDriver> {
        let keep = out.is_some();
        let out = match out {
            Some(o) => o,
            None => std::env::temp_dir().join(format!("warroom-demo-{}", std::process::id())),
        };
        if !keep && out.exists() {
            std::fs::remove_dir_all(&out).ok();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let opts = SimOptions {
            out: out.clone(),
            seed,
            scenario: "double11".into(),
            pacing: Pacing::Speed(speed),
            scale,
            with_baseline: true,
            bad_lines: true,
            compact: false,
        };
        let s = stop.clone();
        let sim = std::thread::Builder::new()
            .name("warroom-simulator".into())
            .spawn(move || run_with_stop(&opts, &s).map(|_| ()))?;
        Ok(DemoDriver {
            out,
            keep,
            speed,
            stop,
            sim: Some(sim),
            live: None,
            waker: None,
        })
    }

    /// The simulator died: its error.
    fn check_sim(&mut self) -> Result<()> {
        if self.sim.as_ref().is_some_and(|h| h.is_finished()) {
            if let Some(h) = self.sim.take() {
                match h.join() {
                    Ok(r) => r.context("the simulator stopped")?,
                    Err(_) => anyhow::bail!("the simulator panicked"),
                }
            }
        }
        Ok(())
    }
}

impl Driver for DemoDriver {
    fn session(&self) -> Option<&Session> {
        self.live.as_ref().and_then(|l| l.session())
    }

    fn splash(&self, lang: Lang) -> String {
        match &self.live {
            Some(l) => l.splash(lang),
            None => format!(
                "{} {} …",
                lang.t(
                    "模拟器生成去年基线与配置:",
                    "simulator writing last year's baseline and the config:"
                ),
                self.out.display()
            ),
        }
    }

    fn status(&self) -> Status {
        match &self.live {
            Some(l) => l.status(),
            None => Status::Live {
                rate: self.speed,
                frozen: false,
                polling: None,
            },
        }
    }

    fn pump(&mut self, budget: Duration) -> Result<bool> {
        self.check_sim()?;
        if self.live.is_none() {
            let cfg_path = self.out.join("warroom.toml");
            let campaign = self.out.join("campaign");
            if !(cfg_path.is_file() && campaign.is_dir()) {
                return Ok(false);
            }
            let cfg = Arc::new(Config::load(&cfg_path)?);
            let mut live = LiveDriver::new(
                campaign,
                cfg,
                self.speed,
                None,
                None,
                Duration::from_secs(3600),
            )?;
            if let Some(w) = &self.waker {
                live.set_waker(w.clone());
            }
            self.live = Some(live);
        }
        self.live.as_mut().expect("live").pump(budget)
    }

    fn wake_in(&self) -> Duration {
        Duration::from_millis(100)
    }

    fn command(&mut self, c: &Command, lang: Lang) -> Result<Option<String>> {
        match &mut self.live {
            Some(l) => l.command(c, lang),
            None => Ok(None),
        }
    }

    fn source_stats(&self) -> Option<warroom::source::SourceStats> {
        self.live.as_ref().and_then(|l| l.source_stats())
    }

    fn finish(&mut self) -> Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.sim.take() {
            let _ = h.join();
        }
        let r = match &mut self.live {
            Some(l) => l.finish(),
            None => Ok(()),
        };
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.out);
        } else {
            say!("demo recording kept in {}", self.out.display());
        }
        r
    }

    fn set_waker(&mut self, waker: Waker) {
        if let Some(l) = &mut self.live {
            l.set_waker(waker.clone());
        }
        self.waker = Some(waker);
    }
}
