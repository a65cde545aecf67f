//! The exhaustive engine: every full history to depth `T`, one at a time.
//!
//! The walk is a depth-first search over full histories (query flags
//! included) that skips branches of probability zero. The policy at each
//! history comes from the [`StateSpace`], computed once per merged state; the
//! walk itself only multiplies and adds integers over a common denominator
//! (see [`super::scaled`]). World histories are accumulated in an array
//! indexed by the history, so that `P_im(h)` sums over query flags.
//!
//! Parallelism: the tree is cut at a depth `k`, and the subtrees are grouped
//! by their world prefix, so each group owns a disjoint slice of the world
//! array. Sums of integers are exact in any order, so every thread count
//! gives the same figures.

use super::demonstrator::{world_probabilities, DemSteps};
use super::scaled::{common_denominator, fits_u128, fits_u128_product, scale, unscale, ScaledInt};
use super::space::StateSpace;
use super::{spread, EngineError, EngineKind, EventFigures, Figures, Stats, WorstCase};
use crate::imitator::Rule;
use crate::limits::{Limit, LimitError, MAX_EXHAUSTIVE_DEPTH, MAX_EXHAUSTIVE_NODES};
use crate::number::Rational;
use crate::progress::Watch;
use crate::scenario::Scenario;
use num_bigint::BigUint;
use num_traits::{One, Zero};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The most world histories the exhaustive engine will hold (`(|A|·|O|)^T`).
pub const MAX_WORLDS: usize = crate::limits::MAX_WORLDS;

struct Edge<I> {
    child: u32,
    p: I,
    r: I,
    world_step: usize,
}

struct Node<I> {
    truth_in_top: bool,
    /// `θ·Dθ`: this step's query probability over the common denominator of every `θ`.
    theta: I,
    edges: Vec<Edge<I>>,
}

/// What the walk adds up at one state of one depth, over the histories that reach it.
#[derive(Clone)]
struct Cell<I> {
    count: u64,
    mass: I,
    mass_e: I,
    rmass: I,
    /// `Σ n·s^k` for `k = 1, 2, 3`, where `s = Dθ·Σθ` is the query sum of the
    /// steps before this node: the moments `E[(Σθ)³]` is read from.
    s1: I,
    s2: I,
    s3: I,
}

struct Acc<I> {
    cells: Vec<Vec<Cell<I>>>,
    leaves: u64,
    /// Nodes visited since the last report to the watch.
    pending: u64,
}

/// How many nodes the walk visits between two reports of its progress.
const TICK: u64 = 1 << 16;

/// The walk's progress, in nodes, shared by its threads.
struct Ticks<'w> {
    done: std::sync::atomic::AtomicU64,
    total: u64,
    watch: &'w dyn Watch,
    /// Set when the watch asks the run to end: every visit returns at once.
    cancelled: std::sync::atomic::AtomicBool,
}

impl Ticks<'_> {
    /// Reports the nodes `acc` visited since its last report.
    fn report<I>(&self, acc: &mut Acc<I>) {
        if acc.pending > 0 {
            let done = self.done.fetch_add(acc.pending, std::sync::atomic::Ordering::Relaxed) + acc.pending;
            acc.pending = 0;
            self.watch.tick(done.min(self.total), self.total);
            if self.watch.cancelled() {
                self.cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

impl<I: ScaledInt> Acc<I> {
    fn new(shape: &[usize]) -> Self {
        let z = I::zeroed;
        let cell = Cell { count: 0, mass: z(), mass_e: z(), rmass: z(), s1: z(), s2: z(), s3: z() };
        Acc { cells: shape.iter().map(|&n| vec![cell.clone(); n]).collect(), leaves: 0, pending: 0 }
    }

    fn merge(&mut self, other: Acc<I>) {
        for (mine, theirs) in self.cells.iter_mut().zip(other.cells) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.count += b.count;
                a.mass.add_to(&b.mass);
                a.mass_e.add_to(&b.mass_e);
                a.rmass.add_to(&b.rmass);
                a.s1.add_to(&b.s1);
                a.s2.add_to(&b.s2);
                a.s3.add_to(&b.s3);
            }
        }
        self.leaves += other.leaves;
    }
}

struct Walk<'g, I> {
    graph: &'g [Vec<Node<I>>],
    depth: usize,
    radix: usize,
    ticks: &'g Ticks<'g>,
}

