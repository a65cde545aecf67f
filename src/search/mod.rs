//! The constants search (`imitator search`): the scenarios closest to each bound.
//!
//! [`candidate`] holds the scenarios the search draws and perturbs, [`error`]
//! why options cannot run; this module holds the options, the search itself
//! and what it found. What it prints is `report::search`.
//!
//! A family of small scenarios is explored — random candidates first, then a
//! local search that perturbs the best ones — and every candidate is run
//! exactly by the lumped engine with the conservative imitator. For each
//! quantity of [`crate::checks::BoundRatios`] the search keeps the candidate
//! with the largest ratio measured / bound; every ratio is an exact rational.
//!
//! **Quantities.** (a) `(1 − P(E_T)) / (α/w(μ))`, at most `1/(1+α)` by
//! `proofs/event-e.md`; (b) `E[Σθ³]_T / (|A|·α⁻³·(24/w(μ)+12))` — call it `s`:
//! the constants `24s` and `12s` in place of 24 and 12 would give a bound met
//! with equality by the worst candidate at depth `T`; (c) `max_{t≤T} E[Π(1+θ)]_t / t²`
//! (at `t = 1` it is `1 + θ₁ ≤ 2`, so (c) is at least 2 as soon as some
//! candidate has `θ₁ = 1`); (d) `E[Π(1+θ)]_T / T²`, the same at the horizon.
//!
//! **Families** (one observation, the default environment, no events):
//!
//! - `iid`: `M` models, each an iid distribution over the `K` actions;
//! - `after-action`: `M` models, each Markov in the last action (`start` and
//!   one distribution after each action);
//! - `machine`: `M` models, each a random small machine over the actions (2
//!   or 3 states, a distribution in each, and a few first-match rules that
//!   move on one action from one state): models with a memory, such as one
//!   that copies the truth until some action and then does something else;
//! - `grid`: a fixed class, [`grid_class`] — model `i = 1..M` is iid with
//!   probability `i/(M+1)` on the first action and the rest split evenly over
//!   the others — and a grid over the truth, the priors (integer weights
//!   `1..=n` for each model, normalized) and α (`j/(2n)`, `j = 1..2n−1`),
//!   with the largest `n` whose grid fits in the random half of the budget.
//!   Its local search moves the priors, α and the truth, never the class.
//!
//! Random numbers have small denominators: a distribution is a random
//! composition of a denominator `d ≤ max_den` (entries may be 0), priors a
//! composition into positive parts, α = `n/d` with `0 < n < d ≤ max_den`; the
//! truth is a uniform model of the class. A perturbation moves a few units
//! `1/d` from one entry to another, sometimes after refining `d` by 2 or 3
//! (never beyond `4·max_den`), so a distribution always sums to exactly 1.
//!
//! **Determinism.** Candidate `i` of the random phase draws from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream `i`; perturbation `j` of
//! quantity `q` in local round `r` on its own stream. Batches are evaluated in
//! parallel and collected in order; a candidate replaces the best only when its
//! ratio is strictly larger, so the earliest candidate wins ties. The outcome
//! is the same for a given seed and budget on any number of threads.

pub mod candidate;
pub mod error;

pub use candidate::{grid_class, Candidate, ModelSpec, Split};
pub use error::{SearchError, Setting};

use crate::checks::{bound_ratios, BoundRatio, BoundRatios, Status};
use crate::engine::{EngineKind, RunOptions};
use crate::imitator::{Standard, Variant};
use crate::lifetime::{self, Lifetime, Stop};
use crate::limits::{Limit, Limits, MAX_SEARCH_BUDGET, MAX_SEARCH_DEN, MAX_SEARCH_SIZE};
use crate::names::Named;
use crate::number::Rational;
use crate::scenario::Scenario;
use crate::verify::verify;
use candidate::{perturb, random_candidate, rng_for};
use num_traits::{One, Signed, ToPrimitive};
use rayon::prelude::*;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which scenarios the search explores (`iid`, `after-action`, `grid`, [`Named`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Random classes of iid models.
    Iid,
    /// Random classes of models Markov in the last action.
    AfterAction,
    /// Random classes of small machine models (2 or 3 states, rules on the actions).
    Machine,
    /// A fixed iid class (model `i` puts `i/(M+1)` on the first action) over a grid of truths, priors and α.
    Grid,
}

impl Named for Family {
    const ALL: &'static [Self] = &[Family::Iid, Family::AfterAction, Family::Machine, Family::Grid];
    const WHAT: &'static str = "family";
    fn name(self) -> &'static str {
        match self {
            Family::Iid => "iid",
            Family::AfterAction => "after-action",
            Family::Machine => "machine",
            Family::Grid => "grid",
        }
    }
}

