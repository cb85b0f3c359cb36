//! warroom core: records → state → figures → alerts, with the clock
//! injected. Nothing in here draws to a terminal; the binary's TUI only
//! reads this state and sends commands.

pub mod alerts;
pub mod budget;
pub mod clock;
pub mod config;
pub mod convert;
pub mod dims;
pub mod eval;
pub mod figures;
pub mod ingest;
pub mod parse;
pub mod record;
pub mod reference;
pub mod report;
pub mod series;
pub mod session;
pub mod simulate;
pub mod source;
pub mod state;
pub mod stock;
pub mod summary;
pub mod tail;
pub mod time;
pub mod view;
