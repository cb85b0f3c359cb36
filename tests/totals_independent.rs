//! The run summary of a simulated 双11 against figures computed here, from
//! the raw files, with nothing but `serde_json`, `csv`, `toml` and `chrono`:
//! no warroom parsing, time or aggregation code is used on this side. The
//! definitions are those of `spec/data-contract.md` and `spec/outputs.md`,
//! written out again below:
//!
//! - bad lines (not JSON/CSV, unknown `kind`, a required field missing, a
//!   value of the wrong type or range) are skipped and counted;
//! - a repeated (`order_id`, `status`) pair counts once; refunds are apart;
//! - GMV = Σ paid amounts, orders = paid orders, new customers = paid orders
//!   with `customer = new`; spend = Σ spend amounts;
//! - CS sessions = opens, 15 s response = first replies with `wait_s` ≤ 15 ÷
//!   first replies, FCR = resolves with `first_contact` ÷ resolves,
//!   satisfaction = mean score, complaint rate = sessions tagged 投诉 ÷ opens;
//! - stock breaches / stock-outs = distinct SKUs with `on_hand` < safety (the
//!   record's, else the last known one of the SKU) / with `on_hand` = 0;
//! - a record belongs to the phase whose [start, end) holds its `ts`.
//!
//! Money is compared to the cent, counts exactly, ratios to 1e-9.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde_json::Value;

use warroom::config::Config;
use warroom::simulate::{run, Pacing, SimOptions};

const SEED: u64 = 20_261_111;
const SCALE: f64 = 0.3;
const RATIO_TOLERANCE: f64 = 1e-9;
const STAGES: [&str; 5] = ["visit", "view", "cart", "order", "pay"];
const KINDS: [&str; 6] = ["traffic", "order", "spend", "cs", "stock", "metric"];

// ---- the campaign config, read independently ------------------------------

struct Campaign {
    tz: FixedOffset,
    /// (name, start, end) in file order; a phase holds [start, end).
    phases: Vec<(String, i64, i64)>,
    lateness_ms: i64,
}

fn parse_offset(s: &str) -> FixedOffset {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return FixedOffset::east_opt(0).unwrap();
    }
    let sign = match &s[..1] {
        "+" => 1,
        "-" => -1,
        _ => panic!("timezone {s:?}"),
    };
    let digits: String = s[1..].chars().filter(|c| c.is_ascii_digit()).collect();
    assert_eq!(digits.len(), 4, "timezone {s:?}");
    let h: i32 = digits[..2].parse().unwrap();
    let m: i32 = digits[2..].parse().unwrap();
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).unwrap()
}

fn read_campaign(path: &Path) -> Campaign {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    let tz = doc
        .get("campaign")
        .and_then(|c| c.get("timezone"))
        .and_then(|t| t.as_str())
        .map_or_else(|| FixedOffset::east_opt(0).unwrap(), parse_offset);
    let phases = doc
        .get("phase")
        .and_then(|p| p.as_array())
        .expect("[[phase]] tables")
        .iter()
        .map(|p| {
            let field = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap().to_string();
            let start = ts_text(&field("start"), tz).unwrap();
            let end = ts_text(&field("end"), tz).unwrap();
            (field("name"), start, end)
        })
        .collect();
    let lateness_ms = doc
        .get("ingest")
        .and_then(|i| i.get("lateness_seconds"))
        .and_then(|v| v.as_integer())
        .unwrap_or(120)
        * 1000;
    Campaign {
        tz,
        phases,
        lateness_ms,
    }
}

impl Campaign {
    fn phase_of(&self, ts: i64) -> Option<usize> {
        self.phases
            .iter()
            .position(|(_, start, end)| ts >= *start && ts < *end)
    }
}

// ---- one record, validated per the contract --------------------------------

/// Timestamp text: all digits = epoch ms; RFC 3339 with offset; RFC 3339 or
/// `YYYY-MM-DD HH:MM:SS` without offset, in the campaign timezone.
fn ts_text(s: &str, tz: FixedOffset) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return tz
                .from_local_datetime(&n)
                .single()
                .map(|t| t.timestamp_millis());
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CsEvent {
    Open,
    FirstReply,
    Resolve,
    Rate,
    Escalate,
}

