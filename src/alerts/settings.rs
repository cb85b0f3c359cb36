//! Alert rules as the config sees them: every rule has defaults drawn from
//! `domain.md`, so the minimal config alerts well, and every knob can be
//! overridden under `[alerts.rules.<name>]`. `docs/alerts.md` documents them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::Panel;
use crate::config::{Config, PhaseKind};

/// How a rule's three thresholds (提醒, 警告, 紧急) are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Relative drop below expectation: 0.2 = 20% below.
    DropBelowExpected,
    /// Ratio above expectation: 2.0 = twice the expected.
    RiseAboveExpected,
    /// An absolute floor (SLA): alert when confidently below it.
    Floor,
    /// An absolute ceiling: alert when above it.
    Ceiling,
    /// The rule decides its own tiers (stock, feed).
    Fixed,
}

/// One rule's effective settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    pub enabled: bool,
    /// Phases (by name or kind: 爆发/burst, 预热/warmup, …; "*" = all,
    /// "none" = outside every phase) the rule runs in.
    pub phases: Vec<String>,
    /// Width of the window the figure is computed over, minutes.
    pub window_minutes: u32,
    /// Consecutive evaluations (one per bucket) the condition must hold
    /// before the alert opens or escalates (Prometheus `for`).
    pub for_evaluations: u32,
    /// Consecutive clear evaluations before it resolves, and lower ones
    /// before it de-escalates (Prometheus `keep_firing_for`).
    pub clear_evaluations: u32,
    /// 提醒, 警告, 紧急 thresholds; see `direction`.
    pub thresholds: [f64; 3],
    /// Minimum volume (denominator, events) for the figure to be judged.
    pub min_volume: f64,
    /// Minimum statistical significance: −log10 of the tail probability
    /// for count rules (5 = one in 100 000), the one-sided z of the
    /// confidence bound for SLA floors.
    pub z: f64,
    /// How much better than the threshold a figure must get before an open
    /// alert lets go of a tier (fraction of the threshold distance).
    pub hysteresis: f64,
}

pub struct RuleDef {
    pub name: &'static str,
    pub panel: Panel,
    pub metric: &'static str,
    pub direction: Direction,
    pub about: &'static str,
    pub defaults: RuleSettings,
}

const BURST: &[&str] = &["爆发"];
const ALL_PHASES: &[&str] = &["*"];

fn s(
    phases: &[&str],
    window: u32,
    for_evals: u32,
    clear: u32,
    thresholds: [f64; 3],
    min_volume: f64,
    z: f64,
) -> RuleSettings {
    RuleSettings {
        enabled: true,
        phases: phases.iter().map(|p| p.to_string()).collect(),
        window_minutes: window,
        for_evaluations: for_evals,
        clear_evaluations: clear,
        thresholds,
        min_volume,
        z,
        hysteresis: 0.25,
    }
}

