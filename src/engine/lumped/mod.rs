//! The lumped engine: histories with identical futures merged, depth by depth.
//!
//! Two full histories have the same future when they reach the same state of
//! the [`StateSpace`] (posterior, contexts, phase) *and* agree on everything
//! the figures still need: whether `E` has held so far, whether the
//! demonstrator could have produced the world history (`P_dem > 0`), and the
//! tracking state of every declared event. The engine keeps one *entry* per
//! such key and depth, with the total probability of the histories it merges.
//! What depends only on the state's path (the `Π(1+θ)`-weighted probability
//! and the moments `Σ P·S^k` of the query sum `S = Σθ`, `k = 1, 2`) is kept
//! once per state and depth, not per entry; `E[S³]` is a running sum of
//! `E[3S²θ + 3Sθ² + θ³]`, so the third moment is never carried.
//!
//! Nothing is approximated: every mass is an integer over the layer's common
//! denominator (the product of the steps' denominators), held in a fixed
//! number of machine words ([`super::limbs`]); a transition's probability is
//! pre-scaled to an integer weight once per distinct value, so a successor
//! costs one multiply-accumulate per mass and no allocation. Layers are cut
//! into shards by state ([`layer`]), built in parallel without locks, and
//! freed as soon as the next one is built.
//!
//! Hooks: [`run_observed`] calls an [`Observer`] after every depth with a
//! read-only [`LayerView`] of the merged entries (their states, posteriors,
//! flags and exact probabilities, and on request the step's transitions as
//! [`Edge`]s), and stops when it says so, keeping the figures computed so far.
//!
//! `worst_case` needs single world histories, so it is `None` here.
//! The demonstrator's side of each event is computed the same way, by its own
//! lumped walk over `μ`'s and the environment's contexts.

mod events;
mod layer;

pub use layer::Edge;

use super::limbs::{self, Sum};
use super::scaled::common_denominator;
use super::space::{State, StateSpace};
use super::{EngineError, EngineKind, EventFigures, Figures, Partial, RunOptions, Stats};
use crate::imitator::Rule;
use crate::limits::{Limit, LimitError, Stop};
use crate::number::Rational;
use crate::progress::Watch;
use crate::scenario::Scenario;
use events::{demonstrator_events, Trackers};
use layer::{tag_combo, tag_dem_ok, tag_e, Layer, Refused, Shard, StepInputs, Widths};
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What an observer tells the engine after a depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on to the next depth.
    Continue,
    /// End the run here: the figures cover the depths done so far.
    Stop,
}

/// Watches the walk depth by depth (progress, the infinite horizon, export).
pub trait Observer {
    /// Whether [`LayerView::edges`] should list the step's transitions (costs
    /// memory: one [`Edge`] per transition of every entry).
    fn wants_edges(&self) -> bool {
        false
    }
    /// Called with the layer at every depth `0..=T` once it is complete, on the
    /// calling thread. The figures of depths `1..=view.depth()` are computed.
    fn layer(&mut self, view: &LayerView) -> Control;
}

/// One merged entry of a layer, as an observer sees it.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    /// Its index in the layer's order (the same for any thread count).
    pub index: usize,
    /// Its state in the [`StateSpace`].
    pub state: u32,
    /// Its event trackers' combination.
    pub combo: u32,
    /// `E` has held at every step so far.
    pub e: bool,
    /// The demonstrator could have produced its world history.
    pub dem_ok: bool,
    mass: &'a [u64],
}

impl EntryRef<'_> {
    /// Its probability times the layer's [`LayerView::denominator`], as limbs (least significant first).
    pub fn mass(&self) -> &[u64] {
        self.mass
    }
}

/// A read-only view of the layer at one depth.
pub struct LayerView<'a> {
    depth: usize,
    total: usize,
    layer: &'a Layer,
    space: &'a StateSpace<'a>,
    den: &'a BigUint,
    edges: Option<&'a [Edge]>,
    trackers: &'a Trackers<'a>,
    elapsed: Duration,
    memory: u64,
    /// `E Σ_{k≤depth} θ_k³`, the figure the engine has just computed.
    cubed: &'a Rational,
}

impl<'a> LayerView<'a> {
    fn new(
        layer: &'a Layer,
        (space, trackers): (&'a StateSpace<'a>, &'a Trackers<'a>),
        (depth, total): (usize, usize),
        (den, cubed): (&'a BigUint, &'a Rational),
        edges: Option<&'a [Edge]>,
        start: Instant,
    ) -> Self {
        let memory = layer.bytes() + space.memory_bytes();
        LayerView { depth, total, layer, space, den, edges, trackers, elapsed: start.elapsed(), memory, cubed }
    }

