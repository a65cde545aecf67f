//! How the chain is kept: an [`Observer`] of the lumped engine that numbers
//! the entries of each layer, keeps one transition per distinct successor
//! with its exact probability, and labels and rewards every state, checking
//! as it goes the properties a chain must have and its own limits.

use super::{event_labels, Chain, ChainError, Label, Options};
use crate::engine::lumped::{Control, EntryRef, LayerView, Observer};
use crate::engine::settled::SettledCache;
use crate::imitator::Rule;
use crate::limits::{Limit, LimitError};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::{One, Zero};
use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::{Hash, Hasher};

/// A rational hashed through its parts (in lowest terms, so equal values hash alike).
#[derive(Clone, PartialEq, Eq)]
struct Exact(Rational);

impl Hash for Exact {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.numer().hash(h);
        self.0.denom().hash(h);
    }
}

/// Bytes of a rational, roughly, for the memory estimate.
fn rational_bytes(r: &Rational) -> u64 {
    48 + (r.numer().bits() + r.denom().bits()) / 8
}

const NONE: u32 = u32::MAX;

/// Bytes in MiB, for a message.
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

/// The observer that keeps the chain.
pub(super) struct Builder<'s> {
    scenario: &'s Scenario,
    opts: Options,
    settled: SettledCache<'s, u32>,
    first: Vec<u32>,
    row: Vec<u32>,
    targets: Vec<u32>,
    probs: Vec<u32>,
    rewards: [Vec<u32>; 3],
    values: Vec<Rational>,
    index: FxHashMap<Exact, u32>,
    /// The chain's value id of each of the state space's value ids met.
    from_space: Vec<u32>,
    /// The chain's value id of `1/post(μ)`, by posterior id.
    inverse: Vec<u32>,
    /// `θ³` by the chain's value id of `θ`.
    cubes: FxHashMap<u32, u32>,
    /// Transition lists (by value id) whose sum is known to be 1.
    checked: FxHashSet<Box<[u32]>>,
    /// Labels `init`, `excluded`, `settled`, `last`, then one per event.
    label_states: Vec<Vec<u32>>,
    zero: u32,
    one: u32,
    bytes: u64,
    pub(super) failure: Option<ChainError>,
}

impl<'s> Builder<'s> {
    pub(super) fn new(scenario: &'s Scenario, rule: &'s dyn Rule<Rational>, opts: Options) -> Self {
        let events = if opts.events { scenario.events.len() } else { 0 };
        let mut b = Builder {
            scenario,
            opts,
            settled: SettledCache::new(scenario, rule),
            first: Vec::new(),
            row: vec![0],
            targets: Vec::new(),
            probs: Vec::new(),
            rewards: Default::default(),
            values: Vec::new(),
            index: FxHashMap::default(),
            from_space: Vec::new(),
            inverse: Vec::new(),
            cubes: FxHashMap::default(),
            checked: FxHashSet::default(),
            label_states: vec![Vec::new(); 4 + events],
            zero: 0,
            one: 0,
            bytes: 0,
            failure: None,
        };
        b.zero = b.intern(Rational::zero());
        b.one = b.intern(Rational::one());
        b
    }

    fn intern(&mut self, v: Rational) -> u32 {
        let key = Exact(v);
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = self.values.len() as u32;
        self.bytes += 2 * rational_bytes(&key.0) + 16;
        self.values.push(key.0.clone());
        self.index.insert(key, id);
        id
    }

    /// The chain's id of the state space's value `id`.
    fn space_value(&mut self, view: &LayerView, id: u32) -> u32 {
        if self.from_space.len() <= id as usize {
            self.from_space.resize(id as usize + 1, NONE);
        }
        if self.from_space[id as usize] == NONE {
            let v = self.intern(view.space().value(id).clone());
            self.from_space[id as usize] = v;
        }
        self.from_space[id as usize]
    }

