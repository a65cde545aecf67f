//! Unsigned integers of a fixed width, as little-endian `u64` limbs, for the
//! lumped engine's masses.
//!
//! Every mass of a layer is bounded by a number the engine knows before the
//! layer is built (its probability is at most 1, so its numerator is at most
//! the layer's denominator), so each kind of mass gets a fixed number of limbs
//! per layer and lives in one flat [`Arena`]: no allocation per entry, and a
//! successor's update is one multiply-accumulate over contiguous words.
//! Overflow past the width is a bug in those bounds, and panics.

use num_bigint::BigUint;

/// How many limbs hold a number of `bits` bits (at least one).
pub fn limbs_for(bits: u64) -> usize {
    bits.div_ceil(64).max(1) as usize
}

/// Asks the processor to start loading `x` into the cache (a hint: it has no
/// effect on the result, and none on targets other than x86-64).
#[inline(always)]
pub fn prefetch(x: &[u64]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and never changes memory; the pointers
    // are within (or one past) a live slice.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = x.as_ptr() as *const i8;
        _mm_prefetch(p, _MM_HINT_T0);
        if x.len() > 8 {
            _mm_prefetch(p.add(8 * (x.len() - 1)), _MM_HINT_T0);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// `x` without its high zero limbs.
#[inline]
pub fn trim(x: &[u64]) -> &[u64] {
    let mut n = x.len();
    while n > 0 && x[n - 1] == 0 {
        n -= 1;
    }
    &x[..n]
}

#[inline]
fn carry_into(dst: &mut [u64], mut carry: u64) {
    for d in dst {
        if carry == 0 {
            return;
        }
        let (s, c) = d.overflowing_add(carry);
        *d = s;
        carry = c as u64;
    }
    assert_eq!(carry, 0, "a mass outgrew the width its bound gave it");
}

/// `dst += src · w` for a one-limb `w`; `src` must be no longer than `dst`.
#[inline]
pub fn mac1(dst: &mut [u64], src: &[u64], w: u64) {
    let (head, tail) = dst.split_at_mut(src.len());
    let mut carry = 0u64;
    for (d, &s) in head.iter_mut().zip(src) {
        let t = (s as u128) * (w as u128) + (*d as u128) + (carry as u128);
        *d = t as u64;
        carry = (t >> 64) as u64;
    }
    carry_into(tail, carry);
}

/// `dst += src · w`.
#[inline]
pub fn mac(dst: &mut [u64], src: &[u64], w: &[u64]) {
    let src = trim(src);
    if src.is_empty() {
        return;
    }
    if let [w0] = w {
        return mac1(dst, src, *w0);
    }
    for (j, &wj) in w.iter().enumerate() {
        if wj != 0 {
            mac1(&mut dst[j..], src, wj);
        }
    }
}

/// `dst += src`.
#[inline]
pub fn add(dst: &mut [u64], src: &[u64]) {
    let src = trim(src);
    let (head, tail) = dst.split_at_mut(src.len());
    let mut carry = 0u64;
    for (d, &s) in head.iter_mut().zip(src) {
        let (a, c1) = d.overflowing_add(s);
        let (b, c2) = a.overflowing_add(carry);
        *d = b;
        carry = (c1 | c2) as u64;
    }
    carry_into(tail, carry);
}

/// The limbs of `b` (at least one).
pub fn from_big(b: &BigUint) -> Vec<u64> {
    let mut v = b.to_u64_digits();
    if v.is_empty() {
        v.push(0);
    }
    v
}

/// The number held in `x`.
pub fn to_big(x: &[u64]) -> BigUint {
    let x = trim(x);
    let mut digits = Vec::with_capacity(2 * x.len());
    for &l in x {
        digits.push(l as u32);
        digits.push((l >> 32) as u32);
    }
    BigUint::new(digits)
}

/// A sum that grows as it needs: for totals over a layer, whose bound is not fixed.
#[derive(Debug, Clone, Default)]
pub struct Sum(Vec<u64>);

impl Sum {
    /// `self += x`.
    pub fn add(&mut self, x: &[u64]) {
        let x = trim(x);
        if self.0.len() <= x.len() {
            self.0.resize(x.len() + 1, 0);
        }
        if self.0.last() != Some(&0) {
            self.0.push(0);
        }
        add(&mut self.0, x);
    }

    /// `self += x · w`.
    pub fn add_product(&mut self, x: &[u64], w: &[u64]) {
        let need = trim(x).len() + w.len() + 1;
        if self.0.len() < need {
            self.0.resize(need, 0);
        }
        if self.0.last() != Some(&0) {
            self.0.push(0);
        }
        mac(&mut self.0, x, w);
    }

    /// `self += other`.
    pub fn merge(&mut self, other: &Sum) {
        self.add(&other.0);
    }

    pub fn value(&self) -> BigUint {
        to_big(&self.0)
    }

    /// The limbs (possibly with high zeros).
    pub fn limbs(&self) -> &[u64] {
        &self.0
    }

    /// Back to zero, keeping the room.
    pub fn clear(&mut self) {
        self.0.iter_mut().for_each(|x| *x = 0);
    }

    pub fn is_zero(&self) -> bool {
        trim(&self.0).is_empty()
    }
}

/// Numbers of one fixed width, stored back to back.
#[derive(Debug, Clone, Default)]
pub struct Arena {
    stride: usize,
    data: Vec<u64>,
}

impl Arena {
    /// `len` zeros of `stride` limbs each.
    pub fn zeros(stride: usize, len: usize) -> Self {
        Arena { stride, data: vec![0; stride * len] }
    }

    pub fn stride(&self) -> usize {
        self.stride
    }

    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.stride).unwrap_or(0)
    }

    #[inline]
    pub fn get(&self, i: usize) -> &[u64] {
        &self.data[i * self.stride..(i + 1) * self.stride]
    }

    #[inline]
    pub fn get_mut(&mut self, i: usize) -> &mut [u64] {
        &mut self.data[i * self.stride..(i + 1) * self.stride]
    }

    /// Appends `x` (which must fit the width).
    pub fn push(&mut self, x: &[u64]) {
        let x = trim(x);
        assert!(x.len() <= self.stride, "a number wider than its arena");
        self.data.extend_from_slice(x);
        self.data.resize(self.data.len() + self.stride - x.len(), 0);
    }

    /// Widens every number to `stride` limbs (`stride` at least the current width).
    pub fn widen(&mut self, stride: usize) {
        if stride == self.stride {
            return;
        }
        assert!(stride > self.stride);
        let n = self.len();
        let mut data = vec![0; stride * n];
        for i in 0..n {
            data[i * stride..i * stride + self.stride].copy_from_slice(self.get(i));
        }
        *self = Arena { stride, data };
    }

    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        8 * self.data.capacity() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> BigUint {
        s.parse().expect("a number")
    }

    #[test]
    fn multiply_accumulate_matches_big_integers() {
        let a = big("340282366920938463463374607431768211455123456789");
        let w = big("18446744073709551615");
        let w2 = big("1234567890123456789012345678901234567890");
        let mut dst = vec![0u64; 8];
        mac(&mut dst, &from_big(&a), &from_big(&w));
        assert_eq!(to_big(&dst), &a * &w);
        mac(&mut dst, &from_big(&a), &from_big(&w2));
        assert_eq!(to_big(&dst), &a * &w + &a * &w2);
        add(&mut dst, &from_big(&a));
        assert_eq!(to_big(&dst), &a * &w + &a * &w2 + &a);
    }

    #[test]
    fn sums_grow_and_arenas_keep_their_width() {
        let mut s = Sum::default();
        let x = vec![u64::MAX; 3];
        for _ in 0..5 {
            s.add(&x);
        }
        s.add_product(&x, &[7, 1]);
        let xb = to_big(&x);
        assert_eq!(s.value(), &xb * 5u32 + &xb * (BigUint::from(7u32) + (BigUint::from(1u32) << 64)));
        let mut a = Arena::zeros(2, 2);
        mac1(a.get_mut(1), &[u64::MAX], u64::MAX);
        a.push(&[5]);
        a.widen(4);
        assert_eq!(a.len(), 3);
        assert_eq!(to_big(a.get(1)), BigUint::from(u64::MAX) * u64::MAX);
        assert_eq!(to_big(a.get(2)), BigUint::from(5u32));
    }

    #[test]
    #[should_panic(expected = "outgrew")]
    fn overflow_past_the_width_is_caught() {
        let mut dst = vec![u64::MAX; 2];
        mac1(&mut dst, &[2], 1);
    }
}
