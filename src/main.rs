//! `warroom`: the command line. Each subcommand is a thin shell over the
//! core library.

mod cmd;

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
    /// Replay a recorded campaign directory.
    Replay(RunArgs),
    /// Follow a live campaign directory as producers append to it.
    Watch(WatchArgs),
    /// Generate a realistic campaign recording (with baseline, config and ground truth).
    Simulate(SimulateArgs),
    /// Replay headless and score the alerts against ground truth (the
    /// simulator's truth.json) or NAB's labelled anomaly windows.
    Eval(EvalArgs),
    /// Convert a public data set into contract records (e.g. Taobao UserBehavior).
    ConvertTaobao {
        /// UserBehavior CSV (user,item,category,behavior,unix seconds; no header).
        input: PathBuf,
        /// Output JSON-lines file (put it in its own recording directory).
        output: PathBuf,
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

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonArgs,
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
        Command::Simulate(a) => cmd::simulate(a),
        Command::Eval(a) => cmd::eval(a),
        Command::CheckConfig { file } => cmd::check_config(&file),
        Command::ConvertTaobao { input, output } => cmd::convert_taobao(&input, &output),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warroom: {e:#}");
            ExitCode::from(2)
        }
    }
}
