//! The whole lifetime (`docs/lifetime.md`): certified exact intervals for `P(E_∞)` and
//! `E Σ_{t≥1} θ_t³`, depth by depth on the lumped engine.
//!
//! After each depth `t` the engine shows its layer to an observer here, which
//! classifies every merged state as settled or not
//! ([`crate::engine::settled`]), and adds up, exactly:
//!
//! - `hi(E) = P(E_{t+1})` and `lo(E) = Σ P(s)·g(s)` over the states where
//!   `E_{t+1}` holds, `g = 1` if settled, else [`bounds::lifetime_keep_floor`];
//! - `lo(Q) = E Σ_{k≤t} θ_k³` and `hi(Q) = lo(Q) + Σ_{s unsettled} P(s)·U(s)`
//!   ([`bounds::query_tail_upper`]), kept as a running minimum;
//! - the unsettled mass.
//!
//! The run stops when both widths are at most the requested width, when a
//! check fails, or at a limit; `proofs/infinite-horizon.md` proves that the
//! intervals contain the lifetime figures and nest.
//!
//! Those proofs are about the paper's imitator, and the rule run may be any
//! [`Rule`]. So the driver asks the rule itself, state by state, for what
//! each bound assumes ([`crate::engine::trust`]): in the settled search, that
//! an unqueried step leaves the posterior as it is; where the lower end of
//! `P(E_∞)` restarts the supermartingale, that a queried action updates by
//! Bayes' rule and that the top set is the α rule's; before `U(s)` is used,
//! that the policy is the minimum over that top set. A state that fails gets
//! no bound (its share of the intervals is `[0, 1]` and `[0, ∞)`), the first
//! failure is reported ([`Lifetime::refusal`]), and no check can hold after
//! it. The driver also asserts that every interval is nonempty and every
//! lower end at most every later upper end ([`nested`]): a contradiction is an
//! internal error ([`EngineError::Inconsistent`]), never a verdict.

use crate::bounds;
use crate::checks::{self, Status};
use crate::engine::limbs::{self, Sum};
use crate::engine::lumped::{self, Control, LayerView, Observer};
use crate::engine::settled::{Settled, SettledCache};
use crate::engine::space::StateSpace;
use crate::engine::trust::{self, Assumption, Breach};
use crate::engine::{EngineError, Figures, RunOptions};
use crate::imitator::Rule;
pub use crate::limits::Stop;
use crate::limits::{Limit, LimitError, Limits};
use crate::number::Rational;
use crate::progress::Watch as Progress;
use crate::scenario::Scenario;
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

pub mod rounded;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// The default `--max-depth` of an infinite-horizon run.
pub const DEFAULT_MAX_DEPTH: usize = crate::limits::MAX_DEPTH;

/// How the lifetime carries its masses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arithmetic {
    /// Every mass exact, on the lumped engine: the figures of every depth are
    /// exact sums (the intervals' ends may have long denominators).
    Exact,
    /// Every mass as two fixed-point numbers of [`rounded::PRECISION_BITS`]
    /// fraction bits, the lower one rounded down and the upper one rounded
    /// up at every operation; states too light to matter are retired within a
    /// share of the width ([`rounded`]). The ends are dyadic rationals.
    Rounded,
}

impl crate::names::Named for Arithmetic {
    const ALL: &'static [Self] = &[Arithmetic::Rounded, Arithmetic::Exact];
    const WHAT: &'static str = "arithmetic";
    fn name(self) -> &'static str {
        match self {
            Arithmetic::Exact => "exact",
            Arithmetic::Rounded => "rounded",
        }
    }
    fn about(self) -> &'static str {
        match self {
            Arithmetic::Exact => "every mass exact (the lumped engine's figures, digit for digit)",
            Arithmetic::Rounded => "masses in outward-rounded 124-bit fixed point, light states retired (fast)",
        }
    }
}

crate::names::display_by_name!(Arithmetic);

/// Settings of one infinite-horizon run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop once both intervals are at most this wide (`> 0`).
    pub width: Rational,
    /// The lumped engine's limits, and the deepest the run goes ([`Limits::max_depth`]).
    pub limits: Limits,
    /// Exact or outward-rounded masses.
    pub arithmetic: Arithmetic,
}

