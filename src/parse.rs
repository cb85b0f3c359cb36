//! One line of an input file → one validated `Record`, or the reason it was
//! skipped. JSON lines go through serde_json borrowing from the line (no
//! allocation unless a string has escapes); CSV lines through csv-core. Both
//! layouts fill the same `Raw` form so validation is written once.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::FixedOffset;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use xxhash_rust::xxh3::{xxh3_128_with_seed, xxh3_64};

use crate::dims::{DimId, Dims};
use crate::record::{money_from_yuan, Body, CsEvent, Customer, Kind, Record, Stage, TagSet};
use crate::time::{parse_ts_str, Millis};

/// Largest `count` of a traffic record (a trillion).
pub const MAX_COUNT: u64 = 1_000_000_000_000;

/// What one line turned into.
#[derive(Debug)]
pub enum Parsed {
    Record(Record),
    /// A CSV header row (or a blank line): nothing to count.
    Nothing,
    Bad(String),
}

/// A string borrowed from the line when it has no escapes.
#[derive(Debug, Clone)]
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `ts` as written: text or epoch milliseconds.
#[derive(Debug, Clone)]
enum RawTs<'a> {
    Text(Str<'a>),
    Millis(i64),
}

impl<'de: 'a, 'a> Deserialize<'de> for RawTs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 string or epoch milliseconds")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawTs::Text(Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawTs::Text(Str(Cow::Owned(v.to_owned()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(RawTs::Millis(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(RawTs::Millis)
                    .map_err(|_| E::custom("epoch milliseconds out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(RawTs::Millis(v as i64))
                } else {
                    Err(E::custom("epoch milliseconds must be an integer"))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Every field of every kind; which ones are required depends on `kind`.
#[derive(Debug, Default)]
struct Raw<'a> {
    ts: Option<RawTs<'a>>,
    kind: Option<Str<'a>>,
    channel: Option<Str<'a>>,
    category: Option<Str<'a>>,
    stage: Option<Str<'a>>,
    count: Option<u64>,
    order_id: Option<Str<'a>>,
    amount: Option<f64>,
    status: Option<Str<'a>>,
    customer: Option<Str<'a>>,
    item: Option<Str<'a>>,
    session: Option<Str<'a>>,
    event: Option<Str<'a>>,
    wait_s: Option<f64>,
    first_contact: Option<bool>,
    score: Option<f64>,
    tags: Option<Vec<Str<'a>>>,
    sku: Option<Str<'a>>,
    on_hand: Option<i64>,
    safety: Option<i64>,
    hot: Option<bool>,
    name: Option<Str<'a>>,
    value: Option<f64>,
    dims: Option<BTreeMap<Str<'a>, Str<'a>>>,
}

/// Fills a `Raw` in place from one JSON object: the hot path of ingest.
/// (A derived `Deserialize` builds every field in locals and then moves
/// the whole ~600-byte struct out, twice per line; this writes each field
/// where it lives.) Same rules as a derive: unknown fields are ignored,
/// `null` is absent, a repeated field is an error.
struct RawSeed<'r, 'a>(&'r mut Raw<'a>);

impl<'de: 'a, 'a> de::DeserializeSeed<'de> for RawSeed<'_, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for RawSeed<'_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (one record)")
    }
    fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let raw = self.0;
        macro_rules! fields {
            ($key:expr, $($name:ident),*) => {
                match $key {
                    $(stringify!($name) => {
                        if raw.$name.is_some() {
                            return Err(de::Error::duplicate_field(stringify!($name)));
                        }
                        raw.$name = map.next_value()?;
                    })*
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            };
        }
        while let Some(key) = map.next_key::<Str<'de>>()? {
            fields!(
                key.0.as_ref(),
                ts,
                kind,
                channel,
                category,
                stage,
                count,
                order_id,
                amount,
                status,
                customer,
                item,
                session,
                event,
                wait_s,
                first_contact,
                score,
                tags,
                sku,
                on_hand,
                safety,
                hot,
                name,
                value,
                dims
            );
        }
        Ok(())
    }
}

/// Parse one JSON line into `raw`.
fn raw_from_json<'a>(text: &'a str, raw: &mut Raw<'a>) -> serde_json::Result<()> {
    let mut d = serde_json::Deserializer::from_str(text);
    de::DeserializeSeed::deserialize(RawSeed(raw), &mut d)?;
    d.end()
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Str<'_> {}
impl PartialOrd for Str<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Str<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

