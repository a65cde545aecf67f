//! Exact fractions computed by hand, compared with the imitator and the verifier.

use crate::common;

use common::{exact, verify_json};
use imitator::imitator::{min_policy, ranking, top_set, update_posterior, Imitator, Variant};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use serde_json::json;

fn scenario(toml: &str) -> Scenario {
    Scenario::parse(toml, "hand.toml", "hand").unwrap_or_else(|e| panic!("{e}"))
}

fn r(v: &[(i64, i64)]) -> Vec<Rational> {
    v.iter().map(|&(n, d)| ratio(n, d)).collect()
}

/// Three models; `z` is Markov in the previous action.
const THREE: &str = fixture!("hand-three");

#[test]
fn posterior_after_two_queries_multiplies_the_queried_probabilities() {
    let s = scenario(THREE);
    let mut im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
    // Step 1, queried `a`: W = (1/2·1/2, 1/3·3/4, 1/6·1/4) = (1/4, 1/4, 1/24);
    // Σ = 6/24 + 6/24 + 1/24 = 13/24, so post = (6/13, 6/13, 1/13).
    im.record(true, 0, 0);
    assert_eq!(im.posterior(), r(&[(6, 13), (6, 13), (1, 13)]).as_slice());
    // Step 2, queried `b`; z is now in its context "after a", where z(b) = 2/3:
    // W = (1/4·1/2, 1/4·1/4, 1/24·2/3) = (1/8, 1/16, 1/36) = (18, 9, 4)/144;
    // Σ = 31/144, so post = (18/31, 9/31, 4/31).
    im.record(true, 1, 0);
    assert_eq!(im.posterior(), r(&[(18, 31), (9, 31), (4, 31)]).as_slice());
}

#[test]
fn unqueried_steps_leave_the_posterior_unchanged() {
    let s = scenario(THREE);
    let mut im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
    // Unqueried `b`: nothing is learnt; post stays at the priors (1/2, 1/3, 1/6).
    im.record(false, 1, 0);
    assert_eq!(im.posterior(), r(&[(1, 2), (1, 3), (1, 6)]).as_slice());
    // Then queried `a`, with z "after b" where z(a) = 1:
    // W = (1/2·1/2, 1/3·3/4, 1/6·1) = (1/4, 1/4, 1/6) = (3, 3, 2)/12; post = (3/8, 3/8, 1/4).
    im.record(true, 0, 0);
    assert_eq!(im.posterior(), r(&[(3, 8), (3, 8), (1, 4)]).as_slice());
}

#[test]
fn update_posterior_is_bayes_rule_on_one_action() {
    // post = (1/2, 1/3, 1/6), action 1 with ν(1) = (1/2, 1/4, 0):
    // W = (1/4, 1/12, 0) = (3, 1, 0)/12; post' = (3/4, 1/4, 0).
    let post = r(&[(1, 2), (1, 3), (1, 6)]);
    let d = [r(&[(1, 2), (1, 2)]), r(&[(3, 4), (1, 4)]), r(&[(1, 1), (0, 1)])];
    let dists: Vec<&[Rational]> = d.iter().map(|v| v.as_slice()).collect();
    assert_eq!(update_posterior(&post, 1, &dists), r(&[(3, 4), (1, 4), (0, 1)]));
}

#[test]
fn top_set_excludes_model_exactly_at_the_boundary() {
    // post = (1/2, 1/3, 1/6). With α = 1/5: rank 2 has 1/3 > 1/5·1/2 = 1/10, collected;
    // rank 3 has 1/6 = 1/5·(1/2 + 1/3) = 1/5·5/6 exactly, so it is NOT collected.
    let post = r(&[(1, 2), (1, 3), (1, 6)]);
    let rank = ranking(&post);
    assert_eq!(rank, vec![0, 1, 2]);
    assert_eq!(top_set(&post, &rank, &ratio(1, 5)), vec![0, 1]);
    // Just below: α = 19/100 gives 19/100·5/6 = 19/120 < 20/120 = 1/6, collected.
    assert_eq!(top_set(&post, &rank, &ratio(19, 100)), vec![0, 1, 2]);
    // Just above the second boundary: α = 2/3 gives 2/3·1/2 = 1/3, so rank 2 is out too.
    assert_eq!(top_set(&post, &rank, &ratio(2, 3)), vec![0]);
}

