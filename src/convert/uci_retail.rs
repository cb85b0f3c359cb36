//! UCI Online Retail (Chen, Sain & Guo 2012): a UK online gift retailer's
//! invoice lines, `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,
//! UnitPrice,CustomerID,Country`, as re-published one CSV per day.
//!
//! → one `order` per invoice: `order_id` = InvoiceNo, `amount` = Σ
//! Quantity × UnitPrice over its lines, rounded to the cent (GBP, shown as
//! ¥ by the war room), at the invoice's earliest line time. A `C` invoice
//! (cancellation or credit note) is `status: "refunded"` with the amount
//! |Σ|. `customer` is `new` on a CustomerID's first purchase in the data and
//! `returning` after; a cancellation is never `new` (whoever cancels bought
//! earlier); absent without a CustomerID. Country is not a traffic channel
//! and products have no category, so no dimensions are written.
//!
//! InvoiceDate is UK local wall time; it is written with offset +00:00, so
//! BST dates (to 2011-10-30) show their wall-clock time, not UTC.
//!
//! Lines skipped with a reason: the wrong number of columns, an invoice
//! number that is not `[C]digits` (e.g. `A` bad-debt adjustments), a bad
//! number, date or CustomerID, a sales line with quantity ≤ 0 (stock
//! adjustments: the README says to filter them) or price ≤ 0 (free items
//! and write-offs), and a cancellation line with quantity ≥ 0 or price ≤ 0.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Result};
use chrono::{FixedOffset, NaiveDateTime};
use serde_json::json;

use super::{input_files, CsvFile, Format, Recording, Report};

const COLUMNS: usize = 8;

struct Invoice {
    number: String,
    cancel: bool,
    ts_ms: i64,
    /// Σ Quantity × UnitPrice in millionths of a pound (exact).
    micros: i64,
    customer: Option<String>,
}

struct Line<'a> {
    number: &'a str,
    cancel: bool,
    quantity: i64,
    ts_ms: i64,
    price_micros: i64,
    customer: Option<String>,
}

pub fn online_retail(input: &Path, out_dir: &Path) -> Result<Report> {
    let mut report = Report::default();
    let mut invoices: Vec<Invoice> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    for path in input_files(input)? {
        let file = CsvFile::open(&path, false)?;
        for (line_no, row) in file.rows() {
            let Some(row) = report.row(&path, line_no, row) else {
                continue;
            };
            let line = match parse_line(&row) {
                Ok(line) => line,
                Err(why) => {
                    report.skip(&path, line_no, why);
                    continue;
                }
            };
            let value = line.quantity.checked_mul(line.price_micros);
            let Some(value) = value else {
                report.skip(&path, line_no, "Quantity × UnitPrice out of range");
                continue;
            };
            let i = *by_number.entry(line.number.to_owned()).or_insert_with(|| {
                invoices.push(Invoice {
                    number: line.number.to_owned(),
                    cancel: line.cancel,
                    ts_ms: line.ts_ms,
                    micros: 0,
                    customer: None,
                });
                invoices.len() - 1
            });
            let inv = &mut invoices[i];
            inv.micros = inv.micros.saturating_add(value);
            // A few invoices straddle a minute: the order is placed at its first.
            inv.ts_ms = inv.ts_ms.min(line.ts_ms);
            if inv.customer.is_none() {
                inv.customer = line.customer;
            }
        }
    }
    if report.rows == 0 {
        bail!("{} has no rows", input.display());
    }
    // Whether a customer is new depends on time order, not file order.
    invoices.sort_by_key(|inv| inv.ts_ms);
    let uk = FixedOffset::east_opt(0).expect("valid offset");
    let mut rec = Recording::new(uk);
    let mut seen: HashSet<String> = HashSet::new();
    for inv in invoices {
        let mut fields = json!({
            "order_id": inv.number,
            "amount": cents(inv.micros.abs()) as f64 / 100.0,
        });
        if inv.cancel {
            fields["status"] = json!("refunded");
        }
        if let Some(c) = inv.customer {
            let new = seen.insert(c) && !inv.cancel;
            fields["customer"] = json!(if new { "new" } else { "returning" });
        }
        rec.push(inv.ts_ms, "order", fields);
    }
    rec.finish(
        out_dir,
        Format::UciRetail,
        "UCI Online Retail 2011",
        &mut report,
    )?;
    Ok(report)
}

fn parse_line(row: &csv::StringRecord) -> Result<Line<'_>, String> {
    if row.len() != COLUMNS {
        return Err(format!("expected {COLUMNS} columns, got {}", row.len()));
    }
    let number = row[0].trim();
    let (cancel, digits) = match number.strip_prefix('C') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("InvoiceNo {number:?} is not [C]digits"));
    }
    let quantity: i64 = row[3]
        .trim()
        .parse()
        .map_err(|_| format!("bad Quantity {:?}", &row[3]))?;
    let ts_ms = NaiveDateTime::parse_from_str(row[4].trim(), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| format!("bad InvoiceDate {:?}", &row[4]))?
        .and_utc()
        .timestamp_millis();
    let price_micros =
        parse_micros(row[5].trim()).ok_or_else(|| format!("bad UnitPrice {:?}", &row[5]))?;
    let customer = match row[6].trim() {
        "" => None,
        id => Some(parse_customer(id).ok_or_else(|| format!("bad CustomerID {id:?}"))?),
    };
    if cancel && quantity >= 0 {
        return Err(format!("cancellation line with Quantity {quantity}"));
    }
    if !cancel && quantity <= 0 {
        return Err(format!("Quantity {quantity} on a sale: a stock adjustment"));
    }
    if price_micros <= 0 {
        return Err(format!(
            "UnitPrice {:?}: a free item, write-off or adjustment",
            &row[5]
        ));
    }
    Ok(Line {
        number,
        cancel,
        quantity,
        ts_ms,
        price_micros,
        customer,
    })
}

/// A decimal with at most 6 places, in millionths (exact, unlike f64).
fn parse_micros(s: &str) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || frac.len() > 6 || !digits(whole) || !digits(frac) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<6}").parse().ok()?;
    let v = whole.checked_mul(1_000_000)?.checked_add(frac)?;
    Some(if neg { -v } else { v })
}

/// `17850.0` (the Spark copy writes ids as floats) or `17850` → `17850`.
fn parse_customer(s: &str) -> Option<String> {
    let id = s.strip_suffix(".0").unwrap_or(s);
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_owned())
}

/// Millionths of a pound → cents, half away from zero.
fn cents(micros: i64) -> i64 {
    let (q, r) = (micros / 10_000, micros % 10_000);
    if r.abs() >= 5_000 {
        q + micros.signum()
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_to_the_cent() {
        assert_eq!(parse_micros("2.08"), Some(2_080_000));
        assert_eq!(parse_micros("0.001"), Some(1_000));
        assert_eq!(parse_micros("-11062.06"), Some(-11_062_060_000));
        assert_eq!(parse_micros("1e3"), None);
        assert_eq!(parse_micros(".5"), None);
        // 80,995 × £2.08, the 2011-12-09 order.
        assert_eq!(cents(80_995 * 2_080_000), 16_846_960);
        assert_eq!(cents(5_000), 1);
        assert_eq!(cents(4_999), 0);
        assert_eq!(cents(-5_000), -1);
    }

    #[test]
    fn customer_ids_lose_the_float_suffix() {
        assert_eq!(parse_customer("17850.0").as_deref(), Some("17850"));
        assert_eq!(parse_customer("17850").as_deref(), Some("17850"));
        assert_eq!(parse_customer("17850.5"), None);
    }
}
