//! The paper's bounds and the checks on them (`docs/checks.md`), in one place.
//!
//! An engine measures; this module judges. Every bound the project states is
//! computed here and nowhere else, so the verifier, the report and the
//! constants search compare against the same numbers.

use crate::engine::{EventFigures, Figures};
use crate::number::{Prob, Rational};
use crate::scenario::Scenario;
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};

/// `1 − α / w(μ)`: the paper's lower bound on `P(E)` (may be negative).
pub fn event_e_bound(alpha: &Rational, truth_weight: &Rational) -> Rational {
    Rational::one() - alpha / truth_weight
}

/// The paper's constants in its bound on `E[Σ θ³]`: `24` and `12` of
/// `|A| · α⁻³ · (24 / w(μ) + 12)`.
pub const PAPER_CONSTANTS: (i64, i64) = (24, 12);

/// `|A| · α⁻³ · (24 / w(μ) + 12)`: the paper's bound on `E[Σ θ³]`.
pub fn query_cubed_bound(actions: usize, alpha: &Rational, truth_weight: &Rational) -> Rational {
    query_cubed_bound_with(actions, alpha, truth_weight, PAPER_CONSTANTS.0, PAPER_CONSTANTS.1)
}

/// The constants `(24·s, 12·s)` that would make the paper's bound on `E[Σθ³]`
/// exactly `s` times as large: with `s` the ratio measured / bound of a run,
/// the smallest constants in the paper's form that its figure still respects.
pub fn scaled_constants(s: &Rational) -> (Rational, Rational) {
    let (c1, c2) = PAPER_CONSTANTS;
    (s * Rational::from_integer(c1.into()), s * Rational::from_integer(c2.into()))
}

/// `t²`: the slides' `O(t²)` for `E Π(1+θ)`, compared as a ratio.
pub fn t_squared(t: usize) -> Rational {
    let t = Rational::from_integer((t as u64).into());
    &t * &t
}

/// `2^T`: the trivial bound on `P_im(h ∧ E_T) / P_dem(h)`, since every factor
/// `1 + θ` of the chain of per-step ratios is at most 2.
pub fn worst_case_trivial_bound(depth: usize) -> Rational {
    Rational::from_integer(num_bigint::BigInt::from(2u32).pow(depth as u32))
}

/// The bad-events bound of `proofs/bad-events.md`, for drawing only: for every
/// `K > 1`, `P_im(B ∧ E_T) ≤ K·P_dem(B) + C·T²/(ln K)³`, where `C` is the
/// paper's bound on `E[Σθ³]` (`query_bound`), here at its best `K` (found by
/// a scan in `f64`, so approximate) and capped at 1. Never verified: the
/// verifier checks `P_im(B)` exactly against the bookkeeping identity, and
/// reports the exact worst-case curve this bound lies above.
pub fn bad_events_bound_approx(query_bound: f64, depth: usize, p_dem: f64) -> f64 {
    if p_dem <= 0.0 {
        return 0.0;
    }
    if p_dem >= 1.0 {
        return 1.0;
    }
    let tail = query_bound * (depth as f64).powi(2);
    // Beyond ln K = ln(1/p_dem), K·p_dem alone passes 1.
    let top = -p_dem.ln();
    let steps = 400;
    (1..=steps)
        .map(|i| {
            let u = top * i as f64 / steps as f64;
            (u + p_dem.ln()).exp() + tail / u.powi(3)
        })
        .fold(1.0, f64::min)
}

/// The per-step bound at one history where the truth is collected: whether
/// some action breaks `m(a) ≤ μ(a)` or `π_im(a) = m(a) + θ·μ(a) ≤ (1+θ)·μ(a)`.
///
/// Written once over [`Prob`], for the engines (exact) and for property tests.
pub fn breaks_per_step<P: Prob>(m: &[P], theta: &P, truth: &[P]) -> bool {
    let one_plus = P::one() + theta.clone();
    m.iter().zip(truth).any(|(m, mu)| {
        let pi = m.clone() + theta.clone() * mu.clone();
        *m > *mu || pi > one_plus.clone() * mu.clone()
    })
}

/// How close one history comes to the per-step bound: the largest
/// `m(a)/μ(a)` and `π_im(a)/((1+θ)·μ(a))` over the actions with `μ(a) > 0`
/// (each at most 1 where the bound holds; 0 when no action qualifies).
pub fn per_step_ratios(m: &[Rational], theta: &Rational, truth: &[Rational]) -> (Rational, Rational) {
    let one_plus = Rational::one() + theta;
    let (mut no_query, mut step) = (Rational::zero(), Rational::zero());
    for (m, mu) in m.iter().zip(truth).filter(|(_, mu)| !mu.is_zero()) {
        no_query = no_query.max(m / mu);
        step = step.max((m + theta * mu) / (&one_plus * mu));
    }
    (no_query, step)
}

