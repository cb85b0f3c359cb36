//! Drawing the screen: a pure function of the view model and the UI state
//! into a ratatui frame. No terminal here: the binary hands a frame of its
//! terminal, `warroom snapshot` and the tests a `TestBackend`.

mod detail;
pub mod draw;
mod panels;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout as Split, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};
use ratatui::{Frame, Terminal};

use self::draw::{big_text, gauge, put, s, tier_mark, Theme};
use super::hit::{HitMap, Target};
use super::model::{AlertDetail, Breakdown, Model, Next, Slice};
use super::replay::Fault;
use super::text::{countdown, group, money, pct, pct0, phase_name, width, Lang};
use super::ui::{Key, Layout, PanelId, PromptKind, Status, Ui, View, MIN_H, MIN_W};
use crate::alerts::model::Tier;
use crate::time::format_clock;

/// What a frame shows: the main model, plus the drill-down's own figures
/// when a drill-down is open.
pub struct Screen<'a> {
    pub model: &'a Model,
    pub alert: Option<&'a AlertDetail>,
    pub breakdown: Option<&'a Breakdown>,
}

/// Draw the whole screen. Returns where the clickable things went.
pub fn draw(f: &mut Frame, sc: &Screen, ui: &Ui) -> HitMap {
    let area = f.area();
    draw_buf(f.buffer_mut(), area, sc, ui)
}

