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
    /// confidence bound for SLA floors (the CS floors open on it and read
    /// their tier at the smaller of it and 2.58, see `rules::FLOOR_TIER_Z`).
    pub z: f64,
    /// How much better than the threshold a figure must get before an open
    /// alert lets go of a tier (fraction of the threshold distance).
    pub hysteresis: f64,
}

/// A rule in one of the screen's languages: what the alert drill-down
/// shows about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleWords {
    /// A short name (the config and the alert log use `RuleDef::name`).
    pub title: &'static str,
    /// What it tests, the usual causes, and how its thresholds read.
    pub about: &'static str,
    /// What `min_volume` counts for this rule; empty when it has no use.
    pub volume: &'static str,
}

const fn w(title: &'static str, about: &'static str, volume: &'static str) -> RuleWords {
    RuleWords {
        title,
        about,
        volume,
    }
}

pub struct RuleDef {
    pub name: &'static str,
    pub panel: Panel,
    pub metric: &'static str,
    pub direction: Direction,
    /// The rule in the room's words, Chinese and English (one place for
    /// both; `view::model::RuleInfo::describe` picks one).
    pub zh: RuleWords,
    pub en: RuleWords,
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

/// A rule's words by its name (the alert log's `rule`): Chinese, English.
pub fn rule_words(name: &str) -> Option<(RuleWords, RuleWords)> {
    rule_defs()
        .iter()
        .find(|d| d.name == name)
        .map(|d| (d.zh, d.en))
}

/// Every rule the engine has, in evaluation order. Built once: the screen
/// asks for rule names and settings on every frame.
pub fn rule_defs() -> &'static [RuleDef] {
    static DEFS: std::sync::OnceLock<Vec<RuleDef>> = std::sync::OnceLock::new();
    DEFS.get_or_init(build_rule_defs)
}