fn s<'b>(v: &'b Option<Str<'_>>) -> Option<&'b str> {
    v.as_ref().map(|x| x.0.as_ref())
}

/// How a file's lines are laid out; CSV is known after its header row.
#[derive(Debug, Clone)]
enum Layout {
    Jsonl,
    /// CSV waiting for its header row.
    CsvHeader,
    /// CSV with named columns: the column index of each known field.
    Csv(Vec<Option<Field>>),
    /// `timestamp,value`: each row is a `metric` named by the file stem.
    Nab,
    /// The header named neither layout; every row is skipped with this reason.
    CsvUnusable(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Ts,
    Kind,
    Channel,
    Category,
    Stage,
    Count,
    OrderId,
    Amount,
    Status,
    Customer,
    Item,
    Session,
    Event,
    WaitS,
    FirstContact,
    Score,
    Tags,
    Sku,
    OnHand,
    Safety,
    Hot,
    Name,
    Value,
}

impl Field {
    fn parse(h: &str) -> Option<Field> {
        Some(match h {
            "ts" => Field::Ts,
            "kind" => Field::Kind,
            "channel" => Field::Channel,
            "category" => Field::Category,
            "stage" => Field::Stage,
            "count" => Field::Count,
            "order_id" => Field::OrderId,
            "amount" => Field::Amount,
            "status" => Field::Status,
            "customer" => Field::Customer,
            "item" => Field::Item,
            "session" => Field::Session,
            "event" => Field::Event,
            "wait_s" => Field::WaitS,
            "first_contact" => Field::FirstContact,
            "score" => Field::Score,
            "tags" => Field::Tags,
            "sku" => Field::Sku,
            "on_hand" => Field::OnHand,
            "safety" => Field::Safety,
            "hot" => Field::Hot,
            "name" => Field::Name,
            "value" => Field::Value,
            _ => return None,
        })
    }
}

/// Is this path an input of a recording? (`.jsonl`, `.ndjson`, `.csv`)
pub fn is_input_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("jsonl" | "ndjson" | "csv")
    )
}

/// Parses the lines of one file, remembering its layout and the last
/// timestamp text (consecutive records often share a second).
pub struct LineParser {
    layout: Layout,
    is_csv: bool,
    stem: String,
    tz: FixedOffset,
    last_ts_text: String,
    last_ts: Millis,
    fields: Vec<(usize, usize)>,
    field_buf: Vec<u8>,
    line_buf: Vec<u8>,
    ends: Vec<usize>,
    csv: csv_core::Reader,
}

impl LineParser {
    pub fn for_path(path: &Path, tz: FixedOffset) -> LineParser {
        let is_csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        LineParser {
            layout: if is_csv {
                Layout::CsvHeader
            } else {
                Layout::Jsonl
            },
            is_csv,
            stem: path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("metric")
                .to_string(),
            tz,
            last_ts_text: String::new(),
            last_ts: 0,
            fields: Vec::new(),
            field_buf: Vec::new(),
            line_buf: Vec::new(),
            ends: Vec::new(),
            csv: csv_core::Reader::new(),
        }
    }

    /// The file starts again (truncated or rotated): a CSV header comes again.
    pub fn reset(&mut self) {
        if self.is_csv {
            self.layout = Layout::CsvHeader;
        }
    }

    /// Parse one line (without its newline).
    pub fn parse(&mut self, line: &[u8], dims: &mut Dims) -> Parsed {
        let line = trim_line(line);
        if line.is_empty() {
            return Parsed::Nothing;
        }
        // SIMD validation: std's is a third of the JSON reader's time on
        // lines with Chinese names.
        let Ok(text) = simdutf8::basic::from_utf8(line) else {
            return Parsed::Bad("not UTF-8".into());
        };
        match &self.layout {
            Layout::Jsonl => {
                let mut raw = Raw::default();
                match raw_from_json(text, &mut raw) {
                    Ok(()) => self.validate(&raw, dims),
                    Err(e) => Parsed::Bad(format!("invalid JSON: {e}")),
                }
            }
            Layout::CsvHeader => {
                self.read_header(text);
                Parsed::Nothing
            }
            Layout::CsvUnusable(why) => Parsed::Bad(why.clone()),
            Layout::Nab | Layout::Csv(_) => match self.split_csv(line) {
                Err(e) => Parsed::Bad(e),
                Ok(()) => match self.csv_raw(text) {
                    Ok(raw) => self.validate(&raw, dims),
                    Err(e) => Parsed::Bad(e),
                },
            },
        }
    }

