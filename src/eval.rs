//! Scoring the alerts: against the simulator's ground truth (detected or
//! missed per incident, delay, tier reached, false alarms), and against
//! NAB's labelled anomaly windows with NAB's own scoring (standard profile).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::FixedOffset;
use serde::{Deserialize, Serialize};

use crate::alerts::model::{AlertEvent, Tier, Transition};
use crate::time::{format_ts, parse_ts_str, Millis, MINUTE};

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    #[serde(default)]
    pub scenario: String,
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub phases: Vec<TruthPhase>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthPhase {
    pub name: String,
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Incident {
    pub id: String,
    #[serde(default)]
    pub kind: String,
    pub start: String,
    pub end: String,
    pub panel: String,
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub scope: BTreeMap<String, String>,
    pub tier: String,
}

impl Truth {
    pub fn load(path: &Path) -> Result<Truth> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a ground-truth file", path.display()))
    }
}

/// How one incident was caught.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncidentScore {
    pub id: String,
    pub panel: String,
    pub scope: String,
    pub start: String,
    pub detected: bool,
    /// Minutes from the start to the first matching alert.
    pub delay_min: Option<f64>,
    pub limit_min: f64,
    pub want: String,
    pub got: Option<String>,
    pub alert_ids: Vec<String>,
    /// Detected within the limit at (at least) the intended tier.
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    pub scenario: String,
    pub incidents: Vec<IncidentScore>,
    /// Alerts reaching ≥ 警告 during 爆发 outside every incident window.
    pub false_alarms: Vec<String>,
    /// 提醒-only alerts outside incident windows (noise the room sees).
    pub notice_noise: usize,
    /// Alerts opened in the first hour of 爆发 outside incidents (the rush).
    pub rush_alerts: usize,
}

impl EvalReport {
    pub fn passed(&self) -> bool {
        self.incidents.iter().all(|i| i.ok) && self.false_alarms.len() <= 2 && self.rush_alerts == 0
    }

    /// The table `docs/alerts.md` shows.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "scenario `{}`\n", self.scenario);
        let _ = writeln!(s, "| incident | panel | scope | start | detected | delay | limit | tier want → got | alerts |");
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
        for i in &self.incidents {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {:.0} min | {} → {} | {} |",
                i.id,
                i.panel,
                i.scope,
                i.start,
                if i.ok {
                    "yes"
                } else if i.detected {
                    "late/low"
                } else {
                    "MISSED"
                },
                i.delay_min
                    .map_or("-".to_string(), |d| format!("{d:.0} min")),
                i.limit_min,
                i.want,
                i.got.clone().unwrap_or_else(|| "-".into()),
                i.alert_ids.join(" ")
            );
        }
        let _ = writeln!(
            s,
            "\nfalse alarms ≥ 警告 outside incidents: {} {:?}; notice-level noise: {}; alerts in the 00:00 rush hour: {}; verdict: {}",
            self.false_alarms.len(),
            self.false_alarms,
            self.notice_noise,
            self.rush_alerts,
            if self.passed() { "PASS" } else { "FAIL" }
        );
        s
    }
}

/// Minutes an incident may take to be detected (overspend is a slower signal).
fn limit_for(i: &Incident) -> f64 {
    if i.panel == "budget" || i.kind == "overspend" {
        45.0
    } else {
        10.0
    }
}

/// Grace after an incident ends during which its alerts still belong to it.
const RECOVERY_GRACE: Millis = 30 * MINUTE;

