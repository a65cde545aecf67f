//! Settled states: where the imitator will never ask again (`docs/lifetime.md`).
//!
//! The posterior moves only at queried steps. So if, with the posterior of a
//! state frozen, `θ = 0` at every context the world can reach from the
//! state's context, no query ever happens again: the posterior, the top set
//! and `E` stay as they are for the whole lifetime. Such a state is
//! *settled*; its future adds nothing to `Σθ³` and cannot lose `E`.
//!
//! Contexts are finite, so the reachable set is found by a finite search:
//! from a context with `θ = 0`, the imitator takes each action `a` with
//! `m(a) > 0` and the world answers each observation of positive
//! probability. The rule's phase (the warm-up of `map` and `mixture`) is part
//! of the search: a phase determines every later phase (the contract of
//! [`Rule::phase`]), so a context is identified by its contexts and phase.
//!
//! The classification is cached per (posterior, contexts, phase): every
//! context met in one search is recorded, so states that share a posterior
//! share the work.
//!
//! "The posterior moves only at queried steps" is the paper's rule, not every
//! rule's: at each context of the search the rule itself is asked
//! ([`trust::unqueried_update`]), and a state whose search meets a rule that
//! moves its posterior on an unqueried step is [`Settled::Breaks`]: neither
//! settled nor unsettled, it gets no lifetime bound.

use super::trust::{self, Breach};
use crate::imitator::{PolicyInput, Rule};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::Zero;
use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::Hash;

/// One point of the frozen-posterior search: each model's context, the
/// environment's, and the rule's phase.
type Node = (Vec<u32>, u32);

/// What the settled search finds at a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// `θ = 0` at every context reachable from here, the posterior frozen.
    Yes,
    /// A context reachable with `θ = 0` all the way has `θ > 0`.
    No,
    /// The rule moved its posterior on an unqueried step somewhere in the
    /// search: the frozen posterior is not the rule's, and nothing is known.
    Breaks(Breach),
}

/// Classifies states as settled, remembering every answer.
///
/// `K` identifies a posterior (an interned id, or the posterior itself): the
/// classification depends on nothing else but the contexts and the phase.
pub struct SettledCache<'s, K> {
    scenario: &'s Scenario,
    rule: &'s dyn Rule<Rational>,
    /// What the search found from each (posterior, node) met.
    known: FxHashMap<(K, Node), Settled>,
    /// Also ask, at every context of the search, that the rule's top set is
    /// the α rule's ([`SettledCache::check_top_sets`]).
    check_top: bool,
}

impl<'s, K: Hash + Eq + Clone> SettledCache<'s, K> {
    /// An empty cache for `rule` on `scenario`.
    pub fn new(scenario: &'s Scenario, rule: &'s dyn Rule<Rational>) -> Self {
        SettledCache { scenario, rule, known: FxHashMap::default(), check_top: false }
    }

    /// Also ask the rule, at every context of the search, for its top set,
    /// and find [`Settled::Breaks`] where it is not the α rule's at the frozen
    /// posterior. Then a settled state's top set, so whether the truth is in
    /// it, is the same at every later step, which is what retiring the state
    /// (never looking at its future again) needs. Set it before any
    /// classification: the answers cached are those of one setting.
    pub fn check_top_sets(&mut self, on: bool) {
        assert!(self.known.is_empty(), "set before any classification");
        self.check_top = on;
    }

    /// How many (posterior, context) answers are cached.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether nothing is classified yet.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Whether the state with posterior `posterior` (identified by `key`),
    /// contexts `contexts` (each model's, then the environment's), about to
    /// take step `step` (1-based), is settled ([`Settled::Yes`] of [`SettledCache::classify`]).
    pub fn is_settled(&mut self, key: &K, posterior: &[Rational], contexts: &[u32], step: usize) -> bool {
        self.classify(key, posterior, contexts, step) == Settled::Yes
    }

    /// What the settled search finds at the state with posterior `posterior`
    /// (identified by `key`), contexts `contexts` (each model's, then the
    /// environment's), about to take step `step` (1-based): settled, not, or
    /// a rule that moves its posterior on an unqueried step.
    pub fn classify(&mut self, key: &K, posterior: &[Rational], contexts: &[u32], step: usize) -> Settled {
        let start: Node = (contexts.to_vec(), self.rule.phase(step) as u32);
        if let Some(known) = self.known.get(&(key.clone(), start.clone())) {
            return known.clone();
        }
        // Depth-first over the contexts reachable with θ = 0, each with a step of its phase.
        let mut seen: FxHashSet<Node> = FxHashSet::default();
        let mut stack: Vec<(Node, usize)> = vec![(start.clone(), step)];
        seen.insert(start.clone());
        let mut found = Settled::Yes;
        while let Some(((ctx, phase), step)) = stack.pop() {
            match self.known.get(&(key.clone(), (ctx.clone(), phase))) {
                Some(Settled::Yes) => continue,
                Some(other) => {
                    found = other.clone();
                    break;
                }
                None => {}
            }
            let next = match self.quiet_successors(posterior, &ctx, step) {
                Ok(Some(next)) => next,
                Ok(None) => {
                    found = Settled::No;
                    break;
                }
                Err(breach) => {
                    found = Settled::Breaks(breach);
                    break;
                }
            };
            for node in next {
                if seen.insert(node.clone()) {
                    stack.push((node, step + 1));
                }
            }
        }
        // Every node met is settled if the search found no query; otherwise
        // only the start is known (to be unsettled, or broken): a node met on
        // the way may still be settled from its own context.
        if found == Settled::Yes {
            for node in seen {
                self.known.insert((key.clone(), node), Settled::Yes);
            }
        } else {
            self.known.insert((key.clone(), start), found.clone());
        }
        found
    }

