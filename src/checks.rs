//! The checks (`docs/checks.md`): an engine measures, this module judges.
//!
//! It sits above the engines and takes their [`Figures`]; the formulas it
//! judges against are [`crate::bounds`], and how a verdict is shown (its
//! rows, labels and JSON keys) is the reports' business.

use crate::bounds::t_squared;
use crate::bounds::{
    event_e_bound, event_e_proved_bound, inverse_truth_posterior_bound, query_cubed_bound,
    query_cubed_proved_bound_squared,
};
use crate::engine::{EventFigures, Figures};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::{One, Zero};

/// One quantity against its bound: `ratio = measured / bound`, at `depth`.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundRatio {
    /// The figure measured.
    pub measured: Rational,
    /// The bound it is compared with.
    pub bound: Rational,
    /// `measured / bound`: above 1, the figure passes the bound.
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
    /// The figure at depths `1..=T`.
    pub by_depth: Vec<Rational>,
    /// The bound, the same at every depth.
    pub bound: Rational,
    /// Whether every depth respects the bound.
    pub holds: bool,
    /// The depth (1-based) closest to the bound, and its slack there (≥ 0 iff it holds there).
    pub tightest_depth: usize,
    /// The slack at the tightest depth.
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
    /// A floor: the figure must be at least the bound.
    AtLeast,
    /// A ceiling: the figure must be at most the bound.
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
    /// `E[1/post_{t+1}(μ)]` at depths `1..=T` (`None`: infinite).
    pub by_depth: Vec<Option<Rational>>,
    /// `1/w(μ)`.
    pub bound: Rational,
    /// Whether every depth respects the bound.
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
    /// Nodes (or merged states) with the truth collected, where the bound was checked.
    pub nodes_checked: u64,
    /// Those at which some action breaks it.
    pub violations: u64,
    /// Whether none breaks it.
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
    /// The event's three probabilities.
    pub figures: EventFigures,
    /// `P_im(B ∧ E_T) / P_dem(B)` (`None` when `P_dem(B) = 0`).
    pub ratio_im_and_e: Option<Rational>,
    /// `P_im(B) / P_dem(B)` (`None` when `P_dem(B) = 0`).
    pub ratio_im: Option<Rational>,
    /// The bookkeeping bound `P_im(B ∧ E_T) + 1 − P_im(E_T)`.
    pub bound: Rational,
    /// Whether the bookkeeping identity holds.
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
    /// `P_im` of the world histories with `P_dem = 0`.
    pub p_im: Rational,
    /// `1 − P_im(E_T)`.
    pub bound: Rational,
    /// Whether `p_im ≤ bound`.
    pub holds: bool,
}

/// Every check of `docs/checks.md` on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// `w(μ)`, the truth's normalized prior, which every bound is stated in.
    pub truth_weight: Rational,
    /// `P(E_t)` against the paper's floor `1 − α/w(μ)` (implied by the proved one).
    pub event_e: DepthCheck,
    /// `P(E_t)` against the proved floor `1 − α/((1+α)·w(μ))`: the check.
    pub event_e_proved: DepthCheck,
    /// `E[Σθ³]` against the paper's bound.
    pub query_cubed_sum: DepthCheck,
    /// `(E[Σθ³])²` against the proved `4·#A⁴·(M−1)·(1−w(μ))/(α·w(μ))`.
    pub query_cubed_proved: DepthCheck,
    /// `E[1/post_{t+1}(μ)]` against `1/w(μ)`.
    pub inverse_truth_posterior: InverseCheck,
    /// The per-step bound at every history with the truth collected.
    pub per_step_ratio: PerStepCheck,
    /// Each declared event, with its bookkeeping identity.
    pub events: Vec<EventCheck>,
    /// What the imitator does that the demonstrator never would, against `1 − P(E_T)`.
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
    /// The bounds on `1 − P(E_T)` that the floors on `P(E)` amount to:
    /// `(α/w(μ), α/((1+α)·w(μ)))`, the paper's and the proved one.
    pub fn event_e_failure_bounds(&self) -> (Rational, Rational) {
        (Rational::one() - &self.event_e.bound, Rational::one() - &self.event_e_proved.bound)
    }

    /// Whether the figures break a bound on `P(E)` or `E[Σθ³]`, the paper's or the proved one (what the constants search counts as broken).
    pub fn breaks_a_bound(&self) -> bool {
        [&self.event_e, &self.event_e_proved, &self.query_cubed_sum, &self.query_cubed_proved].iter().any(|c| !c.holds)
    }
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

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The bound holds.
    Holds,
    /// The bound is broken.
    Fails,
    /// Neither proved nor refuted (the infinite horizon, while an interval straddles the bound).
    Undecided,
}

