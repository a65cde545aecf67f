//! The lumped engine: histories with identical futures merged, depth by depth.
//!
//! Two full histories have the same future when they reach the same state of
//! the [`StateSpace`] (posterior, contexts, phase) *and* agree on everything
//! the figures still need: whether `E` has held so far, whether the
//! demonstrator could have produced the world history (`P_dem > 0`), and the
//! tracking state of every declared event. The engine keeps one entry per
//! such key and depth, with the total probability of the histories it merges
//! and their `Π(1+θ)`-weighted probability. Nothing is approximated: masses
//! are integers over a per-depth common denominator (see [`super::scaled`]).
//!
//! `worst_case` needs single world histories, so it is `None` here.
//! The demonstrator's side of each event is computed the same way, by its own
//! lumped walk over `μ`'s and the environment's contexts.

use super::scaled::{common_denominator, scale};
use super::space::StateSpace;
use super::{EngineError, EngineKind, EventFigures, Figures, Stats};
use crate::event::Event;
use crate::imitator::Rule;
use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Zero};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::HashMap;

/// Options of one lumped run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub depth: usize,
    /// Stop with a clear message when a layer would hold more merged states than this.
    pub max_states: usize,
    /// … or take more memory than this (estimated, in bytes).
    pub max_memory: u64,
}

/// Interned combinations of event-tracker states, and their transitions.
struct Trackers<'a> {
    events: &'a [Event],
    combos: Vec<Vec<u32>>,
    index: HashMap<Vec<u32>, u32>,
    next: HashMap<(u32, u32, u32), u32>,
    /// Steps after this one behave alike for every tracker.
    last_step: usize,
}

impl<'a> Trackers<'a> {
    fn new(events: &'a [Event], depth: usize) -> Self {
        let last_step = events
            .iter()
            .map(|e| match &e.kind {
                crate::event::EventKind::AtStep { step, .. } => *step,
                crate::event::EventKind::Prefix { actions } => actions.len(),
                crate::event::EventKind::AtLeast { .. } => 0,
            })
            .max()
            .unwrap_or(0)
            .min(depth)
            + 1;
        let mut t = Trackers { events, combos: Vec::new(), index: HashMap::new(), next: HashMap::new(), last_step };
        let start: Vec<u32> = events.iter().map(|e| e.start()).collect();
        t.intern(start);
        t
    }

    fn intern(&mut self, combo: Vec<u32>) -> u32 {
        if let Some(&id) = self.index.get(&combo) {
            return id;
        }
        let id = self.combos.len() as u32;
        self.index.insert(combo.clone(), id);
        self.combos.push(combo);
        id
    }

    /// The combination after taking `action` at step `step` (1-based).
    fn advance(&mut self, combo: u32, step: usize, action: usize) -> u32 {
        let s = step.min(self.last_step) as u32;
        if let Some(&id) = self.next.get(&(combo, s, action as u32)) {
            return id;
        }
        let next: Vec<u32> =
            self.events.iter().zip(&self.combos[combo as usize]).map(|(e, &st)| e.advance(st, step, action)).collect();
        let id = self.intern(next);
        self.next.insert((combo, s, action as u32), id);
        id
    }

    fn accepts(&self, combo: u32, event: usize) -> bool {
        self.events[event].accepts(self.combos[combo as usize][event])
    }
}

/// One merged entry of a layer.
#[derive(Clone)]
struct Entry {
    state: u32,
    combo: u32,
    /// `E` has held at every step so far.
    e: bool,
    /// The world history so far has positive probability under the demonstrator.
    dem_ok: bool,
    /// Probability, over the layer's denominator.
    n: BigUint,
    /// `Π(1+θ)`-weighted probability, over the layer's weighted denominator.
    m: BigUint,
    /// `Σ P·S^k` for `k = 1, 2, 3`, with `S = Σθ` over the steps so far, each
    /// over the layer's denominator times `Q^k` (`Q`: the lcm of every `θ`'s
    /// denominator met so far): the moments `E[(Σθ)³]` is read from.
    s: [BigUint; 3],
}

