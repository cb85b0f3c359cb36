//! The rules. Each one looks at the state at an evaluation time `t` (a
//! bucket boundary) and reports, per scope, the tier its figure deserves
//! now. The lifecycle (pending, firing, hysteresis, resolve) is the
//! engine's; a rule only judges.

use crate::budget;
use crate::dims::{DimId, Dims};
use crate::figures::Counters;
use crate::record::Kind;
use crate::series::Series;
use crate::state::State;
use crate::time::{Millis, MINUTE};

use super::expect::{
    binomial_low_surprise, mad_sigma, median, normal_tail_surprise, per_bucket,
    poisson_low_surprise, poisson_surprise, trend_line, wilson, Baseline, Sel, WindowCache,
};
use super::model::{Scope, Tier};
use super::settings::{RuleDef, RuleSettings};

/// One judged figure. `tier: None` means normal; `hold` means "no new data
/// to judge": the engine leaves the alert as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub metric: String,
    pub scope: Scope,
    pub tier: Option<Tier>,
    pub hold: bool,
    /// Open without waiting for `for_evaluations` (overwhelming evidence).
    pub urgent: bool,
    pub value: Option<f64>,
    pub expected: Option<f64>,
    pub detail: Detail,
}

/// What the room drills into.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    /// Which dimension values carry the deviation, most first:
    /// (dimension, value, observed, expected).
    pub contributions: Vec<(&'static str, String, f64, f64)>,
    /// GMV = UV × conversion × AOV over the window: (observed, expected).
    pub decomposition: Option<Decomposition>,
    /// Stage rates visit→view … order→pay over the window: (observed, expected).
    pub funnel: Option<[(Option<f64>, Option<f64>); 4]>,
    /// The figures behind the judgement, for the drill-down to word in its
    /// language.
    pub note: Option<Note>,
}

/// The figures behind a rule's judgement (the drill-down's note line).
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// budget-pace: spend over the window (`window_min` minutes; without a
    /// baseline, the phase so far) vs the plan there, the phase's spend so far vs its budget, and when it runs
    /// out at this pace.
    BudgetPace {
        window_min: i64,
        /// Whether `actual`/`planned` are over the window or (no baseline)
        /// the phase so far against an even spread.
        basis: crate::budget::Basis,
        actual: f64,
        planned: f64,
        spent: f64,
        phase_plan: f64,
        runs_out: RunsOut,
    },
    /// budget-roi-floor: the phase's GMV and spend so far (yuan).
    Roi { phase: String, gmv: f64, spend: f64 },
    /// CS SLA rates: `k` of `n` met it in the window; the upper bound the
    /// floor is judged on.
    CsRate {
        k: f64,
        n: f64,
        window_min: u32,
        upper: f64,
    },
    /// Tag spikes: `k` tagged of `n` sessions; p ≈ 10^−surprise.
    TagSpike {
        k: u64,
        n: f64,
        window_min: u32,
        surprise: f64,
    },
    /// stock-level.
    Stock {
        hot: bool,
        on_hand: i64,
        safety: Option<i64>,
    },
    /// feed-stall: no records of `kind` for `silent` minutes, about
    /// `expected` were due.
    FeedStall {
        kind: &'static str,
        silent: usize,
        expected: f64,
    },
    /// metric-anomaly: robust z against the last `points` points.
    Robust { z: f64, points: usize },
}

/// When a budget line runs out at its current pace.
pub use crate::budget::RunsOut;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decomposition {
    pub uv: (f64, f64),
    pub conversion: (Option<f64>, Option<f64>),
    pub aov: (Option<f64>, Option<f64>),
    pub gmv: (f64, f64),
}

impl Decomposition {
    /// The factor that moved most (log ratio), as a key: uv / conversion / aov.
    pub fn driver(&self) -> &'static str {
        let lr = |o: f64, e: f64| {
            if o > 0.0 && e > 0.0 {
                (o / e).ln()
            } else {
                0.0
            }
        };
        let uv = lr(self.uv.0, self.uv.1);
        let cr = lr(
            self.conversion.0.unwrap_or(0.0),
            self.conversion.1.unwrap_or(0.0),
        );
        let aov = lr(self.aov.0.unwrap_or(0.0), self.aov.1.unwrap_or(0.0));
        let mut best = ("uv", uv);
        for c in [("conversion", cr), ("aov", aov)] {
            if c.1.abs() > best.1.abs() {
                best = c;
            }
        }
        best.0
    }
}

/// An open or pending alert a rule must know about (for hysteresis and to
/// keep judging against the expectation it had before the anomaly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenInfo {
    pub tier: Option<Tier>,
    pub frozen_expected: Option<f64>,
}

pub struct Ctx<'a> {
    pub windows: &'a WindowCache<'a>,
    /// The baseline's windows, and campaign → baseline ids (channel, category).
    pub bwindows: Option<&'a WindowCache<'a>>,
    pub bmap: &'a (Vec<Option<DimId>>, Vec<Option<DimId>>),
    pub state: &'a State,
    pub dims: &'a Dims,
    pub baseline: Option<&'a Baseline>,
    pub t: Millis,
    pub trailing: Millis,
    pub def: &'a RuleDef,
    pub s: &'a RuleSettings,
    pub open: &'a dyn Fn(&str, &Scope) -> Option<OpenInfo>,
    pub roi_target: f64,
    /// The candidate slices (`slices`), built once per evaluation: every
    /// rule that narrows reads them, and a campaign may have hundreds.
    pub slices: &'a [(Sel, Scope)],
}

impl Ctx<'_> {
    fn series(&self) -> &Series {
        &self.state.series
    }
    fn w(&self) -> Millis {
        Millis::from(self.s.window_minutes) * MINUTE
    }
    fn open_info(&self, metric: &str, scope: &Scope) -> Option<OpenInfo> {
        (self.open)(metric, scope)
    }

    /// Tier for a severity that grows as things get worse, with hysteresis
    /// for tiers the alert already holds.
    fn tier(&self, severity: f64, neutral: f64, current: Option<Tier>) -> Option<Tier> {
        let th = self.s.thresholds;
        let mut out = None;
        for (i, tier) in Tier::ALL.iter().enumerate() {
            let mut t = th[i];
            if current.is_some_and(|c| c >= *tier) {
                t = neutral + (t - neutral) * (1.0 - self.s.hysteresis);
            }
            if severity >= t {
                out = Some(*tier);
            }
        }
        out
    }
}

fn finding(
    metric: &str,
    scope: Scope,
    tier: Option<Tier>,
    value: Option<f64>,
    expected: Option<f64>,
) -> Finding {
    Finding {
        metric: metric.to_string(),
        scope,
        tier,
        hold: false,
        urgent: false,
        value,
        expected,
        detail: Detail::default(),
    }
}

/// The candidate slices of a campaign: site, every channel, every category.
pub fn slices(dims: &Dims) -> Vec<(Sel, Scope)> {
    let mut v = vec![(Sel::All, Scope::site())];
    for id in dims.channel.ids_by_name() {
        v.push((
            Sel::Channel(id),
            Scope::one("channel", dims.channel.name(id)),
        ));
    }
    for id in dims.category.ids_by_name() {
        v.push((
            Sel::Category(id),
            Scope::one("category", dims.category.name(id)),
        ));
    }
    v
}

