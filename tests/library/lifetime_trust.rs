//! The lifetime checks the assumptions of its proofs, state by state
//! (issue 26; `docs/lifetime.md`, "Refusals").

use crate::wrong_imitators::{Flaw, Wrong};
use imitator::checks::Status;
use imitator::engine::EngineError;
use imitator::imitator::{min_policy, ranking, top_set, update_posterior, Policy, PolicyInput, Rule, Standard, Variant};
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

fn show(l: &Lifetime) {
    let last = l.last();
    eprintln!(
        "depth {} stop {:?} E [{}, {:?}] Q [{}, {:?}] statuses {:?} {:?} refusal {:?} refused {}",
        l.depth_reached,
        l.stopped_because,
        last.event_e.lo,
        last.event_e.hi.as_ref().map(|x| x.to_string()),
        last.query_cubed_sum.lo,
        last.query_cubed_sum.hi.as_ref().map(|x| x.to_string()),
        l.event_e_status,
        l.query_status,
        l.refusal,
        last.refused_mass
    );
}

#[test]
fn explore() {
    let own = scenario(fixture!("own-actions-quiet-root"));
    let c = Wrong(Flaw::UpdateOnOwnActions);
    show(&run(&own, &c, |_| {}));
    show(&run(&own, &c, |o| o.limits.max_depth = 10));
    let rare = scenario(fixture!("rare-action-truth-last"));
    show(&run(&rare, &RankPositions, |o| o.limits.max_depth = 10));
    show(&run(&rare, &RankPositions, |o| o.limits.max_depth = 20));
    let pair = scenario(fixture!("deterministic-pair"));
    show(&run(&pair, &MinOverAll, |o| o.limits.max_depth = 5));
    show(&run(&pair, &MinOverAll, |_| {}));
    let fair = scenario(fixture!("fair-vs-always-a"));
    for (name, rule) in [("c", Wrong(Flaw::UpdateOnOwnActions)), ("f", Wrong(Flaw::NeverUpdate))] {
        for s in [&fair, &pair] {
            eprintln!("{name}");
            show(&run(s, &rule, |_| {}));
            show(&run(s, &rule, |o| o.limits.max_depth = 1));
            show(&run(s, &rule, |o| o.width = r(2, 1)));
        }
    }
    let _ = (Status::Holds, Interval { lo: r(0, 1), hi: None }, Stop::Width);
    let _: Option<EngineError> = None;
}
