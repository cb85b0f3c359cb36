//! Drawing primitives that never write outside their area (any size, down
//! to 1×1, is safe) and measure text in display columns.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::alerts::model::Tier;
use crate::view::text::{pad, rpad, trunc, width};

/// Colours and emphasis. Every colour has a symbol or label beside it, so
/// the screen reads the same without colour (NO_COLOR, `--no-color`,
/// colour-blind viewers).
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn c(&self, s: Style) -> Style {
        if self.color {
            s
        } else {
            // Keep emphasis (bold, reverse) without colours.
            Style::default().add_modifier(s.add_modifier)
        }
    }
    pub fn tier(&self, t: Tier) -> Style {
        self.c(match t {
            Tier::Emergency => Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            Tier::Warning => Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Tier::Notice => Style::default().fg(Color::Cyan),
        })
    }
    /// Tier colour as text colour only (for counts in the header).
    pub fn tier_fg(&self, t: Tier) -> Style {
        self.c(match t {
            Tier::Emergency => Style::default()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            Tier::Warning => Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Tier::Notice => Style::default().fg(Color::Cyan),
        })
    }
    pub fn good(&self) -> Style {
        self.c(Style::default().fg(Color::Green))
    }
    pub fn bad(&self) -> Style {
        self.c(Style::default()
            .fg(Color::LightRed)
            .add_modifier(Modifier::BOLD))
    }
    pub fn near(&self) -> Style {
        self.c(Style::default().fg(Color::Yellow))
    }
    pub fn dim(&self) -> Style {
        self.c(Style::default().fg(Color::DarkGray))
    }
    pub fn label(&self) -> Style {
        self.c(Style::default().fg(Color::Gray))
    }
    pub fn value(&self) -> Style {
        self.c(Style::default()
            .fg(Color::White)
            .add_modifier(Modifier::BOLD))
    }
    pub fn accent(&self) -> Style {
        self.c(Style::default().fg(Color::LightCyan))
    }
    pub fn expected(&self) -> Style {
        self.c(Style::default().fg(Color::Magenta))
    }
    pub fn bar(&self) -> Style {
        self.c(Style::default().fg(Color::Blue))
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.c(Style::default()
                .fg(Color::LightCyan)
                .add_modifier(Modifier::BOLD))
        } else {
            self.c(Style::default().fg(Color::DarkGray))
        }
    }
    pub fn title(&self, focused: bool) -> Style {
        if focused {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            self.c(Style::default()
                .fg(Color::White)
                .add_modifier(Modifier::BOLD))
        }
    }
    pub fn status_bar(&self) -> Style {
        self.c(Style::default().bg(Color::Blue).fg(Color::White))
    }
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    pub fn key(&self) -> Style {
        self.c(Style::default()
            .fg(Color::LightCyan)
            .add_modifier(Modifier::BOLD))
    }
    pub fn verdict(&self, v: Verdict) -> Style {
        match v {
            Verdict::Good => self.good(),
            Verdict::Near => self.near(),
            Verdict::Bad => self.bad(),
            Verdict::Unknown => self.dim(),
        }
    }
}

/// A figure judged against its SLA, reference or plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Good,
    Near,
    Bad,
    Unknown,
}

impl Verdict {
    /// Good at or above `floor`; near within `margin` (relative) below it.
    pub fn floor(v: Option<f64>, floor: f64, margin: f64) -> Verdict {
        match v {
            Some(v) if v.is_finite() => {
                if v >= floor {
                    Verdict::Good
                } else if v >= floor * (1.0 - margin) {
                    Verdict::Near
                } else {
                    Verdict::Bad
                }
            }
            _ => Verdict::Unknown,
        }
    }

    /// Good at or below `ceiling`; near up to `near` above it.
    pub fn ceiling(v: Option<f64>, ceiling: f64, near: f64) -> Verdict {
        match v {
            Some(v) if v.is_finite() => {
                if v <= ceiling {
                    Verdict::Good
                } else if v <= near {
                    Verdict::Near
                } else {
                    Verdict::Bad
                }
            }
            _ => Verdict::Unknown,
        }
    }

