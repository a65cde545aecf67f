//! Digit-for-digit agreement with an independent exact implementation.
//!
//! `tests/reference/exact_verifier.py` is written from the definitions alone (`docs/semantics.md`, `docs/checks.md`) with
//! Python's `Fraction`: it walks every full history one by one, with no state
//! space, no common denominators and no merging. Every figure it computes must
//! equal the verifier's, as the same string in lowest terms.

use crate::common;

use common::{parse, verify_json};
use imitator::imitator::Variant;
use serde_json::Value;
use std::process::Command;

fn reference(file: &str, depth: usize, variant: Variant, warmup: usize) -> Value {
    let script = concat!(workspace!(), "/tests/reference/exact_verifier.py");
    let out = Command::new("python3")
        .args([script, file, &depth.to_string(), &variant.to_string(), &warmup.to_string()])
        .output()
        .expect("python3 (3.11 or later, for tomllib) runs the reference implementation");
    assert!(out.status.success(), "reference failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the reference prints JSON")
}

/// `file` is relative to the repository, or absolute. Returns whether the
/// exhaustive walk ran in machine words (`u128`) rather than big integers.
fn assert_same(file: &str, depth: usize, variant: Variant, warmup: usize) -> bool {
    let path = if file.starts_with('/') { file.to_string() } else { format!("{}/{file}", workspace!()) };
    let theirs = reference(&path, depth, variant, warmup);
    let s = parse(&std::fs::read_to_string(&path).expect("example"));
    let ours = verify_json(&s, variant, warmup, depth);
    let at = format!("{file} {variant} warm-up {warmup} depth {depth}");
    assert_eq!(ours["event_e"]["by_depth"], theirs["event_e"], "event_e: {at}");
    assert_eq!(ours["event_e"]["bound"], theirs["event_e_bound"], "event_e bound: {at}");
    assert_eq!(ours["event_e"]["proved_bound"], theirs["event_e_proved_bound"], "event_e proved bound: {at}");
    assert_eq!(
        ours["query_cubed_sum"]["proved_bound_squared"], theirs["query_cubed_proved_bound_squared"],
        "query_cubed proved bound: {at}"
    );
    assert_eq!(ours["inverse_truth_posterior"]["bound"], theirs["inverse_truth_posterior_bound"], "1/w: {at}");
    assert_eq!(ours["query_cubed_sum"]["by_depth"], theirs["query_cubed_sum"], "query_cubed_sum: {at}");
    assert_eq!(ours["query_cubed_sum"]["bound"], theirs["query_cubed_bound"], "query_cubed bound: {at}");
    assert_eq!(ours["expected_queries"]["by_depth"], theirs["expected_queries"], "expected_queries: {at}");
    assert_eq!(ours["expected_product"]["by_depth"], theirs["expected_product"], "expected_product: {at}");
    assert_eq!(ours["query_sum_cubed"]["by_depth"], theirs["query_sum_cubed"], "query_sum_cubed: {at}");
    assert_eq!(
        ours["inverse_truth_posterior"]["by_depth"], theirs["inverse_truth_posterior"],
        "inverse_truth_posterior: {at}"
    );
    assert_eq!(ours["stats"]["nodes"], theirs["nodes"], "nodes: {at}");
    assert_eq!(ours["per_step_ratio"]["nodes_checked"], theirs["nodes_checked"], "nodes_checked: {at}");
    assert_eq!(ours["per_step_ratio"]["violations"], theirs["violations"], "violations: {at}");
    assert_eq!(ours["unprecedented"]["p_im"], theirs["unprecedented"], "unprecedented: {at}");
    assert_eq!(ours["worst_case"]["max_ratio"], theirs["max_ratio"], "max_ratio: {at}");
    assert_eq!(ours["worst_case"]["curve"], theirs["curve"], "worst-case curve: {at}");
    assert_eq!(ours["mass_conserved"], theirs["mass_is_one"], "mass: {at}");
    let events = ours["events"].as_array().expect("events");
    let expected = theirs["events"].as_array().expect("events");
    assert_eq!(events.len(), expected.len(), "events: {at}");
    for (e, x) in events.iter().zip(expected) {
        for key in ["name", "p_dem", "p_im", "p_im_and_e", "ratio_im_and_e", "ratio_im"] {
            assert_eq!(e[key], x[key], "event {} {key}: {at}", x["name"]);
        }
    }
    ours["stats"]["word_arithmetic"].as_bool().expect("word_arithmetic")
}

