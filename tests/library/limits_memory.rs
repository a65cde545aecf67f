//! The memory of depth 1 on wide random classes (issue 27): the engines'
//! estimates stay within a bound linear in the class, and a run within a
//! limit is never refused by it.

use crate::common::parse;
use crate::wide::wide_class;
use imitator::engine::{exhaustive, lumped, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::limits::{Limit, Limits};
use proptest::prelude::*;

/// A generous bound on what depth 1 holds: every one of the `2·|A|` children
/// with a posterior of `|M|` numbers and a policy of `|A|` numbers, of a few
/// hundred bytes each, and a fixed part.
fn depth_1_bound(models: usize, actions: usize) -> u64 {
    (2 * actions as u64 + 1) * (models + actions) as u64 * 2048 + (4 << 20)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn depth_1_of_wide_classes_holds_memory_linear_in_the_class(
        models in 1usize..=200,
        actions in 1usize..=64,
        seed in any::<u64>(),
    ) {
        let s = parse(&wide_class(models, actions, seed));
        let rule = Standard::new(Variant::Conservative, 0);
        let bound = depth_1_bound(models, actions);
        let opts = RunOptions { depth: 1, limits: Limits { max_memory: bound, ..Limits::default() } };
        let f = lumped::run(&s, &rule, opts, &|_, _| {}).expect("depth 1 within the bound");
        let peak = f.stats.peak_memory_bytes.expect("the lumped engine reports its peak");
        prop_assert!(peak <= bound, "peak {peak} > {bound}");
        prop_assert!(f.partial.is_none());
        // The exhaustive engine runs within the same limit, and is refused below what it needs.
        let within = exhaustive::run_within(&s, &rule, 1, bound, &|_, _| {});
        prop_assert!(within.is_ok(), "{:?}", within.err());
        let e = exhaustive::run_within(&s, &rule, 1, 1, &|_, _| {}).expect_err("1 byte");
        prop_assert_eq!(e.limit(), Some(Limit::Memory));
    }
}
