//! Ordering, filtering, counting and (optionally paced) writing of generated lines.
//!
//! Every line carries its event `ts` and an `emit` time: the moment the producer wrote it.
//! Lines are written to their files in (`emit`, sequence) order, so a file's order is what a
//! reader tailing it live would have seen. `emit` differs from `ts` only in orders.jsonl
//! (jitter, duplicates, late lines).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::incidents::Feed;
use super::Pacing;

/// What a line is, for the counts in truth.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Normal,
    Duplicate,
    Late,
    Bad,
    Refund,
}

struct Pending {
    ts: i64,
    emit: i64,
    seq: u64,
    feed: Feed,
    tag: Tag,
    line: String,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.emit == other.emit && self.seq == other.seq
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (emit, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.emit, other.seq).cmp(&(self.emit, self.seq))
    }
}

/// Counts of what was actually written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counts {
    pub records: u64,
    pub bytes: u64,
    pub per_feed: [u64; 5],
    pub duplicates: u64,
    /// Lines more than [`LATENESS_S`] behind the newest line already in their file (what a
    /// reader with the contract's default lateness counts as late).
    pub late: u64,
    pub bad: u64,
    pub refunds: u64,
    newest: [Option<i64>; 5],
}

/// The data contract's default lateness.
pub(crate) const LATENESS_S: i64 = 120;

pub(crate) struct Sink<'a> {
    heap: BinaryHeap<Pending>,
    seq: u64,
    /// Lines whose event time is at or after this are not part of the recording.
    end: i64,
    /// Lines whose event time is before this are not part of the recording.
    start: i64,
    /// (feed, from, to): lines of that feed emitted in [from, to) are lost.
    stall: Option<(Feed, i64, i64)>,
    files: Vec<BufWriter<File>>,
    pub counts: Counts,
    pacing: Pacing,
    stop: &'a AtomicBool,
    stopped: bool,
    /// (first emit second, wall clock at that moment)
    clock: Option<(i64, Instant)>,
    cur_sec: Option<i64>,
}

impl<'a> Sink<'a> {
    pub fn create(
        dir: &Path,
        end: i64,
        stall: Option<(Feed, i64, i64)>,
        pacing: Pacing,
        stop: &'a AtomicBool,
    ) -> anyhow::Result<Sink<'a>> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut files = Vec::new();
        let mut counts = Counts::default();
        for feed in Feed::ALL {
            let path = dir.join(feed.file());
            let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
            let mut w = BufWriter::with_capacity(1 << 16, f);
            if feed == Feed::Traffic {
                let header = b"ts,kind,stage,count,channel,category\n";
                w.write_all(header)?;
                counts.bytes += header.len() as u64;
            }
            files.push(w);
        }
        Ok(Sink {
            heap: BinaryHeap::new(),
            seq: 0,
            end,
            start: i64::MIN,
            stall,
            files,
            counts,
            pacing,
            stop,
            stopped: false,
            clock: None,
            cur_sec: None,
        })
    }

    /// Keep only lines whose event time lies in `[start, end)` (a clipped
    /// recording, e.g. a compact baseline around 爆发 only).
    pub fn clip(mut self, start: i64, end: i64) -> Self {
        self.start = start;
        self.end = self.end.min(end);
        self
    }

    /// Would a line of `feed` written at `emit` be lost to the feed stall?
    pub fn stalled(&self, feed: Feed, emit: i64) -> bool {
        matches!(self.stall, Some((f, a, b)) if f == feed && a <= emit && emit < b)
    }

    /// Queues a line (without its newline). Returns whether it is part of the recording.
    pub fn push(&mut self, feed: Feed, ts: i64, emit: i64, tag: Tag, line: String) -> bool {
        // A stalled feed loses what would have been written in the window, and what
        // happened in it (no back-fill after the resume).
        if ts >= self.end || ts < self.start || self.stalled(feed, emit) || self.stalled(feed, ts) {
            return false;
        }
        self.seq += 1;
        self.heap.push(Pending {
            ts,
            emit,
            seq: self.seq,
            feed,
            tag,
            line,
        });
        true
    }

    /// Writes every queued line emitted before `until`. Returns false once stopped.
    pub fn drain(&mut self, until: i64) -> anyhow::Result<bool> {
        if self.pacing == Pacing::Instant && self.stop.load(AtomicOrdering::Relaxed) {
            self.stopped = true;
        }
        while !self.stopped {
            match self.heap.peek() {
                Some(p) if p.emit < until => {}
                _ => break,
            }
            let Some(p) = self.heap.pop() else { break };
            if let Pacing::Speed(x) = self.pacing {
                if self.cur_sec != Some(p.emit) {
                    self.second_boundary(p.emit, x)?;
                    if self.stopped {
                        // Not written: put nothing back, the run ends here.
                        break;
                    }
                }
            }
            self.write(p)?;
        }
        Ok(!self.stopped)
    }

    fn second_boundary(&mut self, emit: i64, speed: f64) -> anyhow::Result<()> {
        if self.cur_sec.is_some() {
            self.flush()?;
        }
        self.cur_sec = Some(emit);
        if self.stop.load(AtomicOrdering::Relaxed) {
            self.stopped = true;
            return Ok(());
        }
        let (first, wall0) = *self.clock.get_or_insert((emit, Instant::now()));
        let due = wall0 + Duration::from_secs_f64((emit - first) as f64 / speed);
        // Sleep in short slices so a stop request is honoured promptly.
        loop {
            let now = Instant::now();
            if now >= due {
                break;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(100)));
            if self.stop.load(AtomicOrdering::Relaxed) {
                self.stopped = true;
                return Ok(());
            }
        }
        Ok(())
    }

    fn write(&mut self, p: Pending) -> anyhow::Result<()> {
        let w = &mut self.files[p.feed as usize];
        w.write_all(p.line.as_bytes())?;
        w.write_all(b"\n")?;
        let c = &mut self.counts;
        c.records += 1;
        c.bytes += p.line.len() as u64 + 1;
        c.per_feed[p.feed as usize] += 1;
        match p.tag {
            Tag::Normal | Tag::Late => {}
            Tag::Duplicate => c.duplicates += 1,
            Tag::Bad => c.bad += 1,
            Tag::Refund => c.refunds += 1,
        }
        if p.tag != Tag::Bad {
            let newest = &mut c.newest[p.feed as usize];
            match *newest {
                Some(n) if n - p.ts > LATENESS_S => c.late += 1,
                Some(n) if n >= p.ts => {}
                _ => *newest = Some(p.ts),
            }
        }
        Ok(())
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        for w in &mut self.files {
            w.flush()?;
        }
        Ok(())
    }

    /// Writes everything still queued (unless stopped) and flushes.
    pub fn finish(mut self) -> anyhow::Result<(Counts, bool)> {
        self.drain(i64::MAX)?;
        self.flush()?;
        Ok((self.counts, !self.stopped))
    }
}
