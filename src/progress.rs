//! What a long run tells as it goes: one interface for every engine and driver.
//!
//! The library prints nothing; a front end (the `imitator` binary's progress
//! bars, a notebook) implements [`Watch`] and is told of the work done. A
//! plain closure `|done, total| …` is a `Watch` that hears every report as a
//! count of units.

use crate::number::Rational;

/// Hears of a run's progress. Every method has a default that reports as a
/// [`Watch::tick`], so an implementation need only write the reports it shows.
pub trait Watch: Sync {
    /// `done` of `total` units of work are finished.
    fn tick(&self, done: u64, total: u64);

    /// The lumped engine finished depth `depth` of `total`, with `states`
    /// merged states in its layer and about `memory` bytes held.
    fn layer(&self, depth: usize, total: usize, states: usize, memory: u64) {
        let _ = (states, memory);
        self.tick(depth as u64, total as u64);
    }

    /// The whole lifetime finished depth `depth` of at most `max_depth`: the
    /// widths of its two intervals (`None`: not yet finite) and the mass of
    /// its unsettled states.
    fn lifetime(&self, depth: usize, max_depth: usize, widths: [Option<&Rational>; 2], unsettled: &Rational) {
        let _ = (widths, unsettled);
        self.tick(depth as u64, max_depth as u64);
    }

    /// Whether the caller wants the run to end now (a Ctrl-C in a notebook).
    /// The engines ask between pieces of work; a run ended this way returns
    /// [`EngineError::Cancelled`](crate::engine::EngineError::Cancelled)
    /// (the lifetime: its depths done, stopped by its observer). The default
    /// never ends a run.
    fn cancelled(&self) -> bool {
        false
    }
}

impl<F: Fn(u64, u64) + Sync> Watch for F {
    fn tick(&self, done: u64, total: u64) {
        self(done, total)
    }
}

/// A watch that hears nothing.
pub const SILENT: &dyn Watch = &|_: u64, _: u64| {};
