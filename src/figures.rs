//! Additive counters for one slice of the campaign (the whole run, a phase,
//! a time bucket, one channel in one bucket …) and the derived figures of
//! the data contract. Counters only ever add, so slices merge by summing and
//! the order records arrive in does not matter.

use serde::Serialize;

use crate::dims::{TAG_BAD_REVIEW, TAG_COMPLAINT, TAG_REFUND};
use crate::record::{money_to_yuan, Body, CsEvent, Customer, Money, Record};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Funnel stage counts: visit, view, cart, order, pay.
    pub stages: [u64; 5],
    pub gmv: Money,
    pub orders: u64,
    pub new_customers: u64,
    pub returning_customers: u64,
    pub refund_amount: Money,
    pub refunds: u64,
    pub spend: Money,
    pub cs_sessions: u64,
    pub cs_first_replies: u64,
    pub cs_fast_replies: u64,
    /// Sum of first-reply waits, milliseconds.
    pub cs_wait_ms: u64,
    pub cs_resolves: u64,
    pub cs_first_contact: u64,
    pub cs_ratings: u64,
    pub cs_score_sum: u64,
    pub cs_score_sq_sum: u64,
    pub cs_escalations: u64,
    /// Sessions tagged 投诉 / 退款 / 差评 (each session counted once).
    pub cs_complaints: u64,
    pub cs_refund_tags: u64,
    pub cs_bad_reviews: u64,
}

/// CS first replies at or under this many seconds count as "fast".
pub const CS_FAST_REPLY_S: f64 = 15.0;

impl Counters {
    /// Add one record. `new_session_tags` are the tags this record adds to
    /// its session for the first time (see `state::SessionTags`).
    pub fn add(&mut self, rec: &Record, new_session_tags: u64) {
        match &rec.body {
            // Sums saturate: a hostile file must not wrap a figure around.
            Body::Traffic { stage, count } => {
                let s = &mut self.stages[*stage as usize];
                *s = s.saturating_add(*count);
            }
            Body::Order {
                amount,
                refunded,
                customer,
                ..
            } => {
                if *refunded {
                    self.refund_amount = self.refund_amount.saturating_add(*amount);
                    self.refunds += 1;
                } else {
                    self.gmv = self.gmv.saturating_add(*amount);
                    self.orders += 1;
                    match customer {
                        Customer::New => self.new_customers += 1,
                        Customer::Returning => self.returning_customers += 1,
                        Customer::Unknown => {}
                    }
                }
            }
            Body::Spend { amount, .. } => self.spend = self.spend.saturating_add(*amount),
            Body::Cs {
                event,
                wait_s,
                first_contact,
                score,
                ..
            } => {
                match event {
                    CsEvent::Open => self.cs_sessions += 1,
                    CsEvent::FirstReply => {
                        self.cs_first_replies += 1;
                        if let Some(w) = wait_s {
                            if *w <= CS_FAST_REPLY_S {
                                self.cs_fast_replies += 1;
                            }
                            self.cs_wait_ms += (w * 1000.0).min(u32::MAX as f64) as u64;
                        }
                    }
                    CsEvent::Resolve => {
                        self.cs_resolves += 1;
                        if *first_contact == Some(true) {
                            self.cs_first_contact += 1;
                        }
                    }
                    CsEvent::Rate => {
                        if let Some(s) = score {
                            self.cs_ratings += 1;
                            self.cs_score_sum += u64::from(*s);
                            self.cs_score_sq_sum += u64::from(*s) * u64::from(*s);
                        }
                    }
                    CsEvent::Escalate => self.cs_escalations += 1,
                }
                let bit = |id: u16| u64::from(new_session_tags & (1u64 << id) != 0);
                self.cs_complaints += bit(TAG_COMPLAINT);
                self.cs_refund_tags += bit(TAG_REFUND);
                self.cs_bad_reviews += bit(TAG_BAD_REVIEW);
            }
            Body::Stock { .. } | Body::Metric { .. } => {}
        }
    }

