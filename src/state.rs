//! The war room's state: every figure the panels and the alert rules read,
//! built only from the input stream and the injected event clock. Replay and
//! live feed it the same way; nothing here reads files or wall time.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use crate::config::Config;
use crate::dims::Dims;
use crate::figures::Counters;
use crate::record::{Body, Kind, Money, Record};
use crate::series::{MetricAgg, Series, DEFAULT_SERIES_BUDGET};
use crate::source::Input;
use crate::stock::StockBook;
use crate::time::Millis;

/// The keys are already hashes: use their low bits as the table hash.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type HashedSet = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// Distinct (order_id, status) pairs remembered per generation.
const ORDER_GENERATION: usize = 1 << 20;

/// Duplicate detection for orders: 8 bytes of the (order_id, status) hash
/// per pair, in two generations of at most 2^20 pairs each, so a duplicate
/// is recognised when it comes within the last 1–2 million distinct orders
/// (producer retries come seconds or minutes later) and memory stays bounded
/// (≤ ~40 MB) whatever the number of records. Documented in docs/data.md.
#[derive(Debug, Clone, Default)]
pub struct OrderKeys {
    current: HashedSet,
    previous: HashedSet,
}

impl OrderKeys {
    /// True when the key was new (count the order), false for a duplicate.
    pub fn insert(&mut self, key: u128) -> bool {
        let k = key as u64; // the low half of the xxh3-128 hash
        if self.current.contains(&k) || self.previous.contains(&k) {
            return false;
        }
        if self.current.len() >= ORDER_GENERATION {
            self.previous = std::mem::take(&mut self.current);
            self.current.reserve(ORDER_GENERATION);
        }
        self.current.insert(k)
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
type HashedMap = HashMap<u64, u64, BuildHasherDefault<PassThrough>>;

/// Tags already counted per CS session, so a session tagged 投诉 on several
/// events counts once. Two generations bound the memory: sessions quiet for
/// a whole generation are forgotten (documented in docs/data.md).
#[derive(Debug, Clone, Default)]
pub struct SessionTags {
    current: HashedMap,
    previous: HashedMap,
}

/// Sessions remembered per generation.
const SESSION_GENERATION: usize = 1 << 16;

impl SessionTags {
    /// Returns the tags of `tags` this session did not have yet.
    pub fn add(&mut self, session: u64, tags: u64) -> u64 {
        if tags == 0 {
            return 0;
        }
        let known = self
            .current
            .get(&session)
            .or_else(|| self.previous.get(&session))
            .copied()
            .unwrap_or(0);
        let new = tags & !known;
        if new != 0 || !self.current.contains_key(&session) {
            if self.current.len() >= SESSION_GENERATION {
                self.previous = std::mem::take(&mut self.current);
            }
            self.current.insert(session, known | tags);
        }
        new
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricTotals {
    pub agg: MetricAgg,
    pub first_ts: Millis,
    pub last_ts: Millis,
}

#[derive(Debug, Clone)]
pub struct State {
    pub cfg: Arc<Config>,
    pub dims: Arc<RwLock<Dims>>,
    pub totals: Counters,
    /// One per configured phase, in config order.
    pub phases: Vec<Counters>,
    pub series: Series,
    pub stock: StockBook,
    /// Totals per metric name, indexed by the metric's dimension id.
    pub metrics: Vec<MetricTotals>,
    /// Spend per budget line (item id): each phase's, then the whole run's.
    /// The series forget old buckets; the 复盘 needs every line's total.
    pub item_spend: Vec<Vec<Money>>,
    orders: OrderKeys,
    sessions: SessionTags,
    /// Records applied (duplicates included) and per kind.
    pub records: u64,
    pub by_kind: [u64; 6],
    pub duplicates: u64,
    pub late: u64,
    pub bad_lines: u64,
    /// Records outside every phase (in the totals only).
    pub outside_phases: u64,
    pub first_ts: Option<Millis>,
    pub last_ts: Option<Millis>,
    /// Event-time clock: where the war room is "now".
    pub now: Millis,
}

impl State {
    pub fn new(cfg: Arc<Config>, dims: Arc<RwLock<Dims>>) -> State {
        State {
            series: Series::new(
                cfg.bucket_ms(),
                cfg.ingest.retention_buckets,
                DEFAULT_SERIES_BUDGET,
            ),
            phases: vec![Counters::default(); cfg.phases.len()],
            cfg,
            dims,
            totals: Counters::default(),
            stock: StockBook::default(),
            metrics: Vec::new(),
            item_spend: Vec::new(),
            orders: OrderKeys::default(),
            sessions: SessionTags::default(),
            records: 0,
            by_kind: [0; 6],
            duplicates: 0,
            late: 0,
            bad_lines: 0,
            outside_phases: 0,
            first_ts: None,
            last_ts: None,
            now: Millis::MIN,
        }
    }

    pub fn apply_input(&mut self, input: &Input) {
        match input {
            Input::Record(r) => self.apply(r),
            Input::Bad { .. } => {
                self.bad_lines += 1;
                self.series.add_bad_line(self.now);
            }
        }
    }

    /// Fold one record into every figure it touches.
    pub fn apply(&mut self, rec: &Record) {
        self.records += 1;
        self.by_kind[rec.kind() as usize] += 1;
        if rec.late {
            self.late += 1;
        }
        self.first_ts = Some(self.first_ts.map_or(rec.ts, |t| t.min(rec.ts)));
        self.last_ts = Some(self.last_ts.map_or(rec.ts, |t| t.max(rec.ts)));
        let phase = self.cfg.phase_at(rec.ts);
        let mut tags = 0;
        match &rec.body {
            Body::Order { key, .. } => {
                if !self.orders.insert(*key) {
                    self.duplicates += 1;
                    return;
                }
            }
            Body::Cs {
                session, tags: t, ..
            } => tags = self.sessions.add(*session, *t),
            Body::Stock {
                sku,
                on_hand,
                safety,
                hot,
            } => self
                .stock
                .update(*sku, rec.ts, *on_hand, *safety, *hot, phase),
            Body::Metric { name, value } => {
                let i = *name as usize;
                if self.metrics.len() <= i {
                    self.metrics.resize(i + 1, MetricTotals::default());
                }
                let m = &mut self.metrics[i];
                if m.agg.count == 0 {
                    m.first_ts = rec.ts;
                    m.last_ts = rec.ts;
                }
                m.agg.add(*value);
                m.first_ts = m.first_ts.min(rec.ts);
                m.last_ts = m.last_ts.max(rec.ts);
            }
            Body::Spend { item, amount } => {
                let i = *item as usize;
                let columns = self.phases.len() + 1;
                if self.item_spend.len() <= i {
                    self.item_spend.resize(i + 1, vec![0; columns]);
                }
                let line = &mut self.item_spend[i];
                if let Some(p) = phase {
                    line[p] = line[p].saturating_add(*amount);
                }
                line[columns - 1] = line[columns - 1].saturating_add(*amount);
            }
            Body::Traffic { .. } => {}
        }
        self.totals.add(rec, tags);
        match phase {
            Some(p) => self.phases[p].add(rec, tags),
            None => self.outside_phases += 1,
        }
        self.series.add(rec, tags);
    }

    /// Move the event clock. It never goes backwards.
    pub fn advance(&mut self, now: Millis) {
        self.now = self.now.max(now);
    }

    pub fn kind_count(&self, k: Kind) -> u64 {
        self.by_kind[k as usize]
    }

    /// Index of the phase the clock is in.
    pub fn current_phase(&self) -> Option<usize> {
        self.cfg.phase_at(self.now)
    }

    /// Distinct order keys held for duplicate detection (8 bytes each).
    pub fn order_keys(&self) -> usize {
        self.orders.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tags_count_once_per_session() {
        let mut s = SessionTags::default();
        assert_eq!(s.add(1, 0b100), 0b100);
        assert_eq!(s.add(1, 0b100), 0);
        assert_eq!(s.add(1, 0b110), 0b010);
        assert_eq!(s.add(2, 0b100), 0b100);
        assert_eq!(s.add(3, 0), 0);
    }

    #[test]
    fn order_keys_catch_duplicates_and_stay_bounded() {
        let mut o = OrderKeys::default();
        assert!(o.insert(7));
        assert!(!o.insert(7));
        assert!(o.insert(7 << 64));
        for i in 0..(3 * ORDER_GENERATION as u128) {
            o.insert(i * 0x9E37_79B9_7F4A_7C15);
        }
        assert!(o.len() <= 2 * ORDER_GENERATION);
        // A retry within the last generation is still a duplicate.
        let last = (3 * ORDER_GENERATION as u128 - 1) * 0x9E37_79B9_7F4A_7C15;
        assert!(!o.insert(last));
    }

    #[test]
    fn session_memory_is_bounded() {
        let mut s = SessionTags::default();
        for i in 0..(5 * SESSION_GENERATION as u64) {
            s.add(i, 1);
        }
        assert!(s.current.len() + s.previous.len() <= 2 * SESSION_GENERATION);
    }
}
