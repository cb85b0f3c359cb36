//! What the rules compare against: windows of the series for a scope, the
//! baseline recording (历史同期) shifted onto this campaign's clock, and a
//! robust trend forecast where there is no baseline.

use std::sync::Arc;

use crate::config::Config;
use crate::dims::{DimId, Dims};
use crate::figures::Counters;
use crate::ingest::replay_to_end;
use crate::series::{Bucket, Series};
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
#[derive(Debug, Default)]
pub struct Slices {
    pub all: Counters,
    pub channel: Vec<Counters>,
    pub category: Vec<Counters>,
}

impl Slices {
    pub fn pick(&self, sel: Sel) -> Counters {
        match sel {
            Sel::All => self.all,
            Sel::Channel(id) => self.channel.get(id as usize).copied().unwrap_or_default(),
            Sel::Category(id) => self.category.get(id as usize).copied().unwrap_or_default(),
        }
    }
}

pub type WindowMap = std::collections::HashMap<(Millis, Millis), std::sync::Arc<Slices>>;

/// Windows of one series, memoised: windows ending before `settled` (whose
/// buckets no longer change but for rare late records) are kept across
/// evaluations in `stable`; the others only for one evaluation.
pub struct WindowCache<'a> {
    series: &'a Series,
    settled: Millis,
    stable: std::cell::RefCell<WindowMap>,
    fresh: std::cell::RefCell<WindowMap>,
}

impl<'a> WindowCache<'a> {
    pub fn new(series: &'a Series) -> WindowCache<'a> {
        WindowCache::with_stable(series, Millis::MIN, WindowMap::new())
    }

    pub fn with_stable(series: &'a Series, settled: Millis, stable: WindowMap) -> WindowCache<'a> {
        WindowCache {
            series,
            settled,
            stable: std::cell::RefCell::new(stable),
            fresh: Default::default(),
        }
    }

    /// Hand the stable windows back (to keep them for the next evaluation).
    pub fn into_stable(self) -> WindowMap {
        self.stable.into_inner()
    }

    pub fn slices(&self, from: Millis, to: Millis) -> std::sync::Arc<Slices> {
        let map = if to <= self.settled {
            &self.stable
        } else {
            &self.fresh
        };
        if let Some(s) = map.borrow().get(&(from, to)) {
            return s.clone();
        }
        let mut s = Slices::default();
        for (_, b) in self.series.range(from, to) {
            s.all.merge(&b.total);
            for (id, c) in b.by_channel.iter() {
                let i = *id as usize;
                if s.channel.len() <= i {
                    s.channel.resize(i + 1, Counters::default());
                }
                s.channel[i].merge(c);
            }
            for (id, c) in b.by_category.iter() {
                let i = *id as usize;
                if s.category.len() <= i {
                    s.category.resize(i + 1, Counters::default());
                }
                s.category[i].merge(c);
            }
        }
        let s = std::sync::Arc::new(s);
        map.borrow_mut().insert((from, to), s.clone());
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
