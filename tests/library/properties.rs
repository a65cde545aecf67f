//! Properties of the imitator and of the verifier on random small scenarios.

use crate::common;

use common::{exact, parse, scenario_toml, verify_json, without_stats};
use imitator::imitator::{Imitator, Policy, Variant};
use imitator::number::{Prob, Rational};
use imitator::scenario::Scenario;
use num_traits::{One, Zero};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// One step of a history: whether the imitator asked, the action, the observation.
type Step = (bool, usize, usize);

/// The steps of positive probability at the imitator's current history.
fn outcomes(im: &Imitator<Rational>, p: &Policy<Rational>) -> Vec<Step> {
    let mu = im.truth_distribution();
    let mut out = Vec::new();
    for queried in [false, true] {
        for (a, (m, mu_a)) in p.m.iter().zip(mu).enumerate() {
            let pa = if queried { &p.theta * mu_a } else { m.clone() };
            if pa.is_zero() {
                continue;
            }
            for (o, po) in im.observation_distribution(a).iter().enumerate() {
                if !po.is_zero() {
                    out.push((queried, a, o));
                }
            }
        }
    }
    out
}

/// Follows a reachable history of the exact conservative imitator, `choices[k]`
/// picking step `k + 1` among the outcomes of positive probability, and calls
/// `f` at every history on the way (the empty one and the last included).
fn walk(s: &Scenario, choices: &[usize], mut f: impl FnMut(&Imitator<Rational>, &Policy<Rational>)) -> Vec<Step> {
    let mut im = Imitator::<Rational>::new(s, Variant::Conservative, 0);
    let mut steps = Vec::new();
    for &c in choices {
        let p = im.policy();
        f(&im, &p);
        let options = outcomes(&im, &p);
        assert!(!options.is_empty(), "every history has a next step");
        let step = options[c % options.len()];
        im.record(step.0, step.1, step.2);
        steps.push(step);
    }
    f(&im, &im.policy());
    steps
}

