//! The atlas of constants (`imitator atlas`): every class of a grid family,
//! each over its lifetime, and for each α the largest certified lower and
//! upper ends of four ratios measured / bound.
//!
//! Where `search` samples classes at random and can only say "some class
//! comes this close", the atlas runs **every** class of a grid and can say
//! "no class of this grid exceeds X" (the largest upper end) beside "the best
//! constant is at least Y" (the largest lower end, with the class that shows
//! it: a *witness*, reproducible with `verify --horizon infinite`).
//!
//! **Classes.** A model is a distribution over the `K` actions whose
//! probabilities are multiples of `1/G` (family `iid`), or a distribution at
//! step 1 and one after each action, all on that grid (family
//! `after-action`). A class is a set of `M` distinct models, each with an
//! integer prior weight (all 1 unless a prior grid `P` is given: weights
//! `1..=P`, normalized, with gcd 1 so that proportional weights are not
//! counted twice), and a choice of truth among them. Two classes that differ
//! only by renaming the models or the actions are the same class and are run
//! once: [`classes`] keeps the lexicographically least form of each
//! ([`canonical`]); `tests/library/atlas.rs` checks the counts against
//! Burnside's lemma and, for two iid actions, against [`iid_two_action_count`].
//!
//! **Ratios** (see [`Ratio`]). From the lifetime intervals `[lo, hi]` of
//! `P(E_∞)` and `E Σθ³`, each ratio gets a certified lower end and upper end.
//! (b′) divides by `√proved_bound_squared`, which is irrational in general: the
//! square root is enclosed between two multiples of `2⁻⁶⁴`
//! ([`sqrt_enclosure`]), the lower end divides by the upper one and the upper
//! end by the lower one, so both ends stay exact rationals that are proved
//! to enclose the ratio.
//!
//! **Rounding.** Exact lifetime intervals have numbers of thousands of digits.
//! Each one is rounded outward to a multiple of `2⁻⁶⁴` ([`ROUND_BITS`]): the
//! lower end down, the upper end up. The rounded interval still contains the
//! figure, so every end the atlas reports stays proved, and the files stay small.
//!
//! **Determinism.** Classes are numbered in the order of enumeration; shard
//! `I/N` runs the classes whose number is `I−1` modulo `N`; results are kept in
//! class order and ties go to the smallest number, so the same arguments give
//! the same atlas on any number of threads and [`merge`] of all shards gives
//! the unsharded atlas.

