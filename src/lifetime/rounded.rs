//! The rounded lifetime run (`--arithmetic rounded`, `docs/lifetime.md`).
//!
//! The same intervals as the exact run, from masses that are not exact. Each
//! merged entry (a state, and whether `E` has held so far) carries two
//! fixed-point numbers ([`crate::engine::fixed`]), `lo ≤ P ≤ hi`: a step
//! multiplies `lo` by the transition's probability rounded down and rounds
//! the product down, and `hi` the same way up, and entries that meet add
//! their numbers exactly. Every figure that feeds a lower end is a sum of
//! `lo`s times factors rounded down, every one that feeds an upper end a sum
//! of `hi`s times factors rounded up; `proofs/infinite-horizon.md` (§R)
//! proves that the intervals still contain the lifetime figures.
//!
//! Two things keep the layers small:
//!
//! - A settled state is *retired* at once: its future is known (no query, and
//!   `E` kept or lost for ever), so its mass moves into running totals and the
//!   walk forgets it. For that the settled search also asks the rule, at
//!   every context it visits, for its top set
//!   ([`crate::engine::settled::SettledCache::check_top_sets`]).
//! - An unsettled state whose upper mass is small may be retired too: its
//!   share of both intervals is then frozen at the bounds it has
//!   (`[lo·floor_s, hi]` of `P(E_∞)` where `E` holds, `[0, hi·U(s)]` of the
//!   queries to come), and what that freezing costs each width is added up
//!   and kept within a quarter of the requested width ([`Retired`]).
//!
//! Every sum over a layer (the intervals' parts, the unsettled and retired
//! masses) is a [`Tally`] per shard, merged: shards could be computed apart.

use super::{
    describe, judge, nested, used_bounds, Arithmetic, Interval, Know, Lifetime, Options, Refusal, Retired, Step, Stop,
};
use crate::bounds;
use crate::checks::Status;
use crate::engine::fixed::{self, ceil_of, floor_of, mul_ceil, mul_floor, FRAC_BITS};
use crate::engine::limbs::{self, Sum};
use crate::engine::lumped::{self, Watching};
use crate::engine::space::StateSpace;
use crate::engine::trust::Breach;
use crate::engine::{EngineError, RunOptions};
use crate::imitator::Rule;
use crate::limits::{Limit, LimitError};
use crate::number::Rational;
use crate::progress::Watch as Progress;
use crate::scenario::Scenario;
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::time::Instant;

/// The fraction bits of every rounded mass.
pub const PRECISION_BITS: u32 = FRAC_BITS;

/// The depth of the finite-depth figures a rounded run reports beside its
/// intervals when the scenario declares no `depth`.
pub const FINITE_DEPTH: usize = 8;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

fn shard_of(state: u32) -> usize {
    (state.wrapping_mul(0x9E37_79B9) >> (32 - SHARD_BITS)) as usize
}

/// One merged entry: a state, whether `E` has held, and `lo ≤ P ≤ hi`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    state: u32,
    e: bool,
    lo: u128,
    hi: u128,
}

/// A state that loops on itself with probability `q ∈ (0, 1)` (a step that
/// leaves its key unchanged: an unqueried step of a context-free class, a
/// query whose answer every model predicts alike), walked in closed form:
/// its visit lasts a geometric number of steps, so the walk goes straight to
/// where it leaves, each exit with `p/(1−q)`, and the visit's queries add
/// `θ³/(1−q)` (`proofs/infinite-horizon.md`, §S).
struct Sojourn {
    /// `θ³/(1−q)` rounded down and up.
    cube: (u128, u128),
    /// Each transition to another state: its child and `p/(1−q)` rounded down and up.
    exits: Vec<(u32, u128, u128)>,
}

