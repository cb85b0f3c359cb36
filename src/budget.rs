//! Budget burn of a phase, per budget line and in total: the one place the
//! figures are computed. The `budget-pace` rule judges them and the budget
//! panel draws them, so the two cannot disagree.
//!
//! Two paces per line:
//!
//! * the **cumulative pace**: the phase's spend so far ÷ the share of the
//!   phase plan expected by now (the baseline's spend curve where it covers
//!   the phase, else elapsed time). 1.0 is on plan.
//! * the **window pace**, the figure the `budget-pace` rule judges: spend
//!   over an adaptive recent window (the rule's window for dense lines, up
//!   to 8 h for sparse ones) ÷ the plan for that window (the phase plan ×
//!   the baseline's share of its phase spend falling there), confirmed on a
//!   window twice as long (the lower of the two counts). Without a baseline
//!   the window pace is the phase so far against an even spread.
//!
//! Spend sums are read through [`SpendSums`]: the rule gives its (cached)
//! alert windows, the screen the series directly.

use crate::alerts::expect::{Baseline, WindowCache};
use crate::config::Config;
use crate::dims::{DimId, Dims};
use crate::record::{money_to_yuan, Money};
use crate::series::Series;
use crate::time::{Millis, MINUTE};

/// Sums of spend over time windows.
pub trait SpendSums {
    /// Spend of a budget line (`None`: all spend) in the buckets starting
    /// in `[from, to)`.
    fn spend(&self, item: Option<DimId>, from: Millis, to: Millis) -> Money;
    /// How many of those buckets hold spend of the line.
    fn spend_buckets(&self, item: Option<DimId>, from: Millis, to: Millis) -> u32;
    /// Bucket width.
    fn width(&self) -> Millis;
}

impl SpendSums for WindowCache<'_> {
    fn spend(&self, item: Option<DimId>, from: Millis, to: Millis) -> Money {
        self.slices(from, to).spend(item)
    }
    fn spend_buckets(&self, item: Option<DimId>, from: Millis, to: Millis) -> u32 {
        self.slices(from, to).spend_buckets(item)
    }
    fn width(&self) -> Millis {
        self.series().width()
    }
}

/// Spend read straight from a series (only the spend fields: cheap for a
/// screen that is redrawn often and has no alert windows at hand).
pub struct SeriesSpend<'a>(pub &'a Series);

impl SpendSums for SeriesSpend<'_> {
    fn spend(&self, item: Option<DimId>, from: Millis, to: Millis) -> Money {
        self.0
            .range(from, to)
            .map(|(_, b)| match item {
                Some(id) => b.spend_by_item.get(id).copied().unwrap_or(0),
                None => b.total.spend,
            })
            .sum()
    }
    fn spend_buckets(&self, item: Option<DimId>, from: Millis, to: Millis) -> u32 {
        self.0
            .range(from, to)
            .map(|(_, b)| match item {
                Some(id) => u32::from(b.spend_by_item.get(id).is_some_and(|m| *m != 0)),
                None => u32::from(b.total.spend != 0),
            })
            .sum()
    }
    fn width(&self) -> Millis {
        self.0.width()
    }
}

/// When a budget line runs out at its current burn rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RunsOut {
    InMinutes(f64),
    Exhausted,
    NoSpend,
}

/// The times the figures are as of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct At {
    /// Evaluation time (a bucket boundary): the windows end here.
    pub t: Millis,
    /// The spend so far counts the buckets starting before `to`.
    pub to: Millis,
    /// The share of the plan expected by now, and exhaustion, are from here.
    pub now: Millis,
}

impl At {
    /// As the alert rules see it at an evaluation time.
    pub fn eval(t: Millis) -> At {
        At { t, to: t, now: t }
    }

    /// As the screen sees it: everything received so far, windows ending at
    /// the start of the current (incomplete) bucket, as the rule judged them.
    pub fn screen(now: Millis, width: Millis) -> At {
        let t = crate::time::bucket_start(now, width);
        At {
            t,
            to: t + width,
            now,
        }
    }
}

/// What a line's window pace is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Spend over the window vs the plan there (baseline-shaped).
    Window,
    /// No baseline for the line: the phase so far vs an even spread.
    PhaseSoFar,
}

