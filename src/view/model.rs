//! The view model: every figure the screen shows, taken from the core
//! (`Counters` and its derived figures, the series, the stock book, the
//! alert engine, the baseline) at the session's event time. The renderer
//! only formats and lays these out; it computes nothing.
//!
//! Windows: "recent" figures are over the last complete minutes (15 for
//! funnel and sales, 30 for customer service, like the alert rules judge
//! closed buckets); "phase" figures are the current phase so far (the whole
//! run when the clock is outside every phase).

use chrono::FixedOffset;

use crate::alerts::expect::{median, per_bucket, Baseline, Sel};
use crate::alerts::model::{Panel, Scope, Tier};
use crate::alerts::rules::Note;
use crate::alerts::settings::{Direction, RuleSettings, RuleWords};
use crate::alerts::{Alert, Engine};
use crate::budget;
use crate::config::{Config, PhaseKind};
use crate::dims::{DimId, Dims};
use crate::figures::Counters;
use crate::record::money_to_yuan;
use crate::series::Series;
use crate::session::Session;
use crate::state::State;
use crate::time::{bucket_start, Millis, MINUTE};

use super::text::{clean, Lang};

/// Minutes of the "recent" window of the funnel and sales panels.
pub const RECENT_MIN: i64 = 15;
/// Minutes of the "recent" window of the customer-service panel (fewer events).
pub const CS_RECENT_MIN: i64 = 30;
/// Per-minute GMV points kept for the sales chart.
pub const SALES_POINTS: usize = 360;
/// A stage rate below this share of its expectation is shown as bad.
pub const STAGE_BAD: f64 = 0.8;
/// A SKU under this multiple of its safety stock is "near".
pub const STOCK_NEAR: f64 = 1.5;

/// What the room narrowed the screen to with `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub channel: Option<String>,
    pub category: Option<String>,
    pub text: Option<String>,
}