    /// `E Σ_{k≤t} θ_k³` for the steps that led here (`t` = [`LayerView::depth`]; 0 at depth 0).
    pub fn query_cubed_sum(&self) -> &Rational {
        self.cubed
    }

    /// Steps taken to reach this layer.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The depth the run was asked to reach.
    pub fn target_depth(&self) -> usize {
        self.total
    }

    /// How many merged entries the layer holds.
    pub fn len(&self) -> usize {
        self.layer.entries()
    }

    /// Whether the layer holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many distinct states its entries are in.
    pub fn states(&self) -> usize {
        self.layer.states()
    }

    /// The state space: [`StateSpace::state`], [`StateSpace::posterior`],
    /// [`StateSpace::contexts`], [`StateSpace::value`].
    pub fn space(&self) -> &'a StateSpace<'a> {
        self.space
    }

    /// The state of an entry (its policy, `θ`, whether `μ ∈ Top`, its key's posterior id…).
    pub fn state(&self, e: &EntryRef) -> &'a State {
        self.space.state(e.state)
    }

    /// The denominator every entry's mass is over.
    pub fn denominator(&self) -> &BigUint {
        self.den
    }

    /// The entries, in the layer's order.
    pub fn entries(&self) -> impl Iterator<Item = EntryRef<'_>> {
        let offsets = self.layer.offsets();
        self.layer.shards.iter().zip(offsets).flat_map(|(sh, at)| {
            sh.entries.iter().enumerate().map(move |(i, &(slot, tg))| EntryRef {
                index: at + i,
                state: sh.states[slot as usize],
                combo: tag_combo(tg),
                e: tag_e(tg),
                dem_ok: tag_dem_ok(tg),
                mass: sh.n.get(i),
            })
        })
    }

    /// The exact probability of an entry.
    pub fn probability(&self, e: &EntryRef) -> Rational {
        Rational::new(BigInt::from(limbs::to_big(e.mass)), BigInt::from(self.den.clone()))
    }

    /// The exact total probability of the entries that `keep` selects (one reduction).
    pub fn probability_of(&self, keep: impl Fn(&EntryRef) -> bool) -> Rational {
        let mut sum = Sum::default();
        for e in self.entries().filter(|e| keep(e)) {
            sum.add(e.mass);
        }
        Rational::new(BigInt::from(sum.value()), BigInt::from(self.den.clone()))
    }

    /// The step from the previous layer to this one (absent at depth 0, or if
    /// [`Observer::wants_edges`] is false): every transition of every entry of
    /// the previous layer, in that layer's order and each state's transition
    /// order. Two transitions of an entry may lead to the same entry.
    pub fn edges(&self) -> Option<&[Edge]> {
        self.edges
    }

    /// Whether the world history of entry `e` is in the scenario's declared
    /// event number `event`. Events are sets of world histories of the target
    /// depth's length, so this is their verdict at [`LayerView::target_depth`]
    /// (false for an event the scenario does not declare).
    pub fn in_event(&self, e: &EntryRef, event: usize) -> bool {
        event < self.space.scenario().events.len() && self.trackers.accepts(e.combo, event)
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The engine's estimate of the memory it holds, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory
    }
}

/// For every distinct `θ` of a layer (by its index in [`Thetas`]): `Σ` of
/// states' masses and of their weighted masses.
type ByTheta = Vec<(Sum, Sum)>;

/// The distinct `θ`s of a layer, each with the coefficients of its moments' update.
struct Thetas {
    /// Value ids, in increasing order.
    ids: Vec<u32>,
    /// The index in `ids` of each value id (`u32::MAX` for the others).
    index: Vec<u32>,
    coeffs: Vec<Option<Coeffs>>,
}

/// What one shard adds to a layer's figures.
#[derive(Default)]
struct Sums {
    mass: Sum,
    e_mass: Sum,
    checked: u64,
    violations: u64,
    by_theta: ByTheta,
    /// `Σ P·(3t(QS)² + 3t²(QS) + t³)` over the layer (`t = Qθ`): how much
    /// `E[(QS)³]` grows with the step.
    cube: Sum,
    /// `Σ P·b` per class of the truth's posterior numerator `a` (`post(μ) = a/b`).
    inverse: FxHashMap<u32, Sum>,
    /// The truth's posterior is 0 at a state of positive mass.
    infinite: bool,
    /// Final layer: `P_im` of histories the demonstrator never produces, and each event's masses.
    unprecedented: Sum,
    events: Vec<(Sum, Sum)>,
}

