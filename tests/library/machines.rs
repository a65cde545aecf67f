//! Machine models, machine environments and events that read observations:
//! figures computed by hand on small scenarios, the same figures from both
//! engines on random machines (and the whole lifetime's intervals from the
//! lumped engine against them), and a machine written back to TOML.

use crate::common;

use common::{exact, machine_scenario_toml, parse, verify_json_with};
use imitator::engine::EngineKind;
use imitator::imitator::{Standard, Variant};
use imitator::lifetime::{self, Options};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use proptest::prelude::*;
use serde_json::{json, Value};

fn both_engines(s: &Scenario, depth: usize) -> [Value; 2] {
    [EngineKind::Exhaustive, EngineKind::Lumped].map(|k| verify_json_with(k, s, Variant::Conservative, 0, depth))
}

/// `echo` plays like the fair coin (the truth) until it takes `b`, then takes
/// `b` for ever; priors 1/2 each, α = 1/10.
///
/// Step 1: both models give (1/2, 1/2), both are collected, m = (1/2, 1/2),
/// θ = 0. After `a` nothing changes. After `b` (1/2), `echo` is `stuck` at
/// (0, 1): m = (0, 1/2) and θ = 1/2. The query answers `a` (1/4 of the time
/// after `b`: `echo` is eliminated, post(fair) = 1) or `b` (post(fair) =
/// (1/4)/(1/4 + 1/2) = 1/3).
///
/// - E[θ_1 + θ_2] = 1/2 · 1/2 = 1/4; E[θ³] sum = 1/2 · 1/8 = 1/16; E[(Σθ)³] = 1/16.
/// - E[Π(1+θ)] at depth 2 = 1/2 · 1 + 1/2 · 3/2 = 5/4.
/// - E[1/post(fair)] after 2 steps: 1/2·2 + 1/4·2 + 1/8·1 + 1/8·3 = 2.
/// - `b twice in a row` (a machine event): P_dem = 1/4; P_im = 1/2 · (1/2 + 1/2·1/2) = 3/8,
///   all of it with E (the truth is never dropped before step 2).
#[test]
fn a_machine_model_and_a_machine_event_by_hand() {
    let s = parse(fixture!("machine-echo"));
    for doc in both_engines(&s, 2) {
        assert_eq!(doc["event_e"]["by_depth"], json!(["1", "1"]), "{}", doc["engine"]);
        assert_eq!(doc["expected_queries"]["by_depth"], json!(["0", "1/4"]));
        assert_eq!(doc["query_cubed_sum"]["by_depth"], json!(["0", "1/16"]));
        assert_eq!(doc["query_sum_cubed"]["by_depth"], json!(["0", "1/16"]));
        assert_eq!(doc["expected_product"]["by_depth"], json!(["1", "5/4"]));
        assert_eq!(doc["inverse_truth_posterior"]["by_depth"], json!(["2", "2"]));
        assert_eq!(doc["unprecedented"]["p_im"], "0");
        let e = &doc["events"][0];
        assert_eq!((&e["p_dem"], &e["p_im"], &e["p_im_and_e"]), (&json!("1/4"), &json!("3/8"), &json!("3/8")));
        assert_eq!(e["ratio_im_and_e"], "3/2");
    }
    // At depth 3 the event's accepting state has no rule out of it, so it stays:
    // `bb?`, `abb` are in it, P_dem = 1/4 + 1/8 = 3/8.
    for doc in both_engines(&s, 3) {
        assert_eq!(doc["events"][0]["p_dem"], "3/8", "{}", doc["engine"]);
    }
}

/// `go` leaves the world `windy`, `stop` calms it; a `go` in a windy world
/// meets a storm half the time. So the state before step t is windy iff
/// a_{t−1} = go, and a storm at step t needs go at t − 1 and at t (1/4), then
/// the coin (1/2): 1/8 at step 2 and 1/8 at step 3, both 1/32. The one model
/// is the truth: the imitator never asks and P_im = P_dem.
#[test]
fn a_machine_environment_and_events_on_observations_by_hand() {
    let s = parse(fixture!("machine-gusts"));
    for doc in both_engines(&s, 3) {
        let p: Vec<&Value> = (0..4).map(|i| &doc["events"][i]["p_dem"]).collect();
        assert_eq!(p, [&json!("7/32"), &json!("1/32"), &json!("1/8"), &json!("1")], "{}", doc["engine"]);
        for i in 0..4 {
            assert_eq!(doc["events"][i]["p_im"], doc["events"][i]["p_dem"]);
        }
        assert_eq!(doc["expected_queries"]["by_depth"], json!(["0", "0", "0"]));
    }
    // The imitator is the demonstrator here: every world history has ratio 1,
    // and the curve ends at (1, 1).
    let doc = verify_json_with(EngineKind::Exhaustive, &s, Variant::Conservative, 0, 3);
    assert_eq!(doc["worst_case"]["max_ratio"], "1");
    assert_eq!(exact(&doc["worst_case"]["curve"].as_array().unwrap().last().unwrap()[0]), ratio(1, 1));
}