use crate::bounds;
use crate::lifetime::{self, Interval, Lifetime, Stop};
use crate::limits::Limits;
use crate::names::Named;
use crate::number::{parse_rational, Rational};
use crate::search::{Candidate, ModelSpec, Split};
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which models the classes are made of (`iid`, `after-action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Each model an iid distribution over the actions.
    Iid,
    /// Each model a distribution at step 1 and one after each action.
    AfterAction,
}

impl Named for Family {
    const ALL: &'static [Self] = &[Family::Iid, Family::AfterAction];
    const WHAT: &'static str = "family";
    fn name(self) -> &'static str {
        match self {
            Family::Iid => "iid",
            Family::AfterAction => "after-action",
        }
    }
    fn about(self) -> &'static str {
        match self {
            Family::Iid => "each model an iid distribution over the actions",
            Family::AfterAction => "each model a distribution at step 1 and one after each action",
        }
    }
}

crate::names::display_by_name!(Family);

/// The most models or actions of an atlas class.
pub const MAX_ATLAS_SIZE: usize = 16;
/// The finest grid (`--grid`) and the largest prior weight (`--priors`).
pub const MAX_ATLAS_GRID: u64 = 1000;
/// The most raw (class, truth) tuples enumerated before symmetry is taken out:
/// checked before the enumeration starts.
pub const MAX_ATLAS_TUPLES: u64 = 5_000_000;
/// The most α values of one atlas.
pub const MAX_ATLAS_ALPHAS: usize = 1000;
/// Every lifetime interval is rounded outward to a multiple of `2^-ROUND_BITS`.
pub const ROUND_BITS: u32 = 64;
/// The default depth cap of one class's lifetime.
pub const DEFAULT_ATLAS_MAX_DEPTH: usize = 100_000;

/// What to enumerate and how far to run each class.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The family of the models.
    pub family: Family,
    /// `K`, the actions.
    pub actions: usize,
    /// `M`, the models of each class.
    pub models: usize,
    /// `G`: every probability is a multiple of `1/G`.
    pub grid: u64,
    /// The α values, in the order given (each in `(0, 1)`, no repeats).
    pub alphas: Vec<Rational>,
    /// `P`: prior weights `1..=P`; `None`: uniform priors.
    pub priors: Option<u64>,
    /// Each lifetime stops once both intervals are at most this wide.
    pub width: Rational,
    /// Each lifetime stops at this depth at the latest.
    pub max_depth: usize,
    /// The limits of each class's run (states, memory); `max_depth` is set from [`Options::max_depth`].
    pub limits: Limits,
}

/// Why an atlas cannot run, naming the option (by its command-line name without dashes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{option}: {reason}")]
pub struct AtlasError {
    /// The option: `grid`, `alpha`, `shard`, `actions`, `models`, `priors`, `width`, `max-depth`;
    /// `run` when the run was cancelled by its watch ([`crate::progress::Watch::cancelled`]).
    pub option: &'static str,
    /// Why, in a sentence that never is empty.
    pub reason: String,
}

fn bad(option: &'static str, reason: impl Into<String>) -> AtlasError {
    AtlasError { option, reason: reason.into() }
}

impl Options {
    /// The defaults for everything but the family, sizes, grid and α: uniform
    /// priors, width 10⁻⁶, depth 100000, 200,000 states and 1 GiB per class.
    pub fn new(family: Family, actions: usize, models: usize, grid: u64, alphas: Vec<Rational>) -> Self {
        Options {
            family,
            actions,
            models,
            grid,
            alphas,
            priors: None,
            width: Rational::new(BigInt::one(), BigInt::from(1_000_000)),
            max_depth: DEFAULT_ATLAS_MAX_DEPTH,
            limits: Limits { max_states: 200_000, max_memory: 1 << 30, ..Limits::default() },
        }
    }

    /// Why these options cannot run, if they cannot: checked before any work.
    pub fn validate(&self) -> Result<(), AtlasError> {
        for (name, n) in [("actions", self.actions), ("models", self.models)] {
            if n < 2 {
                return Err(bad(name, format!("{n} is fewer than 2, the least an atlas class has")));
            }
            if n > MAX_ATLAS_SIZE {
                return Err(bad(name, format!("{n} is more than {MAX_ATLAS_SIZE}, the most an atlas class has")));
            }
        }
        if !(1..=MAX_ATLAS_GRID).contains(&self.grid) {
            return Err(bad("grid", format!("{} is not between 1 and {MAX_ATLAS_GRID}", self.grid)));
        }
        if let Some(p) = self.priors {
            if !(1..=MAX_ATLAS_GRID).contains(&p) {
                return Err(bad("priors", format!("{p} is not between 1 and {MAX_ATLAS_GRID}")));
            }
        }
        if self.alphas.is_empty() {
            return Err(bad("alpha", "the list is empty; give at least one α in (0, 1)"));
        }
        if self.alphas.len() > MAX_ATLAS_ALPHAS {
            return Err(bad("alpha", format!("more than {MAX_ATLAS_ALPHAS} values")));
        }
        for (i, a) in self.alphas.iter().enumerate() {
            if !a.is_positive() || *a >= Rational::one() {
                return Err(bad("alpha", format!("{a} is not in (0, 1)")));
            }
            if a.denom().to_u64().is_none_or(|d| d >= 1 << 63) {
                return Err(bad("alpha", format!("{a}: its denominator is 2^63 or more, more than an atlas takes")));
            }
            if self.alphas[..i].contains(a) {
                return Err(bad("alpha", format!("{a} is listed twice")));
            }
        }
        if !self.width.is_positive() {
            return Err(bad("width", format!("must be greater than 0, not {}", self.width)));
        }
        if self.max_depth < 1 || crate::limits::check_depth(self.max_depth, "").is_err() {
            return Err(bad(
                "max-depth",
                format!("{} is not between 1 and {}", self.max_depth, crate::limits::MAX_DEPTH),
            ));
        }
        let tuples = self.raw_tuples();
        if tuples > MAX_ATLAS_TUPLES {
            return Err(bad(
                "grid",
                format!(
                    "this family, grid and class size make about {tuples} classes before symmetry, more than \
                     {MAX_ATLAS_TUPLES}, the most an atlas enumerates; give a coarser grid or fewer models"
                ),
            ));
        }
        Ok(())
    }

    /// Models on the grid (saturating).
    fn points(&self) -> u64 {
        let per = binomial(self.grid + self.actions as u64 - 1, self.actions as u64 - 1);
        match self.family {
            Family::Iid => per,
            Family::AfterAction => per.saturating_pow(self.actions as u32 + 1),
        }
    }

    /// `C(points, M) · P^M · M`: the tuples the enumeration walks (saturating).
    fn raw_tuples(&self) -> u64 {
        let w = self.priors.unwrap_or(1);
        binomial(self.points(), self.models as u64)
            .saturating_mul(w.saturating_pow(self.models as u32))
            .saturating_mul(self.models as u64)
    }

    /// The options of one class's lifetime run.
    pub fn lifetime_options(&self) -> lifetime::Options {
        // Rounded masses (outward, so every end is still proved), as on the command line.
        lifetime::Options {
            width: self.width.clone(),
            limits: Limits { max_depth: self.max_depth, ..self.limits },
            arithmetic: lifetime::Arithmetic::Rounded,
        }
    }
}

/// `C(n, k)`, saturating at `u64::MAX`.
pub fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut r: u128 = 1;
    for i in 0..k {
        r = r * u128::from(n - i) / u128::from(i + 1);
        if r > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    r as u64
}

/// The number of classes of the `iid` family with two actions, uniform priors,
/// `M` models on the grid of `1/G`: by Burnside's lemma over the swap of the
/// two actions, `(C(G+1, M)·M + f) / 2`, where `f` counts the classes the swap
/// fixes: the truth must be the model `(1/2, 1/2)` (so `G` even) and the others
/// come in pairs `(p, 1−p)` (so `M` odd), `f = C(G/2, (M−1)/2)`.
pub fn iid_two_action_count(grid: u64, models: u64) -> u64 {
    let all = binomial(grid + 1, models) * models;
    let fixed =
        if grid.is_multiple_of(2) && !models.is_multiple_of(2) { binomial(grid / 2, (models - 1) / 2) } else { 0 };
    (all + fixed) / 2
}

/// One class: models (as indices of [`points`]), their weights and the truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// Its number in the enumeration, from 0.
    pub index: u64,
    /// The models, each a list of compositions of `G` (one for `iid`; `start`
    /// then one per action for `after-action`), in increasing order.
    pub models: Vec<Vec<Vec<u64>>>,
    /// The prior weight of each model (normalized by their sum).
    pub weights: Vec<u64>,
    /// The truth's position in `models`.
    pub truth: usize,
}

impl Class {
    /// The class as a search candidate with α, for [`Candidate::scenario`].
    pub fn candidate(&self, grid: u64, alpha: &Rational) -> Candidate {
        let split = |c: &Vec<u64>| Split::new(grid, c.clone());
        let models = self
            .models
            .iter()
            .map(|m| match m.len() {
                1 => ModelSpec::Iid(split(&m[0])),
                _ => ModelSpec::AfterAction { start: split(&m[0]), after: m[1..].iter().map(split).collect() },
            })
            .collect();
        let (n, d) = (alpha.numer().to_u64().expect("validated"), alpha.denom().to_u64().expect("validated"));
        Candidate {
            alpha: Split::new(d, vec![n, d - n]),
            priors: Split::new(self.weights.iter().sum(), self.weights.clone()),
            models,
            truth: self.truth,
        }
    }

    /// The scenario of this class with α, named after its number.
    pub fn scenario(&self, opts: &Options, alpha: &Rational) -> crate::scenario::Scenario {
        let name = format!("atlas class {} ({} family, grid {}), alpha {alpha}", self.index, opts.family, opts.grid);
        self.candidate(opts.grid, alpha).scenario(&name, 20)
    }

    /// A short description: each model's probabilities in units of `1/G`, the truth starred, weights when not uniform.
    pub fn describe(&self) -> String {
        let uniform = self.weights.iter().all(|&w| w == 1);
        let parts: Vec<String> = self
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let dists: Vec<String> =
                    m.iter().map(|c| c.iter().map(u64::to_string).collect::<Vec<_>>().join(":")).collect();
                let mut s = dists.join("|");
                if !uniform {
                    s = format!("{}×{s}", self.weights[i]);
                }
                if i == self.truth {
                    s.push('*');
                }
                s
            })
            .collect();
        parts.join(" ")
    }
}

/// All compositions of `g` into `k` parts, in lexicographic order.
fn compositions(g: u64, k: usize) -> Vec<Vec<u64>> {
    if k == 1 {
        return vec![vec![g]];
    }
    let mut out = Vec::new();
    for first in 0..=g {
        for mut rest in compositions(g - first, k - 1) {
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

/// The models on the grid, in lexicographic order of their compositions.
pub fn points(family: Family, actions: usize, grid: u64) -> Vec<Vec<Vec<u64>>> {
    let comps = compositions(grid, actions);
    match family {
        Family::Iid => comps.into_iter().map(|c| vec![c]).collect(),
        Family::AfterAction => {
            let mut out: Vec<Vec<Vec<u64>>> = vec![Vec::new()];
            for _ in 0..=actions {
                out = out
                    .into_iter()
                    .flat_map(|p| comps.iter().map(move |c| [p.clone(), vec![c.clone()]].concat()))
                    .collect();
            }
            out
        }
    }
}

/// Renames action `a` to `perm[a]` in a model.
fn rename(model: &[Vec<u64>], perm: &[usize]) -> Vec<Vec<u64>> {
    let permute = |c: &Vec<u64>| {
        let mut out = vec![0; c.len()];
        for (a, &x) in c.iter().enumerate() {
            out[perm[a]] = x;
        }
        out
    };
    if model.len() == 1 {
        return vec![permute(&model[0])];
    }
    let mut out = vec![permute(&model[0])];
    let mut after = vec![Vec::new(); perm.len()];
    for (a, c) in model[1..].iter().enumerate() {
        after[perm[a]] = permute(c);
    }
    out.extend(after);
    out
}

/// Every permutation of `0..k`, the identity first.
pub fn permutations(k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for p in permutations(k - 1) {
        for pos in (0..k).rev() {
            let mut q = p.clone();
            q.insert(pos, k - 1);
            out.push(q);
        }
    }
    out
}

/// A class as a key: the (model, weight) pairs sorted, and the truth's model.
type Key = (Vec<(usize, u64)>, usize);

/// Whether the class (model indices increasing, weights, truth position) is the
/// least of its renamings: renaming the models reorders the pairs (sorting
/// undoes it), renaming the actions maps each model through `maps[σ]`.
pub fn canonical(ids: &[usize], weights: &[u64], truth: usize, maps: &[Vec<usize>]) -> bool {
    let key: Key = (ids.iter().copied().zip(weights.iter().copied()).collect(), ids[truth]);
    maps.iter().skip(1).all(|map| {
        let mut pairs: Vec<(usize, u64)> = ids.iter().map(|&i| map[i]).zip(weights.iter().copied()).collect();
        pairs.sort_unstable();
        key <= (pairs, map[ids[truth]])
    })
}

/// Every class of the family, once each, numbered in enumeration order:
/// model sets in lexicographic order of their indices, then weights, then the truth.
pub fn classes(opts: &Options) -> Result<Vec<Class>, AtlasError> {
    opts.validate()?;
    let pts = points(opts.family, opts.actions, opts.grid);
    let index: FxHashMap<&Vec<Vec<u64>>, usize> = pts.iter().enumerate().map(|(i, p)| (p, i)).collect();
    let maps: Vec<Vec<usize>> =
        permutations(opts.actions).iter().map(|perm| pts.iter().map(|p| index[&rename(p, perm)]).collect()).collect();
    let m = opts.models;
    let weight_sets: Vec<Vec<u64>> = {
        let p = opts.priors.unwrap_or(1);
        let mut all: Vec<Vec<u64>> = vec![Vec::new()];
        for _ in 0..m {
            all = all.into_iter().flat_map(|w| (1..=p).map(move |x| [w.clone(), vec![x]].concat())).collect();
        }
        all.retain(|w| w.iter().fold(0, |g, &x| g.gcd(&x)) == 1);
        all
    };
    let mut out = Vec::new();
    let mut ids: Vec<usize> = (0..m).collect();
    let n = pts.len();
    if n < m {
        return Ok(out);
    }
    loop {
        for w in &weight_sets {
            for truth in 0..m {
                if canonical(&ids, w, truth, &maps) {
                    let models = ids.iter().map(|&i| pts[i].clone()).collect();
                    out.push(Class { index: out.len() as u64, models, weights: w.clone(), truth });
                }
            }
        }
        // The next combination of m indices out of n, in lexicographic order.
        let mut i = m;
        while i > 0 && ids[i - 1] == n - m + i - 1 {
            i -= 1;
        }
        if i == 0 {
            break;
        }
        ids[i - 1] += 1;
        for j in i..m {
            ids[j] = ids[j - 1] + 1;
        }
    }
    Ok(out)
}

/// One part of a sharded atlas: the `index`-th (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `count`.
    pub index: u64,
    /// How many parts in all.
    pub count: u64,
}

impl Shard {
    /// The whole atlas.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Whether class number `class` belongs to this shard (round robin, so
    /// that every shard gets classes from all over the enumeration).
    pub fn holds(&self, class: u64) -> bool {
        class % self.count == self.index - 1
    }
}

/// The most shards of one atlas.
pub const MAX_SHARDS: u64 = 1_000_000;

/// Reads `I/N` (`1 ≤ I ≤ N`).
pub fn parse_shard(text: &str) -> Result<Shard, AtlasError> {
    let why = || bad("shard", format!("“{text}” is not I/N with 1 ≤ I ≤ N ≤ {MAX_SHARDS} (for example 1/4)"));
    let (i, n) = text.split_once('/').ok_or_else(why)?;
    let (i, n): (u64, u64) = (i.trim().parse().map_err(|_| why())?, n.trim().parse().map_err(|_| why())?);
    if i < 1 || i > n || n > MAX_SHARDS {
        return Err(why());
    }
    Ok(Shard { index: i, count: n })
}

/// Reads a comma-separated list of exact α values (`1/2,0.1`).
pub fn parse_alphas(text: &str) -> Result<Vec<Rational>, AtlasError> {
    if text.trim().is_empty() {
        return Err(bad("alpha", "the list is empty; give α values such as 1/2,1/10"));
    }
    text.split(',')
        .enumerate()
        .map(|(i, part)| {
            let part = part.trim();
            if part.is_empty() {
                return Err(bad("alpha", format!("entry {} of “{text}” is empty", i + 1)));
            }
            parse_rational(part).map_err(|e| bad("alpha", format!("entry {} “{part}”: {e}", i + 1)))
        })
        .collect()
}

/// One class's lifetime at one α: its intervals, rounded outward to multiples of `2^-64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The last depth whose intervals were computed (0: refused before depth 1).
    pub depth_reached: usize,
    /// Why it ended (`width`, `max-depth`, …, or `refused` when a limit refused it before depth 1).
    pub stopped_because: String,
    /// An interval that contains `P(E_∞)`.
    pub event_e: Interval,
    /// An interval that contains `E Σθ³` (`hi = None`: no finite upper end).
    pub query: Interval,
}

