//! Long horizons without listing every history: histories drawn from the
//! imitator's own exact distribution, and the exact policy at any listed
//! history.
//!
//! Listing every reachable history ([`crate::engine::histories::walk`]) grows
//! like `(2·#A·#O)^T`, so late steps (where underflow, drift and thresholds
//! crossed after many steps show) are out of its reach. Here instead:
//!
//! - [`sample_paths`] draws `N` histories of `T − 1` steps from `P_im`, the
//!   imitator's distribution over full histories (its queries included),
//!   exactly: each step picks a transition with an exactly uniform integer
//!   below the common denominator of the step's probabilities (seeded ChaCha8),
//!   so no rounding ever makes a step of probability zero possible.
//! - [`visit_paths`] visits every prefix of those paths once, as
//!   [`Entry`]s (the same values `walk` gives), shortest first along each path,
//!   paths in lexicographic order: the lines `policy --sample` writes.
//! - [`Cursor`] follows any history step by step through the same merged
//!   state space as `walk`, so a listed history gets exactly the values the
//!   full listing would give it (`diff --only-listed`).

use crate::engine::histories::{Entry, Step};
use crate::engine::space::{State, StateSpace};
use crate::imitator::Rule;
use crate::limits::LimitError;
use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{One, Zero};
use rand::RngCore;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A position in the imitator's tree of full histories: the history so far,
/// and for each of its prefixes the merged state reached and its probability.
pub struct Cursor<'s> {
    space: StateSpace<'s>,
    path: Vec<Step>,
    /// `frames[k]`: the state after the first `k` steps of `path`, and `P_im` of that prefix.
    frames: Vec<(u32, Rational)>,
    max_memory: u64,
}

impl<'s> Cursor<'s> {
    /// A cursor at the empty history; its state space may hold about `max_memory` bytes.
    pub fn new(s: &'s Scenario, rule: &'s dyn Rule<Rational>, max_memory: u64) -> Self {
        let mut space = StateSpace::new(s, rule);
        space.set_memory_limit(max_memory);
        Cursor { space, path: Vec::new(), frames: vec![(0, Rational::one())], max_memory }
    }

    /// The history the cursor is at.
    pub fn history(&self) -> &[Step] {
        &self.path
    }

    /// Goes back to the prefix of `len` steps (no-op when already shorter).
    pub fn truncate(&mut self, len: usize) {
        self.path.truncate(len);
        self.frames.truncate(len + 1);
    }

    /// The merged state at the cursor's history.
    pub fn state(&self) -> &State {
        self.space.state(self.frames[self.frames.len() - 1].0)
    }

    /// The steps out of the cursor's history with positive probability, and
    /// each one's probability, in the order of the listing.
    pub fn successors(&mut self) -> Result<Vec<(Step, Rational)>, LimitError> {
        let (id, _) = self.frames[self.frames.len() - 1];
        self.expand(id)?;
        Ok(self
            .space
            .state(id)
            .transitions
            .iter()
            .map(|t| {
                let step = Step { queried: t.queried, action: t.action as usize, observation: t.observation as usize };
                (step, self.space.value(t.prob).clone())
            })
            .collect())
    }

    fn expand(&mut self, id: u32) -> Result<(), LimitError> {
        if self.space.state(id).transitions.is_empty() {
            self.space.try_expand_all(&[id], self.path.len()).map_err(|e| {
                LimitError::new(
                    crate::limits::Limit::Memory,
                    format!(
                        "{} (the states met along the listed histories; at most {} bytes)",
                        e.message, self.max_memory
                    ),
                )
            })?;
        }
        Ok(())
    }

    /// Takes one step; `Ok(false)` (and the cursor unmoved) when the step has
    /// probability zero after the cursor's history.
    pub fn push(&mut self, step: Step) -> Result<bool, LimitError> {
        let (id, p) = self.frames[self.frames.len() - 1].clone();
        self.expand(id)?;
        let found = self.space.state(id).transitions.iter().find(|t| {
            t.queried == step.queried && t.action as usize == step.action && t.observation as usize == step.observation
        });
        let Some(t) = found else { return Ok(false) };
        let (child, prob) = (t.child, t.prob);
        let p = p * self.space.value(prob);
        self.path.push(step);
        self.frames.push((child, p));
        Ok(true)
    }

