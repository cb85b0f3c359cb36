//! The screen ends when its terminal goes away (an SSH link drops, a tmux
//! pane is killed): it must exit promptly and cleanly, not linger spinning
//! on a dead terminal (crossterm's reader spins there, crossterm#793).
//!
//! Unix only: a pseudo-terminal is opened with `openpty`, the real binary
//! runs on its slave side as a session leader, and the master is closed
//! once the screen is up. Both ways the hangup can reach the program are
//! covered: the kernel's SIGHUP, and none at all (SIGHUP blocked, as for a
//! program whose parent shell swallowed it).
#![cfg(unix)]

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The program, killed if a failed assertion leaves it running.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn open_pty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: valid out-pointers; null name and termios are allowed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // Not inherited by the program: a master it held itself would keep the
    // terminal alive.
    for fd in [master, slave] {
        // SAFETY: fcntl on descriptors openpty just returned.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: openpty returned two fresh descriptors we now own.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// Run the screen on a fresh terminal, wait until it has drawn, close the
/// terminal, and return how the program ended and how long it took.
fn screen_then_hang_up(block_sighup: bool) -> (std::process::ExitStatus, Duration) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (master, slave) = open_pty();
    let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup slave"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.args([
        "replay",
        "sample-data/campaign",
        "--config",
        "sample-data/warroom.toml",
        "--lang",
        "en",
    ])
    .current_dir(root)
    .env("TERM", "xterm-256color")
    .stdin(stdio(&slave))
    .stdout(stdio(&slave))
    .stderr(stdio(&slave));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if block_sighup {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGHUP);
                libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            }
            Ok(())
        });
    }
    let mut child = Reap(cmd.spawn().expect("start warroom"));
    drop(slave);

    // Read until the screen is up (the footer's help hint is drawn),
    // answering the terminal's cursor-position query as a terminal does.
    let mut reader = std::fs::File::from(master.try_clone().expect("dup master"));
    let mut writer = std::fs::File::from(master.try_clone().expect("dup master"));
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut buf = [0u8; 65536];
    let mut answered = 0;
    while !String::from_utf8_lossy(&seen).contains("help") {
        assert!(
            Instant::now() < deadline,
            "the screen never drew: {:?}",
            String::from_utf8_lossy(&seen)
        );
        let n = reader.read(&mut buf).expect("read the terminal");
        assert!(n > 0, "the program closed its terminal before drawing");
        seen.extend_from_slice(&buf[..n]);
        let queries = seen.windows(4).filter(|w| w == b"\x1b[6n").count();
        while answered < queries {
            std::io::Write::write_all(&mut writer, b"\x1b[1;1R").expect("answer");
            answered += 1;
        }
    }
    drop(writer);
    assert!(master.as_raw_fd() >= 0);
    // Hang up: every handle on the master side closes.
    drop(reader);
    drop(master);
    let hung_up = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            return (status, hung_up.elapsed());
        }
        if hung_up.elapsed() > Duration::from_secs(10) {
            panic!("still running 10 s after its terminal hung up (block SIGHUP: {block_sighup})");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_screen_exits_cleanly_when_its_terminal_hangs_up() {
    let (status, took) = screen_then_hang_up(false);
    assert!(status.success(), "exit after SIGHUP: {status:?} ({took:?})");
}

#[test]
fn the_screen_notices_a_dead_terminal_even_without_sighup() {
    let (status, took) = screen_then_hang_up(true);
    assert!(
        status.success(),
        "exit after a silent hangup: {status:?} ({took:?})"
    );
}
