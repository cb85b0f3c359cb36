//! Taobao UserBehavior (`user_id,item_id,category_id,behavior,unix_seconds`,
//! no header; Alibaba's public 2017 sample, China time).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::FixedOffset;

use super::{input_files, Format, Recording, Report};

/// A user's first event after this long idle counts as a new visit.
pub const VISIT_IDLE_SECS: i64 = 30 * 60;

/// → `traffic` records counted per minute and category (`cat-<id>`):
/// `pv` → view, `cart` → cart, `buy` → order and pay, and a user's first
/// event after 30 idle minutes → visit. `fav` has no funnel stage.
pub fn user_behavior(input: &Path, out_dir: &Path) -> Result<Report> {
    let mut report = Report::default();
    let mut last_seen: HashMap<u64, i64> = HashMap::new();
    // (minute, category, stage) → count.
    let mut counts: BTreeMap<(i64, String, usize), u64> = BTreeMap::new();
    for path in input_files(input)? {
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            report.rows += 1;
            let f: Vec<&str> = line.trim().split(',').collect();
            let parsed = (|| -> Option<(u64, &str, &str, i64)> {
                if f.len() != 5 {
                    return None;
                }
                Some((f[0].parse().ok()?, f[2], f[3], f[4].parse().ok()?))
            })();
            let Some((user, category, behavior, secs)) = parsed else {
                report.skip(
                    &path,
                    n as u64 + 1,
                    "not user,item,category,behavior,seconds",
                );
                continue;
            };
            let stage = match behavior {
                "pv" => Some(1),
                "cart" => Some(2),
                "buy" => Some(3),
                "fav" => None,
                other => {
                    report.skip(&path, n as u64 + 1, format!("unknown behavior {other:?}"));
                    continue;
                }
            };
            let minute = secs.div_euclid(60) * 60;
            let cat = format!("cat-{category}");
            let idle = last_seen
                .get(&user)
                .is_none_or(|t| secs - t >= VISIT_IDLE_SECS);
            last_seen.insert(user, secs);
            let mut bump = |stage: usize| {
                *counts.entry((minute, cat.clone(), stage)).or_default() += 1;
            };
            if idle {
                bump(0);
            }
            match stage {
                Some(3) => {
                    bump(3);
                    bump(4);
                }
                Some(s) => bump(s),
                None => {}
            }
        }
    }
    if report.rows == 0 {
        bail!("{} has no rows", input.display());
    }
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let mut rec = Recording::new(china);
    for ((minute, cat, stage), n) in counts {
        rec.push_traffic(minute * 1000, stage, n, Some(&cat));
    }
    rec.finish(
        out_dir,
        Format::TaobaoUserbehavior,
        "Taobao UserBehavior",
        &mut report,
    )?;
    Ok(report)
}
