//! The paper's bounds and the checks on them (SPEC §4), in one place.
//!
//! An engine measures; this module judges. Every bound the project states is
//! computed here and nowhere else, so the verifier, the report and the
//! constants search compare against the same numbers.

use crate::engine::{EventFigures, Figures};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_traits::{One, Zero};

/// `1 − α / w(μ)`: the paper's lower bound on `P(E)` (may be negative).
pub fn event_e_bound(alpha: &Rational, truth_weight: &Rational) -> Rational {
    Rational::one() - alpha / truth_weight
}

/// `|A| · α⁻³ · (24 / w(μ) + 12)`: the paper's bound on `E[Σ θ³]`.
pub fn query_cubed_bound(actions: usize, alpha: &Rational, truth_weight: &Rational) -> Rational {
    query_cubed_bound_with(actions, alpha, truth_weight, 24, 12)
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
    fn new(measured: Rational, bound: Rational, depth: usize) -> Self {
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
    let square = |t: usize| Rational::from_integer(((t * t) as i64).into());
    let per_depth: Vec<BoundRatio> = figures
        .expected_product
        .iter()
        .enumerate()
        .map(|(i, p)| BoundRatio::new(p.clone(), square(i + 1), i + 1))
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

/// Whether a bound is a floor (`≥`) or a ceiling (`≤`).
#[derive(Clone, Copy)]
enum Side {
    AtLeast,
    AtMost,
}

fn depth_check(by_depth: &[Rational], bound: Rational, side: Side) -> DepthCheck {
    let slack_of = |v: &Rational| match side {
        Side::AtLeast => v - &bound,
        Side::AtMost => &bound - v,
    };
    let (i, slack) = by_depth
        .iter()
        .map(slack_of)
        .enumerate()
        .min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
        .unwrap_or((0, Rational::zero()));
    DepthCheck { by_depth: by_depth.to_vec(), holds: slack >= Rational::zero(), bound, tightest_depth: i + 1, slack }
}

/// The per-step ratio check: no node with the truth collected breaks it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerStepCheck {
    pub nodes_checked: u64,
    pub violations: u64,
    pub holds: bool,
}

/// One declared event against `P_im(B) ≤ P_im(B ∧ E_T) + 1 − P_im(E_T)`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventCheck {
    pub figures: EventFigures,
    pub bound: Rational,
    pub holds: bool,
}

/// `P_im` of the histories the demonstrator never produces, against `1 − P_im(E_T)`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnprecedentedCheck {
    pub p_im: Rational,
    pub bound: Rational,
    pub holds: bool,
}

/// Every check of SPEC §4 on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub truth_weight: Rational,
    pub event_e: DepthCheck,
    pub query_cubed_sum: DepthCheck,
    pub per_step_ratio: PerStepCheck,
    pub events: Vec<EventCheck>,
    pub unprecedented: UnprecedentedCheck,
    /// The probabilities of all nodes summed to exactly 1 at every depth.
    pub mass_conserved: bool,
    /// The conjunction of every check.
    pub holds: bool,
}

/// Judges the figures of a run against the paper's bounds.
pub fn check(scenario: &Scenario, figures: &Figures) -> Verdict {
    let w = scenario.truth_weight().clone();
    let alpha = &scenario.alpha;
    let event_e = depth_check(&figures.event_e, event_e_bound(alpha, &w), Side::AtLeast);
    let query_cubed_sum =
        depth_check(&figures.query_cubed_sum, query_cubed_bound(scenario.actions.len(), alpha, &w), Side::AtMost);
    let per_step_ratio = PerStepCheck {
        nodes_checked: figures.nodes_checked,
        violations: figures.violations,
        holds: figures.violations == 0,
    };
    let p_e = figures.event_e.last().cloned().unwrap_or_else(Rational::one);
    let not_e = Rational::one() - &p_e;
    let events: Vec<EventCheck> = figures
        .events
        .iter()
        .map(|f| {
            let bound = &f.p_im_and_e + &not_e;
            EventCheck { holds: f.p_im <= bound, bound, figures: f.clone() }
        })
        .collect();
    let unprecedented =
        UnprecedentedCheck { p_im: figures.unprecedented.clone(), holds: figures.unprecedented <= not_e, bound: not_e };
    let holds = event_e.holds
        && query_cubed_sum.holds
        && per_step_ratio.holds
        && events.iter().all(|e| e.holds)
        && unprecedented.holds
        && figures.mass_conserved;
    Verdict {
        truth_weight: w,
        event_e,
        query_cubed_sum,
        per_step_ratio,
        events,
        unprecedented,
        mass_conserved: figures.mass_conserved,
        holds,
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
    fn depth_check_finds_the_tightest_depth() {
        let c = depth_check(&[ratio(1, 1), ratio(3, 4), ratio(4, 5)], ratio(7, 10), Side::AtLeast);
        assert!(c.holds);
        assert_eq!((c.tightest_depth, c.slack), (2, ratio(1, 20)));
        let c = depth_check(&[ratio(1, 2), ratio(2, 1)], ratio(1, 1), Side::AtMost);
        assert!(!c.holds);
        assert_eq!((c.tightest_depth, c.slack), (2, ratio(-1, 1)));
    }
}
