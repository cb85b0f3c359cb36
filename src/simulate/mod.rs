//! Campaign simulator: writes a realistic 大促 recording (双11, 618, 双12) with a known set
//! of incidents, the config a war room needs to watch it, and the ground truth.
//!
//! # Output (`OUT` = [`SimOptions::out`])
//! - `OUT/campaign/`: the recording; every file is an input per the data contract:
//!   - `traffic.csv`: header `ts,kind,stage,count,channel,category`; one row per
//!     (channel, category, stage) per minute in 爆发 and per 5 minutes in 预热/收尾, `ts` at
//!     the step start. **`ts` in this file is epoch milliseconds** (compact, and the feed
//!     that exercises the epoch-ms path); every other file uses RFC 3339 with `+08:00`.
//!     With [`SimOptions::compact`]: no rows with count 0, and 预热 rows per 10 minutes.
//!   - `orders.jsonl`: one line per paid order (`order_id` `O-1-00001234`, `customer`
//!     new/returning, no `status` = paid); ~0.5 % exact duplicate lines 1–10 s later;
//!     ~3 % refund lines (`"status":"refunded"`, same id and amount, hours later; 5 % of
//!     the orders of 收尾). File order is write order: a line is at most 30 s behind the
//!     newest line before it (producer jitter), except a handful written 3–5 min late.
//!   - `spend.jsonl`: per minute 站内推广 (搜索 60 %, 推荐 40 %) and 站外营销 (站外), evenly
//!     paced (匀速投放) with noise; 商品补贴 (no channel) proportional to the minute's GMV;
//!     内容制作 (直播) every 10 minutes; 其他 hourly. Each line spends its phase plan
//!     (预热:爆发:收尾 = 3:6:1 of its `[budget.items]` amount); total ≈ GMV / 6.
//!   - `cs.jsonl`: sessions `S-1-0000001`: `open` (optional `tags`: 退款, 物流, 投诉, 差评),
//!     `first_reply` (`wait_s`), optional `escalate`, `resolve` (`first_contact`), optional
//!     `rate` (`score`). Opens per minute = 1.5 % of the minute's paid orders + a base of
//!     4 × scale (pre-sale questions), so that CS volume and the complaint share are
//!     measurable over 10 minutes at scale 0.5 (~2 opens a minute at night, ~2.4 at the
//!     evening peak). ~1 % of opens carry 投诉; ~18 % during the complaint spike.
//!   - `stock.jsonl`: 12 SKUs (6 hot) every 5 minutes plus, in 爆发, a line per minute for
//!     a hot SKU whose level changed; every line has `on_hand`, `safety`, `hot`, `category`.
//! - `OUT/baseline/`: last year's recording (same calendar days, level 0.8×, other noise,
//!   no incidents, no bad lines; ids `O-0-…`, `S-0-…`), only with `with_baseline`. With
//!   [`SimOptions::compact`] it is a reference curve: traffic rows (no zero rows) and the
//!   spend of each (item, channel) per 5 minutes, `ts` at the window start; every order,
//!   CS session and stock line is kept.
//! - `OUT/warroom.toml`: config.md's minimal shape; targets and budget come from the
//!   expected (noise- and incident-free) figures. Written before the campaign.
//! - `OUT/truth.json`: the eight incidents (all in 爆发 between 06:00 and 23:50, seeded times and
//!   scopes) and the counts in `campaign/`: `bad_lines` (malformed lines), `duplicates`
//!   (repeated order lines), `late_records` (lines more than 2 minutes behind the newest
//!   line of their file, i.e. what a reader with the default lateness counts as late).
//!   Written last.
//!
//! Everything is deterministic for (scenario, seed, scale): each feed has its own ChaCha8
//! stream derived from the seed, and nothing is iterated in hash order. Generation streams
//! (memory stays small at any scale). `compact` draws the same events: it only sums
//! traffic (and the baseline's spend) over longer windows and drops zero rows, so every
//! other file is byte-identical to the full output of the same options.
//!
//! Size (double11, seed 11, with baseline and bad lines; `du -sb` of `OUT`, in 10^6 bytes):
//! full ≈ 43.4 MB at scale 1; compact ≈ 34.7 MB at scale 1, 22.2 at 0.5, 19.52 at 0.4,
//! 18.2 at 0.35. About 10 MB of a compact run barely shrinks with the scale (a traffic row
//! per minute and key in 爆发, per-minute campaign spend, stock); the rest is ≈ 25 MB × scale.

mod gen;
mod incidents;
mod output;
mod scenario;
mod sink;
mod stock;
mod text;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context as _};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use gen::{derive_seed, GenOptions, Granularity, Plan};
use sink::Sink;

/// How fast the campaign is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pacing {
    /// As fast as possible.
    Instant,
    /// In real time, `x`× faster than event time (records in event-time order across
    /// files, flushed after each event second).
    Speed(f64),
}

#[derive(Clone, Debug)]
pub struct SimOptions {
    pub out: PathBuf,
    pub seed: u64,
    /// One of [`scenarios()`]: "double11" | "618" | "double12".
    pub scenario: String,
    pub pacing: Pacing,
    /// 1.0 = default size (double11: ~47k paid orders); multiplies all counts.
    pub scale: f64,
    pub with_baseline: bool,
    /// Inject a few malformed lines into orders.jsonl and cs.jsonl.
    pub bad_lines: bool,
    /// Smaller output, for a sample kept in git: traffic rows whose count is 0 are omitted
    /// (campaign and baseline), the campaign's 预热 traffic is written at 10-minute steps,
    /// and the baseline's traffic and spend at 5-minute steps, the baseline clipped to 爆发
    /// (from 3 h before its start to 1 h after its end). The same events are drawn,
    /// so orders, CS, stock, incidents and truth semantics are those of the full output.
    pub compact: bool,
}

