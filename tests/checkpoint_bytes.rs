//! The screen's replay keeps checkpoints (clones of the session) within a
//! byte cap counted on `Session::approx_bytes`: that estimate must be what a
//! clone really allocates, or the cap means nothing. Measured here with a
//! counting allocator (this test binary's own) on the sample, early, in the
//! middle and at the end of the campaign.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn the_checkpoint_estimate_is_what_a_session_clone_allocates() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg =
        Arc::new(warroom::config::Config::load(&root.join("sample-data/warroom.toml")).unwrap());
    let mut last = 0;
    for at in [
        "2026-11-10T12:00:00+08:00",
        "2026-11-11T12:00:00+08:00",
        "2026-11-12T05:00:00+08:00",
    ] {
        let t = warroom::time::parse_ts_str(at, cfg.tz).unwrap();
        let (session, _) =
            warroom::view::replay::session_at(&root.join("sample-data/campaign"), cfg.clone(), t)
                .unwrap();
        let before = LIVE.load(Ordering::SeqCst);
        let copy = session.clone();
        let allocated = LIVE.load(Ordering::SeqCst) - before;
        drop(copy);
        let estimate = session.approx_bytes();
        let ratio = estimate as f64 / allocated as f64;
        assert!(
            (0.8..=1.25).contains(&ratio),
            "{at}: estimate {estimate} B, a clone allocates {allocated} B"
        );
        // The session grows through the campaign, and so does the estimate.
        assert!(estimate > last, "{at}");
        last = estimate;
    }
}