/// The same bound with other constants in place of 24 and 12 (for the constants search).
pub fn query_cubed_bound_with(actions: usize, alpha: &Rational, truth_weight: &Rational, c1: i64, c2: i64) -> Rational {
    let inv = alpha.recip();
    let cube = &inv * &inv * &inv;
    Rational::from_integer((actions as i64).into())
        * cube
        * (Rational::from_integer(c1.into()) / truth_weight + Rational::from_integer(c2.into()))
}

/// One quantity against its bound: `ratio = measured / bound`, at `depth`.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundRatio {
    pub measured: Rational,
    pub bound: Rational,
    pub ratio: Rational,
    /// The depth `t` (1-based) where it is measured.
    pub depth: usize,
}

impl BoundRatio {
    pub(crate) fn new(measured: Rational, bound: Rational, depth: usize) -> Self {
        BoundRatio { ratio: &measured / &bound, measured, bound, depth }
    }
}

/// How close one run comes to each bound, exactly (for the constants search).
#[derive(Debug, Clone, PartialEq)]
pub struct BoundRatios {
    /// `(1 − P(E_T)) / (α / w(μ))`: at most `1/(1+α) < 1` by `proofs/event-e.md`.
    pub event_e: BoundRatio,
    /// `E[Σθ³]_T / (|A|·α⁻³·(24/w(μ) + 12))`: the factor `s` such that `24s` and `12s`
    /// in place of 24 and 12 give a bound met with equality at depth `T`.
    pub query_cubed: BoundRatio,
    /// `max_{t≤T} E[Π_{k≤t}(1+θ_k)] / t²`, at the first depth `t` that attains it.
    pub product: BoundRatio,
    /// `E[Π_{k≤T}(1+θ_k)] / T²`, at the horizon.
    pub product_horizon: BoundRatio,
}

/// The ratios measured / bound of one run to depth `T = figures.depth`.
///
/// `P(E_t)` only falls and `E[Σθ³]_t` only grows with `t`, so their values at `T`
/// are the extremes over `t ≤ T`.
pub fn bound_ratios(scenario: &Scenario, figures: &Figures) -> BoundRatios {
    let w = scenario.truth_weight();
    let alpha = &scenario.alpha;
    let t = figures.event_e.len().max(1);
    let p_e = figures.event_e.last().cloned().unwrap_or_else(Rational::one);
    let event_e = BoundRatio::new(Rational::one() - p_e, alpha / w, t);
    let q = figures.query_cubed_sum.last().cloned().unwrap_or_else(Rational::zero);
    let query_cubed = BoundRatio::new(q, query_cubed_bound(scenario.actions.len(), alpha, w), t);
    let per_depth: Vec<BoundRatio> = figures
        .expected_product
        .iter()
        .enumerate()
        .map(|(i, p)| BoundRatio::new(p.clone(), t_squared(i + 1), i + 1))
        .collect();
    let product = per_depth
        .iter()
        .fold(None::<&BoundRatio>, |best, r| match best {
            Some(b) if b.ratio >= r.ratio => Some(b),
            _ => Some(r),
        })
        .cloned()
        .unwrap_or_else(|| BoundRatio::new(Rational::one(), Rational::one(), 1));
    let product_horizon = per_depth.last().cloned().unwrap_or_else(|| product.clone());
    BoundRatios { event_e, query_cubed, product, product_horizon }
}

/// A quantity measured at every depth against one bound.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthCheck {
    pub by_depth: Vec<Rational>,
    pub bound: Rational,
    pub holds: bool,
    /// The depth (1-based) closest to the bound, and its slack there (≥ 0 iff it holds there).
    pub tightest_depth: usize,
    pub slack: Rational,
}

impl DepthCheck {
    /// The value at the tightest depth.
    pub fn tightest(&self) -> &Rational {
        &self.by_depth[self.tightest_depth - 1]
    }
}

/// Whether a bound is a floor (`≥`) or a ceiling (`≤`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    AtLeast,
    AtMost,
}

impl Relation {
    /// `≥` or `≤`.
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::AtLeast => "≥",
            Relation::AtMost => "≤",
        }
    }
}

fn depth_check(by_depth: &[Rational], bound: Rational, side: Relation) -> DepthCheck {
    let slack_of = |v: &Rational| match side {
        Relation::AtLeast => v - &bound,
        Relation::AtMost => &bound - v,
    };
    let (i, slack) = by_depth
        .iter()
        .map(slack_of)
        .enumerate()
        .min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
        .unwrap_or((0, Rational::zero()));
    DepthCheck { by_depth: by_depth.to_vec(), holds: slack >= Rational::zero(), bound, tightest_depth: i + 1, slack }
}

