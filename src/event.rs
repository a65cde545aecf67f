//! Declared events: sets of world histories of length `T`, defined on the actions.
//!
//! Two views of the same definition: [`EventKind::contains`] tests a whole
//! action sequence (the exhaustive engine), and the tracker
//! ([`EventKind::start`], [`EventKind::advance`], [`EventKind::accepts`])
//! follows it step by step with a small state (the lumped engine, which merges
//! histories on that state). Tests check that the two agree.
//!
//! Like models, event kinds are open: a new kind implements [`EventKind`] and
//! plugs into both engines; the three a scenario file can declare are
//! [`AtLeast`], [`AtStep`] and [`Prefix`].

use crate::writing::{quote, Entries};
use std::fmt::Debug;
use std::sync::Arc;

/// What an event asks of the action sequence, as a tracker over the steps.
///
/// The tracker's state is a `u32` the lumped engine merges histories on, so a
/// kind keeps its states as few as it can (counts capped, failures in one state).
pub trait EventKind: Send + Sync + Debug {
    /// The tracker's state before step 1.
    fn start(&self) -> u32 {
        0
    }

    /// The tracker's state after taking `action` at step `step` (1-based).
    fn advance(&self, state: u32, step: usize, action: usize) -> u32;

    /// Whether a history whose tracker ended in `state` (after all `T` steps) is in the event.
    fn accepts(&self, state: u32) -> bool;

    /// Whether the world history with these actions (its full length is `T`)
    /// is in the event. By default, the tracker run over the actions; a kind
    /// may say it directly (the built-in kinds do, so that tests can check the
    /// two views agree).
    fn contains(&self, actions: &[usize]) -> bool {
        let end = actions.iter().enumerate().fold(self.start(), |s, (i, &a)| self.advance(s, i + 1, a));
        self.accepts(end)
    }

    /// The last step whose number [`EventKind::advance`] reads: after it,
    /// `advance` is the same at every step, which lets the lumped engine reuse
    /// one step's transitions for all later ones. The default, `usize::MAX`,
    /// claims nothing.
    fn timed_until(&self) -> usize {
        usize::MAX
    }

    /// Why the event holds no world history of length `depth`, if it holds
    /// none whatever the imitator does (a likely mistake in a scenario, which
    /// the command line warns of). The default says nothing.
    fn empty_at(&self, _depth: usize) -> Option<String> {
        None
    }

    /// Whether the kind is well formed in a scenario with `actions` actions:
    /// if not, the key within the event's table (as a scenario file names it)
    /// and why. The scenario builder asks every event this.
    fn check(&self, _actions: usize) -> Result<(), (String, String)> {
        Ok(())
    }

    /// The keys and values the event is written as in a scenario file, after
    /// its `name` (`action = "b"`, `at_least = 2`), given the actions' names;
    /// `None` when the kind has no form in a file, so that
    /// [`Scenario::to_toml`](crate::scenario::Scenario::to_toml) refuses it
    /// rather than write another event.
    fn to_toml(&self, _actions: &[String]) -> Option<Entries> {
        None
    }
}

/// A named event of a scenario.
#[derive(Debug, Clone)]
pub struct Event {
    /// The event's name, unique in the scenario.
    pub name: String,
    /// What the event asks of a history.
    pub kind: Arc<dyn EventKind>,
}

/// The tracker's state for a failed prefix or a missed step.
const DEAD: u32 = u32::MAX;

impl Event {
    /// An event of a kind, named: what the scenario builder and reader make.
    pub fn new(name: impl Into<String>, kind: impl EventKind + 'static) -> Event {
        Event { name: name.into(), kind: Arc::new(kind) }
    }

    /// [`EventKind::contains`] of the event's kind.
    pub fn contains(&self, actions: &[usize]) -> bool {
        self.kind.contains(actions)
    }

    /// [`EventKind::start`] of the event's kind.
    pub fn start(&self) -> u32 {
        self.kind.start()
    }

    /// [`EventKind::advance`] of the event's kind.
    pub fn advance(&self, state: u32, step: usize, action: usize) -> u32 {
        self.kind.advance(state, step, action)
    }

    /// [`EventKind::empty_at`] of the event's kind.
    pub fn empty_at(&self, depth: usize) -> Option<String> {
        self.kind.empty_at(depth)
    }

    /// [`EventKind::accepts`] of the event's kind.
    pub fn accepts(&self, state: u32) -> bool {
        self.kind.accepts(state)
    }
}

/// The message for an action index beyond the scenario's actions.
fn action_range(action: usize, actions: usize) -> String {
    format!("is action {action}, but there are {actions} actions (0 to {})", actions.saturating_sub(1))
}

/// `action` is taken at least `count` times in `T` steps (`count = 0` holds always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtLeast {
    /// The action counted.
    pub action: usize,
    /// How many times, at least.
    pub count: usize,
}

impl EventKind for AtLeast {
    fn advance(&self, state: u32, _: usize, action: usize) -> u32 {
        if action == self.action {
            (state + 1).min(self.count as u32)
        } else {
            state
        }
    }
    fn accepts(&self, state: u32) -> bool {
        state as usize >= self.count
    }
    fn contains(&self, actions: &[usize]) -> bool {
        actions.iter().filter(|&&a| a == self.action).count() >= self.count
    }
    fn timed_until(&self) -> usize {
        0
    }
    fn empty_at(&self, depth: usize) -> Option<String> {
        (self.count > depth).then(|| format!("at_least = {} is more than the depth {depth}", self.count))
    }
    fn check(&self, actions: usize) -> Result<(), (String, String)> {
        if self.action >= actions {
            return Err(("action".into(), action_range(self.action, actions)));
        }
        Ok(())
    }
    fn to_toml(&self, actions: &[String]) -> Option<Entries> {
        Some(vec![("action", quote(&actions[self.action])), ("at_least", self.count.to_string())])
    }
}