/// Both integer paths of the exhaustive walk are compared with the reference:
/// three coins fits in `u128`, rare action's denominators need big integers.
#[test]
fn both_integer_paths_are_compared() {
    assert!(assert_same("examples/three-coins.toml", 7, Variant::Conservative, 0));
    assert!(!assert_same("examples/rare-action.toml", 8, Variant::Conservative, 0));
}

const VARIANTS: [(Variant, usize); 5] = [
    (Variant::Conservative, 0),
    (Variant::AlwaysQuery, 0),
    (Variant::Map, 0),
    (Variant::Map, 2),
    (Variant::Mixture, 2),
];

#[test]
fn three_coins_matches_the_independent_reference() {
    for (v, k) in VARIANTS {
        assert_same("examples/three-coins.toml", 7, v, k);
    }
}

#[test]
fn markov_weather_matches_the_independent_reference() {
    for (v, k) in VARIANTS {
        assert_same("examples/markov-weather.toml", 4, v, k);
    }
}

#[test]
fn rare_action_matches_the_independent_reference() {
    for (v, k) in VARIANTS {
        assert_same("examples/rare-action.toml", 6, v, k);
    }
}

#[test]
fn elimination_matches_the_independent_reference() {
    for (v, k) in VARIANTS {
        assert_same("examples/elimination.toml", 8, v, k);
    }
}

mod random {
    use super::*;
    use common::{machine_scenario_toml, scenario_toml};
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CASE: AtomicUsize = AtomicUsize::new(0);

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        /// Random scenarios of every model kind, with observations and events.
        #[test]
        fn random_scenarios_match_the_independent_reference(
            toml in scenario_toml(),
            depth in 1usize..=4,
            pick in 0usize..VARIANTS.len(),
        ) {
            let dir = std::env::temp_dir().join(format!("imitator-reference-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let file = dir.join(format!("case-{}.toml", CASE.fetch_add(1, Ordering::Relaxed)));
            std::fs::write(&file, &toml).expect("write scenario");
            let (variant, warmup) = VARIANTS[pick];
            assert_same(file.to_str().expect("utf-8 path"), depth, variant, warmup);
            let _ = std::fs::remove_file(&file);
        }

        /// Random machine models, environments and events (actions and
        /// observations read together, first-match rules, `"*"`, lists and
        /// missing keys): the reference follows each machine from its own
        /// definition, one history at a time.
        #[test]
        fn random_machines_match_the_independent_reference(
            toml in machine_scenario_toml(),
            depth in 1usize..=4,
            pick in 0usize..VARIANTS.len(),
        ) {
            let dir = std::env::temp_dir().join(format!("imitator-reference-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let file = dir.join(format!("machine-{}.toml", CASE.fetch_add(1, Ordering::Relaxed)));
            std::fs::write(&file, &toml).expect("write scenario");
            let (variant, warmup) = VARIANTS[pick];
            assert_same(file.to_str().expect("utf-8 path"), depth, variant, warmup);
            let _ = std::fs::remove_file(&file);
        }
    }
}

#[test]
fn hand_computed_machines_match_the_independent_reference() {
    for name in ["machine-echo", "machine-gusts"] {
        for (v, k) in VARIANTS {
            assert_same(&format!("tests/fixtures/{name}.toml"), 3, v, k);
        }
    }
}

/// Two models that agree: warm-up queries leave the posterior unchanged, so the
/// same posterior is met at every warm-up step. The engines must still tell
/// step 2 (query) from step 3 (deployed): after a warm-up of 2, θ = 0.
#[test]
fn warm_up_steps_with_an_unchanged_posterior_are_told_apart() {
    let toml = fixture!("agree-thirds");
    let dir = std::env::temp_dir().join(format!("imitator-reference-agree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("agree.toml");
    std::fs::write(&file, toml).expect("write");
    let path = file.to_str().expect("utf-8 path");
    for variant in [Variant::Map, Variant::Mixture] {
        assert_same(path, 4, variant, 2);
        let s = parse(toml);
        let doc = verify_json(&s, variant, 2, 4);
        let expected: Vec<&str> = vec!["1", "2", "2", "2"];
        assert_eq!(doc["query_cubed_sum"]["by_depth"], serde_json::json!(expected), "{variant}");
        let lumped = common::verify_json_with(imitator::engine::EngineKind::Lumped, &s, variant, 2, 4);
        assert_eq!(lumped["query_cubed_sum"]["by_depth"], serde_json::json!(expected), "{variant} lumped");
    }
}
