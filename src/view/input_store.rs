//! The screen replay's input stream, in bounded memory.
//!
//! `InputStore` is an append-only sequence of `Input`s addressed by
//! position. Inputs go into fixed-size chunks (`chunk_len` records, a power
//! of two). At most `max_resident` chunks are in memory at a time — the one
//! being appended (the tail) included — so the resident bytes stay within
//! the budget given at construction, whatever the length of the recording.
//! When a chunk must make room it is written, once, to an unnamed temporary
//! file (the "spill file": created on first need, deleted by the operating
//! system when the store is dropped or the process dies) in a fixed-width
//! binary encoding of `RECORD_BYTES` per input, at the offset its index
//! gives; reading it back decodes it into memory again, evicting the least
//! recently used chunk. A recording that fits in the budget never touches
//! the disk.
//!
//! `get` is cheap for sequential access: the chunk of the previous access is
//! remembered, so only the first access to a chunk does any bookkeeping.
//!
//! I/O errors are returned, never panicked on: a failed write leaves the
//! chunk in memory and the store as it was (the caller decides to stop
//! appending); a failed read leaves the chunk out of memory.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::record::{Body, CsEvent, Customer, Record, Stage};
use crate::source::Input;

/// Records per chunk by default (4 MiB of `Input`s in memory).
pub const CHUNK_LEN: usize = 1 << 16;
/// Bytes of inputs held in memory by default.
pub const RESIDENT_BUDGET: usize = 64 << 20;
/// Bytes of one encoded input in the spill file.
pub const RECORD_BYTES: usize = 45;
/// Records encoded or decoded per read/write call.
const BLOCK: usize = 1024;

struct Chunk {
    /// The inputs, when in memory.
    data: Option<Vec<Input>>,
    /// Written to the spill file (chunks are immutable once sealed).
    on_disk: bool,
    /// Access tick of the last use (least recently used goes first).
    used: u64,
}

pub struct InputStore {
    shift: u32,
    budget: usize,
    /// Chunks in memory at most, the tail included (at least 2).
    max_resident: usize,
    len: usize,
    /// Full chunks, by index.
    sealed: Vec<Chunk>,
    /// Indices of the sealed chunks in memory.
    resident: Vec<usize>,
    /// The chunk being appended (index `sealed.len()`).
    tail: Vec<Input>,
    tail_used: u64,
    tick: u64,
    /// Chunk of the last `get`.
    last: usize,
    spill: Option<File>,
    spill_dir: Option<PathBuf>,
    scratch: Vec<u8>,
    written: usize,
    reads: u64,
}

impl Default for InputStore {
    fn default() -> InputStore {
        InputStore::new(CHUNK_LEN, RESIDENT_BUDGET)
    }
}

impl InputStore {
    /// A store of chunks of `chunk_len` records (rounded up to a power of
    /// two) holding about `budget` bytes in memory: at least two chunks
    /// (the tail and the one being read), whatever the budget.
    pub fn new(chunk_len: usize, budget: usize) -> InputStore {
        let chunk_len = chunk_len.max(1).next_power_of_two();
        let chunk_bytes = chunk_len * std::mem::size_of::<Input>();
        let scratch = BLOCK.min(chunk_len) * RECORD_BYTES;
        InputStore {
            shift: chunk_len.trailing_zeros(),
            budget,
            max_resident: (budget.saturating_sub(scratch) / chunk_bytes).max(2),
            len: 0,
            sealed: Vec::new(),
            resident: Vec::new(),
            tail: Vec::new(),
            tail_used: 0,
            tick: 0,
            last: usize::MAX,
            spill: None,
            spill_dir: None,
            scratch: Vec::new(),
            written: 0,
            reads: 0,
        }
    }