#[derive(Debug, Clone)]
enum Body {
    Traffic {
        stage: usize,
        count: u64,
    },
    Order {
        id: String,
        refunded: bool,
        micro: i128,
        new_customer: bool,
    },
    Spend {
        item: String,
        micro: i128,
    },
    Cs {
        session: String,
        event: CsEvent,
        wait_s: Option<f64>,
        first_contact: Option<bool>,
        score: Option<f64>,
        tags: Vec<String>,
    },
    Stock {
        sku: String,
        on_hand: i64,
        safety: Option<i64>,
    },
    Metric,
}

impl Body {
    fn kind(&self) -> &'static str {
        match self {
            Body::Traffic { .. } => "traffic",
            Body::Order { .. } => "order",
            Body::Spend { .. } => "spend",
            Body::Cs { .. } => "cs",
            Body::Stock { .. } => "stock",
            Body::Metric => "metric",
        }
    }
}

#[derive(Debug, Clone)]
struct Rec {
    ts: i64,
    file: usize,
    line: usize,
    body: Body,
}

/// One field as written: a JSON value or a CSV cell (text).
#[derive(Clone, Copy)]
enum Cell<'a> {
    Json(&'a Value),
    Text(&'a str),
}

type Fields<'a> = dyn Fn(&str) -> Option<Cell<'a>> + 'a;

fn get_str<'a>(f: &Fields<'a>, k: &str) -> Result<Option<&'a str>, String> {
    match f(k) {
        None => Ok(None),
        Some(Cell::Json(Value::String(s))) => Ok(Some(s.as_str())),
        Some(Cell::Json(v)) => Err(format!("{k}: not a string: {v}")),
        Some(Cell::Text(s)) => Ok(Some(s)),
    }
}

fn need_str<'a>(f: &Fields<'a>, k: &str) -> Result<&'a str, String> {
    match get_str(f, k)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(format!("missing {k}")),
    }
}

fn get_f64(f: &Fields, k: &str) -> Result<Option<f64>, String> {
    let v = match f(k) {
        None => return Ok(None),
        Some(Cell::Json(v)) => v.as_f64().ok_or(format!("{k}: not a number"))?,
        Some(Cell::Text(s)) => s.parse::<f64>().map_err(|_| format!("{k}: {s:?}"))?,
    };
    if v.is_finite() {
        Ok(Some(v))
    } else {
        Err(format!("{k}: not finite"))
    }
}

fn get_i64(f: &Fields, k: &str) -> Result<Option<i64>, String> {
    match f(k) {
        None => Ok(None),
        Some(Cell::Json(v)) => v.as_i64().map(Some).ok_or(format!("{k}: not an integer")),
        Some(Cell::Text(s)) => s.parse().map(Some).map_err(|_| format!("{k}: {s:?}")),
    }
}

fn get_u64(f: &Fields, k: &str) -> Result<Option<u64>, String> {
    match f(k) {
        None => Ok(None),
        Some(Cell::Json(v)) => v.as_u64().map(Some).ok_or(format!("{k}: not ≥ 0 integer")),
        Some(Cell::Text(s)) => s.parse().map(Some).map_err(|_| format!("{k}: {s:?}")),
    }
}

fn get_bool(f: &Fields, k: &str) -> Result<Option<bool>, String> {
    match f(k) {
        None => Ok(None),
        Some(Cell::Json(Value::Bool(b))) => Ok(Some(*b)),
        Some(Cell::Json(_)) => Err(format!("{k}: not a bool")),
        Some(Cell::Text(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(format!("{k}: {s:?}")),
        },
    }
}

fn get_tags(f: &Fields, k: &str) -> Result<Vec<String>, String> {
    match f(k) {
        None => Ok(vec![]),
        Some(Cell::Json(Value::Array(a))) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(|s| s.trim().to_string())
                    .ok_or(format!("{k}: not strings"))
            })
            .collect(),
        Some(Cell::Json(_)) => Err(format!("{k}: not an array")),
        Some(Cell::Text(s)) => Ok(s
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()),
    }
}

fn amount_micro(f: &Fields) -> Result<i128, String> {
    match get_f64(f, "amount")? {
        Some(a) if a >= 0.0 => Ok((a * 1e6).round() as i128),
        Some(a) => Err(format!("amount {a} < 0")),
        None => Err("missing amount".into()),
    }
}