struct Frontier<I> {
    pos: u32,
    n: I,
    r: I,
    s: I,
    e: bool,
    world: usize,
}

impl<I: ScaledInt> Walk<'_, I> {
    /// Adds the node at depth `d < T` to the sums; returns it, `E_{d+1}` and
    /// the query sum after its step.
    #[allow(clippy::too_many_arguments)]
    fn record(&self, d: usize, pos: u32, n: &I, r: &I, s: &I, e: bool, acc: &mut Acc<I>) -> (&Node<I>, bool, I) {
        let cell = &mut acc.cells[d][pos as usize];
        cell.count += 1;
        cell.mass.add_to(n);
        if e {
            cell.mass_e.add_to(n);
        }
        cell.rmass.add_to(r);
        if !s.is_zeroed() {
            let ns = n.mul(s);
            let ns2 = ns.mul(s);
            cell.s3.add_to(&ns2.mul(s));
            cell.s2.add_to(&ns2);
            cell.s1.add_to(&ns);
        }
        let node = &self.graph[d][pos as usize];
        let mut s2 = s.clone();
        s2.add_to(&node.theta);
        (node, e && node.truth_in_top, s2)
    }

    /// Visits the node at depth `d`; `n` is its probability and `r` its
    /// `Π(1+θ)`-weighted probability, as integers; `s` its query sum so far
    /// (times `Dθ`); `e` is `E_d`.
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &self,
        d: usize,
        pos: u32,
        n: &I,
        r: &I,
        s: &I,
        e: bool,
        w: usize,
        acc: &mut Acc<I>,
        im: &mut [I],
        im_e: &mut [I],
    ) {
        acc.pending += 1;
        if acc.pending >= TICK {
            self.ticks.report(acc);
        }
        if self.ticks.cancelled.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if d == self.depth {
            acc.leaves += 1;
            acc.cells[d][pos as usize].mass.add_to(n);
            im[w].add_to(n);
            if e {
                im_e[w].add_to(n);
            }
            return;
        }
        let (node, e2, s2) = self.record(d, pos, n, r, s, e, acc);
        for edge in &node.edges {
            self.visit(
                d + 1,
                edge.child,
                &n.mul(&edge.p),
                &r.mul(&edge.r),
                &s2,
                e2,
                w * self.radix + edge.world_step,
                acc,
                im,
                im_e,
            );
        }
    }

    /// The same walk above depth `k`, handing the nodes at depth `k` to `out`.
    #[allow(clippy::too_many_arguments)]
    fn top(
        &self,
        k: usize,
        d: usize,
        pos: u32,
        n: &I,
        r: &I,
        s: &I,
        e: bool,
        w: usize,
        acc: &mut Acc<I>,
        out: &mut Vec<Frontier<I>>,
    ) {
        if d == k {
            out.push(Frontier { pos, n: n.clone(), r: r.clone(), s: s.clone(), e, world: w });
            return;
        }
        let (node, e2, s2) = self.record(d, pos, n, r, s, e, acc);
        for edge in &node.edges {
            self.top(
                k,
                d + 1,
                edge.child,
                &n.mul(&edge.p),
                &r.mul(&edge.r),
                &s2,
                e2,
                w * self.radix + edge.world_step,
                acc,
                out,
            );
        }
    }
}

