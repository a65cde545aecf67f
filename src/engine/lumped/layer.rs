//! One depth of the lumped walk, sharded by state, and the step to the next.
//!
//! A layer is cut into [`SHARDS`] shards by a hash of the state id: every
//! entry of a state, and the state's own sums, live in the shard of that
//! state. A step routes each successor to the shard of its child state
//! ([`route`]), then builds every shard of the next layer from the records
//! addressed to it, in a fixed order (sources in shard order, entries in slot
//! order), with no lock and no shared mutable state: that is the seam at which
//! shards could live on different machines, exchanging records. The order, so
//! every id and slot, is the same for any thread count.
//!
//! The next layer is built in two passes over the records: keys first, so
//! that its size is known (and checked against the limits) before any of its
//! masses is allocated; then the masses, as multiply-accumulates of fixed-width
//! integers by the transitions' pre-scaled integer weights.

use super::super::limbs::{limbs_for, mac, Arena};
use super::super::space::StateSpace;
use num_bigint::BigUint;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

const SHARD_BITS: u32 = 6;
/// How many shards a layer is cut into. Fixed, so that the order of a layer
/// (and so every internal id) is the same for any thread count.
pub const SHARDS: usize = 1 << SHARD_BITS;

/// The shard that holds state `state` and its entries.
#[inline]
pub fn shard_of(state: u32) -> usize {
    (state.wrapping_mul(0x9E37_79B9) >> (32 - SHARD_BITS)) as usize
}

/// An entry's tag: its event trackers' combination and the two flags.
#[inline]
pub fn tag(combo: u32, e: bool, dem_ok: bool) -> u32 {
    (combo << 2) | ((e as u32) << 1) | dem_ok as u32
}

#[inline]
pub fn tag_combo(tag: u32) -> u32 {
    tag >> 2
}

#[inline]
pub fn tag_e(tag: u32) -> bool {
    tag & 2 != 0
}

#[inline]
pub fn tag_dem_ok(tag: u32) -> bool {
    tag & 1 != 0
}

/// The most event-tracker combinations a tag can hold.
pub const MAX_COMBOS: usize = 1 << 30;

/// The widths, in limbs, of a layer's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    /// Probabilities: entries' masses and states' masses.
    pub n: usize,
    /// The moments `Σ P·(QS)^k`, `k = 1, 2, 3`.
    pub a: [usize; 3],
    /// `Π(1+θ)`-weighted masses.
    pub r: usize,
}

impl Widths {
    /// Widths for a layer at depth `d` whose masses are over `den` and
    /// weighted masses over `den_r`, with moments over `den·q^k` and every `θ`
    /// at most `theta_max`. Each is the bound of its kind: a probability is at
    /// most 1, a query sum after the next step at most `(d+1)·θmax` (the
    /// moments are transformed in place before the step), `Π(1+θ)` at most
    /// `(1+θmax)^d`.
    pub fn new(d: usize, den: &BigUint, den_r: &BigUint, q: &BigUint, theta_max: &BigUint) -> Self {
        let s = (BigUint::from(d as u64 + 1) * theta_max * q).bits();
        let bits = den.bits();
        Widths {
            n: limbs_for(bits),
            a: [limbs_for(bits + s), limbs_for(bits + 2 * s), limbs_for(bits + 3 * s)],
            r: limbs_for(den_r.bits() + d as u64 * theta_max.bits()),
        }
    }
}

/// The states and entries of one shard of a layer.
#[derive(Debug, Clone, Default)]
pub struct Shard {
    /// State ids, by slot.
    pub states: Vec<u32>,
    /// Each state's mass (the sum of its entries' masses).
    pub a0: Arena,
    /// Each state's moments `Σ P·(QS)^k`, `k = 1, 2, 3`.
    pub a: [Arena; 3],
    /// Each state's `Π(1+θ)`-weighted mass.
    pub r: Arena,
    /// Entries as (state slot, tag), by slot.
    pub entries: Vec<(u32, u32)>,
    /// Each entry's mass.
    pub n: Arena,
}

