//! Outward-rounded fixed-point numbers for the lifetime's rounded masses
//! (`docs/lifetime.md`, "Rounded arithmetic"; `proofs/infinite-horizon.md`, §R).
//!
//! A number is an integer `n` standing for `n / 2^FRAC_BITS`, held in a
//! `u128`. Every operation is written out in integer arithmetic and says
//! which way it rounds: [`floor_of`] and [`ceil_of`] turn an exact rational
//! into the largest fixed-point number below it and the smallest above it;
//! [`mul_floor`] and [`mul_ceil`] multiply two fixed-point numbers and round
//! the exact product down or up. Nothing here depends on a floating-point
//! rounding mode, and nothing here is a float.
//!
//! Sums of fixed-point numbers are exact (integer additions), checked for
//! overflow: [`checked_sum`].

use crate::number::Rational;
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

/// Fraction bits: `1` is `2^FRAC_BITS`. A `u128` holds up to 16 of them,
/// room for a layer's total upper mass (at most a little above 1).
pub const FRAC_BITS: u32 = 124;

/// The fixed-point `1`.
pub const ONE: u128 = 1 << FRAC_BITS;

/// `⌊x·2^FRAC_BITS⌋` for `0 ≤ x`, or `None` if `x` is negative or at least 16.
pub fn floor_of(x: &Rational) -> Option<u128> {
    scaled(x, false)
}

/// `⌈x·2^FRAC_BITS⌉` for `0 ≤ x`, or `None` if `x` is negative or at least 16.
pub fn ceil_of(x: &Rational) -> Option<u128> {
    scaled(x, true)
}

fn scaled(x: &Rational, up: bool) -> Option<u128> {
    if x.is_negative() {
        return None;
    }
    let (n, d) = (x.numer().magnitude(), x.denom().magnitude());
    let (q, r) = (n << FRAC_BITS as usize).div_rem(d);
    let q = if up && !r.is_zero() { q + 1u32 } else { q };
    q.to_u128()
}

/// The exact product `a·b` of two `u128`s, as (high, low) halves.
#[inline]
pub fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const M: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & M);
    let (b1, b0) = (b >> 64, b & M);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // The middle column: at most 3·(2^64 − 1) + carries, in a u128.
    let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    let lo = (p00 & M) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `⌊a·b / 2^FRAC_BITS⌋`: the product of two fixed-point numbers, rounded down.
/// `None` if it does not fit.
#[inline]
pub fn mul_floor(a: u128, b: u128) -> Option<u128> {
    let (hi, lo) = mul_wide(a, b);
    shift_down(hi, lo)
}

/// `⌈a·b / 2^FRAC_BITS⌉`: the product of two fixed-point numbers, rounded up.
/// `None` if it does not fit.
#[inline]
pub fn mul_ceil(a: u128, b: u128) -> Option<u128> {
    let (hi, lo) = mul_wide(a, b);
    let q = shift_down(hi, lo)?;
    let rest = lo & (ONE - 1);
    if rest == 0 {
        Some(q)
    } else {
        q.checked_add(1)
    }
}

/// `⌊(hi·2^128 + lo) / 2^FRAC_BITS⌋`, if it fits in a `u128`.
#[inline]
fn shift_down(hi: u128, lo: u128) -> Option<u128> {
    if hi >> FRAC_BITS != 0 {
        return None;
    }
    Some((hi << (128 - FRAC_BITS)) | (lo >> FRAC_BITS))
}

/// `a + b`, or `None` on overflow.
#[inline]
pub fn checked_sum(a: u128, b: u128) -> Option<u128> {
    a.checked_add(b)
}

/// The exact value of a fixed-point number.
pub fn to_rational(n: u128) -> Rational {
    over_power(BigUint::from(n), FRAC_BITS as usize)
}

/// `n / 2^bits`, exactly.
pub fn over_power(n: BigUint, bits: usize) -> Rational {
    use num_bigint::BigInt;
    Rational::new(BigInt::from(n), BigInt::from(BigUint::from(1u32) << bits))
}

/// `x` as two little-endian `u64` limbs.
#[inline]
pub fn limbs(x: u128) -> [u64; 2] {
    [x as u64, (x >> 64) as u64]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    #[test]
    fn rounding_brackets_the_exact_value() {
        for (n, d) in [(1, 3), (2, 7), (1, 1), (0, 1), (15, 16), (123456789, 1000000007)] {
            let x = ratio(n, d);
            let (lo, hi) = (floor_of(&x).expect("fits"), ceil_of(&x).expect("fits"));
            assert!(to_rational(lo) <= x && x <= to_rational(hi));
            assert!(hi - lo <= 1);
            assert_eq!(lo == hi, to_rational(lo) == x);
        }
        assert_eq!(floor_of(&ratio(-1, 2)), None);
        assert_eq!(ceil_of(&ratio(16, 1)), None);
    }

    #[test]
    fn products_round_the_right_way() {
        let big = |x: u128| BigUint::from(x);
        let cases = [(ONE, ONE), (ONE / 3, ONE / 7 + 5), (ONE - 1, ONE - 1), (12345, 678910), (ONE * 3, ONE / 5)];
        for (a, b) in cases {
            let exact = big(a) * big(b);
            let (hi, lo) = mul_wide(a, b);
            assert_eq!((big(hi) << 128usize) + big(lo), exact);
            let f = mul_floor(a, b).expect("fits");
            let c = mul_ceil(a, b).expect("fits");
            assert!(big(f) << FRAC_BITS as usize <= exact);
            assert!(big(c) << FRAC_BITS as usize >= exact);
            assert!(c - f <= 1);
        }
        assert_eq!(mul_floor(ONE * 8, ONE * 8), None);
    }
}
