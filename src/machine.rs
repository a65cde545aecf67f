//! Finite-state machines over world steps: the memory of a machine model, the
//! state of a machine environment and the progress of a machine event.
//!
//! The paper's model class is fully general: a model may read the whole
//! history. Every model with finite memory is a machine that reads each step
//! (the action taken and the observation that followed) and moves to a new
//! state; so is an environment with a state (a gridworld) and an event that
//! unfolds over several steps. One [`Machine`] serves all three, so that the
//! three are read, checked, written and followed by the same rules:
//!
//! - after step `t` (action `a_t`, observation `o_t`), a machine in state `s`
//!   moves to the `to` of the **first** rule that matches `(s, a_t, o_t)`, and
//!   stays in `s` when none matches;
//! - a rule's `from`, `action` and `observation` are each any value
//!   ([`Pick::Any`], written `"*"` or left out), one name, or a list of names.
//!
//! The rules are compiled once into a table of the next state for every
//! `(state, action, observation)`, so that following a machine costs one
//! lookup a step, as the engines' other contexts do.

use crate::limits::MAX_MACHINE_STATES;
use crate::writing::{quote, Entries};
use std::collections::HashSet;

/// Which values of one key a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Every value: `"*"`, or the key left out.
    Any,
    /// One value, by its index.
    One(usize),
    /// Any of these values, by index (an empty list matches nothing).
    Some(Vec<usize>),
}

impl Pick {
    /// Whether the value of index `i` is picked.
    pub fn matches(&self, i: usize) -> bool {
        match self {
            Pick::Any => true,
            Pick::One(j) => *j == i,
            Pick::Some(list) => list.contains(&i),
        }
    }

    /// The largest index it names, if any (for range checks).
    fn largest(&self) -> Option<usize> {
        match self {
            Pick::Any => None,
            Pick::One(j) => Some(*j),
            Pick::Some(list) => list.iter().copied().max(),
        }
    }

    /// The pick as TOML: a name, or a list of names; `None` for [`Pick::Any`], which is left out.
    fn to_toml(&self, names: &[String]) -> Option<String> {
        match self {
            Pick::Any => None,
            Pick::One(j) => Some(quote(&names[*j])),
            Pick::Some(list) => {
                Some(format!("[{}]", list.iter().map(|&j| quote(&names[j])).collect::<Vec<_>>().join(", ")))
            }
        }
    }
}

/// One transition rule: in a state `from` picks, after an action and an
/// observation it picks, move to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The states the rule applies in.
    pub from: Pick,
    /// The actions it applies after.
    pub action: Pick,
    /// The observations it applies after.
    pub observation: Pick,
    /// The state it moves to, by index.
    pub to: usize,
}

impl Rule {
    /// Whether the rule applies in state `s` after action `a` and observation `o`.
    pub fn matches(&self, s: usize, a: usize, o: usize) -> bool {
        self.from.matches(s) && self.action.matches(a) && self.observation.matches(o)
    }
}

/// A finite-state machine over world steps, its rules compiled into a table.
#[derive(Debug, Clone)]
pub struct Machine {
    states: Vec<String>,
    start: usize,
    rules: Vec<Rule>,
    actions: usize,
    observations: usize,
    /// `next[(s·actions + a)·observations + o]`: the state after `(a, o)` in `s`.
    next: Vec<u32>,
}

impl Machine {
    /// A machine with these states (their names), start state and rules, over
    /// `actions` actions and `observations` observations; or why not, as the
    /// key within the machine's table (`states`, `transitions[2].to`) and the
    /// reason: no state, more than [`MAX_MACHINE_STATES`], a name empty or
    /// twice, an index out of range.
    pub fn new(
        states: Vec<String>,
        start: usize,
        rules: Vec<Rule>,
        actions: usize,
        observations: usize,
    ) -> Result<Machine, (String, String)> {
        let n = states.len();
        if n == 0 {
            return Err(("states".into(), "must list at least one state".into()));
        }
        if n > MAX_MACHINE_STATES {
            return Err(("states".into(), too_many_states(n)));
        }
        let mut seen = HashSet::new();
        for (i, s) in states.iter().enumerate() {
            if s.is_empty() {
                return Err((format!("states[{i}]"), "a name must not be empty".into()));
            }
            if !seen.insert(s) {
                return Err((format!("states[{i}]"), format!("duplicate state `{s}`")));
            }
        }
        if start >= n {
            return Err(("start_state".into(), format!("is state {start}, but there are {n} states")));
        }
        for (i, r) in rules.iter().enumerate() {
            let out_of = |key: &str, j: usize, what: &str, len: usize| {
                Err((format!("transitions[{i}].{key}"), format!("is {what} {j}, but there are {len} {what}s")))
            };
            if r.to >= n {
                return out_of("to", r.to, "state", n);
            }
            if let Some(j) = r.from.largest().filter(|&j| j >= n) {
                return out_of("from", j, "state", n);
            }
            if let Some(j) = r.action.largest().filter(|&j| j >= actions) {
                return out_of("action", j, "action", actions);
            }
            if let Some(j) = r.observation.largest().filter(|&j| j >= observations) {
                return out_of("observation", j, "observation", observations);
            }
        }
        let mut next = Vec::with_capacity(n * actions * observations);
        for s in 0..n {
            for a in 0..actions {
                for o in 0..observations {
                    let to = rules.iter().find(|r| r.matches(s, a, o)).map_or(s, |r| r.to);
                    next.push(to as u32);
                }
            }
        }
        Ok(Machine { states, start, rules, actions, observations, next })
    }

