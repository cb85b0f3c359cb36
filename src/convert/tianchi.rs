//! Tianchi 2014 mobile-Taobao behaviour (`sample_user_behavior.csv`:
//! `user_id,item_id,behavior_type,user_geohash,item_category,time`, with a
//! header; `time` is `YYYY-MM-DD HH`, China time, hour resolution).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{FixedOffset, NaiveDate, TimeZone};

use super::{Format, Recording, Report, STAGES};

/// The file read when the input is the data set's directory (the other file,
/// `sample_item_info.csv`, has no events).
pub const BEHAVIOR_FILE: &str = "sample_user_behavior.csv";

const COLUMNS: [&str; 4] = ["user_id", "behavior_type", "item_category", "time"];

/// → `traffic` counted per hour and category (`cat-<id>`): 1 (browse) →
/// view, 3 (cart) → cart, 4 (buy) → order and pay, 2 (fav) no stage; and a
/// visit for each hour a user is active after an hour they were not (there
/// are no sessions, and an hour is the finest time the data has), in the
/// category of their first row of that hour in file order. Repeated rows
/// are repeated events (two clicks within the hour look the same).
pub fn double12(input: &Path, out_dir: &Path) -> Result<Report> {
    let path = if input.is_dir() {
        input.join(BEHAVIOR_FILE)
    } else {
        input.to_owned()
    };
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let mut report = Report::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header = reader
        .headers()
        .with_context(|| format!("cannot read {}", path.display()))?
        .clone();
    let mut col = [0; COLUMNS.len()];
    for (i, name) in COLUMNS.iter().enumerate() {
        col[i] = header
            .iter()
            .position(|h| h.trim() == *name)
            .with_context(|| format!("{}: no column {name:?}", path.display()))?;
    }
    let [c_user, c_behavior, c_category, c_time] = col;
    // (hour, category, stage) → count.
    let mut counts: BTreeMap<(i64, String, usize), u64> = BTreeMap::new();
    // (user, hour) → the category of the user's first row in that hour.
    let mut active: HashMap<(u64, i64), String> = HashMap::new();
    for row in reader.records() {
        report.rows += 1;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
                report.skip(&path, line, format!("not CSV: {e}"));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        if row.len() != header.len() {
            report.skip(
                &path,
                line,
                format!("{} fields, the header has {}", row.len(), header.len()),
            );
            continue;
        }
        let Ok(user) = row[c_user].trim().parse::<u64>() else {
            report.skip(&path, line, format!("user_id {:?}", &row[c_user]));
            continue;
        };
        let time = row[c_time].trim();
        let Some(hour) = parse_hour(time, china) else {
            report.skip(&path, line, format!("time {time:?} is not YYYY-MM-DD HH"));
            continue;
        };
        let category = row[c_category].trim();
        if category.is_empty() {
            report.skip(&path, line, "no item_category");
            continue;
        }
        let stages: &[usize] = match row[c_behavior].trim() {
            "1" => &[1],
            "2" => &[],
            "3" => &[2],
            "4" => &[3, 4],
            other => {
                report.skip(&path, line, format!("behavior_type {other:?}"));
                continue;
            }
        };
        let cat = format!("cat-{category}");
        for &s in stages {
            *counts.entry((hour, cat.clone(), s)).or_default() += 1;
        }
        active.entry((user, hour)).or_insert(cat);
    }
    if report.rows == 0 {
        bail!("{} has no rows", path.display());
    }
    let hours: HashSet<(u64, i64)> = active.keys().copied().collect();
    for ((user, hour), cat) in active {
        if !hours.contains(&(user, hour - 3_600_000)) {
            *counts.entry((hour, cat, 0)).or_default() += 1;
        }
    }
    let mut rec = Recording::new(china);
    for ((hour, cat, stage), n) in counts {
        rec.push(
            hour,
            "traffic",
            serde_json::json!({ "stage": STAGES[stage], "count": n, "category": cat }),
        );
    }
    rec.finish(
        out_dir,
        Format::TianchiDouble12,
        "Tianchi 2014 双12",
        &mut report,
    )?;
    Ok(report)
}

/// `2014-12-12 20` (China time) → epoch ms of the hour's start.
fn parse_hour(s: &str, tz: FixedOffset) -> Option<i64> {
    let (date, hour) = s.split_once(' ')?;
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let hour: u32 = hour.trim().parse().ok()?;
    let t = date.and_hms_opt(hour, 0, 0)?;
    Some(tz.from_local_datetime(&t).single()?.timestamp_millis())
}
