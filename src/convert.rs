//! Importers that turn public e-commerce data sets into contract records,
//! so the war room can be checked on data nobody here generated.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};

/// A user's first event after this long idle counts as a new visit.
pub const VISIT_IDLE_SECS: i64 = 30 * 60;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaobaoReport {
    pub rows: u64,
    pub skipped: u64,
    pub records: u64,
    /// Stage totals: visit, view, cart, order, pay.
    pub stages: [u64; 5],
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
}

/// Taobao UserBehavior (`user_id,item_id,category_id,behavior,unix_seconds`,
/// no header) → `traffic` JSON lines, counted per minute and category:
/// `pv` → view, `cart` → cart, `buy` → order and pay, and a user's first
/// event after 30 idle minutes → visit. `fav` has no funnel stage.
pub fn taobao_user_behavior(input: &Path, output: &Path) -> Result<TaobaoReport> {
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut report = TaobaoReport::default();
    let mut last_seen: HashMap<u64, i64> = HashMap::new();
    // (minute, category, stage) → count; BTreeMap keeps the output in time order.
    let mut counts: BTreeMap<(i64, String, usize), u64> = BTreeMap::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        report.rows += 1;
        let f: Vec<&str> = line.trim().split(',').collect();
        let parsed = (|| -> Option<(u64, &str, &str, i64)> {
            if f.len() != 5 {
                return None;
            }
            Some((f[0].parse().ok()?, f[2], f[3], f[4].parse().ok()?))
        })();
        let Some((user, category, behavior, secs)) = parsed else {
            report.skipped += 1;
            continue;
        };
        let minute = secs.div_euclid(60) * 60;
        let cat = format!("cat-{category}");
        let idle = last_seen
            .get(&user)
            .is_none_or(|t| secs - t >= VISIT_IDLE_SECS);
        last_seen.insert(user, secs);
        let mut bump = |stage: usize| {
            *counts.entry((minute, cat.clone(), stage)).or_default() += 1;
            report.stages[stage] += 1;
        };
        if idle {
            bump(0);
        }
        match behavior {
            "pv" => bump(1),
            "cart" => bump(2),
            "buy" => {
                bump(3);
                bump(4);
            }
            "fav" => {}
            _ => {
                report.skipped += 1;
                continue;
            }
        }
        report.first_ts = Some(report.first_ts.map_or(secs, |t| t.min(secs)));
        report.last_ts = Some(report.last_ts.map_or(secs, |t| t.max(secs)));
    }
    if report.rows == 0 {
        bail!("{} is empty", input.display());
    }
    let out = std::fs::File::create(output)
        .with_context(|| format!("cannot write {}", output.display()))?;
    let mut out = BufWriter::new(out);
    const STAGES: [&str; 5] = ["visit", "view", "cart", "order", "pay"];
    for ((minute, cat, stage), n) in counts {
        let line = serde_json::json!({
            "ts": minute * 1000,
            "kind": "traffic",
            "stage": STAGES[stage],
            "count": n,
            "category": cat,
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
        report.records += 1;
    }
    out.flush()?;
    Ok(report)
}
