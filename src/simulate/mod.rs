//! Campaign simulator (filled in by the simulator work).