#[test]
fn top_set_excludes_the_boundary_model_inside_the_imitator() {
    let s = scenario(TWO_COINS);
    let mut im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
    // Queried `b`: W = (1/2·1/2, 1/2·1/4) = (1/4, 1/8); post = (2/3, 1/3).
    // Rank 2 is y with 1/3 = α·2/3 = 1/2·2/3 exactly: not collected, so Top = {x},
    // m = x = (1/2, 1/2) and θ = 0.
    im.record(true, 1, 0);
    assert_eq!(im.posterior(), r(&[(2, 3), (1, 3)]).as_slice());
    let p = im.policy();
    assert_eq!(p.ranking, vec![0, 1]);
    assert_eq!(p.top, vec![0]);
    assert_eq!(p.m, r(&[(1, 2), (1, 2)]));
    assert_eq!(p.theta, ratio(0, 1));
}

#[test]
fn tie_in_posterior_goes_to_the_earlier_declared_model() {
    // post = (1/4, 3/8, 3/8): models 1 and 2 tie, model 1 is declared first.
    assert_eq!(ranking(&r(&[(1, 4), (3, 8), (3, 8)])), vec![1, 2, 0]);
    assert_eq!(ranking(&r(&[(1, 3), (1, 3), (1, 3)])), vec![0, 1, 2]);
    assert_eq!(ranking(&r(&[(1, 6), (1, 2), (1, 6), (1, 6)])), vec![1, 0, 2, 3]);
    // In THREE after a queried `a`, post = (6/13, 6/13, 1/13): x (declared first) ranks first.
    let s = scenario(THREE);
    let mut im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
    im.record(true, 0, 0);
    let p = im.policy();
    assert_eq!(p.ranking, vec![0, 1, 2]);
    // Rank 2: 6/13 > 1/10·6/13, collected; rank 3 would need 1/13 > 1/10·12/13 = 6/65,
    // but 1/13 = 5/65: not collected.
    assert_eq!(p.top, vec![0, 1]);
    // And in TWO_COINS at step 1 the priors tie (1/2, 1/2): x ranks first although y is the truth.
    let s = scenario(TWO_COINS);
    let im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
    assert_eq!(im.policy().ranking, vec![0, 1]);
}

#[test]
fn m_and_theta_are_the_minimum_over_the_top_set_and_its_deficit() {
    let d = [r(&[(1, 2), (1, 3), (1, 6)]), r(&[(1, 4), (1, 2), (1, 4)]), r(&[(1, 3), (1, 3), (1, 3)])];
    let dists: Vec<&[Rational]> = d.iter().map(|v| v.as_slice()).collect();
    // Top {0, 2}: m = (min(1/2, 1/3), min(1/3, 1/3), min(1/6, 1/3)) = (1/3, 1/3, 1/6);
    // θ = 1 − 5/6 = 1/6.
    assert_eq!(min_policy(&[0, 2], &dists), (r(&[(1, 3), (1, 3), (1, 6)]), ratio(1, 6)));
    // Top {0, 1, 2}: m = (1/4, 1/3, 1/6) = (3, 4, 2)/12; θ = 1 − 9/12 = 1/4.
    assert_eq!(min_policy(&[0, 1, 2], &dists), (r(&[(1, 4), (1, 3), (1, 6)]), ratio(1, 4)));
    // Top {1, 0} (order does not matter): m = (1/4, 1/3, 1/6) = (3, 4, 2)/12; θ = 1/4.
    assert_eq!(min_policy(&[1, 0], &dists), (r(&[(1, 4), (1, 3), (1, 6)]), ratio(1, 4)));
    // A single model: m is that model and θ = 0.
    assert_eq!(min_policy(&[1], &dists), (r(&[(1, 4), (1, 2), (1, 4)]), ratio(0, 1)));
}

const ELIMINATE: &str = fixture!("eliminate");

#[test]
fn model_eliminated_by_a_zero_probability_is_never_collected_again() {
    let s = scenario(ELIMINATE);
    let mut im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
    // Priors 1 and 3 normalize to (1/4, 3/4): ranking (y, x); x has 1/4 > 1/10·3/4 = 3/40.
    // m = (min(1/2, 1), min(1/2, 0)) = (1/2, 0), θ = 1/2.
    let p = im.policy();
    assert_eq!(p.ranking, vec![1, 0]);
    assert_eq!(p.top, vec![1, 0]);
    assert_eq!(p.m, r(&[(1, 2), (0, 1)]));
    assert_eq!(p.theta, ratio(1, 2));
    // Queried `b`: W = (1/4·1/2, 3/4·0) = (1/8, 0); post = (1, 0).
    im.record(true, 1, 0);
    assert_eq!(im.posterior(), r(&[(1, 1), (0, 1)]).as_slice());
    // Two more queried `a`s: W(y) stays 0, so post stays (1, 0); y needs 0 > 1/10·1: never collected.
    for _ in 0..2 {
        let p = im.policy();
        assert_eq!(p.ranking, vec![0, 1]);
        assert_eq!(p.top, vec![0]);
        assert_eq!(p.m, r(&[(1, 2), (1, 2)]));
        assert_eq!(p.theta, ratio(0, 1));
        im.record(true, 0, 0);
        assert_eq!(im.posterior(), r(&[(1, 1), (0, 1)]).as_slice());
    }
}

