//! The checks have teeth: deliberately wrong imitators, each the paper's
//! imitator with one thing changed, and the exact check of the verifier that
//! catches each of them (see `proofs/README.md`).
//!
//! | flaw | scenario | what catches it |
//! |---|---|---|
//! | (a) maximum instead of minimum over the top set | `two coins` below | `per_step_ratio`, `events`, `unprecedented`, `inverse_truth_posterior`, mass |
//! | (b) `≥` instead of `>` in the top-set rule | `tie` below | a figure (`event_e`) and a unit test on `top_set` |
//! | (c) posterior also updated on unqueried actions | `own actions` below | `event_e`, `inverse_truth_posterior` |
//! | (d) top set = the first-ranked model only | `examples/rare-action.toml` | `event_e` |
//! | (e) posterior-weighted mean over the top set, never query | `examples/elimination.toml` | `per_step_ratio`, `unprecedented` |
//! | (f) posterior never updated | `deterministic pair` below | `query_cubed_sum` (proved bound) at depth 9; the paper's bound at depth 124 (lumped) |
//! | (g) the candidate counted in its own sum in the top-set rule | `fair and rival` below | `event_e` (proved floor) at depth 146 (lumped) |
//! | (h) each queried action counted twice in Bayes' rule | `examples/three-coins.toml` | `inverse_truth_posterior` at depth 1 |
//!
//! Over the whole lifetime (`lifetime::run`), (c) fails the `event_e` check at depth 2 and (f)
//! the `query_cubed_sum` check at depth 9.

use imitator::bounds;
use imitator::bounds::{event_e_proved_bound, query_cubed_bound, query_cubed_proved_bound_squared};
use imitator::checks::{self, check, Verdict};
use imitator::engine::{self, EngineKind, Figures};
use imitator::imitator::{
    min_policy, ranking, top_set, update_posterior, Policy, PolicyInput, Rule, Standard, Variant,
};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use num_traits::{One, Zero};

/// The one thing each wrong imitator changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flaw {
    /// (a) `m(a) = max_{ν ∈ Top} ν(a)`.
    MaxOverTop,
    /// (b) collect rank `n` iff `post(ν(n)) ≥ α·Σ_{i<n} post(ν(i))`.
    NonStrictTop,
    /// (c) Bayes' rule on every action, queried or not.
    UpdateOnOwnActions,
    /// (d) `Top = {ν(1)}`.
    FirstOnly,
    /// (e) `m(a) = Σ_{ν ∈ Top} post(ν)·ν(a) / Σ_{ν ∈ Top} post(ν)`, `θ = 0`.
    MeanOverTop,
    /// (f) the posterior stays at the prior.
    NeverUpdate,
    /// (g) collect rank `n` iff `post(ν(n)) > α·Σ_{i≤n} post(ν(i))`: the candidate counted in its own sum.
    SelfInclusiveSum,
    /// (h) Bayes' rule with each queried action counted twice: `post ∝ post·ν(a)²`.
    DoubledUpdate,
}

pub(crate) struct Wrong(pub(crate) Flaw);

/// The top-set rule with the candidate in its own sum: the one line of [`top_set`] changed.
fn top_set_self_inclusive(posterior: &[Rational], ranking: &[usize], alpha: &Rational) -> Vec<usize> {
    let mut top = Vec::new();
    let mut above = Rational::zero();
    for (n, &i) in ranking.iter().enumerate() {
        if n > 0 && posterior[i] <= alpha * (&above + &posterior[i]) {
            break;
        }
        above += &posterior[i];
        top.push(i);
    }
    top
}

/// The top-set rule with `≥`: the one line of [`top_set`] changed.
fn top_set_non_strict(posterior: &[Rational], ranking: &[usize], alpha: &Rational) -> Vec<usize> {
    let mut top = Vec::new();
    let mut above = Rational::zero();
    for (n, &i) in ranking.iter().enumerate() {
        if n > 0 && posterior[i] < alpha * &above {
            break;
        }
        above += &posterior[i];
        top.push(i);
    }
    top
}