impl Options {
    /// The defaults: width 10⁻⁹, the default [`Limits`] (depth 100000) and exact masses.
    pub fn new() -> Self {
        Options {
            width: Rational::new(BigInt::one(), BigInt::from(1_000_000_000u64)),
            limits: Limits::default(),
            arithmetic: Arithmetic::Exact,
        }
    }
}

/// A bound on an unsettled (or retired) state's future that the run used,
/// by its name in the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TailBound {
    /// A settled state's future is known: no query, `E` kept or lost for ever.
    Settled,
    /// `P(E_∞)` from an unsettled state: `max(0, 1 − α/((1+α)·post_s(μ)))`.
    SupermartingaleFloor,
    /// `E Σθ³` from an unsettled state: `U(s)`.
    PosteriorRatioTail,
    /// A light state's future replaced by the two bounds above, within the retirement budget.
    Retirement,
    /// A state's steps on itself summed in closed form (rounded runs): a layer is then a change of state.
    Sojourn,
}

impl TailBound {
    /// Its name in the outputs.
    pub fn name(self) -> &'static str {
        match self {
            TailBound::Settled => "settled",
            TailBound::SupermartingaleFloor => "supermartingale-floor",
            TailBound::PosteriorRatioTail => "posterior-ratio-tail",
            TailBound::Retirement => "retirement",
            TailBound::Sojourn => "sojourn",
        }
    }
}

/// What retiring light states cost, at the depth reached (rounded runs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Retired {
    /// How many merged states were retired while unsettled.
    pub states: u64,
    /// Their upper mass in total.
    pub mass: Rational,
    /// Their share of the width of `P(E_∞)`.
    pub event_e_width: Rational,
    /// Their share of the width of `E Σθ³` (`None`: unbounded).
    pub query_width: Option<Rational>,
    /// The most each share may take: a quarter of the requested width.
    pub budget: Rational,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

/// An exact interval; `hi = None` is `+∞`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// The lower end.
    pub lo: Rational,
    /// The upper end (`None`: `+∞`).
    pub hi: Option<Rational>,
}

impl Interval {
    /// `hi − lo`, or `None` when `hi` is infinite.
    pub fn width(&self) -> Option<Rational> {
        self.hi.as_ref().map(|hi| hi - &self.lo)
    }
}

/// A human sentence for why a lifetime run ended (it names the limit, not how a
/// front end sets it).
pub fn describe(stop: Stop) -> &'static str {
    match stop {
        Stop::Width => "both intervals reached the requested width",
        Stop::Fails => "a check fails, and every later interval would say so too",
        Stop::MaxDepth => "it reached the depth limit",
        Stop::MaxStates => "it reached the state limit",
        Stop::Memory => "it reached the memory limit",
        Stop::TimeLimit => "it reached the time limit",
        Stop::Observer => "its observer stopped it",
    }
}

/// The two intervals after one depth.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The depth `t` after which the intervals hold.
    pub depth: usize,
    /// An interval that contains `P(E_∞)`.
    pub event_e: Interval,
    /// An interval that contains `E Σ_{t≥1} θ_t³`.
    pub query_cubed_sum: Interval,
    /// `Σ P(s)` over the unsettled states after `depth` steps.
    pub unsettled_mass: Rational,
    /// `Σ P(s)` over the states after `depth` steps that got no bound because
    /// the rule breaks an assumption there (0 for the paper's imitator).
    pub refused_mass: Rational,
}

/// The first state where the rule broke an assumption of the lifetime's
/// proofs ([`crate::engine::trust`]): from there on no check can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The steps done before the state (its layer).
    pub depth: usize,
    /// The assumption and where at the state.
    pub breach: Breach,
}

impl Refusal {
    /// The check's name (`bayes-update`, …).
    pub fn check(&self) -> &'static str {
        self.breach.assumption.name()
    }

    /// The assumption broken.
    pub fn assumption(&self) -> Assumption {
        self.breach.assumption
    }
}

