//! Subcommand bodies. Each one wires the core together; no figures are
//! computed here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use warroom::alerts::expect::Baseline;
use warroom::alerts::log::AlertLog;
use warroom::clock::{LiveClock, SystemClock, WallClock};
use warroom::config::Config;
use warroom::figures::Counters;
use warroom::ingest::{self, Batch, Mode};
use warroom::session::{self, Session};
use warroom::state::State;
use warroom::summary::write_atomic;
use warroom::time::format_clock;
use warroom::view::text::Lang;
use warroom::view::ui::{Status, Ui, View};

use crate::tui;

use crate::{
    DemoArgs, EvalArgs, ReportArgs, RunArgs, ScreenArgs, SimulateArgs, SnapshotArgs, WatchArgs,
};

/// The config given, or `warroom.toml` next to or above the directory.
fn load_config(explicit: Option<&Path>, dir: &Path) -> Result<Arc<Config>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => [
            dir.join("warroom.toml"),
            dir.join("..").join("warroom.toml"),
        ]
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "no --config given and no warroom.toml in {} or its parent",
                dir.display()
            )
        })?,
    };
    Ok(Arc::new(Config::load(&path)?))
}

/// The screen's UI state from the screen options.
fn screen_ui(s: &ScreenArgs, status: Status) -> Result<Ui> {
    let lang =
        Lang::parse(&s.lang).with_context(|| format!("--lang {:?}: expected zh or en", s.lang))?;
    let mut ui = Ui::new(lang, status);
    ui.color = !s.no_color;
    ui.report_path = s.report_out.clone();
    Ok(ui)
}

/// A time given on the command line, in the campaign's timezone when it
/// has no offset.
fn parse_time(flag: &str, s: &str, cfg: &Config) -> Result<warroom::time::Millis> {
    warroom::time::parse_ts_str(s, cfg.tz).with_context(|| {
        format!(
            "{flag} {s:?}: expected RFC 3339 (2026-11-11T20:00:00+08:00) or `YYYY-MM-DD HH:MM:SS`"
        )
    })
}

/// The screen on a recording.
fn replay_screen(args: RunArgs) -> Result<()> {
    let a = &args.common;
    let cfg = load_config(a.config.as_deref(), &a.dir)?;
    let from = match &args.from {
        Some(f) => Some(parse_time("--from", f, &cfg)?),
        None => None,
    };
    if !(args.speed.is_finite() && args.speed > 0.0) {
        bail!("--speed {}: expected a positive factor", args.speed);
    }
    let status = Status::Replay {
        speed: args.speed,
        paused: false,
        ended: false,
        seeking: None,
        loading: Some(0),
        fault: None,
    };
    let ui = screen_ui(&args.screen, status)?;
    let mut driver = tui::ReplayDriver::new(
        a.dir.clone(),
        cfg,
        args.speed,
        from,
        a.alerts_out.clone(),
        a.summary_out.clone(),
    )?;
    tui::run(&mut driver, ui)
}