/// Runs the exhaustive engine to depth `depth` with the rule `rule`, within
/// the default memory limit ([`crate::limits::MAX_LAYER_MEMORY`]).
///
/// `watch` hears of the state space's depths as they are built, then of the
/// nodes walked, as (done, total).
pub fn run(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    depth: usize,
    watch: &dyn Watch,
) -> Result<Figures, EngineError> {
    run_within(scenario, rule, depth, crate::limits::MAX_LAYER_MEMORY, watch)
}

/// The bytes of one integer of the walk: a `u128`, or a big integer of `bits` bits.
fn int_bytes(word: bool, bits: u64) -> u64 {
    if word {
        16
    } else {
        24 + 8 * bits.div_ceil(64).max(1)
    }
}

/// An estimate of the bytes the world histories take: `P_im(h)`,
/// `P_im(h ∧ E)` and `P_dem(h)` for each, and the worst case's sorted list.
fn worlds_bytes(worlds: u128, int: u64) -> u128 {
    worlds.saturating_mul(3 * int as u128 + 8 + 2 * int.max(40) as u128)
}

/// [`run`] within a memory limit of `max_memory` bytes: the world histories,
/// the state space (as it grows) and the walk (its graph and sums) are each
/// estimated before they are allocated, and a run past the limit is refused
/// with [`Limit::Memory`]. A walk of more than
/// [`crate::limits::MAX_EXHAUSTIVE_NODES`] nodes is refused before it starts.
pub fn run_within(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    depth: usize,
    max_memory: u64,
    watch: &dyn Watch,
) -> Result<Figures, EngineError> {
    super::check_truth_weight(scenario)?;
    let radix = scenario.actions.len() * scenario.observations.len();
    // The walk recurses once per step, and with one world history the limit below never
    // stops it; this check also keeps `depth as u32` below exact.
    if depth > MAX_EXHAUSTIVE_DEPTH {
        return Err(LimitError::new(
            Limit::Exhaustive,
            format!(
                "the exhaustive engine goes at most {MAX_EXHAUSTIVE_DEPTH} steps deep (limits::MAX_EXHAUSTIVE_DEPTH), \
                 not {depth}"
            ),
        )
        .into());
    }
    let all_worlds = (radix as u128).checked_pow(depth as u32).unwrap_or(u128::MAX);
    // The world histories alone, at their smallest: before anything is allocated.
    let least = worlds_bytes(all_worlds, 16);
    if least > max_memory as u128 {
        return Err(memory_error(&format!("its {radix}^{depth} world histories alone"), least, max_memory).into());
    }
    let worlds = Some(all_worlds).filter(|&w| w <= MAX_WORLDS as u128).ok_or_else(|| {
        EngineError::from(LimitError::new(
            Limit::Exhaustive,
            format!(
                "the exhaustive engine would hold (|A|·|O|)^T = {radix}^{depth} world histories, more than \
                 {MAX_WORLDS} (limits::MAX_WORLDS)"
            ),
        ))
    })? as usize;
    let mut space = StateSpace::new(scenario, rule);
    space.set_memory_limit(max_memory.saturating_sub(least as u64));
    let layers = space.try_layers(depth, watch).map_err(|e| {
        LimitError::new(
            Limit::Memory,
            format!(
                "the exhaustive engine stopped building its state space: {} (the memory limit of {} MiB, less {} MiB \
                 kept for the world histories)",
                e.message,
                max_memory >> 20,
                (least as u64).div_ceil(1 << 20)
            ),
        )
    })?;
    let nodes = node_count(&space, &layers);
    if nodes > MAX_EXHAUSTIVE_NODES {
        return Err(LimitError::new(
            Limit::Exhaustive,
            format!(
                "the exhaustive engine would visit {} nodes (full histories with their query flags) to depth \
                 {depth}, more than {MAX_EXHAUSTIVE_NODES} (limits::MAX_EXHAUSTIVE_NODES)",
                if nodes == u64::MAX { "more than 2^64".to_string() } else { nodes.to_string() }
            ),
        )
        .into());
    }
    let transitions =
        || layers[..depth].iter().flatten().flat_map(|&id| space.state(id).transitions.iter().map(move |t| (id, t)));
    let d_p = common_denominator(transitions().map(|(_, t)| space.value(t.prob)));
    let d_r = common_denominator(transitions().map(|(_, t)| space.value(t.weighted)));
    let d_theta = common_denominator(layers[..depth].iter().flatten().map(|&id| &space.state(id).theta));
    let dem_steps = DemSteps::new(scenario);
    // The moments `Σ n·s³` are at most `D_p^T · (T·Dθ)³`.
    let s_max = BigUint::from(depth) * &d_theta;
    let word = fits_u128(&[&d_p, &dem_steps.denominator], 1, depth)
        && fits_u128(&[&d_r], 2, depth)
        && fits_u128_product(&[(&d_p, depth), (&s_max, 3)]);
    // The walk's graph, its sums (one set per thread, and the merged one) and the worlds, before they are built.
    let bits = (depth as u64)
        .saturating_mul(d_p.bits().max(2 * d_r.bits()).max(dem_steps.denominator.bits()))
        .saturating_add(3 * s_max.bits());
    let int = int_bytes(word, bits);
    let step_int = int_bytes(word, d_p.bits().max(d_r.bits()).max(d_theta.bits()));
    let states: u64 = layers.iter().map(|l| l.len() as u64).sum();
    let edges = transitions().count() as u64;
    let graph = states * (88 + step_int) + edges * (16 + 2 * step_int);
    let sums = states * (8 + 6 * int) * (2 * rayon::current_num_threads() as u64 + 2);
    let walk =
        (graph as u128 + sums as u128 + worlds_bytes(worlds as u128, int)).saturating_add(space.memory_bytes() as u128);
    if walk > max_memory as u128 {
        return Err(memory_error(
            &format!("its walk ({states} states, {edges} steps, {worlds} world histories) and state space"),
            walk,
            max_memory,
        )
        .into());
    }
    let ctx =
        Ctx { scenario, space: &space, layers: &layers, depth, radix, worlds, nodes, d_p, d_r, d_theta, dem_steps };
    if word {
        ctx.walk::<u128>(watch)
    } else {
        ctx.walk::<BigUint>(watch)
    }
}