    /// `1/post(μ)` at posterior id `posterior`, or `None` when the truth's posterior is 0.
    fn inverse_truth(&mut self, view: &LayerView, posterior: u32) -> Option<u32> {
        if self.inverse.len() <= posterior as usize {
            self.inverse.resize(posterior as usize + 1, NONE);
        }
        if self.inverse[posterior as usize] == NONE {
            let p = &view.space().posterior(posterior)[self.scenario.truth];
            if p.is_zero() {
                return None;
            }
            let v = self.intern(p.recip());
            self.inverse[posterior as usize] = v;
        }
        Some(self.inverse[posterior as usize])
    }

    /// The transitions out of the previous layer's entries, from the step's edges.
    fn transitions(
        &mut self,
        view: &LayerView,
        from_base: u32,
        from_len: usize,
        to_base: u32,
    ) -> Result<(), ChainError> {
        let edges = view.edges().ok_or_else(|| {
            ChainError::Invalid(format!("the lumped engine listed no transitions into depth {}", view.depth()))
        })?;
        let mut at = 0;
        let mut out: Vec<(u32, u32)> = Vec::new();
        for i in 0..from_len as u32 {
            out.clear();
            while at < edges.len() && edges[at].from == i {
                let p = self.space_value(view, edges[at].prob);
                out.push((to_base + edges[at].to, p));
                at += 1;
            }
            // Two transitions of an entry may lead to the same entry: one transition, their sum.
            out.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(out.len());
            for &(t, p) in &out {
                match merged.last_mut() {
                    Some(last) if last.0 == t => {
                        let sum = &self.values[last.1 as usize] + &self.values[p as usize];
                        last.1 = self.intern(sum);
                    }
                    _ => merged.push((t, p)),
                }
            }
            let state = from_base + i;
            self.check_sum(state, merged.iter().map(|&(_, p)| p).collect())?;
            for (t, p) in merged {
                self.targets.push(t);
                self.probs.push(p);
            }
            self.row.push(self.targets.len() as u32);
        }
        if at != edges.len() {
            return Err(ChainError::Invalid(format!(
                "the step into depth {} lists transitions out of entries its source layer does not hold",
                view.depth()
            )));
        }
        self.bytes += 12 * edges.len() as u64;
        Ok(())
    }

    /// Asserts, exactly, that a state's outgoing probabilities sum to 1.
    fn check_sum(&mut self, state: u32, mut ids: Vec<u32>) -> Result<(), ChainError> {
        ids.sort_unstable();
        let key: Box<[u32]> = ids.into();
        if self.checked.contains(&key) {
            return Ok(());
        }
        let sum = key.iter().fold(Rational::zero(), |s, &p| s + &self.values[p as usize]);
        if !sum.is_one() {
            return Err(ChainError::Invalid(format!(
                "state {state}'s transitions sum to {}, not 1",
                crate::number::fmt_exact(&sum)
            )));
        }
        self.bytes += 4 * key.len() as u64 + 32;
        self.checked.insert(key);
        Ok(())
    }

    /// Records the states of one layer: rewards and labels.
    fn states(&mut self, view: &LayerView, base: u32) -> Result<(), ChainError> {
        let d = view.depth();
        let last = d == self.opts.depth;
        let space = view.space();
        let entries: Vec<EntryRef> = view.entries().collect();
        for (i, e) in entries.iter().enumerate() {
            let id = base + i as u32;
            let st = view.state(e);
            let (theta, cube) = if last {
                (self.zero, self.zero)
            } else {
                let t = self.space_value(view, st.theta_id);
                let c = match self.cubes.get(&t) {
                    Some(&c) => c,
                    None => {
                        let v = &self.values[t as usize];
                        let c = self.intern(v * v * v);
                        self.cubes.insert(t, c);
                        c
                    }
                };
                (t, c)
            };
            let inverse = self.inverse_truth(view, st.key.posterior).ok_or_else(|| {
                ChainError::Invalid(format!(
                    "the truth's posterior is 0 at a state of depth {d}: 1/post(mu) is not a number, so the \
                     inv_post_truth reward cannot be written"
                ))
            })?;
            self.rewards[0].push(theta);
            self.rewards[1].push(cube);
            self.rewards[2].push(inverse);
            if d == 0 {
                self.label_states[0].push(id);
            }
            if !st.truth_in_top {
                self.label_states[1].push(id);
            }
            let posterior = space.posterior(st.key.posterior);
            if self.settled.is_settled(&st.key.posterior, posterior, space.contexts(st.key.contexts), d + 1) {
                self.label_states[2].push(id);
            }
            if last {
                self.label_states[3].push(id);
                for k in 0..self.label_states.len() - 4 {
                    if view.in_event(e, k) {
                        self.label_states[4 + k].push(id);
                    }
                }
            }
        }
        self.bytes += 12 * entries.len() as u64 + 8;
        Ok(())
    }