impl Run {
    /// Whether both intervals closed to the width (or a check failed: then the class is decided, against the bound).
    pub fn decided(&self) -> bool {
        self.stopped_because == Stop::Width.name() || self.stopped_because == Stop::Fails.name()
    }

    /// Whether it broke a bound: its lower ends are past the proved bounds.
    pub fn failed(&self) -> bool {
        self.stopped_because == Stop::Fails.name()
    }
}

/// Rounds `r ≥ 0` down (`up = false`) or up to a multiple of `2^-bits`.
pub fn round_dyadic(r: &Rational, bits: u32, up: bool) -> Rational {
    let scale = BigInt::one() << bits;
    let (q, rem) = (r.numer() * &scale).div_rem(r.denom());
    let q = if up && !rem.is_zero() { q + 1 } else { q };
    Rational::new(q, scale)
}

/// An enclosure `[lo, hi]` of `√x` (x ≥ 0), both multiples of `2^-64`, `hi − lo ≤ 2^-64`.
pub fn sqrt_enclosure(x: &Rational) -> (Rational, Rational) {
    let scale = BigInt::one() << (2 * ROUND_BITS);
    let floor = (x.numer() * scale) / x.denom();
    let root = floor.to_biguint().unwrap_or_else(BigUint::zero).sqrt();
    let lo = Rational::new(BigInt::from(root.clone()), BigInt::one() << ROUND_BITS);
    let exact = &lo * &lo == *x;
    let hi = if exact { lo.clone() } else { Rational::new(BigInt::from(root + 1u32), BigInt::one() << ROUND_BITS) };
    (lo, hi)
}

