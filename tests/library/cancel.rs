//! A watch that asks a run to end ([`Watch::cancelled`], what a Ctrl-C in
//! Python sets) ends every engine with [`EngineError::Cancelled`], never with
//! figures; a watch that never asks changes nothing.

use imitator::engine::{exhaustive, lumped, EngineError, EngineKind, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::lifetime;
use imitator::progress::Watch;
use imitator::Scenario;
use std::sync::atomic::{AtomicU64, Ordering};

/// Asks to end the run once it has heard `after` reports.
struct CancelAfter {
    after: u64,
    heard: AtomicU64,
}

impl CancelAfter {
    fn new(after: u64) -> Self {
        CancelAfter { after, heard: AtomicU64::new(0) }
    }
}

impl Watch for CancelAfter {
    fn tick(&self, _: u64, _: u64) {
        self.heard.fetch_add(1, Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.heard.load(Ordering::Relaxed) >= self.after
    }
}

fn example(name: &str) -> Scenario {
    Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).expect("example")
}

fn rule() -> Standard {
    Standard::new(Variant::Conservative, 0)
}

#[test]
fn the_exhaustive_walk_ends_when_asked() {
    let s = example("three-coins");
    // Depth 10: about 1.4 M nodes, so several reports of 65,536 nodes.
    let e = exhaustive::run(&s, &rule(), 10, &CancelAfter::new(1)).expect_err("cancelled");
    assert!(matches!(e, EngineError::Cancelled), "{e}");
    assert_eq!(e.to_string(), "the run was cancelled");
    assert!(exhaustive::run(&s, &rule(), 10, &CancelAfter::new(u64::MAX)).is_ok());
}

#[test]
fn the_lumped_engine_ends_when_asked() {
    let s = example("markov-weather");
    let e = lumped::run(&s, &rule(), RunOptions::new(30), &CancelAfter::new(3)).expect_err("cancelled");
    assert!(matches!(e, EngineError::Cancelled), "{e}");
    let v = imitator::verify(&s, rule(), EngineKind::Lumped, RunOptions::new(30), &CancelAfter::new(3));
    assert!(matches!(v, Err(EngineError::Cancelled)));
}

#[test]
fn the_lifetime_ends_when_asked() {
    let s = example("three-coins");
    let e = lifetime::run(&s, &rule(), &lifetime::Options::new(), &CancelAfter::new(5)).expect_err("cancelled");
    assert!(matches!(e, EngineError::Cancelled), "{e}");
}
