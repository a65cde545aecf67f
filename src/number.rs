//! Probabilities: the one trait the algorithm is generic over, and exact parsing
//! and printing of rationals.
//!
//! The imitator is written once over [`Prob`], so the same code runs with
//! [`Rational`] (exact, for every verified figure) and with `f64` (fast
//! simulation only). Nothing that the verifier reports ever passes through `f64`.

use crate::limits::{excerpt, MAX_NUMBER_LEN};
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Sub};

/// Exact rational numbers: the number type of every verified figure.
pub type Rational = BigRational;

/// What the imitator needs of a probability: a field with an order.
///
/// Implemented for [`Rational`] (exact) and `f64` (fast simulation).
pub trait Prob:
    Clone
    + PartialOrd
    + PartialEq
    + Debug
    + Send
    + Sync
    + 'static
    + Zero
    + One
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
{
    /// Converts an exact scenario number into this type.
    fn from_rational(r: &Rational) -> Self;
    /// A decimal approximation, for display and for comparing with `f64` runs.
    fn to_f64(&self) -> f64;
    /// A uniform draw from `[0, 1)` on the grid `k / 2^64` (exact for rationals).
    fn uniform<R: rand::Rng>(rng: &mut R) -> Self;
    /// The order of `self` and `other`, as `partial_cmp` gives it (exact
    /// rationals compare by cross-multiplying, which for long numbers is far
    /// cheaper than the continued fraction `partial_cmp` expands).
    fn compare(&self, other: &Self) -> Option<Ordering> {
        self.partial_cmp(other)
    }
    /// Whether `self > factor · Σ terms`: the α rule's test (exact rationals
    /// add the terms over the product of their denominators, with no gcd).
    fn exceeds(&self, factor: &Self, terms: &[&Self]) -> bool {
        let sum = terms.iter().fold(Self::zero(), |s, &t| s + t.clone());
        // Not "≤" rather than ">": the same answer as the rule's text where
        // values are incomparable (a NaN in a float run).
        !matches!(self.partial_cmp(&(factor.clone() * sum)), Some(Ordering::Less | Ordering::Equal))
    }
    /// `self · other` (exact rationals reduce with [`gcd`], not num-bigint's).
    fn times(&self, other: &Self) -> Self {
        self.clone() * other.clone()
    }
    /// `Σ xs`.
    fn sum_all(xs: &[Self]) -> Self {
        xs.iter().fold(Self::zero(), |s, x| s + x.clone())
    }
    /// Each of `xs` over their sum `Σ xs`; `None` when the sum is 0.
    fn normalize_all(xs: &[Self]) -> Option<Vec<Self>> {
        let total = Self::sum_all(xs);
        (!total.is_zero()).then(|| xs.iter().map(|x| x.clone() / total.clone()).collect())
    }
    /// How many of `values`, taken in the order `order`, pass one after the
    /// other the test `values[order[n]] > factor · Σ_{k<n} values[order[k]]`
    /// ([`Prob::exceeds`]; the first always passes): the α rule's top set.
    fn passing_prefix(values: &[Self], order: &[usize], factor: &Self) -> usize {
        (1..order.len())
            .find(|&n| {
                let above: Vec<&Self> = order[..n].iter().map(|&j| &values[j]).collect();
                !values[order[n]].exceeds(factor, &above)
            })
            .unwrap_or(order.len())
    }
}

