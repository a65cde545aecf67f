//! The state space: histories whose futures are identical, merged once.
//!
//! The imitator's policy at a history depends only on the normalized
//! posterior, each model's and the environment's context, and the rule's phase
//! (the warm-up of `map` and `mixture`). A [`State`] is one such key with its
//! policy and its transitions, computed once and shared by every history that
//! reaches it. Both engines walk this graph: the exhaustive engine one history
//! at a time, the lumped engine one depth at a time. This is Storm's and
//! PRISM's *build the state space, then check properties on it*.
//!
//! Posteriors, context tuples and exact probabilities are interned: a state's
//! key is three small integers, a transition names its probability by an id
//! into one table of values ([`StateSpace::value`]), and the big rationals are
//! hashed once, when they first appear.

use super::bayes::{BayesKeys, Factor, Key};
use crate::imitator::{PolicyInput, Rule};
use crate::limits::{Limit, LimitError};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::{One, Zero};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What determines a history's future, as interned ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateKey {
    /// The normalized posterior: an id for [`StateSpace::posterior`].
    pub posterior: u32,
    /// Each model's context, then the environment's: an id for [`StateSpace::contexts`].
    pub contexts: u32,
    /// The rule's phase at the next step.
    pub phase: u32,
}

/// One step out of a state, with its probability under the imitator.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Whether the step asks the demonstrator.
    pub queried: bool,
    /// Whether the truth gives this action positive probability here (the
    /// demonstrator could have taken it).
    pub truth_acts: bool,
    /// The action taken.
    pub action: u32,
    /// The observation that follows.
    pub observation: u32,
    /// `m(a)·ρ(o|a)` without a query, `θ·μ(a)·ρ(o|a)` with one; always
    /// positive. An id for [`StateSpace::value`].
    pub prob: u32,
    /// `(1+θ)·prob`, the step's factor of the `Π(1+θ)`-weighted probability: a value id.
    pub weighted: u32,
    /// The id of the state it leads to.
    pub child: u32,
}

/// A merged history: its key, the imitator's policy there, and where it goes.
#[derive(Debug, Clone)]
pub struct State {
    /// What identifies the state: the posterior and every model's context.
    pub key: StateKey,
    /// Model indices by posterior, largest first.
    pub ranking: Vec<usize>,
    /// The top set (a prefix of `ranking`).
    pub top: Vec<usize>,
    /// `m(a)`: the probability of taking `a` without a query.
    pub m: Vec<Rational>,
    /// `θ`: the probability of asking.
    pub theta: Rational,
    /// `θ` as a value id (equal ids, equal values).
    pub theta_id: u32,
    /// Each `m(a)` as a value id.
    pub m_ids: Box<[u32]>,
    /// The (probability, weighted probability) value ids of its transitions,
    /// in order, as an id for [`StateSpace::step_probs`] (states with equal
    /// policies and contexts share one).
    pub step_probs: u32,
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

/// A rational hashed through its numerator and denominator.
///
/// `BigRational` values are always kept in lowest terms with a positive
/// denominator, so equal values have equal parts and this agrees with `Eq`.
/// (num-rational's own `Hash` expands a continued fraction so that unreduced
/// ratios hash alike, which costs a division per term on large values.)
#[derive(Clone, PartialEq, Eq)]
struct Exact(Rational);

impl Hash for Exact {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.numer().hash(h);
        self.0.denom().hash(h);
    }
}

#[derive(Clone, PartialEq, Eq)]
struct Posterior(Arc<[Rational]>);

impl Hash for Posterior {
    fn hash<H: Hasher>(&self, h: &mut H) {
        for r in self.0.iter() {
            r.numer().hash(h);
            r.denom().hash(h);
        }
    }
}

/// Values stored once and named by a dense id.
struct Interner<K, V> {
    values: Vec<V>,
    index: FxHashMap<K, u32>,
}

impl<K: Hash + Eq, V> Interner<K, V> {
    fn new() -> Self {
        Interner { values: Vec::new(), index: FxHashMap::default() }
    }

    fn intern(&mut self, key: K, value: impl FnOnce(&K) -> V) -> u32 {
        let next = self.values.len() as u32;
        let values = &mut self.values;
        *self.index.entry(key).or_insert_with_key(|k| {
            values.push(value(k));
            next
        })
    }
}

