//! The lumped engine on `examples/three-coins.toml`, every depth reported, to
//! depth 200 and to depth 1000, on 2 threads.
//!
//! Run: `cargo bench --bench lumped` (depth 1000 takes tens of seconds per
//! sample; `cargo bench --bench lumped -- "depth 200"` runs the short one).

use criterion::{criterion_group, criterion_main, Criterion};
use imitator::engine::{self, EngineKind};
use imitator::imitator::{Standard, Variant};
use imitator::scenario::Scenario;
use std::time::Duration;

fn lumped(c: &mut Criterion) {
    let s = Scenario::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/three-coins.toml")).expect("example");
    let rule = Standard::new(Variant::Conservative, 0);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let mut group = c.benchmark_group("lumped three-coins");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(10));
    for depth in [200, 1000] {
        group.bench_function(format!("depth {depth}, 2 threads"), |b| {
            b.iter(|| pool.install(|| engine::run(EngineKind::Lumped, &s, &rule, depth, &|_, _| {}).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, lumped);
criterion_main!(benches);