crate::names::display_by_name!(Family);

/// The quantities the search maximizes, each a ratio measured / bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// `(1 − P(E_T)) / (α / w(μ))`.
    EventE,
    /// `E[Σθ³]_T / (|A|·α⁻³·(24/w(μ) + 12))`.
    QueryCubed,
    /// `max_t E[Π_{k≤t}(1+θ_k)] / t²`.
    Product,
    /// `E[Π_{k≤T}(1+θ_k)] / T²`.
    ProductHorizon,
}

impl Quantity {
    /// Every quantity, in the order of the outputs.
    pub const ALL: [Quantity; 4] =
        [Quantity::EventE, Quantity::QueryCubed, Quantity::Product, Quantity::ProductHorizon];

    /// A short key, used in JSON and in file names.
    pub fn key(self) -> &'static str {
        match self {
            Quantity::EventE => "event_e",
            Quantity::QueryCubed => "query_cubed",
            Quantity::Product => "product",
            Quantity::ProductHorizon => "product_horizon",
        }
    }

    /// The ratio as a formula.
    pub fn formula(self) -> &'static str {
        match self {
            Quantity::EventE => "(1 - P(E_T)) / (α/w(μ))",
            Quantity::QueryCubed => "E[Σθ³]_T / (|A|α⁻³(24/w(μ)+12))",
            Quantity::Product => "max_t E[Π(1+θ)]_t / t²",
            Quantity::ProductHorizon => "E[Π(1+θ)]_T / T²",
        }
    }

    /// This quantity's ratio among a run's ratios.
    pub fn of(self, r: &BoundRatios) -> &BoundRatio {
        match self {
            Quantity::EventE => &r.event_e,
            Quantity::QueryCubed => &r.query_cubed,
            Quantity::Product => &r.product,
            Quantity::ProductHorizon => &r.product_horizon,
        }
    }
}

/// What to search.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Which scenarios it explores.
    pub family: Family,
    /// Actions `|A|` of every candidate.
    pub actions: usize,
    /// Models in every candidate's class.
    pub models: usize,
    /// The horizon `T` of every run.
    pub depth: usize,
    /// A fixed α; random (and perturbed) when `None`.
    pub alpha: Option<Rational>,
    /// How many candidates to verify in all (random phase and local search).
    pub budget: u64,
    /// The seed of its random draws: the same seed finds the same candidates.
    pub seed: u64,
    /// The largest denominator of a random rational (local search refines up to 4×).
    pub max_den: u64,
    /// Each candidate's limits: one that would pass them before its last
    /// depth is skipped (by default 200,000 merged states and 1 GiB).
    pub limits: Limits,
    /// Rank by a truncation at `depth`, or by the lifetime figures.
    pub horizon: Horizon,
}

/// How far each candidate runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Horizon {
    /// Every candidate to depth `T = Options::depth`.
    Finite,
    /// Every candidate over its whole lifetime (`crate::lifetime`): until both
    /// intervals are at most `width` wide or `Options::depth` is reached,
    /// ranked by the upper ends of `1 − P(E_∞)` and `E Σθ³`.
    Infinite {
        /// Stop once both intervals are at most this wide.
        width: Rational,
    },
}

/// The default `--width` of a lifetime search: coarser than `verify`'s, as a
/// search runs hundreds of candidates.
pub fn default_search_width() -> Rational {
    Rational::new(1.into(), 1_000_000.into())
}

/// The default depth cap of a lifetime search.
pub const DEFAULT_SEARCH_MAX_DEPTH: usize = 200;

