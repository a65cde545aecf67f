//! The rounded lifetime (`--arithmetic rounded`, `docs/lifetime.md`): its
//! intervals are proved enclosures too, so on every scenario they meet those
//! of the exact run; its ends are dyadic; where both runs reach the width,
//! each end is within it of the exact run's; and a check never holds in the
//! rounded run where it does not in the exact one (retiring states and
//! rounding never turn `fails` or `undecided` into `holds`).

use crate::common;
use crate::wrong_imitators::{Flaw, Wrong};
use imitator::checks::Status;
use imitator::imitator::{Rule, Standard, Variant};
use imitator::lifetime::{self, Arithmetic, Interval, Lifetime, Options, Stop, TailBound};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use num_traits::{One, Zero};
use proptest::prelude::*;

fn try_run(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    arithmetic: Arithmetic,
    width: &Rational,
    max_depth: usize,
) -> Result<Lifetime, imitator::engine::EngineError> {
    let mut o = Options::new();
    o.arithmetic = arithmetic;
    o.width = width.clone();
    o.limits.max_depth = max_depth;
    o.limits.max_states = 200_000;
    lifetime::run(s, rule, &o, imitator::progress::SILENT)
}

fn run(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    arithmetic: Arithmetic,
    width: &Rational,
    max_depth: usize,
) -> Lifetime {
    try_run(s, rule, arithmetic, width, max_depth)
        .unwrap_or_else(|e| panic!("{} ({arithmetic:?}) does not complete: {e}", rule.name()))
}

fn dyadic(r: &Rational) -> bool {
    let d = r.denom();
    d.is_one() || (d.trailing_zeros() == Some(d.bits() - 1))
}

/// Whether two intervals (of the same figure) share a point.
fn meet(a: &Interval, b: &Interval) -> bool {
    let below = |x: &Interval, y: &Interval| x.hi.as_ref().is_some_and(|h| *h < y.lo);
    !below(a, b) && !below(b, a)
}

/// What the rounded run must satisfy beside the exact one.
fn compare(name: &str, exact: &Lifetime, rounded: &Lifetime, width: &Rational) {
    // Every depth both computed: the intervals meet (both contain the truth).
    for (e, r) in exact.steps.iter().zip(&rounded.steps) {
        assert_eq!(e.depth, r.depth);
        assert!(
            meet(&e.event_e, &r.event_e),
            "{name}: P(E_∞) at depth {}: {:?} vs {:?}",
            e.depth,
            e.event_e,
            r.event_e
        );
        assert!(meet(&e.query_cubed_sum, &r.query_cubed_sum), "{name}: E Σθ³ at depth {}", e.depth);
    }
    // And the last intervals of the two runs meet, whatever their depths.
    assert!(meet(&exact.last().event_e, &rounded.last().event_e), "{name}: last P(E_∞)");
    assert!(meet(&exact.last().query_cubed_sum, &rounded.last().query_cubed_sum), "{name}: last E Σθ³");
    for st in &rounded.steps {
        for i in [&st.event_e, &st.query_cubed_sum] {
            assert!(dyadic(&i.lo) && i.hi.as_ref().is_none_or(dyadic), "{name}: {:?} is not dyadic", i);
        }
    }
    if exact.stopped_because == Stop::Width && rounded.stopped_because == Stop::Width {
        for (e, r) in [
            (&exact.last().event_e, &rounded.last().event_e),
            (&exact.last().query_cubed_sum, &rounded.last().query_cubed_sum),
        ] {
            let (eh, rh) = (e.hi.as_ref().unwrap(), r.hi.as_ref().unwrap());
            let far = |a: &Rational, b: &Rational| if a > b { a - b } else { b - a };
            assert!(far(&e.lo, &r.lo) <= *width && far(eh, rh) <= *width, "{name}: ends more than the width apart");
        }
    }
    // Never holds where the exact run does not decide it so, at the same depth
    // (rounded runs stop at least as late: compare only at the depth both have).
    let common = exact.depth_reached.min(rounded.depth_reached);
    if exact.depth_reached == common && rounded.depth_reached == common {
        for (e, r) in [(exact.event_e_status, rounded.event_e_status), (exact.query_status, rounded.query_status)] {
            if e == Status::Fails {
                assert_ne!(r, Status::Holds, "{name}: fails became holds");
            }
        }
    }
    for (e, r) in [(exact.event_e_status, rounded.event_e_status), (exact.query_status, rounded.query_status)] {
        assert!(!(e == Status::Fails && r == Status::Holds), "{name}: fails became holds");
        assert!(!(r == Status::Fails && e == Status::Holds), "{name}: holds became fails");
    }
    if rounded.sojourns {
        // A state walked in closed form is never on a frontier, so no bound from it is
        // used and nothing of the rule is assumed there: a refusal of the exact run may
        // be absent (the rounded run's figures at that state are exact).
        if let (Some(e), Some(r)) = (&exact.refusal, &rounded.refusal) {
            assert_eq!(e.breach.assumption, r.breach.assumption, "{name}: the same kind of broken assumption");
        }
    } else {
        assert_eq!(exact.refusal, rounded.refusal, "{name}: the same first broken assumption");
    }
    assert_eq!(rounded.arithmetic, Arithmetic::Rounded);
    assert_eq!(rounded.precision_bits, Some(lifetime::rounded::PRECISION_BITS));
    assert_eq!((exact.arithmetic, exact.precision_bits), (Arithmetic::Exact, None));
}

