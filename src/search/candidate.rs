//! The scenarios a search draws and perturbs: small model classes whose every
//! number is a rational with a small denominator.

use super::{fixed_alpha, Family, Options};
use crate::machine::{Machine, Pick, Rule};
use crate::model::{DemonstratorModel, Iid, LastStep, MachineModel, Markov};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::BigInt;
use num_integer::Integer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator of stream `stream` of a search seeded by `seed`.
pub(crate) fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Probabilities on a common denominator: entry `i` is `counts[i] / den`; they sum to exactly 1.
/// Kept in lowest terms (the gcd of `den` and every count is 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The common denominator.
    pub den: u64,
    /// The numerators, one per outcome, summing to `den`.
    pub counts: Vec<u64>,
}

impl Split {
    pub(crate) fn new(den: u64, counts: Vec<u64>) -> Self {
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
    /// The same distribution at every step.
    Iid(Split),
    /// `start` at step 1, then `after[a]` after action `a`.
    AfterAction {
        /// The distribution at step 1.
        start: Split,
        /// The distribution after each action.
        after: Vec<Split>,
    },
    /// A small machine over the actions: a distribution in each state, and
    /// rules `(from, action, to)` tried in order (none: stay).
    Machine {
        /// The distribution in each state; state 0 is the start.
        policy: Vec<Split>,
        /// The rules: in state `from`, after action `action`, move to `to`.
        rules: Vec<(usize, usize, usize)>,
    },
}

impl ModelSpec {
    fn actions(&self) -> usize {
        match self {
            ModelSpec::Iid(s) | ModelSpec::AfterAction { start: s, .. } => s.counts.len(),
            ModelSpec::Machine { policy, .. } => policy[0].counts.len(),
        }
    }

    fn splits_mut(&mut self) -> Vec<&mut Split> {
        match self {
            ModelSpec::Iid(s) => vec![s],
            ModelSpec::AfterAction { start, after } => std::iter::once(start).chain(after.iter_mut()).collect(),
            ModelSpec::Machine { policy, .. } => policy.iter_mut().collect(),
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
            ModelSpec::Machine { policy, rules } => {
                let states = (0..policy.len()).map(|s| format!("s{s}")).collect();
                let rules = rules
                    .iter()
                    .map(|&(from, action, to)| Rule {
                        from: Pick::One(from),
                        action: Pick::One(action),
                        observation: Pick::Any,
                        to,
                    })
                    .collect();
                let machine = Machine::new(states, 0, rules, self.actions(), 1)
                    .unwrap_or_else(|(k, m)| panic!("a search machine breaks a rule: {k}: {m}"));
                Box::new(MachineModel { machine, policy: policy.iter().map(Split::values).collect() })
            }
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
    /// The models, the truth first.
    pub models: Vec<ModelSpec>,
    /// Index of the truth in `models`.
    pub truth: usize,
}

impl Candidate {
    /// `α` as an exact rational.
    pub fn alpha(&self) -> Rational {
        self.alpha.values().swap_remove(0)
    }

    /// The truth's prior weight `w(μ)` (the priors sum to 1).
    pub fn truth_weight(&self) -> Rational {
        self.priors.values().swap_remove(self.truth)
    }

    /// The scenario: actions `a1…aK`, models `m1…mM`, one observation, no events, `depth = T`,
    /// made by the scenario builder like any other (a candidate's splits are
    /// distributions by construction, so the builder's rules hold).
    pub fn scenario(&self, name: &str, depth: usize) -> Scenario {
        let actions = self.models[0].actions();
        let mut b = Scenario::builder(name)
            .actions((1..=actions).map(|a| format!("a{a}")))
            .alpha(self.alpha())
            .depth(depth)
            .truth(format!("m{}", self.truth + 1));
        for (i, (m, prior)) in self.models.iter().zip(self.priors.values()).enumerate() {
            b = b.model(format!("m{}", i + 1), prior, m.build());
        }
        b.build().unwrap_or_else(|e| panic!("a search candidate breaks a scenario rule: {e}"))
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

pub(crate) fn random_candidate(opts: &Options, rng: &mut ChaCha8Rng) -> Candidate {
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
            Family::Machine => {
                let n = rng.gen_range(2..=3usize);
                let policy = (0..n).map(|_| Split::random(rng, k, d, false)).collect();
                // A rule into each state from one before it, so that every
                // state is reachable, then a few rules anywhere.
                let mut rules: Vec<(usize, usize, usize)> =
                    (1..n).map(|to| (rng.gen_range(0..to), rng.gen_range(0..k), to)).collect();
                for _ in 0..rng.gen_range(0..=2) {
                    rules.push((rng.gen_range(0..n), rng.gen_range(0..k), rng.gen_range(0..n)));
                }
                ModelSpec::Machine { policy, rules }
            }
            _ => ModelSpec::Iid(Split::random(rng, k, d, false)),
        })
        .collect();
    let truth = rng.gen_range(0..opts.models);
    Candidate { alpha, priors, models, truth }
}

pub(crate) fn perturb(c: &Candidate, opts: &Options, rng: &mut ChaCha8Rng) -> Candidate {
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
