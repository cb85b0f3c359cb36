//! `warroom convert tianchi-double12` on the Tianchi 2014 sample (34 users
//! around 双12), checked against figures computed here from the raw CSV with
//! the `csv` crate and chrono alone, then replayed with
//! `config/tianchi-double12.toml`.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDateTime};
use warroom::alerts::model::Tier;
use warroom::convert::Format;

fn source_dir() -> PathBuf {
    common::real_data("taobao-tianchi2014-double12-sample")
}

/// Per China-time day: [visit, view, cart, order, pay], and records' keys.
#[derive(Default)]
struct Raw {
    rows: u64,
    days: BTreeMap<String, [u64; 5]>,
    keys: HashSet<(NaiveDateTime, String, usize)>,
}

fn read_raw(path: &Path) -> Raw {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let h = rdr.headers().unwrap().clone();
    let idx = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (u, b, c, t) = (
        idx("user_id"),
        idx("behavior_type"),
        idx("item_category"),
        idx("time"),
    );
    let mut raw = Raw::default();
    // (user, hour) → category of the first row of that hour.
    let mut first: BTreeMap<(String, NaiveDateTime), String> = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        raw.rows += 1;
        let hour =
            NaiveDateTime::parse_from_str(&format!("{}:00", &r[t]), "%Y-%m-%d %H:%M").unwrap();
        let day = r[t][..10].to_string();
        let cat = format!("cat-{}", &r[c]);
        let stages: &[usize] = match &r[b] {
            "1" => &[1],
            "2" => &[],
            "3" => &[2],
            "4" => &[3, 4],
            other => panic!("behavior_type {other}"),
        };
        for &s in stages {
            raw.days.entry(day.clone()).or_default()[s] += 1;
            raw.keys.insert((hour, cat.clone(), s));
        }
        first.entry((r[u].to_string(), hour)).or_insert(cat);
    }
    let active: BTreeSet<&(String, NaiveDateTime)> = first.keys().collect();
    for ((user, hour), cat) in &first {
        if !active.contains(&(user.clone(), *hour - Duration::hours(1))) {
            let day = hour.format("%Y-%m-%d").to_string();
            raw.days.entry(day).or_default()[0] += 1;
            raw.keys.insert((*hour, cat.clone(), 0));
        }
    }
    raw
}

#[test]
fn tianchi_converts_and_replays_to_the_raw_figures_with_the_double12_spike() {
    let raw = read_raw(&source_dir().join("sample_user_behavior.csv"));
    let dir = tempfile::tempdir().unwrap();
    let report = Format::TianchiDouble12
        .convert(&source_dir(), dir.path())
        .unwrap();
    // The file gives the same as the directory (which reads only it).
    let again = tempfile::tempdir().unwrap();
    let from_file = Format::TianchiDouble12
        .convert(&source_dir().join("sample_user_behavior.csv"), again.path())
        .unwrap();
    assert_eq!(
        (from_file.rows, from_file.stages, &from_file.by_kind),
        (report.rows, report.stages, &report.by_kind)
    );

    assert_eq!(report.rows, raw.rows);
    assert_eq!(report.skipped, 0, "{:?}", report.first_skipped);
    assert_eq!(report.by_kind["traffic"], raw.keys.len() as u64);
    let mut total = [0u64; 5];
    for d in raw.days.values() {
        for (t, n) in total.iter_mut().zip(d) {
            *t += n;
        }
    }
    assert_eq!(report.stages, total);

    // Replayed with the 双12 phases.
    let cfg_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tianchi-double12.toml");
    let (events, summary) = common::replay_summary(&dir.path().join("campaign"), &cfg_path);
    let phases = &summary["phases"];
    // Phase membership by China-time date: before, on and after 12-12.
    let phase_of = |day: &str| match day {
        d if d < "2014-12-12" => "预热",
        "2014-12-12" => "爆发",
        _ => "收尾",
    };
    let mut want: BTreeMap<&str, ([u64; 5], u64)> = BTreeMap::new();
    for (day, s) in &raw.days {
        let e = want.entry(phase_of(day)).or_default();
        for (t, n) in e.0.iter_mut().zip(s) {
            *t += n;
        }
        e.1 += 1; // days with data
    }
    for (phase, (stages, _)) in &want {
        let f = &phases[*phase];
        let got: Vec<u64> = ["visit", "view", "cart", "order", "pay"]
            .iter()
            .map(|k| f[*k].as_u64().unwrap())
            .collect();
        assert_eq!(got, stages.to_vec(), "{phase}");
    }
    // The spike: per day, 双12's payments and visits against the other days'.
    let per_day = |k: usize, burst: bool| {
        let (n, days) = want
            .iter()
            .filter(|(p, _)| (**p == "爆发") == burst)
            .fold((0, 0), |(n, d), (_, (s, days))| (n + s[k], d + days));
        n as f64 / days as f64
    };
    let (pay_burst, pay_rest) = (per_day(4, true), per_day(4, false));
    let (uv_burst, uv_rest) = (per_day(0, true), per_day(0, false));
    let phase_pay = |p: &str| phases[p]["pay"].as_f64().unwrap();
    assert_eq!(phase_pay("爆发"), pay_burst);
    assert!(pay_burst > 3.0 * pay_rest, "{pay_burst} vs {pay_rest}/day");
    assert!(uv_burst > 1.3 * uv_rest, "{uv_burst} vs {uv_rest}/day");

    // What the room raises: 34 users, a few events an hour, all stamped on
    // the hour. Nothing here is a drop (the one anomaly, 双12, is upward) and
    // an hour's silence is this feed's cadence, not a stall: nothing at 警告
    // or above, and no site-wide "every feed stopped".
    for e in &events {
        assert!(e.tier < Tier::Warning, "{e:?}");
        assert!(
            !(e.rule == "feed-stall" && e.scope.is_site()),
            "hourly batches called a stall: {e:?}"
        );
    }
}

/// A bad row is skipped with its line number; the rows after it count.
#[test]
fn tianchi_skips_a_malformed_row_and_reads_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("behavior.csv");
    std::fs::write(
        &input,
        "user_id,item_id,behavior_type,user_geohash,item_category,time\n\
         1,10,1,,500,2014-12-12 20\n\
         1,10,1,,500,2014-12-12 2x\n\
         1,10,9,,500,2014-12-12 20\n\
         1,10,4,,500,2014-12-12 21\n\
         2,11,3,abc,501,2014-12-12 21\n",
    )
    .unwrap();
    let r = Format::TianchiDouble12
        .convert(&input, &dir.path().join("out"))
        .unwrap();
    assert_eq!(r.rows, 5);
    assert_eq!(r.skipped, 2);
    assert!(r.first_skipped[0].starts_with("behavior.csv:3:"), "{r:?}");
    assert!(r.first_skipped[1].starts_with("behavior.csv:4:"), "{r:?}");
    // User 1 active 20h and 21h: one visit; user 2 at 21h: one more.
    assert_eq!(r.stages, [2, 1, 1, 1, 1]);
}
