//! What the rules compare against: windows of the series for a scope, the
//! baseline recording (历史同期) shifted onto this campaign's clock, and a
//! robust trend forecast where there is no baseline.

use std::sync::Arc;

use crate::config::Config;
use crate::dims::{DimId, Dims};
use crate::figures::Counters;
use crate::ingest::replay_to_end;
use crate::record::Money;
use crate::series::{Bucket, Series, REGION_LEVELS};
use crate::state::State;
use crate::time::Millis;

/// A slice of the campaign a figure is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sel {
    All,
    Channel(DimId),
    Category(DimId),
}

impl Sel {
    pub fn pick<'a>(&self, b: &'a Bucket) -> Option<&'a Counters> {
        match self {
            Sel::All => Some(&b.total),
            Sel::Channel(id) => b.by_channel.get(*id),
            Sel::Category(id) => b.by_category.get(*id),
        }
    }

    /// The same slice in another run's dimension ids (matched by name).
    pub fn translate(&self, from: &Dims, to: &Dims) -> Option<Sel> {
        match self {
            Sel::All => Some(Sel::All),
            Sel::Channel(id) => to.channel.get(from.channel.name(*id)).map(Sel::Channel),
            Sel::Category(id) => to.category.get(from.category.name(*id)).map(Sel::Category),
        }
    }
}

/// Sum of the counters of `sel` over buckets starting in `[from, to)`.
pub fn window(series: &Series, sel: Sel, from: Millis, to: Millis) -> Counters {
    let mut c = Counters::default();
    for (_, b) in series.range(from, to) {
        if let Some(x) = sel.pick(b) {
            c.merge(x);
        }
    }
    c
}

/// Every slice's counters over a window, computed in one pass over its
/// buckets: an evaluation asks for the same few windows of every channel and
/// category many times, and a campaign may have hundreds of categories.
#[derive(Debug, Default, Clone)]
pub struct Slices {
    pub all: Counters,
    pub channel: Vec<Counters>,
    pub category: Vec<Counters>,
    /// Spend per budget line (by item id), and in how many buckets each
    /// line (and the total) spent anything.
    pub item_spend: Vec<Money>,
    pub item_active: Vec<u32>,
    pub spend_active: u32,
}

impl Slices {
    pub fn pick(&self, sel: Sel) -> Counters {
        match sel {
            Sel::All => self.all,
            Sel::Channel(id) => self.channel.get(id as usize).copied().unwrap_or_default(),
            Sel::Category(id) => self.category.get(id as usize).copied().unwrap_or_default(),
        }
    }

    /// Spend of one budget line (`None`: in total).
    pub fn spend(&self, item: Option<DimId>) -> Money {
        match item {
            Some(id) => self.item_spend.get(id as usize).copied().unwrap_or(0),
            None => self.all.spend,
        }
    }

    /// Buckets in which a budget line (`None`: anything) spent.
    pub fn spend_buckets(&self, item: Option<DimId>) -> u32 {
        match item {
            Some(id) => self.item_active.get(id as usize).copied().unwrap_or(0),
            None => self.spend_active,
        }
    }

    fn add_bucket(&mut self, b: &Bucket) {
        self.all.merge(&b.total);
        merge_sparse(
            &mut self.channel,
            b.by_channel.iter().map(|(id, c)| (*id, c)),
        );
        merge_sparse(
            &mut self.category,
            b.by_category.iter().map(|(id, c)| (*id, c)),
        );
        for (id, m) in b.spend_by_item.iter() {
            let i = *id as usize;
            if self.item_spend.len() <= i {
                self.item_spend.resize(i + 1, 0);
                self.item_active.resize(i + 1, 0);
            }
            self.item_spend[i] += m;
            self.item_active[i] += u32::from(*m != 0);
        }
        self.spend_active += u32::from(b.total.spend != 0);
    }

