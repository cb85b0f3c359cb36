//! The six panels of the main screen. Each draws into the inner area of
//! its block and adapts to the room it gets (5 rows × 38 columns at
//! 80×24, much more on a wall screen).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Sparkline, Widget};

use super::draw::{bar, cut, gauge, put, rpadded, s, tier_mark, Theme, Verdict};
use crate::alerts::model::Tier;
use crate::time::{format_clock, Millis};
use crate::view::hit::{HitMap, Target};
use crate::view::model::{
    AlertRow, BurnPace, Model, StockStatus, CS_RECENT_MIN, RECENT_MIN, STAGE_BAD,
};
use crate::view::text::{
    burn_label, change, count, dur, metric_label, money, num, pad, pct, pct0, rpad, stage, width,
    Lang,
};
use crate::view::ui::Ui;

/// Lines that fit: spans are added while they fit in `w` columns.
fn fit_spans<'a>(parts: Vec<Vec<Span<'a>>>, w: usize) -> Line<'a> {
    let mut out: Vec<Span<'a>> = Vec::new();
    let mut used = 0;
    for (i, p) in parts.into_iter().enumerate() {
        let pw: usize = p.iter().map(|s| width(&s.content)).sum::<usize>() + usize::from(i > 0) * 2;
        if used + pw > w {
            if i == 0 {
                // The first part is cut rather than dropped.
                let text: String = p.iter().map(|s| s.content.as_ref()).collect();
                let style = p.first().map_or(Style::default(), |s| s.style);
                out.push(Span::styled(cut(&text, w), style));
            }
            break;
        }
        if i > 0 {
            out.push(Span::raw("  "));
        }
        out.extend(p);
        used += pw;
    }
    Line::from(out)
}

// ---- funnel -----------------------------------------------------------------

/// Where a weak stage usually breaks (domain.md).
fn stage_hint(lang: Lang, i: usize) -> &'static str {
    match i {
        0 => lang.t("查落地页/流量质量", "check landing page / traffic quality"),
        1 => lang.t("查商品信息/价格", "check product info / price"),
        2 => lang.t("查结算/支付/配送条款", "check checkout / delivery terms"),
        _ => lang.t("查支付通道", "check the payment channel"),
    }
}

pub fn stage_pair(lang: Lang, i: usize) -> String {
    format!("{}>{}", stage(lang, i), stage(lang, i + 1))
}