impl Prob for Rational {
    fn from_rational(r: &Rational) -> Self {
        r.clone()
    }
    fn to_f64(&self) -> f64 {
        ToPrimitive::to_f64(self).unwrap_or(f64::NAN)
    }
    fn uniform<R: rand::Rng>(rng: &mut R) -> Self {
        Rational::new(BigInt::from(rng.gen::<u64>()), BigInt::one() << 64)
    }
    // Denominators are positive, so cross-multiplying keeps the order.
    fn compare(&self, other: &Self) -> Option<Ordering> {
        if self.denom() == other.denom() {
            return Some(self.numer().cmp(other.numer()));
        }
        // Positive values far apart are ordered by their logarithms from the
        // leading 64 bits of each part (each within 2^-60 of the truth, and the
        // sum within 2^-40 for numbers of fewer than 2^40 bits), with no product.
        if self.is_positive() && other.is_positive() {
            let gap = log2(self.numer().magnitude())
                - log2(self.denom().magnitude())
                - (log2(other.numer().magnitude()) - log2(other.denom().magnitude()));
            if gap.abs() > 1e-3 {
                return Some(if gap > 0.0 { Ordering::Greater } else { Ordering::Less });
            }
        }
        Some((self.numer() * other.denom()).cmp(&(other.numer() * self.denom())))
    }
    fn exceeds(&self, factor: &Self, terms: &[&Self]) -> bool {
        let (mut n, mut d) = (BigInt::zero(), BigInt::one());
        for t in terms {
            if t.denom() == &d {
                n += t.numer();
            } else {
                n = n * t.denom() + t.numer() * &d;
                d *= t.denom();
            }
        }
        self.numer() * factor.denom() * d > factor.numer() * n * self.denom()
    }
    fn times(&self, other: &Self) -> Self {
        mul(self, other)
    }
    // Over a common denominator, with one long gcd (see [`sum`]).
    fn sum_all(xs: &[Self]) -> Self {
        if xs.iter().any(|x| x.is_negative()) {
            return xs.iter().fold(Self::zero(), |s, x| s + x);
        }
        sum(xs)
    }
    fn normalize_all(xs: &[Self]) -> Option<Vec<Self>> {
        if xs.iter().any(|x| x.is_negative()) {
            let total: Self = xs.iter().sum();
            return (!total.is_zero()).then(|| xs.iter().map(|x| x / &total).collect());
        }
        normalize(xs)
    }
    // One running sum over the least common denominator, not the terms again
    // at every rank over the product of their denominators.
    fn passing_prefix(values: &[Self], order: &[usize], factor: &Self) -> usize {
        let (mut n, mut d) = (BigInt::zero(), BigInt::one());
        for (k, &i) in order.iter().enumerate() {
            let v = &values[i];
            if k > 0 && v.numer() * factor.denom() * &d <= factor.numer() * &n * v.denom() {
                return k;
            }
            if v.denom() == &d {
                n += v.numer();
            } else {
                let g = BigInt::from(gcd(d.magnitude(), v.denom().magnitude()));
                let up = v.denom() / &g;
                n = n * &up + v.numer() * (&d / &g);
                d *= up;
            }
        }
        order.len()
    }
}

impl Prob for f64 {
    fn from_rational(r: &Rational) -> Self {
        ToPrimitive::to_f64(r).unwrap_or(f64::NAN)
    }
    fn to_f64(&self) -> f64 {
        *self
    }
    fn uniform<R: rand::Rng>(rng: &mut R) -> Self {
        rng.gen::<u64>() as f64 / 18446744073709551616.0
    }
}

/// Builds `n/d` as an exact rational (test and doc convenience).
pub fn ratio(n: i64, d: i64) -> Rational {
    Rational::new(BigInt::from(n), BigInt::from(d))
}

/// Parses `"p/q"`, `"n"` or a decimal such as `"0.25"` or `"-1.5"` exactly.
///
/// Decimals are read digit by digit, so `"0.1"` is exactly 1/10; exponents and
/// anything else are rejected with a message that says what is accepted.
///
/// A number longer than [`MAX_NUMBER_LEN`] characters is refused before it is
/// read (reading takes time in the square of the length).
pub fn parse_rational(text: &str) -> Result<Rational, NumberError> {
    if text.len() > MAX_NUMBER_LEN && text.chars().count() > MAX_NUMBER_LEN {
        return Err(NumberError::TooLong { excerpt: excerpt(text) });
    }
    let s = text.trim();
    let bad = || NumberError::NotANumber { excerpt: excerpt(text) };
    if s.is_empty() {
        return Err(bad());
    }
    if let Some((p, q)) = s.split_once('/') {
        let p: BigInt = parse_integer(p.trim()).ok_or_else(bad)?;
        let q: BigInt = parse_integer(q.trim()).ok_or_else(bad)?;
        if q.is_zero() {
            return Err(NumberError::DividesByZero { excerpt: excerpt(text) });
        }
        return Ok(Rational::new(p, q));
    }
    if let Some((int, frac)) = s.split_once('.') {
        let (neg, int) = match int.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, int.strip_prefix('+').unwrap_or(int)),
        };
        let digits_ok = |d: &str| d.chars().all(|c| c.is_ascii_digit());
        if !digits_ok(int) || !digits_ok(frac) || (int.is_empty() && frac.is_empty()) {
            return Err(bad());
        }
        let all = format!("{int}{frac}");
        let n: BigInt = if all.is_empty() { BigInt::zero() } else { all.parse().map_err(|_| bad())? };
        let d = num_traits::pow(BigInt::from(10), frac.len());
        let r = Rational::new(n, d);
        return Ok(if neg { -r } else { r });
    }
    parse_integer(s).map(Rational::from_integer).ok_or_else(bad)
}