    fn add(&mut self, o: &Slices) {
        self.all.merge(&o.all);
        merge_sparse(&mut self.channel, dense(&o.channel));
        merge_sparse(&mut self.category, dense(&o.category));
        if self.item_spend.len() < o.item_spend.len() {
            self.item_spend.resize(o.item_spend.len(), 0);
            self.item_active.resize(o.item_spend.len(), 0);
        }
        for (i, m) in o.item_spend.iter().enumerate() {
            self.item_spend[i] += m;
            self.item_active[i] += o.item_active[i];
        }
        self.spend_active += o.spend_active;
    }
}

fn dense(v: &[Counters]) -> impl Iterator<Item = (DimId, &Counters)> {
    v.iter().enumerate().map(|(i, c)| (i as DimId, c))
}

fn merge_sparse<'c>(into: &mut Vec<Counters>, from: impl Iterator<Item = (DimId, &'c Counters)>) {
    for (id, c) in from {
        let i = id as usize;
        if into.len() <= i {
            into.resize(i + 1, Counters::default());
        }
        into[i].merge(c);
    }
}

pub type WindowMap = rustc_hash::FxHashMap<(Millis, Millis), std::sync::Arc<Slices>>;

/// Sums of the aligned regions of the series (`series::REGION_BUCKETS`: 10
/// and 1,000 buckets), kept across evaluations: a window of hours is a few
/// dozen region sums plus its ragged ends, and a window of weeks (a phase so
/// far) a few dozen more, instead of every bucket. Each sum carries the
/// series' stamp of its region and is recomputed when that changes (a late
/// record, an eviction), so a window sum is always what summing its buckets
/// gives.
#[derive(Debug, Default, Clone)]
pub struct BlockCache {
    blocks: rustc_hash::FxHashMap<(usize, Millis), CachedBlock>,
    /// Evaluations so far (ages entries for pruning).
    round: u64,
}

#[derive(Debug, Clone)]
struct CachedBlock {
    stamp: u64,
    used: u64,
    sum: Arc<Slices>,
}

impl BlockCache {
    /// Blocks unused for this many evaluations are dropped.
    const KEEP_ROUNDS: u64 = 30;

    /// The sum of the region of `level` starting at `start`.
    fn block(&mut self, series: &Series, level: usize, start: Millis) -> Arc<Slices> {
        let stamp = series.region_stamp(level, start);
        let round = self.round;
        if let Some(c) = self.blocks.get_mut(&(level, start)) {
            if c.stamp == stamp {
                c.used = round;
                return c.sum.clone();
            }
        }
        let end = start + series.region_width(level);
        let mut sum = Slices::default();
        if stamp != 0 {
            self.add_range(series, level, start, end, &mut sum);
        }
        let sum = Arc::new(sum);
        self.blocks.insert(
            (level, start),
            CachedBlock {
                stamp,
                used: round,
                sum: sum.clone(),
            },
        );
        sum
    }

    /// Add `[from, to)` to `s` from the largest regions below `level` that
    /// fit (level 0: the buckets themselves) and buckets at the ends.
    fn add_range(
        &mut self,
        series: &Series,
        level: usize,
        from: Millis,
        to: Millis,
        s: &mut Slices,
    ) {
        if level == 0 {
            for (_, b) in series.range(from, to) {
                s.add_bucket(b);
            }
            return;
        }
        let below = level - 1;
        let width = series.region_width(below);
        let first = crate::time::bucket_start(from + width - 1, width);
        let last = crate::time::bucket_start(to, width);
        if last - first < width {
            return self.add_range(series, below, from, to, s);
        }
        self.add_range(series, below, from, first, s);
        let mut at = first;
        while at < last {
            if series.region_stamp(below, at) != 0 {
                s.add(&self.block(series, below, at));
            }
            at += width;
        }
        self.add_range(series, below, last, to, s);
    }

    /// End of one evaluation: age the entries, now and then drop old ones.
    fn end_round(&mut self) {
        self.round += 1;
        if self.round.is_multiple_of(Self::KEEP_ROUNDS) {
            let oldest = self.round.saturating_sub(Self::KEEP_ROUNDS);
            self.blocks.retain(|_, c| c.used >= oldest);
        }
    }
}

