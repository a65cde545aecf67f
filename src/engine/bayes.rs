//! Posteriors under Bayes' rule, known by small integers.
//!
//! Under Bayes' rule the unnormalized weight of a model is its prior times
//! the probabilities it gave to the queried actions:
//! `W(ν) = w(ν)·Π ν(a_k | h_k)`. Every such number is a product of integer
//! powers of a few pairwise coprime integers (a *coprime base* of the
//! numerators and denominators in the scenario), so `W(ν)` is a vector of
//! small exponents. Two posteriors are equal exactly when their weights are
//! proportional: when, for every base element, the models' exponents differ
//! by the same amount, and the same models have weight 0. Subtracting each
//! element's smallest exponent makes that a canonical [`Key`]: the state space
//! finds a child's posterior by adding the step's exponents to its parent's,
//! with no big number, and computes each distinct posterior's exact value once.

use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Zero};

/// A posterior: which models have weight 0, then each model's exponents over the base.
pub type Key = Box<[i32]>;

/// One step's factor `ν(a | h)` for every model: `None` where it is 0.
pub type Factor = Vec<Option<Vec<i32>>>;

/// The coprime base of a scenario's numbers, and the keys built on it.
pub struct BayesKeys {
    models: usize,
    base: Vec<BigUint>,
}

/// Adds `n` to a set of pairwise coprime integers, splitting elements by their
/// common factors until the set is pairwise coprime again (factor refinement).
fn refine(base: &mut Vec<BigUint>, n: BigUint) {
    let mut todo = vec![n];
    while let Some(x) = todo.pop() {
        if x.is_one() {
            continue;
        }
        match base.iter().position(|b| !b.gcd(&x).is_one()) {
            Some(i) => {
                let b = base.swap_remove(i);
                let g = b.gcd(&x);
                todo.push(&x / &g);
                todo.push(&b / &g);
                todo.push(g);
            }
            None => base.push(x),
        }
    }
}

impl BayesKeys {
    pub fn new(s: &Scenario) -> Self {
        let mut base = Vec::new();
        let mut add = |r: &Rational| {
            if !r.is_zero() {
                refine(&mut base, r.numer().magnitude().clone());
                refine(&mut base, r.denom().magnitude().clone());
            }
        };
        for m in &s.models {
            add(&m.prior);
            for c in 0..m.kind.contexts() {
                m.kind.distribution(c).iter().for_each(&mut add);
            }
        }
        base.sort();
        BayesKeys { models: s.models.len(), base }
    }

    /// The exponents of a positive integer over the base.
    fn exponents_of(&self, n: &BigUint, sign: i32, out: &mut [i32]) {
        let mut rest = n.clone();
        for (b, e) in self.base.iter().zip(out.iter_mut()) {
            loop {
                let (q, r) = rest.div_rem(b);
                if !r.is_zero() {
                    break;
                }
                rest = q;
                *e += sign;
            }
        }
        assert!(rest.is_one(), "a scenario number outside its own coprime base");
    }

    /// The exponents of a positive rational over the base.
    fn exponents(&self, r: &Rational) -> Vec<i32> {
        let mut out = vec![0; self.base.len()];
        self.exponents_of(r.numer().magnitude(), 1, &mut out);
        self.exponents_of(r.denom().magnitude(), -1, &mut out);
        out
    }

    /// The key of the priors.
    pub fn root(&self, priors: &[Rational]) -> Key {
        let weights: Factor = priors.iter().map(|p| (!p.is_zero()).then(|| self.exponents(p))).collect();
        self.canonical(weights)
    }

    /// The factor of a step whose action each model gave probability `probs[ν]`.
    pub fn factor(&self, probs: &[&Rational]) -> Factor {
        probs.iter().map(|p| (!p.is_zero()).then(|| self.exponents(p))).collect()
    }

    fn canonical(&self, weights: Factor) -> Key {
        let b = self.base.len();
        let mut out = vec![0i32; self.models * (1 + b)];
        let mut low = vec![i32::MAX; b];
        for w in weights.iter().flatten() {
            for (l, &e) in low.iter_mut().zip(w) {
                *l = (*l).min(e);
            }
        }
        for (i, w) in weights.iter().enumerate() {
            if let Some(w) = w {
                out[i] = 1;
                let row = &mut out[self.models + i * b..self.models + (i + 1) * b];
                for ((o, &e), &l) in row.iter_mut().zip(w).zip(&low) {
                    *o = e - l;
                }
            }
        }
        out.into()
    }