/// Why a text is not an exact number ([`parse_rational`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Longer than [`MAX_NUMBER_LEN`] characters: refused before it is read.
    #[error(
        "`{excerpt}` is longer than {MAX_NUMBER_LEN} characters, the most one number may have (limits::MAX_NUMBER_LEN)"
    )]
    TooLong {
        /// The text's first characters and its length.
        excerpt: String,
    },
    /// Not `p/q`, an integer or a decimal.
    #[error("`{excerpt}` is not a number: write \"p/q\" (e.g. \"1/3\"), an integer (\"2\") or a decimal (\"0.25\")")]
    NotANumber {
        /// The text (cut when long).
        excerpt: String,
    },
    /// `p/0`.
    #[error("`{excerpt}` divides by zero")]
    DividesByZero {
        /// The text (cut when long).
        excerpt: String,
    },
}

fn parse_integer(s: &str) -> Option<BigInt> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Prints a rational in lowest terms as `"p/q"`, or `"n"` when the denominator is 1.
///
/// This is the format of every exact number in the JSON output (`docs/json.md`).
pub fn fmt_exact(r: &Rational) -> String {
    // BigRational is always kept reduced with a positive denominator.
    if r.denom().is_one() {
        r.numer().to_string()
    } else {
        format!("{}/{}", r.numer(), r.denom())
    }
}

/// Serde for exact numbers as `"p/q"` strings (`"n"` for an integer), the
/// way [`fmt_exact`] writes them and [`parse_rational`] reads them: use with
/// `#[serde(with = "exact")]`, or [`exact::option`] and [`exact::vec`].
pub mod exact {
    use super::{fmt_exact, parse_rational, Rational};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `p/q` (or `n`).
    pub fn serialize<S: Serializer>(r: &Rational, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_exact(r))
    }

    /// Reads what [`crate::number::parse_rational`] reads.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Rational, D::Error> {
        let text = String::deserialize(d)?;
        parse_rational(&text).map_err(D::Error::custom)
    }

    /// A borrowed exact number that serializes as [`serialize`] does (for
    /// numbers in lists, maps and generic fields).
    #[derive(Debug, Clone, Copy)]
    pub struct Exact<'a>(pub &'a Rational);

    impl Serialize for Exact<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, s)
        }
    }

    /// `Option<Rational>`: `null` when absent.
    pub mod option {
        use super::{Exact, Rational};
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        /// Writes `p/q`, or `null` for `None`.
        pub fn serialize<S: Serializer>(r: &Option<Rational>, s: S) -> Result<S::Ok, S::Error> {
            r.as_ref().map(Exact).serialize(s)
        }

        /// Reads a number or `null`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Rational>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Rational);
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }

    /// `Vec<Rational>`: a list of exact strings.
    pub mod vec {
        use super::{Exact, Rational};
        use serde::{Deserialize, Deserializer, Serializer};

        /// Writes a list of `p/q`.
        pub fn serialize<S: Serializer>(v: &[Rational], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(v.iter().map(Exact))
        }

        /// Reads a list of exact numbers.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Rational>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Rational);
            Ok(Vec::<Wrap>::deserialize(d)?.into_iter().map(|w| w.0).collect())
        }
    }
}