impl Rule<Rational> for Wrong {
    fn policy(&self, input: &PolicyInput<Rational>) -> Policy<Rational> {
        let ranking = ranking(input.posterior);
        let top = match self.0 {
            Flaw::NonStrictTop => top_set_non_strict(input.posterior, &ranking, input.alpha),
            Flaw::FirstOnly => vec![ranking[0]],
            Flaw::SelfInclusiveSum => top_set_self_inclusive(input.posterior, &ranking, input.alpha),
            _ => top_set(input.posterior, &ranking, input.alpha),
        };
        let actions = input.dists[0].len();
        let (m, theta) = match self.0 {
            Flaw::MaxOverTop => {
                let m: Vec<Rational> =
                    (0..actions).map(|a| top.iter().map(|&i| input.dists[i][a].clone()).max().unwrap()).collect();
                let theta = m.iter().fold(Rational::one(), |t, x| t - x);
                (m, theta)
            }
            Flaw::MeanOverTop => {
                let mass = top.iter().fold(Rational::zero(), |s, &i| s + &input.posterior[i]);
                let m = (0..actions)
                    .map(|a| {
                        top.iter().fold(Rational::zero(), |s, &i| s + &input.posterior[i] * &input.dists[i][a]) / &mass
                    })
                    .collect();
                (m, Rational::zero())
            }
            _ => min_policy(&top, input.dists),
        };
        Policy { ranking, top, m, theta }
    }

    fn observe(&self, posterior: &[Rational], queried: bool, action: usize, dists: &[&[Rational]]) -> Vec<Rational> {
        match self.0 {
            Flaw::UpdateOnOwnActions => update_posterior(posterior, action, dists),
            Flaw::NeverUpdate => posterior.to_vec(),
            Flaw::DoubledUpdate if queried => {
                let once = update_posterior(posterior, action, dists);
                update_posterior(&once, action, dists)
            }
            _ if queried => update_posterior(posterior, action, dists),
            _ => posterior.to_vec(),
        }
    }

    fn name(&self) -> String {
        format!("wrong: {:?}", self.0)
    }
}

const CONSERVATIVE: Standard = Standard { variant: Variant::Conservative, warmup: 0 };

fn scenario(toml: &str) -> Scenario {
    Scenario::parse(toml, "test.toml", "test").expect("a valid scenario")
}

fn example(name: &str) -> Scenario {
    Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).expect("a shipped example")
}

fn verify(s: &Scenario, rule: &dyn Rule<Rational>, depth: usize) -> (Figures, Verdict) {
    let f = engine::run(EngineKind::Exhaustive, s, rule, depth, &|_, _| {}).expect("the exhaustive engine runs");
    let v = check(s, &f);
    (f, v)
}

fn r(n: i64, d: i64) -> Rational {
    ratio(n, d)
}

/// Which checks of `docs/checks.md` fail (mass conservation apart). `event_e` is the
/// proved floor and `event_e (paper)` the slides' weaker one; `query_cubed_sum`
/// is split into the paper's bound and the proved one.
fn failing(v: &Verdict) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !v.event_e_proved.holds {
        out.push("event_e");
    }
    if !v.event_e.holds {
        out.push("event_e (paper)");
    }
    if !v.query_cubed_sum.holds {
        out.push("query_cubed_sum (paper)");
    }
    if !v.query_cubed_proved.holds {
        out.push("query_cubed_sum (proved)");
    }
    if !v.inverse_truth_posterior.holds {
        out.push("inverse_truth_posterior");
    }
    if !v.per_step_ratio.holds {
        out.push("per_step_ratio");
    }
    if v.events.iter().any(|e| !e.holds) {
        out.push("events");
    }
    if !v.unprecedented.holds {
        out.push("unprecedented");
    }
    out
}

// (a) ------------------------------------------------------------------------

const TWO_COINS: &str = fixture!("two-coins-tails-first");

#[test]
fn a_maximum_over_the_top_set_fails_per_step_events_and_unprecedented() {
    let s = scenario(TWO_COINS);
    // Both models are always collected and never queried: m = (3/4, 1/2), θ = 1 − 5/4 = −1/4.
    let (f, v) = verify(&s, &Wrong(Flaw::MaxOverTop), 2);
    // Its "probabilities" are no measure, so E[1/post(μ)] exceeds 1/w(μ) = 2 as well.
    assert_eq!(failing(&v), ["inverse_truth_posterior", "per_step_ratio", "events", "unprecedented"]);
    // m(heads) = 3/4 > μ(heads) = 1/2 at each of the 3 nodes of depths 0 and 1.
    assert_eq!((v.per_step_ratio.nodes_checked, v.per_step_ratio.violations), (3, 3));
    // The "probabilities" sum to 5/4 per step: P(E_2) = 5/4 and 1 − P(E_2) = −1/4.
    assert!(!v.mass_conserved);
    assert_eq!(f.event_e, [r(1, 1), r(5, 4)]);
    let ev = &v.events[0];
    assert_eq!((&ev.figures.p_im, &ev.figures.p_im_and_e, &ev.bound), (&r(5, 8), &r(5, 8), &r(3, 8)));
    assert_eq!((&v.unprecedented.p_im, &v.unprecedented.bound), (&r(0, 1), &r(-1, 4)));
    assert!(!v.holds);

    // The paper's imitator on the same scenario passes every check.
    let (_, ok) = verify(&s, &CONSERVATIVE, 2);
    assert!(ok.holds && ok.mass_conserved);
}

