//! The whole lifetime (`verify --horizon infinite`): exact intervals that
//! contain `P(E_∞)` and `E Σ_{t≥1} θ_t³`, computed by hand where they close,
//! and checked to shrink and nest where they do not.

use imitator::checks::Status;
use imitator::imitator::{Standard, Variant};
use imitator::lifetime::{self, Interval, Lifetime, Options, Stop};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use std::process::Command;

fn r(n: i64, d: i64) -> Rational {
    ratio(n, d)
}

fn scenario(toml: &str) -> Scenario {
    Scenario::parse(toml, "test.toml", "test").expect("a valid scenario")
}

fn example(name: &str) -> Scenario {
    Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).expect("a shipped example")
}

fn run(s: &Scenario, variant: Variant, warmup: usize, opts: impl FnOnce(&mut Options)) -> Lifetime {
    let mut o = Options::new();
    opts(&mut o);
    lifetime::run(s, &Standard::new(variant, warmup), &o, imitator::progress::SILENT).expect("the run completes")
}

fn closed(i: &Interval) -> Option<&Rational> {
    (i.hi.as_ref() == Some(&i.lo)).then_some(&i.lo)
}

/// Three actions; the truth `mu` never takes `c`. `only-c` always takes `c`,
/// `only-a` always takes `a`. All three are collected at step 1 (priors 1/4,
/// 1/4, 1/2; α = 1/4), so m = (0, 0, 0) and θ₁ = 1: the imitator asks.
/// - The demonstrator takes `b` (1/2): both rivals are eliminated; Top = {mu}
///   for ever, θ = 0: settled, with E.
/// - It takes `a` (1/2): `only-c` is eliminated and mu falls to 1/5 of the
///   posterior, exactly α·4/5: not collected (the rule is strict). Top =
///   {only-a}, θ = 0: settled, without E.
///
/// So after one step every state is settled: P(E_∞) = 1/2 and E Σθ³ = 1, exactly.
const SETTLES_AFTER_ONE_QUERY: &str = fixture!("settles-after-one-query");

#[test]
fn every_state_settles_after_one_query_and_the_intervals_close() {
    let s = scenario(SETTLES_AFTER_ONE_QUERY);
    let l = run(&s, Variant::Conservative, 0, |_| {});
    assert_eq!((l.depth_reached, l.stopped_because), (1, Stop::Width));
    let last = l.last();
    assert_eq!(closed(&last.event_e), Some(&r(1, 2)));
    assert_eq!(closed(&last.query_cubed_sum), Some(&r(1, 1)));
    assert_eq!(last.unsettled_mass, r(0, 1));
    // The floor 1 − α/((1+α)w) = 1 − (1/4)/((5/4)(1/4)) = 1/5 ≤ 1/2: holds. The proved
    // query bound squared, 4·3⁴·2·(3/4)/((1/4)(1/4)) = 7776 ≥ 1: holds.
    assert_eq!((&l.event_e_bound, &l.query_bound_squared), (&r(1, 5), &r(7776, 1)));
    assert_eq!((l.event_e_status, l.query_status), (Status::Holds, Status::Holds));
    assert_eq!(l.exit_status(), 0);
    // The finite figures of depth 1 come with it.
    assert_eq!(l.figures.event_e, [r(1, 1)]);
    assert_eq!(l.figures.query_cubed_sum, [r(1, 1)]);
}

/// The truth is a fair coin; the rival always plays `a`. θ = 1/2 until the
/// first query (m = (1/2, 0)); a queried `b` (1/2) eliminates the rival, a
/// queried `a` drops the truth to post 1/3 = α·2/3 (α = 1/2): excluded, and
/// the rival alone never asks. Every query settles, but the unqueried path
/// does not, so the intervals close only in the limit:
/// P(E_∞) = 1/2 and E Σθ³ = E[N]·(1/2)³ = 2/8 = 1/4 (N ~ geometric(1/2)).
const SETTLES_AT_THE_FIRST_QUERY: &str = fixture!("settles-at-the-first-query");