/// The result of an infinite-horizon run.
#[derive(Debug, Clone)]
pub struct Lifetime {
    /// The finite-depth figures, depths `1..=depth_reached`.
    pub figures: Figures,
    /// The last depth whose intervals were computed.
    pub depth_reached: usize,
    /// Why the run ended there.
    pub stopped_because: Stop,
    /// The width asked for.
    pub width: Rational,
    /// The intervals after every depth `1..=depth_reached` (the last is the answer).
    pub steps: Vec<Step>,
    /// `1 − α/((1+α)·w(μ))`, the floor `P(E_∞)` is checked against.
    pub event_e_bound: Rational,
    /// The paper's bound and the proved squared bound on `E Σθ³`.
    pub query_bound: Rational,
    /// The proved bound on `E Σθ³`, squared to stay exact.
    pub query_bound_squared: Rational,
    /// Whether `P(E_∞)` respects the proved floor: holds, fails or undecided.
    pub event_e_status: Status,
    /// Whether `E Σθ³` respects both bounds: holds, fails or undecided.
    pub query_status: Status,
    /// The first state where the rule broke an assumption of the proofs, if
    /// any: `None` for the paper's imitator.
    pub refusal: Option<Refusal>,
    /// How the masses were carried.
    pub arithmetic: Arithmetic,
    /// The fixed-point fraction bits of a rounded run (`None` when exact).
    pub precision_bits: Option<u32>,
    /// The bounds on states' futures the intervals rest on, in order.
    pub tail_bounds: Vec<TailBound>,
    /// Retired states and their share of the widths (rounded runs; `None` when exact).
    pub retired: Option<Retired>,
    /// Whether some state's steps on itself were summed in closed form
    /// ([`TailBound::Sojourn`]): a depth is then a change of state, not a step.
    pub sojourns: bool,
}

impl Lifetime {
    /// The intervals at the depth reached.
    pub fn last(&self) -> &Step {
        self.steps.last().expect("an infinite-horizon run reaches depth 1")
    }

    /// The exit status of `docs/lifetime.md`: 0 both hold, 1 one fails, 3 otherwise.
    pub fn exit_status(&self) -> u8 {
        let s = [self.event_e_status, self.query_status];
        if s.contains(&Status::Fails) {
            1
        } else if s.contains(&Status::Undecided) {
            3
        } else {
            0
        }
    }
}

/// What is known of one state, computed once.
#[derive(Clone)]
struct StateInfo {
    settled: bool,
    /// A broken assumption that denies the state any bound: in its settled
    /// search, or (where a bound from it is used) at the state itself.
    breach: Option<Breach>,
    /// Whether its top set is the α rule's (`Some(Ok)`), checked where E held
    /// before the state: the floor at its parent assumed it. `None`: not yet asked.
    top: Option<Result<(), Breach>>,
    /// Whether its floor `bounds::lifetime_keep_floor` is positive.
    keeps: bool,
    /// `U(s)·2^64` as limbs when unsettled (conservative only); `None`: infinite or not needed.
    tail: Option<Vec<u64>>,
    /// The floor rounded down in fixed point (`crate::engine::fixed`), for rounded runs.
    floor_lo: u128,
    /// `θ³` rounded down and up in fixed point; `None` when θ is negative or `θ³ ≥ 16`.
    cube: Option<(u128, u128)>,
    /// The cap of §G ([`bounds::reach_cap_scaled`], rounded runs with a finite
    /// `U(s)` only): `post(μ)/w(μ)` rounded up in fixed point, which no
    /// probability of reaching the state exceeds, and the state's share of
    /// the queries to come bounded with it, `⌈(post(μ)/w(μ))·U(s)⌉` in the
    /// tail's units (`2^-(FRAC_BITS + 64)`). `None` where the cap does not fit.
    cap: Option<(u128, Vec<u64>)>,
}