    pub fn merge(&mut self, o: &Counters) {
        for i in 0..5 {
            self.stages[i] = self.stages[i].saturating_add(o.stages[i]);
        }
        self.gmv = self.gmv.saturating_add(o.gmv);
        self.orders += o.orders;
        self.new_customers += o.new_customers;
        self.returning_customers += o.returning_customers;
        self.refund_amount = self.refund_amount.saturating_add(o.refund_amount);
        self.refunds += o.refunds;
        self.spend = self.spend.saturating_add(o.spend);
        self.cs_sessions += o.cs_sessions;
        self.cs_first_replies += o.cs_first_replies;
        self.cs_fast_replies += o.cs_fast_replies;
        self.cs_wait_ms += o.cs_wait_ms;
        self.cs_resolves += o.cs_resolves;
        self.cs_first_contact += o.cs_first_contact;
        self.cs_ratings += o.cs_ratings;
        self.cs_score_sum += o.cs_score_sum;
        self.cs_score_sq_sum += o.cs_score_sq_sum;
        self.cs_escalations += o.cs_escalations;
        self.cs_complaints += o.cs_complaints;
        self.cs_refund_tags += o.cs_refund_tags;
        self.cs_bad_reviews += o.cs_bad_reviews;
    }

    /// `self − o`, for "the rest of the site without this channel".
    pub fn minus(&self, o: &Counters) -> Counters {
        let mut r = *self;
        for i in 0..5 {
            r.stages[i] = r.stages[i].saturating_sub(o.stages[i]);
        }
        r.gmv -= o.gmv;
        r.orders = r.orders.saturating_sub(o.orders);
        r.spend -= o.spend;
        r.cs_sessions = r.cs_sessions.saturating_sub(o.cs_sessions);
        r.refund_amount -= o.refund_amount;
        r
    }

    pub fn stage(&self, i: usize) -> u64 {
        self.stages[i]
    }

    /// Conversion from stage `i` to stage `i + 1`.
    pub fn stage_rate(&self, i: usize) -> Option<f64> {
        ratio(self.stages[i + 1] as f64, self.stages[i] as f64)
    }

    pub fn overall_conversion(&self) -> Option<f64> {
        ratio(self.stages[4] as f64, self.stages[0] as f64)
    }

    pub fn gmv_yuan(&self) -> f64 {
        money_to_yuan(self.gmv)
    }

    pub fn spend_yuan(&self) -> f64 {
        money_to_yuan(self.spend)
    }

    pub fn aov(&self) -> Option<f64> {
        ratio(self.gmv_yuan(), self.orders as f64)
    }

    pub fn roi(&self) -> Option<f64> {
        ratio(self.gmv_yuan(), self.spend_yuan())
    }

    pub fn response_15s(&self) -> Option<f64> {
        ratio(self.cs_fast_replies as f64, self.cs_first_replies as f64)
    }

    pub fn fcr(&self) -> Option<f64> {
        ratio(self.cs_first_contact as f64, self.cs_resolves as f64)
    }

    pub fn satisfaction(&self) -> Option<f64> {
        ratio(self.cs_score_sum as f64, self.cs_ratings as f64)
    }

    pub fn complaint_rate(&self) -> Option<f64> {
        ratio(self.cs_complaints as f64, self.cs_sessions as f64)
    }

    /// Sessions opened without a first reply yet (never below zero: a reply
    /// may be read before its open when feeds lag each other).
    pub fn cs_backlog(&self) -> u64 {
        self.cs_sessions.saturating_sub(self.cs_first_replies)
    }

