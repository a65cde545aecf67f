//! The lifetime checks the assumptions of its proofs, state by state
//! (issue 26; `docs/lifetime.md`, "Refusals").

use crate::wrong_imitators::{Flaw, Wrong};
use imitator::checks::Status;
use imitator::engine::trust::Assumption;
use imitator::engine::EngineError;
use imitator::imitator::{
    min_policy, ranking, top_set, update_posterior, Policy, PolicyInput, Rule, Standard, Variant,
};
use imitator::lifetime::{self, Interval, Lifetime, Options, Stop};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;

fn r(n: i64, d: i64) -> Rational {
    ratio(n, d)
}

fn scenario(toml: &str) -> Scenario {
    Scenario::parse(toml, "test.toml", "test").expect("a valid scenario")
}

fn run(s: &Scenario, rule: &dyn Rule<Rational>, opts: impl FnOnce(&mut Options)) -> Lifetime {
    let mut o = Options::new();
    opts(&mut o);
    lifetime::run(s, rule, &o, imitator::progress::SILENT).expect("the run completes")
}

/// The α rule's prefix length, but the top set read as model ids `0..n`
/// instead of the models at ranks `0..n`.
struct RankPositions;

impl Rule<Rational> for RankPositions {
    fn policy(&self, input: &PolicyInput<Rational>) -> Policy<Rational> {
        let ranking = ranking(input.posterior);
        let n = top_set(input.posterior, &ranking, input.alpha).len();
        let top: Vec<usize> = (0..n).collect();
        let (m, theta) = min_policy(&top, input.dists);
        Policy { ranking, top, m, theta }
    }
    fn observe(&self, posterior: &[Rational], queried: bool, action: usize, dists: &[&[Rational]]) -> Vec<Rational> {
        if queried {
            update_posterior(posterior, action, dists)
        } else {
            posterior.to_vec()
        }
    }
    fn name(&self) -> String {
        "rank positions".into()
    }
}

/// Says it is the conservative imitator, and takes the minimum over every model.
struct MinOverAll;

impl Rule<Rational> for MinOverAll {
    fn policy(&self, input: &PolicyInput<Rational>) -> Policy<Rational> {
        let ranking = ranking(input.posterior);
        let top = top_set(input.posterior, &ranking, input.alpha);
        let all: Vec<usize> = (0..input.posterior.len()).collect();
        let (m, theta) = min_policy(&all, input.dists);
        Policy { ranking, top, m, theta }
    }
    fn observe(&self, posterior: &[Rational], queried: bool, action: usize, dists: &[&[Rational]]) -> Vec<Rational> {
        Standard::new(Variant::Conservative, 0).observe(posterior, queried, action, dists)
    }
    fn is_conservative(&self) -> bool {
        true
    }
    fn name(&self) -> String {
        "min over all".into()
    }
}

fn q(text: &str) -> Rational {
    imitator::number::parse_rational(text).expect("an exact number")
}

