//! Campaign simulator (being written on the `simulator` branch).
use std::path::PathBuf;

pub enum Pacing {
    Instant,
    Speed(f64),
}
pub struct SimOptions {
    pub out: PathBuf,
    pub seed: u64,
    pub scenario: String,
    pub pacing: Pacing,
    pub scale: f64,
    pub with_baseline: bool,
    pub bad_lines: bool,
}
pub struct SimReport {
    pub records: u64,
    pub bytes: u64,
    pub incidents: usize,
    pub campaign_dir: PathBuf,
    pub config_path: PathBuf,
    pub truth_path: PathBuf,
}
pub fn scenarios() -> &'static [&'static str] {
    &["double11"]
}
pub fn run(_opts: &SimOptions) -> anyhow::Result<SimReport> {
    anyhow::bail!("simulator not merged yet")
}