pub fn funnel(buf: &mut Buffer, a: Rect, m: &Model, ui: &Ui, th: &Theme) {
    let lang = ui.lang;
    let f = &m.funnel;
    let w = a.width as usize;
    let h = a.height;
    let header = h >= 7;
    let lw = if lang.is_zh() { 4 } else { 5 };
    let cw = 10;
    let wide = w >= 60;
    let mut r = 0u16;
    if header {
        let mut spans = vec![
            s(pad(lang.t(" 阶段", " stage"), lw + 1), th.label()),
            rpadded(lang.t("人数", "people"), cw + 1, th.label()),
            rpadded(lang.t("近15分", "15 min"), 7, th.label()),
            s("  ", th.label()),
            rpadded(lang.t("参考", "ref"), 5, th.label()),
            rpadded(lang.t("基线", "base"), 7, th.label()),
        ];
        if wide {
            spans.push(rpadded(lang.t("本阶段", "phase"), 8, th.label()));
        }
        put(buf, a, r, &Line::from(spans));
        r += 1;
    }
    let visits = f.counts[0].max(1) as f64;
    for i in 0..5 {
        let weak = f.weakest.filter(|(k, _)| *k + 1 == i);
        let mark = match weak {
            Some((_, ratio)) if ratio < STAGE_BAD => s(">", th.bad()),
            Some(_) => s(">", th.near()),
            None => s(" ", Style::default()),
        };
        let mut spans = vec![
            mark,
            s(pad(stage(lang, i), lw), th.label()),
            s(rpad(&count(lang, f.counts[i]), cw + 1), th.value()),
        ];
        if i == 0 {
            spans.push(s(
                format!(
                    " {} {}",
                    lang.t("整体", "overall"),
                    pct(f.overall_recent.or(f.overall_phase))
                ),
                th.label(),
            ));
        } else {
            let k = i - 1;
            let rate = f.judged(k);
            let exp = f.expected(k);
            let v = match (rate, exp) {
                (Some(r), Some(e)) if e > 0.0 => {
                    let q = r / e;
                    if q >= 0.95 {
                        Verdict::Good
                    } else if q >= STAGE_BAD {
                        Verdict::Near
                    } else {
                        Verdict::Bad
                    }
                }
                _ => Verdict::Unknown,
            };
            spans.push(s(rpad(&pct(rate), 7), th.verdict(v)));
            spans.push(s(format!(" {}", v.symbol()), th.verdict(v)));
            spans.push(s(rpad(&pct0(f.reference[k]), 5), th.dim()));
            spans.push(s(rpad(&pct(f.baseline[k]), 7), th.expected()));
            if wide {
                spans.push(s(rpad(&pct(f.phase[k]), 8), th.label()));
            }
        }
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        if w > used + 3 {
            let bw = w - used - 1;
            spans.push(Span::raw(" "));
            spans.push(s(bar(f.counts[i] as f64 / visits, bw), th.bar()));
        }
        put(buf, a, r, &Line::from(spans));
        r += 1;
    }
    if r < h {
        let line = match f.weakest {
            Some((k, q)) => {
                let style = if q < STAGE_BAD { th.bad() } else { th.near() };
                fit_spans(
                    vec![
                        vec![s(
                            format!(
                                "{} {} {:.2}{}",
                                lang.t("最弱:", "weakest:"),
                                stage_pair(lang, k),
                                q,
                                lang.t("x预期", "x expected")
                            ),
                            style,
                        )],
                        vec![s(stage_hint(lang, k), th.label())],
                    ],
                    w,
                )
            }
            None => Line::from(s(
                lang.t("最弱: - (数据不足)", "weakest: - (not enough data)"),
                th.dim(),
            )),
        };
        put(buf, a, r, &line);
        r += 1;
    }
    if r < h {
        let line = fit_spans(
            vec![
                vec![s(
                    format!(
                        "{} {}",
                        lang.t("本阶段整体", "phase overall"),
                        pct(f.overall_phase)
                    ),
                    th.label(),
                )],
                vec![s(
                    format!("{} {}", lang.t("基线", "baseline"), pct(f.overall_baseline)),
                    th.expected(),
                )],
                vec![s(lang.t("参考 68/35/25%", "reference 68/35/25%"), th.dim())],
            ],
            w,
        );
        put(buf, a, r, &line);
    }
}

// ---- budget -----------------------------------------------------------------

fn pace_verdict(p: Option<f64>) -> Verdict {
    Verdict::ceiling(p, 1.1, 1.3)
}

/// A pace with its verdict: `1.03x ✓` (`tight`: `1.03x✓`), `-` for none.
pub fn pace_text(p: Option<f64>, tight: bool) -> String {
    match p {
        Some(x) if x.is_finite() => format!(
            "{}x{}{}",
            num(p, 2),
            if tight { "" } else { " " },
            pace_verdict(p).symbol()
        ),
        _ => "-".into(),
    }
}

/// The current burn the budget-pace rule judges: `近2h 0.68x ✓`.
pub fn burn_text(lang: Lang, b: Option<BurnPace>, short: bool, tight: bool) -> String {
    match b {
        Some(b) => format!(
            "{} {}",
            burn_label(lang, b.window, b.even, short),
            pace_text(b.pace, tight)
        ),
        None => "-".into(),
    }
}

/// The cumulative pace, labelled: `进度 1.03x ✓` / `phase 1.03x ✓`.
fn cum_text(lang: Lang, p: Option<f64>, tight: bool) -> String {
    let gap = if tight && lang.is_zh() { "" } else { " " };
    format!("{}{gap}{}", lang.t("进度", "phase"), pace_text(p, tight))
}

fn clock_hm(t: Millis, m: &Model) -> String {
    let c = format_clock(t, m.tz);
    c.get(6..11).unwrap_or(&c).to_string()
}

