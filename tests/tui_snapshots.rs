//! Snapshots of the war-room screen on the shipped sample campaign: the
//! main screen, every panel drill-down and an alert drill-down, in Chinese
//! and English, at 80×24 and 200×50; plus every view at sizes from 1×1 to
//! 300×100 without a panic, the keys and the mouse.
//!
//! The sample is replayed once per test binary (`OnceLock`) and the session
//! kept at two event times. Rendering is the library's (`warroom::view`), the
//! same code the terminal and `warroom snapshot` draw with.
//!
//! When alert tuning changes on purpose, review with `cargo insta review`
//! (or `INSTA_UPDATE=always cargo test --test tui_snapshots`).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use warroom::config::Config;
use warroom::session::Session;
use warroom::time::{parse_ts_str, Millis};
use warroom::view::hit::{HitMap, Target};
use warroom::view::model::{Filter, Model};
use warroom::view::replay::{load, Fault};
use warroom::view::text::width;
use warroom::view::text::Lang;
use warroom::view::ui::{Command, Key, Mouse, MouseKind, PanelId, Status, Ui, View};
use warroom::view::{render, screen_text};

const CALM: &str = "2026-11-11T07:50:00+08:00";
/// The payment failure (12:00–12:21) has opened and escalated; GMV is down.
const INCIDENT: &str = "2026-11-11T12:15:00+08:00";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cfg() -> Arc<Config> {
    Arc::new(Config::load(&root().join("sample-data/warroom.toml")).expect("sample config"))
}

fn ts(s: &str) -> Millis {
    parse_ts_str(s, cfg().tz).expect("time")
}

struct Fixture {
    calm: Session,
    incident: Session,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (mut r, _) = load(&root().join("sample-data/campaign"), cfg()).expect("sample loads");
        let mut sink = Vec::new();
        r.seek(ts(CALM));
        r.finish(&mut sink);
        let calm = r.session().clone();
        r.seek(ts(INCIDENT));
        r.finish(&mut sink);
        Fixture {
            calm,
            incident: r.session().clone(),
        }
    })
}

fn ui(lang: Lang, view: View) -> Ui {
    let mut ui = Ui::new(lang, Status::Snapshot);
    ui.color = false;
    ui.open(view);
    ui
}

/// The open payment-conversion alert at INCIDENT (by rule, not by id, so
/// the snapshot names stay stable).
fn payment_alert(s: &Session) -> String {
    s.engine
        .open_alerts()
        .into_iter()
        .find(|a| a.metric == "cr.order_pay" && a.scope.is_site())
        .map(|a| a.id.clone())
        .expect("the payment failure is alerted")
}

