//! The verifier in one call: run an engine, judge its figures, say how it ran.
//!
//! Every caller that verifies an imitator — the `verify` and `report`
//! commands, the constants search, the tables of `proofs/` and the tests —
//! goes through [`verify`], so that the figures, the verdict and the run's
//! description always come from the same run.

use crate::checks::{check, Verdict};
use crate::engine::lumped::{self, Watching};
use crate::engine::{self, EngineError, EngineKind, Figures, RunOptions};
use crate::imitator::{Rule, RuleInfo};
use crate::number::Rational;
pub use crate::progress::Watch;
use crate::scenario::Scenario;
use std::time::Instant;

/// How a run was made: which imitator, on how many threads, in how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// The rule that ran, as the reports name it.
    pub imitator: RuleInfo,
    /// The worker threads of the pool it ran on.
    pub threads: usize,
    /// Its wall-clock time.
    pub elapsed_ms: u128,
}

impl RunInfo {
    /// The imitator's label in reports and legends (`conservative`, `map (warm-up 2)`).
    pub fn label(&self) -> String {
        self.imitator.label.clone()
    }
}

/// One verified run: the exact figures, the verdict on them, and how the run was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// What the engine measured.
    pub figures: Figures,
    /// Every check on them.
    pub verdict: Verdict,
    /// How the run was made.
    pub run: RunInfo,
}

/// Runs `engine` with `rule` (the paper's imitator, a baseline, or any
/// [`Rule`] of your own) on `scenario` to `options.depth`, on the current
/// rayon pool, then judges the figures with [`check`].
///
/// A lumped run that a limit stops part way (`max_states`, `max_memory`,
/// `time_limit`) is still verified: its figures are those of the depth it
/// reached, and [`Figures::partial`] says where and why. Callers that need
/// the full depth check it.
pub fn verify(
    scenario: &Scenario,
    rule: impl Rule<Rational>,
    engine: EngineKind,
    options: RunOptions,
    watch: &dyn Watch,
) -> Result<Verified, EngineError> {
    let threads = rayon::current_num_threads();
    let start = Instant::now();
    let result = match engine {
        EngineKind::Lumped => lumped::run_observed(scenario, &rule, options, &mut Watching(watch)),
        EngineKind::Exhaustive => engine::run_with(engine, scenario, &rule, options, watch),
    };
    if watch.cancelled() {
        return Err(EngineError::Cancelled);
    }
    let figures = match result {
        Ok(f) => f,
        Err(EngineError::Stopped(f)) => *f,
        Err(e) => return Err(e),
    };
    let run = RunInfo { imitator: rule.info(), threads, elapsed_ms: start.elapsed().as_millis() };
    let verdict = check(scenario, &figures);
    Ok(Verified { figures, verdict, run })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitator::{Standard, Variant};
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
