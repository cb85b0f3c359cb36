//! The screen's own state (which view, focus, selection, filter, prompt,
//! help) and what keys and the mouse do to it. Keys arrive as `Key` and
//! mouse events as `Mouse` (the binary maps the terminal's events onto
//! them); a click is looked up in the `HitMap` the last frame recorded. So
//! every interaction is testable without a terminal. What the screen cannot
//! do itself (quit, ack, seek …) comes back as a `Command` for the driver.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use super::hit::{HitMap, Target};
use super::model::{AlertRow, Filter, Model};
use super::replay::Fault;
use super::text::Lang;
use crate::time::{parse_ts_str, Millis, MINUTE};

/// The panels of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelId {
    Sales,
    Funnel,
    Budget,
    Cs,
    Stock,
    Alerts,
}

impl PanelId {
    /// Tab order.
    pub const ALL: [PanelId; 6] = [
        PanelId::Sales,
        PanelId::Funnel,
        PanelId::Budget,
        PanelId::Cs,
        PanelId::Stock,
        PanelId::Alerts,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PanelId::Sales => "sales",
            PanelId::Funnel => "funnel",
            PanelId::Budget => "budget",
            PanelId::Cs => "cs",
            PanelId::Stock => "stock",
            PanelId::Alerts => "alerts",
        }
    }

    pub fn parse(s: &str) -> Option<PanelId> {
        PanelId::ALL.into_iter().find(|p| p.key() == s)
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            PanelId::Sales => lang.t("销售趋势", "Sales"),
            PanelId::Funnel => lang.t("转化漏斗", "Funnel"),
            PanelId::Budget => lang.t("预算消耗", "Budget burn"),
            PanelId::Cs => lang.t("客服", "Customer service"),
            PanelId::Stock => lang.t("库存", "Stock"),
            PanelId::Alerts => lang.t("告警", "Alerts"),
        }
    }

    fn index(self) -> usize {
        PanelId::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// What the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Main,
    /// A panel's figures by channel and by category.
    Panel(PanelId),
    /// One alert's drill-down.
    Alert(String),
}

impl View {
    /// `main`, `alert:A-000007`, `panel:funnel`.
    pub fn parse(s: &str) -> Option<View> {
        if s == "main" {
            return Some(View::Main);
        }
        if let Some(id) = s.strip_prefix("alert:") {
            return (!id.is_empty()).then(|| View::Alert(id.to_string()));
        }
        s.strip_prefix("panel:")
            .and_then(PanelId::parse)
            .map(View::Panel)
    }
}

/// Where the session's clock comes from, for the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Replay {
        speed: f64,
        paused: bool,
        ended: bool,
        /// Catching up to a seek target.
        seeking: Option<Millis>,
        /// Records read so far while the recording is still loading.
        loading: Option<usize>,
        /// The replay's temporary file failed (recording cut, or stopped).
        fault: Option<Fault>,
    },
    Live {
        /// Event seconds per wall second.
        rate: f64,
        frozen: bool,
        /// File notifications unavailable: polling (the reason).
        polling: Option<String>,
    },
    /// A still frame (`warroom snapshot`).
    Snapshot,
}

impl Status {
    /// A replay playing at `speed`, loaded, nothing pending.
    pub fn playing(speed: f64) -> Status {
        Status::Replay {
            speed,
            paused: false,
            ended: false,
            seeking: None,
            loading: None,
            fault: None,
        }
    }

    pub fn is_replay(&self) -> bool {
        matches!(self, Status::Replay { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Goto,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    pub error: Option<String>,
}

/// A key, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    ShiftLeft,
    ShiftRight,
    Backspace,
    PageUp,
    PageDown,
    Home,
    End,
}

/// What a mouse event does, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// Left button pressed.
    Click,
    ScrollUp,
    ScrollDown,
}

/// A mouse event at a cell of the screen (0-based column and row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
    /// Milliseconds on the driver's monotonic clock (double clicks).
    pub at_ms: u64,
}

/// Two clicks on the same thing within this many milliseconds are a
/// double click.
pub const DOUBLE_CLICK_MS: u64 = 400;

