//! Drill-downs: one alert (timeline, scope breakdown, decomposition, the
//! stage that broke, rule and thresholds, response) and one panel (its
//! figures by channel and by category).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout as Split, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Widget};

use super::draw::{bar, grid, put, s, tier_mark, Cell, GridRow, Theme, Verdict};
use super::panels::{
    fmt_metric, scope_label, stage_pair, status_label, status_verdict, tier_label, value_vs,
};
use crate::alerts::model::{Tier, Transition};
use crate::alerts::rules::{Note, RunsOut};
use crate::alerts::settings::Direction;
use crate::budget::Basis;
use crate::config::PhaseKind;
use crate::figures::Counters;
use crate::time::{format_clock, Millis};
use crate::view::hit::{HitMap, Target};
use crate::view::model::{AlertDetail, Breakdown, Model, SliceRow};
use crate::view::text::{
    change, count, dur, metric_label, money, num, pct, pct0, stage, wrap, Lang,
};
use crate::view::ui::{PanelId, Ui};

/// `12:02:00`, or `11-10 12:02:00` when `t` is not on the screen clock's
/// day (a transition from yesterday must not read as a time to come).
fn hm(t: Millis, m: &Model) -> String {
    let c = format_clock(t, m.tz);
    let today = m.now.map(|now| format_clock(now, m.tz));
    if today.as_ref().and_then(|d| d.get(..5)) == c.get(..5) {
        c.get(6..).unwrap_or(&c).to_string()
    } else {
        c
    }
}

/// `12:02`
fn hhmm(t: Millis, m: &Model) -> String {
    let c = format_clock(t, m.tz);
    c.get(6..11).unwrap_or(&c).to_string()
}

fn frame<'a>(title: String, th: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(format!(" {title} "), th.title(false)))
}

fn section<'a>(title: &str, th: &Theme) -> Line<'a> {
    Line::from(s(format!("▸ {title}"), th.key()))
}

fn transition_label(lang: Lang, t: Transition) -> &'static str {
    match t {
        Transition::Open => lang.t("开启", "opened"),
        Transition::Escalate => lang.t("升级", "escalated"),
        Transition::Deescalate => lang.t("降级", "de-escalated"),
        Transition::Resolve => lang.t("恢复", "resolved"),
        Transition::Ack => lang.t("确认", "acked"),
    }
}

fn direction_text(lang: Lang, d: Direction, metric: &str, th: [f64; 3]) -> String {
    let f = |x: f64| fmt_metric(lang, metric, x);
    match d {
        Direction::DropBelowExpected => format!(
            "{} {:.0}% / {:.0}% / {:.0}%",
            lang.t("低于预期", "below expected by"),
            th[0] * 100.0,
            th[1] * 100.0,
            th[2] * 100.0
        ),
        Direction::RiseAboveExpected => format!(
            "{} {:.1}x / {:.1}x / {:.1}x",
            lang.t("高于预期", "above expected"),
            th[0],
            th[1],
            th[2]
        ),
        Direction::Floor if metric == "roi" => format!(
            "{} {:.0}% / {:.0}% / {:.0}%",
            lang.t("低于目标的", "below a share of the target:"),
            th[0] * 100.0,
            th[1] * 100.0,
            th[2] * 100.0
        ),
        Direction::Floor => format!(
            "{} {} / {} / {}",
            lang.t("低于", "below"),
            f(th[0]),
            f(th[1]),
            f(th[2])
        ),
        Direction::Ceiling => format!(
            "{} {} / {} / {}",
            lang.t("高于", "above"),
            f(th[0]),
            f(th[1]),
            f(th[2])
        ),
        Direction::Fixed => lang
            .t(
                "级别由规则决定 (见说明)",
                "tiers set by the rule (see about)",
            )
            .to_string(),
    }
}

