//! The constants search (`imitator search`): the scenarios closest to each bound.
//!
//! A family of small scenarios is explored — random candidates first, then a
//! local search that perturbs the best ones — and every candidate is run
//! exactly by the lumped engine with the conservative imitator. For each
//! quantity of [`crate::checks::BoundRatios`] the search keeps the candidate
//! with the largest ratio measured / bound; every ratio is an exact rational.
//!
//! **Quantities.** (a) `(1 − P(E_T)) / (α/w(μ))`, at most `1/(1+α)` by
//! `proofs/event-e.md`; (b) `E[Σθ³]_T / (|A|·α⁻³·(24/w(μ)+12))` — call it `s`:
//! the constants `24s` and `12s` in place of 24 and 12 would give a bound met
//! with equality by the worst candidate at depth `T`; (c) `max_{t≤T} E[Π(1+θ)]_t / t²`
//! (at `t = 1` it is `1 + θ₁ ≤ 2`, so (c) is at least 2 as soon as some
//! candidate has `θ₁ = 1`); (d) `E[Π(1+θ)]_T / T²`, the same at the horizon.
//!
//! **Families** (one observation, the default environment, no events):
//!
//! - `iid`: `M` models, each an iid distribution over the `K` actions;
//! - `after-action`: `M` models, each Markov in the last action (`start` and
//!   one distribution after each action);
//! - `grid`: a fixed class, [`grid_class`] — model `i = 1..M` is iid with
//!   probability `i/(M+1)` on the first action and the rest split evenly over
//!   the others — and a grid over the truth, the priors (integer weights
//!   `1..=n` for each model, normalized) and α (`j/(2n)`, `j = 1..2n−1`),
//!   with the largest `n` whose grid fits in the random half of the budget.
//!   Its local search moves the priors, α and the truth, never the class.
//!
//! Random numbers have small denominators: a distribution is a random
//! composition of a denominator `d ≤ max_den` (entries may be 0), priors a
//! composition into positive parts, α = `n/d` with `0 < n < d ≤ max_den`; the
//! truth is a uniform model of the class. A perturbation moves a few units
//! `1/d` from one entry to another, sometimes after refining `d` by 2 or 3
//! (never beyond `4·max_den`), so a distribution always sums to exactly 1.
//!
//! **Determinism.** Candidate `i` of the random phase draws from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream `i`; perturbation `j` of
//! quantity `q` in local round `r` on its own stream. Batches are evaluated in
//! parallel and collected in order; a candidate replaces the best only when its
//! ratio is strictly larger, so the earliest candidate wins ties. The outcome
//! is the same for a given seed and budget on any number of threads.

use crate::checks::{bound_ratios, BoundRatio, BoundRatios};
use crate::engine::{self, EngineKind, RunOptions};
use crate::environment::IidEnvironment;
use crate::imitator::{Standard, Variant};
use crate::limits::{MAX_SEARCH_DEN, MAX_SEARCH_SIZE};
use crate::model::{DemonstratorModel, Iid, LastStep, Markov, Model};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::ToPrimitive;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which scenarios the search explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Iid,
    AfterAction,
    Grid,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Iid, Family::AfterAction, Family::Grid];

    pub fn name(self) -> &'static str {
        match self {
            Family::Iid => "iid",
            Family::AfterAction => "after-action",
            Family::Grid => "grid",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Family::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown family `{s}`: use iid, after-action or grid"))
    }
}

/// The quantities the search maximizes, each a ratio measured / bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// `(1 − P(E_T)) / (α / w(μ))`.
    EventE,
    /// `E[Σθ³]_T / (|A|·α⁻³·(24/w(μ) + 12))`.
    QueryCubed,
    /// `max_t E[Π_{k≤t}(1+θ_k)] / t²`.
    Product,
    /// `E[Π_{k≤T}(1+θ_k)] / T²`.
    ProductHorizon,
}

impl Quantity {
    pub const ALL: [Quantity; 4] =
        [Quantity::EventE, Quantity::QueryCubed, Quantity::Product, Quantity::ProductHorizon];