impl Know<'_> {
    /// What is known of state `id` whose settled search found `class`; with
    /// `U(s)` when it was computed here (not found in `tails`). The rule is asked
    /// whether it is the paper's at the state unless it is the built-in paper's
    /// imitator (`ask` false).
    fn state_info(&self, space: &StateSpace, id: u32, class: Settled) -> (StateInfo, Option<Option<Vec<u64>>>) {
        let (scenario, conservative, rounded, tails) = (self.scenario, self.conservative, self.rounded, &self.tails);
        let rule = self.ask.then_some(self.rule);
        let st = space.state(id);
        let posterior = space.posterior(st.key.posterior);
        let contexts = space.contexts(st.key.contexts);
        let settled = class == Settled::Yes;
        let mu = &posterior[scenario.truth];
        let (keeps, floor_lo) =
            bounds::lifetime_keep_floor_scaled(&scenario.alpha, mu, crate::engine::fixed::FRAC_BITS);
        // A bound from an unsettled state rests on the rule's behaving as
        // the paper's there: ask it, once per state.
        let breach = match (class, rule) {
            (Settled::Breaks(b), _) => Some(b),
            (Settled::No, Some(rule)) if (st.truth_in_top && keeps) || conservative => {
                let s = scenario;
                let dists: Vec<&[Rational]> =
                    s.models.iter().zip(contexts).map(|(m, &c)| m.kind.distribution(c as usize)).collect();
                let truth = dists[s.truth];
                trust::unqueried_update(rule, posterior, &st.m, &dists)
                    .and_then(|()| trust::bayes_update(rule, posterior, &st.theta, truth, &dists))
                    .and_then(|()| trust::alpha_top_set(posterior, &s.alpha, &st.top))
                    .and_then(|()| {
                        if conservative {
                            trust::min_over_top(&st.top, &dists, &st.m, &st.theta)
                        } else {
                            Ok(())
                        }
                    })
                    .err()
            }
            _ => None,
        };
        // The query bound from a state is the conservative imitator's
        // (`Rule::is_conservative`); for any other rule the tail is unbounded.
        let (tail, fresh) = if settled || !conservative {
            (None, None)
        } else if let Some(t) = tails.get(&st.key.posterior) {
            (t.clone(), None)
        } else {
            let s = scenario;
            let t =
                bounds::query_tail_upper(s.actions.len(), &s.alpha, posterior, s.truth).map(|u| limbs::from_big(&u));
            (t.clone(), Some(t))
        };
        let cap = match &tail {
            Some(u) if rounded => bounds::reach_cap_scaled(
                mu,
                scenario.truth_weight(),
                &limbs::to_big(u),
                crate::engine::fixed::FRAC_BITS,
            )
            .and_then(|(cap, share)| Some((num_traits::ToPrimitive::to_u128(&cap)?, limbs::from_big(&share)))),
            _ => None,
        };
        let cube = &st.theta * &st.theta * &st.theta;
        let info = StateInfo {
            settled,
            breach,
            top: None,
            keeps,
            tail,
            floor_lo: num_traits::ToPrimitive::to_u128(&floor_lo).unwrap_or(0),
            cap,
            cube: if st.theta.is_negative() {
                None
            } else {
                crate::engine::fixed::floor_of(&cube).zip(crate::engine::fixed::ceil_of(&cube))
            },
        };
        (info, fresh)
    }
}

/// What the lifetime knows of each state, computed once per state: the
/// settled classification, the trust checks, the floor and `U(s)`. Shared by
/// the exact and the rounded runs.
pub(crate) struct Know<'s> {
    scenario: &'s Scenario,
    /// [`Rule::is_conservative`] of the rule run.
    pub(crate) conservative: bool,
    rule: &'s dyn Rule<Rational>,
    settled: SettledCache<'s, u32>,
    /// Per state id.
    infos: Vec<Option<StateInfo>>,
    /// `U` per posterior id (the same posterior recurs at many states and depths).
    tails: FxHashMap<u32, Option<Vec<u64>>>,
    /// Whether the rule is asked, at each unsettled state, whether it is the
    /// paper's ([`Rule`] given from outside); `false` for the built-in
    /// paper's imitator ([`run_paper_imitator`]), which is by construction.
    ask: bool,
    /// For the rounded run: its settled search also checks the top sets (settled
    /// states are retired at once), and the cap of §G is computed.
    rounded: bool,
}

