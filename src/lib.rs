//! warroom core: records → state → figures → alerts, with the clock injected.
pub mod simulate;
