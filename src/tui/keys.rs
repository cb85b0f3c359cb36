//! Terminal key and mouse events → the screen's `Key` and `Mouse`.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use warroom::view::ui::{Key, Mouse, MouseKind};

/// The mouse events the screen uses: left press and the wheel. Moves,
/// drags, releases and other buttons are dropped here, so they never cost
/// a redraw.
pub fn mouse(ev: MouseEvent, at_ms: u64) -> Option<Mouse> {
    let kind = match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        _ => return None,
    };
    Some(Mouse {
        kind,
        column: ev.column,
        row: ev.row,
        at_ms,
    })
}

pub fn map(ev: KeyEvent) -> Option<Key> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    Some(match ev.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab if shift => Key::BackTab,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left if shift => Key::ShiftLeft,
        KeyCode::Right if shift => Key::ShiftRight,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let k = |code, m| map(KeyEvent::new(code, m));
        assert_eq!(
            k(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Ctrl('c'))
        );
        assert_eq!(k(KeyCode::Left, KeyModifiers::SHIFT), Some(Key::ShiftLeft));
        assert_eq!(k(KeyCode::Tab, KeyModifiers::SHIFT), Some(Key::BackTab));
        assert_eq!(
            k(KeyCode::Char('N'), KeyModifiers::SHIFT),
            Some(Key::Char('N'))
        );
    }

    #[test]
    fn mouse_events() {
        let m = |kind| {
            mouse(
                MouseEvent {
                    kind,
                    column: 7,
                    row: 3,
                    modifiers: KeyModifiers::NONE,
                },
                42,
            )
        };
        assert_eq!(
            m(MouseEventKind::Down(MouseButton::Left)),
            Some(Mouse {
                kind: MouseKind::Click,
                column: 7,
                row: 3,
                at_ms: 42
            })
        );
        assert_eq!(
            m(MouseEventKind::ScrollDown).map(|x| x.kind),
            Some(MouseKind::ScrollDown)
        );
        assert_eq!(m(MouseEventKind::Moved), None);
        assert_eq!(m(MouseEventKind::Up(MouseButton::Left)), None);
        assert_eq!(m(MouseEventKind::Down(MouseButton::Right)), None);
        assert_eq!(m(MouseEventKind::Drag(MouseButton::Left)), None);
    }
}
