//! The injected clock. The core never reads wall time itself: replay moves
//! event time with the records, live moves it with a wall clock that tests
//! can replace. Only this and the source differ between the two.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::time::Millis;

/// A source of wall time in epoch milliseconds.
pub trait WallClock: Send + Sync {
    fn wall_ms(&self) -> Millis;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn wall_ms(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock tests set by hand.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(ms: Millis) -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(ms)))
    }
    pub fn set(&self, ms: Millis) {
        self.0.store(ms, Ordering::SeqCst);
    }
    pub fn advance(&self, ms: Millis) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl WallClock for ManualClock {
    fn wall_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// Event time in a live run: the newest record's time, moved on by wall
/// time (× `rate`, for feeds written faster than real time) while no newer
/// record arrives, so a stalled feed still lets the clock run.
#[derive(Debug, Clone)]
pub struct LiveClock {
    rate: f64,
    anchor: Option<(Millis, Millis)>,
}

impl LiveClock {
    pub fn new(rate: f64) -> LiveClock {
        LiveClock {
            rate: if rate.is_finite() && rate > 0.0 {
                rate
            } else {
                1.0
            },
            anchor: None,
        }
    }

    /// A record with event time `ts` arrived at wall time `wall`.
    pub fn observe(&mut self, ts: Millis, wall: Millis) {
        if ts > self.now(wall) {
            self.anchor = Some((ts, wall));
        }
    }

    pub fn now(&self, wall: Millis) -> Millis {
        match self.anchor {
            None => Millis::MIN,
            Some((ts, at)) => ts + ((wall - at).max(0) as f64 * self.rate) as Millis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_clock_follows_records_then_wall_time() {
        let mut c = LiveClock::new(1.0);
        assert_eq!(c.now(5_000), Millis::MIN);
        c.observe(100_000, 5_000);
        assert_eq!(c.now(5_000), 100_000);
        assert_eq!(c.now(8_000), 103_000);
        // An older record does not pull the clock back.
        c.observe(90_000, 8_000);
        assert_eq!(c.now(8_000), 103_000);
        c.observe(200_000, 9_000);
        assert_eq!(c.now(10_000), 201_000);
    }

    #[test]
    fn accelerated_feeds_run_the_clock_faster() {
        let mut c = LiveClock::new(60.0);
        c.observe(0, 0);
        assert_eq!(c.now(1_000), 60_000);
    }
}