/// The one place the atlas runs a lifetime: the conservative imitator over
/// the class's lifetime. Kept to one function so that a faster lifetime
/// drops in here.
/// `watch` is asked only whether to stop ([`crate::progress::Watch::cancelled`]):
/// a cancelled lifetime ends at its next depth.
pub fn lifetime_of(
    s: &crate::scenario::Scenario,
    opts: &lifetime::Options,
    watch: &dyn crate::progress::Watch,
) -> Result<Lifetime, crate::EngineError> {
    lifetime::run_paper_imitator(s, opts, &OnlyCancel(watch))
}

/// A watch that passes on only whether to stop (the atlas's progress counts classes, not depths).
struct OnlyCancel<'a>(&'a dyn crate::progress::Watch);

impl crate::progress::Watch for OnlyCancel<'_> {
    fn tick(&self, _: u64, _: u64) {}
    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// Runs one class at one α; `None` when `watch` cancelled it.
pub fn run_class(class: &Class, opts: &Options, alpha: &Rational, watch: &dyn crate::progress::Watch) -> Option<Run> {
    let s = class.scenario(opts, alpha);
    Some(match lifetime_of(&s, &opts.lifetime_options(), watch) {
        Ok(lt) => {
            let last = lt.last();
            let down = |r: &Rational| round_dyadic(r, ROUND_BITS, false);
            let up = |r: &Rational| round_dyadic(r, ROUND_BITS, true);
            Run {
                depth_reached: lt.depth_reached,
                stopped_because: lt.stopped_because.name().to_string(),
                event_e: Interval {
                    lo: down(&last.event_e.lo),
                    hi: Some(last.event_e.hi.as_ref().map_or_else(Rational::one, up)),
                },
                query: Interval { lo: down(&last.query_cubed_sum.lo), hi: last.query_cubed_sum.hi.as_ref().map(up) },
            }
        }
        Err(crate::EngineError::Cancelled) => return None,
        // Refused before its first depth: all that is known is the trivial enclosure.
        Err(_) => Run {
            depth_reached: 0,
            stopped_because: "refused".to_string(),
            event_e: Interval { lo: Rational::zero(), hi: Some(Rational::one()) },
            query: Interval { lo: Rational::zero(), hi: None },
        },
    })
}

