//! Campaign config (TOML). The minimal form of `spec/config.md` loads as
//! written; everything else has a default drawn from the domain, and
//! `warroom check-config` prints the resolved form with every default filled
//! in. The full format is documented in `docs/config.md`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::FixedOffset;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::alerts::settings::{rule_defs, AlertsFile, RuleSettings};
use crate::time::{format_ts, parse_offset, parse_ts_str, Millis};

/// A config problem, located in its file.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// The four phases the domain knows; custom names map to `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhaseKind {
    Prep,
    Warmup,
    Burst,
    Wrapup,
    Other,
}

impl PhaseKind {
    pub fn from_name(name: &str) -> PhaseKind {
        match name.trim().to_ascii_lowercase().as_str() {
            "筹备" | "prep" | "preparation" => PhaseKind::Prep,
            "预热" | "warmup" | "warm-up" => PhaseKind::Warmup,
            "爆发" | "burst" | "正式期" => PhaseKind::Burst,
            "收尾" | "wrapup" | "wrap-up" | "尾声期" => PhaseKind::Wrapup,
            _ => PhaseKind::Other,
        }
    }

    /// Default budget share by time: 预热 : 爆发 : 收尾 = 3 : 6 : 1.
    fn default_budget_share(self) -> f64 {
        match self {
            PhaseKind::Warmup => 0.3,
            PhaseKind::Burst => 0.6,
            PhaseKind::Wrapup => 0.1,
            PhaseKind::Prep | PhaseKind::Other => 0.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    pub kind: PhaseKind,
    pub start: Millis,
    pub end: Millis,
}

impl Phase {
    pub fn contains(&self, ts: Millis) -> bool {
        ts >= self.start && ts < self.end
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gmv: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_customers: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uv: Option<f64>,
    /// ROI floor the budget panel compares against (domain: ideal ≥ 5:1).
    pub roi: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Budget {
    pub total: Option<f64>,
    /// Share of `total` per phase, in the order of `Config::phases`.
    pub phase_shares: Vec<f64>,
    /// Plan per budget line for the whole campaign, yuan.
    pub items: BTreeMap<String, f64>,
    /// Optional plan per channel for the whole campaign, yuan.
    pub channels: BTreeMap<String, f64>,
}

#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    /// The baseline instant that lines up with this campaign's 爆发 start.
    pub burst_start: Option<Millis>,
}

/// How records are read and kept. Every cap bounds memory whatever the input.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Width of a time bucket of the series, seconds.
    pub bucket_seconds: u32,
    /// How far a record may be behind the newest record of its own file.
    pub lateness_seconds: u32,
    /// Longer lines are skipped (and counted) without being buffered.
    pub max_line_bytes: usize,
    /// Buckets kept in the series (older ones fall off; totals keep counting).
    pub retention_buckets: usize,
    /// Distinct values kept per dimension; the excess folds into 其他/other.
    pub max_channels: usize,
    pub max_categories: usize,
    pub max_skus: usize,
    pub max_items: usize,
    pub max_metrics: usize,
    pub max_tags: usize,
    /// Input files followed at once; more are reported and ignored.
    pub max_files: usize,
    /// Fallback poll interval when file notifications are unavailable, ms.
    pub poll_ms: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            bucket_seconds: 60,
            lateness_seconds: 120,
            max_line_bytes: 1 << 20,
            retention_buckets: 6 * 24 * 60,
            max_channels: 64,
            max_categories: 256,
            max_skus: 4096,
            max_items: 64,
            max_metrics: 256,
            max_tags: 60,
            max_files: 1024,
            poll_ms: 250,
        }
    }
}

/// The resolved, validated config the core runs on.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub name: String,
    pub tz: FixedOffset,
    pub phases: Vec<Phase>,
    pub targets: Targets,
    pub budget: Budget,
    pub baseline: Option<Baseline>,
    pub ingest: IngestConfig,
    pub alerts: AlertsFile,
}