impl Sums {
    fn merge(mut self, o: Sums) -> Sums {
        self.mass.merge(&o.mass);
        self.e_mass.merge(&o.e_mass);
        self.checked += o.checked;
        self.violations += o.violations;
        if self.by_theta.len() < o.by_theta.len() {
            self.by_theta.resize_with(o.by_theta.len(), Default::default);
        }
        for (e, (a, b)) in self.by_theta.iter_mut().zip(&o.by_theta) {
            e.0.merge(a);
            e.1.merge(b);
        }
        self.cube.merge(&o.cube);
        for (k, s) in o.inverse {
            self.inverse.entry(k).or_default().merge(&s);
        }
        self.infinite |= o.infinite;
        self.unprecedented.merge(&o.unprecedented);
        if self.events.len() < o.events.len() {
            self.events.resize_with(o.events.len(), Default::default);
        }
        for (a, b) in self.events.iter_mut().zip(&o.events) {
            a.0.merge(&b.0);
            a.1.merge(&b.1);
        }
        self
    }
}

/// The coefficients of the moments' binomial update for one `θ = t/Q`.
struct Coeffs {
    t: Vec<u64>,
    t2: Vec<u64>,
    t3: Vec<u64>,
    two_t: Vec<u64>,
    three_t: Vec<u64>,
    three_t2: Vec<u64>,
}

impl Coeffs {
    fn new(theta: &Rational, q: &BigUint) -> Option<Self> {
        if theta.is_zero() {
            return None;
        }
        let t = theta.numer().magnitude() * (q / theta.denom().magnitude());
        let t2 = &t * &t;
        let l = limbs::from_big;
        Some(Coeffs {
            t3: l(&(&t2 * &t)),
            two_t: l(&(&t * 2u32)),
            three_t: l(&(&t * 3u32)),
            three_t2: l(&(&t2 * 3u32)),
            t2: l(&t2),
            t: l(&t),
        })
    }
}

/// The truth's posterior at a posterior id, as the engine needs it for `E[1/post(μ)]`.
enum TruthPost {
    Zero,
    /// `post(μ) = a/b`: the class of `a`, and `b`.
    Class(u32, Vec<u64>),
}

/// `post(μ)` for every posterior id met, with its numerators interned as classes.
#[derive(Default)]
struct TruthPosts {
    by_posterior: Vec<TruthPost>,
    classes: Vec<BigUint>,
    index: FxHashMap<BigUint, u32>,
}

impl TruthPosts {
    fn extend(&mut self, space: &StateSpace, truth: usize) {
        for id in self.by_posterior.len()..space.posteriors() {
            let p = &space.posterior(id as u32)[truth];
            let entry = if p.is_zero() {
                TruthPost::Zero
            } else {
                let a = p.numer().magnitude().clone();
                let next = self.classes.len() as u32;
                let class = *self.index.entry(a.clone()).or_insert(next);
                if class == next {
                    self.classes.push(a);
                }
                TruthPost::Class(class, limbs::from_big(p.denom().magnitude()))
            };
            self.by_posterior.push(entry);
        }
    }
}

/// What a layer's figure pass needs to know.
struct PassInputs<'a> {
    space: &'a StateSpace<'a>,
    /// Coefficients per `θ` id, when the layer takes a step.
    thetas: Option<&'a Thetas>,
    /// The truth's posterior per posterior id, when `E[1/post(μ)]` is read here.
    posts: Option<&'a TruthPosts>,
    /// Final layer: the event trackers.
    trackers: Option<&'a Trackers<'a>>,
    events: usize,
}

