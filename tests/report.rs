//! `warroom report`: the 复盘 of the shipped sample. Its figures are checked
//! against the run summary and its incident table against the alert log,
//! each read here as plain JSON; acks come from the room's log.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;

use warroom::config::Config;
use warroom::report::{self, AlertSource, LogLine};
use warroom::view::text::Lang;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The sample replayed: its summary and alert log as JSON text.
fn sample() -> (Arc<Config>, Value, Vec<String>, String) {
    let cfg = Arc::new(Config::load(&root().join("sample-data/warroom.toml")).unwrap());
    let mut log = Vec::new();
    let (session, stats) = warroom::session::replay(
        &root().join("sample-data/campaign"),
        cfg.clone(),
        |events| {
            log.extend(events.iter().map(|e| serde_json::to_string(e).unwrap()));
            Ok(())
        },
    )
    .unwrap();
    let summary = session.summary(&stats);
    let lines: Vec<LogLine> = log.iter().map(|l| LogLine::parse(l).unwrap()).collect();
    let text = report::render(
        &summary,
        &cfg,
        &report::incidents(&lines),
        &AlertSource::Replay,
        Lang::En,
    );
    (cfg, serde_json::to_value(&summary).unwrap(), log, text)
}

/// The rows of the Markdown table under `heading`, as cells.
fn table(text: &str, heading: &str) -> Vec<Vec<String>> {
    let from = text.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    text[from..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn plan_against_actual_is_the_summary_against_the_configured_targets() {
    let (cfg, summary, _, text) = sample();
    let targets: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("sample-data/warroom.toml")).unwrap())
            .unwrap();
    let number = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap();
    let gmv_target = number(&targets["targets"]["gmv"]);
    let new_target = number(&targets["targets"]["new_customers"]);
    let gmv = summary["totals"]["gmv"].as_f64().unwrap();
    let new = summary["totals"]["new_customers"].as_f64().unwrap();
    let rows = table(&text, "## 1.");
    let reached = |name: &str| -> String {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no {name} row in {rows:?}"))[3]
            .clone()
    };
    let pct = |a: f64, b: f64| format!("{:.0}%", a / b * 100.0);
    let mark = |a: f64, b: f64| if a >= b { "✓" } else { "✗" };
    assert_eq!(
        reached("GMV"),
        format!("{} {}", pct(gmv, gmv_target), mark(gmv, gmv_target))
    );
    assert_eq!(
        reached("new customers"),
        format!("{} {}", pct(new, new_target), mark(new, new_target))
    );
    // One row per configured phase, then the whole run, in config order.
    let phases = table(&text, "## 2.");
    assert_eq!(phases.len(), cfg.phases.len() + 1);
    let names = targets["phase"].as_array().unwrap();
    assert_eq!(names.len(), cfg.phases.len());
    for (row, phase) in phases.iter().zip(names) {
        let want = match phase["name"].as_str().unwrap() {
            "预热" => "warm-up",
            "爆发" => "burst",
            "收尾" => "wrap-up",
            other => other,
        };
        assert_eq!(row[0], want);
    }
    let orders = summary["totals"]["orders"].as_u64().unwrap();
    assert_eq!(phases.last().unwrap()[3], group(orders));
}

