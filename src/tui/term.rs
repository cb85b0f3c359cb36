//! The terminal: raw mode, the alternate screen and mouse reporting on the
//! way in, and all three restored on every way out — normal return, error
//! (`Drop`), panic (hook), SIGTERM/SIGHUP/SIGINT (a flag the loop checks,
//! then the normal return).

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};

use anyhow::Result;
use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Tty = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the screen runs; dropping it restores the terminal.
pub struct Term {
    /// Dropped by hand: a terminal that hung up is not "restored" (ratatui
    /// would try to show its cursor and print the failure to the same dead
    /// terminal, which panics).
    pub tty: std::mem::ManuallyDrop<Tty>,
}

/// Put the terminal back: leave raw mode and the alternate screen, show the
/// cursor, stop mouse reporting. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, so the message lands on a normal screen.
            restore();
            previous(info);
        }));
    });
}

impl Term {
    pub fn enter() -> Result<Term> {
        use std::io::IsTerminal;
        if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
            anyhow::bail!(
                "the screen needs a terminal: use --headless, or `warroom snapshot` for a text frame"
            );
        }
        #[cfg(unix)]
        tty_fds();
        install_panic_hook();
        enable_raw_mode()?;
        let term = Term {
            // From here on, Drop restores even if a step below fails.
            tty: std::mem::ManuallyDrop::new(Terminal::new(CrosstermBackend::new(io::stdout()))?),
        };
        execute!(io::stdout(), EnterAlternateScreen, Hide, EnableMouseCapture)?;
        Ok(term)
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if hung_up() {
            return;
        }
        restore();
        // SAFETY: dropped once, here, and never used after.
        unsafe { std::mem::ManuallyDrop::drop(&mut self.tty) };
    }
}

/// Which of stdin and stdout were terminals when the screen opened (a
/// terminal that hung up no longer answers `isatty`).
#[cfg(unix)]
static TTY_FDS: std::sync::OnceLock<Vec<libc::c_int>> = std::sync::OnceLock::new();

#[cfg(unix)]
fn tty_fds() -> &'static [libc::c_int] {
    TTY_FDS.get_or_init(|| {
        [libc::STDIN_FILENO, libc::STDOUT_FILENO]
            .into_iter()
            // SAFETY: isatty only reads the descriptor number.
            .filter(|&fd| unsafe { libc::isatty(fd) } == 1)
            .collect()
    })
}

/// Whether the terminal hung up (its pseudo-terminal closed: an SSH link
/// dropped, a tmux pane killed). Polls without waiting.
#[cfg(unix)]
pub fn hung_up() -> bool {
    tty_fds().iter().any(|&fd| {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN | libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: one valid, initialised pollfd for the duration of the
        // call; a zero timeout never blocks.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        n == 1 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
    })
}

#[cfg(not(unix))]
pub fn hung_up() -> bool {
    false
}

/// A flag set by SIGINT, SIGTERM or SIGHUP (raw mode turns Ctrl-C into a
/// key, but a `kill` or a closed terminal still arrives as a signal).
pub fn quit_signal() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    std::thread::Builder::new()
        .name("warroom-signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    let (Ok(mut term), Ok(mut hup)) = (
                        signal(SignalKind::terminate()),
                        signal(SignalKind::hangup()),
                    ) else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                        _ = hup.recv() => {}
                    }
                }
                #[cfg(not(unix))]
                {
                    let _ = tokio::signal::ctrl_c().await;
                }
                f.store(true, Ordering::SeqCst);
            });
        })
        .ok();
    flag
}