/// Two iid models with equal priors (1 and 1 normalize to 1/2 each); the truth is y.
const TWO_COINS: &str = fixture!("two-coins-by-hand");

// Hand computation for TWO_COINS, α = 1/2, μ = y = (3/4, 1/4), w(μ) = 1/2.
//
// Bounds: event_e ≥ 1 − α/w(μ) = 1 − (1/2)/(1/2) = 0;
//         query_cubed_sum ≤ |A|·α⁻³·(24/w(μ) + 12) = 2·8·(48 + 12) = 960.
//
// Step 1: post = (1/2, 1/2), a tie: ranking (x, y); y has 1/2 > 1/2·1/2 = 1/4, so
// Top = {x, y}, m = (min(1/2, 3/4), min(1/2, 1/4)) = (1/2, 1/4), θ₁ = 1/4.
// The four children of the root (full histories of length 1):
//   (a, no query) 1/2    (b, no query) 1/4    (a, query) 1/4·3/4 = 3/16    (b, query) 1/4·1/4 = 1/16
// so P_im(a) = 11/16, P_im(b) = 5/16. Per-step check at the root: m ≤ μ holds and
// π(a) = 11/16 ≤ (5/4)(3/4) = 15/16, π(b) = 5/16 ≤ (5/4)(1/4) = 5/16: no violation.
//
// Step 2, by child:
//   no query: post (1/2, 1/2) again, same policy, θ₂ = 1/4;
//   (a, query): W = (1/4, 3/8), post (2/5, 3/5); ranking (y, x); x has 2/5 > 1/2·3/5 = 3/10:
//       Top = {y, x}, same m and θ₂ = 1/4;
//   (b, query): W = (1/4, 1/8), post (2/3, 1/3); y has 1/3 = 1/2·2/3: NOT collected;
//       Top = {x}, m = (1/2, 1/2), θ₂ = 0, and E fails from step 2 on.
// So P(E₂) = 1 − 1/16 = 15/16.
//
// Depth 1: event_e (1), Σθ³ = 1/64, Σθ = 1/4, Π(1+θ) = 5/4; nodes checked: the root.
// Depth 2: Σθ³ = 1/64 + (15/16)(1/64) = 31/1024; Σθ = 1/4 + (15/16)(1/4) = 31/64;
//          Π(1+θ) = (5/4)·((15/16)(5/4) + (1/16)·1) = (5/4)(79/64) = 395/256;
//          nodes checked: the root and the three children where y is collected = 4;
//          nodes: 1 + 4 + (3·4 + 2) = 19.
//
// World histories at depth 2 (P_im sums the query flags; E fails only under (b, query)):
//   h    P_im                                  P_im ∧ E2          P_dem    r = P_im∧E / P_dem
//   aa   (11/16)(11/16) = 121/256              121/256            9/16     121/144
//   ab   (11/16)(5/16)  = 55/256               55/256             3/16     55/48
//   ba   (1/4)(11/16) + (1/16)(1/2) = 52/256   (1/4)(11/16)=44/256 3/16    11/12
//   bb   (1/4)(5/16)  + (1/16)(1/2) = 28/256   (1/4)(5/16)=20/256  1/16    5/4
// (121 + 55 + 52 + 28 = 256.) Sorted by r: bb, ab, ba, aa; max r = 5/4; the curve
// accumulates (1/16, 20/256), (4/16, 75/256), (7/16, 119/256), (1, 240/256).
// Events (bound = P_im∧E + 1 − P(E₂) = P_im∧E + 1/16):
//   b at least once {ab, ba, bb}: p_dem 7/16, p_im 135/256, ∧E 119/256, bound 135/256 (tight);
//   b at step 2 {ab, bb}:         p_dem 4/16, p_im 83/256,  ∧E 75/256,  bound 91/256;
//   b then a {ba}:                p_dem 3/16, p_im 52/256,  ∧E 44/256,  bound 60/256;
//   a at step 3: beyond the depth, empty.
// No world history has P_dem = 0: unprecedented 0, bound 1/16.
//
// Ratios to the demonstrator at depth 2 (P_im(B ∧ E)/P_dem(B), P_im(B)/P_dem(B)):
//   b at least once: (119/256)/(7/16) = 17/16, (135/256)/(7/16) = 135/112;
//   b at step 2: 75/64, 83/64;  b then a: (11/64)/(3/16) = 11/12, (13/64)/(3/16) = 13/12;
//   a at step 3: P_dem = 0, no ratio (null).
//
// New figures. Floors: 1 − α/((1+α)w) = 1 − (1/2)/((3/2)(1/2)) = 1/3 (proved), 1 − α/w = 0
// (paper). The proved query bound, squared: 4·#A⁴·(M−1)·(1−w)/(α·w) = 4·16·1·(1/2)/(1/4) = 128.
// E[1/post₂(y)] = (3/4)·2 + (3/16)·(5/3) + (1/16)·3 = 2 = 1/w: both models give every action
// positive probability, so 1/post(μ) is a martingale, and it stays 2 at depth 2.
// E[(θ₁+θ₂)³] = (15/16)(1/2)³ + (1/16)(1/4)³ = 121/1024 (θ₂ = 0 only after (b, query));
// at depth 1 it is θ₁³ = 1/64. Ratios to t²: 1/64 and 121/4096; E Π(1+θ)/t²: 5/4, 395/1024.
//
// At depth 1 (P(E₁) = 1, so every bound adds 0): worlds a (P_dem 3/4, P_im 11/16, r 11/12)
// and b (1/4, 5/16, r 5/4); curve (1/4, 5/16), (1, 1); "b at least once" = {b}; the
// step-2, prefix-2 and step-3 events are empty.