impl Shard {
    fn empty(w: &Widths) -> Self {
        Shard {
            states: Vec::new(),
            a0: Arena::zeros(w.n, 0),
            a: [Arena::zeros(w.a[0], 0), Arena::zeros(w.a[1], 0), Arena::zeros(w.a[2], 0)],
            r: Arena::zeros(w.r, 0),
            entries: Vec::new(),
            n: Arena::zeros(w.n, 0),
        }
    }

    pub fn bytes(&self) -> u64 {
        let arenas = self.a0.bytes() + self.a.iter().map(Arena::bytes).sum::<u64>() + self.r.bytes() + self.n.bytes();
        arenas + 4 * self.states.capacity() as u64 + 8 * self.entries.capacity() as u64
    }

    /// Widens every number to `w`.
    pub fn widen(&mut self, w: &Widths) {
        self.a0.widen(w.n);
        self.n.widen(w.n);
        for (a, &k) in self.a.iter_mut().zip(&w.a) {
            a.widen(k);
        }
        self.r.widen(w.r);
    }
}

/// The merged entries at one depth, in shards.
#[derive(Debug, Clone)]
pub struct Layer {
    pub shards: Vec<Shard>,
    pub widths: Widths,
}

impl Layer {
    /// Depth 0: the empty history, state 0, with probability 1.
    pub fn root(widths: Widths, combo: u32) -> Self {
        let mut shards: Vec<Shard> = (0..SHARDS).map(|_| Shard::empty(&widths)).collect();
        let sh = &mut shards[shard_of(0)];
        sh.states.push(0);
        sh.a0.push(&[1]);
        for a in &mut sh.a {
            a.push(&[0]);
        }
        sh.r.push(&[1]);
        sh.entries.push((0, tag(combo, true, true)));
        sh.n.push(&[1]);
        Layer { shards, widths }
    }

    pub fn entries(&self) -> usize {
        self.shards.iter().map(|s| s.entries.len()).sum()
    }

    pub fn states(&self) -> usize {
        self.shards.iter().map(|s| s.states.len()).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.shards.iter().map(Shard::bytes).sum()
    }

    /// Widens every number to `w`.
    pub fn widen(&mut self, w: Widths) {
        self.shards.par_iter_mut().for_each(|s| s.widen(&w));
        self.widths = w;
    }

    /// The index of each shard's first entry in the layer's order.
    pub fn offsets(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(SHARDS + 1);
        let mut at = 0;
        for s in &self.shards {
            out.push(at);
            at += s.entries.len();
        }
        out.push(at);
        out
    }
}

/// One transition of one entry: `(from, to, prob)`, as indices in the layers'
/// order and the value id of its probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    pub prob: u32,
}

/// Everything a step needs besides the layer.
pub struct StepInputs<'a> {
    pub space: &'a StateSpace<'a>,
    /// Each transition probability times the step's denominator, by value id.
    pub wp: &'a [Vec<u64>],
    /// Each `(1+θ)`-weighted probability times the step's weighted denominator, by value id.
    pub wr: &'a [Vec<u64>],
    /// `advance[combo · actions + a]`: the event trackers after action `a`.
    pub advance: &'a [u32],
    pub actions: usize,
    /// The widths of the next layer.
    pub widths: Widths,
    /// The most entries the next layer may hold.
    pub max_states: usize,
    /// The most bytes the next layer may take.
    pub max_bytes: u64,
    /// When to abandon the step (a time limit).
    pub deadline: Option<Instant>,
    /// Set once the deadline has passed.
    pub cancel: &'a AtomicBool,
    /// Whether to list the step's edges.
    pub edges: bool,
}

/// Why a step did not produce the next layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The next layer would hold more entries than allowed (at least this many).
    States(usize),
    /// The next layer would take about this many bytes.
    Memory(u64),
    Cancelled,
}

/// The successors of one source shard, bucketed by target shard.
struct Routes {
    /// `(state slot, transition)`, grouped by the child's shard.
    states: Vec<(u32, u32)>,
    state_at: [usize; SHARDS + 1],
    /// `(entry slot, transition)`, grouped by the child's shard.
    entries: Vec<(u32, u32)>,
    entry_at: [usize; SHARDS + 1],
    /// Where each state slot's transitions start in a per-transition table.
    first: Vec<u32>,
}

