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

use super::super::limbs::{limbs_for, mac, prefetch, Arena};
use super::super::space::StateSpace;
use crate::limits::Stop;
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
    /// The moments `Σ P·(QS)^k`, `k = 1, 2`.
    pub a: [usize; 2],
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
            a: [limbs_for(bits + s), limbs_for(bits + 2 * s)],
            r: limbs_for(den_r.bits() + d as u64 * theta_max.bits()),
        }
    }
}

/// The states and entries of one shard of a layer.
#[derive(Debug, Clone, Default)]
pub struct Shard {
    /// State ids, by slot.
    pub states: Vec<u32>,
    /// Each state's moments `Σ P·(QS)^k`, `k = 1, 2` (the third is not
    /// needed: `E[S³]` grows by `E[3S²θ + 3Sθ² + θ³]` at each step).
    pub a: [Arena; 2],
    /// Each state's `Π(1+θ)`-weighted mass.
    pub r: Arena,
    /// Entries as (state slot, tag), by slot; a state's entries are
    /// contiguous, in the order of its slot.
    pub entries: Vec<(u32, u32)>,
    /// Where each state slot's entries start (one more than the states).
    pub first: Vec<u32>,
    /// Each entry's mass.
    pub n: Arena,
}

impl Shard {
    fn empty(w: &Widths) -> Self {
        Shard {
            states: Vec::new(),
            a: [Arena::zeros(w.a[0], 0), Arena::zeros(w.a[1], 0)],
            r: Arena::zeros(w.r, 0),
            entries: Vec::new(),
            first: vec![0],
            n: Arena::zeros(w.n, 0),
        }
    }

    pub fn bytes(&self) -> u64 {
        let arenas = self.a.iter().map(Arena::bytes).sum::<u64>() + self.r.bytes() + self.n.bytes();
        arenas + 4 * (self.states.capacity() + self.first.capacity()) as u64 + 8 * self.entries.capacity() as u64
    }

    /// The entry slots of state slot `slot`.
    pub fn entries_of(&self, slot: usize) -> std::ops::Range<usize> {
        self.first[slot] as usize..self.first[slot + 1] as usize
    }

    /// Widens every number to `w`.
    pub fn widen(&mut self, w: &Widths) {
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
        for a in &mut sh.a {
            a.push(&[0]);
        }
        sh.r.push(&[1]);
        sh.entries.push((0, tag(combo, true, true)));
        sh.first.push(1);
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
    /// The source entry's index in its layer.
    pub from: u32,
    /// The target entry's index in the next layer.
    pub to: u32,
    /// The value id of the step's probability.
    pub prob: u32,
}

/// Everything a step needs besides the layer.
pub struct StepInputs<'a> {
    pub space: &'a StateSpace<'a>,
    /// Each transition probability times the step's denominator, by value id.
    pub wp: &'a [Vec<u64>],
    /// Each `(1+θ)`-weighted probability times the step's weighted denominator, by value id.
    pub wr: &'a [Vec<u64>],
    /// `advance[(combo · actions + a) · observations + o]`: the event trackers
    /// after action `a` and observation `o`.
    pub advance: &'a [u32],
    pub actions: usize,
    pub observations: usize,
    /// The widths of the next layer.
    pub widths: Widths,
    /// The most entries the next layer may hold.
    pub max_states: usize,
    /// The most bytes the step may add to what is held (records and the next layer).
    pub max_bytes: u64,
    /// When to abandon the step (a time limit).
    pub deadline: Option<Instant>,
    /// Whether to list the step's edges.
    pub edges: bool,
}

/// Why a step did not produce the next layer ([`Stop::MaxStates`],
/// [`Stop::Memory`] or [`Stop::TimeLimit`]), and for memory the bytes it
/// would have taken besides what is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub Stop, pub u64);

/// A step out of a state, addressed to its child's shard: the child (then
/// its slot there), the source state's slot, the ids of its weights, and
/// what the step does to the entries' tags. It stands for the same step out
/// of every entry of the source state, which the target reads in place.
#[derive(Debug, Clone, Copy)]
struct Group {
    child: u32,
    src: u32,
    prob: u32,
    weighted: u32,
    action: u32,
    observation: u32,
    /// The truth is in the top set at the source state.
    top: bool,
    /// The truth gives the action positive probability there.
    acts: bool,
}

/// The groups one source shard sends to one target shard, in the source's order.
type Mail = Vec<Group>;

/// Every step out of a source shard's states, addressed to the child's shard.
fn route(src: &Shard, inp: &StepInputs) -> Vec<Mail> {
    let mut sizes = [0usize; SHARDS];
    for &id in &src.states {
        for tr in &inp.space.state(id).transitions {
            sizes[shard_of(tr.child)] += 1;
        }
    }
    let mut out: Vec<Mail> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (slot, &id) in src.states.iter().enumerate() {
        let st = inp.space.state(id);
        for tr in &st.transitions {
            out[shard_of(tr.child)].push(Group {
                child: tr.child,
                src: slot as u32,
                prob: tr.prob,
                weighted: tr.weighted,
                action: tr.action,
                observation: tr.observation,
                top: st.truth_in_top,
                acts: tr.truth_acts,
            });
        }
    }
    out
}