/// The pace the `budget-pace` rule judges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowPace {
    pub basis: Basis,
    /// Spend over the window (the phase so far for `PhaseSoFar`), yuan.
    pub actual: f64,
    /// What the plan allows there, yuan.
    pub planned: f64,
    /// `actual / planned`.
    pub short: f64,
    /// The same over a window twice as long, when it fits in the phase and
    /// the baseline has spend there.
    pub long: Option<f64>,
    /// The judged pace: the lower of `short` and `long`.
    pub pace: f64,
}

/// The recent burn of a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burn {
    /// Window width (adaptive: wider for lines that spend rarely).
    pub window: Millis,
    /// Spend over the window, yuan.
    pub spend: f64,
    /// Spend per millisecond over the window.
    pub rate: f64,
    /// The window pace, when the line can be judged (a plan, the window
    /// within the phase, enough of the phase elapsed without a baseline).
    pub pace: Option<WindowPace>,
}

impl Burn {
    pub fn per_hour(&self) -> f64 {
        self.rate * crate::time::HOUR as f64
    }
}

/// One budget line (or the total) over a phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The configured name (empty for the total).
    pub name: String,
    pub item: Option<DimId>,
    pub is_total: bool,
    /// Plan for the phase (line plan × phase share); `None`: not planned.
    pub plan: Option<f64>,
    /// Spend so far in the phase, yuan.
    pub spent: f64,
    /// `spent / plan`.
    pub used: Option<f64>,
    /// Share of the phase plan expected spent by now.
    pub expected_share: f64,
    /// Cumulative pace: `used / expected_share` (once 2 % is expected).
    pub pace: Option<f64>,
    /// Recent burn; `None` for a planned line that never spent.
    pub burn: Option<Burn>,
    /// Milliseconds from now until the plan runs out at the burn rate
    /// (infinite without spend; ≤ 0 once exhausted).
    pub exhaust_in: f64,
    /// When the phase plan runs out at the burn rate, if within the phase
    /// (now when it already has).
    pub exhaust_at: Option<Millis>,
}

impl Line {
    /// Plan left for the phase.
    pub fn left(&self) -> Option<f64> {
        self.plan.map(|p| p - self.spent)
    }

    pub fn runs_out(&self) -> RunsOut {
        let left = self.left().unwrap_or(0.0);
        if self.exhaust_in.is_finite() && left > 0.0 {
            RunsOut::InMinutes(self.exhaust_in / MINUTE as f64)
        } else if left <= 0.0 {
            RunsOut::Exhausted
        } else {
            RunsOut::NoSpend
        }
    }

    /// The window pace the rule judges, if any.
    pub fn window_pace(&self) -> Option<&WindowPace> {
        self.burn.as_ref().and_then(|b| b.pace.as_ref())
    }
}

/// A phase's budget burn.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseBudget {
    pub phase: usize,
    pub at: At,
    /// The configured lines (config order), then lines that spent in the
    /// phase without a plan (by name).
    pub lines: Vec<Line>,
    /// The total, when the config has a total budget.
    pub total: Option<Line>,
}

/// The inputs: the config, the campaign's names, its spend, and the
/// baseline with its spend.
pub struct Inputs<'a, S: SpendSums, B: SpendSums> {
    pub cfg: &'a Config,
    pub dims: &'a Dims,
    pub sums: &'a S,
    pub baseline: Option<(&'a Baseline, &'a B)>,
    /// The rule's window (the shortest burn window).
    pub window: Millis,
}

/// The `budget-pace` rule's window as configured (its default otherwise).
pub fn rule_window(cfg: &Config) -> Millis {
    let min = cfg
        .rule_settings("budget-pace")
        .map_or(30, |s| s.window_minutes);
    Millis::from(min) * MINUTE
}