/// Windows of one series for one evaluation, memoised, built from the
/// block sums of a `BlockCache` that outlives the evaluation.
pub struct WindowCache<'a> {
    series: &'a Series,
    blocks: std::cell::RefCell<BlockCache>,
    windows: std::cell::RefCell<WindowMap>,
}

impl<'a> WindowCache<'a> {
    pub fn new(series: &'a Series) -> WindowCache<'a> {
        WindowCache::with_blocks(series, BlockCache::default())
    }

    pub fn with_blocks(series: &'a Series, blocks: BlockCache) -> WindowCache<'a> {
        WindowCache {
            series,
            blocks: std::cell::RefCell::new(blocks),
            windows: Default::default(),
        }
    }

    pub fn series(&self) -> &'a Series {
        self.series
    }

    /// Hand the block sums back (to keep them for the next evaluation).
    pub fn into_blocks(self) -> BlockCache {
        let mut b = self.blocks.into_inner();
        b.end_round();
        b
    }

    pub fn slices(&self, from: Millis, to: Millis) -> std::sync::Arc<Slices> {
        if let Some(s) = self.windows.borrow().get(&(from, to)) {
            return s.clone();
        }
        let mut s = Slices::default();
        self.blocks
            .borrow_mut()
            .add_range(self.series, REGION_LEVELS, from, to, &mut s);
        let s = std::sync::Arc::new(s);
        self.windows.borrow_mut().insert((from, to), s.clone());
        s
    }

    pub fn window(&self, sel: Sel, from: Millis, to: Millis) -> Counters {
        self.slices(from, to).pick(sel)
    }
}

/// One value per bucket of `[from, to)` (missing buckets are zero).
pub fn per_bucket(
    series: &Series,
    sel: Sel,
    from: Millis,
    to: Millis,
    f: impl Fn(&Counters) -> f64,
) -> Vec<f64> {
    let w = series.width();
    let n = ((to - from) / w).max(0) as usize;
    let mut out = vec![0.0; n];
    for (start, b) in series.range(from, to) {
        let i = ((start - from) / w) as usize;
        if let (Some(slot), Some(c)) = (out.get_mut(i), sel.pick(b)) {
            *slot = f(c);
        }
    }
    out
}

/// Last year's recording, replayed once at start-up and shifted so its 爆发
/// start lines up with this campaign's.
#[derive(Debug)]
pub struct Baseline {
    pub state: State,
    /// campaign time − shift = baseline time.
    pub shift: Millis,
}

impl Baseline {
    /// Replay the configured baseline directory, if there is one.
    pub fn load(cfg: &Arc<Config>) -> anyhow::Result<Option<Arc<Baseline>>> {
        let Some(b) = &cfg.baseline else {
            return Ok(None);
        };
        let (state, _) = replay_to_end(&b.path, cfg.clone())
            .map_err(|e| anyhow::anyhow!("baseline {}: {e}", b.path.display()))?;
        let burst = cfg.burst_phase().map(|p| p.start);
        let shift = match (burst, b.burst_start) {
            (Some(c), Some(base)) => c - base,
            // Without an explicit anchor: the same calendar moment a year earlier.
            (Some(c), None) => c - (c - 365 * 86_400_000),
            _ => 0,
        };
        Ok(Some(Arc::new(Baseline { state, shift })))
    }

    /// Does the baseline hold data for campaign times `[from, to)`?
    pub fn covers(&self, from: Millis, to: Millis) -> bool {
        match (self.state.first_ts, self.state.last_ts) {
            (Some(a), Some(b)) => {
                // Whole buckets: a recording whose first record is at 00:00:30
                // covers the 00:00 bucket.
                let w = self.state.series.width();
                from - self.shift >= crate::time::bucket_start(a, w) && to - self.shift <= b + w
            }
            _ => false,
        }
    }