impl Filter {
    /// `渠道=直播`, `channel=直播`, `ch=直播`, `品类=美妆`, `category=美妆`,
    /// `cat=美妆`; any other words are a text filter (a word that names a
    /// channel or category selects that slice too).
    pub fn parse(input: &str) -> Filter {
        let mut f = Filter::default();
        let mut words = Vec::new();
        for tok in input.split_whitespace() {
            let (k, v) = match tok.split_once(['=', ':', '：']) {
                Some((k, v)) if !v.is_empty() => (k.to_lowercase(), v),
                _ => {
                    words.push(tok);
                    continue;
                }
            };
            match k.as_str() {
                "渠道" | "channel" | "ch" | "c" => f.channel = Some(clean(v)),
                "品类" | "类目" | "category" | "cat" | "k" => f.category = Some(clean(v)),
                _ => words.push(tok),
            }
        }
        if !words.is_empty() {
            f.text = Some(clean(&words.join(" ")));
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.channel.is_none() && self.category.is_none() && self.text.is_none()
    }

    /// The filter as the user would type it again.
    pub fn to_input(&self) -> String {
        let mut v = Vec::new();
        if let Some(c) = &self.channel {
            v.push(format!("channel={c}"));
        }
        if let Some(c) = &self.category {
            v.push(format!("category={c}"));
        }
        if let Some(t) = &self.text {
            v.push(t.clone());
        }
        v.join(" ")
    }
}

/// The slice of the campaign the panels show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slice {
    Site,
    Channel(String),
    Category(String),
    /// The filter names a value the data does not have (yet).
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseView {
    pub index: usize,
    pub name: String,
    pub kind: PhaseKind,
    pub start: Millis,
    pub end: Millis,
}

/// What the countdown counts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// The next phase starts.
    Phase(PhaseView),
    /// The last phase ends.
    End(Millis),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headline {
    /// Campaign to date (every record so far).
    pub gmv: f64,
    pub orders: u64,
    pub aov: Option<f64>,
    pub target: Option<f64>,
    pub progress: Option<f64>,
    /// Share of the campaign time elapsed (for "on pace" against the target).
    pub time_progress: Option<f64>,
    pub new_customers: u64,
    pub new_customers_target: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunnelView {
    /// Stage counts of the phase so far.
    pub counts: [u64; 5],
    /// Stage counts of the recent window.
    pub recent_counts: [u64; 5],
    /// Stage rates i → i+1: recent window, phase so far, the domain's
    /// reference, the baseline (历史同期) over the same recent window.
    pub recent: [Option<f64>; 4],
    pub phase: [Option<f64>; 4],
    pub reference: [Option<f64>; 4],
    pub baseline: [Option<f64>; 4],
    pub overall_recent: Option<f64>,
    pub overall_phase: Option<f64>,
    pub overall_baseline: Option<f64>,
    /// The stage whose rate is lowest against its expectation (baseline,
    /// else reference), and that ratio.
    pub weakest: Option<(usize, f64)>,
}

impl FunnelView {
    /// The rate a stage is judged on: recent when the window has volume,
    /// else the phase so far.
    pub fn judged(&self, i: usize) -> Option<f64> {
        if self.recent_counts[i] >= 30 {
            self.recent[i]
        } else {
            self.phase[i].or(self.recent[i])
        }
    }

    /// What the stage rate is expected to be: baseline, else reference.
    pub fn expected(&self, i: usize) -> Option<f64> {
        self.baseline[i].or(self.reference[i])
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetLine {
    pub name: String,
    /// Plan of this line for the current phase (line plan × phase share).
    pub plan: Option<f64>,
    pub spent: f64,
    pub used: Option<f64>,
    /// Cumulative pace (`crate::budget`): spent share ÷ the share expected
    /// by now (baseline spend curve, else elapsed time); 1.0 is on plan.
    pub pace: Option<f64>,
    /// The current burn the `budget-pace` rule judges.
    pub burn: Option<BurnPace>,
    /// Spend per hour over the burn window.
    pub rate_per_hour: f64,
    /// When the phase plan runs out at the burn rate (within the phase).
    pub exhaust_at: Option<Millis>,
}

/// The window pace of a budget line, as the `budget-pace` rule judges it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BurnPace {
    /// The (adaptive) window the burn is measured over.
    pub window: Millis,
    /// Spend in the window ÷ the plan there (the lower of it and the
    /// same over twice the window); `None` when the rule cannot judge yet.
    pub pace: Option<f64>,
    /// No baseline for the line: the rule judges the phase so far against
    /// an even spread instead of the window.
    pub even: bool,
}

impl BudgetLine {
    /// The figure to rank burners by: the current burn, else the
    /// cumulative pace.
    pub fn rank(&self) -> f64 {
        self.burn.and_then(|b| b.pace).or(self.pace).unwrap_or(0.0)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetView {
    pub plan: Option<f64>,
    pub spent: f64,
    pub used: Option<f64>,
    pub expected_share: Option<f64>,
    /// Cumulative pace of the total (see `BudgetLine::pace`).
    pub pace: Option<f64>,
    /// Current burn of the total (see `BudgetLine::burn`).
    pub burn: Option<BurnPace>,
    pub rate_per_hour: f64,
    pub exhaust_at: Option<Millis>,
    pub roi: Option<f64>,
    pub roi_total: Option<f64>,
    pub roi_target: f64,
    /// 费用率: spend ÷ GMV of the phase.
    pub spend_rate: Option<f64>,
    pub total_plan: Option<f64>,
    pub total_spent: f64,
    pub lines: Vec<BudgetLine>,
    /// The lines are site-wide even when the panels are filtered.
    pub lines_site_wide: bool,
}

/// A figure over the recent window and the phase so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pair {
    pub recent: Option<f64>,
    pub phase: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsView {
    pub response_15s: Pair,
    pub fcr: Pair,
    pub satisfaction: Pair,
    pub sessions_recent: u64,
    pub sessions_phase: u64,
    pub backlog: u64,
    pub complaints: u64,
    pub complaint_rate: Option<f64>,
    pub refund_tagged: u64,
    pub bad_reviews: u64,
    pub escalations: u64,
    /// Refunded orders of the phase (order records with status refunded).
    pub refund_orders: u64,
    pub refund_amount: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SalesView {
    /// GMV per complete bucket, oldest first.
    pub points: Vec<(Millis, f64)>,
    /// The baseline's GMV at the same moments (smoothed) × `level`.
    pub expected: Vec<(Millis, f64)>,
    /// This campaign's level against the baseline (median of 10-minute
    /// block ratios over the trailing 3 hours).
    pub level: Option<f64>,
    pub bucket_ms: Millis,
    pub recent_gmv: f64,
    pub recent_orders: u64,
    pub recent_expected: Option<f64>,
    pub phase_gmv: f64,
    pub phase_orders: u64,
    pub phase_aov: Option<f64>,
    pub uv_value: Option<f64>,
    pub new_customers: u64,
    pub returning: u64,
    /// Phase so far against the baseline over the same span.
    pub vs_baseline: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StockStatus {
    Ok = 0,
    Near = 1,
    Below = 2,
    Out = 3,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StockRow {
    pub sku: String,
    pub hot: bool,
    pub on_hand: i64,
    pub safety: Option<i64>,
    pub status: StockStatus,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StockView {
    /// Worst first: out, below safety, near, fine; hot before not.
    pub rows: Vec<StockRow>,
    pub out_now: usize,
    pub below_now: usize,
    pub near_now: usize,
    /// Distinct SKUs that went below safety / out in this phase.
    pub breached_phase: u64,
    pub outs_phase: u64,
}

/// One alert as the lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub id: String,
    pub tier: Tier,
    pub max_tier: Tier,
    pub panel: Panel,
    pub metric: String,
    pub scope: Scope,
    pub rule: &'static str,
    /// The figure and its expectation: now while open, at the worst tier
    /// once resolved.
    pub value: Option<f64>,
    pub expected: Option<f64>,
    pub opened_at: Millis,
    pub changed_at: Millis,
    pub resolved_at: Option<Millis>,
    pub acked_at: Option<Millis>,
}

impl AlertRow {
    fn of(a: &Alert) -> AlertRow {
        // A resolved alert's last figure is the one that cleared it (a 15 s
        // rate back at 100%); the 复盘 wants the figure at its worst tier.
        let (value, expected) = match a.resolved_at {
            Some(_) => a.worst(),
            None => (a.value, a.expected),
        };
        AlertRow {
            id: clean(&a.id),
            tier: a.tier,
            max_tier: a.max_tier,
            panel: a.panel,
            metric: clean(&a.metric),
            scope: Scope(
                a.scope
                    .0
                    .iter()
                    .map(|(k, v)| (*k, clean(v)))
                    .collect::<Vec<_>>(),
            ),
            rule: a.rule,
            value,
            expected,
            opened_at: a.opened_at,
            changed_at: a.changed_at,
            resolved_at: a.resolved_at,
            acked_at: a.acked_at,
        }
    }

    fn matches(&self, f: &Filter) -> bool {
        let scoped = |key: &str, want: &Option<String>| match want {
            None => true,
            Some(v) => self.scope.get(key) == Some(v.as_str()),
        };
        if !scoped("channel", &f.channel) || !scoped("category", &f.category) {
            return false;
        }
        match &f.text {
            None => true,
            Some(t) => {
                let t = t.to_lowercase();
                let hay = format!(
                    "{} {} {} {} {} {} {} {} {}",
                    self.id,
                    self.metric,
                    crate::alerts::log::metric_zh(&self.metric),
                    super::text::metric_en(&self.metric),
                    self.scope.label_zh(),
                    self.scope.label_en(),
                    self.rule,
                    self.tier.zh(),
                    self.tier.en(),
                )
                .to_lowercase();
                hay.contains(&t)
            }
        }
    }
}

/// Everything on the main screen.
#[derive(Debug, Clone)]
pub struct Model {
    pub campaign: String,
    pub tz: FixedOffset,
    /// Event time of the war room; None before the first record.
    pub now: Option<Millis>,
    pub phase: Option<PhaseView>,
    pub next: Option<Next>,
    pub head: Headline,
    /// Open alerts by tier, and alerts ever opened by their highest tier.
    pub open_tiers: [u64; 3],
    pub total_tiers: [u64; 3],
    pub records: u64,
    pub bad_lines: u64,
    /// The CS floors the panel judges against (the config's).
    pub sla: crate::reference::ServiceLevels,
    pub late: u64,
    pub filter: Filter,
    pub slice: Slice,
    pub has_baseline: bool,
    pub funnel: FunnelView,
    pub budget: BudgetView,
    pub cs: CsView,
    pub sales: SalesView,
    pub stock: StockView,
    /// Open alerts (filtered): most severe first, then newest.
    pub alerts: Vec<AlertRow>,
    /// Resolved alerts still held (filtered), newest resolution first.
    pub resolved: Vec<AlertRow>,
}

/// The window of the phase the clock is in (or the whole run).
struct Span {
    from: Millis,
    /// End of the bucket holding `now` (so the current bucket counts).
    to: Millis,
    /// Start of the current (incomplete) bucket: recent windows end here.
    cur: Millis,
    w: Millis,
}

impl Model {
    pub fn build(session: &Session, filter: &Filter) -> Model {
        let state = &session.state;
        let engine = &session.engine;
        let cfg = &state.cfg;
        let dims = state.dims.read().expect("dims lock").clone();
        let now = (state.now != Millis::MIN).then_some(state.now);
        let phase_idx = now.and_then(|n| cfg.phase_at(n));
        let phase = phase_idx.map(|i| phase_view(cfg, i));
        let next = now.and_then(|n| next_of(cfg, n));
        let (slice, sel) = resolve_slice(filter, &dims);

        let mut m = Model {
            campaign: clean(&cfg.name),
            tz: cfg.tz,
            now,
            phase: phase.clone(),
            next,
            head: Headline::default(),
            open_tiers: engine.open_counts(),
            total_tiers: engine.counts,
            records: state.records,
            bad_lines: state.bad_lines,
            sla: crate::reference::ServiceLevels::of(cfg),
            late: state.late,
            filter: filter.clone(),
            slice,
            has_baseline: engine.baseline().is_some(),
            funnel: FunnelView::default(),
            budget: BudgetView {
                roi_target: cfg
                    .targets
                    .roi
                    .unwrap_or(crate::reference::DEFAULT_ROI_TARGET),
                ..BudgetView::default()
            },
            cs: CsView::default(),
            sales: SalesView {
                bucket_ms: state.series.width(),
                ..SalesView::default()
            },
            stock: StockView::default(),
            alerts: Vec::new(),
            resolved: Vec::new(),
        };
        m.head = headline(state);
        m.alerts = engine
            .open_alerts()
            .into_iter()
            .map(AlertRow::of)
            .filter(|a| a.matches(filter))
            .collect();
        let mut resolved: Vec<AlertRow> = engine
            .alerts()
            .iter()
            .filter(|a| a.resolved_at.is_some())
            .map(AlertRow::of)
            .filter(|a| a.matches(filter))
            .collect();
        resolved.sort_by(|a, b| b.resolved_at.cmp(&a.resolved_at).then(b.id.cmp(&a.id)));
        m.resolved = resolved;
        m.stock = stock_view(state, phase_idx, &dims);
        let Some(now) = now else {
            return m;
        };
        let w = state.series.width();
        let cur = bucket_start(now, w);
        let span = Span {
            from: phase.as_ref().map_or(Millis::MIN, |p| p.start),
            to: cur + w,
            cur,
            w,
        };
        let Some(sel) = sel else {
            // An unknown slice: empty panels, the header still shows.
            return m;
        };
        let phase_c = phase_counters(state, phase_idx, sel, &span);
        let baseline = engine.baseline();
        m.funnel = funnel_view(state, baseline, &dims, sel, &span, &phase_c);
        m.budget = budget_view(state, baseline, phase_idx, sel, &span, &phase_c, m.budget);
        m.cs = cs_view(state, sel, &span, &phase_c);
        m.sales = sales_view(state, baseline, &dims, sel, &span, &phase_c);
        m
    }
}

fn phase_view(cfg: &Config, i: usize) -> PhaseView {
    let p = &cfg.phases[i];
    PhaseView {
        index: i,
        name: clean(&p.name),
        kind: p.kind,
        start: p.start,
        end: p.end,
    }
}

/// The next phase to start after `now`, or the end of the last phase.
fn next_of(cfg: &Config, now: Millis) -> Option<Next> {
    let upcoming = cfg
        .phases
        .iter()
        .enumerate()
        .filter(|(_, p)| p.start > now)
        .min_by_key(|(_, p)| p.start);
    if let Some((i, _)) = upcoming {
        return Some(Next::Phase(phase_view(cfg, i)));
    }
    cfg.phases
        .iter()
        .map(|p| p.end)
        .max()
        .filter(|e| *e > now)
        .map(Next::End)
}

fn resolve_slice(filter: &Filter, dims: &Dims) -> (Slice, Option<Sel>) {
    let by_name = |name: &str| -> Option<(Slice, Sel)> {
        if let Some(id) = dims.channel.get(name) {
            return Some((Slice::Channel(name.to_string()), Sel::Channel(id)));
        }
        dims.category
            .get(name)
            .map(|id| (Slice::Category(name.to_string()), Sel::Category(id)))
    };
    if let Some(c) = &filter.channel {
        return match dims.channel.get(c) {
            Some(id) => (Slice::Channel(c.clone()), Some(Sel::Channel(id))),
            None => (Slice::Unknown(c.clone()), None),
        };
    }
    if let Some(c) = &filter.category {
        return match dims.category.get(c) {
            Some(id) => (Slice::Category(c.clone()), Some(Sel::Category(id))),
            None => (Slice::Unknown(c.clone()), None),
        };
    }
    if let Some((slice, sel)) = filter.text.as_deref().and_then(by_name) {
        return (slice, Some(sel));
    }
    (Slice::Site, Some(Sel::All))
}

fn headline(state: &State) -> Headline {
    let cfg = &state.cfg;
    let t = &state.totals;
    let gmv = t.gmv_yuan();
    let target = cfg.targets.gmv.filter(|g| *g > 0.0);
    let time_progress = match (
        cfg.phases.iter().map(|p| p.start).min(),
        cfg.phases.iter().map(|p| p.end).max(),
    ) {
        (Some(a), Some(b)) if b > a && state.now != Millis::MIN => {
            Some(((state.now - a) as f64 / (b - a) as f64).clamp(0.0, 1.0))
        }
        _ => None,
    };
    Headline {
        gmv,
        orders: t.orders,
        aov: t.aov(),
        target,
        progress: target.map(|g| gmv / g),
        time_progress,
        new_customers: t.new_customers,
        new_customers_target: cfg.targets.new_customers,
    }
}

/// Counters of the phase so far for the slice: exact phase counters for
/// the site, the series for a channel or category.
fn phase_counters(state: &State, phase: Option<usize>, sel: Sel, span: &Span) -> Counters {
    match (sel, phase) {
        (Sel::All, Some(p)) => state.phases[p],
        (Sel::All, None) => state.totals,
        (sel, _) => crate::alerts::expect::window(&state.series, sel, span.from, span.to),
    }
}

fn recent(series: &Series, sel: Sel, span: &Span, minutes: i64) -> Counters {
    let n = (minutes * MINUTE / span.w).max(1);
    crate::alerts::expect::window(series, sel, span.cur - n * span.w, span.cur)
}

/// The baseline's counters for campaign times `[from, to)` of a slice.
fn base_window(b: &Baseline, dims: &Dims, sel: Sel, from: Millis, to: Millis) -> Option<Counters> {
    b.window(dims, sel, from, to)
}

fn funnel_view(
    state: &State,
    baseline: Option<&Baseline>,
    dims: &Dims,
    sel: Sel,
    span: &Span,
    phase_c: &Counters,
) -> FunnelView {
    let rc = recent(&state.series, sel, span, RECENT_MIN);
    let n = RECENT_MIN * MINUTE / span.w * span.w;
    let bc = baseline.and_then(|b| base_window(b, dims, sel, span.cur - n, span.cur));
    let rates = |c: &Counters| [0, 1, 2, 3].map(|i| c.stage_rate(i));
    let mut f = FunnelView {
        counts: phase_c.stages,
        recent_counts: rc.stages,
        recent: rates(&rc),
        phase: rates(phase_c),
        reference: crate::reference::STAGE_RATES,
        baseline: bc.as_ref().map_or([None; 4], |c| {
            // Too few baseline events make a rate noise: leave it out.
            [0, 1, 2, 3].map(|i| c.stage_rate(i).filter(|_| c.stages[i] >= 30))
        }),
        overall_recent: rc.overall_conversion(),
        overall_phase: phase_c.overall_conversion(),
        overall_baseline: bc.and_then(|c| c.overall_conversion()),
        weakest: None,
    };
    let mut weakest: Option<(usize, f64)> = None;
    for i in 0..4 {
        if let (Some(r), Some(e)) = (f.judged(i), f.expected(i)) {
            if e > 0.0 {
                let ratio = r / e;
                if weakest.is_none_or(|(_, w)| ratio < w) {
                    weakest = Some((i, ratio));
                }
            }
        }
    }
    f.weakest = weakest;
    f
}

fn burn_pace(l: &budget::Line) -> Option<BurnPace> {
    l.burn.map(|b| BurnPace {
        window: b.window,
        pace: b.pace.map(|p| p.pace),
        even: b.pace.is_some_and(|p| p.basis == budget::Basis::PhaseSoFar),
    })
}

fn budget_view(
    state: &State,
    baseline: Option<&Baseline>,
    phase: Option<usize>,
    sel: Sel,
    span: &Span,
    phase_c: &Counters,
    mut v: BudgetView,
) -> BudgetView {
    let cfg = &state.cfg;
    v.spent = phase_c.spend_yuan();
    v.roi = phase_c.roi();
    v.spend_rate = crate::figures::ratio(phase_c.spend_yuan(), phase_c.gmv_yuan());
    let total_c = match sel {
        Sel::All => state.totals,
        sel => crate::alerts::expect::window(&state.series, sel, Millis::MIN, span.to),
    };
    v.roi_total = total_c.roi();
    v.total_spent = total_c.spend_yuan();
    v.lines_site_wide = sel != Sel::All;
    let Some(p) = phase else {
        v.total_plan = cfg.budget.total.filter(|_| sel == Sel::All);
        return v;
    };
    // The figures are the core's (`crate::budget`), as the budget-pace rule
    // sees them; the screen only picks what to show.
    let dims = state.dims.read().expect("dims lock").clone();
    let sums = budget::SeriesSpend(&state.series);
    let bsums = baseline.map(|b| budget::SeriesSpend(&b.state.series));
    let inputs = budget::Inputs {
        cfg,
        dims: &dims,
        sums: &sums,
        baseline: baseline.zip(bsums.as_ref()),
        window: budget::rule_window(cfg),
    };
    let now = span.to.min(state.now);
    let pb = inputs.phase(p, budget::At::screen(now, span.w));
    if sel == Sel::All {
        v.total_plan = cfg.budget.total;
        v.plan = cfg.phase_budget(p);
        if let Some(t) = &pb.total {
            v.spent = t.spent;
            v.used = t.used;
            v.expected_share = Some(t.expected_share);
            v.pace = t.pace;
            v.burn = burn_pace(t);
            v.rate_per_hour = t.burn.map_or(0.0, |b| b.per_hour());
            v.exhaust_at = t.exhaust_at;
        }
    }
    for l in &pb.lines {
        if l.plan.is_none() && l.spent == 0.0 {
            continue;
        }
        v.lines.push(BudgetLine {
            name: clean(&l.name),
            plan: l.plan,
            spent: l.spent,
            used: l.used,
            pace: l.pace,
            burn: burn_pace(l),
            rate_per_hour: l.burn.map_or(0.0, |b| b.per_hour()),
            exhaust_at: l.exhaust_at,
        });
    }
    // Biggest plan first, unplanned lines last.
    v.lines.sort_by(|a, b| {
        b.plan
            .unwrap_or(-1.0)
            .total_cmp(&a.plan.unwrap_or(-1.0))
            .then(a.name.cmp(&b.name))
    });
    v
}

fn cs_view(state: &State, sel: Sel, span: &Span, phase_c: &Counters) -> CsView {
    let rc = recent(&state.series, sel, span, CS_RECENT_MIN);
    let backlog = match sel {
        Sel::All => state.totals.cs_backlog(),
        _ => phase_c.cs_backlog(),
    };
    CsView {
        response_15s: Pair {
            recent: rc.response_15s(),
            phase: phase_c.response_15s(),
        },
        fcr: Pair {
            recent: rc.fcr(),
            phase: phase_c.fcr(),
        },
        satisfaction: Pair {
            recent: rc.satisfaction(),
            phase: phase_c.satisfaction(),
        },
        sessions_recent: rc.cs_sessions,
        sessions_phase: phase_c.cs_sessions,
        backlog,
        complaints: phase_c.cs_complaints,
        complaint_rate: phase_c.complaint_rate(),
        refund_tagged: phase_c.cs_refund_tags,
        bad_reviews: phase_c.cs_bad_reviews,
        escalations: phase_c.cs_escalations,
        refund_orders: phase_c.refunds,
        refund_amount: money_to_yuan(phase_c.refund_amount),
    }
}

fn sales_view(
    state: &State,
    baseline: Option<&Baseline>,
    dims: &Dims,
    sel: Sel,
    span: &Span,
    phase_c: &Counters,
) -> SalesView {
    let w = span.w;
    let n = SALES_POINTS as i64;
    let from = span.cur - n * w;
    let first = state
        .first_ts
        .map_or(from, |t| bucket_start(t, w))
        .max(from);
    let ys = per_bucket(&state.series, sel, first, span.cur, |c| c.gmv_yuan());
    let points: Vec<(Millis, f64)> = ys
        .iter()
        .enumerate()
        .map(|(i, y)| (first + i as i64 * w, *y))
        .collect();
    let rc = recent(&state.series, sel, span, RECENT_MIN);
    let mut v = SalesView {
        points,
        bucket_ms: w,
        recent_gmv: rc.gmv_yuan(),
        recent_orders: rc.orders,
        phase_gmv: phase_c.gmv_yuan(),
        phase_orders: phase_c.orders,
        phase_aov: phase_c.aov(),
        uv_value: crate::figures::ratio(phase_c.gmv_yuan(), phase_c.stages[0] as f64),
        new_customers: phase_c.new_customers,
        returning: phase_c.returning_customers,
        ..SalesView::default()
    };
    let Some(b) = baseline else {
        return v;
    };
    let bdims = b.state.dims.read().expect("dims lock").clone();
    let Some(bsel) = sel.translate(dims, &bdims) else {
        return v;
    };
    // Level: this year against last year, median of 10-minute blocks over
    // the trailing three hours (an ongoing incident does not set it).
    let block = 10 * MINUTE;
    let mut ratios = Vec::new();
    let mut t = span.cur - 3 * 60 * MINUTE;
    while t + block <= span.cur {
        if b.covers(t, t + block) {
            let ours = crate::alerts::expect::window(&state.series, sel, t, t + block).gmv_yuan();
            let theirs = crate::alerts::expect::window(
                &b.state.series,
                bsel,
                t - b.shift,
                t + block - b.shift,
            )
            .gmv_yuan();
            if theirs > 0.0 {
                ratios.push(ours / theirs);
            }
        }
        t += block;
    }
    let level = median(&mut ratios).map(|l| l.clamp(0.05, 20.0));
    v.level = level;
    // The baseline per bucket, smoothed over 15 buckets (centred).
    let half = 7;
    let bys = per_bucket(
        &b.state.series,
        bsel,
        first - b.shift - half * w,
        span.cur - b.shift + half * w,
        |c| c.gmv_yuan(),
    );
    let k = level.unwrap_or(1.0);
    let mut expected = Vec::with_capacity(v.points.len());
    for (i, (at, _)) in v.points.iter().enumerate() {
        if !b.covers(*at, *at + w) {
            continue;
        }
        let lo = i;
        let hi = (i + 2 * half as usize + 1).min(bys.len());
        if lo >= hi {
            continue;
        }
        let mean = bys[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
        expected.push((*at, mean * k));
    }
    let n_recent = (RECENT_MIN * MINUTE / w) as usize;
    let tail: Vec<f64> = expected
        .iter()
        .rev()
        .take(n_recent)
        .map(|(_, y)| *y)
        .collect();
    if tail.len() == n_recent && level.is_some() {
        v.recent_expected = Some(tail.iter().sum());
    }
    v.expected = expected;
    if let Some(theirs) = b
        .covers(span.from, span.cur)
        .then(|| base_window(b, dims, sel, span.from, span.cur))
        .flatten()
    {
        let ours = crate::alerts::expect::window(&state.series, sel, span.from, span.cur);
        if theirs.gmv_yuan() > 0.0 {
            v.vs_baseline = Some(ours.gmv_yuan() / theirs.gmv_yuan() - 1.0);
        }
    }
    v
}

fn stock_view(state: &State, phase: Option<usize>, dims: &Dims) -> StockView {
    let mut rows: Vec<StockRow> = state
        .stock
        .iter()
        .map(|(id, s)| {
            let status = if s.is_out() {
                StockStatus::Out
            } else if s.below_safety() {
                StockStatus::Below
            } else if s
                .safety
                .is_some_and(|sf| (s.on_hand as f64) < sf as f64 * STOCK_NEAR)
            {
                StockStatus::Near
            } else {
                StockStatus::Ok
            };
            StockRow {
                sku: clean(dims.sku.name(id)),
                hot: s.hot,
                on_hand: s.on_hand,
                safety: s.safety,
                status,
            }
        })
        .collect();
    let ratio = |r: &StockRow| match r.safety {
        Some(s) if s > 0 => r.on_hand as f64 / s as f64,
        _ => f64::INFINITY,
    };
    rows.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(b.hot.cmp(&a.hot))
            .then(ratio(a).total_cmp(&ratio(b)))
            .then(a.sku.cmp(&b.sku))
    });
    let count = |st: StockStatus| rows.iter().filter(|r| r.status == st).count();
    StockView {
        out_now: count(StockStatus::Out),
        below_now: count(StockStatus::Below),
        near_now: count(StockStatus::Near),
        breached_phase: phase.map_or(state.stock.breaches(None), |p| {
            state.stock.breaches(Some(p))
        }),
        outs_phase: phase.map_or(state.stock.outs(None), |p| state.stock.outs(Some(p))),
        rows,
    }
}

// ---- drill-down ---------------------------------------------------------------

/// One channel's or category's figures for a panel drill-down.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceRow {
    pub name: String,
    pub phase: Counters,
    pub recent: Counters,
}

/// A panel's figures by channel and by category (and budget lines).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Breakdown {
    pub site_phase: Counters,
    pub site_recent: Counters,
    pub by_channel: Vec<SliceRow>,
    pub by_category: Vec<SliceRow>,
}

impl Breakdown {
    /// Figures of every channel and category over the phase so far and the
    /// recent `minutes`, from the series (one pass over the buckets).
    pub fn build(session: &Session, minutes: i64) -> Breakdown {
        let state = &session.state;
        if state.now == Millis::MIN {
            return Breakdown::default();
        }
        let dims = state.dims.read().expect("dims lock").clone();
        let w = state.series.width();
        let cur = bucket_start(state.now, w);
        let from = state
            .current_phase()
            .map_or(Millis::MIN, |p| state.cfg.phases[p].start);
        let recent_from = cur - (minutes * MINUTE / w).max(1) * w;
        let mut ch: Vec<(Counters, Counters)> = vec![Default::default(); dims.channel.len() + 2];
        let mut cat: Vec<(Counters, Counters)> = vec![Default::default(); dims.category.len() + 2];
        let mut site = (Counters::default(), Counters::default());
        for (start, b) in state.series.range(from, cur + w) {
            let is_recent = *start >= recent_from && *start < cur;
            site.0.merge(&b.total);
            if is_recent {
                site.1.merge(&b.total);
            }
            for (v, sparse) in [(&mut ch, &b.by_channel), (&mut cat, &b.by_category)] {
                for (id, c) in sparse.iter() {
                    let i = *id as usize;
                    if v.len() <= i {
                        v.resize(i + 1, Default::default());
                    }
                    v[i].0.merge(c);
                    if is_recent {
                        v[i].1.merge(c);
                    }
                }
            }
        }
        let rows = |v: &[(Counters, Counters)], names: &crate::dims::Interner| -> Vec<SliceRow> {
            v.iter()
                .enumerate()
                .filter(|(_, (p, _))| *p != Counters::default())
                .map(|(i, (p, r))| SliceRow {
                    name: clean(names.name(i as DimId)),
                    phase: *p,
                    recent: *r,
                })
                .collect()
        };
        Breakdown {
            site_phase: site.0,
            site_recent: site.1,
            by_channel: rows(&ch, &dims.channel),
            by_category: rows(&cat, &dims.category),
        }
    }
}

/// The rule behind an alert, as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    pub zh: RuleWords,
    pub en: RuleWords,
    pub direction: Direction,
    pub settings: RuleSettings,
}

impl RuleInfo {
    /// The rule's name, what it tests and what its volume counts, in the
    /// screen's language.
    pub fn describe(&self, lang: Lang) -> &RuleWords {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// An alert and what the room drills into.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDetail {
    pub row: AlertRow,
    pub alert: Alert,
    pub rule: Option<RuleInfo>,
    /// The metric over the rule's window for the alert's scope, per bucket,
    /// from an hour before it opened to now (or 30 minutes after it
    /// resolved): the context of the timeline's evaluations.
    pub context: Vec<(Millis, f64)>,
}

impl AlertDetail {
    pub fn build(session: &Session, id: &str) -> Option<AlertDetail> {
        let engine: &Engine = &session.engine;
        let a = engine.find(id)?;
        let rule = engine.rule_def(a.rule).map(|(d, s)| RuleInfo {
            zh: d.zh,
            en: d.en,
            direction: d.direction,
            settings: s.clone(),
        });
        let mut alert = a.clone();
        // Strings from data files are cleaned before they reach the screen.
        if let Some(Note::Roi { phase, .. }) = &mut alert.detail.note {
            *phase = clean(phase);
        }
        for c in &mut alert.detail.contributions {
            c.1 = clean(&c.1);
        }
        let window = rule
            .as_ref()
            .map_or(5, |r| i64::from(r.settings.window_minutes));
        Some(AlertDetail {
            row: AlertRow::of(a),
            context: context_series(&session.state, a, window),
            alert,
            rule,
        })
    }
}

/// The alert's figure for its scope over a rolling window of `window`
/// minutes, one point per bucket, when the figure is one the series holds.
fn context_series(state: &State, a: &Alert, window: i64) -> Vec<(Millis, f64)> {
    if state.now == Millis::MIN {
        return Vec::new();
    }
    let dims = state.dims.read().expect("dims lock");
    let sel = if let Some(c) = a.scope.get("channel") {
        dims.channel.get(c).map(Sel::Channel)
    } else if let Some(c) = a.scope.get("category") {
        dims.category.get(c).map(Sel::Category)
    } else if a.scope.is_site() {
        Some(Sel::All)
    } else {
        None
    };
    drop(dims);
    let Some(sel) = sel else {
        return Vec::new();
    };
    let f: fn(&Counters) -> Option<(f64, f64)> = match a.metric.as_str() {
        "cr.visit_view" => |c| Some((c.stages[1] as f64, c.stages[0] as f64)),
        "cr.view_cart" => |c| Some((c.stages[2] as f64, c.stages[1] as f64)),
        "cr.cart_order" => |c| Some((c.stages[3] as f64, c.stages[2] as f64)),
        "cr.order_pay" => |c| Some((c.stages[4] as f64, c.stages[3] as f64)),
        "cr.overall" => |c| Some((c.stages[4] as f64, c.stages[0] as f64)),
        "uv" => |c| Some((c.stages[0] as f64, 1.0)),
        "gmv" => |c| Some((c.gmv_yuan(), 1.0)),
        "orders" => |c| Some((c.orders as f64, 1.0)),
        "cs.response_15s" => |c| Some((c.cs_fast_replies as f64, c.cs_first_replies as f64)),
        "cs.fcr" => |c| Some((c.cs_first_contact as f64, c.cs_resolves as f64)),
        "cs.satisfaction" => |c| Some((c.cs_score_sum as f64, c.cs_ratings as f64)),
        "cs.complaints" => |c| Some((c.cs_complaints as f64, c.cs_sessions as f64)),
        "cs.refunds" => |c| Some((c.cs_refund_tags as f64, c.cs_sessions as f64)),
        "cs.bad_reviews" => |c| Some((c.cs_bad_reviews as f64, c.cs_sessions as f64)),
        _ => return Vec::new(),
    };
    let is_ratio = !matches!(a.metric.as_str(), "uv" | "gmv" | "orders");
    let w = state.series.width();
    let k = (window * MINUTE / w).max(1) as usize;
    let end = match a.resolved_at {
        Some(r) => (r + 30 * MINUTE).min(bucket_start(state.now, w)),
        None => bucket_start(state.now, w),
    };
    let start = a.opened_at - 60 * MINUTE;
    if end <= start {
        return Vec::new();
    }
    let from = start - k as i64 * w;
    let nums = per_bucket(&state.series, sel, from, end, |c| f(c).map_or(0.0, |x| x.0));
    let dens = per_bucket(&state.series, sel, from, end, |c| f(c).map_or(0.0, |x| x.1));
    let mut out = Vec::new();
    let (mut sn, mut sd) = (0.0, 0.0);
    for i in 0..nums.len() {
        sn += nums[i];
        sd += dens[i];
        if i >= k {
            sn -= nums[i - k];
            sd -= dens[i - k];
        }
        if i + 1 >= k {
            // The value at the end of this bucket: the window that closed.
            let at = from + (i as i64 + 1) * w;
            if at >= start && sd > 0.0 {
                out.push((at, if is_ratio { sn / sd } else { sn }));
            }
        }
    }
    out
}