// ---- file form -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    campaign: FileCampaign,
    #[serde(default, rename = "phase")]
    phases: Vec<FilePhase>,
    #[serde(default)]
    targets: Targets,
    #[serde(default)]
    budget: Option<FileBudget>,
    #[serde(default)]
    baseline: Option<FileBaseline>,
    #[serde(default)]
    ingest: IngestConfig,
    #[serde(default)]
    alerts: AlertsFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCampaign {
    name: String,
    #[serde(default)]
    timezone: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePhase {
    name: Spanned<String>,
    #[serde(default)]
    kind: Option<PhaseKind>,
    start: Spanned<TimeText>,
    end: Spanned<TimeText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBudget {
    total: Option<f64>,
    #[serde(default)]
    phases: BTreeMap<String, Spanned<f64>>,
    #[serde(default)]
    items: BTreeMap<String, f64>,
    #[serde(default)]
    channels: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBaseline {
    path: String,
    #[serde(default)]
    burst_start: Option<Spanned<TimeText>>,
}

/// A time written either as a TOML string or as a bare TOML datetime.
#[derive(Debug, Clone)]
struct TimeText(String);

impl<'de> Deserialize<'de> for TimeText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::String(s) => Ok(TimeText(s)),
            toml::Value::Datetime(dt) => Ok(TimeText(dt.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a time like \"2026-11-11T00:00:00+08:00\", found {}",
                other.type_str()
            ))),
        }
    }
}