/// The alert drill-down.
pub fn alert(
    buf: &mut Buffer,
    area: Rect,
    m: &Model,
    d: &AlertDetail,
    ui: &Ui,
    th: &Theme,
    hits: &mut HitMap,
) {
    let lang = ui.lang;
    let a = &d.alert;
    let row = &d.row;
    let mut title = format!(
        "{}{} {} · {} · {}",
        tier_mark(a.tier).trim_end(),
        tier_label(lang, a.tier),
        row.id,
        metric_label(lang, &row.metric),
        scope_label(lang, row),
    );
    // The rule's name when it fits (the rule section has it anyway).
    let rule = format!(
        " · {} {}",
        lang.t("规则", "rule"),
        d.rule.as_ref().map_or(a.rule, |r| r.describe(lang).title)
    );
    if crate::view::text::width(&title) + crate::view::text::width(&rule) + 4 <= area.width as usize
    {
        title.push_str(&rule);
    }
    let b = frame(title, th).title_style(th.tier(a.tier));
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.width < 10 || inner.height < 3 {
        return;
    }
    let now = m.now.unwrap_or(a.changed_at);
    // Summary.
    let state = match (a.resolved_at, a.acked_at) {
        (Some(r), _) => Line::from(vec![
            s(
                format!("{} {} ", lang.t("已恢复", "resolved at"), hm(r, m)),
                th.good(),
            ),
            s(
                format!("{} {}", lang.t("持续", "lasted"), dur(r - a.opened_at)),
                th.label(),
            ),
        ]),
        (None, Some(k)) => Line::from(vec![
            s(
                format!(
                    "{} {} ",
                    lang.t("开启中", "open for"),
                    dur(now - a.opened_at)
                ),
                th.tier(a.tier),
            ),
            s(
                format!(" ✓{} {}", lang.t("已确认于", "acked at"), hm(k, m)),
                th.good(),
            ),
        ]),
        (None, None) => Line::from(vec![
            s(
                format!(
                    "{} {} ",
                    lang.t("开启中", "open for"),
                    dur(now - a.opened_at)
                ),
                th.tier(a.tier),
            ),
            s(
                format!(
                    " {}",
                    lang.t("未确认 — 按 a 确认", "unacked — press a to ack")
                ),
                th.near(),
            ),
        ]),
    };
    let dev = match (row.value, row.expected) {
        (Some(v), Some(e)) if e != 0.0 => change(Some(v / e - 1.0)),
        _ => "-".into(),
    };
    let figures_label = match a.resolved_at {
        Some(_) => lang.t("最严重时/预期", "at worst/expected"),
        None => lang.t("当前/预期", "value/expected"),
    };
    let figures = Line::from(vec![
        s(format!("{figures_label} "), th.label()),
        s(value_vs(lang, row), th.value()),
        s(format!("  {} {dev}", lang.t("偏离", "off by")), th.bad()),
        s(
            format!(
                "  {} {}{}",
                lang.t("最高", "peak"),
                tier_mark(a.max_tier).trim_end(),
                tier_label(lang, a.max_tier)
            ),
            th.tier_fg(a.max_tier),
        ),
        s(
            format!("  {} {}", lang.t("开启于", "opened"), hm(a.opened_at, m)),
            th.label(),
        ),
    ]);
    let mut summary = vec![state, figures];
    let wide = inner.width >= 110 && inner.height >= 16;
    if let Some(n) = &a.detail.note {
        // At most two lines: the chart and the timeline need the room.
        let text = format!("{} {}", lang.t("说明:", "note:"), note_text(lang, n));
        let w = if wide {
            inner.width as usize * 55 / 100
        } else {
            inner.width as usize
        };
        for l in wrap(&text, w).into_iter().take(2) {
            summary.push(Line::from(s(l, th.dim())));
        }
    }
    let (left, right) = if wide {
        let [l, r] = Split::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(inner);
        (l, Some(r))
    } else {
        (inner, None)
    };
    for (i, l) in summary.iter().enumerate() {
        put(buf, left, i as u16, l);
    }
    let top = summary.len() as u16 + 1;
    let rest = Rect {
        y: left.y + top.min(left.height),
        height: left.height.saturating_sub(top),
        ..left
    };
    let chart_h = if wide {
        (rest.height * 3 / 5).max(8).min(rest.height)
    } else if rest.height >= 14 {
        8
    } else {
        0
    };
    let chart_area = Rect {
        height: chart_h,
        ..rest
    };
    if chart_h >= 5 {
        alert_chart(buf, chart_area, m, d, ui, th);
    }
    let after = Rect {
        y: rest.y + chart_h,
        height: rest.height.saturating_sub(chart_h),
        ..rest
    };
    let mut timeline = vec![section(lang.t("时间线", "timeline"), th)];
    for (t, tr, tier) in &a.transitions {
        timeline.push(Line::from(vec![
            s(format!("  {} ", hm(*t, m)), th.label()),
            s(
                format!(
                    "{} ",
                    crate::view::text::pad(
                        transition_label(lang, *tr),
                        if lang.is_zh() { 6 } else { 12 }
                    )
                ),
                th.value(),
            ),
            s(
                format!("{}{}", tier_mark(*tier).trim_end(), tier_label(lang, *tier)),
                th.tier_fg(*tier),
            ),
        ]));
    }
    let sections_w = right.map_or(after.width, |r| r.width) as usize;
    let sections = detail_sections(m, d, ui, th, sections_w);
    match right {
        Some(r) => {
            scrolled(buf, after, &timeline, 0);
            scrolled(buf, r, &sections, ui.scroll as usize);
            hits.scrolls(sections.len(), r.height as usize);
        }
        None => {
            let mut all = timeline;
            all.push(Line::default());
            all.extend(sections);
            scrolled(buf, after, &all, ui.scroll as usize);
            hits.scrolls(all.len(), after.height as usize);
        }
    }
}

