//! The mouse on rendered frames: what the renderer records where it drew,
//! and what a click or the wheel at those cells does. Frames are rendered
//! through ratatui's `TestBackend` at 80×24 (compact) and 200×50 (wide),
//! from a hand-made model; clicks land where the text was drawn.

use chrono::FixedOffset;
use ratatui::layout::Rect;

use super::*;
use crate::alerts::model::{Panel, Scope, Tier};
use crate::view::model::{AlertRow, Filter, Model, Slice};
use crate::view::render::{to_text_hits, Screen};
use crate::view::text::{width, Lang};
use crate::view::ui::{Command, Mouse, MouseKind, Status, Ui, DOUBLE_CLICK_MS};

const T0: i64 = 1_793_000_000_000;
const MIN: i64 = 60_000;

fn alert(id: &str, tier: Tier, metric: &str, resolved: bool) -> AlertRow {
    AlertRow {
        id: id.into(),
        tier,
        max_tier: tier,
        panel: Panel::Cs,
        metric: metric.into(),
        scope: Scope::site(),
        rule: "cs-response-sla",
        value: Some(0.5),
        expected: Some(0.95),
        opened_at: T0 - 30 * MIN,
        changed_at: T0 - 20 * MIN,
        resolved_at: resolved.then_some(T0 - 5 * MIN),
        acked_at: None,
    }
}

/// Three open alerts and two resolved, each on its own metric so a row's
/// text tells which alert it is.
fn model() -> Model {
    Model {
        campaign: "test".into(),
        tz: FixedOffset::east_opt(8 * 3600).expect("tz"),
        now: Some(T0),
        phase: None,
        next: None,
        head: Default::default(),
        open_tiers: [1, 1, 1],
        total_tiers: [2, 2, 1],
        records: 0,
        bad_lines: 0,
        sla: crate::reference::ServiceLevels {
            response_15s: 0.95,
            fcr: 0.85,
            satisfaction: 4.8,
        },
        late: 0,
        filter: Filter::default(),
        slice: Slice::Site,
        has_baseline: false,
        funnel: Default::default(),
        budget: Default::default(),
        cs: Default::default(),
        sales: Default::default(),
        stock: Default::default(),
        alerts: vec![
            alert("A-000005", Tier::Emergency, "cr.order_pay", false),
            alert("A-000004", Tier::Warning, "cs.response_15s", false),
            alert("A-000003", Tier::Notice, "budget.pace", false),
        ],
        resolved: vec![
            alert("A-000002", Tier::Warning, "cs.fcr", true),
            alert("A-000001", Tier::Notice, "cs.satisfaction", true),
        ],
    }
}

fn metric_of(m: &Model, id: &str) -> String {
    let a = Ui::alert_list(m)
        .into_iter()
        .find(|a| a.id == id)
        .expect("alert");
    crate::view::text::metric_label(Lang::Zh, &a.metric)
}

fn new_ui(w: u16, h: u16) -> Ui {
    let mut u = Ui::new(Lang::Zh, Status::playing(60.0));
    u.color = false;
    u.size = (w, h);
    u
}

fn frame(m: &Model, u: &Ui) -> (Vec<String>, HitMap) {
    let sc = Screen {
        model: m,
        alert: None,
        breakdown: None,
    };
    let (text, hits) = to_text_hits(&sc, u, u.size.0, u.size.1);
    (text.lines().map(String::from).collect(), hits)
}

/// The cell (column, row) where `needle` was drawn: columns count display
/// width, so text after CJK characters lands where the terminal shows it.
fn find(lines: &[String], needle: &str) -> (u16, u16) {
    try_find(lines, needle)
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", lines.join("\n")))
}

/// As `find`, the lowest row first (the footer).
fn find_last(lines: &[String], needle: &str) -> (u16, u16) {
    let (x, y) = find(&lines.iter().rev().cloned().collect::<Vec<_>>(), needle);
    (x, lines.len() as u16 - 1 - y)
}

fn try_find(lines: &[String], needle: &str) -> Option<(u16, u16)> {
    lines
        .iter()
        .enumerate()
        .find_map(|(y, l)| l.find(needle).map(|i| (width(&l[..i]) as u16, y as u16)))
}

/// The text drawn in `r` (one row).
fn text_in(lines: &[String], r: Rect) -> String {
    let line = &lines[r.y as usize];
    let mut out = String::new();
    let mut col = 0;
    for c in line.chars() {
        let cw = width(c.encode_utf8(&mut [0; 4]));
        if col >= r.x as usize && col + cw <= (r.x + r.width) as usize {
            out.push(c);
        }
        col += cw;
    }
    out
}