/// A target shard's keys: its states and entries (grouped by state), and the
/// target entry of every (group, source entry) in record order.
struct Keys {
    states: Vec<u32>,
    entries: Vec<(u32, u32)>,
    first: Vec<u32>,
    /// Per source shard, where its groups' targets start in `targets`.
    from: Vec<usize>,
    targets: Vec<u32>,
}

impl Keys {
    fn bytes(&self) -> u64 {
        4 * (self.states.capacity() + self.first.capacity() + self.targets.capacity()) as u64
            + 8 * (self.entries.capacity() + self.from.capacity()) as u64
    }
}

/// The tag of an entry with tag `tg` after a step of group `g`.
#[inline]
fn next_tag(tg: u32, g: &Group, inp: &StepInputs) -> u32 {
    let step = g.action as usize * inp.observations + g.observation as usize;
    let combo = inp.advance[tag_combo(tg) as usize * inp.actions * inp.observations + step];
    tag(combo, tag_e(tg) && g.top, tag_dem_ok(tg) && g.acts)
}

/// Numbers the states and entries that the groups addressed to one shard
/// lead to, in record order (every group's child becomes its slot); `None`
/// once the layer passes `max_states` entries, or past the deadline.
fn keys(column: &mut [Mail], src: &[Shard], inp: &StepInputs, count: &AtomicUsize, stop: &AtomicBool) -> Option<Keys> {
    let mut slot_of: FxHashMap<u32, u32> = FxHashMap::default();
    let mut states = Vec::new();
    for g in column.iter_mut().flatten() {
        g.child = *slot_of.entry(g.child).or_insert_with(|| {
            states.push(g.child);
            states.len() as u32 - 1
        });
    }
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut entries: Vec<(u32, u32)> = Vec::new();
    let mut per_state = vec![0u32; states.len()];
    let mut targets = Vec::new();
    let mut from = Vec::with_capacity(column.len());
    for (mail, sh) in column.iter().zip(src) {
        if inp.deadline.is_some_and(|t| Instant::now() >= t) {
            stop.store(true, Ordering::Relaxed);
        }
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        from.push(targets.len());
        for g in mail {
            for &(_, tg) in &sh.entries[sh.entries_of(g.src as usize)] {
                let tg2 = next_tag(tg, g, inp);
                let key = ((g.child as u64) << 32) | tg2 as u64;
                let es = match index.entry(key) {
                    Entry::Occupied(o) => *o.get(),
                    Entry::Vacant(v) => {
                        if count.fetch_add(1, Ordering::Relaxed) >= inp.max_states {
                            stop.store(true, Ordering::Relaxed);
                            return None;
                        }
                        per_state[g.child as usize] += 1;
                        entries.push((g.child, tg2));
                        *v.insert(entries.len() as u32 - 1)
                    }
                };
                targets.push(es);
            }
        }
    }
    // Group the entries by state, keeping their order within a state.
    let mut first = Vec::with_capacity(states.len() + 1);
    let mut at = 0u32;
    for &k in &per_state {
        first.push(at);
        at += k;
    }
    first.push(at);
    let mut cursor = first.clone();
    let mut moved = vec![0u32; entries.len()];
    let mut sorted = vec![(0u32, 0u32); entries.len()];
    for (i, &(ts, tg)) in entries.iter().enumerate() {
        let to = cursor[ts as usize];
        cursor[ts as usize] += 1;
        moved[i] = to;
        sorted[to as usize] = (ts, tg);
    }
    for t in &mut targets {
        *t = moved[*t as usize];
    }
    Some(Keys { states, entries: sorted, first, from, targets })
}

/// A shard of the next layer: every mass accumulated from its groups.
fn masses(keys: Keys, column: &[Mail], src: &[Shard], inp: &StepInputs) -> Shard {
    let w = &inp.widths;
    let ns = keys.states.len();
    let mut out = Shard {
        a: [Arena::zeros(w.a[0], ns), Arena::zeros(w.a[1], ns)],
        r: Arena::zeros(w.r, ns),
        n: Arena::zeros(w.n, keys.entries.len()),
        states: keys.states,
        entries: keys.entries,
        first: keys.first,
    };
    let targets = &keys.targets;
    let mut k = 0;
    // Groups read their sources in increasing but sparse order, and write
    // their entries' targets anywhere in the shard: both are asked for a few
    // groups ahead, so that the loads overlap the work.
    const AHEAD: usize = 4;
    for (sh, mail) in src.iter().zip(column) {
        let mut ahead = k;
        for (i, g) in mail.iter().enumerate() {
            if let Some(next) = mail.get(i + AHEAD) {
                let f = next.src as usize;
                prefetch(sh.r.get(f));
                for a in &sh.a {
                    prefetch(a.get(f));
                }
                prefetch(out.a[0].get(next.child as usize));
                for j in sh.entries_of(f) {
                    prefetch(sh.n.get(j));
                }
            }
            let (from, to) = (g.src as usize, g.child as usize);
            let wp = &inp.wp[g.prob as usize];
            for (a, sa) in out.a.iter_mut().zip(&sh.a) {
                mac(a.get_mut(to), sa.get(from), wp);
            }
            mac(out.r.get_mut(to), sh.r.get(from), &inp.wr[g.weighted as usize]);
            let range = sh.entries_of(from);
            // The targets of the entries a group ahead.
            let until = (k + 2 * range.len()).min(targets.len());
            while ahead < until {
                prefetch(out.n.get(targets[ahead] as usize));
                ahead += 1;
            }
            for j in range {
                mac(out.n.get_mut(targets[k] as usize), sh.n.get(j), wp);
                k += 1;
            }
        }
    }
    out
}

