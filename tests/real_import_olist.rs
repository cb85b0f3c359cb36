//! The `olist-reviews` importer on the real Olist reviews sample, and the
//! war room replaying it, against figures computed here from the raw CSV
//! with nothing but `csv`, `chrono` and `toml` (no importer code):
//!
//! - a review is one CS session (a review_id seen again is the same
//!   survey covering another order: skipped), opened when the survey was
//!   sent and rated when answered, both read at -03:00;
//! - 差评 = score ≤ 2; 投诉 = score ≤ 2 with a title or comment written;
//! - satisfaction = mean score, complaint rate = 投诉 sessions ÷ sessions.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use warroom::alerts::model::{AlertEvent, Tier};
use warroom::config::Config;
use warroom::convert::{Format, Report};

const SAMPLE: &str = "olist-reviews-head";
const BRT_SECS: i64 = 3 * 3600;

struct Review {
    score: u64,
    complaint: bool,
    sent_ms: i64,
    answered_ms: i64,
}

struct Raw {
    rows: u64,
    skipped: u64,
    reviews: Vec<Review>,
}

fn read_raw(dir: &Path) -> Raw {
    let file = dir.join("olist_order_reviews_dataset_head.csv");
    let mut rdr = csv::Reader::from_path(file).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (id, score, title, msg, sent, answered) = (
        col("review_id"),
        col("review_score"),
        col("review_comment_title"),
        col("review_comment_message"),
        col("review_creation_date"),
        col("review_answer_timestamp"),
    );
    let brt = |s: &str| {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp_millis()
            + BRT_SECS * 1000
    };
    let mut seen = HashSet::new();
    let (mut rows, mut skipped) = (0, 0);
    let mut reviews = Vec::new();
    for rec in rdr.records() {
        rows += 1;
        let rec = rec.unwrap();
        if !seen.insert(rec[id].to_string()) {
            skipped += 1;
            continue;
        }
        let s: u64 = rec[score].parse().unwrap();
        assert!((1..=5).contains(&s));
        let wrote = !rec[title].trim().is_empty() || !rec[msg].trim().is_empty();
        reviews.push(Review {
            score: s,
            complaint: s <= 2 && wrote,
            sent_ms: brt(&rec[sent]),
            answered_ms: brt(&rec[answered]),
        });
    }
    Raw {
        rows,
        skipped,
        reviews,
    }
}

/// (sessions, complaints, ratings, score sum) over records in [from, to).
fn cs_figures(raw: &Raw, from: i64, to: i64) -> (u64, u64, u64, u64) {
    let mut f = (0, 0, 0, 0);
    for r in &raw.reviews {
        if (from..to).contains(&r.sent_ms) {
            f.0 += 1;
            f.1 += u64::from(r.complaint);
        }
        if (from..to).contains(&r.answered_ms) {
            f.2 += 1;
            f.3 += r.score;
        }
    }
    f
}

struct Run {
    report: Report,
    raw: Raw,
    config: std::path::PathBuf,
    summary: Value,
    alerts: Vec<AlertEvent>,
    _dir: tempfile::TempDir,
}

/// Convert the sample and replay it with config/olist-reviews.toml (hour
/// buckets, day-long CS windows, the Black Friday 2017 phases), once for
/// all the tests here.
fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let src = common::real_data(SAMPLE);
        let dir = tempfile::tempdir().unwrap();
        let report = Format::OlistReviews.convert(&src, dir.path()).unwrap();
        // The written starting config loads, in Brazil's time.
        let written = Config::load(&dir.path().join("warroom.toml")).unwrap();
        assert_eq!(written.tz.local_minus_utc(), -BRT_SECS as i32);
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/olist-reviews.toml");
        let (alerts, summary) = common::replay_summary(&dir.path().join("campaign"), &config);
        Run {
            report,
            raw: read_raw(&src),
            config,
            summary,
            alerts,
            _dir: dir,
        }
    })
}

#[test]
fn converted_counts_match_the_raw_csv() {
    let Run { report, raw, .. } = run();
    assert_eq!(report.rows, raw.rows);
    assert_eq!(report.skipped, raw.skipped);
    // The README: 6,123 reviews, 6,480 physical lines (comments span lines).
    assert_eq!(report.rows, 6_123);
    let sessions = raw.reviews.len() as u64;
    assert_eq!(report.records, 2 * sessions);
    assert_eq!(
        report.by_kind,
        BTreeMap::from([("cs".to_string(), 2 * sessions)])
    );
    let first = raw.reviews.iter().map(|r| r.sent_ms).min();
    let last = raw.reviews.iter().map(|r| r.answered_ms).max();
    assert_eq!((report.first_ts, report.last_ts), (first, last));
}