/// Row `r` shows alert `id`: a two-line alert's first line has the id, its
/// second the metric; a one-line alert (narrow) has the metric.
fn shows(lines: &[String], r: Rect, m: &Model, id: &str) -> bool {
    let drawn = text_in(lines, r);
    drawn.contains(&metric_of(m, id)) || drawn.contains(id)
}

fn click(x: u16, y: u16, at_ms: u64) -> Mouse {
    Mouse {
        kind: MouseKind::Click,
        column: x,
        row: y,
        at_ms,
    }
}

fn wheel(down: bool, x: u16, y: u16) -> Mouse {
    Mouse {
        kind: if down {
            MouseKind::ScrollDown
        } else {
            MouseKind::ScrollUp
        },
        column: x,
        row: y,
        at_ms: 0,
    }
}

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

const TITLES: [(PanelId, &str); 6] = [
    (PanelId::Sales, "销售趋势"),
    (PanelId::Funnel, "转化漏斗"),
    (PanelId::Budget, "预算消耗"),
    (PanelId::Cs, "客服"),
    (PanelId::Stock, "库存"),
    (PanelId::Alerts, "告警"),
];

#[test]
fn the_frame_records_every_panel_where_its_title_is() {
    let m = model();
    for (w, h) in SIZES {
        let u = new_ui(w, h);
        let (lines, hits) = frame(&m, &u);
        assert_eq!(hits.view, Some(View::Main));
        for (p, title) in TITLES {
            let (x, y) = find(&lines, &format!("{title} "));
            assert_eq!(
                hits.at(x, y),
                Some(&Target::Panel(p)),
                "{w}x{h}: {title} at {x},{y}"
            );
            // The block's corners belong to the panel too.
            let r = hits.find(&Target::Panel(p)).expect("panel recorded");
            assert_eq!(hits.at(r.x, r.y), Some(&Target::Panel(p)));
            let (rx, ry) = (r.x + r.width - 1, r.y + r.height - 1);
            assert_eq!(hits.at(rx, ry), Some(&Target::Panel(p)));
        }
        // The header is nobody's.
        assert_eq!(hits.at(0, 0), None);
    }
}

#[test]
fn alert_rows_are_recorded_where_they_are_drawn() {
    let m = model();
    for (w, h) in SIZES {
        let mut u = new_ui(w, h);
        u.selected = Some("A-000001".into()); // the last one: the list scrolls
        let (lines, hits) = frame(&m, &u);
        let rows: Vec<_> = hits
            .areas()
            .iter()
            .filter_map(|(r, t)| match t {
                Target::Alert(id) => Some((*r, id.clone())),
                _ => None,
            })
            .collect();
        assert!(!rows.is_empty(), "{w}x{h}");
        let panel = hits.find(&Target::Panel(PanelId::Alerts)).expect("panel");
        for (r, id) in &rows {
            assert!(panel.contains(r.as_position()), "{w}x{h}: {id} row inside");
            assert!(
                shows(&lines, *r, &m, id),
                "{w}x{h}: row {r:?} of {id} shows {:?}",
                text_in(&lines, *r)
            );
        }
        // The selected alert is on screen even when the list scrolled.
        assert!(rows.iter().any(|(_, id)| id == "A-000001"), "{w}x{h}");
        // The "resolved" separator is no alert's.
        let (x, y) = find(&lines, "── 已恢复");
        assert_eq!(hits.at(x, y), Some(&Target::Panel(PanelId::Alerts)));
    }
}

#[test]
fn a_click_focuses_the_panel_and_a_double_click_drills_in() {
    let m = model();
    for (w, h) in SIZES {
        let mut u = new_ui(w, h);
        let (lines, hits) = frame(&m, &u);
        for (p, title) in TITLES {
            let (x, y) = find(&lines, &format!("{title} "));
            assert_eq!(u.on_mouse(click(x, y, 1_000), &hits, &m), None);
            assert_eq!(u.focus, p, "{w}x{h}: {title}");
            assert_eq!(u.view, View::Main);
        }
        // Two clicks too far apart are two clicks.
        let (x, y) = find(&lines, "转化漏斗");
        u.on_mouse(click(x, y, 10_000), &hits, &m);
        u.on_mouse(click(x, y, 10_000 + DOUBLE_CLICK_MS + 1), &hits, &m);
        assert_eq!(u.view, View::Main, "{w}x{h}");
        // A double click opens the panel's drill-down.
        u.on_mouse(click(x, y, 20_000), &hits, &m);
        u.on_mouse(click(x + 1, y, 20_000 + DOUBLE_CLICK_MS), &hits, &m);
        assert_eq!(u.view, View::Panel(PanelId::Funnel), "{w}x{h}");
        // Clicks on the main screen's layout mean nothing in the drill-down.
        let (x, y) = find(&lines, "预算消耗");
        u.on_mouse(click(x, y, 30_000), &hits, &m);
        assert_eq!(u.view, View::Panel(PanelId::Funnel), "{w}x{h}");
        assert_eq!(u.focus, PanelId::Funnel);
    }
}

