//! Frame cost of the war-room screen: build the view model from the core
//! and render it at 200×50 (what the terminal loop does per redraw), on the
//! shipped sample during its payment failure. Run: `cargo bench --bench render`.
//! Figures go to docs/performance.md; nothing here asserts a speed.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use warroom::config::Config;
use warroom::time::parse_ts_str;
use warroom::view::replay::load;
use warroom::view::screen_text;
use warroom::view::text::Lang;
use warroom::view::ui::{Status, Ui, View};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg =
        Arc::new(Config::load(&root.join("sample-data/warroom.toml")).expect("sample config"));
    let at = parse_ts_str("2026-11-11T12:15:00+08:00", cfg.tz).expect("time");
    let (mut replay, _) = load(&root.join("sample-data/campaign"), cfg).expect("sample loads");
    let mut sink = Vec::new();
    replay.seek(at);
    replay.finish(&mut sink);
    let session = replay.session().clone();
    for (w, h) in [(80u16, 24u16), (200, 50), (300, 100)] {
        let mut ui = Ui::new(Lang::Zh, Status::Snapshot);
        ui.open(View::Main);
        // Warm up, then time each frame.
        for _ in 0..20 {
            std::hint::black_box(screen_text(&session, &ui, w, h));
        }
        let mut times: Vec<f64> = (0..300)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(screen_text(&session, &ui, w, h));
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        times.sort_by(|a, b| a.total_cmp(b));
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!(
            "{w}x{h}: mean {mean:.0} µs, p50 {:.0} µs, p99 {:.0} µs per frame (model + render + text), 300 frames",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}
