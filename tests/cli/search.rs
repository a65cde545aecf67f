//! `imitator search`: deterministic for a seed and budget on any thread count, worst scenarios
//! that `verify` reproduces exactly, and never a ratio above the proved bound on `P(E)`.

use imitator::checks::{bound_ratios, Status};
use imitator::engine::{self, EngineKind};
use imitator::imitator::{Standard, Variant};
use imitator::names::Named;
use imitator::number::{parse_rational, ratio, Rational};
use imitator::scenario::Scenario;
use imitator::search::{self, Candidate, Family, ModelSpec, Options, Outcome, Quantity, Split};
use num_traits::One;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn opts(family: Family, depth: usize, budget: u64, seed: u64) -> Options {
    Options { budget, seed, ..Options::new(family, 2, 3, depth) }
}

fn search_on(threads: usize, o: &Options) -> Outcome {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| search::search(o, &|_, _| {})).unwrap()
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imitator"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imitator-search-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn rat(v: &Value) -> Rational {
    parse_rational(v.as_str().expect("an exact number")).unwrap()
}

#[test]
fn same_seed_same_outcome_on_one_and_two_threads() {
    for &family in Family::ALL {
        let o = opts(family, 8, 40, 5);
        let one = search_on(1, &o);
        assert_eq!(one, search_on(2, &o), "{family}");
        assert_eq!(one, search_on(1, &o), "{family}");
        assert_eq!(one.random + one.local, 40);
        assert!(one.worst.iter().all(Option::is_some));
    }
    // Another seed explores other candidates.
    assert_ne!(search_on(2, &opts(Family::Iid, 8, 40, 5)).worst, search_on(2, &opts(Family::Iid, 8, 40, 6)).worst);
}

