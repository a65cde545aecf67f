//! Environments: the distribution of the observation after each action.
//!
//! Like models, an environment is a finite-state machine over world steps, so
//! that the lumped engine can merge histories on its context. A new kind
//! implements [`Environment`] and plugs in without touching anything else.

use crate::machine::Machine;
use crate::number::Rational;
use crate::writing::{exact_list, quote, table, Entries};
use num_traits::{One, Zero};
use std::fmt::Debug;

/// The world's answer to an action.
pub trait Environment: Send + Sync + Debug {
    /// How many contexts there are; contexts are `0..contexts()`.
    fn contexts(&self) -> usize;
    /// The context at step 1.
    fn initial_context(&self) -> usize;
    /// The context after `action` and `observation` in context `ctx`.
    fn next_context(&self, ctx: usize, action: usize, observation: usize) -> usize;
    /// `ρ(· | h, action)`: one entry per observation, summing to 1.
    fn distribution(&self, ctx: usize, action: usize) -> &[Rational];
    /// Where the distribution after `action` in context `ctx` is written in
    /// the `[environment]` table (`iid`, `after_action.b`), for errors that
    /// point at it. By default `contexts[ctx].ACTION`.
    fn distribution_key(&self, ctx: usize, action: usize, actions: &[String]) -> String {
        format!("contexts[{ctx}].{}", actions[action])
    }
    /// The keys and values the environment is written as in the
    /// `[environment]` table of a scenario file, given the action and
    /// observation names (none when it is the default, always the first
    /// observation, which a file leaves out); or `None` when the kind has no
    /// form in a file. The default is `None`: a kind that does not say how it
    /// is written is refused by
    /// [`Scenario::to_toml`](crate::scenario::Scenario::to_toml), never
    /// written as another environment.
    fn to_toml(&self, _actions: &[String], _observations: &[String]) -> Option<Entries> {
        None
    }
    /// The machine whose states are the contexts, when the environment is
    /// declared as one ([`MachineEnvironment`]); `None` by default.
    fn machine(&self) -> Option<&Machine> {
        None
    }
}

/// How an environment that gives `row` after every action is written: `iid`,
/// or nothing for a single observation (the default).
fn iid_entries(row: &[Rational], observations: &[String]) -> Entries {
    if observations.len() > 1 {
        vec![("iid", exact_list(row))]
    } else {
        Vec::new()
    }
}

/// The same distribution over observations after every action.
#[derive(Debug, Clone)]
pub struct IidEnvironment {
    /// The distribution over observations, the same at every step.
    pub probs: Vec<Rational>,
}

impl IidEnvironment {
    /// The default environment: always the first observation.
    pub fn first_observation(observations: usize) -> Self {
        let mut probs = vec![Rational::zero(); observations];
        probs[0] = Rational::one();
        IidEnvironment { probs }
    }
}

impl Environment for IidEnvironment {
    fn contexts(&self) -> usize {
        1
    }
    fn initial_context(&self) -> usize {
        0
    }
    fn next_context(&self, _: usize, _: usize, _: usize) -> usize {
        0
    }
    fn distribution(&self, _: usize, _: usize) -> &[Rational] {
        &self.probs
    }
    fn distribution_key(&self, _: usize, _: usize, _: &[String]) -> String {
        "iid".into()
    }
    fn to_toml(&self, _: &[String], observations: &[String]) -> Option<Entries> {
        Some(iid_entries(&self.probs, observations))
    }
}

/// The observation's distribution depends on the action just taken.
#[derive(Debug, Clone)]
pub struct AfterActionEnvironment {
    /// `by_action[a]`: the distribution over observations after action `a`.
    pub by_action: Vec<Vec<Rational>>,
}

impl Environment for AfterActionEnvironment {
    fn contexts(&self) -> usize {
        1
    }
    fn initial_context(&self) -> usize {
        0
    }
    fn next_context(&self, _: usize, _: usize, _: usize) -> usize {
        0
    }
    fn distribution(&self, _: usize, action: usize) -> &[Rational] {
        &self.by_action[action]
    }
    fn distribution_key(&self, _: usize, action: usize, actions: &[String]) -> String {
        format!("after_action.{}", actions[action])
    }
    /// Written as `iid` when every action gives the same distribution.
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        if self.by_action.iter().all(|d| *d == self.by_action[0]) {
            Some(iid_entries(&self.by_action[0], observations))
        } else {
            Some(vec![("after_action", table(actions, &self.by_action))])
        }
    }
}

/// An environment with a state: a [`Machine`] over world steps, and in each
/// state the distribution of the observation, either the same after every
/// action or one per action (`observe`). `o_t ~ observe[e_t](a_t)`, then the
/// machine moves by its first matching rule. A gridworld is one: its state is
/// the position, its observation what the position shows.
#[derive(Debug, Clone)]
pub struct MachineEnvironment {
    /// The world's state: its states are the environment's contexts.
    pub machine: Machine,
    /// `observe[s][a]`: the distribution over observations after action `a` in state `s`.
    pub observe: Vec<Vec<Vec<Rational>>>,
    /// `per_action[s]`: whether state `s` is written as a table keyed by every
    /// action, rather than one distribution for all (how the file wrote it, so
    /// that it is written back the same way).
    pub per_action: Vec<bool>,
}

impl Environment for MachineEnvironment {
    fn contexts(&self) -> usize {
        self.machine.states().len()
    }
    fn initial_context(&self) -> usize {
        self.machine.start()
    }
    fn next_context(&self, ctx: usize, action: usize, observation: usize) -> usize {
        self.machine.next(ctx, action, observation)
    }
    fn distribution(&self, ctx: usize, action: usize) -> &[Rational] {
        &self.observe[ctx][action]
    }
    fn distribution_key(&self, ctx: usize, action: usize, actions: &[String]) -> String {
        let state = &self.machine.states()[ctx];
        if self.per_action.get(ctx).copied().unwrap_or(true) {
            format!("observe.{state}.{}", actions[action])
        } else {
            format!("observe.{state}")
        }
    }
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        let rows: Vec<String> = self
            .machine
            .states()
            .iter()
            .enumerate()
            .map(|(s, name)| {
                let rows = &self.observe[s];
                let single = !self.per_action.get(s).copied().unwrap_or(true) && rows.iter().all(|r| *r == rows[0]);
                let value = if single { exact_list(&rows[0]) } else { table(actions, rows) };
                format!("{} = {value}", quote(name))
            })
            .collect();
        let mut e = self.machine.entries(actions, observations);
        e.insert(2, ("observe", format!("{{ {} }}", rows.join(", "))));
        Some(e)
    }
    fn machine(&self) -> Option<&Machine> {
        Some(&self.machine)
    }
}