/// Every rule the engine has, in evaluation order.
pub fn rule_defs() -> Vec<RuleDef> {
    use Direction::*;
    use Panel::*;
    let quiet: &[&str] = &["*"];
    vec![
        RuleDef { name: "funnel-visit-view-drop", panel: Funnel, metric: "cr.visit_view", direction: DropBelowExpected,
            about: "访问→浏览 conversion below its expectation (landing page broken, junk traffic)",
            defaults: s(BURST, 5, 2, 5, [0.25, 0.4, 0.6], 30.0, 5.0) },
        RuleDef { name: "funnel-view-cart-drop", panel: Funnel, metric: "cr.view_cart", direction: DropBelowExpected,
            about: "浏览→加购 below expectation (product info, price, cart button)",
            defaults: s(BURST, 5, 2, 5, [0.25, 0.4, 0.6], 30.0, 5.0) },
        RuleDef { name: "funnel-cart-order-drop", panel: Funnel, metric: "cr.cart_order", direction: DropBelowExpected,
            about: "加购→下单 below expectation (checkout, delivery terms, coupons)",
            defaults: s(BURST, 5, 2, 5, [0.25, 0.4, 0.6], 20.0, 5.0) },
        RuleDef { name: "pay-conversion-drop", panel: Funnel, metric: "cr.order_pay", direction: DropBelowExpected,
            about: "下单→支付 below expectation (payment channel failure)",
            defaults: s(BURST, 5, 2, 5, [0.15, 0.3, 0.5], 20.0, 5.0) },
        RuleDef { name: "traffic-up-conversion-down", panel: Funnel, metric: "cr.overall", direction: DropBelowExpected,
            about: "traffic well above expectation while conversion falls (bots, 刷单, broken checkout under load); thresholds are the conversion drop, min_volume the visits",
            defaults: s(BURST, 10, 2, 5, [0.3, 0.45, 0.75], 100.0, 5.0) },
        RuleDef { name: "traffic-drop", panel: Funnel, metric: "uv", direction: DropBelowExpected,
            about: "访客 UV below expectation (traffic source or site down)",
            defaults: s(BURST, 10, 3, 5, [0.3, 0.5, 0.8], 100.0, 5.0) },
        RuleDef { name: "sales-drop", panel: Sales, metric: "gmv", direction: DropBelowExpected,
            about: "GMV below expectation (domain: sales −20% triggers an alert)",
            defaults: s(BURST, 10, 2, 5, [0.2, 0.35, 0.6], 20.0, 4.0) },
        RuleDef { name: "budget-pace", panel: Budget, metric: "budget.pace", direction: RiseAboveExpected,
            about: "a budget line burning faster than its plan (plan × the baseline's spend curve); 紧急 also when its phase budget runs out within the hour",
            defaults: s(quiet, 30, 3, 10, [1.3, 1.6, 2.5], 0.0, 0.0) },
        RuleDef { name: "budget-roi-floor", panel: Budget, metric: "roi", direction: Floor,
            about: "ROI (GMV ÷ spend) of the phase so far below a fraction of the target (domain: ROI ≥ 5:1); thresholds are fractions of targets.roi, min_volume the orders so far",
            defaults: s(BURST, 60, 5, 10, [0.9, 0.6, 0.4], 100.0, 0.0) },
        RuleDef { name: "cs-response-sla", panel: Cs, metric: "cs.response_15s", direction: Floor,
            about: "15-second response rate confidently below the SLA (domain: ≥ 95%)",
            defaults: s(quiet, 10, 3, 5, [0.95, 0.85, 0.6], 20.0, 2.58) },
        RuleDef { name: "cs-fcr-sla", panel: Cs, metric: "cs.fcr", direction: Floor,
            about: "first-contact resolution confidently below the SLA (domain: ≥ 85%)",
            defaults: s(quiet, 30, 3, 5, [0.85, 0.7, 0.5], 20.0, 2.33) },
        RuleDef { name: "cs-satisfaction", panel: Cs, metric: "cs.satisfaction", direction: Floor,
            about: "mean satisfaction confidently below the SLA (domain: ≥ 4.8 / 5)",
            defaults: s(quiet, 30, 3, 5, [4.8, 4.5, 4.0], 20.0, 2.33) },
        RuleDef { name: "cs-backlog", panel: Cs, metric: "cs.backlog", direction: Ceiling,
            about: "sessions waiting for a first reply, in minutes of inflow",
            defaults: s(quiet, 30, 2, 5, [5.0, 10.0, 20.0], 10.0, 0.0) },
        RuleDef { name: "cs-complaint-spike", panel: Cs, metric: "cs.complaints", direction: RiseAboveExpected,
            about: "sessions tagged 投诉 well above their usual share (keyword watch); z is −log10 of the Poisson tail",
            defaults: s(quiet, 10, 1, 5, [2.0, 3.0, 8.0], 4.0, 3.5) },
        RuleDef { name: "cs-refund-spike", panel: Cs, metric: "cs.refunds", direction: RiseAboveExpected,
            about: "sessions tagged 退款 well above their usual share",
            defaults: s(quiet, 10, 1, 5, [2.0, 3.0, 8.0], 6.0, 3.5) },
        RuleDef { name: "cs-bad-review-spike", panel: Cs, metric: "cs.bad_reviews", direction: RiseAboveExpected,
            about: "sessions tagged 差评 well above their usual share",
            defaults: s(quiet, 10, 1, 5, [2.0, 3.0, 8.0], 4.0, 3.5) },
        RuleDef { name: "stock-level", panel: Stock, metric: "stock.on_hand", direction: Fixed,
            about: "a SKU below safety stock (hot: 警告, other: 提醒) or out of stock (hot: 紧急, other: 警告)",
            defaults: s(ALL_PHASES, 1, 1, 2, [0.0, 0.0, 0.0], 0.0, 0.0) },
        RuleDef { name: "feed-stall", panel: Feed, metric: "feed.stall", direction: Fixed,
            about: "one kind of record stopped while others go on (警告), or every feed stopped (紧急); min_volume is the number of records its usual rate would have brought",
            defaults: s(ALL_PHASES, 30, 1, 2, [0.0, 0.0, 0.0], 10.0, 0.0) },
        RuleDef { name: "feed-bad-lines", panel: Feed, metric: "feed.bad_lines", direction: Ceiling,
            about: "share of skipped (bad) lines in the window; min_volume is the least number of bad lines",
            defaults: s(ALL_PHASES, 5, 1, 5, [0.02, 0.1, 0.5], 20.0, 0.0) },
        RuleDef { name: "metric-anomaly", panel: Metric, metric: "metric", direction: RiseAboveExpected,
            about: "a generic `metric` series far from its trailing median, in robust z (MAD) units; window is the trailing points",
            defaults: s(ALL_PHASES, 168, 1, 3, [6.0, 8.0, 12.0], 12.0, 0.0) },
    ]
}

