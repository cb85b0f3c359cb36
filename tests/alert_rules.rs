//! The alert rules against small, hand-made but realistic recordings: a shop
//! with three channels and three categories sending minute-level funnel
//! counts and one `order` record per paid order, a customer-service desk, a
//! few SKUs, budget lines and a generic metric. Every recording is written
//! as JSON lines into a temporary directory and replayed through
//! `warroom::session::replay` (the headless replay path), with the alert log
//! written by `AlertLog` and read back from its file. Noise comes from a
//! seeded PRNG, so every run is deterministic.
//!
//! Each test asserts what the war room relies on: the right rule, scope and
//! tier, soon enough, and silence where nothing happened.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use warroom::alerts::log::AlertLog;
use warroom::alerts::model::{AlertEvent, Panel, Scope, Tier, Transition};
use warroom::config::Config;
use warroom::session::{replay, Session};
use warroom::time::{format_ts, parse_offset, parse_ts_str, Millis, HOUR, MINUTE, SECOND};

// ---- time ---------------------------------------------------------------------

const DAY: Millis = 24 * HOUR;
/// 2025-11-11 is exactly 365 days before 2026-11-11.
const YEAR: Millis = 365 * DAY;

fn at(s: &str) -> Millis {
    parse_ts_str(s, parse_offset("+08:00").unwrap()).unwrap()
}

/// `hh:mm` on 2026-11-11 (the 爆发 day), campaign time.
fn day(h: i64, m: i64) -> Millis {
    at("2026-11-11T00:00:00+08:00") + h * HOUR + m * MINUTE
}

fn ts(ms: Millis) -> String {
    format_ts(ms, parse_offset("+08:00").unwrap())
}

/// Hours since local midnight (+08:00), as a float.
fn local_hour(ms: Millis) -> f64 {
    ((ms + 8 * HOUR).rem_euclid(DAY)) as f64 / HOUR as f64
}

// ---- a seeded PRNG -------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// SplitMix64.
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-300);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let (mut k, mut p) = (0u64, 1.0);
            loop {
                p *= self.unit();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64
    }

    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n < 40 {
            let mut k = 0;
            for _ in 0..n {
                if self.chance(p) {
                    k += 1;
                }
            }
            return k;
        }
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        (mean + sd * self.normal()).round().clamp(0.0, n as f64) as u64
    }
}

// ---- a recording ------------------------------------------------------------------

/// Lines of a recording, one file per producer, each file in time order.
#[derive(Default)]
struct Recording {
    lines: Vec<(Millis, u64, &'static str, String)>,
}

impl Recording {
    fn push(&mut self, file: &'static str, ms: Millis, line: String) {
        let seq = self.lines.len() as u64;
        self.lines.push((ms, seq, file, line));
    }

