//! `warroom convert rees46` on the real REES46 prefix (2019-10-01
//! 00:00–02:50 UTC), checked against figures computed here from the raw CSV
//! with the `csv` crate alone, then replayed.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use warroom::alerts::model::{AlertEvent, Panel, Tier, Transition};
use warroom::convert::Format;

fn source() -> PathBuf {
    common::real_data("rees46-oct2019-head/2019-Oct_head_0000-0250UTC.csv")
}

/// What the raw file says, under the mapping of docs/real-data.md.
#[derive(Default, Debug)]
struct Raw {
    rows: u64,
    by_type: BTreeMap<String, u64>,
    sessions: HashSet<String>,
    /// Distinct (session, product, time) purchases and their price in cents.
    purchases: BTreeMap<(String, String, String), i64>,
    /// Distinct (minute, top-level category, stage) of the traffic written.
    keys: HashSet<(String, String, &'static str)>,
    /// Events per 10-minute block ("HH:M").
    per_10min: BTreeMap<String, u64>,
}

fn cents(price: &str) -> i64 {
    let (int, frac) = price.split_once('.').unwrap_or((price, ""));
    let frac = format!("{frac:0<2}");
    assert_eq!(frac.len(), 2, "{price}");
    int.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

fn read_raw(path: &Path) -> Raw {
    let mut raw = Raw::default();
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let h = rdr.headers().unwrap().clone();
    let idx = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (t, ty, p, cc, pr, s) = (
        idx("event_time"),
        idx("event_type"),
        idx("product_id"),
        idx("category_code"),
        idx("price"),
        idx("user_session"),
    );
    for r in rdr.records() {
        let r = r.unwrap();
        raw.rows += 1;
        *raw.by_type.entry(r[ty].to_string()).or_default() += 1;
        let minute = r[t][..16].to_string();
        *raw.per_10min.entry(r[t][11..15].to_string()).or_default() += 1;
        let cat = r[cc].split('.').next().unwrap().to_string();
        if raw.sessions.insert(r[s].to_string()) {
            raw.keys.insert((minute.clone(), cat.clone(), "visit"));
        }
        match &r[ty] {
            "purchase" => {
                raw.purchases.insert(
                    (r[s].to_string(), r[p].to_string(), r[t].to_string()),
                    cents(&r[pr]),
                );
                raw.keys.insert((minute.clone(), cat.clone(), "order"));
                raw.keys.insert((minute, cat, "pay"));
            }
            "view" => drop(raw.keys.insert((minute, cat, "view"))),
            "cart" => drop(raw.keys.insert((minute, cat, "cart"))),
            other => panic!("event_type {other}"),
        }
    }
    raw
}

#[test]
fn rees46_converts_and_replays_to_the_raw_figures() {
    let raw = read_raw(&source());
    let dir = tempfile::tempdir().unwrap();
    let report = Format::Rees46.convert(&source(), dir.path()).unwrap();

    // The conversion: every row read, none skipped; one order record per
    // purchase row; visits = sessions; the order/pay stages count distinct
    // order ids (the file has no repeated purchase row, so both agree).
    assert_eq!(report.rows, raw.rows);
    assert_eq!(report.skipped, 0, "{:?}", report.first_skipped);
    let purchases = raw.by_type["purchase"];
    assert_eq!(purchases, raw.purchases.len() as u64, "repeated purchases");
    assert_eq!(report.by_kind["order"], purchases);
    assert_eq!(report.by_kind["traffic"], raw.keys.len() as u64);
    let distinct = raw.purchases.len() as u64;
    assert_eq!(
        report.stages,
        [
            raw.sessions.len() as u64,
            raw.by_type["view"],
            raw.by_type["cart"],
            distinct,
            distinct,
        ]
    );
    assert!(!raw.by_type.contains_key("remove_from_cart"));

    // The replayed run summary.
    let (events, summary) = common::replay_summary(
        &dir.path().join("campaign"),
        &dir.path().join("warroom.toml"),
    );
    let totals = &summary["totals"];
    let gmv_cents: i64 = raw.purchases.values().sum();
    assert_eq!(
        (totals["gmv"].as_f64().unwrap() * 100.0).round() as i64,
        gmv_cents
    );
    assert_eq!(totals["orders"].as_u64().unwrap(), distinct);
    assert_eq!(totals["visit"].as_u64().unwrap(), raw.sessions.len() as u64);
    let cr = distinct as f64 / raw.sessions.len() as f64;
    assert!((totals["cr_overall"].as_f64().unwrap() - cr).abs() < 1e-12);
    assert_eq!(summary["records"]["skipped"], 0);
    assert_eq!(summary["records"]["duplicates"], 0);

    // What the room raises. The collapse: 10-minute blocks with under a
    // tenth of the first block's events (the README's 00:20–02:10). A
    // traffic drop that deep and long must be flagged, site-wide, while it
    // lasts; the recovery (traffic far above the opening level) must not be
    // called a drop; and a funnel this sparse (a purchase every few minutes
    // in the collapse) must not raise a conversion alert at 警告 or above.
    let first = *raw.per_10min.values().next().unwrap();
    // The first run of such blocks (the slice's last, partial block is
    // small too, and is not part of it).
    let collapsed: Vec<&String> = raw
        .per_10min
        .iter()
        .skip_while(|(_, n)| **n * 10 >= first)
        .take_while(|(_, n)| **n * 10 < first)
        .map(|(k, _)| k)
        .collect();
    let at = |hm: &str| -> i64 {
        let (h, m) = (&hm[..2], &hm[3..4]);
        let t = format!("2019-10-01T{h}:{m}0:00Z");
        chrono::DateTime::parse_from_rfc3339(&t)
            .unwrap()
            .timestamp_millis()
    };
    let collapse = (
        at(collapsed[0]),
        at(collapsed[collapsed.len() - 1]) + 10 * 60_000,
    );
    let drops: Vec<&AlertEvent> = events
        .iter()
        .filter(|e| e.rule == "traffic-drop" && e.transition == Transition::Open)
        .collect();
    assert!(
        drops.iter().any(|e| e.tier >= Tier::Warning
            && e.scope.is_site()
            && (collapse.0..collapse.1).contains(&e.at_ms)),
        "collapse {collapse:?} not flagged: {events:#?}"
    );
    // ...and it stays open while the traffic is gone: the collapse drags
    // the trailing level down with it, which must not clear the alert.
    let site_drop = drops
        .iter()
        .find(|e| e.scope.is_site() && (collapse.0..collapse.1).contains(&e.at_ms))
        .unwrap();
    let resolved = events
        .iter()
        .find(|e| e.alert_id == site_drop.alert_id && e.transition == Transition::Resolve);
    if let Some(r) = resolved {
        assert!(
            r.at_ms >= collapse.1,
            "resolved at {} inside the collapse {collapse:?}",
            r.at
        );
    }
    for e in &events {
        let drop_rule = e.rule.ends_with("-drop");
        assert!(
            !(drop_rule && e.transition == Transition::Open && e.at_ms >= collapse.1),
            "a drop in the recovery: {e:?}"
        );
        assert!(
            !(e.metric.starts_with("cr.") && e.tier >= Tier::Warning),
            "conversion alert on a sparse funnel: {e:?}"
        );
        assert!(
            matches!(e.panel, Panel::Funnel | Panel::Sales | Panel::Feed),
            "no CS, budget or stock data: {e:?}"
        );
    }
}

/// A bad row is skipped with its line number; the rows after it count.
#[test]
fn rees46_skips_a_malformed_row_and_reads_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.csv");
    std::fs::write(
        &input,
        "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n\
         2019-10-01 00:00:00 UTC,view,1,2,appliances.kitchen,a,10.00,7,s1\n\
         2019-10-01 00:00:0x UTC,view,1,2,appliances.kitchen,a,10.00,7,s1\n\
         2019-10-01 00:01:00 UTC,purchase,1,2,appliances.kitchen,a,not-a-price,7,s1\n\
         2019-10-01 00:01:00 UTC,purchase,1,2,appliances.kitchen,a,10.50,7,s1\n\
         2019-10-01 00:02:00 UTC,cart,3,2,,b,5.00,8,s2\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = Format::Rees46.convert(&input, &out).unwrap();
    assert_eq!(r.rows, 5);
    assert_eq!(r.skipped, 2);
    assert!(r.first_skipped[0].starts_with("events.csv:3:"), "{r:?}");
    assert!(r.first_skipped[1].starts_with("events.csv:4:"), "{r:?}");
    assert_eq!(r.stages, [2, 1, 1, 1, 1]);
    assert_eq!(r.by_kind["order"], 1);
    let text = std::fs::read_to_string(&r.recording).unwrap();
    assert!(text.contains("\"amount\":10.5"), "{text}");
    assert!(text.contains("\"category\":\"appliances\""), "{text}");
}
