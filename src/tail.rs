//! Incremental reading of one growing file: complete lines only (an
//! unterminated last line is held until its newline arrives), a truncated or
//! rotated file is read again from the start, and a line longer than the cap
//! is skipped without ever being buffered whole.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Bytes read per call; also bounds what one `poll` hands out.
pub const CHUNK: usize = 1 << 20;

/// What happened to the file since the last read, besides new lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    Truncated,
    Rotated,
}

/// One line handed out by `FileTail::poll`.
pub enum Line<'a> {
    Complete {
        number: u64,
        text: &'a [u8],
    },
    /// A line over the cap; its bytes were dropped.
    TooLong {
        number: u64,
        bytes: u64,
    },
}

pub struct FileTail {
    path: PathBuf,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    offset: u64,
    /// Bytes of the current unterminated line.
    partial: Vec<u8>,
    /// Inside an over-long line: bytes dropped so far.
    skipping: Option<u64>,
    line_no: u64,
    max_line: usize,
    buf: Vec<u8>,
    pub at_eof: bool,
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

impl FileTail {
    pub fn new(path: &Path, max_line: usize) -> FileTail {
        FileTail {
            path: path.to_path_buf(),
            file: None,
            identity: None,
            offset: 0,
            partial: Vec::new(),
            skipping: None,
            line_no: 0,
            max_line,
            buf: Vec::new(),
            at_eof: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of an unterminated last line currently held back.
    pub fn held_bytes(&self) -> u64 {
        self.partial.len() as u64 + self.skipping.unwrap_or(0)
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn restart(&mut self) {
        self.offset = 0;
        self.partial.clear();
        self.skipping = None;
        self.line_no = 0;
        self.file = None;
    }

    /// Check for truncation/rotation; returns what happened, if anything.
    fn check_restart(&mut self) -> io::Result<Option<Restart>> {
        let meta = std::fs::metadata(&self.path)?;
        let id = identity(&meta);
        if self.file.is_some() && id.is_some() && id != self.identity {
            self.restart();
            self.identity = id;
            return Ok(Some(Restart::Rotated));
        }
        if meta.len() < self.offset {
            self.restart();
            self.identity = id;
            return Ok(Some(Restart::Truncated));
        }
        self.identity = id;
        Ok(None)
    }

    /// Read up to one chunk of new bytes and hand out the complete lines in
    /// it. Returns a restart if the file was truncated or replaced first.
    pub fn poll(&mut self, mut on_line: impl FnMut(Line<'_>)) -> io::Result<Option<Restart>> {
        let restart = self.check_restart()?;
        if self.file.is_none() {
            let mut f = File::open(&self.path)?;
            f.seek(SeekFrom::Start(self.offset))?;
            self.file = Some(f);
        }
        let file = self.file.as_mut().expect("opened above");
        self.buf.resize(CHUNK, 0);
        let n = loop {
            match file.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.at_eof = n < CHUNK;
        self.offset += n as u64;
        let data = &self.buf[..n];
        let mut start = 0;
        while let Some(pos) = memchr::memchr(b'\n', &data[start..]) {
            let end = start + pos;
            self.line_no += 1;
            if let Some(dropped) = self.skipping.take() {
                on_line(Line::TooLong {
                    number: self.line_no,
                    bytes: dropped + (end - start) as u64,
                });
            } else if self.partial.is_empty() {
                if end - start > self.max_line {
                    on_line(Line::TooLong {
                        number: self.line_no,
                        bytes: (end - start) as u64,
                    });
                } else {
                    on_line(Line::Complete {
                        number: self.line_no,
                        text: &data[start..end],
                    });
                }
            } else {
                self.partial.extend_from_slice(&data[start..end]);
                if self.partial.len() > self.max_line {
                    on_line(Line::TooLong {
                        number: self.line_no,
                        bytes: self.partial.len() as u64,
                    });
                } else {
                    on_line(Line::Complete {
                        number: self.line_no,
                        text: &self.partial,
                    });
                }
                self.partial.clear();
            }
            start = end + 1;
        }
        // The rest is an unterminated line: hold it, unless it is too long.
        let rest = &data[start..];
        if let Some(dropped) = self.skipping.as_mut() {
            *dropped += rest.len() as u64;
        } else if self.partial.len() + rest.len() > self.max_line {
            self.skipping = Some((self.partial.len() + rest.len()) as u64);
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(rest);
        }
        Ok(restart)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(t: &mut FileTail) -> Vec<String> {
        let mut out = vec![];
        loop {
            t.poll(|l| match l {
                Line::Complete { number, text } => {
                    out.push(format!("{number}:{}", String::from_utf8_lossy(text)))
                }
                Line::TooLong { number, bytes } => out.push(format!("{number}:TOO LONG {bytes}")),
            })
            .unwrap();
            if t.at_eof {
                return out;
            }
        }
    }

    #[test]
    fn holds_a_half_written_line_until_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let mut f = File::create(&p).unwrap();
        write!(f, "one\ntw").unwrap();
        let mut t = FileTail::new(&p, 100);
        assert_eq!(lines(&mut t), ["1:one"]);
        assert_eq!(t.held_bytes(), 2);
        write!(f, "o\r\nthree").unwrap();
        assert_eq!(lines(&mut t), ["2:two\r"]);
        writeln!(f).unwrap();
        assert_eq!(lines(&mut t), ["3:three"]);
        assert_eq!(t.held_bytes(), 0);
    }

    #[test]
    fn truncated_file_is_read_again_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, "a\nb\nc\n").unwrap();
        let mut t = FileTail::new(&p, 100);
        assert_eq!(lines(&mut t).len(), 3);
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&p)
            .unwrap();
        std::fs::write(&p, "x\n").unwrap();
        let mut restarts = vec![];
        let mut got = vec![];
        restarts.push(
            t.poll(|l| {
                if let Line::Complete { number, text } = l {
                    got.push((number, text.to_vec()))
                }
            })
            .unwrap(),
        );
        assert_eq!(restarts, [Some(Restart::Truncated)]);
        assert_eq!(got, [(1, b"x".to_vec())]);
    }

    #[cfg(unix)]
    #[test]
    fn rotated_file_is_read_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, "a\nb\n").unwrap();
        let mut t = FileTail::new(&p, 100);
        lines(&mut t);
        std::fs::rename(&p, dir.path().join("a.jsonl.1")).unwrap();
        std::fs::write(&p, "n1\nn2\nn3\n").unwrap();
        let r = t.poll(|_| {}).unwrap();
        assert_eq!(r, Some(Restart::Rotated));
    }

    #[test]
    fn over_long_lines_are_skipped_without_buffering() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let mut content = b"ok1\n".to_vec();
        content.extend(std::iter::repeat_n(b'x', 3 * CHUNK + 17));
        content.extend_from_slice(b"\nok2\n");
        std::fs::write(&p, &content).unwrap();
        let mut t = FileTail::new(&p, 1000);
        let got = lines(&mut t);
        assert_eq!(
            got,
            [
                "1:ok1".to_string(),
                format!("2:TOO LONG {}", 3 * CHUNK + 17),
                "3:ok2".into()
            ]
        );
        assert!(t.partial.capacity() <= 2 * 1000 + CHUNK);
    }
}