    /// Put the spill file in `dir` instead of the system's temporary
    /// directory.
    pub fn spill_in(mut self, dir: &Path) -> InputStore {
        self.spill_dir = Some(dir.to_path_buf());
        self
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn chunk_len(&self) -> usize {
        1 << self.shift
    }

    /// The budget asked for, in bytes.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Bytes held in memory for inputs: the resident chunks (by capacity)
    /// and the encoding buffer. Within `max(budget, 2 chunks)`.
    pub fn resident_bytes(&self) -> usize {
        let records: usize = self
            .resident
            .iter()
            .filter_map(|c| self.sealed[*c].data.as_ref())
            .map(|d| d.capacity())
            .sum::<usize>()
            + self.tail.capacity();
        records * std::mem::size_of::<Input>() + self.scratch.capacity()
    }

    /// Bytes of the chunk index (grows by one small entry per chunk).
    pub fn index_bytes(&self) -> usize {
        self.sealed.capacity() * std::mem::size_of::<Chunk>()
            + self.resident.capacity() * std::mem::size_of::<usize>()
    }

    /// Bytes written to the spill file.
    pub fn spilled_bytes(&self) -> u64 {
        ((self.written as u64) << self.shift) * RECORD_BYTES as u64
    }

    /// Chunks read back from the spill file so far.
    pub fn reads(&self) -> u64 {
        self.reads
    }

    /// Append one input. On error (the spill file cannot be created or
    /// written) the input is not stored and the store is unchanged
    /// otherwise; it stays readable.
    pub fn push(&mut self, input: Input) -> io::Result<()> {
        let chunk_len = self.chunk_len();
        if self.tail.len() == chunk_len {
            let i = self.sealed.len();
            self.sealed.push(Chunk {
                data: Some(std::mem::take(&mut self.tail)),
                on_disk: false,
                used: self.tail_used,
            });
            self.resident.push(i);
        }
        if self.tail.capacity() == 0 {
            // Room for a new tail: keep the chunk being read.
            let spare = self.make_room(self.max_resident - 1, self.last)?;
            self.tail = spare.unwrap_or_else(|| Vec::with_capacity(chunk_len));
            self.tail_used = 0;
        }
        self.tail.push(input);
        self.len += 1;
        Ok(())
    }

    /// The input at `pos`, reading its chunk back from the spill file if
    /// needed. `None` past the end.
    pub fn get(&mut self, pos: usize) -> io::Result<Option<&Input>> {
        if pos >= self.len {
            return Ok(None);
        }
        let c = pos >> self.shift;
        let i = pos & (self.chunk_len() - 1);
        if c == self.sealed.len() {
            if self.last != c {
                self.last = c;
                self.tick += 1;
                self.tail_used = self.tick;
            }
            return Ok(self.tail.get(i));
        }
        if self.last != c || self.sealed[c].data.is_none() {
            self.touch(c)?;
        }
        match &self.sealed[c].data {
            Some(d) => Ok(d.get(i)),
            None => Err(io::Error::other("replay input chunk missing from memory")),
        }
    }

    /// Make chunk `c` resident and the most recently used.
    fn touch(&mut self, c: usize) -> io::Result<()> {
        self.tick += 1;
        if self.sealed[c].data.is_none() {
            let spare = self.make_room(self.max_resident - 2, usize::MAX)?;
            let mut buf = spare.unwrap_or_else(|| Vec::with_capacity(self.chunk_len()));
            self.read_chunk(c, &mut buf)?;
            self.sealed[c].data = Some(buf);
            self.resident.push(c);
            self.reads += 1;
        }
        self.sealed[c].used = self.tick;
        self.last = c;
        Ok(())
    }

    /// Evict least recently used chunks (never `keep`) until at most
    /// `limit` sealed chunks are resident, writing those not yet on disk.
    /// Returns one emptied buffer to reuse.
    fn make_room(&mut self, limit: usize, keep: usize) -> io::Result<Option<Vec<Input>>> {
        let mut spare = None;
        while self.resident.len() > limit {
            let Some((k, _)) = self
                .resident
                .iter()
                .enumerate()
                .filter(|(_, c)| **c != keep)
                .min_by_key(|(_, c)| self.sealed[**c].used)
            else {
                break;
            };
            let c = self.resident[k];
            if !self.sealed[c].on_disk {
                self.write_chunk(c)?;
            }
            self.resident.swap_remove(k);
            if let Some(mut d) = self.sealed[c].data.take() {
                d.clear();
                spare = Some(d);
            }
        }
        Ok(spare)
    }

    fn offset(&self, c: usize) -> u64 {
        ((c as u64) << self.shift) * RECORD_BYTES as u64
    }

    fn create_file(&mut self) -> io::Result<()> {
        if self.spill.is_some() {
            return Ok(());
        }
        let dir = self.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
        let f = tempfile::tempfile_in(&dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create a temporary file in {}: {e}", dir.display()),
            )
        })?;
        self.spill = Some(f);
        Ok(())
    }

    fn write_chunk(&mut self, c: usize) -> io::Result<()> {
        self.create_file()?;
        let at = self.offset(c);
        let (Some(f), Some(data)) = (self.spill.as_mut(), self.sealed[c].data.as_ref()) else {
            return Err(io::Error::other("nothing to write"));
        };
        write_inputs(f, at, data, &mut self.scratch).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot write the temporary file: {e}"))
        })?;
        self.sealed[c].on_disk = true;
        self.written += 1;
        Ok(())
    }

    fn read_chunk(&mut self, c: usize, buf: &mut Vec<Input>) -> io::Result<()> {
        let at = self.offset(c);
        let n = self.chunk_len();
        let Some(f) = self.spill.as_mut() else {
            return Err(io::Error::other("no temporary file to read back"));
        };
        read_inputs(f, at, n, buf, &mut self.scratch).map_err(|e| {
            buf.clear();
            io::Error::new(
                e.kind(),
                format!("cannot read the temporary file back: {e}"),
            )
        })
    }

    /// Damage the spill file (tests of the read-error path).
    #[cfg(test)]
    pub(crate) fn damage_spill_file(&mut self) {
        if let Some(f) = &self.spill {
            f.set_len(0).expect("truncate the spill file");
        }
    }
}