    /// The exact posterior of a key: each model's weight over their sum, in lowest terms.
    pub fn posterior(&self, key: &Key) -> Vec<Rational> {
        let b = self.base.len();
        let weights: Vec<BigUint> = (0..self.models)
            .map(|i| {
                if key[i] == 0 {
                    return BigUint::zero();
                }
                let row = &key[self.models + i * b..self.models + (i + 1) * b];
                row.iter()
                    .zip(&self.base)
                    .fold(BigUint::one(), |w, (&e, base)| w * num_traits::pow(base.clone(), e as usize))
            })
            .collect();
        let total: BigUint = weights.iter().sum();
        weights
            .into_iter()
            .map(|w| {
                if w.is_zero() {
                    return Rational::zero();
                }
                let g = gcd(&total, &w);
                Rational::new_raw(BigInt::from(w / &g), BigInt::from(&total / &g))
            })
            .collect()
    }

    /// The key after a queried step with factor `f` from the posterior `parent`.
    /// If every model gave the action probability 0, the posterior stays as it
    /// was (as [`crate::imitator::update_posterior`] leaves it).
    pub fn child(&self, parent: &Key, f: &Factor) -> Key {
        let b = self.base.len();
        let weights: Factor = (0..self.models)
            .map(|i| {
                let alive = parent[i] == 1;
                match (&f[i], alive) {
                    (Some(fe), true) => {
                        let row = &parent[self.models + i * b..self.models + (i + 1) * b];
                        Some(row.iter().zip(fe).map(|(x, y)| x + y).collect())
                    }
                    _ => None,
                }
            })
            .collect();
        if weights.iter().all(Option::is_none) {
            return parent.clone();
        }
        self.canonical(weights)
    }
}

/// `gcd(a, b)`: one division first when the sizes differ much (num-bigint's
/// binary gcd takes a step per bit of the larger number).
fn gcd(a: &BigUint, b: &BigUint) -> BigUint {
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    if small.is_zero() {
        return big.clone();
    }
    if big.bits() > small.bits() + 64 {
        let r = big % small;
        return r.gcd(small);
    }
    big.gcd(small)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    #[test]
    fn the_base_is_pairwise_coprime_and_covers_every_number() {
        let mut base = Vec::new();
        for n in [12u32, 18, 35, 8, 49, 1] {
            refine(&mut base, BigUint::from(n));
        }
        base.sort();
        for (i, a) in base.iter().enumerate() {
            for b in &base[i + 1..] {
                assert!(a.gcd(b).is_one(), "{a} and {b}");
            }
        }
        assert_eq!(base, [2u32, 3, 5, 7].map(BigUint::from));
    }

    #[test]
    fn keys_are_equal_exactly_when_posteriors_are() {
        let toml = include_str!("../../tests/fixtures/iid-three-one-deterministic.toml");
        let s = Scenario::parse(toml, "t.toml", "t").expect("valid");
        let k = BayesKeys::new(&s);
        let priors: Vec<Rational> = s.models.iter().map(|m| m.prior.clone()).collect();
        let root = k.root(&priors);
        let fa = k.factor(&[&ratio(1, 3), &ratio(2, 3), &ratio(1, 1)]);
        let fb = k.factor(&[&ratio(2, 3), &ratio(1, 3), &ratio(0, 1)]);
        // a then b equals b then a; b then b is another posterior; z dies on b.
        let ab = k.child(&k.child(&root, &fa), &fb);
        let ba = k.child(&k.child(&root, &fb), &fa);
        assert_eq!(ab, ba);
        assert_ne!(ab, k.child(&k.child(&root, &fb), &fb));
        assert_eq!(ab[2], 0);
        // After a and b, x and y are back to the prior ratio 2 : 1.
        let two_to_one = k.root(&[ratio(2, 3), ratio(1, 3), ratio(0, 1)]);
        assert_eq!(ab, two_to_one);
        assert_eq!(k.posterior(&ab), [ratio(2, 3), ratio(1, 3), ratio(0, 1)]);
        assert_eq!(k.posterior(&root), priors);
        let a = k.child(&root, &fa);
        let expected = crate::imitator::update_posterior(
            &priors,
            0,
            &[s.models[0].kind.distribution(0), s.models[1].kind.distribution(0), s.models[2].kind.distribution(0)],
        );
        assert_eq!(k.posterior(&a), expected);
    }
}