/// The four ratios measured / bound, and the raw `E Σθ³`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ratio {
    /// (a) `(1 − P(E_∞)) / (α/((1+α)w(μ)))`: at most 1 by the proved bound.
    A,
    /// (a′) `(1 − P(E_∞)) / (α/w(μ))`: the same over the paper's constant.
    APrime,
    /// (b) `E Σθ³ / (#A·α⁻³(24/w(μ)+12))`: over the paper's bound.
    B,
    /// (b′) `E Σθ³ / √proved_bound_squared`: over the proved bound.
    BPrime,
    /// `E Σθ³` itself (its growth with α).
    QuerySum,
}

impl Ratio {
    /// The four ratios and the raw sum, in the order of the outputs.
    pub const ALL: [Ratio; 5] = [Ratio::A, Ratio::APrime, Ratio::B, Ratio::BPrime, Ratio::QuerySum];

    /// A short key for JSON, CSV and file names.
    pub fn key(self) -> &'static str {
        match self {
            Ratio::A => "a",
            Ratio::APrime => "a_prime",
            Ratio::B => "b",
            Ratio::BPrime => "b_prime",
            Ratio::QuerySum => "query_cubed_sum",
        }
    }

    /// The label of the paper's notation.
    pub fn label(self) -> &'static str {
        match self {
            Ratio::A => "(a)",
            Ratio::APrime => "(a′)",
            Ratio::B => "(b)",
            Ratio::BPrime => "(b′)",
            Ratio::QuerySum => "E Σθ³",
        }
    }

    /// The formula.
    pub fn formula(self) -> &'static str {
        match self {
            Ratio::A => "(1 − P(E_∞)) / (α/((1+α)w(μ)))",
            Ratio::APrime => "(1 − P(E_∞)) / (α/w(μ))",
            Ratio::B => "E Σθ³ / (#A·α⁻³(24/w(μ)+12))",
            Ratio::BPrime => "E Σθ³ / √proved_bound_squared",
            Ratio::QuerySum => "E Σ_{t≥1} θ_t³",
        }
    }

    /// Its certified ends for a class's run: `hi = None` is `+∞`.
    pub fn ends(self, class: &Class, opts: &Options, alpha: &Rational, run: &Run) -> Interval {
        let total: u64 = class.weights.iter().sum();
        let w = Rational::new(BigInt::from(class.weights[class.truth]), BigInt::from(total));
        let one = Rational::one();
        let divide = |i: &Interval, lo_den: &Rational, hi_den: &Rational| Interval {
            lo: &i.lo / lo_den,
            hi: i.hi.as_ref().map(|h| h / hi_den),
        };
        let missed = Interval { lo: &one - run.event_e.hi.as_ref().unwrap_or(&one), hi: Some(&one - &run.event_e.lo) };
        match self {
            Ratio::A => {
                let d = alpha / ((&one + alpha) * &w);
                divide(&missed, &d, &d)
            }
            Ratio::APrime => {
                let d = alpha / &w;
                divide(&missed, &d, &d)
            }
            Ratio::B => {
                let d = bounds::query_cubed_bound(opts.actions, alpha, &w);
                divide(&run.query, &d, &d)
            }
            Ratio::BPrime => {
                let b2 = bounds::query_cubed_proved_bound_squared(opts.actions, opts.models, alpha, &w);
                let (lo, hi) = sqrt_enclosure(&b2);
                divide(&run.query, &hi, &lo)
            }
            Ratio::QuerySum => run.query.clone(),
        }
    }
}

