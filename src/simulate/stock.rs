//! The tracked SKUs and their replenishment policy.

pub(crate) struct Sku {
    pub id: &'static str,
    pub category: usize,
    pub hot: bool,
    /// Share of the category's paid orders that buy this SKU.
    pub share: f64,
}

pub(crate) static SKUS: [Sku; 12] = [
    Sku {
        id: "LIP-001",
        category: 0,
        hot: true,
        share: 0.14,
    },
    Sku {
        id: "TV-55-002",
        category: 1,
        hot: true,
        share: 0.12,
    },
    Sku {
        id: "SERUM-003",
        category: 0,
        hot: true,
        share: 0.10,
    },
    Sku {
        id: "DOWN-004",
        category: 2,
        hot: true,
        share: 0.10,
    },
    Sku {
        id: "NUT-005",
        category: 3,
        hot: true,
        share: 0.15,
    },
    Sku {
        id: "AIRFRY-006",
        category: 1,
        hot: true,
        share: 0.10,
    },
    Sku {
        id: "MASK-007",
        category: 0,
        hot: false,
        share: 0.05,
    },
    Sku {
        id: "KETTLE-008",
        category: 1,
        hot: false,
        share: 0.04,
    },
    Sku {
        id: "JEANS-009",
        category: 2,
        hot: false,
        share: 0.05,
    },
    Sku {
        id: "SCARF-010",
        category: 2,
        hot: false,
        share: 0.03,
    },
    Sku {
        id: "MILK-011",
        category: 3,
        hot: false,
        share: 0.06,
    },
    Sku {
        id: "COFFEE-012",
        category: 3,
        hot: false,
        share: 0.05,
    },
];

/// Minutes between a replenishment order and its arrival.
pub(crate) const LEAD_MIN: usize = 20;

/// Live state of one SKU during generation.
#[derive(Clone, Debug)]
pub(crate) struct SkuState {
    pub on_hand: i64,
    pub safety: i64,
    /// (arrival minute index, quantity)
    pub arrivals: Vec<(usize, i64)>,
    pub last_emitted: Option<i64>,
}

/// Expected demand of a SKU over timeline minutes [m, m + w).
pub(crate) fn demand(exp_cat_min: &[[f64; 4]], sku: &Sku, m: usize, w: usize) -> f64 {
    let end = (m + w).min(exp_cat_min.len());
    let start = m.min(end);
    exp_cat_min[start..end]
        .iter()
        .map(|c| c[sku.category])
        .sum::<f64>()
        * sku.share
}

/// Reorder point: safety plus 1.5× the expected demand of the next 40 minutes (twice the
/// lead time) plus a Poisson margin, so normal days stay above safety even into the rush.
pub(crate) fn reorder_point(exp_cat_min: &[[f64; 4]], sku: &Sku, safety: i64, m: usize) -> f64 {
    let d = demand(exp_cat_min, sku, m, 2 * LEAD_MIN);
    safety as f64 + 1.5 * d + 3.0 * d.sqrt() + 3.0
}

/// Order-up-to level: the reorder point plus three more hours of expected demand.
pub(crate) fn order_up_to(exp_cat_min: &[[f64; 4]], sku: &Sku, safety: i64, m: usize) -> f64 {
    reorder_point(exp_cat_min, sku, safety, m) + demand(exp_cat_min, sku, m + 2 * LEAD_MIN, 180)
}

/// Safety stock: about two hours (hot: three hours) of day-level demand.
pub(crate) fn safety(day_level_per_min: f64, sku: &Sku) -> i64 {
    let minutes = if sku.hot { 180.0 } else { 120.0 };
    ((day_level_per_min * sku.share * minutes).round() as i64).max(10)
}