fn lang_key(l: Lang) -> &'static str {
    match l {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

fn lang_pick(l: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match l {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

#[test]
fn main_screen() {
    let f = fixture();
    for lang in [Lang::Zh, Lang::En] {
        for (w, h) in SIZES {
            let text = screen_text(&f.incident, &ui(lang, View::Main), w, h);
            insta::assert_snapshot!(format!("main_{}_{w}x{h}", lang_key(lang)), text);
        }
    }
    let text = screen_text(&f.calm, &ui(Lang::Zh, View::Main), 160, 48);
    insta::assert_snapshot!("main_zh_160x48_calm", text);
}

#[test]
fn panel_drill_downs() {
    let f = fixture();
    for p in PanelId::ALL {
        for lang in [Lang::Zh, Lang::En] {
            for (w, h) in SIZES {
                let text = screen_text(&f.incident, &ui(lang, View::Panel(p)), w, h);
                insta::assert_snapshot!(
                    format!("panel_{}_{}_{w}x{h}", p.key(), lang_key(lang)),
                    text
                );
            }
        }
    }
}

#[test]
fn alert_drill_down() {
    let f = fixture();
    let id = payment_alert(&f.incident);
    for lang in [Lang::Zh, Lang::En] {
        for (w, h) in SIZES {
            let text = screen_text(&f.incident, &ui(lang, View::Alert(id.clone())), w, h);
            assert!(text.contains(&id), "{text}");
            insta::assert_snapshot!(format!("alert_payment_{}_{w}x{h}", lang_key(lang)), text);
        }
    }
}

/// The end of an alert's drill-down at 80×24 (scrolled as far as it goes):
/// the rule in the screen's language, wrapped to the width, and the
/// response by tier.
#[test]
fn alert_rule_at_80x24() {
    let f = fixture();
    let model = Model::build(&f.incident, &Filter::default());
    let budget = model
        .resolved
        .iter()
        .find(|a| a.rule == "budget-pace")
        .expect("a budget-pace alert by 12:15")
        .id
        .clone();
    for (name, id) in [("payment", payment_alert(&f.incident)), ("budget", budget)] {
        for lang in [Lang::Zh, Lang::En] {
            let mut u = ui(lang, View::Alert(id.clone()));
            let (_, hits) = frame(&u, 80, 24);
            let max = hits.scroll_max.expect("the drill-down scrolls");
            // Scrolled so that the rule's section heads the list.
            let head = lang_pick(lang, "▸ 规则与阈值", "▸ rule and thresholds");
            let mut shows = |s: u16| {
                u.scroll = s;
                screen_text(&f.incident, &u, 80, 24).contains(head)
            };
            let at = (0..=max).rev().find(|s| shows(*s)).expect("rule section");
            u.scroll = at;
            let text = screen_text(&f.incident, &u, 80, 24);
            insta::assert_snapshot!(format!("alert_{name}_rule_{}_80x24", lang_key(lang)), text);
            if name == "budget" {
                // The top: the note on the figures behind it.
                let top = screen_text(&f.incident, &ui(lang, View::Alert(id.clone())), 80, 24);
                insta::assert_snapshot!(format!("alert_{name}_{}_80x24", lang_key(lang)), top);
            }
        }
    }
}

#[test]
fn the_payment_alert_drill_down_shows_what_broke() {
    let f = fixture();
    let id = payment_alert(&f.incident);
    let text = screen_text(&f.incident, &ui(Lang::En, View::Alert(id)), 200, 50);
    for want in [
        "timeline",
        "scope breakdown",
        "decomposition GMV = UV x conversion x AOV",
        "<- driver",
        "order>pay",
        "broke here",
        "rule and thresholds",
        "pay-conversion-drop",
        "response by tier",
        "act now",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

/// An alert of the day before shows its times with their date: "12:06"
/// alone, on a screen whose clock reads 12:08 the next day, would read as
/// a time still to come.
#[test]
fn times_of_another_day_carry_their_date() {
    let f = fixture();
    let first = f
        .incident
        .engine
        .alerts()
        .first()
        .expect("the sample's 预热 raised alerts")
        .clone();
    let opened = warroom::time::format_clock(first.opened_at, cfg().tz);
    assert!(
        !opened.starts_with("11-11"),
        "{opened}: not of the day before"
    );
    let text = screen_text(&f.incident, &ui(Lang::En, View::Alert(first.id)), 200, 50);
    assert!(text.contains(&opened), "missing {opened:?} in\n{text}");
}

/// However narrow, the footer keeps the way out: at 80 columns a replay's
/// hints do not all fit, and `q` is the one that must stay.
#[test]
fn the_footer_always_says_how_to_quit() {
    let f = fixture();
    for lang in [Lang::Zh, Lang::En] {
        let mut u = Ui::new(lang, Status::playing(60.0));
        u.color = false;
        let text = screen_text(&f.incident, &u, 80, 24);
        let footer = text.lines().last().expect("a footer");
        let quit = lang_pick(lang, "q 退出", "q quit");
        assert!(footer.contains(quit), "no {quit:?} in {footer:?}");
    }
}

#[test]
fn too_small_and_every_size_renders() {
    let f = fixture();
    let id = payment_alert(&f.incident);
    let small = screen_text(&f.incident, &ui(Lang::Zh, View::Main), 79, 24);
    assert!(small.contains("终端太小"), "{small}");
    assert!(small.contains("80x24"), "{small}");
    let mut views = vec![View::Main, View::Alert(id), View::Alert("A-999999".into())];
    views.extend(PanelId::ALL.map(View::Panel));
    let widths = [
        1u16, 2, 3, 5, 9, 17, 40, 79, 80, 81, 99, 119, 120, 121, 159, 160, 200, 255, 300,
    ];
    let heights = [
        1u16, 2, 3, 7, 15, 23, 24, 25, 35, 36, 39, 40, 48, 50, 77, 100,
    ];
    for v in &views {
        let mut u = ui(Lang::Zh, v.clone());
        let model = Model::build(&f.incident, &u.filter);
        let (alert, breakdown) = warroom::view::drill(&f.incident, &u);
        let screen = render::Screen {
            model: &model,
            alert: alert.as_ref(),
            breakdown: breakdown.as_ref(),
        };
        for &w in &widths {
            for &h in &heights {
                u.help = (w + h) % 3 == 0;
                let text = render::to_text(&screen, &u, w, h);
                assert_eq!(text.lines().count(), h as usize);
            }
        }
    }
}

#[test]
fn keys_move_focus_drill_filter_and_ack() {
    let f = fixture();
    let model = Model::build(&f.incident, &Filter::default());
    let mut u = Ui::new(Lang::Zh, Status::playing(60.0));
    u.size = (160, 48);
    assert_eq!(u.focus, PanelId::Alerts);
    // Enter on the alerts panel drills into the selected (most severe) alert.
    assert_eq!(u.on_key(Key::Enter, &model), None);
    let first = model.alerts[0].id.clone();
    assert_eq!(u.view, View::Alert(first.clone()));
    assert_eq!(u.on_key(Key::Char('a'), &model), Some(Command::Ack(first)));
    u.on_key(Key::Esc, &model);
    assert_eq!(u.view, View::Main);
    // Focus moves; Enter on a panel opens its breakdown.
    u.on_key(Key::Char('h'), &model);
    assert_eq!(u.focus, PanelId::Sales);
    u.on_key(Key::Char('j'), &model);
    assert_eq!(u.focus, PanelId::Funnel);
    u.on_key(Key::Tab, &model);
    assert_eq!(u.focus, PanelId::Budget);
    u.on_key(Key::Enter, &model);
    assert_eq!(u.view, View::Panel(PanelId::Budget));
    u.on_key(Key::Esc, &model);
    // Replay keys become commands.
    assert_eq!(u.on_key(Key::Char(' '), &model), Some(Command::TogglePause));
    assert_eq!(
        u.on_key(Key::ShiftLeft, &model),
        Some(Command::SeekBy(-600_000))
    );
    assert_eq!(
        u.on_key(Key::Char('n'), &model),
        Some(Command::NextTransition)
    );
    // The filter prompt.
    u.on_key(Key::Char('/'), &model);
    for c in "渠道=直播".chars() {
        u.on_key(Key::Char(c), &model);
    }
    assert_eq!(u.on_key(Key::Enter, &model), Some(Command::Refilter));
    assert_eq!(u.filter.channel.as_deref(), Some("直播"));
    let filtered = Model::build(&f.incident, &u.filter);
    assert!(filtered.funnel.counts[0] < model.funnel.counts[0]);
    // The go-to prompt.
    u.on_key(Key::Char('g'), &model);
    for c in "12:00".chars() {
        u.on_key(Key::Char(c), &model);
    }
    assert_eq!(
        u.on_key(Key::Enter, &model),
        Some(Command::SeekTo(ts("2026-11-11T12:00:00+08:00")))
    );
    // Help: any key closes it, q quits.
    u.on_key(Key::Char('?'), &model);
    assert!(u.help);
    assert_eq!(u.on_key(Key::Char('q'), &model), None);
    assert!(!u.help);
    assert_eq!(u.on_key(Key::Char('q'), &model), Some(Command::Quit));
    assert_eq!(u.on_key(Key::Ctrl('c'), &model), Some(Command::Quit));
}

#[test]
fn help_overlay() {
    let f = fixture();
    for lang in [Lang::Zh, Lang::En] {
        let mut u = ui(lang, View::Main);
        u.help = true;
        let text = screen_text(&f.incident, &u, 80, 24);
        insta::assert_snapshot!(format!("help_{}_80x24", lang_key(lang)), text);
    }
}

/// A frame of the sample at INCIDENT and where it put things.
fn frame(u: &Ui, w: u16, h: u16) -> (Vec<String>, HitMap) {
    let f = fixture();
    let model = Model::build(&f.incident, &u.filter);
    let (alert, breakdown) = warroom::view::drill(&f.incident, u);
    let screen = render::Screen {
        model: &model,
        alert: alert.as_ref(),
        breakdown: breakdown.as_ref(),
    };
    let (text, hits) = render::to_text_hits(&screen, u, w, h);
    (text.lines().map(String::from).collect(), hits)
}

/// The cell where `needle` is drawn (columns in display width).
fn cell_of(lines: &[String], needle: &str) -> (u16, u16) {
    lines
        .iter()
        .enumerate()
        .find_map(|(y, l)| l.find(needle).map(|i| (width(&l[..i]) as u16, y as u16)))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", lines.join("\n")))
}

fn click(cell: (u16, u16), at_ms: u64) -> Mouse {
    Mouse {
        kind: MouseKind::Click,
        column: cell.0,
        row: cell.1,
        at_ms,
    }
}

#[test]
fn the_mouse_on_the_sample() {
    let f = fixture();
    let model = Model::build(&f.incident, &Filter::default());
    let id = payment_alert(&f.incident);
    for (w, h) in SIZES {
        let mut u = ui(Lang::Zh, View::Main);
        u.size = (w, h);
        // Panel titles focus their panels.
        let (lines, hits) = frame(&u, w, h);
        for (p, title) in [
            (PanelId::Funnel, "转化漏斗"),
            (PanelId::Cs, "客服 近30分"),
            (PanelId::Stock, "库存"),
            (PanelId::Budget, "预算消耗 本阶段"),
            (PanelId::Sales, "销售趋势"),
        ] {
            assert_eq!(
                u.on_mouse(click(cell_of(&lines, title), 0), &hits, &model),
                None
            );
            assert_eq!(u.focus, p, "{w}x{h} {title}");
        }
        // The payment alert's row: a click selects it, a second drills in.
        let row = hits
            .find(&Target::Alert(id.clone()))
            .expect("the payment alert is in the list");
        let at = (row.x + 4, row.y);
        u.on_mouse(click(at, 1_000), &hits, &model);
        assert_eq!(u.focus, PanelId::Alerts);
        assert_eq!(u.selected.as_ref(), Some(&id));
        assert_eq!(u.view, View::Main);
        let (lines, hits) = frame(&u, w, h);
        assert!(lines[at.1 as usize].contains("支付转化率") || lines[at.1 as usize].contains(&id));
        u.on_mouse(click(at, 5_000), &hits, &model);
        assert_eq!(u.view, View::Alert(id.clone()), "{w}x{h}");
        // In the drill-down the footer acks it; Esc (clicked) goes back.
        let (lines, hits) = frame(&u, w, h);
        assert!(lines.iter().any(|l| l.contains(&id)));
        let foot = (h - 1) as usize;
        let ack = cell_of(&lines[foot..], "a 确认");
        assert_eq!(
            u.on_mouse(click((ack.0, h - 1), 6_000), &hits, &model),
            Some(Command::Ack(id.clone()))
        );
        let esc = cell_of(&lines[foot..], "Esc 返回");
        u.on_mouse(click((esc.0, h - 1), 7_000), &hits, &model);
        assert_eq!(u.view, View::Main, "{w}x{h}");
        // A double click on the stock panel opens every SKU.
        let (lines, hits) = frame(&u, w, h);
        let st = cell_of(&lines, "库存");
        u.on_mouse(click(st, 10_000), &hits, &model);
        u.on_mouse(click(st, 10_200), &hits, &model);
        assert_eq!(u.view, View::Panel(PanelId::Stock), "{w}x{h}");
    }
}

#[test]
fn strings_from_files_cannot_reach_the_terminal() {
    use warroom::view::text::clean;
    let evil = "直播\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";
    let c = clean(evil);
    assert!(!c.chars().any(|ch| ch.is_control()), "{c:?}");
}

#[test]
fn a_fault_of_the_replay_shows_in_the_header_and_footer() {
    let f = fixture();
    let stopped = Fault::Stopped {
        error: "cannot read the temporary file back: failed to fill whole buffer".into(),
    };
    let cut = Fault::Cut {
        records: 2048,
        error: "cannot create a temporary file in /nonexistent: No such file".into(),
    };
    for (fault, head, foot) in [
        (
            stopped,
            "[stopped]",
            "replay stopped: cannot read the temporary file back",
        ),
        (
            cut,
            "[cut]",
            "replay cut after 2,048 records: cannot create",
        ),
    ] {
        let mut u = ui(Lang::En, View::Main);
        u.status = Status::Replay {
            speed: 60.0,
            paused: true,
            ended: false,
            seeking: None,
            loading: None,
            fault: Some(fault),
        };
        let text = screen_text(&f.incident, &u, 200, 50);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains(head), "header: {}", lines[0]);
        assert!(lines[49].contains(foot), "footer: {}", lines[49]);
    }
}