#[test]
fn a_minimum_not_maximum_unit() {
    let fair = [r(1, 2), r(1, 2)];
    let biased = [r(3, 4), r(1, 4)];
    let (m, theta) = min_policy(&[0, 1], &[&fair, &biased]);
    assert_eq!((m, theta), (vec![r(1, 2), r(1, 4)], r(1, 4)));
}

// (b) ------------------------------------------------------------------------

/// `post(truth) = 1/3 = α · 2/3` exactly: the boundary of the top-set rule.
const TIE: &str = fixture!("tie");

#[test]
fn b_non_strict_top_set_changes_event_e_at_an_exact_tie() {
    let s = scenario(TIE);
    // The paper's rule (strict >) leaves the truth out at step 1: P(E_1) = 0, no query.
    let (good, gv) = verify(&s, &CONSERVATIVE, 1);
    assert_eq!(
        (good.event_e.as_slice(), good.expected_queries.as_slice()),
        ([r(0, 1)].as_slice(), [r(0, 1)].as_slice())
    );
    // With ≥ the truth is collected: P(E_1) = 1, and θ = 1 − (1/2 + 1/4) = 1/4.
    let (bad, bv) = verify(&s, &Wrong(Flaw::NonStrictTop), 1);
    assert_eq!((bad.event_e.as_slice(), bad.expected_queries.as_slice()), ([r(1, 1)].as_slice(), [r(1, 4)].as_slice()));
    // Collecting one more model only makes the imitator more careful: no check fails
    // (the bound 1 − α/w = −1/2 is negative here), so only the exact figures reveal it.
    assert_eq!(gv.event_e.bound, r(-1, 2));
    assert!(gv.holds && bv.holds);
}

#[test]
fn b_top_set_is_strict_unit() {
    let post = [r(2, 3), r(1, 3)];
    let alpha = r(1, 2);
    assert_eq!(top_set(&post, &[0, 1], &alpha), [0]);
    assert_eq!(top_set_non_strict(&post, &[0, 1], &alpha), [0, 1]);
    // Just above the tie, both rules collect.
    let post = [r(2, 3) - r(1, 1000), r(1, 3) + r(1, 1000)];
    assert_eq!(top_set(&post, &[0, 1], &alpha), [0, 1]);
}

// (c) ------------------------------------------------------------------------

/// The truth is a fair coin; the rival always plays `a`. The imitator's own,
/// unqueried actions are always `a` (m = (1/2, 0)), which favours the rival.
const OWN_ACTIONS: &str = fixture!("fair-vs-always-a");

#[test]
fn c_updating_on_own_actions_fails_event_e() {
    let s = scenario(OWN_ACTIONS);
    // The truth leaves the top set after two halvings of its odds (post = 1/5 = α·4/5).
    // Paper's imitator: only queried `a` halves them, w.p. 1/4 a step: P(E_3) = 1 − 1/16.
    let (good, gv) = verify(&s, &CONSERVATIVE, 3);
    assert_eq!(good.event_e, [r(1, 1), r(1, 1), r(15, 16)]);
    assert!(gv.holds);
    // Wrong: the unqueried `a` (w.p. 1/2) halves them too, w.p. 3/4 a step: P(E_3) = 1 − 9/16.
    let (bad, bv) = verify(&s, &Wrong(Flaw::UpdateOnOwnActions), 3);
    assert_eq!(bad.event_e, [r(1, 1), r(1, 1), r(7, 16)]);
    // Both floors (proved 3/5, paper 1/2) fail, and so does the supermartingale: the
    // unqueried `a` comes from m, not from μ.
    assert_eq!(failing(&bv), ["event_e", "event_e (paper)", "inverse_truth_posterior"]);
    assert_eq!((&bv.event_e.bound, &bv.event_e_proved.bound), (&r(1, 2), &r(3, 5)));
    assert_eq!((bv.event_e.tightest_depth, &bv.event_e.slack), (3, &r(-1, 16)));
}