fn check_document(depth: usize, expected: serde_json::Value, nodes: u64) {
    let s = scenario(TWO_COINS);
    let mut doc = verify_json(&s, Variant::Conservative, 0, depth);
    let stats = doc.as_object_mut().unwrap().remove("stats").expect("stats");
    assert_eq!(doc, expected);
    assert_eq!(stats["nodes"], json!(nodes));
    assert_eq!(stats["threads"], json!(1));
}

#[test]
fn verifier_matches_the_hand_computation_at_depth_1() {
    let empty = |name: &str| {
        json!({"name": name, "p_dem": "0", "p_im": "0", "p_im_and_e": "0",
               "ratio_im_and_e": null, "ratio_im": null, "holds": true, "bound": "0"})
    };
    let expected = json!({
        "scenario": "two coins by hand", "depth": 1, "alpha": "1/2",
        "actions": 2, "models": 2, "truth": "y", "truth_weight": "1/2",
        "variant": "conservative", "engine": "exhaustive",
        "event_e": {"by_depth": ["1"], "bound": "0", "proved_bound": "1/3", "holds": true, "bound_holds": true},
        "query_cubed_sum": {"by_depth": ["1/64"], "bound": "960", "proved_bound_squared": "128", "holds": true,
                            "bound_holds": true, "proved_bound_holds": true},
        "inverse_truth_posterior": {"by_depth": ["2"], "bound": "2", "holds": true},
        "expected_queries": {"by_depth": ["1/4"]},
        "query_sum_cubed": {"by_depth": ["1/64"], "ratio_to_t2": ["1/64"]},
        "expected_product": {"by_depth": ["5/4"], "ratio_to_t2": ["5/4"]},
        "per_step_ratio": {"nodes_checked": 1, "violations": 0, "holds": true},
        "events": [
            {"name": "b at least once", "p_dem": "1/4", "p_im": "5/16", "p_im_and_e": "5/16",
             "ratio_im_and_e": "5/4", "ratio_im": "5/4", "holds": true, "bound": "5/16"},
            empty("b at step 2"),
            empty("b then a"),
            empty("a at step 3"),
        ],
        "unprecedented": {"p_im": "0", "bound": "0", "holds": true},
        "worst_case": {"max_ratio": "5/4", "curve": [["1/4", "5/16"], ["1", "1"]], "histories": 2},
        "holds": true, "warmup": 0, "mass_conserved": true,
    });
    check_document(1, expected, 5);
}

