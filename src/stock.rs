//! Current stock of each SKU and which SKUs went below safety or out, per
//! phase and for the whole run. Bounded by the SKU cap of `Dims`.

use crate::dims::DimId;
use crate::time::Millis;

/// Bit of the whole run in the breach/out masks; phases use bits 0..31.
const RUN_BIT: u32 = 1 << 31;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SkuState {
    pub seen: bool,
    pub on_hand: i64,
    pub safety: Option<i64>,
    pub hot: bool,
    pub last_ts: Millis,
    /// Phases (bits) in which the SKU was below safety / at zero.
    breached: u32,
    out: u32,
}

impl SkuState {
    pub fn below_safety(&self) -> bool {
        self.safety.is_some_and(|s| self.on_hand < s)
    }
    pub fn is_out(&self) -> bool {
        self.seen && self.on_hand == 0
    }
}

#[derive(Debug, Clone, Default)]
pub struct StockBook {
    skus: Vec<SkuState>,
}

impl StockBook {
    /// Record a stock level. `phase` is the phase index of `ts`, if any. A
    /// report older than the newest one of its SKU still counts for
    /// breaches, but does not overwrite the current level.
    pub fn update(
        &mut self,
        sku: DimId,
        ts: Millis,
        on_hand: i64,
        safety: Option<i64>,
        hot: Option<bool>,
        phase: Option<usize>,
    ) {
        let i = sku as usize;
        if self.skus.len() <= i {
            self.skus.resize(i + 1, SkuState::default());
        }
        let s = &mut self.skus[i];
        let safety = safety.or(s.safety);
        let mask = RUN_BIT | phase.filter(|p| *p < 31).map_or(0, |p| 1u32 << p);
        if safety.is_some_and(|sf| on_hand < sf) {
            s.breached |= mask;
        }
        if on_hand == 0 {
            s.out |= mask;
        }
        if !s.seen || ts >= s.last_ts {
            s.seen = true;
            s.on_hand = on_hand;
            s.safety = safety;
            if let Some(h) = hot {
                s.hot = h;
            }
            s.last_ts = ts;
        }
    }

    /// Distinct SKUs below safety / at zero, in a phase or (None) the run.
    pub fn breaches(&self, phase: Option<usize>) -> u64 {
        let bit = phase.map_or(RUN_BIT, |p| if p < 31 { 1 << p } else { 0 });
        self.skus.iter().filter(|s| s.breached & bit != 0).count() as u64
    }

    pub fn outs(&self, phase: Option<usize>) -> u64 {
        let bit = phase.map_or(RUN_BIT, |p| if p < 31 { 1 << p } else { 0 });
        self.skus.iter().filter(|s| s.out & bit != 0).count() as u64
    }

    pub fn get(&self, sku: DimId) -> Option<&SkuState> {
        self.skus.get(sku as usize).filter(|s| s.seen)
    }

    /// Every SKU seen, with its id.
    pub fn iter(&self) -> impl Iterator<Item = (DimId, &SkuState)> {
        self.skus
            .iter()
            .enumerate()
            .filter(|(_, s)| s.seen)
            .map(|(i, s)| (i as DimId, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaches_and_outs_are_distinct_skus_per_phase() {
        let mut b = StockBook::default();
        b.update(2, 10, 50, Some(100), Some(true), Some(0));
        b.update(2, 20, 40, None, None, Some(0)); // safety remembered
        b.update(3, 10, 0, Some(10), None, Some(1));
        b.update(4, 10, 500, Some(10), None, Some(1));
        assert_eq!(b.breaches(None), 2);
        assert_eq!(b.breaches(Some(0)), 1);
        assert_eq!(b.outs(None), 1);
        assert_eq!(b.outs(Some(0)), 0);
        assert_eq!(b.get(2).unwrap().on_hand, 40);
        assert!(b.get(2).unwrap().hot);
    }

    #[test]
    fn an_older_report_does_not_overwrite_the_level() {
        let mut b = StockBook::default();
        b.update(2, 20, 80, Some(10), None, None);
        b.update(2, 10, 0, Some(10), None, None);
        assert_eq!(b.get(2).unwrap().on_hand, 80);
        assert_eq!(b.outs(None), 1);
    }
}
