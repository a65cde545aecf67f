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

use crate::limits::MAX_BASE_WORK;
use crate::number::{gcd, Rational};
use crate::scenario::Scenario;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};
use rustc_hash::FxHashMap;
use std::fmt;

/// A posterior: which models have weight 0, then for each model the number
/// of its nonzero exponents and those exponents as (base index, exponent)
/// pairs, by index. Each base element's exponents are shifted by their most
/// frequent value over the live models (ties to the smallest), which is what
/// makes the key canonical and keeps it sparse.
pub type Key = Box<[i32]>;

/// A number's exponents over the base: (base index, exponent ≠ 0), by index.
pub type Sparse = Vec<(u32, i32)>;

/// One step's factor `ν(a | h)` for every model: `None` where it is 0.
pub type Factor = Vec<Option<Sparse>>;

/// The primes below this are divided out of every number first.
const SMALL_PRIMES_BELOW: u32 = 1 << 10;

/// The most rounds of batch splitting before the pairwise refinement takes the rest.
const MAX_ROUNDS: usize = 64;

/// The coprime base of a scenario would take more than [`MAX_BASE_WORK`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseTooLarge {
    /// How many numbers were still to be refined pairwise.
    pub numbers: usize,
}

impl fmt::Display for BaseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the coprime base of the scenario's numbers would need more than {MAX_BASE_WORK} word gcds \
             (limits::MAX_BASE_WORK): {} numbers share factors that only pairwise refinement separates",
            self.numbers
        )
    }
}

impl std::error::Error for BaseTooLarge {}

/// The coprime base of a scenario's numbers, and the keys built on it.
pub struct BayesKeys {
    models: usize,
    base: Vec<BigUint>,
    /// Every scenario number's exponents over the base.
    exps: FxHashMap<BigUint, Sparse>,
    /// The work the base took: gcds, weighted by the product of their lengths in words.
    work: u64,
    /// How many numbers no round split, left to the pairwise refinement.
    pairwise: usize,
}

/// The length in 64-bit words, at least 1.
fn words(x: &BigUint) -> u64 {
    x.bits().div_ceil(64).max(1)
}

/// Counts work against [`MAX_BASE_WORK`].
struct Meter {
    work: u64,
}

impl Meter {
    fn gcd(&mut self, a: &BigUint, b: &BigUint) -> BigUint {
        self.work += words(a) * words(b);
        gcd(a, b)
    }
}

/// The primes below `n`.
fn primes_below(n: u32) -> Vec<u32> {
    let mut sieve = vec![true; n as usize];
    let mut out = Vec::new();
    for p in 2..n as usize {
        if sieve[p] {
            out.push(p as u32);
            (p * p..n as usize).step_by(p).for_each(|k| sieve[k] = false);
        }
    }
    out
}

/// Divides the small primes out of `x`: their exponents (by index into
/// `primes`), and what is left, which has no prime factor in `primes`.
fn strip_small(x: &BigUint, primes: &[u32]) -> (Vec<(usize, i32)>, BigUint) {
    let mut found = Vec::new();
    let mut rest = x.clone();
    for (k, &p) in primes.iter().enumerate() {
        if let Some(mut small) = rest.to_u64() {
            // One word: stop at √rest, where what is left is 1 or a prime.
            for (k, &p) in primes.iter().enumerate().skip(k) {
                let p = p as u64;
                if p * p > small {
                    break;
                }
                let mut e = 0;
                while small % p == 0 {
                    small /= p;
                    e += 1;
                }
                if e > 0 {
                    found.push((k, e));
                }
            }
            if small > 1 && small < SMALL_PRIMES_BELOW as u64 {
                let k = primes.binary_search(&(small as u32)).expect("a prime below the bound");
                found.push((k, 1));
                small = 1;
            }
            return (found, BigUint::from(small));
        }
        let mut e = 0;
        while (&rest % p).is_zero() {
            rest /= p;
            e += 1;
        }
        if e > 0 {
            found.push((k, e));
        }
    }
    (found, rest)
}

