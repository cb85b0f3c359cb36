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
    pub tty: Tty,
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
        install_panic_hook();
        enable_raw_mode()?;
        let term = Term {
            // From here on, Drop restores even if a step below fails.
            tty: Terminal::new(CrosstermBackend::new(io::stdout()))?,
        };
        execute!(io::stdout(), EnterAlternateScreen, Hide, EnableMouseCapture)?;
        Ok(term)
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        restore();
    }
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