#[test]
fn verifier_matches_the_hand_computation_at_depth_2() {
    let expected = json!({
        "scenario": "two coins by hand", "depth": 2, "alpha": "1/2",
        "actions": 2, "models": 2, "truth": "y", "truth_weight": "1/2",
        "variant": "conservative", "engine": "exhaustive",
        "event_e": {"by_depth": ["1", "15/16"], "bound": "0", "proved_bound": "1/3", "holds": true, "bound_holds": true},
        "query_cubed_sum": {"by_depth": ["1/64", "31/1024"], "bound": "960", "proved_bound_squared": "128",
                            "holds": true, "bound_holds": true, "proved_bound_holds": true},
        "inverse_truth_posterior": {"by_depth": ["2", "2"], "bound": "2", "holds": true},
        "expected_queries": {"by_depth": ["1/4", "31/64"]},
        "query_sum_cubed": {"by_depth": ["1/64", "121/1024"], "ratio_to_t2": ["1/64", "121/4096"]},
        "expected_product": {"by_depth": ["5/4", "395/256"], "ratio_to_t2": ["5/4", "395/1024"]},
        "per_step_ratio": {"nodes_checked": 4, "violations": 0, "holds": true},
        "events": [
            {"name": "b at least once", "p_dem": "7/16", "p_im": "135/256", "p_im_and_e": "119/256",
             "ratio_im_and_e": "17/16", "ratio_im": "135/112", "holds": true, "bound": "135/256"},
            {"name": "b at step 2", "p_dem": "1/4", "p_im": "83/256", "p_im_and_e": "75/256",
             "ratio_im_and_e": "75/64", "ratio_im": "83/64", "holds": true, "bound": "91/256"},
            {"name": "b then a", "p_dem": "3/16", "p_im": "13/64", "p_im_and_e": "11/64",
             "ratio_im_and_e": "11/12", "ratio_im": "13/12", "holds": true, "bound": "15/64"},
            {"name": "a at step 3", "p_dem": "0", "p_im": "0", "p_im_and_e": "0",
             "ratio_im_and_e": null, "ratio_im": null, "holds": true, "bound": "1/16"},
        ],
        "unprecedented": {"p_im": "0", "bound": "1/16", "holds": true},
        "worst_case": {
            "max_ratio": "5/4",
            "curve": [["1/16", "5/64"], ["1/4", "75/256"], ["7/16", "119/256"], ["1", "15/16"]],
            "histories": 4
        },
        "holds": true, "warmup": 0, "mass_conserved": true,
    });
    check_document(2, expected, 19);
}

fn example(name: &str) -> Scenario {
    Scenario::from_file(format!("{}/examples/{name}", workspace!())).unwrap_or_else(|e| panic!("{e}"))
}

/// With `always-query` the demonstrator acts at every step, so `P_im(h) = P_dem(h)`
/// for every world history and `θ = 1` at every step.
fn check_always_query(s: &Scenario, depth: usize) {
    let doc = verify_json(s, Variant::AlwaysQuery, 0, depth);
    let events = doc["events"].as_array().unwrap();
    assert!(!events.is_empty(), "{}: the test needs events", s.name);
    for e in events {
        assert_eq!(e["p_im"], e["p_dem"], "{}: event {}", s.name, e["name"]);
    }
    assert_eq!(doc["worst_case"]["max_ratio"], json!("1"), "{}", s.name);
    let t: Vec<Rational> = (1..=depth as i64).map(|t| ratio(t, 1)).collect();
    let cubed: Vec<Rational> = doc["query_cubed_sum"]["by_depth"].as_array().unwrap().iter().map(exact).collect();
    let queries: Vec<Rational> = doc["expected_queries"]["by_depth"].as_array().unwrap().iter().map(exact).collect();
    let product: Vec<Rational> = doc["expected_product"]["by_depth"].as_array().unwrap().iter().map(exact).collect();
    assert_eq!(cubed, t, "{}: Σθ³ with θ = 1 is t", s.name);
    assert_eq!(queries, t, "{}: Σθ with θ = 1 is t", s.name);
    let powers: Vec<Rational> = (1..=depth as u32).map(|t| ratio(2i64.pow(t), 1)).collect();
    assert_eq!(product, powers, "{}: Π(1+θ) with θ = 1 is 2^t", s.name);
    assert_eq!(doc["unprecedented"]["p_im"], json!("0"), "{}", s.name);
}

#[test]
fn always_query_makes_the_imitator_the_demonstrator_on_the_hand_scenario() {
    check_always_query(&scenario(TWO_COINS), 3);
}

#[test]
fn always_query_makes_the_imitator_the_demonstrator_with_observations() {
    check_always_query(&example("markov-weather.toml"), 4);
}

#[test]
fn always_query_makes_the_imitator_the_demonstrator_on_three_coins() {
    check_always_query(&example("three-coins.toml"), 9);
}