/// Lines a wheel notch scrolls a drill-down by.
pub const WHEEL_LINES: usize = 3;

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Ack(String),
    TogglePause,
    Faster,
    Slower,
    SeekBy(Millis),
    SeekTo(Millis),
    NextTransition,
    PrevTransition,
    /// The filter changed: rebuild the model.
    Refilter,
    /// Write the 复盘 of what the screen holds now (`Ui::report_path`).
    WriteReport,
}

/// The layout class of a terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    TooSmall,
    /// 80×24 up to 119 columns or 35 rows: two columns of panels.
    Compact,
    /// Three columns, the alerts on the right.
    Wide,
}

pub const MIN_W: u16 = 80;
pub const MIN_H: u16 = 24;

impl Layout {
    pub fn of(w: u16, h: u16) -> Layout {
        if w < MIN_W || h < MIN_H {
            Layout::TooSmall
        } else if w < 120 || h < 36 {
            Layout::Compact
        } else {
            Layout::Wide
        }
    }
}

#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    /// Colours on (off with NO_COLOR or `--no-color`; symbols and labels
    /// carry the meaning either way).
    pub color: bool,
    pub view: View,
    back: Vec<View>,
    pub focus: PanelId,
    /// The selected alert, by id (stable while the list reorders).
    pub selected: Option<String>,
    /// Scroll offset of drill-down views.
    pub scroll: u16,
    pub filter: Filter,
    pub prompt: Option<Prompt>,
    pub help: bool,
    /// One line of feedback (ack done, bad time …).
    pub message: Option<String>,
    pub status: Status,
    /// Terminal size, for the layout class.
    pub size: (u16, u16),
    /// The last click's target and time, for double clicks.
    last_click: Option<(Target, u64)>,
    /// Where `R` writes the 复盘.
    pub report_path: std::path::PathBuf,
}

impl Ui {
    pub fn new(lang: Lang, status: Status) -> Ui {
        Ui {
            lang,
            color: true,
            view: View::Main,
            back: Vec::new(),
            focus: PanelId::Alerts,
            selected: None,
            scroll: 0,
            filter: Filter::default(),
            prompt: None,
            help: false,
            message: None,
            status,
            size: (MIN_W, MIN_H),
            last_click: None,
            report_path: "复盘.md".into(),
        }
    }

    pub fn layout(&self) -> Layout {
        Layout::of(self.size.0, self.size.1)
    }

    /// The alerts the lists select from: open ones, then resolved ones.
    pub fn alert_list(model: &Model) -> Vec<&AlertRow> {
        model.alerts.iter().chain(model.resolved.iter()).collect()
    }

    /// Index of the selected alert in `alert_list` (the first when the
    /// selection is gone).
    pub fn selected_index(&self, model: &Model) -> Option<usize> {
        let list = Ui::alert_list(model);
        if list.is_empty() {
            return None;
        }
        Some(
            self.selected
                .as_ref()
                .and_then(|id| list.iter().position(|a| &a.id == id))
                .unwrap_or(0),
        )
    }

