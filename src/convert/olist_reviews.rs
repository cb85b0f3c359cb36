//! Olist order reviews (`review_id,order_id,review_score,
//! review_comment_title,review_comment_message,review_creation_date,
//! review_answer_timestamp`; quoted CSV whose comments hold commas and
//! newlines; Brazil time).
//!
//! → one `cs` session per review (`session` = review_id): `open` when the
//! survey was sent (review_creation_date), tagged `差评` when the score is
//! ≤ 2 and also `投诉` when such a customer wrote a title or a comment (a
//! grievance put into words, not just a low click); `rate` with `score`
//! when it was answered (review_answer_timestamp). There is no agent in this
//! data: no first reply, resolution or escalation.
//!
//! Times are written at -03:00 (Brasília standard time). Olist's clock kept
//! Brazilian summer time (the survey dates of 2017-10-15, when midnight was
//! skipped, read 01:00), so summer dates show wall-clock time, one hour off
//! in absolute terms.
//!
//! Rows skipped with a reason: not CSV, the wrong number of columns, an
//! empty review_id, a score outside 1–5, a bad date, an answer before the
//! survey, and a review_id already read (one survey covering several orders
//! is one session).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Result};
use chrono::{FixedOffset, NaiveDateTime};
use serde_json::json;

use super::{input_files, CsvFile, Format, Recording, Report};

const COLUMNS: [&str; 7] = [
    "review_id",
    "order_id",
    "review_score",
    "review_comment_title",
    "review_comment_message",
    "review_creation_date",
    "review_answer_timestamp",
];

/// Scores up to this are a bad review (差评).
pub const BAD_SCORE: u8 = 2;

pub fn order_reviews(input: &Path, out_dir: &Path) -> Result<Report> {
    let brazil = FixedOffset::west_opt(3 * 3600).expect("valid offset");
    let mut report = Report::default();
    let mut rec = Recording::new(brazil);
    // review_id → the line that first had it.
    let mut seen: HashMap<String, u64> = HashMap::new();
    for path in input_files(input)? {
        let file = CsvFile::open(&path, false)?;
        let col = file.columns(COLUMNS)?;
        for (line, row) in file.rows() {
            let Some(row) = report.row(&path, line, row) else {
                continue;
            };
            let review = match parse_row(&row, file.header.len(), &col, brazil) {
                Ok(r) => r,
                Err(why) => {
                    report.skip(&path, line, why);
                    continue;
                }
            };
            if let Some(first) = seen.get(review.id) {
                report.skip(
                    &path,
                    line,
                    format!("review {} already read at line {first}", review.id),
                );
                continue;
            }
            seen.insert(review.id.to_owned(), line);
            let mut open = json!({ "session": review.id, "event": "open" });
            if review.score <= BAD_SCORE {
                let mut tags = vec!["差评"];
                if review.wrote {
                    tags.push("投诉");
                }
                open["tags"] = json!(tags);
            }
            rec.push(review.sent_ms, "cs", open);
            rec.push(
                review.answered_ms,
                "cs",
                json!({ "session": review.id, "event": "rate", "score": review.score }),
            );
        }
    }
    if report.rows == 0 {
        bail!("{} has no rows", input.display());
    }
    rec.finish(
        out_dir,
        Format::OlistReviews,
        "Olist order reviews",
        &mut report,
    )?;
    Ok(report)
}

struct Review<'a> {
    id: &'a str,
    score: u8,
    /// A title or a comment was written.
    wrote: bool,
    sent_ms: i64,
    answered_ms: i64,
}

fn parse_row<'a>(
    row: &'a csv::StringRecord,
    width: usize,
    col: &[usize],
    tz: FixedOffset,
) -> Result<Review<'a>, String> {
    if row.len() != width {
        return Err(format!("expected {width} columns, got {}", row.len()));
    }
    let field = |i: usize| row[col[i]].trim();
    let id = field(0);
    if id.is_empty() {
        return Err("empty review_id".into());
    }
    let score = field(2)
        .parse::<u8>()
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| format!("review_score {:?} is not 1–5", field(2)))?;
    let time = |i: usize| -> Result<i64, String> {
        NaiveDateTime::parse_from_str(field(i), "%Y-%m-%d %H:%M:%S")
            .ok()
            .and_then(|t| t.and_local_timezone(tz).single())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| format!("bad {} {:?}", COLUMNS[i], field(i)))
    };
    let (sent_ms, answered_ms) = (time(5)?, time(6)?);
    if answered_ms < sent_ms {
        return Err("answered before the survey was sent".into());
    }
    Ok(Review {
        id,
        score,
        wrote: !field(3).is_empty() || !field(4).is_empty(),
        sent_ms,
        answered_ms,
    })
}