/// One shard's part of a layer's figures; with a step to take, the moments
/// become those after the step, in place.
fn shard_sums(sh: &mut Shard, inp: &PassInputs) -> Sums {
    let space = inp.space;
    let mut out = Sums::default();
    out.by_theta.resize_with(inp.thetas.map_or(0, |t| t.ids.len()), Default::default);
    out.events.resize_with(if inp.trackers.is_some() { inp.events } else { 0 }, Default::default);
    let [a1, a2] = &mut sh.a;
    let mut a0 = Sum::default();
    for (slot, &id) in sh.states.iter().enumerate() {
        let st = space.state(id);
        a0.clear();
        for i in sh.first[slot] as usize..sh.first[slot + 1] as usize {
            let (n, tg) = (sh.n.get(i), sh.entries[i].1);
            a0.add(n);
            if inp.thetas.is_some() && st.truth_in_top {
                out.checked += 1;
                out.violations += st.violates as u64;
                if tag_e(tg) {
                    out.e_mass.add(n);
                }
            }
            if let Some(tr) = inp.trackers {
                if !tag_dem_ok(tg) {
                    out.unprecedented.add(n);
                }
                for (k, ev) in out.events.iter_mut().enumerate() {
                    if tr.accepts(tag_combo(tg), k) {
                        ev.0.add(n);
                        if tag_e(tg) {
                            ev.1.add(n);
                        }
                    }
                }
            }
        }
        out.mass.merge(&a0);
        let a0 = a0.limbs();
        if let Some(posts) = inp.posts {
            match &posts.by_posterior[st.key.posterior as usize] {
                TruthPost::Zero => out.infinite |= !limbs::trim(a0).is_empty(),
                TruthPost::Class(c, b) => out.inverse.entry(*c).or_default().add_product(a0, b),
            }
        }
        if let Some(thetas) = inp.thetas {
            let k = thetas.index[st.theta_id as usize] as usize;
            let e = &mut out.by_theta[k];
            e.0.add(a0);
            e.1.add(sh.r.get(slot));
            // `Σ P·(s+t)^k` by the binomial expansion, highest moment first;
            // the third moment only for how much it grows.
            if let Some(c) = &thetas.coeffs[k] {
                let (m1, m2) = (a1.get(slot), a2.get(slot));
                out.cube.add_product(m2, &c.three_t);
                out.cube.add_product(m1, &c.three_t2);
                out.cube.add_product(a0, &c.t3);
                let m2 = a2.get_mut(slot);
                limbs::mac(m2, m1, &c.two_t);
                limbs::mac(m2, a0, &c.t2);
                limbs::mac(a1.get_mut(slot), a0, &c.t);
            }
        }
    }
    out
}

fn layer_sums(layer: &mut Layer, inp: &PassInputs) -> Sums {
    layer.shards.par_iter_mut().map(|sh| shard_sums(sh, inp)).reduce(Sums::default, Sums::merge)
}

/// `Σ_θ n_θ · f(θ)` as an integer over `q`, the lcm of the denominators of the `f(θ)`.
fn weighted_sum(items: &[(Rational, BigUint)], f: impl Fn(&Rational) -> Rational) -> (BigUint, BigUint) {
    let values: Vec<Rational> = items.iter().map(|(th, _)| f(th)).collect();
    let q = common_denominator(&values);
    let mut y = BigUint::zero();
    for ((_, n), v) in items.iter().zip(&values) {
        if !n.is_zero() && !v.is_zero() {
            y += n * v.numer().magnitude() * (&q / v.denom().magnitude());
        }
    }
    (y, q)
}

/// A cumulative sum over depths of `Σ_θ n_θ·f(θ) / den_d`, kept as one
/// integer over a running denominator and reduced only when read. The layer
/// denominators divide one another (`den_{d+1} = den_d · step_d`), so no
/// addition ever needs a gcd.
struct RunningSum {
    numer: BigUint,
    /// The layer denominator the numerator is over (times `q`).
    den: BigUint,
    /// The lcm of the `f(θ)` denominators met so far.
    q: BigUint,
}

impl RunningSum {
    fn new() -> Self {
        RunningSum { numer: BigUint::zero(), den: BigUint::one(), q: BigUint::one() }
    }

    fn add(&mut self, items: &[(Rational, BigUint)], den: &BigUint, f: impl Fn(&Rational) -> Rational) {
        let (y, q) = weighted_sum(items, f);
        // Bring the running numerator over `den · lcm(q_old, q)`.
        let q_new = self.q.lcm(&q);
        self.numer = &self.numer * (den / &self.den) * (&q_new / &self.q);
        self.numer += y * (&q_new / &q);
        self.den = den.clone();
        self.q = q_new;
    }

    fn value(&self) -> Rational {
        Rational::new(BigInt::from(self.numer.clone()), BigInt::from(&self.den * &self.q))
    }
}

/// Integer weights of the values used by a step: `value · step` for a step
/// denominator `step`, cached per value id until the step changes.
#[derive(Default)]
struct Weights {
    step: BigUint,
    table: Vec<Vec<u64>>,
}

impl Weights {
    /// Makes `table[id]` the weight of every id in `ids` for the step `step`.
    fn prepare(&mut self, space: &StateSpace, ids: &[u32], step: BigUint) {
        if step != self.step {
            self.table.clear();
            self.step = step;
        }
        self.table.resize(space.values(), Vec::new());
        for &id in ids {
            let w = &mut self.table[id as usize];
            if w.is_empty() {
                let v = space.value(id);
                *w = limbs::from_big(&(v.numer().magnitude() * (&self.step / v.denom().magnitude())));
            }
        }
    }
}

