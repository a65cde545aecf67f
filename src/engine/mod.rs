//! Engines: walk the histories and accumulate exact figures; nothing else.
//!
//! Both engines return the same [`Figures`]: what `docs/checks.md` defines, by depth,
//! with no bound and no verdict (those live in [`crate::checks`]). The
//! exhaustive engine visits every full history; the lumped engine merges
//! histories whose futures are identical and reaches far greater depths, at
//! the price of `worst_case`, which needs single histories.

pub mod bayes;
pub mod chain;
pub(crate) mod demonstrator;
pub mod exhaustive;
pub mod fixed;
pub mod histories;
pub(crate) mod limbs;
pub mod lumped;
pub(crate) mod scaled;
pub mod settled;
pub mod space;
pub mod trust;

use crate::limits::Stop;
use crate::limits::{Limit, LimitError, Limits};
use crate::names::Named;
use crate::number::Rational;
use crate::progress::Watch;

/// Which engine computed the figures (`exhaustive` or `lumped`, [`Named`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// Every full history, one by one (gives `worst_case`).
    Exhaustive,
    /// Histories with identical futures merged (deep runs).
    Lumped,
}

impl Named for EngineKind {
    const ALL: &'static [Self] = &[EngineKind::Exhaustive, EngineKind::Lumped];
    const WHAT: &'static str = "engine";
    fn name(self) -> &'static str {
        match self {
            EngineKind::Exhaustive => "exhaustive",
            EngineKind::Lumped => "lumped",
        }
    }
}

crate::names::display_by_name!(EngineKind);

/// An event's three probabilities (`docs/checks.md`, `events`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventFigures {
    /// The event's name.
    pub name: String,
    /// `P_dem(B)`.
    pub p_dem: Rational,
    /// `P_im(B)`.
    pub p_im: Rational,
    /// `P_im(B ∧ E_T)`.
    pub p_im_and_e: Rational,
}

/// The worst case over events (`docs/checks.md`, `worst_case`).
#[derive(Debug, Clone, PartialEq)]
pub struct WorstCase {
    /// The largest `P_im(h ∧ E_T) / P_dem(h)` over world histories with `P_dem(h) > 0`.
    pub max_ratio: Rational,
    /// Cumulative `(P_dem, P_im ∧ E)` along the histories sorted by ratio, at most 100 points.
    pub curve: Vec<(Rational, Rational)>,
    /// How many world histories have `P_dem > 0` (the full length of the curve).
    pub histories: usize,
}

/// What the engine saw of the walk itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Exhaustive: full histories of positive probability, depths `0..=T`.
    /// Lumped: merged states summed over depths.
    pub nodes: u64,
    /// Lumped: merged states at each depth `0..T`; exhaustive: distinct policy states.
    pub states_per_depth: Vec<u64>,
    /// The largest memory estimate of the run, in bytes: lumped, of one step
    /// (its layers and the state space); exhaustive, of the walk and the state space.
    pub peak_memory_bytes: Option<u64>,
    /// Whether the integers of the walk were machine words (`u128`) or big integers.
    pub word_arithmetic: bool,
}

/// Everything an engine measures at horizon `depth` (`docs/checks.md`), before any check.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Which engine computed them.
    pub engine: EngineKind,
    /// The horizon `T` reached (the one asked for, unless [`Figures::partial`]).
    pub depth: usize,
    /// `P_im(E_t)`, `t = 1..=T`.
    pub event_e: Vec<Rational>,
    /// `E_im[Σ_{k≤t} θ_k³]`.
    pub query_cubed_sum: Vec<Rational>,
    /// `E_im[Σ_{k≤t} θ_k]`.
    pub expected_queries: Vec<Rational>,
    /// `E_im[Π_{k≤t} (1+θ_k)]`.
    pub expected_product: Vec<Rational>,
    /// `E_im[(Σ_{k≤t} θ_k)³]`: the cube of the query sum, whose ratio to `t²`
    /// bounds it by `E[Σθ³]` pointwise (`(Σθ)³ ≤ t²·Σθ³`).
    pub query_sum_cubed: Vec<Rational>,
    /// `E_im[1 / post_{t+1}(μ)]`, the truth's reciprocal posterior after `t`
    /// steps; `None` is `+∞` (the truth's posterior is 0 on a history of
    /// positive probability, which only a wrong imitator can reach).
    pub inverse_truth_posterior: Vec<Option<Rational>>,
    /// Nodes (or merged states) with the truth collected where the per-step bound was checked.
    pub nodes_checked: u64,
    /// Those at which some action breaks it.
    pub violations: u64,
    /// Each declared event's probabilities at depth `T`.
    pub events: Vec<EventFigures>,
    /// `P_im` of the world histories with `P_dem = 0`.
    pub unprecedented: Rational,
    /// `None` when the engine cannot compute it (lumped).
    pub worst_case: Option<WorstCase>,
    /// Whether the probabilities of all nodes summed to exactly 1 at every depth.
    pub mass_conserved: bool,
    /// What the engine saw of the walk (not a verified figure).
    pub stats: Stats,
    /// Set when the run ended before the depth it was asked for: `depth` is
    /// then the depth reached, and every figure is that of a run to it.
    pub partial: Option<Partial>,
}

