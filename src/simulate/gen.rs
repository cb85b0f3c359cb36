//! The generator: walks the campaign step by step and produces every feed.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};

use super::incidents::{Feed, Incident, Kind};
use super::scenario::{
    self, pay_per_visit, rate, visit_mean, Calendar, Expected, Scenario, Step, AOV, CATEGORIES,
    CAT_WEIGHTS, CHANNELS, ITEMS, ITEM_SHARES, NEW_SHARE, PHASE_SHARES, STAGES, VISITS_PER_MIN,
};
use super::sink::{Counts, Sink, Tag};
use super::stock::{self, SkuState, LEAD_MIN, SKUS};
use super::text::{cents, push_cents, push_padded, push_ts, push_u64};

/// Malformed lines injected when `bad_lines` is on (4 in orders.jsonl, 2 in cs.jsonl).
pub(crate) const BAD_LINES: usize = 6;
/// Order lines written 3–5 minutes after their event time (truth counts what a reader
/// sees as late, which at tiny scales can be fewer).
pub(crate) const LATE_RECORDS: usize = 5;
/// CS sessions opened per minute at scale 1 regardless of orders (pre-sale questions).
const CS_BASE_PER_MIN: f64 = 4.0;
/// Share of a complaint wave's opens that are wave complaints (on top of the usual 1 %, so
/// that about 18 % of the window's sessions carry 投诉).
const COMPLAINT_WAVE_SHARE: f64 = 0.172;

/// How finely a recording's aggregated feeds are written (see `SimOptions::compact`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Granularity {
    /// Seconds per traffic row, per phase: the phase's step length or a multiple of it.
    pub traffic_s: [i64; 3],
    /// Seconds per spend line of each (item, channel): 60 or a multiple of it.
    pub spend_s: i64,
    /// Omit traffic rows whose count is 0.
    pub skip_zero: bool,
}

impl Granularity {
    /// One traffic row per step, one spend line per minute, zero rows kept.
    pub const FULL: Granularity = Granularity {
        traffic_s: [300, 60, 300],
        spend_s: 60,
        skip_zero: false,
    };
    /// The campaign of a compact recording: 预热 traffic at 10 minutes.
    pub const COMPACT_CAMPAIGN: Granularity = Granularity {
        traffic_s: [600, 60, 300],
        spend_s: 60,
        skip_zero: true,
    };
    /// The baseline of a compact recording: traffic and spend at 5 minutes.
    pub const COMPACT_BASELINE: Granularity = Granularity {
        traffic_s: [300, 300, 300],
        spend_s: 300,
        skip_zero: true,
    };
}

/// Everything fixed before a recording is generated.
pub(crate) struct Plan {
    pub sc: &'static Scenario,
    pub cal: Calendar,
    pub eff_scale: f64,
    pub steps: Vec<Step>,
    pub expected: Expected,
    /// Whole-campaign budget (yuan), a multiple of 1000.
    pub budget_total: i64,
}

impl Plan {
    pub fn new(sc: &'static Scenario, year: i64, eff_scale: f64) -> Plan {
        let cal = Calendar::new(sc, year);
        let steps = scenario::steps(sc, &cal);
        let expected = scenario::expected(sc, &cal, eff_scale, &steps);
        // ROI ≈ 6 on the expected GMV.
        let budget_total = (((expected.gmv() / 6.0) / 1000.0).round() as i64).max(1) * 1000;
        Plan {
            sc,
            cal,
            eff_scale,
            steps,
            expected,
            budget_total,
        }
    }

    /// Planned spend of a budget line in a phase.
    pub fn item_phase_plan(&self, item: usize, phase: usize) -> f64 {
        self.budget_total as f64 * ITEM_SHARES[item] * PHASE_SHARES[phase]
    }