/// A window of one slice, or of the site without that slice.
fn win(ctx: &Ctx, sel: Sel, rest: bool, from: Millis, to: Millis) -> Counters {
    let slices = ctx.windows.slices(from, to);
    let part = slices.pick(sel);
    if rest {
        slices.all.minus(&part)
    } else {
        part
    }
}

fn bwin(ctx: &Ctx, sel: Sel, rest: bool, from: Millis, to: Millis) -> Option<Counters> {
    let b = ctx.baseline?;
    let cache = ctx.bwindows?;
    if !b.covers(from, to) {
        return None;
    }
    let bsel = match sel {
        Sel::All => Sel::All,
        Sel::Channel(id) => Sel::Channel((*ctx.bmap.0.get(id as usize)?)?),
        Sel::Category(id) => Sel::Category((*ctx.bmap.1.get(id as usize)?)?),
    };
    let slices = cache.slices(from - b.shift, to - b.shift);
    let part = slices.pick(bsel);
    if rest {
        Some(slices.all.minus(&part))
    } else {
        Some(part)
    }
}

/// A judged slice: its severity (bigger is worse) and figures.
#[derive(Debug, Clone, Copy)]
struct Judged {
    tier: Option<Tier>,
    severity: f64,
    value: f64,
    expected: f64,
    /// Evidence so strong (two orders of magnitude past the rule's
    /// significance) that waiting for a second evaluation only adds delay.
    urgent: bool,
}

/// Below this many expected events a window is short of evidence, and the
/// rule also looks at two and three windows' worth (quiet hours at night).
const AMPLE_EVENTS: f64 = 40.0;

// ---- funnel ratios ---------------------------------------------------------

fn ratio_parts(metric: &str, c: &Counters) -> (f64, f64) {
    let s = |i: usize| c.stages[i] as f64;
    match metric {
        "cr.visit_view" => (s(1), s(0)),
        "cr.view_cart" => (s(2), s(1)),
        "cr.cart_order" => (s(3), s(2)),
        "cr.order_pay" => (s(4), s(3)),
        _ => (s(4), s(0)),
    }
}

/// The baseline's shape is known ahead of time, so its "now" is read over a
/// centred window at least `SMOOTH` wide: last year's noise must not become
/// this year's expectation.
const SMOOTH: Millis = 30 * MINUTE;

/// Baseline counters around `[t − w, t)` (centred, ≥ SMOOTH wide) and the
/// factor that scales them to a `w`-long window.
fn baseline_now(ctx: &Ctx, sel: Sel, rest: bool) -> Option<(Counters, f64)> {
    let (t, w) = (ctx.t, ctx.w());
    let (from, to) = smooth_span(ctx, t - w, t, SMOOTH);
    let c = bwin(ctx, sel, rest, from, to)?;
    Some((c, w as f64 / (to - from) as f64))
}

/// `[from, to)` widened to at least `min_width`, centred, but never across
/// the edges of the phase it lies in (the 00:00 rush starts at a phase edge:
/// smoothing across it would smear the jump).
fn smooth_span(ctx: &Ctx, from: Millis, to: Millis, min_width: Millis) -> (Millis, Millis) {
    let width = (to - from).max(min_width);
    let pad = (width - (to - from)) / 2;
    let (mut a, mut b) = (from - pad, to + pad);
    if let Some(p) = ctx.state.cfg.phase_at(to - 1) {
        let ph = &ctx.state.cfg.phases[p];
        if a < ph.start {
            b = (b + (ph.start - a)).min(ph.end);
            a = ph.start.min(from);
        }
        if b > ph.end {
            a = (a - (b - ph.end)).max(ph.start.min(from));
            b = ph.end.max(to);
        }
    }
    (a, b)
}

/// Judge only windows that lie inside one phase: the first minutes of a
/// phase (the 00:00 rush) are compared with nothing from before it.
fn window_in_phase(ctx: &Ctx) -> bool {
    let cfg = &ctx.state.cfg;
    match cfg.phase_at(ctx.t - 1) {
        Some(p) => ctx.t - ctx.w() >= cfg.phases[p].start,
        None => true,
    }
}

/// Expected conversion of a slice: its trailing pooled rate, shaped by the
/// baseline's change from its trailing window to this moment. Returns the
/// rate and the trailing denominator (its own uncertainty).
fn expected_ratio(ctx: &Ctx, metric: &str, sel: Sel, rest: bool) -> Option<(f64, f64)> {
    let (t, w, tr) = (ctx.t, ctx.w(), ctx.trailing);
    let trail = win(ctx, sel, rest, t - w - tr, t - w);
    let (n, d) = ratio_parts(metric, &trail);
    if d < ctx.s.min_volume || n <= 0.0 {
        return None;
    }
    let mut e = n / d;
    if let (Some((bn, _)), Some(bt)) = (
        baseline_now(ctx, sel, rest),
        bwin(ctx, sel, rest, t - w - tr, t - w),
    ) {
        let (a, b) = ratio_parts(metric, &bn);
        let (c, dd) = ratio_parts(metric, &bt);
        if b >= ctx.s.min_volume && dd >= ctx.s.min_volume && a > 0.0 && c > 0.0 {
            // Trust last year's change of rate only as far as its counts
            // carry it: a few hundred events shape nothing (shrink to 1).
            let adj = ((a / b) / (c / dd)).clamp(0.5, 2.0);
            let trust = b.min(dd) / (b.min(dd) + 2000.0);
            e *= 1.0 + (adj - 1.0) * trust;
        }
    }
    Some((e, d))
}

fn judge_ratio(
    ctx: &Ctx,
    metric: &str,
    sel: Sel,
    rest: bool,
    frozen: Option<f64>,
    current: Option<Tier>,
) -> Option<Judged> {
    let (e, trail_den) = match frozen {
        Some(f) => (f, f64::INFINITY),
        None => expected_ratio(ctx, metric, sel, rest)?,
    };
    if e <= 0.0 || !window_in_phase(ctx) {
        return None;
    }
    let phase_start = ctx
        .state
        .cfg
        .phase_at(ctx.t - 1)
        .map_or(Millis::MIN, |p| ctx.state.cfg.phases[p].start);
    let mut best: Option<(f64, f64, f64)> = None; // (surprise, obs, drop)
    for k in 1..=3 {
        let from = ctx.t - k * ctx.w();
        if k > 1 && from < phase_start {
            break;
        }
        let now = win(ctx, sel, rest, from, ctx.t);
        let (num, den) = ratio_parts(metric, &now);
        if den < ctx.s.min_volume {
            if den * e >= AMPLE_EVENTS {
                break;
            }
            continue;
        }
        let obs = num / den;
        let drop = 1.0 - obs / e;
        // Exact binomial tail (small counts are where incidents at night
        // live), on counts shrunk by the uncertainty of the expectation.
        // Rates near 1 (order→pay) are capped: pay events trail orders, so a
        // window's rate is not a clean binomial there.
        let shrink = 1.0 / (1.0 + den / trail_den);
        // The tail is only needed when the drop reaches a tier.
        let surprise = if ctx.tier(drop, 0.0, current).is_some() {
            binomial_low_surprise(num * shrink, den * shrink, e.min(0.95))
        } else {
            0.0
        };
        if best.is_none_or(|b| surprise > b.0) {
            best = Some((surprise, obs, drop));
        }
        if den * e >= AMPLE_EVENTS {
            break; // enough evidence in this window: do not dilute it
        }
    }
    let (surprise, obs, drop) = best?;
    Some(judged(ctx, drop, surprise, obs, e, current))
}

