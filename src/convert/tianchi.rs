//! Tianchi 2014 mobile-Taobao behaviour (`sample_user_behavior.csv`:
//! `user_id,item_id,behavior_type,user_geohash,item_category,time`, with a
//! header; `time` is `YYYY-MM-DD HH`, China time, hour resolution).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Result};
use chrono::{FixedOffset, NaiveDate, TimeZone};

use super::{CsvFile, Format, Recording, Report};

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
    let file = CsvFile::open(&path, false)?;
    let [c_user, c_behavior, c_category, c_time] = file.columns(COLUMNS)?;
    // (hour, category, stage) → count.
    let mut counts: BTreeMap<(i64, String, usize), u64> = BTreeMap::new();
    // (user, hour) → the category of the user's first row in that hour.
    let mut active: HashMap<(u64, i64), String> = HashMap::new();
    for (line, row) in file.rows() {
        let Some(row) = report.row(&path, line, row) else {
            continue;
        };
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
        rec.push_traffic(hour, stage, n, Some(&cat));
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
