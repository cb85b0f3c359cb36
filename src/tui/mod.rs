//! The war-room screen in a terminal: the event loop, and the drivers that
//! feed it a session (replay of a recording, a live directory, the demo).
//!
//! The loop never waits on files: the ingest thread reads and parses, the
//! drivers apply what has arrived within a time budget per turn. It sleeps
//! on one channel that the terminal's events (read on their own thread) and
//! the drivers' background threads (new records read) both send to, so a
//! key or an appended line is handled at once. It redraws only when
//! something changed (data, a key, a resize) — at most every 50 ms
//! (20 fps) — plus a 1 Hz tick for the clocks when idle. Mouse clicks are
//! looked up in the hit map of the frame last drawn (what the user saw).

mod keys;
mod live;
mod replay;
pub mod term;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Result;
use crossterm::event::{self, Event};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use warroom::alerts::expect::Baseline;
use warroom::config::Config;

use warroom::session::Session;
use warroom::view::hit::HitMap;
use warroom::view::model::{AlertDetail, Breakdown, Model};
use warroom::view::render::{self, Screen};
use warroom::view::text::Lang;
use warroom::view::ui::{Command, Key, Status, Ui};

pub use live::{DemoDriver, LiveDriver};
pub use replay::ReplayDriver;

/// Where the screen's session comes from.
pub trait Driver {
    /// The session to show; None while starting (baseline loading …).
    fn session(&self) -> Option<&Session>;
    /// What to show while there is no session yet.
    fn splash(&self, lang: Lang) -> String;
    fn status(&self) -> Status;
    /// Apply what has arrived and move the clock, for about `budget` of
    /// work. True when the session changed.
    fn pump(&mut self, budget: Duration) -> Result<bool>;
    /// How soon `pump` has work again.
    fn wake_in(&self) -> Duration;
    /// A command from the keys; returns a message for the footer.
    fn command(&mut self, c: &Command, lang: Lang) -> Result<Option<String>>;
    /// On the way out (after the terminal is restored): summary, threads.
    fn finish(&mut self) -> Result<()>;
    /// What the reader has read so far (for the summary and the 复盘).
    fn source_stats(&self) -> Option<warroom::source::SourceStats> {
        None
    }
    /// A handle its background threads call when they bring something for
    /// `pump` (the loop then pumps at once rather than after `wake_in`).
    fn set_waker(&mut self, _waker: Waker) {}
}

/// What wakes the screen loop.
enum Wake {
    /// A terminal event (key, resize …), or the error reading one.
    Term(std::io::Result<Event>),
    /// A driver's background thread has something for `pump`.
    Data,
}

/// Wakes the screen loop from another thread.
#[derive(Clone)]
pub struct Waker(Sender<Wake>);

impl Waker {
    pub fn wake(&self) {
        let _ = self.0.send(Wake::Data);
    }
}

const FRAME: Duration = Duration::from_millis(50);
const IDLE_TICK: Duration = Duration::from_secs(1);
const PUMP_BUDGET: Duration = Duration::from_millis(25);
/// How long the input thread waits for a terminal event before it looks
/// whether the screen is closing.
const INPUT_POLL: Duration = Duration::from_millis(100);

/// Run the screen until the user quits (or a signal). The terminal is
/// restored before this returns, whatever happened.
pub fn run(driver: &mut dyn Driver, mut ui: Ui) -> Result<()> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        ui.color = false;
    }
    let quit = term::quit_signal();
    let mut t = term::Term::enter()?;
    let (tx, rx) = mpsc::channel();
    driver.set_waker(Waker(tx.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let result = match read_input(tx, stop.clone()) {
        Ok(input) => {
            let result = event_loop(&mut t, driver, &mut ui, &quit, &rx);
            // No reads from the terminal once it is restored. A reader stuck
            // on a terminal that hung up (crossterm spins there, issue
            // crossterm#793) is left behind: the process is ending.
            stop.store(true, Ordering::SeqCst);
            let deadline = Instant::now() + 3 * INPUT_POLL;
            while !input.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if input.is_finished() {
                let _ = input.join();
            }
            result
        }
        Err(e) => Err(e.into()),
    };
    drop(t);
    let finished = driver.finish();
    result.and(finished)
}

/// Read the terminal's events on their own thread and send them to the
/// loop, until `stop` (seen within `INPUT_POLL`), a read error, or the loop
/// is gone.
fn read_input(tx: Sender<Wake>, stop: Arc<AtomicBool>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("warroom-input".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let ev = match event::poll(INPUT_POLL) {
                    Ok(false) => continue,
                    Ok(true) => event::read(),
                    Err(e) => Err(e),
                };
                let failed = ev.is_err();
                if tx.send(Wake::Term(ev)).is_err() || failed {
                    return;
                }
            }
        })
}

struct Cache {
    model: Model,
    alert: Option<AlertDetail>,
    breakdown: Option<Breakdown>,
}

fn build(session: &Session, ui: &Ui) -> Cache {
    let (alert, breakdown) = warroom::view::drill(session, ui);
    Cache {
        model: Model::build(session, &ui.filter),
        alert,
        breakdown,
    }
}