impl Routes {
    fn states_to(&self, t: usize) -> &[(u32, u32)] {
        &self.states[self.state_at[t]..self.state_at[t + 1]]
    }

    fn entries_to(&self, t: usize) -> &[(u32, u32)] {
        &self.entries[self.entry_at[t]..self.entry_at[t + 1]]
    }

    fn bytes(&self) -> u64 {
        8 * (self.states.capacity() + self.entries.capacity()) as u64 + 4 * self.first.capacity() as u64
    }
}

/// Counting sort of `items` by target shard.
fn bucket(
    items: impl Iterator<Item = (u32, u32, usize)> + Clone,
    total: usize,
) -> (Vec<(u32, u32)>, [usize; SHARDS + 1]) {
    let mut at = [0usize; SHARDS + 1];
    for (_, _, t) in items.clone() {
        at[t + 1] += 1;
    }
    for t in 0..SHARDS {
        at[t + 1] += at[t];
    }
    let mut cursor = at;
    let mut out = vec![(0u32, 0u32); total];
    for (a, b, t) in items {
        out[cursor[t]] = (a, b);
        cursor[t] += 1;
    }
    (out, at)
}

fn route(src: &Shard, space: &StateSpace) -> Routes {
    let mut first = Vec::with_capacity(src.states.len() + 1);
    let mut total = 0u32;
    for &id in &src.states {
        first.push(total);
        total += space.state(id).transitions.len() as u32;
    }
    first.push(total);
    let state_items = src.states.iter().enumerate().flat_map(|(slot, &id)| {
        space.state(id).transitions.iter().enumerate().map(move |(k, t)| (slot as u32, k as u32, shard_of(t.child)))
    });
    let (states, state_at) = bucket(state_items, total as usize);
    let n_entries: usize =
        src.entries.iter().map(|&(slot, _)| space.state(src.states[slot as usize]).transitions.len()).sum();
    let entry_items = src.entries.iter().enumerate().flat_map(|(i, &(slot, _))| {
        let st = space.state(src.states[slot as usize]);
        st.transitions.iter().enumerate().map(move |(k, t)| (i as u32, k as u32, shard_of(t.child)))
    });
    let (entries, entry_at) = bucket(entry_items, n_entries);
    Routes { states, state_at, entries, entry_at, first }
}

/// A target shard's keys: its states and entries, and where each record lands.
struct Keys {
    states: Vec<u32>,
    entries: Vec<(u32, u32)>,
    /// Per source shard: the target slot of each state record, in record order.
    state_slots: Vec<Vec<u32>>,
    /// Per source shard: the target slot of each entry record, in record order.
    entry_slots: Vec<Vec<u32>>,
}

impl Keys {
    fn bytes(&self) -> u64 {
        let slots: usize = self.state_slots.iter().chain(&self.entry_slots).map(Vec::capacity).sum();
        4 * (self.states.capacity() + slots) as u64 + 8 * self.entries.capacity() as u64
    }
}

/// The child states of every state record addressed to shard `t`, numbered in record order.
fn state_keys(t: usize, src: &[Shard], routes: &[Routes], space: &StateSpace) -> (Vec<u32>, Vec<Vec<u32>>) {
    let mut slot_of: FxHashMap<u32, u32> = FxHashMap::default();
    let mut states = Vec::new();
    let mut slots = Vec::with_capacity(src.len());
    for (sh, ro) in src.iter().zip(routes) {
        let recs = ro.states_to(t);
        let mut out = Vec::with_capacity(recs.len());
        for &(slot, k) in recs {
            let child = space.state(sh.states[slot as usize]).transitions[k as usize].child;
            let ts = *slot_of.entry(child).or_insert_with(|| {
                states.push(child);
                states.len() as u32 - 1
            });
            out.push(ts);
        }
        slots.push(out);
    }
    (states, slots)
}

