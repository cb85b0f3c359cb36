//! Seeking lands on exactly the state a straight run reaches: the run
//! summary JSON and the alerts (open ones and every one held) of a replay
//! that played forward the way the screen does, then seeked back and forth
//! through its checkpoints, equal those of a straight run over the files to
//! the same event time. Also: the transitions it hands out for the alert
//! log are the headless replay's, once each; an ack survives seeking. The
//! same holds with the inputs mostly in the temporary file (a tiny memory
//! budget), which also stays within its budget.

use std::path::Path;
use std::sync::Arc;

use std::sync::mpsc;

use warroom::alerts::expect::Baseline;
use warroom::alerts::model::AlertEvent;
use warroom::alerts::Alert;
use warroom::config::Config;
use warroom::ingest::{self, Batch, Mode};
use warroom::session::Session;
use warroom::source::Input;
use warroom::source::SourceStats;
use warroom::time::{parse_ts_str, Millis, MINUTE};
use warroom::view::input_store::{InputStore, RECORD_BYTES};
use warroom::view::replay::{load, load_with, Fault, Replay, Step};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cfg() -> Arc<Config> {
    Arc::new(Config::load(&root().join("sample-data/warroom.toml")).expect("sample config"))
}

fn dir() -> std::path::PathBuf {
    root().join("sample-data/campaign")
}

fn ts(s: &str) -> Millis {
    parse_ts_str(s, cfg().tz).expect("time")
}

/// One straight run over the files (no screen, no seek): the session at each
/// of `times` (ascending) — every input up to the first record later than
/// the time applied, then the clock moved there — and the transitions made
/// up to the last of them.
fn straight(times: &[Millis]) -> (Vec<Session>, Vec<AlertEvent>) {
    let cfg = cfg();
    let baseline = Baseline::load(&cfg).expect("baseline");
    let (tx, rx) = mpsc::sync_channel::<Batch>(4);
    let reader = ingest::spawn(&dir(), cfg.clone(), Mode::Replay, move |b| {
        tx.send(b).is_ok()
    });
    let mut s = Session::new(cfg, reader.dims.clone(), baseline);
    let mut events = Vec::new();
    let mut out = Vec::new();
    let mut k = 0;
    'read: for batch in rx.iter() {
        for input in &batch.inputs {
            if let Input::Record(r) = input {
                while k < times.len() && r.ts > times[k] {
                    let mut at = s.clone();
                    let mut log = events.clone();
                    at.advance(times[k], &mut log);
                    out.push(at);
                    k += 1;
                    if k == times.len() {
                        events = log;
                        break 'read;
                    }
                }
            }
            s.apply_replay(input, &mut events);
        }
    }
    drop(rx);
    reader.stop();
    assert_eq!(out.len(), times.len());
    (out, events)
}

fn open(s: &Session) -> Vec<Alert> {
    s.engine.open_alerts().into_iter().cloned().collect()
}

fn assert_same(seeked: &Session, straight: &Session, stats: &SourceStats, what: &str) {
    assert_eq!(seeked.state.now, straight.state.now, "{what}: clock");
    assert_eq!(
        seeked.summary(stats).to_json(),
        straight.summary(stats).to_json(),
        "{what}: run summary"
    );
    assert_eq!(open(seeked), open(straight), "{what}: open alerts");
    assert_eq!(
        seeked.engine.alerts(),
        straight.engine.alerts(),
        "{what}: every alert held"
    );
    assert_eq!(
        seeked.engine.counts, straight.engine.counts,
        "{what}: counts"
    );
}

/// Inputs per chunk and bytes of memory for a store that keeps only four
/// chunks of the sample (184 k inputs) in memory.
const TINY_CHUNK: usize = 1024;
const TINY_BUDGET: usize =
    4 * TINY_CHUNK * std::mem::size_of::<Input>() + TINY_CHUNK * RECORD_BYTES;

fn tiny_store() -> InputStore {
    InputStore::new(TINY_CHUNK, TINY_BUDGET)
}

#[test]
fn seek_equals_a_straight_run() {
    let (r, stats) = load(&dir(), cfg()).expect("sample loads");
    assert_eq!(r.inputs().spilled_bytes(), 0, "the sample fits in memory");
    play_and_seek(r, &stats);
}

#[test]
fn seek_equals_a_straight_run_with_the_inputs_spilled() {
    let (r, stats) = load_with(&dir(), cfg(), tiny_store()).expect("sample loads");
    let spilled = r.inputs().spilled_bytes();
    assert!(
        spilled as usize > r.len() / 2 * RECORD_BYTES,
        "most of the sample is in the temporary file ({spilled} bytes)"
    );
    let r = play_and_seek(r, &stats);
    // The seeks back re-read spilled chunks, and memory stayed bounded.
    assert!(r.inputs().reads() > 0);
    assert!(r.inputs().resident_bytes() <= TINY_BUDGET);
    assert_eq!(r.fault(), None);
}

#[test]
fn inputs_stay_within_their_memory_budget() {
    let (full, _) = load(&dir(), cfg()).expect("sample loads");
    let (r, _) = load_with(&dir(), cfg(), tiny_store()).expect("sample loads");
    assert!(r.loaded());
    assert_eq!(r.fault(), None);
    // Everything is there …
    assert_eq!(r.len(), full.len());
    assert!(r.len() > 100 * TINY_CHUNK);
    assert_eq!(r.first_ts(), full.first_ts());
    assert_eq!(r.last_ts(), full.last_ts());
    // … in at most the budget of memory (4 chunks of 1024: 4 % of it).
    let resident = r.inputs().resident_bytes();
    assert!(resident <= TINY_BUDGET, "{resident} > {TINY_BUDGET}");
    let all = full.inputs().resident_bytes();
    assert!(all > 20 * TINY_BUDGET, "the whole sample: {all} bytes");
    let (held, _, _, _) = r.memory();
    assert!(
        held < TINY_BUDGET + 64 * 1024,
        "{held} bytes with the index"
    );
}