/// A refusal by the memory limit: `what` would take about `bytes`.
fn memory_error(what: &str, bytes: u128, max_memory: u64) -> LimitError {
    LimitError::new(
        Limit::Memory,
        format!(
            "the exhaustive engine would hold about {} MiB for {what}, past the memory limit of {} MiB",
            bytes.div_ceil(1 << 20),
            max_memory >> 20
        ),
    )
}

/// How many nodes the walk visits to the depth of `layers` (the full
/// histories of lengths `0..=T`, query flags included, with positive
/// probability), counted by paths through the state space; `u64::MAX` when
/// past it.
fn node_count(space: &StateSpace, layers: &[Vec<u32>]) -> u64 {
    let mut paths: rustc_hash::FxHashMap<u32, u64> = [(0u32, 1u64)].into_iter().collect();
    let mut total = 1u64;
    for layer in &layers[..layers.len() - 1] {
        let mut next: rustc_hash::FxHashMap<u32, u64> = Default::default();
        for &id in layer {
            let Some(&n) = paths.get(&id) else { continue };
            for t in &space.state(id).transitions {
                let c = next.entry(t.child).or_insert(0);
                *c = c.saturating_add(n);
            }
        }
        total = next.values().fold(total, |t, &n| t.saturating_add(n));
        paths = next;
    }
    total
}

struct Ctx<'a> {
    scenario: &'a Scenario,
    space: &'a StateSpace<'a>,
    layers: &'a [Vec<u32>],
    depth: usize,
    radix: usize,
    worlds: usize,
    /// The nodes the walk visits ([`node_count`]): the total its progress reports.
    nodes: u64,
    d_p: BigUint,
    d_r: BigUint,
    /// The common denominator of every `θ` of the walk.
    d_theta: BigUint,
    dem_steps: DemSteps,
}

