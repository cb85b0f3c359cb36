//! The 复盘 (post-mortem) report: plan against actual for every target, the
//! figures per phase, the funnel and the CS service levels against the
//! domain's references, the timeline of incidents and how fast the room
//! handled them, and a table of lessons and next actions for people to fill.
//!
//! It is built from the run summary and the alert log only, so it reads a
//! live room's log (with its acks) as well as a replay's transitions.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, FixedOffset};

use crate::alerts::model::{AlertEvent, Tier, Transition};
use crate::alerts::Engine;
use crate::config::{Config, PhaseKind};
use crate::figures::Figures;
use crate::reference::{self, ServiceLevels};
use crate::summary::Summary;
use crate::time::{format_clock, Millis};
use crate::view::text::{self, clean, dur, group, money, pct, Lang};

/// The funnel steps judged against the domain's references: each stage
/// with a reference rate, then visit→order and the industry's pay÷visit.
fn funnel_steps() -> Vec<(usize, usize, f64)> {
    let mut steps: Vec<(usize, usize, f64)> = reference::STAGE_RATES
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| (i, i + 1, r)))
        .collect();
    steps.push((0, 3, reference::VISIT_ORDER));
    steps.push((0, 4, reference::INDUSTRY_CONVERSION));
    steps
}

/// One line of an alert log, however it was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub alert_id: String,
    pub transition: Transition,
    pub at: Millis,
    pub tier: Tier,
    pub metric: String,
    /// (key, value) as in the log's `scope`.
    pub scope: Vec<(String, String)>,
    pub value: Option<f64>,
    pub expected: Option<f64>,
    pub rule: String,
}

impl LogLine {
    pub fn of(e: &AlertEvent) -> LogLine {
        LogLine {
            alert_id: e.alert_id.clone(),
            transition: e.transition,
            at: e.at_ms,
            tier: e.tier,
            metric: e.metric.clone(),
            scope: e
                .scope
                .0
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            value: e.value,
            expected: e.expected,
            rule: e.rule.clone(),
        }
    }

    /// One line of an alert log file (spec/outputs.md).
    pub fn parse(line: &str) -> Result<LogLine, String> {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
        let text = |k: &str| -> Result<String, String> {
            v.get(k)
                .and_then(|x| x.as_str())
                .map(str::to_owned)
                .ok_or_else(|| format!("missing `{k}`"))
        };
        let transition = match text("transition")?.as_str() {
            "open" => Transition::Open,
            "escalate" => Transition::Escalate,
            "deescalate" => Transition::Deescalate,
            "resolve" => Transition::Resolve,
            "ack" => Transition::Ack,
            other => return Err(format!("unknown transition {other:?}")),
        };
        let at_text = text("at")?;
        let at = DateTime::parse_from_rfc3339(&at_text)
            .map_err(|e| format!("`at` {at_text:?}: {e}"))?
            .timestamp_millis();
        let tier_text = text("tier")?;
        let tier = Tier::parse(&tier_text).ok_or_else(|| format!("unknown tier {tier_text:?}"))?;
        let scope = v
            .get("scope")
            .and_then(|s| s.as_object())
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(LogLine {
            alert_id: text("alert_id")?,
            transition,
            at,
            tier,
            metric: text("metric").unwrap_or_default(),
            scope,
            value: v.get("value").and_then(|x| x.as_f64()),
            expected: v.get("expected").and_then(|x| x.as_f64()),
            rule: text("rule").unwrap_or_default(),
        })
    }
}

/// One alert's life, from its log lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: String,
    pub rule: String,
    pub metric: String,
    pub scope: Vec<(String, String)>,
    pub opened_at: Millis,
    pub max_tier: Tier,
    /// When it first reached its highest tier.
    pub peaked_at: Millis,
    /// The figure and its expectation when it first reached that tier.
    pub worst: (Option<f64>, Option<f64>),
    pub acked_at: Option<Millis>,
    pub resolved_at: Option<Millis>,
}

