//! `warroom`: the command line. Each subcommand is a thin shell over the
//! core library.

/// `eprintln!` that never panics: stderr may be a terminal that hung up
/// (the screen's terminal closed under it) or a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` that never panics: `warroom eval … | head` closes stdout early.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that never panics (see `out!`).
macro_rules! put {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod cmd;
mod tui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "warroom",
    version,
    about = "Terminal war room for e-commerce promotions (大促): live panels, tiered alerts, replay"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a recorded campaign directory on the war-room screen (or
    /// --headless): space pauses, +/- speed, ←/→ seek, n/N next/previous
    /// alert transition, g go to a time, ? help.
    Replay(RunArgs),
    /// Follow a live campaign directory as producers append to it.
    Watch(WatchArgs),
    /// Render the screen at an event time to stdout as text (no terminal needed).
    Snapshot(SnapshotArgs),
    /// Simulate a 双11 campaign into a temporary directory and watch it live.
    Demo(DemoArgs),
    /// Generate a realistic campaign recording (with baseline, config and ground truth).
    Simulate(SimulateArgs),
    /// Replay headless and score the alerts against ground truth (the
    /// simulator's truth.json) or NAB's labelled anomaly windows.
    Eval(EvalArgs),
    /// Write the 复盘 (post-mortem) of a recording as Markdown: plan against
    /// actual, figures by phase, funnel and CS against the references, the
    /// incident timeline and how fast the room handled it.
    Report(ReportArgs),
    /// Convert a public data set into a recording: OUT/campaign/<format>.jsonl
    /// and a starting OUT/warroom.toml (see docs/real-data.md).
    Convert {
        /// Which data set's layout INPUT has.
        #[arg(value_enum)]
        format: warroom::convert::Format,
        /// The data set's file, or a directory of its .csv files.
        input: PathBuf,
        /// Output directory (created; an existing warroom.toml is kept).
        out: PathBuf,
    },
    /// Validate a config file and print it resolved, defaults included.
    CheckConfig {
        /// The config file (TOML).
        file: PathBuf,
    },
}

#[derive(Args)]
pub struct CommonArgs {
    /// The recording or live directory (its .jsonl/.ndjson/.csv files are the input).
    pub dir: PathBuf,
    /// Campaign config (TOML). Default: warroom.toml in DIR or its parent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Run without the screen.
    #[arg(long)]
    pub headless: bool,
    /// Write the run summary (JSON) here.
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    /// Write the alert log (JSON lines) here.
    #[arg(long, value_name = "FILE")]
    pub alerts_out: Option<PathBuf>,
}

/// Options of the war-room screen.
#[derive(Args, Clone)]
pub struct ScreenArgs {
    /// Screen language: zh (default) or en.
    #[arg(long, default_value = "zh", value_name = "zh|en")]
    pub lang: String,
    /// No colours (also when NO_COLOR is set); symbols and labels stay.
    #[arg(long)]
    pub no_color: bool,
    /// Where `R` on the screen writes the 复盘 (post-mortem, Markdown).
    #[arg(long, value_name = "FILE", default_value = "复盘.md")]
    pub report_out: PathBuf,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Replay speed: event seconds per wall second (the screen; 1 … 3600).
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// Start the screen at this event time (RFC 3339, or `YYYY-MM-DD HH:MM:SS` in the campaign timezone).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    #[command(flatten)]
    pub screen: ScreenArgs,
}

#[derive(Args)]
pub struct SnapshotArgs {
    /// The recording directory.
    pub dir: PathBuf,
    /// Campaign config (TOML). Default: warroom.toml in DIR or its parent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Event time to render (RFC 3339, or `YYYY-MM-DD HH:MM:SS` in the campaign timezone).
    #[arg(long, value_name = "TIME")]
    pub at: String,
    /// Screen size, columns x rows.
    #[arg(long, default_value = "160x48", value_name = "WxH")]
    pub size: String,
    /// main | alert:ID | panel:sales|funnel|budget|cs|stock|alerts
    #[arg(long, default_value = "main")]
    pub view: String,
    /// Screen language: zh (default) or en.
    #[arg(long, default_value = "zh", value_name = "zh|en")]
    pub lang: String,
    /// A filter as typed after `/` (e.g. "channel=直播").
    #[arg(long)]
    pub filter: Option<String>,
}

#[derive(Args)]
pub struct ReportArgs {
    /// The recording directory.
    pub dir: PathBuf,
    /// Campaign config (TOML). Default: warroom.toml in DIR or its parent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The room's alert log (--alerts-out of the live or replayed war room,
    /// with its acks); default: the alerts of this replay, unacked.
    #[arg(long, value_name = "FILE")]
    pub alerts_log: Option<PathBuf>,
    /// Write the report here (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Report language: zh (default) or en.
    #[arg(long, default_value = "zh", value_name = "zh|en")]
    pub lang: String,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Event seconds per wall second (300: the 预热 day in under 5 minutes).
    #[arg(long, default_value_t = 300.0)]
    pub speed: f64,
    #[arg(long, default_value_t = 11)]
    pub seed: u64,
    /// Multiply every volume (1.0 = the shipped sample's size × 2).
    #[arg(long, default_value_t = 0.5)]
    pub scale: f64,
    /// Write the simulation here (kept) instead of a temporary directory (removed at exit).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub screen: ScreenArgs,
}

#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Rewrite --summary-out this often, seconds.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub summary_every: f64,
    /// Event seconds per wall second when the feed is written faster than real time.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    #[command(flatten)]
    pub screen: ScreenArgs,
}

#[derive(Args)]
pub struct EvalArgs {
    /// The recording directory.
    pub dir: PathBuf,
    /// Campaign config (TOML). Default: warroom.toml in DIR or its parent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ground truth of injected incidents (simulator format).
    #[arg(long, required_unless_present = "nab_windows")]
    pub truth: Option<PathBuf>,
    /// NAB's combined_windows.json: score the `metric` alerts NAB's way.
    #[arg(long, value_name = "FILE")]
    pub nab_windows: Option<PathBuf>,
    /// Also write the alert log (JSON lines) here.
    #[arg(long, value_name = "FILE")]
    pub alerts_out: Option<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Output directory (campaign/, baseline/, warroom.toml, truth.json).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 11)]
    pub seed: u64,
    /// double11 | 618 | double12
    #[arg(long, default_value = "double11")]
    pub scenario: String,
    /// Write in real time, X× faster than event time.
    #[arg(long, conflicts_with = "instant")]
    pub speed: Option<f64>,
    /// Write everything at once (the default).
    #[arg(long)]
    pub instant: bool,
    /// Multiply every volume (1.0 = the shipped sample's size).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Do not write last year's baseline recording.
    #[arg(long)]
    pub no_baseline: bool,
    /// Inject a few malformed lines (counted in truth.json).
    #[arg(long)]
    pub bad_lines: bool,
    /// Smaller files, for a sample kept in git (see `warroom simulate --help`):
    /// no zero traffic rows, coarser 预热 traffic, a coarse baseline clipped to 爆发.
    #[arg(long)]
    pub compact: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(a) => cmd::replay(a),
        Command::Watch(a) => cmd::watch(a),
        Command::Snapshot(a) => cmd::snapshot(a),
        Command::Demo(a) => cmd::demo(a),
        Command::Simulate(a) => cmd::simulate(a),
        Command::Eval(a) => cmd::eval(a),
        Command::CheckConfig { file } => cmd::check_config(&file),
        Command::Report(a) => cmd::report(a),
        Command::Convert { format, input, out } => cmd::convert(format, &input, &out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("warroom: {e:#}");
            ExitCode::from(2)
        }
    }
}
