//! The alert log (`outputs.md`): one JSON line per transition, flushed as
//! it happens so a crash loses none; and the one-line human messages.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::model::{AlertEvent, Transition};
use super::Alert;

pub struct AlertLog {
    out: Option<BufWriter<File>>,
}

impl AlertLog {
    /// Create (truncate) the log; `None` writes nowhere. The error names
    /// the file, so callers need not.
    pub fn create(path: Option<&Path>) -> anyhow::Result<AlertLog> {
        let out = match path {
            Some(p) => Some(BufWriter::new(File::create(p).map_err(|e| {
                anyhow::anyhow!("cannot create alert log {}: {e}", p.display())
            })?)),
            None => None,
        };
        Ok(AlertLog { out })
    }

    pub fn write(&mut self, events: &[AlertEvent]) -> std::io::Result<()> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        for e in events {
            serde_json::to_writer(&mut *out, e)?;
            out.write_all(b"\n")?;
        }
        if !events.is_empty() {
            out.flush()?;
        }
        Ok(())
    }
}

/// Human form of a figure by metric name.
pub fn fmt_value(metric: &str, v: f64) -> String {
    if metric.starts_with("cr.")
        || metric == "cs.response_15s"
        || metric == "cs.fcr"
        || metric == "cs.complaints"
        || metric == "cs.refunds"
        || metric == "cs.bad_reviews"
        || metric == "feed.bad_lines"
    {
        format!("{:.1}%", v * 100.0)
    } else if metric == "gmv" || metric == "spend" {
        if v.abs() >= 10_000.0 {
            format!("¥{:.1}万", v / 10_000.0)
        } else {
            format!("¥{v:.0}")
        }
    } else if metric == "budget.pace" {
        format!("{v:.2}×")
    } else if metric == "roi" || metric == "cs.satisfaction" {
        format!("{v:.2}")
    } else if metric == "feed.stall" || metric == "cs.backlog" || metric == "stock.on_hand" {
        // Minutes, records and units: whole numbers (an expectation is a mean).
        format!("{v:.0}")
    } else if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

pub fn metric_zh(metric: &str) -> &str {
    match metric {
        "cr.visit_view" => "访问→浏览转化率",
        "cr.view_cart" => "浏览→加购转化率",
        "cr.cart_order" => "加购→下单转化率",
        "cr.order_pay" => "支付转化率",
        "cr.overall" => "整体转化率",
        "uv" => "访客数",
        "gmv" => "GMV",
        "orders" => "订单数",
        "budget.pace" => "预算消耗速度",
        "roi" => "ROI",
        "cs.response_15s" => "15秒响应率",
        "cs.fcr" => "首次解决率",
        "cs.satisfaction" => "满意度",
        "cs.backlog" => "待回复积压",
        "cs.complaints" => "投诉占比",
        "cs.refunds" => "退款咨询占比",
        "cs.bad_reviews" => "差评占比",
        "stock.on_hand" => "库存",
        "feed.stall" => "数据断流(分钟)",
        "feed.bad_lines" => "坏行占比",
        other => other,
    }
}

pub fn message_zh(a: &Alert, what: Transition) -> String {
    let verb = match what {
        Transition::Open => "",
        Transition::Escalate => "升级: ",
        Transition::Deescalate => "降级: ",
        Transition::Resolve => "已恢复: ",
        Transition::Ack => "已确认: ",
    };
    let value = a.value.map_or("-".to_string(), |v| fmt_value(&a.metric, v));
    let expected = a.expected.map_or(String::new(), |e| {
        format!(", 预期 {}", fmt_value(&a.metric, e))
    });
    format!(
        "{verb}{} {}{} ({})",
        metric_zh(&a.metric),
        value,
        expected,
        a.scope.label_zh()
    )
}