    /// Moves to `history` from wherever the cursor is (back to the longest
    /// common prefix, then forward). Returns how many of its steps are
    /// reachable: all of them (`history.len()`) or fewer, the cursor then at
    /// the longest reachable prefix.
    pub fn seek(&mut self, history: &[Step]) -> Result<usize, LimitError> {
        let common = self.path.iter().zip(history).take_while(|(a, b)| a == b).count();
        self.truncate(common);
        for &step in &history[common..] {
            if !self.push(step)? {
                break;
            }
        }
        Ok(self.path.len())
    }

    /// The policy line's values at the cursor's history.
    pub fn entry(&self) -> Entry<'_> {
        let (id, p) = &self.frames[self.frames.len() - 1];
        let state = self.space.state(*id);
        Entry { history: &self.path, id: *id, state, posterior: self.space.posterior(state.key.posterior), p_im: p }
    }
}

/// A uniformly random integer in `0..n` (`n > 0`): random bits of `n`'s length, drawn again when too large.
fn below(n: &BigInt, rng: &mut ChaCha8Rng) -> BigInt {
    let bits = n.bits();
    let words = bits.div_ceil(32) as usize;
    let top_bits = bits - (words as u64 - 1) * 32;
    let mask: u32 = if top_bits == 32 { u32::MAX } else { (1u32 << top_bits) - 1 };
    loop {
        let mut digits: Vec<u32> = (0..words).map(|_| rng.next_u32()).collect();
        if let Some(last) = digits.last_mut() {
            *last &= mask;
        }
        let x = BigInt::from_slice(Sign::Plus, &digits);
        if &x < n {
            return x;
        }
    }
}

/// Picks one of `probs` (positive, summing to 1) with exactly its probability.
fn pick(probs: &[Rational], rng: &mut ChaCha8Rng) -> usize {
    let common = probs.iter().fold(BigInt::one(), |l, p| l.lcm(p.denom()));
    let u = below(&common, rng);
    let mut acc = BigInt::zero();
    for (i, p) in probs.iter().enumerate() {
        acc += p.numer() * (&common / p.denom());
        if u < acc {
            return i;
        }
    }
    probs.len() - 1
}

/// `n` histories of `depth − 1` steps each, drawn independently from the
/// imitator's exact distribution with the seed `seed` (ChaCha8), sorted and
/// without repeats. A history stops early only if no step has positive
/// probability (never, for a scenario whose distributions sum to 1).
pub fn sample_paths(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    depth: usize,
    n: usize,
    seed: u64,
    max_memory: u64,
) -> Result<Vec<Vec<Step>>, LimitError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cursor = Cursor::new(s, rule, max_memory);
    let mut paths = Vec::with_capacity(n);
    for _ in 0..n {
        cursor.truncate(0);
        while cursor.history().len() + 1 < depth {
            let next = cursor.successors()?;
            if next.is_empty() {
                break;
            }
            let probs: Vec<Rational> = next.iter().map(|(_, p)| p.clone()).collect();
            let step = next[pick(&probs, &mut rng)].0;
            let moved = cursor.push(step)?;
            debug_assert!(moved, "a successor is reachable");
        }
        paths.push(cursor.history().to_vec());
    }
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// Visits every prefix (the empty history included) of the sorted `paths`
/// once: along the first path shortest first, then along each next path from
/// where it leaves the paths before it. For sorted paths this is
/// lexicographic order, every history after its prefixes.
pub fn visit_paths<E>(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    paths: &[Vec<Step>],
    max_memory: u64,
    mut f: impl FnMut(&Entry) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<LimitError>,
{
    let mut cursor = Cursor::new(s, rule, max_memory);
    let mut previous: Option<&[Step]> = None;
    for path in paths {
        let common = match previous {
            None => {
                f(&cursor.entry())?;
                0
            }
            Some(p) => p.iter().zip(path).take_while(|(a, b)| a == b).count(),
        };
        cursor.truncate(common);
        for &step in &path[common..] {
            if !cursor.push(step)? {
                break;
            }
            f(&cursor.entry())?;
        }
        previous = Some(path);
    }
    Ok(())
}

/// How many lines [`visit_paths`] visits for `paths` (sorted): every distinct prefix.
pub fn prefix_count(paths: &[Vec<Step>]) -> u64 {
    let mut count = 0u64;
    let mut previous: Option<&[Step]> = None;
    for path in paths {
        let common = match previous {
            None => {
                count += 1;
                0
            }
            Some(p) => p.iter().zip(path).take_while(|(a, b)| a == b).count(),
        };
        count += (path.len() - common) as u64;
        previous = Some(path);
    }
    count
}
