//! The real binary in a pseudo-terminal, its output parsed into a screen
//! grid: for end-to-end tests (`tests/e2e_pty.rs`) and the append-latency
//! benchmark (`benches/append_latency.rs`, which includes this file by path).
//!
//! A reader thread feeds everything the program writes into a `vt100`
//! parser and keeps the raw bytes; waiters block on a condition variable
//! that the reader signals after each chunk, so a wait returns as soon as
//! the screen shows what it waits for (no fixed sleeps, and the moment is
//! precise enough to time). The reader answers cursor-position queries
//! (`ESC [ 6 n`) as a terminal would. Dropping a `PtyApp` kills the program
//! if it still runs.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, ExitStatus, MasterPty, PtySize};

/// vt100 callbacks: note cursor-position requests so the reader can answer.
#[derive(Default)]
struct Replies {
    cursor_query: bool,
}

impl vt100::Callbacks for Replies {
    fn unhandled_csi(
        &mut self,
        _: &mut vt100::Screen,
        i1: Option<u8>,
        _i2: Option<u8>,
        params: &[&[u16]],
        c: char,
    ) {
        if c == 'n' && i1.is_none() && params.first().and_then(|p| p.first()) == Some(&6) {
            self.cursor_query = true;
        }
    }
}

struct Term {
    parser: vt100::Parser<Replies>,
    raw: Vec<u8>,
    /// Bumped after every chunk parsed.
    chunks: u64,
    /// The program closed the terminal (exited).
    eof: bool,
}

struct Shared {
    term: Mutex<Term>,
    changed: Condvar,
}

type Writer = Arc<Mutex<Box<dyn Write + Send>>>;

pub struct PtyApp {
    child: Box<dyn Child + Send + Sync>,
    shared: Arc<Shared>,
    reader: Option<JoinHandle<()>>,
    writer: Writer,
    master: Box<dyn MasterPty + Send>,
}