    fn read_header(&mut self, text: &str) {
        if self.split_csv(text.as_bytes()).is_err() {
            self.layout = Layout::CsvUnusable("CSV header row is not valid CSV".into());
            return;
        }
        let names: Vec<String> = self
            .fields
            .iter()
            .map(|&(a, b)| {
                String::from_utf8_lossy(&self.field_buf[a..b])
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if names == ["timestamp", "value"] {
            self.layout = Layout::Nab;
            return;
        }
        let columns: Vec<Option<Field>> = names.iter().map(|n| Field::parse(n)).collect();
        if !columns.contains(&Some(Field::Ts)) || !columns.contains(&Some(Field::Kind)) {
            self.layout = Layout::CsvUnusable(format!(
                "CSV header {names:?} has neither `ts` and `kind` columns nor exactly `timestamp,value`"
            ));
            return;
        }
        self.layout = Layout::Csv(columns);
    }

    /// Split a CSV line into `self.fields` (ranges into `self.field_buf`).
    fn split_csv(&mut self, line: &[u8]) -> Result<(), String> {
        // Building a csv-core reader is costly (a DFA): keep one per file.
        self.csv.reset();
        self.line_buf.clear();
        self.line_buf.extend_from_slice(line);
        self.line_buf.push(b'\n');
        self.field_buf.clear();
        self.field_buf.resize(line.len() + 1, 0);
        if self.ends.len() < 64 {
            self.ends.resize(64, 0);
        }
        let (mut pos, mut out_pos, mut n_ends) = (0usize, 0usize, 0usize);
        loop {
            let (res, nin, nout, nend) = self.csv.read_record(
                &self.line_buf[pos..],
                &mut self.field_buf[out_pos..],
                &mut self.ends[n_ends..],
            );
            pos += nin;
            out_pos += nout;
            n_ends += nend;
            match res {
                csv_core::ReadRecordResult::Record => break,
                csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => {
                    return Err("unterminated quoted CSV field".into());
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let len = self.field_buf.len();
                    self.field_buf.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= 1024 {
                        return Err("too many CSV columns".into());
                    }
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
            }
        }
        self.fields.clear();
        let mut start = 0;
        for &end in &self.ends[..n_ends] {
            self.fields.push((start, end));
            start = end;
        }
        Ok(())
    }

    fn cell(&self, i: usize) -> Option<&str> {
        let &(a, b) = self.fields.get(i)?;
        let v = trim_ws(std::str::from_utf8(&self.field_buf[a..b]).ok()?);
        (!v.is_empty()).then_some(v)
    }

    /// Fill a `Raw` from the split CSV cells. Cells are copied out because
    /// csv-core unquotes into its own buffer.
    fn csv_raw(&self, _text: &str) -> Result<Raw<'static>, String> {
        let own = |v: &str| Some(Str(Cow::Owned(v.to_owned())));
        let mut raw = Raw::default();
        match &self.layout {
            Layout::Nab => {
                if self.fields.len() != 2 {
                    return Err(format!("expected 2 columns, found {}", self.fields.len()));
                }
                raw.kind = own("metric");
                raw.name = own(&self.stem);
                raw.ts = self
                    .cell(0)
                    .map(|t| RawTs::Text(Str(Cow::Owned(t.to_owned()))));
                raw.value = Some(num(self.cell(1), "value")?.ok_or("missing value")?);
            }
            Layout::Csv(columns) => {
                if self.fields.len() != columns.len() {
                    return Err(format!(
                        "expected {} columns, found {}",
                        columns.len(),
                        self.fields.len()
                    ));
                }
                for (i, col) in columns.iter().enumerate() {
                    let (Some(field), Some(v)) = (col, self.cell(i)) else {
                        continue;
                    };
                    match field {
                        Field::Ts => raw.ts = Some(RawTs::Text(Str(Cow::Owned(v.to_owned())))),
                        Field::Kind => raw.kind = own(v),
                        Field::Channel => raw.channel = own(v),
                        Field::Category => raw.category = own(v),
                        Field::Stage => raw.stage = own(v),
                        Field::Count => {
                            raw.count = Some(
                                v.parse()
                                    .map_err(|_| format!("count {v:?}: expected an integer ≥ 0"))?,
                            )
                        }
                        Field::OrderId => raw.order_id = own(v),
                        Field::Amount => raw.amount = num(Some(v), "amount")?,
                        Field::Status => raw.status = own(v),
                        Field::Customer => raw.customer = own(v),
                        Field::Item => raw.item = own(v),
                        Field::Session => raw.session = own(v),
                        Field::Event => raw.event = own(v),
                        Field::WaitS => raw.wait_s = num(Some(v), "wait_s")?,
                        Field::FirstContact => {
                            raw.first_contact = Some(boolean(v, "first_contact")?)
                        }
                        Field::Score => raw.score = num(Some(v), "score")?,
                        Field::Tags => {
                            raw.tags = Some(
                                v.split('|')
                                    .map(str::trim)
                                    .filter(|t| !t.is_empty())
                                    .map(|t| Str(Cow::Owned(t.to_owned())))
                                    .collect(),
                            )
                        }
                        Field::Sku => raw.sku = own(v),
                        Field::OnHand => raw.on_hand = Some(int(v, "on_hand")?),
                        Field::Safety => raw.safety = Some(int(v, "safety")?),
                        Field::Hot => raw.hot = Some(boolean(v, "hot")?),
                        Field::Name => raw.name = own(v),
                        Field::Value => raw.value = num(Some(v), "value")?,
                    }
                }
            }
            _ => unreachable!("csv_raw is only called for CSV layouts"),
        }
        Ok(raw)
    }

    fn timestamp(&mut self, ts: &RawTs) -> Result<Millis, String> {
        match ts {
            RawTs::Millis(ms) => Ok(*ms),
            RawTs::Text(t) => {
                let t = t.0.as_ref();
                if t == self.last_ts_text {
                    return Ok(self.last_ts);
                }
                let ms = parse_ts_str(t, self.tz).ok_or_else(|| {
                    format!("ts {t:?}: expected RFC 3339, \"YYYY-MM-DD HH:MM:SS\" or epoch ms")
                })?;
                self.last_ts_text.clear();
                self.last_ts_text.push_str(t);
                self.last_ts = ms;
                Ok(ms)
            }
        }
    }

    fn validate(&mut self, raw: &Raw, dims: &mut Dims) -> Parsed {
        match self.build_record(raw, dims) {
            Ok(r) => Parsed::Record(r),
            Err(e) => Parsed::Bad(e),
        }
    }

    fn build_record<'r>(&mut self, raw: &'r Raw, dims: &mut Dims) -> Result<Record, String> {
        let ts = self.timestamp(raw.ts.as_ref().ok_or("missing ts")?)?;
        let kind_text = s(&raw.kind).ok_or("missing kind")?;
        let kind = Kind::parse(kind_text).ok_or_else(|| format!("unknown kind {kind_text:?}"))?;
        let required = |v: &'r Option<Str>, name: &str| -> Result<&'r str, String> {
            match s(v) {
                Some(x) if !trim_ws(x).is_empty() => Ok(x),
                _ => Err(format!("{} record without `{name}`", kind.key())),
            }
        };
        let amount = |v: Option<f64>| -> Result<i64, String> {
            match v {
                None => Err(format!("{} record without `amount`", kind.key())),
                Some(a) if !a.is_finite() || a < 0.0 => {
                    Err(format!("amount {a}: expected a number ≥ 0"))
                }
                // e-notation: 1e308 written out is 309 digits of error text.
                Some(a) if a > 1e13 => Err(format!("amount {a:e}: out of range")),
                Some(a) => Ok(money_from_yuan(a)),
            }
        };
        let body = match kind {
            Kind::Traffic => {
                let st = required(&raw.stage, "stage")?;
                let stage = Stage::parse(st)
                    .ok_or_else(|| format!("stage {st:?}: expected visit|view|cart|order|pay"))?;
                // A trillion people in one record is a broken producer, and
                // sums of such counts would overflow.
                let count = raw.count.unwrap_or(1);
                if count > MAX_COUNT {
                    return Err(format!("count {count}: out of range"));
                }
                Body::Traffic { stage, count }
            }
            Kind::Order => {
                let id = required(&raw.order_id, "order_id")?;
                let refunded = match s(&raw.status).unwrap_or("paid") {
                    "paid" => false,
                    "refunded" => true,
                    other => return Err(format!("status {other:?}: expected paid|refunded")),
                };
                let customer = match s(&raw.customer) {
                    None => Customer::Unknown,
                    Some("new") => Customer::New,
                    Some("returning") => Customer::Returning,
                    Some(other) => {
                        return Err(format!("customer {other:?}: expected new|returning"))
                    }
                };
                Body::Order {
                    // (order_id, status) → 16 bytes: the status seeds the hash.
                    key: xxh3_128_with_seed(id.as_bytes(), refunded as u64),
                    amount: amount(raw.amount)?,
                    refunded,
                    customer,
                }
            }
            Kind::Spend => {
                let item = required(&raw.item, "item")?;
                Body::Spend {
                    item: dims.item.intern(trim_ws(item)),
                    amount: amount(raw.amount)?,
                }
            }
            Kind::Cs => {
                let session = required(&raw.session, "session")?;
                let ev = required(&raw.event, "event")?;
                let event = CsEvent::parse(ev).ok_or_else(|| {
                    format!("event {ev:?}: expected open|first_reply|resolve|rate|escalate")
                })?;
                if let Some(w) = raw.wait_s {
                    if !w.is_finite() || w < 0.0 {
                        return Err(format!("wait_s {w}: expected seconds ≥ 0"));
                    }
                }
                let score = match raw.score {
                    None => None,
                    Some(x) if (1.0..=5.0).contains(&x) => Some(x.round() as u8),
                    Some(x) => return Err(format!("score {x}: expected 1–5")),
                };
                let mut tags: TagSet = 0;
                for t in raw.tags.iter().flatten() {
                    let id = dims.tag.intern(trim_ws(&t.0));
                    if id != 0 {
                        tags |= 1u64 << id;
                    }
                }
                Body::Cs {
                    session: xxh3_64(session.as_bytes()),
                    event,
                    wait_s: raw.wait_s,
                    first_contact: raw.first_contact,
                    score,
                    tags,
                }
            }
            Kind::Stock => {
                let sku = required(&raw.sku, "sku")?;
                let on_hand = raw.on_hand.ok_or("stock record without `on_hand`")?;
                if on_hand < 0 {
                    return Err(format!("on_hand {on_hand}: expected an integer ≥ 0"));
                }
                if let Some(sf) = raw.safety {
                    if sf < 0 {
                        return Err(format!("safety {sf}: expected an integer ≥ 0"));
                    }
                }
                Body::Stock {
                    sku: dims.sku.intern(trim_ws(sku)),
                    on_hand,
                    safety: raw.safety,
                    hot: raw.hot,
                }
            }
            Kind::Metric => {
                let name = required(&raw.name, "name")?;
                let value = raw.value.ok_or("metric record without `value`")?;
                if !value.is_finite() {
                    return Err(format!("value {value}: expected a finite number"));
                }
                Body::Metric {
                    name: dims.metric.intern(trim_ws(name)),
                    value,
                }
            }
        };
        // A metric's `dims` may carry the channel/category it belongs to.
        let dim = |top: &'r Option<Str>, key: &str| -> Option<&'r str> {
            s(top).or_else(|| {
                raw.dims.as_ref().and_then(|d| {
                    d.iter()
                        .find(|(k, _)| k.0 == key)
                        .map(|(_, v)| v.0.as_ref())
                })
            })
        };
        let channel: DimId =
            dim(&raw.channel, "channel").map_or(0, |c| dims.channel.intern(trim_ws(c)));
        let category: DimId =
            dim(&raw.category, "category").map_or(0, |c| dims.category.intern(trim_ws(c)));
        Ok(Record {
            ts,
            file: 0,
            late: false,
            channel,
            category,
            body,
        })
    }
}

/// `str::trim`, without its pattern search for the usual value that has
/// nothing to trim (checks the first and last character only).
fn trim_ws(v: &str) -> &str {
    let edge = |c: Option<char>| c.is_some_and(char::is_whitespace);
    if edge(v.chars().next()) || edge(v.chars().next_back()) {
        v.trim()
    } else {
        v
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // A UTF-8 byte-order mark at the start of a file.
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end]
}

fn num(v: Option<&str>, name: &str) -> Result<Option<f64>, String> {
    match v {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("{name} {v:?}: expected a number")),
    }
}