/// The bytes a shard will take once its masses are allocated.
fn shard_bytes(keys: &Keys, w: &Widths) -> u64 {
    let per_state = 8 * (w.a.iter().sum::<usize>() + w.r) as u64 + 8;
    let per_entry = 8 * w.n as u64 + 8;
    per_state * keys.states.len() as u64 + per_entry * keys.entries.len() as u64
}

/// The step's edges, in the order of the source layer: by entry, then by transition.
fn edges(src: &Layer, next_offsets: &[usize], keys: &[Keys], space: &StateSpace) -> Vec<Edge> {
    let from_offsets = src.offsets();
    let mut out = Vec::new();
    for (s, sh) in src.shards.iter().enumerate() {
        let mut cursor: Vec<usize> = keys.iter().map(|k| k.from[s]).collect();
        for (slot, &id) in sh.states.iter().enumerate() {
            for tr in &space.state(id).transitions {
                let t = shard_of(tr.child);
                for i in sh.entries_of(slot) {
                    let to = keys[t].targets[cursor[t]];
                    cursor[t] += 1;
                    out.push(Edge {
                        from: (from_offsets[s] + i) as u32,
                        to: (next_offsets[t] + to as usize) as u32,
                        prob: tr.prob,
                    });
                }
            }
        }
    }
    // By entry, keeping each entry's transitions in order.
    out.sort_by_key(|e| e.from);
    out
}

/// What a step produced besides the next layer.
pub struct StepOutcome {
    pub layer: Layer,
    pub edges: Option<Vec<Edge>>,
    /// The most bytes the step added at once to what was held (records and the next layer).
    pub extra_bytes: u64,
}

/// One step of the walk: every entry of `src` through every transition of its
/// state, merged by key into the next layer.
pub fn step(src: &Layer, inp: &StepInputs) -> Result<StepOutcome, Refused> {
    // Route: each source shard's groups, by target shard.
    let routed: Vec<Vec<Mail>> = src.shards.par_iter().map(|sh| route(sh, inp)).collect();
    // Transpose: each target shard owns the groups addressed to it.
    let mut columns: Vec<Vec<Mail>> = (0..SHARDS).map(|_| Vec::with_capacity(SHARDS)).collect();
    for row in routed {
        for (t, mail) in row.into_iter().enumerate() {
            columns[t].push(mail);
        }
    }
    // Keys, stopping early past the state limit or the deadline.
    let count = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let keys: Vec<Option<Keys>> =
        columns.par_iter_mut().map(|col| keys(col, &src.shards, inp, &count, &stop)).collect();
    if stop.load(Ordering::Relaxed) {
        let over = count.load(Ordering::Relaxed) > inp.max_states;
        return Err(Refused(if over { Stop::MaxStates } else { Stop::TimeLimit }, 0));
    }
    let keys: Vec<Keys> = keys.into_iter().map(|k| k.expect("every shard finished")).collect();
    let mail_bytes: u64 = 24 * columns.iter().flatten().map(Vec::capacity).sum::<usize>() as u64;
    let next_bytes: u64 = keys.iter().map(|k| shard_bytes(k, &inp.widths)).sum();
    // The step's edges, when listed: one per (entry, transition), as many as the targets.
    let edge_bytes: u64 = if inp.edges {
        (std::mem::size_of::<Edge>() * keys.iter().map(|k| k.targets.len()).sum::<usize>()) as u64
    } else {
        0
    };
    let extra_bytes = mail_bytes + keys.iter().map(Keys::bytes).sum::<u64>() + next_bytes + edge_bytes;
    if extra_bytes > inp.max_bytes {
        return Err(Refused(Stop::Memory, extra_bytes));
    }
    let edges = inp.edges.then(|| {
        let mut offsets = Vec::with_capacity(SHARDS);
        let mut at = 0;
        for k in &keys {
            offsets.push(at);
            at += k.entries.len();
        }
        edges(src, &offsets, &keys, inp.space)
    });
    let shards: Vec<Shard> =
        keys.into_par_iter().zip(columns.par_iter()).map(|(k, col)| masses(k, col, &src.shards, inp)).collect();
    Ok(StepOutcome { layer: Layer { shards, widths: inp.widths }, edges, extra_bytes })
}
