//! The paper's bounds and the ones proved in `proofs/`, as exact formulas:
//! every bound the project states is computed here and nowhere else, so the
//! engines, the checks, the lifetime, the reports and the constants search
//! compare against the same numbers.
//!
//! This module sits below the engines (the per-step bound is tested at every
//! history they walk) and knows nothing of figures or verdicts: judging is
//! [`crate::checks`]. Each bound has a [`Bound`] descriptor: its key, its
//! formula as people read it, and the proof that backs it.

use crate::number::{Prob, Rational};
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};

/// What a bound is, for every output that names it: one descriptor per bound,
/// so that its formula is written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The check's key in the JSON document (`event_e`, `query_cubed_sum`, …).
    pub key: &'static str,
    /// The bound as people read it (`P(E_t) ≥ 1−α/((1+α)w(μ))`).
    pub formula: &'static str,
    /// Where it comes from: `paper` (the paper's statement) or `proved` (a proof in `proofs/`).
    pub source: &'static str,
    /// The file of `proofs/` that proves it, or checks the paper's claim.
    pub proof: &'static str,
}

/// `P(E_t) ≥ 1−α/((1+α)w(μ))`, the floor proved in `proofs/event-e.md` (sharper than the paper's).
pub const EVENT_E_PROVED: Bound =
    Bound { key: "event_e", formula: "P(E_t) ≥ 1−α/((1+α)w(μ))", source: "proved", proof: "proofs/event-e.md" };
/// `P(E_t) ≥ 1−α/w(μ)`, the paper's floor.
pub const EVENT_E_PAPER: Bound =
    Bound { key: "event_e", formula: "P(E_t) ≥ 1−α/w(μ)", source: "paper", proof: "proofs/event-e.md" };
/// `E[Σθ³] ≤ #A·α⁻³(24/w(μ)+12)`, the paper's bound on the queries.
pub const QUERY_CUBED_PAPER: Bound = Bound {
    key: "query_cubed_sum",
    formula: "E[Σθ³] ≤ #A·α⁻³(24/w(μ)+12)",
    source: "paper",
    proof: "proofs/query-cubed-sum.md",
};
/// `E[Σθ³]² ≤ 4#A⁴(M−1)(1−w)/(αw)`, the bound proved in `proofs/query-cubed-sum.md`, squared to stay exact.
pub const QUERY_CUBED_PROVED: Bound = Bound {
    key: "query_cubed_sum",
    formula: "E[Σθ³]² ≤ 4#A⁴(M−1)(1−w)/(αw)",
    source: "proved",
    proof: "proofs/query-cubed-sum.md",
};
/// `E[1/post_{t+1}(μ)] ≤ 1/w(μ)`: the truth's reciprocal posterior is a supermartingale.
pub const INVERSE_TRUTH_POSTERIOR: Bound = Bound {
    key: "inverse_truth_posterior",
    formula: "E[1/post_{t+1}(μ)] ≤ 1/w(μ)",
    source: "proved",
    proof: "proofs/inverse-truth-posterior.md",
};
/// The per-step bound at every history where the truth is collected.
pub const PER_STEP: Bound = Bound {
    key: "per_step_ratio",
    formula: "per step: m(a) ≤ μ(a), π(a) ≤ (1+θ)μ(a)",
    source: "paper",
    proof: "proofs/per-step-bound.md",
};
/// What the imitator does that the demonstrator never would happens only off `E`.
pub const UNPRECEDENTED: Bound = Bound {
    key: "unprecedented",
    formula: "unprecedented ≤ 1 − P(E_T)",
    source: "proved",
    proof: "proofs/bad-events.md",
};

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

/// `1 − α/((1+α)·w(μ))`: the floor on `P(E)` proved in `proofs/event-e.md`.
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