    pub fn selected_alert<'a>(&self, model: &'a Model) -> Option<&'a AlertRow> {
        let list = Ui::alert_list(model);
        self.selected_index(model).map(|i| list[i])
    }

    fn move_selection(&mut self, model: &Model, delta: i64) {
        let list = Ui::alert_list(model);
        if list.is_empty() {
            return;
        }
        let i = self.selected_index(model).unwrap_or(0) as i64;
        let j = (i + delta).clamp(0, list.len() as i64 - 1) as usize;
        self.selected = Some(list[j].id.clone());
    }

    fn go(&mut self, v: View) {
        let old = std::mem::replace(&mut self.view, v);
        self.back.push(old);
        self.scroll = 0;
    }

    fn go_back(&mut self) {
        if let Some(v) = self.back.pop() {
            self.view = v;
        } else {
            self.view = View::Main;
        }
        self.scroll = 0;
    }

    /// Open a view directly (snapshot, tests); Esc returns to the main screen.
    pub fn open(&mut self, v: View) {
        self.back.clear();
        if v != View::Main {
            self.back.push(View::Main);
        }
        if let View::Panel(p) = &v {
            self.focus = *p;
        }
        self.view = v;
        self.scroll = 0;
    }

    /// Focus moves on the panel grid:
    /// ```text
    /// Sales          | Alerts      (compact: Sales | Alerts)
    /// Funnel | Budget| Alerts               Funnel | Budget
    /// Cs     | Stock | Alerts               Cs     | Stock
    /// ```
    fn neighbour(&self, dir: (i8, i8)) -> PanelId {
        use PanelId::*;
        let compact = self.layout() != Layout::Wide;
        match (self.focus, dir) {
            (Sales, (1, 0)) => Alerts,
            (Sales, (0, 1)) => Funnel,
            (Funnel, (1, 0)) => Budget,
            (Funnel, (0, -1)) => Sales,
            (Funnel, (0, 1)) => Cs,
            (Budget, (-1, 0)) => Funnel,
            (Budget, (1, 0)) if !compact => Alerts,
            (Budget, (0, -1)) => {
                if compact {
                    Alerts
                } else {
                    Sales
                }
            }
            (Budget, (0, 1)) => Stock,
            (Cs, (1, 0)) => Stock,
            (Cs, (0, -1)) => Funnel,
            (Stock, (-1, 0)) => Cs,
            (Stock, (1, 0)) if !compact => Alerts,
            (Stock, (0, -1)) => Budget,
            (Alerts, (-1, 0)) => Sales,
            (Alerts, (0, 1)) if compact => Budget,
            (p, _) => p,
        }
    }

    /// Handle one key. Returns what the driver must do, if anything.
    pub fn on_key(&mut self, key: Key, model: &Model) -> Option<Command> {
        if key == Key::Ctrl('c') {
            return Some(Command::Quit);
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(key, model);
        }
        if self.help {
            // Any key closes the help; it does nothing else.
            self.help = false;
            return None;
        }
        self.message = None;
        let replay = self.status.is_replay();
        // Keys that mean the same everywhere.
        match key {
            Key::Char('q') => return Some(Command::Quit),
            Key::Char('R') => return Some(Command::WriteReport),
            Key::Char('?') => {
                self.help = true;
                return None;
            }
            Key::Char(' ') if replay => return Some(Command::TogglePause),
            Key::Char(' ') if matches!(self.status, Status::Live { .. }) => {
                return Some(Command::TogglePause)
            }
            Key::Char('+') | Key::Char('=') if replay => return Some(Command::Faster),
            Key::Char('-') | Key::Char('_') if replay => return Some(Command::Slower),
            Key::Left if replay => return Some(Command::SeekBy(-MINUTE)),
            Key::Right if replay => return Some(Command::SeekBy(MINUTE)),
            Key::ShiftLeft if replay => return Some(Command::SeekBy(-10 * MINUTE)),
            Key::ShiftRight if replay => return Some(Command::SeekBy(10 * MINUTE)),
            Key::Char('n') if replay => return Some(Command::NextTransition),
            Key::Char('N') if replay => return Some(Command::PrevTransition),
            Key::Char('g') if replay => {
                self.prompt = Some(Prompt {
                    kind: PromptKind::Goto,
                    input: String::new(),
                    error: None,
                });
                return None;
            }
            Key::Char('/') => {
                self.prompt = Some(Prompt {
                    kind: PromptKind::Filter,
                    input: self.filter.to_input(),
                    error: None,
                });
                return None;
            }
            _ => {}
        }
        match self.view.clone() {
            View::Main => self.on_main_key(key, model),
            View::Panel(p) => self.on_panel_key(p, key, model),
            View::Alert(id) => self.on_alert_key(&id, key, model),
        }
    }

    /// Handle one mouse event against the frame it was made on. A click
    /// focuses a panel, selects an alert row (a click on the row already
    /// selected, or a double click, drills in) or presses a footer key
    /// hint; a double click on a panel drills into it. The wheel moves the
    /// alert selection over an alert list and scrolls drill-downs.
    pub fn on_mouse(&mut self, ev: Mouse, hits: &HitMap, model: &Model) -> Option<Command> {
        if self.prompt.is_some() {
            return None;
        }
        if self.help {
            // A click closes the help, as any key does.
            if ev.kind == MouseKind::Click {
                self.help = false;
            }
            return None;
        }
        // A frame of another view: its layout means nothing now.
        if hits.view.as_ref() != Some(&self.view) {
            return None;
        }
        let target = hits.at(ev.column, ev.row).cloned();
        match ev.kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                let down = ev.kind == MouseKind::ScrollDown;
                self.on_wheel(down, target.as_ref(), hits, model)
            }
            MouseKind::Click => {
                let double = match (&self.last_click, &target) {
                    (Some((t, at)), Some(now)) => {
                        t == now && ev.at_ms.saturating_sub(*at) <= DOUBLE_CLICK_MS
                    }
                    _ => false,
                };
                // A double click is two clicks, not three.
                self.last_click = match double {
                    true => None,
                    false => target.clone().map(|t| (t, ev.at_ms)),
                };
                self.on_click(target?, double, model)
            }
        }
    }

    fn on_click(&mut self, target: Target, double: bool, model: &Model) -> Option<Command> {
        match target {
            Target::Key(k) => self.on_key(k, model),
            Target::Panel(p) => {
                if self.view == View::Main {
                    self.message = None;
                    self.focus = p;
                    if double {
                        self.go(View::Panel(p));
                    }
                }
                None
            }
            Target::Alert(id) => {
                if !Ui::alert_list(model).iter().any(|a| a.id == id) {
                    // Gone from the list since the frame was drawn.
                    return None;
                }
                self.message = None;
                let shown = self.view != View::Main || self.focus == PanelId::Alerts;
                let already = shown && self.selected_alert(model).is_some_and(|a| a.id == id);
                match &self.view {
                    View::Main => self.focus = PanelId::Alerts,
                    View::Panel(PanelId::Alerts) => {}
                    _ => return None,
                }
                self.selected = Some(id);
                if already || double {
                    return self.on_key(Key::Enter, model);
                }
                None
            }
        }
    }

    fn on_wheel(
        &mut self,
        down: bool,
        target: Option<&Target>,
        hits: &HitMap,
        model: &Model,
    ) -> Option<Command> {
        let step = if down { 1 } else { -1 };
        match &self.view {
            View::Main => {
                if matches!(
                    target,
                    Some(Target::Panel(PanelId::Alerts) | Target::Alert(_))
                ) {
                    self.message = None;
                    self.focus = PanelId::Alerts;
                    self.move_selection(model, step);
                }
            }
            View::Panel(PanelId::Alerts) => self.move_selection(model, step),
            View::Panel(_) | View::Alert(_) => {
                let max = hits.scroll_max.unwrap_or(u16::MAX);
                let s = self.scroll.min(max) as i64 + step * WHEEL_LINES as i64;
                self.scroll = s.clamp(0, i64::from(max)) as u16;
            }
        }
        None
    }

    fn ack(&mut self, row: Option<&AlertRow>) -> Option<Command> {
        let lang = self.lang;
        match row {
            None => {
                self.message = Some(lang.t("没有选中的告警", "no alert selected").into());
                None
            }
            Some(a) if a.resolved_at.is_some() => {
                self.message = Some(format!(
                    "{} {}",
                    a.id,
                    lang.t("已恢复, 无需确认", "is resolved: nothing to ack")
                ));
                None
            }
            Some(a) if a.acked_at.is_some() => {
                self.message = Some(format!("{} {}", a.id, lang.t("已确认过", "already acked")));
                None
            }
            Some(a) => Some(Command::Ack(a.id.clone())),
        }
    }

    fn on_main_key(&mut self, key: Key, model: &Model) -> Option<Command> {
        let in_alerts = self.focus == PanelId::Alerts;
        match key {
            Key::Tab => self.focus = PanelId::ALL[(self.focus.index() + 1) % 6],
            Key::BackTab => self.focus = PanelId::ALL[(self.focus.index() + 5) % 6],
            Key::Char('h') | Key::Left => self.focus = self.neighbour((-1, 0)),
            Key::Char('l') | Key::Right => self.focus = self.neighbour((1, 0)),
            Key::Char('j') | Key::Down if in_alerts => self.move_selection(model, 1),
            Key::Char('k') | Key::Up if in_alerts => self.move_selection(model, -1),
            Key::PageDown if in_alerts => self.move_selection(model, 10),
            Key::PageUp if in_alerts => self.move_selection(model, -10),
            Key::Home if in_alerts => self.move_selection(model, -1_000_000),
            Key::End if in_alerts => self.move_selection(model, 1_000_000),
            Key::Char('j') | Key::Down => self.focus = self.neighbour((0, 1)),
            Key::Char('k') | Key::Up => {
                let up = self.neighbour((0, -1));
                self.focus = up;
            }
            Key::Enter => {
                if in_alerts {
                    match self.selected_alert(model) {
                        Some(a) => {
                            let id = a.id.clone();
                            self.selected = Some(id.clone());
                            self.go(View::Alert(id));
                        }
                        None => self.go(View::Panel(PanelId::Alerts)),
                    }
                } else {
                    self.go(View::Panel(self.focus));
                }
            }
            Key::Char('a') => {
                let row = self.selected_alert(model).cloned();
                return self.ack(row.as_ref());
            }
            Key::Esc if !self.filter.is_empty() => {
                self.filter = Filter::default();
                return Some(Command::Refilter);
            }
            _ => {}
        }
        None
    }

    fn on_panel_key(&mut self, p: PanelId, key: Key, model: &Model) -> Option<Command> {
        match key {
            Key::Esc | Key::Backspace => self.go_back(),
            Key::Tab => {
                let n = PanelId::ALL[(p.index() + 1) % 6];
                self.focus = n;
                self.view = View::Panel(n);
                self.scroll = 0;
            }
            Key::BackTab => {
                let n = PanelId::ALL[(p.index() + 5) % 6];
                self.focus = n;
                self.view = View::Panel(n);
                self.scroll = 0;
            }
            Key::Char('j') | Key::Down if p == PanelId::Alerts => self.move_selection(model, 1),
            Key::Char('k') | Key::Up if p == PanelId::Alerts => self.move_selection(model, -1),
            Key::PageDown if p == PanelId::Alerts => self.move_selection(model, 10),
            Key::PageUp if p == PanelId::Alerts => self.move_selection(model, -10),
            Key::Enter if p == PanelId::Alerts => {
                if let Some(a) = self.selected_alert(model) {
                    let id = a.id.clone();
                    self.go(View::Alert(id));
                }
            }
            Key::Char('a') if p == PanelId::Alerts => {
                let row = self.selected_alert(model).cloned();
                return self.ack(row.as_ref());
            }
            _ => self.scroll_key(key),
        }
        None
    }

    fn on_alert_key(&mut self, id: &str, key: Key, model: &Model) -> Option<Command> {
        match key {
            Key::Esc | Key::Backspace => self.go_back(),
            Key::Char('a') => {
                let row = Ui::alert_list(model)
                    .into_iter()
                    .find(|a| a.id == id)
                    .cloned();
                return self.ack(row.as_ref());
            }
            _ => self.scroll_key(key),
        }
        None
    }

    fn scroll_key(&mut self, key: Key) {
        match key {
            Key::Char('j') | Key::Down => self.scroll = self.scroll.saturating_add(1),
            Key::Char('k') | Key::Up => self.scroll = self.scroll.saturating_sub(1),
            Key::PageDown => self.scroll = self.scroll.saturating_add(10),
            Key::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Key::Home => self.scroll = 0,
            _ => {}
        }
    }

    fn on_prompt_key(&mut self, key: Key, model: &Model) -> Option<Command> {
        let prompt = self.prompt.as_mut()?;
        match key {
            Key::Esc => self.prompt = None,
            Key::Backspace => {
                prompt.input.pop();
                prompt.error = None;
            }
            Key::Char(c) if !c.is_control() && prompt.input.chars().count() < 80 => {
                prompt.input.push(c);
                prompt.error = None;
            }
            Key::Enter => {
                let input = prompt.input.trim().to_string();
                match prompt.kind {
                    PromptKind::Filter => {
                        self.prompt = None;
                        self.filter = Filter::parse(&input);
                        self.selected = None;
                        return Some(Command::Refilter);
                    }
                    PromptKind::Goto => match (model.now, input.is_empty()) {
                        (_, true) => self.prompt = None,
                        (now, false) => match parse_goto(&input, now, model.tz) {
                            Some(t) => {
                                self.prompt = None;
                                return Some(Command::SeekTo(t));
                            }
                            None => {
                                prompt.error = Some(
                                    self.lang
                                        .t(
                                            "看不懂的时间: 试试 20:00, 11-11 20:00, +30m, -2h",
                                            "unknown time: try 20:00, 11-11 20:00, +30m, -2h",
                                        )
                                        .into(),
                                )
                            }
                        },
                    },
                }
            }
            _ => {}
        }
        None
    }
}

