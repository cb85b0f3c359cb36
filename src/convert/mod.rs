//! Importers that turn public e-commerce data sets into contract records,
//! so the war room can be checked on data nobody here generated.
//!
//! Each importer reads one data set's own layout, maps it onto the contract
//! (the mapping is documented on the importer and in `docs/real-data.md`) and
//! writes `OUT/campaign/<format>.jsonl` in event-time order, plus a starting
//! `OUT/warroom.toml` (one 爆发 phase over the data's span) unless one is
//! there already. Rows that do not fit are skipped and counted with their
//! line numbers, as the reader does for contract files.
//!
//! The importers hold the converted records in memory to sort them: they
//! are meant for the data sets' published slices (megabytes), not for
//! streaming gigabytes.

pub mod olist_reviews;
pub mod rees46;
pub mod taobao;
pub mod tianchi;
pub mod twcs;
pub mod uci_retail;

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, SecondsFormat};

/// The data sets `warroom convert` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Taobao UserBehavior (user,item,category,behavior,unix seconds; no header):
    /// the funnel per minute and category.
    TaobaoUserbehavior,
    /// UCI Online Retail (UK invoice lines, one CSV per day): one order per
    /// invoice, `C` invoices as refunds.
    UciRetail,
    /// Olist order reviews (quoted CSV): one CS session per review, opened
    /// when the survey is sent and rated when it is answered.
    OlistReviews,
    /// REES46 multi-category store events (event_time UTC, event_type, ...,
    /// user_session): the funnel per minute and category, one order per purchase.
    Rees46,
    /// Customer Support on Twitter (twcs.csv): a customer-started conversation
    /// is a CS session, opened at its first tweet, answered at the company's first.
    Twcs,
    /// Tianchi 2014 mobile-Taobao sample (behavior_type 1-4, hourly China
    /// time): the funnel per hour and category, around 双12.
    TianchiDouble12,
}

impl Format {
    /// The name on the command line and of the written file.
    pub fn name(self) -> &'static str {
        match self {
            Format::TaobaoUserbehavior => "taobao-userbehavior",
            Format::UciRetail => "uci-retail",
            Format::OlistReviews => "olist-reviews",
            Format::Rees46 => "rees46",
            Format::Twcs => "twcs",
            Format::TianchiDouble12 => "tianchi-double12",
        }
    }

    /// Read `input` (a file, or a directory of the data set's files) and
    /// write the recording under `out_dir`.
    pub fn convert(self, input: &Path, out_dir: &Path) -> Result<Report> {
        match self {
            Format::TaobaoUserbehavior => taobao::user_behavior(input, out_dir),
            Format::UciRetail => uci_retail::online_retail(input, out_dir),
            Format::OlistReviews => olist_reviews::order_reviews(input, out_dir),
            Format::Rees46 => rees46::events(input, out_dir),
            Format::Twcs => twcs::conversations(input, out_dir),
            Format::TianchiDouble12 => tianchi::double12(input, out_dir),
        }
    }
}

/// The funnel stages of `traffic` records, in order.
pub const STAGES: [&str; 5] = ["visit", "view", "cart", "order", "pay"];

/// How many skipped rows are kept with their reason.
pub const SKIPS_KEPT: usize = 5;

/// What a conversion read and wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    /// Data rows read (header rows not counted).
    pub rows: u64,
    /// Rows that could not be mapped, and the first few as `file:line: reason`.
    pub skipped: u64,
    pub first_skipped: Vec<String>,
    /// Contract records written, in all and per `kind`.
    pub records: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// People per funnel stage in the `traffic` records written: visit,
    /// view, cart, order, pay.
    pub stages: [u64; 5],
    /// Event time of the first and last record written (epoch ms).
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    /// The recording file and the config written (None: one was there).
    pub recording: PathBuf,
    pub config: Option<PathBuf>,
}

impl Report {
    /// Count a row read; a row that is the reason to skip it is counted
    /// skipped too, and `None`.
    pub fn row<T>(&mut self, file: &Path, line: u64, row: Result<T, String>) -> Option<T> {
        self.rows += 1;
        match row {
            Ok(row) => Some(row),
            Err(why) => {
                self.skip(file, line, why);
                None
            }
        }
    }