impl Config {
    /// Load and validate a config file. Relative paths resolve against the
    /// file's own directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read config: {e}"),
        })?;
        let mut cfg = Config::parse(&text, &path.display().to_string(), path.parent())?;
        cfg.file = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Parse config text; `origin` names it in errors, `base` resolves paths.
    pub fn parse(text: &str, origin: &str, base: Option<&Path>) -> Result<Config, ConfigError> {
        let locate = |span: Option<Range<usize>>, message: String| {
            let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ConfigError {
                file: origin.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: FileConfig =
            toml::from_str(text).map_err(|e| locate(e.span(), e.message().to_string()))?;

        let tz = match &raw.campaign.timezone {
            None => FixedOffset::east_opt(8 * 3600).expect("valid offset"),
            Some(s) => parse_offset(s.get_ref()).ok_or_else(|| {
                locate(
                    Some(s.span()),
                    format!(
                        "timezone {:?}: expected a UTC offset like \"+08:00\" or \"UTC\"",
                        s.get_ref()
                    ),
                )
            })?,
        };
        let time = |t: &Spanned<TimeText>, what: &str| {
            parse_ts_str(&t.get_ref().0, tz).ok_or_else(|| {
                locate(
                    Some(t.span()),
                    format!(
                        "{what} {:?}: expected RFC 3339 like \"2026-11-11T00:00:00+08:00\"",
                        t.get_ref().0
                    ),
                )
            })
        };

        let mut phases = Vec::with_capacity(raw.phases.len());
        for p in &raw.phases {
            let start = time(&p.start, "start")?;
            let end = time(&p.end, "end")?;
            if end <= start {
                return Err(locate(
                    Some(p.end.span()),
                    format!("phase {:?}: end must be after start", p.name.get_ref()),
                ));
            }
            let name = p.name.get_ref().trim().to_string();
            if phases.iter().any(|q: &Phase| q.name == name) {
                return Err(locate(
                    Some(p.name.span()),
                    format!("phase {name:?} is defined twice"),
                ));
            }
            phases.push(Phase {
                kind: p.kind.unwrap_or_else(|| PhaseKind::from_name(&name)),
                name,
                start,
                end,
            });
        }
        phases.sort_by_key(|p| p.start);
        for pair in phases.windows(2) {
            if pair[1].start < pair[0].end {
                let span = raw
                    .phases
                    .iter()
                    .find(|p| p.name.get_ref().trim() == pair[1].name)
                    .map(|p| p.start.span());
                return Err(locate(
                    span,
                    format!(
                        "phase {:?} starts before phase {:?} ends: phases must not overlap",
                        pair[1].name, pair[0].name
                    ),
                ));
            }
        }

        let budget = match raw.budget {
            None => Budget {
                phase_shares: phases
                    .iter()
                    .map(|p| p.kind.default_budget_share())
                    .collect(),
                ..Budget::default()
            },
            Some(b) => {
                for (key, share) in &b.phases {
                    let known = phases.iter().any(|p| {
                        p.name == *key
                            || PhaseKind::from_name(key) == p.kind && p.kind != PhaseKind::Other
                    });
                    if !known {
                        return Err(locate(
                            Some(share.span()),
                            format!("budget share for {key:?}: no phase of that name"),
                        ));
                    }
                    if !(0.0..=1.0).contains(share.get_ref()) {
                        return Err(locate(
                            Some(share.span()),
                            format!(
                                "budget share for {key:?}: expected a fraction between 0 and 1"
                            ),
                        ));
                    }
                }
                let phase_shares = phases
                    .iter()
                    .map(|p| {
                        b.phases
                            .get(&p.name)
                            .or_else(|| {
                                b.phases
                                    .iter()
                                    .find(|(k, _)| {
                                        PhaseKind::from_name(k) == p.kind
                                            && p.kind != PhaseKind::Other
                                    })
                                    .map(|(_, v)| v)
                            })
                            .map(|s| *s.get_ref())
                            .unwrap_or_else(|| {
                                if b.phases.is_empty() {
                                    p.kind.default_budget_share()
                                } else {
                                    0.0
                                }
                            })
                    })
                    .collect();
                Budget {
                    total: b.total,
                    phase_shares,
                    items: b.items,
                    channels: b.channels,
                }
            }
        };

        let baseline = match raw.baseline {
            None => None,
            Some(b) => {
                let path = PathBuf::from(&b.path);
                let path = match base {
                    Some(dir) if path.is_relative() => dir.join(path),
                    _ => path,
                };
                let burst_start = match &b.burst_start {
                    Some(t) => Some(time(t, "burst_start")?),
                    None => None,
                };
                Some(Baseline { path, burst_start })
            }
        };

        let ingest = raw.ingest;
        if ingest.bucket_seconds == 0 || 86_400 % ingest.bucket_seconds != 0 {
            return Err(locate(
                None,
                format!(
                    "ingest.bucket_seconds = {}: expected a divisor of one day (e.g. 10, 60, 300)",
                    ingest.bucket_seconds
                ),
            ));
        }
        if ingest.retention_buckets == 0 || ingest.max_line_bytes < 64 {
            return Err(locate(
                None,
                "ingest: retention_buckets must be ≥ 1 and max_line_bytes ≥ 64".to_string(),
            ));
        }

        let alerts = raw.alerts;
        let known: Vec<&str> = rule_defs().iter().map(|d| d.name).collect();
        for name in alerts.rules.keys() {
            if !known.contains(&name.as_str()) {
                // Point at the rule's name where it is written.
                let at = text
                    .find(&format!("rules.{name}"))
                    .map(|i| i + 6..i + 6 + name.len());
                return Err(locate(
                    at,
                    format!("alerts.rules.{name}: no such rule; expected one of {known:?}"),
                ));
            }
        }

        Ok(Config {
            alerts,
            file: None,
            name: raw.campaign.name,
            tz,
            phases,
            targets: raw.targets,
            budget,
            baseline,
            ingest,
        })
    }

    /// Index of the phase holding `ts`, if any.
    pub fn phase_at(&self, ts: Millis) -> Option<usize> {
        self.phases.iter().position(|p| p.contains(ts))
    }

    /// The first 爆发 phase, which the baseline lines up with.
    pub fn burst_phase(&self) -> Option<&Phase> {
        self.phases.iter().find(|p| p.kind == PhaseKind::Burst)
    }

    /// Effective settings of a rule: its defaults with the config's overrides.
    pub fn rule_settings(&self, name: &str) -> Option<RuleSettings> {
        let def = rule_defs().iter().find(|d| d.name == name)?;
        Some(match self.alerts.rules.get(name) {
            Some(o) => o.apply(&def.defaults),
            None => def.defaults.clone(),
        })
    }

    pub fn bucket_ms(&self) -> Millis {
        i64::from(self.ingest.bucket_seconds) * 1000
    }

    pub fn lateness_ms(&self) -> Millis {
        i64::from(self.ingest.lateness_seconds) * 1000
    }

    /// Budget plan for one phase (total × share), when a total is set.
    pub fn phase_budget(&self, phase: usize) -> Option<f64> {
        let share = *self.budget.phase_shares.get(phase)?;
        self.budget.total.map(|t| t * share)
    }

    /// The resolved config as TOML, defaults included: what `check-config`
    /// prints. It loads again to the same config.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            campaign: OutCampaign<'a>,
            phase: Vec<OutPhase<'a>>,
            targets: &'a Targets,
            budget: OutBudget<'a>,
            #[serde(skip_serializing_if = "Option::is_none")]
            baseline: Option<OutBaseline>,
            ingest: &'a IngestConfig,
            alerts: OutAlerts,
        }
        #[derive(Serialize)]
        struct OutAlerts {
            settle_seconds: u32,
            trailing_minutes: u32,
            rules: BTreeMap<&'static str, RuleSettings>,
        }
        #[derive(Serialize)]
        struct OutCampaign<'a> {
            name: &'a str,
            timezone: String,
        }
        #[derive(Serialize)]
        struct OutPhase<'a> {
            name: &'a str,
            kind: PhaseKind,
            start: String,
            end: String,
        }
        #[derive(Serialize)]
        struct OutBudget<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            total: Option<f64>,
            phases: BTreeMap<&'a str, f64>,
            items: &'a BTreeMap<String, f64>,
            channels: &'a BTreeMap<String, f64>,
        }
        #[derive(Serialize)]
        struct OutBaseline {
            path: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            burst_start: Option<String>,
        }
        let out = Out {
            campaign: OutCampaign {
                name: &self.name,
                timezone: self.tz.to_string(),
            },
            phase: self
                .phases
                .iter()
                .map(|p| OutPhase {
                    name: &p.name,
                    kind: p.kind,
                    start: format_ts(p.start, self.tz),
                    end: format_ts(p.end, self.tz),
                })
                .collect(),
            targets: &self.targets,
            budget: OutBudget {
                total: self.budget.total,
                phases: self
                    .phases
                    .iter()
                    .zip(&self.budget.phase_shares)
                    .map(|(p, s)| (p.name.as_str(), *s))
                    .collect(),
                items: &self.budget.items,
                channels: &self.budget.channels,
            },
            baseline: self.baseline.as_ref().map(|b| OutBaseline {
                path: b.path.display().to_string(),
                burst_start: b.burst_start.map(|t| format_ts(t, self.tz)),
            }),
            ingest: &self.ingest,
            alerts: OutAlerts {
                settle_seconds: self.alerts.settle_seconds,
                trailing_minutes: self.alerts.trailing_minutes,
                rules: rule_defs()
                    .iter()
                    .map(|d| (d.name, self.rule_settings(d.name).expect("known rule")))
                    .collect(),
            },
        };
        toml::to_string_pretty(&out).unwrap_or_else(|e| format!("# cannot print config: {e}\n"))
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        while index > 0 && !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The minimal form of spec/config.md, verbatim.
    pub const MINIMAL: &str = r#"