/// A drop judged: a tier when it is both large enough and significant.
fn judged(
    ctx: &Ctx,
    drop: f64,
    surprise: f64,
    value: f64,
    expected: f64,
    current: Option<Tier>,
) -> Judged {
    let tier = if drop > 0.0 && surprise >= ctx.s.z {
        ctx.tier(drop, 0.0, current)
    } else {
        None
    };
    Judged {
        tier,
        severity: drop,
        value,
        expected,
        urgent: surprise >= ctx.s.z + 2.0,
    }
}

// ---- volumes (GMV, UV) -------------------------------------------------------

fn volume(metric: &str, c: &Counters) -> f64 {
    match metric {
        "gmv" => c.gmv_yuan(),
        "orders" => c.orders as f64,
        _ => c.stages[0] as f64,
    }
}

/// The countable events behind a volume: orders for GMV, visits for UV.
fn events(metric: &str, c: &Counters) -> f64 {
    match metric {
        "gmv" | "orders" => c.orders as f64,
        _ => c.stages[0] as f64,
    }
}

/// Expected volume and expected events of a slice over the window: the
/// baseline (smoothed) × this year's level over the trailing window where
/// the baseline covers, else a robust (Theil–Sen) trend of the trailing
/// buckets. Also the relative variance of the expected events that comes
/// from estimating this year's level (0 for the trend): a level read off a
/// few noisy blocks (a small channel, the evening before the rush) is itself
/// uncertain, and a test against it must allow for that.
fn expected_volume(ctx: &Ctx, metric: &str, sel: Sel, rest: bool) -> Option<(f64, f64, f64)> {
    let (t, w, tr) = (ctx.t, ctx.w(), ctx.trailing);
    if let (Some((bn, scale)), Some(bt)) = (
        baseline_now(ctx, sel, rest),
        bwin(ctx, sel, rest, t - w - tr, t - w),
    ) {
        let _ = bt;
        // This year's level against last year's: the median of 10-minute
        // block ratios over three trailing spans, so an anomaly that just
        // ended (bots inflating traffic) does not become the new level.
        let block = 10 * MINUTE;
        let mut lv = Vec::new();
        let mut le = Vec::new();
        // Blocks on absolute 10-minute boundaries, so consecutive evaluations
        // share them (settled windows are cached).
        // Within the current phase when it has half an hour behind the window
        // (this year against last year differs between 预热 and the rush).
        let mut from = crate::time::bucket_start(t - w - 3 * tr, block) + block;
        if let Some(first) = ctx.state.first_ts {
            from = from.max(crate::time::bucket_start(first, block) + block);
        }
        if let Some(p) = ctx.state.cfg.phase_at(t - 1) {
            let start = ctx.state.cfg.phases[p].start;
            if t - w - start >= 3 * block {
                from = from.max(start);
            }
        }
        while from + block <= t - w {
            let ours = win(ctx, sel, rest, from, from + block);
            if let Some(theirs) = bwin(ctx, sel, rest, from, from + block) {
                if volume(metric, &theirs) > 0.0 && events(metric, &theirs) > 0.0 {
                    lv.push(volume(metric, &ours) / volume(metric, &theirs));
                    le.push(events(metric, &ours) / events(metric, &theirs));
                }
            }
            from += block;
        }
        // Spread of the blocks' log ratios → variance of their median
        // (≈ (1.25 σ)² / n). Blocks with no events of ours carry no log.
        let logs: Vec<f64> = le.iter().filter(|r| **r > 0.0).map(|r| r.ln()).collect();
        let level_var = if logs.len() >= 2 {
            let mut sorted = logs.clone();
            let mid = median(&mut sorted).unwrap_or(0.0);
            let sigma = mad_sigma(&logs, mid);
            (1.25 * sigma).powi(2) / logs.len() as f64
        } else {
            0.0
        };
        if let (Some(level), Some(level_events)) = (median(&mut lv), median(&mut le)) {
            if level > 0.0 && level_events > 0.0 {
                return Some((
                    volume(metric, &bn) * scale * level.clamp(0.05, 20.0),
                    events(metric, &bn) * scale * level_events.clamp(0.05, 20.0),
                    level_var,
                ));
            }
        }
    }
    let bw = ctx.series().width();
    let k = (w / bw).max(1);
    let n = (tr / bw).clamp(4, 60);
    // Never before the first record: empty minutes before the data began
    // are not zeros of the business.
    let first = crate::time::bucket_start(ctx.state.first_ts?, bw) + bw;
    let from = (t - w - n * bw).max(first);
    if (t - w - from) / bw < 15 {
        return None;
    }
    let series = |f: fn(&str, &Counters) -> f64| -> Vec<f64> {
        let all = per_bucket(ctx.series(), Sel::All, from, t - w, |c| f(metric, c));
        if sel == Sel::All && !rest {
            return all;
        }
        let part = per_bucket(ctx.series(), sel, from, t - w, |c| f(metric, c));
        if rest {
            all.iter().zip(&part).map(|(a, b)| a - b).collect()
        } else {
            part
        }
    };
    // A trend may fall (the rush decaying) but must not promise more than
    // the recent level: a recovery after a dip is not a rise to come.
    let forecast = |ys: &[f64]| -> Option<f64> {
        let (a, b) = trend_line(ys)?;
        let n = ys.len() as f64;
        let mut recent: Vec<f64> = ys[ys.len().saturating_sub(15)..].to_vec();
        let cap = median(&mut recent)?;
        Some(
            (0..k)
                .map(|j| (a + b * (n + j as f64)).clamp(0.0, cap))
                .sum(),
        )
    };
    let ev = forecast(&series(volume))?;
    // Only GMV has a volume (yuan) apart from its events (orders).
    let ee = if metric == "gmv" {
        forecast(&series(events))?
    } else {
        ev
    };
    (ev > 0.0).then_some((ev, ee, 0.0))
}

