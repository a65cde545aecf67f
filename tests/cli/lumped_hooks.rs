//! The lumped engine's limits and hooks: a run stopped by a limit or by its
//! observer keeps exactly the figures of a run to the depth it reached; the
//! layers it shows, with their edges, are the lumped chain itself.

use crate::common;

use imitator::engine::lumped::{self, Control, Edge, LayerView, Observer};
use imitator::engine::{self, EngineError, EngineKind, Figures, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::limits::{Limit, Limits, Stop};
use imitator::number::Rational;
use imitator::scenario::Scenario;
use num_bigint::BigInt;
use num_traits::{One, Zero};
use std::process::Command;

fn example(name: &str) -> Scenario {
    Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).expect("example")
}

fn options(depth: usize) -> RunOptions {
    RunOptions { depth, limits: Limits { max_states: 5_000_000, max_memory: 8 << 30, ..Limits::default() } }
}

fn conservative() -> Standard {
    Standard::new(Variant::Conservative, 0)
}

/// Everything but the statistics of the walk.
fn without_stats(mut f: Figures) -> Figures {
    f.stats = Default::default();
    f.partial = None;
    f
}

#[test]
fn a_run_stopped_by_max_states_keeps_the_figures_of_the_depth_it_reached() {
    let s = example("markov-weather");
    let rule = conservative();
    let opts = RunOptions { depth: 30, limits: Limits { max_states: 20_000, ..Limits::default() } };
    let stopped = match engine::run_with(EngineKind::Lumped, &s, &rule, opts, &|_, _| {}) {
        Err(EngineError::Stopped(f)) => *f,
        other => panic!("expected a stop, got {other:?}"),
    };
    let p = stopped.partial.clone().expect("partial");
    assert_eq!((p.requested_depth, p.stopped_because), (30, Stop::MaxStates));
    assert_eq!(p.stopped_because.limit(), Some(Limit::States));
    assert!(p.message.contains("more than 20000 merged states (the state limit)"), "{}", p.message);
    let d = p.depth_reached;
    assert!(d > 5 && d < 30, "{d}");
    assert_eq!(stopped.depth, d);
    assert_eq!(stopped.event_e.len(), d);
    assert_eq!(stopped.inverse_truth_posterior.len(), d);
    assert!(stopped.stats.states_per_depth.iter().all(|&n| n <= 20_000));
    let full = engine::run(EngineKind::Lumped, &s, &rule, d, &|_, _| {}).expect("runs");
    assert_eq!(stopped.stats.nodes, full.stats.nodes);
    assert_eq!(stopped.stats.states_per_depth, full.stats.states_per_depth);
    assert_eq!(without_stats(stopped), without_stats(full));
}

#[test]
fn a_memory_cap_stops_the_run_the_same_way() {
    let s = example("markov-weather");
    let opts = RunOptions { depth: 60, limits: Limits { max_memory: 24 << 20, ..Limits::default() } };
    match engine::run_with(EngineKind::Lumped, &s, &conservative(), opts, &|_, _| {}) {
        Err(EngineError::Stopped(f)) => {
            let p = f.partial.as_ref().expect("partial");
            assert_eq!(p.stopped_because, Stop::Memory);
            assert!(p.message.contains("past the memory limit of 24 MiB"), "{}", p.message);
            assert_eq!(f.event_e.len(), p.depth_reached);
            assert!(f.stats.peak_memory_bytes.expect("peak") <= 24 << 20);
            // The figures are exactly those of a run to the depth it reached.
            let full = engine::run(EngineKind::Lumped, &s, &conservative(), p.depth_reached, &|_, _| {}).expect("runs");
            assert_eq!(without_stats(*f), without_stats(full));
        }
        other => panic!("expected a stop, got {other:?}"),
    }
}