/// A number for people: `n`, or `p/q ≈ d`; when the exact form is longer than
/// `max` characters, `≈ d (a k-digit integer)` or `≈ d (a k-character fraction)`.
///
/// Every report uses this one form, each with the length its layout allows;
/// the JSON always carries the exact value.
pub fn fmt_readable(r: &Rational, max: usize) -> String {
    // The length first: printing a long number takes time in its square.
    let sign = r.numer().is_negative() as usize;
    let digits = decimal_len(r.numer().magnitude());
    let len = if r.denom().is_one() { sign + digits } else { sign + digits + 1 + decimal_len(r.denom().magnitude()) };
    match (r.denom().is_one(), len <= max) {
        (true, true) => fmt_exact(r),
        (false, true) => format!("{} ≈ {}", fmt_exact(r), fmt_approx(r)),
        (true, false) => format!("≈ {} (a {digits}-digit integer)", fmt_approx(r)),
        (false, false) => format!("≈ {} (a {len}-character fraction)", fmt_approx(r)),
    }
}

/// How many decimal digits `n` has (1 for 0), without printing it when long.
fn decimal_len(n: &BigUint) -> usize {
    let bits = n.bits();
    if bits < 2048 {
        return n.to_string().len();
    }
    // 2^(bits−1) ≤ n < 2^bits: the count is that of 2^(bits−1), or one more.
    let low = ((bits - 1) as f64 * std::f64::consts::LOG10_2).floor() as usize + 1;
    if *n >= num_traits::pow(BigUint::from(10u32), low) {
        low + 1
    } else {
        low
    }
}

/// [`fmt_readable`] after the name of a quantity: `= n`, `= p/q ≈ d`, or
/// `≈ d (…)` when the exact form is too long, so that no output reads `= ≈`.
pub fn fmt_is(r: &Rational, max: usize) -> String {
    let shown = fmt_readable(r, max);
    if shown.starts_with('≈') {
        shown
    } else {
        format!("= {shown}")
    }
}

/// A short decimal approximation for people: six significant digits.
///
/// Two cases are written so that the approximation never misleads: a value
/// that rounds to an integer without being one is shown as that integer plus
/// or minus the difference (`1 − 1.7e-17`, never `1`), and a value beyond the
/// range of `f64` keeps its order of magnitude (`≈ 3.1e400`).
pub fn fmt_approx(r: &Rational) -> String {
    let x = Prob::to_f64(r);
    if !x.is_finite() || (x == 0.0 && !r.is_zero()) {
        return fmt_magnitude(r);
    }
    let shown = fmt_float(x);
    if let Ok(k) = shown.parse::<i64>() {
        let k = Rational::from_integer(k.into());
        if k != *r {
            let d = r - &k;
            let sign = if d.is_negative() { "−" } else { "+" };
            return format!("{shown} {sign} {}", fmt_approx(&d.abs()));
        }
    }
    shown
}

/// A value beyond the range of `f64`: three significant digits and its power of ten.
fn fmt_magnitude(r: &Rational) -> String {
    let (m, e) = scientific(r);
    let sign = if r.is_negative() { "-" } else { "" };
    format!("{sign}{:.2}e{e}", Prob::to_f64(&m))
}

/// `|r| = m · 10^e` with `1 ≤ m < 10`, for `r ≠ 0`, exactly: the exponent is
/// found from the digit counts (with big integers, whatever the size of `r`)
/// and corrected by one step.
fn scientific(r: &Rational) -> (Rational, i64) {
    let (n, d) = (r.numer().abs(), r.denom().clone());
    let mut e = decimal_len(n.magnitude()) as i64 - decimal_len(d.magnitude()) as i64;
    let pow = |k: i64| num_traits::pow(BigInt::from(10), k.unsigned_abs() as usize);
    let scaled =
        |e: i64| if e >= 0 { Rational::new(n.clone(), &d * pow(e)) } else { Rational::new(&n * pow(e), d.clone()) };
    let mut m = scaled(e);
    if m < Rational::one() {
        e -= 1;
        m = scaled(e);
    }
    (m, e)
}