fn judge_volume(
    ctx: &Ctx,
    metric: &str,
    sel: Sel,
    rest: bool,
    frozen: Option<f64>,
    current: Option<Tier>,
) -> Option<Judged> {
    let now = win(ctx, sel, rest, ctx.t - ctx.w(), ctx.t);
    let obs = volume(metric, &now);
    if !window_in_phase(ctx) || feed_silent(ctx, metric) {
        return None;
    }
    // Slices with too few events over the trailing window cannot be judged:
    // skip them before the costlier expectation.
    let trail = win(
        ctx,
        sel,
        rest,
        ctx.t - ctx.w() - ctx.trailing,
        ctx.t - ctx.w(),
    );
    let per_window = events(metric, &trail) * ctx.w() as f64 / ctx.trailing as f64;
    if per_window < ctx.s.min_volume / 4.0 && frozen.is_none() {
        return None;
    }
    // While open, the expectation is the one the alert opened on, and its
    // events scale with it: a collapse that drags the trailing level down
    // (traffic gone at 00:26 and still gone) must not leave too few
    // expected events to judge, which would let the alert resolve.
    let counted = metric != "gmv"; // the volume is its own event count
    let firing = frozen.filter(|_| current.is_some());
    let (e, e_events, level_var) = match (expected_volume(ctx, metric, sel, rest), firing) {
        (Some((e0, ev0, lv)), Some(f)) if e0 > 0.0 => (f, ev0.max(ev0 * f / e0), lv),
        (now, Some(f)) if counted => (f, f, now.map_or(0.0, |c| c.2)),
        (now, _) => {
            let (e0, ev0, lv) = now?;
            (frozen.unwrap_or(e0), ev0, lv)
        }
    };
    if e_events < ctx.s.min_volume || e <= 0.0 {
        return None;
    }
    let drop = 1.0 - obs / e;
    // Significance from the events (Poisson, halved for over-dispersion):
    // a few big orders must not make a GMV "drop". The uncertainty of the
    // level adds its variance (e_events² × its relative variance) to the
    // count's, so the dispersion factor grows from 2 by e_events × level_var.
    let seen = events(metric, &now);
    let disp = 2.0 + e_events * level_var;
    let mut surprise = poisson_low_surprise(seen / disp, e_events / disp);
    // A fall of the amounts (AOV) with the usual number of orders: the
    // window's AOV against the AOVs of the site's own earlier windows (the
    // last three hours of this phase), each window's deviation scaled by
    // √orders so windows of any size compare; heavy-tailed amounts make that
    // spread wide, and a stricter significance keeps only a clear fall. The
    // AOV, not the GMV: a GMV expectation that is off because this year's
    // level against last year's drifted is an order-count question, which the
    // Poisson test above answers.
    if metric == "gmv"
        && sel == Sel::All
        && !rest
        && drop > 0.0
        && seen > 0.0
        && ctx.tier(drop, 0.0, current).is_some()
    {
        if let Some(z) = aov_fall_z(ctx, obs / seen, seen) {
            surprise = surprise.max(normal_tail_surprise(z) - 1.0);
        }
    }
    Some(judged(ctx, drop, surprise, obs, e, current))
}

/// How far (in robust σ) the site's AOV over the window, `aov` on `orders`
/// orders, lies below the AOVs of its earlier windows in this phase. Each
/// earlier window's deviation from their median AOV is scaled by the square
/// root of its orders (an AOV over many orders is steadier); the spread is
/// their root mean square about that median, floored at 5% of the AOV per
/// order-window. Not a MAD: amounts are a mixture (a window with few
/// 家电 orders has a low AOV) whose core is much narrower than its spread,
/// and a MAD of 9–18 windows would call such a window a 5σ fall.
fn aov_fall_z(ctx: &Ctx, aov: f64, orders: f64) -> Option<f64> {
    let w = ctx.w();
    let mut first = ctx
        .state
        .first_ts
        .map_or(Millis::MIN, |f| crate::time::bucket_start(f, w) + w);
    if let Some(p) = ctx.state.cfg.phase_at(ctx.t - 1) {
        first = first.max(ctx.state.cfg.phases[p].start); // one phase's shape only
    }
    let mut past = Vec::new(); // (aov, orders)
    let mut to = ctx.t - w;
    let mut windows = 0;
    while to - w >= first && windows < 18 {
        let c = win(ctx, Sel::All, false, to - w, to);
        if c.orders > 0 {
            past.push((c.gmv_yuan() / c.orders as f64, c.orders as f64));
        }
        windows += 1;
        to -= w;
    }
    if past.len() < 9 {
        return None;
    }
    let mut aovs: Vec<f64> = past.iter().map(|p| p.0).collect();
    let center = median(&mut aovs)?;
    let devs: Vec<f64> = past.iter().map(|(a, n)| (a - center) * n.sqrt()).collect();
    let rms = (devs.iter().map(|d| d * d).sum::<f64>() / (devs.len() - 1) as f64).sqrt();
    let mut roots: Vec<f64> = past.iter().map(|p| p.1.sqrt()).collect();
    let sd = rms.max(0.05 * center * median(&mut roots)?);
    (sd > 0.0).then(|| (center - aov) * orders.sqrt() / sd)
}

/// Judges a slice (or the rest of the site without it, when `rest`), given
/// the frozen expectation and current tier of an alert already open on it.
type Judge = dyn Fn(&Ctx, Sel, bool, Option<f64>, Option<Tier>) -> Option<Judged>;

/// No order (or traffic) records at all in the last minutes while other
/// feeds go on: a stalled feed, which `feed-stall` reports; judging sales
/// or traffic on it would blame the business for the pipeline.
fn feed_silent(ctx: &Ctx, metric: &str) -> bool {
    let kind = if metric == "uv" {
        Kind::Traffic
    } else {
        Kind::Order
    } as usize;
    let bw = ctx.series().width();
    // How many records of the feed a minute usually brings.
    let trail_from = ctx.t - ctx.w() - ctx.trailing;
    let usual = ctx
        .series()
        .range(trail_from, ctx.t - ctx.w())
        .map(|(_, b)| f64::from(b.by_kind[kind]))
        .sum::<f64>()
        / (ctx.trailing / bw).max(1) as f64;
    if usual < 3.0 {
        return false; // a sparse feed: empty minutes are normal
    }
    // Any minute of the window (or the one before it) with none of the
    // feed's records while the other feeds went on is a gap in the data.
    let mut start = ctx.t - ctx.w() - bw;
    while start < ctx.t {
        let b = ctx.series().get(start);
        let own = b.map_or(0, |b| b.by_kind[kind]);
        let others = b.map_or(0, |b| b.by_kind.iter().sum::<u32>() - b.by_kind[kind]);
        if own == 0 && others > 0 {
            return true;
        }
        start += bw;
    }
    false
}

// ---- narrowing the scope -----------------------------------------------------

