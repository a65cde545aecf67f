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

use crate::bounds;
use crate::checks::{self, Status};
use crate::engine::limbs::{self, Sum};
use crate::engine::lumped::{self, Control, LayerView, Observer};
use crate::engine::settled::SettledCache;
use crate::engine::{EngineError, Figures, RunOptions};
use crate::imitator::Rule;
pub use crate::limits::Stop;
use crate::limits::{Limit, LimitError, Limits};
use crate::number::Rational;
use crate::progress::Watch as Progress;
use crate::scenario::Scenario;
use num_bigint::BigInt;
use num_traits::{One, Signed};
use rustc_hash::FxHashMap;

/// The default `--max-depth` of an infinite-horizon run.
pub const DEFAULT_MAX_DEPTH: usize = crate::limits::MAX_DEPTH;

/// Settings of one infinite-horizon run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop once both intervals are at most this wide (`> 0`).
    pub width: Rational,
    /// The lumped engine's limits, and the deepest the run goes ([`Limits::max_depth`]).
    pub limits: Limits,
}

impl Options {
    /// The defaults: width 10⁻⁹ and the default [`Limits`] (depth 100000).
    pub fn new() -> Self {
        Options { width: Rational::new(BigInt::one(), BigInt::from(1_000_000_000u64)), limits: Limits::default() }
    }
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
    /// Whether its floor `bounds::lifetime_keep_floor` is positive.
    keeps: bool,
    /// `U(s)·2^64` as limbs when unsettled (conservative only); `None`: infinite or not needed.
    tail: Option<Vec<u64>>,
}

struct Watch<'s> {
    scenario: &'s Scenario,
    opts: &'s Options,
    /// [`Rule::is_conservative`] of the rule run.
    conservative: bool,
    progress: &'s dyn Progress,
    settled: SettledCache<'s, u32>,
    /// Per state id.
    infos: Vec<Option<StateInfo>>,
    /// `U` per posterior id (the same posterior recurs at many states and depths).
    tails: FxHashMap<u32, Option<Vec<u64>>>,
    /// The smallest upper end of `E Σθ³` so far.
    best_hi_q: Option<Rational>,
    steps: Vec<Step>,
    event_e_bound: Rational,
    query_bound: Rational,
    query_bound_squared: Rational,
    stop: Option<Stop>,
    statuses: (Status, Status),
}

impl<'s> Watch<'s> {
    fn info(&mut self, view: &LayerView, id: u32) -> &StateInfo {
        let i = id as usize;
        if self.infos.len() <= i {
            self.infos.resize(view.space().len().max(i + 1), None);
        }
        if self.infos[i].is_none() {
            let space = view.space();
            let st = space.state(id);
            let posterior = space.posterior(st.key.posterior);
            let contexts = space.contexts(st.key.contexts);
            let settled = self.settled.is_settled(&st.key.posterior, posterior, contexts, view.depth() + 1);
            let mu = &posterior[self.scenario.truth];
            let keeps = bounds::lifetime_keep_floor(&self.scenario.alpha, mu).is_positive();
            // The query bound from a state is the conservative imitator's
            // (`Rule::is_conservative`); for any other rule the tail is unbounded.
            let tail = if settled || !self.conservative {
                None
            } else {
                let s = self.scenario;
                self.tails
                    .entry(st.key.posterior)
                    .or_insert_with(|| {
                        bounds::query_tail_upper(s.actions.len(), &s.alpha, posterior, s.truth)
                            .map(|u| limbs::from_big(&u))
                    })
                    .clone()
            };
            self.infos[i] = Some(StateInfo { settled, keeps, tail });
        }
        self.infos[i].as_ref().expect("just computed")
    }
}

impl Observer for Watch<'_> {
    fn layer(&mut self, view: &LayerView) -> Control {
        let t = view.depth();
        if t == 0 {
            return Control::Continue;
        }
        let den = view.denominator().clone();
        let space = view.space();
        // Exact sums of masses (integers over `den`), added limb by limb.
        let (mut e_mass, mut e_settled, mut unsettled, mut tail_sum) =
            (Sum::default(), Sum::default(), Sum::default(), Sum::default());
        // Unsettled states with E and a positive floor: their mass per posterior.
        let mut keep_by_posterior: FxHashMap<u32, Sum> = FxHashMap::default();
        let mut tail_infinite = false;
        for e in view.entries() {
            let st = space.state(e.state);
            let mass = e.mass();
            let in_e = e.e && st.truth_in_top;
            let posterior_id = st.key.posterior;
            let info = self.info(view, e.state);
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
        let lo_e = p(&e_settled) + bounds::lifetime_keep_mass(&self.scenario.alpha, kept, &den);
        let lo_q = view.query_cubed_sum().clone();
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
        let es =
            checks::lifetime_event_e_status(&event_e.lo, event_e.hi.as_ref().expect("finite"), &self.event_e_bound);
        let qs =
            checks::lifetime_query_status(&query.lo, query.hi.as_ref(), &self.query_bound, &self.query_bound_squared);
        self.statuses = (es, qs);
        let narrow = |i: &Interval| i.width().is_some_and(|w| w <= self.opts.width);
        let done = if es == Status::Fails || qs == Status::Fails {
            Some(Stop::Fails)
        } else if narrow(&event_e) && narrow(&query) {
            Some(Stop::Width)
        } else {
            None
        };
        let step = Step { depth: t, event_e, query_cubed_sum: query, unsettled_mass: p(&unsettled) };
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

/// Runs the lumped engine depth by depth until both lifetime intervals are
/// narrower than `opts.width`, a check fails, or a limit is reached.
pub fn run(
    scenario: &Scenario,
    rule: &dyn Rule<Rational>,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Lifetime, EngineError> {
    let w = scenario.truth_weight();
    let alpha = &scenario.alpha;
    let mut watch = Watch {
        scenario,
        opts,
        conservative: rule.is_conservative(),
        progress,
        settled: SettledCache::new(scenario, rule),
        infos: Vec::new(),
        tails: FxHashMap::default(),
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
    })
}