pub fn budget(buf: &mut Buffer, a: Rect, m: &Model, ui: &Ui, th: &Theme) {
    let lang = ui.lang;
    let b = &m.budget;
    let w = a.width as usize;
    let mut r = 0u16;
    let phase = m
        .phase
        .as_ref()
        .map_or(lang.t("全程", "run").to_string(), |p| {
            crate::view::text::phase_name(lang, &p.name, p.kind)
        });
    let used_v = Verdict::ceiling(b.used, 1.0, 1.0);
    let mut parts = vec![
        vec![s(
            format!(
                "{phase} {}/{}",
                money(lang, b.spent),
                b.plan.map_or("-".into(), |p| money(lang, p))
            ),
            th.value(),
        )],
        vec![s(pct0(b.used), th.verdict(used_v))],
        vec![s(
            cum_text(lang, b.pace, false),
            th.verdict(pace_verdict(b.pace)),
        )],
    ];
    if b.burn.is_some() {
        let bp = b.burn.and_then(|x| x.pace);
        parts.push(vec![s(
            burn_text(lang, b.burn, false, false),
            th.verdict(pace_verdict(bp)),
        )]);
    }
    // The gauge only where it leaves room for both paces.
    let need: usize = parts
        .iter()
        .map(|p| p.iter().map(|s| width(&s.content)).sum::<usize>() + 2)
        .sum();
    if w >= 60 && need + 14 <= w {
        parts.insert(2, vec![s(gauge(b.used.unwrap_or(0.0), 14), th.bar())]);
    }
    put(buf, a, r, &fit_spans(parts, w));
    r += 1;
    let rv = Verdict::floor(b.roi, b.roi_target, 0.1);
    let mut parts = vec![
        vec![s(
            format!("ROI {} {}", num(b.roi, 2), rv.symbol()),
            th.verdict(rv),
        )],
        vec![s(
            format!("{} {:.1}", lang.t("目标", "target"), b.roi_target),
            th.dim(),
        )],
        vec![s(
            format!("{} {}", lang.t("费用率", "cost/GMV"), pct(b.spend_rate)),
            th.label(),
        )],
    ];
    if let Some(t) = b.exhaust_at {
        parts.insert(
            0,
            vec![s(
                format!("{} {}", lang.t("预计耗尽", "runs out"), clock_hm(t, m)),
                th.bad(),
            )],
        );
    }
    parts.push(vec![s(
        format!(
            "{} {}/{}",
            lang.t("全程", "campaign"),
            money(lang, b.total_spent),
            b.total_plan.map_or("-".into(), |p| money(lang, p))
        ),
        th.label(),
    )]);
    put(buf, a, r, &fit_spans(parts, w));
    r += 1;
    if b.lines_site_wide && r < a.height {
        put(
            buf,
            a,
            r,
            &Line::from(s(
                lang.t(
                    "预算项为全站 (筛选不适用)",
                    "budget lines: site-wide (filter n/a)",
                ),
                th.dim(),
            )),
        );
        r += 1;
    }
    let left = a.height.saturating_sub(r) as usize;
    if left == 0 {
        return;
    }
    let header = left >= 4 && w >= 44;
    let mut lines: Vec<&crate::view::model::BudgetLine> = b.lines.iter().collect();
    let rows = left - usize::from(header);
    if lines.len() > rows {
        // Not all fit: the fastest burners (as the alert rule sees them) first.
        lines.sort_by(|x, y| y.rank().total_cmp(&x.rank()));
        lines.truncate(rows);
    }
    // Columns: name, [spent/plan], [used], cumulative pace, current burn.
    // Without a header row the paces carry their labels. The widest
    // layout that fits wins.
    let tight = !header;
    let heads = [
        lang.t("预算项", "line"),
        lang.t("已花/计划", "spent/plan"),
        lang.t("已用", "used"),
        lang.t("进度/预期", "phase"),
        lang.t("当前速度", "burn now"),
    ];
    let hw = |i: usize| if header { width(heads[i]) } else { 0 };
    let col = |i: usize, f: &dyn Fn(&crate::view::model::BudgetLine) -> String| {
        lines
            .iter()
            .map(|l| width(&f(l)))
            .max()
            .unwrap_or(0)
            .max(hw(i))
    };
    let money_cell = |l: &crate::view::model::BudgetLine| {
        format!(
            "{}/{}",
            money(lang, l.spent),
            l.plan.map_or("-".into(), |p| money(lang, p))
        )
    };
    let cum_cell = |l: &crate::view::model::BudgetLine| {
        if header {
            pace_text(l.pace, tight)
        } else {
            cum_text(lang, l.pace, tight)
        }
    };
    let nw = col(0, &|l| l.name.clone()).clamp(4, 10);
    let money_w = col(1, &money_cell);
    let used_w = col(2, &|l| pct0(l.used)).max(3);
    let cum_w = col(3, &cum_cell);
    let mut layout = (false, false, true);
    for (with_money, with_used, short) in [
        (true, true, false),
        (false, true, false),
        (false, false, false),
        (false, false, true),
    ] {
        let burn_w = col(4, &|l| burn_text(lang, l.burn, short, tight));
        let need = nw
            + usize::from(with_money) * (money_w + 1)
            + usize::from(with_used) * (used_w + 1)
            + cum_w
            + 1
            + burn_w
            + 1;
        if need <= w {
            layout = (with_money, with_used, short);
            break;
        }
    }
    let (with_money, with_used, short) = layout;
    let burn_w = col(4, &|l| burn_text(lang, l.burn, short, tight));
    if header {
        let mut spans = vec![s(pad(heads[0], nw), th.label())];
        if with_money {
            spans.push(rpadded(heads[1], money_w + 1, th.label()));
        }
        if with_used {
            spans.push(rpadded(heads[2], used_w + 1, th.label()));
        }
        spans.push(rpadded(heads[3], cum_w + 1, th.label()));
        spans.push(rpadded(heads[4], burn_w + 1, th.label()));
        put(buf, a, r, &Line::from(spans));
        r += 1;
    }
    for l in lines {
        if r >= a.height {
            break;
        }
        let mut spans = vec![s(pad(&l.name, nw), th.label())];
        if with_money {
            spans.push(s(rpad(&money_cell(l), money_w + 1), th.value()));
        }
        if with_used {
            let uv = Verdict::ceiling(l.used, 1.0, 1.0);
            spans.push(s(rpad(&pct0(l.used), used_w + 1), th.verdict(uv)));
        }
        spans.push(s(
            rpad(&cum_cell(l), cum_w + 1),
            th.verdict(pace_verdict(l.pace)),
        ));
        let bp = l.burn.and_then(|x| x.pace);
        spans.push(s(
            rpad(&burn_text(lang, l.burn, short, tight), burn_w + 1),
            th.verdict(pace_verdict(bp)),
        ));
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        if let Some(t) = l.exhaust_at {
            let txt = format!(" {}{}", lang.t("耗尽", "out "), clock_hm(t, m));
            if used + width(&txt) <= w {
                spans.push(s(txt, th.bad()));
            }
        } else if w > used + 4 {
            spans.push(Span::raw(" "));
            spans.push(s(bar(l.used.unwrap_or(0.0), w - used - 1), th.bar()));
        }
        put(buf, a, r, &Line::from(spans));
        r += 1;
    }
}