    /// Expected paid orders per minute at level 1.0, per category.
    fn day_level_cat_orders(&self) -> [f64; 4] {
        let mut out = [0.0; 4];
        for (cat, o) in out.iter_mut().enumerate() {
            for ch in 0..CHANNELS.len() {
                *o += VISITS_PER_MIN
                    * self.eff_scale
                    * self.sc.channel_weights[ch]
                    * CAT_WEIGHTS[cat]
                    * pay_per_visit(ch, cat);
            }
        }
        out
    }
}

/// Options of one recording.
pub(crate) struct GenOptions<'a> {
    pub plan: &'a Plan,
    pub incidents: &'a [Incident],
    pub bad_lines: bool,
    /// Distinguishes ids of different recordings: `O-{prefix}-…`, `S-{prefix}-…`.
    pub id_prefix: u32,
    pub seed: u64,
    pub granularity: Granularity,
}

/// splitmix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for one purpose (feed, schedule, …), derived from the run seed and labels.
pub(crate) fn derive_seed(seed: u64, labels: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for l in labels {
        for b in l.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    mix(seed ^ mix(h))
}

fn poisson(rng: &mut ChaCha8Rng, lam: f64) -> u64 {
    if lam <= 0.0 || !lam.is_finite() {
        return 0;
    }
    match Poisson::new(lam) {
        Ok(d) => {
            let x: f64 = d.sample(rng);
            x as u64
        }
        Err(_) => 0,
    }
}

fn binom(rng: &mut ChaCha8Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map(|d| d.sample(rng)).unwrap_or(0)
}

/// Lognormal with the given median and sigma.
fn lognormal_median(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    median * (sigma * z).exp()
}

/// Multiplicative noise with mean 1.
fn noise(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    (sigma * z - sigma * sigma / 2.0).exp()
}

/// Per-minute aggregates of the orders of a step (by minute offset in the step).
struct MinuteAgg {
    gmv_cents: Vec<i64>,
    orders: Vec<u64>,
    cat_orders: Vec<[u64; 4]>,
}

/// Funnel counts of one step: `[channel][category][stage]`.
type StepTraffic = [[[u64; 5]; 4]; 5];

struct Gen<'a, 's> {
    o: &'a GenOptions<'a>,
    plan: &'a Plan,
    sink: Sink<'s>,
    r_traffic: ChaCha8Rng,
    r_orders: ChaCha8Rng,
    r_spend: ChaCha8Rng,
    r_cs: ChaCha8Rng,
    r_stock: ChaCha8Rng,
    order_seq: u64,
    session_seq: u64,
    skus: Vec<SkuState>,
    late_times: Vec<i64>,
    late_idx: usize,
    subsidy_rate: [f64; 3],
    complaint_carry: f64,
    /// Spend of the current spend window, when it is longer than a minute:
    /// (window start, [(item, channel, cents)] in first-seen order).
    spend_acc: (i64, Vec<(usize, Option<usize>, i64)>),
}

/// Generates one recording into `sink`. Returns what was written and whether it ran to
/// the end (false when stopped).
pub(crate) fn generate(o: &GenOptions<'_>, sink: Sink<'_>) -> anyhow::Result<(Counts, bool)> {
    let plan = o.plan;
    let cal = plan.cal;
    let rng = |name: &str| ChaCha8Rng::seed_from_u64(derive_seed(o.seed, &[plan.sc.key, name]));
    let mut r_misc = rng("misc");

    // Late order lines: a handful of moments in the busy part of 爆发 (10:00–23:00); the
    // first order at or after each is written 3–5 minutes late.
    let mut late_times: Vec<i64> = (0..LATE_RECORDS)
        .map(|_| r_misc.gen_range(cal.burst_start + 10 * 3600..cal.burst_end - 3600))
        .collect();
    late_times.sort_unstable();

    let mut subsidy_rate = [0.0; 3];
    for (p, r) in subsidy_rate.iter_mut().enumerate() {
        let g = plan.expected.gmv_phase[p];
        *r = if g > 0.0 {
            plan.item_phase_plan(2, p) / g
        } else {
            0.0
        };
    }

    let day = plan.day_level_cat_orders();
    let exp = &plan.expected.cat_orders_min;
    let skus = SKUS
        .iter()
        .map(|s| {
            let safety = stock::safety(day[s.category], s);
            SkuState {
                on_hand: stock::order_up_to(exp, s, safety, 0).round() as i64,
                safety,
                arrivals: Vec::new(),
                last_emitted: None,
            }
        })
        .collect();

    let mut g = Gen {
        o,
        plan,
        sink,
        r_traffic: rng("traffic"),
        r_orders: rng("orders"),
        r_spend: rng("spend"),
        r_cs: rng("cs"),
        r_stock: rng("stock"),
        order_seq: 0,
        session_seq: 0,
        skus,
        late_times,
        late_idx: 0,
        subsidy_rate,
        complaint_carry: 0.5,
        spend_acc: (0, Vec::new()),
    };
    if o.bad_lines {
        g.push_bad_lines(&mut r_misc);
    }
    // Steps are generated in groups, one per traffic row window. Each feed draws from its
    // own stream in step order and the sink orders lines by (emit, push order), so the
    // grouping changes no line of any file, only how traffic (and spend) are summed.
    let gran = o.granularity;
    let steps = &plan.steps;
    let mut i = 0;
    while i < steps.len() {
        let phase = steps[i].phase;
        let row = gran.traffic_s[phase];
        let w = cal.warm_start + (steps[i].start - cal.warm_start).div_euclid(row) * row;
        let mut j = i + 1;
        while j < steps.len() && steps[j].phase == phase && steps[j].start < w + row {
            j += 1;
        }
        let group = &steps[i..j];
        let traffic: Vec<StepTraffic> = group.iter().map(|st| g.traffic(st)).collect();
        let mut sum = [[[0u64; 5]; 4]; 5];
        for t in &traffic {
            for (s, x) in sum
                .iter_mut()
                .flatten()
                .flatten()
                .zip(t.iter().flatten().flatten())
            {
                *s += x;
            }
        }
        g.push_traffic(w, &sum);
        let aggs: Vec<MinuteAgg> = group
            .iter()
            .zip(&traffic)
            .map(|(st, t)| g.orders(st, t))
            .collect();
        for (st, agg) in group.iter().zip(aggs) {
            for mi in 0..(st.len / 60) as usize {
                let t = st.start + mi as i64 * 60;
                g.stock_minute(t, st.phase, &agg.cat_orders[mi]);
                g.spend_minute(t, st.phase, agg.gmv_cents[mi]);
                g.cs_minute(t, agg.orders[mi]);
            }
        }
        let end = group[group.len() - 1].start + group[group.len() - 1].len;
        if !g.sink.drain(end)? {
            break;
        }
        i = j;
    }
    g.sink.finish()
}

impl Gen<'_, '_> {
    fn active(&self, kind: Kind, t: i64) -> Option<&Incident> {
        self.o
            .incidents
            .iter()
            .find(|i| i.kind == kind && i.active(t))
    }

    /// Draws the funnel of one step (visits with bots, then each stage from the previous).
    fn traffic(&mut self, st: &Step) -> StepTraffic {
        let pay_fail = self.active(Kind::PaymentFailure, st.start).is_some();
        let bot = self
            .active(Kind::BotTraffic, st.start)
            .map(|i| (i.channel.unwrap_or(0), i.factor));
        let cart_bug = self
            .active(Kind::CartBug, st.start)
            .and_then(|i| i.category);
        let mut out = [[[0u64; 5]; 4]; 5];
        for (ch, row) in out.iter_mut().enumerate() {
            for (cat, counts) in row.iter_mut().enumerate() {
                let r = &mut self.r_traffic;
                let lam = visit_mean(self.plan.sc, self.plan.eff_scale, st, ch, cat);
                let organic = poisson(r, lam);
                let bots = match bot {
                    Some((c, k)) if c == ch => poisson(r, lam * (k - 1.0)),
                    _ => 0,
                };
                let view = binom(r, organic, rate(0, ch, cat));
                let mut rc = rate(1, ch, cat);
                if cart_bug == Some(cat) {
                    rc *= 0.1;
                }
                let cart = binom(r, view, rc);
                let order = binom(r, cart, rate(2, ch, cat));
                let rp = if pay_fail { 0.30 } else { rate(3, ch, cat) };
                let pay = binom(r, order, rp);
                *counts = [organic + bots, view, cart, order, pay];
            }
        }
        out
    }

    /// Writes the traffic rows of the window starting at `t`.
    fn push_traffic(&mut self, t: i64, counts: &StepTraffic) {
        let skip_zero = self.o.granularity.skip_zero;
        let ts_ms = t * 1000;
        for (ch_name, row) in CHANNELS.iter().zip(counts) {
            for (cat_name, stages) in CATEGORIES.iter().zip(row) {
                for (stage, &n) in STAGES.iter().zip(stages) {
                    if n == 0 && skip_zero {
                        continue;
                    }
                    let mut line = String::with_capacity(48);
                    push_u64(&mut line, ts_ms as u64);
                    line.push_str(",traffic,");
                    line.push_str(stage);
                    line.push(',');
                    push_u64(&mut line, n);
                    line.push(',');
                    line.push_str(ch_name);
                    line.push(',');
                    line.push_str(cat_name);
                    self.sink.push(Feed::Traffic, t, t, Tag::Normal, line);
                }
            }
        }
    }

    fn orders(&mut self, st: &Step, traffic: &StepTraffic) -> MinuteAgg {
        let mins = (st.len / 60) as usize;
        let mut agg = MinuteAgg {
            gmv_cents: vec![0; mins],
            orders: vec![0; mins],
            cat_orders: vec![[0; 4]; mins],
        };
        let mut items: Vec<(i64, u8, u8)> = Vec::new();
        for (ch, row) in traffic.iter().enumerate() {
            for (cat, stages) in row.iter().enumerate() {
                for _ in 0..stages[4] {
                    let ts = st.start + self.r_orders.gen_range(0..st.len);
                    items.push((ts, ch as u8, cat as u8));
                }
            }
        }
        items.sort_unstable();
        let refund_p = if st.phase == 2 { 0.05 } else { 0.03 };
        for (ts, ch, cat) in items {
            let (ch, cat) = (ch as usize, cat as usize);
            let r = &mut self.r_orders;
            let (mean, sigma) = AOV[cat];
            let mu = mean.ln() - sigma * sigma / 2.0;
            let amount = cents(lognormal_median(r, mu.exp(), sigma)).max(100);
            let new = r.gen_bool(NEW_SHARE[ch]);
            let jitter = if r.gen_bool(0.9) {
                r.gen_range(0..=2)
            } else {
                r.gen_range(3..=20)
            };
            let dup = r.gen_bool(0.005);
            let dup_delay = r.gen_range(1..=10);
            let late_delay = r.gen_range(180..=300);
            let refund = r.gen_bool(refund_p);
            let refund_delay = lognormal_median(r, 5400.0, 1.0).max(300.0) as i64;
            let refund_jitter = r.gen_range(0..=2);

            let mi = ((ts - st.start) / 60) as usize;
            agg.gmv_cents[mi] += amount;
            agg.orders[mi] += 1;
            agg.cat_orders[mi][cat] += 1;

            self.order_seq += 1;
            let mut id = String::with_capacity(16);
            id.push_str("O-");
            push_u64(&mut id, self.o.id_prefix as u64);
            id.push('-');
            push_padded(&mut id, self.order_seq, 8);

            let mut line = String::with_capacity(160);
            line.push_str("{\"ts\":\"");
            push_ts(&mut line, ts);
            line.push_str("\",\"kind\":\"order\",\"order_id\":\"");
            line.push_str(&id);
            line.push_str("\",\"amount\":");
            push_cents(&mut line, amount);
            line.push_str(",\"channel\":\"");
            line.push_str(CHANNELS[ch]);
            line.push_str("\",\"category\":\"");
            line.push_str(CATEGORIES[cat]);
            line.push_str("\",\"customer\":\"");
            line.push_str(if new { "new" } else { "returning" });
            line.push_str("\"}");

            let mut is_late = false;
            let emit = ts + jitter;
            let accepted = if self.late_idx < self.late_times.len()
                && ts >= self.late_times[self.late_idx]
                && !self.sink.stalled(Feed::Orders, ts + late_delay)
                && !self.sink.stalled(Feed::Orders, ts)
            {
                is_late = true;
                self.late_idx += 1;
                self.sink
                    .push(Feed::Orders, ts, ts + late_delay, Tag::Late, line.clone())
            } else {
                self.sink
                    .push(Feed::Orders, ts, emit, Tag::Normal, line.clone())
            };
            if !accepted {
                continue;
            }
            if dup && !is_late {
                self.sink
                    .push(Feed::Orders, ts, emit + dup_delay, Tag::Duplicate, line);
            }
            if refund {
                let rts = ts + refund_delay;
                let mut rl = String::with_capacity(160);
                rl.push_str("{\"ts\":\"");
                push_ts(&mut rl, rts);
                rl.push_str("\",\"kind\":\"order\",\"order_id\":\"");
                rl.push_str(&id);
                rl.push_str("\",\"amount\":");
                push_cents(&mut rl, amount);
                rl.push_str(",\"status\":\"refunded\",\"channel\":\"");
                rl.push_str(CHANNELS[ch]);
                rl.push_str("\",\"category\":\"");
                rl.push_str(CATEGORIES[cat]);
                rl.push_str("\"}");
                self.sink
                    .push(Feed::Orders, rts, rts + refund_jitter, Tag::Refund, rl);
            }
        }
        agg
    }

    fn spend_line(&mut self, t: i64, item: usize, channel: Option<usize>, amount: f64) {
        let c = cents(amount).max(0);
        let win = self.o.granularity.spend_s;
        if win <= 60 {
            self.push_spend(t, item, channel, c);
            return;
        }
        let w = self.plan.cal.warm_start + (t - self.plan.cal.warm_start).div_euclid(win) * win;
        if self.spend_acc.0 != w {
            self.flush_spend();
            self.spend_acc.0 = w;
        }
        match self
            .spend_acc
            .1
            .iter_mut()
            .find(|e| e.0 == item && e.1 == channel)
        {
            Some(e) => e.2 += c,
            None => self.spend_acc.1.push((item, channel, c)),
        }
    }

    /// Writes the accumulated spend of the current window (a line per item and channel).
    fn flush_spend(&mut self) {
        let (w, lines) = std::mem::take(&mut self.spend_acc);
        for (item, channel, c) in lines {
            self.push_spend(w, item, channel, c);
        }
    }

    fn push_spend(&mut self, t: i64, item: usize, channel: Option<usize>, c: i64) {
        let mut line = String::with_capacity(110);
        line.push_str("{\"ts\":\"");
        push_ts(&mut line, t);
        line.push_str("\",\"kind\":\"spend\",\"item\":\"");
        line.push_str(ITEMS[item]);
        if let Some(ch) = channel {
            line.push_str("\",\"channel\":\"");
            line.push_str(CHANNELS[ch]);
        }
        line.push_str("\",\"amount\":");
        push_cents(&mut line, c);
        line.push('}');
        self.sink.push(Feed::Spend, t, t, Tag::Normal, line);
    }

    fn spend_minute(&mut self, t: i64, phase: usize, gmv_cents: i64) {
        let over = self.active(Kind::Overspend, t).and_then(|i| i.item);
        let (a, b) = self.plan.cal.phase_bounds()[phase];
        let phase_min = ((b - a) / 60) as f64;
        // Bid-managed lines, evenly paced (匀速投放) with noise.
        for (item, ch, share) in [(0usize, 0usize, 0.6), (0, 1, 0.4), (1, 3, 1.0)] {
            let mut amt = self.plan.item_phase_plan(item, phase) / phase_min * share;
            amt *= noise(&mut self.r_spend, 0.12);
            if over == Some(item) {
                amt *= 3.0;
            }
            self.spend_line(t, item, Some(ch), amt);
        }
        // Subsidies follow GMV.
        let amt =
            self.subsidy_rate[phase] * gmv_cents as f64 / 100.0 * noise(&mut self.r_spend, 0.05);
        self.spend_line(t, 2, None, amt);
        let minute = (t - self.plan.cal.warm_start) / 60;
        if minute % 10 == 0 {
            let amt = self.plan.item_phase_plan(3, phase) / (phase_min / 10.0)
                * noise(&mut self.r_spend, 0.2);
            self.spend_line(t, 3, Some(2), amt);
        }
        if minute % 60 == 0 {
            let amt = self.plan.item_phase_plan(4, phase) / (phase_min / 60.0)
                * noise(&mut self.r_spend, 0.2);
            self.spend_line(t, 4, None, amt);
        }
        let win = self.o.granularity.spend_s;
        if win > 60 && (t + 60 - self.plan.cal.warm_start) % win == 0 {
            self.flush_spend();
        }
    }

    fn stock_minute(&mut self, t: i64, phase: usize, cat_orders: &[u64; 4]) {
        let cal = self.plan.cal;
        let m = ((t - cal.warm_start) / 60) as usize;
        let five = (t - cal.warm_start) % 300 == 0;
        let out = self
            .active(Kind::Stockout, t)
            .map(|i| (i.sku.unwrap_or(0), i.start));
        let restock = self
            .o
            .incidents
            .iter()
            .find(|i| i.kind == Kind::Stockout && i.end == t)
            .and_then(|i| i.sku);
        let exp = &self.plan.expected.cat_orders_min;
        for (k, sku) in SKUS.iter().enumerate() {
            let s = &mut self.skus[k];
            // Arrivals due now.
            let mut arrived = 0;
            s.arrivals.retain(|&(at, q)| {
                if at <= m {
                    arrived += q;
                    false
                } else {
                    true
                }
            });
            s.on_hand += arrived;
            if restock == Some(k) {
                s.on_hand = stock::order_up_to(exp, sku, s.safety, m).round() as i64;
            }
            // Snapshot at the start of the minute.
            if five || (phase == 1 && sku.hot && s.last_emitted != Some(s.on_hand)) {
                s.last_emitted = Some(s.on_hand);
                let mut line = String::with_capacity(120);
                line.push_str("{\"ts\":\"");
                push_ts(&mut line, t);
                line.push_str("\",\"kind\":\"stock\",\"sku\":\"");
                line.push_str(sku.id);
                line.push_str("\",\"on_hand\":");
                push_u64(&mut line, s.on_hand as u64);
                line.push_str(",\"safety\":");
                push_u64(&mut line, s.safety as u64);
                line.push_str(",\"hot\":");
                line.push_str(if sku.hot { "true" } else { "false" });
                line.push_str(",\"category\":\"");
                line.push_str(CATEGORIES[sku.category]);
                line.push_str("\"}");
                self.sink.push(Feed::Stock, t, t, Tag::Normal, line);
            }
            match out {
                Some((sk, start)) if sk == k => {
                    // Supplier cannot deliver: cancel inbound, drain to zero in five minutes.
                    s.arrivals.clear();
                    let since = (t - start) / 60;
                    if since < 5 {
                        let remaining = 5 - since;
                        let drain = (s.on_hand + remaining - 1) / remaining;
                        s.on_hand -= drain;
                    }
                    s.on_hand = s.on_hand.max(0);
                }
                _ => {
                    let d = binom(&mut self.r_stock, cat_orders[sku.category], sku.share) as i64;
                    s.on_hand = (s.on_hand - d).max(0);
                    let pos = s.on_hand + s.arrivals.iter().map(|a| a.1).sum::<i64>();
                    if (pos as f64) < stock::reorder_point(exp, sku, s.safety, m + 1) {
                        let target = stock::order_up_to(exp, sku, s.safety, m + 1);
                        let q = (target - pos as f64).round() as i64;
                        if q > 0 {
                            s.arrivals.push((m + 1 + LEAD_MIN, q));
                        }
                    }
                }
            }
        }
    }

    fn cs_minute(&mut self, t: i64, orders: u64) {
        let surge = self.active(Kind::CsSurge, t).is_some();
        let complaint = self.active(Kind::ComplaintSpike, t).is_some();
        let mut lam = 0.015 * orders as f64 + CS_BASE_PER_MIN * self.plan.eff_scale;
        if surge {
            lam *= 4.0;
        }
        let n = poisson(&mut self.r_cs, lam);
        let hour = (t + super::text::TZ_OFFSET_S).rem_euclid(86_400) / 3600;
        let rush = self.plan.cal.phase_of(t) == 1 && hour == 0;
        let peak = rush || (10..12).contains(&hour) || (19..22).contains(&hour);
        let mut secs: Vec<i64> = (0..n).map(|_| self.r_cs.gen_range(0..60)).collect();
        secs.sort_unstable();
        // A complaint wave: ~17 % of the opens on top of the usual 1 % (≈ 18 % in all),
        // spread by error diffusion so that the share is steady even at small volumes.
        let mut wave = vec![false; secs.len()];
        if complaint {
            self.complaint_carry += COMPLAINT_WAVE_SHARE * n as f64;
            let k = (self.complaint_carry.floor() as usize).min(secs.len());
            self.complaint_carry -= k as f64;
            for i in rand::seq::index::sample(&mut self.r_cs, secs.len(), k) {
                wave[i] = true;
            }
        }
        for (s, w) in secs.into_iter().zip(wave) {
            self.session(t + s, surge, w, peak);
        }
    }

    fn session(&mut self, open: i64, surge: bool, wave: bool, peak: bool) {
        let r = &mut self.r_cs;
        let mut tags: Vec<&str> = Vec::new();
        if r.gen_bool(0.05) {
            tags.push("退款");
        }
        if r.gen_bool(0.05) {
            tags.push("物流");
        }
        let complains = r.gen_bool(0.01) || wave;
        if complains {
            tags.push("投诉");
        }
        if r.gen_bool(if wave { 0.2 } else { 0.005 }) {
            tags.push("差评");
        }
        let wait = if surge {
            lognormal_median(r, 11.5, 0.9)
        } else {
            lognormal_median(r, if peak { 5.0 } else { 4.4 }, 0.6)
        };
        let wait = ((wait * 10.0).round() / 10.0).clamp(0.5, 3600.0);
        let fr = open + wait.ceil() as i64;
        let escalate = r.gen_bool(if complains { 0.35 } else { 0.016 });
        let esc_at = fr + r.gen_range(60..=300);
        let resolve_at = if escalate {
            esc_at + r.gen_range(1800..=5400)
        } else {
            fr + lognormal_median(r, 360.0, 0.6).max(30.0) as i64
        };
        let first_contact = !escalate && r.gen_bool(0.90);
        let rated = r.gen_bool(0.6);
        let rate_at = resolve_at + r.gen_range(10..=180);
        let u: f64 = r.gen();
        let score = if complains || tags.contains(&"差评") {
            match u {
                x if x < 0.35 => 5,
                x if x < 0.55 => 4,
                x if x < 0.70 => 3,
                x if x < 0.85 => 2,
                _ => 1,
            }
        } else {
            match u {
                x if x < 0.925 => 5,
                x if x < 0.975 => 4,
                x if x < 0.985 => 3,
                x if x < 0.992 => 2,
                _ => 1,
            }
        };
        // A session whose open or first reply falls into a cs stall is lost whole.
        if self.sink.stalled(Feed::Cs, open) || self.sink.stalled(Feed::Cs, fr) {
            return;
        }
        self.session_seq += 1;
        let mut id = String::with_capacity(16);
        id.push_str("S-");
        push_u64(&mut id, self.o.id_prefix as u64);
        id.push('-');
        push_padded(&mut id, self.session_seq, 7);

        let head = |t: i64, event: &str| {
            let mut l = String::with_capacity(100);
            l.push_str("{\"ts\":\"");
            push_ts(&mut l, t);
            l.push_str("\",\"kind\":\"cs\",\"session\":\"");
            l.push_str(&id);
            l.push_str("\",\"event\":\"");
            l.push_str(event);
            l.push('"');
            l
        };
        let mut l = head(open, "open");
        if !tags.is_empty() {
            l.push_str(",\"tags\":[");
            for (i, t) in tags.iter().enumerate() {
                if i > 0 {
                    l.push(',');
                }
                l.push('"');
                l.push_str(t);
                l.push('"');
            }
            l.push(']');
        }
        l.push('}');
        self.sink.push(Feed::Cs, open, open, Tag::Normal, l);

        let mut l = head(fr, "first_reply");
        l.push_str(",\"wait_s\":");
        let w10 = (wait * 10.0).round() as u64;
        push_u64(&mut l, w10 / 10);
        l.push('.');
        push_u64(&mut l, w10 % 10);
        l.push('}');
        self.sink.push(Feed::Cs, fr, fr, Tag::Normal, l);

        if escalate {
            let mut l = head(esc_at, "escalate");
            l.push('}');
            self.sink.push(Feed::Cs, esc_at, esc_at, Tag::Normal, l);
        }
        let mut l = head(resolve_at, "resolve");
        l.push_str(if first_contact {
            ",\"first_contact\":true}"
        } else {
            ",\"first_contact\":false}"
        });
        self.sink
            .push(Feed::Cs, resolve_at, resolve_at, Tag::Normal, l);
        if rated {
            let mut l = head(rate_at, "rate");
            l.push_str(",\"score\":");
            push_u64(&mut l, score);
            l.push('}');
            self.sink.push(Feed::Cs, rate_at, rate_at, Tag::Normal, l);
        }
    }

    /// Malformed but newline-terminated lines, each broken in one contract-relevant way.
    fn push_bad_lines(&mut self, r: &mut ChaCha8Rng) {
        let cal = self.plan.cal;
        let p = self.o.id_prefix;
        for i in 0..BAD_LINES {
            let feed = if i < 4 { Feed::Orders } else { Feed::Cs };
            let mut t = r.gen_range(cal.burst_start - 12 * 3600..cal.wrap_end - 3600);
            while self.sink.stalled(feed, t) {
                t += 1200;
            }
            let ts = super::text::ts_string(t);
            let line = match i {
                // Truncated mid-object (a producer crash).
                0 => format!("{{\"ts\":\"{ts}\",\"kind\":\"order\",\"order_id\":\"O-{p}-BAD0000"),
                // Negative amount.
                1 => format!(
                    "{{\"ts\":\"{ts}\",\"kind\":\"order\",\"order_id\":\"O-{p}-BAD00001\",\"amount\":-129.00,\"channel\":\"搜索\",\"category\":\"美妆\",\"customer\":\"new\"}}"
                ),
                // Unknown kind.
                2 => format!("{{\"ts\":\"{ts}\",\"kind\":\"coupon\",\"coupon_id\":\"C-20\",\"amount\":20.00}}"),
                // Missing the required order_id.
                3 => format!(
                    "{{\"ts\":\"{ts}\",\"kind\":\"order\",\"amount\":88.00,\"channel\":\"推荐\",\"category\":\"食品\",\"customer\":\"returning\"}}"
                ),
                // cs event without its session.
                4 => format!("{{\"ts\":\"{ts}\",\"kind\":\"cs\",\"event\":\"first_reply\",\"wait_s\":3.2}}"),
                // Not JSON at all.
                _ => "<html><body>502 Bad Gateway</body></html>".to_string(),
            };
            self.sink.push(feed, t, t, Tag::Bad, line);
        }
    }
}