/// The sojourn of state `id` (its transitions built), if it loops on itself
/// with a probability below 1 and its figures fit the fixed point.
fn sojourn(space: &StateSpace, id: u32) -> Option<Sojourn> {
    let st = space.state(id);
    let mut q = Rational::zero();
    for tr in st.transitions.iter().filter(|t| t.child == id) {
        q += space.value(tr.prob);
    }
    if q.is_zero() || st.theta.is_negative() {
        return None;
    }
    let rest = Rational::one() - q;
    if !rest.is_positive() {
        return None;
    }
    let cube = &st.theta * &st.theta * &st.theta / &rest;
    let cube = floor_of(&cube).zip(ceil_of(&cube))?;
    let exits = st
        .transitions
        .iter()
        .filter(|t| t.child != id)
        .map(|t| {
            let w = space.value(t.prob) / &rest;
            Some((t.child, floor_of(&w)?, ceil_of(&w)?))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Sojourn { cube, exits })
}

/// One shard's share of a layer's sums, all exact integers: masses in units
/// of `2^-FRAC_BITS`, `tail` in units of `2^-(FRAC_BITS + 64)`.
#[derive(Default)]
struct Tally {
    /// Upper masses where `E_{t+1}` holds.
    e_hi: Sum,
    /// Lower masses of the settled states where `E_{t+1}` holds.
    settled_e_lo: Sum,
    /// Lower masses times the floor, rounded down, over the unsettled states
    /// with `E_{t+1}` and a positive floor.
    keep_lo: Sum,
    /// Upper masses of the unsettled states.
    unsettled_hi: Sum,
    /// Upper masses refused a bound.
    refused_hi: Sum,
    /// `Σ hi·U(s)` over the unsettled states with a bound.
    tail: Sum,
    /// Some unsettled state has no finite `U`.
    tail_infinite: bool,
}

impl Tally {
    fn merge(mut self, o: Tally) -> Tally {
        self.e_hi.merge(&o.e_hi);
        self.settled_e_lo.merge(&o.settled_e_lo);
        self.keep_lo.merge(&o.keep_lo);
        self.unsettled_hi.merge(&o.unsettled_hi);
        self.refused_hi.merge(&o.refused_hi);
        self.tail.merge(&o.tail);
        self.tail_infinite |= o.tail_infinite;
        self
    }
}

/// What the retired states add to every later interval, exact.
#[derive(Default)]
struct RetiredSums {
    /// Settled states retired with `E`: lower and upper masses.
    settled_e_lo: Sum,
    settled_e_hi: Sum,
    /// Unsettled states retired with `E`: upper masses, and lower masses times
    /// the floor, rounded down.
    e_hi: Sum,
    keep_lo: Sum,
    /// Upper masses of the unsettled states retired, and `Σ hi·U(s)`.
    mass: Sum,
    tail: Sum,
    states: u64,
    /// What freezing took from each width's budget so far, in units of `2^-FRAC_BITS`
    /// (upper estimates, for the decision only; the widths themselves are exact).
    spent_e: u128,
    spent_q: u128,
}

fn p(n: &Sum, bits: u32) -> Rational {
    fixed::over_power(n.value(), bits as usize)
}

fn add_fixed(s: &mut Sum, x: u128) {
    s.add(&fixed::limbs(x));
}

fn overflow(depth: usize, what: &str) -> EngineError {
    EngineError::Inconsistent {
        depth,
        what: format!("{what} does not fit the rounded run's fixed point (negative, or 16 or more)"),
    }
}

/// The rounded run ([`Arithmetic::Rounded`]); `ask`: whether the rule is
/// asked at each unsettled state whether it is the paper's.
pub fn run(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: &Options,
    progress: &dyn Progress,
    ask: bool,
) -> Result<Lifetime, EngineError> {
    crate::engine::check_truth_weight(scenario)?;
    let start = Instant::now();
    let w = scenario.truth_weight();
    let alpha = &scenario.alpha;
    let limits = opts.limits;
    let deadline = limits.time_limit.map(|t| start + t);
    let event_e_bound = bounds::event_e_proved_bound(alpha, w);
    let query_bound = bounds::query_cubed_bound(scenario.actions.len(), alpha, w);
    let query_bound_squared =
        bounds::query_cubed_proved_bound_squared(scenario.actions.len(), scenario.models.len(), alpha, w);
    let mut know = Know::new(scenario, rule, true, ask);
    let conservative = know.conservative;
    let mut space = StateSpace::new(scenario, rule);
    // Each value id's probability rounded down and up.
    let mut weights: Vec<(u128, u128)> = Vec::new();
    let mut layer: Vec<Vec<Entry>> = vec![Vec::new(); SHARDS];
    layer[shard_of(0)].push(Entry { state: 0, e: true, lo: fixed::ONE, hi: fixed::ONE });
    // `E Σ_{k≤t} θ_k³`, lower and upper, in units of 2^-(2·FRAC_BITS).
    let (mut cubes_lo, mut cubes_hi) = (Sum::default(), Sum::default());
    let mut retired = RetiredSums::default();
    // A quarter of the width for each interval's retired share, in fixed point (rounded down).
    let budget_rational = &opts.width / Rational::from_integer(BigInt::from(4));
    let budget = floor_of(&budget_rational.clone().min(Rational::one())).unwrap_or(0);
    let mut steps: Vec<Step> = Vec::new();
    let mut refusal: Option<Refusal> = None;
    let mut max_lo = (None, None);
    let mut best_hi_q: Option<Rational> = None;
    let mut statuses = (Status::Undecided, Status::Undecided);
    let mut stop: Option<Stop> = None;
    // Each state's sojourn, once computed (`None`: it does not loop on itself).
    let mut sojourns: FxHashMap<u32, Option<Sojourn>> = FxHashMap::default();
    let mut collapsed = false;

    for d in 0..limits.max_depth {
        if progress.cancelled() {
            return Err(EngineError::Cancelled);
        }
        if deadline.is_some_and(|t| Instant::now() >= t) {
            stop = Some(Stop::TimeLimit);
            break;
        }
        // The states of layer d, expanded within the memory limit.
        let ids: Vec<u32> = layer.iter().flatten().map(|e| e.state).collect();
        let layer_bytes = 48 * ids.len() as u64;
        space.set_memory_limit(limits.max_memory.saturating_sub(layer_bytes));
        if space.try_expand_all(&ids, d).is_err() {
            stop = Some(Stop::Memory);
            break;
        }
        for e in layer.iter().flatten() {
            let st = space.state(e.state);
            if st.theta.is_negative() {
                return Err(EngineError::NegativeTheta {
                    rule: rule.name(),
                    theta: crate::number::fmt_exact(&st.theta),
                    depth: d,
                });
            }
        }
        while weights.len() < space.values() {
            let v = space.value(weights.len() as u32);
            let pair = floor_of(v).zip(ceil_of(v)).ok_or_else(|| overflow(d, "a transition's probability"))?;
            weights.push(pair);
        }
        // The sojourns of the layer's states that loop on themselves (each state once).
        let fresh: Vec<u32> = {
            let mut v: Vec<u32> = ids.iter().copied().filter(|id| !sojourns.contains_key(id)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let found: Vec<(u32, Option<Sojourn>)> = fresh.par_iter().map(|&id| (id, sojourn(&space, id))).collect();
        for (id, s) in found {
            collapsed |= s.is_some();
            sojourns.insert(id, s);
        }
        // θ³ of step d+1 (of the visit, for a sojourn), from layer d: Σ lo·⌊θ³⌋ and Σ hi·⌈θ³⌉.
        know.prepare(&space, d, &ids);
        for e in layer.iter().flatten() {
            let cube = match sojourns.get(&e.state) {
                Some(Some(s)) => Some(s.cube),
                _ => know.known(e.state).cube,
            };
            if let Some((c_lo, c_hi)) = cube {
                cubes_lo.add_product(&fixed::limbs(e.lo), &fixed::limbs(c_lo));
                cubes_hi.add_product(&fixed::limbs(e.hi), &fixed::limbs(c_hi));
            } else {
                return Err(overflow(d, "θ³"));
            }
        }
        // The step: every entry through every transition, routed to its child's shard.
        let records: usize = layer.iter().flatten().map(|e| space.state(e.state).transitions.len()).sum::<usize>();
        let held = space.memory_bytes() + layer_bytes;
        if held.saturating_add(40 * records as u64) > limits.max_memory {
            stop = Some(Stop::Memory);
            break;
        }
        let next = step(&layer, &space, &weights, &sojourns).ok_or_else(|| overflow(d + 1, "a mass"))?;
        let entries: usize = next.iter().map(Vec::len).sum();
        if entries > limits.max_states {
            stop = Some(Stop::MaxStates);
            break;
        }
        layer = next;
        let t = d + 1;

        // What is known of every state of layer t, in the layer's order.
        let mut first_breach: Option<Breach> = None;
        let mut top_refused = Sum::default();
        let ids: Vec<u32> = layer.iter().flatten().map(|e| e.state).collect();
        know.prepare(&space, t, &ids);
        for e in layer.iter().flatten() {
            if e.e {
                if let Some(b) = know.top_breach(&space, e.state) {
                    if first_breach.is_none() {
                        first_breach = Some(b.clone());
                    }
                    add_fixed(&mut top_refused, e.hi);
                }
            }
            let info = know.known(e.state);
            let in_e = e.e && space.state(e.state).truth_in_top;
            if let Some(b) = &info.breach {
                if !info.settled && ((in_e && info.keeps) || conservative) && first_breach.is_none() {
                    first_breach = Some(b.clone());
                }
            }
        }
        if let Some(breach) = first_breach {
            if refusal.is_none() {
                refusal = Some(Refusal { depth: t, breach });
                max_lo.0 = None;
            }
        }
        // The layer's sums, shard by shard.
        let tally = layer
            .par_iter()
            .map(|shard| tally(shard, &space, &know, conservative))
            .reduce(Tally::default, Tally::merge);
        let mut refused_sum = tally.refused_hi.clone();
        refused_sum.merge(&top_refused);

        // The intervals: the live layer's part plus the retired states'.
        let b = FRAC_BITS;
        let mut e_hi = tally.e_hi.clone();
        e_hi.merge(&retired.settled_e_hi);
        e_hi.merge(&retired.e_hi);
        let hi_e = p(&e_hi, b);
        let mut settled_lo = tally.settled_e_lo.clone();
        settled_lo.merge(&retired.settled_e_lo);
        let mut lo_e = p(&settled_lo, b);
        let mut tail_infinite = tally.tail_infinite;
        if refusal.is_some() {
            // Only what assumes nothing is kept (as in the exact run).
            tail_infinite |= !tally.unsettled_hi.is_zero() || retired.states > 0;
            best_hi_q = None;
        } else {
            let mut keep = tally.keep_lo.clone();
            keep.merge(&retired.keep_lo);
            lo_e += p(&keep, b);
        }
        let lo_q = p(&cubes_lo, 2 * b);
        let hi_q = if tail_infinite {
            best_hi_q.clone()
        } else {
            let mut tail = tally.tail.clone();
            tail.merge(&retired.tail);
            let hi = p(&cubes_hi, 2 * b) + p(&tail, b + bounds::QUERY_TAIL_BITS as u32);
            Some(match &best_hi_q {
                Some(best) if *best < hi => best.clone(),
                _ => hi,
            })
        };
        best_hi_q = hi_q.clone();
        let event_e = Interval { lo: lo_e, hi: Some(hi_e) };
        let query = Interval { lo: lo_q, hi: hi_q };
        nested(t, &event_e, &query, &mut max_lo)?;
        let (judged, done) = judge(
            &event_e,
            &query,
            (&event_e_bound, &query_bound, &query_bound_squared),
            refusal.is_some(),
            &opts.width,
        );
        statuses = judged;
        let mut unsettled = tally.unsettled_hi.clone();
        unsettled.merge(&retired.mass);
        let step = Step {
            depth: t,
            event_e,
            query_cubed_sum: query,
            unsettled_mass: p(&unsettled, b),
            refused_mass: p(&refused_sum, b),
        };
        progress.lifetime(
            t,
            limits.max_depth,
            [step.event_e.width().as_ref(), step.query_cubed_sum.width().as_ref()],
            &step.unsettled_mass,
        );
        steps.push(step);
        if done.is_some() {
            stop = done;
            break;
        }
        retire(&mut layer, &space, &know, &mut retired, budget, refusal.is_some());
    }

    if steps.is_empty() {
        let why = stop.unwrap_or(Stop::MaxDepth);
        return Err(LimitError::new(
            why.limit().unwrap_or(Limit::MaxDepth),
            format!("the infinite horizon stopped before its first depth: {}", describe(why)),
        )
        .into());
    }
    let stopped_because = stop.unwrap_or(Stop::MaxDepth);
    let depth_reached = steps.last().map(|s| s.depth).unwrap_or(0);
    let figures = finite_figures(scenario, rule, opts, depth_reached)?;
    let b = FRAC_BITS;
    let retired_out = Retired {
        states: retired.states,
        mass: p(&retired.mass, b),
        event_e_width: {
            let mut hi = retired.e_hi.clone();
            hi.merge(&retired.settled_e_hi);
            let mut lo = retired.settled_e_lo.clone();
            if refusal.is_none() {
                lo.merge(&retired.keep_lo);
            }
            p(&hi, b) - p(&lo, b)
        },
        query_width: (refusal.is_none() || retired.states == 0)
            .then(|| p(&retired.tail, b + bounds::QUERY_TAIL_BITS as u32)),
        budget: budget_rational,
    };
    Ok(Lifetime {
        figures,
        depth_reached,
        stopped_because,
        width: opts.width.clone(),
        tail_bounds: used_bounds(&steps, conservative, retired.states > 0, collapsed),
        sojourns: collapsed,
        steps,
        event_e_bound,
        query_bound,
        query_bound_squared,
        event_e_status: statuses.0,
        query_status: statuses.1,
        refusal,
        arithmetic: Arithmetic::Rounded,
        precision_bits: Some(PRECISION_BITS),
        retired: Some(retired_out),
    })
}

/// The next layer: every entry of `layer` through every transition of its
/// state (through every exit, for a state with a [`Sojourn`]), `lo` times the probability rounded down and `hi` rounded up,
/// merged by (child, `E`) with exact additions. `None` on overflow.
fn step(
    layer: &[Vec<Entry>],
    space: &StateSpace,
    weights: &[(u128, u128)],
    sojourns: &FxHashMap<u32, Option<Sojourn>>,
) -> Option<Vec<Vec<Entry>>> {
    // Each source shard's records, by target shard.
    let routed: Vec<Option<Vec<Vec<Entry>>>> = layer
        .par_iter()
        .map(|shard| {
            let mut out: Vec<Vec<Entry>> = vec![Vec::new(); SHARDS];
            for e in shard {
                let st = space.state(e.state);
                let e2 = e.e && st.truth_in_top;
                let mut push = |child: u32, (w_lo, w_hi): (u128, u128)| -> Option<()> {
                    let (lo, hi) = (mul_floor(e.lo, w_lo)?, mul_ceil(e.hi, w_hi)?);
                    out[shard_of(child)].push(Entry { state: child, e: e2, lo, hi });
                    Some(())
                };
                match sojourns.get(&e.state) {
                    Some(Some(s)) => s.exits.iter().try_for_each(|&(child, w_lo, w_hi)| push(child, (w_lo, w_hi)))?,
                    _ => st.transitions.iter().try_for_each(|tr| push(tr.child, weights[tr.prob as usize]))?,
                }
            }
            Some(out)
        })
        .collect();
    let routed: Vec<Vec<Vec<Entry>>> = routed.into_iter().collect::<Option<_>>()?;
    (0..SHARDS)
        .into_par_iter()
        .map(|t| {
            let mut index: FxHashMap<u64, u32> = FxHashMap::default();
            let mut out: Vec<Entry> = Vec::new();
            for src in &routed {
                for r in &src[t] {
                    let key = ((r.state as u64) << 1) | r.e as u64;
                    match index.entry(key) {
                        MapEntry::Occupied(o) => {
                            let x = &mut out[*o.get() as usize];
                            x.lo = x.lo.checked_add(r.lo)?;
                            x.hi = x.hi.checked_add(r.hi)?;
                        }
                        MapEntry::Vacant(v) => {
                            v.insert(out.len() as u32);
                            out.push(*r);
                        }
                    }
                }
            }
            Some(out)
        })
        .collect::<Vec<Option<Vec<Entry>>>>()
        .into_iter()
        .collect()
}

/// One shard's sums (every state's info computed).
fn tally(shard: &[Entry], space: &StateSpace, know: &Know, conservative: bool) -> Tally {
    let mut out = Tally::default();
    for e in shard {
        let info = know.known(e.state);
        let in_e = e.e && space.state(e.state).truth_in_top;
        if in_e {
            add_fixed(&mut out.e_hi, e.hi);
        }
        if info.settled {
            if in_e {
                add_fixed(&mut out.settled_e_lo, e.lo);
            }
            continue;
        }
        add_fixed(&mut out.unsettled_hi, e.hi);
        if info.breach.is_some() && ((in_e && info.keeps) || conservative) {
            add_fixed(&mut out.refused_hi, e.hi);
            out.tail_infinite = true;
            continue;
        }
        // Capped by `post(μ)/w(μ)` where the upper mass reaches it (§G): what
        // keeps an entry rounded up from almost nothing (a path on which the
        // truth's posterior fell to 10⁻¹⁰⁰) from holding the width open
        // through a `U(s)` that grows like `post(μ)^(−1/2)`.
        match share(info, e.hi) {
            Some(sh) => sh.add_to(&mut out.tail),
            None => out.tail_infinite = true,
        }
        if in_e && info.keeps {
            // ⌊lo·⌊floor⌋⌋ ≤ P·floor.
            add_fixed(&mut out.keep_lo, mul_floor(e.lo, info.floor_lo).unwrap_or(0));
        }
    }
    out
}

/// An entry's share of the queries to come, as the intervals count it, in
/// units of `2^-(FRAC_BITS + 64)`: `hi·U(s)`, or the state's capped share
/// where `hi` reaches the cap of §G. Both are upper bounds; [`share`] is the
/// one place that chooses.
enum Share<'a> {
    /// `hi` times `U(s)` (in units of `2^-64`).
    Product(u128, &'a [u64]),
    /// `⌈(post(μ)/w(μ))·U(s)⌉`, and `U(s)`.
    Capped(&'a [u64], &'a [u64]),
}

/// The share of an entry of upper mass `hi` at a state known as `info`; `None` when `U(s)` is infinite.
fn share(info: &super::StateInfo, hi: u128) -> Option<Share<'_>> {
    let u = info.tail.as_deref()?;
    Some(match &info.cap {
        Some((cap, capped)) if hi >= *cap => Share::Capped(capped, u),
        _ => Share::Product(hi, u),
    })
}

impl Share<'_> {
    fn add_to(&self, sum: &mut Sum) {
        match self {
            Share::Product(hi, u) => sum.add_product(&fixed::limbs(*hi), u),
            Share::Capped(c, _) => sum.add(c),
        }
    }

    /// An upper estimate in units of `2^-FRAC_BITS` (`⌈x / 2^64⌉ ≤` x without
    /// its lowest limb, plus 1), if it and `U(s)` fit a `u128`: what retiring
    /// costs (a state whose `U(s)` does not fit is not retired).
    fn estimate(&self) -> Option<u128> {
        match self {
            Share::Product(hi, u) => {
                let (h, l) = fixed::mul_wide(*hi, tail_u128(u)?);
                (h >> 64 == 0).then(|| ((h << 64) | (l >> 64)) + 1)
            }
            Share::Capped(c, u) => {
                tail_u128(u)?;
                tail_u128(c.get(1..).unwrap_or(&[])).map(|x| x + 1)
            }
        }
    }
}

/// `U(s)` in units of `2^-64`, if it fits a `u128`.
fn tail_u128(u: &[u64]) -> Option<u128> {
    match limbs::trim(u) {
        [] => Some(0),
        [a] => Some(*a as u128),
        [a, b] => Some(*a as u128 | (*b as u128) << 64),
        _ => None,
    }
}

/// Retires, after the intervals of a depth are computed, every settled entry
/// (its future is known) and, within the budget, the lightest unsettled ones
/// (before a refusal only): their shares move into `r`, the walk forgets them.
fn retire(layer: &mut [Vec<Entry>], space: &StateSpace, know: &Know, r: &mut RetiredSums, budget: u128, refused: bool) {
    // The unsettled candidates: a finite tail, no breach; with what freezing
    // costs each width (upper estimates, in units of 2^-FRAC_BITS).
    let mut candidates: Vec<(u128, u128, u128, usize, usize)> = Vec::new();
    let allow_e = (budget - r.spent_e.min(budget)) / 4;
    let allow_q = (budget - r.spent_q.min(budget)) / 4;
    for (s, shard) in layer.iter().enumerate() {
        for (i, e) in shard.iter().enumerate() {
            let info = know.known(e.state);
            if info.settled || refused || info.breach.is_some() || allow_e == 0 || allow_q == 0 {
                continue;
            }
            let in_e = e.e && space.state(e.state).truth_in_top;
            let kept = if in_e && info.keeps { mul_floor(e.lo, info.floor_lo).unwrap_or(0) } else { 0 };
            let cost_e = if in_e { e.hi - kept.min(e.hi) } else { 0 };
            let Some(cost_q) = share(info, e.hi).and_then(|sh| sh.estimate()) else { continue };
            if cost_e <= allow_e && cost_q <= allow_q {
                candidates.push((e.hi, cost_e, cost_q, s, i));
            }
        }
    }
    candidates.sort_unstable_by_key(|c| (c.0, c.3, c.4));
    let mut out: Vec<Vec<bool>> = layer.iter().map(|s| vec![false; s.len()]).collect();
    let (mut used_e, mut used_q) = (0u128, 0u128);
    for &(_, ce, cq, s, i) in &candidates {
        if used_e + ce > allow_e || used_q + cq > allow_q {
            break;
        }
        used_e += ce;
        used_q += cq;
        out[s][i] = true;
        let e = layer[s][i];
        let info = know.known(e.state);
        let in_e = e.e && space.state(e.state).truth_in_top;
        add_fixed(&mut r.mass, e.hi);
        if let Some(sh) = share(info, e.hi) {
            sh.add_to(&mut r.tail);
        }
        if in_e {
            add_fixed(&mut r.e_hi, e.hi);
            if info.keeps {
                add_fixed(&mut r.keep_lo, mul_floor(e.lo, info.floor_lo).unwrap_or(0));
            }
        }
        r.states += 1;
    }
    r.spent_e += used_e;
    r.spent_q += used_q;
    for (s, shard) in layer.iter_mut().enumerate() {
        let mut k = 0;
        shard.retain(|e| {
            let gone = out[s][k];
            k += 1;
            if gone {
                return false;
            }
            let info = know.known(e.state);
            // A settled state is retired whatever its mass: E kept or lost for ever, no query.
            if info.settled {
                if e.e && space.state(e.state).truth_in_top {
                    add_fixed(&mut r.settled_e_lo, e.lo);
                    add_fixed(&mut r.settled_e_hi, e.hi);
                }
                return false;
            }
            true
        });
    }
}

/// The finite-depth figures a rounded run reports: those of the exact lumped
/// engine to the scenario's own depth (or [`FINITE_DEPTH`]), at most the
/// depth the intervals reached.
fn finite_figures(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: &Options,
    depth_reached: usize,
) -> Result<crate::engine::Figures, EngineError> {
    let depth = scenario.depth.unwrap_or(FINITE_DEPTH).min(depth_reached).max(1);
    let run = lumped::run_observed(
        scenario,
        rule,
        RunOptions { depth, limits: opts.limits },
        &mut Watching(crate::progress::SILENT),
    );
    let mut figures = match run {
        Ok(f) => f,
        Err(EngineError::Stopped(f)) => *f,
        Err(e) => return Err(e),
    };
    figures.partial = None;
    Ok(figures)
}
