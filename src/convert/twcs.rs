//! Customer Support on Twitter (Kaggle `twcs.csv`: `tweet_id,author_id,
//! inbound,created_at,text,response_tweet_id,in_response_to_tweet_id`, with a
//! header, quoted text that may hold commas and newlines; times like
//! `Tue Oct 31 22:10:47 +0000 2017`).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Result};
use chrono::{DateTime, FixedOffset};

use super::{input_files, CsvFile, Format, Recording, Report};

/// The columns the mapping reads, looked up by name (the published copy has
/// an extra unnamed index column in front).
const COLUMNS: [&str; 6] = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "in_response_to_tweet_id",
];

struct Tweet {
    author: String,
    inbound: bool,
    ts: i64,
    parent: Option<u64>,
    refund: bool,
    file: usize,
    line: u64,
}

/// → `cs` records: a conversation is a tweet that answers nothing and its
/// replies, transitively. A conversation a customer starts (`inbound`) is a
/// session (`session` = its tweet_id): `open` at the first tweet, and
/// `first_reply` at the company's earliest tweet anywhere in the
/// conversation (the company often answers the customer's follow-up, not the
/// first tweet), `wait_s` = seconds between them. Both carry `channel` = the
/// answering company's `author_id` (the queue); the open is tagged `退款`
/// when its text mentions a refund.
///
/// Not mapped: the customer's follow-ups and the company's later replies
/// (same session), and conversations a company starts (announcements).
/// Skipped: tweets whose conversation starts outside the input (a cut of
/// the corpus loses them).
pub fn conversations(input: &Path, out_dir: &Path) -> Result<Report> {
    let mut report = Report::default();
    let files = input_files(input)?;
    let mut tweets: HashMap<u64, Tweet> = HashMap::new();
    for (fi, path) in files.iter().enumerate() {
        // Records end at `\n` only: the published file holds a tweet with a
        // bare `\r` in unquoted text, which is part of the text.
        let file = CsvFile::open(path, true)?;
        let [c_id, c_author, c_inbound, c_time, c_text, c_parent] = file.columns(COLUMNS)?;
        for (line, row) in file.rows() {
            let Some(row) = report.row(path, line, row) else {
                continue;
            };
            let Some(id) = parse_id(&row[c_id]) else {
                report.skip(path, line, format!("tweet_id {:?}", &row[c_id]));
                continue;
            };
            let inbound = match row[c_inbound].trim() {
                s if s.eq_ignore_ascii_case("true") => true,
                s if s.eq_ignore_ascii_case("false") => false,
                other => {
                    report.skip(path, line, format!("inbound {other:?}"));
                    continue;
                }
            };
            let time = row[c_time].trim();
            let Ok(ts) = DateTime::parse_from_str(time, "%a %b %d %H:%M:%S %z %Y") else {
                report.skip(path, line, format!("created_at {time:?}"));
                continue;
            };
            let parent = row[c_parent].trim();
            let parent = if parent.is_empty() {
                None
            } else if let Some(p) = parse_id(parent) {
                Some(p)
            } else {
                report.skip(path, line, format!("in_response_to_tweet_id {parent:?}"));
                continue;
            };
            let author = row[c_author].trim();
            if author.is_empty() {
                report.skip(path, line, "no author_id");
                continue;
            }
            if tweets.contains_key(&id) {
                report.skip(path, line, format!("tweet_id {id} again"));
                continue;
            }
            tweets.insert(
                id,
                Tweet {
                    author: author.to_owned(),
                    inbound,
                    ts: ts.timestamp_millis(),
                    parent,
                    refund: row[c_text].to_lowercase().contains("refund"),
                    file: fi,
                    line,
                },
            );
        }
    }
    if report.rows == 0 {
        bail!("{} has no rows", input.display());
    }
    // The first tweet of each tweet's conversation, or the tweet the chain
    // leaves the input at (None: it loops, which a cut should not produce).
    let root = |mut id: u64| -> Result<u64, Option<u64>> {
        for _ in 0..=tweets.len() {
            match tweets.get(&id).ok_or(Some(id))?.parent {
                None => return Ok(id),
                Some(p) => id = p,
            }
        }
        Err(None)
    };
    // Conversation → its company's earliest tweet (ts, author, id).
    let mut first_reply: HashMap<u64, (i64, &str, u64)> = HashMap::new();
    let mut ids: Vec<u64> = tweets.keys().copied().collect();
    ids.sort_unstable();
    for &id in &ids {
        let t = &tweets[&id];
        let r = match root(id) {
            Ok(r) => r,
            Err(missing) => {
                let why = match missing {
                    Some(m) => format!("its conversation starts outside the input (tweet {m})"),
                    None => "its conversation loops".to_owned(),
                };
                report.skip(&files[t.file], t.line, why);
                continue;
            }
        };
        if !t.inbound && r != id {
            let e = first_reply.entry(r).or_insert((t.ts, &t.author, id));
            if (t.ts, t.author.as_str(), id) < *e {
                *e = (t.ts, &t.author, id);
            }
        }
    }
    let mut rec = Recording::new(FixedOffset::east_opt(0).expect("valid offset"));
    for &id in &ids {
        let t = &tweets[&id];
        if t.parent.is_some() || !t.inbound {
            continue;
        }
        let session = id.to_string();
        let mut open = serde_json::json!({ "session": session, "event": "open" });
        if t.refund {
            open["tags"] = serde_json::json!(["退款"]);
        }
        let reply = first_reply.get(&id).copied();
        if let Some((_, author, _)) = reply {
            open["channel"] = author.into();
        }
        rec.push(t.ts, "cs", open);
        let Some((reply_ts, author, reply_id)) = reply else {
            continue;
        };
        if reply_ts < t.ts {
            let r = &tweets[&reply_id];
            report.skip(&files[r.file], r.line, "a first reply before its tweet");
            continue;
        }
        rec.push(
            reply_ts,
            "cs",
            serde_json::json!({
                "session": session, "event": "first_reply",
                "wait_s": (reply_ts - t.ts) as f64 / 1000.0, "channel": author,
            }),
        );
    }
    rec.finish(
        out_dir,
        Format::Twcs,
        "Twitter customer support",
        &mut report,
    )?;
    Ok(report)
}

/// A tweet id as written: `123`, or `123.0` where pandas made the column a
/// float because of empty cells.
fn parse_id(s: &str) -> Option<u64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse().ok()
}