/// Encode `data` into the file from offset `at`.
fn write_inputs(f: &mut File, at: u64, data: &[Input], scratch: &mut Vec<u8>) -> io::Result<()> {
    f.seek(SeekFrom::Start(at))?;
    for block in data.chunks(BLOCK) {
        scratch.clear();
        scratch.resize(block.len() * RECORD_BYTES, 0);
        for (input, out) in block.iter().zip(scratch.chunks_exact_mut(RECORD_BYTES)) {
            encode(input, out);
        }
        f.write_all(scratch)?;
    }
    Ok(())
}

/// Decode `n` inputs from the file at offset `at` into `buf`.
fn read_inputs(
    f: &mut File,
    at: u64,
    n: usize,
    buf: &mut Vec<Input>,
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    buf.clear();
    f.seek(SeekFrom::Start(at))?;
    let mut left = n;
    while left > 0 {
        let k = left.min(BLOCK);
        scratch.clear();
        scratch.resize(k * RECORD_BYTES, 0);
        f.read_exact(scratch)?;
        for b in scratch.chunks_exact(RECORD_BYTES) {
            buf.push(decode(b)?);
        }
        left -= k;
    }
    Ok(())
}

// ---- encoding ---------------------------------------------------------------
//
// One input is `RECORD_BYTES` bytes, little-endian, unused bytes zero:
//
//   0      tag: 0 bad line, 1 traffic, 2 order, 3 spend, 4 cs, 5 stock, 6 metric
//   1      late (0/1)                     (a bad line: 1..3 its file)
//   2..4   file        4..6 channel        6..8 category        8..16 ts
//   16..   the body:
//     traffic  stage u8 @16, count u64 @17
//     order    key u128 @16, amount i64 @32, refunded @40, customer @41
//     spend    item u16 @16, amount i64 @18
//     cs       session u64 @16, event @24, wait_s opt f64 @25 (flag + 8),
//              first_contact opt bool @34, score opt u8 @35 (flag + 1),
//              tags u64 @37
//     stock    sku u16 @16, on_hand i64 @18, safety opt i64 @26 (flag + 8),
//              hot opt bool @35
//     metric   name u16 @16, value f64 @18
//
// An optional bool is one byte (0 none, 1 false, 2 true); f64s keep their
// bits (NaN payloads included).

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn put_opt_u64(b: &mut [u8], at: usize, v: Option<u64>) {
    b[at] = u8::from(v.is_some());
    put_u64(b, at + 1, v.unwrap_or(0));
}