/// `E[1/post_{t+1}(μ)] ≤ 1/w(μ)` at every depth; a value of `None` is `+∞`.
#[derive(Debug, Clone, PartialEq)]
pub struct InverseCheck {
    pub by_depth: Vec<Option<Rational>>,
    pub bound: Rational,
    pub holds: bool,
    /// The depth (1-based) closest to the bound (the first infinite one, if any).
    pub tightest_depth: usize,
}

impl InverseCheck {
    /// The value at the tightest depth (`None`: `+∞`).
    pub fn tightest(&self) -> Option<&Rational> {
        self.by_depth.get(self.tightest_depth - 1).and_then(|v| v.as_ref())
    }
}

fn inverse_check(by_depth: &[Option<Rational>], bound: Rational) -> InverseCheck {
    let tightest = by_depth.iter().position(|v| v.is_none()).unwrap_or_else(|| {
        // The largest value, first depth among equals.
        let mut best = 0;
        for (i, v) in by_depth.iter().enumerate() {
            if v > &by_depth[best] {
                best = i;
            }
        }
        best
    });
    let holds = by_depth.iter().all(|v| v.as_ref().is_some_and(|v| *v <= bound));
    InverseCheck { by_depth: by_depth.to_vec(), bound, holds, tightest_depth: tightest + 1 }
}

/// The per-step ratio check: no node with the truth collected breaks it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerStepCheck {
    pub nodes_checked: u64,
    pub violations: u64,
    pub holds: bool,
}

/// One declared event: its ratios to the demonstrator, and the bookkeeping
/// identity `P_im(B) ≤ P_im(B ∧ E_T) + 1 − P_im(E_T)`.
///
/// The identity is `P_im(B ∧ ¬E_T) ≤ P_im(¬E_T)`: it holds for any
/// probability measure, so it guards the engine's accounting of `E`, not the
/// imitator. What the bad-events theorem speaks of is `ratio_im_and_e`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventCheck {
    pub figures: EventFigures,
    /// `P_im(B ∧ E_T) / P_dem(B)` (`None` when `P_dem(B) = 0`).
    pub ratio_im_and_e: Option<Rational>,
    /// `P_im(B) / P_dem(B)` (`None` when `P_dem(B) = 0`).
    pub ratio_im: Option<Rational>,
    /// The bookkeeping bound `P_im(B ∧ E_T) + 1 − P_im(E_T)`.
    pub bound: Rational,
    pub holds: bool,
}

/// A ratio to the demonstrator at or above this is shown highlighted: the
/// imitator makes the event at least twice as likely.
pub fn far_above_one(ratio: &Rational) -> bool {
    *ratio >= Rational::from_integer(2.into())
}

/// `P_im` of the histories the demonstrator never produces, against `1 − P_im(E_T)`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnprecedentedCheck {
    pub p_im: Rational,
    pub bound: Rational,
    pub holds: bool,
}

/// Every check of `docs/checks.md` on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub truth_weight: Rational,
    /// `P(E_t)` against the paper's floor `1 − α/w(μ)` (implied by the proved one).
    pub event_e: DepthCheck,
    /// `P(E_t)` against the proved floor `1 − α/((1+α)·w(μ))`: the check.
    pub event_e_proved: DepthCheck,
    /// `E[Σθ³]` against the paper's bound.
    pub query_cubed_sum: DepthCheck,
    /// `(E[Σθ³])²` against the proved `4·#A⁴·(M−1)·(1−w(μ))/(α·w(μ))`.
    pub query_cubed_proved: DepthCheck,
    pub inverse_truth_posterior: InverseCheck,
    pub per_step_ratio: PerStepCheck,
    pub events: Vec<EventCheck>,
    pub unprecedented: UnprecedentedCheck,
    /// The probabilities of all nodes summed to exactly 1 at every depth.
    pub mass_conserved: bool,
    /// The conjunction of every check.
    pub holds: bool,
}

/// `1 − α/((1+α)·w(μ))`: the floor on `P(E)` proved in `proofs/event-e.md` (may be negative).
impl Verdict {
    /// Whether the run breaks a bound on `P(E)` or `E[Σθ³]` that the verifier
    /// checks: the paper's or the proved one.
    pub fn breaks_a_bound(&self) -> bool {
        [&self.event_e, &self.event_e_proved, &self.query_cubed_sum, &self.query_cubed_proved].iter().any(|c| !c.holds)
    }
}

pub fn event_e_proved_bound(alpha: &Rational, truth_weight: &Rational) -> Rational {
    Rational::one() - alpha / ((Rational::one() + alpha) * truth_weight)
}