    /// A short key, used in JSON and in file names.
    pub fn key(self) -> &'static str {
        match self {
            Quantity::EventE => "event_e",
            Quantity::QueryCubed => "query_cubed",
            Quantity::Product => "product",
            Quantity::ProductHorizon => "product_horizon",
        }
    }

    /// The ratio as a formula.
    pub fn formula(self) -> &'static str {
        match self {
            Quantity::EventE => "(1 - P(E_T)) / (α/w(μ))",
            Quantity::QueryCubed => "E[Σθ³]_T / (|A|α⁻³(24/w(μ)+12))",
            Quantity::Product => "max_t E[Π(1+θ)]_t / t²",
            Quantity::ProductHorizon => "E[Π(1+θ)]_T / T²",
        }
    }

    /// This quantity's ratio among a run's ratios.
    pub fn of(self, r: &BoundRatios) -> &BoundRatio {
        match self {
            Quantity::EventE => &r.event_e,
            Quantity::QueryCubed => &r.query_cubed,
            Quantity::Product => &r.product,
            Quantity::ProductHorizon => &r.product_horizon,
        }
    }
}

/// Probabilities on a common denominator: entry `i` is `counts[i] / den`; they sum to exactly 1.
/// Kept in lowest terms (the gcd of `den` and every count is 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub den: u64,
    pub counts: Vec<u64>,
}

impl Split {
    fn new(den: u64, counts: Vec<u64>) -> Self {
        debug_assert_eq!(counts.iter().sum::<u64>(), den);
        let mut s = Split { den, counts };
        s.reduce();
        s
    }

    fn reduce(&mut self) {
        let g = self.counts.iter().fold(self.den, |g, &c| g.gcd(&c));
        if g > 1 {
            self.den /= g;
            self.counts.iter_mut().for_each(|c| *c /= g);
        }
    }

    /// The exact probabilities.
    pub fn values(&self) -> Vec<Rational> {
        self.counts.iter().map(|&c| Rational::new(BigInt::from(c), BigInt::from(self.den))).collect()
    }

    /// A random composition of a random denominator `≤ max_den` into `len` parts,
    /// positive parts only when `positive`.
    fn random(rng: &mut ChaCha8Rng, len: usize, max_den: u64, positive: bool) -> Split {
        let mut cuts: Vec<u64> = if positive {
            let den = rng.gen_range(len as u64..=max_den.max(len as u64));
            let mut cuts: Vec<u64> =
                rand::seq::index::sample(rng, den as usize - 1, len - 1).into_iter().map(|c| c as u64 + 1).collect();
            cuts.push(den);
            cuts
        } else {
            let den = rng.gen_range(1..=max_den);
            let mut cuts: Vec<u64> = (0..len - 1).map(|_| rng.gen_range(0..=den)).collect();
            cuts.push(den);
            cuts
        };
        cuts.sort_unstable();
        let den = *cuts.last().expect("len >= 1");
        let counts: Vec<u64> = cuts.iter().scan(0, |prev, &c| Some(c - std::mem::replace(prev, c))).collect();
        Split::new(den, counts)
    }

    /// Moves some mass `k/den` from one entry to another, sometimes after refining
    /// the denominator by 2 or 3 (never beyond `limit`). Entries stay `≥ 1/den` when `positive`.
    fn perturb(&mut self, rng: &mut ChaCha8Rng, limit: u64, positive: bool) {
        let len = self.counts.len();
        if len < 2 {
            return;
        }
        let min = u64::from(positive);
        let movable = |s: &Split| (0..len).filter(|&i| s.counts[i] > min).collect::<Vec<_>>();
        let refine = rng.gen_bool(0.35) || movable(self).is_empty();
        if refine {
            let k = rng.gen_range(2..=3u64);
            if self.den * k <= limit {
                self.den *= k;
                self.counts.iter_mut().for_each(|c| *c *= k);
            }
        }
        let from_set = movable(self);
        if !from_set.is_empty() {
            let from = from_set[rng.gen_range(0..from_set.len())];
            let mut to = rng.gen_range(0..len - 1);
            if to >= from {
                to += 1;
            }
            let spare = self.counts[from] - min;
            let amount = if rng.gen_bool(0.5) { 1 } else { rng.gen_range(1..=spare) };
            self.counts[from] -= amount;
            self.counts[to] += amount;
        }
        self.reduce();
    }
}

