//! Declared events: sets of world histories of length `T`, defined on the
//! actions and the observations.
//!
//! Two views of the same definition: [`EventKind::contains`] tests a whole
//! world history (the exhaustive engine), and the tracker
//! ([`EventKind::start`], [`EventKind::advance`], [`EventKind::accepts`])
//! follows it step by step with a small state (the lumped engine, which merges
//! histories on that state). Tests check that the two agree.
//!
//! Like models, event kinds are open: a new kind implements [`EventKind`] and
//! plugs into both engines. A scenario file declares [`AtLeast`] and
//! [`AtStep`] (an action, an observation, or both together), [`Prefix`] (the
//! first actions) and [`MachineEvent`] (a machine that ends in an accepting
//! state).

use crate::machine::Machine;
use crate::writing::{name_list, quote, Entries};
use std::fmt::Debug;
use std::sync::Arc;

/// What an event asks of the world history, as a tracker over the steps.
///
/// The tracker's state is a `u32` the lumped engine merges histories on, so a
/// kind keeps its states as few as it can (counts capped, failures in one state).
pub trait EventKind: Send + Sync + Debug {
    /// The tracker's state before step 1.
    fn start(&self) -> u32 {
        0
    }

    /// The tracker's state after taking `action` and seeing `observation` at step `step` (1-based).
    fn advance(&self, state: u32, step: usize, action: usize, observation: usize) -> u32;

    /// Whether a history whose tracker ended in `state` (after all `T` steps) is in the event.
    fn accepts(&self, state: u32) -> bool;

