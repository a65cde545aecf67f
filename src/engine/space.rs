//! The state space: histories whose futures are identical, merged once.
//!
//! The imitator's policy at a history depends only on the normalized
//! posterior, each model's and the environment's context, and the rule's phase
//! (the warm-up of `map` and `mixture`). A [`State`] is one such key with its
//! policy and its transitions, computed once and shared by every history that
//! reaches it. Both engines walk this graph: the exhaustive engine one history
//! at a time, the lumped engine one depth at a time. This is Storm's and
//! PRISM's *build the state space, then check properties on it*.

use crate::imitator::{PolicyInput, Rule};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::{One, Zero};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};

/// What determines a history's future.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateKey {
    /// The normalized posterior, in declaration order.
    pub posterior: Vec<Rational>,
    /// Each model's context, then the environment's.
    pub contexts: Vec<u32>,
    /// The rule's phase at the next step.
    pub phase: u32,
}

/// Hashes the posterior through its numerators and denominators.
///
/// `BigRational` values are always kept in lowest terms with a positive
/// denominator, so equal values have equal parts and this agrees with `Eq`.
/// (num-rational's own `Hash` expands a continued fraction so that unreduced
/// ratios hash alike, which costs a division per term on large posteriors.)
impl Hash for StateKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        for r in &self.posterior {
            r.numer().hash(h);
            r.denom().hash(h);
        }
        self.contexts.hash(h);
        self.phase.hash(h);
    }
}

/// One step out of a state, with its probability under the imitator.
#[derive(Debug, Clone)]
pub struct Transition {
    pub queried: bool,
    pub action: usize,
    pub observation: usize,
    /// `m(a)·ρ(o|a)` without a query, `θ·μ(a)·ρ(o|a)` with one; always positive.
    pub prob: Rational,
    pub child: u32,
}

/// A merged history: its key, the imitator's policy there, and where it goes.
#[derive(Debug, Clone)]
pub struct State {
    pub key: StateKey,
    pub ranking: Vec<usize>,
    pub top: Vec<usize>,
    pub m: Vec<Rational>,
    pub theta: Rational,
    /// Whether the truth is in the top set here.
    pub truth_in_top: bool,
    /// Whether the truth is in the top set and some action breaks the per-step bound.
    pub violates: bool,
    /// Filled by [`StateSpace::expand`].
    pub transitions: Vec<Transition>,
    /// The rule's phase at the next step when the transitions were built
    /// (`None` until then): the transitions may be reused only where it is the same.
    next_phase: Option<u32>,
}

/// The states reached so far, interned by key.
pub struct StateSpace<'s> {
    scenario: &'s Scenario,
    rule: &'s dyn Rule<Rational>,
    states: Vec<State>,
    index: FxHashMap<StateKey, u32>,
}

impl<'s> StateSpace<'s> {
    /// A state space holding the root (the empty history) as state 0.
    pub fn new(scenario: &'s Scenario, rule: &'s dyn Rule<Rational>) -> Self {
        let mut space = StateSpace { scenario, rule, states: Vec::new(), index: FxHashMap::default() };
        let mut contexts: Vec<u32> = scenario.models.iter().map(|m| m.kind.initial_context() as u32).collect();
        contexts.push(scenario.environment.initial_context() as u32);
        let key = StateKey {
            posterior: scenario.models.iter().map(|m| m.prior.clone()).collect(),
            contexts,
            phase: rule.phase(1) as u32,
        };
        space.intern(key, 1);
        space
    }