impl<'s> Know<'s> {
    pub(crate) fn new(scenario: &'s Scenario, rule: &'s dyn Rule<Rational>, rounded: bool, ask: bool) -> Self {
        let mut settled = SettledCache::new(scenario, rule);
        settled.check_top_sets(rounded);
        Know {
            scenario,
            conservative: rule.is_conservative(),
            rule,
            settled,
            infos: Vec::new(),
            tails: FxHashMap::default(),
            ask,
            rounded,
        }
    }

    /// What is known of state `id`, which is `depth` steps deep.
    fn info(&mut self, space: &StateSpace, depth: usize, id: u32) -> &StateInfo {
        self.prepare(space, depth, &[id]);
        self.known(id)
    }

    /// Computes what is known of every state of `ids` (all `depth` steps
    /// deep) not known yet: the settled search in turn (it shares a cache),
    /// the rest (trust checks, floors, `U(s)`) in parallel.
    pub(crate) fn prepare(&mut self, space: &StateSpace, depth: usize, ids: &[u32]) {
        if self.infos.len() < space.len() {
            self.infos.resize(space.len(), None);
        }
        let mut todo: Vec<u32> = ids.iter().copied().filter(|&id| self.infos[id as usize].is_none()).collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return;
        }
        let classes: Vec<Settled> = todo
            .iter()
            .map(|&id| {
                let st = space.state(id);
                let posterior = space.posterior(st.key.posterior);
                let contexts = space.contexts(st.key.contexts);
                self.settled.classify(&st.key.posterior, posterior, contexts, depth + 1)
            })
            .collect();
        let this = &*self;
        let computed: Vec<(StateInfo, Option<Option<Vec<u64>>>)> =
            todo.par_iter().zip(classes).map(|(&id, class)| this.state_info(space, id, class)).collect();
        for (&id, (info, tail)) in todo.iter().zip(computed) {
            if let Some(t) = tail {
                self.tails.entry(space.state(id).key.posterior).or_insert(t);
            }
            self.infos[id as usize] = Some(info);
        }
    }

    /// Whether the top set of state `id` (whose info is computed) is the α rule's, asked once.
    fn top_breach(&mut self, space: &StateSpace, id: u32) -> Option<&Breach> {
        if !self.ask {
            return None;
        }
        let info = self.infos[id as usize].as_mut().expect("computed first");
        if info.top.is_none() {
            let st = space.state(id);
            info.top = Some(trust::alpha_top_set(space.posterior(st.key.posterior), &self.scenario.alpha, &st.top));
        }
        info.top.as_ref().and_then(|r| r.as_ref().err())
    }

    /// The info of a state already computed.
    fn known(&self, id: u32) -> &StateInfo {
        self.infos[id as usize].as_ref().expect("computed first")
    }
}

struct Watch<'s> {
    scenario: &'s Scenario,
    opts: &'s Options,
    know: Know<'s>,
    /// The first broken assumption met.
    refusal: Option<Refusal>,
    /// The largest lower ends so far, of `P(E_∞)` and `E Σθ³`.
    max_lo: (Option<Rational>, Option<Rational>),
    /// A contradiction between the intervals: the run ends with it.
    error: Option<EngineError>,
    progress: &'s dyn Progress,
    /// The smallest upper end of `E Σθ³` so far.
    best_hi_q: Option<Rational>,
    steps: Vec<Step>,
    event_e_bound: Rational,
    query_bound: Rational,
    query_bound_squared: Rational,
    stop: Option<Stop>,
    statuses: (Status, Status),
}

