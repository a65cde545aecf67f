//! The infinite horizon (`verify --horizon infinite`), on 2 threads, to the
//! widths of its targets:
//!
//! - `three-coins.toml` until both lifetime intervals are at most 10⁻⁹ wide
//!   (depth 1143);
//! - `rare-action.toml` until both are at most 10⁻⁶ wide.
//!
//! Each sample is one whole run: the lumped engine depth by depth, the settled
//! states, both intervals at every depth. Run: `cargo bench --bench lifetime`.

/// The allocator of the `imitator` binary, so that the figures are the command line's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use imitator::imitator::{Standard, Variant};
use imitator::lifetime::{self, Stop};
use imitator::number::parse_rational;
use imitator::scenario::Scenario;
use std::time::Duration;

fn scenario(path: &str) -> Scenario {
    Scenario::from_file(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("scenario")
}

fn lifetime_runs(c: &mut Criterion) {
    let rule = Standard::new(Variant::Conservative, 0);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let mut group = c.benchmark_group("lifetime");
    group.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(30));
    for (name, path, width) in [
        ("three-coins to width 1e-9", "examples/three-coins.toml", "1/1000000000"),
        ("rare-action to width 1e-6", "examples/rare-action.toml", "1/1000000"),
    ] {
        let s = scenario(path);
        let opts = lifetime::Options { width: parse_rational(width).expect("width"), ..lifetime::Options::new() };
        let once = || pool.install(|| lifetime::run(&s, &rule, &opts, imitator::progress::SILENT).expect("runs"));
        let first = once();
        assert_eq!(first.stopped_because, Stop::Width, "{name}");
        eprintln!("{name}: depth {}", first.depth_reached);
        group.bench_function(format!("{name}, 2 threads"), |b| b.iter(once));
    }
    group.finish();
}

criterion_group!(benches, lifetime_runs);
criterion_main!(benches);