// ---- customer service -------------------------------------------------------

pub fn cs(buf: &mut Buffer, a: Rect, m: &Model, ui: &Ui, th: &Theme) {
    let lang = ui.lang;
    let c = &m.cs;
    let w = a.width as usize;
    let lw = if lang.is_zh() { 11 } else { 14 };
    let wide = w >= 50;
    let rate_row = |label: &str,
                    pair: crate::view::model::Pair,
                    sla: f64,
                    margin: f64,
                    fmt: &dyn Fn(Option<f64>) -> String,
                    sla_text: String|
     -> Line<'static> {
        let v = Verdict::floor(pair.recent.or(pair.phase), sla, margin);
        let mut spans = vec![
            s(pad(label, lw), th.label()),
            s(rpad(&fmt(pair.recent.or(pair.phase)), 7), th.verdict(v)),
            s(format!(" {}", v.symbol()), th.verdict(v)),
            s(format!(" SLA {sla_text}"), th.dim()),
        ];
        if wide {
            spans.push(s(
                format!("  {} {}", lang.t("本阶段", "phase"), fmt(pair.phase)),
                th.label(),
            ));
        }
        Line::from(spans)
    };
    let mut rows = vec![
        rate_row(
            lang.t("15秒响应率", "15s response"),
            c.response_15s,
            m.sla.response_15s,
            0.03,
            &pct,
            format!("{:.0}%", m.sla.response_15s * 100.0),
        ),
        rate_row(
            lang.t("首次解决率", "first-contact"),
            c.fcr,
            m.sla.fcr,
            0.03,
            &pct,
            format!("{:.0}%", m.sla.fcr * 100.0),
        ),
        rate_row(
            lang.t("满意度", "satisfaction"),
            c.satisfaction,
            m.sla.satisfaction,
            0.02,
            &|x| num(x, 2),
            format!("{:.1}", m.sla.satisfaction),
        ),
    ];
    // Backlog in minutes of the recent inflow (like the backlog rule).
    let inflow = c.sessions_recent as f64 / CS_RECENT_MIN as f64;
    let minutes = (inflow > 0.0).then(|| c.backlog as f64 / inflow);
    let bv = if c.backlog == 0 {
        Verdict::Good
    } else {
        Verdict::ceiling(minutes, 5.0, 10.0)
    };
    rows.push(fit_spans(
        vec![
            vec![s(
                format!(
                    "{} {} {}",
                    lang.t("积压", "backlog"),
                    c.backlog,
                    bv.symbol()
                ),
                th.verdict(bv),
            )],
            vec![s(
                format!(
                    "{} {}/{}{}",
                    lang.t("会话", "sessions"),
                    c.sessions_recent,
                    CS_RECENT_MIN,
                    lang.t("分", "m")
                ),
                th.label(),
            )],
            vec![s(
                format!("{} {}", lang.t("升级", "escalated"), c.escalations),
                th.label(),
            )],
        ],
        w,
    ));
    let complaint_style = if c.complaints > 0 {
        th.near()
    } else {
        th.label()
    };
    rows.push(fit_spans(
        vec![
            vec![s(
                format!(
                    "{} {} ({})",
                    lang.t("投诉", "complaints"),
                    c.complaints,
                    pct(c.complaint_rate)
                ),
                complaint_style,
            )],
            vec![s(
                format!("{} {}", lang.t("退款咨询", "refund asks"), c.refund_tagged),
                th.label(),
            )],
            vec![s(
                format!("{} {}", lang.t("差评", "bad reviews"), c.bad_reviews),
                th.label(),
            )],
        ],
        w,
    ));
    rows.push(fit_spans(
        vec![
            vec![s(
                format!(
                    "{} {} {}",
                    lang.t("退款单", "refunds"),
                    c.refund_orders,
                    money(lang, c.refund_amount)
                ),
                th.label(),
            )],
            vec![s(
                format!(
                    "{} {}",
                    lang.t("本阶段会话", "phase sessions"),
                    c.sessions_phase
                ),
                th.dim(),
            )],
        ],
        w,
    ));
    for (i, l) in rows.iter().enumerate() {
        put(buf, a, i as u16, l);
    }
}