    /// The states' names, in declaration order.
    pub fn states(&self) -> &[String] {
        &self.states
    }

    /// The start state, by index.
    pub fn start(&self) -> usize {
        self.start
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The state after action `a` and observation `o` in state `s`: the `to`
    /// of the first rule that matches, or `s` when none does.
    pub fn next(&self, s: usize, a: usize, o: usize) -> usize {
        self.next[(s * self.actions + a) * self.observations + o] as usize
    }

    /// The states that no sequence of steps reaches from the start state,
    /// whatever the probabilities (a likely mistake, which a file reader warns of).
    pub fn unreachable(&self) -> Vec<usize> {
        let n = self.states.len();
        let mut seen = vec![false; n];
        seen[self.start] = true;
        let mut todo = vec![self.start];
        while let Some(s) = todo.pop() {
            for a in 0..self.actions {
                for o in 0..self.observations {
                    let t = self.next(s, a, o);
                    if !seen[t] {
                        seen[t] = true;
                        todo.push(t);
                    }
                }
            }
        }
        (0..n).filter(|&s| !seen[s]).collect()
    }

    /// The machine's keys as a scenario file writes them: `states`,
    /// `start_state` and `transitions` (each rule as an inline table with the
    /// keys it does not leave to "any").
    pub fn entries(&self, actions: &[String], observations: &[String]) -> Entries {
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|r| {
                let mut keys = Vec::new();
                for (key, pick, names) in [
                    ("from", &r.from, &self.states[..]),
                    ("action", &r.action, actions),
                    ("observation", &r.observation, observations),
                ] {
                    if let Some(v) = pick.to_toml(names) {
                        keys.push(format!("{key} = {v}"));
                    }
                }
                keys.push(format!("to = {}", quote(&self.states[r.to])));
                format!("{{ {} }}", keys.join(", "))
            })
            .collect();
        vec![
            ("states", crate::writing::name_list(&self.states)),
            ("start_state", quote(&self.states[self.start])),
            ("transitions", format!("[{}]", rules.join(", "))),
        ]
    }
}

/// The message for a machine of `n` states, past [`MAX_MACHINE_STATES`].
pub fn too_many_states(n: usize) -> String {
    format!(
        "has {n} states, more than {MAX_MACHINE_STATES}, the most states of one machine (limits::MAX_MACHINE_STATES)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_matching_rule_wins_and_none_stays() {
        // 2 actions, 2 observations; states a, b, c.
        let rules = vec![
            Rule { from: Pick::One(0), action: Pick::Any, observation: Pick::One(1), to: 1 },
            Rule { from: Pick::Some(vec![0, 1]), action: Pick::One(1), observation: Pick::Any, to: 2 },
            Rule { from: Pick::One(1), action: Pick::Any, observation: Pick::Any, to: 0 },
        ];
        let m = Machine::new(names(&["a", "b", "c"]), 0, rules, 2, 2).unwrap();
        assert_eq!(m.next(0, 0, 1), 1, "rule 0");
        assert_eq!(m.next(0, 1, 1), 1, "rule 0 before rule 1");
        assert_eq!(m.next(0, 1, 0), 2, "rule 1");
        assert_eq!(m.next(0, 0, 0), 0, "none: stay");
        assert_eq!(m.next(1, 1, 0), 2, "rule 1 before rule 2");
        assert_eq!(m.next(1, 0, 0), 0, "rule 2");
        assert_eq!(m.next(2, 1, 1), 2, "none: stay");
        assert!(m.unreachable().is_empty());
    }

    #[test]
    fn unreachable_states_are_found_and_limits_refused() {
        let rules = vec![Rule { from: Pick::Any, action: Pick::Any, observation: Pick::Any, to: 1 }];
        let m = Machine::new(names(&["a", "b", "c"]), 0, rules, 1, 1).unwrap();
        assert_eq!(m.unreachable(), vec![2]);
        let many: Vec<String> = (0..=MAX_MACHINE_STATES).map(|i| format!("s{i}")).collect();
        assert_eq!(Machine::new(many, 0, vec![], 1, 1).unwrap_err().0, "states");
        let bad = vec![Rule { from: Pick::Any, action: Pick::One(3), observation: Pick::Any, to: 0 }];
        assert_eq!(
            Machine::new(names(&["a"]), 0, bad, 2, 1).unwrap_err(),
            ("transitions[0].action".to_string(), "is action 3, but there are 2 actions".to_string())
        );
        assert_eq!(Machine::new(names(&["a", "a"]), 0, vec![], 1, 1).unwrap_err().0, "states[1]");
    }
}
