//! One episode of the imitator with seeded randomness: the truth answers the queries.

use crate::imitator::{Imitator, Rule, StepRecord};
use crate::number::Prob;
use crate::scenario::Scenario;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How much of an episode to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trace {
    /// The summary only.
    Off,
    /// Every step ([`StepRecord`]), as `run --trace` prints it.
    Steps,
    /// Every step with how it was computed ([`crate::imitator::StepDetail`]), as `explain` tells it.
    Detailed,
}

/// What one episode did.
#[derive(Debug, Clone)]
pub struct Episode<P> {
    /// How many steps were played.
    pub steps: usize,
    /// The seed of its random draws (ChaCha8): the same seed plays the same episode.
    pub seed: u64,
    /// How much of the episode was kept.
    pub kept: Trace,
    /// Every step, unless the trace is [`Trace::Off`].
    pub trace: Vec<StepRecord<P>>,
    /// How many steps asked the demonstrator.
    pub queries: usize,
    /// Whether the truth stayed in the top set at every step (the event `E`).
    pub truth_always_top: bool,
    /// The posterior after the last step.
    pub final_posterior: Vec<P>,
}

/// Runs `steps` steps of `rule` on `scenario` with a ChaCha8 generator seeded by `seed`.
///
/// `run` and `explain` both play their episode here, so the same seed tells
/// the same story in both; a detailed trace draws exactly what a plain one does.
///
/// The same seed gives the same episode, for the exact and the `f64` imitator alike
/// as long as no draw falls between their rounded cumulative sums.
pub fn episode<'s, P: Prob>(
    scenario: &'s Scenario,
    rule: Box<dyn Rule<P> + 's>,
    steps: usize,
    seed: u64,
    trace: Trace,
) -> Episode<P> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut im = Imitator::with_rule(scenario, rule);
    let mut records = Vec::new();
    let mut queries = 0;
    for _ in 0..steps {
        let rec = match trace {
            Trace::Detailed => im.sample_step_detailed(&mut rng),
            _ => im.sample_step(&mut rng),
        };
        queries += rec.queried as usize;
        if trace != Trace::Off {
            records.push(rec);
        }
    }
    Episode {
        steps,
        seed,
        kept: trace,
        trace: records,
        queries,
        truth_always_top: im.truth_always_top(),
        final_posterior: im.posterior().to_vec(),
    }
}