/// A child's posterior, as [`StateSpace::successors`] finds it.
#[derive(Clone, Copy)]
enum ChildPosterior {
    /// The parent's own.
    Same,
    /// One already interned.
    Known(u32),
    /// A new value (an index into the successors' list).
    New(usize),
}

/// A step's probability and weighted probability: ids met before, or new values.
enum Probs {
    Known(u32, u32),
    New(Rational, Rational),
}

/// A child's context tuple: an id met before, or a new tuple.
enum Contexts {
    Known(u32),
    New(Vec<u32>),
}

/// A step out of a state before its child is interned.
struct Raw {
    queried: bool,
    truth_acts: bool,
    action: u32,
    observation: u32,
    probs: Probs,
    posterior: ChildPosterior,
    contexts: Contexts,
}

/// A posterior a state's successors lead to that is not interned yet.
enum NewPosterior {
    /// Computed by the rule.
    Value(Vec<Rational>),
    /// Bayes' rule on a queried action: computed later, once per distinct key.
    Keyed(Key, usize),
}

/// The steps out of one state: the new posteriors they lead to, then the steps.
type Successors = (Vec<NewPosterior>, Vec<Raw>);

/// The (probability, weighted probability) value ids of a state's steps, in order.
type StepProbs = Box<[(u32, u32)]>;

/// The states reached so far, interned by key.
pub struct StateSpace<'s> {
    scenario: &'s Scenario,
    rule: &'s dyn Rule<Rational>,
    states: Vec<State>,
    index: FxHashMap<StateKey, u32>,
    posteriors: Interner<Posterior, Arc<[Rational]>>,
    contexts: Interner<Arc<[u32]>, Arc<[u32]>>,
    values: Interner<Exact, Rational>,
    /// When the rule learns by Bayes' rule: the posteriors' keys.
    bayes: Option<BayesKeys>,
    /// Bayes: each posterior id's key, and the posterior of every key met.
    keys: Vec<Key>,
    by_key: FxHashMap<Key, u32>,
    /// Bayes: per context tuple, each action's factor.
    factors: Vec<Vec<Factor>>,
    /// The probabilities of a state's steps, by what they depend on (see
    /// [`StateSpace::probs_key`]), as ids into `step_lists`.
    probs: FxHashMap<Box<[u32]>, u32>,
    step_lists: Vec<StepProbs>,
    /// The context tuple after `(tuple, action, observation)`.
    next_contexts: FxHashMap<(u32, u32, u32), u32>,
    /// An estimate of the bytes held.
    bytes: u64,
    /// The most bytes [`StateSpace::try_expand_all`] lets the space hold (`u64::MAX`: no limit).
    max_bytes: u64,
}

impl<'s> StateSpace<'s> {
    /// A state space holding the root (the empty history) as state 0.
    pub fn new(scenario: &'s Scenario, rule: &'s dyn Rule<Rational>) -> Self {
        let mut space = StateSpace {
            scenario,
            rule,
            states: Vec::new(),
            index: FxHashMap::default(),
            posteriors: Interner::new(),
            contexts: Interner::new(),
            values: Interner::new(),
            // Over limits::MAX_BASE_WORK, posteriors are interned by value: the same states, more slowly.
            bayes: rule.learns_by_bayes().then(|| BayesKeys::new(scenario).ok()).flatten(),
            keys: Vec::new(),
            by_key: FxHashMap::default(),
            factors: Vec::new(),
            probs: FxHashMap::default(),
            step_lists: Vec::new(),
            next_contexts: FxHashMap::default(),
            bytes: 0,
            max_bytes: u64::MAX,
        };
        let mut contexts: Vec<u32> = scenario.models.iter().map(|m| m.kind.initial_context() as u32).collect();
        contexts.push(scenario.environment.initial_context() as u32);
        let posterior: Vec<Rational> = scenario.models.iter().map(|m| m.prior.clone()).collect();
        let root = match space.bayes.as_ref().map(|b| b.root(&posterior)) {
            Some(key) => space.intern_keyed(posterior, key),
            None => space.intern_posterior(posterior),
        };
        let key = StateKey { posterior: root, contexts: space.intern_contexts(contexts), phase: rule.phase(1) as u32 };
        let state = space.make_state(key, 1);
        space.push(state);
        space
    }

