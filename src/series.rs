//! Figures in time buckets (default one minute), site-wide and by channel,
//! category and budget line, for the panels, the alert rules and drill-down.
//! Memory is bounded by a byte budget: when it is exceeded the oldest
//! buckets fall off (totals and phase figures keep everything).

use std::collections::BTreeMap;

use crate::dims::DimId;
use crate::figures::Counters;
use crate::record::{Body, Money, Record};
use crate::time::{bucket_start, Millis};

/// Default byte budget of the series.
pub const DEFAULT_SERIES_BUDGET: usize = 96 << 20;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricAgg {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub last: f64,
}

impl MetricAgg {
    pub fn add(&mut self, v: f64) {
        if self.count == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.count += 1;
        self.sum += v;
        self.last = v;
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// A sparse map from a dimension id to a value, sorted by id. Few entries
/// per bucket, so a sorted Vec beats a hash map in size and speed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse<T>(pub Vec<(DimId, T)>);

impl<T: Default> Sparse<T> {
    pub fn entry(&mut self, id: DimId) -> (&mut T, bool) {
        match self.0.binary_search_by_key(&id, |(k, _)| *k) {
            Ok(i) => (&mut self.0[i].1, false),
            Err(i) => {
                self.0.insert(i, (id, T::default()));
                (&mut self.0[i].1, true)
            }
        }
    }

    pub fn get(&self, id: DimId) -> Option<&T> {
        self.0
            .binary_search_by_key(&id, |(k, _)| *k)
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = &(DimId, T)> {
        self.0.iter()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bucket {
    pub total: Counters,
    pub by_channel: Sparse<Counters>,
    pub by_category: Sparse<Counters>,
    pub spend_by_item: Sparse<Money>,
    pub metrics: Sparse<MetricAgg>,
    /// Records per kind (feed health), and skipped lines read in this bucket.
    pub by_kind: [u32; 6],
    pub bad_lines: u32,
    /// `Series::edits` when a record last changed this bucket (lets caches
    /// of sums over buckets see that they are stale).
    pub last_edit: u64,
}

impl Bucket {
    fn entries(&self) -> usize {
        1 + self.by_channel.0.len() + self.by_category.0.len()
    }
}

#[derive(Debug, Clone)]
pub struct Series {
    width: Millis,
    max_buckets: usize,
    budget_bytes: usize,
    buckets: BTreeMap<Millis, Bucket>,
    bytes: usize,
    /// Records too old for the retained window (still in the totals).
    pub dropped_records: u64,
    /// Records added and buckets evicted so far (stamps `Bucket::last_edit`
    /// and the regions).
    edits: u64,
    /// The last edit of each aligned region of `REGION_BUCKETS[level]`
    /// buckets that holds any bucket: a sum over a region can be cached and
    /// trusted while its stamp is unchanged, without reading its buckets.
    regions: [rustc_hash::FxHashMap<Millis, u64>; REGION_LEVELS],
}

/// Levels of the region index and their sizes in buckets (10 and 1,000: a
/// window of weeks is then a few dozen cached sums, not its minutes).
pub const REGION_LEVELS: usize = 2;
pub const REGION_BUCKETS: [i64; REGION_LEVELS] = [10, 1_000];

const COUNTERS_BYTES: usize = std::mem::size_of::<(DimId, Counters)>();
const BUCKET_BYTES: usize = std::mem::size_of::<Bucket>() + 64;

impl Series {
    pub fn new(width: Millis, max_buckets: usize, budget_bytes: usize) -> Series {
        Series {
            width,
            max_buckets,
            budget_bytes,
            buckets: BTreeMap::new(),
            bytes: 0,
            dropped_records: 0,
            edits: 0,
            regions: Default::default(),
        }
    }

    /// Width of a region of `level`, in milliseconds.
    pub fn region_width(&self, level: usize) -> Millis {
        REGION_BUCKETS[level] * self.width
    }

    /// The stamp of the region of `level` starting at `start`: 0 while it
    /// holds no bucket, else the last edit of one of its buckets.
    pub fn region_stamp(&self, level: usize, start: Millis) -> u64 {
        self.regions[level].get(&start).copied().unwrap_or(0)
    }

    fn stamp_regions(&mut self, bucket: Millis) {
        for level in 0..REGION_LEVELS {
            let r = bucket_start(bucket, self.region_width(level));
            self.regions[level].insert(r, self.edits);
        }
    }

    pub fn width(&self) -> Millis {
        self.width
    }

    /// Add a record to its bucket; `tags` as for `Counters::add`.
    pub fn add(&mut self, rec: &Record, tags: u64) {
        let start = bucket_start(rec.ts, self.width);
        if self.is_full() {
            if let Some((&oldest, _)) = self.buckets.first_key_value() {
                if start < oldest {
                    self.dropped_records += 1;
                    return;
                }
            }
        }
        let bucket = match self.buckets.get_mut(&start) {
            Some(b) => b,
            None => {
                self.bytes += BUCKET_BYTES;
                self.buckets.entry(start).or_default()
            }
        };
        let before = bucket.entries();
        self.edits += 1;
        bucket.last_edit = self.edits;
        bucket.total.add(rec, tags);
        bucket.by_kind[rec.kind() as usize] += 1;
        if rec.channel != 0 {
            bucket.by_channel.entry(rec.channel).0.add(rec, tags);
        }
        if rec.category != 0 {
            bucket.by_category.entry(rec.category).0.add(rec, tags);
        }
        match &rec.body {
            Body::Spend { item, amount } => {
                let s = bucket.spend_by_item.entry(*item).0;
                *s = s.saturating_add(*amount);
            }
            Body::Metric { name, value } => {
                let (agg, new) = bucket.metrics.entry(*name);
                agg.add(*value);
                if new {
                    self.bytes += std::mem::size_of::<(DimId, MetricAgg)>();
                }
            }
            _ => {}
        }
        self.bytes += (bucket.entries() - before) * COUNTERS_BYTES;
        self.stamp_regions(start);
        self.evict();
    }

    /// Count a skipped line in the bucket of `now`.
    pub fn add_bad_line(&mut self, now: Millis) {
        if now == Millis::MIN {
            return;
        }
        let start = bucket_start(now, self.width);
        if let Some(b) = self.buckets.get_mut(&start) {
            b.bad_lines += 1;
        }
    }

    fn is_full(&self) -> bool {
        self.buckets.len() >= self.max_buckets || self.bytes >= self.budget_bytes
    }

    fn evict(&mut self) {
        while self.buckets.len() > self.max_buckets || self.bytes > self.budget_bytes {
            let Some((start, b)) = self.buckets.pop_first() else {
                break;
            };
            // The regions over it changed; one left without buckets is
            // empty again (stamp 0).
            self.edits += 1;
            let next = self.buckets.first_key_value().map(|(k, _)| *k);
            for level in 0..REGION_LEVELS {
                let width = self.region_width(level);
                let r = bucket_start(start, width);
                if next.is_some_and(|n| n < r + width) {
                    self.regions[level].insert(r, self.edits);
                } else {
                    self.regions[level].remove(&r);
                }
            }
            self.bytes = self.bytes.saturating_sub(
                BUCKET_BYTES
                    + b.entries().saturating_sub(1) * COUNTERS_BYTES
                    + b.metrics.0.len() * std::mem::size_of::<(DimId, MetricAgg)>(),
            );
        }
    }

    pub fn get(&self, start: Millis) -> Option<&Bucket> {
        self.buckets.get(&start)
    }

    /// A fingerprint of the buckets in `[from, to)`: changes whenever a
    /// record lands in one of them or one is evicted, so a sum over them
    /// can be cached and trusted while it matches.
    pub fn signature(&self, from: Millis, to: Millis) -> (usize, u64) {
        self.range(from, to)
            .fold((0, 0), |(n, e), (_, b)| (n + 1, e.max(b.last_edit)))
    }

    /// Buckets whose start lies in `[from, to)`, oldest first.
    pub fn range(
        &self,
        from: Millis,
        to: Millis,
    ) -> impl DoubleEndedIterator<Item = (&Millis, &Bucket)> {
        self.buckets.range(from..to.max(from))
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    pub fn first_start(&self) -> Option<Millis> {
        self.buckets.first_key_value().map(|(k, _)| *k)
    }

    pub fn last_start(&self) -> Option<Millis> {
        self.buckets.last_key_value().map(|(k, _)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Stage;

    fn visit(ts: Millis, channel: DimId) -> Record {
        Record {
            ts,
            file: 0,
            late: false,
            channel,
            category: 0,
            body: Body::Traffic {
                stage: Stage::Visit,
                count: 2,
            },
        }
    }

    #[test]
    fn buckets_by_time_and_channel() {
        let mut s = Series::new(60_000, 100, usize::MAX);
        s.add(&visit(1_000, 3), 0);
        s.add(&visit(59_999, 3), 0);
        s.add(&visit(60_000, 4), 0);
        assert_eq!(s.len(), 2);
        let b0 = s.get(0).unwrap();
        assert_eq!(b0.total.stages[0], 4);
        assert_eq!(b0.by_channel.get(3).unwrap().stages[0], 4);
        assert!(b0.by_channel.get(4).is_none());
    }

    #[test]
    fn retention_drops_oldest_and_counts_too_old_records() {
        let mut s = Series::new(60_000, 3, usize::MAX);
        for m in 0..5 {
            s.add(&visit(m * 60_000, 1), 0);
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.first_start(), Some(2 * 60_000));
        s.add(&visit(0, 1), 0);
        assert_eq!(s.dropped_records, 1);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn byte_budget_bounds_memory_whatever_the_span() {
        let mut s = Series::new(60_000, usize::MAX, 1 << 20);
        for m in 0..100_000 {
            s.add(&visit(m * 60_000, (m % 50) as DimId + 2), 0);
        }
        assert!(s.approx_bytes() <= 1 << 20);
        assert!(s.len() > 100);
    }
}
