//! The one walker over the imitator's reachable histories.
//!
//! [`walk`] visits every full history of length `0, 1, …, T−1` that has
//! positive probability under the imitator — every point at which it decides
//! within the horizon `T` (the history of length `t−1` is where step `t` is
//! decided) — with the merged state of the [`StateSpace`] that history
//! reaches. The policy listing (`imitator policy`) and the comparison with
//! another implementation (`imitator diff`) are this walk; [`size`] counts it
//! beforehand. [`fold_paths`] walks the same graph depth by depth, carrying
//! one value per state (the tables of `proofs/` take the largest product of
//! `1 + θ` along a path with it).
//!
//! # Which histories, in which order
//!
//! The order is by length, then lexicographic by history. Two histories of
//! the same length compare at their first differing step, and steps compare
//! by their fields in order: the query flag (`false` before `true`), then the
//! action's index in the scenario, then the observation's index.

use super::space::{State, StateSpace};
use crate::imitator::Rule;
use crate::limits::{Limit, LimitError, MAX_HISTORIES, MAX_HISTORY_STEPS};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::One;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// One step of a full history.
///
/// The derived order is the order of the listing: query flag (`false` first),
/// then action index, then observation index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Step {
    /// Whether the imitator asked the demonstrator.
    pub queried: bool,
    /// The action taken (an index into the scenario's actions).
    pub action: usize,
    /// The observation that followed.
    pub observation: usize,
}

/// One reachable full history and the imitator's policy there.
pub struct Entry<'a> {
    /// The history, oldest step first.
    pub history: &'a [Step],
    /// The id of the merged state in the walk's [`StateSpace`] (histories with equal ids share a policy).
    pub id: u32,
    /// The merged state of the history: ranking, top set, `m`, `θ`.
    pub state: &'a State,
    /// The normalized posterior at the history, in declaration order.
    pub posterior: &'a [Rational],
    /// `P_im` of the full history.
    pub p_im: &'a Rational,
}

/// Visits every full history of length `0..horizon` with positive probability
/// under `rule`, by length, then lexicographically (see the module docs).
///
/// Each length is a fresh depth-first search in step order (iterative
/// deepening), so memory stays proportional to the horizon and the state
/// space; the policy at each history is computed once per merged state. The
/// search keeps its own stack, so no horizon can overflow the thread's.
/// Stops at the first error of `f` and returns it. [`size`] tells beforehand
/// how much this is.
pub fn walk<E>(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    horizon: usize,
    mut f: impl FnMut(&Entry) -> Result<(), E>,
) -> Result<(), E> {
    let mut space = StateSpace::new(s, rule);
    for len in 0..horizon {
        dfs(&mut space, len, &mut f)?;
    }
    Ok(())
}

/// Every history of length `target`, in step order.
fn dfs<E>(space: &mut StateSpace, target: usize, f: &mut impl FnMut(&Entry) -> Result<(), E>) -> Result<(), E> {
    let mut path: Vec<Step> = Vec::new();
    let one = Rational::one();
    if target == 0 {
        let state = space.state(0);
        return f(&Entry { history: &path, id: 0, state, posterior: space.posterior(state.key.posterior), p_im: &one });
    }
    space.expand(0, 0);
    // One frame per step of `path` and the root: (state, next transition, probability so far).
    let mut stack: Vec<(u32, usize, Rational)> = vec![(0, 0, one)];
    while let Some(top) = stack.last_mut() {
        let (id, i) = (top.0, top.1);
        let Some(t) = space.state(id).transitions.get(i).cloned() else {
            stack.pop();
            path.pop();
            continue;
        };
        top.1 += 1;
        let p = &top.2 * space.value(t.prob);
        path.push(Step { queried: t.queried, action: t.action as usize, observation: t.observation as usize });
        if path.len() == target {
            let state = space.state(t.child);
            let posterior = space.posterior(state.key.posterior);
            f(&Entry { history: &path, id: t.child, state, posterior, p_im: &p })?;
            path.pop();
        } else {
            space.expand(t.child, path.len());
            stack.push((t.child, 0, p));
        }
    }
    Ok(())
}

/// How much [`walk`] does to a horizon: the histories it visits and their steps in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// How many histories, lengths `0..T` together.
    pub histories: u64,
    /// Their steps in all (their total length).
    pub steps: u64,
}