impl Ctx<'_> {
    fn graph<I: ScaledInt>(&self) -> Vec<Vec<Node<I>>> {
        let no = self.scenario.observations.len();
        let position: Vec<BTreeMap<u32, u32>> =
            self.layers.iter().map(|l| l.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect()).collect();
        (0..self.depth)
            .map(|d| {
                self.layers[d]
                    .iter()
                    .map(|&id| {
                        let st = self.space.state(id);
                        let edges = st
                            .transitions
                            .iter()
                            .map(|t| Edge {
                                child: position[d + 1][&t.child],
                                p: I::from_big(&scale(self.space.value(t.prob), &self.d_p)),
                                r: I::from_big(&scale(self.space.value(t.weighted), &self.d_r)),
                                world_step: t.action as usize * no + t.observation as usize,
                            })
                            .collect();
                        Node {
                            truth_in_top: st.truth_in_top,
                            theta: I::from_big(&scale(&st.theta, &self.d_theta)),
                            edges,
                        }
                    })
                    .collect()
            })
            .collect()
    }

    fn walk<I: ScaledInt>(&self, watch: &dyn Watch) -> Result<Figures, EngineError> {
        let depth = self.depth;
        let graph = self.graph::<I>();
        // Depths 0..T: the last only gathers each final state's mass.
        let shape: Vec<usize> = self.layers[..=depth].iter().map(|l| l.len()).collect();
        let progress = Ticks {
            done: std::sync::atomic::AtomicU64::new(0),
            total: self.nodes,
            watch,
            cancelled: std::sync::atomic::AtomicBool::new(false),
        };
        let walk = Walk { graph: &graph, depth, radix: self.radix, ticks: &progress };
        // Cut where there are enough world prefixes to keep every thread busy.
        let want = 64 * rayon::current_num_threads().max(1);
        let mut k = 0;
        while k < depth && self.radix.pow(k as u32) < want {
            k += 1;
        }
        let one = I::from_big(&BigUint::one());
        let mut acc = Acc::new(&shape);
        let mut frontier = Vec::new();
        walk.top(k, 0, 0, &one, &one, &I::zeroed(), true, 0, &mut acc, &mut frontier);
        let slice = self.radix.pow((depth - k) as u32);
        // Each world prefix owns its slice of `P_im(h)` and `P_im(h ∧ E)`; the
        // sums are gathered per thread and merged (exact in any order).
        let mut by_prefix: Vec<Vec<Frontier<I>>> = (0..self.worlds / slice).map(|_| Vec::new()).collect();
        for f in frontier {
            by_prefix[f.world].push(f);
        }
        let mut im = vec![I::zeroed(); self.worlds];
        let mut im_e = vec![I::zeroed(); self.worlds];
        let walked = im
            .par_chunks_mut(slice)
            .zip(im_e.par_chunks_mut(slice))
            .zip(by_prefix.par_iter())
            .filter(|(_, roots)| !roots.is_empty())
            .fold(
                || Acc::new(&shape),
                |mut acc, ((pim, pim_e), roots)| {
                    for f in roots {
                        walk.visit(k, f.pos, &f.n, &f.r, &f.s, f.e, 0, &mut acc, pim, pim_e);
                        progress.report(&mut acc);
                    }
                    acc
                },
            )
            .reduce(
                || Acc::new(&shape),
                |mut a, b| {
                    a.merge(b);
                    a
                },
            );
        acc.merge(walked);
        if progress.cancelled.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(EngineError::Cancelled);
        }
        let dem: Vec<I> = world_probabilities(self.scenario, &self.dem_steps, depth, self.worlds);
        Ok(self.figures(acc, &im, &im_e, &dem))
    }

    fn figures<I: ScaledInt>(&self, acc: Acc<I>, im: &[I], im_e: &[I], dem: &[I]) -> Figures {
        let s = self.scenario;
        let depth = self.depth;
        let mut mass_conserved = true;
        let (mut event_e, mut cubed, mut queries, mut product) = (vec![], vec![], vec![], vec![]);
        let mut sum_cubed_by_depth = Vec::with_capacity(depth);
        let (mut sum_cubed, mut sum_theta) = (Rational::zero(), Rational::zero());
        let (mut nodes, mut nodes_checked, mut violations) = (acc.leaves, 0u64, 0u64);
        let d_theta_cubed = Rational::from_integer(num_traits::pow(self.d_theta.clone(), 3).into());
        for d in 0..depth {
            let mut mass_total = BigUint::zero();
            let (mut e_d, mut theta_d, mut cubed_d, mut product_d) =
                (BigUint::zero(), Rational::zero(), Rational::zero(), Rational::zero());
            // `Σ n·(s + t)³ = Σ n·s³ + 3t·n·s² + 3t²·n·s + t³·n`, with `t = Dθ·θ` of the node's step.
            let mut sum3_d = BigUint::zero();
            for (cell, &id) in acc.cells[d].iter().zip(&self.layers[d]) {
                let st = self.space.state(id);
                let mass = cell.mass.to_big();
                let t = scale(&st.theta, &self.d_theta);
                let three = BigUint::from(3u32);
                sum3_d += cell.s3.to_big()
                    + &three * &t * cell.s2.to_big()
                    + &three * &t * &t * cell.s1.to_big()
                    + &t * &t * &t * &mass;
                nodes += cell.count;
                if st.truth_in_top {
                    nodes_checked += cell.count;
                    if st.violates {
                        violations += cell.count;
                    }
                    e_d += cell.mass_e.to_big();
                }
                if !st.theta.is_zero() && !mass.is_zero() {
                    let m = Rational::from_integer(mass.clone().into());
                    theta_d += &m * &st.theta;
                    cubed_d += &m * &st.theta * &st.theta * &st.theta;
                }
                let rm = Rational::from_integer(cell.rmass.to_big().into());
                product_d += rm * self.space.one_plus_theta(id);
                mass_total += mass;
            }
            let den = Rational::from_integer(num_traits::pow(self.d_p.clone(), d).into());
            mass_conserved &= unscale(&mass_total, &self.d_p, d).is_one();
            sum_theta += theta_d / &den;
            sum_cubed += cubed_d / &den;
            event_e.push(unscale(&e_d, &self.d_p, d));
            queries.push(sum_theta.clone());
            cubed.push(sum_cubed.clone());
            product.push(product_d / Rational::from_integer(num_traits::pow(self.d_r.clone(), d).into()));
            sum_cubed_by_depth.push(unscale(&sum3_d, &self.d_p, d) / &d_theta_cubed);
        }
        // `E[1/post_{t+1}(μ)]` from the mass of every state after `t` steps.
        let inverse_truth_posterior = (1..=depth)
            .map(|d| {
                let mut total = Rational::zero();
                for (cell, &id) in acc.cells[d].iter().zip(&self.layers[d]) {
                    let mass = cell.mass.to_big();
                    if mass.is_zero() {
                        continue;
                    }
                    let post = &self.space.posterior(self.space.state(id).key.posterior)[s.truth];
                    if post.is_zero() {
                        return None;
                    }
                    total += Rational::from_integer(mass.into()) / post;
                }
                Some(total / Rational::from_integer(num_traits::pow(self.d_p.clone(), d).into()))
            })
            .collect();
        let to_p = |x: &I| unscale(&x.to_big(), &self.d_p, depth);
        let to_dem = |x: &I| unscale(&x.to_big(), &self.dem_steps.denominator, depth);
        let leaf_total = im.iter().fold(BigUint::zero(), |t, x| t + x.to_big());
        mass_conserved &= unscale(&leaf_total, &self.d_p, depth).is_one();
        let dem_total = dem.iter().fold(BigUint::zero(), |t, x| t + x.to_big());
        mass_conserved &= unscale(&dem_total, &self.dem_steps.denominator, depth).is_one();

        // Events, read off the world histories.
        let no = s.observations.len();
        // Each world history once: decode its steps, then add it to every event it is in.
        let zero = || (BigUint::zero(), BigUint::zero(), BigUint::zero());
        let mut sums: Vec<(BigUint, BigUint, BigUint)> = s.events.iter().map(|_| zero()).collect();
        let mut world = vec![(0, 0); depth];
        for w in (0..self.worlds).filter(|&w| !(im[w].is_zeroed() && dem[w].is_zeroed())) {
            let mut rest = w;
            for step in world.iter_mut().rev() {
                let ao = rest % self.radix;
                *step = (ao / no, ao % no);
                rest /= self.radix;
            }
            for (ev, (pd, pi, pie)) in s.events.iter().zip(&mut sums) {
                if ev.contains(&world) {
                    *pd += dem[w].to_big();
                    *pi += im[w].to_big();
                    *pie += im_e[w].to_big();
                }
            }
        }
        let events = s
            .events
            .iter()
            .zip(sums)
            .map(|(ev, (pd, pi, pie))| EventFigures {
                name: ev.name.clone(),
                p_dem: unscale(&pd, &self.dem_steps.denominator, depth),
                p_im: unscale(&pi, &self.d_p, depth),
                p_im_and_e: unscale(&pie, &self.d_p, depth),
            })
            .collect();
        let unprecedented = unscale(
            &(0..self.worlds).filter(|&w| dem[w].is_zeroed()).fold(BigUint::zero(), |t, w| t + im[w].to_big()),
            &self.d_p,
            depth,
        );

        // Worst case: sort the demonstrator's histories by P_im(h ∧ E)/P_dem(h).
        let mut order: Vec<(usize, BigUint, BigUint)> =
            (0..self.worlds).filter(|&w| !dem[w].is_zeroed()).map(|w| (w, im_e[w].to_big(), dem[w].to_big())).collect();
        order.sort_by(|a, b| (&b.1 * &a.2).cmp(&(&a.1 * &b.2)).then(a.0.cmp(&b.0)));
        let max_ratio =
            order.first().map(|(_, ie, de)| to_p(&I::from_big(ie)) / to_dem(&I::from_big(de))).unwrap_or_default();
        let picks = spread(order.len(), 100);
        let mut curve = Vec::with_capacity(picks.len());
        let (mut cum_dem, mut cum_ie) = (BigUint::zero(), BigUint::zero());
        let mut next = picks.iter().peekable();
        for (i, (_, ie, de)) in order.iter().enumerate() {
            cum_dem += de;
            cum_ie += ie;
            if next.peek() == Some(&&i) {
                next.next();
                curve.push((unscale(&cum_dem, &self.dem_steps.denominator, depth), unscale(&cum_ie, &self.d_p, depth)));
            }
        }
        Figures {
            engine: EngineKind::Exhaustive,
            depth,
            event_e,
            query_cubed_sum: cubed,
            expected_queries: queries,
            expected_product: product,
            query_sum_cubed: sum_cubed_by_depth,
            inverse_truth_posterior,
            nodes_checked,
            violations,
            events,
            unprecedented,
            worst_case: Some(WorstCase { max_ratio, curve, histories: order.len() }),
            mass_conserved,
            stats: Stats {
                nodes,
                states_per_depth: self.layers[..depth].iter().map(|l| l.len() as u64).collect(),
                peak_memory_bytes: None,
                word_arithmetic: std::any::TypeId::of::<I>() == std::any::TypeId::of::<u128>(),
            },
            partial: None,
        }
    }
}
