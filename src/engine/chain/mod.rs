//! The lumped engine's chain as an explicit discrete-time Markov chain, for
//! probabilistic model checkers (Storm, PRISM).
//!
//! [`build`] runs the lumped engine with an [`Observer`](super::lumped::Observer) that asks for the
//! edges of every step, and keeps what it is shown: one chain state per merged
//! entry of each depth `0..=T` (depth 0 is the initial state), numbered depth
//! by depth in the layer's order (the same for any thread count), one
//! transition per distinct successor with its exact probability, and every
//! depth-`T` state absorbing (a self-loop of probability 1). There is no
//! second walk: the chain is the engine's.
//!
//! # Labels and rewards
//!
//! A state at depth `d` is about to take step `d + 1`.
//!
//! - `init`: the initial state.
//! - `excluded`: the truth is not in the top set there (`μ ∉ Top_{d+1}`), so
//!   `E` fails at the next step.
//! - `settled`: no query ever happens again from there ([`SettledCache`](super::settled::SettledCache)).
//! - `last`: depth `T`.
//! - with events: one label per declared event, on the depth-`T` states whose
//!   world history is in it.
//!
//! State rewards, of the state's next step: `theta` (`θ_{d+1}`), `theta3`
//! (`θ_{d+1}³`), both 0 at depth `T`; `inv_post_truth` (`1/post_{d+1}(μ)`,
//! the truth's reciprocal posterior after the `d` steps taken), at every depth.
//!
//! # The identities with the verifier's figures, for `1 ≤ t ≤ T`
//!
//! A path of the chain is at depth `k` after `k` steps (for `k ≤ T`), and the
//! lumped chain carries exactly the imitator's measure: an entry's probability
//! is that of the histories it merges, and they share one future. So:
//!
//! 1. `P_im(E_t) = 1 − P(F≤t−1 "excluded")`. `E_t` holds iff `μ ∈ Top_k` for
//!    `k = 1..t`, that is iff none of the states at depths `0..t−1` on the
//!    path is `excluded`; `F≤t−1` looks at exactly those states. Labelling
//!    every state with `μ ∉ Top` (not only those where `E` still holds) gives
//!    the same first visit, so the same probability, and lets a property ask
//!    about exclusion after any event.
//! 2. `E Σ_{k≤t} θ_k³ = R{"theta3"}[C≤t]` and `E Σ_{k≤t} θ_k = R{"theta"}[C≤t]`:
//!    the cumulative reward `C≤t` adds the state rewards of the states after
//!    `0..t−1` steps, at depths `0..t−1`, whose rewards are `θ_1..θ_t`. The
//!    depth-`T` states carry 0, so that `C≤t` for `t > T` stays at its value
//!    at `T` instead of adding a self-loop's reward at every step.
//! 3. `E[1/post_{t+1}(μ)] = R{"inv_post_truth"}[I=t]`: the instantaneous
//!    reward `I=t` is that of the state after `t` steps, at depth `t`, whose
//!    posterior is the one after `t` steps; so depth `T` carries its true
//!    value, and the self-loop keeps it for `t > T`.
//! 4. The unsettled mass after `t` steps is `1 − P(F≤t "settled")`: every
//!    successor of a settled state is settled (the step is quiet, so the
//!    posterior is unchanged, and the successor's contexts are among those
//!    the settled search visited), so a path that visits a settled state by
//!    step `t` is in one at step `t`.
//! 5. For an event `B` (with events): `P_im(B) = P(F≤T "B")` and
//!    `P_im(B ∧ E_T) = P(!"excluded" U≤T "B")`: `B`'s label is on depth `T`
//!    only, reached at step `T` after the states at depths `0..T−1`.

mod build;

use super::lumped;
use super::{EngineError, RunOptions};
use crate::imitator::Rule;
use crate::limits::{LimitError, Limits};
use crate::number::Rational;
use crate::scenario::Scenario;
use build::Builder;

/// Options of one export.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The horizon `T`.
    pub depth: usize,
    /// The lumped engine's limits; `max_memory` bounds the engine and the chain together.
    pub limits: Limits,
    /// Whether to label the depth-`T` states with the scenario's events.
    pub events: bool,
}

/// A state reward of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reward {
    /// `θ` at the state.
    Theta,
    /// `θ³` at the state.
    Theta3,
    /// `1/post(μ)`, the truth's reciprocal posterior.
    InvPostTruth,
}

impl Reward {
    /// Every reward, in the order of the exported files.
    pub const ALL: [Reward; 3] = [Reward::Theta, Reward::Theta3, Reward::InvPostTruth];

    /// The reward model's name in the exported files.
    pub fn name(self) -> &'static str {
        match self {
            Reward::Theta => "theta",
            Reward::Theta3 => "theta3",
            Reward::InvPostTruth => "inv_post_truth",
        }
    }

    /// What it is, for a header.
    pub fn meaning(self) -> &'static str {
        match self {
            Reward::Theta => "the query probability theta of the state's next step (0 at the last depth)",
            Reward::Theta3 => "theta^3 (0 at the last depth)",
            Reward::InvPostTruth => "1/post(mu), the truth's reciprocal posterior at the state",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A label and the states that carry it, in increasing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The label's name in the exported files.
    pub name: String,
    /// What it means, for a header.
    pub meaning: String,
    /// The states that carry it, in increasing order.
    pub states: Vec<u32>,
}