#[test]
fn command_output_is_identical_for_one_and_two_threads() {
    let run = |threads: &str| {
        let out = bin()
            .args(["search", "--family", "after-action", "--depth", "6", "--budget", "30", "--seed", "2", "--threads"])
            .arg(threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    // The whole report: the worst candidate of each ratio, (a) (1 - P(E_T)) / (α/w(μ)) first.
    assert_output_snapshot!("search_after_action_depth_6_seed_2", one);
}

/// Two deterministic models that disagree, equal priors, α = 1/2, truth the first.
fn deterministic_pair() -> Candidate {
    let det = |a: u64| ModelSpec::Iid(Split { den: 1, counts: vec![a, 1 - a] });
    Candidate {
        alpha: Split { den: 2, counts: vec![1, 1] },
        priors: Split { den: 2, counts: vec![1, 1] },
        models: vec![det(1), det(0)],
        truth: 0,
    }
}

#[test]
fn a_hand_computed_candidate() {
    // Two deterministic models that disagree, equal priors, α = 1/2, truth m1: both are
    // collected at step 1 (1/2 > 1/4), θ₁ = 1, the query eliminates m2, and θ = 0 after.
    let c = deterministic_pair();
    let o = Options::new(Family::Iid, 2, 2, 5);
    let e = search::evaluate(&c, &o).unwrap();
    assert_eq!(e.lifetime, None);
    let r = e.ratios;
    assert_eq!(r.event_e.ratio, ratio(0, 1));
    // E[Σθ³] = 1 against 2 · 8 · (48 + 12) = 960.
    assert_eq!((r.query_cubed.measured.clone(), r.query_cubed.bound.clone()), (ratio(1, 1), ratio(960, 1)));
    assert_eq!(r.query_cubed.ratio, ratio(1, 960));
    assert_eq!((r.product.ratio.clone(), r.product.depth), (ratio(2, 1), 1));
    assert_eq!((r.product_horizon.ratio.clone(), r.product_horizon.depth), (ratio(2, 25), 5));
}

#[test]
fn grid_plan_fits_the_random_half_of_the_budget() {
    // M = 2: n = 1 gives 2 · 1 · 1 = 2 points; n = 2 gives 2 · 4 · 3 = 24 > 10.
    let o = Options { budget: 20, ..Options::new(Family::Grid, 2, 2, 4) };
    let out = search_on(2, &o);
    assert_eq!((out.grid_n, out.random, out.local), (Some(1), 2, 18));
    // The class never moves in the grid family.
    for w in out.worst.iter().flatten() {
        assert_eq!(w.candidate.models, search::grid_class(2, 2));
    }
}

#[test]
fn event_e_ratio_never_exceeds_the_proved_bound() {
    // proofs/event-e.md: 1 − P(E_T) ≤ α / ((1+α) w(μ)), so the ratio is at most 1/(1+α) < 1.
    for (family, seed) in [(Family::Iid, 1), (Family::AfterAction, 2), (Family::Grid, 3)] {
        let out = search_on(2, &opts(family, 10, 60, seed));
        let w = out.worst[0].as_ref().unwrap();
        assert_eq!(w.quantity, Quantity::EventE);
        let r = &w.ratio().ratio;
        let alpha = w.candidate.alpha();
        assert!(
            *r <= Rational::one() / (Rational::one() + alpha),
            "{family}: {r} on\n{}",
            w.scenario(&out.options).to_toml().unwrap()
        );
        assert!(out.worst[1].as_ref().unwrap().ratio().ratio < Rational::one(), "{family}: the cubic bound");
        // The paper's imitator never breaks a checked bound.
        assert_eq!(out.broken, 0, "{family}");
    }
}

/// Recomputes a quantity's ratio from `imitator verify --engine lumped --json` on a written file.
fn ratio_from_verify(file: &Path, depth: usize, q: Quantity) -> Rational {
    let out = bin()
        .args(["verify", "--engine", "lumped", "--json", "--depth", &depth.to_string()])
        .arg(file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let last = |key: &str| rat(v[key]["by_depth"].as_array().unwrap().last().unwrap());
    let (alpha, w) = (rat(&v["alpha"]), rat(&v["truth_weight"]));
    let square = |t: usize| Rational::from_integer(((t * t) as i64).into());
    match q {
        Quantity::EventE => (Rational::one() - last("event_e")) * w / alpha,
        Quantity::QueryCubed => last("query_cubed_sum") / rat(&v["query_cubed_sum"]["bound"]),
        Quantity::Product => v["expected_product"]["by_depth"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, p)| rat(p) / square(i + 1))
            .max()
            .unwrap(),
        Quantity::ProductHorizon => last("expected_product") / square(depth),
    }
}

#[test]
fn written_scenarios_reproduce_their_ratios_through_verify() {
    for (family, extra) in
        [(Family::Iid, None), (Family::AfterAction, Some("1/7")), (Family::Machine, None), (Family::Grid, None)]
    {
        let name = family.to_string();
        let dir = temp_dir(&name);
        let depth = 7;
        let mut cmd = bin();
        cmd.args(["search", "--family", &name, "--depth", "7", "--budget", "30", "--seed", "4", "--json"])
            .arg("--out")
            .arg(&dir);
        if let Some(a) = extra {
            cmd.args(["--alpha", a]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let worst = doc["worst"].as_array().unwrap();
        assert_eq!(worst.len(), Quantity::ALL.len());
        for (q, w) in Quantity::ALL.into_iter().zip(worst) {
            assert_eq!(w["quantity"], q.key());
            let file = PathBuf::from(w["file"].as_str().unwrap());
            let reported = rat(&w["ratio"]);
            // In process: parse the file, run the lumped engine, judge with checks.
            let s = Scenario::from_file(&file).unwrap();
            assert_eq!(s.depth, Some(depth));
            if let Some(a) = extra {
                assert_eq!(s.alpha, parse_rational(a).unwrap());
            }
            let f = engine::run(EngineKind::Lumped, &s, &Standard::new(Variant::Conservative, 0), depth, &|_, _| {})
                .unwrap();
            assert_eq!(q.of(&bound_ratios(&s, &f)).ratio, reported, "{family} {}", q.key());
            // Through the binary's verify command.
            assert_eq!(ratio_from_verify(&file, depth, q), reported, "{family} {}", q.key());
            if q == Quantity::QueryCubed {
                assert_eq!(rat(&w["constants"]["c1"]), &reported * Rational::from_integer(24.into()));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn bad_input_exits_2() {
    for args in [
        vec!["--family", "iid", "--depth", "3", "--actions", "1"],
        vec!["--family", "iid", "--depth", "3", "--alpha", "3/2"],
        vec!["--family", "iid", "--depth", "0"],
        vec!["--family", "nope", "--depth", "3"],
        vec!["--family", "grid", "--depth", "3", "--budget", "0"],
    ] {
        let out = bin().arg("search").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

fn lifetime_opts(family: Family, max_depth: usize, budget: u64, seed: u64, width: Rational) -> Options {
    Options { horizon: search::Horizon::Infinite { width }, ..opts(family, max_depth, budget, seed) }
}

#[test]
fn a_hand_computed_candidate_over_its_lifetime() {
    // The candidate of `a_hand_computed_candidate`: after the one query at step 1 every
    // state is settled, so both intervals are points at depth 1: P(E_∞) = 1, E Σθ³ = 1.
    let c = deterministic_pair();
    let o = lifetime_opts(Family::Iid, 50, 1, 0, ratio(1, 1_000_000));
    let e = search::evaluate(&c, &o).unwrap();
    let l = e.lifetime.unwrap();
    assert_eq!((l.depth_reached, l.stopped_because), (1, imitator::lifetime::Stop::Width));
    assert_eq!((e.ratios.event_e.ratio.clone(), l.event_e_lo.ratio), (ratio(0, 1), ratio(0, 1)));
    assert_eq!((e.ratios.query_cubed.ratio.clone(), l.query_cubed_lo.ratio), (ratio(1, 960), ratio(1, 960)));
    assert_eq!((l.event_e_status, l.query_status), (Status::Holds, Status::Holds));
    assert_eq!((e.ratios.product.ratio, e.ratios.product.depth), (ratio(2, 1), 1));
}

#[test]
fn a_candidate_over_the_state_limit_is_skipped() {
    // Three iid models on two actions with distinct biases: depth 6 needs more than 2 states.
    let iid = |a: u64| ModelSpec::Iid(Split { den: 4, counts: vec![a, 4 - a] });
    let c = Candidate {
        alpha: Split { den: 10, counts: vec![1, 9] },
        priors: Split { den: 3, counts: vec![1, 1, 1] },
        models: vec![iid(1), iid(2), iid(3)],
        truth: 1,
    };
    // Merged states at depths 0..5: 1, 3, 6, 10, 15, 21. With at most 2 the runs stop at
    // depth 0 (an error); with at most 10, part way (figures to depth 3, marked partial).
    let s = c.scenario("candidate", 6);
    let rule = Standard::new(Variant::Conservative, 0);
    for max_states in [2, 10] {
        let mut finite = Options::new(Family::Iid, 2, 3, 6);
        finite.limits.max_states = max_states;
        assert_eq!(search::evaluate(&c, &finite), None, "{max_states}");
        let mut lifetime = lifetime_opts(Family::Iid, 6, 1, 0, ratio(1, 1_000_000));
        lifetime.limits.max_states = max_states;
        assert_eq!(search::evaluate(&c, &lifetime), None, "{max_states}");
    }
    // Skipped because of the state limit, not for another reason: the same runs stop there.
    let limit = |e: engine::EngineError| match e {
        engine::EngineError::Limit(e) => e.message.contains("more than 2 merged states (the state limit)"),
        _ => false,
    };
    let limits = |max_states| imitator::limits::Limits { max_states, max_depth: 6, ..Default::default() };
    let run = |max_states| engine::RunOptions { depth: 6, limits: limits(max_states) };
    let lt_opts = |max_states| imitator::lifetime::Options { limits: limits(max_states), ..Default::default() };
    let verify = |max_states| imitator::verify::verify(&s, rule, EngineKind::Lumped, run(max_states), &|_, _| {});
    assert!(verify(2).err().is_some_and(limit));
    assert!(imitator::lifetime::run(&s, &rule, &lt_opts(2), imitator::progress::SILENT).err().is_some_and(limit));
    let partial = verify(10).unwrap().figures.partial.unwrap();
    assert_eq!((partial.stopped_because, partial.depth_reached), (imitator::limits::Stop::MaxStates, 3));
    let lt = imitator::lifetime::run(&s, &rule, &lt_opts(10), imitator::progress::SILENT).unwrap();
    assert_eq!((lt.stopped_because, lt.depth_reached), (imitator::lifetime::Stop::MaxStates, 3));
    // With room, both run; the lifetime's upper ends bound the truncation's ratios.
    let f = search::evaluate(&c, &Options::new(Family::Iid, 2, 3, 6)).unwrap().ratios;
    let l = search::evaluate(&c, &lifetime_opts(Family::Iid, 400, 1, 0, ratio(1, 1_000_000))).unwrap();
    let ends = l.lifetime.unwrap();
    assert!(ends.event_e_lo.ratio <= l.ratios.event_e.ratio);
    assert!(f.event_e.ratio <= l.ratios.event_e.ratio, "{} > {}", f.event_e.ratio, l.ratios.event_e.ratio);
    assert!(f.query_cubed.ratio <= l.ratios.query_cubed.ratio);
    assert!(ends.query_cubed_lo.ratio <= l.ratios.query_cubed.ratio);
}

#[test]
fn lifetime_search_ranks_by_upper_ends_that_verify_reproduces() {
    let dir = temp_dir("lifetime");
    let out = bin()
        .args(["search", "--family", "iid", "--horizon", "infinite", "--width", "1/10000", "--max-depth", "300"])
        .args(["--budget", "12", "--seed", "5", "--json", "--threads", "2"])
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((doc["horizon"].as_str(), doc["width"].as_str()), (Some("infinite"), Some("1/10000")));
    let command = doc["command"].as_str().unwrap();
    assert!(command.contains("--horizon infinite --width 1/10000 --max-depth 300"), "{command}");
    for (q, w) in Quantity::ALL.into_iter().zip(doc["worst"].as_array().unwrap()).take(2) {
        let (hi, lo) = (
            rat(&w["ratio"]),
            rat(&w["lifetime"][if q == Quantity::EventE { "event_e" } else { "query_cubed_sum" }]["ratio_lo"]),
        );
        assert!(lo <= hi, "{}: {lo} > {hi}", q.key());
        let file = PathBuf::from(w["file"].as_str().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("--horizon infinite --width 1/10000 --max-depth 300"), "{text}");
        // The same figure through `verify --horizon infinite`.
        let v = bin()
            .args(["verify", "--horizon", "infinite", "--width", "1/10000", "--max-depth", "300", "--json"])
            .args(["--arithmetic", "exact"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(matches!(v.status.code(), Some(0 | 3)), "{}", String::from_utf8_lossy(&v.stderr));
        let v: Value = serde_json::from_slice(&v.stdout).unwrap();
        let (alpha, wt) = (rat(&v["alpha"]), rat(&v["truth_weight"]));
        let inf = &v["infinite"];
        assert_eq!(inf["depth_reached"], w["lifetime"]["depth_reached"]);
        let again = match q {
            Quantity::EventE => (Rational::one() - rat(&inf["event_e"]["lo"])) * wt / alpha,
            _ => rat(&inf["query_cubed_sum"]["hi"]) / rat(&inf["query_cubed_sum"]["bound"]),
        };
        assert_eq!(again, hi, "{}", q.key());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lifetime_search_bad_input_exits_2() {
    let infinite = ["--family", "iid", "--horizon", "infinite"];
    for (extra, message) in [
        (&["--depth", "5"][..], "--depth sets a finite horizon; with --horizon infinite use --max-depth"),
        (&["--width", "0"], "--width must be greater than 0, not 0"),
        (&["--width", "-1"], "--width must be greater than 0, not -1"),
        (&["--width", "x"], "--width: `x` is not a number"),
        (&["--max-depth", "0"], "--max-depth must be at least 1"),
    ] {
        let out = bin().arg("search").args(infinite).args(extra).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(out.stdout.is_empty(), "{extra:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(&format!("error: {message}")), "{extra:?}: {err}");
    }
    for (args, message) in [
        (
            &["--family", "iid", "--depth", "4", "--width", "1/10"][..],
            "--width and --max-depth belong to --horizon infinite; a finite search goes to --depth",
        ),
        (&["--family", "iid"], "--depth is required (or use --horizon infinite)"),
    ] {
        let out = bin().arg("search").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), format!("error: {message}\n"), "{args:?}");
    }
    // A depth cap past the limit names the flag that sets it.
    let out =
        bin().args(["search", "--family", "iid", "--horizon", "infinite", "--max-depth", "100001"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --max-depth 100001 is more than 100000, the deepest horizon imitator runs (limits::MAX_DEPTH); \
         give a smaller --max-depth\n"
    );
}