/// The first failure's depth and check, the stop, the depth reached and both statuses.
fn outcome(l: &Lifetime) -> (Option<(usize, &'static str)>, Stop, usize, Status, Status) {
    (
        l.refusal.as_ref().map(|r| (r.depth, r.check())),
        l.stopped_because,
        l.depth_reached,
        l.event_e_status,
        l.query_status,
    )
}

/// The interval as `(lo, hi)`, `hi = None` for `+∞`.
fn ends(i: &Interval) -> (Rational, Option<Rational>) {
    (i.lo.clone(), i.hi.clone())
}

// Issue 26, case 1 -------------------------------------------------------------

/// At the root Top = {truth} (the rival's 1/4 is not above α·3/4 = 3/8), so
/// m = (9/10, 1/10) and θ = 0. Wrong imitator (c) learns from its own
/// unqueried first action, which favours the rival. It was certified
/// P(E_∞) ∈ [1, 1], E Σθ³ ∈ [0, 0], both `holds`, stopped by width at depth 1.
#[test]
fn c_on_a_quiet_root_is_refused_at_depth_1_and_fails_at_depth_18() {
    let s = scenario(fixture!("own-actions-quiet-root"));
    let c = Wrong(Flaw::UpdateOnOwnActions);
    // Asked for width 10⁻⁹ (the default), as the run was.
    let l = run(&s, &c, |_| {});
    assert_eq!(outcome(&l), (Some((1, "unqueried-update")), Stop::Fails, 18, Status::Fails, Status::Undecided));
    let refusal = l.refusal.as_ref().unwrap();
    assert_eq!(refusal.assumption(), Assumption::UnqueriedUpdate);
    assert_eq!(refusal.breach.detail, "the posterior moved after unqueried action 0");
    // P(E_19) = 0.43001… < 5/9, the proved floor; every state is settled by then.
    assert_eq!(l.event_e_bound, r(5, 9));
    let p19 = q("43001587224227333213846142668839/100000000000000000000000000000000");
    assert_eq!(ends(&l.last().event_e), (p19.clone(), Some(p19)));
    assert_eq!(l.last().query_cubed_sum.hi, None);
    // From depth 1 on, nothing is certified: no interval is [1, 1].
    assert!(l.steps.iter().all(|st| st.event_e.lo < r(1, 1) && st.query_cubed_sum.hi.is_none()));
    assert_eq!(l.exit_status(), 1);
    // With a depth cap before the failure: undecided, the lower end only what settled states keep.
    let capped = run(&s, &c, |o| o.limits.max_depth = 10);
    assert_eq!(
        outcome(&capped),
        (Some((1, "unqueried-update")), Stop::MaxDepth, 10, Status::Undecided, Status::Undecided)
    );
    assert_eq!(ends(&capped.last().event_e), (q("3822948739780039/10000000000000000"), Some(r(1, 1))));
    assert_eq!(capped.exit_status(), 3);
    // The paper's imitator on the same scenario is certified, and refused nowhere.
    let good = run(&s, &Standard::new(Variant::Conservative, 0), |_| {});
    assert_eq!(good.refusal, None);
    assert_eq!((good.event_e_status, good.query_status), (Status::Holds, Status::Holds));
}

// Issue 26, case 2 -------------------------------------------------------------

/// Rare action with the truth (`careful`) declared last. Once the truth ranks
/// first alone, the rule's top set is model 0 (`reckless`): the truth leaves
/// the top set where the α rule keeps it. It was certified `event_e holds` at
/// `--max-depth 10`, with a lower end that later fell (0.84 at depth 10, 0.48 at 15).
#[test]
fn rank_positions_on_rare_action_is_refused_at_depth_8_and_never_holds() {
    let s = scenario(fixture!("rare-action-truth-last"));
    let l = run(&s, &RankPositions, |o| o.limits.max_depth = 10);
    assert_eq!(outcome(&l), (Some((8, "alpha-top-set")), Stop::MaxDepth, 10, Status::Undecided, Status::Undecided));
    assert_eq!(l.refusal.as_ref().unwrap().breach.detail, "top set [0] instead of the α rule's [1]");
    assert_eq!(l.event_e_bound, r(11, 21));
    assert_eq!(
        ends(&l.last().event_e),
        (r(0, 1), Some(q("9131080151626001252143988591426505233697/10000000000000000000000000000000000000000")))
    );
    assert_ne!(l.exit_status(), 0);
    // Run on: P(E_16) < 11/21, and the lifetime check fails at depth 15.
    let deeper = run(&s, &RankPositions, |o| o.limits.max_depth = 20);
    assert_eq!(outcome(&deeper), (Some((8, "alpha-top-set")), Stop::Fails, 15, Status::Fails, Status::Undecided));
    let hi = deeper.last().event_e.hi.clone().unwrap();
    assert!(hi < r(11, 21));
    // From the refusal on, the lower end is only what settled states keep: 0 here.
    assert!(deeper.steps.iter().filter(|st| st.depth >= 8).all(|st| st.event_e.lo == r(0, 1)));
}

// Issue 26, case 3 -------------------------------------------------------------

/// A rule that says it is conservative and takes the minimum over every model:
/// on the deterministic pair it asks at every step (m = (0, 0), θ = 1). With
/// `U(s)` trusted it was reported E Σθ³ ∈ [5, 1], `holds`, at `--max-depth 5`.
#[test]
fn min_over_all_models_is_refused_before_u_is_used() {
    let s = scenario(fixture!("deterministic-pair"));
    let l = run(&s, &MinOverAll, |o| o.limits.max_depth = 5);
    assert_eq!(outcome(&l), (Some((1, "min-policy")), Stop::MaxDepth, 5, Status::Undecided, Status::Undecided));
    assert_eq!(
        l.refusal.as_ref().unwrap().breach.detail,
        "m = [0, 0], θ = 1 instead of the minimum over the top set [0]"
    );
    assert_eq!(ends(&l.last().query_cubed_sum), (r(5, 1), None));
    assert_eq!(ends(&l.last().event_e), (r(0, 1), Some(r(1, 1))));
    assert!(l.steps.iter().all(|st| st.query_cubed_sum.hi.is_none()));
    // Run on, its queries pass the proved bound (9² > 6400/99): a true failure.
    let l = run(&s, &MinOverAll, |_| {});
    assert_eq!(outcome(&l), (Some((1, "min-policy")), Stop::Fails, 9, Status::Undecided, Status::Fails));
}

#[test]
fn an_empty_interval_is_an_internal_error() {
    let e = Interval { lo: r(0, 1), hi: Some(r(1, 1)) };
    let mut max_lo = (None, None);
    // E Σθ³ ∈ [5, 1]: empty.
    let err = lifetime::nested(5, &e, &Interval { lo: r(5, 1), hi: Some(r(1, 1)) }, &mut max_lo).unwrap_err();
    assert!(matches!(&err, EngineError::Inconsistent { depth: 5, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "internal error: the whole-lifetime intervals contradict each other after depth 5: E Σθ³ ∈ [5, 1] is empty"
    );
    assert_eq!(err.limit(), None);
    // A lower end above a later upper end.
    let mut max_lo = (None, None);
    let q = Interval { lo: r(0, 1), hi: None };
    lifetime::nested(1, &Interval { lo: r(3, 4), hi: Some(r(1, 1)) }, &q, &mut max_lo).unwrap();
    let err = lifetime::nested(2, &Interval { lo: r(1, 2), hi: Some(r(2, 3)) }, &q, &mut max_lo).unwrap_err();
    assert_eq!(err.to_string(), "internal error: the whole-lifetime intervals contradict each other after depth 2: the upper end 2/3 of P(E_∞) is below an earlier lower end 3/4");
    // Nested intervals pass.
    let mut max_lo = (None, None);
    for (d, lo, hi) in [(1, r(1, 4), r(1, 1)), (2, r(1, 3), r(1, 2)), (3, r(1, 3), r(1, 3))] {
        lifetime::nested(d, &Interval { lo, hi: Some(hi) }, &q, &mut max_lo).unwrap();
    }
}

// Wrong imitators (c) and (f) in every stop mode ----------------------------------

#[test]
fn c_in_every_stop_mode() {
    // (c)'s scenario of wrong_imitators.rs: a fair truth, a rival always on `a`, α = 1/4.
    let s = scenario(fixture!("fair-vs-always-a"));
    let c = Wrong(Flaw::UpdateOnOwnActions);
    let refused = Some((1, "unqueried-update"));
    // Width 10⁻⁹ (default) and a generous width 1: no upper end for E Σθ³, so
    // never by width; P(E_3) = 7/16 < 3/5 fails at depth 2.
    for width in [None, Some(r(1, 1))] {
        let l = run(&s, &c, |o| o.width = width.unwrap_or(o.width.clone()));
        assert_eq!(outcome(&l), (refused, Stop::Fails, 2, Status::Fails, Status::Undecided));
        assert_eq!(ends(&l.last().event_e), (r(7, 16), Some(r(7, 16))));
        assert_eq!(ends(&l.last().query_cubed_sum), (r(7, 32), None));
    }
    // Depth cap 1: nothing certified; the settled quarter keeps E.
    let l = run(&s, &c, |o| o.limits.max_depth = 1);
    assert_eq!(outcome(&l), (refused, Stop::MaxDepth, 1, Status::Undecided, Status::Undecided));
    assert_eq!(ends(&l.last().event_e), (r(1, 4), Some(r(1, 1))));
    assert_eq!(l.last().refused_mass, r(3, 4));
    assert_eq!(l.exit_status(), 3);
}

#[test]
fn f_in_every_stop_mode() {
    // (f)'s scenario: the deterministic pair; never updating, it asks at every step.
    let s = scenario(fixture!("deterministic-pair"));
    let f = Wrong(Flaw::NeverUpdate);
    let refused = Some((1, "bayes-update"));
    for width in [None, Some(r(1, 1))] {
        let l = run(&s, &f, |o| o.width = width.unwrap_or(o.width.clone()));
        assert_eq!(outcome(&l), (refused, Stop::Fails, 9, Status::Undecided, Status::Fails));
        assert_eq!(ends(&l.last().query_cubed_sum), (r(9, 1), None));
        assert_eq!(ends(&l.last().event_e), (r(0, 1), Some(r(1, 1))));
    }
    let l = run(&s, &f, |o| o.limits.max_depth = 1);
    assert_eq!(outcome(&l), (refused, Stop::MaxDepth, 1, Status::Undecided, Status::Undecided));
    assert_eq!(ends(&l.last().query_cubed_sum), (r(1, 1), None));
    assert_eq!(l.last().refused_mass, r(1, 1));
    // On the scenario where (c) is harmless (an unqueried `a` with the rival
    // already eliminated leaves the posterior as it is), (c) is certified, rightly.
    let c = run(&s, &Wrong(Flaw::UpdateOnOwnActions), |_| {});
    assert_eq!(outcome(&c), (None, Stop::Width, 1, Status::Holds, Status::Holds));
    assert_eq!(ends(&c.last().event_e), (r(1, 1), Some(r(1, 1))));
}

#[test]
fn the_papers_rule_is_refused_nowhere_on_the_examples() {
    for name in ["three-coins", "markov-weather", "rare-action", "elimination"] {
        let s = Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).unwrap();
        for (v, k) in [(Variant::Conservative, 0), (Variant::Map, 2), (Variant::Mixture, 2), (Variant::AlwaysQuery, 0)]
        {
            let l = run(&s, &Standard::new(v, k), |o| o.limits.max_depth = 30);
            assert_eq!(l.refusal, None, "{name} {v}");
            assert!(l.steps.iter().all(|st| st.refused_mass == r(0, 1)));
        }
    }
}

/// The atlas's lifetime, the built-in paper's imitator not asked at each
/// state, gives what asking it gives, step by step, in both arithmetics.
#[test]
fn the_built_in_paper_imitator_runs_as_the_asked_one() {
    let rule = Standard::new(Variant::Conservative, 0);
    for name in
        ["three-coins", "markov-weather", "rare-action", "elimination", "action-and-observation", "second-order"]
    {
        let s = Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).unwrap();
        for arithmetic in [lifetime::Arithmetic::Exact, lifetime::Arithmetic::Rounded] {
            let mut o = Options::new();
            o.limits.max_depth = 12;
            o.arithmetic = arithmetic;
            let asked = lifetime::run(&s, &rule, &o, imitator::progress::SILENT).unwrap();
            let built_in = lifetime::run_paper_imitator(&s, &o, imitator::progress::SILENT).unwrap();
            assert_eq!(asked.steps, built_in.steps, "{name} {arithmetic:?}");
            assert_eq!(outcome(&asked), outcome(&built_in), "{name} {arithmetic:?}");
            assert_eq!(
                (asked.tail_bounds, asked.sojourns, asked.figures.query_cubed_sum),
                (built_in.tail_bounds, built_in.sojourns, built_in.figures.query_cubed_sum)
            );
            assert!(asked.depth_reached >= 1 && asked.steps.iter().all(|st| st.refused_mass == r(0, 1)));
        }
    }
}

// proofs/inverse-truth-posterior.md ------------------------------------------------

/// The "only if" of the equality holds for models not yet eliminated only:
/// `reads-last` puts all its mass on `c` (never the truth's) after an `a`, but
/// every `a` it could see is queried (m(a) = 0 while it is collected) and
/// eliminates it. So E[1/post(μ)] = 1/w = 2 at every depth, while at step 2
/// after the queried `a`, θ₂ = 1/4 and reads-last(c | a) = 1.
#[test]
fn an_eliminated_model_keeps_the_inverse_posterior_equal() {
    use imitator::engine::{self, EngineKind};
    use imitator::imitator::Imitator;
    let s = scenario(fixture!("eliminated-keeps-equality"));
    let rule = Standard::new(Variant::Conservative, 0);
    let f = engine::run(EngineKind::Exhaustive, &s, &rule, 8, &|_, _| {}).expect("runs");
    assert_eq!(f.inverse_truth_posterior, vec![Some(r(2, 1)); 8]);
    let mut im: Imitator<Rational> = Imitator::new(&s, Variant::Conservative, 0);
    assert_eq!(im.policy().theta, r(3, 4));
    im.record(true, 0, 0);
    assert_eq!(im.posterior(), [r(4, 7), r(0, 1), r(3, 7)]);
    let p = im.policy();
    assert_eq!((p.theta, p.top), (r(1, 4), vec![0, 2]));
    assert_eq!(im.distributions()[1], [r(0, 1), r(0, 1), r(1, 1)]);
}