/// A time typed at the `g` prompt: `20:00`, `20:00:30` (the day of `now`),
/// `11-11 20:00`, `2026-11-11 20:00[:ss]`, RFC 3339, epoch ms, or a
/// relative `+30m`, `-2h`, `+90s`, `+1d`.
pub fn parse_goto(input: &str, now: Option<Millis>, tz: FixedOffset) -> Option<Millis> {
    let s = input.trim();
    if let Some(rest) = s.strip_prefix('+').or_else(|| s.strip_prefix('-')) {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let (n, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
        let n: i64 = n.parse().ok()?;
        let ms = match unit {
            "s" => 1_000,
            "m" | "min" => MINUTE,
            "h" => 60 * MINUTE,
            "d" => 24 * 60 * MINUTE,
            _ => return None,
        };
        return Some(now? + sign * n * ms);
    }
    if let Some(t) = parse_ts_str(s, tz) {
        return Some(t);
    }
    let today = now.map(|n| {
        Utc.timestamp_millis_opt(n)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
            .with_timezone(&tz)
            .date_naive()
    });
    let time = |t: &str| {
        NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
            .ok()
    };
    let (date, t) = match s.split_once(' ') {
        Some((d, t)) => {
            // A full date, or month-day in the year of the screen's time.
            let year = today.map_or(2026, |d| d.year());
            let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&format!("{year}-{d}"), "%Y-%m-%d"))
                .ok()?;
            (date, time(t.trim())?)
        }
        None => (today?, time(s)?),
    };
    tz.from_local_datetime(&date.and_time(t))
        .single()
        .map(|dt| dt.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_offset, parse_ts_str};

    #[test]
    fn goto_times() {
        let tz = parse_offset("+08:00").unwrap();
        let now = parse_ts_str("2026-11-11T07:50:00+08:00", tz);
        let at = |s: &str| parse_ts_str(s, tz);
        assert_eq!(
            parse_goto("20:00", now, tz),
            at("2026-11-11T20:00:00+08:00")
        );
        assert_eq!(
            parse_goto("20:00:30", now, tz),
            at("2026-11-11T20:00:30+08:00")
        );
        assert_eq!(
            parse_goto("11-12 01:00", now, tz),
            at("2026-11-12T01:00:00+08:00")
        );
        assert_eq!(parse_goto("+30m", now, tz), at("2026-11-11T08:20:00+08:00"));
        assert_eq!(parse_goto("-2h", now, tz), at("2026-11-11T05:50:00+08:00"));
        assert_eq!(
            parse_goto("2026-11-10T12:00:00+08:00", now, tz),
            at("2026-11-10T12:00:00+08:00")
        );
        // A full date without seconds, in another year (a recording of 2011).
        assert_eq!(
            parse_goto("2011-12-09 10:00", now, tz),
            at("2011-12-09T10:00:00+08:00")
        );
        assert_eq!(parse_goto("soon", now, tz), None);
        assert_eq!(parse_goto("+5x", now, tz), None);
    }

    #[test]
    fn views_parse() {
        assert_eq!(View::parse("main"), Some(View::Main));
        assert_eq!(
            View::parse("alert:A-000007"),
            Some(View::Alert("A-000007".into()))
        );
        assert_eq!(
            View::parse("panel:funnel"),
            Some(View::Panel(PanelId::Funnel))
        );
        assert_eq!(View::parse("panel:nope"), None);
    }

    #[test]
    fn filter_parse() {
        let f = Filter::parse("渠道=直播 退款");
        assert_eq!(f.channel.as_deref(), Some("直播"));
        assert_eq!(f.text.as_deref(), Some("退款"));
        let f = Filter::parse("cat=美妆");
        assert_eq!(f.category.as_deref(), Some("美妆"));
        assert!(Filter::parse("").is_empty());
    }

    #[test]
    fn layout_classes() {
        assert_eq!(Layout::of(79, 40), Layout::TooSmall);
        assert_eq!(Layout::of(80, 24), Layout::Compact);
        assert_eq!(Layout::of(160, 48), Layout::Wide);
    }
}
