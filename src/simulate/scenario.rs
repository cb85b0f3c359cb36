//! Scenarios, the campaign calendar, the time shape of demand and the expected
//! (noise-free, incident-free) figures that the config's targets and budget are drawn from.

use std::f64::consts::PI;

use super::text::local_midnight;

pub(crate) const CHANNELS: [&str; 5] = ["搜索", "推荐", "直播", "站外", "私域"];
pub(crate) const CATEGORIES: [&str; 4] = ["美妆", "家电", "服饰", "食品"];
pub(crate) const STAGES: [&str; 5] = ["visit", "view", "cart", "order", "pay"];
pub(crate) const PHASES: [&str; 3] = ["预热", "爆发", "收尾"];
/// Budget lines, in config order.
pub(crate) const ITEMS: [&str; 5] = ["站内推广", "站外营销", "商品补贴", "内容制作", "其他"];
/// Share of the total budget per line (站内 : 站外 ≈ 7 : 3 counting subsidies as on-platform).
pub(crate) const ITEM_SHARES: [f64; 5] = [0.40, 0.20, 0.30, 0.06, 0.04];
/// Budget split by phase, 预热 : 爆发 : 收尾 = 3 : 6 : 1.
pub(crate) const PHASE_SHARES: [f64; 3] = [0.3, 0.6, 0.1];

/// Visits per minute at demand level 1.0 and scale 1.0, all channels and categories together.
pub(crate) const VISITS_PER_MIN: f64 = 330.0;

/// Reference funnel rates visit→view, view→cart, cart→order, order→pay.
pub(crate) const BASE_RATES: [f64; 4] = [0.68, 0.35, 0.25, 0.95];
/// Per-channel multipliers on the four stage rates.
const CH_RATE: [[f64; 4]; 5] = [
    [1.08, 1.10, 1.05, 1.00], // 搜索: high intent
    [0.95, 0.90, 0.95, 1.00], // 推荐
    [1.12, 1.15, 1.00, 0.99], // 直播
    [0.80, 0.85, 0.90, 0.98], // 站外: cold traffic
    [1.15, 1.12, 1.15, 1.01], // 私域: loyal
];
/// Per-category multipliers on the four stage rates.
const CAT_RATE: [[f64; 4]; 4] = [
    [1.00, 1.08, 1.00, 1.00], // 美妆
    [1.05, 0.80, 0.85, 0.99], // 家电: considered purchase
    [1.00, 1.05, 0.95, 1.00], // 服饰
    [0.95, 1.15, 1.15, 1.01], // 食品: impulse
];
/// Share of visits per category.
pub(crate) const CAT_WEIGHTS: [f64; 4] = [0.30, 0.16, 0.34, 0.20];
/// Mean order amount per category (yuan) and the lognormal sigma.
pub(crate) const AOV: [(f64, f64); 4] =
    [(260.0, 0.50), (1200.0, 0.60), (320.0, 0.50), (90.0, 0.45)];
/// Probability that a paid order comes from a new customer, per channel.
pub(crate) const NEW_SHARE: [f64; 5] = [0.33, 0.38, 0.42, 0.55, 0.12];

/// Stage rate `k` (0 = visit→view … 3 = order→pay) for a channel and category.
pub(crate) fn rate(k: usize, ch: usize, cat: usize) -> f64 {
    let m = (CH_RATE[ch][k] * CAT_RATE[cat][k]).clamp(0.75, 1.25);
    (BASE_RATES[k] * m).min(0.99)
}

/// visit → pay for a channel and category.
pub(crate) fn pay_per_visit(ch: usize, cat: usize) -> f64 {
    (0..4).map(|k| rate(k, ch, cat)).product()
}

pub(crate) struct Scenario {
    pub key: &'static str,
    pub title: &'static str,
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub wrap_hours: i64,
    pub scale: f64,
    pub channel_weights: [f64; 5],
    /// Level of the evening plateau (19:30–22:30) relative to the day level.
    pub peak: f64,
    /// Extra level of the 00:00 rush on top of the night curve.
    pub rush: f64,
}