#[test]
fn rounded_intervals_meet_the_exact_ones_on_every_example() {
    let w = ratio(1, 1000);
    for name in ["three-coins", "markov-weather", "rare-action", "elimination"] {
        let s = Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).unwrap();
        for (v, k) in [(Variant::Conservative, 0), (Variant::Map, 2), (Variant::AlwaysQuery, 0)] {
            let rule = Standard::new(v, k);
            let depth = if name == "markov-weather" { 40 } else { 150 };
            let exact = run(&s, &rule, Arithmetic::Exact, &w, depth);
            let rounded = run(&s, &rule, Arithmetic::Rounded, &w, depth);
            compare(&format!("{name} {v}"), &exact, &rounded, &w);
        }
    }
}

#[test]
fn three_coins_to_a_millionth_retires_light_states_within_the_budget() {
    let s = Scenario::from_file(format!("{}/examples/three-coins.toml", workspace!())).unwrap();
    let w = ratio(1, 1_000_000);
    let rule = Standard::new(Variant::Conservative, 0);
    let l = run(&s, &rule, Arithmetic::Rounded, &w, 100_000);
    assert_eq!(l.stopped_because, Stop::Width);
    assert_eq!((l.event_e_status, l.query_status), (Status::Holds, Status::Holds));
    let retired = l.retired.as_ref().expect("a rounded run says what it retired");
    assert!(retired.states > 0);
    assert_eq!(retired.budget, &w / Rational::from_integer(4.into()));
    assert!(retired.event_e_width <= retired.budget);
    assert!(retired.query_width.as_ref().is_some_and(|q| *q <= retired.budget));
    assert_eq!(
        l.tail_bounds,
        [
            TailBound::Settled,
            TailBound::SupermartingaleFloor,
            TailBound::PosteriorRatioTail,
            TailBound::Retirement,
            TailBound::Sojourn
        ]
    );
    // Three coins read no context: every unqueried step loops, and the run moves.
    assert!(l.sojourns);
    // The exact run to the width: the two runs' last intervals meet, each end
    // within the width of the other's, in fewer moves than steps.
    let exact = run(&s, &rule, Arithmetic::Exact, &w, 100_000);
    compare("three-coins 1e-6", &exact, &l, &w);
    assert!(l.depth_reached < exact.depth_reached);
    assert!(l.last().query_cubed_sum.lo <= *exact.last().query_cubed_sum.hi.as_ref().unwrap());
    assert!(exact.last().query_cubed_sum.lo <= *l.last().query_cubed_sum.hi.as_ref().unwrap());
}

/// Truth (1/2, 1/2) against a model that never plays `a`, α = 1/2, equal
/// priors: at the root both are in the top set, `m = (0, 1/2)`, `θ = 1/2`.
/// An unqueried step (probability 1/2, action `b`) leaves the state as it
/// was; a query answered `a` (1/4) eliminates the rival (`E` for ever), one
/// answered `b` (1/4) puts the rival ahead at 2/3 against 1/3, which is not
/// above α·2/3, so the truth leaves the top set for ever. So `P(E_∞) = 1/2`
/// and `E Σθ³ = θ³·E[steps at the root] = (1/8)·2 = 1/4`, exactly.
#[test]
fn a_state_that_loops_on_itself_is_walked_in_closed_form() {
    let s = common::parse(
        r#"
name = "loop at the root"
actions = ["a", "b"]
alpha = "1/2"
truth = "fair"
[[models]]
name = "fair"
prior = "1/2"
iid = ["1/2", "1/2"]
[[models]]
name = "never-a"
prior = "1/2"
iid = ["0", "1"]
"#,
    );
    let rule = Standard::new(Variant::Conservative, 0);
    let w = ratio(1, 1_000_000_000);
    let l = run(&s, &rule, Arithmetic::Rounded, &w, 1000);
    // One move: the root's whole stay, then every state settled.
    assert_eq!((l.depth_reached, l.stopped_because), (1, Stop::Width));
    assert!(l.sojourns);
    assert!(l.tail_bounds.contains(&TailBound::Sojourn));
    let last = l.last();
    assert_eq!((&last.event_e.lo, last.event_e.hi.as_ref()), (&ratio(1, 2), Some(&ratio(1, 2))));
    assert_eq!((&last.query_cubed_sum.lo, last.query_cubed_sum.hi.as_ref()), (&ratio(1, 4), Some(&ratio(1, 4))));
    assert_eq!(last.unsettled_mass, Rational::zero());
    // Step by step (exact), the same numbers are approached geometrically.
    let exact = run(&s, &rule, Arithmetic::Exact, &w, 1000);
    assert!(!exact.sojourns);
    assert_eq!(exact.stopped_because, Stop::Width);
    assert!(exact.depth_reached >= 29, "the loop halves the unsettled mass a step: {}", exact.depth_reached);
    for (i, x) in [(&exact.last().event_e, ratio(1, 2)), (&exact.last().query_cubed_sum, ratio(1, 4))] {
        assert!(i.lo <= x && i.hi.as_ref().is_some_and(|h| x <= *h), "{i:?} holds {x}");
    }
}