/// `4·#A⁴·(M−1)·(1−w(μ))/(α·w(μ))`: the square of the bound on `E[Σθ³]`
/// proved in `proofs/query-cubed-sum.md` (squared, so that it stays exact).
pub fn query_cubed_proved_bound_squared(
    actions: usize,
    models: usize,
    alpha: &Rational,
    truth_weight: &Rational,
) -> Rational {
    let a = Rational::from_integer((actions as i64).into());
    let m1 = Rational::from_integer((models as i64 - 1).into());
    Rational::from_integer(4.into()) * &a * &a * &a * &a * m1 * (Rational::one() - truth_weight)
        / (alpha * truth_weight)
}

/// `1/w(μ)`: `E[1/post_t(μ)]` starts there and never rises (a supermartingale).
pub fn inverse_truth_posterior_bound(truth_weight: &Rational) -> Rational {
    truth_weight.recip()
}

/// Judges the figures of a run against the paper's bounds.
pub fn check(scenario: &Scenario, figures: &Figures) -> Verdict {
    let w = scenario.truth_weight().clone();
    let alpha = &scenario.alpha;
    let event_e = depth_check(&figures.event_e, event_e_bound(alpha, &w), Relation::AtLeast);
    let event_e_proved = depth_check(&figures.event_e, event_e_proved_bound(alpha, &w), Relation::AtLeast);
    let query_cubed_sum =
        depth_check(&figures.query_cubed_sum, query_cubed_bound(scenario.actions.len(), alpha, &w), Relation::AtMost);
    let squares: Vec<Rational> = figures.query_cubed_sum.iter().map(|q| q * q).collect();
    let query_cubed_proved = depth_check(
        &squares,
        query_cubed_proved_bound_squared(scenario.actions.len(), scenario.models.len(), alpha, &w),
        Relation::AtMost,
    );
    let inverse_truth_posterior = inverse_check(&figures.inverse_truth_posterior, inverse_truth_posterior_bound(&w));
    let per_step_ratio = PerStepCheck {
        nodes_checked: figures.nodes_checked,
        violations: figures.violations,
        holds: figures.violations == 0,
    };
    let p_e = figures.event_e.last().cloned().unwrap_or_else(Rational::one);
    let not_e = Rational::one() - &p_e;
    let ratio = |x: &Rational, dem: &Rational| (!dem.is_zero()).then(|| x / dem);
    let events: Vec<EventCheck> = figures
        .events
        .iter()
        .map(|f| {
            let bound = &f.p_im_and_e + &not_e;
            EventCheck {
                ratio_im_and_e: ratio(&f.p_im_and_e, &f.p_dem),
                ratio_im: ratio(&f.p_im, &f.p_dem),
                holds: f.p_im <= bound,
                bound,
                figures: f.clone(),
            }
        })
        .collect();
    let unprecedented =
        UnprecedentedCheck { p_im: figures.unprecedented.clone(), holds: figures.unprecedented <= not_e, bound: not_e };
    let holds = event_e_proved.holds
        && query_cubed_sum.holds
        && query_cubed_proved.holds
        && inverse_truth_posterior.holds
        && per_step_ratio.holds
        && events.iter().all(|e| e.holds)
        && unprecedented.holds
        && figures.mass_conserved;
    Verdict {
        truth_weight: w,
        event_e,
        event_e_proved,
        query_cubed_sum,
        query_cubed_proved,
        inverse_truth_posterior,
        per_step_ratio,
        events,
        unprecedented,
        mass_conserved: figures.mass_conserved,
        holds,
    }
}

/// From a state where the truth's posterior is `post_mu`, a lower bound on
/// the probability that the truth is never excluded from the top set again:
/// `max(0, 1 − α/((1+α)·post(μ)))` (`proofs/infinite-horizon.md`: the
/// supermartingale of `proofs/inverse-truth-posterior.md` started at that state).
pub fn lifetime_keep_floor(alpha: &Rational, post_mu: &Rational) -> Rational {
    if post_mu.is_zero() {
        return Rational::zero();
    }
    event_e_proved_bound(alpha, post_mu).max(Rational::zero())
}