/// The value ids a layer's states use: `θ`s, probabilities and weighted probabilities.
struct Used {
    thetas: Vec<u32>,
    probs: Vec<u32>,
    weighted: Vec<u32>,
}

fn used_values(layer: &Layer, space: &StateSpace) -> Used {
    // Per state, two ids: its θ and its list of transition probabilities.
    let (thetas, lists) = layer
        .shards
        .par_iter()
        .map(|sh| {
            let mut thetas = vec![false; space.values()];
            let mut lists = vec![false; space.step_lists()];
            for &id in &sh.states {
                let st = space.state(id);
                thetas[st.theta_id as usize] = true;
                lists[st.step_probs as usize] = true;
            }
            (thetas, lists)
        })
        .reduce(
            || (vec![false; space.values()], vec![false; space.step_lists()]),
            |(mut a, mut b), (c, d)| {
                a.iter_mut().zip(&c).for_each(|(x, y)| *x |= y);
                b.iter_mut().zip(&d).for_each(|(x, y)| *x |= y);
                (a, b)
            },
        );
    let (mut probs, mut weighted) = (vec![false; space.values()], vec![false; space.values()]);
    for (i, _) in lists.iter().enumerate().filter(|(_, &on)| on) {
        for &(p, w) in space.step_probs(i as u32) {
            probs[p as usize] = true;
            weighted[w as usize] = true;
        }
    }
    let pick = |marks: &[bool]| (0..marks.len() as u32).filter(|&i| marks[i as usize]).collect();
    Used { thetas: pick(&thetas), probs: pick(&probs), weighted: pick(&weighted) }
}

/// The figures by depth, as they accumulate.
struct Acc {
    event_e: Vec<Rational>,
    cubed: Vec<Rational>,
    queries: Vec<Rational>,
    product: Vec<Rational>,
    sum_cubed: Vec<Rational>,
    inverse: Vec<Option<Rational>>,
    checked: Vec<u64>,
    violations: Vec<u64>,
    states_per_depth: Vec<u64>,
    mass_conserved: bool,
}

impl Acc {
    /// Forgets the figures of steps after `d`.
    fn truncate(&mut self, d: usize) {
        for v in [&mut self.event_e, &mut self.cubed, &mut self.queries, &mut self.product, &mut self.sum_cubed] {
            v.truncate(d);
        }
        self.inverse.truncate(d);
        self.checked.truncate(d);
        self.violations.truncate(d);
        self.states_per_depth.truncate(d);
    }
}

/// `E[1/post(μ)]` over a layer: `Σ_a (Σ P·b)·(L/a) / (L·den)` with `L` the lcm
/// of the numerators `a` met, so that one lcm over few distinct values replaces
/// a rational sum over every state.
fn inverse_figure(sums: &Sums, posts: &TruthPosts, den: &BigUint) -> Option<Rational> {
    if sums.infinite {
        return None;
    }
    let by_class: BTreeMap<u32, BigUint> =
        sums.inverse.iter().filter(|(_, s)| !s.is_zero()).map(|(&c, s)| (c, s.value())).collect();
    let l = by_class.keys().fold(BigUint::one(), |l, &c| l.lcm(&posts.classes[c as usize]));
    let total = by_class.iter().fold(BigUint::zero(), |t, (&c, y)| t + y * (&l / &posts.classes[c as usize]));
    Some(Rational::new(BigInt::from(total), BigInt::from(l * den)))
}

fn ratio_of(n: BigUint, d: &BigUint) -> Rational {
    Rational::new(BigInt::from(n), BigInt::from(d.clone()))
}

/// Runs the lumped engine to `opts.depth`; `watch` hears of every layer.
pub fn run(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: RunOptions,
    watch: &dyn Watch,
) -> Result<Figures, EngineError> {
    let figures = run_observed(scenario, rule, opts, &mut Watching(watch));
    if watch.cancelled() {
        return Err(EngineError::Cancelled);
    }
    figures
}