    fn layer_inner(&mut self, view: &LayerView) -> Result<(), ChainError> {
        let d = view.depth();
        if d == 0 {
            self.first.push(0);
        }
        // `first` ends with the end of depth d-1: where depth d starts.
        let base = *self.first.last().unwrap_or(&0);
        let end = base as u64 + view.len() as u64;
        if end >= NONE as u64 {
            return Err(ChainError::Limit(LimitError::new(
                Limit::ChainStates,
                format!("the chain would have more than {} states by depth {d}", NONE - 1),
            )));
        }
        let end = end as u32;
        if d > 0 {
            let from_base = self.first[d - 1];
            self.transitions(view, from_base, (base - from_base) as usize, base)?;
        }
        self.first.push(end);
        self.states(view, base)?;
        if d == self.opts.depth {
            // The last depth is absorbing.
            for i in base..end {
                self.targets.push(i);
                self.probs.push(self.one);
                self.row.push(self.targets.len() as u32);
            }
        }
        let held = self.bytes + 4 * (self.targets.len() + self.probs.len() + self.row.len()) as u64;
        if held.saturating_add(view.memory_bytes()) > self.opts.limits.max_memory {
            return Err(ChainError::Limit(LimitError::new(
                Limit::Memory,
                format!(
                    "the chain to depth {d} takes about {:.1} MiB besides the engine's {:.1} MiB, past the memory \
                     limit of {} MiB",
                    mib(held),
                    mib(view.memory_bytes()),
                    self.opts.limits.max_memory >> 20
                ),
            )));
        }
        Ok(())
    }

    pub(super) fn finish(self, scenario: &Scenario, rule: &dyn Rule<Rational>) -> Result<Chain, ChainError> {
        let depth = self.opts.depth;
        if self.first.len() != depth + 2 || self.row.len() != *self.first.last().unwrap_or(&0) as usize + 1 {
            return Err(ChainError::Invalid(format!("the lumped engine did not show every depth 0..{depth}")));
        }
        let events = event_labels(if self.opts.events { &scenario.events } else { &[] });
        let mut meanings: Vec<String> = vec![
            "the initial state".into(),
            "the truth is not in the top set at the state, so E fails at the next step".into(),
            "no query ever happens again from the state".into(),
            format!("the states after {depth} steps (absorbing)"),
        ];
        let mut names: Vec<String> = ["init", "excluded", "settled", "last"].map(String::from).to_vec();
        for e in &events {
            names.push(e.label.clone());
            meanings.push(format!("at depth {depth}, the world history is in event \"{}\"", e.event));
        }
        let labels = names
            .into_iter()
            .zip(meanings)
            .zip(self.label_states)
            .filter(|(_, states)| !states.is_empty())
            .map(|((name, meaning), states)| Label { name, meaning, states })
            .collect();
        Ok(Chain {
            scenario: scenario.name.clone(),
            rule: rule.name(),
            depth,
            first: self.first,
            row: self.row,
            targets: self.targets,
            probs: self.probs,
            rewards: self.rewards,
            values: self.values,
            labels,
            events,
        })
    }
}

impl Observer for Builder<'_> {
    fn wants_edges(&self) -> bool {
        true
    }

    fn layer(&mut self, view: &LayerView) -> Control {
        match self.layer_inner(view) {
            Ok(()) => Control::Continue,
            Err(e) => {
                self.failure = Some(e);
                Control::Stop
            }
        }
    }
}