fn record(f: &Fields, tz: FixedOffset) -> Result<(i64, Body), String> {
    let ts = match f("ts") {
        None => return Err("missing ts".into()),
        Some(Cell::Json(Value::String(s))) => ts_text(s, tz),
        Some(Cell::Json(v)) => v.as_i64(),
        Some(Cell::Text(s)) => ts_text(s, tz),
    }
    .ok_or("bad ts")?;
    // Optional everywhere, but of the right type when present.
    get_str(f, "channel")?;
    get_str(f, "category")?;
    let body = match need_str(f, "kind")? {
        "traffic" => {
            let st = need_str(f, "stage")?;
            let stage = STAGES
                .iter()
                .position(|s| *s == st)
                .ok_or(format!("stage {st}"))?;
            Body::Traffic {
                stage,
                count: get_u64(f, "count")?.unwrap_or(1),
            }
        }
        "order" => {
            let id = need_str(f, "order_id")?.to_string();
            let refunded = match get_str(f, "status")?.unwrap_or("paid") {
                "paid" => false,
                "refunded" => true,
                s => return Err(format!("status {s}")),
            };
            let new_customer = match get_str(f, "customer")? {
                None | Some("returning") => false,
                Some("new") => true,
                Some(c) => return Err(format!("customer {c}")),
            };
            Body::Order {
                id,
                refunded,
                micro: amount_micro(f)?,
                new_customer,
            }
        }
        "spend" => {
            let item = need_str(f, "item")?.to_string();
            Body::Spend {
                item,
                micro: amount_micro(f)?,
            }
        }
        "cs" => {
            let session = need_str(f, "session")?.to_string();
            let event = match need_str(f, "event")? {
                "open" => CsEvent::Open,
                "first_reply" => CsEvent::FirstReply,
                "resolve" => CsEvent::Resolve,
                "rate" => CsEvent::Rate,
                "escalate" => CsEvent::Escalate,
                e => return Err(format!("event {e}")),
            };
            let wait_s = get_f64(f, "wait_s")?;
            if wait_s.is_some_and(|w| w < 0.0) {
                return Err("wait_s < 0".into());
            }
            let score = get_f64(f, "score")?;
            if score.is_some_and(|s| !(1.0..=5.0).contains(&s)) {
                return Err("score out of 1–5".into());
            }
            Body::Cs {
                session,
                event,
                wait_s,
                first_contact: get_bool(f, "first_contact")?,
                score,
                tags: get_tags(f, "tags")?,
            }
        }
        "stock" => {
            let sku = need_str(f, "sku")?.trim().to_string();
            let on_hand = get_i64(f, "on_hand")?.ok_or("missing on_hand")?;
            get_bool(f, "hot")?;
            Body::Stock {
                sku,
                on_hand,
                safety: get_i64(f, "safety")?,
            }
        }
        "metric" => {
            need_str(f, "name")?;
            get_f64(f, "value")?.ok_or("missing value")?;
            if let Some(Cell::Json(d)) = f("dims") {
                let ok = d
                    .as_object()
                    .is_some_and(|o| o.values().all(Value::is_string));
                if !ok && !d.is_null() {
                    return Err("dims: not an object of strings".into());
                }
            }
            Body::Metric
        }
        k => return Err(format!("unknown kind {k}")),
    };
    Ok((ts, body))
}

// ---- reading the recording ---------------------------------------------------

struct Read {
    records: Vec<Rec>,
    bad: u64,
    late: u64,
}

fn input_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            input_files(&p, out);
        } else if let Some(ext) = p.extension().and_then(|e| e.to_str()) {
            if ["jsonl", "ndjson", "csv"].contains(&ext.to_ascii_lowercase().as_str()) {
                out.push(p);
            }
        }
    }
}

