//! The war-room screen without a terminal.
//!
//! - `model`: every figure the screen shows, taken from the core at the
//!   session's event time (`Model`, and `AlertDetail` / `Breakdown` for the
//!   drill-downs).
//! - `render`: draws a model into a ratatui buffer — a pure function of the
//!   model and the UI state, so `warroom snapshot` and the tests render
//!   exactly what the terminal shows, through ratatui's `TestBackend`.
//! - `ui`: what keys and mouse clicks do (focus, selection, filter,
//!   prompts), as plain data.
//! - `hit`: where the last frame drew its panels, alert rows and key hints,
//!   so a click at a cell maps to what is there.
//! - `replay`: time travel over a recording (play, speed, seek both ways
//!   with checkpoints).
//! - `text`: language, sanitising strings from data files, CJK-aware widths.
//!
//! The binary's `tui` module owns the terminal (raw mode, alternate screen,
//! input, the event loop); nothing here touches it.

pub mod hit;
pub mod input_store;
pub mod model;
pub mod render;
pub mod replay;
pub mod text;
pub mod ui;

use crate::session::Session;

use model::{AlertDetail, Breakdown, Model, RECENT_MIN};
use render::Screen;
use ui::{PanelId, Ui, View};

/// The drill-down figures the current view needs, if any.
pub fn drill(session: &Session, ui: &Ui) -> (Option<AlertDetail>, Option<Breakdown>) {
    match &ui.view {
        View::Main => (None, None),
        View::Alert(id) => (AlertDetail::build(session, id), None),
        View::Panel(PanelId::Stock | PanelId::Alerts) => (None, None),
        View::Panel(_) => (None, Some(Breakdown::build(session, RECENT_MIN))),
    }
}

/// Render the screen of `session` as text, `w`×`h` (snapshot, tests).
pub fn screen_text(session: &Session, ui: &Ui, w: u16, h: u16) -> String {
    let model = Model::build(session, &ui.filter);
    let (alert, breakdown) = drill(session, ui);
    render::to_text(
        &Screen {
            model: &model,
            alert: alert.as_ref(),
            breakdown: breakdown.as_ref(),
        },
        ui,
        w,
        h,
    )
}