/// For each `x` of `xs`, the product of all the others modulo `x`, by a
/// product tree: time about that of multiplying them all, not of a gcd per pair.
fn others_mod(xs: &[BigUint]) -> Vec<BigUint> {
    let mut levels: Vec<Vec<BigUint>> = vec![xs.to_vec()];
    while levels.last().expect("a level").len() > 1 {
        let next = levels
            .last()
            .expect("a level")
            .chunks(2)
            .map(|c| if c.len() == 2 { &c[0] * &c[1] } else { c[0].clone() })
            .collect();
        levels.push(next);
    }
    let mut rems = vec![BigUint::one()];
    for level in levels.iter().rev().skip(1) {
        let mut next = Vec::with_capacity(level.len());
        for (k, r) in rems.iter().enumerate() {
            match &level[2 * k..(2 * k + 2).min(level.len())] {
                [a, b] => {
                    next.push((r % a) * (b % a) % a);
                    next.push((r % b) * (a % b) % b);
                }
                [a] => next.push(r % a),
                _ => unreachable!("a node has one or two children"),
            }
        }
        rems = next;
    }
    rems
}

/// The product of `xs`, by a balanced tree.
fn product(mut xs: Vec<BigUint>) -> BigUint {
    while xs.len() > 1 {
        xs = xs.chunks(2).map(|c| if c.len() == 2 { &c[0] * &c[1] } else { c[0].clone() }).collect();
    }
    xs.pop().unwrap_or_else(BigUint::one)
}

/// Adds `n` to a set of pairwise coprime integers, splitting elements by their
/// common factors until the set is pairwise coprime again (factor refinement).
fn refine(base: &mut Vec<BigUint>, n: BigUint, meter: &mut Meter, limit: u64) -> Result<(), ()> {
    let mut todo = vec![n];
    while let Some(x) = todo.pop() {
        if x.is_one() {
            continue;
        }
        let mut hit = None;
        for (i, b) in base.iter().enumerate() {
            let g = meter.gcd(b, &x);
            if !g.is_one() {
                hit = Some((i, g));
                break;
            }
        }
        if meter.work > limit {
            return Err(());
        }
        match hit {
            Some((i, g)) => {
                let b = base.swap_remove(i);
                todo.push(&x / &g);
                todo.push(&b / &g);
                todo.push(g);
            }
            None => base.push(x),
        }
    }
    Ok(())
}

/// Adds `b` to the exponents `a` (both by index), dropping zeros.
fn add(a: &[(u32, i32)], b: &[(u32, i32)], sign: i32) -> Sparse {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(&(x, e)), Some(&(y, f))) if x == y => {
                if e + sign * f != 0 {
                    out.push((x, e + sign * f));
                }
                i += 1;
                j += 1;
            }
            (Some(&(x, e)), Some(&(y, _))) if x < y => {
                out.push((x, e));
                i += 1;
            }
            (Some(&(x, e)), None) => {
                out.push((x, e));
                i += 1;
            }
            (_, Some(&(y, f))) => {
                out.push((y, sign * f));
                j += 1;
            }
            (None, None) => unreachable!("the loop runs while one is left"),
        }
    }
    out
}