impl Status {
    /// `Holds` or `Fails`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::*;
    use crate::number::ratio;
    use num_bigint::BigUint;

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
    fn the_scaled_keep_floor_is_the_floor_rounded_down() {
        use crate::bounds::lifetime_keep_floor_scaled;
        // 8/11 at 2^-4: ⌊128/11⌋ = 11; at 2^-124 it agrees with the rounding of the exact floor.
        assert_eq!(lifetime_keep_floor_scaled(&ratio(1, 10), &ratio(1, 3), 4), (true, BigUint::from(11u32)));
        // post(μ) = α/(1+α) exactly: floor 0, not positive.
        assert_eq!(lifetime_keep_floor_scaled(&ratio(1, 10), &ratio(1, 11), 124), (false, BigUint::zero()));
        assert!(!lifetime_keep_floor_scaled(&ratio(1, 10), &ratio(1, 20), 124).0);
        for (a, p) in [((1, 8), (5, 7)), ((1, 100), (1, 99)), ((3, 4), (999, 1000)), ((1, 2), (1, 1))] {
            let (alpha, post) = (ratio(a.0, a.1), ratio(p.0, p.1));
            let exact = lifetime_keep_floor(&alpha, &post);
            let want = (exact.numer().magnitude() << 124usize) / exact.denom().magnitude();
            assert_eq!(
                lifetime_keep_floor_scaled(&alpha, &post, 124),
                (num_traits::Signed::is_positive(&exact), want),
                "{alpha} {post}"
            );
        }
    }

    #[test]
    fn the_reach_cap_is_post_over_prior_rounded_up() {
        use crate::bounds::reach_cap_scaled;
        let big = BigUint::from;
        // post(μ) = 1/3, w(μ) = 1/2: c = 2/3; at 2^-4 ⌈32/3⌉ = 11, and with u = 5 ⌈160/3⌉ = 54.
        assert_eq!(reach_cap_scaled(&ratio(1, 3), &ratio(1, 2), &big(5u32), 4), Some((big(11u32), big(54u32))));
        // Exact at the scale: c = 1/2 is 8/16, and with u = 3, 24/16.
        assert_eq!(reach_cap_scaled(&ratio(1, 4), &ratio(1, 2), &big(3u32), 4), Some((big(8u32), big(24u32))));
        // A state the truth's posterior never reaches has no cap.
        assert_eq!(reach_cap_scaled(&ratio(0, 1), &ratio(1, 2), &big(3u32), 4), None);
        for (p, w, u) in [((1, 10), (1, 3), 7u32), ((9, 10), (1, 1000), 1), ((2, 7), (3, 5), 123_456_789)] {
            let (post, weight) = (ratio(p.0, p.1), ratio(w.0, w.1));
            let c = &post / &weight;
            let ceil = |x: Rational| {
                let scaled = x * Rational::from_integer(num_bigint::BigInt::from(1u8) << 124usize);
                scaled.ceil().to_integer().magnitude().clone()
            };
            let want = (ceil(c.clone()), ceil(c * Rational::from_integer(u.into())));
            assert_eq!(reach_cap_scaled(&post, &weight, &big(u), 124), Some(want), "{post} {weight} {u}");
        }
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