/// The entries of every entry record addressed to shard `t`, numbered in
/// record order; `None` once the layer passes `max_states` entries.
#[allow(clippy::too_many_arguments)]
fn entry_keys(
    t: usize,
    src: &[Shard],
    routes: &[Routes],
    child_slot: &[Vec<u32>],
    inp: &StepInputs,
    count: &AtomicUsize,
    over: &AtomicBool,
) -> Option<(Vec<(u32, u32)>, Vec<Vec<u32>>)> {
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut entries = Vec::new();
    let mut slots = Vec::with_capacity(src.len());
    for ((sh, ro), children) in src.iter().zip(routes).zip(child_slot) {
        if inp.deadline.is_some_and(|t| Instant::now() >= t) {
            inp.cancel.store(true, Ordering::Relaxed);
        }
        if over.load(Ordering::Relaxed) || inp.cancel.load(Ordering::Relaxed) {
            return None;
        }
        let recs = ro.entries_to(t);
        let mut out = Vec::with_capacity(recs.len());
        for &(i, k) in recs {
            let (slot, tg) = sh.entries[i as usize];
            let st = inp.space.state(sh.states[slot as usize]);
            let tr = &st.transitions[k as usize];
            let ts = children[(ro.first[slot as usize] + k) as usize];
            let combo = inp.advance[tag_combo(tg) as usize * inp.actions + tr.action as usize];
            let tg2 = tag(combo, tag_e(tg) && st.truth_in_top, tag_dem_ok(tg) && tr.truth_acts);
            let key = ((ts as u64) << 32) | tg2 as u64;
            let es = match index.entry(key) {
                Entry::Occupied(o) => *o.get(),
                Entry::Vacant(v) => {
                    if count.fetch_add(1, Ordering::Relaxed) >= inp.max_states {
                        over.store(true, Ordering::Relaxed);
                        return None;
                    }
                    entries.push((ts, tg2));
                    *v.insert(entries.len() as u32 - 1)
                }
            };
            out.push(es);
        }
        slots.push(out);
    }
    Some((entries, slots))
}

/// Shard `t` of the next layer: its keys, and every mass accumulated from the records.
fn masses(t: usize, keys: Keys, src: &[Shard], routes: &[Routes], inp: &StepInputs) -> Shard {
    let w = &inp.widths;
    let mut out = Shard {
        a0: Arena::zeros(w.n, keys.states.len()),
        a: [
            Arena::zeros(w.a[0], keys.states.len()),
            Arena::zeros(w.a[1], keys.states.len()),
            Arena::zeros(w.a[2], keys.states.len()),
        ],
        r: Arena::zeros(w.r, keys.states.len()),
        n: Arena::zeros(w.n, keys.entries.len()),
        states: keys.states,
        entries: keys.entries,
    };
    for ((sh, ro), slots) in src.iter().zip(routes).zip(&keys.state_slots) {
        for (&(slot, k), &ts) in ro.states_to(t).iter().zip(slots) {
            let (slot, ts) = (slot as usize, ts as usize);
            let tr = &inp.space.state(sh.states[slot]).transitions[k as usize];
            let wp = &inp.wp[tr.prob as usize];
            mac(out.a0.get_mut(ts), sh.a0.get(slot), wp);
            for (a, sa) in out.a.iter_mut().zip(&sh.a) {
                mac(a.get_mut(ts), sa.get(slot), wp);
            }
            mac(out.r.get_mut(ts), sh.r.get(slot), &inp.wr[tr.weighted as usize]);
        }
    }
    for ((sh, ro), slots) in src.iter().zip(routes).zip(&keys.entry_slots) {
        for (&(i, k), &es) in ro.entries_to(t).iter().zip(slots) {
            let (slot, _) = sh.entries[i as usize];
            let tr = &inp.space.state(sh.states[slot as usize]).transitions[k as usize];
            mac(out.n.get_mut(es as usize), sh.n.get(i as usize), &inp.wp[tr.prob as usize]);
        }
    }
    out
}

/// The bytes shard `t` will take once its masses are allocated.
fn shard_bytes(keys: &Keys, w: &Widths) -> u64 {
    let per_state = 8 * (w.n + w.a.iter().sum::<usize>() + w.r) as u64 + 4;
    let per_entry = 8 * w.n as u64 + 8;
    per_state * keys.states.len() as u64 + per_entry * keys.entries.len() as u64
}