fn history() -> impl Strategy<Value = (String, Vec<usize>)> {
    (scenario_toml(), vec(0usize..1000, 0..=5))
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn rank_one_is_always_collected((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |_, p| {
            assert!(!p.top.is_empty());
            assert_eq!(p.top[0], p.ranking[0]);
        });
    }

    #[test]
    fn ranking_sorts_by_posterior_with_ties_to_the_earlier_model((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |im, p| {
            let post = im.posterior();
            let mut sorted = p.ranking.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..post.len()).collect::<Vec<_>>(), "a permutation");
            for w in p.ranking.windows(2) {
                let (i, j) = (w[0], w[1]);
                assert!(post[i] > post[j] || (post[i] == post[j] && i < j), "{:?} at {:?}", p.ranking, post);
            }
        });
    }

    #[test]
    fn collected_set_is_a_prefix_of_the_ranking_and_equals_the_models_satisfying_the_rule((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |im, p| {
            assert_eq!(p.top[..], p.ranking[..p.top.len()]);
            let post = im.posterior();
            let mut above = Rational::zero();
            let mut satisfying = Vec::new();
            for (n, &i) in p.ranking.iter().enumerate() {
                if n == 0 || post[i] > &s.alpha * &above {
                    satisfying.push(i);
                }
                above += &post[i];
            }
            let mut top = p.top.clone();
            top.sort_unstable();
            satisfying.sort_unstable();
            assert_eq!(top, satisfying);
        });
    }

    #[test]
    fn m_is_at_most_every_collected_model_and_attained_by_one((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |im, p| {
            let dists = im.distributions();
            for (a, m) in p.m.iter().enumerate() {
                for &i in &p.top {
                    assert!(*m <= dists[i][a], "m({a}) = {m} > ν{i}({a}) = {}", dists[i][a]);
                }
                assert!(p.top.iter().any(|&i| *m == dists[i][a]), "m({a}) = {m} is no collected model's");
            }
        });
    }

    #[test]
    fn theta_lies_in_the_unit_interval((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |_, p| {
            assert!(p.theta >= Rational::zero() && p.theta <= Rational::one(), "θ = {}", p.theta);
        });
    }

    #[test]
    fn theta_is_zero_when_all_collected_models_agree((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |im, p| {
            let dists = im.distributions();
            if p.top.iter().all(|&i| dists[i] == dists[p.top[0]]) {
                assert!(p.theta.is_zero(), "θ = {}", p.theta);
            } else {
                assert!(p.theta > Rational::zero(), "collected models disagree, so some mass is left to query");
            }
        });
    }

    #[test]
    fn imitator_action_probabilities_sum_to_one((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |im, p| {
            let mu = im.truth_distribution();
            let total = (0..p.m.len()).fold(Rational::zero(), |t, a| t + p.action_prob(a, mu));
            assert!(total.is_one(), "Σ π_im = {total}");
        });
    }

    #[test]
    fn pi_im_is_at_most_one_plus_theta_times_mu_when_mu_is_collected((toml, choices) in history()) {
        let s = parse(&toml);
        walk(&s, &choices, |im, p| {
            if !p.collects(s.truth) {
                return;
            }
            let mu = im.truth_distribution();
            for (a, m) in mu.iter().enumerate() {
                assert!(p.action_prob(a, mu) <= (Rational::one() + &p.theta) * m);
                assert!(p.m[a] <= *m);
            }
            assert!(!imitator::bounds::breaks_per_step(&p.m, &p.theta, mu));
        });
    }

    #[test]
    fn f64_imitator_agrees_with_the_exact_one_within_1e9((toml, choices) in history()) {
        let s = parse(&toml);
        let steps = walk(&s, &choices, |_, _| {});
        let mut exact_im = Imitator::<Rational>::new(&s, Variant::Conservative, 0);
        let mut float_im = Imitator::<f64>::new(&s, Variant::Conservative, 0);
        let close = |x: &Rational, y: f64| (Prob::to_f64(x) - y).abs() <= 1e-9;
        for k in 0..=steps.len() {
            for (x, &y) in exact_im.posterior().iter().zip(float_im.posterior()) {
                assert!(close(x, y), "step {}: posterior {x} vs {y}", k + 1);
            }
            let (pe, pf) = (exact_im.policy(), float_im.policy());
            // Rounding may only change the policy where the exact one sits on a tie or a
            // boundary of the rule (within 1e-9); everywhere else it must be the same.
            let post = exact_im.posterior();
            let eps = 1e-9;
            let mut above = Rational::zero();
            let mut knife_edge = false;
            for (n, &i) in pe.ranking.iter().enumerate() {
                if n > 0 {
                    let prev = pe.ranking[n - 1];
                    knife_edge |= Prob::to_f64(&(&post[prev] - &post[i])) <= eps;
                    knife_edge |= Prob::to_f64(&(&post[i] - &s.alpha * &above)).abs() <= eps;
                }
                above += &post[i];
            }
            if !knife_edge {
                assert_eq!(pe.ranking, pf.ranking, "step {}", k + 1);
                assert_eq!(pe.top, pf.top, "step {}", k + 1);
                assert!(close(&pe.theta, pf.theta), "θ {} vs {}", pe.theta, pf.theta);
                for (x, &y) in pe.m.iter().zip(&pf.m) {
                    assert!(close(x, y), "m {x} vs {y}");
                }
            }
            if let Some(&(q, a, o)) = steps.get(k) {
                exact_im.record(q, a, o);
                float_im.record(q, a, o);
            }
        }
    }
}

fn depth(s: &Scenario) -> usize {
    s.depth.expect("the strategy writes a depth")
}

fn rationals(v: &Value) -> Vec<Rational> {
    v.as_array().expect("an array").iter().map(exact).collect()
}