/// A machine reads back to the same machine: every kind is written by its
/// `to_toml`, and the text parses to a scenario with the same figures.
#[test]
fn machines_round_trip_through_toml() {
    for text in [fixture!("machine-echo"), fixture!("machine-gusts")] {
        let s = parse(text);
        let written = s.to_toml().expect("machine kinds are written");
        let again = parse(&written);
        assert_eq!(again.to_toml().unwrap(), written);
        let a = common::without_stats(verify_json_with(EngineKind::Exhaustive, &s, Variant::Conservative, 0, 3));
        let b = common::without_stats(verify_json_with(EngineKind::Exhaustive, &again, Variant::Conservative, 0, 3));
        assert_eq!(a, b);
    }
}

/// A state its transitions never reach is no error: a warning that names it, where it is declared.
#[test]
fn an_unreachable_state_is_a_warning() {
    let text =
        fixture!("machine-echo").replace(r#"states = ["copy", "stuck"]"#, r#"states = ["copy", "stuck", "lost"]"#);
    let text = text.replace(r#"stuck = ["0", "1"] }"#, r#"stuck = ["0", "1"], lost = ["1", "0"] }"#);
    let s = Scenario::parse(&text, "echo.toml", "echo").expect("an unreachable state is allowed");
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert_eq!(
        s.warnings[0],
        "echo.toml:15:10: key `models[1].states`: state `lost` cannot be reached from the start state `copy` by the \
         transitions"
    );
}

/// The part of the document both engines compute ([`super::engines_agree`]'s rule).
fn shared(doc: &Value) -> Value {
    let mut d = doc.clone();
    let o = d.as_object_mut().unwrap();
    for k in ["stats", "engine", "worst_case"] {
        o.remove(k);
    }
    let per_step = o["per_step_ratio"].as_object_mut().unwrap();
    per_step.remove("nodes_checked");
    let v = per_step.remove("violations").and_then(|v| v.as_u64()).unwrap();
    per_step.insert("violations".into(), json!(v == 0));
    d
}

const VARIANTS: [(Variant, usize); 4] =
    [(Variant::Conservative, 0), (Variant::AlwaysQuery, 0), (Variant::Map, 1), (Variant::Mixture, 2)];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random machine models, environments and events: both engines give the
    /// same figures, events included.
    #[test]
    fn engines_agree_on_random_machines(toml in machine_scenario_toml(), depth in 1usize..=5, pick in 0usize..4) {
        let s = parse(&toml);
        let (variant, warmup) = VARIANTS[pick];
        let ex = verify_json_with(EngineKind::Exhaustive, &s, variant, warmup, depth);
        let lu = verify_json_with(EngineKind::Lumped, &s, variant, warmup, depth);
        prop_assert_eq!(shared(&ex), shared(&lu), "{} {} depth {}", toml, variant, depth);
    }

    /// The whole lifetime on random machines: its finite figures are the
    /// exhaustive engine's, `lo` of E Σθ³ is the finite sum, `hi` of P(E) is
    /// the next depth's P(E), and each interval holds its end points in order.
    #[test]
    fn the_lifetime_agrees_with_the_exhaustive_engine_on_random_machines(toml in machine_scenario_toml()) {
        let s = parse(&toml);
        let depth = 5;
        let ex = verify_json_with(EngineKind::Exhaustive, &s, Variant::Conservative, 0, depth);
        let mut o = Options::new();
        o.limits.max_depth = depth - 1;
        o.width = Rational::new(1.into(), num_bigint::BigInt::from(10).pow(40));
        let l = lifetime::run(&s, &Standard::new(Variant::Conservative, 0), &o, imitator::progress::SILENT).unwrap();
        let event_e: Vec<Rational> = ex["event_e"]["by_depth"].as_array().unwrap().iter().map(exact).collect();
        let cubed: Vec<Rational> = ex["query_cubed_sum"]["by_depth"].as_array().unwrap().iter().map(exact).collect();
        prop_assert_eq!(&l.figures.event_e[..], &event_e[..l.figures.event_e.len()]);
        for st in &l.steps {
            let t = st.depth;
            prop_assert_eq!(&st.query_cubed_sum.lo, &cubed[t - 1]);
            prop_assert_eq!(st.event_e.hi.as_ref(), Some(&event_e[t]));
            prop_assert!(st.event_e.lo <= event_e[t]);
        }
        let unsettled = common::unsettled_mass(&s, &Standard::new(Variant::Conservative, 0), l.depth_reached);
        prop_assert_eq!(&l.last().unsettled_mass, &unsettled[l.depth_reached]);
    }
}