/// One demonstrator model of a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSpec {
    Iid(Split),
    /// `start` at step 1, then `after[a]` after action `a`.
    AfterAction {
        start: Split,
        after: Vec<Split>,
    },
}

impl ModelSpec {
    fn actions(&self) -> usize {
        match self {
            ModelSpec::Iid(s) | ModelSpec::AfterAction { start: s, .. } => s.counts.len(),
        }
    }

    fn splits_mut(&mut self) -> Vec<&mut Split> {
        match self {
            ModelSpec::Iid(s) => vec![s],
            ModelSpec::AfterAction { start, after } => std::iter::once(start).chain(after.iter_mut()).collect(),
        }
    }

    fn build(&self) -> Box<dyn DemonstratorModel> {
        match self {
            ModelSpec::Iid(s) => Box::new(Iid { probs: s.values() }),
            ModelSpec::AfterAction { start, after } => Box::new(Markov {
                reads: LastStep::Action,
                start: start.values(),
                after: after.iter().map(Split::values).collect(),
            }),
        }
    }
}

/// One scenario of the search, as the rationals that the search draws and perturbs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// α = `counts[0] / den` (both counts positive, so `0 < α < 1`).
    pub alpha: Split,
    /// The priors (all positive), summing to 1.
    pub priors: Split,
    pub models: Vec<ModelSpec>,
    /// Index of the truth in `models`.
    pub truth: usize,
}

impl Candidate {
    pub fn alpha(&self) -> Rational {
        self.alpha.values().swap_remove(0)
    }

    /// The scenario: actions `a1…aK`, models `m1…mM`, one observation, no events, `depth = T`.
    pub fn scenario(&self, name: &str, depth: usize) -> Scenario {
        let actions = self.models[0].actions();
        let priors = self.priors.values();
        Scenario {
            name: name.to_string(),
            actions: (1..=actions).map(|a| format!("a{a}")).collect(),
            observations: vec!["-".to_string()],
            alpha: self.alpha(),
            depth: Some(depth),
            truth: self.truth,
            models: self
                .models
                .iter()
                .zip(priors)
                .enumerate()
                .map(|(i, (m, prior))| Model { name: format!("m{}", i + 1), prior, kind: m.build() })
                .collect(),
            environment: Box::new(IidEnvironment::first_observation(1)),
            events: Vec::new(),
        }
    }
}

/// The fixed class of the `grid` family: model `i = 1..M` is iid with probability
/// `i/(M+1)` on the first action and `(M+1−i)/((M+1)(K−1))` on each other action.
pub fn grid_class(actions: usize, models: usize) -> Vec<ModelSpec> {
    let (k, m) = (actions as u64, models as u64);
    (1..=m)
        .map(|i| {
            let mut counts = vec![m + 1 - i; actions];
            counts[0] = i * (k - 1);
            ModelSpec::Iid(Split::new((m + 1) * (k - 1), counts))
        })
        .collect()
}

/// What to search.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub family: Family,
    pub actions: usize,
    pub models: usize,
    /// The horizon `T` of every run.
    pub depth: usize,
    /// A fixed α; random (and perturbed) when `None`.
    pub alpha: Option<Rational>,
    /// How many candidates to verify in all (random phase and local search).
    pub budget: u64,
    pub seed: u64,
    /// The largest denominator of a random rational (local search refines up to 4×).
    pub max_den: u64,
    /// Lumped engine: a candidate whose layer would hold more merged states is skipped.
    pub max_states: usize,
}

impl Options {
    pub fn new(family: Family, actions: usize, models: usize, depth: usize) -> Self {
        Options { family, actions, models, depth, alpha: None, budget: 200, seed: 0, max_den: 12, max_states: 200_000 }
    }

