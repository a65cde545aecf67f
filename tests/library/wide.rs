//! Wide classes (issue 27): many models with long fractions. Building the
//! coprime base of their numbers, the Bayes keys and the exact posteriors must
//! take time about linear in the class, and give the exact figures.

use crate::common;

use common::{exact, parse, verify_json_with};
use imitator::engine::bayes::BayesKeys;
use imitator::engine::{EngineError, EngineKind, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use num_traits::Zero;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const REPRODUCER: &str = include_str!("../fixtures/wide-150-models-depth-1.toml");

/// The words (64 bits) of every number the base is built from.
fn number_words(s: &Scenario) -> u64 {
    let words = |r: &Rational| r.numer().bits().div_ceil(64).max(1) + r.denom().bits().div_ceil(64).max(1);
    s.models
        .iter()
        .map(|m| words(&m.prior) + (0..m.kind.contexts()).flat_map(|c| m.kind.distribution(c)).map(words).sum::<u64>())
        .sum()
}

/// The base's work: a few word gcds per word of input for the rounds, and for
/// the numbers no round separated (products of primes above 1024 that the
/// others share), a gcd per pair; all within limits::MAX_BASE_WORK.
fn assert_work_bounded(keys: &BayesKeys, words: u64) {
    let left = keys.pairwise() as u64;
    assert!(
        keys.work() <= 4 * words + 4 * left * left,
        "{} word gcds for {words} words, {left} refined by pairs",
        keys.work()
    );
    assert!(keys.work() <= imitator::limits::MAX_BASE_WORK);
    assert!(left <= words / 4, "{left} of {words} words left to pairs");
}

/// Bayes' rule by num-rational's own arithmetic, one addition and one
/// division at a time (the slow way the program no longer takes).
fn bayes_by_hand(posterior: &[Rational], probs: &[Rational]) -> Vec<Rational> {
    let w: Vec<Rational> = posterior.iter().zip(probs).map(|(p, q)| p * q).collect();
    let total = w.iter().fold(Rational::zero(), |s, x| s + x);
    w.iter().map(|x| x / &total).collect()
}

#[test]
fn the_reproducer_verifies_at_depth_1_and_2_with_its_exact_figures_on_both_engines() {
    let s = parse(REPRODUCER);
    assert_eq!((s.models.len(), s.actions.len()), (150, 7));
    // w(μ) by summing the priors one at a time, as written in the file.
    let sum = s.models.iter().fold(Rational::zero(), |t, m| t + &m.prior);
    assert_eq!(sum, ratio(1, 1));
    assert_eq!(s.truth_weight(), &ratio(700, 189121));
    for kind in [EngineKind::Exhaustive, EngineKind::Lumped] {
        let start = Instant::now();
        let d1 = verify_json_with(kind, &s, Variant::Conservative, 0, 1);
        let d2 = verify_json_with(kind, &s, Variant::Conservative, 0, 2);
        // Generous: the release build takes well under a second for both.
        assert!(start.elapsed() < Duration::from_secs(60), "{kind:?} took {:?}", start.elapsed());
        assert_eq!(d1["truth_weight"], "700/189121");
        // E[θ_1]: the top set holds models with probability 0 for every action.
        assert_eq!(d1["expected_queries"]["by_depth"], serde_json::json!(["1"]));
        assert_eq!(d1["event_e"]["bound"], "699810879/700000000");
        assert_eq!(d1["event_e"]["proved_bound"], "699811579/700000700");
        assert_eq!(d1["query_cubed_sum"]["bound"], "45473040000000000000000");
        // E[1/post(μ)] stays 1/w(μ) after a query (a martingale identity): at
        // depth 2 it is computed from the 7 posteriors the Bayes keys give.
        assert_eq!(d2["inverse_truth_posterior"]["by_depth"], serde_json::json!(["189121/700", "189121/700"]));
        assert_eq!(d2["expected_queries"]["by_depth"], serde_json::json!(["1", "2"]));
        assert_eq!(d2["query_sum_cubed"]["by_depth"], serde_json::json!(["1", "8"]));
        assert_eq!(exact(&d2["event_e"]["by_depth"][1]), ratio(1, 1));
        assert_eq!(d2["holds"], true);
    }
}

#[test]
fn keyed_posteriors_of_the_reproducer_are_bayes_rule_computed_by_hand() {
    let s = parse(REPRODUCER);
    let keys = BayesKeys::new(&s).expect("within limits::MAX_BASE_WORK");
    assert_work_bounded(&keys, number_words(&s));
    let priors: Vec<Rational> = s.models.iter().map(|m| m.prior.clone()).collect();
    let root = keys.root(&priors);
    assert_eq!(keys.posterior(&root), priors);
    let start: Vec<&[Rational]> = s.models.iter().map(|m| m.kind.distribution(m.kind.initial_context())).collect();
    for a in 0..s.actions.len() {
        let probs: Vec<&Rational> = start.iter().map(|d| &d[a]).collect();
        let child = keys.child(&root, &keys.factor(&probs));
        let owned: Vec<Rational> = probs.iter().map(|&p| p.clone()).collect();
        assert_eq!(keys.posterior(&child), bayes_by_hand(&priors, &owned), "action {a}");
    }
}

#[test]
fn a_truth_weight_too_long_for_exact_bounds_is_refused_before_any_work() {
    let mut toml = String::from("actions = [\"a\", \"b\"]\nalpha = \"1/10\"\ntruth = \"m0\"\n");
    for i in 0..4 {
        let q = format!("1{}{}", "0".repeat(9989), 2 * i + 1);
        toml += &format!("[[models]]\nname = \"m{i}\"\nprior = \"1/{q}\"\niid = [\"1/2\", \"1/2\"]\n");
    }
    let s = Scenario::parse(&toml, "big.toml", "big").expect("within MAX_NUMBER_LEN");
    let start = Instant::now();
    for kind in [EngineKind::Exhaustive, EngineKind::Lumped] {
        let rule = Standard::new(Variant::Conservative, 0);
        match imitator::verify(&s, rule, kind, RunOptions::new(1), &|_, _| {}) {
            Err(EngineError::Limit(e)) => {
                assert_eq!(e.limit, imitator::limits::Limit::TruthWeight);
                assert!(e.message.contains("limits::MAX_TRUTH_WEIGHT_BITS"), "{e}");
            }
            other => panic!("expected the limit, got {:?}", other.map(|_| ())),
        }
    }
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
}

#[test]
fn numbers_that_only_pairwise_refinement_separates_still_get_a_base() {
    // p·q, p·r and q·r (primes above the trial division's 1024) each divide
    // the product of the others: no round splits them, pairs do.
    let (p, q, r) = (1031u64, 1033u64, 1039u64);
    let toml = format!(
        r#"
actions = ["a", "b"]
alpha = "1/10"
truth = "x"
[[models]]
name = "x"
prior = "1/{pr}"
iid = ["1/{pq}", "{pq1}/{pq}"]
[[models]]
name = "y"
prior = "1"
iid = ["2/{qr}", "{qr2}/{qr}"]
"#,
        pr = p * r,
        pq = p * q,
        pq1 = p * q - 1,
        qr = q * r,
        qr2 = q * r - 2,
    );
    let toml = toml.as_str();
    let s = parse(toml);
    let keys = BayesKeys::new(&s).expect("a small base");
    let priors: Vec<Rational> = s.models.iter().map(|m| m.prior.clone()).collect();
    let root = keys.root(&priors);
    assert!(keys.base_len() >= 3);
    for a in 0..2 {
        let probs: Vec<&Rational> = s.models.iter().map(|m| &m.kind.distribution(0)[a]).collect();
        let owned: Vec<Rational> = probs.iter().map(|&p| p.clone()).collect();
        let child = keys.child(&root, &keys.factor(&probs));
        assert_eq!(keys.posterior(&child), bayes_by_hand(&priors, &owned));
    }
}

/// A random wide class: `models` iid models over `actions` actions, each
/// distribution of fractions over one random denominator of up to 13 digits.
pub(crate) fn wide_class(models: usize, actions: usize, seed: u64) -> String {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let names: Vec<String> = (0..actions).map(|a| format!("\"a{a}\"")).collect();
    let mut toml = format!("actions = [{}]\nalpha = \"1/1000000\"\ntruth = \"m0\"\n", names.join(", "));
    for i in 0..models {
        let q: u64 = rng.gen_range(actions as u64..10_000_000_000_000);
        // actions − 1 cut points in 0..q: parts that sum to q (zeros allowed).
        let mut cuts: Vec<u64> = (1..actions).map(|_| rng.gen_range(0..=q)).collect();
        cuts.sort_unstable();
        let mut probs = Vec::with_capacity(actions);
        let mut last = 0;
        for c in cuts.into_iter().chain([q]) {
            probs.push(format!("\"{}/{q}\"", c - last));
            last = c;
        }
        let prior = format!("{}/{}", rng.gen_range(1..1000u32), rng.gen_range(1..1000u32));
        toml += &format!("[[models]]\nname = \"m{i}\"\nprior = \"{prior}\"\niid = [{}]\n", probs.join(", "));
    }
    toml
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn depth_1_verification_of_wide_classes_takes_bounded_work(
        models in 1usize..=200,
        actions in 1usize..=64,
        seed in any::<u64>(),
    ) {
        let toml = wide_class(models, actions, seed);
        let s = parse(&toml);
        let keys = BayesKeys::new(&s).expect("within limits::MAX_BASE_WORK");
        let words = number_words(&s);
        assert_work_bounded(&keys, words);
        let start = Instant::now();
        let d = verify_json_with(EngineKind::Lumped, &s, Variant::Conservative, 0, 1);
        // A generous guard only; the work bound above is the claim.
        prop_assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
        prop_assert_eq!(exact(&d["inverse_truth_posterior"]["by_depth"][0]), s.truth_weight().recip());
    }
}