/// The largest lower end and the largest upper end of one ratio at one α.
#[derive(Debug, Clone, PartialEq)]
pub struct Extremes {
    /// The largest certified lower end: the best constant is at least this.
    pub lo: Rational,
    /// The class that shows it (the witness).
    pub lo_class: u64,
    /// The largest certified upper end (`None`: some class has no finite upper end).
    pub hi: Option<Rational>,
    /// The class with that upper end.
    pub hi_class: u64,
}

/// One class's runs, one per α (in the order of [`Options::alphas`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRuns {
    /// The class's number.
    pub index: u64,
    /// Its runs.
    pub runs: Vec<Run>,
}

/// An atlas, whole or one shard of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Atlas {
    /// Its options.
    pub options: Options,
    /// The shard it covers ([`Shard::WHOLE`] for the whole atlas).
    pub shard: Shard,
    /// How many classes the family has in all.
    pub total: u64,
    /// The runs of the shard's classes, in class order.
    pub classes: Vec<ClassRuns>,
}

impl Atlas {
    /// The extremes of `ratio` at α number `alpha` over this atlas's classes
    /// (`None` when it has none). Ties go to the smallest class number.
    pub fn extremes(&self, all: &[Class], ratio: Ratio, alpha: usize) -> Option<Extremes> {
        let a = &self.options.alphas[alpha];
        let mut best: Option<Extremes> = None;
        for c in &self.classes {
            let e = ratio.ends(&all[c.index as usize], &self.options, a, &c.runs[alpha]);
            match &mut best {
                None => best = Some(Extremes { lo: e.lo, lo_class: c.index, hi: e.hi, hi_class: c.index }),
                Some(b) => {
                    if e.lo > b.lo {
                        b.lo = e.lo;
                        b.lo_class = c.index;
                    }
                    let higher = match (&e.hi, &b.hi) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(x), Some(y)) => x > y,
                    };
                    if higher {
                        b.hi = e.hi;
                        b.hi_class = c.index;
                    }
                }
            }
        }
        best
    }

    /// The runs whose intervals did not close: (class, α number, run).
    pub fn undecided(&self) -> Vec<(u64, usize, &Run)> {
        let mut out = Vec::new();
        for c in &self.classes {
            for (j, r) in c.runs.iter().enumerate() {
                if !r.decided() {
                    out.push((c.index, j, r));
                }
            }
        }
        out
    }

    /// The runs that broke a proved bound.
    pub fn failed(&self) -> Vec<(u64, usize)> {
        let mut out = Vec::new();
        for c in &self.classes {
            for (j, r) in c.runs.iter().enumerate() {
                if r.failed() {
                    out.push((c.index, j));
                }
            }
        }
        out
    }

    /// The exit status: 1 when a class broke a bound, else 3 when some run is undecided, else 0.
    pub fn exit_status(&self) -> u8 {
        if !self.failed().is_empty() {
            1
        } else if !self.undecided().is_empty() {
            3
        } else {
            0
        }
    }
}