    /// Count a row that does not fit, keeping the first few reasons.
    pub fn skip(&mut self, file: &Path, line: u64, why: impl Display) {
        self.skipped += 1;
        if self.first_skipped.len() < SKIPS_KEPT {
            let name = file.file_name().unwrap_or(file.as_os_str());
            // Reasons quote the data: no control sequence reaches a terminal.
            let text = format!("{}:{line}: {why}", name.to_string_lossy());
            self.first_skipped.push(crate::view::text::clean(&text));
        }
    }
}

/// Contract records collected in any order and written in event-time order
/// (ties keep their arrival order, so the output is deterministic).
pub struct Recording {
    tz: FixedOffset,
    records: Vec<(i64, String, serde_json::Map<String, serde_json::Value>)>,
}

impl Recording {
    /// `tz` is the offset the written timestamps carry (the data set's own).
    pub fn new(tz: FixedOffset) -> Self {
        Recording {
            tz,
            records: Vec::new(),
        }
    }

    /// Add a record of `kind` at `ts_ms` with its other fields.
    pub fn push(&mut self, ts_ms: i64, kind: &str, fields: serde_json::Value) {
        let fields = match fields {
            serde_json::Value::Object(fields) => fields,
            _ => serde_json::Map::new(),
        };
        self.records.push((ts_ms, kind.to_owned(), fields));
    }

    /// A `traffic` record: `count` people entering funnel stage `stage`
    /// (an index into `STAGES`), in a category if there is one.
    pub fn push_traffic(&mut self, ts_ms: i64, stage: usize, count: u64, category: Option<&str>) {
        let mut fields = serde_json::json!({ "stage": STAGES[stage], "count": count });
        if let Some(c) = category {
            fields["category"] = c.into();
        }
        self.push(ts_ms, "traffic", fields);
    }

    /// Write `out_dir/campaign/<name>.jsonl` and, unless there is one,
    /// `out_dir/warroom.toml`; fill the report's output figures.
    pub fn finish(
        mut self,
        out_dir: &Path,
        format: Format,
        campaign: &str,
        report: &mut Report,
    ) -> Result<()> {
        self.records.sort_by_key(|(ts, _, _)| *ts);
        let times: Vec<i64> = self.records.iter().map(|r| r.0).collect();
        let span = core_span(&times);
        let dir = out_dir.join("campaign");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{}.jsonl", format.name()));
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = BufWriter::new(file);
        for (ts, kind, fields) in std::mem::take(&mut self.records) {
            if kind == "traffic" {
                let stage = fields.get("stage").and_then(|s| s.as_str());
                if let Some(i) = STAGES.iter().position(|s| Some(*s) == stage) {
                    let count = fields.get("count").and_then(|c| c.as_u64()).unwrap_or(1);
                    report.stages[i] += count;
                }
            }
            report.records += 1;
            report.first_ts.get_or_insert(ts);
            report.last_ts = Some(ts);
            // `ts` and `kind` first, as people write them, then the rest.
            write!(out, "{{\"ts\":")?;
            serde_json::to_writer(&mut out, &self.ts_text(ts)?)?;
            write!(out, ",\"kind\":")?;
            serde_json::to_writer(&mut out, &kind)?;
            for (key, value) in &fields {
                out.write_all(b",")?;
                serde_json::to_writer(&mut out, key)?;
                out.write_all(b":")?;
                serde_json::to_writer(&mut out, value)?;
            }
            out.write_all(b"}\n")?;
            *report.by_kind.entry(kind).or_default() += 1;
        }
        out.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
        report.recording = path;
        report.config = match span {
            Some(span) => self.write_config(out_dir, campaign, span)?,
            None => None,
        };
        Ok(())
    }

    fn ts_text(&self, ts_ms: i64) -> Result<String> {
        let t = DateTime::from_timestamp_millis(ts_ms)
            .with_context(|| format!("time {ts_ms} ms is out of range"))?
            .with_timezone(&self.tz);
        let precision = if ts_ms % 1000 == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        Ok(t.to_rfc3339_opts(precision, false))
    }