fn any_variant() -> impl Strategy<Value = (Variant, usize)> {
    (prop::sample::select(<Variant as imitator::names::Named>::ALL.to_vec()), 0usize..3)
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn node_mass_sums_to_one_at_every_depth(toml in scenario_toml(), (variant, warmup) in any_variant()) {
        let s = parse(&toml);
        let doc = verify_json(&s, variant, warmup, depth(&s));
        assert_eq!(doc["mass_conserved"], Value::Bool(true));
        for k in [
            "event_e",
            "query_cubed_sum",
            "inverse_truth_posterior",
            "expected_queries",
            "query_sum_cubed",
            "expected_product",
        ] {
            assert_eq!(doc[k]["by_depth"].as_array().map(|a| a.len()), Some(depth(&s)), "{k}");
        }
    }

    /// `E[1/post(μ)]` never rises above `1/w(μ)` for any variant (they all learn
    /// from μ's actions only), and equals it when every model is absolutely
    /// continuous with respect to a truth of full support.
    #[test]
    fn inverse_truth_posterior_is_a_supermartingale(toml in scenario_toml(), (variant, warmup) in any_variant()) {
        let s = parse(&toml);
        let doc = verify_json(&s, variant, warmup, depth(&s));
        let bound = s.truth_weight().recip();
        assert_eq!(exact(&doc["inverse_truth_posterior"]["bound"]), bound);
        let values = rationals(&doc["inverse_truth_posterior"]["by_depth"]);
        assert!(values.iter().all(|x| *x <= bound), "{values:?} above {bound}");
        assert!(values.windows(2).all(|w| w[1] <= w[0]), "{values:?} rises");
        assert_eq!(doc["inverse_truth_posterior"]["holds"], Value::Bool(true));
        let full_support = s.models[s.truth].kind.contexts() == 1
            && s.models[s.truth].kind.distribution(0).iter().all(|p| !p.is_zero());
        if full_support {
            assert!(values.iter().all(|x| *x == bound), "{values:?} should equal {bound}");
        }
    }

    /// Pointwise `(Σ_{k≤t} θ_k)³ ≤ t²·Σ_{k≤t} θ_k³`, so in expectation too; and
    /// `E[(Σθ)³] ≥ E[Σθ]³` (Jensen) and `≥ E[Σθ³]` (the cross terms are ≥ 0).
    #[test]
    fn the_cube_of_the_query_sum_lies_between_its_bounds(toml in scenario_toml(), (variant, warmup) in any_variant()) {
        let s = parse(&toml);
        let doc = verify_json(&s, variant, warmup, depth(&s));
        let cube = rationals(&doc["query_sum_cubed"]["by_depth"]);
        let cubes = rationals(&doc["query_cubed_sum"]["by_depth"]);
        let sums = rationals(&doc["expected_queries"]["by_depth"]);
        let ratios = rationals(&doc["query_sum_cubed"]["ratio_to_t2"]);
        for t in 0..cube.len() {
            let t2 = Rational::from_integer(((t + 1) * (t + 1)).into());
            assert!(cube[t] <= &t2 * &cubes[t], "depth {}", t + 1);
            assert!(cube[t] >= cubes[t], "depth {}", t + 1);
            assert!(cube[t] >= &sums[t] * &sums[t] * &sums[t], "depth {}", t + 1);
            assert_eq!(ratios[t], &cube[t] / t2);
        }
    }

    #[test]
    fn event_e_is_at_least_its_bound_at_every_depth(toml in scenario_toml()) {
        let s = parse(&toml);
        let doc = verify_json(&s, Variant::Conservative, 0, depth(&s));
        let paper = exact(&doc["event_e"]["bound"]);
        assert_eq!(paper, Rational::one() - &s.alpha / s.truth_weight());
        let bound = exact(&doc["event_e"]["proved_bound"]);
        assert_eq!(bound, Rational::one() - &s.alpha / ((Rational::one() + &s.alpha) * s.truth_weight()));
        assert!(bound >= paper);
        let by_depth = rationals(&doc["event_e"]["by_depth"]);
        for (t, e) in by_depth.iter().enumerate() {
            assert!(*e >= bound, "depth {}: P(E) = {e} < {bound}", t + 1);
            assert!(*e <= Rational::one());
        }
        // E_t only shrinks as t grows.
        assert!(by_depth.windows(2).all(|w| w[1] <= w[0]), "{by_depth:?}");
        assert_eq!(doc["event_e"]["holds"], Value::Bool(true));
    }

    #[test]
    fn conservative_imitator_has_no_per_step_violation(toml in scenario_toml()) {
        let s = parse(&toml);
        let doc = verify_json(&s, Variant::Conservative, 0, depth(&s));
        assert_eq!(doc["per_step_ratio"]["violations"], serde_json::json!(0));
        assert_eq!(doc["per_step_ratio"]["holds"], Value::Bool(true));
    }

    #[test]
    fn every_event_has_p_im_at_most_p_im_and_e_plus_one_minus_p_e(toml in scenario_toml(), (variant, warmup) in any_variant()) {
        let s = parse(&toml);
        let doc = verify_json(&s, variant, warmup, depth(&s));
        let p_e = rationals(&doc["event_e"]["by_depth"]).pop().expect("T ≥ 1");
        for e in doc["events"].as_array().expect("events") {
            let (p_im, p_im_e) = (exact(&e["p_im"]), exact(&e["p_im_and_e"]));
            assert!(p_im_e <= p_im, "{e}");
            assert!(p_im <= &p_im_e + Rational::one() - &p_e, "{e} with P(E) = {p_e}");
            assert_eq!(e["holds"], Value::Bool(true));
        }
        if variant == Variant::Conservative {
            // Along E the conservative imitator only takes actions that μ can take.
            let unprecedented = exact(&doc["unprecedented"]["p_im"]);
            assert!(unprecedented <= Rational::one() - &p_e, "unprecedented {unprecedented}, P(E) = {p_e}");
        }
    }

    #[test]
    fn one_and_two_threads_give_identical_json_apart_from_stats(toml in scenario_toml(), (variant, warmup) in any_variant()) {
        let s = parse(&toml);
        let run = |n: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("a pool");
            pool.install(|| without_stats(verify_json(&s, variant, warmup, depth(&s))).to_string())
        };
        assert_eq!(run(1), run(2));
    }
}