    pub fn scenario(&self) -> &'s Scenario {
        self.scenario
    }

    pub fn state(&self, id: u32) -> &State {
        &self.states[id as usize]
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    fn dists(&self, contexts: &[u32]) -> Vec<&'s [Rational]> {
        self.scenario.models.iter().zip(contexts).map(|(m, &c)| m.kind.distribution(c as usize)).collect()
    }

    /// The state for `key`, reached before step `step`: its policy, not yet expanded.
    fn make_state(&self, key: StateKey, step: usize) -> State {
        let s = self.scenario;
        let dists = self.dists(&key.contexts);
        let policy = self.rule.policy(&PolicyInput { step, posterior: &key.posterior, dists: &dists, alpha: &s.alpha });
        let truth = dists[s.truth];
        let truth_in_top = policy.collects(s.truth);
        let violates = truth_in_top && crate::checks::breaks_per_step(&policy.m, &policy.theta, truth);
        State {
            key,
            ranking: policy.ranking,
            top: policy.top,
            m: policy.m,
            theta: policy.theta,
            truth_in_top,
            violates,
            transitions: Vec::new(),
            next_phase: None,
        }
    }

    /// Finds or creates the state for `key`, reached before step `step`.
    fn intern(&mut self, key: StateKey, step: usize) -> u32 {
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let state = self.make_state(key.clone(), step);
        self.push(key, state)
    }

    fn push(&mut self, key: StateKey, state: State) -> u32 {
        let id = self.states.len() as u32;
        self.index.insert(key, id);
        self.states.push(state);
        id
    }

    /// The steps out of state `id` at depth `depth`, each with its child's key.
    fn successors(&self, id: u32, depth: usize) -> Vec<(Transition, StateKey)> {
        let s = self.scenario;
        let st = &self.states[id as usize];
        let key = &st.key;
        let dists = self.dists(&key.contexts);
        let env_ctx = *key.contexts.last().expect("the environment's context") as usize;
        let next_phase = self.rule.phase(depth + 2) as u32;
        let mut out = Vec::new();
        for queried in [false, true] {
            for a in 0..s.actions.len() {
                let pa = if queried { &st.theta * &dists[s.truth][a] } else { st.m[a].clone() };
                if pa.is_zero() || pa < Rational::zero() {
                    continue;
                }
                let posterior = self.rule.observe(&key.posterior, queried, a, &dists);
                for (o, po) in s.environment.distribution(env_ctx, a).iter().enumerate() {
                    if po.is_zero() {
                        continue;
                    }
                    let mut contexts: Vec<u32> = s
                        .models
                        .iter()
                        .zip(&key.contexts)
                        .map(|(md, &c)| md.kind.next_context(c as usize, a, o) as u32)
                        .collect();
                    contexts.push(s.environment.next_context(env_ctx, a, o) as u32);
                    let child = StateKey { posterior: posterior.clone(), contexts, phase: next_phase };
                    out.push((
                        Transition { queried, action: a, observation: o, prob: &pa * po, child: u32::MAX },
                        child,
                    ));
                }
            }
        }
        out
    }

    /// Computes the transitions of state `id`, which is at depth `depth` (before step `depth + 1`).
    ///
    /// The step number only matters through the rule's phase, which is part of
    /// the key, so a state's transitions are the same at every depth it is reached.
    pub fn expand(&mut self, id: u32, depth: usize) {
        self.expand_all(&[id], depth);
    }

    /// Expands every state of `ids` (all at depth `depth`) that is not yet expanded.
    ///
    /// The posterior updates and the new states' policies, the costly part,
    /// are computed in parallel; states are then numbered in the order of
    /// `ids` and their transitions, so the numbering is the same for any
    /// thread count.
    pub fn expand_all(&mut self, ids: &[u32], depth: usize) {
        // A state reached again at another depth reuses its transitions; that is
        // only right if the next step's phase is the same (the contract of
        // `Rule::phase`). A rule that breaks it is stopped here, not trusted.
        let next_phase = self.rule.phase(depth + 2) as u32;
        for &id in ids {
            if let Some(p) = self.states[id as usize].next_phase {
                assert_eq!(
                    p,
                    next_phase,
                    "rule `{}`: two steps with the same phase are followed by steps with different phases; \
                     Rule::phase must determine every later phase",
                    self.rule.name()
                );
            }
        }
        let mut todo: Vec<u32> =
            ids.iter().copied().filter(|&id| self.states[id as usize].next_phase.is_none()).collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return;
        }
        let this = &*self;
        let succ: Vec<Vec<(Transition, StateKey)>> = todo.par_iter().map(|&id| this.successors(id, depth)).collect();
        let mut fresh: Vec<StateKey> = Vec::new();
        let mut seen: FxHashMap<&StateKey, ()> = FxHashMap::default();
        for (_, k) in succ.iter().flatten() {
            if !self.index.contains_key(k) && seen.insert(k, ()).is_none() {
                fresh.push(k.clone());
            }
        }
        let step = depth + 2;
        let made: Vec<State> = fresh.par_iter().map(|k| this.make_state(k.clone(), step)).collect();
        for (k, st) in fresh.into_iter().zip(made) {
            self.push(k, st);
        }
        for (id, list) in todo.into_iter().zip(succ) {
            let transitions =
                list.into_iter().map(|(t, k)| Transition { child: self.index[&k], ..t }).collect::<Vec<_>>();
            let st = &mut self.states[id as usize];
            st.transitions = transitions;
            st.next_phase = Some(next_phase);
        }
    }

    /// The states reachable at each depth `0..=depth`, each layer sorted; layers
    /// before `depth` are expanded.
    pub fn layers(&mut self, depth: usize) -> Vec<Vec<u32>> {
        let mut layers = vec![vec![0u32]];
        for d in 0..depth {
            self.expand_all(&layers[d].clone(), d);
            let mut next: Vec<u32> =
                layers[d].iter().flat_map(|&id| self.states[id as usize].transitions.iter().map(|t| t.child)).collect();
            next.sort_unstable();
            next.dedup();
            layers.push(next);
        }
        layers
    }

    /// `1 + θ` at a state: the factor of `Π(1+θ)` that its step contributes.
    pub fn one_plus_theta(&self, id: u32) -> Rational {
        Rational::one() + &self.states[id as usize].theta
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitator::{Policy, Standard, Variant};

    /// Two models that agree, so a warm-up query leaves the posterior as it was.
    const AGREE: &str = r#"
actions = ["a", "b"]
alpha = "1/10"
truth = "x"
[[models]]
name = "x"
prior = "1/2"
iid = ["1/3", "2/3"]
[[models]]
name = "y"
prior = "1/2"
iid = ["1/3", "2/3"]
"#;

    /// `map` with a warm-up of 2 whose phase is only "in the warm-up or not":
    /// steps 1 and 2 share a phase but are followed by different ones.
    struct CoarsePhase(Standard);

    impl Rule<Rational> for CoarsePhase {
        fn policy(&self, input: &PolicyInput<Rational>) -> Policy<Rational> {
            self.0.policy(input)
        }
        fn observe(&self, p: &[Rational], q: bool, a: usize, d: &[&[Rational]]) -> Vec<Rational> {
            Rule::<Rational>::observe(&self.0, p, q, a, d)
        }
        fn phase(&self, step: usize) -> usize {
            (step <= self.0.warmup) as usize
        }
        fn name(&self) -> String {
            "coarse phase".into()
        }
    }

    #[test]
    #[should_panic(expected = "Rule::phase must determine every later phase")]
    fn a_phase_that_does_not_determine_the_next_is_refused() {
        let s = Scenario::parse(AGREE, "agree.toml", "agree").expect("valid");
        let rule = CoarsePhase(Standard::new(Variant::Map, 2));
        StateSpace::new(&s, &rule).layers(4);
    }

    #[test]
    fn the_standard_warm_up_phase_keeps_steps_apart() {
        let s = Scenario::parse(AGREE, "agree.toml", "agree").expect("valid");
        let rule = Standard::new(Variant::Map, 2);
        let mut space = StateSpace::new(&s, &rule);
        let layers = space.layers(4);
        // Steps 1 and 2 query (θ = 1); steps 3 and 4 act (θ = 0).
        let thetas: Vec<Vec<Rational>> =
            layers[..4].iter().map(|l| l.iter().map(|&id| space.state(id).theta.clone()).collect()).collect();
        let one = Rational::one();
        let zero = Rational::zero();
        assert_eq!(thetas, vec![vec![one.clone()], vec![one], vec![zero.clone()], vec![zero]]);
    }
}
