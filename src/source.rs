//! A recording or a live feed: a directory whose `.jsonl`/`.ndjson`/`.csv`
//! files are concurrent streams. `DirSource` finds the files (also ones
//! created later), tails each one, parses its lines and merges the streams
//! by event time with the configured lateness, so a recording replays in the
//! order it was lived. Finished recordings and growing files go through the
//! same code: a replay simply stops when every file is at its end.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::config::Config;
use crate::dims::Dims;
use crate::parse::{is_input_file, LineParser, Parsed};
use crate::record::Record;
use crate::tail::{FileTail, Line, Restart};
use crate::time::Millis;

/// First bad lines remembered per file (the rest are only counted).
pub const BAD_LINES_KEPT: usize = 5;
/// Directory depth searched for input files.
const MAX_DEPTH: usize = 8;

/// What the source hands to the state, in order.
#[derive(Debug, Clone)]
pub enum Input {
    Record(Record),
    /// A line was skipped; `file` indexes `SourceStats::files`.
    Bad {
        file: u16,
    },
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BadLine {
    pub line: u64,
    pub reason: String,
}

/// Per-file ingest accounting: nothing read is lost without a trace.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FileStats {
    pub path: String,
    pub lines: u64,
    pub records: u64,
    pub skipped: u64,
    pub late: u64,
    pub first_bad: Vec<BadLine>,
    pub truncations: u64,
    pub rotations: u64,
    /// Bytes of an unterminated last line held back (not yet a record).
    pub held_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SourceStats {
    pub files: Vec<FileStats>,
    /// Input files beyond `ingest.max_files`, not followed.
    pub files_ignored: u64,
}

impl SourceStats {
    pub fn skipped(&self) -> u64 {
        self.files.iter().map(|f| f.skipped).sum()
    }
    pub fn late(&self) -> u64 {
        self.files.iter().map(|f| f.late).sum()
    }
}

struct Stream {
    tail: FileTail,
    parser: LineParser,
    /// Parsed records not yet released, in event-time order (file order
    /// among equal times). A deque: releases take from the front while
    /// reads add at the back.
    pending: VecDeque<Record>,
    /// Newest event time read from this file.
    frontier: Millis,
}

/// Reads every input file below a directory, merged by event time.
pub struct DirSource {
    root: PathBuf,
    cfg: Arc<Config>,
    dims: Arc<RwLock<Dims>>,
    /// The reader's own copy of `dims` (interned into while parsing) and
    /// its generation when last published to the shared one.
    local_dims: Dims,
    published: u64,
    streams: Vec<Stream>,
    known: BTreeMap<PathBuf, usize>,
    stats: Arc<RwLock<SourceStats>>,
    lateness: Millis,
    round_open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    More,
    CaughtUp,
}

impl DirSource {
    pub fn new(root: &Path, cfg: Arc<Config>, dims: Arc<RwLock<Dims>>) -> DirSource {
        let local_dims = dims.read().expect("dims lock").clone();
        DirSource {
            root: root.to_path_buf(),
            lateness: cfg.lateness_ms(),
            cfg,
            published: local_dims.generation(),
            local_dims,
            dims,
            streams: Vec::new(),
            known: BTreeMap::new(),
            stats: Arc::new(RwLock::new(SourceStats::default())),
            round_open: false,
        }
    }

