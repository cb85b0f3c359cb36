//! The alert engine: rules judge the state at every bucket boundary (event
//! time, so replay and live agree), and each (rule, metric, scope) goes
//! through an Alertmanager-like lifecycle: pending for `for_evaluations`,
//! open, escalate/de-escalate with hysteresis, resolve after
//! `clear_evaluations` clear ones. Every transition is an alert-log line.

pub mod expect;
pub mod log;
pub mod model;
pub mod rules;
pub mod settings;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::Config;
use crate::state::State;
use crate::time::{bucket_start, format_ts, Millis, MINUTE};

use expect::Baseline;
use model::{AlertEvent, Panel, Scope, Tier, Transition};
use rules::{Ctx, Detail, Finding, OpenInfo};
use settings::{rule_defs, runs_in, RuleDef, RuleSettings};

/// A 警告 left unacknowledged this long becomes 紧急 (persistence).
const ESCALATE_UNACKED_AFTER: Millis = 60 * MINUTE;
/// Points of value-vs-expected history kept per alert for its chart.
const TIMELINE_POINTS: usize = 360;
/// Resolved alerts kept for the screen and drill-down.
const RESOLVED_KEPT: usize = 200;
/// Evaluations caught up at most in one step (a clock jump skips the rest).
const MAX_CATCH_UP: i64 = 2_000;

type Key = (usize, String, Scope);
/// The candidate slices of an evaluation: site, channels, categories.
type Slices = Vec<(expect::Sel, Scope)>;

#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePoint {
    pub at: Millis,
    pub value: Option<f64>,
    pub expected: Option<f64>,
    pub tier: Option<Tier>,
}

/// An alert the room sees: open, or recently resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: String,
    pub rule: &'static str,
    pub panel: Panel,
    pub metric: String,
    pub scope: Scope,
    pub tier: Tier,
    pub max_tier: Tier,
    pub opened_at: Millis,
    pub changed_at: Millis,
    pub resolved_at: Option<Millis>,
    pub acked_at: Option<Millis>,
    pub value: Option<f64>,
    pub expected: Option<f64>,
    pub detail: Detail,
    pub transitions: Vec<(Millis, Transition, Tier)>,
    pub timeline: Vec<TimelinePoint>,
}

impl Alert {
    /// The figure and its expectation when the alert first reached its
    /// highest tier (the last ones known if its timeline no longer has it).
    pub fn worst(&self) -> (Option<f64>, Option<f64>) {
        self.timeline
            .iter()
            .find(|p| p.tier == Some(self.max_tier))
            .map_or((self.value, self.expected), |p| (p.value, p.expected))
    }

    /// When it first reached its highest tier.
    pub fn peaked_at(&self) -> Millis {
        self.transitions
            .iter()
            .find(|(_, t, tier)| {
                *tier == self.max_tier && !matches!(t, Transition::Ack | Transition::Resolve)
            })
            .map_or(self.opened_at, |(at, _, _)| *at)
    }
}

#[derive(Debug, Clone, Default)]
struct Track {
    open: Option<usize>,
    pending: u32,
    up: u32,
    down: u32,
    clear: u32,
    frozen: Option<f64>,
    /// Tier proposed while pending (the least of the pending evaluations).
    pending_tier: Option<Tier>,
}

#[derive(Clone)]
pub struct Engine {
    cfg: Arc<Config>,
    defs: &'static [RuleDef],
    settings: Vec<RuleSettings>,
    baseline: Option<Arc<Baseline>>,
    next_eval: Option<Millis>,
    tracks: BTreeMap<Key, Track>,
    /// The candidate slices and the dimension sizes they were built for.
    slices: ((usize, usize), Arc<Slices>),
    /// Alerts by index; open ones are referenced from `tracks`.
    alerts: Vec<Alert>,
    next_id: u64,
    /// Alerts by the highest tier they reached.
    pub counts: [u64; 3],
    pub evaluations: u64,
    /// Block sums kept between evaluations (see `expect::BlockCache`).
    blocks: expect::BlockCache,
    baseline_blocks: expect::BlockCache,
}