impl Options {
    /// The defaults: a budget of 200, seed 0, denominators up to 12, a finite horizon.
    pub fn new(family: Family, actions: usize, models: usize, depth: usize) -> Self {
        Options {
            family,
            actions,
            models,
            depth,
            alpha: None,
            budget: 200,
            seed: 0,
            max_den: 12,
            limits: Limits { max_states: 200_000, max_memory: CANDIDATE_MEMORY, ..Limits::default() },
            horizon: Horizon::Finite,
        }
    }

    /// Why these options cannot run, if they cannot.
    pub fn validate(&self) -> Result<(), SearchError> {
        for (setting, n) in [(Setting::Actions, self.actions), (Setting::Models, self.models)] {
            if n < 2 {
                return Err(SearchError::TooSmall { setting, least: 2 });
            }
        }
        for (setting, n) in [(Setting::Actions, self.actions), (Setting::Models, self.models)] {
            if n > MAX_SEARCH_SIZE {
                return Err(SearchError::TooLarge {
                    setting,
                    value: n as u64,
                    most: MAX_SEARCH_SIZE as u64,
                    limit: "MAX_SEARCH_SIZE",
                    what: "the most a search candidate has",
                });
            }
        }
        if self.depth < 1 {
            return Err(SearchError::TooSmall { setting: Setting::Depth, least: 1 });
        }
        if crate::limits::check_depth(self.depth, "").is_err() {
            return Err(SearchError::Depth(self.depth));
        }
        if self.budget < 1 {
            return Err(SearchError::TooSmall { setting: Setting::Budget, least: 1 });
        }
        if self.budget > MAX_SEARCH_BUDGET {
            return Err(SearchError::TooLarge {
                setting: Setting::Budget,
                value: self.budget,
                most: MAX_SEARCH_BUDGET,
                limit: "MAX_SEARCH_BUDGET",
                what: "the most candidates a search verifies",
            });
        }
        if self.max_den < 2 {
            return Err(SearchError::TooSmall { setting: Setting::MaxDen, least: 2 });
        }
        if self.max_den > MAX_SEARCH_DEN {
            return Err(SearchError::TooLarge {
                setting: Setting::MaxDen,
                value: self.max_den,
                most: MAX_SEARCH_DEN,
                limit: "MAX_SEARCH_DEN",
                what: "the largest denominator a search draws",
            });
        }
        if let Some(a) = &self.alpha {
            fixed_alpha(a)?;
        }
        if let Horizon::Infinite { width } = &self.horizon {
            if !width.is_positive() {
                return Err(SearchError::Width(width.clone()));
            }
        }
        Ok(())
    }

    pub(crate) fn den_limit(&self) -> u64 {
        4 * self.max_den
    }
}

pub(crate) fn fixed_alpha(a: &Rational) -> Result<Split, SearchError> {
    let bad = || SearchError::Alpha(a.clone());
    let (n, d) = (a.numer().to_u64().ok_or_else(bad)?, a.denom().to_u64().ok_or_else(bad)?);
    if n == 0 || n >= d || d >= 1 << 63 {
        return Err(bad());
    }
    Ok(Split::new(d, vec![n, d - n]))
}

/// Whether a candidate came from the random phase or the local search, and its place in the order of evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Random (or grid) candidate `i`.
    Random(u64),
    /// Local search: round, quantity perturbed, index in the round's batch.
    Local {
        /// The round of the local search.
        round: u64,
        /// The quantity whose worst was perturbed.
        quantity: Quantity,
        /// The index in the round's batch.
        index: u64,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Random(i) => write!(f, "random #{i}"),
            Origin::Local { round, quantity, index } => write!(f, "local r{round} {} #{index}", quantity.key()),
        }
    }
}

/// The worst candidate found for one quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Worst {
    /// The quantity it is the worst for.
    pub quantity: Quantity,
    /// The candidate.
    pub candidate: Candidate,
    /// All of its ratios (the quantity's is `quantity.of(&ratios)`).
    pub ratios: BoundRatios,
    /// With `--horizon infinite`: the lower ends and the checks' statuses.
    pub lifetime: Option<LifetimeEnds>,
    /// Where the search found it.
    pub origin: Origin,
}

impl Worst {
    /// Its ratio for [`Worst::quantity`].
    pub fn ratio(&self) -> &BoundRatio {
        self.quantity.of(&self.ratios)
    }