pub(crate) static SCENARIOS: [Scenario; 3] = [
    Scenario {
        key: "double11",
        title: "双11",
        year: 2026,
        month: 11,
        day: 11,
        wrap_hours: 6,
        scale: 1.0,
        channel_weights: [0.32, 0.28, 0.18, 0.12, 0.10],
        peak: 2.75,
        rush: 6.1,
    },
    Scenario {
        key: "618",
        title: "618",
        year: 2026,
        month: 6,
        day: 18,
        wrap_hours: 6,
        scale: 0.6,
        channel_weights: [0.26, 0.22, 0.28, 0.16, 0.08],
        peak: 2.6,
        rush: 5.6,
    },
    Scenario {
        key: "double12",
        title: "双12",
        year: 2026,
        month: 12,
        day: 12,
        wrap_hours: 8,
        scale: 1.4,
        channel_weights: [0.30, 0.31, 0.19, 0.09, 0.11],
        peak: 3.4,
        rush: 1.9,
    },
];

pub(crate) fn find(key: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.key == key)
}

/// Phase boundaries in epoch seconds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Calendar {
    pub warm_start: i64,
    pub burst_start: i64,
    pub burst_end: i64,
    pub wrap_end: i64,
}

impl Calendar {
    pub fn new(sc: &Scenario, year: i64) -> Calendar {
        let burst_start = local_midnight(year, sc.month, sc.day);
        Calendar {
            warm_start: burst_start - 86_400,
            burst_start,
            burst_end: burst_start + 86_400,
            wrap_end: burst_start + 86_400 + sc.wrap_hours * 3600,
        }
    }

    pub fn phase_bounds(&self) -> [(i64, i64); 3] {
        [
            (self.warm_start, self.burst_start),
            (self.burst_start, self.burst_end),
            (self.burst_end, self.wrap_end),
        ]
    }

    pub fn phase_of(&self, t: i64) -> usize {
        if t < self.burst_start {
            0
        } else if t < self.burst_end {
            1
        } else {
            2
        }
    }

    pub fn minutes(&self) -> usize {
        ((self.wrap_end - self.warm_start) / 60) as usize
    }
}

/// Cosine interpolation through (hour, level) knots: smooth, flat at every knot.
fn knot_curve(knots: &[(f64, f64)], h: f64) -> f64 {
    if h <= knots[0].0 {
        return knots[0].1;
    }
    for w in knots.windows(2) {
        let ((h0, v0), (h1, v1)) = (w[0], w[1]);
        if h <= h1 {
            let x = (h - h0) / (h1 - h0);
            let s = (1.0 - (PI * x).cos()) / 2.0;
            return v0 + (v1 - v0) * s;
        }
    }
    knots[knots.len() - 1].1
}

/// Demand level (1.0 = the 爆发 day level) at `t` seconds after the 爆发 start (negative in 预热).
pub(crate) fn level(sc: &Scenario, t: f64) -> f64 {
    let day = 86_400.0;
    if t < 0.0 {
        let h = (t + day) / 3600.0;
        let knots = [
            (0.0, 0.55),
            (1.0, 0.40),
            (2.0, 0.28),
            (4.0, 0.18),
            (6.0, 0.20),
            (8.0, 0.45),
            (9.5, 0.85),
            (10.5, 1.0),
            (18.0, 1.0),
            (19.5, 1.35),
            (22.0, 1.35),
            (23.0, 1.25),
            (24.0, 1.15),
        ];
        0.3 * knot_curve(&knots, h)
    } else if t < day {
        let h = t / 3600.0;
        let p = sc.peak;
        let knots = [
            (0.0, 0.95),
            (1.0, 0.75),
            (2.0, 0.42),
            (3.0, 0.24),
            (4.0, 0.16),
            (6.0, 0.16),
            (7.0, 0.26),
            (8.0, 0.45),
            (9.0, 0.75),
            (10.0, 1.0),
            (12.0, 1.05),
            (13.5, 0.95),
            (15.0, 1.0),
            (17.0, 1.1),
            (18.5, 1.0 + 0.35 * (p - 1.0)),
            (19.5, p),
            (22.5, p),
            (23.25, 1.0 + 0.45 * (p - 1.0)),
            (24.0, 0.95),
        ];
        let m = t / 60.0;
        let rush = if m < 20.0 {
            sc.rush
        } else {
            sc.rush * (-(m - 20.0) / 30.0).exp()
        };
        knot_curve(&knots, h) + rush
    } else {
        let m = (t - day) / 60.0;
        0.10 + 0.75 * (-m / 90.0).exp()
    }
}