#[test]
fn clicking_an_alert_selects_it_and_again_drills_in() {
    let m = model();
    for (w, h) in SIZES {
        let mut u = new_ui(w, h);
        u.focus = PanelId::Sales;
        let (lines, hits) = frame(&m, &u);
        let r = hits
            .find(&Target::Alert("A-000004".into()))
            .expect("A-000004 drawn");
        assert!(shows(&lines, r, &m, "A-000004"), "{w}x{h} {r:?}");
        // First click: focus and select, nothing else.
        assert_eq!(u.on_mouse(click(r.x + 2, r.y, 0), &hits, &m), None);
        assert_eq!(u.focus, PanelId::Alerts);
        assert_eq!(u.selected.as_deref(), Some("A-000004"));
        assert_eq!(u.view, View::Main);
        // A click on the selected row (seconds later: not a double click)
        // drills in.
        let (lines, hits) = frame(&m, &u);
        let r = hits.find(&Target::Alert("A-000004".into())).expect("drawn");
        assert!(shows(&lines, r, &m, "A-000004"), "{w}x{h} {r:?}");
        u.on_mouse(click(r.x + 5, r.y, 5_000), &hits, &m);
        assert_eq!(u.view, View::Alert("A-000004".into()), "{w}x{h}");

        // The first row is drawn selected while nothing is chosen yet, but
        // only in a focused panel: a click there on an unfocused panel
        // focuses, on the focused one it drills.
        let mut u = new_ui(w, h);
        u.focus = PanelId::Funnel;
        let (_, hits) = frame(&m, &u);
        let r = hits.find(&Target::Alert("A-000005".into())).expect("drawn");
        u.on_mouse(click(r.x, r.y, 0), &hits, &m);
        assert_eq!((u.view.clone(), u.focus), (View::Main, PanelId::Alerts));
        let mut u = new_ui(w, h);
        let (_, hits) = frame(&m, &u);
        u.on_mouse(click(r.x, r.y, 0), &hits, &m);
        assert_eq!(u.view, View::Alert("A-000005".into()), "{w}x{h}");

        // A double click on an unselected row drills in.
        let mut u = new_ui(w, h);
        let (_, hits) = frame(&m, &u);
        let r = hits.find(&Target::Alert("A-000003".into())).expect("drawn");
        u.on_mouse(click(r.x, r.y, 100), &hits, &m);
        u.on_mouse(click(r.x, r.y, 300), &hits, &m);
        assert_eq!(u.view, View::Alert("A-000003".into()), "{w}x{h}");
    }
}

#[test]
fn the_alerts_drill_down_list_selects_and_drills_by_click() {
    let m = model();
    for (w, h) in SIZES {
        let mut u = new_ui(w, h);
        u.open(View::Panel(PanelId::Alerts));
        let (lines, hits) = frame(&m, &u);
        assert_eq!(hits.view, Some(View::Panel(PanelId::Alerts)));
        // Every alert is a row of the table, its id in the row.
        for a in Ui::alert_list(&m) {
            let r = hits.find(&Target::Alert(a.id.clone())).expect("row");
            assert!(text_in(&lines, r).contains(&a.id), "{w}x{h}: {}", a.id);
        }
        let (x, y) = find(&lines, "A-000002");
        assert_eq!(u.on_mouse(click(x, y, 0), &hits, &m), None);
        assert_eq!(u.selected.as_deref(), Some("A-000002"));
        assert_eq!(u.view, View::Panel(PanelId::Alerts));
        u.on_mouse(click(x, y, 2_000), &hits, &m);
        assert_eq!(u.view, View::Alert("A-000002".into()));
        // Back with the footer's Esc hint (the alert view drew no detail
        // here: it has no session; its footer is there all the same).
        let (lines, hits) = frame(&m, &u);
        let (x, y) = find_last(&lines, "Esc 返回");
        assert_eq!(hits.at(x, y), Some(&Target::Key(Key::Esc)));
        u.on_mouse(click(x, y, 3_000), &hits, &m);
        assert_eq!(u.view, View::Panel(PanelId::Alerts), "{w}x{h}");
    }
}