    /// The scenario, named after the quantity, with `depth = T`.
    pub fn scenario(&self, opts: &Options) -> Scenario {
        let name = format!(
            "search worst {} ({} family, seed {}, budget {})",
            self.quantity.key(),
            opts.family,
            opts.seed,
            opts.budget
        );
        self.candidate.scenario(&name, opts.depth)
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The options it ran with.
    pub options: Options,
    /// Candidates of the random (or grid) phase.
    pub random: u64,
    /// Candidates of the local search.
    pub local: u64,
    /// Candidates the engine could not run within `max_states` (not counted as worst).
    pub skipped: u64,
    /// `skipped` by the limit that skipped them (`None`: refused otherwise), in
    /// the order first met; the counts sum to `skipped`.
    pub skipped_by: Vec<(Option<Limit>, u64)>,
    /// Local-search candidates that improved some quantity's worst.
    pub improvements: u64,
    /// Candidates that broke a bound the verifier checks ([`Evaluation::broke`]).
    pub broken: u64,
    /// One per quantity in [`Quantity::ALL`] order; `None` when every candidate was skipped.
    pub worst: Vec<Option<Worst>>,
    /// For the grid family: prior weights `1..=n`.
    pub grid_n: Option<u64>,
}

impl Outcome {
    /// Whether some candidate broke a bound the verifier checks on `P(E)` or
    /// `E[Σθ³]` ([`Evaluation::broke`]).
    pub fn broke_a_checked_bound(&self) -> bool {
        self.broken > 0
    }
}

/// One candidate's lifetime run, beside the upper-end ratios it is ranked by.
#[derive(Debug, Clone, PartialEq)]
pub struct LifetimeEnds {
    /// The last depth whose intervals were computed.
    pub depth_reached: usize,
    /// Why the candidate's lifetime run ended.
    pub stopped_because: Stop,
    /// `(1 − hi of P(E_∞)) / (α/w(μ))`: the lower end of ratio (a).
    pub event_e_lo: BoundRatio,
    /// `(lo of E Σθ³) / bound`: the lower end of ratio (b).
    pub query_cubed_lo: BoundRatio,
    /// The statuses of `verify --horizon infinite` (proved floor, both query bounds).
    pub event_e_status: Status,
    /// The status of both query bounds.
    pub query_status: Status,
}

/// What one candidate's run gives the search.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Its ratios measured / bound.
    pub ratios: BoundRatios,
    /// Over its lifetime (a lifetime search): the lower ends and the statuses.
    pub lifetime: Option<LifetimeEnds>,
    /// Whether it breaks a bound the verifier checks on `P(E)` or `E[Σθ³]`, the
    /// paper's or the proved one ([`crate::checks::Verdict::breaks_a_bound`]).
    /// Over a lifetime, a check whose status is `fails` (an interval's lower
    /// end past the bound), never an upper end alone.
    pub broke: bool,
}

/// Perturbations per quantity in one local-search round.
const PER_ROUND: u64 = 8;

/// The memory one candidate's run may take.
const CANDIDATE_MEMORY: u64 = 1 << 30;

/// Runs one candidate exactly: the lumped engine, the conservative imitator,
/// to depth `T` or over its lifetime. `None` when it would pass its
/// [`Options::limits`] before its last depth.
pub fn evaluate(c: &Candidate, opts: &Options) -> Option<Evaluation> {
    evaluate_or_skip(c, opts).ok()
}