fn read_recording(dir: &Path, c: &Campaign) -> Read {
    let mut files = Vec::new();
    input_files(dir, &mut files);
    files.sort();
    let mut r = Read {
        records: Vec::new(),
        bad: 0,
        late: 0,
    };
    for (file, path) in files.iter().enumerate() {
        let mut newest = i64::MIN;
        let mut take = |line: usize, res: Result<(i64, Body), String>, r: &mut Read| match res {
            Ok((ts, body)) => {
                if newest != i64::MIN && ts < newest - c.lateness_ms {
                    r.late += 1;
                }
                newest = newest.max(ts);
                r.records.push(Rec {
                    ts,
                    file,
                    line,
                    body,
                });
            }
            Err(_) => r.bad += 1,
        };
        let is_csv = path.extension().unwrap().eq_ignore_ascii_case("csv");
        if is_csv {
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .from_path(path)
                .unwrap();
            let header: Vec<String> = rdr
                .headers()
                .unwrap()
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
            let nab = header == ["timestamp", "value"];
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            for (i, row) in rdr.records().enumerate() {
                let res = match row {
                    Err(e) => Err(e.to_string()),
                    Ok(row) if row.len() != header.len() => Err("column count".into()),
                    Ok(row) => {
                        let cells: Vec<&str> = row.iter().map(str::trim).collect();
                        let f = |k: &str| -> Option<Cell> {
                            if nab {
                                return match k {
                                    "ts" => Some(Cell::Text(cells[0])),
                                    "value" => Some(Cell::Text(cells[1])),
                                    "kind" => Some(Cell::Text("metric")),
                                    "name" => Some(Cell::Text(&stem)),
                                    _ => None,
                                };
                            }
                            let i = header.iter().position(|h| h == k)?;
                            Some(Cell::Text(cells[i])).filter(|_| !cells[i].is_empty())
                        };
                        record(&f, c.tz)
                    }
                };
                take(i + 2, res, &mut r);
            }
        } else {
            let text = std::fs::read_to_string(path).unwrap();
            for (i, line) in text.split('\n').enumerate() {
                let line = line.strip_suffix('\r').unwrap_or(line).trim();
                if line.is_empty() {
                    continue;
                }
                let res = match serde_json::from_str::<Value>(line) {
                    Ok(Value::Object(o)) => {
                        let f = |k: &str| o.get(k).filter(|v| !v.is_null()).map(Cell::Json);
                        record(&f, c.tz)
                    }
                    Ok(_) => Err("not an object".into()),
                    Err(e) => Err(e.to_string()),
                };
                take(i + 1, res, &mut r);
            }
        }
    }
    r
}

// ---- the figures ---------------------------------------------------------------

#[derive(Default, Debug)]
struct Tally {
    stages: [u64; 5],
    gmv: i128,
    orders: u64,
    new_customers: u64,
    refunds: i128,
    spend: i128,
    spend_by_item: BTreeMap<String, i128>,
    cs_sessions: u64,
    first_replies: u64,
    fast_replies: u64,
    resolves: u64,
    first_contact: u64,
    ratings: u64,
    score_sum: f64,
    complaints: u64,
    breached: BTreeSet<String>,
    out: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    Count(u64),
    /// Micro-yuan; compared as rounded cents.
    Money(i128),
    Ratio(Option<f64>),
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

impl Tally {
    fn figures(&self) -> BTreeMap<&'static str, Expect> {
        use Expect::*;
        let st = |i: usize| self.stages[i] as f64;
        let gmv = self.gmv as f64 / 1e6;
        let spend = self.spend as f64 / 1e6;
        let mut m = BTreeMap::new();
        for (i, k) in STAGES.iter().enumerate() {
            m.insert(*k, Count(self.stages[i]));
        }
        m.insert("cr_visit_view", Ratio(ratio(st(1), st(0))));
        m.insert("cr_view_cart", Ratio(ratio(st(2), st(1))));
        m.insert("cr_cart_order", Ratio(ratio(st(3), st(2))));
        m.insert("cr_order_pay", Ratio(ratio(st(4), st(3))));
        m.insert("cr_overall", Ratio(ratio(st(4), st(0))));
        m.insert("gmv", Money(self.gmv));
        m.insert("orders", Count(self.orders));
        m.insert("aov", Ratio(ratio(gmv, self.orders as f64)));
        m.insert("uv_value", Ratio(ratio(gmv, st(0))));
        m.insert("new_customers", Count(self.new_customers));
        m.insert("refund_amount", Money(self.refunds));
        m.insert("spend", Money(self.spend));
        m.insert("roi", Ratio(ratio(gmv, spend)));
        m.insert("cs_sessions", Count(self.cs_sessions));
        m.insert(
            "cs_response_15s",
            Ratio(ratio(self.fast_replies as f64, self.first_replies as f64)),
        );
        m.insert(
            "cs_fcr",
            Ratio(ratio(self.first_contact as f64, self.resolves as f64)),
        );
        m.insert(
            "cs_satisfaction",
            Ratio(ratio(self.score_sum, self.ratings as f64)),
        );
        m.insert(
            "cs_complaint_rate",
            Ratio(ratio(self.complaints as f64, self.cs_sessions as f64)),
        );
        m.insert("stock_breaches", Count(self.breached.len() as u64));
        m.insert("stock_outs", Count(self.out.len() as u64));
        m
    }
}

struct Truth {
    totals: Tally,
    phases: Vec<Tally>,
    by_kind: BTreeMap<&'static str, u64>,
    read: u64,
    duplicates: u64,
}