/// Six significant digits, switching to scientific notation for tiny or huge values.
///
/// A value that is not finite (never an exact figure's: those beyond the
/// range of `f64` go through [`fmt_approx`] or [`fmt_sqrt`]) is written `∞`,
/// `-∞` or `NaN`.
pub fn fmt_float(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    let a = x.abs();
    if !(1e-4..1e6).contains(&a) {
        // `1.70000e-17` reads as `1.7e-17`.
        let s = format!("{x:.5e}");
        match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_mantissa(mantissa)),
            None => s,
        }
    } else {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// `1.70000` as `1.7`, `2.00000` as `2`.
fn trim_mantissa(mantissa: &str) -> &str {
    if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    }
}

/// The square root of `r ≥ 0`, as [`fmt_float`] writes six significant
/// digits, for values of any size: one beyond the range of `f64` (a bound
/// of `10^400`) is scaled by an exact even power of ten first, so that the
/// root keeps its order of magnitude (`1e200`). A negative `r` is `NaN`.
pub fn fmt_sqrt(r: &Rational) -> String {
    if r.is_negative() {
        return "NaN".into();
    }
    if r.is_zero() {
        return "0".into();
    }
    let x = Prob::to_f64(r);
    if x.is_finite() && x > 0.0 {
        return fmt_float(x.sqrt());
    }
    // r = m·10^e, 1 ≤ m < 10; with e = 2k + j (j ∈ {0, 1}), √r = √(m·10^j)·10^k.
    let (m, e) = scientific(r);
    let (k, j) = (e.div_euclid(2), e.rem_euclid(2));
    let mut root = (Prob::to_f64(&m) * if j == 1 { 10.0 } else { 1.0 }).sqrt();
    let mut k = k;
    if format!("{root:.5}").starts_with("10") {
        root /= 10.0;
        k += 1;
    }
    format!("{}e{k}", trim_mantissa(&format!("{root:.5}")))
}

/// Whether a rational lies in the closed unit interval.
pub fn in_unit_interval(r: &Rational) -> bool {
    !r.is_negative() && *r <= Rational::one()
}

/// `log2(x)` for `x > 0`, from its leading 64 bits: within `2^-60` of the
/// truth for numbers of any length, plus the rounding of one `f64` sum.
fn log2(x: &BigUint) -> f64 {
    let bits = x.bits();
    let shift = bits.saturating_sub(64);
    let top = (x >> shift).to_u64().expect("64 bits");
    shift as f64 + (top as f64).log2()
}

/// `gcd(a, b)` of two naturals, in time quadratic in their length in words
/// (Lehmer's algorithm: 64 bits of quotients per pass over the numbers).
/// num-bigint's own `gcd` is Stein's binary algorithm, one pass per bit,
/// which on numbers of thousands of digits costs 64 times as much, and as
/// much again when one number is much longer than the other.
pub fn gcd(a: &BigUint, b: &BigUint) -> BigUint {
    let (a, b) = if a >= b { (a, b) } else { (b, a) };
    // Little-endian words, worked on in place: a pass of Lehmer's algorithm
    // replaces (u, v) by two signed combinations of them, word by word, with
    // no big number allocated (`lin`).
    let (mut u, mut v) = (a.to_u64_digits(), b.to_u64_digits());
    loop {
        if v.is_empty() {
            return BigUint::from_slice(&to_u32s(&u));
        }
        if v.len() == 1 {
            let small = v[0];
            let r = u.iter().rev().fold(0u128, |r, &w| ((r << 64) | w as u128) % small as u128) as u64;
            return BigUint::from(small.gcd(&r));
        }
        let (ub, vb) = (bits(&u), bits(&v));
        if ub > vb + 32 {
            // Far apart: one division gets them close.
            let r = (BigUint::from_slice(&to_u32s(&u)) % BigUint::from_slice(&to_u32s(&v))).to_u64_digits();
            u = std::mem::replace(&mut v, r);
            continue;
        }
        // Knuth's Algorithm L on the leading 62 bits of u (and v shifted alike):
        // the cofactors stay below 2^62, so each word of a combination fits an i128.
        let shift = ub - 62;
        // Every quantity below stays under 2^63 in magnitude: machine words, hardware division.
        let mut uh = top_bits(&u, shift) as i64;
        let mut vh = top_bits(&v, shift) as i64;
        let (mut ca, mut cb, mut cc, mut cd) = (1i64, 0i64, 0i64, 1i64);
        loop {
            if vh + cc <= 0 || vh + cd <= 0 || uh + ca < 0 || uh + cb < 0 {
                break;
            }
            let q = (uh + ca) / (vh + cc);
            if q != (uh + cb) / (vh + cd) {
                break;
            }
            (ca, cc) = (cc, ca - q * cc);
            (cb, cd) = (cd, cb - q * cd);
            (uh, vh) = (vh, uh - q * vh);
        }
        if cb == 0 {
            let r = (BigUint::from_slice(&to_u32s(&u)) % BigUint::from_slice(&to_u32s(&v))).to_u64_digits();
            u = std::mem::replace(&mut v, r);
        } else {
            let nu = lin(ca, &u, cb, &v);
            let nv = lin(cc, &u, cd, &v);
            (u, v) = if cmp_words(&nu, &nv) == std::cmp::Ordering::Less { (nv, nu) } else { (nu, nv) };
        }
    }
}