    /// A starting config: the data set's timezone and one 爆发 phase from the
    /// day of the span's start to the day after its end, so every rule runs.
    fn write_config(
        &self,
        out_dir: &Path,
        campaign: &str,
        span: CoreSpan,
    ) -> Result<Option<PathBuf>> {
        let path = out_dir.join("warroom.toml");
        let CoreSpan {
            first,
            last,
            outside,
        } = span;
        if path.exists() {
            return Ok(None);
        }
        let day = |ts: i64, after: bool| -> Result<String> {
            let t = DateTime::from_timestamp_millis(ts)
                .context("time out of range")?
                .with_timezone(&self.tz)
                .date_naive();
            let t = if after { t.succ_opt().unwrap_or(t) } else { t };
            Ok(format!("{t}T00:00:00{}", self.tz))
        };
        let stray = if outside > 0 {
            format!(
                "# {outside} records with stray times, far from the rest, are left\n\
                 # outside the phase: they count in the totals only.\n"
            )
        } else {
            String::new()
        };
        let text = format!(
            "# Written by `warroom convert`: the data set's timezone and one 爆发\n\
             # phase over its span, so every rule runs. Edit the phases (and add\n\
             # targets, a budget or a baseline) to match what the data was.\n\
             {stray}\
             [campaign]\n\
             name = {name}\n\
             timezone = \"{tz}\"\n\n\
             [[phase]]\n\
             name = \"爆发\"\n\
             start = \"{start}\"\n\
             end = \"{end}\"\n",
            name = toml_string(campaign),
            tz = self.tz,
            start = day(first, false)?,
            end = day(last, true)?,
        );
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Some(path))
    }
}

/// The span a starting config's phase covers.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CoreSpan {
    first: i64,
    last: i64,
    /// Records outside it.
    outside: usize,
}

/// The span of the records' times (sorted) without stray ones. The middle
/// 99% of the records is the core; an end whose last 0.5% reaches further
/// from the core than the core is long holds strays (a 2011 tweet in a
/// 2017 corpus) that would stretch the phase over years, and is cut back
/// to the core.
fn core_span(ts: &[i64]) -> Option<CoreSpan> {
    let n = ts.len();
    let cut = n / 200;
    let (lo, hi) = (*ts.get(cut)?, ts[n - 1 - cut]);
    let core = hi - lo;
    // A stray end is cut at its gap nearest the core that is wider than a
    // tenth of the core (else its widest): strays thin out towards the core.
    let gap = |k: &usize| ts[*k] - ts[*k - 1];
    let wide = |k: &usize| gap(k) > core / 10;
    let start = match ts[0] < lo - core {
        true => (1..=cut)
            .rev()
            .find(wide)
            .or_else(|| (1..=cut).max_by_key(gap))
            .unwrap_or(cut),
        false => 0,
    };
    let end = match ts[n - 1] > hi + core {
        true => (n - cut..n)
            .find(wide)
            .or_else(|| (n - cut..n).max_by_key(gap))
            .map_or(n - 1 - cut, |k| k - 1),
        false => n - 1,
    };
    Some(CoreSpan {
        first: ts[start],
        last: ts[end],
        outside: start + (n - 1 - end),
    })
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One CSV file of a data set with a header row, read whole (the published
/// slices are megabytes). Rows come with the physical line they start on;
/// a row that is not CSV, or not as wide as the header, comes as the reason
/// to skip it (`Report::skip`), and the rows after it still come.
pub struct CsvFile {
    pub path: PathBuf,
    data: Vec<u8>,
    lf_only: bool,
    pub header: csv::StringRecord,
}

impl CsvFile {
    /// `lf_only`: records end at `\n` only (a bare `\r` is text, as in
    /// twcs's tweets).
    pub fn open(path: &Path, lf_only: bool) -> Result<CsvFile> {
        let data =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut file = CsvFile {
            path: path.to_owned(),
            data,
            lf_only,
            header: csv::StringRecord::new(),
        };
        file.header = file
            .reader()
            .headers()
            .with_context(|| format!("{}: no CSV header", path.display()))?
            .clone();
        Ok(file)
    }

    fn reader(&self) -> csv::Reader<&[u8]> {
        let mut b = csv::ReaderBuilder::new();
        b.flexible(true);
        if self.lf_only {
            b.terminator(csv::Terminator::Any(b'\n'));
        }
        b.from_reader(self.data.as_slice())
    }

    /// The index of each named column (names trimmed); an error names the
    /// first one missing.
    pub fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N]> {
        let mut col = [0; N];
        for (i, name) in names.iter().enumerate() {
            col[i] = self
                .header
                .iter()
                .position(|h| h.trim() == *name)
                .with_context(|| format!("{}: no column {name:?}", self.path.display()))?;
        }
        Ok(col)
    }

    pub fn rows(
        &self,
    ) -> impl Iterator<Item = (u64, std::result::Result<csv::StringRecord, String>)> + '_ {
        let width = self.header.len();
        self.reader().into_records().map(move |r| match r {
            Ok(row) => {
                let line = record_line(&self.data, row.position());
                if row.len() == width {
                    (line, Ok(row))
                } else {
                    let why = format!("{} fields, the header has {width}", row.len());
                    (line, Err(why))
                }
            }
            Err(e) => (
                record_line(&self.data, e.position()),
                Err(format!("not CSV: {e}")),
            ),
        })
    }
}