/// Judge the site and every channel and category, then report the
/// narrowest scope that explains the anomaly: one slice whose removal
/// leaves the rest of the site normal; else the site; else the worst
/// slices of the dimension where the anomaly concentrates.
fn narrowed(ctx: &Ctx, metric: &str, judge: &Judge) -> Vec<Finding> {
    let mut judged: Vec<(Sel, Scope, Judged)> = Vec::new();
    for (sel, scope) in ctx.slices {
        let open = ctx.open_info(metric, scope);
        let (frozen, current) = (
            open.and_then(|o| o.frozen_expected),
            open.and_then(|o| o.tier),
        );
        if let Some(j) = judge(ctx, *sel, false, frozen, current) {
            judged.push((*sel, scope.clone(), j));
        }
    }
    let site = judged.iter().find(|(s, _, _)| *s == Sel::All).map(|x| x.2);
    let mut anomalous: Vec<&(Sel, Scope, Judged)> = judged
        .iter()
        .filter(|(s, _, j)| *s != Sel::All && j.tier.is_some())
        .collect();
    anomalous.sort_by(|a, b| b.2.severity.total_cmp(&a.2.severity));

    let contributions = |dim: &'static str| -> Vec<(&'static str, String, f64, f64)> {
        let mut v: Vec<_> = judged
            .iter()
            .filter(|(s, _, _)| {
                matches!(
                    (dim, s),
                    ("channel", Sel::Channel(_)) | ("category", Sel::Category(_))
                )
            })
            .map(|(_, sc, j)| (dim, sc.0[0].1.clone(), j.value, j.expected))
            .collect();
        v.sort_by(|a, b| {
            let d = |x: &(&str, String, f64, f64)| if x.3 != 0.0 { x.2 / x.3 } else { 1.0 };
            d(a).total_cmp(&d(b))
        });
        v
    };
    let make = |scope: &Scope, j: Judged, sel: Sel| -> Finding {
        let mut f = finding(
            metric,
            scope.clone(),
            j.tier,
            Some(j.value),
            Some(j.expected),
        );
        f.urgent = j.urgent;
        let mut contribs = contributions("channel");
        contribs.extend(contributions("category"));
        f.detail.contributions = contribs;
        f.detail.decomposition = decomposition(ctx, sel);
        f.detail.funnel = Some(funnel_rates(ctx, sel));
        f
    };

    let mut out = Vec::new();
    let site_open = ctx.open_info(metric, &Scope::site()).is_some();
    if site.is_some_and(|s| s.tier.is_some()) {
        // Does one slice explain it? Judge the rest of the site without it.
        // (Once the site-wide alert is open, it stays the scope.)
        let explains = anomalous.iter().filter(|_| !site_open).find(|(sel, _, _)| {
            judge(ctx, *sel, true, None, None).is_some_and(|rest| rest.tier.is_none())
        });
        match explains {
            Some((sel, scope, j)) => out.push(make(scope, *j, *sel)),
            None => out.push(make(&Scope::site(), site.expect("checked"), Sel::All)),
        }
    } else if !anomalous.is_empty() {
        // Site normal: keep the dimension where the worst slice is, and only
        // slices whose trouble is their own — if the rest of the site is
        // sliding too, this is the onset of a site-wide problem, which the
        // site judgement will name when its window fills.
        let worst_dim = anomalous[0].1 .0[0].0;
        let first = ctx.s.thresholds[0];
        for (sel, scope, j) in anomalous
            .iter()
            .filter(|(_, sc, _)| sc.0[0].0 == worst_dim)
            .filter(|(sel, sc, _)| {
                ctx.open_info(metric, sc).is_some()
                    || judge(ctx, *sel, true, None, None)
                        .is_none_or(|rest| rest.severity < first / 2.0)
            })
            .take(3)
        {
            out.push(make(scope, *j, *sel));
        }
    }
    // Open alerts not reported above are clear: report their figures now,
    // so a resolve line carries the value it resolved at.
    for (sel, scope, j) in &judged {
        if ctx.open_info(metric, scope).is_some() && !out.iter().any(|f| f.scope == *scope) {
            let _ = sel;
            out.push(finding(
                metric,
                scope.clone(),
                None,
                Some(j.value),
                Some(j.expected),
            ));
        }
    }
    out
}

fn decomposition(ctx: &Ctx, sel: Sel) -> Option<Decomposition> {
    let (t, w) = (ctx.t, ctx.w());
    let now = win(ctx, sel, false, t - w, t);
    let tr = win(ctx, sel, false, t - w - ctx.trailing, t - w);
    let k = w as f64 / ctx.trailing.max(1) as f64;
    let (uv_e, gmv_e) =
        match expected_volume(ctx, "uv", sel, false).zip(expected_volume(ctx, "gmv", sel, false)) {
            Some(((u, _, _), (g, _, _))) => (u, g),
            None => (tr.stages[0] as f64 * k, tr.gmv_yuan() * k),
        };
    Some(Decomposition {
        uv: (now.stages[0] as f64, uv_e),
        conversion: (now.overall_conversion(), tr.overall_conversion()),
        aov: (now.aov(), tr.aov()),
        gmv: (now.gmv_yuan(), gmv_e),
    })
}

fn funnel_rates(ctx: &Ctx, sel: Sel) -> [(Option<f64>, Option<f64>); 4] {
    let (t, w) = (ctx.t, ctx.w());
    let now = win(ctx, sel, false, t - w, t);
    let tr = win(ctx, sel, false, t - w - ctx.trailing, t - w);
    [0, 1, 2, 3].map(|i| (now.stage_rate(i), tr.stage_rate(i)))
}

// ---- the rules ----------------------------------------------------------------

pub fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let metric = ctx.def.metric;
    match ctx.def.name {
        "funnel-visit-view-drop"
        | "funnel-view-cart-drop"
        | "funnel-cart-order-drop"
        | "pay-conversion-drop" => narrowed(ctx, metric, &|c, sel, rest, frozen, cur| {
            judge_ratio(c, metric, sel, rest, frozen, cur)
        }),
        "traffic-up-conversion-down" => narrowed(ctx, metric, &|c, sel, rest, frozen, cur| {
            let conv = judge_ratio(c, "cr.overall", sel, rest, frozen, cur)?;
            let now = win(c, sel, rest, c.t - c.w(), c.t);
            let (uv_e, _, _) = expected_volume(c, "uv", sel, rest)?;
            let surge = now.stages[0] as f64 / uv_e.max(1.0);
            // Traffic must be well above what was expected for this to be the
            // "traffic up, conversion down" pattern; otherwise it is plain
            // conversion loss, which the funnel rules report.
            Some(if surge >= 1.5 {
                conv
            } else {
                Judged { tier: None, ..conv }
            })
        }),
        "traffic-drop" => narrowed(ctx, metric, &|c, sel, rest, frozen, cur| {
            judge_volume(c, "uv", sel, rest, frozen, cur)
        }),
        "sales-drop" => narrowed(ctx, metric, &|c, sel, rest, frozen, cur| {
            judge_volume(c, "gmv", sel, rest, frozen, cur)
        }),
        "budget-pace" => budget_pace(ctx),
        "budget-roi-floor" => roi_floor(ctx),
        "cs-response-sla" => cs_rate(ctx, |c| {
            (c.cs_fast_replies as f64, c.cs_first_replies as f64)
        }),
        "cs-fcr-sla" => cs_rate(ctx, |c| (c.cs_first_contact as f64, c.cs_resolves as f64)),
        "cs-satisfaction" => cs_satisfaction(ctx),
        "cs-backlog" => cs_backlog(ctx),
        "cs-complaint-spike" => cs_tag_spike(ctx, |c| c.cs_complaints),
        "cs-refund-spike" => cs_tag_spike(ctx, |c| c.cs_refund_tags),
        "cs-bad-review-spike" => cs_tag_spike(ctx, |c| c.cs_bad_reviews),
        "stock-level" => stock_level(ctx),
        "feed-stall" => feed_stall(ctx),
        "feed-bad-lines" => feed_bad_lines(ctx),
        "metric-anomaly" => metric_anomaly(ctx),
        _ => Vec::new(),
    }
}