    /// Why these options cannot run, if they cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.actions < 2 {
            return Err("--actions must be at least 2".into());
        }
        if self.models < 2 {
            return Err("--models must be at least 2".into());
        }
        for (flag, n) in [("--actions", self.actions), ("--models", self.models)] {
            if n > MAX_SEARCH_SIZE {
                return Err(format!(
                    "{flag} {n} is more than {MAX_SEARCH_SIZE}, the most a search candidate has (limits::MAX_SEARCH_SIZE)"
                ));
            }
        }
        if self.depth < 1 {
            return Err("--depth must be at least 1".into());
        }
        crate::limits::check_depth(self.depth, &format!("--depth {}", self.depth))?;
        if self.budget < 1 {
            return Err("--budget must be at least 1".into());
        }
        if self.max_den < 2 {
            return Err("--max-den must be at least 2".into());
        }
        if self.max_den > MAX_SEARCH_DEN {
            return Err(format!(
                "--max-den {} is more than {MAX_SEARCH_DEN}, the largest denominator a search draws (limits::MAX_SEARCH_DEN)",
                self.max_den
            ));
        }
        if let Some(a) = &self.alpha {
            fixed_alpha(a)?;
        }
        Ok(())
    }

    fn den_limit(&self) -> u64 {
        4 * self.max_den
    }
}

fn fixed_alpha(a: &Rational) -> Result<Split, String> {
    let bad = || format!("--alpha must be a rational strictly between 0 and 1 (denominator below 2^63), got {a}");
    let (n, d) = (a.numer().to_u64().ok_or_else(bad)?, a.denom().to_u64().ok_or_else(bad)?);
    if n == 0 || n >= d || d >= 1 << 63 {
        return Err(bad());
    }
    Ok(Split::new(d, vec![n, d - n]))
}

/// Whether a candidate came from the random phase or the local search, and its place in the order of evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Random (or grid) candidate `i`.
    Random(u64),
    /// Local search: round, quantity perturbed, index in the round's batch.
    Local { round: u64, quantity: Quantity, index: u64 },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Random(i) => write!(f, "random #{i}"),
            Origin::Local { round, quantity, index } => write!(f, "local r{round} {} #{index}", quantity.key()),
        }
    }
}

/// The worst candidate found for one quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Worst {
    pub quantity: Quantity,
    pub candidate: Candidate,
    /// All of its ratios (the quantity's is `quantity.of(&ratios)`).
    pub ratios: BoundRatios,
    pub origin: Origin,
}

impl Worst {
    pub fn ratio(&self) -> &BoundRatio {
        self.quantity.of(&self.ratios)
    }

    /// The scenario, named after the quantity, with `depth = T`.
    pub fn scenario(&self, opts: &Options) -> Scenario {
        let name = format!(
            "search worst {} ({} family, seed {}, budget {})",
            self.quantity.key(),
            opts.family,
            opts.seed,
            opts.budget
        );
        self.candidate.scenario(&name, opts.depth)
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub options: Options,
    /// Candidates of the random (or grid) phase.
    pub random: u64,
    /// Candidates of the local search.
    pub local: u64,
    /// Candidates the engine could not run within `max_states` (not counted as worst).
    pub skipped: u64,
    /// Local-search candidates that improved some quantity's worst.
    pub improvements: u64,
    /// One per quantity in [`Quantity::ALL`] order; `None` when every candidate was skipped.
    pub worst: Vec<Option<Worst>>,
    /// For the grid family: prior weights `1..=n`.
    pub grid_n: Option<u64>,
}

/// Perturbations per quantity in one local-search round.
const PER_ROUND: u64 = 8;

fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Runs one candidate exactly: the lumped engine, the conservative imitator, depth `T`.
/// `None` when it would exceed `max_states`.
pub fn evaluate(c: &Candidate, opts: &Options) -> Option<BoundRatios> {
    let s = c.scenario("candidate", opts.depth);
    let rule = Standard::new(Variant::Conservative, 0);
    let run = RunOptions { max_states: opts.max_states, max_memory: 1 << 30, ..RunOptions::new(opts.depth) };
    let figures = engine::run_with(EngineKind::Lumped, &s, &rule, run, &|_, _| {}).ok()?;
    assert!(figures.mass_conserved, "the engine lost mass on a search candidate: {}", s.to_toml());
    Some(bound_ratios(&s, &figures))
}

struct Grid {
    n: u64,
    alphas: Vec<Split>,
    size: u64,
}

impl Grid {
    fn plan(opts: &Options, room: u64) -> Grid {
        let fixed = opts.alpha.as_ref().map(|a| fixed_alpha(a).expect("validated"));
        let size_of = |n: u64| -> u64 {
            let alphas = if fixed.is_some() { 1 } else { 2 * n - 1 };
            (opts.models as u64).saturating_mul(n.saturating_pow(opts.models as u32)).saturating_mul(alphas)
        };
        let mut n = 1;
        while size_of(n + 1) <= room {
            n += 1;
        }
        let alphas = match &fixed {
            Some(a) => vec![a.clone()],
            None => (1..2 * n).map(|j| Split::new(2 * n, vec![j, 2 * n - j])).collect(),
        };
        Grid { n, alphas, size: size_of(n) }
    }