/// Extra time shape of the 直播 channel (live streams peak in the evening).
pub(crate) fn live_factor(t: f64) -> f64 {
    let day = 86_400.0;
    if !(-day..day).contains(&t) {
        return 0.75;
    }
    let h = t.rem_euclid(day) / 3600.0;
    let knots = [
        (0.0, 0.0),
        (18.5, 0.0),
        (19.5, 1.0),
        (22.5, 1.0),
        (23.5, 0.0),
        (24.0, 0.0),
    ];
    0.75 + 0.6 * knot_curve(&knots, h)
}

/// One generation step: a minute in 爆发, five minutes in 预热 and 收尾.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    pub start: i64,
    pub len: i64,
    pub phase: usize,
    pub level: f64,
    pub live: f64,
}

pub(crate) fn steps(sc: &Scenario, cal: &Calendar) -> Vec<Step> {
    let mut out = Vec::new();
    let mut t = cal.warm_start;
    while t < cal.wrap_end {
        let phase = cal.phase_of(t);
        let len = if phase == 1 { 60 } else { 300 };
        let mid = (t + len / 2 - cal.burst_start) as f64;
        out.push(Step {
            start: t,
            len,
            phase,
            level: level(sc, mid),
            live: live_factor(mid),
        });
        t += len;
    }
    out
}

/// Expected visits of one step for a channel and category (before incidents and noise).
pub(crate) fn visit_mean(sc: &Scenario, eff_scale: f64, st: &Step, ch: usize, cat: usize) -> f64 {
    let chf = if ch == 2 { st.live } else { 1.0 };
    VISITS_PER_MIN
        * eff_scale
        * st.level
        * sc.channel_weights[ch]
        * CAT_WEIGHTS[cat]
        * chf
        * (st.len as f64 / 60.0)
}

/// Noise-free, incident-free expectations of a run.
pub(crate) struct Expected {
    pub gmv_phase: [f64; 3],
    pub orders: f64,
    pub new_customers: f64,
    /// Expected paid orders per timeline minute and category.
    pub cat_orders_min: Vec<[f64; 4]>,
}

impl Expected {
    pub fn gmv(&self) -> f64 {
        self.gmv_phase.iter().sum()
    }
}

pub(crate) fn expected(sc: &Scenario, cal: &Calendar, eff_scale: f64, steps: &[Step]) -> Expected {
    let mut e = Expected {
        gmv_phase: [0.0; 3],
        orders: 0.0,
        new_customers: 0.0,
        cat_orders_min: vec![[0.0; 4]; cal.minutes()],
    };
    for st in steps {
        let m0 = ((st.start - cal.warm_start) / 60) as usize;
        let mins = (st.len / 60) as usize;
        for (ch, new_share) in NEW_SHARE.iter().enumerate() {
            for (cat, (aov, _)) in AOV.iter().enumerate() {
                let pay = visit_mean(sc, eff_scale, st, ch, cat) * pay_per_visit(ch, cat);
                e.gmv_phase[st.phase] += pay * aov;
                e.orders += pay;
                e.new_customers += pay * new_share;
                for per_cat in &mut e.cat_orders_min[m0..m0 + mins] {
                    per_cat[cat] += pay / mins as f64;
                }
            }
        }
    }
    e
}