pub fn replay(args: RunArgs) -> Result<()> {
    if !args.common.headless {
        return replay_screen(args);
    }
    let a = args.common;
    let cfg = load_config(a.config.as_deref(), &a.dir)?;
    ingest::check_dir(&a.dir)?;
    let mut log = AlertLog::create(a.alerts_out.as_deref())?;
    let started = Instant::now();
    let (session, stats) = session::replay(&a.dir, cfg, |events| Ok(log.write(events)?))?;
    let state = &session.state;
    let json = session.summary(&stats).to_json();
    match &a.summary_out {
        Some(p) => {
            write_atomic(p, &json).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => put!("{json}"),
    }
    let secs = started.elapsed().as_secs_f64();
    let c = session.engine.counts;
    say!(
        "replayed {} records ({} skipped, {} duplicates, {} late) from {} files in {:.2}s ({:.0} records/s); alerts: 提醒 {} 警告 {} 紧急 {}",
        state.records,
        stats.skipped(),
        state.duplicates,
        state.late,
        stats.files.len(),
        secs,
        state.records as f64 / secs.max(1e-9),
        c[0],
        c[1],
        c[2]
    );
    if stats.files.is_empty() {
        say!(
            "warroom: no input files under {} (a recording is .jsonl/.csv files)",
            a.dir.display()
        );
    }
    report_bad_input(&stats);
    Ok(())
}

/// Tell the user, on stderr, which files had lines skipped and why.
fn report_bad_input(stats: &warroom::source::SourceStats) {
    for f in stats
        .files
        .iter()
        .filter(|f| f.skipped > 0 || f.held_bytes > 0 || f.error.is_some())
    {
        let held = if f.held_bytes > 0 {
            format!(", {} bytes of an unterminated last line held", f.held_bytes)
        } else {
            String::new()
        };
        let err = f
            .error
            .as_ref()
            .map(|e| format!(", error: {e}"))
            .unwrap_or_default();
        say!("  {}: {} skipped{held}{err}", f.path, f.skipped);
        for b in &f.first_bad {
            say!("    line {}: {}", b.line, b.reason);
        }
    }
}

/// One status line for the headless watcher.
fn status_line(state: &State) -> String {
    let t: &Counters = &state.totals;
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0));
    let phase = state
        .current_phase()
        .map_or("-".to_string(), |p| state.cfg.phases[p].name.clone());
    format!(
        "[{}] {} records={} skipped={} GMV={:.2} orders={} UV={} CR={} spend={:.2} ROI={} CS15s={} backlog={} stock_breaches={}",
        if state.now == i64::MIN { "--".to_string() } else { format_clock(state.now, state.cfg.tz) },
        phase,
        state.records,
        state.bad_lines,
        t.gmv_yuan(),
        t.orders,
        t.stages[0],
        pct(t.overall_conversion()),
        t.spend_yuan(),
        t.roi().map_or("-".to_string(), |r| format!("{r:.2}")),
        pct(t.response_15s()),
        t.cs_backlog(),
        state.stock.breaches(None),
    )
}

pub fn watch(args: WatchArgs) -> Result<()> {
    let a = &args.common;
    if !a.headless {
        let cfg = load_config(a.config.as_deref(), &a.dir)?;
        let status = Status::Live {
            rate: args.rate,
            frozen: false,
            polling: None,
        };
        let ui = screen_ui(&args.screen, status)?;
        let mut driver = tui::LiveDriver::new(
            a.dir.clone(),
            cfg,
            args.rate,
            a.alerts_out.clone(),
            a.summary_out.clone(),
            Duration::from_secs_f64(args.summary_every.max(0.2)),
        )?;
        return tui::run(&mut driver, ui);
    }
    let cfg = load_config(a.config.as_deref(), &a.dir)?;
    ingest::check_dir(&a.dir)?;
    let mut log = AlertLog::create(a.alerts_out.as_deref())?;
    let baseline = Baseline::load(&cfg)?;
    let stop = Arc::new(AtomicBool::new(false));
    install_ctrl_c(stop.clone());

    let (tx, rx) = mpsc::sync_channel::<Batch>(16);
    let reader = ingest::spawn(&a.dir, cfg.clone(), Mode::Follow, move |b| {
        tx.send(b).is_ok()
    });
    if let ingest::Wakeup::Poll(why) = &reader.wakeup {
        say!(
            "warroom: file notifications unavailable ({why}); polling every {} ms",
            cfg.ingest.poll_ms
        );
    }
    let wall = SystemClock;
    let mut clock = LiveClock::new(args.rate);
    let mut session = Session::new(cfg.clone(), reader.dims.clone(), baseline);
    let mut events = Vec::new();
    let summary_every = Duration::from_secs_f64(args.summary_every.max(0.2));
    let mut last_summary = Instant::now();
    let mut last_print = String::new();
    let write_summary = |session: &Session| -> Result<()> {
        if let Some(p) = &a.summary_out {
            let stats = reader.stats.read().expect("stats lock").clone();
            write_atomic(p, &session.summary(&stats).to_json())
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
        Ok(())
    };
    while !stop.load(Ordering::SeqCst) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(batch) => {
                let now_wall = wall.wall_ms();
                session.apply_live(&batch.inputs, &mut clock, now_wall, &mut events);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        session.advance(clock.now(wall.wall_ms()), &mut events);
        if !events.is_empty() {
            log.write(&events).context("cannot write the alert log")?;
            for e in &events {
                out!(
                    "ALERT {} {} {} {}",
                    e.alert_id,
                    serde_json::to_string(&e.transition).unwrap_or_default(),
                    e.tier,
                    sanitize(&e.message)
                );
            }
            events.clear();
        }
        let line = status_line(&session.state);
        // Print when a figure changed (the clock alone is not news).
        let figures = line.split_once(']').map_or("", |x| x.1);
        if figures != last_print.split_once(']').map_or("", |x| x.1) {
            out!("{line}");
            last_print = line;
        }
        if last_summary.elapsed() >= summary_every {
            write_summary(&session)?;
            last_summary = Instant::now();
        }
    }
    write_summary(&session)?;
    reader.stop();
    Ok(())
}

/// Strip control characters so nothing from a data file can drive the terminal.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn install_ctrl_c(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::SeqCst);
            }
        });
    });
}