/// The step's edges, in the order of the source layer and of each state's transitions.
fn edges(src: &Layer, next_offsets: &[usize], keys: &[Keys], space: &StateSpace) -> Vec<Edge> {
    let from_offsets = src.offsets();
    let mut out = Vec::new();
    for (s, sh) in src.shards.iter().enumerate() {
        let mut cursor = [0usize; SHARDS];
        for (i, &(slot, _)) in sh.entries.iter().enumerate() {
            for tr in &space.state(sh.states[slot as usize]).transitions {
                let t = shard_of(tr.child);
                let es = keys[t].entry_slots[s][cursor[t]];
                cursor[t] += 1;
                out.push(Edge {
                    from: (from_offsets[s] + i) as u32,
                    to: (next_offsets[t] + es as usize) as u32,
                    prob: tr.prob,
                });
            }
        }
    }
    out
}

/// What a step produced besides the next layer.
pub struct StepOutcome {
    pub layer: Layer,
    pub edges: Option<Vec<Edge>>,
    /// The most bytes held at once during the step (both layers and the records).
    pub peak_bytes: u64,
}

/// One step of the walk: every entry of `src` through every transition of its
/// state, merged by key into the next layer.
pub fn step(src: &Layer, inp: &StepInputs) -> Result<StepOutcome, Refusal> {
    let space = inp.space;
    let routes: Vec<Routes> = src.shards.par_iter().map(|sh| route(sh, space)).collect();
    // Keys of the states, then where each source state's transitions lead.
    let (state_lists, state_slots): (Vec<Vec<u32>>, Vec<Vec<Vec<u32>>>) =
        (0..SHARDS).into_par_iter().map(|t| state_keys(t, &src.shards, &routes, space)).unzip();
    let child_slot: Vec<Vec<u32>> = (0..SHARDS)
        .into_par_iter()
        .map(|s| {
            let ro = &routes[s];
            let mut out = vec![0u32; *ro.first.last().unwrap_or(&0) as usize];
            for (t, slots) in state_slots.iter().enumerate() {
                for (&(slot, k), &ts) in ro.states_to(t).iter().zip(&slots[s]) {
                    out[(ro.first[slot as usize] + k) as usize] = ts;
                }
            }
            out
        })
        .collect();
    // Keys of the entries, stopping early past the state limit.
    let count = AtomicUsize::new(0);
    let over = AtomicBool::new(false);
    let entry_lists: Vec<Option<(Vec<(u32, u32)>, Vec<Vec<u32>>)>> = (0..SHARDS)
        .into_par_iter()
        .map(|t| entry_keys(t, &src.shards, &routes, &child_slot, inp, &count, &over))
        .collect();
    drop(child_slot);
    if over.load(Ordering::Relaxed) {
        return Err(Refusal::States(count.load(Ordering::Relaxed)));
    }
    if inp.cancel.load(Ordering::Relaxed) {
        return Err(Refusal::Cancelled);
    }
    let keys: Vec<Keys> = state_lists
        .into_iter()
        .zip(state_slots)
        .zip(entry_lists)
        .map(|((states, state_slots), e)| {
            let (entries, entry_slots) = e.expect("every shard finished");
            Keys { states, entries, state_slots, entry_slots }
        })
        .collect();
    let routes_bytes: u64 = routes.iter().map(Routes::bytes).sum::<u64>() + keys.iter().map(Keys::bytes).sum::<u64>();
    let next_bytes: u64 = keys.iter().map(|k| shard_bytes(k, &inp.widths)).sum();
    if next_bytes > inp.max_bytes {
        return Err(Refusal::Memory(next_bytes));
    }
    let peak_bytes = src.bytes() + routes_bytes + next_bytes;
    let edges = inp.edges.then(|| {
        let mut offsets = Vec::with_capacity(SHARDS);
        let mut at = 0;
        for k in &keys {
            offsets.push(at);
            at += k.entries.len();
        }
        edges(src, &offsets, &keys, space)
    });
    let shards: Vec<Shard> =
        keys.into_par_iter().enumerate().map(|(t, k)| masses(t, k, &src.shards, &routes, inp)).collect();
    Ok(StepOutcome { layer: Layer { shards, widths: inp.widths }, edges, peak_bytes })
}