    fn point(&self, opts: &Options, class: &[ModelSpec], i: u64) -> Candidate {
        let m = opts.models as u64;
        let truth = (i % m) as usize;
        let mut rest = i / m;
        let alpha = self.alphas[(rest % self.alphas.len() as u64) as usize].clone();
        rest /= self.alphas.len() as u64;
        let weights: Vec<u64> = (0..m)
            .map(|_| {
                let w = rest % self.n + 1;
                rest /= self.n;
                w
            })
            .collect();
        Candidate { alpha, priors: Split::new(weights.iter().sum(), weights), models: class.to_vec(), truth }
    }
}

fn random_candidate(opts: &Options, rng: &mut ChaCha8Rng) -> Candidate {
    let (k, d) = (opts.actions, opts.max_den);
    let alpha = match &opts.alpha {
        Some(a) => fixed_alpha(a).expect("validated"),
        None => Split::random(rng, 2, d, true),
    };
    let priors = Split::random(rng, opts.models, d.max(opts.models as u64), true);
    let models = (0..opts.models)
        .map(|_| match opts.family {
            Family::AfterAction => ModelSpec::AfterAction {
                start: Split::random(rng, k, d, false),
                after: (0..k).map(|_| Split::random(rng, k, d, false)).collect(),
            },
            _ => ModelSpec::Iid(Split::random(rng, k, d, false)),
        })
        .collect();
    let truth = rng.gen_range(0..opts.models);
    Candidate { alpha, priors, models, truth }
}

fn perturb(c: &Candidate, opts: &Options, rng: &mut ChaCha8Rng) -> Candidate {
    let mut c = c.clone();
    let limit = opts.den_limit();
    let moves = rng.gen_range(1..=3);
    for _ in 0..moves {
        let alpha_free = opts.alpha.is_none();
        let class_free = opts.family != Family::Grid;
        // Targets: 0 truth, 1 priors, 2 alpha, 3 a model distribution.
        let target = loop {
            let t = rng.gen_range(0..10);
            let t = match t {
                0 => 0,
                1..=3 => 1,
                4..=5 => 2,
                _ => 3,
            };
            if (t != 2 || alpha_free) && (t != 3 || class_free) {
                break t;
            }
        };
        match target {
            0 => c.truth = rng.gen_range(0..opts.models),
            1 => c.priors.perturb(rng, limit.max(c.priors.den), true),
            2 => c.alpha.perturb(rng, limit, true),
            _ => {
                let m = rng.gen_range(0..c.models.len());
                let mut splits = c.models[m].splits_mut();
                let s = rng.gen_range(0..splits.len());
                splits[s].perturb(rng, limit, false);
            }
        }
    }
    c
}

/// Keeps, for each quantity, the candidate with the largest ratio (strictly larger replaces).
fn absorb(worst: &mut [Option<Worst>], c: &Candidate, ratios: &BoundRatios, origin: Origin) -> bool {
    let mut improved = false;
    for (slot, q) in worst.iter_mut().zip(Quantity::ALL) {
        let better = match slot {
            None => true,
            Some(w) => q.of(ratios).ratio > w.ratio().ratio,
        };
        if better {
            *slot = Some(Worst { quantity: q, candidate: c.clone(), ratios: ratios.clone(), origin });
            improved = true;
        }
    }
    improved
}

/// Runs the search on the current rayon pool; `tick(done, total)` reports progress.
pub fn search(opts: &Options, tick: &(dyn Fn(u64, u64) + Sync)) -> Result<Outcome, String> {
    opts.validate()?;
    let budget = opts.budget;
    let half = (budget / 2).max(1);
    let class = grid_class(opts.actions, opts.models);
    let grid = (opts.family == Family::Grid).then(|| Grid::plan(opts, half));
    let random = grid.as_ref().map_or(half, |g| g.size.min(half));
    let done = AtomicU64::new(0);
    let step = || tick(done.fetch_add(1, Ordering::Relaxed) + 1, budget);

    let mut worst: Vec<Option<Worst>> = vec![None; Quantity::ALL.len()];
    let mut skipped = 0;
    let results: Vec<(Candidate, Option<BoundRatios>)> = (0..random)
        .into_par_iter()
        .map(|i| {
            let c = match &grid {
                Some(g) => g.point(opts, &class, i),
                None => random_candidate(opts, &mut rng_for(opts.seed, i)),
            };
            let r = evaluate(&c, opts);
            step();
            (c, r)
        })
        .collect();
    for (i, (c, r)) in results.iter().enumerate() {
        match r {
            Some(r) => {
                absorb(&mut worst, c, r, Origin::Random(i as u64));
            }
            None => skipped += 1,
        }
    }

    let mut local = 0;
    let mut improvements = 0;
    let mut round = 0u64;
    while random + local < budget {
        let left = budget - random - local;
        let mut batch: Vec<(Candidate, Origin)> = Vec::new();
        'fill: for (qi, q) in Quantity::ALL.into_iter().enumerate() {
            for j in 0..PER_ROUND {
                if batch.len() as u64 == left {
                    break 'fill;
                }
                let mut rng = rng_for(opts.seed, (1 << 62) | (round << 16) | ((qi as u64) << 8) | j);
                let c = match &worst[qi] {
                    Some(w) => perturb(&w.candidate, opts, &mut rng),
                    None => random_candidate(opts, &mut rng),
                };
                batch.push((c, Origin::Local { round, quantity: q, index: j }));
            }
        }
        let results: Vec<Option<BoundRatios>> = batch
            .par_iter()
            .map(|(c, _)| {
                let r = evaluate(c, opts);
                step();
                r
            })
            .collect();
        for ((c, origin), r) in batch.iter().zip(&results) {
            match r {
                Some(r) => {
                    if absorb(&mut worst, c, r, *origin) {
                        improvements += 1;
                    }
                }
                None => skipped += 1,
            }
        }
        local += batch.len() as u64;
        round += 1;
    }
    Ok(Outcome { options: opts.clone(), random, local, skipped, improvements, worst, grid_n: grid.map(|g| g.n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_stay_distributions_under_perturbation() {
        let mut rng = rng_for(7, 3);
        for positive in [false, true] {
            let mut s = Split::random(&mut rng, 3, 12, positive);
            for _ in 0..500 {
                s.perturb(&mut rng, 48, positive);
                assert_eq!(s.counts.iter().sum::<u64>(), s.den);
                assert!(s.den <= 48);
                assert!(!positive || s.counts.iter().all(|&c| c > 0));
            }
        }
    }

    #[test]
    fn grid_class_is_distinct_and_sums_to_one() {
        let class = grid_class(3, 4);
        // 2/10, 4/10, 4/10 in lowest terms.
        assert_eq!(class[0], ModelSpec::Iid(Split { den: 5, counts: vec![1, 2, 2] }));
        assert_eq!(class[3], ModelSpec::Iid(Split { den: 10, counts: vec![8, 1, 1] }));
    }
}