/// `warroom snapshot`: the screen at an event time, as text on stdout.
pub fn snapshot(a: SnapshotArgs) -> Result<()> {
    let cfg = load_config(a.config.as_deref(), &a.dir)?;
    let at = parse_time("--at", &a.at, &cfg)?;
    let (w, h) = a
        .size
        .split_once(['x', 'X', '×'])
        .and_then(|(w, h)| Some((w.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)))
        .filter(|(w, h)| (1..=1000).contains(w) && (1..=1000).contains(h))
        .with_context(|| format!("--size {:?}: expected WxH, e.g. 160x48", a.size))?;
    let view = View::parse(&a.view).with_context(|| {
        format!(
            "--view {:?}: expected main, alert:ID or panel:sales|funnel|budget|cs|stock|alerts",
            a.view
        )
    })?;
    let lang =
        Lang::parse(&a.lang).with_context(|| format!("--lang {:?}: expected zh or en", a.lang))?;
    let (session, _) = warroom::view::replay::session_at(&a.dir, cfg.clone(), at)?;
    if let View::Alert(id) = &view {
        if session.engine.find(id).is_none() {
            let ids: Vec<&str> = session
                .engine
                .alerts()
                .iter()
                .map(|a| a.id.as_str())
                .collect();
            // A transition logged at T is judged once the room has waited
            // `settle_seconds` for late lines: say so, it is the usual miss.
            bail!(
                "no alert {id} at {}: alerts then are {} (an alert the log says opened at T \
                 is on the screen from T + {} s, when the minute is judged)",
                a.at,
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                },
                cfg.alerts.settle_seconds
            );
        }
    }
    let mut ui = Ui::new(lang, Status::Snapshot);
    ui.color = false;
    ui.size = (w, h);
    if let Some(f) = &a.filter {
        ui.filter = warroom::view::model::Filter::parse(f);
    }
    ui.open(view);
    put!("{}", warroom::view::screen_text(&session, &ui, w, h));
    Ok(())
}

/// `warroom demo`: simulate a 双11 into a temporary directory and watch it.
pub fn demo(a: DemoArgs) -> Result<()> {
    if !(a.speed.is_finite() && a.speed > 0.0) {
        bail!("--speed {}: expected a positive factor", a.speed);
    }
    if !(a.scale.is_finite() && a.scale > 0.0) {
        bail!("--scale {}: expected a positive factor", a.scale);
    }
    let status = Status::Live {
        rate: a.speed,
        frozen: false,
        polling: None,
    };
    let ui = screen_ui(&a.screen, status)?;
    let mut driver = tui::DemoDriver::new(a.out.clone(), a.seed, a.scale, a.speed)?;
    tui::run(&mut driver, ui)
}

pub fn simulate(a: SimulateArgs) -> Result<()> {
    use warroom::simulate::{run, scenarios, Pacing, SimOptions};
    if !scenarios().contains(&a.scenario.as_str()) {
        bail!(
            "unknown scenario {:?}: expected one of {:?}",
            a.scenario,
            scenarios()
        );
    }
    let pacing = match a.speed {
        Some(x) if x > 0.0 && x.is_finite() => Pacing::Speed(x),
        Some(x) => bail!("--speed {x}: expected a positive factor"),
        None => Pacing::Instant,
    };
    if !(a.scale > 0.0 && a.scale.is_finite()) {
        bail!("--scale {}: expected a positive factor", a.scale);
    }
    let started = Instant::now();
    let report = run(&SimOptions {
        out: a.out.clone(),
        seed: a.seed,
        scenario: a.scenario.clone(),
        pacing,
        scale: a.scale,
        with_baseline: !a.no_baseline,
        bad_lines: a.bad_lines,
        compact: a.compact,
    })?;
    say!(
        "wrote {} records ({:.1} MB, {} incidents) in {:.1}s\n  recording: {}\n  config:    {}\n  truth:     {}",
        report.records,
        report.bytes as f64 / 1e6,
        report.incidents,
        started.elapsed().as_secs_f64(),
        report.campaign_dir.display(),
        report.config_path.display(),
        report.truth_path.display()
    );
    Ok(())
}