/// Runs shard `shard` of the atlas on the current rayon pool; `watch` hears of each class done (of the shard's).
/// A cancelled watch ends it at the next depth of a lifetime (`run: cancelled`).
pub fn run(opts: &Options, shard: Shard, watch: &dyn crate::progress::Watch) -> Result<Atlas, AtlasError> {
    let all = classes(opts)?;
    let mine: Vec<&Class> = all.iter().filter(|c| shard.holds(c.index)).collect();
    let total = mine.len() as u64;
    let done = AtomicU64::new(0);
    let classes: Option<Vec<ClassRuns>> = mine
        .par_iter()
        .map(|c| {
            if watch.cancelled() {
                return None;
            }
            let runs = opts.alphas.iter().map(|a| run_class(c, opts, a, watch)).collect::<Option<Vec<Run>>>()?;
            watch.tick(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Some(ClassRuns { index: c.index, runs })
        })
        .collect();
    let classes = classes.ok_or_else(|| bad("run", "cancelled"))?;
    Ok(Atlas { options: opts.clone(), shard, total: all.len() as u64, classes })
}

/// Why shards cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// No shard given.
    #[error("no shard to merge")]
    Empty,
    /// Two shards were run with different arguments.
    #[error("part {second} was run with {option} {theirs}, part {first} with {option} {ours}")]
    Arguments {
        /// The first part (from 1, in the order given).
        first: usize,
        /// The part that differs.
        second: usize,
        /// The option that differs (`grid`, `alpha`, …; `shards` for the number of shards).
        option: &'static str,
        /// Its value in the first part.
        ours: String,
        /// Its value in the part that differs.
        theirs: String,
    },
    /// Two parts are the same shard.
    #[error("parts {first} and {second} are both shard {index}/{count}")]
    Twice {
        /// One part.
        first: usize,
        /// The other.
        second: usize,
        /// The shard.
        index: u64,
        /// The number of shards.
        count: u64,
    },
    /// A shard is missing.
    #[error("shard {index}/{count} is missing (give all {count} shards)")]
    Missing {
        /// The shard.
        index: u64,
        /// The number of shards.
        count: u64,
    },
    /// A part holds other classes than its shard should.
    #[error("part {part} does not hold exactly the classes of shard {index}/{count}")]
    Classes {
        /// The part.
        part: usize,
        /// Its shard.
        index: u64,
        /// The number of shards.
        count: u64,
    },
}