#[test]
fn the_wheel_moves_the_selection_over_alert_lists_only() {
    let m = model();
    for (w, h) in SIZES {
        let mut u = new_ui(w, h);
        u.focus = PanelId::Sales;
        let (lines, hits) = frame(&m, &u);
        // Over another panel: nothing.
        let (x, y) = find(&lines, "转化漏斗");
        u.on_mouse(wheel(true, x, y + 2), &hits, &m);
        assert_eq!((u.focus, u.selected.clone()), (PanelId::Sales, None));
        // Over the alerts: focus, then down the list, clamped at the end.
        let r = hits.find(&Target::Panel(PanelId::Alerts)).expect("panel");
        u.on_mouse(wheel(true, r.x + 3, r.y + 1), &hits, &m);
        assert_eq!(u.focus, PanelId::Alerts);
        assert_eq!(u.selected.as_deref(), Some("A-000004"));
        for _ in 0..10 {
            u.on_mouse(wheel(true, r.x + 3, r.y + 1), &hits, &m);
        }
        assert_eq!(u.selected.as_deref(), Some("A-000001"));
        u.on_mouse(wheel(false, r.x + 3, r.y + 1), &hits, &m);
        assert_eq!(u.selected.as_deref(), Some("A-000002"), "{w}x{h}");
        // In the alerts drill-down the wheel moves the selection anywhere.
        u.open(View::Panel(PanelId::Alerts));
        let (_, hits) = frame(&m, &u);
        u.on_mouse(wheel(false, 0, h / 2), &hits, &m);
        assert_eq!(u.selected.as_deref(), Some("A-000003"), "{w}x{h}");
    }
}

#[test]
fn the_wheel_scrolls_a_drill_down_and_stops_at_its_end() {
    let m = model();
    let mut u = new_ui(80, 24);
    u.open(View::Panel(PanelId::Stock));
    let mut hits = HitMap::new(View::Panel(PanelId::Stock));
    hits.scrolls(40, 10);
    assert_eq!(hits.scroll_max, Some(30));
    u.on_mouse(wheel(true, 5, 5), &hits, &m);
    assert_eq!(u.scroll, 3);
    for _ in 0..20 {
        u.on_mouse(wheel(true, 5, 5), &hits, &m);
    }
    assert_eq!(u.scroll, 30);
    u.on_mouse(wheel(false, 5, 5), &hits, &m);
    assert_eq!(u.scroll, 27);
    // Scrolled past the end with keys: the wheel comes back from the end.
    u.scroll = 500;
    u.on_mouse(wheel(false, 5, 5), &hits, &m);
    assert_eq!(u.scroll, 27);
    for _ in 0..20 {
        u.on_mouse(wheel(false, 5, 5), &hits, &m);
    }
    assert_eq!(u.scroll, 0);
}

#[test]
fn footer_hints_press_their_keys_and_help_closes_on_a_click() {
    let m = model();
    for (w, h) in SIZES {
        let mut u = new_ui(w, h);
        u.focus = PanelId::Budget;
        let (lines, hits) = frame(&m, &u);
        let foot = h - 1;
        let (x, y) = find(&lines, "Enter 详情");
        assert_eq!(y, foot);
        assert_eq!(hits.at(x, y), Some(&Target::Key(Key::Enter)));
        // The key's description is part of the hint.
        assert_eq!(hits.at(x + 7, y), Some(&Target::Key(Key::Enter)));
        let (x, y) = find(&lines, "Space 暂停");
        assert_eq!(
            u.on_mouse(click(x + 1, y, 0), &hits, &m),
            Some(Command::TogglePause)
        );
        // Quit is not clickable (nor shown at 80 columns in a replay).
        if let Some((x, y)) = try_find(&lines, "q 退出") {
            assert_eq!(hits.at(x, y), None);
            assert_eq!(u.on_mouse(click(x, y, 0), &hits, &m), None);
        }
        // ? opens the help; a click anywhere closes it and does nothing else.
        let (x, y) = find(&lines, "? 帮助");
        u.on_mouse(click(x, y, 10_000), &hits, &m);
        assert!(u.help);
        let (x, y) = find(&lines, "Enter 详情");
        u.on_mouse(click(x, y, 20_000), &hits, &m);
        assert!(!u.help);
        assert_eq!(u.view, View::Main);
        // Enter on the focused panel drills into it.
        u.on_mouse(click(x, y, 30_000), &hits, &m);
        assert_eq!(u.view, View::Panel(PanelId::Budget), "{w}x{h}");
    }
}

#[test]
fn a_prompt_ignores_the_mouse_and_a_too_small_frame_has_no_targets() {
    let m = model();
    let mut u = new_ui(80, 24);
    let (lines, hits) = frame(&m, &u);
    u.on_key(Key::Char('/'), &m);
    let (x, y) = find(&lines, "转化漏斗");
    assert_eq!(u.on_mouse(click(x, y, 0), &hits, &m), None);
    assert_eq!(u.focus, PanelId::Alerts);
    assert!(u.prompt.is_some());
    let u = new_ui(79, 24);
    let (_, hits) = frame(&m, &u);
    assert!(hits.areas().is_empty());
}