fn build_rule_defs() -> Vec<RuleDef> {
    use Direction::*;
    use Panel::*;
    let quiet: &[&str] = &["*"];
    vec![
        RuleDef { name: "funnel-visit-view-drop", panel: Funnel, metric: "cr.visit_view", direction: DropBelowExpected,
            zh: w("访问→浏览转化下跌",
                "访问→浏览转化率低于预期 (落地页故障、垃圾流量)",
                "窗口内访问数"),
            en: w("visit→view drop",
                "visit→view conversion below its expectation (landing page broken, junk traffic)",
                "visits in the window"),
            defaults: s(BURST, 5, 2, 5, [0.25, 0.4, 0.6], 30.0, 5.0) },
        RuleDef { name: "funnel-view-cart-drop", panel: Funnel, metric: "cr.view_cart", direction: DropBelowExpected,
            zh: w("浏览→加购转化下跌",
                "浏览→加购转化率低于预期 (商品信息、价格、加购按钮)",
                "窗口内浏览数"),
            en: w("view→cart drop",
                "view→cart conversion below expectation (product info, price, cart button)",
                "views in the window"),
            defaults: s(BURST, 5, 2, 5, [0.25, 0.4, 0.6], 30.0, 5.0) },
        RuleDef { name: "funnel-cart-order-drop", panel: Funnel, metric: "cr.cart_order", direction: DropBelowExpected,
            zh: w("加购→下单转化下跌",
                "加购→下单转化率低于预期 (结算页、配送条款、优惠券)",
                "窗口内加购数"),
            en: w("cart→order drop",
                "cart→order conversion below expectation (checkout, delivery terms, coupons)",
                "carts in the window"),
            defaults: s(BURST, 5, 2, 5, [0.25, 0.4, 0.6], 20.0, 5.0) },
        RuleDef { name: "pay-conversion-drop", panel: Funnel, metric: "cr.order_pay", direction: DropBelowExpected,
            zh: w("支付转化率下跌",
                "下单→支付转化率低于预期 (支付通道故障)",
                "窗口内下单数"),
            en: w("pay conversion drop",
                "order→pay conversion below expectation (payment channel failure)",
                "orders in the window"),
            defaults: s(BURST, 5, 2, 5, [0.15, 0.3, 0.5], 20.0, 5.0) },
        RuleDef { name: "traffic-up-conversion-down", panel: Funnel, metric: "cr.overall", direction: DropBelowExpected,
            zh: w("流量涨、转化跌",
                "流量远高于预期而整体转化率下跌 (机器人流量、刷单、高负载下结算故障); 阈值为转化率跌幅",
                "窗口内访问数"),
            en: w("traffic up, conversion down",
                "traffic well above expectation while conversion falls (bots, 刷单, broken checkout under load); thresholds are the conversion drop",
                "visits in the window"),
            defaults: s(BURST, 10, 2, 5, [0.3, 0.45, 0.75], 100.0, 5.0) },
        RuleDef { name: "traffic-drop", panel: Funnel, metric: "uv", direction: DropBelowExpected,
            zh: w("访客下跌",
                "访客 UV 低于预期 (流量来源中断或网站宕机)",
                "窗口内预期访客数"),
            en: w("traffic drop",
                "visitors (UV) below expectation (traffic source or site down)",
                "expected visitors in the window"),
            defaults: s(BURST, 10, 3, 5, [0.3, 0.5, 0.8], 100.0, 5.0) },
        RuleDef { name: "sales-drop", panel: Sales, metric: "gmv", direction: DropBelowExpected,
            zh: w("销售额下跌",
                "GMV 低于预期 (规范: 销售额下跌 20% 即告警); 显著性按订单数判断",
                "窗口内预期订单数"),
            en: w("sales drop",
                "GMV below expectation (domain: sales −20% triggers an alert); significance judged on the orders",
                "expected orders in the window"),
            defaults: s(BURST, 10, 2, 5, [0.2, 0.35, 0.6], 20.0, 4.0) },
        RuleDef { name: "budget-pace", panel: Budget, metric: "budget.pace", direction: RiseAboveExpected,
            zh: w("预算消耗过快",
                "某预算项消耗快于计划 (计划 × 基线的消耗曲线); 本阶段预算一小时内将耗尽时也升为紧急",
                ""),
            en: w("budget burning fast",
                "a budget line burning faster than its plan (plan × the baseline's spend curve); emergency also when its phase budget runs out within the hour",
                ""),
            defaults: s(quiet, 30, 3, 10, [1.3, 1.6, 2.5], 0.0, 0.0) },
        RuleDef { name: "budget-roi-floor", panel: Budget, metric: "roi", direction: Floor,
            zh: w("ROI 低于目标",
                "本阶段至今的 ROI (GMV ÷ 花费) 低于目标的一定比例 (规范: ROI ≥ 5:1); 阈值为 targets.roi 的比例",
                "本阶段至今订单数"),
            en: w("ROI below target",
                "ROI (GMV ÷ spend) of the phase so far below a fraction of the target (domain: ROI ≥ 5:1); thresholds are fractions of targets.roi",
                "orders so far this phase"),
            defaults: s(BURST, 60, 5, 10, [0.9, 0.6, 0.4], 100.0, 0.0) },
        RuleDef { name: "cs-response-sla", panel: Cs, metric: "cs.response_15s", direction: Floor,
            zh: w("15秒响应率不达标",
                "15秒响应率连置信上界都低于 SLA (规范: ≥ 95%)",
                "窗口内首次回复数"),
            en: w("15s response below SLA",
                "15-second response rate confidently below the SLA (domain: ≥ 95%)",
                "first replies in the window"),
            defaults: s(quiet, 10, 3, 5, [0.95, 0.85, 0.6], 20.0, 3.09) },
        RuleDef { name: "cs-fcr-sla", panel: Cs, metric: "cs.fcr", direction: Floor,
            zh: w("首次解决率不达标",
                "首次解决率连置信上界都低于 SLA (规范: ≥ 85%)",
                "窗口内解决的会话数"),
            en: w("first-contact resolution below SLA",
                "first-contact resolution confidently below the SLA (domain: ≥ 85%)",
                "resolved sessions in the window"),
            defaults: s(quiet, 30, 3, 5, [0.85, 0.7, 0.5], 20.0, 2.33) },
        RuleDef { name: "cs-satisfaction", panel: Cs, metric: "cs.satisfaction", direction: Floor,
            zh: w("满意度不达标",
                "平均满意度连置信上界都低于 SLA (规范: ≥ 4.8 / 5)",
                "窗口内评价数"),
            en: w("satisfaction below SLA",
                "mean satisfaction confidently below the SLA (domain: ≥ 4.8 / 5)",
                "ratings in the window"),
            defaults: s(quiet, 30, 3, 5, [4.8, 4.5, 4.0], 20.0, 2.33) },
        RuleDef { name: "cs-backlog", panel: Cs, metric: "cs.backlog", direction: Ceiling,
            zh: w("客服排队积压",
                "等待首次回复的排队会话, 折合几分钟的进线量",
                "窗口内会话数"),
            en: w("CS backlog",
                "sessions waiting for a first reply, in minutes of inflow",
                "sessions in the window"),
            defaults: s(quiet, 30, 2, 5, [5.0, 10.0, 20.0], 10.0, 0.0) },
        RuleDef { name: "cs-complaint-spike", panel: Cs, metric: "cs.complaints", direction: RiseAboveExpected,
            zh: w("投诉激增",
                "带投诉标签的会话占比远高于平常 (关键词监控); z 为泊松尾概率的 −log10",
                "窗口内投诉会话数"),
            en: w("complaint spike",
                "sessions tagged 投诉 (complaint) well above their usual share (keyword watch); z is −log10 of the Poisson tail",
                "tagged sessions in the window"),
            defaults: s(quiet, 10, 1, 5, [2.0, 3.0, 8.0], 4.0, 3.5) },
        RuleDef { name: "cs-refund-spike", panel: Cs, metric: "cs.refunds", direction: RiseAboveExpected,
            zh: w("退款咨询激增",
                "带退款标签的会话占比远高于平常; z 为泊松尾概率的 −log10",
                "窗口内退款咨询数"),
            en: w("refund-query spike",
                "sessions tagged 退款 (refund) well above their usual share; z is −log10 of the Poisson tail",
                "tagged sessions in the window"),
            defaults: s(quiet, 10, 1, 5, [2.0, 3.0, 8.0], 6.0, 3.5) },
        RuleDef { name: "cs-bad-review-spike", panel: Cs, metric: "cs.bad_reviews", direction: RiseAboveExpected,
            zh: w("差评激增",
                "带差评标签的会话占比远高于平常; z 为泊松尾概率的 −log10",
                "窗口内差评会话数"),
            en: w("bad-review spike",
                "sessions tagged 差评 (bad review) well above their usual share; z is −log10 of the Poisson tail",
                "tagged sessions in the window"),
            defaults: s(quiet, 10, 1, 5, [2.0, 3.0, 8.0], 4.0, 3.5) },
        RuleDef { name: "stock-level", panel: Stock, metric: "stock.on_hand", direction: Fixed,
            zh: w("库存不足 / 断货",
                "SKU 低于安全库存 (热销: 警告, 其他: 提醒) 或断货 (热销: 紧急, 其他: 警告)",
                ""),
            en: w("stock low / out",
                "a SKU below safety stock (hot: warning, other: notice) or out of stock (hot: emergency, other: warning)",
                ""),
            defaults: s(ALL_PHASES, 1, 1, 2, [0.0, 0.0, 0.0], 0.0, 0.0) },
        RuleDef { name: "feed-stall", panel: Feed, metric: "feed.stall", direction: Fixed,
            zh: w("数据断流",
                "某类记录停止到达而其他数据仍在流入 (警告), 或所有数据源都停了 (紧急)",
                "按平常速率应到的记录数"),
            en: w("feed stalled",
                "one kind of record stopped while others go on (warning), or every feed stopped (emergency)",
                "records its usual rate would have brought"),
            defaults: s(ALL_PHASES, 30, 1, 2, [0.0, 0.0, 0.0], 10.0, 0.0) },
        RuleDef { name: "feed-bad-lines", panel: Feed, metric: "feed.bad_lines", direction: Ceiling,
            zh: w("坏行过多",
                "窗口内被跳过的坏行 (无法解析的记录) 占比",
                "窗口内坏行数"),
            en: w("bad lines",
                "share of skipped (bad) lines in the window",
                "bad lines in the window"),
            defaults: s(ALL_PHASES, 5, 1, 5, [0.02, 0.1, 0.5], 20.0, 0.0) },
        RuleDef { name: "metric-anomaly", panel: Metric, metric: "metric", direction: RiseAboveExpected,
            zh: w("指标异常",
                "通用 metric 序列偏离其近期中位数, 以稳健 z (MAD) 计; 窗口为近期点数",
                "历史点数"),
            en: w("metric anomaly",
                "a generic `metric` series far from its trailing median, in robust z (MAD) units; window is the trailing points",
                "history points"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_rule_has_its_words_in_both_languages() {
        let defs = rule_defs();
        for d in defs {
            for (lang, w) in [("zh", &d.zh), ("en", &d.en)] {
                assert!(
                    !w.title.is_empty() && !w.about.is_empty(),
                    "{} {lang}",
                    d.name
                );
                // A rule that reads min_volume says what it counts.
                assert_eq!(
                    w.volume.is_empty(),
                    d.defaults.min_volume == 0.0,
                    "{} {lang}: volume words",
                    d.name
                );
            }
            assert!(has_cjk(d.zh.title) && has_cjk(d.zh.about), "{}", d.name);
            // English words are English (a Chinese domain term may be glossed).
            assert!(!has_cjk(d.en.title), "{}", d.name);
            let latin =
                d.en.about
                    .chars()
                    .filter(|c| c.is_ascii_alphabetic())
                    .count();
            assert!(latin * 2 > d.en.about.chars().count(), "{}", d.name);
        }
        let mut titles: Vec<&str> = defs.iter().map(|d| d.zh.title).collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), defs.len(), "zh titles are distinct");
    }
}