/// Refuses a scenario whose machines (models, the environment and events
/// declared as machines) have more combinations of states than
/// [`MAX_MACHINE_PRODUCT`](crate::limits::MAX_MACHINE_PRODUCT): the engine
/// merges on every machine's state, so the product bounds how many merged
/// states each posterior may split into. Checked before any work.
pub fn check_machines(scenario: &Scenario) -> Result<(), LimitError> {
    use crate::limits::MAX_MACHINE_PRODUCT;
    let sizes = scenario
        .models
        .iter()
        .filter_map(|m| m.kind.machine())
        .chain(scenario.environment.machine())
        .chain(scenario.events.iter().filter_map(|e| e.kind.machine()))
        .map(|m| m.states().len() as u128);
    let product = sizes.fold(1u128, |p, n| p.saturating_mul(n));
    if product > MAX_MACHINE_PRODUCT {
        return Err(LimitError::new(
            Limit::Machines,
            format!(
                "the machines of this scenario have {product} combinations of states, more than \
                 {MAX_MACHINE_PRODUCT} (limits::MAX_MACHINE_PRODUCT), which the lumped engine merges on: \
                 declare fewer or smaller machines"
            ),
        ));
    }
    Ok(())
}

/// Hands the engine's layers to a [`Watch`].
pub struct Watching<'a>(pub &'a dyn Watch);

impl Observer for Watching<'_> {
    fn layer(&mut self, view: &LayerView) -> Control {
        if view.depth() > 0 {
            self.0.layer(view.depth(), view.target_depth(), view.len(), view.memory_bytes());
        }
        if self.0.cancelled() {
            return Control::Stop;
        }
        Control::Continue
    }
}

