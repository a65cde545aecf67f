//! The verifier in one call: run an engine, judge its figures, say how it ran.
//!
//! Every caller that verifies an imitator — the `verify` and `report`
//! commands, the constants search, the tables of `proofs/` and the tests —
//! goes through [`verify`], so that the figures, the verdict and the run's
//! description always come from the same run.

use crate::checks::{check, Verdict};
use crate::engine::lumped::{self, Control, LayerView, Observer};
use crate::engine::{self, EngineError, EngineKind, Figures, RunOptions};
use crate::imitator::Standard;
use crate::scenario::Scenario;
use std::time::Instant;

/// How a run was made: which imitator, on how many threads, in how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunInfo {
    pub imitator: Standard,
    pub threads: usize,
    pub elapsed_ms: u128,
}

impl RunInfo {
    /// The imitator's label in reports and legends (`conservative`, `map (warm-up 2)`).
    pub fn label(&self) -> String {
        self.imitator.variant.label(self.imitator.warmup)
    }
}

/// One verified run: the exact figures, the verdict on them, and how the run was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub figures: Figures,
    pub verdict: Verdict,
    pub run: RunInfo,
}

/// What a long run tells as it goes: the depth done (every engine) and, for
/// the lumped engine, the size of the layer and the memory it holds.
pub trait Watch: Sync {
    /// `done` of `total` units of work are finished.
    fn tick(&self, done: u64, total: u64);
    /// The lumped engine finished depth `depth` of `total`, with `states`
    /// merged states in its layer and about `memory` bytes held.
    fn layer(&self, depth: usize, total: usize, states: usize, memory: u64) {
        let _ = (states, memory);
        self.tick(depth as u64, total as u64);
    }
}

impl<F: Fn(u64, u64) + Sync> Watch for F {
    fn tick(&self, done: u64, total: u64) {
        self(done, total)
    }
}

/// Hands the lumped engine's layers to a [`Watch`].
struct LayerWatch<'a>(&'a dyn Watch);

impl Observer for LayerWatch<'_> {
    fn layer(&mut self, view: &LayerView) -> Control {
        if view.depth() > 0 {
            self.0.layer(view.depth(), view.target_depth(), view.len(), view.memory_bytes());
        }
        Control::Continue
    }
}

/// Runs `engine` with `imitator` on `scenario` to `options.depth` (on the
/// current rayon pool), then judges the figures with [`check`].
///
/// A lumped run that a limit stops part way (`max_states`, `max_memory`,
/// `time_limit`) is still verified: its figures are those of the depth it
/// reached, and [`Figures::partial`] says where and why. Callers that need
/// the full depth check it.
pub fn verify(
    scenario: &Scenario,
    imitator: Standard,
    engine: EngineKind,
    options: RunOptions,
    watch: &dyn Watch,
) -> Result<Verified, EngineError> {
    let threads = rayon::current_num_threads();
    let start = Instant::now();
    let result = match engine {
        EngineKind::Lumped => lumped::run_observed(
            scenario,
            &imitator,
            lumped::Options {
                depth: options.depth,
                max_states: options.max_states,
                max_memory: options.max_memory,
                time_limit: options.time_limit,
            },
            &mut LayerWatch(watch),
        ),
        EngineKind::Exhaustive => engine::run_with(engine, scenario, &imitator, options, &|d, t| watch.tick(d, t)),
    };
    let figures = match result {
        Ok(f) => f,
        Err(EngineError::Stopped(f)) => *f,
        Err(e) => return Err(e),
    };
    let run = RunInfo { imitator, threads, elapsed_ms: start.elapsed().as_millis() };
    let verdict = check(scenario, &figures);
    Ok(Verified { figures, verdict, run })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitator::Variant;
    use crate::number::ratio;

    #[test]
    fn verify_runs_checks_and_labels() {
        let s = Scenario::from_file("examples/three-coins.toml").unwrap();
        let imitator = Standard::new(Variant::Map, 2);
        let v = verify(&s, imitator, EngineKind::Exhaustive, RunOptions::new(3), &|_, _| {}).unwrap();
        assert_eq!(v.run.label(), "map (warm-up 2)");
        assert_eq!(v.verdict, check(&s, &v.figures));
        // Two warm-up queries, then none: E[Σθ] = 2 at every depth from 2 on.
        assert_eq!(v.figures.expected_queries, vec![ratio(1, 1), ratio(2, 1), ratio(2, 1)]);
    }
}