/// Puts the shards of one atlas together: the atlas [`run`] with [`Shard::WHOLE`] gives.
pub fn merge(parts: Vec<Atlas>) -> Result<Atlas, MergeError> {
    let first = parts.first().ok_or(MergeError::Empty)?;
    let (opts, count, total) = (first.options.clone(), first.shard.count, first.total);
    let mut seen: Vec<Option<usize>> = vec![None; count as usize];
    for (i, p) in parts.iter().enumerate() {
        let what = differs(&opts, &p.options)
            .or_else(|| (p.shard.count != count).then(|| ("shards", count.to_string(), p.shard.count.to_string())))
            .or_else(|| (p.total != total).then(|| ("classes", total.to_string(), p.total.to_string())));
        if let Some((option, ours, theirs)) = what {
            return Err(MergeError::Arguments { first: 1, second: i + 1, option, ours, theirs });
        }
        let slot = &mut seen[(p.shard.index - 1) as usize];
        if let Some(j) = slot {
            return Err(MergeError::Twice { first: *j + 1, second: i + 1, index: p.shard.index, count });
        }
        *slot = Some(i);
        let expected = (0..total).filter(|&c| p.shard.holds(c));
        if !p.classes.iter().map(|c| c.index).eq(expected)
            || p.classes.iter().any(|c| c.runs.len() != opts.alphas.len())
        {
            return Err(MergeError::Classes { part: i + 1, index: p.shard.index, count });
        }
    }
    if let Some(k) = seen.iter().position(Option::is_none) {
        return Err(MergeError::Missing { index: k as u64 + 1, count });
    }
    let mut classes: Vec<ClassRuns> = parts.into_iter().flat_map(|p| p.classes).collect();
    classes.sort_by_key(|c| c.index);
    Ok(Atlas { options: opts, shard: Shard::WHOLE, total, classes })
}

/// What differs between two atlases' options: the option (by name), its value in `a`, its value in `b`.
fn differs(a: &Options, b: &Options) -> Option<(&'static str, String, String)> {
    let priors = |p: Option<u64>| p.map_or("uniform".to_string(), |p| p.to_string());
    let pairs = [
        ("family", a.family.to_string(), b.family.to_string()),
        ("actions", a.actions.to_string(), b.actions.to_string()),
        ("models", a.models.to_string(), b.models.to_string()),
        ("grid", a.grid.to_string(), b.grid.to_string()),
        ("alpha", join(&a.alphas), join(&b.alphas)),
        ("priors", priors(a.priors), priors(b.priors)),
        ("width", a.width.to_string(), b.width.to_string()),
        ("max-depth", a.max_depth.to_string(), b.max_depth.to_string()),
    ];
    pairs.into_iter().find(|(_, x, y)| x != y)
}

fn join(v: &[Rational]) -> String {
    v.iter().map(Rational::to_string).collect::<Vec<_>>().join(",")
}