// ---- sales ------------------------------------------------------------------

pub fn sales(buf: &mut Buffer, a: Rect, m: &Model, ui: &Ui, th: &Theme) {
    let lang = ui.lang;
    let v = &m.sales;
    let w = a.width as usize;
    let dev = v
        .recent_expected
        .filter(|e| *e > 0.0)
        .map(|e| v.recent_gmv / e - 1.0);
    let dv = Verdict::floor(dev.map(|d| 1.0 + d), 0.9, 0.1);
    let mut parts = vec![vec![
        s(
            format!(
                "{}{}{} ",
                lang.t("近", "last "),
                RECENT_MIN,
                lang.t("分", " min")
            ),
            th.label(),
        ),
        s(money(lang, v.recent_gmv), th.value()),
    ]];
    if let Some(e) = v.recent_expected {
        parts.push(vec![s(
            format!(
                "{} {} {} {}",
                lang.t("预期", "exp"),
                money(lang, e),
                change(dev),
                dv.symbol()
            ),
            th.verdict(dv),
        )]);
    }
    parts.push(vec![s(
        format!("{} {}", lang.t("本阶段", "phase"), money(lang, v.phase_gmv)),
        th.label(),
    )]);
    parts.push(vec![s(
        format!(
            "{} {}",
            lang.t("订单", "orders"),
            count(lang, v.phase_orders)
        ),
        th.label(),
    )]);
    parts.push(vec![s(
        format!(
            "{} {}",
            lang.t("客单价", "AOV"),
            v.phase_aov.map_or("-".into(), |x| money(lang, x))
        ),
        th.label(),
    )]);
    if v.vs_baseline.is_some() {
        parts.push(vec![s(
            format!(
                "{} {}",
                lang.t("同比", "vs last year"),
                change(v.vs_baseline)
            ),
            th.accent(),
        )]);
    }
    parts.push(vec![s(
        format!(
            "{} {}",
            lang.t("UV价值", "UV value"),
            v.uv_value.map_or("-".into(), |x| format!("¥{x:.2}"))
        ),
        th.label(),
    )]);
    put(buf, a, 0, &fit_spans(parts, w));
    let chart = Rect {
        y: a.y + 1,
        height: a.height.saturating_sub(1),
        ..a
    };
    if chart.height == 0 || chart.width < 4 || v.points.is_empty() {
        if chart.height > 0 {
            put(
                buf,
                chart,
                0,
                &Line::from(s(lang.t("暂无销售数据", "no sales yet"), th.dim())),
            );
        }
        return;
    }
    if chart.height < 6 || chart.width < 30 {
        let n = (chart.width as usize).min(v.points.len());
        let data: Vec<u64> = v.points[v.points.len() - n..]
            .iter()
            .map(|(_, y)| y.max(0.0).round() as u64)
            .collect();
        Sparkline::default()
            .data(&data)
            .style(th.accent())
            .render(chart, buf);
        return;
    }
    // Braille: two points per column. Keep the last points that fit.
    let y_w = 9u16;
    let n = ((chart.width.saturating_sub(y_w + 1)) as usize * 2)
        .clamp(2, v.points.len().max(2))
        .min(v.points.len());
    let pts = &v.points[v.points.len() - n..];
    let t0 = pts[0].0;
    let x = |t: Millis| (t - t0) as f64 / v.bucket_ms.max(1) as f64;
    let actual: Vec<(f64, f64)> = pts.iter().map(|(t, y)| (x(*t), *y)).collect();
    let expected: Vec<(f64, f64)> = v
        .expected
        .iter()
        .filter(|(t, _)| *t >= t0)
        .map(|(t, y)| (x(*t), *y))
        .collect();
    let ymax = actual
        .iter()
        .chain(expected.iter())
        .map(|p| p.1)
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.1;
    let xmax = actual.last().map_or(1.0, |p| p.0).max(1.0);
    // A chart of days labels its axis with dates too.
    let span = pts.last().map_or(0, |p| p.0) - t0;
    let tl = |t: Millis| {
        if span >= 86_400_000 {
            let c = format_clock(t, m.tz);
            c.get(..11).unwrap_or(&c).to_string()
        } else {
            clock_hm(t, m)
        }
    };
    let mut datasets = Vec::new();
    if !expected.is_empty() {
        datasets.push(
            Dataset::default()
                .name(match v.level {
                    Some(l) => format!("{}{:.2}", lang.t("预期=基线x", "expected=baseline x"), l),
                    None => lang.t("基线", "baseline").to_string(),
                })
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(th.expected())
                .data(&expected),
        );
    }
    datasets.push(
        Dataset::default()
            .name(format!(
                "GMV/{}",
                crate::view::text::per_bucket(lang, v.bucket_ms)
            ))
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(th.accent())
            .data(&actual),
    );
    let last = pts.last().map_or(t0, |p| p.0);
    let mid = t0 + (last - t0) / 2;
    Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, xmax])
                .labels(vec![
                    Line::from(tl(t0)),
                    Line::from(tl(mid)),
                    Line::from(tl(last)),
                ])
                .style(th.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, ymax])
                .labels(vec![
                    Line::from("0"),
                    Line::from(money(lang, ymax / 2.0)),
                    Line::from(money(lang, ymax)),
                ])
                .style(th.dim()),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Percentage(60),
            ratatui::layout::Constraint::Percentage(60),
        ))
        .render(chart, buf);
}