fn opt_bool(v: Option<bool>) -> u8 {
    match v {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

/// Encode `input` into `out` (`RECORD_BYTES` long).
pub fn encode(input: &Input, out: &mut [u8]) {
    let b = &mut out[..RECORD_BYTES];
    b.fill(0);
    let r = match input {
        Input::Bad { file } => {
            put_u16(b, 1, *file);
            return;
        }
        Input::Record(r) => r,
    };
    b[1] = u8::from(r.late);
    put_u16(b, 2, r.file);
    put_u16(b, 4, r.channel);
    put_u16(b, 6, r.category);
    put_u64(b, 8, r.ts as u64);
    match &r.body {
        Body::Traffic { stage, count } => {
            b[0] = 1;
            b[16] = *stage as u8;
            put_u64(b, 17, *count);
        }
        Body::Order {
            key,
            amount,
            refunded,
            customer,
        } => {
            b[0] = 2;
            b[16..32].copy_from_slice(&key.to_le_bytes());
            put_u64(b, 32, *amount as u64);
            b[40] = u8::from(*refunded);
            b[41] = match customer {
                Customer::Unknown => 0,
                Customer::New => 1,
                Customer::Returning => 2,
            };
        }
        Body::Spend { item, amount } => {
            b[0] = 3;
            put_u16(b, 16, *item);
            put_u64(b, 18, *amount as u64);
        }
        Body::Cs {
            session,
            event,
            wait_s,
            first_contact,
            score,
            tags,
        } => {
            b[0] = 4;
            put_u64(b, 16, *session);
            b[24] = match event {
                CsEvent::Open => 0,
                CsEvent::FirstReply => 1,
                CsEvent::Resolve => 2,
                CsEvent::Rate => 3,
                CsEvent::Escalate => 4,
            };
            put_opt_u64(b, 25, wait_s.map(f64::to_bits));
            b[34] = opt_bool(*first_contact);
            b[35] = u8::from(score.is_some());
            b[36] = score.unwrap_or(0);
            put_u64(b, 37, *tags);
        }
        Body::Stock {
            sku,
            on_hand,
            safety,
            hot,
        } => {
            b[0] = 5;
            put_u16(b, 16, *sku);
            put_u64(b, 18, *on_hand as u64);
            put_opt_u64(b, 26, safety.map(|s| s as u64));
            b[35] = opt_bool(*hot);
        }
        Body::Metric { name, value } => {
            b[0] = 6;
            put_u16(b, 16, *name);
            put_u64(b, 18, value.to_bits());
        }
    }
}

fn bad_data(what: &str, v: u8) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("damaged record: {what} {v}"),
    )
}

fn get_u16(b: &[u8], at: usize) -> u16 {
    let mut a = [0; 2];
    a.copy_from_slice(&b[at..at + 2]);
    u16::from_le_bytes(a)
}

fn get_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn get_bool(b: &[u8], at: usize, what: &str) -> io::Result<bool> {
    match b[at] {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(bad_data(what, v)),
    }
}