/// The physical line a record starts on. The `csv` crate counts a CRLF
/// file's lines one short at a record's start (its position sits on the
/// `\n` of the line before), so a position on a `\n` is the next line.
pub fn record_line(data: &[u8], pos: Option<&csv::Position>) -> u64 {
    pos.map_or(0, |p| {
        let at_lf = usize::try_from(p.byte()).ok().and_then(|b| data.get(b)) == Some(&b'\n');
        p.line() + u64::from(at_lf)
    })
}

/// The input files of a data set given as a file or a directory: the file
/// itself, or the directory's `.csv` files in name order.
pub fn input_files(input: &Path) -> Result<Vec<PathBuf>> {
    let meta =
        std::fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?;
    if !meta.is_dir() {
        return Ok(vec![input.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(input).with_context(|| format!("cannot read {}", input.display()))?
    {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            files.push(path);
        }
    }
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no .csv files in {}", input.display());
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_record_years_away_does_not_stretch_the_phase() {
        let day = 86_400_000;
        // Two months of records, one a day, and one stray six years before.
        let mut ts: Vec<i64> = (0..600).map(|i| 2_000 * day + i * day / 10).collect();
        ts.insert(0, 2_000 * day - 6 * 365 * day);
        let span = core_span(&ts).unwrap();
        assert_eq!((span.first, span.last, span.outside), (ts[1], ts[600], 1));
        // And one years after.
        ts.push(ts[600] + 6 * 365 * day);
        let span = core_span(&ts).unwrap();
        assert_eq!((span.first, span.last, span.outside), (ts[1], ts[600], 2));
        // Without strays the span is the records' own, to the last one.
        let even: Vec<i64> = (0..600).map(|i| i * day / 10).collect();
        let span = core_span(&even).unwrap();
        assert_eq!((span.first, span.last, span.outside), (0, even[599], 0));
    }

    #[test]
    fn skip_reasons_quote_data_without_control_characters() {
        let mut r = Report::default();
        r.skip(Path::new("d/x.csv"), 7, "review \"a\u{1b}[31m\" again");
        assert_eq!(r.first_skipped, ["x.csv:7: review \"a[31m\" again"]);
        assert_eq!(r.skipped, 1);
    }

    #[test]
    fn record_lines_are_physical_lines_with_crlf_and_quoted_newlines() {
        for eol in ["\n", "\r\n"] {
            let text = ["h,i", "1,2", "\"x", "y\",3", "4,5", ""].join(eol);
            let data = text.as_bytes();
            let mut reader = csv::Reader::from_reader(data);
            let lines: Vec<u64> = reader
                .records()
                .map(|r| record_line(data, r.unwrap().position()))
                .collect();
            assert_eq!(lines, [2, 3, 5], "eol {eol:?}");
        }
    }

    /// A short row and a row that is not UTF-8 come as reasons on their own
    /// lines; the rows after them still come; columns are found by name.
    #[test]
    fn csv_rows_report_bad_rows_by_line_and_read_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = b"b,a\r\n1,2\r\n3\r\n".to_vec();
        text.extend_from_slice(b"\xff,4\r\n5,6\r\n");
        std::fs::write(&path, text).unwrap();
        let file = CsvFile::open(&path, false).unwrap();
        assert_eq!(file.columns(["a", "b"]).unwrap(), [1, 0]);
        assert!(file
            .columns(["c"])
            .unwrap_err()
            .to_string()
            .contains("\"c\""));
        let rows: Vec<(u64, Result<Vec<String>, String>)> = file
            .rows()
            .map(|(l, r)| (l, r.map(|r| r.iter().map(str::to_owned).collect())))
            .collect();
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(rows[0], (2, Ok(vec!["1".into(), "2".into()])));
        assert_eq!(rows[1].0, 3);
        assert!(
            rows[1].1.as_ref().unwrap_err().contains("1 fields"),
            "{rows:?}"
        );
        assert_eq!(rows[2].0, 4);
        assert!(rows[2].1.is_err(), "{rows:?}");
        assert_eq!(rows[3], (5, Ok(vec!["5".into(), "6".into()])));
    }
}