/// Builds a coprime base of `numbers` (every one a product of powers of its
/// elements) and each number's exponents over it.
///
/// Small primes are divided out first; then, in rounds, each remaining number
/// `x` is split by `gcd(x, Π others mod x)` (one product tree per round): a
/// number coprime to all the others is a base element, one that shares a
/// proper factor is split in two. What no round splits (numbers that divide
/// the product of the others) is refined pairwise, within [`MAX_BASE_WORK`].
fn coprime_base(numbers: Vec<BigUint>) -> Result<Base, BaseTooLarge> {
    let mut meter = Meter { work: 0 };
    let mut distinct = numbers;
    distinct.retain(|x| !x.is_zero() && !x.is_one());
    distinct.sort_unstable();
    distinct.dedup();
    let primes = primes_below(SMALL_PRIMES_BELOW);
    let stripped: Vec<(Vec<(usize, i32)>, BigUint)> = distinct.iter().map(|x| strip_small(x, &primes)).collect();
    let mut used_primes = vec![false; primes.len()];
    stripped.iter().flat_map(|s| &s.0).for_each(|&(k, _)| used_primes[k] = true);

    let mut set: Vec<BigUint> = stripped.iter().map(|s| s.1.clone()).filter(|x| !x.is_one()).collect();
    set.sort_unstable();
    set.dedup();
    let mut split: FxHashMap<BigUint, Vec<BigUint>> = FxHashMap::default();
    let mut isolated = Vec::new();
    for _ in 0..MAX_ROUNDS {
        if set.is_empty() {
            break;
        }
        let rems = others_mod(&set);
        meter.work += set.iter().map(words).sum::<u64>();
        let mut next = Vec::new();
        let mut progress = false;
        for (x, r) in set.into_iter().zip(rems) {
            let g = meter.gcd(&x, &r);
            if g.is_one() {
                isolated.push(x);
            } else if g == x {
                next.push(x);
            } else {
                let q = &x / &g;
                split.entry(x).or_insert_with(|| vec![g.clone(), q.clone()]);
                next.push(g);
                next.push(q);
                progress = true;
            }
        }
        next.sort_unstable();
        next.dedup();
        set = next;
        if !progress {
            break;
        }
    }
    // The rest, pairwise; at least a gcd per pair, so refused beforehand when that is already too much.
    let pairs = (set.len() as u64).saturating_mul(set.len().saturating_sub(1) as u64) / 2;
    if meter.work.saturating_add(pairs) > MAX_BASE_WORK {
        return Err(BaseTooLarge { numbers: set.len() });
    }
    let mut rest = Vec::new();
    for x in &set {
        refine(&mut rest, x.clone(), &mut meter, MAX_BASE_WORK).map_err(|()| BaseTooLarge { numbers: set.len() })?;
    }
    rest.sort_unstable();
    for x in &set {
        let mut pieces = Vec::new();
        let mut left = x.clone();
        for b in &rest {
            while !left.is_one() {
                let (q, r) = left.div_rem(b);
                if !r.is_zero() {
                    break;
                }
                pieces.push(b.clone());
                left = q;
            }
        }
        debug_assert!(left.is_one());
        meter.work += words(x) * rest.len() as u64;
        split.insert(x.clone(), pieces);
    }

    isolated.sort_unstable();
    let base: Vec<BigUint> = primes
        .iter()
        .zip(&used_primes)
        .filter(|(_, &u)| u)
        .map(|(&p, _)| BigUint::from(p))
        .chain(isolated)
        .chain(rest)
        .collect();
    let index: FxHashMap<&BigUint, u32> = base.iter().enumerate().map(|(i, b)| (b, i as u32)).collect();
    let prime_index: FxHashMap<u32, u32> =
        base.iter().enumerate().filter_map(|(i, b)| b.to_u32().map(|p| (p, i as u32))).collect();

    // Each number's exponents: its small primes, then its cofactor through the splits.
    fn expand(
        x: &BigUint,
        index: &FxHashMap<&BigUint, u32>,
        split: &FxHashMap<BigUint, Vec<BigUint>>,
        memo: &mut FxHashMap<BigUint, Sparse>,
    ) -> Sparse {
        if let Some(&i) = index.get(x) {
            return vec![(i, 1)];
        }
        if let Some(e) = memo.get(x) {
            return e.clone();
        }
        let mut out = Sparse::new();
        for piece in &split[x] {
            out = add(&out, &expand(piece, index, split, memo), 1);
        }
        memo.insert(x.clone(), out.clone());
        out
    }
    let mut memo = FxHashMap::default();
    let mut exps = FxHashMap::default();
    for (x, (small, cofactor)) in distinct.into_iter().zip(stripped) {
        let mut e: Sparse = small.iter().map(|&(k, e)| (prime_index[&primes[k]], e)).collect();
        e.sort_unstable();
        if !cofactor.is_one() {
            e = add(&e, &expand(&cofactor, &index, &split, &mut memo), 1);
        }
        exps.insert(x, e);
    }
    Ok(Base { base, exps, work: meter.work, pairwise: set.len() })
}

/// What [`coprime_base`] builds.
struct Base {
    base: Vec<BigUint>,
    exps: FxHashMap<BigUint, Sparse>,
    work: u64,
    pairwise: usize,
}

impl BayesKeys {
    /// The base of the numbers of `s` (its priors and its models' probabilities).
    pub fn new(s: &Scenario) -> Result<Self, BaseTooLarge> {
        let mut numbers = Vec::new();
        let mut add = |r: &Rational| {
            if !r.is_zero() {
                numbers.push(r.numer().magnitude().clone());
                numbers.push(r.denom().magnitude().clone());
            }
        };
        for m in &s.models {
            add(&m.prior);
            for c in 0..m.kind.contexts() {
                m.kind.distribution(c).iter().for_each(&mut add);
            }
        }
        let Base { base, exps, work, pairwise } = coprime_base(numbers)?;
        Ok(BayesKeys { models: s.models.len(), base, exps, work, pairwise })
    }