/// A declared event and the label that stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLabel {
    /// The event's name in the scenario.
    pub event: String,
    /// A safe identifier: ASCII letters, digits and `_`, not starting with a
    /// digit, not a PRISM keyword, distinct from every other label.
    pub label: String,
}

/// The lumped chain to depth `T`, with exact probabilities, labels and rewards.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The scenario's name.
    pub scenario: String,
    /// The imitator, as [`Rule::name`] says it.
    pub rule: String,
    /// The horizon `T` of the chain.
    pub depth: usize,
    /// `first[d]`: the number of the first state of depth `d`; `first[T+1]` is the number of states.
    first: Vec<u32>,
    /// `row[i]..row[i+1]`: the transitions of state `i`, by increasing target.
    row: Vec<u32>,
    targets: Vec<u32>,
    /// Value ids of the transitions' probabilities.
    probs: Vec<u32>,
    /// Value ids of each reward, by state ([`Reward::ALL`] order).
    rewards: [Vec<u32>; 3],
    /// Every distinct number, by id.
    values: Vec<Rational>,
    /// `init`, `excluded`, `settled`, `last`, then the events' (with events):
    /// only those that some state carries.
    labels: Vec<Label>,
    events: Vec<EventLabel>,
}

impl Chain {
    /// How many states: every depth's.
    pub fn states(&self) -> usize {
        self.row.len() - 1
    }

    /// How many transitions (the self-loops of the last depth included).
    pub fn transitions(&self) -> usize {
        self.targets.len()
    }

    /// The states of depth `d`, a range of state numbers.
    pub fn depth_states(&self, d: usize) -> std::ops::Range<u32> {
        self.first[d]..self.first[d + 1]
    }

    /// The transitions of state `i`: `(target, probability)`, by increasing target.
    pub fn successors(&self, i: u32) -> impl Iterator<Item = (u32, &Rational)> + '_ {
        let range = self.row[i as usize] as usize..self.row[i as usize + 1] as usize;
        self.targets[range.clone()].iter().zip(&self.probs[range]).map(|(&t, &p)| (t, &self.values[p as usize]))
    }

    /// The transitions of state `i` as two lists: targets (increasing) and
    /// value ids ([`Chain::values`]) of their probabilities.
    pub fn transitions_of(&self, i: u32) -> (&[u32], &[u32]) {
        let range = self.row[i as usize] as usize..self.row[i as usize + 1] as usize;
        (&self.targets[range.clone()], &self.probs[range])
    }

    /// The reward `r` of state `i`.
    pub fn reward(&self, r: Reward, i: u32) -> &Rational {
        &self.values[self.reward_id(r, i) as usize]
    }

    /// The value id ([`Chain::values`]) of the reward `r` of state `i`.
    pub fn reward_id(&self, r: Reward, i: u32) -> u32 {
        self.rewards[r.index()][i as usize]
    }

    /// Every distinct number of the chain (probabilities and rewards), by value id.
    pub fn values(&self) -> &[Rational] {
        &self.values
    }

    /// The labels some state carries, in their order.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// The event labels (empty without events), with the events' names.
    pub fn events(&self) -> &[EventLabel] {
        &self.events
    }

    /// For each state, the indices in [`Chain::labels`] of the labels it carries, in order.
    pub fn state_labels(&self) -> StateLabels<'_> {
        StateLabels { chain: self, cursor: vec![0; self.labels.len()], state: 0 }
    }
}

/// The labels of each state in turn (see [`Chain::state_labels`]).
pub struct StateLabels<'a> {
    chain: &'a Chain,
    cursor: Vec<usize>,
    state: u32,
}

impl Iterator for StateLabels<'_> {
    type Item = Vec<usize>;
    fn next(&mut self) -> Option<Vec<usize>> {
        if self.state as usize >= self.chain.states() {
            return None;
        }
        let mut out = Vec::new();
        for (k, label) in self.chain.labels.iter().enumerate() {
            if label.states.get(self.cursor[k]) == Some(&self.state) {
                out.push(k);
                self.cursor[k] += 1;
            }
        }
        self.state += 1;
        Some(out)
    }
}

/// Why there is no chain.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The lumped engine could not reach the depth within its limits.
    #[error(transparent)]
    Engine(EngineError),
    /// The chain itself would pass a limit.
    #[error(transparent)]
    Limit(LimitError),
    /// The walk broke a property the chain must have (a bug, reported, never a panic).
    #[error("{0}")]
    Invalid(String),
}

