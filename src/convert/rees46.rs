//! REES46 / Open CDP "eCommerce behavior data from multi category store"
//! (`event_time,event_type,product_id,category_id,category_code,brand,price,
//! user_id,user_session`, with a header; times in UTC).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Result};
use chrono::{FixedOffset, NaiveDateTime};

use super::{input_files, CsvFile, Format, Recording, Report};

/// The columns the mapping reads, looked up by name in the header.
const COLUMNS: [&str; 6] = [
    "event_time",
    "event_type",
    "product_id",
    "category_code",
    "price",
    "user_session",
];

/// → `traffic` counted per minute and category (the top-level segment of
/// `category_code`, e.g. `appliances`; none when the code is empty):
/// a `user_session`'s first event → visit, `view` → view, `cart` → cart,
/// `purchase` → order and pay; and one `order` per purchase row (amount =
/// price, order_id = `<user_session>:<product_id>:<event_time>`).
///
/// A repeated purchase row has the same order_id, so the war room counts it
/// once (a contract duplicate); the order and pay stages count it once too,
/// so the funnel agrees with the paid orders. `remove_from_cart` (in other
/// months) has no stage but can open a session.
pub fn events(input: &Path, out_dir: &Path) -> Result<Report> {
    let mut report = Report::default();
    let mut sessions: HashSet<String> = HashSet::new();
    let mut order_ids: HashSet<String> = HashSet::new();
    // (minute, category, stage) → count.
    let mut counts: BTreeMap<(i64, Option<String>, usize), u64> = BTreeMap::new();
    let mut rec = Recording::new(FixedOffset::east_opt(0).expect("valid offset"));
    for path in input_files(input)? {
        let file = CsvFile::open(&path, false)?;
        let [c_time, c_type, c_product, c_code, c_price, c_session] = file.columns(COLUMNS)?;
        for (line, row) in file.rows() {
            let Some(row) = report.row(&path, line, row) else {
                continue;
            };
            let time = row[c_time].trim();
            let Some(ts) = parse_time(time) else {
                report.skip(&path, line, format!("event_time {time:?} is not UTC time"));
                continue;
            };
            let session = row[c_session].trim();
            if session.is_empty() {
                report.skip(&path, line, "no user_session");
                continue;
            }
            let stage = match row[c_type].trim() {
                "view" => Some(1),
                "cart" => Some(2),
                "purchase" => Some(3),
                "remove_from_cart" => None,
                other => {
                    report.skip(&path, line, format!("unknown event_type {other:?}"));
                    continue;
                }
            };
            let price = row[c_price].trim();
            let amount = price
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite() && *p >= 0.0);
            if stage == Some(3) && amount.is_none() {
                report.skip(&path, line, format!("purchase price {price:?}"));
                continue;
            }
            let category = row[c_code]
                .split('.')
                .next()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
            let minute = ts.div_euclid(60_000) * 60_000;
            let mut bump = |stage: usize| {
                *counts.entry((minute, category.clone(), stage)).or_default() += 1;
            };
            if !sessions.contains(session) {
                sessions.insert(session.to_owned());
                bump(0);
            }
            match stage {
                Some(3) => {
                    let product = row[c_product].trim();
                    let id = format!("{session}:{product}:{time}");
                    let mut fields = serde_json::json!({ "order_id": id, "amount": amount });
                    if let Some(c) = &category {
                        fields["category"] = c.clone().into();
                    }
                    rec.push(ts, "order", fields);
                    if order_ids.insert(id) {
                        bump(3);
                        bump(4);
                    }
                }
                Some(s) => bump(s),
                None => {}
            }
        }
    }
    if report.rows == 0 {
        bail!("{} has no rows", input.display());
    }
    for ((minute, category, stage), n) in counts {
        rec.push_traffic(minute, stage, n, category.as_deref());
    }
    rec.finish(out_dir, Format::Rees46, "REES46 2019-10", &mut report)?;
    Ok(report)
}

/// `2019-10-01 00:00:00 UTC` → epoch ms.
fn parse_time(s: &str) -> Option<i64> {
    let s = s.strip_suffix("UTC")?.trim_end();
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.and_utc().timestamp_millis())
}