impl Engine {
    pub fn new(cfg: Arc<Config>, baseline: Option<Arc<Baseline>>) -> Engine {
        let defs = rule_defs();
        let settings = defs
            .iter()
            .map(|d| cfg.rule_settings(d.name).expect("known rule"))
            .collect();
        Engine {
            cfg,
            defs,
            settings,
            baseline,
            next_eval: None,
            tracks: BTreeMap::new(),
            slices: ((usize::MAX, 0), Arc::new(Vec::new())),
            alerts: Vec::new(),
            next_id: 1,
            counts: [0; 3],
            evaluations: 0,
            blocks: expect::BlockCache::default(),
            baseline_blocks: expect::BlockCache::default(),
        }
    }

    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_deref()
    }

    /// Judge every bucket that closed (plus the settle time) by `now`.
    pub fn on_clock(&mut self, state: &State, now: Millis, out: &mut Vec<AlertEvent>) {
        if now == Millis::MIN {
            return;
        }
        let w = state.series.width();
        let settle = i64::from(self.cfg.alerts.settle_seconds) * 1000;
        let first = match (self.next_eval, state.first_ts) {
            (Some(t), _) => t,
            (None, Some(ts)) => bucket_start(ts, w) + w,
            (None, None) => return,
        };
        let mut t = first;
        if (now - settle - t) / w > MAX_CATCH_UP {
            t = bucket_start(now - settle, w) - MAX_CATCH_UP * w;
        }
        while t + settle <= now {
            self.evaluate(state, t, out);
            t += w;
        }
        self.next_eval = Some(t);
    }

    fn evaluate(&mut self, state: &State, t: Millis, out: &mut Vec<AlertEvent>) {
        self.evaluations += 1;
        let phase = self.cfg.phase_at(t - 1);
        // Held for the evaluation (the reader takes the write lock only to
        // publish new names): no copy of every name each minute.
        let dims_guard = state.dims.read().expect("dims lock");
        let dims: &crate::dims::Dims = &dims_guard;
        let trailing = i64::from(self.cfg.alerts.trailing_minutes.max(5)) * MINUTE;
        // The candidate slices change only when a new name arrives.
        let names = (dims.channel.len(), dims.category.len());
        if self.slices.0 != names {
            self.slices = (names, Arc::new(rules::slices(dims)));
        }
        let slices = self.slices.1.clone();
        let roi_target = self
            .cfg
            .targets
            .roi
            .unwrap_or(crate::reference::DEFAULT_ROI_TARGET);
        let defs = self.defs;
        let windows =
            expect::WindowCache::with_blocks(&state.series, std::mem::take(&mut self.blocks));
        let baseline = self.baseline.clone();
        let bwindows = baseline.as_ref().map(|b| {
            expect::WindowCache::with_blocks(
                &b.state.series,
                std::mem::take(&mut self.baseline_blocks),
            )
        });
        let bmap = match &baseline {
            Some(b) => {
                let bd = b.state.dims.read().expect("dims lock");
                let map = |n: usize, f: &dyn Fn(u16) -> Option<u16>| {
                    (0..n).map(|i| f(i as u16)).collect()
                };
                (
                    map(dims.channel.len() + 2, &|id| {
                        bd.channel.get(dims.channel.name(id)).filter(|_| id > 0)
                    }),
                    map(dims.category.len() + 2, &|id| {
                        bd.category.get(dims.category.name(id)).filter(|_| id > 0)
                    }),
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        for (ri, def) in defs.iter().enumerate() {
            let s = &self.settings[ri];
            if !s.enabled || !runs_in(&s.phases, &self.cfg, phase) {
                // A rule that stops running lets its alerts resolve.
                self.apply_findings(ri, def, Vec::new(), t, phase, out);
                continue;
            }
            // This rule's pending and open alerts (a few), looked up by
            // reference: the rules ask for every slice every minute.
            let alerts = &self.alerts;
            let mine: Vec<(&str, &Scope, OpenInfo)> = self
                .tracks
                .range((ri, String::new(), Scope::site())..)
                .take_while(|((r, _, _), _)| *r == ri)
                .map(|((_, metric, scope), tr)| {
                    let info = OpenInfo {
                        tier: tr.open.map(|i| alerts[i].tier).or(tr.pending_tier),
                        frozen_expected: tr.frozen,
                    };
                    (metric.as_str(), scope, info)
                })
                .collect();
            let open = |metric: &str, scope: &Scope| -> Option<OpenInfo> {
                mine.iter()
                    .find(|(m, s, _)| *m == metric && *s == scope)
                    .map(|(_, _, info)| *info)
            };
            let ctx = Ctx {
                windows: &windows,
                bwindows: bwindows.as_ref(),
                bmap: &bmap,
                state,
                dims,
                baseline: self.baseline.as_deref(),
                t,
                trailing,
                def,
                s,
                open: &open,
                roi_target,
                slices: &slices,
            };
            let findings = rules::evaluate(&ctx);
            self.apply_findings(ri, def, findings, t, phase, out);
        }
        self.blocks = windows.into_blocks();
        if let Some(b) = bwindows {
            self.baseline_blocks = b.into_blocks();
        }
    }

    /// Move each (rule, metric, scope) through its lifecycle.
    fn apply_findings(
        &mut self,
        ri: usize,
        def: &RuleDef,
        findings: Vec<Finding>,
        t: Millis,
        phase: Option<usize>,
        out: &mut Vec<AlertEvent>,
    ) {
        let s = self.settings[ri].clone();
        let mut seen: Vec<Key> = Vec::with_capacity(findings.len());
        for f in findings {
            let key = (ri, f.metric.clone(), f.scope.clone());
            seen.push(key.clone());
            if f.hold {
                continue;
            }
            self.step(key, def, &s, Some(&f), t, phase, out);
        }
        // Tracks the rule did not report this time are clear.
        let stale: Vec<Key> = self
            .tracks
            .range((ri, String::new(), Scope::site())..)
            .take_while(|(k, _)| k.0 == ri)
            .map(|(k, _)| k.clone())
            .filter(|k| !seen.contains(k))
            .collect();
        for key in stale {
            self.step(key, def, &s, None, t, phase, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        key: Key,
        def: &RuleDef,
        s: &RuleSettings,
        f: Option<&Finding>,
        t: Millis,
        phase: Option<usize>,
        out: &mut Vec<AlertEvent>,
    ) {
        let proposed = f.and_then(|f| f.tier);
        let inhibited = proposed.is_some() && self.inhibited(def.panel, &key.2);
        let mut track = self.tracks.remove(&key).unwrap_or_default();
        match (track.open, proposed) {
            (None, None) => {
                // Nothing pending any more: forget it.
                return;
            }
            (None, Some(tier)) => {
                if track.pending == 0 {
                    track.frozen = f.and_then(|f| f.expected);
                }
                track.pending += 1;
                track.pending_tier = Some(track.pending_tier.map_or(tier, |p| p.min(tier)));
                let needed = if f.is_some_and(|f| f.urgent) {
                    1
                } else {
                    s.for_evaluations
                };
                if track.pending >= needed && !inhibited {
                    let f = f.expect("a tier comes from a finding");
                    let idx = self.open_alert(
                        key.0,
                        def,
                        f,
                        track.pending_tier.unwrap_or(tier),
                        t,
                        phase,
                        out,
                    );
                    track.open = Some(idx);
                    track.pending = 0;
                }
            }
            (Some(idx), proposed) => {
                if let Some(f) = f {
                    let a = &mut self.alerts[idx];
                    a.value = f.value;
                    if f.expected.is_some() && track.frozen.is_none() {
                        a.expected = f.expected;
                    }
                    if proposed.is_some() {
                        a.detail = f.detail.clone();
                    }
                }
                let current = self.alerts[idx].tier;
                match proposed {
                    None => {
                        track.clear += 1;
                        track.up = 0;
                        if track.clear >= s.clear_evaluations {
                            self.transition(idx, Transition::Resolve, current, t, phase, out);
                            self.alerts[idx].resolved_at = Some(t);
                            self.push_point(idx, t, f, None);
                            self.prune_resolved();
                            return; // the track ends with the alert
                        }
                    }
                    Some(p) => {
                        track.clear = 0;
                        if p > current {
                            track.up += 1;
                            track.down = 0;
                            let urgent = f.is_some_and(|f| f.urgent);
                            if track.up >= s.for_evaluations || urgent {
                                self.transition(idx, Transition::Escalate, p, t, phase, out);
                                track.up = 0;
                            }
                        } else if p < current {
                            track.down += 1;
                            track.up = 0;
                            if track.down >= s.clear_evaluations {
                                self.transition(idx, Transition::Deescalate, p, t, phase, out);
                                track.down = 0;
                            }
                        } else {
                            track.up = 0;
                            track.down = 0;
                            let a = &self.alerts[idx];
                            if current == Tier::Warning
                                && a.acked_at.is_none()
                                && t - a.changed_at >= ESCALATE_UNACKED_AFTER
                            {
                                self.transition(
                                    idx,
                                    Transition::Escalate,
                                    Tier::Emergency,
                                    t,
                                    phase,
                                    out,
                                );
                            }
                        }
                    }
                }
                let tier_now = proposed;
                self.push_point(idx, t, f, tier_now);
            }
        }
        self.tracks.insert(key, track);
    }

    /// Alertmanager-style inhibition: a stalled feed explains the figures
    /// that depend on it, so they do not open alerts of their own.
    fn inhibited(&self, panel: Panel, scope: &Scope) -> bool {
        if panel == Panel::Feed {
            return false;
        }
        self.tracks.iter().any(|((_, metric, sc), tr)| {
            metric == "feed.stall"
                && tr.open.is_some()
                && match sc.get("kind") {
                    None => true,
                    Some("order") => {
                        matches!(panel, Panel::Sales | Panel::Budget) && scope.get("sku").is_none()
                    }
                    Some("traffic") => panel == Panel::Funnel,
                    Some("cs") => panel == Panel::Cs,
                    Some("spend") => panel == Panel::Budget,
                    Some("stock") => panel == Panel::Stock,
                    Some(_) => false,
                }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn open_alert(
        &mut self,
        ri: usize,
        def: &RuleDef,
        f: &Finding,
        tier: Tier,
        t: Millis,
        phase: Option<usize>,
        out: &mut Vec<AlertEvent>,
    ) -> usize {
        let id = format!("A-{:06}", self.next_id);
        self.next_id += 1;
        let _ = ri;
        self.alerts.push(Alert {
            id,
            rule: def.name,
            panel: def.panel,
            metric: f.metric.clone(),
            scope: f.scope.clone(),
            tier,
            max_tier: tier,
            opened_at: t,
            changed_at: t,
            resolved_at: None,
            acked_at: None,
            value: f.value,
            expected: f.expected,
            detail: f.detail.clone(),
            transitions: Vec::new(),
            timeline: Vec::new(),
        });
        let idx = self.alerts.len() - 1;
        self.counts[tier as usize] += 1;
        self.transition(idx, Transition::Open, tier, t, phase, out);
        idx
    }

    fn transition(
        &mut self,
        idx: usize,
        what: Transition,
        tier: Tier,
        t: Millis,
        phase: Option<usize>,
        out: &mut Vec<AlertEvent>,
    ) {
        let a = &mut self.alerts[idx];
        if what != Transition::Open && tier > a.max_tier {
            self.counts[a.max_tier as usize] -= 1;
            self.counts[tier as usize] += 1;
            a.max_tier = tier;
        }
        a.tier = tier;
        a.changed_at = t;
        a.transitions.push((t, what, tier));
        out.push(AlertEvent {
            alert_id: a.id.clone(),
            transition: what,
            at: format_ts(t, self.cfg.tz),
            tier,
            panel: a.panel,
            metric: a.metric.clone(),
            scope: a.scope.clone(),
            phase: phase.map(|p| self.cfg.phases[p].name.clone()),
            value: a.value.map(round6),
            expected: a.expected.map(round6),
            rule: a.rule.to_string(),
            message: log::message_zh(a, what),
            at_ms: t,
        });
    }

    fn push_point(&mut self, idx: usize, t: Millis, f: Option<&Finding>, tier: Option<Tier>) {
        let a = &mut self.alerts[idx];
        a.timeline.push(TimelinePoint {
            at: t,
            value: f.and_then(|f| f.value),
            expected: f.and_then(|f| f.expected),
            tier,
        });
        if a.timeline.len() > TIMELINE_POINTS {
            a.timeline.remove(0);
        }
    }

    /// Keep memory bounded: drop the oldest resolved alerts beyond a limit.
    fn prune_resolved(&mut self) {
        let resolved = self
            .alerts
            .iter()
            .filter(|a| a.resolved_at.is_some())
            .count();
        if resolved <= RESOLVED_KEPT * 2 {
            return;
        }
        let mut drop_n = resolved - RESOLVED_KEPT;
        let mut keep = Vec::with_capacity(self.alerts.len());
        let mut remap = vec![usize::MAX; self.alerts.len()];
        for (i, a) in self.alerts.drain(..).enumerate() {
            if a.resolved_at.is_some() && drop_n > 0 {
                drop_n -= 1;
                continue;
            }
            remap[i] = keep.len();
            keep.push(a);
        }
        self.alerts = keep;
        for tr in self.tracks.values_mut() {
            if let Some(i) = tr.open {
                tr.open = Some(remap[i]);
            }
        }
    }

    /// Acknowledge an open alert at event time `at`: an `ack` log line.
    pub fn ack(&mut self, id: &str, at: Millis, phase: Option<usize>) -> Option<AlertEvent> {
        let idx = self
            .alerts
            .iter()
            .position(|a| a.id == id && a.resolved_at.is_none() && a.acked_at.is_none())?;
        self.alerts[idx].acked_at = Some(at);
        let tier = self.alerts[idx].tier;
        let mut out = Vec::new();
        // An ack is not a state change of the figure: keep changed_at.
        let changed = self.alerts[idx].changed_at;
        self.transition(idx, Transition::Ack, tier, at, phase, &mut out);
        self.alerts[idx].changed_at = changed;
        out.pop()
    }

    /// Open alerts, most severe first, then newest first.
    pub fn open_alerts(&self) -> Vec<&Alert> {
        let mut v: Vec<&Alert> = self
            .alerts
            .iter()
            .filter(|a| a.resolved_at.is_none())
            .collect();
        v.sort_by(|a, b| {
            b.tier
                .cmp(&a.tier)
                .then(b.opened_at.cmp(&a.opened_at))
                .then(b.id.cmp(&a.id))
        });
        v
    }

    /// Every alert still held (open and recently resolved), in id order.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    pub fn find(&self, id: &str) -> Option<&Alert> {
        self.alerts.iter().find(|a| a.id == id)
    }

    pub fn open_counts(&self) -> [u64; 3] {
        let mut c = [0; 3];
        for a in self.alerts.iter().filter(|a| a.resolved_at.is_none()) {
            c[a.tier as usize] += 1;
        }
        c
    }

    pub fn rule_def(&self, name: &str) -> Option<(&RuleDef, &RuleSettings)> {
        let i = self.defs.iter().position(|d| d.name == name)?;
        Some((&self.defs[i], &self.settings[i]))
    }
}

/// Six significant decimals keep the log readable and stable.
fn round6(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        x
    }
}
