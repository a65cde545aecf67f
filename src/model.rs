//! Demonstrator models: what a model of the demonstrator must say, and the kinds
//! a scenario file can declare.
//!
//! A model is a finite-state machine over world steps: it is in a *context*
//! (what it reads of the history: nothing, the last action, the last
//! observation…), gives a distribution over actions in that context, and moves
//! to a new context after each step. Writing models this way is what lets the
//! lumped engine merge histories whose futures are identical: two histories
//! with the same posterior and the same contexts have the same future. A new
//! kind implements [`DemonstratorModel`] and plugs in without touching the
//! imitator or the engines.

use crate::machine::Machine;
use crate::number::Rational;
use crate::writing::{exact_list, table, Entries};
use std::fmt::Debug;

/// A model of the demonstrator: a policy over actions given the world history,
/// expressed through a finite context.
pub trait DemonstratorModel: Send + Sync + Debug {
    /// How many contexts there are; contexts are `0..contexts()`.
    fn contexts(&self) -> usize;
    /// The context at step 1 (empty history).
    fn initial_context(&self) -> usize;
    /// The context after taking `action` and seeing `observation` in context `ctx`.
    fn next_context(&self, ctx: usize, action: usize, observation: usize) -> usize;
    /// The distribution over actions in context `ctx` (one entry per action, sums to 1).
    fn distribution(&self, ctx: usize) -> &[Rational];
    /// A human-readable name for a context, given the action and observation names.
    fn describe_context(&self, ctx: usize, actions: &[String], observations: &[String]) -> String;
    /// Where context `ctx`'s distribution is written in the model's table
    /// (`iid`, `start`, `after_action.b`), for errors that point at it. By
    /// default `contexts[ctx]`.
    fn context_key(&self, ctx: usize, _actions: &[String], _observations: &[String]) -> String {
        format!("contexts[{ctx}]")
    }
    /// The keys and values the model is written as in a scenario file, after
    /// its `name` and `prior` (`iid = [...]`; `start = [...]` with
    /// `after_action = { ... }`), given the action and observation names; or
    /// `None` when the kind has no form in a file. The default is `None`: a
    /// kind that does not say how it is written is refused by
    /// [`Scenario::to_toml`](crate::scenario::Scenario::to_toml), never
    /// written as another model.
    fn to_toml(&self, _actions: &[String], _observations: &[String]) -> Option<Entries> {
        None
    }
    /// The machine whose states are the contexts, when the kind is declared as
    /// one ([`MachineModel`]): what `explain` names the contexts by, and what
    /// the lumped engine counts against
    /// [`MAX_MACHINE_PRODUCT`](crate::limits::MAX_MACHINE_PRODUCT). `None` by default.
    fn machine(&self) -> Option<&Machine> {
        None
    }
}

/// The same distribution at every step.
#[derive(Debug, Clone)]
pub struct Iid {
    /// The distribution over actions, the same at every step.
    pub probs: Vec<Rational>,
}

impl DemonstratorModel for Iid {
    fn contexts(&self) -> usize {
        1
    }
    fn initial_context(&self) -> usize {
        0
    }
    fn next_context(&self, _: usize, _: usize, _: usize) -> usize {
        0
    }
    fn distribution(&self, _: usize) -> &[Rational] {
        &self.probs
    }
    fn describe_context(&self, _: usize, _: &[String], _: &[String]) -> String {
        "-".into()
    }
    fn context_key(&self, _: usize, _: &[String], _: &[String]) -> String {
        "iid".into()
    }
    fn to_toml(&self, _: &[String], _: &[String]) -> Option<Entries> {
        Some(vec![("iid", exact_list(&self.probs))])
    }
}

/// What a Markov model reads of the last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastStep {
    /// The last action.
    Action,
    /// The last observation.
    Observation,
}