    /// The scenario the space is built on.
    pub fn scenario(&self) -> &'s Scenario {
        self.scenario
    }

    /// The state with id `id`.
    pub fn state(&self, id: u32) -> &State {
        &self.states[id as usize]
    }

    /// How many states are interned so far.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether no state is interned yet.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The posterior of posterior id `id`, in declaration order.
    pub fn posterior(&self, id: u32) -> &[Rational] {
        &self.posteriors.values[id as usize]
    }

    /// How many distinct posteriors have been met.
    pub fn posteriors(&self) -> usize {
        self.posteriors.values.len()
    }

    /// The context tuple of id `id`: each model's context, then the environment's.
    pub fn contexts(&self, id: u32) -> &[u32] {
        &self.contexts.values[id as usize]
    }

    /// The exact value of value id `id` (a transition's probability, a `θ`…).
    pub fn value(&self, id: u32) -> &Rational {
        &self.values.values[id as usize]
    }

    /// The (probability, weighted probability) value ids of the transitions of
    /// every state whose [`State::step_probs`] is `id`.
    pub fn step_probs(&self, id: u32) -> &[(u32, u32)] {
        &self.step_lists[id as usize]
    }

    /// How many distinct transition lists have been met.
    pub fn step_lists(&self) -> usize {
        self.step_lists.len()
    }

    /// How many distinct values have been interned.
    pub fn values(&self) -> usize {
        self.values.values.len()
    }

    fn intern_posterior(&mut self, p: Vec<Rational>) -> u32 {
        let before = self.posteriors.values.len();
        let bytes: u64 = 48 + p.iter().map(rational_bytes).sum::<u64>();
        let id = self.posteriors.intern(Posterior(p.into()), |k| k.0.clone());
        if self.posteriors.values.len() > before {
            self.bytes += bytes;
        }
        id
    }

    /// Interns a Bayes posterior with its key.
    fn intern_keyed(&mut self, p: Vec<Rational>, key: Key) -> u32 {
        let before = self.posteriors.values.len();
        let id = self.intern_posterior(p);
        let bytes = 4 * key.len() as u64 + 32;
        if self.posteriors.values.len() > before {
            self.bytes += bytes;
            self.keys.push(key.clone());
        }
        if let std::collections::hash_map::Entry::Vacant(v) = self.by_key.entry(key) {
            self.bytes += bytes;
            v.insert(id);
        }
        id
    }

    fn intern_contexts(&mut self, c: Vec<u32>) -> u32 {
        let models = self.scenario.models.len();
        let before = self.contexts.values.len();
        let id = self.contexts.intern(c.into(), |k| k.clone());
        if self.contexts.values.len() > before {
            self.bytes += 64 + 8 * models as u64;
            if let Some(b) = &self.bayes {
                let dists = self.dists(&self.contexts.values[id as usize]);
                let f: Vec<Factor> = (0..self.scenario.actions.len())
                    .map(|a| b.factor(&dists.iter().map(|d| &d[a]).collect::<Vec<_>>()))
                    .collect();
                self.factors.push(f);
            }
        }
        id
    }

    fn intern_value(&mut self, v: Rational) -> u32 {
        let before = self.values.values.len();
        let bytes = 32 + 2 * rational_bytes(&v);
        let id = self.values.intern(Exact(v), |k| k.0.clone());
        if self.values.values.len() > before {
            self.bytes += bytes;
        }
        id
    }

    fn dists(&self, contexts: &[u32]) -> Vec<&'s [Rational]> {
        self.scenario.models.iter().zip(contexts).map(|(m, &c)| m.kind.distribution(c as usize)).collect()
    }

    /// The state for `key`, reached before step `step`: its policy, not yet expanded.
    /// Its `theta_id` is filled in when it is pushed.
    fn make_state(&self, key: StateKey, step: usize) -> State {
        let s = self.scenario;
        let dists = self.dists(self.contexts(key.contexts));
        let posterior = self.posterior(key.posterior);
        let policy = self.rule.policy(&PolicyInput { step, posterior, dists: &dists, alpha: &s.alpha });
        let truth = dists[s.truth];
        let truth_in_top = policy.collects(s.truth);
        let violates = truth_in_top && crate::bounds::breaks_per_step(&policy.m, &policy.theta, truth);
        State {
            key,
            ranking: policy.ranking,
            top: policy.top,
            m: policy.m,
            theta: policy.theta,
            theta_id: u32::MAX,
            m_ids: Box::new([]),
            step_probs: u32::MAX,
            truth_in_top,
            violates,
            transitions: Vec::new(),
            next_phase: None,
        }
    }

    fn push(&mut self, mut state: State) -> u32 {
        let id = self.states.len() as u32;
        self.bytes += std::mem::size_of::<State>() as u64
            + 48
            + state.m.iter().map(rational_bytes).sum::<u64>()
            + rational_bytes(&state.theta)
            + 16 * (state.ranking.len() + state.top.len()) as u64;
        state.theta_id = self.intern_value(state.theta.clone());
        state.m_ids = state.m.iter().map(|m| self.intern_value(m.clone())).collect();
        self.index.insert(state.key, id);
        self.states.push(state);
        id
    }

    /// What a state's step probabilities depend on: `θ`, `m`, and the truth's
    /// and the environment's contexts.
    fn probs_key(&self, st: &State) -> Box<[u32]> {
        let contexts = self.contexts(st.key.contexts);
        let mut key = Vec::with_capacity(st.m_ids.len() + 3);
        key.push(st.theta_id);
        key.extend_from_slice(&st.m_ids);
        key.push(contexts[self.scenario.truth]);
        key.push(*contexts.last().expect("the environment's context"));
        key.into()
    }

    /// The steps out of state `id`, with their children's posteriors and contexts not yet interned.
    fn successors(&self, id: u32) -> Successors {
        let s = self.scenario;
        let st = &self.states[id as usize];
        let contexts = self.contexts(st.key.contexts);
        let posterior = self.posterior(st.key.posterior);
        let dists = self.dists(contexts);
        let env_ctx = *contexts.last().expect("the environment's context") as usize;
        let known = self.probs.get(&self.probs_key(st)).map(|&i| &self.step_lists[i as usize]);
        let one_plus = Rational::one() + &st.theta;
        let mut posteriors: Vec<NewPosterior> = Vec::new();
        let mut out = Vec::new();
        for queried in [false, true] {
            for a in 0..s.actions.len() {
                // The probability of the action (and query flag): positive, or the step is not taken.
                let positive = if queried {
                    st.theta > Rational::zero() && dists[s.truth][a] > Rational::zero()
                } else {
                    st.m[a] > Rational::zero()
                };
                if !positive {
                    continue;
                }
                let pa = || if queried { &st.theta * &dists[s.truth][a] } else { st.m[a].clone() };
                let post = if let Some(b) = &self.bayes {
                    if queried {
                        let key =
                            b.child(&self.keys[st.key.posterior as usize], &self.factors[st.key.contexts as usize][a]);
                        match self.by_key.get(&key) {
                            Some(&id) => ChildPosterior::Known(id),
                            None => {
                                posteriors.push(NewPosterior::Keyed(key, a));
                                ChildPosterior::New(posteriors.len() - 1)
                            }
                        }
                    } else {
                        ChildPosterior::Same
                    }
                } else {
                    let next = self.rule.observe(posterior, queried, a, &dists);
                    // A step that teaches nothing keeps the posterior's id.
                    if next.as_slice() == posterior {
                        ChildPosterior::Same
                    } else {
                        posteriors.push(NewPosterior::Value(next));
                        ChildPosterior::New(posteriors.len() - 1)
                    }
                };
                for (o, po) in s.environment.distribution(env_ctx, a).iter().enumerate() {
                    if po.is_zero() {
                        continue;
                    }
                    let contexts = match self.next_contexts.get(&(st.key.contexts, a as u32, o as u32)) {
                        Some(&c) => Contexts::Known(c),
                        None => {
                            let mut next: Vec<u32> = s
                                .models
                                .iter()
                                .zip(contexts)
                                .map(|(md, &c)| md.kind.next_context(c as usize, a, o) as u32)
                                .collect();
                            next.push(s.environment.next_context(env_ctx, a, o) as u32);
                            Contexts::New(next)
                        }
                    };
                    let probs = match known {
                        Some(ids) => {
                            let (p, w) = ids[out.len()];
                            Probs::Known(p, w)
                        }
                        None => {
                            let prob = pa() * po;
                            Probs::New(prob.clone(), &one_plus * &prob)
                        }
                    };
                    out.push(Raw {
                        queried,
                        truth_acts: !dists[s.truth][a].is_zero(),
                        action: a as u32,
                        observation: o as u32,
                        probs,
                        posterior: post,
                        contexts,
                    });
                }
            }
        }
        (posteriors, out)
    }

    /// Computes the transitions of state `id`, which is at depth `depth` (before step `depth + 1`).
    ///
    /// The step number only matters through the rule's phase, which is part of
    /// the key, so a state's transitions are the same at every depth it is reached.
    pub fn expand(&mut self, id: u32, depth: usize) {
        self.expand_all(&[id], depth);
    }

    /// Bounds the memory the space may hold, by its own estimate
    /// ([`StateSpace::memory_bytes`]): [`StateSpace::try_expand_all`] refuses,
    /// before it allocates, an expansion that could take the space past `bytes`.
    pub fn set_memory_limit(&mut self, bytes: u64) {
        self.max_bytes = bytes;
    }

    /// An upper estimate of the bytes that expanding state `id` may add: every
    /// step out of it leads to a new state whose numbers are up to twice as
    /// long as its own, with the step's records and what is held while the
    /// steps are built.
    fn expansion_bound(&self, id: u32) -> u64 {
        let s = self.scenario;
        let st = &self.states[id as usize];
        let (actions, models) = (s.actions.len() as u64, s.models.len() as u64);
        let steps = 2 * actions * s.observations.len() as u64;
        let posterior: u64 = self.posterior(st.key.posterior).iter().map(rational_bytes).sum();
        let numbers: u64 = st.m.iter().map(rational_bytes).sum::<u64>() + rational_bytes(&st.theta);
        let fixed = (std::mem::size_of::<Transition>() + std::mem::size_of::<Raw>() + std::mem::size_of::<State>())
            as u64
            + 4 * 48
            + 64
            + 16 * models
            + 32 * actions
            + 8;
        let per_step = fixed + 2 * (48 + posterior + 4 * models + 32) + 2 * (numbers + 32 * (actions + 1)) + 4 * 128;
        steps.saturating_mul(per_step)
    }

    /// [`StateSpace::expand_all`] within the memory limit
    /// ([`StateSpace::set_memory_limit`]): the states are expanded in groups,
    /// each small enough that even its upper estimate
    /// ([`StateSpace::expansion_bound`]) fits in half of what is left of
    /// seven eighths of the limit, so the space never goes past the limit. When not even one more state fits,
    /// returns a [`LimitError`] with [`Limit::Memory`] before allocating; the
    /// states expanded until then stay expanded. Under a limit the space never
    /// reaches, this is `expand_all`, with the same numbering.
    pub fn try_expand_all(&mut self, ids: &[u32], depth: usize) -> Result<(), LimitError> {
        let mut todo: Vec<u32> =
            ids.iter().copied().filter(|&id| self.states[id as usize].next_phase.is_none()).collect();
        todo.sort_unstable();
        todo.dedup();
        let mut start = 0;
        while start < todo.len() {
            let held = self.memory_bytes();
            // An eighth of the limit is kept for what the estimate does not see (the allocator's own).
            let left = (self.max_bytes - self.max_bytes / 8).saturating_sub(held);
            let mut end = start;
            let mut bound = 0u64;
            while end < todo.len() {
                let b = self.expansion_bound(todo[end]);
                if end > start && bound.saturating_add(b) > left / 2 {
                    break;
                }
                bound = bound.saturating_add(b);
                end += 1;
            }
            if bound > left {
                return Err(LimitError::new(
                    Limit::Memory,
                    format!(
                        "the state space would take up to about {} MiB more than the {} MiB it holds to expand its \
                         states at depth {depth}, past its memory limit of {} MiB",
                        bound.div_ceil(1 << 20),
                        held >> 20,
                        self.max_bytes >> 20
                    ),
                ));
            }
            // Whole when it fits: the numbering of the states is then that of one call.
            if start == 0 && end == todo.len() {
                self.expand_all(ids, depth);
                return Ok(());
            }
            self.expand_all(&todo[start..end], depth);
            start = end;
        }
        // Checks the phases of the states expanded before, as `expand_all` does.
        self.expand_all(ids, depth);
        Ok(())
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
        let mut todo: Vec<u32> = Vec::new();
        for &id in ids {
            match self.states[id as usize].next_phase {
                Some(p) => assert_eq!(
                    p,
                    next_phase,
                    "rule `{}`: two steps with the same phase are followed by steps with different phases; \
                     Rule::phase must determine every later phase",
                    self.rule.name()
                ),
                None => todo.push(id),
            }
        }
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return;
        }
        let this = &*self;
        let succ: Vec<Successors> = todo.par_iter().map(|&id| this.successors(id)).collect();
        // Bayes posteriors not met yet: each distinct key once.
        let mut batch: FxHashMap<&Key, usize> = FxHashMap::default();
        let mut tasks: Vec<(u32, usize, &Key)> = Vec::new();
        for (&id, (posteriors, _)) in todo.iter().zip(&succ) {
            for p in posteriors {
                if let NewPosterior::Keyed(c, a) = p {
                    batch.entry(c).or_insert_with(|| {
                        tasks.push((id, *a, c));
                        tasks.len() - 1
                    });
                }
            }
        }
        // The rule learns by Bayes' rule, so the value is the key's.
        let bayes = self.bayes.as_ref();
        let values: Vec<Vec<Rational>> =
            tasks.par_iter().map(|&(_, _, key)| bayes.expect("keys only under Bayes' rule").posterior(key)).collect();
        let counted: Vec<u32> =
            tasks.iter().zip(values).map(|(&(_, _, c), v)| self.intern_keyed(v, c.clone())).collect();
        let task_of: FxHashMap<Key, u32> = batch.into_iter().map(|(c, t)| (c.clone(), counted[t])).collect();
        // Intern in a fixed order: the ids are the same for any thread count.
        let mut fresh: Vec<StateKey> = Vec::new();
        let mut lists: Vec<Vec<(Raw, StateKey)>> = Vec::with_capacity(todo.len());
        for (&id, (posteriors, raws)) in todo.iter().zip(succ) {
            let own = self.states[id as usize].key.posterior;
            let ids: Vec<u32> = posteriors
                .into_iter()
                .map(|p| match p {
                    NewPosterior::Value(v) => self.intern_posterior(v),
                    NewPosterior::Keyed(c, _) => task_of[&c],
                })
                .collect();
            let mut list = Vec::with_capacity(raws.len());
            let parent = self.states[id as usize].key.contexts;
            for mut raw in raws {
                let posterior = match raw.posterior {
                    ChildPosterior::Same => own,
                    ChildPosterior::Known(p) => p,
                    ChildPosterior::New(i) => ids[i],
                };
                let contexts = match std::mem::replace(&mut raw.contexts, Contexts::Known(0)) {
                    Contexts::Known(c) => c,
                    Contexts::New(v) => {
                        let c = self.intern_contexts(v);
                        self.next_contexts.insert((parent, raw.action, raw.observation), c);
                        c
                    }
                };
                let key = StateKey { posterior, contexts, phase: next_phase };
                if let std::collections::hash_map::Entry::Vacant(v) = self.index.entry(key) {
                    v.insert(u32::MAX);
                    fresh.push(key);
                }
                list.push((raw, key));
            }
            lists.push(list);
        }
        let step = depth + 2;
        let this = &*self;
        let made: Vec<State> = fresh.par_iter().map(|&k| this.make_state(k, step)).collect();
        for st in made {
            self.push(st);
        }
        for (id, list) in todo.into_iter().zip(lists) {
            let mut transitions = Vec::with_capacity(list.len());
            let mut fresh_probs = false;
            for (raw, key) in list {
                let (prob, weighted) = match raw.probs {
                    Probs::Known(p, w) => (p, w),
                    Probs::New(p, w) => {
                        fresh_probs = true;
                        (self.intern_value(p), self.intern_value(w))
                    }
                };
                transitions.push(Transition {
                    queried: raw.queried,
                    truth_acts: raw.truth_acts,
                    action: raw.action,
                    observation: raw.observation,
                    prob,
                    weighted,
                    child: self.index[&key],
                });
            }
            let key = self.probs_key(&self.states[id as usize]);
            let list = match self.probs.get(&key) {
                Some(&i) if !fresh_probs => i,
                _ => {
                    self.step_lists.push(transitions.iter().map(|t| (t.prob, t.weighted)).collect());
                    let i = self.step_lists.len() as u32 - 1;
                    self.probs.insert(key, i);
                    i
                }
            };
            self.bytes += (transitions.capacity() * std::mem::size_of::<Transition>()) as u64;
            let st = &mut self.states[id as usize];
            st.transitions = transitions;
            st.step_probs = list;
            st.next_phase = Some(next_phase);
        }
    }

    /// The states reachable at each depth `0..=depth`, each layer sorted; layers
    /// before `depth` are expanded.
    pub fn layers(&mut self, depth: usize) -> Vec<Vec<u32>> {
        let limit = std::mem::replace(&mut self.max_bytes, u64::MAX);
        let layers = self.try_layers(depth, crate::progress::SILENT).expect("no memory limit");
        self.max_bytes = limit;
        layers
    }

    /// [`StateSpace::layers`] within the memory limit
    /// ([`StateSpace::set_memory_limit`], [`StateSpace::try_expand_all`]);
    /// `watch` hears of each depth expanded, as `(depth, depth of the run)`.
    pub fn try_layers(
        &mut self,
        depth: usize,
        watch: &dyn crate::progress::Watch,
    ) -> Result<Vec<Vec<u32>>, LimitError> {
        let mut layers = vec![vec![0u32]];
        for d in 0..depth {
            self.try_expand_all(&layers[d].clone(), d)?;
            watch.tick(d as u64 + 1, depth as u64);
            let mut next: Vec<u32> =
                layers[d].iter().flat_map(|&id| self.states[id as usize].transitions.iter().map(|t| t.child)).collect();
            next.sort_unstable();
            next.dedup();
            layers.push(next);
        }
        Ok(layers)
    }

    /// `1 + θ` at a state: the factor of `Π(1+θ)` that its step contributes.
    pub fn one_plus_theta(&self, id: u32) -> Rational {
        Rational::one() + &self.states[id as usize].theta
    }

    /// An estimate of the memory the state space holds, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.bytes
            + 48 * (self.index.capacity() + self.posteriors.index.capacity() + self.values.index.capacity()) as u64
    }
}