impl Observer for Watch<'_> {
    fn layer(&mut self, view: &LayerView) -> Control {
        let t = view.depth();
        if self.progress.cancelled() {
            self.stop = Some(Stop::Observer);
            return Control::Stop;
        }
        if t == 0 {
            return Control::Continue;
        }
        let den = view.denominator().clone();
        let space = view.space();
        // Exact sums of masses (integers over `den`), added limb by limb.
        let (mut e_mass, mut e_settled, mut unsettled, mut tail_sum, mut refused) =
            (Sum::default(), Sum::default(), Sum::default(), Sum::default(), Sum::default());
        let mut first_breach: Option<Breach> = None;
        let conservative = self.know.conservative;
        // Unsettled states with E and a positive floor: their mass per posterior.
        let mut keep_by_posterior: FxHashMap<u32, Sum> = FxHashMap::default();
        let mut tail_infinite = false;
        for e in view.entries() {
            let st = space.state(e.state);
            let mass = e.mass();
            let in_e = e.e && st.truth_in_top;
            let posterior_id = st.key.posterior;
            self.know.info(space, t, e.state);
            // Where E held before this state, the floor of its parent assumed
            // the α rule here: a rule that drops the truth otherwise breaks it.
            if e.e {
                if let Some(b) = self.know.top_breach(space, e.state) {
                    if first_breach.is_none() {
                        first_breach = Some(b.clone());
                    }
                    refused.add(mass);
                }
            }
            let info = self.know.known(e.state);
            if in_e {
                e_mass.add(mass);
            }
            if info.settled {
                if in_e {
                    e_settled.add(mass);
                }
                continue;
            }
            unsettled.add(mass);
            // A state where the rule breaks an assumption that a bound from it
            // needs gets none: `[0, 1]` for E, `[0, ∞)` for the queries. (Its
            // breach counts only where a bound would have been used.)
            if let Some(b) = &info.breach {
                if (in_e && info.keeps) || conservative {
                    refused.add(mass);
                    tail_infinite = true;
                    if first_breach.is_none() {
                        first_breach = Some(b.clone());
                    }
                    continue;
                }
            }
            match &info.tail {
                Some(u) => tail_sum.add_product(mass, u),
                None => tail_infinite = true,
            }
            if in_e && info.keeps {
                keep_by_posterior.entry(posterior_id).or_default().add(mass);
            }
        }
        let p = |n: &Sum| Rational::new(BigInt::from(n.value()), BigInt::from(den.clone()));
        let hi_e = p(&e_mass);
        // The unsettled E-states with a positive floor, each kept with at least its floor.
        let truth = self.scenario.truth;
        let kept = keep_by_posterior.iter().map(|(pid, n)| (&space.posterior(*pid)[truth], n.value()));
        let mut lo_e = p(&e_settled) + bounds::lifetime_keep_mass(&self.scenario.alpha, kept, &den);
        let lo_q = view.query_cubed_sum().clone();
        if let Some(breach) = first_breach {
            if self.refusal.is_none() {
                self.refusal = Some(Refusal { depth: t, breach });
                // The earlier lower ends of P(E_∞) rested on the rule's future,
                // which breaks the proofs' assumptions: they are withdrawn.
                self.max_lo.0 = None;
            }
        }
        if self.refusal.is_some() {
            // From the first breach on, the floors and `U` of every unsettled
            // state rest on a rule known to break their assumptions somewhere:
            // only what assumes nothing is kept. A settled state keeps E for
            // ever (its search asked the rule at every context), and with no
            // unsettled state left the queries are over.
            lo_e = p(&e_settled);
            tail_infinite |= !unsettled.is_zero();
            self.best_hi_q = None;
        }
        // An infinite tail leaves the earlier upper ends standing.
        let hi_q = if tail_infinite {
            self.best_hi_q.clone()
        } else {
            let tail =
                Rational::new(BigInt::from(tail_sum.value()), BigInt::from(&den << bounds::QUERY_TAIL_BITS as usize));
            let hi = &lo_q + tail;
            Some(match &self.best_hi_q {
                Some(best) if *best < hi => best.clone(),
                _ => hi,
            })
        };
        self.best_hi_q = hi_q.clone();
        let event_e = Interval { lo: lo_e, hi: Some(hi_e) };
        let query = Interval { lo: lo_q, hi: hi_q };
        if let Err(e) = nested(t, &event_e, &query, &mut self.max_lo) {
            self.error = Some(e);
            return Control::Stop;
        }
        let bounds = (&self.event_e_bound, &self.query_bound, &self.query_bound_squared);
        let (statuses, done) = judge(&event_e, &query, bounds, self.refusal.is_some(), &self.opts.width);
        self.statuses = statuses;
        let step = Step {
            depth: t,
            event_e,
            query_cubed_sum: query,
            unsettled_mass: p(&unsettled),
            refused_mass: p(&refused),
        };
        self.progress.lifetime(
            t,
            self.opts.limits.max_depth,
            [step.event_e.width().as_ref(), step.query_cubed_sum.width().as_ref()],
            &step.unsettled_mass,
        );
        self.steps.push(step);
        if done.is_some() {
            self.stop = done;
            return Control::Stop;
        }
        Control::Continue
    }
}