    /// The baseline's counters for campaign times `[from, to)` of `sel`
    /// (given in the campaign's dims), when covered.
    pub fn window(
        &self,
        campaign_dims: &Dims,
        sel: Sel,
        from: Millis,
        to: Millis,
    ) -> Option<Counters> {
        if !self.covers(from, to) {
            return None;
        }
        let dims = self.state.dims.read().expect("dims lock");
        let bsel = sel.translate(campaign_dims, &dims)?;
        Some(window(
            &self.state.series,
            bsel,
            from - self.shift,
            to - self.shift,
        ))
    }
}

/// Median of a slice (NaN-free input); None when empty.
pub fn median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Median absolute deviation scaled to σ for normal data.
pub fn mad_sigma(xs: &[f64], center: f64) -> f64 {
    let mut dev: Vec<f64> = xs.iter().map(|x| (x - center).abs()).collect();
    median(&mut dev).unwrap_or(0.0) * 1.4826
}

/// Robust linear trend (Theil–Sen) through equally spaced points:
/// (intercept, slope, MAD spread of the residuals).
pub fn theil_sen(ys: &[f64]) -> Option<(f64, f64, f64)> {
    let n = ys.len();
    if n < 4 {
        return None;
    }
    let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in (i + 1)..n {
            slopes.push((ys[j] - ys[i]) / (j - i) as f64);
        }
    }
    let slope = fast_median(&mut slopes)?;
    let mut intercepts: Vec<f64> = ys
        .iter()
        .enumerate()
        .map(|(i, y)| y - slope * i as f64)
        .collect();
    let intercept = fast_median(&mut intercepts)?;
    let mut residuals: Vec<f64> = ys
        .iter()
        .enumerate()
        .map(|(i, y)| (y - (intercept + slope * i as f64)).abs())
        .collect();
    let spread = fast_median(&mut residuals).unwrap_or(0.0) * 1.4826;
    Some((intercept, slope, spread))
}

/// Robust trend line `(intercept, slope)` in index units, for forecasts.
///
/// Long series are fitted on the means of 5-point blocks (aligned to the
/// end, so the newest block is whole): Theil–Sen's pairwise slopes are
/// quadratic in the points (1 770 for an hour of minutes, against 66 for
/// its 12 blocks), and block means also smooth the Poisson noise of
/// low-volume minutes that would otherwise quantise the median slope.
pub fn trend_line(ys: &[f64]) -> Option<(f64, f64)> {
    const BLOCK: usize = 5;
    if ys.len() < 4 * BLOCK {
        let (a, b, _) = theil_sen(ys)?;
        return Some((a, b));
    }
    let skip = ys.len() % BLOCK;
    let means: Vec<f64> = ys[skip..]
        .chunks_exact(BLOCK)
        .map(|c| c.iter().sum::<f64>() / BLOCK as f64)
        .collect();
    let (a_blk, b_blk, _) = theil_sen(&means)?;
    // Block j is centred on index skip + j·BLOCK + (BLOCK − 1)/2.
    let slope = b_blk / BLOCK as f64;
    let centre0 = skip as f64 + (BLOCK - 1) as f64 / 2.0;
    Some((a_blk - slope * centre0, slope))
}

/// Forecast of point `at` (index units) and the spread, from `theil_sen`.
pub fn theil_sen_forecast(ys: &[f64], at: f64) -> Option<(f64, f64)> {
    let (a, b, spread) = theil_sen(ys)?;
    Some((a + b * at, spread))
}

/// Median by selection (O(n)); the upper middle for even lengths, which is
/// all a robust estimate needs.
fn fast_median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mid = xs.len() / 2;
    let (_, m, _) = xs.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    Some(*m)
}