/// Whether [`lifetime_keep_floor`] is positive (`post(μ) > α/(1+α)`), and
/// the floor rounded down to a multiple of `2^-bits`, as that multiple: with
/// `α = a/b` and `post(μ) = n/d`, the floor is `(n(a+b) − a·d)/(n(a+b))`,
/// one integer division and no fraction reduced (a posterior after thousands
/// of queries has thousands of digits, and reducing is what would cost).
pub fn lifetime_keep_floor_scaled(alpha: &Rational, post_mu: &Rational, bits: u32) -> (bool, BigUint) {
    let (a, b) = (alpha.numer().magnitude(), alpha.denom().magnitude());
    let (n, d) = (post_mu.numer().magnitude(), post_mu.denom().magnitude());
    let den = n * (a + b);
    let ad = a * d;
    if den <= ad {
        return (false, BigUint::zero());
    }
    (true, ((den.clone() - ad) << bits as usize) / den)
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
    // ⌈√(p/q) · 2^SCALE_BITS⌉ ≥ √(p/q)·2^SCALE_BITS, from ⌈√⌈(p/q)·4^SCALE_BITS⌉⌉
    // (p/q need not be in lowest terms: reducing a ratio of posteriors with
    // thousands of digits would cost more than the whole bound).
    let sqrt_up = |p: &BigUint, q: &BigUint| -> BigUint {
        let y = ceil_div(&(p << (2 * SCALE_BITS)), q);
        let r = y.sqrt();
        if &r * &r == y {
            r
        } else {
            r + 1u32
        }
    };
    let sum =
        posterior.iter().enumerate().filter(|&(i, p)| i != truth && !p.is_zero()).fold(BigUint::zero(), |t, (_, p)| {
            // p/μ = (p_n·μ_d)/(p_d·μ_n).
            let num = p.numer().magnitude() * mu.denom().magnitude();
            let den = p.denom().magnitude() * mu.numer().magnitude();
            t + sqrt_up(&num, &den)
        });
    let inv_sqrt_alpha = sqrt_up(alpha.denom().magnitude(), alpha.numer().magnitude());
    let a2 = BigUint::from(2 * actions * actions);
    // Scale 2^(2·SCALE_BITS) down to 2^QUERY_TAIL_BITS, rounding up.
    let product = a2 * inv_sqrt_alpha * sum;
    Some(ceil_div(&product, &(BigUint::one() << (2 * SCALE_BITS - QUERY_TAIL_BITS))))
}

/// The cap of `proofs/infinite-horizon.md` §G: since `E[1/post(μ)] ≤ 1/w(μ)`
/// at every depth, no state is reached with a probability above
/// `c = post(μ)/w(μ)`, so a state's share of the queries to come is at most
/// `c·U(s)`. Returns `⌈c·2^bits⌉` and `⌈c·u·2^bits⌉`, where `u` is
/// [`query_tail_upper`]'s numerator (`U(s)` in units of `2^-QUERY_TAIL_BITS`),
/// with one division each and no fraction reduced; `None` when `post(μ)` is 0.
pub fn reach_cap_scaled(
    post_mu: &Rational,
    truth_weight: &Rational,
    u: &BigUint,
    bits: u32,
) -> Option<(BigUint, BigUint)> {
    if post_mu.is_zero() {
        return None;
    }
    let n = post_mu.numer().magnitude() * truth_weight.denom().magnitude();
    let d = post_mu.denom().magnitude() * truth_weight.numer().magnitude();
    let cap = ceil_div(&(&n << bits as usize), &d);
    let share = ceil_div(&((n * u) << bits as usize), &d);
    Some((cap, share))
}

fn ceil_div(a: &BigUint, b: &BigUint) -> BigUint {
    let (q, r) = a.div_rem(b);
    if r.is_zero() {
        q
    } else {
        q + 1u32
    }
}

/// `value_t / t²` for `t = 1, 2, …`: how a figure compares with the slides' `O(t²)`.
pub fn ratio_to_t2(by_depth: &[Rational]) -> Vec<Rational> {
    by_depth.iter().enumerate().map(|(i, v)| v / t_squared(i + 1)).collect()
}