    fn traffic(&mut self, ms: Millis, stage: &str, count: u64, channel: &str, category: &str) {
        self.push(
            "traffic.jsonl",
            ms,
            format!(
                r#"{{"ts":"{}","kind":"traffic","stage":"{stage}","count":{count},"channel":"{channel}","category":"{category}"}}"#,
                ts(ms)
            ),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn order(
        &mut self,
        ms: Millis,
        id: &str,
        amount: f64,
        channel: &str,
        category: &str,
        new: bool,
    ) {
        self.push(
            "orders.jsonl",
            ms,
            format!(
                r#"{{"ts":"{}","kind":"order","order_id":"{id}","amount":{amount:.2},"channel":"{channel}","category":"{category}","customer":"{}"}}"#,
                ts(ms),
                if new { "new" } else { "returning" }
            ),
        );
    }

    fn spend(&mut self, ms: Millis, item: &str, amount: f64) {
        self.push(
            "spend.jsonl",
            ms,
            format!(
                r#"{{"ts":"{}","kind":"spend","item":"{item}","amount":{amount:.2}}}"#,
                ts(ms)
            ),
        );
    }

    fn cs(&mut self, ms: Millis, session: &str, event: &str, extra: &str) {
        self.push(
            "cs.jsonl",
            ms,
            format!(
                r#"{{"ts":"{}","kind":"cs","session":"{session}","event":"{event}"{extra}}}"#,
                ts(ms)
            ),
        );
    }

    fn stock(&mut self, ms: Millis, sku: &str, on_hand: i64, safety: i64, hot: bool) {
        self.push(
            "stock.jsonl",
            ms,
            format!(
                r#"{{"ts":"{}","kind":"stock","sku":"{sku}","on_hand":{on_hand},"safety":{safety},"hot":{hot}}}"#,
                ts(ms)
            ),
        );
    }

    fn metric(&mut self, ms: Millis, name: &str, value: f64) {
        self.push(
            "metrics.jsonl",
            ms,
            format!(
                r#"{{"ts":"{}","kind":"metric","name":"{name}","value":{value}}}"#,
                ts(ms)
            ),
        );
    }

    /// Write one file per producer (or everything into one file), each in
    /// time order.
    fn write_to(&self, dir: &Path, one_file: bool) {
        std::fs::create_dir_all(dir).unwrap();
        let mut sorted: Vec<&(Millis, u64, &'static str, String)> = self.lines.iter().collect();
        sorted.sort_by_key(|(ms, seq, _, _)| (*ms, *seq));
        let mut files: BTreeMap<&str, String> = BTreeMap::new();
        for (_, _, file, line) in sorted {
            let name = if one_file { "all.jsonl" } else { file };
            let text = files.entry(name).or_default();
            text.push_str(line);
            text.push('\n');
        }
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }

    fn write(&self, dir: &Path) {
        self.write_to(dir, false)
    }
}

// ---- the shop ------------------------------------------------------------------------

const CHANNELS: [(&str, f64); 3] = [("搜索", 0.40), ("推荐", 0.35), ("直播", 0.25)];
/// Category, share of visits, typical order amount (yuan).
const CATEGORIES: [(&str, f64, f64); 3] = [
    ("美妆", 0.45, 180.0),
    ("服饰", 0.35, 260.0),
    ("家电", 0.20, 1100.0),
];
const JIADIAN: usize = 2;
/// visit→view, view→cart, cart→order, order→pay (domain reference rates,
/// payment success as in a healthy checkout).
const RATES: [f64; 4] = [0.68, 0.35, 0.25, 0.95];
const PAY: usize = 3;
const VIEW_CART: usize = 1;
const CART_ORDER: usize = 2;

/// Site visits per minute on an ordinary 爆发 day: a gentle daily swell.
fn day_visits(ms: Millis) -> f64 {
    let h = local_hour(ms);
    2000.0 * (1.0 + 0.25 * ((h - 6.0) / 24.0 * 2.0 * std::f64::consts::PI).sin())
}

/// What the shop does in one minute; a test's plan edits it.
#[derive(Clone)]
struct Minute {
    visits: f64,
    rates: [[[f64; 4]; 3]; 3],
    aov: f64,
    /// The order feed writes its records (false: the feed is stalled).
    orders_written: bool,
}

impl Minute {
    fn set_rate(&mut self, stage: usize, rate: f64) {
        for ch in &mut self.rates {
            for cat in ch.iter_mut() {
                cat[stage] = rate;
            }
        }
    }

    fn set_category_rate(&mut self, category: usize, stage: usize, rate: f64) {
        for ch in &mut self.rates {
            ch[category][stage] = rate;
        }
    }
}

struct Shop {
    rng: Rng,
    prefix: &'static str,
    next_order: u64,
    /// GMV written per minute (paid orders), for expectations in tests.
    gmv: BTreeMap<Millis, f64>,
}

impl Shop {
    fn new(seed: u64, prefix: &'static str) -> Shop {
        Shop {
            rng: Rng::new(seed),
            prefix,
            next_order: 1,
            gmv: BTreeMap::new(),
        }
    }

    /// Minutes `[from, to)`: the plan sees each minute's start and edits
    /// what the shop does then.
    fn run(
        &mut self,
        rec: &mut Recording,
        from: Millis,
        to: Millis,
        mut plan: impl FnMut(Millis, &mut Minute),
    ) {
        let mut m = from;
        while m < to {
            let mut spec = Minute {
                visits: day_visits(m),
                rates: [[RATES; 3]; 3],
                aov: 1.0,
                orders_written: true,
            };
            plan(m, &mut spec);
            self.minute(rec, m, &spec);
            m += MINUTE;
        }
    }

    fn minute(&mut self, rec: &mut Recording, m: Millis, spec: &Minute) {
        let mut gmv = 0.0;
        for (ci, (channel, ch_share)) in CHANNELS.iter().enumerate() {
            for (ki, (category, cat_share, aov)) in CATEGORIES.iter().enumerate() {
                let r = spec.rates[ci][ki];
                let visit = self.rng.poisson(spec.visits * ch_share * cat_share);
                let view = self.rng.binomial(visit, r[0]);
                let cart = self.rng.binomial(view, r[1]);
                let order = self.rng.binomial(cart, r[2]);
                let pay = self.rng.binomial(order, r[3]);
                // Funnel counters are flushed once a minute per slice.
                let at = m + (2 + 6 * (ci * 3 + ki) as i64) * SECOND;
                for (stage, n) in [
                    ("visit", visit),
                    ("view", view),
                    ("cart", cart),
                    ("order", order),
                    ("pay", pay),
                ] {
                    rec.traffic(at, stage, n, channel, category);
                }
                for _ in 0..pay {
                    let sigma = 0.5;
                    let amount =
                        aov * spec.aov * (sigma * self.rng.normal() - sigma * sigma / 2.0).exp();
                    let amount = (amount * 100.0).round() / 100.0;
                    let at = m + (self.rng.range(0.0, 59.9) * 1000.0) as Millis;
                    let id = format!("{}-{:07}", self.prefix, self.next_order);
                    self.next_order += 1;
                    let new = self.rng.chance(0.35);
                    if spec.orders_written {
                        rec.order(at, &id, amount, channel, category, new);
                        gmv += amount;
                    }
                }
            }
        }
        self.gmv.insert(m, gmv);
    }

    fn gmv_between(&self, from: Millis, to: Millis) -> f64 {
        self.gmv.range(from..to).map(|(_, g)| g).sum()
    }
}

// ---- the customer-service desk ---------------------------------------------------

#[derive(Clone)]
struct CsMinute {
    sessions: f64,
    /// Share of first replies within 15 s.
    fast: f64,
    complaint: f64,
    refund: f64,
    fcr: f64,
    five_star: f64,
}

impl Default for CsMinute {
    fn default() -> Self {
        CsMinute {
            sessions: 40.0,
            fast: 0.97,
            complaint: 0.01,
            refund: 0.05,
            fcr: 0.92,
            five_star: 0.93,
        }
    }
}

struct Desk {
    rng: Rng,
    next: u64,
}

impl Desk {
    fn new(seed: u64) -> Desk {
        Desk {
            rng: Rng::new(seed),
            next: 1,
        }
    }

    fn run(
        &mut self,
        rec: &mut Recording,
        from: Millis,
        to: Millis,
        mut plan: impl FnMut(Millis, &mut CsMinute),
    ) {
        let mut m = from;
        while m < to {
            let mut spec = CsMinute::default();
            plan(m, &mut spec);
            let n = self.rng.poisson(spec.sessions);
            for _ in 0..n {
                let id = format!("S-{:06}", self.next);
                self.next += 1;
                let open = m + (self.rng.range(0.0, 59.9) * 1000.0) as Millis;
                let mut tags = Vec::new();
                if self.rng.chance(spec.complaint) {
                    tags.push("\"投诉\"");
                }
                if self.rng.chance(spec.refund) {
                    tags.push("\"退款\"");
                }
                let extra = if tags.is_empty() {
                    String::new()
                } else {
                    format!(r#","tags":[{}]"#, tags.join(","))
                };
                rec.cs(open, &id, "open", &extra);
                let wait = if self.rng.chance(spec.fast) {
                    self.rng.range(2.0, 14.5)
                } else {
                    self.rng.range(16.0, 90.0)
                };
                let wait = (wait * 10.0).round() / 10.0;
                let reply = open + (wait * 1000.0) as Millis;
                rec.cs(reply, &id, "first_reply", &format!(r#","wait_s":{wait}"#));
                let resolve = reply + (self.rng.range(60.0, 400.0) * 1000.0) as Millis;
                let first = self.rng.chance(spec.fcr);
                rec.cs(
                    resolve,
                    &id,
                    "resolve",
                    &format!(r#","first_contact":{first}"#),
                );
                if self.rng.chance(0.7) {
                    let score = if self.rng.chance(spec.five_star) {
                        5
                    } else {
                        4
                    };
                    rec.cs(
                        resolve + 20 * SECOND,
                        &id,
                        "rate",
                        &format!(r#","score":{score}"#),
                    );
                }
            }
            m += MINUTE;
        }
    }
}

// ---- config and replay ------------------------------------------------------------

use common::DOUBLE11_PHASES as PHASES;

const BUDGET: &str = r#"
[targets]
roi = 5.0

[budget]
total = 2000000

[budget.phases]
"预热" = 0.3
"爆发" = 0.6
"收尾" = 0.1

[budget.items]
"站内推广" = 800000
"站外营销" = 400000
"商品补贴" = 600000
"内容制作" = 120000
"其他" = 80000
"#;

fn config_text(baseline: Option<&Path>, extra: &str) -> String {
    let mut s = PHASES.to_string();
    if let Some(p) = baseline {
        write!(
            s,
            "\n[baseline]\npath = {:?}\nburst_start = \"2025-11-11T00:00:00+08:00\"\n",
            p.display().to_string()
        )
        .unwrap();
    }
    s.push_str(extra);
    s
}

/// A scratch area: `campaign/`, `baseline/`, and alert logs beside them
/// (never inside a recording, whose .jsonl files are all inputs).
struct Bench {
    root: tempfile::TempDir,
}

struct Run {
    events: Vec<AlertEvent>,
    log_text: String,
    session: Session,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            root: tempfile::tempdir().unwrap(),
        }
    }

    fn campaign(&self) -> PathBuf {
        self.root.path().join("campaign")
    }

    fn baseline(&self) -> PathBuf {
        self.root.path().join("baseline")
    }

    fn replay(&self, cfg_text: &str) -> Run {
        self.replay_dir(&self.campaign(), cfg_text, "alerts.jsonl")
    }

    fn replay_dir(&self, dir: &Path, cfg_text: &str, log_name: &str) -> Run {
        let cfg = Arc::new(Config::parse(cfg_text, "warroom.toml", None).expect("config"));
        let log_path = self.root.path().join(log_name);
        let mut log = AlertLog::create(Some(&log_path)).unwrap();
        let mut events = Vec::new();
        let (session, stats) = replay(dir, cfg, |e| {
            events.extend_from_slice(e);
            log.write(e)?;
            Ok(())
        })
        .expect("replay");
        drop(log);
        assert_eq!(stats.skipped(), 0, "the test recordings are well-formed");
        let log_text = std::fs::read_to_string(&log_path).unwrap();
        check_log(&log_text, &events);
        Run {
            events,
            log_text,
            session,
        }
    }
}

// ---- the alert log contract ------------------------------------------------------

const KEYS: [&str; 12] = [
    "alert_id",
    "transition",
    "at",
    "tier",
    "panel",
    "metric",
    "scope",
    "phase",
    "value",
    "expected",
    "rule",
    "message",
];

/// Every line of the log file against `outputs.md`, and the log file
/// against the events the sink was given.
fn check_log(text: &str, events: &[AlertEvent]) {
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
        .collect();
    assert_eq!(lines.len(), events.len(), "one log line per transition");
    let mut life: BTreeMap<String, (Value, Value, Value, Value, bool)> = BTreeMap::new();
    for (v, e) in lines.iter().zip(events) {
        let o = v.as_object().expect("a log line is an object");
        for k in KEYS {
            assert!(o.contains_key(k), "log line lacks {k:?}: {v}");
        }
        let id = o["alert_id"].as_str().expect("alert_id is a string");
        assert!(!id.is_empty());
        assert_eq!(id, e.alert_id);
        let transition = o["transition"].as_str().expect("transition is a string");
        assert!(
            ["open", "escalate", "deescalate", "resolve", "ack"].contains(&transition),
            "{v}"
        );
        let at_s = o["at"].as_str().expect("at is a string");
        assert!(
            at_s.len() >= 25 && at_s.as_bytes()[10] == b'T' && at_s.ends_with("+08:00"),
            "at must be RFC 3339 with the campaign offset: {at_s}"
        );
        assert_eq!(
            parse_ts_str(at_s, parse_offset("UTC").unwrap()),
            Some(e.at_ms),
            "at is the event time of the transition"
        );
        let tier = o["tier"].as_str().expect("tier is a string");
        assert!(["提醒", "警告", "紧急"].contains(&tier), "{v}");
        let panel = o["panel"].as_str().expect("panel is a string");
        assert!(
            ["sales", "funnel", "budget", "cs", "stock", "feed", "metric"].contains(&panel),
            "{v}"
        );
        assert!(!o["metric"].as_str().expect("metric is a string").is_empty());
        let scope = o["scope"].as_object().expect("scope is an object");
        for (k, sv) in scope {
            assert!(
                ["channel", "category", "sku", "item", "kind", "metric"].contains(&k.as_str()),
                "unexpected scope key {k}: {v}"
            );
            assert!(sv.is_string(), "scope values are strings: {v}");
        }
        let phase = o["phase"]
            .as_str()
            .expect("phase is a string inside a phase");
        assert!(["预热", "爆发", "收尾"].contains(&phase), "{v}");
        for k in ["value", "expected"] {
            assert!(o[k].is_number() || o[k].is_null(), "{k}: {v}");
        }
        assert!(!o["rule"].as_str().expect("rule is a string").is_empty());
        assert!(!o["message"]
            .as_str()
            .expect("message is a string")
            .is_empty());

        // One alert id is one (rule, metric, scope, panel) for its whole life:
        // it starts with open and nothing follows its resolve.
        let who = (
            o["rule"].clone(),
            o["metric"].clone(),
            o["scope"].clone(),
            o["panel"].clone(),
        );
        match life.get_mut(id) {
            None => {
                assert_eq!(transition, "open", "an alert's first line is open: {v}");
                life.insert(
                    id.to_string(),
                    (who.0, who.1, who.2, who.3, transition == "resolve"),
                );
            }
            Some(l) => {
                assert_eq!((&l.0, &l.1, &l.2, &l.3), (&who.0, &who.1, &who.2, &who.3));
                assert!(!l.4, "no transition after resolve: {v}");
                l.4 = transition == "resolve";
            }
        }
    }
}

// ---- reading the events -------------------------------------------------------------

fn of_rule<'a>(events: &'a [AlertEvent], rule: &str) -> Vec<&'a AlertEvent> {
    events.iter().filter(|e| e.rule == rule).collect()
}

fn ids(events: &[&AlertEvent]) -> BTreeSet<String> {
    events.iter().map(|e| e.alert_id.clone()).collect()
}

fn with(events: &[&AlertEvent], t: Transition) -> Vec<AlertEvent> {
    events
        .iter()
        .filter(|e| e.transition == t)
        .map(|e| (*e).clone())
        .collect()
}

/// First moment an alert of these reached `tier` or worse.
fn first_at_least(events: &[&AlertEvent], tier: Tier) -> Option<Millis> {
    events
        .iter()
        .filter(|e| e.tier >= tier && e.transition != Transition::Resolve)
        .map(|e| e.at_ms)
        .min()
}

fn dump(events: &[AlertEvent]) -> String {
    let mut s = format!("{} alert transitions:\n", events.len());
    for e in events {
        writeln!(
            s,
            "  {} {} {:?} {} {} {} {} value={:?} expected={:?} | {}",
            e.at,
            e.alert_id,
            e.transition,
            e.tier,
            e.rule,
            e.metric,
            serde_json::to_string(&e.scope).unwrap(),
            e.value,
            e.expected,
            e.message
        )
        .unwrap();
    }
    s
}

fn minutes(ms: Millis) -> f64 {
    ms as f64 / MINUTE as f64
}

// ---- funnel ratios -------------------------------------------------------------

/// A payment failure across the whole site: order→pay from ~0.95 to 0.30
/// for half an hour.
fn pay_failure_recording(seed: u64) -> Recording {
    let mut rec = Recording::default();
    let mut shop = Shop::new(seed, "O");
    shop.run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        if (day(11, 30)..day(12, 0)).contains(&m) {
            s.set_rate(PAY, 0.30);
        }
    });
    rec
}

#[test]
fn site_wide_pay_failure_is_one_site_alert_that_reaches_emergency_and_resolves() {
    let b = Bench::new();
    pay_failure_recording(11).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let pay = of_rule(&run.events, "pay-conversion-drop");
    let site: Vec<&AlertEvent> = pay.iter().copied().filter(|e| e.scope.is_site()).collect();

    // The site-wide alert: soon, 紧急 within a few evaluations, resolved after.
    assert_eq!(ids(&site).len(), 1, "{all}");
    let open = &with(&site, Transition::Open)[0];
    assert!(
        open.at_ms > day(11, 30) && open.at_ms <= day(11, 36),
        "opens within a few evaluations of the failure: {all}"
    );
    let emergency = first_at_least(&site, Tier::Emergency).expect(&all);
    assert!(emergency <= day(11, 38), "紧急 by 11:38: {all}");
    for e in &site {
        assert_eq!(e.metric, "cr.order_pay");
        assert_eq!(e.panel, Panel::Funnel);
        assert_eq!(e.phase.as_deref(), Some("爆发"));
    }
    // What the room reads: the rate now and the rate it should be.
    let worst = site
        .iter()
        .find(|e| e.tier == Tier::Emergency && e.transition != Transition::Resolve)
        .unwrap();
    assert!(worst.value.unwrap() < 0.6, "{all}");
    let expected = worst.expected.unwrap();
    assert!((0.92..=0.97).contains(&expected), "expected ≈ 0.95: {all}");
    assert!(open.message.contains("支付转化率"), "{}", open.message);
    let resolved = with(&site, Transition::Resolve);
    assert_eq!(resolved.len(), 1, "{all}");
    assert!(
        resolved[0].at_ms > day(12, 0) && resolved[0].at_ms <= day(12, 15),
        "resolves within 15 min of the recovery: {all}"
    );

    // The log file holds the same lines in the contract's shape.
    let line: Value = serde_json::from_str(
        run.log_text
            .lines()
            .find(|l| l.contains(&format!("\"alert_id\":\"{}\"", open.alert_id)))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["transition"], "open");
    assert_eq!(line["panel"], "funnel");
    assert_eq!(line["metric"], "cr.order_pay");
    assert_eq!(line["scope"], serde_json::json!({}));
    assert_eq!(line["phase"], "爆发");
    assert_eq!(line["rule"], "pay-conversion-drop");
    assert!(line["value"].as_f64().unwrap() < line["expected"].as_f64().unwrap());

    // One incident, one alert: the failure is site-wide, so no channel or
    // category alert of its own (not even for a minute before the site one).
    assert_eq!(
        ids(&pay).len(),
        1,
        "a site-wide failure also raised per-slice alerts: {all}"
    );
}

#[test]
fn view_cart_drop_in_one_category_is_scoped_to_that_category() {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut shop = Shop::new(12, "O");
    // 家电's add-to-cart button breaks (product page bug) for 40 minutes.
    shop.run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        if (day(11, 30)..day(12, 10)).contains(&m) {
            s.set_category_rate(JIADIAN, VIEW_CART, 0.08);
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let vc = of_rule(&run.events, "funnel-view-cart-drop");
    assert!(!vc.is_empty(), "the category's drop raises an alert: {all}");
    let jiadian = Scope::one("category", "家电");
    for e in &vc {
        assert_eq!(
            e.scope, jiadian,
            "scoped to the category, neither site-wide nor per channel: {all}"
        );
        assert_eq!(e.metric, "cr.view_cart");
    }
    assert_eq!(ids(&vc).len(), 1, "{all}");
    let open = &with(&vc, Transition::Open)[0];
    assert!(
        open.at_ms > day(11, 30) && open.at_ms <= day(11, 40),
        "{all}"
    );
    let expected = open.expected.unwrap();
    assert!((0.32..=0.38).contains(&expected), "{all}");
    assert!(open.value.unwrap() <= expected * 0.75, "{all}");
    let worst = vc.iter().map(|e| e.value.unwrap()).fold(1.0, f64::min);
    assert!(worst < 0.12, "{all}");
    assert!(
        first_at_least(&vc, Tier::Emergency).is_some(),
        "−77% is 紧急: {all}"
    );
    assert!(
        with(&vc, Transition::Resolve)
            .iter()
            .any(|e| e.at_ms > day(12, 10) && e.at_ms <= day(12, 25)),
        "resolves after the fix: {all}"
    );
}

// ---- sales vs. expectation (static and dynamic thresholds) --------------------------

/// Last year's recording: the same day shape, 20% smaller, `from`–`to` of
/// the campaign's clock.
fn last_year(seed: u64, from: Millis, to: Millis) -> Recording {
    let mut base = Recording::default();
    Shop::new(seed, "B").run(&mut base, from - YEAR, to - YEAR, |m, s| {
        s.visits = day_visits(m) / 1.2
    });
    base
}

fn site_alerts<'a>(events: &'a [AlertEvent], rule: &str) -> Vec<&'a AlertEvent> {
    events
        .iter()
        .filter(|e| e.rule == rule && e.scope.is_site())
        .collect()
}

fn assert_nothing_between(events: &[AlertEvent], from: Millis, to: Millis, what: &str) {
    let inside: Vec<AlertEvent> = events
        .iter()
        .filter(|e| e.at_ms >= from && e.at_ms < to)
        .cloned()
        .collect();
    assert!(
        inside.is_empty(),
        "{what}: nothing between {} and {}, got {}",
        ts(from),
        ts(to),
        dump(events)
    );
}

#[test]
fn sales_drop_against_baseline_fires_on_a_deep_gmv_fall() {
    let b = Bench::new();
    last_year(21, day(4, 0), day(16, 0)).write(&b.baseline());
    // This year: a traffic source outage cuts visits by 55% 12:30–13:15.
    let mut rec = Recording::default();
    let mut shop = Shop::new(22, "O");
    shop.run(&mut rec, day(7, 0), day(14, 0), |m, s| {
        if (day(12, 30)..day(13, 15)).contains(&m) {
            s.visits *= 0.45;
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    let all = dump(&run.events);
    // Three hours of history in: ordinary trading raises nothing.
    assert_nothing_between(&run.events, day(10, 0), day(12, 30), "before the outage");
    let site = site_alerts(&run.events, "sales-drop");
    let warned = first_at_least(&site, Tier::Warning).expect(&all);
    assert!(
        warned <= day(12, 45),
        "a ≥35% GMV fall is at least 警告 within 15 min: {all}"
    );
    let e = site.iter().find(|e| e.at_ms == warned).unwrap();
    assert_eq!((e.metric.as_str(), e.panel), ("gmv", Panel::Sales));
    // The expectation is this year's level (baseline × growth), not last year's.
    let normal_10min = shop.gmv_between(day(11, 0), day(12, 30)) / 9.0;
    let expected = e.expected.unwrap();
    assert!(
        (expected / normal_10min - 1.0).abs() < 0.15,
        "expected {expected:.0} vs this year's usual {normal_10min:.0} per 10 min: {all}"
    );
    assert!(e.value.unwrap() / expected <= 0.65, "{all}");
    assert!(
        with(&site, Transition::Resolve)
            .iter()
            .any(|r| r.at_ms > day(13, 15) && r.at_ms <= day(13, 45)),
        "resolves after traffic returns: {all}"
    );
}

#[test]
fn sales_drop_fires_when_gmv_halves_through_the_order_amount() {
    // A coupon-stacking bug sells everything at half price 12:30–13:15:
    // as many orders as usual, GMV −50%.
    let b = Bench::new();
    last_year(23, day(4, 0), day(16, 0)).write(&b.baseline());
    let mut rec = Recording::default();
    let mut shop = Shop::new(24, "O");
    shop.run(&mut rec, day(7, 0), day(14, 0), |m, s| {
        if (day(12, 30)..day(13, 15)).contains(&m) {
            s.aov = 0.5;
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    let all = dump(&run.events);
    assert_nothing_between(&run.events, day(10, 0), day(12, 30), "before the bug");
    let site = site_alerts(&run.events, "sales-drop");
    let warned = first_at_least(&site, Tier::Warning);
    assert!(
        warned.is_some_and(|t| t <= day(12, 45)),
        "GMV −50% (orders unchanged) is at least 警告 within 15 min: {all}"
    );
}

#[test]
fn last_years_big_ticket_hour_is_not_a_sales_drop_when_orders_and_aov_are_usual() {
    // Last year 12:00–13:00 sold big tickets (AOV ×2, a 家电 flash sale);
    // this year's noon is ordinary: as many orders as usual at the usual
    // AOV. The GMV expectation (last year × level) is twice what comes, but
    // neither the order count nor this year's AOV fell: no sales drop.
    let b = Bench::new();
    let mut base = Recording::default();
    Shop::new(41, "B").run(&mut base, day(4, 0) - YEAR, day(16, 0) - YEAR, |m, s| {
        s.visits = day_visits(m) / 1.2;
        if (day(12, 0) - YEAR..day(13, 0) - YEAR).contains(&m) {
            s.aov = 2.0;
        }
    });
    base.write(&b.baseline());
    let mut rec = Recording::default();
    Shop::new(42, "O").run(&mut rec, day(7, 0), day(14, 0), |_, _| {});
    rec.write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    let site = site_alerts(&run.events, "sales-drop");
    assert!(
        first_at_least(&site, Tier::Warning).is_none(),
        "usual orders at the usual AOV are no sales drop: {}",
        dump(&run.events)
    );
}

#[test]
fn a_rush_judged_on_a_bursty_evening_level_raises_no_sales_warning() {
    // The evening before the rush this year's traffic came in bursts (live
    // streams off and on every 10 minutes: ×0.7, ×1.8), so this year's
    // level against last year's, read off those 10-minute blocks, is
    // uncertain (its median lands on 2.25 or 0.9 where the rush turns out 1.25). The rush
    // itself is last year's ×1.25: judged against so unsure a level it is
    // no sales drop.
    let b = Bench::new();
    let mut base = Recording::default();
    Shop::new(43, "B").run(
        &mut base,
        day(-3, 0) - YEAR,
        day(2, 0) - YEAR,
        rush_plan(1.0),
    );
    base.write(&b.baseline());
    let mut rec = Recording::default();
    let mut plan = rush_plan(1.25);
    Shop::new(44, "O").run(&mut rec, day(-3, 0), day(2, 0), |m, s| {
        plan(m, s);
        if local_hour(m) >= 12.0 {
            let block = (m - day(-3, 0)) / (10 * MINUTE);
            s.visits *= if block % 2 == 0 { 0.7 } else { 1.8 };
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    let sales: Vec<&AlertEvent> = of_rule(&run.events, "sales-drop");
    assert!(
        first_at_least(&sales, Tier::Warning).is_none(),
        "the rush against an uncertain level is no sales drop: {}",
        dump(&run.events)
    );
}

#[test]
fn with_baseline_the_first_hours_of_a_recording_raise_nothing() {
    // The campaign's recording starts at 10:00 (the room started recording
    // then); last year's covers the whole morning. Nothing happens.
    let b = Bench::new();
    last_year(25, day(4, 0), day(16, 0)).write(&b.baseline());
    let mut rec = Recording::default();
    Shop::new(26, "O").run(&mut rec, day(10, 0), day(13, 0), |_, _| {});
    rec.write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    assert!(run.events.is_empty(), "{}", dump(&run.events));
}

/// The 00:00 rush: traffic ×6 decaying over the first hour, carts filled
/// during 预热 converting at once. Last year had it too.
fn rush_plan(scale: f64) -> impl FnMut(Millis, &mut Minute) {
    move |m, s| {
        let midnight = (m + 8 * HOUR).div_euclid(DAY) * DAY - 8 * HOUR;
        if local_hour(m) >= 12.0 {
            // The evening before: 预热, people browse and fill carts.
            s.visits = 1200.0 * scale;
            s.set_rate(CART_ORDER, 0.12);
        } else {
            let x = minutes(m - midnight);
            s.visits = 1200.0 * scale * (1.5 + 5.0 * (-x / 20.0).exp());
            s.set_rate(CART_ORDER, 0.25 + 0.2 * (-x / 15.0).exp());
        }
    }
}

#[test]
fn midnight_rush_in_baseline_and_campaign_raises_nothing() {
    let b = Bench::new();
    let mut base = Recording::default();
    Shop::new(31, "B").run(
        &mut base,
        day(-3, 0) - YEAR,
        day(3, 0) - YEAR,
        rush_plan(1.0),
    );
    base.write(&b.baseline());
    let mut rec = Recording::default();
    Shop::new(32, "O").run(&mut rec, day(-3, 0), day(3, 0), rush_plan(1.25));
    rec.write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    assert!(
        run.events.is_empty(),
        "a rush last year had too is no anomaly: {}",
        dump(&run.events)
    );
    assert!(run.session.engine.evaluations >= 6 * 60 - 2);
}

/// An ordinary day from `from` to `to`, with an outage (visits ×0.4) from
/// `drop_at` for 30 min when given.
fn shop_day(seed: u64, from: Millis, to: Millis, drop_at: Option<Millis>) -> Recording {
    let mut rec = Recording::default();
    Shop::new(seed, "O").run(&mut rec, from, to, |m, s| {
        if drop_at.is_some_and(|d| (d..d + 30 * MINUTE).contains(&m)) {
            s.visits *= 0.4;
        }
    });
    rec
}

fn assert_sales_drop_caught(run: &Run, drop_at: Millis) {
    let all = dump(&run.events);
    let site = site_alerts(&run.events, "sales-drop");
    let warned = first_at_least(&site, Tier::Warning).expect(&all);
    assert!(
        warned > drop_at && warned <= drop_at + 15 * MINUTE,
        "a 60% GMV fall is at least 警告 within 15 min: {all}"
    );
}

#[test]
fn without_baseline_a_steady_day_raises_nothing() {
    let b = Bench::new();
    shop_day(41, day(10, 0), day(13, 0), None).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    assert!(run.session.engine.baseline().is_none());
    assert!(run.events.is_empty(), "{}", dump(&run.events));
}

#[test]
fn without_baseline_the_trend_forecast_catches_a_clear_drop() {
    let b = Bench::new();
    shop_day(42, day(10, 0), day(14, 0), Some(day(13, 0))).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    // Once the trend has an hour of history, ordinary trading is quiet.
    assert_nothing_between(&run.events, day(11, 15), day(13, 0), "before the drop");
    assert_sales_drop_caught(&run, day(13, 0));
}

#[test]
fn after_an_incident_the_trend_forecast_does_not_call_the_recovery_a_drop() {
    let b = Bench::new();
    shop_day(43, day(9, 0), day(14, 0), Some(day(11, 30))).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    assert_sales_drop_caught(&run, day(11, 30));
    // From 12:10 on, every ten-minute window is back to normal trading.
    let late: Vec<AlertEvent> = run
        .events
        .iter()
        .filter(|e| {
            (e.rule == "sales-drop" || e.rule == "traffic-drop")
                && e.transition == Transition::Open
                && e.at_ms >= day(12, 10)
        })
        .cloned()
        .collect();
    assert!(
        late.is_empty(),
        "the recovery was called a drop: {}",
        dump(&run.events)
    );
}

#[test]
fn baseline_shorter_than_the_campaign_falls_back_to_the_trend() {
    let b = Bench::new();
    // Last year's recording stops at 11:30; this year runs to 15:00.
    last_year(51, day(4, 0), day(11, 30)).write(&b.baseline());
    shop_day(52, day(7, 0), day(15, 0), Some(day(14, 0))).write(&b.campaign());
    let run = b.replay(&config_text(Some(&b.baseline()), ""));
    assert!(run.session.engine.baseline().is_some());
    // Quiet while the baseline covers, across the hand-over to the trend
    // (about 11:20) and after it.
    assert_nothing_between(&run.events, day(10, 0), day(14, 0), "before the drop");
    assert_sales_drop_caught(&run, day(14, 0));
}

// ---- flapping ------------------------------------------------------------------

/// Open/resolve transitions per (rule, scope).
fn churn(events: &[&AlertEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e.transition, Transition::Open | Transition::Resolve))
        .count()
}

#[test]
fn conversion_alternating_around_the_notice_threshold_does_not_flap() {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut shop = Shop::new(61, "O");
    // From 11:30 order→pay alternates every minute between 13% and 17%
    // below its usual 0.95, around the 15% 提醒 threshold, for three hours.
    shop.run(&mut rec, day(10, 0), day(14, 30), |m, s| {
        if m >= day(11, 30) {
            let odd = ((m - day(11, 30)) / MINUTE) % 2 == 1;
            s.set_rate(PAY, 0.95 * if odd { 0.83 } else { 0.87 });
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let pay = of_rule(&run.events, "pay-conversion-drop");
    assert!(
        churn(&pay) <= 6,
        "at most three open/resolve pairs in three hours: {}",
        dump(&run.events)
    );
}

#[test]
fn cs_response_rate_hovering_at_the_sla_does_not_flap() {
    let b = Bench::new();
    let mut rec = Recording::default();
    // An hour at 97%, then three hours alternating 90% / 95% every minute:
    // the ten-minute rate sits right at the 95% SLA.
    Desk::new(62).run(&mut rec, day(9, 0), day(13, 0), |m, s| {
        if m >= day(10, 0) {
            s.fast = if ((m - day(10, 0)) / MINUTE) % 2 == 1 {
                0.90
            } else {
                0.95
            };
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let sla = of_rule(&run.events, "cs-response-sla");
    assert!(
        churn(&sla) <= 6,
        "at most three open/resolve pairs in three hours: {}",
        dump(&run.events)
    );
}

// ---- lifecycle: escalate, de-escalate, one id ---------------------------------------

#[test]
fn deepening_then_easing_drop_escalates_deescalates_and_keeps_one_id() {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut shop = Shop::new(71, "O");
    shop.run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        let rate = if (day(11, 30)..day(11, 50)).contains(&m) {
            0.75 // −21%: 提醒
        } else if (day(11, 50)..day(12, 5)).contains(&m) {
            0.40 // −58%: 紧急
        } else if (day(12, 5)..day(12, 25)).contains(&m) {
            0.80 // −16%: back to 提醒
        } else {
            0.95
        };
        s.set_rate(PAY, rate);
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let pay: Vec<&AlertEvent> = site_alerts(&run.events, "pay-conversion-drop");
    assert_eq!(
        ids(&pay).len(),
        1,
        "one alert id for (rule, scope) while it is open: {all}"
    );
    let kinds: Vec<Transition> = pay.iter().map(|e| e.transition).collect();
    assert_eq!(kinds.first(), Some(&Transition::Open), "{all}");
    assert_eq!(kinds.last(), Some(&Transition::Resolve), "{all}");
    let open = &with(&pay, Transition::Open)[0];
    assert!(
        open.at_ms > day(11, 30) && open.at_ms <= day(11, 36),
        "{all}"
    );
    assert_eq!(open.tier, Tier::Notice, "opens at 提醒: {all}");
    let esc = with(&pay, Transition::Escalate);
    assert!(
        esc.iter()
            .any(|e| e.tier == Tier::Emergency && (day(11, 50)..=day(12, 0)).contains(&e.at_ms)),
        "escalates to 紧急 when the drop deepens: {all}"
    );
    let de = with(&pay, Transition::Deescalate);
    assert!(
        de.iter()
            .any(|e| e.tier < Tier::Emergency && (day(12, 5)..=day(12, 25)).contains(&e.at_ms)),
        "de-escalates when it eases: {all}"
    );
    assert!(
        de.iter().all(|e| e.at_ms > day(12, 5)),
        "no de-escalation while it is deep: {all}"
    );
    let resolved = with(&pay, Transition::Resolve);
    assert!(
        resolved[0].at_ms > day(12, 25) && resolved[0].at_ms <= day(12, 40),
        "{all}"
    );
    // Transitions come in time order; the tier of a line is the tier after it.
    for w in pay.windows(2) {
        assert!(w[0].at_ms <= w[1].at_ms);
    }
    let alert = run.session.engine.find(&open.alert_id).unwrap();
    assert_eq!(alert.max_tier, Tier::Emergency);
    assert_eq!(alert.resolved_at, Some(resolved[0].at_ms));
    // The resolve line reports the figure that recovered, not the last bad one.
    assert!(
        resolved[0].value.unwrap() >= 0.9,
        "resolve line says {:?} while order→pay is back at ~0.95: {all}",
        resolved[0].value
    );
}

// ---- budget pace ---------------------------------------------------------------------

const ITEMS: [(&str, f64); 5] = [
    ("站内推广", 800_000.0),
    ("站外营销", 400_000.0),
    ("商品补贴", 600_000.0),
    ("内容制作", 120_000.0),
    ("其他", 80_000.0),
];

/// The spend curve of a 爆发 day: the 00:00 rush, a quiet night, the evening peak.
fn spend_shape(ms: Millis) -> f64 {
    match local_hour(ms) {
        h if h < 1.0 => 3.0,
        h if h < 3.0 => 1.5,
        h if h < 8.0 => 0.3,
        h if h < 19.0 => 1.0,
        h if h < 22.0 => 2.5,
        _ => 1.2,
    }
}

fn shape_total() -> f64 {
    (0..24 * 60).map(|i| spend_shape(day(0, i))).sum()
}

/// Spend per minute of every line from `from` to `to`; `overspend` is the
/// line and the time from which it burns ×3.
fn spend_minutes(
    rec: &mut Recording,
    rng: &mut Rng,
    from: Millis,
    to: Millis,
    scale: f64,
    overspend: Option<(&str, Millis)>,
) {
    let total = shape_total();
    let mut m = from;
    while m < to {
        for (item, plan) in ITEMS {
            let phase_plan = plan * 0.6 * scale;
            let mut amount = phase_plan * spend_shape(m) / total * (1.0 + 0.1 * rng.normal());
            if overspend.is_some_and(|(i, t)| i == item && m >= t) {
                amount *= 3.0;
            }
            rec.spend(m + 30 * SECOND, item, amount.max(0.0));
        }
        m += MINUTE;
    }
}

fn budget_day(overspend: bool) -> Run {
    let b = Bench::new();
    let mut base = Recording::default();
    let mut rng = Rng::new(81);
    // Last year's whole 爆发 day gives the plan its shape.
    spend_minutes(
        &mut base,
        &mut rng,
        day(0, 0) - YEAR,
        day(24, 0) - YEAR,
        0.8,
        None,
    );
    base.write(&b.baseline());
    let mut rec = Recording::default();
    let mut rng = Rng::new(82);
    spend_minutes(
        &mut rec,
        &mut rng,
        day(14, 0),
        day(21, 0),
        1.0,
        overspend.then_some(("站外营销", day(20, 0))),
    );
    rec.write(&b.campaign());
    b.replay(&config_text(Some(&b.baseline()), BUDGET))
}

#[test]
fn budget_line_burning_three_times_its_plan_alerts_within_45_minutes() {
    let run = budget_day(true);
    let all = dump(&run.events);
    let pace = of_rule(&run.events, "budget-pace");
    let line: Vec<&AlertEvent> = pace
        .iter()
        .copied()
        .filter(|e| e.scope == Scope::one("item", "站外营销"))
        .collect();
    let open = with(&line, Transition::Open);
    assert_eq!(open.len(), 1, "{all}");
    assert!(
        open[0].at_ms > day(20, 0) && open[0].at_ms <= day(20, 45),
        "opens within 45 minutes of the overspend: {all}"
    );
    assert_eq!(open[0].metric, "budget.pace");
    assert_eq!(open[0].panel, Panel::Budget);
    // The other lines spend to plan.
    for e in &pace {
        assert!(
            e.scope.is_site() || e.scope == Scope::one("item", "站外营销"),
            "{all}"
        );
        assert!(e.at_ms > day(20, 0), "{all}");
    }
    let worst = line.iter().map(|e| e.value.unwrap()).fold(0.0, f64::max);
    assert!(worst > 2.0, "pace reads about ×3: {all}");
}

#[test]
fn budget_spending_at_plan_raises_nothing() {
    let run = budget_day(false);
    assert!(run.events.is_empty(), "{}", dump(&run.events));
}

// ---- customer service ------------------------------------------------------------------

#[test]
fn a_steady_desk_raises_nothing() {
    // Three ordinary hours: 40 sessions a minute, 97% answered within 15 s,
    // 1% 投诉 and 5% 退款 (normal during 大促), 92% first-contact resolution.
    let b = Bench::new();
    let mut rec = Recording::default();
    Desk::new(90).run(&mut rec, day(10, 0), day(13, 0), |_, _| {});
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    assert!(run.events.is_empty(), "{}", dump(&run.events));
}

#[test]
fn cs_fifteen_second_rate_at_sixty_percent_is_at_least_a_warning() {
    let b = Bench::new();
    let mut rec = Recording::default();
    Desk::new(91).run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        if (day(11, 30)..day(12, 15)).contains(&m) {
            s.fast = 0.60; // the desk is overwhelmed
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let sla = of_rule(&run.events, "cs-response-sla");
    assert!(
        sla.iter().all(|e| e.at_ms > day(11, 30)),
        "nothing at 97%: {all}"
    );
    let warned = first_at_least(&sla, Tier::Warning).expect(&all);
    assert!(warned <= day(11, 50), "警告 within 20 min: {all}");
    for e in &sla {
        assert_eq!(e.scope, Scope::site());
        assert_eq!((e.metric.as_str(), e.panel), ("cs.response_15s", Panel::Cs));
    }
    assert_eq!(ids(&sla).len(), 1, "{all}");
    assert!(
        with(&sla, Transition::Resolve)
            .iter()
            .any(|e| e.at_ms > day(12, 15) && e.at_ms <= day(12, 45)),
        "{all}"
    );
}

/// A rush-volume desk (15 sessions a minute, 96.6% answered within 15 s,
/// as the simulator's rush) from 09:00 to 12:00, with, if given, a
/// ten-minute dip to `dip` at 10:30 and a breach to `fast` with `sessions`
/// a minute from 11:15 to 11:45.
fn rush_desk(seed: u64, dip: Option<f64>, breach: Option<(f64, f64)>) -> Recording {
    let mut rec = Recording::default();
    Desk::new(seed).run(&mut rec, day(9, 0), day(12, 0), |m, s| {
        s.sessions = 15.0;
        s.fast = 0.966;
        if let Some(dip) = dip.filter(|_| (day(10, 30)..day(10, 40)).contains(&m)) {
            s.fast = dip;
        }
        if let Some((fast, sessions)) = breach {
            if (day(11, 15)..day(11, 45)).contains(&m) {
                s.fast = fast;
                s.sessions = sessions;
            }
        }
    });
    rec
}

#[test]
fn a_chance_level_dip_at_rush_volume_does_not_open_the_response_sla() {
    const SEED: u64 = 7;
    const DIP: f64 = 0.93;
    // ~150 first replies in ten minutes at ~90% while the desk answers 96.6%:
    // chance, about once in a few hundred windows, and the rule looks every
    // minute of the day. At the per-window z of 2.58 it opens a 提醒; at the
    // default z (3.09, corrected for the day's looks) it does not.
    let b = Bench::new();
    rush_desk(SEED, Some(DIP), None).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let sla = of_rule(&run.events, "cs-response-sla");
    assert!(sla.is_empty(), "{}", dump(&run.events));
    let per_window = b.replay_dir(
        &b.campaign(),
        &config_text(None, "\n[alerts.rules.cs-response-sla]\nz = 2.58\n"),
        "per-window.jsonl",
    );
    let sla = of_rule(&per_window.events, "cs-response-sla");
    assert!(
        sla.iter()
            .any(|e| (day(10, 30)..day(10, 50)).contains(&e.at_ms)),
        "the dip is one the per-window z would have raised: {}",
        dump(&per_window.events)
    );
}

#[test]
fn a_real_response_sla_breach_still_opens_and_a_collapse_reaches_warning_in_time() {
    // 85% for half an hour at rush volume: a breach the room must see.
    let b = Bench::new();
    rush_desk(7, None, Some((0.85, 15.0))).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let sla = of_rule(&run.events, "cs-response-sla");
    let opened = first_at_least(&sla, Tier::Notice).expect(&all);
    assert!(
        (day(11, 15)..=day(11, 25)).contains(&opened),
        "提醒 within 10 min: {all}"
    );
    assert!(sla.iter().all(|e| e.at_ms >= day(11, 15)), "{all}");
    // A desk swamped (20 sessions a minute) and collapsing to 60%: the
    // tier is read at the per-window z once the breach is confident, so it
    // reaches 警告 within 10 minutes.
    let b = Bench::new();
    rush_desk(7, None, Some((0.60, 20.0))).write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let sla = of_rule(&run.events, "cs-response-sla");
    let warned = first_at_least(&sla, Tier::Warning).expect(&all);
    assert!(warned <= day(11, 25), "警告 within 10 min: {all}");
}

#[test]
fn complaint_spike_raises_cs_complaint_spike() {
    let b = Bench::new();
    let mut rec = Recording::default();
    // A courier loses a day's parcels: 投诉 goes from 1% to 15% of sessions.
    Desk::new(92).run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        if (day(12, 0)..day(12, 20)).contains(&m) {
            s.complaint = 0.15;
        }
    });
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let spike = of_rule(&run.events, "cs-complaint-spike");
    let open = with(&spike, Transition::Open);
    assert_eq!(open.len(), 1, "{all}");
    assert!(
        open[0].at_ms > day(12, 0) && open[0].at_ms <= day(12, 10),
        "{all}"
    );
    assert_eq!(open[0].scope, Scope::site());
    assert_eq!(open[0].metric, "cs.complaints");
    assert_eq!(open[0].panel, Panel::Cs);
    assert!(
        open[0].value.unwrap() > 3.0 * open[0].expected.unwrap(),
        "{all}"
    );
    assert!(
        with(&spike, Transition::Resolve)
            .iter()
            .any(|e| e.at_ms > day(12, 20) && e.at_ms <= day(12, 45)),
        "{all}"
    );
}

// ---- stock ------------------------------------------------------------------------

#[test]
fn hot_sku_out_is_emergency_and_non_hot_below_safety_is_notice_only() {
    let b = Bench::new();
    let mut rec = Recording::default();
    // Background traffic so the stock feed is one of several.
    Desk::new(101).run(&mut rec, day(10, 0), day(12, 0), |_, _| {});
    let mut m = day(10, 0);
    while m < day(12, 0) {
        let k = (m - day(10, 0)) / MINUTE;
        // The hot lipstick sells 15 a minute and is out at 11:00; restocked at 11:40.
        let lip = if m >= day(11, 40) {
            1000 - 15 * (k - 100)
        } else {
            (900 - 15 * k).max(0)
        };
        // A face mask sells slowly and dips below its safety stock at ~11:15.
        let mask = 300 - 2 * k;
        // Another SKU stays healthy.
        let cream = 5000 - 3 * k;
        if k % 2 == 0 {
            rec.stock(m + 40 * SECOND, "LIP-001", lip, 200, true);
            rec.stock(m + 40 * SECOND, "MASK-002", mask, 150, false);
            rec.stock(m + 40 * SECOND, "CREAM-003", cream, 500, false);
        }
        m += MINUTE;
    }
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let stock = of_rule(&run.events, "stock-level");
    let lip: Vec<&AlertEvent> = stock
        .iter()
        .copied()
        .filter(|e| e.scope == Scope::one("sku", "LIP-001"))
        .collect();
    // 900 − 15k < 200 from k = 47 (10:47); 0 at k = 60 (11:00:40).
    let emergency = first_at_least(&lip, Tier::Emergency).expect(&all);
    assert!(
        emergency > day(11, 0) && emergency <= day(11, 2),
        "紧急 at the first judgement after it is out: {all}"
    );
    assert_eq!(ids(&lip).len(), 1, "{all}");
    assert_eq!(lip[0].metric, "stock.on_hand");
    assert_eq!(lip[0].panel, Panel::Stock);
    let e = lip.iter().find(|e| e.at_ms == emergency).unwrap();
    assert_eq!(e.value, Some(0.0));
    assert_eq!(e.expected, Some(200.0));
    assert!(
        with(&lip, Transition::Resolve)
            .iter()
            .any(|e| e.at_ms > day(11, 40) && e.at_ms <= day(11, 44)),
        "resolves after the restock: {all}"
    );

    let mask: Vec<&AlertEvent> = stock
        .iter()
        .copied()
        .filter(|e| e.scope == Scope::one("sku", "MASK-002"))
        .collect();
    assert!(!mask.is_empty(), "{all}");
    assert!(
        mask.iter().all(|e| e.tier == Tier::Notice),
        "a non-hot SKU below safety is only 提醒: {all}"
    );
    let opened = with(&mask, Transition::Open)[0].at_ms;
    assert!(opened > day(11, 15) && opened <= day(11, 18), "{all}");
    assert!(
        stock
            .iter()
            .all(|e| e.scope.get("sku") != Some("CREAM-003")),
        "{all}"
    );
}

// ---- feed stall and inhibition ----------------------------------------------------------

/// A shop whose order pipeline stalls 12:00–12:15 while traffic goes on.
fn replay_with_order_stall() -> Run {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut shop = Shop::new(111, "O");
    shop.run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        if (day(12, 0)..day(12, 15)).contains(&m) {
            s.orders_written = false;
        }
    });
    rec.write(&b.campaign());
    b.replay(&config_text(None, ""))
}

#[test]
fn order_feed_stall_warns_and_inhibits_sales_drop() {
    let run = replay_with_order_stall();
    let all = dump(&run.events);
    let stall = of_rule(&run.events, "feed-stall");
    let open = with(&stall, Transition::Open);
    assert_eq!(open.len(), 1, "{all}");
    assert_eq!(open[0].scope, Scope::one("kind", "order"), "{all}");
    assert_eq!(open[0].tier, Tier::Warning, "{all}");
    assert_eq!(
        (open[0].metric.as_str(), open[0].panel),
        ("feed.stall", Panel::Feed)
    );
    assert!(
        open[0].at_ms > day(12, 0) && open[0].at_ms <= day(12, 8),
        "{all}"
    );
    let resolved = with(&stall, Transition::Resolve);
    assert_eq!(resolved.len(), 1, "{all}");
    let stall_end = resolved[0].at_ms;
    assert!(stall_end > day(12, 15) && stall_end <= day(12, 20), "{all}");
    // While the feed is stalled the business is not blamed for it.
    for e in of_rule(&run.events, "sales-drop") {
        assert!(
            !(e.transition == Transition::Open && e.at_ms >= day(12, 0) && e.at_ms <= stall_end),
            "sales-drop opened during the stall: {all}"
        );
    }
}

#[test]
fn gmv_gap_left_by_a_stalled_order_feed_is_not_a_sales_drop() {
    // Same stall as above. Once orders flow again, the ten-minute GMV window
    // still holds the silent minutes: those are missing data, not lost sales,
    // so no sales-drop should open in the minutes after the feed recovers.
    let run = replay_with_order_stall();
    let sales = of_rule(&run.events, "sales-drop");
    let after: Vec<AlertEvent> = with(&sales, Transition::Open)
        .into_iter()
        .filter(|e| e.at_ms > day(12, 15))
        .collect();
    assert!(
        after.is_empty(),
        "a sales-drop caused by the stall's data gap: {}",
        dump(&run.events)
    );
}

// ---- generic metric -------------------------------------------------------------------

#[test]
fn metric_spike_of_twenty_robust_sigma_raises_metric_anomaly() {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut rng = Rng::new(121);
    let mut cpc = Vec::new();
    let mut m = day(10, 0);
    let spike_at = day(13, 0);
    let mut spike = None;
    while m < day(14, 0) {
        let mut v = 0.41 + 0.01 * rng.normal();
        if m == spike_at {
            // 20 robust σ above the median of the 168 points before it.
            let mut hist: Vec<f64> = cpc.iter().rev().take(168).copied().collect();
            hist.sort_by(f64::total_cmp);
            let med = median(&hist);
            let mut dev: Vec<f64> = hist.iter().map(|x| (x - med).abs()).collect();
            dev.sort_by(f64::total_cmp);
            let sigma = median(&dev) * 1.4826;
            v = med + 20.0 * sigma;
            spike = Some((v, med));
        }
        cpc.push(v);
        rec.metric(m + 15 * SECOND, "cpc", (v * 1e6).round() / 1e6);
        rec.metric(
            m + 15 * SECOND,
            "latency_ms",
            (120.0 + 8.0 * rng.normal()).round(),
        );
        m += MINUTE;
    }
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    let (v, med) = spike.unwrap();
    let anomalies = of_rule(&run.events, "metric-anomaly");
    assert!(
        anomalies.iter().all(|e| e.metric == "cpc"),
        "only the spiking series: {all}"
    );
    let open = with(&anomalies, Transition::Open);
    assert_eq!(open.len(), 1, "{all}");
    let o = &open[0];
    assert_eq!(
        o.at_ms,
        spike_at + MINUTE,
        "judged when its minute closes: {all}"
    );
    assert_eq!(o.panel, Panel::Metric);
    assert_eq!(
        o.tier,
        Tier::Emergency,
        "20σ is past the 紧急 line of 12σ: {all}"
    );
    assert!((o.value.unwrap() - v).abs() < 1e-5, "{all}");
    assert!((o.expected.unwrap() - med).abs() < 1e-5, "{all}");
    assert!(
        with(&anomalies, Transition::Resolve)
            .iter()
            .any(|e| e.at_ms <= spike_at + 6 * MINUTE),
        "{all}"
    );
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

// ---- determinism ----------------------------------------------------------------------

#[test]
fn the_same_stream_gives_the_same_alert_log() {
    let b = Bench::new();
    let mut rec = pay_failure_recording(131);
    Desk::new(132).run(&mut rec, day(10, 0), day(13, 0), |m, s| {
        if (day(12, 0)..day(12, 20)).contains(&m) {
            s.complaint = 0.15;
        }
    });
    let mut m = day(10, 0);
    while m < day(13, 0) {
        let k = (m - day(10, 0)) / MINUTE;
        rec.stock(
            m + 40 * SECOND,
            "LIP-001",
            (1500 - 15 * k).max(0),
            200,
            true,
        );
        m += 2 * MINUTE;
    }
    rec.write(&b.campaign());
    let one = b.root.path().join("one-file");
    rec.write_to(&one, true);
    let cfg = config_text(None, "");
    let first = b.replay_dir(&b.campaign(), &cfg, "a.jsonl");
    let second = b.replay_dir(&b.campaign(), &cfg, "b.jsonl");
    assert!(first.events.len() >= 6, "{}", dump(&first.events));
    assert_eq!(first.events, second.events);
    assert_eq!(first.log_text, second.log_text);
    // The same records split differently across files: the same log.
    let merged = b.replay_dir(&one, &cfg, "c.jsonl");
    assert_eq!(first.log_text, merged.log_text);
}

/// A war room whose every feed stops (the collector died) sees one
/// site-wide 紧急 within minutes, in a replay of the recording as it did live.
/// CS events of sessions already open trickle in for a few minutes: until
/// they end, the other feeds' stall is a 警告 of each, and those stay open
/// while everything is silent.
#[test]
fn every_feed_stopping_at_once_is_one_site_wide_emergency() {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut shop = Shop::new(212, "O");
    let mut desk = Desk::new(213);
    for (from, to) in [(day(10, 0), day(12, 0)), (day(12, 20), day(13, 0))] {
        shop.run(&mut rec, from, to, |_, _| {});
        desk.run(&mut rec, from, to, |_, _| {});
    }
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    // (The recording's own end, 13:00, is a stall of its own: left out.)
    let stall: Vec<&AlertEvent> = of_rule(&run.events, "feed-stall")
        .into_iter()
        .filter(|e| e.at_ms < day(12, 30))
        .collect();
    let open = with(&stall, Transition::Open);
    let site: Vec<&AlertEvent> = open.iter().filter(|e| e.scope.is_site()).collect();
    assert_eq!(site.len(), 1, "{all}");
    assert_eq!(site[0].tier, Tier::Emergency, "{all}");
    assert!(
        site[0].at_ms >= day(12, 5) && site[0].at_ms <= day(12, 15),
        "{all}"
    );
    for e in &open {
        assert!(e.at_ms >= day(12, 5) && e.at_ms <= day(12, 15), "{all}");
    }
    // Nothing lets go before the feeds come back.
    for e in with(&stall, Transition::Resolve) {
        assert!(e.at_ms > day(12, 20), "{all}");
    }
    assert_eq!(with(&stall, Transition::Resolve).len(), open.len(), "{all}");
}

/// A batch feed (satisfaction surveys sent every three hours, 40 at a
/// time, answered at once, no agent replies logged) is silent between its
/// batches by nature: no stall, no backlog of sessions nobody answers.
#[test]
fn a_batch_feed_is_not_an_outage_between_batches_and_has_no_backlog() {
    let b = Bench::new();
    let mut rec = Recording::default();
    let mut n = 0;
    for batch in 0..8 {
        let at = day(0, 0) + batch * 3 * 60 * MINUTE;
        for i in 0..40 {
            n += 1;
            let id = format!("R-{n:05}");
            let ms = at + i * 1_000;
            rec.cs(ms, &id, "open", "");
            rec.cs(ms + 500, &id, "rate", &format!(r#","score":{}"#, 4 + i % 2));
        }
    }
    rec.write(&b.campaign());
    let run = b.replay(&config_text(None, ""));
    let all = dump(&run.events);
    assert!(of_rule(&run.events, "feed-stall").is_empty(), "{all}");
    assert!(of_rule(&run.events, "cs-backlog").is_empty(), "{all}");
    assert!(run.events.iter().all(|e| e.tier < Tier::Warning), "{all}");
}
