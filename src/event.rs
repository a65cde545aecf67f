//! Declared events: sets of world histories of length `T`, defined on the actions.
//!
//! Two views of the same definition: [`Event::contains`] tests a whole action
//! sequence (the exhaustive engine), and the tracker ([`Event::start`],
//! [`Event::advance`], [`Event::accepts`]) follows it step by step with a small
//! state (the lumped engine, which merges histories on that state). Tests check
//! that the two agree.

/// What an event asks of the action sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `action` is taken at least `count` times in `T` steps.
    AtLeast { action: usize, count: usize },
    /// `action` is taken at step `step` (1-based); empty when `step > T`.
    AtStep { action: usize, step: usize },
    /// The first actions are exactly `actions`; empty when longer than `T`.
    Prefix { actions: Vec<usize> },
}

/// A named event of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub kind: EventKind,
}

/// The tracker's state for a failed prefix or a missed step.
const DEAD: u32 = u32::MAX;

impl Event {
    /// Whether the world history with these actions (its full length is `T`) is in the event.
    pub fn contains(&self, actions: &[usize]) -> bool {
        match &self.kind {
            EventKind::AtLeast { action, count } => actions.iter().filter(|&&a| a == *action).count() >= *count,
            EventKind::AtStep { action, step } => *step >= 1 && *step <= actions.len() && actions[*step - 1] == *action,
            EventKind::Prefix { actions: p } => p.len() <= actions.len() && actions[..p.len()] == p[..],
        }
    }

    /// The tracker's state before step 1.
    pub fn start(&self) -> u32 {
        0
    }

    /// The tracker's state after taking `action` at step `step` (1-based).
    ///
    /// States are kept as small as the event allows (counts are capped), so
    /// that the lumped engine merges as much as it can.
    pub fn advance(&self, state: u32, step: usize, action: usize) -> u32 {
        match &self.kind {
            EventKind::AtLeast { action: b, count } => {
                if action == *b {
                    (state + 1).min(*count as u32)
                } else {
                    state
                }
            }
            EventKind::AtStep { action: b, step: s } => {
                if step == *s {
                    if action == *b {
                        1
                    } else {
                        DEAD
                    }
                } else {
                    state
                }
            }
            EventKind::Prefix { actions } => {
                if state == DEAD || state as usize >= actions.len() {
                    state
                } else if actions[state as usize] == action {
                    state + 1
                } else {
                    DEAD
                }
            }
        }
    }

    /// Why the event holds no world history of length `depth`, if it holds
    /// none whatever the imitator does: a step beyond the horizon, a prefix
    /// longer than it, or more occurrences than there are steps.
    pub fn empty_at(&self, depth: usize) -> Option<String> {
        match &self.kind {
            EventKind::AtStep { step, .. } if *step > depth => {
                Some(format!("at_step = {step} comes after the last step, {depth}"))
            }
            EventKind::Prefix { actions } if actions.len() > depth => {
                Some(format!("its prefix has {} actions, more than the depth {depth}", actions.len()))
            }
            EventKind::AtLeast { count, .. } if *count > depth => {
                Some(format!("at_least = {count} is more than the depth {depth}"))
            }
            _ => None,
        }
    }

    /// Whether a history whose tracker ended in `state` (after all `T` steps) is in the event.
    pub fn accepts(&self, state: u32) -> bool {
        match &self.kind {
            EventKind::AtLeast { count, .. } => state as usize >= *count,
            EventKind::AtStep { .. } => state == 1,
            EventKind::Prefix { actions } => state != DEAD && state as usize == actions.len(),
        }
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

    #[test]
    fn tracker_agrees_with_contains_on_every_short_history() {
        let events = [
            EventKind::AtLeast { action: 1, count: 2 },
            EventKind::AtLeast { action: 0, count: 0 },
            EventKind::AtStep { action: 1, step: 2 },
            EventKind::AtStep { action: 0, step: 5 },
            EventKind::Prefix { actions: vec![0, 1] },
            EventKind::Prefix { actions: vec![] },
            EventKind::Prefix { actions: vec![1, 1, 1, 1, 1] },
        ];
        for kind in events {
            let e = Event { name: "e".into(), kind };
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
        let late = Event { name: "late".into(), kind: EventKind::AtStep { action: 0, step: 4 } };
        assert!(!late.contains(&[0, 0, 0]));
        let long = Event { name: "long".into(), kind: EventKind::Prefix { actions: vec![0, 0, 0, 0] } };
        assert!(!long.contains(&[0, 0, 0]));
        assert_eq!(late.empty_at(3).as_deref(), Some("at_step = 4 comes after the last step, 3"));
        assert_eq!(late.empty_at(4), None);
        assert_eq!(long.empty_at(3).as_deref(), Some("its prefix has 4 actions, more than the depth 3"));
        let many = Event { name: "many".into(), kind: EventKind::AtLeast { action: 0, count: 4 } };
        assert_eq!(many.empty_at(3).as_deref(), Some("at_least = 4 is more than the depth 3"));
        assert_eq!(many.empty_at(4), None);
    }
}