// (d) ------------------------------------------------------------------------

#[test]
fn d_first_ranked_only_fails_event_e_on_rare_action() {
    let s = example("rare-action");
    // The reckless model (prior 9/10) ranks first and θ = 0, so nothing is ever
    // learned: the truth is never collected.
    let (f, v) = verify(&s, &Wrong(Flaw::FirstOnly), 8);
    assert_eq!(failing(&v), ["event_e", "event_e (paper)"]);
    assert_eq!(f.event_e, vec![r(0, 1); 8]);
    assert_eq!((&v.event_e.bound, v.event_e.tightest_depth, &v.event_e.slack), (&r(1, 2), 1, &r(-1, 2)));
    // The per-step check only looks where μ ∈ Top: nowhere here.
    assert_eq!(v.per_step_ratio.nodes_checked, 0);
    assert_eq!(f.worst_case.as_ref().unwrap().max_ratio, r(0, 1));
}

#[test]
fn d_first_ranked_only_passes_on_three_coins() {
    // The truth wins the first ranking by declaration order and is never displaced
    // (no query, no update): this flaw needs a scenario where the truth is not first.
    let s = example("three-coins");
    let (f, v) = verify(&s, &Wrong(Flaw::FirstOnly), 6);
    assert!(v.holds);
    assert_eq!(f.event_e, vec![r(1, 1); 6]);
}

// (e) ------------------------------------------------------------------------

#[test]
fn e_mean_over_top_fails_per_step_and_unprecedented_on_elimination() {
    let s = example("elimination");
    // Top = {alternator, always-left} for ever (weights 3/4, 1/4; θ = 0, no update).
    // After a `left`, the alternator says `right` but m(left) = 1/4 > 0 = μ(left).
    let (f, v) = verify(&s, &Wrong(Flaw::MeanOverTop), 8);
    assert_eq!(failing(&v), ["per_step_ratio", "unprecedented"]);
    // Histories ending in `left` at depths 1..7 (Fibonacci: 1+1+2+3+5+8+13), of 54 nodes.
    assert_eq!((v.per_step_ratio.nodes_checked, v.per_step_ratio.violations), (54, 33));
    // Only the exact alternation is precedented: it survives steps 2, 4, 6, 8 w.p. 3/4 each.
    assert_eq!(f.event_e, vec![r(1, 1); 8]);
    assert_eq!((&v.unprecedented.p_im, &v.unprecedented.bound), (&r(175, 256), &r(0, 1)));
}

// (f) ------------------------------------------------------------------------

/// Two deterministic models that disagree at every step, equal priors, α close to 1:
/// the paper's imitator queries once and eliminates the rival; an imitator that never
/// learns queries at every step (m = (0, 0), θ = 1).
const DETERMINISTIC_PAIR: &str = fixture!("deterministic-pair");

#[test]
fn f_never_updating_fails_the_proved_query_bound_at_depth_9() {
    let s = scenario(DETERMINISTIC_PAIR);
    // The proved bound, squared: 4·#A⁴·(M−1)·(1−w)/(α·w) = 4·16·1·(1/2)/((99/100)(1/2)) = 6400/99 ≈ 64.65,
    // so E[Σθ³] may not exceed ≈ 8.04. The paper's bound is 2·(100/99)³·(24·2 + 12) ≈ 123.67.
    let proved = query_cubed_proved_bound_squared(2, 2, &s.alpha, s.truth_weight());
    assert_eq!(proved, r(6400, 99));
    assert_eq!(query_cubed_bound(2, &s.alpha, s.truth_weight()), r(120_000_000, 970_299));
    // The paper's imitator queries once and eliminates the rival: Σθ³ = 1 for ever.
    let (good, gv) = verify(&s, &CONSERVATIVE, 9);
    assert_eq!(good.query_cubed_sum, vec![r(1, 1); 9]);
    assert!(gv.holds);
    // Never updating, it queries at every step (m = (0, 0), θ = 1): Σθ³ = t.
    let (bad, bv) = verify(&s, &Wrong(Flaw::NeverUpdate), 9);
    assert_eq!(bad.query_cubed_sum, (1..=9).map(|t| r(t, 1)).collect::<Vec<_>>());
    // 8² = 64 ≤ 6400/99 < 81 = 9²: it holds to depth 8 and fails at depth 9, on the exhaustive engine.
    assert_eq!(failing(&bv), ["query_cubed_sum (proved)"]);
    // What `search` counts as broken: the proved bound, though the paper's still holds.
    assert!(bv.breaks_a_bound() && !gv.breaks_a_bound());
    assert_eq!((bv.query_cubed_proved.tightest_depth, &bv.query_cubed_proved.slack), (9, &r(-1619, 99)));
    let (_, at8) = verify(&s, &Wrong(Flaw::NeverUpdate), 8);
    assert!(at8.holds);
}