/// Builds the chain of `rule` on `scenario` to `opts.depth`.
pub fn build(scenario: &Scenario, rule: &dyn Rule<Rational>, opts: Options) -> Result<Chain, ChainError> {
    let mut b = Builder::new(scenario, rule, opts);
    let run = lumped::run_observed(scenario, rule, RunOptions { depth: opts.depth, limits: opts.limits }, &mut b);
    if let Some(failure) = b.failure.take() {
        return Err(failure);
    }
    match run {
        Ok(f) if f.partial.is_none() && f.depth == opts.depth => {}
        Ok(f) => {
            let m = f.partial.map(|p| p.message).unwrap_or_else(|| "the run stopped early".into());
            return Err(ChainError::Invalid(m));
        }
        Err(e) => return Err(ChainError::Engine(e)),
    }
    b.finish(scenario, rule)
}

/// PRISM's keywords, which a label may not be.
const KEYWORDS: &str = "A bool clock const ctmc C double dtmc E endinit endinvariant endmodule endobservables \
                        endrewards endsystem false formula filter func F global G init invariant I int label max mdp \
                        min module X nondeterministic observable observables of Pmax Pmin P pomdp popta \
                        probabilistic prob pta rate rewards Rmax Rmin R S stochastic system true U W";

/// The labels the chain gives itself, which no event label may take.
const OWN_LABELS: &[&str] = &["init", "excluded", "settled", "last", "deadlock"];

/// A safe label for each event: every run of characters other than ASCII
/// letters and digits becomes one `_`; a name that is empty, starts with a
/// digit, is a keyword or a label of the chain gets the prefix `event_`; a
/// name met before gets the suffix `_2`, `_3`, ….
pub fn event_labels(events: &[crate::event::Event]) -> Vec<EventLabel> {
    let mut taken: Vec<String> = OWN_LABELS.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let mut safe = String::new();
        for c in e.name.chars() {
            if c.is_ascii_alphanumeric() {
                safe.push(c);
            } else if !safe.ends_with('_') {
                safe.push('_');
            }
        }
        let safe = safe.trim_matches('_').to_string();
        let needs_prefix = safe.is_empty()
            || safe.starts_with(|c: char| c.is_ascii_digit())
            || KEYWORDS.split_whitespace().any(|k| k == safe)
            || OWN_LABELS.contains(&safe.as_str());
        let base = if needs_prefix { format!("event_{safe}").trim_end_matches('_').to_string() } else { safe };
        let mut label = base.clone();
        let mut n = 2;
        while taken.contains(&label) {
            label = format!("{base}_{n}");
            n += 1;
        }
        taken.push(label.clone());
        out.push(EventLabel { event: e.name.clone(), label });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AtStep, Event};
    use crate::imitator::{Standard, Variant};
    use num_traits::{One, Zero};

    fn ev(name: &str) -> Event {
        Event::new(name, AtStep::of_action(0, 1))
    }

    #[test]
    fn event_names_become_safe_distinct_labels() {
        let names = ["tails at least 9 times", "9 lives", "", "max", "last", "a-b", "a b", "été", "x__y_"];
        let got: Vec<String> = event_labels(&names.map(ev)).into_iter().map(|e| e.label).collect();
        assert_eq!(
            got,
            ["tails_at_least_9_times", "event_9_lives", "event", "event_max", "event_last", "a_b", "a_b_2", "t", "x_y"]
        );
    }

    const COINS: &str = include_str!("../../../tests/fixtures/three-coins-tails-first.toml");

    fn options(depth: usize) -> Options {
        Options {
            depth,
            limits: Limits { max_states: 1_000_000, max_memory: 1 << 30, ..Limits::default() },
            events: true,
        }
    }

    #[test]
    fn the_first_step_of_three_coins() {
        let s = Scenario::parse(COINS, "c.toml", "c").expect("valid");
        let chain = build(&s, &Standard::new(Variant::Conservative, 0), options(1)).expect("builds");
        // θ = 1/2 at the root, m = (1/4, 1/4): four entries of 1/4 each.
        assert_eq!((chain.states(), chain.transitions()), (5, 4 + 4));
        let q = Rational::new(1.into(), 4.into());
        let root: Vec<(u32, Rational)> = chain.successors(0).map(|(t, p)| (t, p.clone())).collect();
        assert_eq!(root, (1..5).map(|t| (t, q.clone())).collect::<Vec<_>>());
        assert_eq!(chain.reward(Reward::Theta, 0), &Rational::new(1.into(), 2.into()));
        assert_eq!(chain.reward(Reward::Theta3, 0), &Rational::new(1.into(), 8.into()));
        assert_eq!(chain.reward(Reward::InvPostTruth, 0), &Rational::from_integer(3.into()));
        for i in 1..5 {
            assert_eq!(chain.successors(i).collect::<Vec<_>>(), vec![(i, &Rational::one())]);
            assert!(chain.reward(Reward::Theta, i).is_zero());
        }
        let names: Vec<&str> = chain.labels().iter().map(|l| l.name.as_str()).collect();
        // Nobody is excluded or settled at depth 0 or 1.
        assert_eq!(names, ["init", "last", "tails_first"]);
        let labels: Vec<Vec<usize>> = chain.state_labels().collect();
        assert_eq!(labels[0], [0]);
        // Half of the depth-1 states took tails.
        assert_eq!(labels[1..].iter().filter(|l| l.contains(&2)).count(), 2);
    }
}