/// `[alerts]` in the config file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsFile {
    /// Event seconds after a bucket ends before it is judged, so feeds that
    /// lag each other by a few seconds are all in.
    pub settle_seconds: u32,
    /// How far back the expectation looks (trailing level), minutes.
    pub trailing_minutes: u32,
    /// Overrides per rule name.
    pub rules: BTreeMap<String, RuleOverride>,
}

impl Default for AlertsFile {
    fn default() -> Self {
        AlertsFile {
            settle_seconds: 5,
            trailing_minutes: 60,
            rules: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub phases: Option<Vec<String>>,
    pub window_minutes: Option<u32>,
    pub for_evaluations: Option<u32>,
    pub clear_evaluations: Option<u32>,
    pub thresholds: Option<[f64; 3]>,
    pub min_volume: Option<f64>,
    pub z: Option<f64>,
    pub hysteresis: Option<f64>,
}

impl RuleOverride {
    pub fn apply(&self, d: &RuleSettings) -> RuleSettings {
        RuleSettings {
            enabled: self.enabled.unwrap_or(d.enabled),
            phases: self.phases.clone().unwrap_or_else(|| d.phases.clone()),
            window_minutes: self.window_minutes.unwrap_or(d.window_minutes).max(1),
            for_evaluations: self.for_evaluations.unwrap_or(d.for_evaluations).max(1),
            clear_evaluations: self.clear_evaluations.unwrap_or(d.clear_evaluations).max(1),
            thresholds: self.thresholds.unwrap_or(d.thresholds),
            min_volume: self.min_volume.unwrap_or(d.min_volume),
            z: self.z.unwrap_or(d.z),
            hysteresis: self.hysteresis.unwrap_or(d.hysteresis),
        }
    }
}

/// Does a rule with these `phases` run at phase `phase` (None = outside)?
pub fn runs_in(phases: &[String], cfg: &Config, phase: Option<usize>) -> bool {
    phases.iter().any(|p| match (p.as_str(), phase) {
        ("*", _) => true,
        ("none", None) => true,
        (_, None) => false,
        (name, Some(i)) => {
            let ph = &cfg.phases[i];
            ph.name == name
                || (PhaseKind::from_name(name) == ph.kind && ph.kind != PhaseKind::Other)
        }
    })
}