/// `Σ_i n_i · lifetime_keep_floor(α, post_i) / den`: masses `n_i` (integers
/// over `den`) of states where the truth's posterior is `post_i`. Exact, with
/// one lcm over the distinct numerators of the posteriors instead of a sum of
/// fractions: with `c = α/(1+α)` and `post = a/b`, the states whose floor is
/// positive (`post > c`) give `Σ n − c·Σ n·b/a`.
pub fn lifetime_keep_mass<'a>(
    alpha: &Rational,
    masses: impl IntoIterator<Item = (&'a Rational, BigUint)>,
    den: &BigUint,
) -> Rational {
    let c = alpha / (Rational::one() + alpha);
    let mut kept = BigUint::zero();
    let mut over_post: std::collections::BTreeMap<BigUint, BigUint> = Default::default();
    for (post, n) in masses {
        if *post <= c {
            continue;
        }
        *over_post.entry(post.numer().magnitude().clone()).or_default() += &n * post.denom().magnitude();
        kept += n;
    }
    let l = over_post.keys().fold(BigUint::one(), |l, a| l.lcm(a));
    let over = over_post.iter().fold(BigUint::zero(), |acc, (a, y)| acc + y * (&l / a));
    let big = |n: BigUint| num_bigint::BigInt::from(n);
    Rational::new(big(kept), big(den.clone())) - c * Rational::new(big(over), big(l * den))
}

/// The denominator of every [`query_tail_upper`]: `2^QUERY_TAIL_BITS`.
pub const QUERY_TAIL_BITS: u64 = 64;

/// `U(s)`: an upper bound on the expected `Σθ³` of every later step from a
/// state with posterior `posterior`, namely
/// `(2·#A²/√α)·Σ_{ν≠μ} √(post(ν)/post(μ))` (the bound of
/// `proofs/query-cubed-sum.md` with the state's posterior as the prior),
/// rounded up to a multiple of `2^-QUERY_TAIL_BITS` and returned as that
/// multiple's numerator. Computed with integers only: each square root is
/// rounded up at `2^-128`, so the result exceeds the exact value by less than
/// a relative `2^-30` wherever it matters (the exact value is at least `2·#A²`
/// at any state where a query can still happen). `None` when the truth's
/// posterior is 0 (the bound is infinite).
pub fn query_tail_upper(actions: usize, alpha: &Rational, posterior: &[Rational], truth: usize) -> Option<BigUint> {
    let mu = &posterior[truth];
    if mu.is_zero() {
        return None;
    }
    const SCALE_BITS: u64 = 128;
    // ⌈√x · 2^SCALE_BITS⌉ ≥ √x·2^SCALE_BITS, from ⌈√⌈x·4^SCALE_BITS⌉⌉.
    let sqrt_up = |x: &Rational| -> BigUint {
        let (p, q) = (x.numer().magnitude(), x.denom().magnitude());
        let y = ceil_div(&(p << (2 * SCALE_BITS)), q);
        let r = y.sqrt();
        if &r * &r == y {
            r
        } else {
            r + 1u32
        }
    };
    let sum = posterior
        .iter()
        .enumerate()
        .filter(|&(i, p)| i != truth && !p.is_zero())
        .fold(BigUint::zero(), |t, (_, p)| t + sqrt_up(&(p / mu)));
    let inv_sqrt_alpha = sqrt_up(&alpha.recip());
    let a2 = BigUint::from(2 * actions * actions);
    // Scale 2^(2·SCALE_BITS) down to 2^QUERY_TAIL_BITS, rounding up.
    let product = a2 * inv_sqrt_alpha * sum;
    Some(ceil_div(&product, &(BigUint::one() << (2 * SCALE_BITS - QUERY_TAIL_BITS))))
}

fn ceil_div(a: &BigUint, b: &BigUint) -> BigUint {
    let (q, r) = a.div_rem(b);
    if r.is_zero() {
        q
    } else {
        q + 1u32
    }
}

/// The status of `event_e` over the whole lifetime from an interval
/// `[lo, hi]` containing `P(E_∞)` (`proofs/infinite-horizon.md`): it holds when `lo` is at least
/// the proved floor, fails when `hi` is below it, and is undecided otherwise.
pub fn lifetime_event_e_status(lo: &Rational, hi: &Rational, proved_bound: &Rational) -> Status {
    if lo >= proved_bound {
        Status::Holds
    } else if hi < proved_bound {
        Status::Fails
    } else {
        Status::Undecided
    }
}

/// The status of `query_cubed_sum` over the whole lifetime from an interval
/// `[lo, hi]` containing `E Σ_{t≥1} θ_t³` (`hi = None`: unbounded): it holds
/// when `hi` is within both bounds, fails when `lo` exceeds either, and is
/// undecided otherwise.
pub fn lifetime_query_status(
    lo: &Rational,
    hi: Option<&Rational>,
    bound: &Rational,
    proved_bound_squared: &Rational,
) -> Status {
    if lo > bound || &(lo * lo) > proved_bound_squared {
        Status::Fails
    } else if hi.is_some_and(|hi| hi <= bound && &(hi * hi) <= proved_bound_squared) {
        Status::Holds
    } else {
        Status::Undecided
    }
}

