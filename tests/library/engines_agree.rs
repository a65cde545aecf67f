//! The lumped engine merges histories; the exhaustive engine visits each one.
//! Every figure both compute must be identical, to the digit.

use crate::common;

use common::{parse, scenario_toml, verify_json_with};
use imitator::engine::EngineKind;
use imitator::imitator::Variant;
use imitator::scenario::Scenario;
use proptest::prelude::*;
use serde_json::Value;

/// The part of the document both engines compute, as a JSON string: without
/// `stats`, `engine`, `worst_case` (lumped: null) and the per-step counts
/// (nodes versus merged states: only zero versus non-zero compares).
fn shared(mut doc: Value) -> (String, bool) {
    let o = doc.as_object_mut().expect("an object");
    for k in ["stats", "engine", "worst_case"] {
        o.remove(k);
    }
    let per_step = o["per_step_ratio"].as_object_mut().expect("per_step_ratio");
    per_step.remove("nodes_checked");
    let violations = per_step.remove("violations").and_then(|v| v.as_u64()).expect("violations");
    (doc.to_string(), violations == 0)
}

fn assert_agree(s: &Scenario, variant: Variant, warmup: usize, depth: usize) {
    let ex = verify_json_with(EngineKind::Exhaustive, s, variant, warmup, depth);
    let lu = verify_json_with(EngineKind::Lumped, s, variant, warmup, depth);
    assert_eq!(lu["worst_case"], Value::Null, "the lumped engine cannot compute worst_case");
    assert_eq!(lu["engine"], "lumped");
    assert_eq!(shared(ex), shared(lu), "{} {variant} warm-up {warmup} depth {depth}", s.name);
}

const VARIANTS: [(Variant, usize); 6] = [
    (Variant::Conservative, 0),
    (Variant::AlwaysQuery, 0),
    (Variant::Map, 0),
    (Variant::Map, 2),
    (Variant::Mixture, 0),
    (Variant::Mixture, 2),
];

#[test]
fn lumped_equals_exhaustive_on_every_shipped_example_and_variant() {
    let dir = concat!(workspace!(), "/examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let s = Scenario::from_file(&path).expect("shipped examples parse");
            let depth = s.depth.expect("shipped examples give a depth");
            for (variant, warmup) in VARIANTS {
                assert_agree(&s, variant, warmup, depth);
            }
            seen += 1;
        }
    }
    assert!(seen >= 4, "every shipped example is compared ({seen})");
}

#[test]
fn lumped_equals_exhaustive_at_every_depth_of_three_coins() {
    let s = Scenario::from_file(concat!(workspace!(), "/examples/three-coins.toml")).expect("example");
    for depth in 1..=12 {
        assert_agree(&s, Variant::Conservative, 0, depth);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn lumped_equals_exhaustive_on_random_scenarios(
        toml in scenario_toml(),
        depth in 1usize..=6,
        pick in 0usize..VARIANTS.len(),
    ) {
        let s = parse(&toml);
        let (variant, warmup) = VARIANTS[pick];
        assert_agree(&s, variant, warmup, depth);
    }
}

/// The lumped engine splits each depth into a fixed number of pieces, so its
/// figures (and its merged-state counts) are the same for any thread count.
#[test]
fn lumped_figures_are_identical_for_one_and_two_threads() {
    for name in ["three-coins", "markov-weather", "rare-action", "elimination"] {
        let path = format!("{}/examples/{name}.toml", workspace!());
        let s = Scenario::from_file(&path).expect("example");
        let depth = 3 * s.depth.expect("depth");
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let doc = pool.install(|| verify_json_with(EngineKind::Lumped, &s, Variant::Conservative, 0, depth));
            let states = doc["stats"]["states_per_depth"].clone();
            (common::without_stats(doc), states)
        };
        assert_eq!(run(1), run(2), "{name} at depth {depth}");
    }
}
