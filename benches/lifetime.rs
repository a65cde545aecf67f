//! The infinite horizon (`verify --horizon infinite`), on 2 threads, to the
//! widths of the lifetime's targets (`benches/README.md`):
//!
//! - `three-coins.toml` and `markov-weather.toml` until both intervals are at
//!   most 10⁻⁹ wide;
//! - `scenarios/three-actions.toml` and `scenarios/three-actions-two-observations.toml`
//!   (3 actions, 2 observations, 4 Markov models) until both are at most 10⁻⁶ wide;
//! - `rare-action.toml` to 10⁻⁶, and three coins with exact masses, for comparison.
//!
//! Each sample is one whole run in the default (rounded) arithmetic unless
//! named `exact`. A run that does not reach its width within the time limit
//! `IMITATOR_BENCH_LIFETIME_SECS` (default 600) is reported with where it
//! stopped and not timed. Select one with a filter:
//! `cargo bench --bench lifetime -- "three-coins"`.

/// The allocator of the `imitator` binary, so that the figures are the command line's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use imitator::imitator::{Standard, Variant};
use imitator::lifetime::{self, Arithmetic, Stop};
use imitator::number::parse_rational;
use imitator::scenario::Scenario;
use std::time::{Duration, Instant};

fn scenario(path: &str) -> Scenario {
    Scenario::from_file(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("scenario")
}

fn lifetime_runs(c: &mut Criterion) {
    let rule = Standard::new(Variant::Conservative, 0);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let secs: u64 = std::env::var("IMITATOR_BENCH_LIFETIME_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let mut group = c.benchmark_group("lifetime");
    group.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(30));
    let runs = [
        ("three-coins to width 1e-9 (rounded)", "examples/three-coins.toml", "1/1000000000", Arithmetic::Rounded),
        ("markov-weather to width 1e-9", "examples/markov-weather.toml", "1/1000000000", Arithmetic::Rounded),
        ("three-actions to width 1e-6", "benches/scenarios/three-actions.toml", "1/1000000", Arithmetic::Rounded),
        (
            "three-actions-two-observations to width 1e-6",
            "benches/scenarios/three-actions-two-observations.toml",
            "1/1000000",
            Arithmetic::Rounded,
        ),
        ("rare-action to width 1e-6", "examples/rare-action.toml", "1/1000000", Arithmetic::Rounded),
        ("three-coins to width 1e-9 (exact)", "examples/three-coins.toml", "1/1000000000", Arithmetic::Exact),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    for (name, path, width, arithmetic) in runs {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let s = scenario(path);
        let mut opts =
            lifetime::Options { width: parse_rational(width).expect("width"), arithmetic, ..lifetime::Options::new() };
        opts.limits.max_memory = 4 << 30;
        opts.limits.time_limit = Some(Duration::from_secs(secs));
        let once = || pool.install(|| lifetime::run(&s, &rule, &opts, imitator::progress::SILENT).expect("runs"));
        let start = Instant::now();
        let first = once();
        let last = first.last();
        let width = |i: &lifetime::Interval| i.width().map(|w| imitator::number::fmt_approx(&w));
        eprintln!(
            "{name}: depth {}, stopped by {} after {:.1} s; widths {:?} and {:?}",
            first.depth_reached,
            first.stopped_because.name(),
            start.elapsed().as_secs_f64(),
            width(&last.event_e),
            width(&last.query_cubed_sum)
        );
        if first.stopped_because != Stop::Width {
            eprintln!("{name}: not timed (the width was not reached)");
            continue;
        }
        group.bench_function(format!("{name}, 2 threads"), |b| b.iter(once));
    }
    group.finish();
}

criterion_group!(benches, lifetime_runs);
criterion_main!(benches);