/// Where and why a run ended early.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// The depth the run was asked for.
    pub requested_depth: usize,
    /// The last depth whose layer was complete: the figures are those of a run to it.
    pub depth_reached: usize,
    /// Which limit stopped it.
    pub stopped_because: Stop,
    /// For people: what stopped the run, with the figures (it names the
    /// limit, not how a front end sets it: [`Stop::limit`] says which).
    pub message: String,
}

/// Why an engine stopped without (all of) its figures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The run cannot start, or cannot go on, within a limit: nothing to report.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// A limit stopped the run part way: the figures up to the depth reached
    /// ([`Figures::partial`] says which and why).
    #[error("{}", .0.partial.as_ref().map(|p| p.message.as_str()).unwrap_or("the run stopped early"))]
    Stopped(Box<Figures>),
    /// The rule gave what the engine cannot take (a negative θ).
    #[error("the lumped engine needs θ ≥ 0, and rule `{rule}` gives θ = {theta} at depth {depth}")]
    NegativeTheta {
        /// [`crate::imitator::Rule::name`].
        rule: String,
        /// The θ it gave, exact.
        theta: String,
        /// Where.
        depth: usize,
    },
    /// The caller's [`Watch`](crate::progress::Watch) asked the run to end
    /// ([`Watch::cancelled`](crate::progress::Watch::cancelled)): no figures.
    #[error("the run was cancelled")]
    Cancelled,
    /// The lifetime's intervals contradict each other (a lower end above an
    /// upper end of the same or a later depth): an internal error, never a verdict.
    #[error("internal error: the whole-lifetime intervals contradict each other after depth {depth}: {what}")]
    Inconsistent {
        /// The depth whose interval contradicts.
        depth: usize,
        /// Which ends, with their exact values.
        what: String,
    },
}

impl EngineError {
    /// The limit that refused or stopped the run, if a limit did.
    pub fn limit(&self) -> Option<Limit> {
        match self {
            EngineError::Limit(e) => Some(e.limit),
            EngineError::Stopped(f) => f.partial.as_ref().and_then(|p| p.stopped_because.limit()),
            EngineError::NegativeTheta { .. } | EngineError::Inconsistent { .. } | EngineError::Cancelled => None,
        }
    }
}

/// Picks `count` indices of `0..n` evenly, the first and the last included.
pub fn spread(n: usize, count: usize) -> Vec<usize> {
    if n <= count {
        return (0..n).collect();
    }
    (0..count).map(|k| k * (n - 1) / (count - 1)).collect()
}

/// The depth and limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// The horizon `T`.
    pub depth: usize,
    /// The limits the run keeps (the lumped engine's states, memory and time).
    pub limits: Limits,
}

impl RunOptions {
    /// A run to `depth` within the default [`Limits`].
    pub fn new(depth: usize) -> Self {
        RunOptions { depth, limits: Limits::default() }
    }
}

/// Refuses, before any work, a truth weight `w(μ)` whose denominator is longer
/// than [`crate::limits::MAX_TRUTH_WEIGHT_BITS`]: every bound is exact in it.
pub(crate) fn check_truth_weight(scenario: &crate::scenario::Scenario) -> Result<(), EngineError> {
    let bits = scenario.truth_weight().denom().bits();
    if bits > crate::limits::MAX_TRUTH_WEIGHT_BITS {
        return Err(LimitError::new(
            Limit::TruthWeight,
            format!(
                "the truth's normalized prior w(μ) has a denominator of {bits} bits (about {} digits), more than {} \
                 (limits::MAX_TRUTH_WEIGHT_BITS): every bound is exact in w(μ) and takes time in the square of its \
                 length; give priors with a smaller common denominator",
                (bits as f64 * std::f64::consts::LOG10_2).ceil() as u64,
                crate::limits::MAX_TRUTH_WEIGHT_BITS
            ),
        )
        .into());
    }
    Ok(())
}

/// Runs the chosen engine to `depth` with `rule` and the default limits;
/// `watch` hears of the progress.
///
/// This is the one entry point the commands use, so that a caller never needs
/// to know which engine computes what.
pub fn run(
    kind: EngineKind,
    scenario: &crate::scenario::Scenario,
    rule: &dyn crate::imitator::Rule<Rational>,
    depth: usize,
    watch: &dyn Watch,
) -> Result<Figures, EngineError> {
    run_with(kind, scenario, rule, RunOptions::new(depth), watch)
}

/// [`run`] with explicit limits.
pub fn run_with(
    kind: EngineKind,
    scenario: &crate::scenario::Scenario,
    rule: &dyn crate::imitator::Rule<Rational>,
    opts: RunOptions,
    watch: &dyn Watch,
) -> Result<Figures, EngineError> {
    crate::limits::check_depth(opts.depth, &format!("depth {}", opts.depth))?;
    match kind {
        EngineKind::Exhaustive => exhaustive::run_within(scenario, rule, opts.depth, opts.limits.max_memory, watch),
        EngineKind::Lumped => lumped::run(scenario, rule, opts, watch),
    }
}
