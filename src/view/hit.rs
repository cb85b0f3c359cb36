//! Where things are on the last frame: the renderer records the areas it
//! drew that a mouse click can mean something on (a panel, an alert row, a
//! key hint in the footer), and `Ui::on_mouse` looks a click up here. Pure
//! data, so clicks are as testable as keys.

use ratatui::layout::Rect;

use super::ui::{Key, PanelId, View};

/// What a cell of the screen belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A panel of the main screen (its whole block, border included).
    Panel(PanelId),
    /// A row of an alert list (main alerts panel or the alerts drill-down),
    /// by alert id; a two-line alert has two rows with the same id.
    Alert(String),
    /// A key hint in the footer: clicking it presses the key.
    Key(Key),
}

/// The clickable areas of one frame, later ones on top of earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitMap {
    /// The view the frame showed (a click on an older frame's layout is
    /// ignored once the view has changed).
    pub view: Option<View>,
    /// The largest scroll offset that still shows something new, in a
    /// drill-down that scrolls (the wheel stops there).
    pub scroll_max: Option<u16>,
    areas: Vec<(Rect, Target)>,
}

impl HitMap {
    pub fn new(view: View) -> HitMap {
        HitMap {
            view: Some(view),
            scroll_max: None,
            areas: Vec::new(),
        }
    }

    pub fn push(&mut self, r: Rect, t: Target) {
        if r.width > 0 && r.height > 0 {
            self.areas.push((r, t));
        }
    }

    /// A scrolled list of `len` lines showed `shown` of them at a time.
    pub fn scrolls(&mut self, len: usize, shown: usize) {
        let max = len.saturating_sub(shown).min(u16::MAX as usize) as u16;
        self.scroll_max = Some(self.scroll_max.map_or(max, |m| m.max(max)));
    }

    /// The topmost target at a cell.
    pub fn at(&self, column: u16, row: u16) -> Option<&Target> {
        let p = ratatui::layout::Position { x: column, y: row };
        self.areas
            .iter()
            .rev()
            .find(|(r, _)| r.contains(p))
            .map(|(_, t)| t)
    }

    /// Every recorded area (tests, debugging).
    pub fn areas(&self) -> &[(Rect, Target)] {
        &self.areas
    }

    /// Where a target was drawn: the first area recorded for it.
    pub fn find(&self, t: &Target) -> Option<Rect> {
        self.areas.iter().find(|(_, x)| x == t).map(|(r, _)| *r)
    }
}

#[cfg(test)]
mod tests;
