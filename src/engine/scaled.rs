//! Exact probabilities as integers over a common denominator.
//!
//! Every probability at depth `d` of a walk is `N / D^d`, where `D` is the
//! least common multiple of the denominators of all step probabilities. Adding
//! two such numbers is an integer addition, with no gcd; this is what makes the
//! exact engines fast. When `D^T` fits, the integers are `u128` with no
//! overflow possible (checked once, before the walk, from the bound on `D^T`);
//! otherwise they are `BigUint`. The result converts back to lowest terms.

use crate::number::Rational;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

/// An unsigned integer the walks accumulate in: a probability (or a weight)
/// times the common denominator `D^d` of its depth.
pub trait ScaledInt: Clone + Send + Sync + 'static {
    fn zeroed() -> Self;
    fn from_big(b: &BigUint) -> Self;
    fn to_big(&self) -> BigUint;
    fn mul(&self, other: &Self) -> Self;
    fn add_to(&mut self, other: &Self);
    fn is_zeroed(&self) -> bool;
}

impl ScaledInt for u128 {
    fn zeroed() -> Self {
        0
    }
    fn from_big(b: &BigUint) -> Self {
        b.to_u128().expect("checked to fit before the walk")
    }
    fn to_big(&self) -> BigUint {
        BigUint::from(*self)
    }
    #[inline]
    fn mul(&self, other: &Self) -> Self {
        self * other
    }
    #[inline]
    fn add_to(&mut self, other: &Self) {
        *self += other;
    }
    fn is_zeroed(&self) -> bool {
        *self == 0
    }
}

impl ScaledInt for BigUint {
    fn zeroed() -> Self {
        Zero::zero()
    }
    fn from_big(b: &BigUint) -> Self {
        b.clone()
    }
    fn to_big(&self) -> BigUint {
        self.clone()
    }
    fn mul(&self, other: &Self) -> Self {
        self * other
    }
    fn add_to(&mut self, other: &Self) {
        *self += other;
    }
    fn is_zeroed(&self) -> bool {
        Zero::is_zero(self)
    }
}

/// The least common multiple of the denominators of `values`.
pub fn common_denominator<'a>(values: impl IntoIterator<Item = &'a Rational>) -> BigUint {
    values.into_iter().fold(BigUint::one(), |l, r| l.lcm(&r.denom().magnitude().clone()))
}

/// `r · D` as an integer; `D` must be a multiple of `r`'s denominator and `r ≥ 0`.
pub fn scale(r: &Rational, d: &BigUint) -> BigUint {
    let q = d / r.denom().magnitude();
    r.numer().magnitude() * q
}

/// `n / D^depth` in lowest terms.
pub fn unscale(n: &BigUint, d: &BigUint, depth: usize) -> Rational {
    Rational::new(BigInt::from(n.clone()), BigInt::from(num_traits::pow(d.clone(), depth)))
}

/// Whether every integer a walk can form fits in a `u128`: each is at most
/// `(factor · D)^depth`, where `factor` bounds how much a path's weight can
/// grow beyond its probability (2 for `Π(1+θ)`), so it fits when that power
/// is below `2^127`.
pub fn fits_u128(denominators: &[&BigUint], factor: u64, depth: usize) -> bool {
    denominators.iter().all(|d| {
        let base = *d * factor;
        // Cheap rejection before forming a large power.
        if (base.bits() - 1).saturating_mul(depth as u64) > 127 {
            return false;
        }
        num_traits::pow(base, depth).bits() <= 127
    })
}

/// Whether `Π base^exp` over `terms` is below `2^127`, so that any integer
/// bounded by it fits a `u128`.
pub fn fits_u128_product(terms: &[(&BigUint, usize)]) -> bool {
    // Cheap rejection before forming a large power: `base ≥ 2^(bits-1)`.
    let low: u64 = terms.iter().map(|(b, e)| b.bits().saturating_sub(1).saturating_mul(*e as u64)).sum();
    if low > 127 {
        return false;
    }
    terms.iter().fold(BigUint::one(), |p, (b, e)| p * num_traits::pow((*b).clone(), *e)).bits() <= 127
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    #[test]
    fn scale_and_unscale_are_exact() {
        let d = common_denominator(&[ratio(1, 4), ratio(3, 8), ratio(1, 6)]);
        assert_eq!(d, BigUint::from(24u32));
        assert_eq!(scale(&ratio(3, 8), &d), BigUint::from(9u32));
        assert_eq!(unscale(&BigUint::from(9u32), &d, 1), ratio(3, 8));
        assert_eq!(unscale(&BigUint::from(18u32), &d, 2), ratio(1, 32));
    }

    #[test]
    fn u128_is_chosen_only_when_it_cannot_overflow() {
        let d = BigUint::from(16u32);
        assert!(fits_u128(&[&d], 2, 25)); // 32^25 = 2^125
        assert!(!fits_u128(&[&d], 2, 26)); // 2^130
        assert!(fits_u128(&[&BigUint::from(3u32)], 1, 80)); // 3^80 < 2^127
        assert!(!fits_u128(&[&BigUint::from(3u32)], 1, 81)); // 3^81 > 2^128
    }
}