fn rational_bytes(r: &Rational) -> u64 {
    64 + 8 * (r.numer().bits().div_ceil(64) + r.denom().bits().div_ceil(64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitator::{Policy, Standard, Variant};

    /// Two models that agree, so a warm-up query leaves the posterior as it was.
    const AGREE: &str = include_str!("../../tests/fixtures/agree-thirds.toml");

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

    #[test]
    fn equal_values_share_an_id_and_keys_are_interned_once() {
        let s =
            Scenario::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/three-coins.toml")).expect("example");
        let rule = Standard::new(Variant::Conservative, 0);
        let mut space = StateSpace::new(&s, &rule);
        let layers = space.layers(6);
        for layer in &layers[..6] {
            for &id in layer {
                let st = space.state(id);
                assert_eq!(space.value(st.theta_id), &st.theta);
                let total = st.transitions.iter().fold(Rational::zero(), |t, tr| t + space.value(tr.prob));
                assert!(total.is_one(), "a state's transitions sum to 1");
                for tr in &st.transitions {
                    assert_eq!(space.value(tr.weighted), &(space.one_plus_theta(id) * space.value(tr.prob)));
                }
            }
        }
        // Three iid models and one observation: the contexts never change, and
        // a key is its posterior alone.
        let posteriors: std::collections::BTreeSet<u32> =
            layers.iter().flatten().map(|&id| space.state(id).key.posterior).collect();
        assert_eq!(posteriors.len(), space.len());
        assert_eq!(space.posteriors(), space.len());
    }
}
