//! The lumped engine, every depth reported, on 2 threads.
//!
//! - `three-coins.toml` to depth 200 and to depth 1000 (total time per run);
//! - `markov-weather.toml` and `benches/scenarios/three-actions.toml` (three
//!   actions, four Markov models) to depth 60, reported as the time **per merged
//!   state-step**: the run's time divided by the merged states it stepped from
//!   (the layers at depths 0 to 59), so that engines and scenarios compare;
//! - `markov-weather.toml` to depth 200 (total time per run).
//!
//! Run: `cargo bench --bench lumped`, or one group, e.g.
//! `cargo bench --bench lumped -- "state-step"`. The long runs take tens of
//! seconds per sample; criterion's minimum is 10 samples.

/// The allocator of the `imitator` binary, so that the figures are the command line's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use imitator::engine::{self, EngineKind};
use imitator::imitator::{Standard, Variant};
use imitator::scenario::Scenario;
use std::time::{Duration, Instant};

fn scenario(path: &str) -> Scenario {
    Scenario::from_file(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("scenario")
}

fn pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool")
}

fn three_coins(c: &mut Criterion) {
    let s = scenario("examples/three-coins.toml");
    let rule = Standard::new(Variant::Conservative, 0);
    let pool = pool();
    let mut group = c.benchmark_group("lumped three-coins");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(10));
    for depth in [200, 1000] {
        group.bench_function(format!("depth {depth}, 2 threads"), |b| {
            b.iter(|| pool.install(|| engine::run(EngineKind::Lumped, &s, &rule, depth, &|_, _| {}).expect("runs")))
        });
    }
    group.finish();
}

/// Merged states the walk steps from: the layers at depths `0..depth`.
fn state_steps(s: &Scenario, rule: &Standard, depth: usize) -> u64 {
    let f = engine::run(EngineKind::Lumped, s, rule, depth, &|_, _| {}).expect("runs");
    f.stats.states_per_depth.iter().sum()
}

fn per_state_step(c: &mut Criterion) {
    let rule = Standard::new(Variant::Conservative, 0);
    let pool = pool();
    let mut group = c.benchmark_group("lumped time per merged state-step");
    group.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(60));
    for (name, path) in
        [("markov-weather", "examples/markov-weather.toml"), ("three-actions", "benches/scenarios/three-actions.toml")]
    {
        let s = scenario(path);
        let depth = 60;
        let steps = pool.install(|| state_steps(&s, &rule, depth));
        eprintln!("{name}: {steps} merged state-steps to depth {depth}");
        group.bench_function(format!("{name}, every depth to {depth}, 2 threads"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    pool.install(|| engine::run(EngineKind::Lumped, &s, &rule, depth, &|_, _| {}).expect("runs"));
                }
                start.elapsed() / steps as u32
            })
        });
    }
    group.finish();
}

fn markov_weather_deep(c: &mut Criterion) {
    let s = scenario("examples/markov-weather.toml");
    let rule = Standard::new(Variant::Conservative, 0);
    let pool = pool();
    let mut group = c.benchmark_group("lumped markov-weather");
    group.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(300));
    group.bench_function("every depth to 200, 2 threads", |b| {
        b.iter(|| pool.install(|| engine::run(EngineKind::Lumped, &s, &rule, 200, &|_, _| {}).expect("runs")))
    });
    group.finish();
}

criterion_group!(benches, three_coins, per_state_step, markov_weather_deep);
criterion_main!(benches);
