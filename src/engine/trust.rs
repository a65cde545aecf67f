//! The assumptions the lifetime's proofs make about the rule, checked at one
//! state (`docs/lifetime.md`, "Refusals").
//!
//! The lifetime bounds of `proofs/infinite-horizon.md` are proved for the
//! paper's imitator: its posterior moves only at queried steps (Fact 1, the
//! settled states), by Bayes' rule (Fact 2, the restarted supermartingale),
//! its top set is the α rule's (Step 1 of Claim 2), and its policy is the
//! minimum over that top set (Fact 3, `U(s)`). A [`crate::imitator::Rule`]
//! may be anything, and what it says of itself
//! ([`crate::imitator::Rule::learns_by_bayes`],
//! [`crate::imitator::Rule::is_conservative`]) is not evidence: each function
//! here asks the rule itself at one state and compares its answer with the
//! paper's, exactly. A state where one fails gets no lifetime bound.

use crate::imitator::{min_policy, ranking, top_set, Rule};
use crate::number::Rational;
use num_traits::Zero;

/// An assumption of the lifetime's proofs, by the check that tests it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assumption {
    /// The posterior stays as it is on an unqueried step (settled states, and
    /// the supermartingale between queries).
    UnqueriedUpdate,
    /// On a queried action the posterior follows Bayes' rule (the restarted supermartingale).
    BayesUpdate,
    /// The top set is the α rule's (what turns the supermartingale into a floor on `P(E_∞)`).
    AlphaTopSet,
    /// The policy is the paper's minimum over the top set (what `U(s)` bounds).
    MinPolicy,
}

impl Assumption {
    /// The check's name in the outputs (`unqueried-update`, `bayes-update`,
    /// `alpha-top-set`, `min-policy`).
    pub fn name(self) -> &'static str {
        match self {
            Assumption::UnqueriedUpdate => "unqueried-update",
            Assumption::BayesUpdate => "bayes-update",
            Assumption::AlphaTopSet => "alpha-top-set",
            Assumption::MinPolicy => "min-policy",
        }
    }

    /// What the rule had to do, as a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Assumption::UnqueriedUpdate => "the posterior stays as it is on an unqueried step",
            Assumption::BayesUpdate => "the posterior follows Bayes' rule on a queried action",
            Assumption::AlphaTopSet => "the top set is the α rule's",
            Assumption::MinPolicy => "the policy is the minimum over the top set",
        }
    }
}

/// A broken assumption at one state: which, and where exactly (the action, or the sets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The assumption broken.
    pub assumption: Assumption,
    /// Where at the state, for people (`after unqueried action 0`, `top [1] instead of [0, 1]`).
    pub detail: String,
}

impl Breach {
    fn new(assumption: Assumption, detail: String) -> Self {
        Breach { assumption, detail }
    }
}

/// Whether `rule` leaves `posterior` unchanged on each unqueried action `a`
/// with `m[a] > 0`, at a history where the models' distributions are `dists`.
pub fn unqueried_update(
    rule: &dyn Rule<Rational>,
    posterior: &[Rational],
    m: &[Rational],
    dists: &[&[Rational]],
) -> Result<(), Breach> {
    for (a, ma) in m.iter().enumerate() {
        if !ma.is_zero() && rule.observe(posterior, false, a, dists) != posterior {
            return Err(Breach::new(
                Assumption::UnqueriedUpdate,
                format!("the posterior moved after unqueried action {a}"),
            ));
        }
    }
    Ok(())
}

/// Whether `rule`'s posterior after each action `a` it may ask the
/// demonstrator for (`θ > 0` and `truth_dist[a] > 0`) is Bayes' rule.
pub fn bayes_update(
    rule: &dyn Rule<Rational>,
    posterior: &[Rational],
    theta: &Rational,
    truth_dist: &[Rational],
    dists: &[&[Rational]],
) -> Result<(), Breach> {
    if theta.is_zero() {
        return Ok(());
    }
    for (a, pa) in truth_dist.iter().enumerate() {
        if !pa.is_zero() && !is_bayes(posterior, a, dists, &rule.observe(posterior, true, a, dists)) {
            return Err(Breach::new(
                Assumption::BayesUpdate,
                format!("the posterior after queried action {a} is not Bayes' rule"),
            ));
        }
    }
    Ok(())
}