/// The two checks' statuses after a depth, and whether the run ends there:
/// the one judgement of both drivers (exact and rounded). After a broken
/// assumption (`refused`) nothing is certified, so `holds` becomes
/// `undecided`; a check may still fail (its upper end of P(E_∞) and lower end
/// of E Σθ³ assume nothing). The run ends when a check fails, or when both
/// intervals are at most `width` wide.
fn judge(
    event_e: &Interval,
    query: &Interval,
    (event_e_bound, query_bound, query_bound_squared): (&Rational, &Rational, &Rational),
    refused: bool,
    width: &Rational,
) -> ((Status, Status), Option<Stop>) {
    let es = checks::lifetime_event_e_status(&event_e.lo, event_e.hi.as_ref().expect("finite"), event_e_bound);
    let qs = checks::lifetime_query_status(&query.lo, query.hi.as_ref(), query_bound, query_bound_squared);
    let cap = |st: Status| if refused && st == Status::Holds { Status::Undecided } else { st };
    let (es, qs) = (cap(es), cap(qs));
    let narrow = |i: &Interval| i.width().is_some_and(|w| &w <= width);
    let done = if es == Status::Fails || qs == Status::Fails {
        Some(Stop::Fails)
    } else if narrow(event_e) && narrow(query) {
        Some(Stop::Width)
    } else {
        None
    };
    ((es, qs), done)
}