#[derive(Clone, Debug)]
pub struct SimReport {
    /// Lines written to `OUT/campaign/` (CSV header not counted).
    pub records: u64,
    /// Bytes written to `OUT/campaign/`.
    pub bytes: u64,
    pub incidents: usize,
    pub campaign_dir: PathBuf,
    pub config_path: PathBuf,
    pub truth_path: PathBuf,
}

/// The scenario names [`SimOptions::scenario`] accepts.
pub fn scenarios() -> &'static [&'static str] {
    &["double11", "618", "double12"]
}

/// Generates the whole recording; see the module docs.
pub fn run(opts: &SimOptions) -> anyhow::Result<SimReport> {
    let never = AtomicBool::new(false);
    run_with_stop(opts, &never)
}

/// Like [`run`], but stops (between event-second groups of a paced run, or between
/// generation steps of an instant one) once `stop` is set. `truth.json` is then written
/// with `"complete": false` and counts of what was written.
pub fn run_with_stop(opts: &SimOptions, stop: &AtomicBool) -> anyhow::Result<SimReport> {
    let Some(sc) = scenario::find(&opts.scenario) else {
        bail!(
            "unknown scenario {:?} (expected one of {})",
            opts.scenario,
            scenarios().join(", ")
        );
    };
    if !(opts.scale.is_finite() && opts.scale > 0.0) {
        bail!("scale must be a positive number, got {}", opts.scale);
    }
    if let Pacing::Speed(x) = opts.pacing {
        if !(x.is_finite() && x > 0.0) {
            bail!("speed must be a positive number, got {x}");
        }
    }
    let out = &opts.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;

    let eff = opts.scale * sc.scale;
    let plan = Plan::new(sc, sc.year, eff);
    let mut sched_rng = ChaCha8Rng::seed_from_u64(derive_seed(opts.seed, &[sc.key, "incidents"]));
    let incidents = incidents::schedule(&plan.cal, &mut sched_rng);

    // Last year's recording first: it is history by the time the campaign runs.
    let base_plan = opts
        .with_baseline
        .then(|| Plan::new(sc, sc.year - 1, eff * 0.8));
    let mut base_counts = None;
    if let Some(bp) = &base_plan {
        let never = AtomicBool::new(false);
        let mut sink = Sink::create(
            &out.join("baseline"),
            bp.cal.wrap_end,
            None,
            Pacing::Instant,
            &never,
        )?;
        if opts.compact {
            // The rules read the baseline around 爆发 (with three hours of
            // trailing history before it): a compact baseline keeps just that.
            sink = sink.clip(bp.cal.burst_start - 3 * 3600, bp.cal.burst_end + 3600);
        }
        let go = GenOptions {
            plan: bp,
            incidents: &[],
            bad_lines: false,
            id_prefix: 0,
            seed: derive_seed(opts.seed, &["baseline"]),
            granularity: if opts.compact {
                Granularity::COMPACT_BASELINE
            } else {
                Granularity::FULL
            },
        };
        base_counts = Some(gen::generate(&go, sink)?.0);
    }

    let config_path = out.join("warroom.toml");
    std::fs::write(&config_path, output::config_toml(&plan, base_plan.as_ref()))
        .with_context(|| format!("writing {}", config_path.display()))?;

    let campaign_dir = out.join("campaign");
    let stall = incidents
        .iter()
        .find(|i| i.kind == incidents::Kind::FeedStall)
        .and_then(|i| i.feed.map(|f| (f, i.start, i.end)));
    let sink = Sink::create(&campaign_dir, plan.cal.wrap_end, stall, opts.pacing, stop)?;
    let go = GenOptions {
        plan: &plan,
        incidents: &incidents,
        bad_lines: opts.bad_lines,
        id_prefix: 1,
        seed: derive_seed(opts.seed, &["campaign"]),
        granularity: if opts.compact {
            Granularity::COMPACT_CAMPAIGN
        } else {
            Granularity::FULL
        },
    };
    let (counts, complete) = gen::generate(&go, sink)?;

    let truth = output::Truth {
        scenario: sc.key.to_string(),
        seed: opts.seed,
        scale: opts.scale,
        timezone: "+08:00".to_string(),
        campaign_dir: "campaign".to_string(),
        baseline_dir: base_plan.as_ref().map(|_| "baseline".to_string()),
        phases: output::truth_phases(&plan),
        bad_lines: counts.bad,
        late_records: counts.late,
        duplicates: counts.duplicates,
        refunds: counts.refunds,
        records: counts.records,
        records_by_file: output::by_file(&counts),
        complete,
        incidents: incidents.iter().map(output::truth_incident).collect(),
        baseline: base_counts.map(|c| output::TruthFeedCounts {
            records: c.records,
            duplicates: c.duplicates,
            late_records: c.late,
            refunds: c.refunds,
        }),
    };
    let truth_path = out.join("truth.json");
    let mut json = serde_json::to_string_pretty(&truth)?;
    json.push('\n');
    std::fs::write(&truth_path, json)
        .with_context(|| format!("writing {}", truth_path.display()))?;

    Ok(SimReport {
        records: counts.records,
        bytes: counts.bytes,
        incidents: incidents.len(),
        campaign_dir,
        config_path,
        truth_path,
    })
}
