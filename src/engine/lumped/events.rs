//! The declared events in the lumped walk: every event's tracker state,
//! combined into one interned id per history, and the demonstrator's side of
//! each event by its own lumped walk.

use super::super::demonstrator::DemSteps;
use crate::event::Event;
use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};
use std::collections::{BTreeMap, HashMap};

/// Interned combinations of event-tracker states, and their transitions.
pub(crate) struct Trackers<'a> {
    events: &'a [Event],
    combos: Vec<Vec<u32>>,
    index: HashMap<Vec<u32>, u32>,
    next: HashMap<(u32, u32, u32, u32), u32>,
    /// Steps after this one behave alike for every tracker.
    last_step: usize,
}

impl<'a> Trackers<'a> {
    pub(crate) fn new(events: &'a [Event], depth: usize) -> Self {
        let last_step = events.iter().map(|e| e.kind.timed_until()).max().unwrap_or(0).min(depth) + 1;
        let mut t = Trackers { events, combos: Vec::new(), index: HashMap::new(), next: HashMap::new(), last_step };
        let start: Vec<u32> = events.iter().map(|e| e.start()).collect();
        t.intern(start);
        t
    }

    fn intern(&mut self, combo: Vec<u32>) -> u32 {
        if let Some(&id) = self.index.get(&combo) {
            return id;
        }
        let id = self.combos.len() as u32;
        self.index.insert(combo.clone(), id);
        self.combos.push(combo);
        id
    }

    /// How many combinations have been met.
    pub(crate) fn len(&self) -> usize {
        self.combos.len()
    }

    /// The combination after taking `action` and seeing `observation` at step `step` (1-based).
    pub(crate) fn advance(&mut self, combo: u32, step: usize, action: usize, observation: usize) -> u32 {
        let s = step.min(self.last_step) as u32;
        let key = (combo, s, action as u32, observation as u32);
        if let Some(&id) = self.next.get(&key) {
            return id;
        }
        let next: Vec<u32> = self
            .events
            .iter()
            .zip(&self.combos[combo as usize])
            .map(|(e, &st)| e.advance(st, step, action, observation))
            .collect();
        let id = self.intern(next);
        self.next.insert(key, id);
        id
    }

    /// `table[(c · actions + a) · observations + o]`: the combination after
    /// `a` and `o` at step `step`, for every combination `c` met so far.
    /// Without events there is one combination, and every step leads back to it.
    pub(crate) fn table(&mut self, step: usize, actions: usize, observations: usize) -> Vec<u32> {
        let known = self.len();
        let radix = actions * observations;
        (0..known * radix)
            .map(|i| self.advance((i / radix) as u32, step, (i % radix) / observations, i % observations))
            .collect()
    }

    /// Whether combination `combo` is in event `event`.
    pub(crate) fn accepts(&self, combo: u32, event: usize) -> bool {
        self.events[event].accepts(self.combos[combo as usize][event])
    }
}

/// `P_dem(B)` for each event, by the demonstrator's own lumped walk over
/// `(μ's context, the environment's context, the event trackers)`, with
/// masses as integers over `D^t` ([`DemSteps`]).
pub(crate) fn demonstrator_events(s: &Scenario, depth: usize) -> Vec<Rational> {
    if s.events.is_empty() {
        return Vec::new();
    }
    let steps = DemSteps::new(s);
    let mu = &s.models[s.truth].kind;
    let env = &s.environment;
    let mut trackers = Trackers::new(&s.events, depth);
    let mut layer: BTreeMap<(usize, usize, u32), BigUint> = BTreeMap::new();
    layer.insert((mu.initial_context(), env.initial_context(), 0), BigUint::one());
    for d in 0..depth {
        let mut next: BTreeMap<(usize, usize, u32), BigUint> = BTreeMap::new();
        for (&(mc, ec, combo), n) in &layer {
            for (a, by_o) in steps.table[mc][ec].iter().enumerate() {
                for (o, p) in by_o.iter().enumerate() {
                    if p.is_zero() {
                        continue;
                    }
                    let c2 = trackers.advance(combo, d + 1, a, o);
                    let k2 = (mu.next_context(mc, a, o), env.next_context(ec, a, o), c2);
                    *next.entry(k2).or_default() += n * p;
                }
            }
        }
        layer = next;
    }
    let den = num_traits::pow(steps.denominator.clone(), depth);
    (0..s.events.len())
        .map(|i| {
            let n = layer.iter().filter(|(k, _)| trackers.accepts(k.2, i)).fold(BigUint::zero(), |t, (_, n)| t + n);
            Rational::new(BigInt::from(n), BigInt::from(den.clone()))
        })
        .collect()
}