    /// ✓ good, ~ near, ✗ bad (check mark and ballot X are narrow in every
    /// East Asian width table).
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Good => "✓",
            Verdict::Near => "~",
            Verdict::Bad => "✗",
            Verdict::Unknown => " ",
        }
    }
}

/// Tier marker that reads without colour: `!!!` 紧急, `!!` 警告, `!` 提醒.
pub fn tier_mark(t: Tier) -> &'static str {
    match t {
        Tier::Emergency => "!!!",
        Tier::Warning => "!! ",
        Tier::Notice => "!  ",
    }
}

/// Row `row` of `area`, if it exists.
pub fn row(area: Rect, row: u16) -> Option<Rect> {
    (row < area.height && area.width > 0).then(|| Rect {
        x: area.x,
        y: area.y + row,
        width: area.width,
        height: 1,
    })
}

/// Draw a line into row `r` of `area`, clipped to the area.
pub fn put(buf: &mut Buffer, area: Rect, r: u16, line: &Line<'_>) {
    if let Some(a) = row(area, r) {
        let a = a.intersection(buf.area);
        if a.width > 0 && a.height > 0 {
            buf.set_line(a.x, a.y, line, a.width);
        }
    }
}

/// Draw a line at column `x` (relative) of row `r`.
pub fn put_at(buf: &mut Buffer, area: Rect, x: u16, r: u16, line: &Line<'_>) {
    if x >= area.width {
        return;
    }
    let sub = Rect {
        x: area.x + x,
        width: area.width - x,
        ..area
    };
    put(buf, sub, r, line);
}

/// A horizontal bar of `w` columns filled to `frac` (eighths of a cell).
pub fn bar(frac: f64, w: usize) -> String {
    if w == 0 {
        return String::new();
    }
    let f = if frac.is_finite() {
        frac.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (f * (w * 8) as f64).round() as usize;
    let full = eighths / 8;
    let rem = eighths % 8;
    let mut s = "█".repeat(full);
    if full < w {
        if rem > 0 {
            s.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][rem]);
        } else {
            s.push(' ');
        }
        s.push_str(&" ".repeat(w - full - 1));
    }
    s
}

/// A progress gauge `[█████░░░░]` of `w` columns (brackets included).
pub fn gauge(frac: f64, w: usize) -> String {
    if w < 3 {
        return String::new();
    }
    let inner = w - 2;
    let f = if frac.is_finite() {
        frac.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let full = (f * inner as f64).round() as usize;
    format!("[{}{}]", "█".repeat(full), "░".repeat(inner - full))
}

/// Span helpers.
pub fn s<'a>(text: impl Into<String>, style: Style) -> Span<'a> {
    Span::styled(text.into(), style)
}

pub fn padded<'a>(text: &str, w: usize, style: Style) -> Span<'a> {
    Span::styled(pad(text, w), style)
}

pub fn rpadded<'a>(text: &str, w: usize, style: Style) -> Span<'a> {
    Span::styled(rpad(text, w), style)
}

/// Width of a line in columns.
pub fn line_width(line: &Line<'_>) -> usize {
    line.spans.iter().map(|s| width(&s.content)).sum()
}

/// A cell of a `grid`.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub style: Style,
    pub right: bool,
}

impl Cell {
    pub fn l(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
            right: false,
        }
    }
    pub fn r(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
            right: true,
        }
    }
}

/// One row of a grid: cells, and a style for the whole row (selection).
pub struct GridRow {
    pub cells: Vec<Cell>,
    pub style: Option<Style>,
}

impl GridRow {
    pub fn new(cells: Vec<Cell>) -> GridRow {
        GridRow { cells, style: None }
    }
}

