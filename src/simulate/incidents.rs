//! The eight incidents of a campaign: kinds, what they break, and the seeded schedule.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::scenario::{rate, Calendar, CATEGORIES, CAT_WEIGHTS, CHANNELS};
use super::stock::SKUS;

/// The record kinds a feed stall can stop.
pub(crate) const STALL_KINDS: [Feed; 4] = [Feed::Orders, Feed::Cs, Feed::Spend, Feed::Stock];

/// One output file of a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feed {
    Traffic = 0,
    Orders = 1,
    Spend = 2,
    Cs = 3,
    Stock = 4,
}

impl Feed {
    pub const ALL: [Feed; 5] = [
        Feed::Traffic,
        Feed::Orders,
        Feed::Spend,
        Feed::Cs,
        Feed::Stock,
    ];

    pub fn file(self) -> &'static str {
        match self {
            Feed::Traffic => "traffic.csv",
            Feed::Orders => "orders.jsonl",
            Feed::Spend => "spend.jsonl",
            Feed::Cs => "cs.jsonl",
            Feed::Stock => "stock.jsonl",
        }
    }

    /// The record `kind` this file carries.
    pub fn kind(self) -> &'static str {
        match self {
            Feed::Traffic => "traffic",
            Feed::Orders => "order",
            Feed::Spend => "spend",
            Feed::Cs => "cs",
            Feed::Stock => "stock",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    PaymentFailure,
    BotTraffic,
    CartBug,
    Overspend,
    CsSurge,
    ComplaintSpike,
    Stockout,
    FeedStall,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::PaymentFailure,
        Kind::BotTraffic,
        Kind::CartBug,
        Kind::Overspend,
        Kind::CsSurge,
        Kind::ComplaintSpike,
        Kind::Stockout,
        Kind::FeedStall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::PaymentFailure => "payment_failure",
            Kind::BotTraffic => "bot_traffic",
            Kind::CartBug => "cart_bug",
            Kind::Overspend => "overspend",
            Kind::CsSurge => "cs_surge",
            Kind::ComplaintSpike => "complaint_spike",
            Kind::Stockout => "stockout",
            Kind::FeedStall => "feed_stall",
        }
    }

    pub fn panel(self) -> &'static str {
        match self {
            Kind::PaymentFailure | Kind::BotTraffic | Kind::CartBug => "funnel",
            Kind::Overspend => "budget",
            Kind::CsSurge | Kind::ComplaintSpike => "cs",
            Kind::Stockout => "stock",
            Kind::FeedStall => "feed",
        }
    }

    pub fn metric(self) -> &'static str {
        match self {
            Kind::PaymentFailure => "cr.order_pay",
            Kind::BotTraffic => "cr.visit_view",
            Kind::CartBug => "cr.view_cart",
            Kind::Overspend => "budget.pace",
            Kind::CsSurge => "cs.response_15s",
            Kind::ComplaintSpike => "cs.complaints",
            Kind::Stockout => "stock.on_hand",
            Kind::FeedStall => "feed.stall",
        }
    }

    pub fn tier(self) -> &'static str {
        match self {
            Kind::PaymentFailure | Kind::Stockout => "紧急",
            _ => "警告",
        }
    }
}

/// Budget lines an overspend can hit (the per-minute, bid-managed lines).
pub(crate) const OVERSPEND_ITEMS: [usize; 2] = [0, 1];

#[derive(Clone, Debug)]
pub(crate) struct Incident {
    pub kind: Kind,
    pub start: i64,
    pub end: i64,
    pub channel: Option<usize>,
    pub category: Option<usize>,
    pub item: Option<usize>,
    pub sku: Option<usize>,
    pub feed: Option<Feed>,
    /// Bot traffic: visit multiplier.
    pub factor: f64,
}

impl Incident {
    pub fn active(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }

    pub fn id(&self) -> String {
        self.kind.name().replace('_', "-")
    }

    pub fn scope(&self) -> Vec<(&'static str, String)> {
        let mut s = Vec::new();
        if let Some(c) = self.channel {
            s.push(("channel", CHANNELS[c].to_string()));
        }
        if let Some(c) = self.category {
            s.push(("category", CATEGORIES[c].to_string()));
        }
        if let Some(i) = self.item {
            s.push(("item", super::scenario::ITEMS[i].to_string()));
        }
        if let Some(k) = self.sku {
            s.push(("sku", SKUS[k].id.to_string()));
        }
        if let Some(f) = self.feed {
            s.push(("kind", f.kind().to_string()));
        }
        s
    }