[campaign]
name = "2026 双11"
timezone = "+08:00"            # used for timestamps without an offset

[[phase]]                      # 筹备 / 预热 / 爆发 / 收尾; English aliases prep / warmup / burst / wrapup
name = "预热"
start = "2026-11-01T20:00:00+08:00"
end = "2026-11-11T00:00:00+08:00"

[[phase]]
name = "爆发"
start = "2026-11-11T00:00:00+08:00"
end = "2026-11-12T00:00:00+08:00"

[[phase]]
name = "收尾"
start = "2026-11-12T00:00:00+08:00"
end = "2026-11-14T00:00:00+08:00"

[targets]                      # optional: plan figures for progress bars and the 复盘
gmv = 100000000
new_customers = 50000
roi = 5.0

[budget]                       # optional
total = 20000000

[budget.phases]                # optional shares of total by phase (default 预热:爆发:收尾 = 3:6:1)
"预热" = 0.3
"爆发" = 0.6
"收尾" = 0.1

[budget.items]                 # optional plan per budget line, yuan, whole campaign
"站内推广" = 8000000
"站外营销" = 4000000
"商品补贴" = 6000000
"内容制作" = 1200000
"其他" = 800000

[baseline]                     # optional: a previous campaign's recording (a directory in the
path = "../double11-2025"      # data contract), for dynamic thresholds from 历史同期 data
burst_start = "2025-11-11T00:00:00+08:00"   # the baseline moment that lines up with this
                               # campaign's 爆发 start; the baseline is shifted by the difference