#[test]
fn the_intervals_shrink_nest_and_contain_the_hand_computed_limits() {
    let s = scenario(SETTLES_AT_THE_FIRST_QUERY);
    let l = run(&s, Variant::Conservative, 0, |o| {
        o.limits.max_depth = 40;
        o.width = Rational::new(1.into(), num_bigint::BigInt::from(10).pow(30));
    });
    let (pe, q) = (r(1, 2), r(1, 4));
    let half_pow = |t: usize| Rational::new(1.into(), num_bigint::BigInt::from(2).pow(t as u32));
    for (i, st) in l.steps.iter().enumerate() {
        let t = st.depth;
        assert_eq!(t, i + 1);
        let (e, c) = (&st.event_e, &st.query_cubed_sum);
        let (e_hi, c_hi) = (e.hi.as_ref().unwrap(), c.hi.as_ref().unwrap());
        assert!(e.lo <= pe && pe <= *e_hi, "P(E_∞) at depth {t}");
        assert!(c.lo <= q && q <= *c_hi, "E Σθ³ at depth {t}");
        // By hand: unsettled mass 2^-t at post(fair) = 1/2, where g = 1 − (1/3)/(1/2) = 1/3;
        // settled with E: (1/2)(1 − 2^-t). So lo = (1/2)(1 − 2^-t) + 2^-t/3, hi = (1/2)(1 − 2^-t) + 2^-t.
        let settled_e = r(1, 2) * (r(1, 1) - half_pow(t));
        assert_eq!(st.unsettled_mass, half_pow(t));
        assert_eq!(e.lo, &settled_e + half_pow(t) * r(1, 3));
        assert_eq!(*e_hi, &settled_e + half_pow(t));
        // E Σ_{k≤t} θ³ = Σ_{k≤t} 2^-(k-1)·(1/8) = (1/4)(1 − 2^-t).
        assert_eq!(c.lo, r(1, 4) * (r(1, 1) - half_pow(t)));
        if i > 0 {
            let prev = &l.steps[i - 1];
            assert!(prev.event_e.lo <= e.lo && e_hi <= prev.event_e.hi.as_ref().unwrap());
            assert!(prev.query_cubed_sum.lo <= c.lo && c_hi <= prev.query_cubed_sum.hi.as_ref().unwrap());
        }
    }
    assert_eq!((l.depth_reached, l.stopped_because), (40, Stop::MaxDepth));
    assert_eq!((l.event_e_status, l.query_status), (Status::Holds, Status::Holds));
}

#[test]
fn map_and_mixture_close_right_after_their_warm_up() {
    let s = example("three-coins");
    for variant in [Variant::Map, Variant::Mixture] {
        for k in [0usize, 2] {
            let l = run(&s, variant, k, |_| {});
            assert_eq!(l.depth_reached, k.max(1), "{variant} warm-up {k}");
            assert_eq!(l.stopped_because, Stop::Width);
            let last = l.last();
            assert!(closed(&last.event_e).is_some() && closed(&last.query_cubed_sum).is_some());
            // Σθ³ is the warm-up's queries: θ = 1 at each of the K steps.
            assert_eq!(last.query_cubed_sum.lo, r(k as i64, 1));
            assert_eq!(last.unsettled_mass, r(0, 1));
        }
    }
}

#[test]
fn always_query_never_settles_and_fails_at_the_proved_bound() {
    // Three coins: the proved bound squared is 2560, so Σθ³ = t fails once t² > 2560: t = 51.
    let s = example("three-coins");
    let l = run(&s, Variant::AlwaysQuery, 0, |_| {});
    assert_eq!((l.depth_reached, l.stopped_because), (51, Stop::Fails));
    assert_eq!(l.query_status, Status::Fails);
    let last = l.last();
    assert_eq!((&last.query_cubed_sum.lo, &last.query_cubed_sum.hi), (&r(51, 1), &None));
    assert_eq!(last.unsettled_mass, r(1, 1));
    assert_eq!(l.exit_status(), 1);
}

#[test]
fn three_coins_intervals_nest_and_contain_the_finite_figures() {
    let s = example("three-coins");
    let l = run(&s, Variant::Conservative, 0, |o| o.limits.max_depth = 120);
    for w in l.steps.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(a.event_e.lo <= b.event_e.lo && b.event_e.hi.as_ref().unwrap() <= a.event_e.hi.as_ref().unwrap());
        assert!(a.query_cubed_sum.lo <= b.query_cubed_sum.lo);
        assert!(b.query_cubed_sum.hi.as_ref().unwrap() <= a.query_cubed_sum.hi.as_ref().unwrap());
        assert!(b.unsettled_mass <= a.unsettled_mass);
    }
    // lo(Q) is the finite figure; hi(E) is the next depth's P(E).
    for st in &l.steps {
        let t = st.depth;
        assert_eq!(st.query_cubed_sum.lo, l.figures.query_cubed_sum[t - 1]);
        if t < l.figures.event_e.len() {
            assert_eq!(st.event_e.hi.as_ref(), Some(&l.figures.event_e[t]));
        }
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imitator"))
}