/// Burn pace per budget line (and in total): spend in the window ÷ what the
/// plan allows there, the plan shaped by the baseline's spend curve (the
/// figures are `crate::budget`'s, which the budget panel draws too).
fn budget_pace(ctx: &Ctx) -> Vec<Finding> {
    let cfg = &ctx.state.cfg;
    let t = ctx.t;
    let Some(phase) = cfg.phase_at(t - 1) else {
        return Vec::new();
    };
    // Nothing spent yet: no pace above plan, so no alert open or to open;
    // and the phase-long sums below cost a walk over the whole phase per
    // evaluation (years, for a CS corpus that starts with a stray old tweet).
    if ctx.state.totals.spend == 0 {
        return Vec::new();
    }
    let ph = &cfg.phases[phase];
    // Spend sums come from the (block-cached) windows: a phase-long sum
    // per line and minute would otherwise cost the whole phase each time.
    let inputs = budget::Inputs {
        cfg,
        dims: ctx.dims,
        sums: ctx.windows,
        baseline: ctx.baseline.zip(ctx.bwindows),
        window: ctx.w(),
    };
    let pb = inputs.phase(phase, budget::At::eval(t));
    let mut out = Vec::new();
    for line in pb.lines.iter().chain(pb.total.iter()) {
        let (Some(phase_plan), Some(burn)) = (line.plan, line.burn) else {
            continue; // not planned, or a planned line that has not spent yet
        };
        let Some(wp) = burn.pace else {
            continue;
        };
        let scope = if line.is_total {
            Scope::site()
        } else {
            Scope::one("item", &line.name)
        };
        let metric = "budget.pace";
        let open = ctx.open_info(metric, &scope);
        let mut tier = ctx.tier(wp.pace, 1.0, open.and_then(|o| o.tier));
        // Projected exhaustion of the phase budget within the hour is 紧急.
        if tier >= Some(Tier::Warning)
            && line.exhaust_in <= 60.0 * MINUTE as f64
            && ph.end - t > 60 * MINUTE
        {
            tier = Some(Tier::Emergency);
        }
        let mut f = finding(metric, scope, tier, Some(wp.pace), Some(1.0));
        f.detail.note = Some(Note::BudgetPace {
            window_min: burn.window / MINUTE,
            basis: wp.basis,
            actual: wp.actual,
            planned: wp.planned,
            spent: line.spent,
            phase_plan,
            runs_out: line.runs_out(),
        });
        out.push(f);
    }
    out
}

/// ROI of the phase so far against the target: the target is a campaign
/// figure, and an hourly ROI swings with the night's low sales.
fn roi_floor(ctx: &Ctx) -> Vec<Finding> {
    let cfg = &ctx.state.cfg;
    let Some(p) = cfg.phase_at(ctx.t - 1) else {
        return Vec::new();
    };
    // No spend, no ROI (and the phase-long window below is a walk over the
    // whole phase per evaluation).
    if ctx.state.totals.spend == 0 {
        return Vec::new();
    }
    let ph = &cfg.phases[p];
    if ((ctx.t - ph.start) as f64) < 0.25 * (ph.end - ph.start) as f64 {
        return Vec::new(); // early in a phase the ROI swings with the rush
    }
    let so_far = win(ctx, Sel::All, false, ph.start, ctx.t);
    let Some(roi) = so_far.roi() else {
        return Vec::new();
    };
    if (so_far.orders as f64) < ctx.s.min_volume || ctx.roi_target <= 0.0 {
        return Vec::new();
    }
    let metric = "roi";
    let open = ctx.open_info(metric, &Scope::site());
    let tier = floor_tier(ctx, roi / ctx.roi_target, open.and_then(|o| o.tier));
    let mut f = finding(metric, Scope::site(), tier, Some(roi), Some(ctx.roi_target));
    f.detail.note = Some(Note::Roi {
        phase: ph.name.clone(),
        gmv: so_far.gmv_yuan(),
        spend: so_far.spend_yuan(),
    });
    vec![f]
}

/// One-sided z of the bound a CS floor's tier is read on once the rate is
/// confidently below its SLA (0.5% per window). The rule's own `z` decides
/// whether anything opens: that look is taken every minute of every day on a
/// rate that normally sits just above the SLA, so it carries the multiplicity
/// correction (3.09 for the 15-second rate). Which floor a breach is under is
/// one question per incident, asked of a desk already known to be breaching,
/// so it needs no such correction, and a real collapse reaches 警告 as soon as
/// the plain per-window evidence is there.
const FLOOR_TIER_Z: f64 = 2.58;

/// As `floor_tier`, opening on the confidence bound but holding a tier
/// while the point estimate is still under its floor: confident to open,
/// back to normal to close, so a rate hovering at the SLA does not flap.
/// `open_bound` (at the rule's `z`) must be under the first floor for
/// anything to open; the tier is then read on `tier_bound` (at
/// `FLOOR_TIER_Z`, or the rule's `z` if that is lower).
fn floor_tier_held(
    ctx: &Ctx,
    open_bound: f64,
    tier_bound: f64,
    point: f64,
    current: Option<Tier>,
) -> Option<Tier> {
    let confident = current.is_some() || floor_tier(ctx, open_bound, None).is_some();
    let opened = if confident {
        floor_tier(ctx, tier_bound.min(open_bound), None)
    } else {
        None
    };
    let held = current.and_then(|c| floor_tier(ctx, point, None).map(|t| t.min(c)));
    opened.max(held)
}

/// Tier of a value under descending floors [提醒, 警告, 紧急].
fn floor_tier(ctx: &Ctx, value: f64, current: Option<Tier>) -> Option<Tier> {
    let mut out = None;
    for (i, tier) in Tier::ALL.iter().enumerate() {
        let mut t = ctx.s.thresholds[i];
        if current.is_some_and(|c| c >= *tier) {
            // Hold a tier until the value is clearly back above its floor.
            t *= 1.0 + 0.02 * ctx.s.hysteresis;
        }
        if value < t {
            out = Some(*tier);
        }
    }
    out
}

/// A CS rate against its SLA floors, judged on the Wilson upper bound so a
/// handful of sessions cannot raise an alarm.
fn cs_rate(ctx: &Ctx, parts: fn(&Counters) -> (f64, f64)) -> Vec<Finding> {
    let now = win(ctx, Sel::All, false, ctx.t - ctx.w(), ctx.t);
    let (k, n) = parts(&now);
    if n < ctx.s.min_volume {
        return Vec::new();
    }
    let metric = ctx.def.metric;
    let (_, upper) = wilson(k, n, ctx.s.z);
    let (_, tier_upper) = wilson(k, n, ctx.s.z.min(FLOOR_TIER_Z));
    let open = ctx.open_info(metric, &Scope::site());
    let tier = floor_tier_held(ctx, upper, tier_upper, k / n, open.and_then(|o| o.tier));
    let mut f = finding(
        metric,
        Scope::site(),
        tier,
        Some(k / n),
        Some(ctx.s.thresholds[0]),
    );
    f.detail.note = Some(Note::CsRate {
        k,
        n,
        window_min: ctx.s.window_minutes,
        upper,
    });
    vec![f]
}

fn cs_satisfaction(ctx: &Ctx) -> Vec<Finding> {
    let now = win(ctx, Sel::All, false, ctx.t - ctx.w(), ctx.t);
    let n = now.cs_ratings as f64;
    if n < ctx.s.min_volume {
        return Vec::new();
    }
    let mean = now.cs_score_sum as f64 / n;
    let var = (now.cs_score_sq_sum as f64 / n - mean * mean).max(0.04);
    let upper = mean + ctx.s.z * (var / n).sqrt();
    let tier_upper = mean + ctx.s.z.min(FLOOR_TIER_Z) * (var / n).sqrt();
    let metric = ctx.def.metric;
    let open = ctx.open_info(metric, &Scope::site());
    let tier = floor_tier_held(ctx, upper, tier_upper, mean, open.and_then(|o| o.tier));
    vec![finding(
        metric,
        Scope::site(),
        tier,
        Some(mean),
        Some(ctx.s.thresholds[0]),
    )]
}