/// [`evaluate`], saying why a candidate is skipped: the limit that stopped or
/// refused its run (`None`: it was refused otherwise).
pub fn evaluate_or_skip(c: &Candidate, opts: &Options) -> Result<Evaluation, Option<Limit>> {
    let s = c.scenario("candidate", opts.depth);
    let rule = Standard::new(Variant::Conservative, 0);
    match &opts.horizon {
        Horizon::Finite => {
            let run = RunOptions { depth: opts.depth, limits: opts.limits };
            let v = verify(&s, rule, EngineKind::Lumped, run, &|_, _| {}).map_err(|e| e.limit())?;
            if let Some(p) = &v.figures.partial {
                return Err(p.stopped_because.limit());
            }
            assert!(
                v.verdict.mass_conserved,
                "the engine lost mass on a search candidate: {}",
                s.to_toml().unwrap_or_else(|e| e.to_string())
            );
            Ok(Evaluation { ratios: bound_ratios(&s, &v.figures), lifetime: None, broke: v.verdict.breaks_a_bound() })
        }
        Horizon::Infinite { width } => {
            let lt_opts = lifetime::Options {
                width: width.clone(),
                limits: Limits { max_depth: opts.depth, ..opts.limits },
                arithmetic: lifetime::Arithmetic::Exact,
            };
            let lt = lifetime::run(&s, &rule, &lt_opts, crate::progress::SILENT).map_err(|e| e.limit())?;
            if matches!(lt.stopped_because, Stop::MaxStates | Stop::Memory | Stop::TimeLimit) {
                return Err(lt.stopped_because.limit());
            }
            Ok(lifetime_evaluation(&s, &lt))
        }
    }
}

/// Ratios (a) and (b) from the lifetime intervals, at their upper ends (the
/// lower ends beside them); (c) and (d) over the depths the run went through.
fn lifetime_evaluation(s: &Scenario, lt: &Lifetime) -> Evaluation {
    let mut ratios = bound_ratios(s, &lt.figures);
    let last = lt.last();
    let t = lt.depth_reached;
    let (a_bound, q_bound) = (ratios.event_e.bound.clone(), ratios.query_cubed.bound.clone());
    let one = Rational::one();
    ratios.event_e = BoundRatio::new(&one - &last.event_e.lo, a_bound.clone(), t);
    let event_e_lo = BoundRatio::new(&one - last.event_e.hi.as_ref().unwrap_or(&one), a_bound, t);
    let query_cubed_lo = BoundRatio::new(last.query_cubed_sum.lo.clone(), q_bound.clone(), t);
    // The conservative imitator always has an upper end; were it missing, the
    // lower end is all there is to rank by.
    let q_hi = last.query_cubed_sum.hi.clone().unwrap_or_else(|| last.query_cubed_sum.lo.clone());
    ratios.query_cubed = BoundRatio::new(q_hi, q_bound, t);
    let lifetime = LifetimeEnds {
        depth_reached: t,
        stopped_because: lt.stopped_because,
        event_e_lo,
        query_cubed_lo,
        event_e_status: lt.event_e_status,
        query_status: lt.query_status,
    };
    let broke = lifetime.event_e_status == Status::Fails || lifetime.query_status == Status::Fails;
    Evaluation { ratios, lifetime: Some(lifetime), broke }
}

struct Grid {
    n: u64,
    alphas: Vec<Split>,
    size: u64,
}

impl Grid {
    fn plan(opts: &Options, room: u64) -> Grid {
        let fixed = opts.alpha.as_ref().map(|a| fixed_alpha(a).expect("validated"));
        let size_of = |n: u64| -> u64 {
            let alphas = if fixed.is_some() { 1 } else { 2 * n - 1 };
            (opts.models as u64).saturating_mul(n.saturating_pow(opts.models as u32)).saturating_mul(alphas)
        };
        let mut n = 1;
        while size_of(n + 1) <= room {
            n += 1;
        }
        let alphas = match &fixed {
            Some(a) => vec![a.clone()],
            None => (1..2 * n).map(|j| Split::new(2 * n, vec![j, 2 * n - j])).collect(),
        };
        Grid { n, alphas, size: size_of(n) }
    }

    fn point(&self, opts: &Options, class: &[ModelSpec], i: u64) -> Candidate {
        let m = opts.models as u64;
        let truth = (i % m) as usize;
        let mut rest = i / m;
        let alpha = self.alphas[(rest % self.alphas.len() as u64) as usize].clone();
        rest /= self.alphas.len() as u64;
        let weights: Vec<u64> = (0..m)
            .map(|_| {
                let w = rest % self.n + 1;
                rest /= self.n;
                w
            })
            .collect();
        Candidate { alpha, priors: Split::new(weights.iter().sum(), weights), models: class.to_vec(), truth }
    }
}