impl<S: SpendSums, B: SpendSums> Inputs<'_, S, B> {
    /// The phase's budget lines as of `at`.
    pub fn phase(&self, phase: usize, at: At) -> PhaseBudget {
        let cfg = self.cfg;
        let share = cfg.budget.phase_shares.get(phase).copied().unwrap_or(0.0);
        let mut lines = Vec::new();
        for (name, plan) in &cfg.budget.items {
            let item = self.dims.item.get(name);
            lines.push(self.line(phase, at, name, item, Some(plan * share), false));
        }
        // Lines with spend in the phase but no plan.
        let ph = &cfg.phases[phase];
        for id in self.dims.item.ids_by_name() {
            let name = self.dims.item.name(id);
            if cfg.budget.items.contains_key(name)
                || self.sums.spend(Some(id), ph.start, at.to) == 0
            {
                continue;
            }
            lines.push(self.line(phase, at, name, Some(id), None, false));
        }
        let total = cfg
            .budget
            .total
            .map(|_| self.line(phase, at, "", None, cfg.phase_budget(phase), true));
        PhaseBudget {
            phase,
            at,
            lines,
            total,
        }
    }

    fn yuan<T: SpendSums>(sums: &T, item: Option<DimId>, from: Millis, to: Millis) -> f64 {
        money_to_yuan(sums.spend(item, from, to))
    }

    fn line(
        &self,
        phase: usize,
        at: At,
        name: &str,
        item: Option<DimId>,
        plan: Option<f64>,
        is_total: bool,
    ) -> Line {
        let ph = &self.cfg.phases[phase];
        let At { t, to, now } = at;
        let ours = self.sums;
        // The baseline, where it covers the phase, and the line's id there.
        let base = self
            .baseline
            .filter(|(b, _)| b.covers(ph.start, ph.end))
            .and_then(|(b, sums)| {
                if is_total {
                    return Some((b, sums, None));
                }
                let bd = b.state.dims.read().expect("dims lock");
                let id = bd.item.get(name);
                drop(bd);
                id.map(|id| (b, sums, Some(id)))
            });
        let base_phase = base
            .map(|(b, sums, bitem)| Self::yuan(sums, bitem, ph.start - b.shift, ph.end - b.shift));

        // Spend so far: to `t` (what the rule judges), then to `to`.
        let spent_t = match item {
            Some(_) => ours.spend(item, ph.start, t),
            None if is_total => ours.spend(None, ph.start, t),
            None => 0,
        };
        let spent_m = if to > t && (item.is_some() || is_total) {
            spent_t + ours.spend(item, t, to)
        } else {
            spent_t
        };
        let spent = money_to_yuan(spent_m);
        let spent_at_t = money_to_yuan(spent_t);

        // Cumulative pace.
        let elapsed = ((now - ph.start) as f64 / (ph.end - ph.start).max(1) as f64).clamp(0.0, 1.0);
        let expected_share = match (base, base_phase) {
            (Some((b, sums, bitem)), Some(all)) if all > 0.0 => {
                Self::yuan(sums, bitem, ph.start - b.shift, now - b.shift) / all
            }
            _ => elapsed,
        };
        let used = plan.filter(|p| *p > 0.0).map(|p| spent / p);
        let pace = used
            .filter(|_| expected_share >= 0.02)
            .map(|u| u / expected_share);

        // Recent burn over an adaptive window: sparse lines (spent every
        // 10 min, hourly…) get a window that holds several of their
        // records, dense ones the rule's window.
        let burn = (item.is_some() || is_total).then(|| {
            let six_h = 6 * 60 * MINUTE;
            let active = i64::from(ours.spend_buckets(item, t - six_h, t).max(1));
            let gap = six_h / active;
            let bw = ours.width();
            let win_w = (8 * gap).clamp(self.window, 8 * 60 * MINUTE) / bw * bw;
            let actual = Self::yuan(ours, item, t - win_w, t);
            let pace = plan.filter(|p| *p > 0.0).and_then(|phase_plan| {
                self.window_pace(
                    phase_plan,
                    item,
                    base,
                    base_phase,
                    ph,
                    (name, is_total),
                    t,
                    win_w,
                    spent_at_t,
                    actual,
                )
            });
            Burn {
                window: win_w,
                spend: actual,
                rate: actual / win_w as f64,
                pace,
            }
        });

        let left = plan.map(|p| p - spent);
        let rate = burn.map_or(0.0, |b| b.rate);
        let exhaust_in = match left {
            Some(left) if rate > 0.0 => left / rate,
            _ => f64::INFINITY,
        };
        let exhaust_at = left.and_then(|left| {
            if left <= 0.0 {
                return Some(now);
            }
            if rate <= 0.0 {
                return None;
            }
            let at = now + (left / rate) as Millis;
            (at < ph.end).then_some(at)
        });
        Line {
            name: name.to_string(),
            item,
            is_total,
            plan,
            spent,
            used,
            expected_share,
            pace,
            burn,
            exhaust_in,
            exhaust_at,
        }
    }

    /// The window pace exactly as the `budget-pace` rule judges it.
    #[allow(clippy::too_many_arguments)]
    fn window_pace(
        &self,
        phase_plan: f64,
        item: Option<DimId>,
        base: Option<(&Baseline, &B, Option<DimId>)>,
        base_phase: Option<f64>,
        ph: &crate::config::Phase,
        (name, is_total): (&str, bool),
        t: Millis,
        win_w: Millis,
        spent: f64,
        actual: f64,
    ) -> Option<WindowPace> {
        let ours = self.sums;
        // Planned spend in the window: the baseline's share of its phase
        // spend falling there. Spend windows hold ≥ 30 min of dense
        // records: the baseline is read over the same window (smoothing
        // would flatten the rush).
        let mut from_baseline = None;
        if let (Some((b, theirs, bitem)), Some(bp)) = (base, base_phase) {
            let bwin = Self::yuan(theirs, bitem, t - win_w - b.shift, t - b.shift);
            if bp > 0.0 {
                from_baseline = Some((actual, phase_plan * bwin / bp));
            }
        }
        if t - win_w < ph.start {
            return None; // the window reaches back into the previous phase
        }
        let (basis, actual, planned) = match from_baseline {
            Some((a, p)) => (Basis::Window, a, p),
            None => {
                // Without a baseline: the phase so far against an even spread.
                let elapsed = (t - ph.start) as f64 / (ph.end - ph.start) as f64;
                if elapsed < 0.1 {
                    return None;
                }
                (Basis::PhaseSoFar, spent, phase_plan * elapsed)
            }
        };
        if planned <= 0.0 {
            return None;
        }
        let short = actual / planned;
        let mut pace = short;
        let mut long = None;
        // Confirm on a window twice as long (when it fits in the phase), so
        // a noisy half hour at night is not a burn problem.
        // (As the rule has always done it: any baseline, covering the phase
        // or not, and a line it does not know is read as its total.)
        if let Some((b, theirs)) = self.baseline.filter(|_| t - 2 * win_w >= ph.start) {
            let bitem = if is_total {
                None
            } else {
                let bd = b.state.dims.read().expect("dims lock");
                bd.item.get(name)
            };
            let bp = Self::yuan(theirs, bitem, ph.start - b.shift, ph.end - b.shift);
            let bwin = Self::yuan(theirs, bitem, t - 2 * win_w - b.shift, t - b.shift);
            if bp > 0.0 && bwin > 0.0 {
                let l = Self::yuan(ours, item, t - 2 * win_w, t) / (phase_plan * bwin / bp);
                long = Some(l);
                pace = pace.min(l);
            }
        }
        Some(WindowPace {
            basis,
            actual,
            planned,
            short,
            long,
            pace,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, RwLock};

    use super::*;
    use crate::record::{money_from_yuan, Body, Record};
    use crate::state::State;

    const CFG: &str = r#"
[campaign]
name = "t"
timezone = "+08:00"

[[phase]]
name = "爆发"
start = "2026-11-11T00:00:00+08:00"
end = "2026-11-11T10:00:00+08:00"

[budget]
total = 1000

[budget.phases]
"爆发" = 1.0

[budget.items]
"A" = 600
"B" = 300
"C" = 10
"Idle" = 100
"#;

    const WEEK: Millis = 7 * 24 * 60 * MINUTE;

    fn cfg() -> Arc<Config> {
        Arc::new(Config::parse(CFG, "t.toml", None).unwrap())
    }

    fn start(cfg: &Config) -> Millis {
        cfg.phases[0].start
    }

    fn state(cfg: &Arc<Config>, spend: &[(&str, Millis, f64)]) -> State {
        let dims = Arc::new(RwLock::new(Dims::new(&cfg.ingest)));
        let mut st = State::new(cfg.clone(), dims.clone());
        for (name, ts, yuan) in spend {
            let item = dims.write().unwrap().item.intern(name);
            st.apply(&Record {
                ts: *ts,
                file: 0,
                late: false,
                channel: 0,
                category: 0,
                body: Body::Spend {
                    item,
                    amount: money_from_yuan(*yuan),
                },
            });
            st.advance(*ts);
        }
        st
    }

    /// This campaign, 4 h into a 10 h phase: A spends 1/min, then 4/min
    /// over the last 30 min; B 0.25/min; C (plan 10) spent 20 once; X (no
    /// plan) 50 once; Idle (plan 100) nothing.
    fn campaign(cfg: &Arc<Config>) -> State {
        let s = start(cfg);
        let mut v = Vec::new();
        for m in 0..240 {
            let at = s + m * MINUTE;
            v.push(("A", at, if m < 210 { 1.0 } else { 4.0 }));
            v.push(("B", at, 0.25));
        }
        v.push(("C", s + 60 * MINUTE, 20.0));
        v.push(("X", s + 60 * MINUTE + 1, 50.0));
        v.sort_by_key(|x| x.1);
        state(cfg, &v)
    }

    /// Last year, a week earlier: A 2/min for 5 h then 6/min (2400), B
    /// 1/min (600), over the whole phase.
    fn baseline(cfg: &Arc<Config>) -> Baseline {
        let s = start(cfg) - WEEK;
        let mut v = Vec::new();
        for m in 0..600 {
            let at = s + m * MINUTE;
            v.push(("A", at, if m < 300 { 2.0 } else { 6.0 }));
            v.push(("B", at, 1.0));
        }
        Baseline {
            state: state(cfg, &v),
            shift: WEEK,
        }
    }

    /// Phase 0's budget at `at` from the given spend sums of the campaign
    /// and of the baseline.
    fn phase_with<'a, S: SpendSums>(
        st: &'a State,
        base: Option<&'a Baseline>,
        at: At,
        sums: impl Fn(&'a Series) -> S,
    ) -> PhaseBudget {
        let dims = st.dims.read().unwrap().clone();
        let ours = sums(&st.series);
        let theirs = base.map(|b| sums(&b.state.series));
        Inputs {
            cfg: &st.cfg,
            dims: &dims,
            sums: &ours,
            baseline: base.zip(theirs.as_ref()),
            window: rule_window(&st.cfg),
        }
        .phase(0, at)
    }

    fn run(st: &State, base: Option<&Baseline>, at: At) -> PhaseBudget {
        let plain = phase_with(st, base, at, SeriesSpend);
        // The alert rule's cached windows give the very same figures.
        let cached = phase_with(st, base, at, WindowCache::new);
        assert_eq!(plain, cached);
        plain
    }

    fn line<'a>(pb: &'a PhaseBudget, name: &str) -> &'a Line {
        pb.lines.iter().find(|l| l.name == name).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn with_a_baseline_both_paces_follow_its_spend_curve() {
        let cfg = cfg();
        let st = campaign(&cfg);
        let base = baseline(&cfg);
        let t = start(&cfg) + 240 * MINUTE;
        let pb = run(&st, Some(&base), At::eval(t));
        let names: Vec<&str> = pb.lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["A", "B", "C", "Idle", "X"],
            "config order, then unplanned"
        );

        // A: 330 of 600 spent; the baseline had 480 of 2400 by now.
        let a = line(&pb, "A");
        assert!(close(a.spent, 330.0) && close(a.plan.unwrap(), 600.0));
        assert!(close(a.expected_share, 0.2));
        assert!(close(a.pace.unwrap(), 0.55 / 0.2));
        let burn = a.burn.unwrap();
        assert_eq!(burn.window, 30 * MINUTE, "dense: the rule's window");
        assert!(close(burn.spend, 120.0) && close(burn.per_hour(), 240.0));
        let wp = burn.pace.unwrap();
        assert_eq!(wp.basis, Basis::Window);
        // 120 spent vs 600 × 60/2400 planned; over 1 h 150 vs 30.
        assert!(close(wp.actual, 120.0) && close(wp.planned, 15.0));
        assert!(close(wp.short, 8.0) && close(wp.long.unwrap(), 5.0));
        assert!(close(wp.pace, 5.0), "the lower of the two");
        // 270 left at 4/min: out in 67.5 min, before the phase ends.
        assert!(close(a.exhaust_in, 67.5 * MINUTE as f64));
        assert_eq!(a.runs_out(), RunsOut::InMinutes(67.5));
        assert_eq!(a.exhaust_at, Some(t + 67 * MINUTE + 30_000));

        // B: on an even curve at half the plan's pace, both ways.
        let b = line(&pb, "B");
        assert!(close(b.expected_share, 0.4) && close(b.pace.unwrap(), 0.5));
        assert!(close(b.window_pace().unwrap().pace, 0.5));
        assert_eq!(b.exhaust_at, None, "runs out after the phase");

        // C: overspent; a single record: the widest window, which reaches
        // back before the phase, so the rule does not judge it.
        let c = line(&pb, "C");
        assert_eq!(c.burn.unwrap().window, 8 * 60 * MINUTE);
        assert_eq!(c.window_pace(), None);
        assert_eq!(c.runs_out(), RunsOut::Exhausted);
        assert_eq!(c.exhaust_at, Some(t));

        // Idle: planned, never spent: no burn, a cumulative pace of 0.
        let idle = line(&pb, "Idle");
        assert_eq!(idle.item, None);
        assert_eq!(idle.burn, None);
        assert!(close(idle.spent, 0.0) && close(idle.pace.unwrap(), 0.0));
        assert_eq!(idle.runs_out(), RunsOut::NoSpend);
        assert_eq!(idle.exhaust_at, None);

        // X: spent without a plan: no pace, no exhaustion.
        let x = line(&pb, "X");
        assert!(close(x.spent, 50.0));
        assert_eq!((x.plan, x.used, x.pace), (None, None, None));
        assert_eq!(x.window_pace(), None);
        assert_eq!(x.exhaust_at, None);

        // The total: 460 of 1000; the baseline had 720 of 3000 by now.
        let tot = pb.total.as_ref().unwrap();
        assert!(tot.is_total && close(tot.spent, 460.0));
        assert!(close(tot.expected_share, 0.24));
        let wp = tot.window_pace().unwrap();
        assert!(close(wp.short, 127.5 / 30.0) && close(wp.long.unwrap(), 165.0 / 60.0));
        assert!(close(wp.pace, 2.75));
    }

    #[test]
    fn without_a_baseline_the_rule_judges_the_phase_so_far() {
        let cfg = cfg();
        let st = campaign(&cfg);
        let t = start(&cfg) + 240 * MINUTE;
        let pb = run(&st, None, At::eval(t));
        let a = line(&pb, "A");
        assert!(close(a.expected_share, 0.4), "elapsed time");
        assert!(close(a.pace.unwrap(), 0.55 / 0.4));
        let wp = a.window_pace().unwrap();
        assert_eq!(wp.basis, Basis::PhaseSoFar);
        assert!(close(wp.actual, 330.0) && close(wp.planned, 240.0));
        assert_eq!(wp.long, None, "no confirmation without a baseline");
        assert!(close(wp.pace, 330.0 / 240.0));
        // The burn rate and exhaustion still come from the window.
        assert_eq!(a.burn.unwrap().window, 30 * MINUTE);
        assert_eq!(a.runs_out(), RunsOut::InMinutes(67.5));

        // Early in the phase (under a tenth of it) nothing is judged.
        let early = run(&st, None, At::eval(start(&cfg) + 40 * MINUTE));
        let a = line(&early, "A");
        assert!(a.burn.is_some() && a.window_pace().is_none());
    }

    #[test]
    fn the_screen_counts_the_current_minute_and_judges_the_last_boundary() {
        let cfg = cfg();
        let st = campaign(&cfg);
        let base = baseline(&cfg);
        // 10 s into minute 239 (its record is at :00).
        let now = start(&cfg) + 239 * MINUTE + 10_000;
        let at = At::screen(now, cfg.bucket_ms());
        assert_eq!(at.t, start(&cfg) + 239 * MINUTE);
        let screen = run(&st, Some(&base), at);
        let rule = run(&st, Some(&base), At::eval(at.t));
        let (a, r) = (line(&screen, "A"), line(&rule, "A"));
        assert!(close(a.spent, r.spent + 4.0), "the current minute counts");
        assert_eq!(a.window_pace(), r.window_pace(), "as the rule judged it");
    }
}