// ---- stock ------------------------------------------------------------------

pub fn status_label(lang: Lang, st: StockStatus) -> &'static str {
    match st {
        StockStatus::Out => lang.t("缺货", "OUT"),
        StockStatus::Below => lang.t("低于安全", "below"),
        StockStatus::Near => lang.t("接近安全", "near"),
        StockStatus::Ok => lang.t("正常", "ok"),
    }
}

pub fn status_verdict(st: StockStatus) -> Verdict {
    match st {
        StockStatus::Out | StockStatus::Below => Verdict::Bad,
        StockStatus::Near => Verdict::Near,
        StockStatus::Ok => Verdict::Good,
    }
}

pub fn stock(buf: &mut Buffer, a: Rect, m: &Model, ui: &Ui, th: &Theme) {
    let lang = ui.lang;
    let st = &m.stock;
    let w = a.width as usize;
    let bad = |n: usize| if n > 0 { th.bad() } else { th.label() };
    let line = fit_spans(
        vec![
            vec![s(
                format!("{} {}", lang.t("缺货", "out"), st.out_now),
                bad(st.out_now),
            )],
            vec![s(
                format!("{} {}", lang.t("低于安全", "below safety"), st.below_now),
                bad(st.below_now),
            )],
            vec![s(
                format!("{} {}", lang.t("接近", "near"), st.near_now),
                if st.near_now > 0 {
                    th.near()
                } else {
                    th.label()
                },
            )],
            vec![s(
                format!(
                    "{} {} SKU",
                    lang.t("本阶段破线", "breached this phase"),
                    st.breached_phase
                ),
                th.dim(),
            )],
        ],
        w,
    );
    put(buf, a, 0, &line);
    if st.rows.is_empty() {
        put(
            buf,
            a,
            1,
            &Line::from(s(lang.t("暂无库存数据", "no stock data yet"), th.dim())),
        );
        return;
    }
    let sw = if lang.is_zh() { 8 } else { 5 };
    for (i, r) in st.rows.iter().enumerate() {
        let y = i as u16 + 1;
        if y >= a.height {
            break;
        }
        let v = status_verdict(r.status);
        let mut spans = vec![
            s(format!("{} ", v.symbol()), th.verdict(v)),
            s(pad(status_label(lang, r.status), sw), th.verdict(v)),
            Span::raw(" "),
            s(pad(&r.sku, 12), th.value()),
            s(
                if r.hot {
                    lang.t(" 热 ", " hot ")
                } else {
                    lang.t("    ", "     ")
                },
                th.near(),
            ),
            s(
                rpad(
                    &format!(
                        "{}/{}",
                        r.on_hand,
                        r.safety.map_or("-".into(), |x| x.to_string())
                    ),
                    11,
                ),
                th.label(),
            ),
        ];
        let used: usize = spans.iter().map(|s| width(&s.content)).sum();
        if w > used + 4 {
            let frac = match r.safety {
                Some(sf) if sf > 0 => r.on_hand as f64 / (2.0 * sf as f64),
                _ => 1.0,
            };
            spans.push(Span::raw(" "));
            spans.push(s(bar(frac, w - used - 1), th.verdict(v)));
        }
        put(buf, a, y, &Line::from(spans));
    }
}

