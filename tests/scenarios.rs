//! The alert engine against the simulator's ground truth: every injected
//! incident caught at its panel and scope within its limit (10 min; 45 for
//! overspend) at its tier, at most 2 false alarms ≥ 警告 over 爆发, nothing
//! in the 00:00 rush. Differently shaped scenarios (dates, scales, incident
//! times and scopes), so the rules are not fitted to one day.

use std::path::Path;
use std::sync::Arc;

use warroom::alerts::model::AlertEvent;
use warroom::config::Config;
use warroom::eval::{score, EvalReport, Truth};
use warroom::simulate::{run, Pacing, SimOptions};

fn evaluate(dir: &Path) -> EvalReport {
    let cfg = Arc::new(Config::load(&dir.join("warroom.toml")).unwrap());
    let mut events: Vec<AlertEvent> = Vec::new();
    let (_session, _stats) = warroom::session::replay(&dir.join("campaign"), cfg.clone(), |e| {
        events.extend_from_slice(e);
        Ok(())
    })
    .unwrap();
    let truth = Truth::load(&dir.join("truth.json")).unwrap();
    let burst = cfg.burst_phase().map(|p| (p.start, p.end)).unwrap();
    let report = score(&truth, &events, cfg.tz, burst);
    println!("{}", report.table());
    report
}

fn scenario(name: &str, seed: u64) {
    let out = tempfile::tempdir().unwrap();
    run(&SimOptions {
        out: out.path().to_path_buf(),
        seed,
        scenario: name.into(),
        pacing: Pacing::Instant,
        scale: 1.0,
        with_baseline: true,
        bad_lines: true,
        compact: false,
    })
    .unwrap();
    let report = evaluate(out.path());
    assert_eq!(report.incidents.len(), 8);
    for i in &report.incidents {
        assert!(
            i.ok,
            "{name}/{seed}: {} not caught in time at {}: {i:?}",
            i.id, i.want
        );
    }
    assert!(
        report.false_alarms.len() <= 2,
        "{name}/{seed}: false alarms {:?}",
        report.false_alarms
    );
    assert_eq!(
        report.rush_alerts, 0,
        "{name}/{seed}: the 00:00 rush raised alerts"
    );
}

#[test]
fn double11_every_incident_caught_and_the_day_stays_quiet() {
    scenario("double11", 4);
}

#[test]
fn six18_every_incident_caught_and_the_day_stays_quiet() {
    scenario("618", 6);
}

#[test]
fn double12_every_incident_caught_and_the_day_stays_quiet() {
    scenario("double12", 5);
}

#[test]
fn the_shipped_sample_campaign_passes_its_own_ground_truth() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let report = evaluate(&dir);
    assert!(report.passed(), "{}", report.table());
}