/// Draw a table: each column as wide as its widest cell (capped), columns
/// that do not fit dropped from the right, the first column truncated if
/// it must. Rows start at `skip` (scrolling); row 0 of `area` is the header.
/// Returns the number of body rows that did not fit.
pub fn grid(
    buf: &mut Buffer,
    area: Rect,
    header: &[Cell],
    rows: &[GridRow],
    skip: usize,
    header_style: Style,
) -> usize {
    if area.width == 0 || area.height == 0 {
        return rows.len();
    }
    let ncols = header
        .len()
        .max(rows.iter().map(|r| r.cells.len()).max().unwrap_or(0));
    let mut widths = vec![0usize; ncols];
    for (i, c) in header.iter().enumerate() {
        widths[i] = widths[i].max(width(&c.text));
    }
    for r in rows {
        for (i, c) in r.cells.iter().enumerate() {
            widths[i] = widths[i].max(width(&c.text).min(40));
        }
    }
    let avail = area.width as usize;
    let mut shown = ncols;
    while shown > 1 && widths[..shown].iter().sum::<usize>() + (shown - 1) > avail {
        shown -= 1;
    }
    let used: usize = widths[..shown].iter().sum::<usize>() + shown.saturating_sub(1);
    if used > avail {
        widths[0] = widths[0].saturating_sub(used - avail);
    }
    let render = |cells: &[Cell], row_style: Option<Style>| -> Line<'static> {
        let mut spans = Vec::new();
        for (i, w) in widths.iter().take(shown).enumerate() {
            if i > 0 {
                spans.push(Span::raw(" "));
            }
            let (text, style, right) = cells
                .get(i)
                .map_or((String::new(), Style::default(), false), |c| {
                    (c.text.clone(), c.style, c.right)
                });
            let t = if right {
                rpad(&text, *w)
            } else {
                pad(&text, *w)
            };
            spans.push(Span::styled(t, style));
        }
        let mut l = Line::from(spans);
        if let Some(st) = row_style {
            l = l.style(st);
        }
        l
    };
    put(buf, area, 0, &render(header, Some(header_style)));
    let body = area.height.saturating_sub(1) as usize;
    for (k, r) in rows.iter().skip(skip).take(body).enumerate() {
        put(buf, area, k as u16 + 1, &render(&r.cells, r.style));
    }
    rows.len().saturating_sub(skip + body)
}

/// Truncate text to `w` columns (re-exported for the panels).
pub fn cut(text: &str, w: usize) -> String {
    trunc(text, w)
}

/// Big digits, three rows high, for the GMV on large screens.
pub fn big_text(text: &str) -> [String; 3] {
    let mut rows = [String::new(), String::new(), String::new()];
    for ch in text.chars() {
        let g: [&str; 3] = match ch {
            '0' => ["█▀█", "█ █", "▀▀▀"],
            '1' => ["▀█ ", " █ ", "▀▀▀"],
            '2' => ["▀▀█", "█▀▀", "▀▀▀"],
            '3' => ["▀▀█", " ▀█", "▀▀▀"],
            '4' => ["█ █", "▀▀█", "  ▀"],
            '5' => ["█▀▀", "▀▀█", "▀▀▀"],
            '6' => ["█▀▀", "█▀█", "▀▀▀"],
            '7' => ["▀▀█", "  █", "  ▀"],
            '8' => ["█▀█", "█▀█", "▀▀▀"],
            '9' => ["█▀█", "▀▀█", "▀▀▀"],
            '.' => [" ", " ", "▀"],
            ',' => [" ", " ", "▄"],
            '-' => ["   ", "▀▀▀", "   "],
            _ => [" ", " ", " "],
        };
        for (r, part) in rows.iter_mut().zip(g) {
            r.push_str(part);
            r.push(' ');
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_have_their_width() {
        for w in 0..20 {
            for f in [0.0, 0.13, 0.5, 0.99, 1.0, 7.0, f64::NAN] {
                assert_eq!(width(&bar(f, w)), w, "{f} {w}");
            }
            if w >= 3 {
                assert_eq!(width(&gauge(0.4, w)), w);
            }
        }
    }

    #[test]
    fn grid_never_writes_outside() {
        let header = [
            Cell::l("名称", Style::default()),
            Cell::r("GMV", Style::default()),
        ];
        let rows = vec![GridRow::new(vec![
            Cell::l("直播直播直播直播", Style::default()),
            Cell::r("¥123.4万", Style::default()),
        ])];
        for w in 0..30 {
            for h in 0..4 {
                let mut buf = Buffer::empty(Rect::new(0, 0, 40, 5));
                grid(
                    &mut buf,
                    Rect::new(2, 1, w, h),
                    &header,
                    &rows,
                    0,
                    Style::default(),
                );
            }
        }
    }
}