#[test]
fn bad_infinite_horizon_input_exits_2_with_a_message() {
    let file = concat!(workspace!(), "/examples/three-coins.toml");
    let cases: [(&[&str], &str); 9] = [
        (&["--horizon", "infinite", "--engine", "exhaustive"], "--engine exhaustive"),
        (&["--horizon", "infinite", "--width", "0"], "--width"),
        (&["--horizon", "infinite", "--width", "0", "--arithmetic", "exact"], "--width"),
        (&["--horizon", "infinite", "--width", "-1/3", "--arithmetic", "rounded"], "--width"),
        (&["--horizon", "infinite", "--arithmetic", "float"], "float"),
        (&["--arithmetic", "exact"], "--arithmetic"),
        (&["--horizon", "infinite", "--width", "-1"], "--width"),
        (&["--horizon", "infinite", "--width", "narrow"], "narrow"),
        (&["--horizon", "forever"], "forever"),
    ];
    for (args, says) in cases {
        let out = bin().arg("verify").arg(file).args(args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(err.contains(says), "{args:?}: `{err}` should mention `{says}`");
    }
}

#[test]
fn json_carries_the_infinite_block_and_exit_3_means_undecided() {
    let file = concat!(workspace!(), "/examples/three-coins.toml");
    // Exact masses: at depth 3 the lower end of P(E_∞) is the floor 8/11 itself, which a
    // rounded run's lower end (rounded down) cannot reach.
    let args = ["verify", file, "--horizon", "infinite", "--max-depth", "3", "--variant", "always-query", "--json"];
    let out = bin().args(args).args(["--arithmetic", "exact"]).output().expect("runs");
    // always-query never settles, so nothing bounds the rest of its queries: E Σθ³ ∈ [3, ∞),
    // undecided (3² < 2560), and no check fails: exit 3.
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let inf = &doc["infinite"];
    assert_eq!(inf["depth_reached"], 3);
    assert_eq!(inf["stopped_because"], "max-depth");
    assert_eq!(inf["width"], "1/1000000000");
    // P(E_∞) ≥ 1 − α/((1+α)·post(μ)) from any state: at the prior that is the floor, 8/11.
    assert_eq!(inf["event_e"]["proved_bound"], "8/11");
    assert_eq!((&inf["event_e"]["status"], &inf["query_cubed_sum"]["status"]), (&"holds".into(), &"undecided".into()));
    assert_eq!((&inf["query_cubed_sum"]["lo"], &inf["query_cubed_sum"]["hi"]), (&"3".into(), &serde_json::Value::Null));
    assert_eq!(inf["query_cubed_sum"]["proved_bound_squared"], "2560");
    assert_eq!(inf["unsettled_mass"]["by_depth"], serde_json::json!(["1", "1", "1"]));
    assert_eq!(doc["query_cubed_sum"]["by_depth"], serde_json::json!(["1", "2", "3"]));
    assert!(doc.get("partial").is_none(), "the lifetime block says where the run ended");
}

#[test]
fn the_json_names_the_arithmetic_and_both_modes_agree() {
    let file = concat!(workspace!(), "/examples/rare-action.toml");
    let run = |extra: &[&str]| -> serde_json::Value {
        let out = bin()
            .args(["verify", file, "--horizon", "infinite", "--width", "1/1000000", "--json"])
            .args(extra)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("one JSON object")
    };
    let rounded = run(&[]);
    let exact = run(&["--arithmetic", "exact"]);
    let (r, e) = (&rounded["infinite"], &exact["infinite"]);
    assert_eq!((&r["arithmetic"], &r["precision_bits"]), (&"rounded".into(), &124.into()));
    assert_eq!(e["arithmetic"], "exact");
    assert!(e.get("precision_bits").is_none() && e.get("retired").is_none());
    assert_eq!(e["tail_bounds"], serde_json::json!(["settled", "supermartingale-floor", "posterior-ratio-tail"]));
    assert!(r["retired"]["budget"] == "1/4000000");
    for k in ["event_e", "query_cubed_sum"] {
        let (rlo, rhi) = (exact_of(&r[k]["lo"]), exact_of(&r[k]["hi"]));
        let (elo, ehi) = (exact_of(&e[k]["lo"]), exact_of(&e[k]["hi"]));
        assert!(rlo <= ehi && elo <= rhi, "{k}: the intervals meet");
        // Dyadic ends.
        for x in [&rlo, &rhi] {
            let d = x.denom();
            assert!(d.trailing_zeros() == Some(d.bits() - 1) || *d == 1.into(), "{k}: {x} is dyadic");
        }
        assert_eq!(r[k]["status"], e[k]["status"]);
    }
}

fn exact_of(v: &serde_json::Value) -> Rational {
    imitator::number::parse_rational(v.as_str().expect("an exact number")).expect("parses")
}

#[test]
fn the_text_report_has_a_whole_lifetime_section() {
    let file = concat!(workspace!(), "/examples/elimination.toml");
    let out = bin().args(["verify", file, "--horizon", "infinite"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("P(E_∞)  ∈ [1.000000000000, 1.000000000000]"), "{text}");
    assert!(text.contains("E Σθ³   ∈ [2.000000000000, 2.000000000000]"), "{text}");
    // The whole report: the finite-depth sections, then the whole lifetime's, then the result.
    assert_output_snapshot!("verify_text_elimination_infinite", text.replace(workspace!(), "[WORKSPACE]"));
}