/// Markov in the last action or the last observation: `start` at step 1, then
/// `after[i]` after action (or observation) `i`.
#[derive(Debug, Clone)]
pub struct Markov {
    /// What of the last step the model reads.
    pub reads: LastStep,
    /// The distribution at step 1, before any step.
    pub start: Vec<Rational>,
    /// The distribution after each value of the last step (action or observation), in declaration order.
    pub after: Vec<Vec<Rational>>,
}

impl DemonstratorModel for Markov {
    fn contexts(&self) -> usize {
        1 + self.after.len()
    }
    fn initial_context(&self) -> usize {
        0
    }
    fn next_context(&self, _: usize, action: usize, observation: usize) -> usize {
        1 + match self.reads {
            LastStep::Action => action,
            LastStep::Observation => observation,
        }
    }
    fn distribution(&self, ctx: usize) -> &[Rational] {
        if ctx == 0 {
            &self.start
        } else {
            &self.after[ctx - 1]
        }
    }
    fn describe_context(&self, ctx: usize, actions: &[String], observations: &[String]) -> String {
        let names = match self.reads {
            LastStep::Action => actions,
            LastStep::Observation => observations,
        };
        if ctx == 0 {
            "start".into()
        } else {
            format!("after {}", names[ctx - 1])
        }
    }
    fn context_key(&self, ctx: usize, actions: &[String], observations: &[String]) -> String {
        let (key, names) = self.table(actions, observations);
        if ctx == 0 {
            "start".into()
        } else {
            format!("{key}.{}", names[ctx - 1])
        }
    }
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        let (key, names) = self.table(actions, observations);
        Some(vec![("start", exact_list(&self.start)), (key, table(names, &self.after))])
    }
}

impl Markov {
    /// The key of the table of `after` and the names it is keyed by.
    fn table<'n>(&self, actions: &'n [String], observations: &'n [String]) -> (&'static str, &'n [String]) {
        match self.reads {
            LastStep::Action => ("after_action", actions),
            LastStep::Observation => ("after_observation", observations),
        }
    }
}

/// A model with a memory of its own: a [`Machine`] over world steps, and in
/// each of its states one distribution over the actions (`policy`). Its
/// distribution at step `t` is `policy[s_t]`, `s_1` the start state, and the
/// machine moves after each step by its first matching rule. `iid` is the
/// case of one state, `after_action` and `after_observation` those of one
/// state per last action or observation; a treacherous model that copies the
/// demonstrator until a trigger and then strikes is a few states more.
#[derive(Debug, Clone)]
pub struct MachineModel {
    /// The memory: its states are the model's contexts.
    pub machine: Machine,
    /// `policy[s]`: the distribution over actions in state `s`.
    pub policy: Vec<Vec<Rational>>,
}

impl DemonstratorModel for MachineModel {
    fn contexts(&self) -> usize {
        self.machine.states().len()
    }
    fn initial_context(&self) -> usize {
        self.machine.start()
    }
    fn next_context(&self, ctx: usize, action: usize, observation: usize) -> usize {
        self.machine.next(ctx, action, observation)
    }
    fn distribution(&self, ctx: usize) -> &[Rational] {
        &self.policy[ctx]
    }
    fn describe_context(&self, ctx: usize, _: &[String], _: &[String]) -> String {
        self.machine.states()[ctx].clone()
    }
    fn context_key(&self, ctx: usize, _: &[String], _: &[String]) -> String {
        format!("policy.{}", self.machine.states()[ctx])
    }
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        let mut e = self.machine.entries(actions, observations);
        e.insert(2, ("policy", table(self.machine.states(), &self.policy)));
        Some(e)
    }
    fn machine(&self) -> Option<&Machine> {
        Some(&self.machine)
    }
}

/// One member of the model class: a name, a normalized prior weight and the model.
#[derive(Debug)]
pub struct Model {
    /// The model's name, unique in the class.
    pub name: String,
    /// Prior weight, normalized so that the class's priors sum to 1.
    pub prior: Rational,
    /// What the model does: a finite-state machine over the world steps.
    pub kind: Box<dyn DemonstratorModel>,
}
