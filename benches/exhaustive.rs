//! The exhaustive engine on `examples/three-coins.toml` at depth 12, with 1 and 2 threads.
//!
//! Throughput is reported in visited nodes (full histories) per second.
//! Run: `cargo bench --bench exhaustive`.

/// The allocator of the `imitator` binary, so that the figures are the command line's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use imitator::engine::{self, EngineKind};
use imitator::imitator::{Standard, Variant};
use imitator::scenario::Scenario;

fn three_coins() -> Scenario {
    Scenario::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/three-coins.toml")).expect("shipped example")
}

fn exhaustive(c: &mut Criterion) {
    let s = three_coins();
    let rule = Standard::new(Variant::Conservative, 0);
    let nodes = engine::run(EngineKind::Exhaustive, &s, &rule, 12, &|_, _| {}).expect("runs").stats.nodes;
    let mut group = c.benchmark_group("exhaustive three-coins depth 12");
    group.sample_size(20).throughput(Throughput::Elements(nodes));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| pool.install(|| engine::run(EngineKind::Exhaustive, &s, &rule, 12, &|_, _| {}).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, exhaustive);
criterion_main!(benches);
