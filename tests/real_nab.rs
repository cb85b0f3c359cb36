//! Real data nobody here wrote: the NAB ad-exchange series (two-column
//! `timestamp,value` CSVs) replay as `metric` series whose count and sum
//! match the files, computed independently with the csv crate.

mod common;

use std::sync::Arc;

use warroom::config::Config;
use warroom::ingest::replay_to_end;
use warroom::summary::Summary;

#[test]
fn nab_adexchange_series_replay_with_exact_counts_and_sums() {
    let dir = common::real_data("nab-adexchange/realAdExchange");
    assert!(dir.is_dir(), "shared data missing: {}", dir.display());
    let cfg = Config::parse(
        &common::config_text("2011-07-01T00:00:00Z", "2011-09-08T00:00:00Z", "UTC"),
        "t.toml",
        None,
    )
    .unwrap();
    let (state, stats) = replay_to_end(&dir, Arc::new(cfg)).unwrap();
    let summary = Summary::build(&state, &stats, [0; 3]);
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let (mut count, mut sum) = (0u64, 0f64);
        let mut min = f64::INFINITY;
        for row in rdr.records() {
            let row = row.unwrap();
            let v: f64 = row[1].parse().unwrap();
            count += 1;
            sum += v;
            min = min.min(v);
        }
        let got = summary
            .metrics
            .0
            .iter()
            .find(|(n, _)| *n == stem)
            .unwrap_or_else(|| panic!("no series {stem}"));
        assert_eq!(got.1.count, count, "{stem}");
        assert!(
            (got.1.sum - sum).abs() <= 1e-9 * sum.abs().max(1.0),
            "{stem}: {} vs {sum}",
            got.1.sum
        );
        assert_eq!(got.1.min, min, "{stem}");
        files += 1;
    }
    assert_eq!(files, 6);
    assert_eq!(summary.records.read, 9610);
    assert_eq!(summary.records.skipped, 0);
    // Each exchange-2 file has a duplicated timestamp: both rows count.
    assert_eq!(
        summary
            .metrics
            .0
            .iter()
            .find(|(n, _)| n == "exchange-2_cpc_results")
            .unwrap()
            .1
            .count,
        1624
    );
}

#[test]
fn nab_tweets_series_reads_in_campaign_timezone() {
    let dir = common::real_data("nab-adexchange/realTweets");
    let cfg = Config::parse(
        &common::config_text("2015-02-26T00:00:00Z", "2015-04-23T00:00:00Z", "UTC"),
        "t.toml",
        None,
    )
    .unwrap();
    let (state, stats) = replay_to_end(&dir, Arc::new(cfg)).unwrap();
    let s = Summary::build(&state, &stats, [0; 3]);
    let m = &s.metrics.0[0];
    assert_eq!(m.0, "Twitter_volume_AMZN");
    assert_eq!(m.1.count, 15_831);
    assert_eq!(m.1.first, "2015-02-26T21:42:53+00:00");
    assert_eq!(s.phases.0[0].1.visit, 0);
}