/// The number of significant bits of little-endian words without high zero words.
fn bits(w: &[u64]) -> u64 {
    match w.last() {
        None => 0,
        Some(&top) => 64 * (w.len() as u64 - 1) + (64 - top.leading_zeros() as u64),
    }
}

/// `⌊w / 2^shift⌋` for a `w` of at most `shift + 63` bits.
fn top_bits(w: &[u64], shift: u64) -> u64 {
    let (word, bit) = ((shift / 64) as usize, shift % 64);
    let lo = w.get(word).copied().unwrap_or(0) >> bit;
    let hi = if bit == 0 { 0 } else { w.get(word + 1).copied().unwrap_or(0) << (64 - bit) };
    lo | hi
}

/// `x·u + y·v` for cofactors of magnitude below 2^62 whose combination is
/// nonnegative (Lehmer's), word by word with a signed carry; high zero words dropped.
fn lin(x: i64, u: &[u64], y: i64, v: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(u.len());
    let mut carry: i128 = 0;
    let (x, y) = (x as i128, y as i128);
    for (i, &ui) in u.iter().enumerate() {
        let vi = v.get(i).copied().unwrap_or(0);
        let acc = x * ui as i128 + y * vi as i128 + carry;
        out.push(acc as u64);
        carry = acc >> 64;
    }
    debug_assert_eq!(carry, 0, "a Lehmer combination is nonnegative and no longer than u");
    while out.last() == Some(&0) {
        out.pop();
    }
    out
}