impl PtyApp {
    /// Start `program args…` in `cwd` on a `cols`×`rows` pseudo-terminal,
    /// with `TERM=xterm-256color` and the extra `env`.
    pub fn spawn(
        program: &Path,
        args: &[&str],
        cwd: &Path,
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> PtyApp {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
        // Only the child holds the terminal's slave side now: its exit is
        // the reader's end of file.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer: Writer = Arc::new(Mutex::new(pair.master.take_writer().expect("pty writer")));
        let shared = Arc::new(Shared {
            term: Mutex::new(Term {
                parser: vt100::Parser::new_with_callbacks(
                    rows.try_into().expect("rows > 0"),
                    cols.try_into().expect("cols > 0"),
                    0,
                    Replies::default(),
                ),
                raw: Vec::new(),
                chunks: 0,
                eof: false,
            }),
            changed: Condvar::new(),
        });
        let (sh, w) = (shared.clone(), writer.clone());
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = reader.read(&mut buf).unwrap_or(0);
                    let mut t = sh.term.lock().unwrap_or_else(|e| e.into_inner());
                    if n == 0 {
                        t.eof = true;
                        sh.changed.notify_all();
                        return;
                    }
                    t.raw.extend_from_slice(&buf[..n]);
                    t.parser.process(&buf[..n]);
                    t.chunks += 1;
                    let reply =
                        std::mem::take(&mut t.parser.callbacks_mut().cursor_query).then(|| {
                            let (r, c) = t.parser.screen().cursor_position();
                            format!("\x1b[{};{}R", r + 1, c + 1)
                        });
                    drop(t);
                    sh.changed.notify_all();
                    if let Some(reply) = reply {
                        let mut w = w.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = w.write_all(reply.as_bytes());
                        let _ = w.flush();
                    }
                }
            })
            .expect("spawn the pty reader");
        PtyApp {
            child,
            shared,
            reader: Some(reader),
            writer,
            master: pair.master,
        }
    }

    fn term(&self) -> MutexGuard<'_, Term> {
        self.shared.term.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The program's process id (for reading its CPU time from /proc).
    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Type `bytes` (keys as a terminal sends them: `\r` Enter, `\x1b` Esc …).
    pub fn send(&self, bytes: &[u8]) {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.write_all(bytes).expect("write to the pty");
        w.flush().expect("flush the pty");
    }

    /// Resize the terminal (the program gets SIGWINCH), as a person
    /// dragging the window would.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.term().parser.set_size(
            rows.try_into().expect("rows > 0"),
            cols.try_into().expect("cols > 0"),
        );
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// The screen as text, one line per row.
    pub fn screen_text(&self) -> String {
        self.term().parser.screen().contents()
    }

    /// Everything the program wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        self.term().raw.clone()
    }

    /// Whether the program is in the alternate screen and hides the cursor
    /// (the terminal modes as the parser tracks them).
    pub fn modes(&self) -> (bool, bool) {
        let t = self.term();
        let s = t.parser.screen();
        (s.alternate_screen(), s.hide_cursor())
    }

    /// The screen and the program's state, for a failure message.
    pub fn dump(&self) -> String {
        let t = self.term();
        let text = t.parser.screen().contents();
        let rule = "-".repeat(40);
        format!(
            "{rule} screen ({} bytes read, program {}) {rule}\n{text}\n{rule}",
            t.raw.len(),
            if t.eof { "gone" } else { "running" }
        )
    }

    /// Wait until `pred` holds for the screen; the moment it was seen to
    /// hold (right after the chunk that made it so was parsed). Err with
    /// the screen after `timeout`, or when the program is gone.
    pub fn wait_screen(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&vt100::Screen) -> bool,
    ) -> Result<Instant, String> {
        let end = Instant::now() + timeout;
        let mut t = self.term();
        let mut seen = u64::MAX;
        loop {
            if t.chunks != seen {
                seen = t.chunks;
                if pred(t.parser.screen()) {
                    return Ok(Instant::now());
                }
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() || t.eof {
                drop(t);
                let why = if left.is_zero() {
                    format!("timed out after {timeout:?}")
                } else {
                    "the program exited".to_string()
                };
                return Err(format!("{why}\n{}", self.dump()));
            }
            t = self
                .shared
                .changed
                .wait_timeout(t, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// `wait_screen` for a text; panics with `what` and the screen.
    #[track_caller]
    pub fn expect_text(&self, what: &str, text: &str, timeout: Duration) -> Instant {
        self.expect(what, timeout, |s| s.contents().contains(text))
    }

    /// `wait_screen`; panics with `what` and the screen.
    #[track_caller]
    pub fn expect(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl FnMut(&vt100::Screen) -> bool,
    ) -> Instant {
        match self.wait_screen(timeout, pred) {
            Ok(at) => at,
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    }

    /// Wait for the program to exit, then for its last output to be read.
    /// Err with the screen after `timeout` (the program is then killed by
    /// drop).
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        let end = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) => {}
                Err(e) => return Err(format!("wait for the program: {e}\n{}", self.dump())),
            }
            // The reader sees end of file when the program exits: wait on
            // that (or on any output), with a short cap so a program that
            // exits while a grandchild holds the terminal is still noticed.
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "the program did not exit within {timeout:?}\n{}",
                    self.dump()
                ));
            }
            let t = self.term();
            if !t.eof {
                let _ = self
                    .shared
                    .changed
                    .wait_timeout(t, left.min(Duration::from_millis(20)));
            }
        };
        // Drain: the reader ends at end of file, once the terminal closes.
        let t = self.term();
        let left = end
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(2));
        let (t, _) = self
            .shared
            .changed
            .wait_timeout_while(t, left, |t| !t.eof)
            .unwrap_or_else(|e| e.into_inner());
        let eof = t.eof;
        drop(t);
        if eof {
            if let Some(h) = self.reader.take() {
                let _ = h.join();
            }
        }
        Ok(status)
    }
}

impl Drop for PtyApp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