/// Sessions still waiting for a first reply that this window added, in
/// minutes of the usual inflow.
fn cs_backlog(ctx: &Ctx) -> Vec<Finding> {
    let (t, w) = (ctx.t, ctx.w());
    let now = win(ctx, Sel::All, false, t - w, t);
    let first = ctx.state.first_ts.unwrap_or(t);
    let from = (t - w - ctx.trailing).max(crate::time::bucket_start(first, MINUTE));
    if t - from < 2 * w {
        return Vec::new(); // too little history to know the usual inflow
    }
    let trail = win(ctx, Sel::All, false, from, t);
    let inflow = trail.cs_sessions as f64 / ((t - from) / MINUTE) as f64;
    let growth = now.cs_sessions as f64 - now.cs_first_replies as f64;
    if (now.cs_sessions as f64) < ctx.s.min_volume || inflow <= 0.0 {
        return Vec::new();
    }
    // Data with no first replies at all (reviews, surveys, a desk that
    // logs only openings) has no backlog to judge: every session would wait.
    if ctx.state.totals.cs_first_replies == 0 {
        return Vec::new();
    }
    let minutes = growth / inflow;
    let metric = ctx.def.metric;
    let open = ctx.open_info(metric, &Scope::site());
    let tier = ctx.tier(minutes, 0.0, open.and_then(|o| o.tier));
    vec![finding(
        metric,
        Scope::site(),
        tier,
        Some(growth.max(0.0)),
        Some(0.0),
    )]
}

/// Sessions carrying a tag (投诉/退款/差评) against their usual share:
/// Poisson surprise for significance, the share ratio for the tier.
fn cs_tag_spike(ctx: &Ctx, tagged: fn(&Counters) -> u64) -> Vec<Finding> {
    let (t, w) = (ctx.t, ctx.w());
    let metric = ctx.def.metric;
    let now = win(ctx, Sel::All, false, t - w, t);
    let n = now.cs_sessions as f64;
    let k = tagged(&now);
    let open = ctx.open_info(metric, &Scope::site());
    let expected_share = match open.and_then(|o| o.frozen_expected) {
        Some(f) => f,
        None => {
            let trail = win(ctx, Sel::All, false, t - w - 2 * ctx.trailing, t - w);
            let base = ctx
                .baseline
                .and_then(|_| bwin(ctx, Sel::All, false, t - w - 2 * ctx.trailing, t))
                .filter(|c| c.cs_sessions > 100);
            // A usual share needs history: this campaign's last two hours or
            // last year's; without either, there is nothing to compare with.
            if trail.cs_sessions < 200 && base.is_none() {
                return Vec::new();
            }
            // Shrink a window's share toward the campaign's long-run share.
            let total = &ctx.state.totals;
            let prior = (tagged(total) as f64 + 0.5) / (total.cs_sessions as f64 + 50.0);
            let pooled =
                |c: &Counters| (tagged(c) as f64 + 20.0 * prior) / (c.cs_sessions as f64 + 20.0);
            // The larger of this campaign's recent share and last year's,
            // floored: a quiet hour must not make one complaint a spike.
            pooled(&trail)
                .max(base.map_or(0.0, |c| pooled(&c)))
                .max(0.005)
        }
    };
    if n <= 0.0 {
        return vec![finding(
            metric,
            Scope::site(),
            None,
            Some(0.0),
            Some(expected_share),
        )];
    }
    let share = k as f64 / n;
    let surprise = poisson_surprise(k, expected_share * n);
    // Rare tags make any handful a big ratio: the tier is also bounded by
    // how surprising the count is (each tier one or more orders of magnitude further).
    let current = open.and_then(|o| o.tier);
    let tier = if k as f64 >= ctx.s.min_volume && surprise >= ctx.s.z {
        let by_surprise = if surprise >= ctx.s.z + 3.0 {
            Tier::Emergency
        } else if surprise >= ctx.s.z + 0.5 || current >= Some(Tier::Warning) {
            Tier::Warning
        } else {
            Tier::Notice
        };
        ctx.tier(share / expected_share, 1.0, current)
            .map(|t| t.min(by_surprise))
    } else {
        None
    };
    let mut f = finding(
        metric,
        Scope::site(),
        tier,
        Some(share),
        Some(expected_share),
    );
    f.detail.note = Some(Note::TagSpike {
        k,
        n,
        window_min: ctx.s.window_minutes,
        surprise,
    });
    vec![f]
}

fn stock_level(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for (sku, s) in ctx.state.stock.iter() {
        let tier = if s.is_out() {
            Some(if s.hot {
                Tier::Emergency
            } else {
                Tier::Warning
            })
        } else if s.below_safety() {
            Some(if s.hot { Tier::Warning } else { Tier::Notice })
        } else {
            None
        };
        let scope = Scope::one("sku", ctx.dims.sku.name(sku));
        // Only SKUs in trouble or with an open alert need a finding.
        if tier.is_some() || ctx.open_info(ctx.def.metric, &scope).is_some() {
            let mut f = finding(
                ctx.def.metric,
                scope,
                tier,
                Some(s.on_hand as f64),
                s.safety.map(|x| x as f64),
            );
            f.detail.note = Some(Note::Stock {
                hot: s.hot,
                on_hand: s.on_hand,
                safety: s.safety,
            });
            out.push(f);
        }
    }
    out
}

/// A feed's silence at the end of a window of records per bucket, against
/// its own cadence.
struct Silence {
    /// Empty buckets up to now.
    silent: usize,
    /// Records the feed's rate before the silence would have brought.
    expected: f64,
    /// Silence that counts as a stall: well past the longest gap seen
    /// before it (a feed written every few minutes is silent in between),
    /// and 5 buckets at least.
    needed: usize,
    /// Buckets with records before the silence.
    seen: usize,
}

/// `None` when the feed is not silent now or was silent all along.
fn silence(v: &[f64]) -> Option<Silence> {
    let silent = v.iter().rev().take_while(|x| **x == 0.0).count();
    if silent == v.len() || silent == 0 {
        return None;
    }
    let before = &v[..v.len() - silent];
    let rate = before.iter().sum::<f64>() / before.len() as f64;
    let mut max_gap = 0;
    let mut gap = 0;
    for x in before.iter().skip_while(|x| **x == 0.0) {
        if *x == 0.0 {
            gap += 1;
            max_gap = max_gap.max(gap);
        } else {
            gap = 0;
        }
    }
    Some(Silence {
        silent,
        expected: rate * silent as f64,
        needed: (2 * max_gap + 1).max(5),
        seen: before.iter().filter(|x| **x > 0.0).count(),
    })
}