/// Lines from `skip` on, as many as fit; a "more" mark when cut.
fn scrolled(buf: &mut Buffer, area: Rect, lines: &[Line<'_>], skip: usize) {
    let h = area.height as usize;
    let skip = skip.min(lines.len().saturating_sub(1));
    for (i, l) in lines.iter().skip(skip).take(h).enumerate() {
        put(buf, area, i as u16, l);
    }
    if lines.len() > skip + h && h > 0 && area.width > 4 {
        let x = area.width - 3;
        super::draw::put_at(buf, area, x, area.height - 1, &Line::from(" ⇣ "));
    }
}

/// `text` wrapped to `w` columns after an `indent`-column margin, as lines
/// of one style.
fn wrapped<'a>(text: &str, indent: usize, w: usize, style: Style) -> Vec<Line<'a>> {
    let margin = " ".repeat(indent);
    wrap(text, w.saturating_sub(indent).max(8))
        .into_iter()
        .map(|l| Line::from(s(format!("{margin}{l}"), style)))
        .collect()
}

/// A rule's `phases` setting in the screen's language.
fn phases_text(lang: Lang, phases: &[String]) -> String {
    phases
        .iter()
        .map(|p| match p.as_str() {
            "*" => lang.t("全部", "all").to_string(),
            "none" => lang.t("阶段外", "outside phases").to_string(),
            name => crate::view::text::phase_name(lang, name, PhaseKind::from_name(name)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The figures behind a judgement, worded.
pub fn note_text(lang: Lang, n: &Note) -> String {
    let zh = lang.is_zh();
    match n {
        Note::BudgetPace {
            window_min,
            basis,
            actual,
            planned,
            spent,
            phase_plan,
            runs_out,
        } => {
            let out = match (runs_out, zh) {
                (RunsOut::InMinutes(m), true) => {
                    format!("按此速度 {} 后耗尽", dur((m * 60_000.0) as Millis))
                }
                (RunsOut::InMinutes(m), false) => {
                    format!("runs out in {} at this pace", dur((m * 60_000.0) as Millis))
                }
                (RunsOut::Exhausted, _) => {
                    lang.t("本阶段预算已耗尽", "phase budget exhausted").into()
                }
                (RunsOut::NoSpend, _) => lang.t("无花费", "no spend").into(),
            };
            let (a, p, sp, pp) = (
                money(lang, *actual),
                money(lang, *planned),
                money(lang, *spent),
                money(lang, *phase_plan),
            );
            match (basis, zh) {
                (Basis::Window, true) => format!(
                    "近 {window_min} 分钟花费 {a}, 计划 {p}; 本阶段已花 {sp} / 预算 {pp}; {out}"
                ),
                (Basis::Window, false) => format!(
                    "spend over {window_min} min {a} vs plan {p}; phase spent {sp} of {pp}; {out}"
                ),
                (Basis::PhaseSoFar, true) => {
                    format!("无基线: 本阶段至今花费 {a}, 按匀速应为 {p}; 预算 {pp}; {out}")
                }
                (Basis::PhaseSoFar, false) => format!(
                    "no baseline: phase so far {a} vs {p} at an even pace; budget {pp}; {out}"
                ),
            }
        }
        Note::Roi { phase, gmv, spend } => {
            let (g, sp) = (money(lang, *gmv), money(lang, *spend));
            if zh {
                format!("{phase}至今: GMV {g} ÷ 花费 {sp}")
            } else {
                format!("phase {phase} so far: GMV {g} ÷ spend {sp}")
            }
        }
        Note::CsRate {
            k,
            n,
            window_min,
            upper,
        } => {
            let u = pct(Some(*upper));
            if zh {
                format!("近 {window_min} 分钟 {n:.0} 个中达标 {k:.0} 个; 置信上界 {u}")
            } else {
                format!("{k:.0} of {n:.0} in {window_min} min; upper bound {u}")
            }
        }
        Note::TagSpike {
            k,
            n,
            window_min,
            surprise,
        } => {
            if zh {
                format!(
                    "近 {window_min} 分钟 {n:.0} 个会话中 {k} 个带此标签 (p ≈ 1e-{surprise:.1})"
                )
            } else {
                format!("{k} of {n:.0} sessions in {window_min} min (p ≈ 1e-{surprise:.1})")
            }
        }
        Note::Stock {
            hot,
            on_hand,
            safety,
        } => {
            let sf = safety.map_or("-".into(), |x| x.to_string());
            format!(
                "{}{} {on_hand} / {} {sf}",
                if *hot {
                    lang.t("热销 SKU; ", "hot SKU; ")
                } else {
                    ""
                },
                lang.t("库存", "on hand"),
                lang.t("安全库存", "safety"),
            )
        }
        Note::FeedStall {
            kind,
            silent,
            expected,
        } => {
            if zh {
                let k = match *kind {
                    "traffic" => "流量",
                    "order" => "订单",
                    "spend" => "花费",
                    "cs" => "客服",
                    "stock" => "库存",
                    "metric" => "指标",
                    other => other,
                };
                format!("{k}记录已 {silent} 分钟没有到达 (按平常速率约应有 {expected:.0} 条)")
            } else {
                format!("no {kind} records for {silent} min (about {expected:.0} expected)")
            }
        }
        Note::Robust { z, points } => {
            if zh {
                format!("稳健 z {z:.1}, 对比最近 {points} 个点")
            } else {
                format!("robust z {z:.1} against the last {points} points")
            }
        }
    }
}

fn detail_sections<'a>(m: &Model, d: &AlertDetail, ui: &Ui, th: &Theme, w: usize) -> Vec<Line<'a>> {
    let lang = ui.lang;
    let a = &d.alert;
    let det = &a.detail;
    let mut out = Vec::new();
    // Scope breakdown.
    out.push(section(
        lang.t(
            "范围拆解 (偏离最大在前)",
            "scope breakdown (most off first)",
        ),
        th,
    ));
    if det.contributions.is_empty() {
        out.push(Line::from(s(
            format!(
                "  {} {}",
                scope_label(lang, &d.row),
                lang.t(
                    "(规则不按渠道/品类拆分)",
                    "(the rule does not split by channel/category)"
                )
            ),
            th.dim(),
        )));
    } else {
        for (dim, value, obs, exp) in det.contributions.iter().take(16) {
            let ratio = if *exp != 0.0 { obs / exp } else { f64::NAN };
            let mine = d.row.scope.get(dim) == Some(value.as_str());
            let v = Verdict::floor(Some(ratio), 0.95, 0.15);
            let dim_l = match (*dim, lang) {
                ("channel", Lang::Zh) => "渠道",
                ("category", Lang::Zh) => "品类",
                (x, _) => x,
            };
            out.push(Line::from(vec![
                s(if mine { " >" } else { "  " }, th.key()),
                s(crate::view::text::pad(dim_l, 9), th.dim()),
                s(crate::view::text::pad(value, 8), th.value()),
                s(
                    crate::view::text::rpad(&fmt_metric(lang, &a.metric, *obs), 9),
                    th.verdict(v),
                ),
                s(
                    crate::view::text::rpad(&fmt_metric(lang, &a.metric, *exp), 9),
                    th.expected(),
                ),
                s(
                    crate::view::text::rpad(
                        &if ratio.is_finite() {
                            format!("{ratio:.2}x")
                        } else {
                            "-".into()
                        },
                        7,
                    ),
                    th.verdict(v),
                ),
                s(" ", Style::default()),
                s(
                    bar(if ratio.is_finite() { ratio / 1.5 } else { 0.0 }, 10),
                    th.verdict(v),
                ),
            ]));
        }
    }
    out.push(Line::default());
    // Decomposition.
    out.push(section(
        lang.t(
            "指标拆解 GMV = UV x 转化率 x 客单价 (观测 / 预期)",
            "decomposition GMV = UV x conversion x AOV (observed / expected)",
        ),
        th,
    ));
    match &det.decomposition {
        None => out.push(Line::from(s(
            lang.t("  (此规则无拆解)", "  (no decomposition for this rule)"),
            th.dim(),
        ))),
        Some(dc) => {
            let driver = dc.driver();
            let row = |key: &str, label: &str, o: String, e: String, ch: Option<f64>| {
                let main = key == driver;
                let v = match ch {
                    Some(c) if c < -0.2 => Verdict::Bad,
                    Some(c) if c < -0.05 => Verdict::Near,
                    Some(_) => Verdict::Good,
                    None => Verdict::Unknown,
                };
                Line::from(vec![
                    s(if main { " >" } else { "  " }, th.bad()),
                    s(crate::view::text::pad(label, 8), th.label()),
                    s(crate::view::text::rpad(&o, 10), th.value()),
                    s(" / ", th.dim()),
                    s(crate::view::text::pad(&e, 10), th.expected()),
                    s(crate::view::text::rpad(&change(ch), 8), th.verdict(v)),
                    s(
                        if main {
                            lang.t("  <- 主因", "  <- driver")
                        } else {
                            ""
                        },
                        th.bad(),
                    ),
                ])
            };
            let rel = |o: Option<f64>, e: Option<f64>| match (o, e) {
                (Some(o), Some(e)) if e != 0.0 => Some(o / e - 1.0),
                _ => None,
            };
            out.push(row(
                "uv",
                "UV",
                count(lang, dc.uv.0.round() as u64),
                count(lang, dc.uv.1.round() as u64),
                rel(Some(dc.uv.0), Some(dc.uv.1)),
            ));
            out.push(row(
                "conversion",
                lang.t("转化率", "conv."),
                pct(dc.conversion.0),
                pct(dc.conversion.1),
                rel(dc.conversion.0, dc.conversion.1),
            ));
            out.push(row(
                "aov",
                lang.t("客单价", "AOV"),
                dc.aov.0.map_or("-".into(), |x| money(lang, x)),
                dc.aov.1.map_or("-".into(), |x| money(lang, x)),
                rel(dc.aov.0, dc.aov.1),
            ));
            out.push(row(
                "gmv",
                "GMV",
                money(lang, dc.gmv.0),
                money(lang, dc.gmv.1),
                rel(Some(dc.gmv.0), Some(dc.gmv.1)),
            ));
        }
    }
    out.push(Line::default());
    // Funnel stage rates.
    out.push(section(
        lang.t(
            "漏斗环节 (观测 / 预期)",
            "funnel stages (observed / expected)",
        ),
        th,
    ));
    match &det.funnel {
        None => out.push(Line::from(s(
            lang.t(
                "  (此规则无漏斗数据)",
                "  (no funnel figures for this rule)",
            ),
            th.dim(),
        ))),
        Some(f) => {
            let broke = (0..4)
                .filter_map(|i| match f[i] {
                    (Some(o), Some(e)) if e > 0.0 => Some((i, o / e)),
                    _ => None,
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .filter(|(_, r)| *r < 0.95)
                .map(|(i, _)| i);
            for (i, (o, e)) in f.iter().enumerate() {
                let ratio = match (o, e) {
                    (Some(o), Some(e)) if *e > 0.0 => Some(o / e),
                    _ => None,
                };
                let v = Verdict::floor(ratio, 0.95, 0.15);
                let b = broke == Some(i);
                out.push(Line::from(vec![
                    s(if b { " >" } else { "  " }, th.bad()),
                    s(crate::view::text::pad(&stage_pair(lang, i), 12), th.label()),
                    s(crate::view::text::rpad(&pct(*o), 7), th.verdict(v)),
                    s(" / ", th.dim()),
                    s(crate::view::text::pad(&pct(*e), 7), th.expected()),
                    s(format!(" {}", v.symbol()), th.verdict(v)),
                    s(
                        if b {
                            lang.t("  断点: 这一环节出了问题", "  broke here")
                        } else {
                            ""
                        },
                        th.bad(),
                    ),
                ]));
            }
        }
    }
    out.push(Line::default());
    // Rule and thresholds.
    out.push(section(lang.t("规则与阈值", "rule and thresholds"), th));
    match &d.rule {
        None => out.push(Line::from(s(format!("  {}", a.rule), th.dim()))),
        Some(r) => {
            let st = &r.settings;
            let words = r.describe(lang);
            out.push(Line::from(vec![
                s("  ", th.label()),
                s(words.title, th.value()),
                s(format!(" ({})", a.rule), th.dim()),
            ]));
            out.extend(wrapped(words.about, 2, w, th.label()));
            out.extend(wrapped(
                &format!(
                    "{} {}",
                    lang.t(
                        "阈值 提醒/警告/紧急:",
                        "thresholds notice/warning/emergency:"
                    ),
                    direction_text(lang, r.direction, &a.metric, st.thresholds)
                ),
                2,
                w,
                th.value(),
            ));
            let mut knobs = vec![
                format!(
                    "{} {} {}",
                    lang.t("窗口", "window"),
                    st.window_minutes,
                    // The generic metric rule counts its window in points
                    // of the series, whatever their spacing.
                    if a.rule == "metric-anomaly" {
                        lang.t("个点", "points")
                    } else {
                        lang.t("分钟", "min")
                    }
                ),
                format!(
                    "{} {}{}",
                    lang.t("连续", "for"),
                    st.for_evaluations,
                    lang.t(" 次", " evaluations")
                ),
                format!(
                    "{} {}{}",
                    lang.t("恢复需", "clear after"),
                    st.clear_evaluations,
                    lang.t(" 次", "")
                ),
            ];
            if !words.volume.is_empty() {
                knobs.push(format!(
                    "{} {} ({})",
                    lang.t("最小量", "min volume"),
                    st.min_volume,
                    words.volume
                ));
            }
            if st.z > 0.0 {
                knobs.push(format!("z {}", st.z));
            }
            knobs.push(format!(
                "{} {}",
                lang.t("阶段", "phases"),
                phases_text(lang, &st.phases)
            ));
            // Whole knobs to a line.
            let mut line = String::new();
            let room = w.saturating_sub(2);
            for k in knobs {
                if !line.is_empty()
                    && crate::view::text::width(&line) + 3 + crate::view::text::width(&k) > room
                {
                    out.extend(wrapped(&line, 2, w, th.dim()));
                    line.clear();
                }
                if !line.is_empty() {
                    line.push_str(" · ");
                }
                line.push_str(&k);
            }
            out.extend(wrapped(&line, 2, w, th.dim()));
        }
    }
    out.push(Line::default());
    // Response by tier.
    out.push(section(lang.t("响应 (按级别)", "response by tier"), th));
    for t in [Tier::Emergency, Tier::Warning, Tier::Notice] {
        let mine = t == a.tier;
        let text = match lang {
            Lang::Zh => t.response_zh(),
            Lang::En => t.response_en(),
        };
        let label = format!("{}{} ", tier_mark(t).trim_end(), tier_label(lang, t));
        let lw = 2 + crate::view::text::width(&label);
        for (i, l) in wrap(text, w.saturating_sub(lw).max(8))
            .into_iter()
            .enumerate()
        {
            let lead = if i > 0 {
                s(" ".repeat(lw), th.dim())
            } else {
                s(if mine { " >" } else { "  " }, th.key())
            };
            let mut spans = vec![lead];
            if i == 0 {
                spans.push(s(label.clone(), if mine { th.tier(t) } else { th.dim() }));
            }
            spans.push(s(l, if mine { th.value() } else { th.dim() }));
            out.push(Line::from(spans));
        }
    }
    let _ = m;
    out
}

fn alert_chart(buf: &mut Buffer, area: Rect, m: &Model, d: &AlertDetail, ui: &Ui, th: &Theme) {
    let lang = ui.lang;
    let a = &d.alert;
    let observed: Vec<(Millis, f64)> = if d.context.is_empty() {
        a.timeline
            .iter()
            .filter_map(|p| p.value.map(|v| (p.at, v)))
            .collect()
    } else {
        d.context.clone()
    };
    let expected: Vec<(Millis, f64)> = a
        .timeline
        .iter()
        .filter_map(|p| p.expected.map(|e| (p.at, e)))
        .collect();
    if observed.is_empty() && expected.is_empty() {
        put(
            buf,
            area,
            0,
            &Line::from(s(lang.t("(无时间线数据)", "(no timeline data)"), th.dim())),
        );
        return;
    }
    let t0 = observed
        .iter()
        .chain(expected.iter())
        .map(|p| p.0)
        .min()
        .unwrap_or(a.opened_at)
        .min(a.opened_at);
    let t1 = observed
        .iter()
        .chain(expected.iter())
        .map(|p| p.0)
        .max()
        .unwrap_or(a.opened_at)
        .max(a.opened_at + 60_000);
    let x = |t: Millis| (t - t0) as f64 / 60_000.0;
    let obs: Vec<(f64, f64)> = observed.iter().map(|(t, v)| (x(*t), *v)).collect();
    let exp: Vec<(f64, f64)> = expected.iter().map(|(t, v)| (x(*t), *v)).collect();
    let ymax = obs
        .iter()
        .chain(exp.iter())
        .map(|p| p.1)
        .fold(f64::MIN, f64::max);
    let ymin = obs
        .iter()
        .chain(exp.iter())
        .map(|p| p.1)
        .fold(f64::MAX, f64::min)
        .min(0.0);
    let ymax = if ymax > ymin {
        ymax + (ymax - ymin) * 0.1
    } else {
        ymin + 1.0
    };
    let open_line = [(x(a.opened_at), ymin), (x(a.opened_at), ymax)];
    let mut sets = vec![
        Dataset::default()
            .name(lang.t("开启", "opened"))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(th.tier_fg(a.tier))
            .data(&open_line),
        Dataset::default()
            .name(lang.t("预期", "expected"))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(th.expected())
            .data(&exp),
        Dataset::default()
            .name(lang.t("观测", "observed"))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(th.accent())
            .data(&obs),
    ];
    let resolved_line;
    if let Some(r) = a.resolved_at {
        resolved_line = [(x(r), ymin), (x(r), ymax)];
        sets.push(
            Dataset::default()
                .name(lang.t("恢复", "resolved"))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(th.good())
                .data(&resolved_line),
        );
    }
    let f = |v: f64| fmt_metric(lang, &a.metric, v);
    Chart::new(sets)
        .x_axis(
            Axis::default()
                .bounds([0.0, x(t1).max(1.0)])
                .labels(vec![
                    Line::from(hhmm(t0, m)),
                    Line::from(hhmm(a.opened_at, m)),
                    Line::from(hhmm(t1, m)),
                ])
                .style(th.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([ymin, ymax])
                .labels(vec![Line::from(f(ymin)), Line::from(f(ymax))])
                .style(th.dim()),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Percentage(50), Constraint::Percentage(60)))
        .render(area, buf);
}

// ---- panel drill-down ---------------------------------------------------------

fn rate_cell(x: Option<f64>, v: Verdict, th: &Theme) -> Cell {
    Cell::r(format!("{}{}", pct(x), v.symbol()), th.verdict(v))
}

fn slices<'a>(
    b: &'a Breakdown,
    lang: Lang,
    key: fn(&Counters) -> f64,
) -> Vec<(String, &'a SliceRow)> {
    let sorted = |v: &'a [SliceRow]| {
        let mut v: Vec<&SliceRow> = v.iter().collect();
        v.sort_by(|a, b| {
            key(&b.phase)
                .total_cmp(&key(&a.phase))
                .then(a.name.cmp(&b.name))
        });
        v
    };
    let mut out = Vec::new();
    for r in sorted(&b.by_channel) {
        out.push((format!("{} {}", lang.t("渠道", "channel"), r.name), r));
    }
    for r in sorted(&b.by_category) {
        out.push((format!("{} {}", lang.t("品类", "category"), r.name), r));
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub fn panel(
    buf: &mut Buffer,
    area: Rect,
    m: &Model,
    b: Option<&Breakdown>,
    p: PanelId,
    ui: &Ui,
    th: &Theme,
    hits: &mut HitMap,
) {
    let lang = ui.lang;
    let title = format!(
        "{} · {} · {}",
        p.title(lang),
        match p {
            PanelId::Stock => lang.t("全部 SKU", "every SKU"),
            PanelId::Alerts => lang.t("全部告警 (开启+已恢复)", "every alert (open + resolved)"),
            _ => lang.t(
                "按渠道 / 品类 · 本阶段",
                "by channel / category · this phase"
            ),
        },
        lang.t("Esc 返回", "Esc back")
    );
    let blk = frame(title, th);
    let inner = blk.inner(area);
    blk.render(area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let skip = ui.scroll as usize;
    let hs = th
        .label()
        .add_modifier(ratatui::style::Modifier::UNDERLINED);
    let empty = Breakdown::default();
    let b = b.unwrap_or(&empty);
    let site = lang.t("全站", "site");
    match p {
        PanelId::Sales => {
            let total = b.site_phase.gmv_yuan();
            let header = [
                Cell::l(lang.t("范围", "slice"), hs),
                Cell::r("GMV", hs),
                Cell::r(lang.t("占比", "share"), hs),
                Cell::r(lang.t("订单", "orders"), hs),
                Cell::r(lang.t("客单价", "AOV"), hs),
                Cell::r(lang.t("UV价值", "UV value"), hs),
                Cell::r(lang.t("近15分GMV", "GMV 15m"), hs),
                Cell::r(lang.t("新客", "new"), hs),
                Cell::r(lang.t("退款单", "refunds"), hs),
            ];
            let row = |name: &str, c: &Counters, r: &Counters| {
                GridRow::new(vec![
                    Cell::l(name, th.value()),
                    Cell::r(money(lang, c.gmv_yuan()), th.value()),
                    Cell::r(pct(crate::figures::ratio(c.gmv_yuan(), total)), th.label()),
                    Cell::r(count(lang, c.orders), th.label()),
                    Cell::r(c.aov().map_or("-".into(), |x| money(lang, x)), th.label()),
                    Cell::r(
                        crate::figures::ratio(c.gmv_yuan(), c.stages[0] as f64)
                            .map_or("-".into(), |x| format!("¥{x:.2}")),
                        th.label(),
                    ),
                    Cell::r(money(lang, r.gmv_yuan()), th.accent()),
                    Cell::r(count(lang, c.new_customers), th.label()),
                    Cell::r(count(lang, c.refunds), th.label()),
                ])
            };
            let mut rows = vec![row(site, &b.site_phase, &b.site_recent)];
            for (n, r) in slices(b, lang, |c| c.gmv_yuan()) {
                rows.push(row(&n, &r.phase, &r.recent));
            }
            grid(buf, inner, &header, &rows, skip, hs);
            hits.scrolls(rows.len(), inner.height.saturating_sub(1) as usize);
        }
        PanelId::Funnel => {
            let mut header = vec![Cell::l(lang.t("范围", "slice"), hs)];
            for i in 0..5 {
                header.push(Cell::r(stage(lang, i), hs));
            }
            for i in 0..4 {
                header.push(Cell::r(stage_pair(lang, i), hs));
            }
            header.push(Cell::r(lang.t("整体", "overall"), hs));
            header.push(Cell::r(lang.t("近15分整体", "overall 15m"), hs));
            let refs = crate::reference::STAGE_RATES;
            let row = |name: &str, c: &Counters, r: &Counters| {
                let mut cells = vec![Cell::l(name, th.value())];
                for i in 0..5 {
                    cells.push(Cell::r(count(lang, c.stages[i]), th.label()));
                }
                for (i, rf) in refs.iter().enumerate() {
                    let v = match (c.stage_rate(i), rf) {
                        (Some(x), Some(rf)) => Verdict::floor(Some(x), *rf, 0.2),
                        _ => Verdict::Unknown,
                    };
                    cells.push(rate_cell(c.stage_rate(i), v, th));
                }
                cells.push(Cell::r(pct(c.overall_conversion()), th.value()));
                cells.push(Cell::r(pct(r.overall_conversion()), th.accent()));
                GridRow::new(cells)
            };
            let mut rows = vec![row(site, &b.site_phase, &b.site_recent)];
            for (n, r) in slices(b, lang, |c| c.stages[0] as f64) {
                rows.push(row(&n, &r.phase, &r.recent));
            }
            grid(buf, inner, &header, &rows, skip, hs);
            hits.scrolls(rows.len(), inner.height.saturating_sub(1) as usize);
        }
        PanelId::Budget => {
            let bv = &m.budget;
            let header = [
                Cell::l(lang.t("预算项", "budget line"), hs),
                Cell::r(lang.t("计划(本阶段)", "phase plan"), hs),
                Cell::r(lang.t("已花", "spent"), hs),
                Cell::r(lang.t("已用", "used"), hs),
                Cell::r(lang.t("进度/预期", "phase"), hs),
                Cell::r(lang.t("当前消耗速度", "burn now"), hs),
                Cell::r(lang.t("每小时", "per hour"), hs),
                Cell::r(lang.t("预计耗尽", "runs out"), hs),
            ];
            let burn_cell = |b: Option<crate::view::model::BurnPace>| {
                let v = Verdict::ceiling(b.and_then(|b| b.pace), 1.1, 1.3);
                Cell::r(
                    super::panels::burn_text(lang, b, false, true),
                    th.verdict(v),
                )
            };
            let mut rows: Vec<GridRow> = bv
                .lines
                .iter()
                .map(|l| {
                    let pv = Verdict::ceiling(l.pace, 1.1, 1.3);
                    GridRow::new(vec![
                        Cell::l(l.name.clone(), th.value()),
                        Cell::r(l.plan.map_or("-".into(), |p| money(lang, p)), th.label()),
                        Cell::r(money(lang, l.spent), th.value()),
                        Cell::r(pct0(l.used), th.verdict(Verdict::ceiling(l.used, 1.0, 1.0))),
                        Cell::r(super::panels::pace_text(l.pace, true), th.verdict(pv)),
                        burn_cell(l.burn),
                        Cell::r(money(lang, l.rate_per_hour), th.label()),
                        Cell::r(l.exhaust_at.map_or("-".into(), |t| hhmm(t, m)), th.bad()),
                    ])
                })
                .collect();
            rows.push(GridRow::new(vec![
                Cell::l(lang.t("合计", "total"), th.value()),
                Cell::r(bv.plan.map_or("-".into(), |p| money(lang, p)), th.label()),
                Cell::r(money(lang, bv.spent), th.value()),
                Cell::r(pct0(bv.used), th.label()),
                Cell::r(
                    super::panels::pace_text(bv.pace, true),
                    th.verdict(Verdict::ceiling(bv.pace, 1.1, 1.3)),
                ),
                burn_cell(bv.burn),
                Cell::r(money(lang, bv.rate_per_hour), th.label()),
                Cell::r(bv.exhaust_at.map_or("-".into(), |t| hhmm(t, m)), th.bad()),
            ]));
            let top_h = (rows.len() as u16 + 1).min(inner.height);
            let top = Rect {
                height: top_h,
                ..inner
            };
            grid(buf, top, &header, &rows, 0, hs);
            // What the two paces are.
            let legend = [
                lang.t(
                    "进度/预期 = 已花占计划 ÷ 此刻应花比例 (基线消耗曲线, 无基线按时间)",
                    "phase: plan share spent ÷ share expected by now (baseline curve / time)",
                ),
                lang.t(
                    "当前消耗速度 = 告警规则所判: 近窗口花费 ÷ 窗口计划, 与2倍窗口取小",
                    "burn now: as budget-pace judges it: window spend ÷ its plan (min with 2×)",
                ),
            ];
            let legend_h = if inner.height >= top_h + 10 { 2 } else { 0 };
            for (i, t) in legend.iter().take(legend_h as usize).enumerate() {
                put(buf, inner, top_h + i as u16, &Line::from(s(*t, th.dim())));
            }
            let bottom = Rect {
                y: inner.y + top_h + legend_h + 1,
                height: inner.height.saturating_sub(top_h + legend_h + 1),
                ..inner
            };
            let header = [
                Cell::l(lang.t("范围", "slice"), hs),
                Cell::r(lang.t("花费", "spend"), hs),
                Cell::r("GMV", hs),
                Cell::r("ROI", hs),
                Cell::r(lang.t("费用率", "cost/GMV"), hs),
                Cell::r(lang.t("近15分花费", "spend 15m"), hs),
            ];
            let target = bv.roi_target;
            let row = |name: &str, c: &Counters, r: &Counters| {
                let v = Verdict::floor(c.roi(), target, 0.1);
                GridRow::new(vec![
                    Cell::l(name, th.value()),
                    Cell::r(money(lang, c.spend_yuan()), th.value()),
                    Cell::r(money(lang, c.gmv_yuan()), th.label()),
                    Cell::r(format!("{}{}", num(c.roi(), 2), v.symbol()), th.verdict(v)),
                    Cell::r(
                        pct(crate::figures::ratio(c.spend_yuan(), c.gmv_yuan())),
                        th.label(),
                    ),
                    Cell::r(money(lang, r.spend_yuan()), th.accent()),
                ])
            };
            let mut rows = vec![row(site, &b.site_phase, &b.site_recent)];
            let mut without = 0;
            for (n, r) in slices(b, lang, |c| c.spend_yuan()) {
                if r.phase.spend != 0 {
                    rows.push(row(&n, &r.phase, &r.recent));
                } else {
                    without += 1;
                }
            }
            let left = grid(buf, bottom, &header, &rows, skip, hs);
            hits.scrolls(rows.len(), bottom.height.saturating_sub(1) as usize);
            let shown = rows.len().saturating_sub(skip + left) as u16 + 1;
            if without > 0 {
                put(
                    buf,
                    bottom,
                    shown,
                    &Line::from(s(
                        format!(
                            "{} {without} {}",
                            lang.t("另有", "and"),
                            lang.t(
                                "个渠道/品类本阶段无花费记录 (花费记录常不带品类)",
                                "channels/categories without spend this phase (spend records rarely carry a category)"
                            )
                        ),
                        th.dim(),
                    )),
                );
            }
        }
        PanelId::Cs => {
            let header = [
                Cell::l(lang.t("范围", "slice"), hs),
                Cell::r(lang.t("会话", "sessions"), hs),
                Cell::r(lang.t("15秒响应", "15s resp."), hs),
                Cell::r(lang.t("首解率", "FCR"), hs),
                Cell::r(lang.t("满意度", "sat."), hs),
                Cell::r(lang.t("积压", "backlog"), hs),
                Cell::r(lang.t("投诉", "complaints"), hs),
                Cell::r(lang.t("退款咨询", "refund asks"), hs),
                Cell::r(lang.t("差评", "bad rev."), hs),
                Cell::r(lang.t("升级", "escal."), hs),
            ];
            let row = |name: &str, c: &Counters| {
                let r15 = Verdict::floor(c.response_15s(), m.sla.response_15s, 0.03);
                let fcr = Verdict::floor(c.fcr(), m.sla.fcr, 0.03);
                let sat = Verdict::floor(c.satisfaction(), m.sla.satisfaction, 0.02);
                GridRow::new(vec![
                    Cell::l(name, th.value()),
                    Cell::r(count(lang, c.cs_sessions), th.label()),
                    rate_cell(c.response_15s(), r15, th),
                    rate_cell(c.fcr(), fcr, th),
                    Cell::r(
                        format!("{}{}", num(c.satisfaction(), 2), sat.symbol()),
                        th.verdict(sat),
                    ),
                    Cell::r(count(lang, c.cs_backlog()), th.label()),
                    Cell::r(count(lang, c.cs_complaints), th.label()),
                    Cell::r(count(lang, c.cs_refund_tags), th.label()),
                    Cell::r(count(lang, c.cs_bad_reviews), th.label()),
                    Cell::r(count(lang, c.cs_escalations), th.label()),
                ])
            };
            let mut rows = vec![row(site, &b.site_phase)];
            for (n, r) in slices(b, lang, |c| c.cs_sessions as f64) {
                if r.phase.cs_sessions > 0 || r.phase.cs_first_replies > 0 {
                    rows.push(row(&n, &r.phase));
                }
            }
            let only_site = rows.len() == 1;
            grid(buf, inner, &header, &rows, skip, hs);
            hits.scrolls(rows.len(), inner.height.saturating_sub(1) as usize);
            if only_site {
                put(
                    buf,
                    inner,
                    3,
                    &Line::from(s(
                        lang.t(
                            "客服记录未带渠道/品类: 只有全站数字",
                            "CS records carry no channel/category: site figures only",
                        ),
                        th.dim(),
                    )),
                );
            }
        }
        PanelId::Stock => {
            let header = [
                Cell::l(lang.t("状态", "status"), hs),
                Cell::l("SKU", hs),
                Cell::l(lang.t("热销", "hot"), hs),
                Cell::r(lang.t("库存", "on hand"), hs),
                Cell::r(lang.t("安全库存", "safety"), hs),
                Cell::r(lang.t("库存/安全", "on hand/safety"), hs),
            ];
            let rows: Vec<GridRow> = m
                .stock
                .rows
                .iter()
                .map(|r| {
                    let v = status_verdict(r.status);
                    GridRow::new(vec![
                        Cell::l(
                            format!("{} {}", v.symbol(), status_label(lang, r.status)),
                            th.verdict(v),
                        ),
                        Cell::l(r.sku.clone(), th.value()),
                        Cell::l(if r.hot { lang.t("热", "hot") } else { "" }, th.near()),
                        Cell::r(r.on_hand.to_string(), th.value()),
                        Cell::r(r.safety.map_or("-".into(), |x| x.to_string()), th.label()),
                        Cell::r(
                            match r.safety {
                                Some(sf) if sf > 0 => {
                                    format!("{:.2}x", r.on_hand as f64 / sf as f64)
                                }
                                _ => "-".into(),
                            },
                            th.verdict(v),
                        ),
                    ])
                })
                .collect();
            grid(buf, inner, &header, &rows, skip, hs);
            hits.scrolls(rows.len(), inner.height.saturating_sub(1) as usize);
        }
        PanelId::Alerts => {
            let list = Ui::alert_list(m);
            let sel = ui.selected_index(m);
            let header = [
                Cell::l(lang.t("级别", "tier"), hs),
                Cell::l("ID", hs),
                Cell::l(lang.t("指标", "metric"), hs),
                // Open: now; resolved: at the worst tier (`AlertRow::value`).
                Cell::r(lang.t("数值/预期", "value/expected"), hs),
                Cell::l(lang.t("范围", "scope"), hs),
                Cell::r(lang.t("开启", "opened"), hs),
                Cell::l(lang.t("状态", "state"), hs),
                Cell::l(lang.t("规则", "rule"), hs),
            ];
            let rows: Vec<GridRow> = list
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let st = match (a.resolved_at, a.acked_at) {
                        (Some(r), _) => format!("{} {}", lang.t("已恢复", "resolved"), hhmm(r, m)),
                        (None, Some(_)) => lang.t("✓已确认", "✓acked").to_string(),
                        (None, None) => lang.t("未确认", "unacked").to_string(),
                    };
                    let mut r = GridRow::new(vec![
                        Cell::l(
                            format!("{}{}", tier_mark(a.tier), tier_label(lang, a.tier)),
                            if a.resolved_at.is_some() {
                                th.dim()
                            } else {
                                th.tier(a.tier)
                            },
                        ),
                        Cell::l(a.id.clone(), th.label()),
                        Cell::l(metric_label(lang, &a.metric), th.value()),
                        Cell::r(value_vs(lang, a), th.value()),
                        Cell::l(scope_label(lang, a), th.label()),
                        Cell::r(
                            format_clock(a.opened_at, m.tz)
                                .get(..11)
                                .unwrap_or("")
                                .to_string(),
                            th.label(),
                        ),
                        Cell::l(st, th.label()),
                        Cell::l(
                            crate::alerts::settings::rule_words(a.rule)
                                .map_or(a.rule, |(zh, en)| lang.t(zh.title, en.title)),
                            th.dim(),
                        ),
                    ]);
                    if Some(i) == sel {
                        r.style = Some(th.selected());
                    }
                    r
                })
                .collect();
            // Keep the selection in view.
            let body = inner.height.saturating_sub(1) as usize;
            let skip = match sel {
                Some(s) if body > 0 && s >= body => s + 1 - body,
                _ => 0,
            };
            if rows.is_empty() {
                put(
                    buf,
                    inner,
                    0,
                    &Line::from(s(lang.t("无告警", "no alerts"), th.good())),
                );
            } else {
                grid(buf, inner, &header, &rows, skip, hs);
                for k in 0..body.min(rows.len().saturating_sub(skip)) {
                    if let Some(r) = super::draw::row(inner, k as u16 + 1) {
                        hits.push(r, Target::Alert(list[skip + k].id.clone()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_worded_in_the_screen_language() {
        let notes = [
            Note::BudgetPace {
                window_min: 30,
                basis: Basis::Window,
                actual: 565.0,
                planned: 387.0,
                spent: 54_200.0,
                phase_plan: 247_100.0,
                runs_out: RunsOut::InMinutes(95.0),
            },
            Note::BudgetPace {
                window_min: 30,
                basis: Basis::PhaseSoFar,
                actual: 1.0,
                planned: 1.0,
                spent: 2.0,
                phase_plan: 1.0,
                runs_out: RunsOut::Exhausted,
            },
            Note::Roi {
                phase: "爆发".into(),
                gmv: 1e6,
                spend: 3e5,
            },
            Note::CsRate {
                k: 80.0,
                n: 100.0,
                window_min: 10,
                upper: 0.87,
            },
            Note::TagSpike {
                k: 9,
                n: 120.0,
                window_min: 10,
                surprise: 4.2,
            },
            Note::Stock {
                hot: true,
                on_hand: 3,
                safety: Some(40),
            },
            Note::FeedStall {
                kind: "cs",
                silent: 12,
                expected: 80.0,
            },
            Note::Robust {
                z: 7.5,
                points: 168,
            },
        ];
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for n in &notes {
            let zh = note_text(Lang::Zh, n);
            let en = note_text(Lang::En, n);
            assert!(cjk(&zh), "{zh}");
            // No English words in the Chinese (GMV, SKU and z are the room's own).
            let words: Vec<&str> = zh
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1 && !["GMV", "SKU", "e"].contains(w))
                .collect();
            assert!(words.is_empty(), "{zh}: {words:?}");
            assert!(!cjk(&en) || en.contains("爆发"), "{en}");
        }
        assert!(note_text(Lang::Zh, &notes[0]).contains("1h35m 后耗尽"));
        assert!(note_text(Lang::En, &notes[0]).contains("runs out in 1h35m"));
    }
}