#[test]
fn a_temporary_file_that_cannot_be_written_cuts_the_recording() {
    let store = InputStore::new(TINY_CHUNK, 0).spill_in(Path::new("/nonexistent/warroom"));
    let (mut r, _) = load_with(&dir(), cfg(), store).expect("sample loads");
    // The two chunks that fit in memory are kept; the rest is dropped.
    assert!(r.loaded());
    assert_eq!(r.len(), 2 * TINY_CHUNK);
    match r.fault() {
        Some(Fault::Cut { records, error }) => {
            assert_eq!(*records, 2 * TINY_CHUNK);
            assert!(error.contains("/nonexistent/warroom"), "{error}");
        }
        f => panic!("expected a cut, got {f:?}"),
    }
    // What was kept plays, to its end and back.
    let mut sink = Vec::new();
    r.seek(r.last_ts().expect("records"));
    assert_eq!(r.finish(&mut sink), Step::Reached);
    assert!(r.at_end());
    let applied = r.session().state.records as usize;
    assert!(
        applied > 0 && applied <= r.len(),
        "{applied} records applied"
    );
    r.seek(r.first_ts().expect("records"));
    assert_eq!(r.finish(&mut sink), Step::Reached);
}

/// Play forward as the screen does, seek back and forth, and compare with
/// straight runs.
fn play_and_seek(mut r: Replay, stats: &SourceStats) -> Replay {
    let stats = stats.clone();
    let first = r.first_ts().expect("records");
    // Play forward as the screen does: many small clock moves, each within
    // a budget of inputs.
    let end = ts("2026-11-11T13:00:00+08:00");
    let mut logged = Vec::new();
    let mut t = first;
    while t < end {
        t = (t + 7 * MINUTE + 13_000).min(end);
        r.set_target(t);
        while r.step(5_000, &mut logged) == Step::Busy {}
    }
    assert_eq!(r.now(), end);
    let (_, cps, _, spacing) = r.memory();
    assert!(cps > 0 && cps <= warroom::view::replay::MAX_CHECKPOINTS);
    assert!(spacing >= 10 * MINUTE);

    let back = ts("2026-11-11T09:30:00+08:00");
    let fwd = ts("2026-11-11T12:10:30+08:00");
    let (runs, headless) = straight(&[back, fwd, end]);

    // Back to the cart bug (食品 view→cart, 09:14–09:45) through checkpoints.
    r.seek(back);
    assert_eq!(r.finish(&mut logged), Step::Reached);
    assert!(!open(&runs[0]).is_empty(), "an alert is open at 09:30");
    assert_same(r.session(), &runs[0], &stats, "seek back to 09:30");

    // Forward again into the payment failure.
    r.seek(fwd);
    assert_eq!(r.finish(&mut logged), Step::Reached);
    assert_same(r.session(), &runs[1], &stats, "seek forward to 12:10:30");

    // Before the first record, and back to the end of the stretch.
    r.seek(first - MINUTE);
    r.finish(&mut logged);
    assert_eq!(r.session().state.records, 0);
    r.seek(end);
    r.finish(&mut logged);
    assert_same(r.session(), &runs[2], &stats, "seek to 13:00 again");

    // Every transition handed out for the log once, in the straight order.
    assert!(!headless.is_empty());
    assert_eq!(logged, headless, "the alert log of a replay with seeks");
    r
}

#[test]
fn next_and_previous_transition_and_acks_survive_seeking() {
    let (mut r, _) = load(&dir(), cfg()).expect("sample loads");
    let start = ts("2026-11-11T09:00:00+08:00");
    let mut sink = Vec::new();
    r.seek(start);
    r.finish(&mut sink);
    // n: the next transition after 09:00 is the cart bug opening.
    r.seek_next_event();
    r.finish(&mut sink);
    let settle = i64::from(cfg().alerts.settle_seconds) * 1000;
    let now = r.now();
    let opened: Vec<&Alert> = r
        .session()
        .engine
        .alerts()
        .iter()
        .filter(|a| a.opened_at + settle == now)
        .collect();
    assert_eq!(opened.len(), 1, "landed where an alert just opened");
    let id = opened[0].id.clone();
    assert!(r.transitions().iter().all(|t| *t + settle <= now));
    // Ack it, play on, seek back before the ack and forward past it again.
    let ev = r.ack(&id).expect("ack");
    assert_eq!(ev.at_ms, now);
    r.seek(now + 20 * MINUTE);
    r.finish(&mut sink);
    r.seek(start);
    r.finish(&mut sink);
    assert!(r.session().engine.find(&id).is_none());
    r.seek(now + 5 * MINUTE);
    r.finish(&mut sink);
    assert_eq!(
        r.session().engine.find(&id).and_then(|a| a.acked_at),
        Some(now)
    );
    // N: back to the transition before.
    assert!(r.seek_prev_event());
    r.finish(&mut sink);
    assert!(r.now() < now + 5 * MINUTE);
}