fn get_opt_bool(b: &[u8], at: usize, what: &str) -> io::Result<Option<bool>> {
    match b[at] {
        0 => Ok(None),
        1 => Ok(Some(false)),
        2 => Ok(Some(true)),
        v => Err(bad_data(what, v)),
    }
}

fn get_opt_u64(b: &[u8], at: usize, what: &str) -> io::Result<Option<u64>> {
    Ok(get_bool(b, at, what)?.then(|| get_u64(b, at + 1)))
}

/// Decode one input (`RECORD_BYTES` long); a damaged one is an error.
pub fn decode(b: &[u8]) -> io::Result<Input> {
    if b.len() < RECORD_BYTES {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short record"));
    }
    let body = match b[0] {
        0 => {
            return Ok(Input::Bad {
                file: get_u16(b, 1),
            })
        }
        1 => Body::Traffic {
            stage: match b[16] {
                0 => Stage::Visit,
                1 => Stage::View,
                2 => Stage::Cart,
                3 => Stage::Order,
                4 => Stage::Pay,
                v => return Err(bad_data("stage", v)),
            },
            count: get_u64(b, 17),
        },
        2 => {
            let mut key = [0; 16];
            key.copy_from_slice(&b[16..32]);
            Body::Order {
                key: u128::from_le_bytes(key),
                amount: get_u64(b, 32) as i64,
                refunded: get_bool(b, 40, "refunded")?,
                customer: match b[41] {
                    0 => Customer::Unknown,
                    1 => Customer::New,
                    2 => Customer::Returning,
                    v => return Err(bad_data("customer", v)),
                },
            }
        }
        3 => Body::Spend {
            item: get_u16(b, 16),
            amount: get_u64(b, 18) as i64,
        },
        4 => Body::Cs {
            session: get_u64(b, 16),
            event: match b[24] {
                0 => CsEvent::Open,
                1 => CsEvent::FirstReply,
                2 => CsEvent::Resolve,
                3 => CsEvent::Rate,
                4 => CsEvent::Escalate,
                v => return Err(bad_data("cs event", v)),
            },
            wait_s: get_opt_u64(b, 25, "wait_s flag")?.map(f64::from_bits),
            first_contact: get_opt_bool(b, 34, "first_contact")?,
            score: get_bool(b, 35, "score flag")?.then_some(b[36]),
            tags: get_u64(b, 37),
        },
        5 => Body::Stock {
            sku: get_u16(b, 16),
            on_hand: get_u64(b, 18) as i64,
            safety: get_opt_u64(b, 26, "safety flag")?.map(|s| s as i64),
            hot: get_opt_bool(b, 35, "hot")?,
        },
        6 => Body::Metric {
            name: get_u16(b, 16),
            value: f64::from_bits(get_u64(b, 18)),
        },
        v => return Err(bad_data("tag", v)),
    };
    Ok(Input::Record(Record {
        ts: get_u64(b, 8) as i64,
        file: get_u16(b, 2),
        late: get_bool(b, 1, "late")?,
        channel: get_u16(b, 4),
        category: get_u16(b, 6),
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ts: i64, body: Body) -> Input {
        Input::Record(Record {
            ts,
            file: 7,
            late: false,
            channel: 3,
            category: 4,
            body,
        })
    }

    /// Every variant and the edge values of every field.
    fn samples() -> Vec<Input> {
        let mut v = vec![
            Input::Bad { file: 0 },
            Input::Bad { file: u16::MAX },
            Input::Record(Record {
                ts: i64::MIN,
                file: u16::MAX,
                late: true,
                channel: u16::MAX,
                category: 0,
                body: Body::Metric {
                    name: u16::MAX,
                    value: f64::NAN,
                },
            }),
        ];
        for stage in Stage::ALL {
            v.push(rec(i64::MAX, Body::Traffic { stage, count: 0 }));
            v.push(rec(
                -1,
                Body::Traffic {
                    stage,
                    count: u64::MAX,
                },
            ));
        }
        for (key, amount) in [(0, 0), (u128::MAX, i64::MIN), (1 << 127 | 5, i64::MAX)] {
            for customer in [Customer::Unknown, Customer::New, Customer::Returning] {
                for refunded in [false, true] {
                    v.push(rec(
                        1_700_000_000_000,
                        Body::Order {
                            key,
                            amount,
                            refunded,
                            customer,
                        },
                    ));
                }
            }
        }
        for amount in [i64::MIN, -1, 0, i64::MAX] {
            v.push(rec(0, Body::Spend { item: 1, amount }));
        }
        let events = [
            CsEvent::Open,
            CsEvent::FirstReply,
            CsEvent::Resolve,
            CsEvent::Rate,
            CsEvent::Escalate,
        ];
        let waits = [
            None,
            Some(0.0),
            Some(-0.0),
            Some(f64::NAN),
            Some(-f64::NAN),
            Some(f64::from_bits(0x7ff8_dead_beef_0001)),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(f64::MIN_POSITIVE / 2.0),
            Some(1e300),
        ];
        for (i, event) in events.into_iter().enumerate() {
            for (j, wait_s) in waits.into_iter().enumerate() {
                v.push(rec(
                    i as i64 * 1000 + j as i64,
                    Body::Cs {
                        session: u64::MAX - i as u64,
                        event,
                        wait_s,
                        first_contact: [None, Some(false), Some(true)][j % 3],
                        score: [None, Some(0), Some(5), Some(u8::MAX)][(i + j) % 4],
                        tags: [0, u64::MAX, 1 << 63][j % 3],
                    },
                ));
            }
        }
        for on_hand in [i64::MIN, -3, 0, i64::MAX] {
            for safety in [None, Some(i64::MIN), Some(-1), Some(i64::MAX)] {
                for hot in [None, Some(false), Some(true)] {
                    v.push(rec(
                        5,
                        Body::Stock {
                            sku: 9,
                            on_hand,
                            safety,
                            hot,
                        },
                    ));
                }
            }
        }
        for value in [f64::INFINITY, f64::NEG_INFINITY, -0.0, f64::MAX, -1.5] {
            v.push(rec(6, Body::Metric { name: 2, value }));
        }
        v
    }

    /// Field-by-field equality with f64s compared by bits (NaN != NaN).
    fn same(a: &Input, b: &Input) -> bool {
        let bits = |x: &Input| format!("{x:?}");
        match (a, b) {
            (Input::Bad { file: x }, Input::Bad { file: y }) => x == y,
            (Input::Record(x), Input::Record(y)) => {
                let floats = |r: &Record| match r.body {
                    Body::Cs { wait_s, .. } => wait_s.map(f64::to_bits),
                    Body::Metric { value, .. } => Some(value.to_bits()),
                    _ => None,
                };
                floats(x) == floats(y) && bits(a) == bits(b)
            }
            _ => false,
        }
    }

    #[test]
    fn encoding_round_trips_exactly() {
        let mut buf = [0u8; RECORD_BYTES];
        for input in samples() {
            encode(&input, &mut buf);
            let back = decode(&buf).expect("decodes");
            assert!(same(&input, &back), "{input:?} came back as {back:?}");
            // Plain equality where it is defined (no NaN inside).
            if let (Input::Record(a), Input::Record(b)) = (&input, &back) {
                if format!("{a:?}").contains("NaN") {
                    continue;
                }
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let mut buf = [0u8; RECORD_BYTES];
        encode(
            &rec(
                1,
                Body::Traffic {
                    stage: Stage::Pay,
                    count: 2,
                },
            ),
            &mut buf,
        );
        for (at, v) in [(0usize, 7u8), (16, 5), (1, 2)] {
            let mut b = buf;
            b[at] = v;
            assert_eq!(
                decode(&b).expect_err("damaged").kind(),
                io::ErrorKind::InvalidData
            );
        }
        assert!(decode(&buf[..10]).is_err());
    }

    fn numbered(n: usize) -> impl Iterator<Item = Input> {
        (0..n).map(|i| {
            if i % 17 == 0 {
                Input::Bad { file: i as u16 }
            } else {
                rec(
                    i as i64,
                    Body::Order {
                        key: (i as u128) << 64 | 3,
                        amount: -(i as i64),
                        refunded: i % 2 == 0,
                        customer: Customer::New,
                    },
                )
            }
        })
    }

    fn check(s: &mut InputStore, pos: usize) {
        let want = numbered(pos + 1).last().expect("one");
        let got = s.get(pos).expect("readable").expect("in range");
        assert!(same(got, &want), "at {pos}: {got:?}");
    }

    #[test]
    fn spills_past_the_budget_and_reads_back_in_any_order() {
        let chunk = 64;
        let chunk_bytes = chunk * std::mem::size_of::<Input>();
        // Four chunks and the encoding buffer.
        let budget = 4 * chunk_bytes + chunk * RECORD_BYTES;
        let mut s = InputStore::new(chunk, budget);
        let n = 40 * chunk + 5;
        for (i, input) in numbered(n).enumerate() {
            s.push(input).expect("push");
            assert!(s.resident_bytes() <= budget, "after {i}");
        }
        assert_eq!(s.len(), n);
        assert!(s.spilled_bytes() > 0);
        assert!(s.get(n).expect("ok").is_none());
        // Sequential, then backwards by chunks, then scattered.
        for pos in 0..n {
            check(&mut s, pos);
        }
        for pos in (0..n).rev().step_by(chunk / 2) {
            check(&mut s, pos);
        }
        for k in 0..500usize {
            check(&mut s, k.wrapping_mul(7919) % n);
            assert!(s.resident_bytes() <= budget);
        }
        assert!(s.reads() > 40);
    }

    #[test]
    fn a_recording_within_the_budget_never_touches_the_disk() {
        let mut s = InputStore::new(64, 1 << 20);
        for input in numbered(1000) {
            s.push(input).expect("push");
        }
        for pos in 0..1000 {
            check(&mut s, pos);
        }
        assert_eq!(s.spilled_bytes(), 0);
        assert!(s.spill.is_none());
    }

    #[test]
    fn a_spill_file_that_cannot_be_created_stops_appending_cleanly() {
        let chunk = 16;
        let mut s = InputStore::new(chunk, 0).spill_in(Path::new("/nonexistent/warroom-spill"));
        let mut stored = 0;
        let mut err = None;
        for input in numbered(10 * chunk) {
            match s.push(input) {
                Ok(()) => stored += 1,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let err = err.expect("the spill fails");
        assert!(
            err.to_string().contains("/nonexistent/warroom-spill"),
            "{err}"
        );
        // Two chunks fit (the minimum); everything stored stays readable.
        assert_eq!(stored, 2 * chunk);
        assert_eq!(s.len(), stored);
        for pos in 0..stored {
            check(&mut s, pos);
        }
        // Asking again fails again, without losing anything.
        assert!(s.push(Input::Bad { file: 0 }).is_err());
        assert_eq!(s.len(), stored);
    }

    #[test]
    fn a_damaged_spill_file_is_a_read_error() {
        let chunk = 16;
        let mut s = InputStore::new(chunk, 0);
        for input in numbered(10 * chunk) {
            s.push(input).expect("push");
        }
        check(&mut s, 0);
        s.damage_spill_file();
        // The resident chunks still read; a spilled one is an error.
        check(&mut s, 9 * chunk);
        let err = s.get(3 * chunk).expect_err("damaged");
        assert!(err.to_string().contains("temporary file"), "{err}");
        let two_chunks = 2 * chunk * std::mem::size_of::<Input>();
        assert!(s.resident_bytes() <= two_chunks + chunk * RECORD_BYTES);
    }
}