/// Draw into a buffer (the frame's, or any other), recording the areas a
/// mouse click can mean something on.
pub fn draw_buf(buf: &mut Buffer, area: Rect, sc: &Screen, ui: &Ui) -> HitMap {
    let th = Theme { color: ui.color };
    let mut hits = HitMap::new(ui.view.clone());
    if Layout::of(area.width, area.height) == Layout::TooSmall {
        too_small(buf, area, ui, &th);
        return hits;
    }
    let big = area.height >= 40 && area.width >= 120;
    let head_h = if big { 5 } else { 2 };
    let [head, body, foot] = Split::vertical([
        Constraint::Length(head_h),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header(buf, head, sc.model, ui, &th, big);
    match &ui.view {
        View::Main => main_body(buf, body, sc.model, ui, &th, &mut hits),
        View::Alert(id) => match sc.alert {
            Some(d) => detail::alert(buf, body, sc.model, d, ui, &th, &mut hits),
            None => missing(buf, body, ui, &th, id),
        },
        View::Panel(p) => detail::panel(buf, body, sc.model, sc.breakdown, *p, ui, &th, &mut hits),
    }
    footer(buf, foot, sc.model, ui, &th, &mut hits);
    if ui.help {
        help(buf, area, ui, &th);
    }
    hits
}

/// Render to text through ratatui's `TestBackend`: one line per row,
/// trailing spaces trimmed (the `snapshot` command and the tests).
pub fn to_text(sc: &Screen, ui: &Ui, w: u16, h: u16) -> String {
    to_text_hits(sc, ui, w, h).0
}

/// As `to_text`, with the frame's hit map (tests of the mouse).
pub fn to_text_hits(sc: &Screen, ui: &Ui, w: u16, h: u16) -> (String, HitMap) {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let mut ui = ui.clone();
    ui.size = (w, h);
    let mut hits = HitMap::default();
    t.draw(|f| hits = draw(f, sc, &ui)).expect("draw");
    (buffer_text(t.backend().buffer()), hits)
}

/// A buffer as text: wide characters once, trailing spaces trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    let w = buf.area.width as usize;
    for y in 0..buf.area.height as usize {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in 0..w {
            let c = &buf.content[y * w + x];
            if skip == 0 {
                line.push_str(c.symbol());
                skip = width(c.symbol()).max(1);
            }
            skip -= 1;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn too_small(buf: &mut Buffer, area: Rect, ui: &Ui, th: &Theme) {
    let lines = [
        ui.lang.t("终端太小", "terminal too small").to_string(),
        format!("{} {MIN_W}x{MIN_H}", ui.lang.t("至少需要", "need at least")),
        format!(
            "{} {}x{}",
            ui.lang.t("当前", "now"),
            area.width,
            area.height
        ),
        ui.lang.t("q 退出", "q quits").to_string(),
    ];
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let t = draw::cut(l, area.width as usize);
        let x = (area.width as usize).saturating_sub(width(&t)) / 2;
        draw::put_at(
            buf,
            area,
            x as u16,
            top + i as u16,
            &Line::from(s(t, if i == 0 { th.bad() } else { th.label() })),
        );
    }
}

fn missing(buf: &mut Buffer, area: Rect, ui: &Ui, th: &Theme, id: &str) {
    put(
        buf,
        area,
        0,
        &Line::from(s(
            format!(
                "{} {id} — {}",
                ui.lang.t("没有告警", "no alert"),
                ui.lang.t("Esc 返回", "Esc goes back")
            ),
            th.bad(),
        )),
    );
}

// ---- header -----------------------------------------------------------------

fn mode_text(ui: &Ui, m: &Model) -> (String, Style) {
    let lang = ui.lang;
    let speed = |x: f64| {
        if x >= 10.0 || x.fract() == 0.0 {
            format!("{x:.0}x")
        } else {
            format!("{x:.1}x")
        }
    };
    match &ui.status {
        Status::Replay {
            speed: sp,
            paused,
            ended,
            seeking,
            loading,
            fault,
        } => {
            let mut t = lang.t("回放 ", "REPLAY ").to_string();
            if let Some(target) = seeking {
                t.push_str(&format!(
                    "» {} {}",
                    lang.t("跳转", "seeking"),
                    format_clock(*target, m.tz)
                ));
            } else if *ended {
                t.push_str(lang.t("[结束]", "[end]"));
            } else if *paused {
                t.push_str(&format!("|| {} {}", lang.t("暂停", "paused"), speed(*sp)));
            } else {
                t.push_str(&format!("▸ {}", speed(*sp)));
            }
            if let Some(n) = loading {
                t.push_str(&format!(
                    " {} {}",
                    lang.t("载入", "loading"),
                    group(*n as u64)
                ));
            }
            match fault {
                Some(Fault::Cut { .. }) => t.push_str(lang.t(" [已截断]", " [cut]")),
                Some(Fault::Stopped { .. }) => t.push_str(lang.t(" [已停止]", " [stopped]")),
                None => {}
            }
            (t, Style::default())
        }
        Status::Live {
            rate,
            frozen,
            polling,
        } => {
            let mut t = lang.t("实时 LIVE", "LIVE").to_string();
            if *rate != 1.0 {
                t.push_str(&format!(" {}", speed(*rate)));
            }
            if *frozen {
                t.push_str(lang.t(" [冻结]", " [frozen]"));
            }
            if polling.is_some() {
                t.push_str(lang.t(" (轮询)", " (polling)"));
            }
            (t, Style::default())
        }
        Status::Snapshot => (lang.t("快照", "SNAPSHOT").to_string(), Style::default()),
    }
}

fn header(buf: &mut Buffer, area: Rect, m: &Model, ui: &Ui, th: &Theme, big: bool) {
    let lang = ui.lang;
    let bar_style = th.status_bar();
    if let Some(r) = draw::row(area, 0) {
        buf.set_style(r.intersection(buf.area), bar_style);
    }
    let sep = || Span::styled(" │ ", bar_style);
    let mut parts: Vec<Vec<Span>> = Vec::new();
    parts.push(vec![s(
        m.campaign.clone(),
        bar_style.add_modifier(ratatui::style::Modifier::BOLD),
    )]);
    let phase = m
        .phase
        .as_ref()
        .map_or(lang.t("阶段外", "outside phases").to_string(), |p| {
            phase_name(lang, &p.name, p.kind)
        });
    let mut ph = vec![s(
        phase,
        bar_style.add_modifier(ratatui::style::Modifier::BOLD),
    )];
    if let (Some(now), Some(next)) = (m.now, &m.next) {
        let (label, at) = match next {
            Next::Phase(p) => (
                format!(
                    "{}{}",
                    lang.t(" 距", " "),
                    phase_name(lang, &p.name, p.kind)
                ) + lang.t("", " in"),
                p.start,
            ),
            Next::End(t) => (lang.t(" 距结束", " ends in").to_string(), *t),
        };
        ph.push(s(format!("{label} {}", countdown(at - now)), bar_style));
    }
    parts.push(ph);
    parts.push(vec![s(
        m.now.map_or("--".to_string(), |t| format_clock(t, m.tz)),
        bar_style.add_modifier(ratatui::style::Modifier::BOLD),
    )]);
    let (mode, _) = mode_text(ui, m);
    parts.push(vec![s(mode, bar_style)]);
    let mut tiers = Vec::new();
    for t in [Tier::Emergency, Tier::Warning, Tier::Notice] {
        let n = m.open_tiers[t as usize];
        let label = match lang {
            Lang::Zh => t.zh(),
            Lang::En => t.en(),
        };
        let st = if n > 0 { th.tier(t) } else { bar_style };
        tiers.push(s(format!("{}{label} {n}", tier_mark(t).trim_end()), st));
        tiers.push(s(" ", bar_style));
    }
    parts.push(tiers);
    let total: u64 = m.total_tiers.iter().sum();
    parts.push(vec![s(
        format!("{} {total}", lang.t("累计", "total")),
        bar_style,
    )]);
    // Drop the least important parts until the line fits: the total, then
    // the campaign name, then the countdown; clock, mode and tiers stay.
    let w = area.width as usize;
    let priority = [2u8, 1, 0, 0, 0, 3];
    let widths: Vec<usize> = parts
        .iter()
        .map(|p| p.iter().map(|x| width(&x.content)).sum::<usize>() + 3)
        .collect();
    let mut keep = vec![true; parts.len()];
    for level in [3u8, 2, 1] {
        let total: usize = widths
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(w, _)| w)
            .sum();
        if total <= w {
            break;
        }
        for (i, p) in priority.iter().enumerate() {
            if *p == level {
                keep[i] = false;
            }
        }
    }
    let mut spans = Vec::new();
    let mut first = true;
    for (p, k) in parts.into_iter().zip(keep) {
        if !k {
            continue;
        }
        if first {
            spans.push(Span::styled(" ", bar_style));
        } else {
            spans.push(sep());
        }
        first = false;
        spans.extend(p);
    }
    put(buf, area, 0, &Line::from(spans));

    // GMV against the target.
    let h = &m.head;
    let progress_txt = format!(
        "{} {} {}",
        lang.t("目标", "target"),
        h.target.map_or("-".into(), |t| money(lang, t)),
        pct(h.progress)
    );
    let time_txt = format!("{} {}", lang.t("时间进度", "time"), pct0(h.time_progress));
    let pace_style = match (h.progress, h.time_progress) {
        (Some(p), Some(t)) if p >= t => th.good(),
        (Some(_), Some(_)) => th.near(),
        _ => th.label(),
    };
    let more = format!(
        "{} {}  {} {}  {} {}{}",
        lang.t("订单", "orders"),
        group(h.orders),
        lang.t("客单价", "AOV"),
        h.aov.map_or("-".into(), |x| money(lang, x)),
        lang.t("新客", "new customers"),
        group(h.new_customers),
        h.new_customers_target
            .map_or(String::new(), |t| format!("/{}", group(t.round() as u64)))
    );
    if !big {
        let g = gauge(h.progress.unwrap_or(0.0), 18);
        let line = Line::from(vec![
            s(" GMV ", th.label()),
            s(money(lang, h.gmv), th.value()),
            s(format!("  {progress_txt} "), th.label()),
            s(g, pace_style),
            s(format!("  {time_txt}  "), th.dim()),
            s(more, th.label()),
        ]);
        put(buf, area, 1, &line);
        return;
    }
    let digits = big_text(&group(h.gmv.max(0.0).floor() as u64));
    let dw = width(&digits[0]) as u16 + 8;
    put(buf, area, 1, &Line::from(s(" GMV", th.label())));
    put(buf, area, 2, &Line::from(s(" ¥", th.label())));
    for (i, d) in digits.iter().enumerate() {
        draw::put_at(
            buf,
            area,
            6,
            1 + i as u16,
            &Line::from(s(d.clone(), th.value())),
        );
    }
    let right = [
        Line::from(vec![
            s(progress_txt, th.value()),
            s(format!("  {time_txt}"), pace_style),
        ]),
        Line::from(s(more, th.label())),
        Line::from(s(
            format!(
                "{} {}  {} {}  {} {}",
                lang.t("记录", "records"),
                group(m.records),
                lang.t("坏行", "bad lines"),
                m.bad_lines,
                lang.t("迟到", "late"),
                m.late
            ),
            th.dim(),
        )),
    ];
    for (i, l) in right.iter().enumerate() {
        draw::put_at(buf, area, dw, 1 + i as u16, l);
    }
    let gw = area.width.saturating_sub(2) as usize;
    put(
        buf,
        Rect {
            x: area.x + 1,
            width: area.width.saturating_sub(1),
            ..area
        },
        4,
        &Line::from(s(gauge(h.progress.unwrap_or(0.0), gw), pace_style)),
    );
}

// ---- footer -----------------------------------------------------------------

fn footer(buf: &mut Buffer, area: Rect, m: &Model, ui: &Ui, th: &Theme, hits: &mut HitMap) {
    let lang = ui.lang;
    if let Some(p) = &ui.prompt {
        let label = match p.kind {
            PromptKind::Filter => lang.t("/ 筛选: ", "/ filter: "),
            PromptKind::Goto => lang.t("g 跳到时间: ", "g go to time: "),
        };
        let hint = match (&p.error, p.kind) {
            (Some(e), _) => e.clone(),
            (None, PromptKind::Filter) => lang
                .t(
                    "  渠道=直播 品类=美妆 或文字 · Enter 确定 · Esc 取消",
                    "  channel=直播 category=美妆 or text · Enter apply · Esc cancel",
                )
                .to_string(),
            (None, PromptKind::Goto) => lang
                .t(
                    "  20:00 · 11-11 20:00 · +30m · -2h · Enter 确定 · Esc 取消",
                    "  20:00 · 11-11 20:00 · +30m · -2h · Enter go · Esc cancel",
                )
                .to_string(),
        };
        let line = Line::from(vec![
            s(label, th.key()),
            s(format!("{}_", p.input), th.value()),
            s(
                hint,
                if p.error.is_some() {
                    th.bad()
                } else {
                    th.dim()
                },
            ),
        ]);
        put(buf, area, 0, &line);
        return;
    }
    let replay = ui.status.is_replay();
    // Hints: key, what it does, and the key a click on the hint presses
    // (none where one hint stands for two keys, and none for quit: a stray
    // click must not close the war room).
    let keys: Vec<(&str, &str, Option<Key>)> = match &ui.view {
        View::Main => {
            let mut k = vec![
                ("?", lang.t("帮助", "help"), Some(Key::Char('?'))),
                ("Tab", lang.t("切换", "focus"), Some(Key::Tab)),
                ("Enter", lang.t("详情", "drill"), Some(Key::Enter)),
                ("a", lang.t("确认", "ack"), Some(Key::Char('a'))),
                ("/", lang.t("筛选", "filter"), Some(Key::Char('/'))),
            ];
            if replay {
                k.extend([
                    ("Space", lang.t("暂停", "pause"), Some(Key::Char(' '))),
                    ("+-", lang.t("速度", "speed"), None),
                    ("←→", lang.t("跳转", "seek"), None),
                    ("n/N", lang.t("告警变化", "transitions"), None),
                    ("g", lang.t("时间", "go to"), Some(Key::Char('g'))),
                ]);
            } else if matches!(ui.status, Status::Live { .. }) {
                k.push(("Space", lang.t("冻结", "freeze"), Some(Key::Char(' '))));
            }
            k.push(("q", lang.t("退出", "quit"), None));
            k
        }
        View::Alert(_) => vec![
            ("Esc", lang.t("返回", "back"), Some(Key::Esc)),
            ("a", lang.t("确认", "ack"), Some(Key::Char('a'))),
            ("j/k", lang.t("滚动", "scroll"), None),
            ("?", lang.t("帮助", "help"), Some(Key::Char('?'))),
            ("q", lang.t("退出", "quit"), None),
        ],
        View::Panel(_) => vec![
            ("Esc", lang.t("返回", "back"), Some(Key::Esc)),
            ("Tab", lang.t("下一面板", "next panel"), Some(Key::Tab)),
            ("j/k", lang.t("滚动/选择", "scroll/select"), None),
            ("Enter", lang.t("详情", "drill"), Some(Key::Enter)),
            ("?", lang.t("帮助", "help"), Some(Key::Char('?'))),
            ("q", lang.t("退出", "quit"), None),
        ],
    };
    let mut right = String::new();
    let fault = match &ui.status {
        Status::Replay { fault: Some(f), .. } => Some(fault_text(lang, f)),
        _ => None,
    };
    if let Some(msg) = &ui.message {
        right = msg.clone();
    } else if let Some(f) = &fault {
        right = f.clone();
    } else if !m.filter.is_empty() {
        right = format!(
            "{} {}{}",
            lang.t("筛选:", "filter:"),
            m.filter.to_input(),
            match &m.slice {
                Slice::Unknown(v) => format!(" ({} {v})", lang.t("无此项", "unknown")),
                _ => String::new(),
            }
        );
    }
    let rw = width(&right);
    let avail = (area.width as usize).saturating_sub(rw + 2);
    let mut spans = Vec::new();
    let mut used = 0;
    // The last hint (how to quit) keeps its room when the others do not fit.
    let hint_w = |k: &str, d: &str| width(k) + width(d) + 2;
    let quit_w = keys.last().map_or(0, |(k, d, _)| hint_w(k, d));
    let n = keys.len();
    for (i, (k, d, key)) in keys.into_iter().enumerate() {
        let kw = hint_w(k, d);
        let room = if i + 1 < n {
            avail.saturating_sub(quit_w)
        } else {
            avail
        };
        if used + kw > room {
            if i + 1 < n {
                continue;
            }
            break;
        }
        spans.push(s(format!(" {k}"), th.key()));
        spans.push(s(format!(" {d}"), th.dim()));
        if let Some(key) = key {
            hits.push(
                Rect {
                    x: area.x + used as u16,
                    y: area.y,
                    width: kw as u16,
                    height: 1,
                },
                Target::Key(key),
            );
        }
        used += kw;
    }
    put(buf, area, 0, &Line::from(spans));
    if !right.is_empty() {
        let t = draw::cut(&right, area.width as usize);
        let x = (area.width as usize).saturating_sub(width(&t) + 1);
        let style = if ui.message.is_some() {
            th.accent()
        } else if fault.is_some() {
            th.bad()
        } else {
            th.near()
        };
        draw::put_at(buf, area, x as u16, 0, &Line::from(s(t, style)));
    }
}

/// A fault of the replay's temporary file, for the footer.
pub fn fault_text(lang: Lang, f: &Fault) -> String {
    match f {
        Fault::Cut { records, error } => format!(
            "{} {} {}: {error}",
            lang.t("回放只载入了前", "replay cut after"),
            group(*records as u64),
            lang.t("条", "records")
        ),
        Fault::Stopped { error } => {
            format!("{}: {error}", lang.t("回放已停止", "replay stopped"))
        }
    }
}

// ---- main body --------------------------------------------------------------

fn block<'a>(title: String, focused: bool, th: &Theme) -> Block<'a> {
    let title = if focused {
        format!("[{title}]")
    } else {
        format!(" {title} ")
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(focused))
        .title(Span::styled(title, th.title(focused)))
}

fn panel_title(p: PanelId, m: &Model, ui: &Ui) -> String {
    let lang = ui.lang;
    let slice = match &m.slice {
        Slice::Site => String::new(),
        Slice::Channel(c) | Slice::Category(c) => format!(" · {c}"),
        Slice::Unknown(c) => format!(" · {c}?"),
    };
    let wide = ui.layout() == Layout::Wide;
    match p {
        PanelId::Funnel => format!(
            "{}{}{}",
            p.title(lang),
            if wide {
                lang.t(" 近15分 vs 参考/基线", " 15 min vs ref/baseline")
            } else {
                lang.t(" 近15分|参考|基线", " 15m|ref|base")
            },
            slice
        ),
        PanelId::Budget => format!(
            "{}{}{}",
            p.title(lang),
            lang.t(" 本阶段", " this phase"),
            slice
        ),
        PanelId::Cs => format!("{}{}{}", p.title(lang), lang.t(" 近30分", " 30 min"), slice),
        PanelId::Sales => format!(
            "{} GMV/{}{}",
            p.title(lang),
            crate::view::text::per_bucket(lang, m.sales.bucket_ms),
            slice
        ),
        PanelId::Stock => format!(
            "{}{}",
            p.title(lang),
            lang.t(" 热销/安全库存", " hot SKUs vs safety")
        ),
        PanelId::Alerts => {
            let open: usize = m.alerts.len();
            format!("{} {} {open}", p.title(lang), lang.t("开启", "open"))
        }
    }
}

fn panel(
    buf: &mut Buffer,
    area: Rect,
    p: PanelId,
    m: &Model,
    ui: &Ui,
    th: &Theme,
    hits: &mut HitMap,
) {
    hits.push(area, Target::Panel(p));
    if area.width < 3 || area.height < 3 {
        return;
    }
    let focused = ui.focus == p && ui.view == View::Main;
    let b = block(panel_title(p, m, ui), focused, th);
    let inner = b.inner(area);
    b.render(area, buf);
    match p {
        PanelId::Sales => panels::sales(buf, inner, m, ui, th),
        PanelId::Funnel => panels::funnel(buf, inner, m, ui, th),
        PanelId::Budget => panels::budget(buf, inner, m, ui, th),
        PanelId::Cs => panels::cs(buf, inner, m, ui, th),
        PanelId::Stock => panels::stock(buf, inner, m, ui, th),
        PanelId::Alerts => panels::alerts(buf, inner, m, ui, th, focused, hits),
    }
}

fn main_body(buf: &mut Buffer, area: Rect, m: &Model, ui: &Ui, th: &Theme, hits: &mut HitMap) {
    if ui.layout() == Layout::Wide && area.width >= 120 {
        let alerts_w = (area.width / 3).clamp(44, 90);
        let [left, right] =
            Split::horizontal([Constraint::Min(60), Constraint::Length(alerts_w)]).areas(area);
        // The sales chart takes what the other panels leave.
        let mid_h = (3 + m.budget.lines.len() as u16 + 1).max(9) + 2;
        let bottom_h = (m.stock.rows.len() as u16 + 1).clamp(6, 11) + 2;
        let [top, mid, bottom] = Split::vertical([
            Constraint::Min(8),
            Constraint::Length(mid_h),
            Constraint::Length(bottom_h),
        ])
        .areas(left);
        let halves = |r: Rect| -> [Rect; 2] {
            Split::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(r)
        };
        let [fun, bud] = halves(mid);
        let [cs, st] = halves(bottom);
        panel(buf, top, PanelId::Sales, m, ui, th, hits);
        panel(buf, fun, PanelId::Funnel, m, ui, th, hits);
        panel(buf, bud, PanelId::Budget, m, ui, th, hits);
        panel(buf, cs, PanelId::Cs, m, ui, th, hits);
        panel(buf, st, PanelId::Stock, m, ui, th, hits);
        panel(buf, right, PanelId::Alerts, m, ui, th, hits);
    } else {
        let rows: [Rect; 3] = Split::vertical([
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
        ])
        .areas(area);
        let grid = [
            [PanelId::Sales, PanelId::Alerts],
            [PanelId::Funnel, PanelId::Budget],
            [PanelId::Cs, PanelId::Stock],
        ];
        for (r, ids) in rows.iter().zip(grid) {
            let [l, rr]: [Rect; 2] =
                Split::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(*r);
            panel(buf, l, ids[0], m, ui, th, hits);
            panel(buf, rr, ids[1], m, ui, th, hits);
        }
    }
}

// ---- help -------------------------------------------------------------------

/// Every key, for the `?` overlay (and the docs).
pub fn help_lines(lang: Lang) -> Vec<(&'static str, &'static str)> {
    vec![
        ("?", lang.t("显示/关闭帮助", "show / close this help")),
        ("q, Ctrl-C", lang.t("退出", "quit")),
        (
            "R",
            lang.t(
                "写复盘 (Markdown, --report-out)",
                "write the post-mortem (Markdown, --report-out)",
            ),
        ),
        (
            "Tab / Shift-Tab",
            lang.t("下一个/上一个面板", "next / previous panel"),
        ),
        (
            "h j k l",
            lang.t("在面板间移动焦点", "move focus between panels"),
        ),
        (
            "↑ ↓ (j k)",
            lang.t(
                "告警面板中选择告警; 详情中滚动",
                "select an alert; scroll in drill-downs",
            ),
        ),
        (
            "← →",
            lang.t(
                "回放: 跳转 ±1 分钟; 实时: 移动焦点",
                "replay: seek ±1 min; live: move focus",
            ),
        ),
        (
            "Shift-← →",
            lang.t("回放: 跳转 ±10 分钟", "replay: seek ±10 min"),
        ),
        (
            "Enter",
            lang.t(
                "进入详情 (告警 / 面板按渠道品类)",
                "drill in (alert / panel by channel and category)",
            ),
        ),
        (
            "Esc",
            lang.t(
                "返回; 主屏上清除筛选",
                "back; on the main screen clear the filter",
            ),
        ),
        (
            "/",
            lang.t(
                "筛选: 渠道=直播 品类=美妆 或文字",
                "filter: channel=直播 category=美妆 or text",
            ),
        ),
        (
            "a",
            lang.t(
                "确认选中告警 (写入告警日志)",
                "ack the selected alert (written to the alert log)",
            ),
        ),
        (
            "Space",
            lang.t(
                "回放: 暂停/继续; 实时: 冻结画面",
                "replay: pause/resume; live: freeze",
            ),
        ),
        (
            "+ / -",
            lang.t("回放: 加速/减速", "replay: faster / slower"),
        ),
        (
            "n / N",
            lang.t(
                "回放: 下一个/上一个告警变化",
                "replay: next / previous alert transition",
            ),
        ),
        (
            "g",
            lang.t("回放: 跳到输入的时间", "replay: go to a typed time"),
        ),
        (
            lang.t("鼠标单击/双击", "click / double"),
            lang.t(
                "点面板: 焦点; 点告警: 选中, 再点或双击: 详情",
                "focus a panel; select an alert; again or double: drill in",
            ),
        ),
        (
            lang.t("滚轮", "wheel"),
            lang.t(
                "告警列表中选择; 详情中滚动",
                "select in alert lists; scroll drill-downs",
            ),
        ),
        (
            lang.t("单击底栏按键", "click a footer key"),
            lang.t("等于按下该键 (q 除外)", "presses it (not q)"),
        ),
        (
            "!!! !! !",
            lang.t("紧急 / 警告 / 提醒", "emergency / warning / notice"),
        ),
        (
            "✓ ~ ✗",
            lang.t(
                "达标 / 接近 / 未达标",
                "meets / near / misses its SLA or plan",
            ),
        ),
    ]
}

/// Clear `r` for an overlay. A wide (CJK) character just left of it would
/// still cover the overlay's left border with its second half: it goes too.
fn clear_box(buf: &mut Buffer, r: Rect) {
    Clear.render(r, buf);
    if r.x == buf.area.x {
        return;
    }
    for y in r.top()..r.bottom() {
        if let Some(c) = buf.cell_mut((r.x - 1, y)) {
            if width(c.symbol()) > 1 {
                c.set_symbol(" ");
            }
        }
    }
}

fn help(buf: &mut Buffer, area: Rect, ui: &Ui, th: &Theme) {
    let lines = help_lines(ui.lang);
    let kw = lines.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let dw = lines.iter().map(|(_, d)| width(d)).max().unwrap_or(0);
    let w = ((kw + dw + 6) as u16).min(area.width);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    clear_box(buf, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(
            ui.lang.t(
                " 按键与鼠标 (任意键或单击关闭) ",
                " keys and mouse (any key or click closes) ",
            ),
            th.title(false),
        ));
    let inner = b.inner(r);
    b.render(r, buf);
    for (i, (k, d)) in lines.iter().enumerate() {
        put(
            buf,
            inner,
            i as u16,
            &Line::from(vec![
                s(format!(" {}", super::text::pad(k, kw)), th.key()),
                s(format!("  {d}"), th.label()),
            ]),
        );
    }
}