/// A kind of record that stopped while the others go on.
fn feed_stall(ctx: &Ctx) -> Vec<Finding> {
    let (t, w) = (ctx.t, ctx.w());
    let bw = ctx.series().width();
    let metric = ctx.def.metric;
    let mut out = Vec::new();
    let mut per_kind: Vec<Vec<f64>> = Vec::new();
    for k in Kind::ALL {
        let mut v = vec![0.0; (w / bw).max(1) as usize];
        for (start, b) in ctx.series().range(t - w, t) {
            v[((start - (t - w)) / bw) as usize] = f64::from(b.by_kind[k as usize]);
        }
        per_kind.push(v);
    }
    let recent_any: f64 = per_kind
        .iter()
        .map(|v| v.iter().rev().take(2).sum::<f64>())
        .sum();
    for (ki, k) in Kind::ALL.iter().enumerate() {
        let scope = Scope::one("kind", k.key());
        let Some(Silence {
            silent,
            expected,
            needed,
            seen,
        }) = silence(&per_kind[ki])
        else {
            if ctx.open_info(metric, &scope).is_some() {
                out.push(finding(metric, scope, None, Some(0.0), None));
            }
            continue;
        };
        // The feed's cadence needs a few of its records to be known.
        if seen < 3 && ctx.open_info(metric, &scope).is_none() {
            continue;
        }
        // Opened while the others flowed, it stays open if they stop too
        // (the site-wide stall below adds to it; this feed is no better).
        let others = recent_any > 0.0 || ctx.open_info(metric, &scope).is_some();
        let tier =
            (expected >= ctx.s.min_volume && silent >= needed && others).then_some(Tier::Warning);
        let mut f = finding(metric, scope, tier, Some(silent as f64), Some(expected));
        f.detail.note = Some(Note::FeedStall {
            kind: k.key(),
            silent,
            expected,
        });
        out.push(f);
    }
    // Everything stopped: a live clock moving on, or a replay crossing a gap
    // in the recording (the room saw that gap too). Judged on the cadence of
    // all records together, as a kind is, so a batch feed (a daily export, a
    // survey sent at midnight) is not an outage between its batches.
    let all: Vec<f64> = (0..per_kind[0].len())
        .map(|i| per_kind.iter().map(|v| v[i]).sum())
        .collect();
    // The expectation is the rate over the whole window, silence included:
    // a sparse feed (an invoice every few minutes) that had a busy spell
    // would otherwise expect its burst rate through an ordinary lull.
    let rate = all.iter().sum::<f64>() / all.len() as f64;
    let stopped = silence(&all).filter(|s| {
        s.seen >= 3 && s.silent >= s.needed && rate * s.silent as f64 >= ctx.s.min_volume
    });
    if let Some(s) = stopped {
        out.push(finding(
            metric,
            Scope::site(),
            Some(Tier::Emergency),
            Some(s.silent as f64),
            None,
        ));
    } else if ctx.open_info(metric, &Scope::site()).is_some() {
        out.push(finding(metric, Scope::site(), None, Some(0.0), None));
    }
    out
}

fn feed_bad_lines(ctx: &Ctx) -> Vec<Finding> {
    let (t, w) = (ctx.t, ctx.w());
    let (mut bad, mut good) = (0.0, 0.0);
    for (_, b) in ctx.series().range(t - w, t) {
        bad += f64::from(b.bad_lines);
        good += b.by_kind.iter().map(|x| f64::from(*x)).sum::<f64>();
    }
    let metric = ctx.def.metric;
    if bad < ctx.s.min_volume {
        return if ctx.open_info(metric, &Scope::site()).is_some() {
            vec![finding(metric, Scope::site(), None, Some(bad), None)]
        } else {
            Vec::new()
        };
    }
    let share = bad / (bad + good);
    let open = ctx.open_info(metric, &Scope::site());
    let tier = ctx.tier(share, 0.0, open.and_then(|o| o.tier));
    vec![finding(metric, Scope::site(), tier, Some(share), Some(0.0))]
}

/// Generic `metric` series: the newest bucket's mean against the trailing
/// points' median, in robust z (MAD) units.
fn metric_anomaly(ctx: &Ctx) -> Vec<Finding> {
    let bw = ctx.series().width();
    let t = ctx.t;
    let n_points = ctx.s.window_minutes.max(4) as usize;
    let mut out = Vec::new();
    for id in ctx.dims.metric.ids_by_name() {
        let name = ctx.dims.metric.name(id).to_string();
        let scope = Scope::site();
        let latest = ctx
            .series()
            .get(t - bw)
            .and_then(|b| b.metrics.get(id))
            .and_then(|m| m.mean());
        let Some(x) = latest else {
            if ctx.open_info(&name, &scope).is_some() {
                let mut f = finding(&name, scope, None, None, None);
                f.hold = true;
                out.push(f);
            }
            continue;
        };
        let mut history: Vec<f64> = Vec::with_capacity(n_points);
        for (_, b) in ctx.series().range(Millis::MIN, t - bw).rev() {
            if let Some(m) = b.metrics.get(id).and_then(|m| m.mean()) {
                history.push(m);
                if history.len() >= n_points {
                    break;
                }
            }
        }
        if (history.len() as f64) < ctx.s.min_volume {
            continue;
        }
        let mut sorted = history.clone();
        let center = median(&mut sorted).unwrap_or(0.0);
        let spread = mad_sigma(&history, center)
            .max(1e-3 * center.abs())
            .max(1e-12);
        let z = (x - center).abs() / spread;
        let open = ctx.open_info(&name, &scope);
        let tier = ctx.tier(z, 0.0, open.and_then(|o| o.tier));
        let mut f = finding(&name, scope, tier, Some(x), Some(center));
        f.detail.note = Some(Note::Robust {
            z,
            points: history.len(),
        });
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::alerts::model::{AlertEvent, Tier, Transition};
    use crate::config::Config;

    /// Replay `lines` (JSON records) under one 爆发 day; the alert log.
    fn replay(lines: &str) -> Vec<AlertEvent> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("feed.jsonl"), lines).unwrap();
        let cfg = "[campaign]\nname = \"t\"\ntimezone = \"+00:00\"\n[[phase]]\nname = \"爆发\"\n\
                   start = \"2026-12-12T00:00:00+00:00\"\nend = \"2026-12-13T00:00:00+00:00\"\n";
        let cfg = Arc::new(Config::parse(cfg, "t.toml", None).unwrap());
        let mut events = Vec::new();
        crate::session::replay(dir.path(), cfg, |e| {
            events.extend_from_slice(e);
            Ok(())
        })
        .unwrap();
        events
    }

    fn visits(h: u32, m: u32, n: usize) -> String {
        (0..n)
            .map(|c| {
                format!(
                    "{{\"ts\":\"2026-12-12T{h:02}:{m:02}:00Z\",\"kind\":\"traffic\",\"stage\":\"visit\",\"count\":3,\"category\":\"c{c}\"}}\n"
                )
            })
            .collect()
    }

    fn site_stalls(events: &[AlertEvent]) -> Vec<&AlertEvent> {
        events
            .iter()
            .filter(|e| e.rule == "feed-stall" && e.scope.is_site())
            .filter(|e| e.transition == Transition::Open)
            .collect()
    }

    /// Hourly batches (all records at hh:00, as hour-resolution data sets
    /// come) are the feed's cadence, not a stall of every feed each hour.
    #[test]
    fn hourly_batches_are_not_an_everything_stopped_emergency() {
        let lines: String = (0..12).map(|h| visits(h, 0, 30)).collect();
        let events = replay(&lines);
        assert!(site_stalls(&events).is_empty(), "{events:?}");
    }

    /// A minute-by-minute feed that stops for 20 minutes still is one.
    #[test]
    fn a_dense_feed_stopping_is_an_emergency() {
        let mut lines = String::new();
        for m in 0..40 {
            lines += &visits(10, m, 3);
        }
        for m in 0..10 {
            lines += &visits(11, m, 3);
        }
        let events = replay(&lines);
        let open = site_stalls(&events);
        assert_eq!(open.len(), 1, "{events:?}");
        assert_eq!(open[0].tier, Tier::Emergency);
    }
}