fn event_loop(
    t: &mut term::Term,
    driver: &mut dyn Driver,
    ui: &mut Ui,
    quit: &AtomicBool,
    wakes: &Receiver<Wake>,
) -> Result<()> {
    let size = t.tty.size()?;
    ui.size = (size.width, size.height);
    let mut cache: Option<Cache> = None;
    let mut data_dirty = true;
    let mut screen_dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut last_tick = Instant::now();
    let started = Instant::now();
    // Where the last frame put its panels, rows and key hints.
    let mut hits = HitMap::default();
    loop {
        // A signal, or the terminal gone (a hangup nobody signalled: the
        // terminal's reads then neither block nor fail).
        if quit.load(Ordering::SeqCst) || term::hung_up() {
            return Ok(());
        }
        if driver.pump(PUMP_BUDGET)? {
            data_dirty = true;
        }
        let status = driver.status();
        if status != ui.status {
            ui.status = status;
            screen_dirty = true;
        }
        if last_tick.elapsed() >= IDLE_TICK {
            screen_dirty = true;
            last_tick = Instant::now();
        }
        if (data_dirty || screen_dirty) && last_draw.elapsed() >= FRAME {
            if data_dirty {
                cache = driver.session().map(|s| build(s, ui));
                data_dirty = false;
            }
            let splash = driver.splash(ui.lang);
            t.tty.draw(|f| match &cache {
                Some(c) => {
                    hits = render::draw(
                        f,
                        &Screen {
                            model: &c.model,
                            alert: c.alert.as_ref(),
                            breakdown: c.breakdown.as_ref(),
                        },
                        ui,
                    )
                }
                None => {
                    hits = HitMap::default();
                    let lines = vec![
                        Line::from(splash.clone()),
                        Line::from(ui.lang.t("q 退出", "q quits")),
                    ];
                    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), f.area());
                }
            })?;
            screen_dirty = false;
            last_draw = Instant::now();
        }
        let timeout = if data_dirty || screen_dirty {
            FRAME.saturating_sub(last_draw.elapsed())
        } else {
            driver
                .wake_in()
                .min(IDLE_TICK.saturating_sub(last_tick.elapsed()))
        };
        let mut wake = match wakes.recv_timeout(timeout) {
            Ok(w) => w,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => anyhow::bail!("the terminal input stopped"),
        };
        // Handle every event that is waiting before drawing again (data
        // needs nothing here: the next turn pumps it).
        loop {
            if let Wake::Term(ev) = wake {
                let ev = ev?;
                // A key or a mouse event, as the screen's own; the command
                // it gives, if any.
                let cmd = match ev {
                    Event::Key(k) => keys::map(k).map(|key| match &cache {
                        Some(c) => ui.on_key(key, &c.model),
                        None if matches!(key, Key::Char('q') | Key::Ctrl('c')) => {
                            Some(Command::Quit)
                        }
                        None => None,
                    }),
                    Event::Mouse(m) => keys::mouse(m, started.elapsed().as_millis() as u64)
                        .map(|m| cache.as_ref().and_then(|c| ui.on_mouse(m, &hits, &c.model))),
                    _ => None,
                };
                if let Some(cmd) = cmd {
                    screen_dirty = true;
                    match cmd {
                        Some(Command::Quit) => return Ok(()),
                        Some(Command::Refilter) => {}
                        Some(Command::WriteReport) => {
                            ui.message = Some(write_report(driver, ui));
                        }
                        Some(c) => {
                            if let Some(msg) = driver.command(&c, ui.lang)? {
                                ui.message = Some(msg);
                            }
                        }
                        None => {}
                    }
                    // A key or a click may change the view or the filter:
                    // rebuild.
                    data_dirty = true;
                }
                if let Event::Resize(w, h) = ev {
                    ui.size = (w, h);
                    screen_dirty = true;
                }
            }
            match wakes.try_recv() {
                Ok(w) => wake = w,
                Err(_) => break,
            }
        }
    }
}

/// Last year's recording, loading off the screen's thread.
pub type BaselineResult = Result<Option<Arc<Baseline>>>;

/// Start loading the baseline on its own thread; the screen polls the
/// receiver and starts reading the campaign once it is there.
pub fn load_baseline_in_background(cfg: &Arc<Config>) -> Result<Receiver<BaselineResult>> {
    let (tx, rx) = mpsc::channel();
    let c = cfg.clone();
    std::thread::Builder::new()
        .name("warroom-baseline".into())
        .spawn(move || {
            let _ = tx.send(Baseline::load(&c));
        })?;
    Ok(rx)
}

/// Write the 复盘 of what the screen holds now; the footer's message. A few
/// kilobytes, written like an ack's log line: at once, from the loop.
fn write_report(driver: &dyn Driver, ui: &Ui) -> String {
    use warroom::report::{self, AlertSource};
    let lang = ui.lang;
    let (Some(session), Some(stats)) = (driver.session(), driver.source_stats()) else {
        return lang
            .t("尚无数据, 未写复盘", "no data yet: nothing to write")
            .into();
    };
    let text = report::render(
        &session.summary(&stats),
        &session.state.cfg,
        &report::incidents_of(&session.engine),
        &AlertSource::Screen,
        lang,
    );
    let path = &ui.report_path;
    match warroom::summary::write_atomic(path, &text) {
        Ok(()) => format!(
            "{} → {}",
            lang.t("复盘已写入", "post-mortem written"),
            path.display()
        ),
        Err(e) => format!(
            "{} {}: {e}",
            lang.t("复盘写入失败", "cannot write"),
            path.display()
        ),
    }
}