#[test]
fn budget_lines_cover_every_yuan_spent_and_every_planned_line() {
    let (_, summary, _, text) = sample();
    let config: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("sample-data/warroom.toml")).unwrap())
            .unwrap();
    let planned: Vec<&String> = config["budget"]["items"]
        .as_table()
        .unwrap()
        .keys()
        .collect();
    let lines = summary["budget_lines"].as_object().unwrap();
    for name in &planned {
        assert!(lines.contains_key(*name), "planned line {name} missing");
    }
    // Every spend record names its line: the lines add up to the total.
    let cents = |v: &Value| (v.as_f64().unwrap() * 100.0).round() as i64;
    let sum: i64 = lines.values().map(|l| cents(&l["spend"])).sum();
    let total = cents(&summary["totals"]["spend"]);
    assert!(
        (sum - total).abs() <= lines.len() as i64,
        "{sum} vs {total}"
    );
    let rows = table(&text, "## 3.");
    assert_eq!(rows.len(), lines.len());
    for r in &rows {
        assert!(lines.contains_key(&r[0]), "{r:?}");
    }
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn every_alert_that_reached_a_warning_is_in_the_timeline_at_its_highest_tier() {
    let (_, _, log, text) = sample();
    // The log read here: alert id → (first `at`, highest tier).
    let rank = |t: &str| {
        ["提醒", "警告", "紧急"]
            .iter()
            .position(|x| *x == t)
            .unwrap()
    };
    let mut alerts: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for line in &log {
        let v: Value = serde_json::from_str(line).unwrap();
        let id = v["alert_id"].as_str().unwrap().to_string();
        let tier = rank(v["tier"].as_str().unwrap());
        let e = alerts
            .entry(id)
            .or_insert((v["at"].as_str().unwrap().to_string(), tier));
        e.1 = e.1.max(tier);
    }
    let serious: Vec<(&String, &(String, usize))> =
        alerts.iter().filter(|(_, (_, t))| *t >= 1).collect();
    assert!(
        serious.len() >= 5,
        "the sample has its incidents: {serious:?}"
    );
    let rows = table(&text, "## 6.");
    assert_eq!(rows.len(), serious.len(), "{rows:?}");
    let tier_en = ["notice", "warning", "emergency"];
    for (id, (at, tier)) in serious {
        let row = rows
            .iter()
            .find(|r| &r[0] == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(row[2], tier_en[*tier], "{id}");
        // `at` is RFC 3339; the table shows MM-DD HH:MM:SS.
        assert_eq!(row[1], format!("{} {}", &at[5..10], &at[11..19]), "{id}");
        // Nobody acked a replay.
        assert_eq!(row[7], "-", "{id}");
    }
}

#[test]
fn acks_in_the_rooms_log_give_the_times_to_ack() {
    let (cfg, summary, mut log, _) = sample();
    // The room acked the first two emergencies 3 and 10 minutes after they
    // opened.
    let opens: Vec<Value> = log
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["transition"] == "open")
        .collect();
    let mut tiers: BTreeMap<String, &str> = BTreeMap::new();
    for l in &log {
        let v: Value = serde_json::from_str(l).unwrap();
        let t = tiers
            .entry(v["alert_id"].as_str().unwrap().into())
            .or_default();
        if v["tier"] == "紧急" {
            *t = "紧急";
        }
    }
    let emergencies: Vec<&Value> = opens
        .iter()
        .filter(|v| tiers[v["alert_id"].as_str().unwrap()] == "紧急")
        .take(2)
        .collect();
    assert_eq!(emergencies.len(), 2);
    for (v, minutes) in emergencies.iter().zip([3, 10]) {
        let opened = chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap()).unwrap();
        let mut ack = (*v).clone();
        ack["transition"] = "ack".into();
        ack["at"] = (opened + chrono::Duration::minutes(minutes))
            .to_rfc3339()
            .into();
        log.push(ack.to_string());
    }
    let lines: Vec<LogLine> = log.iter().map(|l| LogLine::parse(l).unwrap()).collect();
    let summary: warroom::summary::Summary = {
        // Rebuild the typed summary: render takes the product's own type.
        let (session, stats) = warroom::session::replay(
            &root().join("sample-data/campaign"),
            cfg.clone(),
            |_| Ok(()),
        )
        .unwrap();
        let s = session.summary(&stats);
        assert_eq!(serde_json::to_value(&s).unwrap(), summary);
        s
    };
    let text = report::render(
        &summary,
        &cfg,
        &report::incidents(&lines),
        &AlertSource::Log("room.jsonl".into()),
        Lang::En,
    );
    let speed = table(&text, "## 7.");
    let emergency = speed.iter().find(|r| r[0] == "emergency").unwrap();
    assert_eq!(emergency[2], "2", "acked: {emergency:?}");
    assert_eq!(
        emergency[3], "10m / 10m",
        "median (upper) / max: {emergency:?}"
    );
    assert!(text.contains("the room's alert log room.jsonl"));
}

#[test]
fn report_command_reads_a_log_skips_its_bad_lines_and_writes_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("room.jsonl");
    let out = tmp.path().join("复盘.md");
    std::fs::write(
        &log,
        "{\"alert_id\":\"A-1\",\"transition\":\"open\",\"at\":\"2026-11-11T12:02:00+08:00\",\"tier\":\"紧急\",\"metric\":\"cr.order_pay\",\"scope\":{},\"value\":0.3,\"expected\":0.95,\"rule\":\"pay-conversion-drop\"}\nnot json\n{\"alert_id\":\"A-1\",\"transition\":\"ack\",\"at\":\"2026-11-11T12:06:00+08:00\",\"tier\":\"紧急\",\"scope\":{}}\n",
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .current_dir(root())
        .args(["report", "sample-data/campaign", "--alerts-log"])
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("room.jsonl:2: skipped: invalid JSON"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# 复盘: "), "{text}");
    let rows = table(&text, "## 6.");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], "A-1");
    assert_eq!(rows[0][7], "4m", "time to ack: {:?}", rows[0]);
}

#[test]
fn the_sample_report_reads_as_before() {
    let (_, _, _, text) = sample();
    insta::assert_snapshot!("report_sample_en", text);
}

/// A recording of orders only (a shop's invoices): the funnel and CS
/// sections say there is nothing to judge instead of a table of dashes.
#[test]
fn sections_without_their_data_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = tmp.path().join("campaign");
    std::fs::create_dir_all(&rec).unwrap();
    let lines: String = (0..30)
        .map(|i| {
            format!(
                "{{\"ts\":\"2026-11-11T10:{i:02}:00+08:00\",\"kind\":\"order\",\"order_id\":\"O{i}\",\"amount\":{}.5}}\n",
                100 + i
            )
        })
        .collect();
    std::fs::write(rec.join("orders.jsonl"), lines).unwrap();
    let cfg = tmp.path().join("warroom.toml");
    std::fs::write(
        &cfg,
        "[campaign]\nname = \"shop\"\ntimezone = \"+08:00\"\n[[phase]]\nname = \"爆发\"\nstart = \"2026-11-11T00:00:00+08:00\"\nend = \"2026-11-12T00:00:00+08:00\"\n",
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", rec.to_str().unwrap(), "--lang", "en"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.contains("The data has no traffic records."), "{text}");
    assert!(
        text.contains("The data has no customer-service records."),
        "{text}"
    );
    assert!(!text.contains("| visit→view |"), "{text}");
    // The orders are there: 30 of them, GMV 30 × 100.5 + Σ i = 3,450.
    let phases = table(&text, "## 2.");
    assert_eq!(phases[0][3], "30", "{phases:?}");
    assert_eq!(phases[0][2], "¥3,450", "{phases:?}");
}
