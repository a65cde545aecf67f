//! One episode of the imitator with seeded randomness: the truth answers the queries.

use crate::imitator::{Imitator, Rule, StepRecord};
use crate::number::Prob;
use crate::scenario::Scenario;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What one episode did.
#[derive(Debug, Clone)]
pub struct Episode<P> {
    pub steps: usize,
    pub seed: u64,
    /// Every step, when asked for (`keep_trace`).
    pub trace: Vec<StepRecord<P>>,
    pub queries: usize,
    /// Whether the truth stayed in the top set at every step (the event `E`).
    pub truth_always_top: bool,
    pub final_posterior: Vec<P>,
}

/// Runs `steps` steps of `rule` on `scenario` with a ChaCha8 generator seeded by `seed`.
///
/// The same seed gives the same episode, for the exact and the `f64` imitator alike
/// as long as no draw falls between their rounded cumulative sums.
pub fn episode<'s, P: Prob>(
    scenario: &'s Scenario,
    rule: Box<dyn Rule<P> + 's>,
    steps: usize,
    seed: u64,
    keep_trace: bool,
) -> Episode<P> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut im = Imitator::with_rule(scenario, rule);
    let mut trace = Vec::new();
    let mut queries = 0;
    for _ in 0..steps {
        let rec = im.sample_step(&mut rng);
        queries += rec.queried as usize;
        if keep_trace {
            trace.push(rec);
        }
    }
    Episode {
        steps,
        seed,
        trace,
        queries,
        truth_always_top: im.truth_always_top(),
        final_posterior: im.posterior().to_vec(),
    }
}