"#;

    #[test]
    fn minimal_config_loads_as_written() {
        let cfg = Config::parse(MINIMAL, "warroom.toml", Some(Path::new("/camp/cfg"))).unwrap();
        assert_eq!(cfg.name, "2026 双11");
        assert_eq!(cfg.phases.len(), 3);
        assert_eq!(cfg.phases[1].kind, PhaseKind::Burst);
        assert_eq!(cfg.targets.gmv, Some(100_000_000.0));
        assert_eq!(cfg.budget.phase_shares, vec![0.3, 0.6, 0.1]);
        assert_eq!(cfg.phase_budget(1), Some(12_000_000.0));
        let baseline = cfg.baseline.as_ref().unwrap();
        assert_eq!(baseline.path, Path::new("/camp/cfg/../double11-2025"));
        assert_eq!(baseline.burst_start, Some(1_762_790_400_000));
        assert_eq!(cfg.ingest.bucket_seconds, 60);
    }

    #[test]
    fn campaign_and_phases_are_all_a_user_must_write() {
        let text = "[campaign]\nname = \"x\"\n[[phase]]\nname = \"burst\"\nstart = 2026-11-11T00:00:00+08:00\nend = \"2026-11-12 00:00:00\"\n";
        let cfg = Config::parse(text, "c.toml", None).unwrap();
        assert_eq!(cfg.phases[0].kind, PhaseKind::Burst);
        assert_eq!(cfg.phases[0].end - cfg.phases[0].start, 86_400_000);
        assert_eq!(cfg.budget.phase_shares, vec![0.6]);
    }

    #[test]
    fn resolved_config_round_trips() {
        let cfg = Config::parse(MINIMAL, "warroom.toml", None).unwrap();
        let printed = cfg.to_toml();
        let again = Config::parse(&printed, "printed.toml", None).unwrap();
        assert_eq!(again.to_toml(), printed);
        assert!(printed.contains("bucket_seconds = 60"), "{printed}");
    }

    fn err(text: &str) -> ConfigError {
        Config::parse(text, "bad.toml", None).unwrap_err()
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let e = err("[campaign]\nname = \"x\"\ntimezone = +08:00\n");
        assert_eq!((e.file.as_str(), e.line), ("bad.toml", 3), "{e}");
        assert!(e.column >= 1);
    }

    #[test]
    fn bad_time_names_its_place_and_the_expected_form() {
        let e = err("[campaign]\nname = \"x\"\n[[phase]]\nname = \"爆发\"\nstart = \"11/11 0:00\"\nend = \"2026-11-12T00:00:00+08:00\"\n");
        assert_eq!((e.line, e.column), (5, 9), "{e}");
        assert!(e.message.contains("expected RFC 3339"), "{e}");
    }

    #[test]
    fn typo_in_a_key_is_an_error_listing_the_keys() {
        let e = err("[campaign]\nname = \"x\"\n[targets]\ngvm = 1\n");
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("gmv"), "{e}");
    }

    #[test]
    fn overlapping_phases_and_bad_zone_are_errors() {
        let e = err("[campaign]\nname = \"x\"\n[[phase]]\nname = \"a\"\nstart = \"2026-11-11T00:00:00Z\"\nend = \"2026-11-12T00:00:00Z\"\n[[phase]]\nname = \"b\"\nstart = \"2026-11-11T12:00:00Z\"\nend = \"2026-11-13T00:00:00Z\"\n");
        assert!(e.message.contains("overlap"), "{e}");
        assert_eq!(e.line, 9);
        let e = err("[campaign]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n");
        assert_eq!((e.line, e.column), (3, 12), "{e}");
    }

    #[test]
    fn rule_overrides_apply_and_unknown_rules_are_errors() {
        let text = "[campaign]\nname = \"x\"\n[alerts.rules.sales-drop]\nthresholds = [0.1, 0.2, 0.3]\nphases = [\"*\"]\n";
        let cfg = Config::parse(text, "c.toml", None).unwrap();
        let s = cfg.rule_settings("sales-drop").unwrap();
        assert_eq!(s.thresholds, [0.1, 0.2, 0.3]);
        assert_eq!(s.window_minutes, 10, "untouched knobs keep their defaults");
        let e = err("[campaign]\nname = \"x\"\n[alerts.rules.sales-dorp]\nenabled = false\n");
        assert!(e.message.contains("no such rule"), "{e}");
        let e = err("[campaign]\nname = \"x\"\n[alerts.rules.sales-drop]\nthreshold = 1\n");
        assert!(e.message.contains("thresholds"), "{e}");
    }

    #[test]
    fn missing_campaign_is_reported() {
        let e = err("[[phase]]\nname = \"a\"\nstart = \"2026-11-11T00:00:00Z\"\nend = \"2026-11-12T00:00:00Z\"\n");
        assert!(e.message.contains("campaign"), "{e}");
    }
}