fn cmp_words(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn to_u32s(w: &[u64]) -> Vec<u32> {
    w.iter().flat_map(|&x| [x as u32, (x >> 32) as u32]).collect()
}

/// `x / y` for rationals known to divide evenly is not needed; this is the
/// product `a·b` in lowest terms, by the two cross gcds (each with [`gcd`]).
pub fn mul(a: &Rational, b: &Rational) -> Rational {
    if a.is_zero() || b.is_zero() {
        return Rational::zero();
    }
    let g1 = gcd(a.numer().magnitude(), b.denom().magnitude());
    let g2 = gcd(b.numer().magnitude(), a.denom().magnitude());
    let (g1, g2) = (BigInt::from(g1), BigInt::from(g2));
    // g1 divides a's numerator and b's denominator, g2 b's numerator and a's denominator.
    let n = (a.numer() / &g1) * (b.numer() / &g2);
    let d = (a.denom() / &g2) * (b.denom() / &g1);
    Rational::new_raw(n, d)
}

/// Non-negative rationals over their least common denominator `D`: each
/// numerator `a_i·D/b_i`, and `D`. No gcd of two long numbers.
fn over_common_denominator(ws: &[Rational]) -> (Vec<BigUint>, BigUint) {
    let mut d = BigUint::one();
    for w in ws {
        let b = w.denom().magnitude();
        if b.is_one() || d == *b {
            continue;
        }
        let g = gcd(&d, b);
        d *= b / g;
    }
    let nums = ws
        .iter()
        .map(|w| if w.is_zero() { BigUint::zero() } else { w.numer().magnitude() * (&d / w.denom().magnitude()) })
        .collect();
    (nums, d)
}

/// The sum of non-negative rationals, exactly, in lowest terms: over their
/// least common denominator, with one gcd at the end (adding them one at a
/// time takes a gcd per addition on ever longer numbers).
pub fn sum(ws: &[Rational]) -> Rational {
    debug_assert!(ws.iter().all(|w| !w.is_negative()));
    let (nums, d) = over_common_denominator(ws);
    let total: BigUint = nums.iter().sum();
    let g = gcd(&total, &d);
    Rational::new_raw(BigInt::from(total / &g), BigInt::from(d / g))
}

/// Non-negative weights divided by their sum, exactly, in lowest terms; `None`
/// when they are all 0. Equal to `w / Σ w` term by term, in time about the
/// size of the result: one long gcd (`gcd(T, D)` of the sum's numerator and
/// the common denominator), then per weight only gcds with that one and with
/// the weight's own numerator.
pub fn normalize(ws: &[Rational]) -> Option<Vec<Rational>> {
    debug_assert!(ws.iter().all(|w| !w.is_negative()));
    let (nums, d) = over_common_denominator(ws);
    let t: BigUint = nums.iter().sum();
    if t.is_zero() {
        return None;
    }
    // w_i / Σ w = a_i·B_i / T with B_i = D / b_i. gcd(B_i, T) = gcd(B_i, h)
    // since B_i divides D; after dividing it out, the rest of B_i is coprime
    // to what is left of T, so only a_i's gcd with it remains.
    let h = gcd(&t, &d);
    Some(
        ws.iter()
            .zip(nums)
            .map(|(w, n)| {
                if w.is_zero() {
                    return Rational::zero();
                }
                let a = w.numer().magnitude();
                let b_i = &d / w.denom().magnitude();
                debug_assert_eq!(&b_i * a, n);
                let g1 = if h.is_one() { BigUint::one() } else { gcd(&h, &(&b_i % &h)) };
                let (b_i, t1) = if g1.is_one() { (b_i, t.clone()) } else { (b_i / &g1, &t / &g1) };
                let g2 = gcd(a, &(&t1 % a));
                let (a, t2) = if g2.is_one() { (a.clone(), t1) } else { (a / &g2, t1 / &g2) };
                Rational::new_raw(BigInt::from(a * b_i), BigInt::from(t2))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn decimal_lengths_of_long_numbers_are_exact() {
        for k in [600usize, 617, 618, 1000, 3000, 9999] {
            let ten = num_traits::pow(BigUint::from(10u32), k);
            for n in [&ten - 1u32, ten.clone(), &ten + 1u32, &ten * 7u32] {
                assert_eq!(decimal_len(&n), n.to_string().len(), "{k}");
            }
        }
    }

    #[test]
    fn lehmer_gcd_normalize_and_sum_agree_with_num_rational() {
        use num_integer::Integer;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let big = |rng: &mut rand_chacha::ChaCha8Rng, words: usize| {
            BigUint::from_slice(&(0..2 * words).map(|_| rng.gen::<u32>()).collect::<Vec<_>>())
        };
        for words in [1, 2, 3, 5, 17, 40, 150] {
            for _ in 0..20 {
                let n = rng.gen_range(0..words);
                let common = big(&mut rng, n);
                let a = big(&mut rng, words) * &common;
                let n = rng.gen_range(1..=words);
                let b = big(&mut rng, n) * &common;
                assert_eq!(gcd(&a, &b), a.gcd(&b), "{a} {b}");
                assert_eq!(gcd(&b, &a), a.gcd(&b));
            }
        }
        assert_eq!(gcd(&BigUint::zero(), &BigUint::from(6u32)), BigUint::from(6u32));
        for _ in 0..50 {
            let ws: Vec<Rational> = (0..rng.gen_range(1..8))
                .map(|_| ratio(rng.gen_range(0..50), rng.gen_range(1..50)) * ratio(rng.gen_range(1..1000), 1))
                .collect();
            let total: Rational = ws.iter().sum();
            assert_eq!(sum(&ws), total);
            match normalize(&ws) {
                None => assert!(total.is_zero()),
                Some(n) => assert_eq!(n, ws.iter().map(|w| w / &total).collect::<Vec<_>>()),
            }
            for w in &ws {
                assert_eq!(mul(w, &ws[0]), w * &ws[0]);
                assert_eq!(w.compare(&ws[0]), w.partial_cmp(&ws[0]));
            }
        }
    }

    use super::*;

    #[test]
    fn parses_every_accepted_form_exactly() {
        assert_eq!(parse_rational("1/3").unwrap(), ratio(1, 3));
        assert_eq!(parse_rational("2/6").unwrap(), ratio(1, 3));
        assert_eq!(parse_rational("0.1").unwrap(), ratio(1, 10));
        assert_eq!(parse_rational("0.25").unwrap(), ratio(1, 4));
        assert_eq!(parse_rational(".5").unwrap(), ratio(1, 2));
        assert_eq!(parse_rational("-1.5").unwrap(), ratio(-3, 2));
        assert_eq!(parse_rational("1").unwrap(), ratio(1, 1));
        assert_eq!(parse_rational(" 3 ").unwrap(), ratio(3, 1));
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for s in ["", "1e-3", "1/0", "a", "1/2/3", "0x10", ".", "1.2.3", "--1"] {
            assert!(parse_rational(s).is_err(), "{s} should be rejected");
        }
    }

    #[test]
    fn a_number_longer_than_the_limit_is_refused_unread() {
        let ok = format!("1{}", "0".repeat(MAX_NUMBER_LEN - 1));
        assert_eq!(parse_rational(&ok).unwrap().numer().to_string().len(), MAX_NUMBER_LEN);
        let long = format!("1{}", "0".repeat(100_000));
        let start = std::time::Instant::now();
        let e = parse_rational(&long).unwrap_err();
        assert!(start.elapsed().as_millis() < 100);
        assert_eq!(
            e.to_string(),
            format!(
                "`1{}… (100001 characters)` is longer than 10000 characters, the most one number may have \
                 (limits::MAX_NUMBER_LEN)",
                "0".repeat(39)
            )
        );
    }

    #[test]
    fn readable_form_abbreviates_only_past_the_limit() {
        assert_eq!(fmt_readable(&ratio(7, 1), 5), "7");
        assert_eq!(fmt_readable(&ratio(1, 4), 5), "1/4 ≈ 0.25");
        assert_eq!(fmt_readable(&ratio(1_234_567, 1), 5), "≈ 1.23457e6 (a 7-digit integer)");
        assert_eq!(fmt_readable(&ratio(-1_234_567, 1), 5), "≈ -1.23457e6 (a 7-digit integer)");
        assert_eq!(fmt_readable(&ratio(1_000_000, 1), 5), "≈ 1e6 (a 7-digit integer)");
        assert_eq!(fmt_readable(&ratio(1, 1024), 5), "≈ 0.000977 (a 6-character fraction)");
    }

    #[test]
    fn approximations_never_round_to_a_false_integer() {
        let tiny = Rational::new(BigInt::one(), num_traits::pow(BigInt::from(10), 17));
        assert_eq!(fmt_approx(&(Rational::one() - &tiny)), "1 − 1e-17");
        assert_eq!(fmt_approx(&(Rational::from_integer(3.into()) + &tiny * ratio(17, 10))), "3 + 1.7e-17");
        assert_eq!(fmt_approx(&ratio(1, 2)), "0.5");
        assert_eq!(fmt_approx(&ratio(2, 1)), "2");
        // Beyond f64: the order of magnitude is kept.
        let huge = Rational::from_integer(num_traits::pow(BigInt::from(10), 400) * 31);
        assert_eq!(fmt_approx(&huge), "3.10e401");
        assert_eq!(fmt_approx(&huge.recip()), "3.23e-402");
        assert_eq!(fmt_float(1.7e-17), "1.7e-17");
        assert_eq!(fmt_float(-2.5e9), "-2.5e9");
    }

    #[test]
    fn prints_lowest_terms() {
        assert_eq!(fmt_exact(&ratio(2, 4)), "1/2");
        assert_eq!(fmt_exact(&ratio(4, 2)), "2");
        assert_eq!(fmt_exact(&ratio(0, 5)), "0");
        assert_eq!(fmt_exact(&ratio(-3, 6)), "-1/2");
    }
}