/// Counts the histories [`walk`] visits to `horizon` (by the state space, one
/// depth at a time, without visiting them), and refuses, as soon as the count
/// passes it, more than [`MAX_HISTORIES`] histories or [`MAX_HISTORY_STEPS`]
/// steps in all, naming the limit.
///
/// The state space it builds is the one [`walk`] builds, and it may hold at
/// most [`crate::limits::MAX_LAYER_MEMORY`] bytes (by its estimate, checked
/// before it grows, [`StateSpace::try_expand_all`]); past that the count is
/// refused with [`Limit::Memory`]. [`size_within`] takes another limit.
pub fn size(s: &Scenario, rule: &dyn Rule<Rational>, horizon: usize) -> Result<Size, LimitError> {
    size_within(s, rule, horizon, crate::limits::MAX_LAYER_MEMORY)
}

/// [`size`] with a memory limit of `max_memory` bytes for the state space.
pub fn size_within(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    horizon: usize,
    max_memory: u64,
) -> Result<Size, LimitError> {
    let mut space = StateSpace::new(s, rule);
    space.set_memory_limit(max_memory);
    let mut layer: Vec<(u32, u64)> = vec![(0, 1)];
    let mut size = Size { histories: 0, steps: 0 };
    for len in 0..horizon {
        let count = layer.iter().fold(0u64, |t, x| t.saturating_add(x.1));
        size.histories = size.histories.saturating_add(count);
        size.steps = size.steps.saturating_add(count.saturating_mul(len as u64));
        let over = if size.histories > MAX_HISTORIES {
            Some(format!("{} histories, more than {MAX_HISTORIES} (limits::MAX_HISTORIES)", size.histories))
        } else if size.steps > MAX_HISTORY_STEPS {
            Some(format!(
                "{} histories of {} steps in all, more than {MAX_HISTORY_STEPS} steps (limits::MAX_HISTORY_STEPS)",
                size.histories, size.steps
            ))
        } else {
            None
        };
        if let Some(over) = over {
            return Err(LimitError::new(
                Limit::Histories,
                format!("depth {horizon} is too deep to list: the histories of length 0 to {len} alone are {over}"),
            ));
        }
        if len + 1 == horizon {
            break;
        }
        let ids: Vec<u32> = layer.iter().map(|x| x.0).collect();
        space.try_expand_all(&ids, len).map_err(|e| {
            LimitError::new(Limit::Memory, format!("depth {horizon} is too deep to list: {}", e.message))
        })?;
        let mut next: FxHashMap<u32, u64> = FxHashMap::default();
        for &(id, n) in &layer {
            for t in &space.state(id).transitions {
                let c = next.entry(t.child).or_insert(0);
                *c = c.saturating_add(n);
            }
        }
        layer = next.into_iter().collect();
        layer.sort_unstable();
    }
    Ok(size)
}

/// Walks the states reachable in `depth` steps, depth by depth, carrying one
/// value per state along the transitions: `start` at the root; at each state
/// of depth `d < depth` holding a value `v`, `step(state, v)` is passed to
/// each of its children, unless it is `None` (the paths stop there); values
/// arriving at one child are merged by `merge`. `visit(state)` sees every
/// state of depths `0..depth`, whether it holds a value or not. Returns the
/// values at depth `depth`, by state id.
pub fn fold_paths<V: Clone>(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    depth: usize,
    start: V,
    step: impl Fn(&State, &V) -> Option<V>,
    merge: impl Fn(V, V) -> V,
    mut visit: impl FnMut(&State, &[u32]),
) -> BTreeMap<u32, V> {
    let mut space = StateSpace::new(s, rule);
    let layers = space.layers(depth);
    let mut values: BTreeMap<u32, V> = [(0u32, start)].into();
    for layer in &layers[..depth] {
        let mut next: BTreeMap<u32, V> = BTreeMap::new();
        for &id in layer {
            let st = space.state(id);
            visit(st, space.contexts(st.key.contexts));
            let Some(through) = values.get(&id).and_then(|v| step(st, v)) else { continue };
            for t in &st.transitions {
                let merged = match next.remove(&t.child) {
                    Some(old) => merge(old, through.clone()),
                    None => through.clone(),
                };
                next.insert(t.child, merged);
            }
        }
        values = next;
    }
    values
}