/// Runs the lumped engine to `opts.depth`, showing `observer` every layer.
///
/// A run that reaches a limit (`max_states`, `max_memory`, `time_limit`)
/// returns [`EngineError::Stopped`] with the figures of the depths it
/// completed, exactly those of a run to that depth, and
/// [`Figures::partial`] saying where and why; a run its observer stops
/// returns them as `Ok`, with [`Stop::Observer`].
pub fn run_observed(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: RunOptions,
    observer: &mut dyn Observer,
) -> Result<Figures, EngineError> {
    let start = Instant::now();
    let depth = opts.depth;
    crate::limits::check_depth(depth, &format!("depth {depth}"))?;
    super::check_truth_weight(scenario)?;
    let truth = scenario.truth;
    let actions = scenario.actions.len();
    let observations = scenario.observations.len();
    check_machines(scenario)?;
    let mut space = StateSpace::new(scenario, rule);
    let mut trackers = Trackers::new(&scenario.events, depth);
    let mut posts = TruthPosts::default();
    let (mut wp, mut wr) = (Weights::default(), Weights::default());
    // Probabilities are n / den; weighted ones r / den_r; moments over den·q^k.
    let (mut den, mut den_r) = (BigUint::one(), BigUint::one());
    let (mut q, mut theta_max) = (BigUint::one(), BigUint::one());
    let mut layer = Layer::root(Widths::new(0, &den, &den_r, &q, &theta_max), 0);
    let mut acc = Acc {
        event_e: vec![],
        cubed: vec![],
        queries: vec![],
        product: vec![],
        sum_cubed: vec![],
        inverse: vec![],
        checked: vec![],
        violations: vec![],
        states_per_depth: vec![],
        mass_conserved: true,
    };
    let (mut theta_sum, mut cubed_sum) = (RunningSum::new(), RunningSum::new());
    // `E[(QS)³]` after each step, over `den·Q³`.
    let (mut cube, mut cube_den) = (BigUint::zero(), BigUint::one());
    let mut nodes = 0u64;
    let mut peak = layer.bytes() + space.memory_bytes();
    let wants_edges = observer.wants_edges();
    let deadline = opts.limits.time_limit.map(|t| start + t);
    let mut stop: Option<(Stop, String)> = None;
    let mut reached = 0;
    let zero = Rational::zero();
    if observer.layer(&LayerView::new(&layer, (&space, &trackers), (0, depth), (&den, &zero), None, start))
        == Control::Stop
    {
        stop = Some((Stop::Observer, "stopped by its observer at depth 0".into()));
    }

    for d in 0..depth {
        if stop.is_some() {
            break;
        }
        if deadline.is_some_and(|t| Instant::now() >= t) {
            stop = Some((Stop::TimeLimit, time_message(d, opts)));
            break;
        }
        nodes += layer.entries() as u64;
        acc.states_per_depth.push(layer.entries() as u64);
        let ids: Vec<u32> = layer.shards.iter().flat_map(|s| s.states.iter().copied()).collect();
        // The state space may hold what the layer leaves of the memory limit, checked before it grows.
        space.set_memory_limit(opts.limits.max_memory.saturating_sub(layer.bytes()));
        if let Err(e) = space.try_expand_all(&ids, d) {
            acc.truncate(d);
            nodes -= layer.entries() as u64;
            stop = Some((Stop::Memory, format!("the lumped engine stopped after depth {d}: {}", e.message)));
            break;
        }
        peak = peak.max(layer.bytes() + space.memory_bytes());
        let used = used_values(&layer, &space);
        // θ: the moments' denominator Q and the largest θ bound the widths.
        for &id in &used.thetas {
            let th = space.value(id);
            if th.is_negative() {
                return Err(EngineError::NegativeTheta {
                    rule: rule.name(),
                    theta: crate::number::fmt_exact(th),
                    depth: d,
                });
            }
            theta_max = theta_max.max(th.ceil().numer().magnitude().clone());
        }
        let q_new = common_denominator(used.thetas.iter().map(|&id| space.value(id))).lcm(&q);
        let widths = Widths::new(d, &den, &den_r, &q_new, &theta_max);
        if widths != layer.widths {
            layer.widen(widths);
        }
        if q_new != q {
            rescale_moments(&mut layer, &(&q_new / &q));
            q = q_new;
        }
        let mut index = vec![u32::MAX; space.values()];
        for (k, &id) in used.thetas.iter().enumerate() {
            index[id as usize] = k as u32;
        }
        let thetas = Thetas {
            coeffs: used.thetas.iter().map(|&id| Coeffs::new(space.value(id), &q)).collect(),
            ids: used.thetas.clone(),
            index,
        };
        posts.extend(&space, truth);
        let pass = PassInputs {
            space: &space,
            thetas: Some(&thetas),
            posts: (d > 0).then_some(&posts),
            trackers: None,
            events: 0,
        };
        let sums = layer_sums(&mut layer, &pass);
        // Figures of step d+1, from the layer at depth d.
        if d > 0 {
            acc.inverse.push(inverse_figure(&sums, &posts, &den));
        }
        acc.mass_conserved &= sums.mass.value() == den;
        acc.checked.push(sums.checked);
        acc.violations.push(sums.violations);
        let masses: Vec<(Rational, BigUint)> =
            thetas.ids.iter().zip(&sums.by_theta).map(|(&id, (a, _))| (space.value(id).clone(), a.value())).collect();
        let weighted: Vec<(Rational, BigUint)> =
            thetas.ids.iter().zip(&sums.by_theta).map(|(&id, (_, r))| (space.value(id).clone(), r.value())).collect();
        theta_sum.add(&masses, &den, |th| th.clone());
        cubed_sum.add(&masses, &den, |th| th * th * th);
        acc.queries.push(theta_sum.value());
        acc.cubed.push(cubed_sum.value());
        let (y, qp) = weighted_sum(&weighted, |th| Rational::one() + th);
        acc.product.push(Rational::new(BigInt::from(y), BigInt::from(qp * &den_r)));
        acc.event_e.push(ratio_of(sums.e_mass.value(), &den));
        let over = &den * num_traits::pow(q.clone(), 3);
        cube = cube * (&over / &cube_den) + sums.cube.value();
        cube_den = over;
        acc.sum_cubed.push(ratio_of(cube.clone(), &cube_den));

        // The next layer, over a common denominator for this step's probabilities.
        let step_p = common_denominator(used.probs.iter().map(|&id| space.value(id)));
        let step_r = common_denominator(used.weighted.iter().map(|&id| space.value(id)));
        wp.prepare(&space, &used.probs, step_p.clone());
        wr.prepare(&space, &used.weighted, step_r.clone());
        if trackers.len() >= layer::MAX_COMBOS {
            return Err(LimitError::new(
                Limit::Events,
                format!(
                    "the lumped engine tracks at most {} combinations of event states; the events of this scenario \
                     reach more by depth {d}: declare fewer events",
                    layer::MAX_COMBOS
                ),
            )
            .into());
        }
        let advance = trackers.table(d + 1, actions, observations);
        let (next_den, next_den_r) = (&den * &step_p, &den_r * &step_r);
        let held = layer.bytes() + space.memory_bytes();
        let inputs = StepInputs {
            space: &space,
            wp: &wp.table,
            wr: &wr.table,
            advance: &advance,
            actions,
            observations,
            widths: Widths::new(d + 1, &next_den, &next_den_r, &q, &theta_max),
            max_states: opts.limits.max_states,
            max_bytes: opts.limits.max_memory.saturating_sub(held),
            deadline,
            edges: wants_edges,
        };
        match layer::step(&layer, &inputs) {
            Err(refused) => {
                acc.truncate(d);
                nodes -= layer.entries() as u64;
                stop = Some(refusal_message(refused, d, opts, held));
                break;
            }
            Ok(out) => {
                peak = peak.max(held + out.extra_bytes);
                layer = out.layer;
                den = next_den;
                den_r = next_den_r;
                reached = d + 1;
                let cubed = acc.cubed.last().expect("the figure of step d+1");
                let v = LayerView::new(
                    &layer,
                    (&space, &trackers),
                    (d + 1, depth),
                    (&den, cubed),
                    out.edges.as_deref(),
                    start,
                );
                if observer.layer(&v) == Control::Stop && d + 1 < depth {
                    stop = Some((Stop::Observer, format!("stopped by its observer at depth {}", d + 1)));
                }
            }
        }
    }

    // The last layer: its mass, E[1/post(μ)] after its steps, the events and unprecedented.
    nodes += layer.entries() as u64;
    posts.extend(&space, truth);
    let need_inverse = reached > 0 && acc.inverse.len() < reached;
    let pass = PassInputs {
        space: &space,
        thetas: None,
        posts: need_inverse.then_some(&posts),
        trackers: Some(&trackers),
        events: scenario.events.len(),
    };
    let sums = layer_sums(&mut layer, &pass);
    if need_inverse {
        acc.inverse.push(inverse_figure(&sums, &posts, &den));
    }
    acc.mass_conserved &= sums.mass.value() == den;
    let unprecedented = ratio_of(sums.unprecedented.value(), &den);
    let dem = demonstrator_events(scenario, reached);
    let events = scenario
        .events
        .iter()
        .enumerate()
        .map(|(i, ev)| {
            let (p_im, p_im_e) = sums.events.get(i).map(|(a, b)| (a.value(), b.value())).unwrap_or_default();
            EventFigures {
                name: ev.name.clone(),
                p_dem: dem[i].clone(),
                p_im: ratio_of(p_im, &den),
                p_im_and_e: ratio_of(p_im_e, &den),
            }
        })
        .collect();
    let figures = Figures {
        engine: EngineKind::Lumped,
        depth: reached,
        event_e: acc.event_e,
        query_cubed_sum: acc.cubed,
        expected_queries: acc.queries,
        expected_product: acc.product,
        query_sum_cubed: acc.sum_cubed,
        inverse_truth_posterior: acc.inverse,
        nodes_checked: acc.checked.iter().sum(),
        violations: acc.violations.iter().sum(),
        events,
        unprecedented,
        worst_case: None,
        mass_conserved: acc.mass_conserved,
        stats: Stats {
            nodes,
            states_per_depth: acc.states_per_depth,
            peak_memory_bytes: Some(peak),
            word_arithmetic: false,
        },
        partial: stop.as_ref().map(|(why, message)| Partial {
            requested_depth: depth,
            depth_reached: reached,
            stopped_because: *why,
            message: message.clone(),
        }),
    };
    match stop {
        Some((Stop::Observer, _)) | None => Ok(figures),
        // Not one depth done: nothing to report.
        Some((why, message)) if reached == 0 => {
            Err(LimitError::new(why.limit().expect("a limit stopped the run"), message).into())
        }
        Some(_) => Err(EngineError::Stopped(Box::new(figures))),
    }
}