    /// Shared view of the per-file accounting.
    pub fn stats(&self) -> Arc<RwLock<SourceStats>> {
        self.stats.clone()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Look for input files not seen yet (sorted, so ids are stable).
    pub fn discover(&mut self) {
        let mut found = Vec::new();
        collect_inputs(&self.root, 0, &mut found);
        found.sort();
        let mut stats = self.stats.write().expect("stats lock");
        for path in found {
            if self.known.contains_key(&path) {
                continue;
            }
            if self.streams.len() >= self.cfg.ingest.max_files.min(u16::MAX as usize) {
                stats.files_ignored += 1;
                self.known.insert(path, usize::MAX);
                continue;
            }
            let rel = path
                .strip_prefix(&self.root)
                .unwrap_or(&path)
                .display()
                .to_string();
            stats.files.push(FileStats {
                path: rel,
                ..FileStats::default()
            });
            self.known.insert(path.clone(), self.streams.len());
            self.streams.push(Stream {
                tail: FileTail::new(&path, self.cfg.ingest.max_line_bytes),
                parser: LineParser::for_path(&path, self.cfg.tz),
                pending: VecDeque::new(),
                frontier: Millis::MIN,
            });
        }
    }

    /// Read one chunk from the file furthest behind and append what can be
    /// released to `out`, merged by time. Records within the lateness of a
    /// file that is still behind wait in the merge. Returns `CaughtUp` once
    /// every file is at its end (the merge is then flushed, so `out` is
    /// complete up to what the files hold); call again for more.
    pub fn read_some(&mut self, out: &mut Vec<Input>) -> Progress {
        if !self.round_open {
            // A new round asks every file (and the directory) for more.
            self.discover();
            for s in &mut self.streams {
                s.tail.at_eof = false;
            }
            self.round_open = true;
        }
        let next = self
            .streams
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.tail.at_eof)
            .min_by_key(|(i, s)| (s.frontier, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => {
                self.read_chunk(i, out);
                self.release(self.safe_until(), out);
                Progress::More
            }
            None => {
                self.release(Millis::MAX, out);
                self.round_open = false;
                Progress::CaughtUp
            }
        }
    }

    /// Read one chunk of file `i` into its pending records.
    fn read_chunk(&mut self, i: usize, out: &mut Vec<Input>) {
        let lateness = self.lateness;
        // Parse without holding the shared locks (the screen and the alert
        // engine read them): count into a copy of this file's stats and
        // intern into the reader's own dims, then publish both.
        let mut file_stats = self.stats.read().expect("stats lock").files[i].clone();
        let fstats = &mut file_stats;
        let dims = &mut self.local_dims;
        let stream = &mut self.streams[i];
        let Stream {
            tail,
            parser,
            pending,
            frontier,
        } = stream;
        let file_id = i as u16;
        let mut bad = |fstats: &mut FileStats, line: u64, reason: String| {
            fstats.skipped += 1;
            if fstats.first_bad.len() < BAD_LINES_KEPT {
                fstats.first_bad.push(BadLine { line, reason });
            }
            out.push(Input::Bad { file: file_id });
        };
        let result = tail.poll(|line| match line {
            Line::Complete { number, text } => {
                fstats.lines += 1;
                match parser.parse(text, dims) {
                    Parsed::Record(mut rec) => {
                        rec.file = file_id;
                        if *frontier != Millis::MIN && rec.ts < frontier.saturating_sub(lateness) {
                            rec.late = true;
                            fstats.late += 1;
                        }
                        *frontier = (*frontier).max(rec.ts);
                        fstats.records += 1;
                        // Lines a little out of order (a payment logged
                        // before its order's line) go in place: after every
                        // record of the same time or earlier.
                        if pending.back().is_some_and(|b| b.ts > rec.ts) {
                            let at = pending.partition_point(|r| r.ts <= rec.ts);
                            pending.insert(at, rec);
                        } else {
                            pending.push_back(rec);
                        }
                    }
                    Parsed::Bad(reason) => bad(fstats, number, reason),
                    Parsed::Nothing => {}
                }
            }
            Line::TooLong { number, bytes } => {
                fstats.lines += 1;
                bad(
                    fstats,
                    number,
                    format!("line of {bytes} bytes exceeds max_line_bytes"),
                );
            }
        });
        match result {
            Ok(restart) => {
                fstats.error = None;
                match restart {
                    Some(Restart::Truncated) => fstats.truncations += 1,
                    Some(Restart::Rotated) => fstats.rotations += 1,
                    None => {}
                }
                if restart.is_some() {
                    parser.reset();
                }
            }
            Err(e) => {
                // Gone or unreadable: report it and try again next round.
                fstats.error = Some(e.to_string());
                tail.at_eof = true;
            }
        }
        fstats.held_bytes = tail.held_bytes();
        // Names first: the records that use them are released after this.
        let generation = self.local_dims.generation();
        if generation != self.published {
            self.dims
                .write()
                .expect("dims lock")
                .catch_up(&self.local_dims);
            self.published = generation;
        }
        self.stats.write().expect("stats lock").files[i] = file_stats;
    }

    /// Event time up to which no file can still deliver an on-time record.
    fn safe_until(&self) -> Millis {
        self.streams
            .iter()
            .filter(|s| !s.tail.at_eof)
            .map(|s| s.frontier.saturating_sub(self.lateness))
            .min()
            .unwrap_or(Millis::MAX)
    }

    /// Move every pending record with `ts <= until` to `out`, merged by
    /// (time, file, position in file).
    fn release(&mut self, until: Millis, out: &mut Vec<Input>) {
        // Each file's releasable records, sorted (usually they already are).
        let mut ready: Vec<(usize, usize)> = Vec::new();
        for (i, s) in self.streams.iter_mut().enumerate() {
            if s.pending.is_empty() {
                continue;
            }
            let cut = s.pending.partition_point(|r| r.ts <= until);
            if cut > 0 {
                ready.push((i, cut));
            }
        }
        match ready.len() {
            0 => {}
            1 => {
                let (i, cut) = ready[0];
                out.extend(self.streams[i].pending.drain(..cut).map(Input::Record));
            }
            _ => {
                // k-way merge of sorted runs; ties go to the lower file index.
                let total: usize = ready.iter().map(|r| r.1).sum();
                out.reserve(total);
                let mut pos = vec![0usize; ready.len()];
                for _ in 0..total {
                    let mut best: Option<(Millis, usize)> = None;
                    for (k, &(i, cut)) in ready.iter().enumerate() {
                        if pos[k] < cut {
                            let ts = self.streams[i].pending[pos[k]].ts;
                            if best.is_none_or(|(b, _)| ts < b) {
                                best = Some((ts, k));
                            }
                        }
                    }
                    let (_, k) = best.expect("total counts the remaining records");
                    let (i, _) = ready[k];
                    out.push(Input::Record(self.streams[i].pending[pos[k]].clone()));
                    pos[k] += 1;
                }
                for &(i, cut) in &ready {
                    self.streams[i].pending.drain(..cut);
                }
            }
        }
    }

    pub fn file_count(&self) -> usize {
        self.streams.len()
    }
}

fn collect_inputs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect_inputs(&path, depth + 1, out);
        } else if is_input_file(&path) && (kind.is_file() || path.is_file()) {
            out.push(path);
        }
    }
}