#[test]
fn replayed_summary_matches_the_raw_csv_in_total_and_per_phase() {
    let Run {
        raw,
        summary,
        config,
        ..
    } = run();
    assert_eq!(summary["records"]["read"], 2 * raw.reviews.len() as u64);
    assert_eq!(summary["records"]["skipped"], 0);
    let doc: toml::Value = toml::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    let ms = |v: &toml::Value| {
        DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let mut spans = vec![("totals".to_string(), i64::MIN, i64::MAX)];
    for p in doc["phase"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap().to_string();
        spans.push((name, ms(&p["start"]), ms(&p["end"])));
    }
    for (name, from, to) in spans {
        let got = if name == "totals" {
            &summary["totals"]
        } else {
            &summary["phases"][&name]
        };
        let (sessions, complaints, ratings, score_sum) = cs_figures(raw, from, to);
        assert_eq!(got["cs_sessions"], sessions, "{name}");
        let close = |k: &str, want: f64| {
            let g = got[k].as_f64().unwrap();
            assert!((g - want).abs() < 1e-9, "{name}.{k}: {g} vs {want}");
        };
        close("cs_satisfaction", score_sum as f64 / ratings as f64);
        close("cs_complaint_rate", complaints as f64 / sessions as f64);
    }
}

/// The README's score mix, read through the war room: 857 reviews of
/// 1–2 stars in 6,123 (two are repeats of a 5-star review), so about one
/// in seven sessions is a bad review.
#[test]
fn bad_reviews_and_complaints_are_tagged() {
    let Run { raw, summary, .. } = run();
    let bad = raw.reviews.iter().filter(|r| r.score <= 2).count() as u64;
    assert_eq!(bad, 857);
    assert_eq!(summary["totals"]["cs_bad_review_tagged"], bad);
    let complaints = raw.reviews.iter().filter(|r| r.complaint).count() as f64;
    let rate = summary["totals"]["cs_complaint_rate"].as_f64().unwrap();
    assert!((rate - complaints / raw.reviews.len() as f64).abs() < 1e-9);
    // Most unhappy customers say why: complaints are most of the 差评.
    assert!(complaints > 0.5 * bad as f64, "{complaints} of {bad}");
}

/// The reviews of Black Friday 2017's deliveries (爆发) are worse than the
/// year before it (预热), as the README's December wave suggests; yet no
/// day is an incident: about fifteen answers a day around a long-run mean
/// of 4.1, judged against floors from 3.8 down, and a 差评/投诉 share that
/// drifts rather than jumps. So nothing may reach 警告.
#[test]
fn black_friday_reviews_are_worse_but_raise_nothing_at_warning() {
    let Run {
        alerts, summary, ..
    } = run();
    let (pre, burst) = (&summary["phases"]["预热"], &summary["phases"]["爆发"]);
    let f = |p: &Value, k: &str| p[k].as_f64().unwrap();
    assert!(f(burst, "cs_complaint_rate") > f(pre, "cs_complaint_rate"));
    assert!(f(burst, "cs_satisfaction") < f(pre, "cs_satisfaction"));
    let loud: Vec<_> = alerts.iter().filter(|e| e.tier >= Tier::Warning).collect();
    assert!(loud.is_empty(), "alerts ≥ 警告: {loud:?}");
}

#[test]
fn a_malformed_row_is_skipped_with_its_line_and_the_rest_converted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("reviews.csv");
    // CRLF, as the real file, and a comment spanning two lines before the
    // bad row, so its line number is a physical line, not a row count.
    let rows = [
        "\"review_id\",\"order_id\",\"review_score\",\"review_comment_title\",\"review_comment_message\",\"review_creation_date\",\"review_answer_timestamp\"",
        "\"r1\",\"o1\",1,,\"Não recebi,\r\nainda\",2018-01-18 00:00:00,2018-01-19 10:00:00",
        "\"r2\",\"o2\",9,,,2018-01-18 00:00:00,2018-01-19 11:00:00",
        "\"r3\",\"o3\",2,,,2018-01-18 00:00:00,2018-01-19 12:00:00",
        "",
    ];
    std::fs::write(&input, rows.join("\r\n")).unwrap();
    let out = dir.path().join("out");
    let report = Format::OlistReviews.convert(&input, &out).unwrap();
    assert_eq!((report.rows, report.skipped, report.records), (3, 1, 4));
    assert!(
        report.first_skipped[0].starts_with("reviews.csv:4: "),
        "{:?}",
        report.first_skipped
    );
    let text = std::fs::read_to_string(&report.recording).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let opens: Vec<(&str, &Value)> = records
        .iter()
        .filter(|r| r["event"] == "open")
        .map(|r| (r["session"].as_str().unwrap(), &r["tags"]))
        .collect();
    assert_eq!(
        opens,
        [
            ("r1", &serde_json::json!(["差评", "投诉"])),
            ("r3", &serde_json::json!(["差评"])),
        ]
    );
    assert_eq!(records[0]["ts"], "2018-01-18T00:00:00-03:00");
    let rates: Vec<&Value> = records
        .iter()
        .filter(|r| r["event"] == "rate")
        .map(|r| &r["score"])
        .collect();
    assert_eq!(rates, [1, 2]);
}