fn key(state: u32, combo: u32, e: bool, dem_ok: bool) -> u128 {
    ((state as u128) << 64) | ((combo as u128) << 2) | ((e as u128) << 1) | dem_ok as u128
}

/// An estimate of a layer's memory: the integers' digits and each entry's fixed part.
fn layer_bytes(layer: &[Entry]) -> u64 {
    layer
        .iter()
        .map(|x| {
            let ints = [&x.n, &x.m, &x.s[0], &x.s[1], &x.s[2]];
            ints.iter().map(|i| i.bits().div_ceil(8)).sum::<u64>() + std::mem::size_of::<Entry>() as u64
        })
        .sum()
}

/// The moments after a step with `θ = t/Q` from an entry with mass `n` and moments `s`:
/// `Σ P·(S + θ)^k`, by the binomial expansion.
fn moments_after(n: &BigUint, s: &[BigUint; 3], t: &BigUint) -> [BigUint; 3] {
    if t.is_zero() {
        return s.clone();
    }
    let tn = t * n;
    let t2n = t * &tn;
    let three = BigUint::from(3u32);
    let m1 = &s[0] + &tn;
    let m2 = &s[1] + ((t * &s[0]) << 1) + &t2n;
    let m3 = &s[2] + &three * t * &s[1] + &three * t * t * &s[0] + t * &t2n;
    [m1, m2, m3]
}

/// `Σ_s P(s) / post_s(μ)` over a layer whose masses are over `den`; `None`
/// when the truth's posterior is 0 at a state of positive probability (`+∞`).
///
/// Masses are first added per state; then `1/post = b/a` (for `post = a/b`
/// in lowest terms) is applied per distinct numerator `a`, so that one lcm
/// over few distinct values replaces a rational sum over every state.
fn inverse_truth_posterior(layer: &[Entry], space: &StateSpace, truth: usize, den: &BigUint) -> Option<Rational> {
    let mut by_state: FxHashMap<u32, BigUint> = FxHashMap::default();
    for x in layer {
        *by_state.entry(x.state).or_default() += &x.n;
    }
    let mut by_numer: FxHashMap<BigUint, BigUint> = FxHashMap::default();
    for (id, n) in by_state {
        if n.is_zero() {
            continue;
        }
        let post = &space.state(id).key.posterior[truth];
        if post.is_zero() {
            return None;
        }
        *by_numer.entry(post.numer().magnitude().clone()).or_default() += n * post.denom().magnitude();
    }
    let l = by_numer.keys().fold(BigUint::one(), |l, a| l.lcm(a));
    let total = by_numer.iter().fold(BigUint::zero(), |t, (a, y)| t + y * (&l / a));
    Some(Rational::new(BigInt::from(total), BigInt::from(l * den)))
}

/// What the walk needs of a state beyond its policy, computed once.
struct Info {
    /// Common denominators of its transitions' probabilities and `(1+θ)`-weighted probabilities.
    lcm_p: BigUint,
    lcm_r: BigUint,
    weighted: Vec<Rational>,
    /// Whether the truth gives each transition's action positive probability.
    dem_ok: Vec<bool>,
    /// The transitions scaled by the step denominators they were last scaled for.
    scaled: Option<Scaled>,
    /// Its `θ`, interned in [`Thetas`].
    theta: usize,
}

/// The distinct values of `θ` met so far (few: they come from finitely many top sets).
#[derive(Default)]
struct Thetas {
    values: Vec<Rational>,
    index: HashMap<Rational, usize>,
}

impl Thetas {
    fn intern(&mut self, theta: &Rational) -> usize {
        if let Some(&i) = self.index.get(theta) {
            return i;
        }
        self.values.push(theta.clone());
        self.index.insert(theta.clone(), self.values.len() - 1);
        self.values.len() - 1
    }