/// Runs the lumped engine depth by depth until both lifetime intervals are
/// narrower than `opts.width`, a check fails, or a limit is reached.
///
/// The rule is asked at every unsettled state whose bound is used whether it
/// behaves as the paper's imitator there (`docs/lifetime.md`, "Refusals").
pub fn run(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Lifetime, EngineError> {
    run_asking(scenario, rule, opts, progress, true)
}

/// [`run`] with the paper's conservative imitator built in
/// (`Standard::new(Variant::Conservative, 0)`), which is not asked at each
/// unsettled state whether it is the paper's: its policy is the minimum over
/// the α rule's top set and its update Bayes' rule by construction
/// (`crate::imitator`), so those checks cannot fail, and on a class that runs
/// thousands of queries deep they were most of the work (the Bayes check
/// normalizes every child posterior again). The result is the one [`run`]
/// gives with that rule (tested). The atlas runs this.
pub fn run_paper_imitator(
    scenario: &Scenario,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Lifetime, EngineError> {
    let rule = crate::imitator::Standard::new(crate::imitator::Variant::Conservative, 0);
    run_asking(scenario, &rule, opts, progress, false)
}

fn run_asking(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: &Options,
    progress: &dyn Progress,
    ask: bool,
) -> Result<Lifetime, EngineError> {
    match opts.arithmetic {
        Arithmetic::Exact => run_exact(scenario, rule, opts, progress, ask),
        Arithmetic::Rounded => rounded::run(scenario, rule, opts, progress, ask),
    }
}

/// The exact run: the lumped engine, watched depth by depth.
fn run_exact(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: &Options,
    progress: &dyn Progress,
    ask: bool,
) -> Result<Lifetime, EngineError> {
    let w = scenario.truth_weight();
    let alpha = &scenario.alpha;
    let mut watch = Watch {
        scenario,
        opts,
        know: Know::new(scenario, rule, false, ask),
        refusal: None,
        max_lo: (None, None),
        error: None,
        progress,
        best_hi_q: None,
        steps: Vec::new(),
        event_e_bound: bounds::event_e_proved_bound(alpha, w),
        query_bound: bounds::query_cubed_bound(scenario.actions.len(), alpha, w),
        query_bound_squared: bounds::query_cubed_proved_bound_squared(
            scenario.actions.len(),
            scenario.models.len(),
            alpha,
            w,
        ),
        stop: None,
        statuses: (Status::Undecided, Status::Undecided),
    };
    let engine_opts = RunOptions { depth: opts.limits.max_depth, limits: opts.limits };
    let (mut figures, limit) = match lumped::run_observed(scenario, rule, engine_opts, &mut watch) {
        Ok(f) => (f, None),
        Err(EngineError::Stopped(f)) => {
            let reason = f.partial.as_ref().map(|p| p.stopped_because);
            (*f, reason)
        }
        Err(e) => return Err(e),
    };
    if let Some(e) = watch.error {
        return Err(e);
    }
    if progress.cancelled() {
        return Err(EngineError::Cancelled);
    }
    // Where and why the run ended is `stopped_because`: the finite figures are
    // those of the depth reached, not a run cut short.
    figures.partial = None;
    let stopped_because = match (watch.stop, limit) {
        (Some(s), _) => s,
        (None, Some(s @ (Stop::MaxStates | Stop::Memory | Stop::TimeLimit))) => s,
        (None, _) => Stop::MaxDepth,
    };
    if watch.steps.is_empty() {
        return Err(LimitError::new(
            stopped_because.limit().unwrap_or(Limit::MaxDepth),
            format!("the infinite horizon stopped before its first depth: {}", describe(stopped_because)),
        )
        .into());
    }
    let depth_reached = watch.steps.last().map(|s| s.depth).unwrap_or(0);
    let tail_bounds = used_bounds(&watch.steps, watch.know.conservative, false, false);
    Ok(Lifetime {
        figures,
        depth_reached,
        stopped_because,
        width: opts.width.clone(),
        steps: watch.steps,
        event_e_bound: watch.event_e_bound,
        query_bound: watch.query_bound,
        query_bound_squared: watch.query_bound_squared,
        event_e_status: watch.statuses.0,
        query_status: watch.statuses.1,
        refusal: watch.refusal,
        arithmetic: Arithmetic::Exact,
        precision_bits: None,
        tail_bounds,
        sojourns: false,
        retired: None,
    })
}

/// The bounds the intervals rest on: the settled states always; the floor and
/// `U(s)` while some state is unsettled (the latter for the conservative
/// imitator only); retirement when a state was retired.
fn used_bounds(steps: &[Step], conservative: bool, retired: bool, sojourns: bool) -> Vec<TailBound> {
    let mut out = vec![TailBound::Settled];
    if steps.iter().any(|s| !s.unsettled_mass.is_zero()) {
        out.push(TailBound::SupermartingaleFloor);
        if conservative {
            out.push(TailBound::PosteriorRatioTail);
        }
    }
    if retired {
        out.push(TailBound::Retirement);
    }
    if sojourns {
        out.push(TailBound::Sojourn);
    }
    out
}

/// Asserts what the intervals after depth `depth` must satisfy, whatever the
/// rule: each is nonempty (`lo ≤ hi`), and its upper end is at least every
/// earlier lower end (`max_lo`, updated here: the largest lower ends so far,
/// of `P(E_∞)` then of `E Σθ³`). A contradiction is an internal error: some
/// lower end was not a lower bound, and nothing of the run may be reported.
pub fn nested(
    depth: usize,
    event_e: &Interval,
    query: &Interval,
    max_lo: &mut (Option<Rational>, Option<Rational>),
) -> Result<(), EngineError> {
    let fail = |what: String| Err(EngineError::Inconsistent { depth, what });
    for (name, i, best) in [("P(E_∞)", event_e, &mut max_lo.0), ("E Σθ³", query, &mut max_lo.1)] {
        if let Some(hi) = &i.hi {
            if i.lo > *hi {
                return fail(format!("{name} ∈ [{}, {hi}] is empty", i.lo));
            }
            if let Some(b) = best.as_ref().filter(|b| *b > hi) {
                return fail(format!("the upper end {hi} of {name} is below an earlier lower end {b}"));
            }
        }
        if best.as_ref().is_none_or(|b| i.lo > *b) {
            *best = Some(i.lo.clone());
        }
    }
    Ok(())
}