/// `value_t / t²` for `t = 1, 2, …`: how a figure compares with the slides' `O(t²)`.
pub fn ratio_to_t2(by_depth: &[Rational]) -> Vec<Rational> {
    by_depth.iter().enumerate().map(|(i, v)| v / t_squared(i + 1)).collect()
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Holds,
    Fails,
    /// Neither proved nor refuted (the infinite horizon, while an interval straddles the bound).
    Undecided,
}

impl Status {
    pub fn of(holds: bool) -> Self {
        if holds {
            Status::Holds
        } else {
            Status::Fails
        }
    }

    /// `holds`, `fails` or `undecided`: the name in JSON (and a CSS class).
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Fails => "fails",
            Status::Undecided => "undecided",
        }
    }

    /// `holds`, `FAILS` or `undecided`: the word every output shows.
    pub fn word(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Fails => "FAILS",
            Status::Undecided => "undecided",
        }
    }
}

/// What a row of the verdict stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A claim of the paper, or a bound proved in `proofs/`.
    Claim,
    /// The paper's weaker form of a claim whose sharper form is checked on another row.
    Implied,
    /// An identity that guards the engine's own accounting, not the imitator.
    Bookkeeping,
}

/// A measured value or a bound as a row shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Exact(Rational),
    /// `+∞`.
    Infinite,
    /// `bad` of `of` (nodes or merged states).
    Count {
        bad: u64,
        of: u64,
        unit: &'static str,
    },
    /// A word, such as "every depth".
    Word(&'static str),
}

/// One line of the verifier's table: every output (text, HTML, JSON) loops over these.
///
/// A row with [`Status::Undecided`] is shown as such everywhere; a new check
/// is a new row, and every output shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The check's key in the JSON document (`event_e`, `query_cubed_sum`, …).
    pub key: &'static str,
    /// What is checked, for people.
    pub label: String,
    pub kind: RowKind,
    /// The depth shown: where the check comes closest to its bound (`None`: every depth or node).
    pub depth: Option<usize>,
    pub measured: Shown,
    pub relation: Option<Relation>,
    pub bound: Shown,
    pub status: Status,
    /// The field that holds the bound in the check's JSON object (`bound`,
    /// `proved_bound`, …), if the document shows it.
    pub json_bound: Option<&'static str>,
    /// The field that holds this row's own status in the check's JSON object
    /// (`bound_holds`, …); `None` when only the object's `holds` speaks for it.
    pub json_status: Option<&'static str>,
}

impl Verdict {
    /// The bounds on `1 − P(E_T)` that the floors on `P(E)` amount to:
    /// `(α/w(μ), α/((1+α)·w(μ)))`, the paper's and the proved one.
    pub fn event_e_failure_bounds(&self) -> (Rational, Rational) {
        (Rational::one() - &self.event_e.bound, Rational::one() - &self.event_e_proved.bound)
    }