impl Incident {
    pub fn time_to_ack(&self) -> Option<Millis> {
        self.acked_at.map(|a| a - self.opened_at)
    }

    /// Open to resolved; `None` while still open.
    pub fn duration(&self) -> Option<Millis> {
        self.resolved_at.map(|r| r - self.opened_at)
    }
}

/// The alerts an engine holds (open, and the last resolved ones), as
/// incidents in order of opening: the 复盘 the screen writes.
pub fn incidents_of(engine: &Engine) -> Vec<Incident> {
    let mut out: Vec<Incident> = engine
        .alerts()
        .iter()
        .map(|a| Incident {
            id: a.id.clone(),
            rule: a.rule.to_string(),
            metric: a.metric.clone(),
            scope: a
                .scope
                .0
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            opened_at: a.opened_at,
            max_tier: a.max_tier,
            peaked_at: a.peaked_at(),
            worst: a.worst(),
            acked_at: a.acked_at,
            resolved_at: a.resolved_at,
        })
        .collect();
    out.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
    out
}

/// Group log lines into incidents, in order of opening. Lines of an alert
/// whose `open` is not in the log (a log started mid-campaign) open it.
pub fn incidents(lines: &[LogLine]) -> Vec<Incident> {
    let mut by_id: BTreeMap<&str, Incident> = BTreeMap::new();
    for l in lines {
        let i = by_id.entry(&l.alert_id).or_insert_with(|| Incident {
            id: l.alert_id.clone(),
            rule: l.rule.clone(),
            metric: l.metric.clone(),
            scope: l.scope.clone(),
            opened_at: l.at,
            max_tier: l.tier,
            peaked_at: l.at,
            worst: (l.value, l.expected),
            acked_at: None,
            resolved_at: None,
        });
        match l.transition {
            Transition::Ack => {
                i.acked_at.get_or_insert(l.at);
            }
            Transition::Resolve => i.resolved_at = Some(l.at),
            Transition::Open | Transition::Escalate | Transition::Deescalate => {
                if l.tier > i.max_tier {
                    i.max_tier = l.tier;
                    i.peaked_at = l.at;
                    i.worst = (l.value, l.expected);
                }
            }
        }
    }
    let mut out: Vec<Incident> = by_id.into_values().collect();
    out.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
    out
}

/// Where the alert log came from: the room's own (acks are people's) or
/// this replay's (nobody acked).
#[derive(Debug, Clone, PartialEq)]
pub enum AlertSource {
    Replay,
    /// The screen's own alerts, with the room's acks.
    Screen,
    Log(String),
}

/// Render the report as Markdown.
pub fn render(
    summary: &Summary,
    cfg: &Config,
    incidents: &[Incident],
    source: &AlertSource,
    lang: Lang,
) -> String {
    let r = Report {
        s: summary,
        cfg,
        incidents,
        lang,
        tz: cfg.tz,
    };
    let mut out = String::new();
    r.head(&mut out, source);
    r.targets(&mut out);
    r.phases(&mut out);
    r.budget_lines(&mut out);
    r.funnel(&mut out);
    r.service(&mut out);
    r.timeline(&mut out);
    r.handling(&mut out);
    r.verdicts(&mut out);
    r.actions(&mut out);
    out
}

/// A figure of a phase, shown as text.
type Get<'a> = Box<dyn Fn(&Figures) -> String + 'a>;
/// A line of a `burst_table`: its name, its figure, its reference.
type Line<'a> = (String, Get<'a>, String);

struct Report<'a> {
    s: &'a Summary,
    cfg: &'a Config,
    incidents: &'a [Incident],
    lang: Lang,
    tz: FixedOffset,
}

/// Text from a data file or a config, safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    clean(s).replace('|', "\\|")
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn header(out: &mut String, cells: &[&str]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        cells.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
}

fn median(mut v: Vec<Millis>) -> Option<Millis> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