    /// The FIGURES object of `outputs.md`; stock counts come from the stock book.
    pub fn figures(&self, stock_breaches: u64, stock_outs: u64) -> Figures {
        let uv = self.stages[0] as f64;
        Figures {
            visit: self.stages[0],
            view: self.stages[1],
            cart: self.stages[2],
            order: self.stages[3],
            pay: self.stages[4],
            cr_visit_view: self.stage_rate(0),
            cr_view_cart: self.stage_rate(1),
            cr_cart_order: self.stage_rate(2),
            cr_order_pay: self.stage_rate(3),
            cr_overall: self.overall_conversion(),
            gmv: self.gmv_yuan(),
            orders: self.orders,
            aov: self.aov(),
            uv_value: ratio(self.gmv_yuan(), uv),
            new_customers: self.new_customers,
            refund_amount: money_to_yuan(self.refund_amount),
            spend: self.spend_yuan(),
            roi: self.roi(),
            cs_sessions: self.cs_sessions,
            cs_response_15s: self.response_15s(),
            cs_fcr: self.fcr(),
            cs_satisfaction: self.satisfaction(),
            cs_complaint_rate: self.complaint_rate(),
            stock_breaches,
            stock_outs,
            refunds: self.refunds,
            refund_rate: ratio(self.refunds as f64, self.orders as f64),
            returning_customers: self.returning_customers,
            spend_rate: ratio(self.spend_yuan(), self.gmv_yuan()),
            cs_first_replies: self.cs_first_replies,
            cs_backlog: self.cs_backlog(),
            cs_escalations: self.cs_escalations,
            cs_refund_tagged: self.cs_refund_tags,
            cs_bad_review_tagged: self.cs_bad_reviews,
        }
    }
}

/// A ratio, or None (JSON null) when the denominator is zero.
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    (den != 0.0).then(|| num / den)
}

/// The FIGURES object of the run summary. The first 25 keys are the
/// contract; the rest are extensions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub visit: u64,
    pub view: u64,
    pub cart: u64,
    pub order: u64,
    pub pay: u64,
    pub cr_visit_view: Option<f64>,
    pub cr_view_cart: Option<f64>,
    pub cr_cart_order: Option<f64>,
    pub cr_order_pay: Option<f64>,
    pub cr_overall: Option<f64>,
    pub gmv: f64,
    pub orders: u64,
    pub aov: Option<f64>,
    pub uv_value: Option<f64>,
    pub new_customers: u64,
    pub refund_amount: f64,
    pub spend: f64,
    pub roi: Option<f64>,
    pub cs_sessions: u64,
    pub cs_response_15s: Option<f64>,
    pub cs_fcr: Option<f64>,
    pub cs_satisfaction: Option<f64>,
    pub cs_complaint_rate: Option<f64>,
    pub stock_breaches: u64,
    pub stock_outs: u64,
    // Extensions.
    pub refunds: u64,
    pub refund_rate: Option<f64>,
    pub returning_customers: u64,
    pub spend_rate: Option<f64>,
    pub cs_first_replies: u64,
    pub cs_backlog: u64,
    pub cs_escalations: u64,
    pub cs_refund_tagged: u64,
    pub cs_bad_review_tagged: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Stage;

    fn rec(body: Body) -> Record {
        Record {
            ts: 0,
            file: 0,
            late: false,
            channel: 0,
            category: 0,
            body,
        }
    }

    /// A hostile file of maximal counts and amounts pins the sums at their
    /// ceiling instead of wrapping them round to small or negative figures.
    #[test]
    fn sums_saturate_instead_of_wrapping() {
        let mut c = Counters::default();
        let visits = rec(Body::Traffic {
            stage: Stage::Visit,
            count: u64::MAX / 2 + 1,
        });
        let spend = rec(Body::Spend {
            item: 1,
            amount: Money::MAX / 2 + 1,
        });
        for _ in 0..3 {
            c.add(&visits, 0);
            c.add(&spend, 0);
        }
        assert_eq!(c.stages[0], u64::MAX);
        assert_eq!(c.spend, Money::MAX);
        let mut d = c;
        d.merge(&c);
        assert_eq!((d.stages[0], d.spend), (u64::MAX, Money::MAX));
    }
}
