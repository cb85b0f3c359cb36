//! Dimension values (channel, category, SKU, budget line, metric name, CS
//! tag) interned to small ids, with a cap per dimension so a hostile file
//! cannot exhaust memory: values past the cap fold into 其他/other and the
//! folded records are counted.

use rustc_hash::FxHashMap;

pub type DimId = u16;

/// The value was absent from the record.
pub const NONE: DimId = 0;
/// The value was folded because the dimension is full.
pub const OTHER: DimId = 1;
pub const OTHER_LABEL: &str = "其他";

/// Well-known CS tags get fixed ids so rules can test them without lookups.
pub const TAG_COMPLAINT: DimId = 2; // 投诉
pub const TAG_REFUND: DimId = 3; // 退款
pub const TAG_BAD_REVIEW: DimId = 4; // 差评
pub const TAG_LOGISTICS: DimId = 5; // 物流
/// Tags live in a 64-bit set, so at most 64 ids.
const MAX_TAG_ID: usize = 63;

#[derive(Debug, Clone)]
pub struct Interner {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, DimId>,
    cap: usize,
    /// Records whose value was folded into OTHER.
    pub folded: u64,
}

impl Interner {
    pub fn new(cap: usize) -> Interner {
        Interner {
            names: vec!["".into(), OTHER_LABEL.into()],
            index: FxHashMap::default(),
            // Ids are u16 and 0/1 are reserved.
            cap: cap.min(DimId::MAX as usize - 2),
            folded: 0,
        }
    }

    pub fn with_values(cap: usize, values: &[&str]) -> Interner {
        let mut i = Interner::new(cap + values.len());
        for v in values {
            i.intern(v);
        }
        i
    }

    /// Id of `value`, adding it while there is room. An empty value is NONE.
    pub fn intern(&mut self, value: &str) -> DimId {
        if value.is_empty() {
            return NONE;
        }
        if let Some(&id) = self.index.get(value) {
            return id;
        }
        if value == OTHER_LABEL {
            return OTHER;
        }
        if self.index.len() >= self.cap {
            self.folded += 1;
            return OTHER;
        }
        let id = self.names.len() as DimId;
        self.names.push(value.into());
        self.index.insert(value.into(), id);
        id
    }

    /// Look a value up without adding it.
    pub fn get(&self, value: &str) -> Option<DimId> {
        if value == OTHER_LABEL {
            return Some(OTHER);
        }
        self.index.get(value).copied()
    }

    pub fn name(&self, id: DimId) -> &str {
        self.names.get(id as usize).map_or("", |s| s)
    }

    /// Number of distinct values kept (without NONE and OTHER).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Bring this copy up to `newer`, a copy of it that has only added
    /// names since (ids are positions, so they stay the same).
    fn catch_up(&mut self, newer: &Interner) {
        debug_assert!(
            self.names.len() <= newer.names.len(),
            "only the newer copy adds"
        );
        for name in &newer.names[self.names.len()..] {
            self.index.insert(name.clone(), self.names.len() as DimId);
            self.names.push(name.clone());
        }
        self.folded = newer.folded;
    }

    /// Changes whenever a name is added or a value folded.
    fn generation(&self) -> u64 {
        self.names.len() as u64 + self.folded
    }

    /// Ids in name order, for deterministic output.
    pub fn ids_by_name(&self) -> Vec<DimId> {
        let mut ids: Vec<DimId> = (1..self.names.len() as DimId).collect();
        ids.sort_by(|a, b| self.name(*a).cmp(self.name(*b)));
        ids
    }
}

/// All interned dimensions of one run.
#[derive(Debug, Clone)]
pub struct Dims {
    pub channel: Interner,
    pub category: Interner,
    pub sku: Interner,
    pub item: Interner,
    pub metric: Interner,
    pub tag: Interner,
}

impl Dims {
    /// Bring this (shared) copy up to `newer`, a private copy of it that
    /// has only added names since: the reader interns into its own copy and
    /// publishes only when something changed, so it never holds the shared
    /// lock while it parses.
    pub fn catch_up(&mut self, newer: &Dims) {
        self.channel.catch_up(&newer.channel);
        self.category.catch_up(&newer.category);
        self.sku.catch_up(&newer.sku);
        self.item.catch_up(&newer.item);
        self.metric.catch_up(&newer.metric);
        self.tag.catch_up(&newer.tag);
    }

    /// Changes whenever any interner adds a name or folds a value.
    pub fn generation(&self) -> u64 {
        [
            &self.channel,
            &self.category,
            &self.sku,
            &self.item,
            &self.metric,
            &self.tag,
        ]
        .iter()
        .map(|i| i.generation())
        .sum()
    }

    pub fn new(cfg: &crate::config::IngestConfig) -> Dims {
        let tag_cap = cfg.max_tags.min(MAX_TAG_ID - 1);
        let tag =
            Interner::with_values(tag_cap.saturating_sub(4), &["投诉", "退款", "差评", "物流"]);
        debug_assert_eq!(tag.get("投诉"), Some(TAG_COMPLAINT));
        Dims {
            channel: Interner::new(cfg.max_channels),
            category: Interner::new(cfg.max_categories),
            sku: Interner::new(cfg.max_skus),
            item: Interner::new(cfg.max_items),
            metric: Interner::new(cfg.max_metrics),
            tag,
        }
    }

    /// Records folded into 其他 across all dimensions.
    pub fn folded(&self) -> u64 {
        self.channel.folded
            + self.category.folded
            + self.sku.folded
            + self.item.folded
            + self.metric.folded
            + self.tag.folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_fold_into_other_and_count() {
        let mut i = Interner::new(2);
        let a = i.intern("搜索");
        let b = i.intern("推荐");
        assert_ne!(a, b);
        assert_eq!(i.intern("直播"), OTHER);
        assert_eq!(i.intern("站外"), OTHER);
        assert_eq!(i.intern("搜索"), a);
        assert_eq!(i.folded, 2);
        assert_eq!(i.len(), 2);
        assert_eq!(i.intern(""), NONE);
        assert_eq!(i.name(OTHER), "其他");
    }

    #[test]
    fn well_known_tags_have_fixed_ids() {
        let d = Dims::new(&crate::config::IngestConfig::default());
        assert_eq!(d.tag.get("投诉"), Some(TAG_COMPLAINT));
        assert_eq!(d.tag.get("退款"), Some(TAG_REFUND));
        assert_eq!(d.tag.get("差评"), Some(TAG_BAD_REVIEW));
        assert_eq!(d.tag.get("物流"), Some(TAG_LOGISTICS));
    }

    #[test]
    fn tag_ids_never_exceed_the_bit_set() {
        let mut d = Dims::new(&crate::config::IngestConfig {
            max_tags: 10_000,
            ..Default::default()
        });
        for n in 0..200 {
            assert!((d.tag.intern(&format!("t{n}")) as usize) <= MAX_TAG_ID);
        }
    }
}