#[test]
fn a_limit_met_before_the_first_depth_leaves_nothing_to_report() {
    let s = example("markov-weather");
    let opts = RunOptions { depth: 10, limits: Limits { max_states: 1, ..Limits::default() } };
    match engine::run_with(EngineKind::Lumped, &s, &conservative(), opts, &|_, _| {}) {
        Err(EngineError::Limit(e)) => {
            assert_eq!(e.limit, Limit::States);
            assert!(e.message.contains("more than 1 merged states (the state limit)"), "{e}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Stops after `at` depths.
struct StopAt(usize);

impl Observer for StopAt {
    fn layer(&mut self, view: &LayerView) -> Control {
        if view.depth() == self.0 {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

#[test]
fn an_observer_stops_the_run_and_keeps_the_figures_so_far() {
    let s = example("three-coins");
    let rule = conservative();
    let f = lumped::run_observed(&s, &rule, options(40), &mut StopAt(17)).expect("runs");
    let p = f.partial.clone().expect("partial");
    assert_eq!((p.depth_reached, p.stopped_because), (17, Stop::Observer));
    let full = engine::run(EngineKind::Lumped, &s, &rule, 17, &|_, _| {}).expect("runs");
    assert_eq!(without_stats(f), without_stats(full));
}

/// Records the lumped chain: each depth's entries (state, probability) and edges.
#[derive(Default)]
struct Chain {
    layers: Vec<Vec<(u32, bool, bool, Rational)>>,
    edges: Vec<Vec<(Edge, Rational)>>,
    /// `Σ P(s)·θ_s` over each layer, from the view.
    theta: Vec<Rational>,
    /// `P(E_{t+1})` from the view: entries with `E` so far and `μ ∈ Top`.
    event_e: Vec<Rational>,
}

impl Observer for Chain {
    fn wants_edges(&self) -> bool {
        true
    }
    fn layer(&mut self, view: &LayerView) -> Control {
        let entries: Vec<(u32, bool, bool, Rational)> =
            view.entries().map(|e| (e.state, e.e, e.dem_ok, view.probability(&e))).collect();
        assert_eq!(entries.iter().fold(Rational::zero(), |t, e| t + &e.3), Rational::one(), "a layer's mass is 1");
        let space = view.space();
        self.theta.push(entries.iter().fold(Rational::zero(), |t, e| t + &e.3 * &space.state(e.0).theta));
        self.event_e.push(view.probability_of(|e| e.e && view.state(e).truth_in_top));
        if let Some(edges) = view.edges() {
            self.edges.push(edges.iter().map(|&e| (e, space.value(e.prob).clone())).collect());
        } else {
            assert_eq!(view.depth(), 0, "every step lists its edges");
        }
        self.layers.push(entries);
        Control::Continue
    }
}

#[test]
fn the_layers_and_their_edges_are_the_lumped_chain() {
    let s = example("markov-weather");
    let rule = conservative();
    let depth = 7;
    let mut chain = Chain::default();
    let f = lumped::run_observed(&s, &rule, options(depth), &mut chain).expect("runs");
    assert_eq!(chain.layers.len(), depth + 1);
    assert_eq!(chain.edges.len(), depth);
    for (d, edges) in chain.edges.iter().enumerate() {
        let (from, to) = (&chain.layers[d], &chain.layers[d + 1]);
        // Each entry's steps sum to 1, in order of the entries.
        let mut out = vec![Rational::zero(); from.len()];
        let mut pushed = vec![Rational::zero(); to.len()];
        let mut last = 0;
        for (e, p) in edges {
            assert!(e.from >= last, "edges come by entry");
            last = e.from;
            out[e.from as usize] += p;
            pushed[e.to as usize] += &from[e.from as usize].3 * p;
        }
        assert!(out.iter().all(|x| x.is_one()), "depth {d}: every entry's steps sum to 1");
        // The next layer's probabilities are the chain's.
        let next: Vec<Rational> = to.iter().map(|e| e.3.clone()).collect();
        assert_eq!(pushed, next, "depth {d}");
    }
    // The figures read off the views are the engine's.
    let mut sum = Rational::zero();
    for d in 0..depth {
        sum += &chain.theta[d];
        assert_eq!(sum, f.expected_queries[d]);
        assert_eq!(chain.event_e[d], f.event_e[d]);
    }
}

#[test]
fn the_chain_is_the_same_for_one_and_two_threads() {
    let s = example("three-coins");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let mut chain = Chain::default();
        pool.install(|| lumped::run_observed(&s, &conservative(), options(9), &mut chain).expect("runs"));
        let edges: Vec<Vec<(u32, u32, u32)>> =
            chain.edges.iter().map(|l| l.iter().map(|(e, _)| (e.from, e.to, e.prob)).collect()).collect();
        (chain.layers, edges)
    };
    assert_eq!(run(1), run(2));
}

fn verify(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_imitator")).args(args).output().expect("the binary runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), doc, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_command_reports_a_partial_run_and_exits_3() {
    let file = format!("{}/examples/markov-weather.toml", workspace!());
    let (code, doc, err) =
        verify(&["verify", &file, "--engine", "lumped", "--depth", "30", "--max-states", "20000", "--json"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("--max-states"), "{err}");
    let d = doc["partial"]["depth_reached"].as_u64().expect("depth reached") as usize;
    assert_eq!(doc["partial"]["stopped_because"], "max-states");
    assert_eq!(doc["partial"]["requested_depth"], 30);
    assert_eq!(doc["depth"], d);
    for key in ["event_e", "query_cubed_sum", "expected_queries", "query_sum_cubed", "inverse_truth_posterior"] {
        assert_eq!(doc[key]["by_depth"].as_array().expect(key).len(), d, "{key}");
    }
    // Exactly the figures of a run to that depth.
    let (code, full, _) = verify(&["verify", &file, "--engine", "lumped", "--depth", &d.to_string(), "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(common::without_stats(without_partial(doc)), common::without_stats(full));
}

fn without_partial(mut doc: serde_json::Value) -> serde_json::Value {
    doc.as_object_mut().expect("object").remove("partial");
    doc
}

#[test]
fn a_time_limit_ends_the_run_the_same_way() {
    let file = format!("{}/examples/markov-weather.toml", workspace!());
    let (code, doc, err) =
        verify(&["verify", &file, "--engine", "lumped", "--depth", "100000", "--time-limit", "1", "--json"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("--time-limit"), "{err}");
    assert_eq!(doc["partial"]["stopped_because"], "time-limit");
    let d = doc["partial"]["depth_reached"].as_u64().expect("depth reached") as usize;
    assert!(d >= 1);
    assert_eq!(doc["event_e"]["by_depth"].as_array().expect("by_depth").len(), d);
    // Before any depth is done there is nothing to report: an error, nothing on stdout.
    let out = Command::new(env!("CARGO_BIN_EXE_imitator"))
        .args(["verify", &file, "--engine", "lumped", "--depth", "100", "--time-limit", "0.000000001"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--time-limit"));
    // The exhaustive engine has no partial figures to give: a usage error.
    let (code, _, err) = verify(&["verify", &file, "--time-limit", "5"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--engine lumped"), "{err}");
}

#[test]
fn probabilities_in_a_view_are_exact() {
    // A view's masses over its denominator are the probabilities.
    struct One(Vec<Rational>);
    impl Observer for One {
        fn layer(&mut self, view: &LayerView) -> Control {
            if view.depth() == 1 {
                self.0 = view.entries().map(|e| view.probability(&e)).collect();
            }
            Control::Continue
        }
    }
    let s = example("three-coins");
    let mut one = One(Vec::new());
    lumped::run_observed(&s, &conservative(), options(1), &mut one).expect("runs");
    // θ = 1/2 at the root and m = (1/4, 1/4): heads or tails, asked or not,
    // 1/4 each; the four are distinct entries (posterior, count of tails).
    let q = Rational::new(BigInt::from(1), BigInt::from(4));
    assert_eq!(one.0, vec![q; 4]);
}
