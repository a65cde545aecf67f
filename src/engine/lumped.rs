//! The lumped engine (in progress).

use super::{EngineError, Figures};
use crate::imitator::Rule;
use crate::number::Rational;
use crate::scenario::Scenario;

/// Options of one lumped run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub depth: usize,
    /// Stop with a clear message when a layer would hold more merged states than this.
    pub max_states: usize,
}

impl Options {
    pub fn new(depth: usize) -> Self {
        Options { depth, max_states: 5_000_000 }
    }
}

/// Runs the lumped engine.
pub fn run(
    _scenario: &Scenario,
    _rule: &dyn Rule<Rational>,
    _opts: Options,
    _tick: &(dyn Fn(u64, u64) + Sync),
) -> Result<Figures, EngineError> {
    Err(EngineError::TooLarge("the lumped engine is not available yet".into()))
}