    /// The contexts after one quiet step from `ctx` at step `step`, or `None`
    /// if `θ > 0` there (the imitator may ask); an error if the rule moves its
    /// posterior on one of those quiet steps.
    fn quiet_successors(&self, posterior: &[Rational], ctx: &[u32], step: usize) -> Result<Option<Vec<Node>>, Breach> {
        let s = self.scenario;
        let dists: Vec<&[Rational]> = s.models.iter().zip(ctx).map(|(m, &c)| m.kind.distribution(c as usize)).collect();
        let policy = self.rule.policy(&PolicyInput { step, posterior, dists: &dists, alpha: &s.alpha });
        if !policy.theta.is_zero() {
            return Ok(None);
        }
        trust::unqueried_update(self.rule, posterior, &policy.m, &dists)?;
        if self.check_top {
            trust::alpha_top_set(posterior, &s.alpha, &policy.top)?;
        }
        let env_ctx = *ctx.last().expect("the environment's context") as usize;
        let next_phase = self.rule.phase(step + 1) as u32;
        let mut out = Vec::new();
        for (a, m) in policy.m.iter().enumerate() {
            if m.is_zero() {
                continue;
            }
            for (o, po) in s.environment.distribution(env_ctx, a).iter().enumerate() {
                if po.is_zero() {
                    continue;
                }
                let mut next: Vec<u32> =
                    s.models.iter().zip(ctx).map(|(md, &c)| md.kind.next_context(c as usize, a, o) as u32).collect();
                next.push(s.environment.next_context(env_ctx, a, o) as u32);
                out.push((next, next_phase));
            }
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitator::{Standard, Variant};
    use crate::number::ratio;

    const THREE_COINS: &str = include_str!("../../tests/fixtures/three-coins-no-events.toml");

    /// The truth reads the last action; a rival agrees after `a` and disagrees after `b`.
    const MARKOV: &str = include_str!("../../tests/fixtures/markov-agree-until-b.toml");

    #[test]
    fn a_state_with_one_collected_iid_model_is_settled() {
        let s = Scenario::parse(THREE_COINS, "t.toml", "t").expect("valid");
        let rule = Standard::new(Variant::Conservative, 0);
        let mut cache = SettledCache::new(&s, &rule);
        let ctx = [0, 0, 0, 0];
        // Fair far ahead: heads-biased and tails-biased are below α·Σ above: Top = {fair}.
        assert!(cache.is_settled(&1u8, &[ratio(98, 100), ratio(1, 100), ratio(1, 100)], &ctx, 5));
        // Two collected models that disagree: θ > 0 now.
        assert!(!cache.is_settled(&2u8, &[ratio(1, 2), ratio(1, 2), ratio(0, 1)], &ctx, 5));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_quiet_context_that_leads_to_a_query_is_not_settled() {
        let s = Scenario::parse(MARKOV, "m.toml", "m").expect("valid");
        let rule = Standard::new(Variant::Conservative, 0);
        let mut cache = SettledCache::new(&s, &rule);
        let post = [ratio(1, 2), ratio(1, 2)];
        // At the start both models say `a` for sure: θ = 0, the imitator takes `a`;
        // after `a` they agree again (θ = 0), and it may take `b`; after `b` they
        // disagree: θ = 1/2. So the start is not settled, though quiet itself.
        assert!(!cache.is_settled(&0u8, &post, &[0, 0, 0], 1));
        // With the rival out of the top set, nothing disagrees: settled everywhere.
        let post = [ratio(99, 100), ratio(1, 100)];
        assert!(cache.is_settled(&1u8, &post, &[0, 0, 0], 1));
        assert!(cache.is_settled(&1u8, &post, &[2, 2, 0], 7));
    }

    #[test]
    fn map_is_settled_exactly_after_its_warm_up() {
        let s = Scenario::parse(THREE_COINS, "t.toml", "t").expect("valid");
        let rule = Standard::new(Variant::Map, 2);
        let mut cache = SettledCache::new(&s, &rule);
        let post = [ratio(1, 3), ratio(1, 3), ratio(1, 3)];
        let ctx = [0, 0, 0, 0];
        // Steps 1 and 2 query (θ = 1); from step 3 on it never asks.
        assert!(!cache.is_settled(&0u8, &post, &ctx, 1));
        assert!(!cache.is_settled(&0u8, &post, &ctx, 2));
        assert!(cache.is_settled(&0u8, &post, &ctx, 3));
        assert!(cache.is_settled(&0u8, &post, &ctx, 40));
        let always = Standard::new(Variant::AlwaysQuery, 0);
        let mut cache = SettledCache::new(&s, &always);
        assert!(!cache.is_settled(&0u8, &[ratio(1, 1), ratio(0, 1), ratio(0, 1)], &ctx, 9));
    }
}