fn scope_map(e: &AlertEvent) -> BTreeMap<String, String> {
    e.scope
        .0
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn scope_label(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        "site".into()
    } else {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Score alert transitions against the ground truth. `burst` is the 爆发
/// window (false alarms are counted there).
pub fn score(
    truth: &Truth,
    events: &[AlertEvent],
    tz: FixedOffset,
    burst: (Millis, Millis),
) -> EvalReport {
    let windows: Vec<(Millis, Millis)> = truth
        .incidents
        .iter()
        .filter_map(|i| Some((parse_ts_str(&i.start, tz)?, parse_ts_str(&i.end, tz)?)))
        .collect();
    // Per alert: when it reached each tier first, its panel and scope.
    struct Seen {
        panel: String,
        scope: BTreeMap<String, String>,
        opened: Millis,
        resolved: Option<Millis>,
        tier_at: [Option<Millis>; 3],
    }
    let mut alerts: BTreeMap<String, Seen> = BTreeMap::new();
    for e in events {
        let a = alerts.entry(e.alert_id.clone()).or_insert_with(|| Seen {
            panel: e.panel.key().to_string(),
            scope: scope_map(e),
            opened: e.at_ms,
            resolved: None,
            tier_at: [None; 3],
        });
        if matches!(e.transition, Transition::Open | Transition::Escalate) {
            for t in Tier::ALL.iter().filter(|t| **t <= e.tier) {
                a.tier_at[*t as usize].get_or_insert(e.at_ms);
            }
        }
        if e.transition == Transition::Resolve {
            a.resolved = Some(e.at_ms);
        }
    }
    let mut incidents = Vec::new();
    for (inc, &(start, end)) in truth.incidents.iter().zip(&windows) {
        let want = Tier::parse(&inc.tier).unwrap_or(Tier::Warning);
        let limit = limit_for(inc);
        let mut first: Option<Millis> = None;
        let mut got: Option<Tier> = None;
        let mut ids = Vec::new();
        for (id, a) in &alerts {
            let live_in_window =
                a.opened <= end + RECOVERY_GRACE && a.resolved.is_none_or(|r| r >= start);
            if a.panel != inc.panel || a.scope != inc.scope || !live_in_window {
                continue;
            }
            ids.push(id.clone());
            let seen_at = a.opened.max(start);
            first = Some(first.map_or(seen_at, |f| f.min(seen_at)));
            for t in Tier::ALL {
                if a.tier_at[t as usize].is_some_and(|at| at <= end + RECOVERY_GRACE) {
                    got = Some(got.map_or(t, |g| g.max(t)));
                }
            }
        }
        let delay = first.map(|f| (f - start) as f64 / MINUTE as f64);
        // The intended tier must be reached within the limit too.
        let tier_in_time = alerts.iter().any(|(id, a)| {
            ids.contains(id)
                && a.tier_at[want as usize]
                    .is_some_and(|at| at <= start + (limit * MINUTE as f64) as Millis)
        });
        incidents.push(IncidentScore {
            id: inc.id.clone(),
            panel: inc.panel.clone(),
            scope: scope_label(&inc.scope),
            start: format_ts(start, tz),
            detected: first.is_some(),
            delay_min: delay,
            limit_min: limit,
            want: want.zh().into(),
            got: got.map(|t| t.zh().into()),
            alert_ids: ids,
            ok: delay.is_some_and(|d| d <= limit) && tier_in_time,
        });
    }
    let in_incident = |t: Millis| {
        windows
            .iter()
            .any(|&(s, e)| t >= s && t <= e + RECOVERY_GRACE)
    };
    let in_burst = |t: Millis| t >= burst.0 && t < burst.1;
    let mut false_alarms = Vec::new();
    let mut notice_noise = 0;
    let mut rush_alerts = 0;
    for (id, a) in &alerts {
        if let Some(t) = a.tier_at[Tier::Warning as usize] {
            if in_burst(t) && !in_incident(t) {
                false_alarms.push(id.clone());
            }
        } else if !in_incident(a.opened) {
            notice_noise += 1;
        }
        if a.opened >= burst.0 && a.opened < burst.0 + 60 * MINUTE && !in_incident(a.opened) {
            rush_alerts += 1;
        }
    }
    EvalReport {
        scenario: truth.scenario.clone(),
        incidents,
        false_alarms,
        notice_noise,
        rush_alerts,
    }
}

// ---- NAB ----------------------------------------------------------------------

/// NAB's standard profile.
pub const NAB_TP: f64 = 1.0;
pub const NAB_FP: f64 = 0.11;
pub const NAB_FN: f64 = 1.0;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// NAB's scaled sigmoid of a relative position (−1 = window start, 0 = its end).
pub fn scaled_sigmoid(pos: f64) -> f64 {
    if pos > 3.0 {
        -1.0
    } else {
        2.0 * sigmoid(-5.0 * pos) - 1.0
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NabSeriesScore {
    pub series: String,
    pub windows: usize,
    pub detected_windows: usize,
    pub false_positives: usize,
    pub raw: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NabReport {
    pub series: Vec<NabSeriesScore>,
    pub raw: f64,
    pub null: f64,
    pub perfect: f64,
    /// 100 × (raw − null) / (perfect − null): 0 = no detections, 100 = perfect.
    pub normalized: f64,
}

/// Score detections on one series the way NAB's sweeper does: `times` are
/// the data rows, `windows` index ranges (inclusive) into them, `detections`
/// row indices. Returns (raw score, detected windows, false positives).
pub fn nab_score_series(
    n: usize,
    windows: &[(usize, usize)],
    detections: &[usize],
) -> (f64, usize, usize) {
    let probation = ((0.15 * n as f64).floor()).min(0.15 * 5000.0) as usize;
    let max_tp = scaled_sigmoid(-1.0);
    let mut per_window = vec![-NAB_FN; windows.len()];
    let mut fp_score = 0.0;
    let mut fps = 0;
    for &i in detections {
        if i < probation || i >= n {
            continue;
        }
        if let Some(w) = windows.iter().position(|&(a, b)| i >= a && i <= b) {
            let (a, b) = windows[w];
            let width = (b - a + 1) as f64;
            let pos = -((b - i + 1) as f64) / width;
            per_window[w] = per_window[w].max(scaled_sigmoid(pos) * NAB_TP / max_tp);
        } else {
            fps += 1;
            let prev = windows
                .iter()
                .filter(|&&(_, b)| b < i)
                .max_by_key(|&&(_, b)| b);
            let s = match prev {
                None => -1.0,
                Some(&(a, b)) => {
                    let width = (b - a + 1) as f64;
                    scaled_sigmoid((i - b) as f64 / (width - 1.0).max(1.0))
                }
            };
            fp_score += s * NAB_FP;
        }
    }
    let detected = per_window.iter().filter(|s| **s > -NAB_FN).count();
    (per_window.iter().sum::<f64>() + fp_score, detected, fps)
}

/// Score the `metric` alerts of a replay against NAB's `combined_windows.json`.
/// `data_dir` holds the CSVs (each series named by its file stem).
pub fn nab_score(
    data_dir: &Path,
    windows_file: &Path,
    events: &[AlertEvent],
    tz: FixedOffset,
) -> Result<NabReport> {
    let labels: BTreeMap<String, Vec<[String; 2]>> = serde_json::from_str(
        &std::fs::read_to_string(windows_file)
            .with_context(|| format!("cannot read {}", windows_file.display()))?,
    )
    .context("combined_windows.json: expected {file: [[start, end], …]}")?;
    let mut series = Vec::new();
    let (mut raw, mut null, mut perfect) = (0.0, 0.0, 0.0);
    let mut files: Vec<_> = std::fs::read_dir(data_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let Some((_, wins)) = labels
            .iter()
            .find(|(k, _)| Path::new(k).file_stem().and_then(|s| s.to_str()) == Some(&stem))
        else {
            continue;
        };
        let mut rdr = csv::Reader::from_path(&path)?;
        let mut times = Vec::new();
        for row in rdr.records() {
            let row = row?;
            times.push(parse_ts_str(&row[0], tz).context("NAB timestamp")?);
        }
        let idx_of = |t: &str| -> Option<usize> {
            let ms = parse_ts_str(t.split('.').next().unwrap_or(t), tz)?;
            Some(times.partition_point(|x| *x < ms))
        };
        let windows: Vec<(usize, usize)> = wins
            .iter()
            .filter_map(|[a, b]| Some((idx_of(a)?, idx_of(b)?.min(times.len().saturating_sub(1)))))
            .collect();
        // A detection belongs to the newest row judged at the alert's time.
        let mut detections: Vec<usize> = events
            .iter()
            .filter(|e| e.transition == Transition::Open && e.metric == stem)
            .filter_map(|e| times.partition_point(|x| *x < e.at_ms).checked_sub(1))
            .collect();
        detections.dedup();
        let (s, detected, fps) = nab_score_series(times.len(), &windows, &detections);
        raw += s;
        null -= NAB_FN * windows.len() as f64;
        perfect += NAB_TP * windows.len() as f64;
        series.push(NabSeriesScore {
            series: stem,
            windows: windows.len(),
            detected_windows: detected,
            false_positives: fps,
            raw: s,
        });
    }
    let normalized = if perfect > null {
        100.0 * (raw - null) / (perfect - null)
    } else {
        0.0
    };
    Ok(NabReport {
        series,
        raw,
        null,
        perfect,
        normalized,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nab_sigmoid_matches_the_published_points() {
        assert!((scaled_sigmoid(-1.0) - 0.98661).abs() < 1e-5);
        assert!((scaled_sigmoid(-0.5) - 0.84828).abs() < 1e-5);
        assert!(scaled_sigmoid(0.0).abs() < 1e-12);
        assert!((scaled_sigmoid(1.0) + 0.98661).abs() < 1e-5);
        assert_eq!(scaled_sigmoid(4.0), -1.0);
    }

    #[test]
    fn nab_null_perfect_and_early_detection() {
        let windows = [(200, 299), (600, 699)];
        let (null, d0, _) = nab_score_series(1000, &windows, &[]);
        assert_eq!((null, d0), (-2.0, 0));
        let (perfect, d, fp) = nab_score_series(1000, &windows, &[200, 600]);
        assert!((perfect - 2.0).abs() < 1e-9);
        assert_eq!((d, fp), (2, 0));
        // Later in the window scores less; a false positive costs up to 0.11.
        let (late, _, _) = nab_score_series(1000, &windows, &[290, 600]);
        assert!(late < perfect && late > 0.0);
        let (with_fp, _, fp) = nab_score_series(1000, &windows, &[200, 600, 900]);
        assert_eq!(fp, 1);
        assert!(with_fp < perfect && with_fp > perfect - 0.12);
        // Detections in the probationary 15% do not count.
        let (prob, _, fp) = nab_score_series(1000, &windows, &[10]);
        assert_eq!((prob, fp), (-2.0, 0));
    }
}