    fn len(&self) -> usize {
        self.values.len()
    }
}

/// `Σ_b n_b · f(θ_b)` as an integer over `q`, the lcm of the denominators of the `f(θ_b)`.
fn weighted_sum<'a>(
    thetas: &Thetas,
    masses: impl Iterator<Item = &'a BigUint>,
    f: impl Fn(&Rational) -> Rational,
) -> (BigUint, BigUint) {
    let values: Vec<Rational> = thetas.values.iter().map(&f).collect();
    let q = common_denominator(&values);
    let mut y = BigUint::zero();
    for (n, v) in masses.zip(&values) {
        if !n.is_zero() && !v.is_zero() {
            y += n * scale(v, &q);
        }
    }
    (y, q)
}

/// A cumulative sum over depths of `Σ_b n_b·f(θ_b) / den_d`, kept as one
/// integer over a running denominator and reduced only when read. The layer
/// denominators divide one another (`den_{d+1} = den_d · step_d`), so no
/// addition ever needs a gcd.
#[derive(Default)]
struct RunningSum {
    numer: BigUint,
    /// The layer denominator the numerator is over (times `q`).
    den: BigUint,
    /// The lcm of the `f(θ)` denominators met so far.
    q: BigUint,
}

impl RunningSum {
    fn add(
        &mut self,
        thetas: &Thetas,
        by_theta: &[(BigUint, BigUint)],
        den: &BigUint,
        f: impl Fn(&Rational) -> Rational,
    ) {
        if self.den.is_zero() {
            self.den = BigUint::one();
            self.q = BigUint::one();
        }
        let (y, q) = weighted_sum(thetas, by_theta.iter().map(|b| &b.0), f);
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

struct Scaled {
    step_p: BigUint,
    step_r: BigUint,
    values: Vec<(BigUint, BigUint)>,
}

#[derive(Default)]
struct Infos(Vec<Option<Info>>);

impl Infos {
    fn get(&mut self, space: &StateSpace, id: u32, truth: usize, thetas: &mut Thetas) -> &Info {
        let i = id as usize;
        if self.0.len() <= i {
            self.0.resize_with(space.len().max(i + 1), || None);
        }
        self.0[i].get_or_insert_with(|| {
            let st = space.state(id);
            let opt = Rational::one() + &st.theta;
            let weighted: Vec<Rational> = st.transitions.iter().map(|t| &opt * &t.prob).collect();
            let mu = space.scenario().models[truth].kind.distribution(st.key.contexts[truth] as usize);
            Info {
                lcm_p: common_denominator(st.transitions.iter().map(|t| &t.prob)),
                lcm_r: common_denominator(&weighted),
                dem_ok: st.transitions.iter().map(|t| !mu[t.action].is_zero()).collect(),
                weighted,
                scaled: None,
                theta: thetas.intern(&st.theta),
            }
        })
    }

    fn rescale(&mut self, space: &StateSpace, id: u32, step_p: &BigUint, step_r: &BigUint) {
        let info = self.0[id as usize].as_mut().expect("state info computed before rescaling");
        if info.scaled.as_ref().is_some_and(|s| &s.step_p == step_p && &s.step_r == step_r) {
            return;
        }
        let st = space.state(id);
        let values = st
            .transitions
            .iter()
            .zip(&info.weighted)
            .map(|(t, w)| (scale(&t.prob, step_p), scale(w, step_r)))
            .collect();
        info.scaled = Some(Scaled { step_p: step_p.clone(), step_r: step_r.clone(), values });
    }

    fn theta_id(&self, id: u32) -> usize {
        self.0[id as usize].as_ref().expect("state info").theta
    }

    fn scaled(&self, id: u32) -> (&[(BigUint, BigUint)], &[bool]) {
        let info = self.0[id as usize].as_ref().expect("state info");
        (&info.scaled.as_ref().expect("scaled transitions").values, &info.dem_ok)
    }
}

/// How many pieces a layer is cut into for the parallel step. Fixed, so that
/// the order of the next layer (and so every internal id) is the same for any
/// thread count.
const CHUNKS: usize = 16;

/// One step of the walk: every entry of `layer` through every transition of
/// its state; `moments[i]` are entry `i`'s moments after the step.
fn propagate(
    layer: &[Entry],
    moments: &[[BigUint; 3]],
    space: &StateSpace,
    infos: &Infos,
    advance: &FxHashMap<(u32, usize), u32>,
) -> Vec<Entry> {
    let chunk = layer.len().div_ceil(CHUNKS).max(1);
    let parts: Vec<(FxHashMap<u128, usize>, Vec<Entry>)> = layer
        .par_chunks(chunk)
        .zip(moments.par_chunks(chunk))
        .map(|(xs, ms)| {
            let mut index: FxHashMap<u128, usize> = FxHashMap::default();
            let mut out: Vec<Entry> = Vec::new();
            for (x, mo) in xs.iter().zip(ms) {
                let st = space.state(x.state);
                let (scaled, dem_ok) = infos.scaled(x.state);
                let e2 = x.e && st.truth_in_top;
                for ((t, (p, r)), ok) in st.transitions.iter().zip(scaled).zip(dem_ok) {
                    let combo = advance[&(x.combo, t.action)];
                    let dem_ok = x.dem_ok && *ok;
                    let k = key(t.child, combo, e2, dem_ok);
                    let n = &x.n * p;
                    let m = &x.m * r;
                    let s = [&mo[0] * p, &mo[1] * p, &mo[2] * p];
                    match index.get(&k) {
                        Some(&i) => {
                            let y: &mut Entry = &mut out[i];
                            y.n += n;
                            y.m += m;
                            for (a, b) in y.s.iter_mut().zip(s) {
                                *a += b;
                            }
                        }
                        None => {
                            index.insert(k, out.len());
                            out.push(Entry { state: t.child, combo, e: e2, dem_ok, n, m, s });
                        }
                    }
                }
            }
            (index, out)
        })
        .collect();
    let mut parts = parts.into_iter();
    let (mut index, mut next) = parts.next().unwrap_or_default();
    for (_, entries) in parts {
        for x in entries {
            let k = key(x.state, x.combo, x.e, x.dem_ok);
            match index.get(&k) {
                Some(&i) => {
                    let y = &mut next[i];
                    y.n += x.n;
                    y.m += x.m;
                    for (a, b) in y.s.iter_mut().zip(x.s) {
                        *a += b;
                    }
                }
                None => {
                    index.insert(k, next.len());
                    next.push(x);
                }
            }
        }
    }
    next
}

/// Runs the lumped engine to `opts.depth`; `tick(done, total)` is called after each depth.
pub fn run(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: Options,
    tick: &(dyn Fn(u64, u64) + Sync),
) -> Result<Figures, EngineError> {
    let depth = opts.depth;
    let mut space = StateSpace::new(scenario, rule);
    let mut trackers = Trackers::new(&scenario.events, depth);
    let truth = scenario.truth;

    let mut infos = Infos::default();
    let zero3 = || [BigUint::zero(), BigUint::zero(), BigUint::zero()];
    let mut layer =
        vec![Entry { state: 0, combo: 0, e: true, dem_ok: true, n: BigUint::one(), m: BigUint::one(), s: zero3() }];
    // Denominators of the current layer: probabilities are n / den_p, weighted ones m / den_r.
    let mut den_p = BigUint::one();
    let mut den_r = BigUint::one();
    let mut mass_conserved = true;
    let (mut event_e, mut cubed, mut queries, mut product) = (vec![], vec![], vec![], vec![]);
    let (mut sum_cubed, mut inverse_post) = (vec![], vec![]);
    // The moments' denominator: the lcm of the denominators of every θ met so far.
    let mut q = BigUint::one();
    let (mut theta_sum, mut cubed_sum) = (RunningSum::default(), RunningSum::default());
    let mut thetas = Thetas::default();
    let (mut nodes, mut nodes_checked, mut violations) = (0u64, 0u64, 0u64);
    let mut states_per_depth = Vec::new();
    let mut peak = 0u64;

    for d in 0..depth {
        nodes += layer.len() as u64;
        states_per_depth.push(layer.len() as u64);
        peak = peak.max(layer_bytes(&layer));
        // Figures of step d+1, from the layer at depth d.
        let states: Vec<u32> = layer.iter().map(|x| x.state).collect();
        space.expand_all(&states, d);
        for x in &layer {
            infos.get(&space, x.state, truth, &mut thetas);
        }
        if d > 0 {
            inverse_post.push(inverse_truth_posterior(&layer, &space, truth, &den_p));
        }
        // Bring the moments over a `Q` that every θ of this layer divides.
        let q_new = common_denominator(&thetas.values).lcm(&q);
        if q_new != q {
            let f = &q_new / &q;
            let f2 = &f * &f;
            let f3 = &f2 * &f;
            layer.par_iter_mut().for_each(|x| {
                x.s[0] *= &f;
                x.s[1] *= &f2;
                x.s[2] *= &f3;
            });
            q = q_new;
        }
        let t_of: Vec<BigUint> = thetas.values.iter().map(|th| scale(th, &q)).collect();
        let moments: Vec<[BigUint; 3]> =
            layer.par_iter().map(|x| moments_after(&x.n, &x.s, &t_of[infos.theta_id(x.state)])).collect();
        let cube_total = moments.iter().fold(BigUint::zero(), |t, m| t + &m[2]);
        sum_cubed.push(Rational::new(BigInt::from(cube_total), BigInt::from(&den_p * num_traits::pow(q.clone(), 3))));
        let mut total = BigUint::zero();
        let mut e_mass = BigUint::zero();
        let mut by_theta: Vec<(BigUint, BigUint)> = vec![Default::default(); thetas.len()];
        for x in &layer {
            let st = space.state(x.state);
            total += &x.n;
            if st.truth_in_top {
                nodes_checked += 1;
                violations += st.violates as u64;
                if x.e {
                    e_mass += &x.n;
                }
            }
            let b = &mut by_theta[infos.theta_id(x.state)];
            b.0 += &x.n;
            b.1 += &x.m;
        }
        mass_conserved &= total == den_p;
        theta_sum.add(&thetas, &by_theta, &den_p, |th| th.clone());
        cubed_sum.add(&thetas, &by_theta, &den_p, |th| th * th * th);
        queries.push(theta_sum.value());
        cubed.push(cubed_sum.value());
        let (y, q) = weighted_sum(&thetas, by_theta.iter().map(|b| &b.1), |th| Rational::one() + th);
        product.push(Rational::new(BigInt::from(y), BigInt::from(q * &den_r)));
        event_e.push(Rational::new(BigInt::from(e_mass), BigInt::from(den_p.clone())));

        // The next layer, over a common denominator for this step's probabilities.
        let mut distinct: Vec<u32> = layer.iter().map(|x| x.state).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut step_p = BigUint::one();
        let mut step_r = BigUint::one();
        for &id in &distinct {
            let info = infos.get(&space, id, truth, &mut thetas);
            step_p = step_p.lcm(&info.lcm_p);
            step_r = step_r.lcm(&info.lcm_r);
        }
        for &id in &distinct {
            infos.rescale(&space, id, &step_p, &step_r);
        }
        let mut advance: FxHashMap<(u32, usize), u32> = FxHashMap::default();
        for x in &layer {
            for t in &space.state(x.state).transitions {
                advance.entry((x.combo, t.action)).or_insert_with(|| trackers.advance(x.combo, d + 1, t.action));
            }
        }
        let next = propagate(&layer, &moments, &space, &infos, &advance);
        if next.len() > opts.max_states {
            return Err(EngineError::TooLarge(format!(
                "the lumped engine stopped after depth {d}: depth {} would hold {} merged states, more than \
                 --max-states {}; raise --max-states or lower --depth",
                d + 1,
                next.len(),
                opts.max_states
            )));
        }
        let bytes = layer_bytes(&next);
        if bytes > opts.max_memory {
            return Err(EngineError::TooLarge(format!(
                "the lumped engine stopped after depth {d}: depth {} would take about {} MiB, more than the limit of \
                 {} MiB; lower --depth",
                d + 1,
                bytes >> 20,
                opts.max_memory >> 20
            )));
        }
        layer = next;
        den_p *= step_p;
        den_r *= step_r;
        tick(d as u64 + 1, depth as u64);
    }
    nodes += layer.len() as u64;
    if depth > 0 {
        inverse_post.push(inverse_truth_posterior(&layer, &space, truth, &den_p));
    }
    let total = layer.iter().fold(BigUint::zero(), |t, x| t + &x.n);
    mass_conserved &= total == den_p;
    let to_p = |n: BigUint| Rational::new(BigInt::from(n), BigInt::from(den_p.clone()));
    let unprecedented = to_p(layer.iter().filter(|x| !x.dem_ok).fold(BigUint::zero(), |t, x| t + &x.n));
    let dem = demonstrator_events(scenario, depth);
    let events = scenario
        .events
        .iter()
        .enumerate()
        .map(|(i, ev)| {
            let inside = layer.iter().filter(|x| trackers.accepts(x.combo, i));
            let p_im = inside.clone().fold(BigUint::zero(), |t, x| t + &x.n);
            let p_im_e = inside.filter(|x| x.e).fold(BigUint::zero(), |t, x| t + &x.n);
            EventFigures { name: ev.name.clone(), p_dem: dem[i].clone(), p_im: to_p(p_im), p_im_and_e: to_p(p_im_e) }
        })
        .collect();
    Ok(Figures {
        engine: EngineKind::Lumped,
        depth,
        event_e,
        query_cubed_sum: cubed,
        expected_queries: queries,
        expected_product: product,
        query_sum_cubed: sum_cubed,
        inverse_truth_posterior: inverse_post,
        nodes_checked,
        violations,
        events,
        unprecedented,
        worst_case: None,
        mass_conserved,
        stats: Stats { nodes, states_per_depth, peak_memory_bytes: Some(peak), word_arithmetic: false },
    })
}

/// `P_dem(B)` for each event, by the demonstrator's own lumped walk over
/// `(μ's context, the environment's context, the event trackers)`.
fn demonstrator_events(s: &Scenario, depth: usize) -> Vec<Rational> {
    if s.events.is_empty() {
        return Vec::new();
    }
    let mu = &s.models[s.truth].kind;
    let env = &s.environment;
    let mut trackers = Trackers::new(&s.events, depth);
    let mut layer: HashMap<(usize, usize, u32), Rational> = HashMap::new();
    layer.insert((mu.initial_context(), env.initial_context(), 0), Rational::one());
    for d in 0..depth {
        let mut next: HashMap<(usize, usize, u32), Rational> = HashMap::new();
        // Exact sums: the order of the entries does not matter.
        for (&(mc, ec, combo), p) in &layer {
            for (a, pa) in mu.distribution(mc).iter().enumerate() {
                if pa.is_zero() {
                    continue;
                }
                for (o, po) in env.distribution(ec, a).iter().enumerate() {
                    if po.is_zero() {
                        continue;
                    }
                    let c2 = trackers.advance(combo, d + 1, a);
                    let k2 = (mu.next_context(mc, a, o), env.next_context(ec, a, o), c2);
                    *next.entry(k2).or_insert_with(Rational::zero) += p * pa * po;
                }
            }
        }
        layer = next;
    }
    (0..s.events.len())
        .map(|i| layer.iter().filter(|(k, _)| trackers.accepts(k.2, i)).fold(Rational::zero(), |t, (_, p)| t + p))
        .collect()
}