/// Multiplies every state's moments `k = 1, 2` by `f^k` (a new moments' denominator).
fn rescale_moments(layer: &mut Layer, f: &BigUint) {
    let factors = [limbs::from_big(f), limbs::from_big(&(f * f))];
    layer.shards.par_iter_mut().for_each(|sh| {
        for (a, w) in sh.a.iter_mut().zip(&factors) {
            let old = std::mem::take(a);
            let mut fresh = limbs::Arena::zeros(old.stride(), old.len());
            for i in 0..old.len() {
                limbs::mac(fresh.get_mut(i), old.get(i), w);
            }
            *a = fresh;
        }
    });
}

fn time_message(d: usize, opts: RunOptions) -> String {
    let secs = opts.limits.time_limit.map(|t| t.as_secs_f64()).unwrap_or_default();
    format!("the lumped engine stopped after depth {d}: the time limit of {secs} s ran out")
}

fn refusal_message(Refused(why, bytes): Refused, d: usize, opts: RunOptions, held: u64) -> (Stop, String) {
    let message = match why {
        Stop::MaxStates => format!(
            "the lumped engine stopped after depth {d}: depth {} would hold more than {} merged states (the state \
             limit)",
            d + 1,
            opts.limits.max_states
        ),
        Stop::Memory => format!(
            "the lumped engine stopped after depth {d}: depth {} would take about {} MiB more than the {} MiB held, \
             past the memory limit of {} MiB",
            d + 1,
            bytes >> 20,
            held >> 20,
            opts.limits.max_memory >> 20
        ),
        _ => time_message(d, opts),
    };
    (why, message)
}