/// Whether `q` is [`update_posterior`] of `posterior` on action `a`, without
/// normalizing and without reducing a fraction: with `w_i = post(i)·ν_i(a)`
/// (an unreduced product) and `S = Σ w_i`, `q = w/S` exactly when `q` is
/// proportional to `w` (`q_i·w_r = q_r·w_i` for one `r` with `w_r ≠ 0` and
/// every `i`, each side cross-multiplied as integers) and `Σ q_i = 1` (over
/// the product of the denominators): then `q = k·w` and `k·S = 1`.
pub fn is_bayes(posterior: &[Rational], a: usize, dists: &[&[Rational]], q: &[Rational]) -> bool {
    use num_bigint::BigInt;
    if q.len() != posterior.len() {
        return false;
    }
    let w: Vec<(BigInt, BigInt)> =
        posterior.iter().zip(dists).map(|(p, d)| (p.numer() * d[a].numer(), p.denom() * d[a].denom())).collect();
    let Some(r) = w.iter().position(|(n, _)| !n.is_zero()) else {
        return q == posterior;
    };
    let (wr, qr) = (&w[r], &q[r]);
    let proportional = w
        .iter()
        .zip(q)
        .all(|((wn, wd), qi)| qi.numer() * &wr.0 * qr.denom() * wd == qr.numer() * wn * qi.denom() * &wr.1);
    if !proportional {
        return false;
    }
    let (mut n, mut d) = (BigInt::zero(), BigInt::from(1u32));
    for qi in q {
        if *qi.denom() == d {
            n += qi.numer();
        } else {
            n = n * qi.denom() + qi.numer() * &d;
            d *= qi.denom();
        }
    }
    n == d
}

/// Whether the rule's top set `top` (in any order) is the α rule's at `posterior`.
pub fn alpha_top_set(posterior: &[Rational], alpha: &Rational, top: &[usize]) -> Result<(), Breach> {
    let mut paper = top_set(posterior, &ranking(posterior), alpha);
    let mut got = top.to_vec();
    paper.sort_unstable();
    got.sort_unstable();
    if paper == got {
        Ok(())
    } else {
        Err(Breach::new(Assumption::AlphaTopSet, format!("top set {got:?} instead of the α rule's {paper:?}")))
    }
}

/// Whether the rule's policy `(m, θ)` is the paper's minimum over `top`.
pub fn min_over_top(top: &[usize], dists: &[&[Rational]], m: &[Rational], theta: &Rational) -> Result<(), Breach> {
    if top.is_empty() {
        return Err(Breach::new(Assumption::MinPolicy, "an empty top set".into()));
    }
    let (pm, ptheta) = min_policy(top, dists);
    if pm.as_slice() == m && ptheta == *theta {
        Ok(())
    } else {
        Err(Breach::new(
            Assumption::MinPolicy,
            format!("m = [{}], θ = {theta} instead of the minimum over the top set {top:?}", list(m)),
        ))
    }
}

/// `[1/2, 1/4]`.
fn list(v: &[Rational]) -> String {
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imitator::{Standard, Variant};
    use crate::number::ratio;

    #[test]
    fn the_papers_rule_passes_and_a_changed_one_does_not() {
        let rule = Standard::new(Variant::Conservative, 0);
        let post = [ratio(1, 2), ratio(1, 2)];
        let (fair, biased) = ([ratio(1, 2), ratio(1, 2)], [ratio(3, 4), ratio(1, 4)]);
        let dists: [&[Rational]; 2] = [&fair, &biased];
        let (m, theta) = min_policy(&[0, 1], &dists);
        assert_eq!(unqueried_update(&rule, &post, &m, &dists), Ok(()));
        assert_eq!(bayes_update(&rule, &post, &theta, &fair, &dists), Ok(()));
        assert_eq!(alpha_top_set(&post, &ratio(1, 2), &[1, 0]), Ok(()));
        assert_eq!(min_over_top(&[0, 1], &dists, &m, &theta), Ok(()));
        for a in 0..2 {
            let bayes = crate::imitator::update_posterior(&post, a, &dists);
            assert!(is_bayes(&post, a, &dists, &bayes));
            assert!(!is_bayes(&post, a, &dists, &post));
            // Proportional to Bayes' rule but not summing to 1.
            let doubled: Vec<Rational> = bayes.iter().map(|x| x * ratio(2, 1)).collect();
            assert!(!is_bayes(&post, a, &dists, &doubled));
        }
        let wrong = alpha_top_set(&post, &ratio(1, 2), &[0]).unwrap_err();
        assert_eq!(
            (wrong.assumption.name(), wrong.detail.as_str()),
            ("alpha-top-set", "top set [0] instead of the α rule's [0, 1]")
        );
        let wrong = min_over_top(&[0], &dists, &m, &theta).unwrap_err();
        assert_eq!(wrong.assumption, Assumption::MinPolicy);
    }
}