fn int(v: &str, name: &str) -> Result<i64, String> {
    v.parse()
        .map_err(|_| format!("{name} {v:?}: expected an integer"))
}

fn boolean(v: &str, name: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("{name} {v:?}: expected true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IngestConfig;

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn one(path: &str, lines: &[&str]) -> (Vec<Record>, Vec<String>, Dims) {
        let mut dims = Dims::new(&IngestConfig::default());
        let mut p = LineParser::for_path(Path::new(path), tz());
        let (mut recs, mut bad) = (vec![], vec![]);
        for l in lines {
            match p.parse(l.as_bytes(), &mut dims) {
                Parsed::Record(r) => recs.push(r),
                Parsed::Bad(e) => bad.push(e),
                Parsed::Nothing => {}
            }
        }
        (recs, bad, dims)
    }

    #[test]
    fn trim_ws_is_str_trim() {
        for v in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\t搜索\u{3000}",
            "\u{3000}",
            "美妆",
            " 美 妆 ",
            "x\u{a0}",
        ] {
            assert_eq!(trim_ws(v), v.trim(), "{v:?}");
        }
    }

    #[test]
    fn contract_examples_parse() {
        let (recs, bad, dims) = one(
            "x.jsonl",
            &[
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic","stage":"visit","count":1840,"channel":"搜索","category":"美妆"}"#,
                r#"{"ts":"2026-11-11T20:00:01+08:00","kind":"order","order_id":"O-88231","amount":329.0,"channel":"直播","category":"美妆","customer":"new"}"#,
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"spend","item":"站内推广","channel":"搜索","amount":1250.5}"#,
                r#"{"ts":"2026-11-11T20:00:03+08:00","kind":"cs","session":"S-5512","event":"open","tags":["退款"]}"#,
                r#"{"ts":"2026-11-11T20:00:25+08:00","kind":"cs","session":"S-5512","event":"first_reply","wait_s":22.4}"#,
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"stock","sku":"LIP-001","on_hand":35,"safety":200,"hot":true}"#,
                r#"{"ts":1762862400000,"kind":"metric","name":"cpc","value":0.41}"#,
            ],
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(recs.len(), 7);
        assert_eq!(
            recs[0].body,
            Body::Traffic {
                stage: Stage::Visit,
                count: 1840
            }
        );
        assert_eq!(dims.channel.name(recs[0].channel), "搜索");
        match &recs[1].body {
            Body::Order {
                amount,
                refunded,
                customer,
                ..
            } => {
                assert_eq!(
                    (*amount, *refunded, *customer),
                    (3_290_000, false, Customer::New)
                )
            }
            other => panic!("{other:?}"),
        }
        match &recs[3].body {
            Body::Cs { tags, .. } => assert_eq!(*tags, 1 << crate::dims::TAG_REFUND),
            other => panic!("{other:?}"),
        }
        assert_eq!(recs[6].ts, 1_762_862_400_000);
    }

    #[test]
    fn escaped_strings_and_unknown_fields_are_fine() {
        let (recs, bad, dims) = one(
            "x.ndjson",
            &[
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic","stage":"view","channel":"\u641c\u7d22","extra":{"a":[1,2]}}"#,
            ],
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(dims.channel.name(recs[0].channel), "搜索");
        assert_eq!(
            recs[0].body,
            Body::Traffic {
                stage: Stage::View,
                count: 1
            }
        );
    }

    #[test]
    fn every_bad_input_case_is_a_reasoned_skip() {
        let cases = [
            ("{not json", "invalid JSON"),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"order","order_id":"H","amount":1e308}"#,
                "amount 1e308: out of range",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"refund"}"#,
                "unknown kind",
            ),
            (r#"{"kind":"traffic","stage":"visit"}"#, "missing ts"),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","stage":"visit"}"#,
                "missing kind",
            ),
            (
                r#"{"ts":"yesterday","kind":"traffic","stage":"visit"}"#,
                "ts",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic"}"#,
                "without `stage`",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic","stage":"buy"}"#,
                "stage",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic","stage":"visit","count":-3}"#,
                "invalid JSON",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic","stage":"visit","count":"7"}"#,
                "invalid JSON",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"traffic","stage":"visit","count":18446744073709551615}"#,
                "count 18446744073709551615: out of range",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"order","amount":5}"#,
                "order_id",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"order","order_id":"O1","amount":-5}"#,
                "amount",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"order","order_id":"O1"}"#,
                "amount",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"order","order_id":"O1","amount":5,"status":"lost"}"#,
                "status",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"spend","amount":5}"#,
                "item",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"cs","session":"S","event":"close"}"#,
                "event",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"cs","session":"S","event":"rate","score":9}"#,
                "score",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"cs","session":"S","event":"first_reply","wait_s":-1}"#,
                "wait_s",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"cs","session":"S","event":"open","tags":"投诉"}"#,
                "invalid JSON",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"stock","sku":"A","on_hand":-1}"#,
                "on_hand",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"stock","sku":"A","on_hand":1.5}"#,
                "invalid JSON",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"metric","name":"cpc"}"#,
                "value",
            ),
            (
                r#"{"ts":"2026-11-11T20:00:00+08:00","kind":"metric","name":"cpc","value":1,"dims":[1]}"#,
                "invalid JSON",
            ),
            (r#"[1,2,3]"#, "invalid JSON"),
        ];
        for (line, why) in cases {
            let (recs, bad, _) = one("x.jsonl", &[line]);
            assert!(recs.is_empty(), "{line} parsed");
            assert_eq!(bad.len(), 1, "{line}");
            assert!(bad[0].contains(why), "{line}: {} (wanted {why})", bad[0]);
        }
        // Invalid UTF-8 too.
        let mut dims = Dims::new(&IngestConfig::default());
        let mut p = LineParser::for_path(Path::new("x.jsonl"), tz());
        assert!(matches!(
            p.parse(b"{\"ts\":\"\xff\"}", &mut dims),
            Parsed::Bad(_)
        ));
    }

    #[test]
    fn csv_with_named_columns() {
        let (recs, bad, dims) = one(
            "t.csv",
            &[
                "\u{feff}ts,kind,stage,count,channel,category,tags,session,event\r",
                "2026-11-11T20:00:00+08:00,traffic,visit,1840,搜索,美妆,,,\r",
                "2026-11-11 20:00:03,cs,,,,,退款|投诉,S-1,open",
                "\"2026-11-11T20:00:04+08:00\",traffic,cart,\"12\",\"直播, 夜场\",美妆,,,",
                "2026-11-11T20:00:05+08:00,traffic,visit,x,搜索,美妆,,,",
                "2026-11-11T20:00:05+08:00,traffic,visit",
            ],
        );
        assert_eq!(recs.len(), 3, "{bad:?}");
        assert_eq!(bad.len(), 2);
        assert!(bad[1].contains("columns"), "{bad:?}");
        assert_eq!(recs[1].ts, 1_794_398_403_000); // 2026-11-11T20:00:03+08:00
        match &recs[1].body {
            Body::Cs { tags, .. } => {
                assert_eq!(
                    *tags,
                    (1 << crate::dims::TAG_REFUND) | (1 << crate::dims::TAG_COMPLAINT)
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(dims.channel.name(recs[2].channel), "直播, 夜场");
    }

    #[test]
    fn nab_layout_is_a_metric_named_by_the_stem() {
        let (recs, bad, dims) = one(
            "data/exchange-2_cpc_results.csv",
            &[
                "timestamp,value",
                "2011-07-01 00:00:01,0.0819647355164",
                "2011-07-01 01:00:01,oops",
            ],
        );
        assert_eq!(bad.len(), 1);
        match recs[0].body {
            Body::Metric { name, value } => {
                assert_eq!(dims.metric.name(name), "exchange-2_cpc_results");
                assert_eq!(value, 0.0819647355164);
            }
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn csv_without_usable_header_skips_rows_with_a_reason() {
        let (recs, bad, _) = one("x.csv", &["a,b,c", "1,2,3"]);
        assert!(recs.is_empty());
        assert!(bad[0].contains("header"), "{bad:?}");
    }

    #[test]
    fn duplicate_orders_share_a_key_but_refunds_do_not() {
        let (recs, _, _) = one(
            "o.jsonl",
            &[
                r#"{"ts":"2026-11-11T20:00:01+08:00","kind":"order","order_id":"O-1","amount":10}"#,
                r#"{"ts":"2026-11-11T20:00:02+08:00","kind":"order","order_id":"O-1","amount":10,"status":"paid"}"#,
                r#"{"ts":"2026-11-11T20:00:03+08:00","kind":"order","order_id":"O-1","amount":10,"status":"refunded"}"#,
            ],
        );
        let key = |r: &Record| match r.body {
            Body::Order { key, .. } => key,
            _ => 0,
        };
        assert_eq!(key(&recs[0]), key(&recs[1]));
        assert_ne!(key(&recs[0]), key(&recs[2]));
    }
}