    /// Whether the world history of these `(action, observation)` steps (its
    /// full length is `T`) is in the event. By default, the tracker run over
    /// the steps; a kind may say it directly (the built-in kinds do, so that
    /// tests can check the two views agree).
    fn contains(&self, world: &[(usize, usize)]) -> bool {
        let end = world.iter().enumerate().fold(self.start(), |s, (i, &(a, o))| self.advance(s, i + 1, a, o));
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

    /// Whether the kind is well formed in a scenario with `actions` actions
    /// and `observations` observations: if not, the key within the event's
    /// table (as a scenario file names it) and why. The scenario builder asks
    /// every event this.
    fn check(&self, _actions: usize, _observations: usize) -> Result<(), (String, String)> {
        Ok(())
    }

    /// The keys and values the event is written as in a scenario file, after
    /// its `name` (`action = "b"`, `at_least = 2`), given the actions' and
    /// observations' names; `None` when the kind has no form in a file, so
    /// that [`Scenario::to_toml`](crate::scenario::Scenario::to_toml) refuses
    /// it rather than write another event.
    fn to_toml(&self, _actions: &[String], _observations: &[String]) -> Option<Entries> {
        None
    }

    /// The machine the tracker's states are the states of, when the kind is
    /// one ([`MachineEvent`]): what `explain` names them by, and what the
    /// lumped engine counts against
    /// [`MAX_MACHINE_PRODUCT`](crate::limits::MAX_MACHINE_PRODUCT). `None` by default.
    fn machine(&self) -> Option<&Machine> {
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
    pub fn contains(&self, world: &[(usize, usize)]) -> bool {
        self.kind.contains(world)
    }

    /// [`EventKind::start`] of the event's kind.
    pub fn start(&self) -> u32 {
        self.kind.start()
    }

    /// [`EventKind::advance`] of the event's kind.
    pub fn advance(&self, state: u32, step: usize, action: usize, observation: usize) -> u32 {
        self.kind.advance(state, step, action, observation)
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

/// The message for an observation index beyond the scenario's observations.
fn observation_range(observation: usize, observations: usize) -> String {
    format!(
        "is observation {observation}, but there are {observations} observations (0 to {})",
        observations.saturating_sub(1)
    )
}

/// The first actions are exactly `actions`; empty when longer than `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    /// The first actions, in order.
    pub actions: Vec<usize>,
}

impl EventKind for Prefix {
    fn advance(&self, state: u32, _: usize, action: usize, _: usize) -> u32 {
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
    fn contains(&self, world: &[(usize, usize)]) -> bool {
        let p = &self.actions;
        p.len() <= world.len() && world[..p.len()].iter().zip(p).all(|(&(a, _), &b)| a == b)
    }
    fn timed_until(&self) -> usize {
        self.actions.len()
    }
    fn empty_at(&self, depth: usize) -> Option<String> {
        (self.actions.len() > depth)
            .then(|| format!("its prefix has {} actions, more than the depth {depth}", self.actions.len()))
    }
    fn check(&self, actions: usize, _: usize) -> Result<(), (String, String)> {
        match self.actions.iter().position(|&a| a >= actions) {
            Some(j) => Err((format!("prefix[{j}]"), action_range(self.actions[j], actions))),
            None => Ok(()),
        }
    }
    fn to_toml(&self, actions: &[String], _: &[String]) -> Option<Entries> {
        let names: Vec<String> = self.actions.iter().map(|&a| quote(&actions[a])).collect();
        Some(vec![("prefix", format!("[{}]", names.join(", ")))])
    }
}

/// Which steps an [`AtLeast`] or [`AtStep`] event counts: a
/// step counts when every given key matches (the action, the observation, or both).
fn step_matches(action: Option<usize>, observation: Option<usize>, a: usize, o: usize) -> bool {
    action.is_none_or(|x| x == a) && observation.is_none_or(|x| x == o)
}

/// The checks of an event that reads an action, an observation or both: at
/// least one, each within range.
fn check_step(
    action: Option<usize>,
    observation: Option<usize>,
    actions: usize,
    observations: usize,
) -> Result<(), (String, String)> {
    if action.is_none() && observation.is_none() {
        return Err(("action".into(), "give `action`, `observation` or both".into()));
    }
    if let Some(a) = action.filter(|&a| a >= actions) {
        return Err(("action".into(), action_range(a, actions)));
    }
    if let Some(o) = observation.filter(|&o| o >= observations) {
        return Err(("observation".into(), observation_range(o, observations)));
    }
    Ok(())
}

/// The keys `action` and `observation` as given.
fn step_entries(
    action: Option<usize>,
    observation: Option<usize>,
    actions: &[String],
    observations: &[String],
) -> Entries {
    let mut e = Vec::new();
    if let Some(a) = action {
        e.push(("action", quote(&actions[a])));
    }
    if let Some(o) = observation {
        e.push(("observation", quote(&observations[o])));
    }
    e
}

/// At least `count` steps whose action is `action` and whose observation is
/// `observation` (each when given; a step counts when every given one
/// matches); `count = 0` holds always.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtLeast {
    /// The action a step must take, if any.
    pub action: Option<usize>,
    /// The observation a step must see, if any.
    pub observation: Option<usize>,
    /// How many such steps, at least.
    pub count: usize,
}

impl AtLeast {
    /// `action` taken at least `count` times, whatever the observations.
    pub fn of_action(action: usize, count: usize) -> Self {
        AtLeast { action: Some(action), observation: None, count }
    }
}

impl EventKind for AtLeast {
    fn advance(&self, state: u32, _: usize, action: usize, observation: usize) -> u32 {
        if step_matches(self.action, self.observation, action, observation) {
            (state + 1).min(self.count as u32)
        } else {
            state
        }
    }
    fn accepts(&self, state: u32) -> bool {
        state as usize >= self.count
    }
    fn contains(&self, world: &[(usize, usize)]) -> bool {
        world.iter().filter(|&&(a, o)| step_matches(self.action, self.observation, a, o)).count() >= self.count
    }
    fn timed_until(&self) -> usize {
        0
    }
    fn empty_at(&self, depth: usize) -> Option<String> {
        (self.count > depth).then(|| format!("at_least = {} is more than the depth {depth}", self.count))
    }
    fn check(&self, actions: usize, observations: usize) -> Result<(), (String, String)> {
        check_step(self.action, self.observation, actions, observations)
    }
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        let mut e = step_entries(self.action, self.observation, actions, observations);
        e.push(("at_least", self.count.to_string()));
        Some(e)
    }
}

/// Step `step` (1-based) takes `action` and sees `observation` (each when
/// given); empty when `step > T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtStep {
    /// The action the step must take, if any.
    pub action: Option<usize>,
    /// The observation the step must see, if any.
    pub observation: Option<usize>,
    /// The step, 1-based.
    pub step: usize,
}

impl AtStep {
    /// `action` taken at step `step`, whatever the observation.
    pub fn of_action(action: usize, step: usize) -> Self {
        AtStep { action: Some(action), observation: None, step }
    }
}

impl EventKind for AtStep {
    fn advance(&self, state: u32, step: usize, action: usize, observation: usize) -> u32 {
        if step == self.step {
            if step_matches(self.action, self.observation, action, observation) {
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
    fn contains(&self, world: &[(usize, usize)]) -> bool {
        self.step >= 1 && self.step <= world.len() && {
            let (a, o) = world[self.step - 1];
            step_matches(self.action, self.observation, a, o)
        }
    }
    fn timed_until(&self) -> usize {
        self.step
    }
    fn empty_at(&self, depth: usize) -> Option<String> {
        (self.step > depth).then(|| format!("at_step = {} comes after the last step, {depth}", self.step))
    }
    fn check(&self, actions: usize, observations: usize) -> Result<(), (String, String)> {
        if self.step < 1 {
            return Err(("at_step".into(), "must be a step >= 1".into()));
        }
        check_step(self.action, self.observation, actions, observations)
    }
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        let mut e = step_entries(self.action, self.observation, actions, observations);
        e.push(("at_step", self.step.to_string()));
        Some(e)
    }
}

/// An event that unfolds over the steps: a [`Machine`] run over the world
/// history from its start state, holding when it ends (after step `T`) in
/// one of the `accepting` states. "Falls off the cliff at least once" is two
/// states; "risky twice in a row" three.
#[derive(Debug, Clone)]
pub struct MachineEvent {
    /// The machine; its state is the tracker's.
    pub machine: Machine,
    /// The accepting states, by index (at least one).
    pub accepting: Vec<usize>,
}

impl EventKind for MachineEvent {
    fn start(&self) -> u32 {
        self.machine.start() as u32
    }
    fn advance(&self, state: u32, _: usize, action: usize, observation: usize) -> u32 {
        self.machine.next(state as usize, action, observation) as u32
    }
    fn accepts(&self, state: u32) -> bool {
        self.accepting.contains(&(state as usize))
    }
    fn timed_until(&self) -> usize {
        0
    }
    fn check(&self, _: usize, _: usize) -> Result<(), (String, String)> {
        let n = self.machine.states().len();
        if self.accepting.is_empty() {
            return Err(("accepting".into(), "must list at least one accepting state".into()));
        }
        if let Some(j) = self.accepting.iter().position(|&s| s >= n) {
            return Err((
                format!("accepting[{j}]"),
                format!("is state {}, but there are {n} states", self.accepting[j]),
            ));
        }
        Ok(())
    }
    fn to_toml(&self, actions: &[String], observations: &[String]) -> Option<Entries> {
        let states = self.machine.states();
        let accepting: Vec<String> = self.accepting.iter().map(|&s| states[s].clone()).collect();
        let mut e = self.machine.entries(actions, observations);
        e.insert(2, ("accepting", name_list(&accepting)));
        Some(e)
    }
    fn machine(&self) -> Option<&Machine> {
        Some(&self.machine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(e: &Event, world: &[(usize, usize)]) -> bool {
        let mut s = e.start();
        for (i, &(a, o)) in world.iter().enumerate() {
            s = e.advance(s, i + 1, a, o);
        }
        e.accepts(s)
    }

    /// Actions only, with the first observation at every step.
    fn acts(actions: &[usize]) -> Vec<(usize, usize)> {
        actions.iter().map(|&a| (a, 0)).collect()
    }

    /// A kind that says only its tracker: `contains` is the default, read off it.
    #[derive(Debug)]
    struct Tracked(Prefix);

    impl EventKind for Tracked {
        fn advance(&self, state: u32, step: usize, action: usize, observation: usize) -> u32 {
            self.0.advance(state, step, action, observation)
        }
        fn accepts(&self, state: u32) -> bool {
            self.0.accepts(state)
        }
    }

    #[test]
    fn tracker_agrees_with_contains_on_every_short_history() {
        let events = [
            Event::new("e", AtLeast::of_action(1, 2)),
            Event::new("e", AtLeast::of_action(0, 0)),
            Event::new("e", AtStep::of_action(1, 2)),
            Event::new("e", AtStep::of_action(0, 5)),
            Event::new("e", Prefix { actions: vec![0, 1] }),
            Event::new("e", Prefix { actions: vec![] }),
            Event::new("e", Prefix { actions: vec![1, 1, 1, 1, 1] }),
            Event::new("e", Tracked(Prefix { actions: vec![1, 0] })),
            Event::new("e", AtLeast { action: None, observation: Some(1), count: 2 }),
            Event::new("e", AtLeast { action: Some(1), observation: Some(0), count: 1 }),
            Event::new("e", AtStep { action: None, observation: Some(1), step: 2 }),
            Event::new("e", AtStep { action: Some(0), observation: Some(1), step: 1 }),
            Event::new("e", two_in_a_row()),
        ];
        for e in events {
            for len in 0..=4usize {
                // Each step is one of 2 actions × 2 observations.
                for code in 0..(1usize << (2 * len)) {
                    let world: Vec<(usize, usize)> =
                        (0..len).map(|i| ((code >> (2 * i)) & 1, (code >> (2 * i + 1)) & 1)).collect();
                    assert_eq!(e.contains(&world), tracked(&e, &world), "{e:?} on {world:?}");
                }
            }
        }
    }

    /// Observation 1 twice in a row, at some point: states none, one, two (accepting, absorbing).
    fn two_in_a_row() -> MachineEvent {
        use crate::machine::{Pick, Rule};
        let rule = |from: usize, observation: Pick, to: usize| Rule {
            from: Pick::One(from),
            action: Pick::Any,
            observation,
            to,
        };
        let rules =
            vec![rule(2, Pick::Any, 2), rule(0, Pick::One(1), 1), rule(1, Pick::One(1), 2), rule(1, Pick::Any, 0)];
        let names = ["none", "one", "two"].map(String::from).to_vec();
        MachineEvent { machine: Machine::new(names, 0, rules, 2, 2).unwrap(), accepting: vec![2] }
    }

    #[test]
    fn events_read_observations() {
        let storms = Event::new("storms", AtLeast { action: None, observation: Some(1), count: 2 });
        assert!(storms.contains(&[(0, 1), (0, 0), (1, 1)]));
        assert!(!storms.contains(&[(0, 1), (0, 0), (1, 0)]));
        let both = Event::new("both", AtLeast { action: Some(1), observation: Some(1), count: 1 });
        assert!(!both.contains(&[(0, 1), (1, 0)]), "the action and the observation at different steps");
        assert!(both.contains(&[(0, 1), (1, 1)]));
        let pair = Event::new("pair", two_in_a_row());
        assert!(!pair.contains(&[(0, 1), (0, 0), (1, 1)]));
        assert!(pair.contains(&[(0, 1), (1, 1), (0, 0)]), "accepting is absorbing");
    }

    #[test]
    fn step_and_prefix_beyond_the_horizon_are_empty() {
        let late = Event::new("late", AtStep::of_action(0, 4));
        assert!(!late.contains(&acts(&[0, 0, 0])));
        let long = Event::new("long", Prefix { actions: vec![0, 0, 0, 0] });
        assert!(!long.contains(&acts(&[0, 0, 0])));
        assert_eq!(late.empty_at(3).as_deref(), Some("at_step = 4 comes after the last step, 3"));
        assert_eq!(late.empty_at(4), None);
        assert_eq!(long.empty_at(3).as_deref(), Some("its prefix has 4 actions, more than the depth 3"));
        let many = Event::new("many", AtLeast::of_action(0, 4));
        assert_eq!(many.empty_at(3).as_deref(), Some("at_least = 4 is more than the depth 3"));
        assert_eq!(many.empty_at(4), None);
    }
}