    pub fn description(&self) -> String {
        let mins = (self.end - self.start) / 60;
        match self.kind {
            Kind::PaymentFailure => "支付通道故障: 下单→支付转化率跌至约30%".to_string(),
            Kind::BotTraffic => format!(
                "{}渠道机器人流量: 访问量约×{:.1}, 访问→浏览转化率跌至约15%, 无新增订单",
                CHANNELS[self.channel.unwrap_or(0)],
                self.factor
            ),
            Kind::CartBug => format!(
                "{}类目加购故障: 浏览→加购转化率跌至正常的约10%",
                CATEGORIES[self.category.unwrap_or(0)]
            ),
            Kind::Overspend => format!(
                "{}投放失控: 消耗速度约为计划的3倍, 持续2小时",
                super::scenario::ITEMS[self.item.unwrap_or(0)]
            ),
            Kind::CsSurge => "客服进线激增: 会话量×4, 15秒响应率跌至约60%".to_string(),
            Kind::ComplaintSpike => "投诉激增: 投诉会话占比升至约18%".to_string(),
            Kind::Stockout => format!(
                "爆款{}断货: 5分钟内库存清零, 补货前持续缺货约{}分钟",
                SKUS[self.sku.unwrap_or(0)].id,
                mins - 5
            ),
            Kind::FeedStall => format!(
                "{}数据流中断{}分钟后恢复(不补数)",
                self.feed.map(Feed::kind).unwrap_or("order"),
                mins
            ),
        }
    }
}

/// Draws the eight incidents: random order, durations and scopes, all inside 爆发
/// between 06:00 and 23:50, non-overlapping and at least 20 minutes apart. Not in the
/// small hours: at 03:00 a category sees a few views a minute, and no detector can
/// tell a broken page from chance within the 10 minutes the room expects.
pub(crate) fn schedule(cal: &Calendar, rng: &mut ChaCha8Rng) -> Vec<Incident> {
    const GAP: i64 = 20;
    let mut kinds = Kind::ALL.to_vec();
    kinds.shuffle(rng);
    let hot: Vec<usize> = (0..SKUS.len()).filter(|&i| SKUS[i].hot).collect();
    let mut incs: Vec<Incident> = kinds
        .iter()
        .map(|&kind| {
            let mut inc = Incident {
                kind,
                start: 0,
                end: 0,
                channel: None,
                category: None,
                item: None,
                sku: None,
                feed: None,
                factor: 1.0,
            };
            let minutes: i64 = match kind {
                Kind::PaymentFailure => rng.gen_range(20..=30),
                Kind::BotTraffic => {
                    let ch = rng.gen_range(0..CHANNELS.len());
                    inc.channel = Some(ch);
                    // Visits ×4–5, chosen so that the channel's view rate lands near 15 %.
                    let vr: f64 = (0..CATEGORIES.len())
                        .map(|cat| CAT_WEIGHTS[cat] * rate(0, ch, cat))
                        .sum();
                    let k = (vr / 0.15 * rng.gen_range(0.97..1.03)).clamp(4.0, 5.0);
                    inc.factor = (k * 10.0).round() / 10.0;
                    rng.gen_range(30..=45)
                }
                Kind::CartBug => {
                    inc.category = Some(rng.gen_range(0..CATEGORIES.len()));
                    rng.gen_range(30..=45)
                }
                Kind::Overspend => {
                    inc.item = Some(*OVERSPEND_ITEMS.choose(rng).unwrap_or(&0));
                    120
                }
                Kind::CsSurge | Kind::ComplaintSpike => 30,
                Kind::Stockout => {
                    inc.sku = Some(*hot.choose(rng).unwrap_or(&0));
                    5 + rng.gen_range(30..=40)
                }
                Kind::FeedStall => {
                    inc.feed = Some(*STALL_KINDS.choose(rng).unwrap_or(&Feed::Orders));
                    15
                }
            };
            inc.end = minutes; // duration for now
            inc
        })
        .collect();
    // Window [06:00, 23:50) in minutes after the 爆发 start.
    let (lo, hi) = (6 * 60i64, 24 * 60 - 10);
    let busy: i64 = incs.iter().map(|i| i.end).sum::<i64>() + GAP * (incs.len() as i64 - 1);
    let slack = (hi - lo - busy).max(0);
    // Split the slack into len+1 random parts (sorted uniform cuts).
    let mut cuts: Vec<i64> = (0..incs.len()).map(|_| rng.gen_range(0..=slack)).collect();
    cuts.sort_unstable();
    let mut t = lo;
    let mut prev = 0;
    for (inc, cut) in incs.iter_mut().zip(cuts) {
        t += cut - prev;
        prev = cut;
        let dur = inc.end;
        inc.start = cal.burst_start + t * 60;
        inc.end = inc.start + dur * 60;
        t += dur + GAP;
    }
    incs.sort_by_key(|i| i.start);
    incs
}
