//! The run summary of `outputs.md`: one JSON object, byte-identical for the
//! same input and config (every map is ordered; no wall time inside).

use std::path::Path;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::figures::Figures;
use crate::record::{money_to_yuan, Kind, Money};
use crate::source::{FileStats, SourceStats};
use crate::state::State;
use crate::time::format_ts;

/// A JSON object whose keys keep the order given (config order for phases).
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub campaign: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub records: RecordCounts,
    pub totals: Figures,
    pub phases: Ordered<Figures>,
    pub alerts: Ordered<u64>,
    /// Extension: each `metric` series (e.g. NAB files), by name.
    pub metrics: Ordered<MetricSummary>,
    /// Extension: spend per budget line against its plan, the configured
    /// lines first, then lines that spent without a plan (each by name).
    pub budget_lines: Ordered<BudgetLineSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BudgetLineSummary {
    /// The whole campaign's plan for the line (`[budget.items]`), yuan.
    pub plan: Option<f64>,
    pub spend: f64,
    /// Spend per phase, config order.
    pub phases: Ordered<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordCounts {
    /// Valid records read (duplicates included).
    pub read: u64,
    /// Lines skipped as bad input.
    pub skipped: u64,
    pub by_kind: Ordered<u64>,
    pub duplicates: u64,
    pub late: u64,
    pub outside_phases: u64,
    /// Records whose dimension value was folded into 其他 by a cap.
    pub folded: u64,
    /// Records older than the retained series window (in the totals).
    pub beyond_retention: u64,
    pub files: Vec<FileStats>,
    pub files_ignored: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetricSummary {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub mean: Option<f64>,
    pub first: String,
    pub last: String,
}

fn budget_lines(state: &State, dims: &crate::dims::Dims) -> Ordered<BudgetLineSummary> {
    let cfg = &state.cfg;
    let spent: Vec<(&str, &[Money])> = state
        .item_spend
        .iter()
        .enumerate()
        .map(|(id, v)| (dims.item.name(id as u16), v.as_slice()))
        .collect();
    let line = |name: &str, plan: Option<f64>| {
        let v = spent.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let at = |i: usize| v.and_then(|v| v.get(i)).map_or(0.0, |m| money_to_yuan(*m));
        BudgetLineSummary {
            plan,
            spend: at(cfg.phases.len()),
            phases: Ordered(
                cfg.phases
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.name.clone(), at(i)))
                    .collect(),
            ),
        }
    };
    let mut lines: Vec<(String, BudgetLineSummary)> = cfg
        .budget
        .items
        .iter()
        .map(|(name, plan)| (name.clone(), line(name, Some(*plan))))
        .collect();
    let mut unplanned: Vec<&str> = spent
        .iter()
        .filter(|(n, v)| !cfg.budget.items.contains_key(*n) && v.iter().any(|m| *m != 0))
        .map(|(n, _)| *n)
        .collect();
    unplanned.sort_unstable();
    lines.extend(
        unplanned
            .into_iter()
            .map(|n| (n.to_string(), line(n, None))),
    );
    Ordered(lines)
}

/// Alert counts by tier, in tier order; the alert engine fills them.
pub fn tier_counts(counts: [u64; 3]) -> Ordered<u64> {
    Ordered(
        ["提醒", "警告", "紧急"]
            .iter()
            .zip(counts)
            .map(|(t, n)| (t.to_string(), n))
            .collect(),
    )
}

impl Summary {
    pub fn build(state: &State, source: &SourceStats, alerts: [u64; 3]) -> Summary {
        let cfg = &state.cfg;
        let dims = state.dims.read().expect("dims lock");
        let tz = cfg.tz;
        let mut metrics: Vec<(String, MetricSummary)> = state
            .metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| m.agg.count > 0)
            .map(|(id, m)| {
                (
                    dims.metric.name(id as u16).to_string(),
                    MetricSummary {
                        count: m.agg.count,
                        sum: m.agg.sum,
                        min: m.agg.min,
                        max: m.agg.max,
                        mean: m.agg.mean(),
                        first: format_ts(m.first_ts, tz),
                        last: format_ts(m.last_ts, tz),
                    },
                )
            })
            .collect();
        metrics.sort_by(|a, b| a.0.cmp(&b.0));
        Summary {
            campaign: cfg.name.clone(),
            from: state.first_ts.map(|t| format_ts(t, tz)),
            to: state.last_ts.map(|t| format_ts(t, tz)),
            records: RecordCounts {
                read: state.records,
                skipped: source.skipped(),
                by_kind: Ordered(
                    Kind::ALL
                        .iter()
                        .map(|k| (k.key().to_string(), state.kind_count(*k)))
                        .collect(),
                ),
                duplicates: state.duplicates,
                late: state.late,
                outside_phases: state.outside_phases,
                folded: dims.folded(),
                beyond_retention: state.series.dropped_records,
                files: source.files.clone(),
                files_ignored: source.files_ignored,
            },
            totals: state
                .totals
                .figures(state.stock.breaches(None), state.stock.outs(None)),
            phases: Ordered(
                cfg.phases
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        (
                            p.name.clone(),
                            state.phases[i]
                                .figures(state.stock.breaches(Some(i)), state.stock.outs(Some(i))),
                        )
                    })
                    .collect(),
            ),
            alerts: tier_counts(alerts),
            metrics: Ordered(metrics),
            budget_lines: budget_lines(state, &dims),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serializes");
        s.push('\n');
        s
    }
}

/// Write a file atomically: a temporary sibling, then a rename, so a reader
/// never sees half a summary.
pub fn write_atomic(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("summary");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}