/// Keeps, for each quantity, the candidate with the largest ratio (strictly larger replaces).
fn absorb(worst: &mut [Option<Worst>], c: &Candidate, e: &Evaluation, origin: Origin) -> bool {
    let mut improved = false;
    for (slot, q) in worst.iter_mut().zip(Quantity::ALL) {
        let better = match slot {
            None => true,
            Some(w) => q.of(&e.ratios).ratio > w.ratio().ratio,
        };
        if better {
            let (ratios, lifetime) = (e.ratios.clone(), e.lifetime.clone());
            *slot = Some(Worst { quantity: q, candidate: c.clone(), ratios, lifetime, origin });
            improved = true;
        }
    }
    improved
}

/// The random candidates verified at once: enough to keep every core busy.
const RANDOM_BATCH: u64 = 4096;

/// Runs the search on the current rayon pool; `watch` hears of each candidate done.
pub fn search(opts: &Options, watch: &dyn crate::progress::Watch) -> Result<Outcome, SearchError> {
    opts.validate()?;
    let budget = opts.budget;
    let half = (budget / 2).max(1);
    let class = grid_class(opts.actions, opts.models);
    let grid = (opts.family == Family::Grid).then(|| Grid::plan(opts, half));
    let random = grid.as_ref().map_or(half, |g| g.size.min(half));
    let done = AtomicU64::new(0);
    let step = || watch.tick(done.fetch_add(1, Ordering::Relaxed) + 1, budget);

    let mut worst: Vec<Option<Worst>> = vec![None; Quantity::ALL.len()];
    let (mut skipped, mut broken) = (0, 0);
    let mut skipped_by: Vec<(Option<Limit>, u64)> = Vec::new();
    let mut skip = |why: Option<Limit>| match skipped_by.iter_mut().find(|(l, _)| *l == why) {
        Some((_, n)) => *n += 1,
        None => skipped_by.push((why, 1)),
    };
    // In batches, each collected in order and ranked before the next: the
    // memory held does not grow with the budget (limits::MAX_SEARCH_BUDGET).
    let mut start = 0;
    while start < random {
        let end = random.min(start + RANDOM_BATCH);
        let results: Vec<(Candidate, Result<Evaluation, Option<Limit>>)> = (start..end)
            .into_par_iter()
            .map(|i| {
                let c = match &grid {
                    Some(g) => g.point(opts, &class, i),
                    None => random_candidate(opts, &mut rng_for(opts.seed, i)),
                };
                let r = evaluate_or_skip(&c, opts);
                step();
                (c, r)
            })
            .collect();
        for (i, (c, r)) in (start..).zip(&results) {
            match r {
                Ok(r) => {
                    broken += u64::from(r.broke);
                    absorb(&mut worst, c, r, Origin::Random(i));
                }
                Err(why) => {
                    skipped += 1;
                    skip(*why);
                }
            }
        }
        start = end;
    }

    let mut local = 0;
    let mut improvements = 0;
    let mut round = 0u64;
    while random + local < budget {
        let left = budget - random - local;
        let mut batch: Vec<(Candidate, Origin)> = Vec::new();
        'fill: for (qi, q) in Quantity::ALL.into_iter().enumerate() {
            for j in 0..PER_ROUND {
                if batch.len() as u64 == left {
                    break 'fill;
                }
                let mut rng = rng_for(opts.seed, (1 << 62) | (round << 16) | ((qi as u64) << 8) | j);
                let c = match &worst[qi] {
                    Some(w) => perturb(&w.candidate, opts, &mut rng),
                    None => random_candidate(opts, &mut rng),
                };
                batch.push((c, Origin::Local { round, quantity: q, index: j }));
            }
        }
        let results: Vec<Result<Evaluation, Option<Limit>>> = batch
            .par_iter()
            .map(|(c, _)| {
                let r = evaluate_or_skip(c, opts);
                step();
                r
            })
            .collect();
        for ((c, origin), r) in batch.iter().zip(&results) {
            match r {
                Ok(r) => {
                    broken += u64::from(r.broke);
                    if absorb(&mut worst, c, r, *origin) {
                        improvements += 1;
                    }
                }
                Err(why) => {
                    skipped += 1;
                    skip(*why);
                }
            }
        }
        local += batch.len() as u64;
        round += 1;
    }
    let grid_n = grid.map(|g| g.n);
    Ok(Outcome { options: opts.clone(), random, local, skipped, skipped_by, improvements, broken, worst, grid_n })
}