fn compute(mut recs: Vec<Rec>, c: &Campaign) -> Truth {
    // Event-time order (file, then line, breaks ties): "first" and "last
    // known" below are meant in time.
    recs.sort_by_key(|r| (r.ts, r.file, r.line));
    let mut t = Truth {
        totals: Tally::default(),
        phases: c.phases.iter().map(|_| Tally::default()).collect(),
        by_kind: KINDS.iter().map(|k| (*k, 0)).collect(),
        read: recs.len() as u64,
        duplicates: 0,
    };
    let mut orders_seen: HashSet<(String, bool)> = HashSet::new();
    let mut complained: HashSet<String> = HashSet::new();
    let mut safety: HashMap<String, i64> = HashMap::new();
    for r in &recs {
        *t.by_kind.get_mut(r.body.kind()).unwrap() += 1;
        let phase = c.phase_of(r.ts);
        let mut slices: Vec<&mut Tally> = vec![&mut t.totals];
        if let Some(p) = phase {
            slices.push(&mut t.phases[p]);
        }
        match &r.body {
            Body::Traffic { stage, count } => {
                for s in slices {
                    s.stages[*stage] += count;
                }
            }
            Body::Order {
                id,
                refunded,
                micro,
                new_customer,
            } => {
                if !orders_seen.insert((id.clone(), *refunded)) {
                    t.duplicates += 1;
                    continue;
                }
                for s in slices {
                    if *refunded {
                        s.refunds += micro;
                    } else {
                        s.gmv += micro;
                        s.orders += 1;
                        s.new_customers += u64::from(*new_customer);
                    }
                }
            }
            Body::Spend { item, micro } => {
                for s in slices {
                    s.spend += micro;
                    *s.spend_by_item.entry(item.clone()).or_default() += micro;
                }
            }
            Body::Cs {
                session,
                event,
                wait_s,
                first_contact,
                score,
                tags,
            } => {
                let complaint =
                    tags.iter().any(|t| t == "投诉") && complained.insert(session.clone());
                for s in slices {
                    s.complaints += u64::from(complaint);
                    match event {
                        CsEvent::Open => s.cs_sessions += 1,
                        CsEvent::FirstReply => {
                            s.first_replies += 1;
                            s.fast_replies += u64::from(wait_s.is_some_and(|w| w <= 15.0));
                        }
                        CsEvent::Resolve => {
                            s.resolves += 1;
                            s.first_contact += u64::from(*first_contact == Some(true));
                        }
                        CsEvent::Rate => {
                            if let Some(x) = score {
                                s.ratings += 1;
                                s.score_sum += x;
                            }
                        }
                        CsEvent::Escalate => {}
                    }
                }
            }
            Body::Stock {
                sku,
                on_hand,
                safety: sf,
            } => {
                if let Some(x) = sf {
                    safety.insert(sku.clone(), *x);
                }
                let below = safety.get(sku).is_some_and(|x| on_hand < x);
                for s in slices {
                    if below {
                        s.breached.insert(sku.clone());
                    }
                    if *on_hand == 0 {
                        s.out.insert(sku.clone());
                    }
                }
            }
            Body::Metric => {}
        }
    }
    t
}

// ---- comparing -------------------------------------------------------------------

fn check(
    where_: &str,
    got: &Value,
    want: &BTreeMap<&'static str, Expect>,
    errors: &mut Vec<String>,
) {
    for (key, w) in want {
        let g = &got[*key];
        let ok = match w {
            Expect::Count(n) => g.as_u64() == Some(*n),
            Expect::Money(micro) => {
                let want_cents = (micro + 5_000).div_euclid(10_000);
                g.as_f64().map(|y| (y * 100.0).round() as i128) == Some(want_cents)
            }
            Expect::Ratio(None) => g.is_null(),
            Expect::Ratio(Some(x)) => g.as_f64().is_some_and(|y| (y - x).abs() <= RATIO_TOLERANCE),
        };
        if !ok {
            let w = match w {
                Expect::Money(micro) => format!("{:.2}", *micro as f64 / 1e6),
                Expect::Count(n) => n.to_string(),
                Expect::Ratio(r) => format!("{r:?}"),
            };
            errors.push(format!("{where_}.{key}: summary {g}, independent {w}"));
        }
    }
}