/// Wilson score interval of a proportion at `z`: (lower, upper).
pub fn wilson(successes: f64, n: f64, z: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let p = successes / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n) + z2 / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// −log10 of P(X ≥ k) for X ~ Poisson(λ): how surprising a count is.
pub fn poisson_surprise(k: u64, lambda: f64) -> f64 {
    if k == 0 || lambda <= 0.0 {
        return if k > 0 { 12.0 } else { 0.0 };
    }
    // Sum the upper tail in log space from k upwards until terms vanish.
    let ln_pmf = |i: u64| -> f64 { i as f64 * lambda.ln() - lambda - ln_factorial(i) };
    let first = ln_pmf(k);
    let mut sum = 1.0;
    let mut term = 1.0;
    let mut i = k;
    while term > 1e-12 && i < k + 10_000 {
        i += 1;
        term *= lambda / i as f64;
        sum += term;
    }
    let ln_tail = first + sum.ln();
    (-ln_tail / std::f64::consts::LN_10).clamp(0.0, 300.0)
}

/// −log10 of P(X ≤ k) for X ~ Binomial(n, p): how surprising a low count is.
pub fn binomial_low_surprise(k: f64, n: f64, p: f64) -> f64 {
    let (k, n) = (k.round().max(0.0) as u64, n.round().max(0.0) as u64);
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    if n == 0 || k as f64 >= n as f64 * p {
        return 0.0;
    }
    let top = ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
        + k as f64 * p.ln()
        + (n - k) as f64 * (1.0 - p).ln();
    // Below the mode the pmf falls as i falls: sum the ratios
    // pmf(i−1)/pmf(i) = i(1−p) / ((n−i+1)p) from k down until they vanish.
    let (mut sum, mut term) = (1.0, 1.0);
    let mut i = k;
    while i > 0 && term > 1e-12 {
        term *= i as f64 * (1.0 - p) / ((n - i + 1) as f64 * p);
        sum += term;
        i -= 1;
    }
    (-(top + sum.ln()) / std::f64::consts::LN_10).clamp(0.0, 300.0)
}

/// −log10 of P(X ≤ k) for X ~ Poisson(λ): how surprising a low count is.
pub fn poisson_low_surprise(k: f64, lambda: f64) -> f64 {
    let k = k.round().max(0.0) as u64;
    if lambda <= 0.0 || k as f64 >= lambda {
        return 0.0;
    }
    let top = k as f64 * lambda.ln() - lambda - ln_factorial(k);
    // pmf(i−1)/pmf(i) = i/λ.
    let (mut sum, mut term) = (1.0, 1.0);
    let mut i = k;
    while i > 0 && term > 1e-12 {
        term *= i as f64 / lambda;
        sum += term;
        i -= 1;
    }
    (-(top + sum.ln()) / std::f64::consts::LN_10).clamp(0.0, 300.0)
}