/// `action` is taken at step `step` (1-based); empty when `step > T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtStep {
    /// The action.
    pub action: usize,
    /// The step, 1-based.
    pub step: usize,
}

impl EventKind for AtStep {
    fn advance(&self, state: u32, step: usize, action: usize) -> u32 {
        if step == self.step {
            if action == self.action {
                1
            } else {
                DEAD
            }
        } else {
            state
        }
    }
    fn accepts(&self, state: u32) -> bool {
        state == 1
    }
    fn contains(&self, actions: &[usize]) -> bool {
        self.step >= 1 && self.step <= actions.len() && actions[self.step - 1] == self.action
    }
    fn timed_until(&self) -> usize {
        self.step
    }
    fn empty_at(&self, depth: usize) -> Option<String> {
        (self.step > depth).then(|| format!("at_step = {} comes after the last step, {depth}", self.step))
    }
    fn check(&self, actions: usize) -> Result<(), (String, String)> {
        if self.step < 1 {
            return Err(("at_step".into(), "must be a step >= 1".into()));
        }
        if self.action >= actions {
            return Err(("action".into(), action_range(self.action, actions)));
        }
        Ok(())
    }
    fn to_toml(&self, actions: &[String]) -> Option<Entries> {
        Some(vec![("action", quote(&actions[self.action])), ("at_step", self.step.to_string())])
    }
}

/// The first actions are exactly `actions`; empty when longer than `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    /// The first actions, in order.
    pub actions: Vec<usize>,
}

impl EventKind for Prefix {
    fn advance(&self, state: u32, _: usize, action: usize) -> u32 {
        if state == DEAD || state as usize >= self.actions.len() {
            state
        } else if self.actions[state as usize] == action {
            state + 1
        } else {
            DEAD
        }
    }
    fn accepts(&self, state: u32) -> bool {
        state != DEAD && state as usize == self.actions.len()
    }
    fn contains(&self, actions: &[usize]) -> bool {
        let p = &self.actions;
        p.len() <= actions.len() && actions[..p.len()] == p[..]
    }
    fn timed_until(&self) -> usize {
        self.actions.len()
    }
    fn empty_at(&self, depth: usize) -> Option<String> {
        (self.actions.len() > depth)
            .then(|| format!("its prefix has {} actions, more than the depth {depth}", self.actions.len()))
    }
    fn check(&self, actions: usize) -> Result<(), (String, String)> {
        match self.actions.iter().position(|&a| a >= actions) {
            Some(j) => Err((format!("prefix[{j}]"), action_range(self.actions[j], actions))),
            None => Ok(()),
        }
    }
    fn to_toml(&self, actions: &[String]) -> Option<Entries> {
        let names: Vec<String> = self.actions.iter().map(|&a| quote(&actions[a])).collect();
        Some(vec![("prefix", format!("[{}]", names.join(", ")))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(e: &Event, actions: &[usize]) -> bool {
        let mut s = e.start();
        for (i, &a) in actions.iter().enumerate() {
            s = e.advance(s, i + 1, a);
        }
        e.accepts(s)
    }

    /// A kind that says only its tracker: `contains` is the default, read off it.
    #[derive(Debug)]
    struct Tracked(Prefix);

    impl EventKind for Tracked {
        fn advance(&self, state: u32, step: usize, action: usize) -> u32 {
            self.0.advance(state, step, action)
        }
        fn accepts(&self, state: u32) -> bool {
            self.0.accepts(state)
        }
    }

    #[test]
    fn tracker_agrees_with_contains_on_every_short_history() {
        let events = [
            Event::new("e", AtLeast { action: 1, count: 2 }),
            Event::new("e", AtLeast { action: 0, count: 0 }),
            Event::new("e", AtStep { action: 1, step: 2 }),
            Event::new("e", AtStep { action: 0, step: 5 }),
            Event::new("e", Prefix { actions: vec![0, 1] }),
            Event::new("e", Prefix { actions: vec![] }),
            Event::new("e", Prefix { actions: vec![1, 1, 1, 1, 1] }),
            Event::new("e", Tracked(Prefix { actions: vec![1, 0] })),
        ];
        for e in events {
            for len in 0..=4usize {
                for code in 0..(1usize << len) {
                    let actions: Vec<usize> = (0..len).map(|i| (code >> i) & 1).collect();
                    assert_eq!(e.contains(&actions), tracked(&e, &actions), "{e:?} on {actions:?}");
                }
            }
        }
    }

    #[test]
    fn step_and_prefix_beyond_the_horizon_are_empty() {
        let late = Event::new("late", AtStep { action: 0, step: 4 });
        assert!(!late.contains(&[0, 0, 0]));
        let long = Event::new("long", Prefix { actions: vec![0, 0, 0, 0] });
        assert!(!long.contains(&[0, 0, 0]));
        assert_eq!(late.empty_at(3).as_deref(), Some("at_step = 4 comes after the last step, 3"));
        assert_eq!(late.empty_at(4), None);
        assert_eq!(long.empty_at(3).as_deref(), Some("its prefix has 4 actions, more than the depth 3"));
        let many = Event::new("many", AtLeast { action: 0, count: 4 });
        assert_eq!(many.empty_at(3).as_deref(), Some("at_least = 4 is more than the depth 3"));
        assert_eq!(many.empty_at(4), None);
    }
}