#[test]
fn f_never_updating_fails_the_papers_query_bound_at_depth_124() {
    let s = scenario(DETERMINISTIC_PAIR);
    let f = engine::run(EngineKind::Lumped, &s, &Wrong(Flaw::NeverUpdate), 124, &|_, _| {}).expect("lumped engine");
    let v = check(&s, &f);
    assert_eq!(failing(&v), ["query_cubed_sum (paper)", "query_cubed_sum (proved)"]);
    assert_eq!(v.query_cubed_sum.by_depth[122], r(123, 1));
    assert!(v.query_cubed_sum.by_depth[122] <= v.query_cubed_sum.bound);
    assert_eq!((v.query_cubed_sum.tightest_depth, &v.query_cubed_sum.by_depth[123]), (124, &r(124, 1)));
}

// (g) ------------------------------------------------------------------------

/// Two coins where the paper's floor is positive: α = 1/5, the truth fair with
/// w = 6/25, the rival (13/20, 7/20). The paper's floor is 1 − α/w = 1/6, the
/// proved one 1 − α/((1+α)w) = 11/36.
const FAIR_AND_RIVAL: &str = fixture!("fair-and-rival");

#[test]
fn g_self_inclusive_sum_is_the_correct_rule_with_a_larger_alpha() {
    // With two models, rank 2 is collected iff post > α(p₁ + post) = α, while the
    // correct rule needs post > α·p₁ = α(1 − post), i.e. post > α/(1+α): the flaw is
    // the correct rule with α' = α/(1−α). At post = 1/4 both collect (1/4 > α = 1/5);
    // at post = 19/100, between α/(1+α) = 1/6 and α = 1/5, they disagree.
    let post = [r(3, 4), r(1, 4)];
    let alpha = r(1, 5);
    assert_eq!(top_set(&post, &[0, 1], &alpha), [0, 1]);
    assert_eq!(top_set_self_inclusive(&post, &[0, 1], &alpha), [0, 1]);
    let post2 = [r(81, 100), r(19, 100)];
    assert_eq!(top_set(&post2, &[0, 1], &alpha), [0, 1]);
    assert_eq!(top_set_self_inclusive(&post2, &[0, 1], &alpha), [0]);
    // And at both, the flaw is the correct rule with α' = α/(1−α) = 1/4.
    let larger = &alpha / (r(1, 1) - &alpha);
    for p in [&post, &post2] {
        assert_eq!(top_set_self_inclusive(p, &[0, 1], &alpha), top_set(p, &[0, 1], &larger));
    }
}

#[test]
fn g_self_inclusive_sum_fails_the_proved_floor_at_depth_146() {
    let s = scenario(FAIR_AND_RIVAL);
    assert_eq!(event_e_proved_bound(&s.alpha, s.truth_weight()), r(11, 36));
    assert_eq!(bounds::event_e_bound(&s.alpha, s.truth_weight()), r(1, 6));
    // Step 1: both collected, θ₁ = |1/2 − 13/20| = 3/20. A queried heads multiplies the
    // rival's odds by 13/10: post(fair) = 6/(6 + 19·13/10) = 60/307 ∈ (1/6, 1/5], kept by
    // the correct rule and dropped by the flaw. So P(E₂) = 1 − (3/20)(1/2) = 37/40.
    let (good, _) = verify(&s, &CONSERVATIVE, 2);
    let (bad, _) = verify(&s, &Wrong(Flaw::SelfInclusiveSum), 2);
    assert_eq!(good.event_e, [r(1, 1), r(1, 1)]);
    assert_eq!(bad.event_e, [r(1, 1), r(37, 40)]);
    // Deeper, the flawed P(E_t) sinks below the proved floor 11/36 at depth 146 (it stays
    // above the paper's 1/6), while the paper's imitator keeps above 1/2.
    let run = |rule: &dyn Rule<Rational>| {
        let f = engine::run(EngineKind::Lumped, &s, rule, 146, &|_, _| {}).expect("lumped engine");
        let v = check(&s, &f);
        (f, v)
    };
    let (bad, bv) = run(&Wrong(Flaw::SelfInclusiveSum));
    assert_eq!(failing(&bv), ["event_e"]);
    assert!(bad.event_e[144] >= r(11, 36) && bad.event_e[145] < r(11, 36));
    assert_eq!(bv.event_e_proved.tightest_depth, 146);
    let (good, gv) = run(&CONSERVATIVE);
    assert!(gv.holds);
    assert!(good.event_e[145] > r(1, 2));
}