#[test]
fn wrong_imitators_are_caught_the_same_way_in_rounded_runs() {
    let flaws = [
        Flaw::MaxOverTop,
        Flaw::NonStrictTop,
        Flaw::UpdateOnOwnActions,
        Flaw::FirstOnly,
        Flaw::MeanOverTop,
        Flaw::NeverUpdate,
        Flaw::SelfInclusiveSum,
        Flaw::DoubledUpdate,
    ];
    let w = ratio(1, 1000);
    for fixture in ["fair-vs-always-a", "deterministic-pair", "own-actions-quiet-root", "rare-action-truth-last"] {
        let path = format!("{}/tests/fixtures/{fixture}.toml", workspace!());
        let s = Scenario::from_file(&path).unwrap();
        for flaw in flaws {
            let rule = Wrong(flaw);
            let (exact, rounded) = match (
                try_run(&s, &rule, Arithmetic::Exact, &w, 60),
                try_run(&s, &rule, Arithmetic::Rounded, &w, 60),
            ) {
                (Ok(e), Ok(r)) => (e, r),
                // A rule the engines cannot take (a negative θ) is refused by both, alike.
                (Err(e), Err(r)) => {
                    assert_eq!(e.to_string(), r.to_string(), "{fixture} {flaw:?}");
                    continue;
                }
                (e, r) => panic!("{fixture} {flaw:?}: {:?} vs {:?}", e.err(), r.err()),
            };
            compare(&format!("{fixture} {flaw:?}"), &exact, &rounded, &w);
            if rounded.refusal.is_some() {
                assert_ne!(rounded.event_e_status, Status::Holds);
                assert_ne!(rounded.query_status, Status::Holds);
            }
            if exact.refusal.is_some() && rounded.refusal.is_none() {
                // Only where the breach was at a state walked in closed form (see `compare`).
                assert!(rounded.sojourns, "{fixture} {flaw:?}: refused exactly, not when rounded");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random small classes: the rounded run meets the exact one at every depth.
    #[test]
    fn rounded_runs_meet_exact_ones_on_random_classes(toml in common::scenario_toml()) {
        let s = common::parse(&toml);
        let w = ratio(1, 100);
        for (v, k) in [(Variant::Conservative, 0), (Variant::Map, 1)] {
            let rule = Standard::new(v, k);
            let exact = run(&s, &rule, Arithmetic::Exact, &w, 12);
            let rounded = run(&s, &rule, Arithmetic::Rounded, &w, 12);
            compare(&toml, &exact, &rounded, &w);
            prop_assert!(rounded.last().unsettled_mass >= Rational::zero());
        }
    }
}

/// The truth (1/10, 9/10) among (2/10, 8/10) and (4/10, 6/10), α = 1/100.
/// Rounding up keeps an upper mass at `2⁻¹²⁴` or more on histories where the
/// truth's posterior fell to `10⁻¹⁰⁰`, where `U(s)` is `10⁵⁰`: uncapped, the
/// width of `E Σθ³` stayed `2.8·10⁻⁵` from move 2,000 to move 15,000. Capped
/// by `post(μ)/w(μ)` (`proofs/infinite-horizon.md`, §G), it closes.
#[test]
fn an_upper_mass_rounded_up_from_almost_nothing_is_capped() {
    let s = common::parse(
        r#"
name = "far truth"
actions = ["a", "b"]
alpha = "1/100"
truth = "t"
[[models]]
name = "t"
prior = "1/3"
iid = ["1/10", "9/10"]
[[models]]
name = "near"
prior = "1/3"
iid = ["2/10", "8/10"]
[[models]]
name = "far"
prior = "1/3"
iid = ["4/10", "6/10"]
"#,
    );
    let rule = Standard::new(Variant::Conservative, 0);
    let l = run(&s, &rule, Arithmetic::Rounded, &ratio(1, 1_000_000), 3000);
    assert_eq!((l.stopped_because, l.depth_reached), (Stop::Width, 1286));
    assert_eq!((l.event_e_status, l.query_status), (Status::Holds, Status::Holds));
    let q = &l.last().query_cubed_sum;
    let width = q.width().expect("finite");
    assert!(width <= ratio(1, 1_000_000), "{width}");
    // E Σθ³ ≈ 2.9105753 (the lower end after 15,000 moves of the uncapped run: 2.91057530593).
    assert!(q.lo > ratio(29_105_752, 10_000_000) && q.hi.clone().unwrap() < ratio(29_105_764, 10_000_000));
}