// ---- alerts -----------------------------------------------------------------

pub use crate::view::text::fmt_metric;

/// "37.3%/95.1%": value and expectation in the metric's own format.
pub fn value_vs(lang: Lang, a: &AlertRow) -> String {
    let v = a
        .value
        .map_or("-".into(), |x| fmt_metric(lang, &a.metric, x));
    match a.expected {
        Some(e) => format!("{v}/{}", fmt_metric(lang, &a.metric, e)),
        None => v,
    }
}

pub fn scope_label(lang: Lang, a: &AlertRow) -> String {
    match lang {
        Lang::Zh => a.scope.label_zh(),
        Lang::En => a.scope.label_en(),
    }
}

pub fn tier_label(lang: Lang, t: Tier) -> &'static str {
    match lang {
        Lang::Zh => t.zh(),
        Lang::En => t.en(),
    }
}

/// One alert on one line: tier, (id), metric value/expected, scope, age, ack.
pub fn alert_line(
    a: &AlertRow,
    now: Option<Millis>,
    w: usize,
    lang: Lang,
    th: &Theme,
    selected: bool,
) -> Line<'static> {
    let resolved = a.resolved_at.is_some();
    let tier = format!("{}{}", tier_mark(a.tier), tier_label(lang, a.tier));
    let tier_w = if lang.is_zh() { 7 } else { 12 };
    let age = match (a.resolved_at, now) {
        (Some(r), Some(n)) => dur(n - r),
        (None, Some(n)) => dur(n - a.opened_at),
        _ => "-".into(),
    };
    let ack = if resolved {
        lang.t("已恢复", "resolved")
    } else if a.acked_at.is_some() {
        lang.t("✓已确认", "✓acked")
    } else {
        lang.t("未确认", "unacked")
    };
    let ack_w = if w >= 56 { width(ack) } else { 1 };
    let ack = if w >= 56 {
        ack.to_string()
    } else if resolved {
        "-".into()
    } else if a.acked_at.is_some() {
        "✓".into()
    } else {
        "?".into()
    };
    let id = if w >= 72 {
        format!("{} ", a.id)
    } else {
        String::new()
    };
    let fixed = 1 + tier_w + 1 + width(&id) + 1 + 6 + 1 + ack_w;
    let flex = w.saturating_sub(fixed);
    let value = if w >= 56 {
        value_vs(lang, a)
    } else {
        a.value
            .map_or("-".into(), |x| fmt_metric(lang, &a.metric, x))
    };
    let body = format!(
        "{} {} {}",
        metric_label(lang, &a.metric),
        value,
        scope_label(lang, a)
    );
    let base = if resolved { th.dim() } else { Style::default() };
    let mut spans = vec![
        s(if selected { ">" } else { " " }, th.key()),
        s(
            pad(&tier, tier_w),
            if resolved { th.dim() } else { th.tier(a.tier) },
        ),
        Span::raw(" "),
        s(id, th.dim()),
        s(pad(&body, flex), base),
        Span::raw(" "),
        s(rpad(&age, 6), th.label()),
        Span::raw(" "),
        s(
            ack,
            if resolved {
                th.dim()
            } else if a.acked_at.is_some() {
                th.good()
            } else {
                th.near()
            },
        ),
    ];
    if selected {
        for sp in spans.iter_mut() {
            sp.style = sp.style.add_modifier(Modifier::REVERSED);
        }
    }
    Line::from(spans)
}