    /// How many numbers no round of batch splitting separated, left to the
    /// refinement by pairs (whose work grows with their square, within
    /// [`MAX_BASE_WORK`]; the rounds' work grows with the input's length).
    pub fn pairwise(&self) -> usize {
        self.pairwise
    }

    /// How many elements the base has.
    pub fn base_len(&self) -> usize {
        self.base.len()
    }

    /// The work building the base took, in word gcds (a gcd of an `m`-word
    /// and an `n`-word number counts `m·n`), as [`MAX_BASE_WORK`] counts it.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// The exponents of a positive integer over the base.
    fn exponents_of(&self, n: &BigUint) -> Sparse {
        if n.is_one() {
            return Sparse::new();
        }
        if let Some(e) = self.exps.get(n) {
            return e.clone();
        }
        // Not a scenario number: by trial division over the whole base.
        let mut rest = n.clone();
        let mut out = Sparse::new();
        for (i, b) in self.base.iter().enumerate() {
            let mut e = 0;
            loop {
                let (q, r) = rest.div_rem(b);
                if !r.is_zero() {
                    break;
                }
                rest = q;
                e += 1;
            }
            if e != 0 {
                out.push((i as u32, e));
            }
        }
        assert!(rest.is_one(), "a scenario number outside its own coprime base");
        out
    }

    /// The exponents of a positive rational over the base.
    fn exponents(&self, r: &Rational) -> Sparse {
        add(&self.exponents_of(r.numer().magnitude()), &self.exponents_of(r.denom().magnitude()), -1)
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

    /// The key of weights known up to a factor common to the live models.
    fn canonical(&self, weights: Factor) -> Key {
        let alive = weights.iter().filter(|w| w.is_some()).count();
        let mut cells: Vec<(u32, i32, u32)> = weights
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.as_ref().map(|w| (i, w)))
            .flat_map(|(i, w)| w.iter().map(move |&(j, e)| (j, e, i as u32)))
            .collect();
        cells.sort_unstable();
        let mut entries: Vec<(u32, u32, i32)> = Vec::with_capacity(cells.len());
        let mut present = vec![false; self.models];
        for column in cells.chunk_by(|x, y| x.0 == y.0) {
            let j = column[0].0;
            // The most frequent exponent (0 for the models without an entry), ties to the smallest.
            let (mut best, mut best_count) = (0, alive - column.len());
            for run in column.chunk_by(|x, y| x.1 == y.1) {
                let (e, n) = (run[0].1, run.len());
                if n > best_count || (n == best_count && e < best) {
                    (best, best_count) = (e, n);
                }
            }
            entries.extend(column.iter().filter(|c| c.1 != best).map(|&(_, e, i)| (i, j, e - best)));
            if best != 0 {
                column.iter().for_each(|c| present[c.2 as usize] = true);
                for (i, w) in weights.iter().enumerate() {
                    if w.is_some() && !present[i] {
                        entries.push((i as u32, j, -best));
                    }
                }
                column.iter().for_each(|c| present[c.2 as usize] = false);
            }
        }
        entries.sort_unstable();
        let mut out = Vec::with_capacity(2 * self.models + 2 * entries.len());
        out.extend(weights.iter().map(|w| w.is_some() as i32));
        let mut rows = entries.chunk_by(|x, y| x.0 == y.0).peekable();
        for i in 0..self.models as u32 {
            match rows.next_if(|r| r[0].0 == i) {
                Some(row) => {
                    out.push(row.len() as i32);
                    row.iter().for_each(|&(_, j, e)| out.extend([j as i32, e]));
                }
                None => out.push(0),
            }
        }
        out.into()
    }

    /// Each model's exponents in a key, `None` for the models of weight 0.
    fn decode(&self, key: &Key) -> Vec<Option<Sparse>> {
        let mut at = self.models;
        (0..self.models)
            .map(|i| {
                let n = key[at] as usize;
                let row = key[at + 1..at + 1 + 2 * n].chunks(2).map(|p| (p[0] as u32, p[1])).collect();
                at += 1 + 2 * n;
                (key[i] == 1).then_some(row)
            })
            .collect()
    }