// (h) ------------------------------------------------------------------------

#[test]
fn h_doubled_update_fails_inverse_truth_posterior_at_depth_1() {
    let s = example("three-coins");
    // Step 1: all three collected, m = (1/4, 1/4), θ₁ = 1/2. After a queried heads,
    // correct: post ∝ (1/2, 3/4, 1/4)/3, post(fair) = 1/3, so E[1/post₂(fair)] = 3 = 1/w.
    // Doubled: post ∝ (1/4, 9/16, 1/16), post(fair) = 2/7 (tails alike), so
    // E[1/post₂(fair)] = (1/2)·3 + (1/2)·(7/2) = 13/4 > 3.
    let (good, gv) = verify(&s, &CONSERVATIVE, 2);
    assert_eq!(good.inverse_truth_posterior, [Some(r(3, 1)), Some(r(3, 1))]);
    assert!(gv.holds);
    let (bad, bv) = verify(&s, &Wrong(Flaw::DoubledUpdate), 2);
    assert_eq!(bad.inverse_truth_posterior[0], Some(r(13, 4)));
    assert_eq!(failing(&bv), ["inverse_truth_posterior"]);
    assert_eq!(bv.inverse_truth_posterior.tightest_depth, 2);
    // Every other check still holds at depth 12: only the supermartingale sees the flaw.
    let (_, at12) = verify(&s, &Wrong(Flaw::DoubledUpdate), 12);
    assert_eq!(failing(&at12), ["inverse_truth_posterior"]);
}

// The lifetime checks ------------------------------------------------------------

/// Runs `rule` over its whole lifetime (`verify --horizon infinite`), not as the
/// conservative imitator, so the query bound from unsettled states is not assumed.
fn lifetime(s: &Scenario, rule: &dyn Rule<Rational>) -> imitator::lifetime::Lifetime {
    let opts = imitator::lifetime::Options::new();
    imitator::lifetime::run(s, rule, &opts, imitator::progress::SILENT).expect("lifetime run")
}

#[test]
fn c_updating_on_own_actions_fails_the_lifetime_event_e_check_at_depth_2() {
    use imitator::lifetime::Stop;
    let s = scenario(OWN_ACTIONS);
    // After depth 2 the upper end of P(E_∞) is P(E_3) = 7/16 < 3/5, the proved floor.
    let bad = lifetime(&s, &Wrong(Flaw::UpdateOnOwnActions));
    assert_eq!((bad.depth_reached, bad.stopped_because), (2, Stop::Fails));
    assert_eq!(bad.last().event_e.hi, Some(r(7, 16)));
    assert_eq!(bad.event_e_status, checks::Status::Fails);
    assert_eq!(bad.exit_status(), 1);
    // The paper's imitator on the same scenario: nothing fails over its lifetime.
    let good =
        imitator::lifetime::run(&s, &CONSERVATIVE, &imitator::lifetime::Options::new(), imitator::progress::SILENT)
            .unwrap();
    assert_eq!(good.event_e_status, checks::Status::Holds);
    assert_eq!(good.query_status, checks::Status::Holds);
}

#[test]
fn f_never_updating_fails_the_lifetime_query_check_at_depth_9() {
    use imitator::lifetime::Stop;
    let s = scenario(DETERMINISTIC_PAIR);
    // Σθ³ = t on every path, so the lower end of E Σθ³ is 9 after depth 9: 9² > 6400/99.
    let bad = lifetime(&s, &Wrong(Flaw::NeverUpdate));
    assert_eq!((bad.depth_reached, bad.stopped_because), (9, Stop::Fails));
    assert_eq!(bad.last().query_cubed_sum.lo, r(9, 1));
    assert_eq!(bad.query_status, checks::Status::Fails);
    // The paper's imitator queries once and settles: E Σθ³ = 1 exactly, for life.
    let good =
        imitator::lifetime::run(&s, &CONSERVATIVE, &imitator::lifetime::Options::new(), imitator::progress::SILENT)
            .unwrap();
    assert_eq!(good.last().query_cubed_sum.lo, r(1, 1));
    assert_eq!(good.last().query_cubed_sum.hi, Some(r(1, 1)));
}