pub fn check_config(file: &Path) -> Result<()> {
    let cfg = Config::load(file)?;
    put!("{}", cfg.to_toml());
    if let Some(b) = &cfg.baseline {
        if !b.path.is_dir() {
            say!(
                "warning: baseline directory {} does not exist",
                b.path.display()
            );
        }
    }
    Ok(())
}

pub fn eval(a: EvalArgs) -> Result<()> {
    use warroom::eval::{nab_score, score, Truth};
    let cfg = load_config(a.config.as_deref(), &a.dir)?;
    let mut log = AlertLog::create(a.alerts_out.as_deref())?;
    let mut events = Vec::new();
    let (_session, _) = session::replay(&a.dir, cfg.clone(), |e| {
        events.extend_from_slice(e);
        Ok(log.write(e)?)
    })?;
    if let Some(truth) = &a.truth {
        let truth = Truth::load(truth)?;
        let burst = cfg
            .burst_phase()
            .map(|p| (p.start, p.end))
            .context("the config has no 爆发 phase to count false alarms in")?;
        let report = score(&truth, &events, cfg.tz, burst);
        if a.json {
            out!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            put!("{}", report.table());
        }
    }
    if let Some(windows) = &a.nab_windows {
        let report = nab_score(&a.dir, windows, &events, cfg.tz)?;
        if a.json {
            out!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            out!("| series | windows | detected | false positives | raw score |");
            out!("|---|---|---|---|---|");
            for s in &report.series {
                out!(
                    "| {} | {} | {} | {} | {:.3} |",
                    s.series,
                    s.windows,
                    s.detected_windows,
                    s.false_positives,
                    s.raw
                );
            }
            out!("\nNAB standard profile: raw {:.3}, null {:.1}, perfect {:.1} → normalized score {:.1}", report.raw, report.null, report.perfect, report.normalized);
        }
    }
    Ok(())
}

pub fn report(a: ReportArgs) -> Result<()> {
    use warroom::report::{self, AlertSource, LogLine};
    let lang = Lang::parse(&a.lang).with_context(|| format!("--lang {}: zh or en", a.lang))?;
    let cfg = load_config(a.config.as_deref(), &a.dir)?;
    ingest::check_dir(&a.dir)?;
    let mut lines = Vec::new();
    let (session, stats) = session::replay(&a.dir, cfg.clone(), |events| {
        lines.extend(events.iter().map(LogLine::of));
        Ok(())
    })?;
    let source = match &a.alerts_log {
        None => AlertSource::Replay,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            lines.clear();
            let mut bad = 0;
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                match LogLine::parse(line) {
                    Ok(l) => lines.push(l),
                    Err(why) => {
                        bad += 1;
                        if bad <= 5 {
                            say!("{}:{}: skipped: {why}", path.display(), n + 1);
                        }
                    }
                }
            }
            if bad > 0 {
                say!("{}: {bad} lines skipped", path.display());
            }
            AlertSource::Log(path.display().to_string())
        }
    };
    let incidents = report::incidents(&lines);
    let text = report::render(&session.summary(&stats), &cfg, &incidents, &source, lang);
    match &a.out {
        Some(p) => {
            write_atomic(p, &text).with_context(|| format!("cannot write {}", p.display()))?;
            say!("wrote {} ({} alerts)", p.display(), incidents.len());
        }
        None => put!("{text}"),
    }
    report_bad_input(&stats);
    Ok(())
}

pub fn convert(format: warroom::convert::Format, input: &Path, out: &Path) -> Result<()> {
    let r = format.convert(input, out)?;
    say!(
        "{}: {} rows read, {} skipped → {} records in {}",
        format.name(),
        r.rows,
        r.skipped,
        r.records,
        r.recording.display()
    );
    for skip in &r.first_skipped {
        say!("  skipped {skip}");
    }
    let kinds: Vec<String> = r.by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    say!("  records by kind: {}", kinds.join(", "));
    if r.stages.iter().any(|&n| n > 0) {
        let [visit, view, cart, order, pay] = r.stages;
        say!("  funnel: visit {visit} → view {view} → cart {cart} → order {order} → pay {pay}");
    }
    match &r.config {
        Some(c) => say!(
            "  wrote {} (one 爆发 phase over the data; edit to taste)",
            c.display()
        ),
        None => say!("  kept the existing {}", out.join("warroom.toml").display()),
    }
    say!(
        "replay it: warroom replay {}",
        out.join("campaign").display()
    );
    Ok(())
}
