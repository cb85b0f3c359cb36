//! The compact, validated form of one input record. Strings are interned to
//! small ids (see `dims`), amounts are fixed-point, so a record is a few
//! dozen bytes and aggregation never allocates.

use crate::dims::DimId;
use crate::time::Millis;

/// Money in 1/10 000 yuan: exact, order-independent sums (replays and live
/// runs add the same amounts in different orders and must agree to the cent).
pub type Money = i64;
pub const MONEY_SCALE: f64 = 10_000.0;

pub fn money_from_yuan(yuan: f64) -> Money {
    (yuan * MONEY_SCALE).round() as Money
}

pub fn money_to_yuan(m: Money) -> f64 {
    m as f64 / MONEY_SCALE
}

/// Funnel stages in order: 访问 → 浏览 → 加购 → 下单 → 支付.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Visit = 0,
    View = 1,
    Cart = 2,
    Order = 3,
    Pay = 4,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Visit,
        Stage::View,
        Stage::Cart,
        Stage::Order,
        Stage::Pay,
    ];

    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "visit" => Stage::Visit,
            "view" => Stage::View,
            "cart" => Stage::Cart,
            "order" => Stage::Order,
            "pay" => Stage::Pay,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        ["visit", "view", "cart", "order", "pay"][self as usize]
    }

    pub fn label_zh(self) -> &'static str {
        ["访问", "浏览", "加购", "下单", "支付"][self as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Traffic = 0,
    Order = 1,
    Spend = 2,
    Cs = 3,
    Stock = 4,
    Metric = 5,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Traffic,
        Kind::Order,
        Kind::Spend,
        Kind::Cs,
        Kind::Stock,
        Kind::Metric,
    ];

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "traffic" => Kind::Traffic,
            "order" => Kind::Order,
            "spend" => Kind::Spend,
            "cs" => Kind::Cs,
            "stock" => Kind::Stock,
            "metric" => Kind::Metric,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        ["traffic", "order", "spend", "cs", "stock", "metric"][self as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Customer {
    Unknown,
    New,
    Returning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsEvent {
    Open,
    FirstReply,
    Resolve,
    Rate,
    Escalate,
}

impl CsEvent {
    pub fn parse(s: &str) -> Option<CsEvent> {
        Some(match s {
            "open" => CsEvent::Open,
            "first_reply" => CsEvent::FirstReply,
            "resolve" => CsEvent::Resolve,
            "rate" => CsEvent::Rate,
            "escalate" => CsEvent::Escalate,
            _ => return None,
        })
    }
}

/// Tags of a CS event as a bit set over the tag interner (see `dims::TAG_*`).
pub type TagSet = u64;

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Traffic {
        stage: Stage,
        count: u64,
    },
    Order {
        /// 16-byte hash of (order_id, status): duplicates count once.
        key: u128,
        amount: Money,
        refunded: bool,
        customer: Customer,
    },
    Spend {
        item: DimId,
        amount: Money,
    },
    Cs {
        /// Hash of the session id (for tag de-duplication per session).
        session: u64,
        event: CsEvent,
        wait_s: Option<f64>,
        first_contact: Option<bool>,
        score: Option<u8>,
        tags: TagSet,
    },
    Stock {
        sku: DimId,
        on_hand: i64,
        safety: Option<i64>,
        hot: Option<bool>,
    },
    Metric {
        name: DimId,
        value: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub ts: Millis,
    /// Index of the input file it came from (see `source::FileStats`).
    pub file: u16,
    /// More than the lateness behind the newest record of its own file.
    pub late: bool,
    pub channel: DimId,
    pub category: DimId,
    pub body: Body,
}

impl Record {
    pub fn kind(&self) -> Kind {
        match self.body {
            Body::Traffic { .. } => Kind::Traffic,
            Body::Order { .. } => Kind::Order,
            Body::Spend { .. } => Kind::Spend,
            Body::Cs { .. } => Kind::Cs,
            Body::Stock { .. } => Kind::Stock,
            Body::Metric { .. } => Kind::Metric,
        }
    }
}

#[cfg(test)]
mod size_tests {
    /// Records are buffered in the merge and handed over in batches: keep
    /// them within a cache line.
    #[test]
    fn record_fits_a_cache_line() {
        assert!(std::mem::size_of::<super::Record>() <= 64);
    }
}