/// −log10 of the upper normal tail P(Z ≥ z).
pub fn normal_tail_surprise(z: f64) -> f64 {
    if z <= 0.0 {
        return 0.0;
    }
    let p = if z < 5.0 {
        // Abramowitz & Stegun 7.1.26 for erfc(z/√2).
        let x = z / std::f64::consts::SQRT_2;
        let t = 1.0 / (1.0 + 0.327_591_1 * x);
        let poly = t
            * (0.254_829_592
                + t * (-0.284_496_736
                    + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        0.5 * poly * (-x * x).exp()
    } else {
        // Asymptotic: φ(z)/z.
        (-z * z / 2.0).exp() / (z * (2.0 * std::f64::consts::PI).sqrt())
    };
    (-p.max(1e-300).log10()).clamp(0.0, 300.0)
}

fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    if n < 64 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    // Stirling with the 1/12n term: exact enough for tail surprise.
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Body, Record, Stage};
    use crate::time::MINUTE;

    fn visit(ts: Millis, channel: DimId, count: u64) -> Record {
        Record {
            ts,
            file: 0,
            late: false,
            channel,
            category: 1 + (ts / MINUTE % 3) as DimId,
            body: Body::Traffic {
                stage: Stage::Visit,
                count,
            },
        }
    }

    fn direct(series: &Series, from: Millis, to: Millis) -> Slices {
        let mut s = Slices::default();
        for (_, b) in series.range(from, to) {
            s.add_bucket(b);
        }
        s
    }

    fn same(a: &Slices, b: &Slices) -> bool {
        let trim = |v: &Vec<Counters>| {
            let mut v = v.clone();
            while v.last().is_some_and(|c| *c == Counters::default()) {
                v.pop();
            }
            v
        };
        a.all == b.all
            && trim(&a.channel) == trim(&b.channel)
            && trim(&a.category) == trim(&b.category)
    }

    /// Windows built from cached region sums (10 and 1,000 buckets) equal
    /// the plain sums over their buckets, across evaluations, after a late
    /// record lands in a cached region and after the oldest buckets are
    /// evicted, and over gaps with no bucket at all.
    #[test]
    fn region_cached_windows_equal_direct_sums() {
        let mut series = Series::new(MINUTE, 3_000, usize::MAX);
        for m in (0..2_600).filter(|m| !(1_200..1_450).contains(m)) {
            series.add(
                &visit(m * MINUTE, 1 + (m % 4) as DimId, 10 + m as u64 % 7),
                0,
            );
        }
        let windows = [
            (0, 150),
            (3, 97),
            (17, 33),
            (40, 50),
            (41, 149),
            (0, 9),
            (0, 2_600),
            (999, 2_001),
            (1_000, 2_000),
            (7, 2_593),
            (1_210, 1_440),
        ];
        let check = |series: &Series, blocks: BlockCache| -> BlockCache {
            let cache = WindowCache::with_blocks(series, blocks);
            for (a, b) in windows {
                let (from, to) = (a * MINUTE, b * MINUTE);
                assert!(
                    same(&cache.slices(from, to), &direct(series, from, to)),
                    "[{a}, {b})"
                );
            }
            cache.into_blocks()
        };
        let blocks = check(&series, BlockCache::default());
        assert!(blocks.blocks.keys().any(|(level, _)| *level == 1));
        // Late records into a cached 10-bucket block, and into the gap.
        let mut series2 = series.clone();
        series2.add(&visit(45 * MINUTE + 5, 2, 1000), 0);
        series2.add(&visit(1_300 * MINUTE, 3, 77), 0);
        let blocks = check(&series2, blocks);
        // Past 3,000 buckets the oldest are evicted: windows over them shrink.
        for m in 2_600..3_800 {
            series2.add(&visit(m * MINUTE, 3, 5), 0);
        }
        check(&series2, blocks);
    }

    /// A phase of years (a CS corpus that starts with a stray old tweet) and
    /// no spend: the budget rules, which sum spend over the phase so far, must
    /// not walk its blocks at every evaluation (that took minutes per replay).
    #[test]
    fn no_spend_means_no_phase_long_walk() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = "[campaign]\nname = \"t\"\ntimezone = \"+00:00\"\n[[phase]]\nname = \"爆发\"\n\
                   start = \"2014-01-01T00:00:00+00:00\"\nend = \"2017-12-31T00:00:00+00:00\"\n";
        let cfg = Arc::new(Config::parse(cfg, "t.toml", None).unwrap());
        let mut lines = String::from(
            "{\"ts\":\"2014-01-01T10:00:00Z\",\"kind\":\"cs\",\"session\":\"0\",\"event\":\"open\"}\n",
        );
        for m in 0..60 {
            lines.push_str(&format!(
                "{{\"ts\":\"2017-10-31T10:{m:02}:00Z\",\"kind\":\"cs\",\"session\":\"{m}\",\"event\":\"open\"}}\n"
            ));
        }
        std::fs::write(dir.path().join("cs.jsonl"), lines).unwrap();
        let (session, _) = crate::session::replay(dir.path(), cfg, |_| Ok(())).unwrap();
        // Trailing windows of hours hold tens of blocks; the phase so far
        // would be ~200,000.
        let held = session.engine.blocks.blocks.len();
        assert!(held < 1_000, "{held} blocks cached");
    }

    #[test]
    fn median_and_mad() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        assert!((mad_sigma(&[1.0, 2.0, 3.0, 4.0, 100.0], 3.0) - 1.4826).abs() < 1e-9);
    }

    #[test]
    fn theil_sen_follows_a_trend_and_ignores_an_outlier() {
        let ys = [10.0, 12.0, 14.0, 100.0, 18.0, 20.0];
        let (f, _) = theil_sen_forecast(&ys, 6.0).unwrap();
        assert!((f - 22.0).abs() < 1e-9, "{f}");
    }

    #[test]
    fn trend_line_on_blocks_matches_the_line_and_resists_outliers() {
        // An exact line of 63 points (3 left over before the first block).
        let ys: Vec<f64> = (0..63).map(|i| 7.0 + 0.5 * i as f64).collect();
        let (a, b) = trend_line(&ys).unwrap();
        assert!((a - 7.0).abs() < 1e-9 && (b - 0.5).abs() < 1e-9, "{a} {b}");
        // A burst of outliers in one block barely moves it.
        let mut noisy = ys.clone();
        for y in &mut noisy[30..35] {
            *y += 500.0;
        }
        let (a2, b2) = trend_line(&noisy).unwrap();
        assert!(
            (b2 - 0.5).abs() < 0.05 && (a2 - 7.0).abs() < 2.0,
            "{a2} {b2}"
        );
        // Short series fall back to the point-wise fit.
        let (a3, b3) = trend_line(&[10.0, 12.0, 14.0, 100.0, 18.0, 20.0]).unwrap();
        assert!((a3 - 10.0).abs() < 1e-9 && (b3 - 2.0).abs() < 1e-9);
    }

    #[test]
    fn wilson_bounds() {
        let (lo, hi) = wilson(57.0, 60.0, 1.64);
        assert!(lo > 0.88 && hi < 0.99, "{lo} {hi}");
        let (lo, hi) = wilson(0.0, 0.0, 1.64);
        assert_eq!((lo, hi), (0.0, 1.0));
    }

    #[test]
    fn low_tail_surprises_match_direct_sums() {
        // P(X ≤ 2 | n=10, p=0.5) = 56/1024.
        assert!(
            (binomial_low_surprise(2.0, 10.0, 0.5) - (-(56.0f64 / 1024.0).log10())).abs() < 1e-9
        );
        // P(X ≤ 1 | λ=4) = 5e^-4.
        assert!((poisson_low_surprise(1.0, 4.0) - (-(5.0 * (-4.0f64).exp()).log10())).abs() < 1e-9);
        assert_eq!(binomial_low_surprise(6.0, 10.0, 0.5), 0.0);
        // Against exact sums (Python's math.comb): 5.5587 and 5.2522.
        assert!((binomial_low_surprise(2.0, 40.0, 0.37) - 5.558722).abs() < 1e-4);
        assert!((binomial_low_surprise(40.0, 200.0, 0.344) - 5.252185).abs() < 1e-4);
    }

    #[test]
    fn normal_tail_matches_known_quantiles() {
        assert!((normal_tail_surprise(1.6449) - (-(0.05f64).log10())).abs() < 1e-3);
        assert!((normal_tail_surprise(3.7190) - 4.0).abs() < 1e-2);
        assert!((normal_tail_surprise(5.9978) - 9.0).abs() < 5e-2);
        assert_eq!(normal_tail_surprise(-1.0), 0.0);
    }

    #[test]
    fn poisson_surprise_grows_with_the_excess() {
        assert!(poisson_surprise(1, 1.0) < 1.0);
        assert!(poisson_surprise(8, 1.0) > 4.0);
        assert!(poisson_surprise(20, 2.0) > poisson_surprise(10, 2.0));
        // Against a direct sum for a small case: P(X ≥ 3 | λ=1) = 0.0803.
        assert!((poisson_surprise(3, 1.0) - (-(0.080_301_4f64).log10())).abs() < 1e-4);
    }
}
