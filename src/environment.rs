//! Environments: the distribution of the observation after each action.
//!
//! Like models, an environment is a finite-state machine over world steps, so
//! that the lumped engine can merge histories on its context. A new kind
//! implements [`Environment`] and plugs in without touching anything else.

use crate::number::Rational;
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
}

/// The same distribution over observations after every action.
#[derive(Debug, Clone)]
pub struct IidEnvironment {
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
}