    /// The exact posterior of a key: each model's weight over their sum, in lowest terms.
    ///
    /// With `lo_j = min(0, min_ν e_νj)`, the weights `W_ν = Π_j b_j^(e_νj − lo_j)`
    /// are integers: a common product `C = Π_j b_j^(−lo_j)` divided by the few
    /// elements of negative exponent and multiplied by those of positive. Their
    /// sum `T` shares with `W_ν` only factors of its elements; as the elements
    /// are pairwise coprime, `gcd(W_ν, T) = Π_j gcd(b_j^(e_νj − lo_j), t_j)` with
    /// `t_j = gcd(b_j^(max − lo_j), T)`, one reduction of `T` per element.
    pub fn posterior(&self, key: &Key) -> Vec<Rational> {
        let rows = self.decode(key);
        let mut range: FxHashMap<u32, (i32, i32)> = FxHashMap::default();
        for &(j, e) in rows.iter().flatten().flatten() {
            let r = range.entry(j).or_insert((0, 0));
            *r = (r.0.min(e), r.1.max(e));
        }
        let mut columns: Vec<(u32, i32, i32)> = range.into_iter().map(|(j, (lo, hi))| (j, lo, hi)).collect();
        columns.sort_unstable();
        let pow = |j: u32, e: i32| num_traits::pow(self.base[j as usize].clone(), e as usize);
        let c = product(columns.iter().filter(|c| c.1 < 0).map(|&(j, lo, _)| pow(j, -lo)).collect());
        let weights: Vec<Option<BigUint>> = rows
            .iter()
            .map(|row| {
                row.as_ref().map(|row| {
                    let den = product(row.iter().filter(|x| x.1 < 0).map(|&(j, e)| pow(j, -e)).collect());
                    let num = product(row.iter().filter(|x| x.1 > 0).map(|&(j, e)| pow(j, e)).collect());
                    if den.is_one() {
                        &c * num
                    } else {
                        &c / den * num
                    }
                })
            })
            .collect();
        let total: BigUint = weights.iter().flatten().sum();
        let lo_of: FxHashMap<u32, i32> = columns.iter().map(|&(j, lo, _)| (j, lo)).collect();
        let shared: Vec<(u32, BigUint)> = columns
            .iter()
            .filter(|c| c.2 > c.1)
            .filter_map(|&(j, lo, hi)| {
                let bf = pow(j, hi - lo);
                let t = gcd(&bf, &(&total % &bf));
                (!t.is_one()).then_some((j, t))
            })
            .collect();
        weights
            .into_iter()
            .zip(&rows)
            .map(|(w, row)| {
                let (Some(w), Some(row)) = (w, row) else {
                    return Rational::zero();
                };
                let g = product(
                    shared
                        .iter()
                        .map(|(j, t)| {
                            let e = row.binary_search_by_key(j, |x| x.0).map_or(0, |k| row[k].1);
                            let f = e - lo_of[j];
                            if f == 0 {
                                BigUint::one()
                            } else {
                                gcd(&pow(*j, f), t)
                            }
                        })
                        .collect(),
                );
                if g.is_one() {
                    Rational::new_raw(BigInt::from(w), BigInt::from(total.clone()))
                } else {
                    Rational::new_raw(BigInt::from(w / &g), BigInt::from(&total / &g))
                }
            })
            .collect()
    }

    /// The key after a queried step with factor `f` from the posterior `parent`.
    /// If every model gave the action probability 0, the posterior stays as it
    /// was (as [`crate::imitator::update_posterior`] leaves it).
    pub fn child(&self, parent: &Key, f: &Factor) -> Key {
        let weights: Factor = self
            .decode(parent)
            .into_iter()
            .zip(f)
            .map(|(row, fe)| match (row, fe) {
                (Some(row), Some(fe)) => Some(add(&row, fe, 1)),
                _ => None,
            })
            .collect();
        if weights.iter().all(Option::is_none) {
            return parent.clone();
        }
        self.canonical(weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    #[test]
    fn the_base_is_pairwise_coprime_and_covers_every_number() {
        let mut base = Vec::new();
        let mut meter = Meter { work: 0 };
        for n in [12u32, 18, 35, 8, 49, 1] {
            refine(&mut base, BigUint::from(n), &mut meter, u64::MAX).expect("no limit");
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
        let k = BayesKeys::new(&s).expect("a small base");
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