    /// The table of checks, in the order every output shows them. `unit`
    /// names what the per-step check counts (`node` or `merged state`).
    pub fn rows(&self, unit: &'static str) -> Vec<Row> {
        let depth_row = |key, label: &str, kind, c: &DepthCheck, rel, json: (&'static str, Option<&'static str>)| Row {
            key,
            label: label.to_string(),
            kind,
            depth: Some(c.tightest_depth),
            measured: Shown::Exact(c.tightest().clone()),
            relation: Some(rel),
            bound: Shown::Exact(c.bound.clone()),
            status: Status::of(c.holds),
            json_bound: Some(json.0),
            json_status: json.1,
        };
        let mut rows = vec![
            depth_row(
                "event_e",
                "P(E_t) ≥ 1−α/((1+α)w(μ))  proved",
                RowKind::Claim,
                &self.event_e_proved,
                Relation::AtLeast,
                ("proved_bound", None),
            ),
            depth_row(
                "event_e",
                "P(E_t) ≥ 1−α/w(μ)  paper",
                RowKind::Implied,
                &self.event_e,
                Relation::AtLeast,
                ("bound", Some("bound_holds")),
            ),
            depth_row(
                "query_cubed_sum",
                "E[Σθ³] ≤ #A·α⁻³(24/w(μ)+12)  paper",
                RowKind::Claim,
                &self.query_cubed_sum,
                Relation::AtMost,
                ("bound", Some("bound_holds")),
            ),
            depth_row(
                "query_cubed_sum",
                "E[Σθ³]² ≤ 4#A⁴(M−1)(1−w)/(αw)  proved",
                RowKind::Claim,
                &self.query_cubed_proved,
                Relation::AtMost,
                ("proved_bound_squared", Some("proved_bound_holds")),
            ),
        ];
        let inv = &self.inverse_truth_posterior;
        rows.push(Row {
            key: "inverse_truth_posterior",
            label: "E[1/post_{t+1}(μ)] ≤ 1/w(μ)".into(),
            kind: RowKind::Claim,
            depth: Some(inv.tightest_depth),
            measured: inv.tightest().map_or(Shown::Infinite, |v| Shown::Exact(v.clone())),
            relation: Some(Relation::AtMost),
            bound: Shown::Exact(inv.bound.clone()),
            status: Status::of(inv.holds),
            json_bound: Some("bound"),
            json_status: None,
        });
        let p = &self.per_step_ratio;
        rows.push(Row {
            key: "per_step_ratio",
            label: "per step: m(a) ≤ μ(a), π(a) ≤ (1+θ)μ(a)".into(),
            kind: RowKind::Claim,
            depth: None,
            measured: Shown::Count { bad: p.violations, of: p.nodes_checked, unit },
            relation: None,
            bound: Shown::Word("none may break it"),
            status: Status::of(p.holds),
            json_bound: None,
            json_status: None,
        });
        let u = &self.unprecedented;
        rows.push(Row {
            key: "unprecedented",
            label: "unprecedented ≤ 1 − P(E_T)".into(),
            kind: RowKind::Claim,
            depth: None,
            measured: Shown::Exact(u.p_im.clone()),
            relation: Some(Relation::AtMost),
            bound: Shown::Exact(u.bound.clone()),
            status: Status::of(u.holds),
            json_bound: Some("bound"),
            json_status: None,
        });
        for ev in &self.events {
            rows.push(Row {
                key: "events",
                label: format!("bookkeeping of E, “{}”", ev.figures.name),
                kind: RowKind::Bookkeeping,
                depth: None,
                measured: Shown::Exact(ev.figures.p_im.clone()),
                relation: Some(Relation::AtMost),
                bound: Shown::Exact(ev.bound.clone()),
                status: Status::of(ev.holds),
                json_bound: Some("bound"),
                json_status: None,
            });
        }
        rows.push(Row {
            key: "mass_conserved",
            label: "node probabilities sum to 1".into(),
            kind: RowKind::Bookkeeping,
            depth: None,
            measured: Shown::Word("every depth"),
            relation: None,
            bound: Shown::Word("exactly"),
            status: Status::of(self.mass_conserved),
            json_bound: None,
            json_status: None,
        });
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    #[test]
    fn bounds_match_the_slides() {
        // α = 1/10, w(μ) = 1/3: 1 − 3/10 = 7/10 and 2 · 1000 · (72 + 12) = 168000.
        assert_eq!(event_e_bound(&ratio(1, 10), &ratio(1, 3)), ratio(7, 10));
        assert_eq!(query_cubed_bound(2, &ratio(1, 10), &ratio(1, 3)), ratio(168000, 1));
        // α > w(μ): the bound on E is negative.
        assert_eq!(event_e_bound(&ratio(1, 2), &ratio(1, 4)), ratio(-1, 1));
    }

    #[test]
    fn the_bad_events_bound_is_vacuous_at_small_depths_and_falls_for_rare_events() {
        // Three coins: C = 168000, T = 12. Vacuous (capped at 1) for every event of probability 10⁻¹².
        assert_eq!(bad_events_bound_approx(168000.0, 12, 1e-12), 1.0);
        // C·T² = 72 at T = 1: below 1 once (ln 1/p)³ passes 72·(a little), i.e. for p ≤ 1e-4.
        let b = bad_events_bound_approx(72.0, 1, 1e-6);
        assert!(b < 0.1 && b > 1e-6, "{b}");
        assert_eq!(bad_events_bound_approx(72.0, 1, 0.0), 0.0);
    }

    #[test]
    fn proved_bounds_on_three_coins() {
        // α = 1/10, w(μ) = 1/3, #A = 2, M = 3: 1 − (1/10)/((11/10)(1/3)) = 8/11, and
        // 4 · 16 · 2 · (2/3) / ((1/10)(1/3)) = 2560.
        assert_eq!(event_e_proved_bound(&ratio(1, 10), &ratio(1, 3)), ratio(8, 11));
        assert_eq!(query_cubed_proved_bound_squared(2, 3, &ratio(1, 10), &ratio(1, 3)), ratio(2560, 1));
        assert_eq!(inverse_truth_posterior_bound(&ratio(1, 3)), ratio(3, 1));
    }

    #[test]
    fn the_query_tail_bound_is_a_tight_integer_upper_bound() {
        // Three coins at the prior: (2·4/√(1/10))·(1 + 1) = 16·√10 ≈ 50.596443.
        let third = ratio(1, 3);
        let u = query_tail_upper(2, &ratio(1, 10), &[third.clone(), third.clone(), third], 0).unwrap();
        let exact = 16.0 * 10f64.sqrt();
        let got = u.to_string().parse::<f64>().unwrap() / 2f64.powi(64);
        assert!(got >= exact && got - exact < 1e-12, "{got} vs {exact}");
        // An upper bound, exactly: (u/2^64)² ≥ 2560 = (16√10)².
        let up = Rational::new(u.into(), (BigUint::one() << 64u32).into());
        assert!(&up * &up >= ratio(2560, 1));
        assert!(&up * &up < ratio(2560, 1) + ratio(1, 1 << 20));
        // A perfect square is exact: α = 1/4, one rival with the same posterior: 2·4·2·1 = 16.
        let u = query_tail_upper(2, &ratio(1, 4), &[ratio(1, 2), ratio(1, 2)], 0).unwrap();
        assert_eq!(u, BigUint::from(16u32) << 64u32);
        assert_eq!(query_tail_upper(2, &ratio(1, 4), &[ratio(0, 1), ratio(1, 1)], 0), None);
    }

    #[test]
    fn lifetime_statuses_follow_the_interval() {
        let b = ratio(1, 2);
        assert_eq!(lifetime_event_e_status(&ratio(3, 5), &ratio(4, 5), &b), Status::Holds);
        assert_eq!(lifetime_event_e_status(&ratio(2, 5), &ratio(4, 5), &b), Status::Undecided);
        assert_eq!(lifetime_event_e_status(&ratio(1, 5), &ratio(2, 5), &b), Status::Fails);
        let (bound, sq) = (ratio(100, 1), ratio(2500, 1));
        assert_eq!(lifetime_query_status(&ratio(3, 1), Some(&ratio(4, 1)), &bound, &sq), Status::Holds);
        assert_eq!(lifetime_query_status(&ratio(3, 1), Some(&ratio(51, 1)), &bound, &sq), Status::Undecided);
        assert_eq!(lifetime_query_status(&ratio(3, 1), None, &bound, &sq), Status::Undecided);
        assert_eq!(lifetime_query_status(&ratio(51, 1), None, &bound, &sq), Status::Fails);
        assert_eq!(lifetime_keep_floor(&ratio(1, 10), &ratio(1, 3)), ratio(8, 11));
        assert_eq!(lifetime_keep_floor(&ratio(1, 10), &ratio(1, 20)), ratio(0, 1));
    }

    #[test]
    fn lifetime_keep_mass_is_the_sum_of_the_floors() {
        // Masses 3, 5, 7, 2 over 32 at posteriors 1/3, 2/3, 1/20 (floor 0) and 1/3 again, α = 1/10:
        // floors 8/11, 1 − 3/22 = 19/22, 0, 8/11: ((3 + 2)·8/11 + 5·19/22)/32 = (175/22)/32 = 175/704.
        let alpha = ratio(1, 10);
        let posts = [ratio(1, 3), ratio(2, 3), ratio(1, 20), ratio(1, 3)];
        let masses = [3u32, 5, 7, 2];
        let got = lifetime_keep_mass(&alpha, posts.iter().zip(masses.map(BigUint::from)), &BigUint::from(32u32));
        let naive = posts
            .iter()
            .zip(masses)
            .fold(Rational::zero(), |s, (p, n)| s + lifetime_keep_floor(&alpha, p) * ratio(n as i64, 32));
        assert_eq!(got, naive);
        assert_eq!(got, ratio(175, 704));
    }

    #[test]
    fn an_infinite_inverse_posterior_fails() {
        let c = inverse_check(&[Some(ratio(2, 1)), None, Some(ratio(1, 1))], ratio(2, 1));
        assert!(!c.holds);
        assert_eq!(c.tightest_depth, 2);
        let c = inverse_check(&[Some(ratio(2, 1)), Some(ratio(3, 2))], ratio(2, 1));
        assert!(c.holds);
        assert_eq!((c.tightest_depth, c.tightest()), (1, Some(&ratio(2, 1))));
    }

    #[test]
    fn depth_check_finds_the_tightest_depth() {
        let c = depth_check(&[ratio(1, 1), ratio(3, 4), ratio(4, 5)], ratio(7, 10), Relation::AtLeast);
        assert!(c.holds);
        assert_eq!((c.tightest_depth, c.slack), (2, ratio(1, 20)));
        let c = depth_check(&[ratio(1, 2), ratio(2, 1)], ratio(1, 1), Relation::AtMost);
        assert!(!c.holds);
        assert_eq!((c.tightest_depth, c.slack), (2, ratio(-1, 1)));
    }
}