impl Report<'_> {
    fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.t(zh, en)
    }

    fn when(&self, ms: Millis) -> String {
        format_clock(ms, self.tz)
    }

    fn scope(&self, scope: &[(String, String)]) -> String {
        if scope.is_empty() {
            return self.t("全站", "site-wide").into();
        }
        scope
            .iter()
            .map(|(k, v)| {
                let k = match (self.lang, k.as_str()) {
                    (Lang::Zh, "channel") => "渠道",
                    (Lang::Zh, "category") => "品类",
                    (Lang::Zh, "item") => "预算项",
                    (Lang::Zh, "kind") => "数据源",
                    (_, k) => k,
                };
                format!("{k}={}", cell(v))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A rule by its name in the report's language (its id if unknown).
    fn rule_title(&self, rule: &str) -> String {
        crate::alerts::settings::rule_words(rule)
            .map_or(cell(rule), |(zh, en)| self.t(zh.title, en.title).into())
    }

    fn tier(&self, t: Tier) -> &'static str {
        match self.lang {
            Lang::Zh => t.zh(),
            Lang::En => t.en(),
        }
    }

    fn head(&self, out: &mut String, source: &AlertSource) {
        let s = self.s;
        let _ = writeln!(
            out,
            "# {} {}\n",
            self.t("复盘:", "Post-mortem:"),
            cell(&s.campaign)
        );
        let span = match (&s.from, &s.to) {
            (Some(a), Some(b)) => format!("{a} → {b}"),
            _ => self.t("(无数据)", "(no data)").into(),
        };
        let _ = writeln!(out, "- {}: {span}", self.t("数据时段", "data"));
        let r = &s.records;
        let _ = writeln!(
            out,
            "- {}: {} ({} {}, {} {}, {} {}, {} {})",
            self.t("记录", "records"),
            group(r.read),
            self.t("跳过坏行", "bad lines skipped"),
            group(r.skipped),
            self.t("迟到", "late"),
            group(r.late),
            self.t("重复订单", "duplicate orders"),
            group(r.duplicates),
            self.t("阶段外", "outside phases"),
            group(r.outside_phases),
        );
        let src = match source {
            AlertSource::Replay => self
                .t(
                    "本次回放 (无人工确认, 确认用时为空)",
                    "this replay (nobody acked: no times to ack)",
                )
                .to_string(),
            AlertSource::Screen => self
                .t(
                    "指挥屏 (含确认; 只保留最近的已恢复告警)",
                    "the screen (acks included; only the latest resolved alerts are held)",
                )
                .to_string(),
            AlertSource::Log(path) => format!(
                "{} {}",
                self.t("指挥中心的告警日志", "the room's alert log"),
                cell(path)
            ),
        };
        let _ = writeln!(out, "- {}: {src}\n", self.t("告警来源", "alerts from"));
    }

    fn targets(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t("1. 目标达成", "1. Plan against actual")
        );
        let tot = &self.s.totals;
        let tg = &self.cfg.targets;
        let mut rows: Vec<(String, String, String, Option<f64>, bool)> = Vec::new();
        let lang = self.lang;
        if let Some(g) = tg.gmv {
            rows.push((
                "GMV".into(),
                money(lang, g),
                money(lang, tot.gmv),
                ratio(tot.gmv, g),
                true,
            ));
        }
        if let Some(n) = tg.new_customers {
            let a = tot.new_customers as f64;
            rows.push((
                self.t("新客数", "new customers").into(),
                group(n as u64),
                group(tot.new_customers),
                ratio(a, n),
                true,
            ));
        }
        if let Some(n) = tg.orders {
            rows.push((
                self.t("订单数", "orders").into(),
                group(n as u64),
                group(tot.orders),
                ratio(tot.orders as f64, n),
                true,
            ));
        }
        if let Some(n) = tg.uv {
            rows.push((
                "UV".into(),
                group(n as u64),
                group(tot.visit),
                ratio(tot.visit as f64, n),
                true,
            ));
        }
        if let Some(roi) = tg.roi {
            rows.push((
                "ROI".into(),
                format!("{roi:.2}"),
                text::num(tot.roi, 2),
                tot.roi.and_then(|a| ratio(a, roi)),
                true,
            ));
        }
        if let Some(b) = self.cfg.budget.total {
            // Spending less than the budget is not a miss.
            rows.push((
                self.t("花费 / 预算", "spend / budget").into(),
                money(lang, b),
                money(lang, tot.spend),
                ratio(tot.spend, b),
                false,
            ));
        }
        if rows.is_empty() {
            let _ = writeln!(
                out,
                "{}\n",
                self.t(
                    "配置中没有目标 ([targets], [budget])。",
                    "The config sets no targets ([targets], [budget])."
                )
            );
            return;
        }
        header(
            out,
            &[
                self.t("指标", "figure"),
                self.t("目标", "plan"),
                self.t("实际", "actual"),
                self.t("达成", "reached"),
            ],
        );
        for (name, plan, actual, reached, more_is_better) in rows {
            let mark = match reached {
                Some(x) if more_is_better && x >= 1.0 => " ✓",
                Some(_) if more_is_better => " ✗",
                Some(x) if x > 1.0 => " ✗",
                _ => "",
            };
            row(
                out,
                &[name, plan, actual, format!("{}{mark}", text::pct0(reached))],
            );
        }
        out.push('\n');
    }

    fn phases(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t("2. 分阶段数据", "2. Figures by phase")
        );
        header(
            out,
            &[
                self.t("阶段", "phase"),
                self.t("时间", "window"),
                "GMV",
                self.t("订单", "orders"),
                self.t("客单价", "AOV"),
                "UV",
                self.t("转化率", "conversion"),
                self.t("花费", "spend"),
                self.t("预算", "budget"),
                "ROI",
                self.t("退款", "refunds"),
                self.t("缺货SKU", "SKUs out"),
            ],
        );
        let budget = self.cfg.budget.total;
        for (i, (name, f)) in self.s.phases.0.iter().enumerate() {
            let phase = self.cfg.phases.get(i);
            let window = phase.map_or(String::new(), |p| {
                format!("{} → {}", self.when(p.start), self.when(p.end))
            });
            let plan = budget
                .zip(self.cfg.budget.phase_shares.get(i))
                .map(|(b, s)| b * s);
            let kind = phase.map_or(PhaseKind::Other, |p| p.kind);
            row(
                out,
                &self.figure_row(text::phase_name(self.lang, name, kind), window, f, plan),
            );
        }
        row(
            out,
            &self.figure_row(
                format!("**{}**", self.t("全程", "whole run")),
                String::new(),
                &self.s.totals,
                budget,
            ),
        );
        out.push('\n');
    }

    fn budget_lines(&self, out: &mut String) {
        let lines = &self.s.budget_lines.0;
        let _ = writeln!(
            out,
            "## {}\n",
            self.t("3. 预算执行 (按预算项)", "3. Budget by line")
        );
        if lines.is_empty() {
            let _ = writeln!(out, "{}\n", self.t("没有花费记录。", "No spend recorded."));
            return;
        }
        let lang = self.lang;
        let mut cols: Vec<String> = vec![
            self.t("预算项", "line").into(),
            self.t("计划", "plan").into(),
            self.t("花费", "spend").into(),
            self.t("使用", "used").into(),
        ];
        for (i, p) in self.cfg.phases.iter().enumerate() {
            let name = self.s.phases.0.get(i).map_or(p.name.as_str(), |(n, _)| n);
            cols.push(cell(&text::phase_name(lang, name, p.kind)));
        }
        header(out, &cols.iter().map(String::as_str).collect::<Vec<_>>());
        for (name, l) in lines {
            let used = l.plan.and_then(|p| ratio(l.spend, p));
            let over = if used.is_some_and(|u| u > 1.0) {
                " ✗"
            } else {
                ""
            };
            let mut cells = vec![
                cell(name),
                l.plan.map_or(self.t("(无计划)", "(no plan)").into(), |p| {
                    money(lang, p)
                }),
                money(lang, l.spend),
                // One decimal: 100.1% over plan must not read as 100%.
                format!("{}{over}", pct(used)),
            ];
            cells.extend(l.phases.0.iter().map(|(_, v)| money(lang, *v)));
            row(out, &cells);
        }
        out.push('\n');
    }

    fn figure_row(
        &self,
        name: String,
        window: String,
        f: &Figures,
        plan: Option<f64>,
    ) -> Vec<String> {
        let lang = self.lang;
        vec![
            cell(&name),
            window,
            money(lang, f.gmv),
            group(f.orders),
            f.aov.map_or("-".into(), |a| money(lang, a)),
            group(f.visit),
            pct(f.cr_overall),
            money(lang, f.spend),
            plan.map_or("-".into(), |p| money(lang, p)),
            text::num(f.roi, 2),
            format!("{} ({})", money(lang, f.refund_amount), pct(f.refund_rate)),
            group(f.stock_outs),
        ]
    }

    /// The phase the room cares most about: the first 爆发, else the totals.
    fn burst(&self) -> Option<(String, &Figures)> {
        let i = self
            .cfg
            .phases
            .iter()
            .position(|p| p.kind == PhaseKind::Burst)?;
        let (name, f) = self.s.phases.0.get(i)?;
        Some((text::phase_name(self.lang, name, PhaseKind::Burst), f))
    }

    fn funnel(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t(
                "4. 转化漏斗 (对照参考转化率)",
                "4. Funnel against the reference rates"
            )
        );
        let t = &self.s.totals;
        if t.visit + t.view + t.cart + t.order + t.pay == 0 {
            let _ = writeln!(
                out,
                "{}\n",
                self.t(
                    "数据中没有流量 (traffic) 记录。",
                    "The data has no traffic records."
                )
            );
            return;
        }
        let lines: Vec<Line> = funnel_steps()
            .into_iter()
            .map(|(from, to, reference)| {
                let name = format!(
                    "{}→{}",
                    text::stage(self.lang, from),
                    text::stage(self.lang, to)
                );
                let shown: Get = Box::new(move |f: &Figures| {
                    let s = [f.visit, f.view, f.cart, f.order, f.pay];
                    let r = ratio(s[to] as f64, s[from] as f64);
                    let low = r.is_some_and(|x| x < reference);
                    format!("{}{}", pct(r), if low { " ↓" } else { "" })
                });
                (name, shown, pct(Some(reference)))
            })
            .collect();
        self.burst_table(
            out,
            self.t("环节", "step"),
            self.t("参考", "reference"),
            lines,
        );
        let _ = writeln!(
            out,
            "\n{}\n",
            self.t(
                "↓ 低于参考。浏览→加购低多为商品信息或价格问题, 加购→下单低多为结算、支付或配送条件问题。",
                "↓ below the reference. A low view→cart usually points at product information or price; a low cart→order at checkout, payment or delivery terms."
            )
        );
    }

    fn service(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t("5. 客服服务水平", "5. Customer service levels")
        );
        if self.s.totals.cs_sessions == 0 && self.s.totals.cs_first_replies == 0 {
            let _ = writeln!(
                out,
                "{}\n",
                self.t(
                    "数据中没有客服 (cs) 记录。",
                    "The data has no customer-service records."
                )
            );
            return;
        }
        let sla = ServiceLevels::of(self.cfg);
        let two = |x: Option<f64>| text::num(x, 2);
        let lines: [(&str, &str, Get, String); 5] = [
            (
                "会话数",
                "sessions",
                Box::new(|f| group(f.cs_sessions)),
                String::new(),
            ),
            (
                "15秒响应率",
                "15 s response",
                Box::new(|f| mark_floor(f.cs_response_15s, sla.response_15s, pct)),
                format!("≥ {}", pct(Some(sla.response_15s))),
            ),
            (
                "首次解决率",
                "first-contact resolution",
                Box::new(|f| mark_floor(f.cs_fcr, sla.fcr, pct)),
                format!("≥ {}", pct(Some(sla.fcr))),
            ),
            (
                "满意度",
                "satisfaction",
                Box::new(|f| mark_floor(f.cs_satisfaction, sla.satisfaction, two)),
                format!("≥ {}", sla.satisfaction),
            ),
            (
                "投诉率",
                "complaint rate",
                Box::new(|f| pct(f.cs_complaint_rate)),
                String::new(),
            ),
        ];
        let lines: Vec<Line> = lines
            .into_iter()
            .map(|(zh, en, get, standard)| (self.t(zh, en).to_string(), get, standard))
            .collect();
        self.burst_table(
            out,
            self.t("指标", "figure"),
            self.t("标准", "standard"),
            lines,
        );
        out.push('\n');
    }

    /// A table of figures in the 爆发 phase (when the config has one) and
    /// over the whole run, each line ending with its reference.
    fn burst_table(&self, out: &mut String, first: &str, last: &str, lines: Vec<Line>) {
        let burst = self.burst();
        let mut cols = vec![first.to_string()];
        if let Some((name, _)) = &burst {
            cols.push(cell(name));
        }
        cols.push(self.t("全程", "whole run").into());
        cols.push(last.into());
        header(out, &cols.iter().map(String::as_str).collect::<Vec<_>>());
        for (name, get, reference) in lines {
            let mut cells = vec![name];
            if let Some((_, f)) = &burst {
                cells.push(get(f));
            }
            cells.push(get(&self.s.totals));
            cells.push(reference);
            row(out, &cells);
        }
    }

    fn timeline(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t("6. 事件时间线", "6. Timeline of incidents")
        );
        let count = |t: Tier| self.incidents.iter().filter(|i| i.max_tier == t).count();
        let _ = writeln!(
            out,
            "{}: {} {}, {} {}, {} {}\n",
            self.t("告警 (按最高级别)", "alerts (by highest tier)"),
            self.tier(Tier::Emergency),
            count(Tier::Emergency),
            self.tier(Tier::Warning),
            count(Tier::Warning),
            self.tier(Tier::Notice),
            count(Tier::Notice),
        );
        let serious: Vec<&Incident> = self
            .incidents
            .iter()
            .filter(|i| i.max_tier >= Tier::Warning)
            .collect();
        if serious.is_empty() {
            let _ = writeln!(
                out,
                "{}\n",
                self.t("没有警告及以上的告警。", "No alert reached 警告 (warning).")
            );
        } else {
            header(
                out,
                &[
                    "ID",
                    self.t("开启", "opened"),
                    self.t("最高级别", "highest"),
                    self.t("指标", "figure"),
                    self.t("范围", "scope"),
                    self.t("最严重时/预期", "at worst/expected"),
                    self.t("升到最高", "to highest"),
                    self.t("确认用时", "to ack"),
                    self.t("持续", "lasted"),
                    self.t("规则", "rule"),
                ],
            );
            for i in serious {
                let metric = text::metric_label(self.lang, &i.metric);
                let fig = |x: Option<f64>| {
                    x.map_or("-".into(), |v| text::fmt_metric(self.lang, &i.metric, v))
                };
                row(
                    out,
                    &[
                        cell(&i.id),
                        self.when(i.opened_at),
                        self.tier(i.max_tier).into(),
                        cell(&metric),
                        self.scope(&i.scope),
                        format!("{}/{}", fig(i.worst.0), fig(i.worst.1)),
                        format!("+{}", dur(i.peaked_at - i.opened_at)),
                        i.time_to_ack().map_or("-".into(), dur),
                        i.duration()
                            .map_or(self.t("未恢复", "still open").into(), dur),
                        self.rule_title(&i.rule),
                    ],
                );
            }
            out.push('\n');
        }
        let notices: Vec<&Incident> = self
            .incidents
            .iter()
            .filter(|i| i.max_tier == Tier::Notice)
            .collect();
        if !notices.is_empty() {
            let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
            for i in &notices {
                *by_rule.entry(i.rule.as_str()).or_default() += 1;
            }
            let list: Vec<String> = by_rule
                .iter()
                .map(|(r, n)| format!("{} ×{n}", self.rule_title(r)))
                .collect();
            let _ = writeln!(
                out,
                "{}: {}\n",
                self.t(
                    "只到提醒的告警, 按规则",
                    "Alerts that stayed notices, by rule"
                ),
                list.join(", ")
            );
        }
    }

    fn handling(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t("7. 处置速度", "7. How fast the room handled them")
        );
        header(
            out,
            &[
                self.t("最高级别", "highest tier"),
                self.t("数量", "alerts"),
                self.t("已确认", "acked"),
                self.t("确认用时 中位/最长", "to ack median/max"),
                self.t("持续 中位/最长", "lasted median/max"),
                self.t("未恢复", "still open"),
            ],
        );
        for tier in [Tier::Emergency, Tier::Warning, Tier::Notice] {
            let of: Vec<&Incident> = self
                .incidents
                .iter()
                .filter(|i| i.max_tier == tier)
                .collect();
            let acks: Vec<Millis> = of.iter().filter_map(|i| i.time_to_ack()).collect();
            let lasted: Vec<Millis> = of.iter().filter_map(|i| i.duration()).collect();
            let mm = |v: Vec<Millis>| match (median(v.clone()), v.iter().max()) {
                (Some(m), Some(x)) => format!("{} / {}", dur(m), dur(*x)),
                _ => "-".into(),
            };
            row(
                out,
                &[
                    self.tier(tier).into(),
                    of.len().to_string(),
                    acks.len().to_string(),
                    mm(acks),
                    mm(lasted),
                    of.iter()
                        .filter(|i| i.resolved_at.is_none())
                        .count()
                        .to_string(),
                ],
            );
        }
        let _ = writeln!(
            out,
            "\n{}\n",
            self.t(
                "响应要求: 紧急 立即处理, 警告 尽快定位, 提醒 关注 (docs/alerts.md)。",
                "Expected response: 紧急 act now, 警告 locate soon, 提醒 watch (docs/alerts.md)."
            )
        );
    }

    /// What went well and what did not, as far as the figures say.
    fn verdicts(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t(
                "8. 成功与不足 (按数据)",
                "8. What went well and what did not (by the figures)"
            )
        );
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let sla = ServiceLevels::of(self.cfg);
        let tot = &self.s.totals;
        let tg = &self.cfg.targets;
        let lang = self.lang;
        let mut judge = |ok: bool, line: String| if ok { good.push(line) } else { bad.push(line) };
        if let Some(g) = tg.gmv {
            judge(
                tot.gmv >= g,
                format!(
                    "GMV {} / {} ({})",
                    money(lang, tot.gmv),
                    money(lang, g),
                    text::pct0(ratio(tot.gmv, g))
                ),
            );
        }
        if let Some(n) = tg.new_customers {
            let a = tot.new_customers as f64;
            judge(
                a >= n,
                format!(
                    "{} {} / {} ({})",
                    self.t("新客", "new customers"),
                    group(tot.new_customers),
                    group(n as u64),
                    text::pct0(ratio(a, n))
                ),
            );
        }
        if let (Some(roi), Some(a)) = (tg.roi, tot.roi) {
            judge(a >= roi, format!("ROI {a:.2} / {roi:.2}"));
        }
        if let Some(b) = self.cfg.budget.total {
            judge(
                tot.spend <= b,
                format!(
                    "{} {} / {}",
                    self.t("花费", "spend"),
                    money(lang, tot.spend),
                    money(lang, b)
                ),
            );
        }
        let f = self.burst().map_or(tot, |(_, f)| f);
        for (from, to, reference) in funnel_steps().iter().filter(|(a, b, _)| b - a == 1) {
            let s = [f.visit, f.view, f.cart, f.order, f.pay];
            if let Some(r) = ratio(s[*to] as f64, s[*from] as f64) {
                judge(
                    r >= *reference,
                    format!(
                        "{}→{} {} ({} {})",
                        text::stage(lang, *from),
                        text::stage(lang, *to),
                        pct(Some(r)),
                        self.t("参考", "reference"),
                        pct(Some(*reference))
                    ),
                );
            }
        }
        if let Some(r) = f.cs_response_15s {
            judge(
                r >= sla.response_15s,
                format!("{} {}", self.t("15秒响应率", "15 s response"), pct(Some(r))),
            );
        }
        if let Some(r) = f.cs_fcr {
            judge(
                r >= sla.fcr,
                format!(
                    "{} {}",
                    self.t("首次解决率", "first-contact resolution"),
                    pct(Some(r))
                ),
            );
        }
        if let Some(r) = f.cs_satisfaction {
            judge(
                r >= sla.satisfaction,
                format!("{} {r:.2}", self.t("满意度", "satisfaction")),
            );
        }
        let emergencies = self
            .incidents
            .iter()
            .filter(|i| i.max_tier == Tier::Emergency)
            .count();
        judge(
            emergencies == 0,
            format!("{} {emergencies}", self.t("紧急告警", "emergencies")),
        );
        if tot.stock_outs > 0 || f.stock_outs > 0 {
            bad.push(format!(
                "{} {}",
                self.t("缺货SKU", "SKUs out of stock"),
                group(tot.stock_outs)
            ));
        }
        for (title, list) in [
            (self.t("达标", "met"), good),
            (self.t("未达标", "missed"), bad),
        ] {
            let _ = writeln!(out, "**{title}**\n");
            if list.is_empty() {
                let _ = writeln!(out, "- {}", self.t("(无)", "(none)"));
            }
            for l in list {
                let _ = writeln!(out, "- {l}");
            }
            out.push('\n');
        }
    }

    fn actions(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "## {}\n",
            self.t(
                "9. 经验教训与下一步 (待填写)",
                "9. Lessons and next actions (to fill in)"
            )
        );
        header(
            out,
            &[
                self.t("事件", "incident"),
                self.t("原因", "cause"),
                self.t("改进措施", "action"),
                self.t("负责人", "owner"),
                self.t("期限", "due"),
            ],
        );
        for i in self
            .incidents
            .iter()
            .filter(|i| i.max_tier >= Tier::Warning)
        {
            let metric = text::metric_label(self.lang, &i.metric);
            row(
                out,
                &[
                    format!(
                        "{} {} {} {}",
                        cell(&i.id),
                        self.tier(i.max_tier),
                        cell(&metric),
                        self.scope(&i.scope)
                    ),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            );
        }
        row(
            out,
            &[
                self.t("(其他)", "(other)").into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        );
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

fn mark_floor(x: Option<f64>, floor: f64, show: fn(Option<f64>) -> String) -> String {
    match x {
        Some(v) if v < floor => format!("{} ✗", show(x)),
        Some(_) => format!("{} ✓", show(x)),
        None => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_data_cannot_break_a_table_or_reach_the_terminal() {
        assert_eq!(cell("直播|A\x1b[31m\nB"), "直播\\|A[31m B");
    }

    #[test]
    fn an_alert_log_line_without_its_open_still_makes_an_incident() {
        let line = |t: &str, at: &str, tier: &str| {
            LogLine::parse(&format!(
                r#"{{"alert_id":"A-9","transition":"{t}","at":"{at}","tier":"{tier}","scope":{{"channel":"直播"}},"value":1,"expected":2,"rule":"r"}}"#
            ))
            .unwrap()
        };
        let v = incidents(&[
            line("escalate", "2026-11-11T20:05:00+08:00", "紧急"),
            line("deescalate", "2026-11-11T20:09:00+08:00", "警告"),
            line("resolve", "2026-11-11T20:20:00+08:00", "警告"),
        ]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].max_tier, Tier::Emergency);
        assert_eq!(v[0].duration(), Some(15 * 60_000));
        assert_eq!(v[0].scope, vec![("channel".into(), "直播".into())]);
        assert!(
            LogLine::parse(r#"{"alert_id":"A","transition":"close","at":"x","tier":"紧急"}"#)
                .unwrap_err()
                .contains("close")
        );
    }
}