#[test]
fn summary_matches_totals_computed_independently_from_the_raw_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sim");
    let report = run(&SimOptions {
        out: out.clone(),
        seed: SEED,
        scenario: "double11".into(),
        pacing: Pacing::Instant,
        scale: SCALE,
        with_baseline: false,
        bad_lines: true,
        compact: true,
    })
    .unwrap();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(&report.truth_path).unwrap()).unwrap();
    let truth_bad = truth["bad_lines"].as_u64().unwrap();
    assert!(truth_bad > 0, "the simulator injected bad lines");

    // The product's side.
    let cfg = Arc::new(Config::load(&report.config_path).unwrap());
    let (session, stats) = warroom::session::replay(&report.campaign_dir, cfg, |_| Ok(())).unwrap();
    let summary = serde_json::to_value(session.summary(&stats)).unwrap();

    // The independent side.
    let campaign = read_campaign(&report.config_path);
    assert_eq!(campaign.phases.len(), 3, "double11 has 预热, 爆发, 收尾");
    let read = read_recording(&report.campaign_dir, &campaign);
    assert_eq!(
        read.bad, truth_bad,
        "independent reader's bad lines vs truth.json (checks this test, not the product)"
    );
    assert_eq!(
        read.records.len() as u64 + read.bad,
        truth["records"].as_u64().unwrap(),
        "lines written vs read here (checks this test)"
    );
    let (bad, late) = (read.bad, read.late);
    let t = compute(read.records, &campaign);
    assert_eq!(
        t.duplicates,
        truth["duplicates"].as_u64().unwrap(),
        "independent duplicates vs truth.json (checks this test)"
    );
    assert!(t.totals.refunds > 0 && t.totals.complaints > 0 && !t.totals.breached.is_empty());

    let mut errors = Vec::new();
    let rc = &summary["records"];
    if rc["skipped"].as_u64() != Some(truth_bad) {
        errors.push(format!(
            "records.skipped: summary {}, truth.json bad_lines {truth_bad} (independent {bad})",
            rc["skipped"]
        ));
    }
    if rc["read"].as_u64() != Some(t.read) {
        errors.push(format!(
            "records.read: summary {}, independent {}",
            rc["read"], t.read
        ));
    }
    for (k, n) in &t.by_kind {
        if rc["by_kind"][*k].as_u64() != Some(*n) {
            errors.push(format!(
                "records.by_kind.{k}: summary {}, independent {n}",
                rc["by_kind"][*k]
            ));
        }
    }
    // Extension keys, still defined by the contract's rules.
    if rc["duplicates"].as_u64() != Some(t.duplicates) {
        errors.push(format!(
            "records.duplicates: summary {}, independent {}",
            rc["duplicates"], t.duplicates
        ));
    }
    if rc["late"].as_u64() != Some(late) {
        errors.push(format!(
            "records.late: summary {}, independent {late}",
            rc["late"]
        ));
    }

    check(
        "totals",
        &summary["totals"],
        &t.totals.figures(),
        &mut errors,
    );
    let phases = summary["phases"].as_object().expect("phases object");
    // (serde_json's map is sorted: compare the names as sets.)
    let names: BTreeSet<&String> = phases.keys().collect();
    let want_names: BTreeSet<&String> = campaign.phases.iter().map(|p| &p.0).collect();
    if names != want_names {
        errors.push(format!(
            "phase names: summary {names:?}, config {want_names:?}"
        ));
    }
    for (i, (name, _, _)) in campaign.phases.iter().enumerate() {
        let got = &summary["phases"][name.as_str()];
        check(
            &format!("phases.{name}"),
            got,
            &t.phases[i].figures(),
            &mut errors,
        );
    }
    // Extension: spend per budget line, whole run and per phase.
    let cents = |micro: i128| (micro + 5_000).div_euclid(10_000);
    let lines = &summary["budget_lines"];
    assert!(
        t.totals.spend_by_item.len() >= 3,
        "the simulator spends on several lines"
    );
    for (item, micro) in &t.totals.spend_by_item {
        let line = &lines[item.as_str()];
        let mut pairs = vec![(format!("budget_lines.{item}.spend"), &line["spend"], *micro)];
        for (i, (name, _, _)) in campaign.phases.iter().enumerate() {
            let m = t.phases[i].spend_by_item.get(item).copied().unwrap_or(0);
            pairs.push((
                format!("budget_lines.{item}.phases.{name}"),
                &line["phases"][name.as_str()],
                m,
            ));
        }
        for (what, got, micro) in pairs {
            if got.as_f64().map(|y| (y * 100.0).round() as i128) != Some(cents(micro)) {
                errors.push(format!(
                    "{what}: summary {got}, independent {:.2}",
                    micro as f64 / 1e6
                ));
            }
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches between the summary and the independent totals:\n  {}",
        errors.len(),
        errors.join("\n  ")
    );
}