/// One alert on two lines (narrow columns): tier, id, age, ack; then the
/// metric, value/expected and scope.
fn alert_lines2(
    a: &AlertRow,
    now: Option<Millis>,
    w: usize,
    lang: Lang,
    th: &Theme,
    selected: bool,
) -> [Line<'static>; 2] {
    let resolved = a.resolved_at.is_some();
    let age = match (a.resolved_at, now) {
        (Some(r), Some(n)) => format!(
            "{} {}",
            lang.t("恢复于", "resolved"),
            dur(n - r) + lang.t("前", " ago")
        ),
        (None, Some(n)) => format!("{} {}", lang.t("已持续", "open"), dur(n - a.opened_at)),
        _ => "-".into(),
    };
    let (ack, ack_style) = if resolved {
        ("", th.dim())
    } else if a.acked_at.is_some() {
        (lang.t("✓已确认", "✓acked"), th.good())
    } else {
        (lang.t("未确认", "unacked"), th.near())
    };
    let mut l1 = vec![
        s(if selected { ">" } else { " " }, th.key()),
        s(
            format!("{}{}", tier_mark(a.tier), tier_label(lang, a.tier)),
            if resolved { th.dim() } else { th.tier(a.tier) },
        ),
        s(format!(" {} ", a.id), th.dim()),
        s(age, th.label()),
        s(format!(" {ack}"), ack_style),
    ];
    let used: usize = l1.iter().map(|x| width(&x.content)).sum();
    l1.push(Span::raw(" ".repeat(w.saturating_sub(used))));
    let body = format!(
        "   {} {}  {}",
        metric_label(lang, &a.metric),
        value_vs(lang, a),
        scope_label(lang, a)
    );
    let mut l2 = vec![s(
        pad(&body, w),
        if resolved { th.dim() } else { Style::default() },
    )];
    if selected {
        for sp in l1.iter_mut().chain(l2.iter_mut()) {
            sp.style = sp.style.add_modifier(Modifier::REVERSED);
        }
    }
    [Line::from(l1), Line::from(l2)]
}

pub fn alerts(
    buf: &mut Buffer,
    a: Rect,
    m: &Model,
    ui: &Ui,
    th: &Theme,
    focused: bool,
    hits: &mut HitMap,
) {
    let lang = ui.lang;
    let w = a.width as usize;
    let h = a.height as usize;
    let list = Ui::alert_list(m);
    if list.is_empty() {
        let msg = if m.filter.is_empty() {
            lang.t("无告警 ✓", "no alerts ✓")
        } else {
            lang.t("筛选下无告警", "no alerts match the filter")
        };
        put(buf, a, 0, &Line::from(s(msg, th.good())));
        return;
    }
    let sel = ui.selected_index(m).unwrap_or(0);
    let open_n = m.alerts.len();
    let two = w < 72 && h >= 12;
    let mut rows: Vec<(Line<'static>, Option<usize>)> = Vec::new();
    if open_n == 0 {
        rows.push((
            Line::from(s(
                lang.t(
                    "无开启告警 ✓  最近已恢复:",
                    "no open alerts ✓  recently resolved:",
                ),
                th.good(),
            )),
            None,
        ));
    }
    for (i, al) in list.iter().enumerate() {
        if i == open_n && open_n > 0 {
            let label = format!(
                "── {} {} ──",
                lang.t("已恢复", "resolved"),
                m.resolved.len()
            );
            rows.push((Line::from(s(cut(&label, w), th.dim())), None));
        }
        let selected = focused && i == sel;
        if two {
            for l in alert_lines2(al, m.now, w, lang, th, selected) {
                rows.push((l, Some(i)));
            }
        } else {
            rows.push((alert_line(al, m.now, w, lang, th, selected), Some(i)));
        }
    }
    let last_sel = rows.iter().rposition(|r| r.1 == Some(sel)).unwrap_or(0);
    let skip = if last_sel >= h { last_sel + 1 - h } else { 0 };
    for (y, (l, i)) in rows.iter().skip(skip).take(h).enumerate() {
        put(buf, a, y as u16, l);
        if let (Some(i), Some(r)) = (i, super::draw::row(a, y as u16)) {
            hits.push(r, Target::Alert(list[*i].id.clone()));
        }
    }
}
