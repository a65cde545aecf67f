//! The conformance suite has teeth: each wrong imitator of `wrong_imitators.rs`,
//! written out as policy lines (only `history`, `m` and `theta`, the least a
//! line holds), fails the suite, and these tests assert exactly which cases
//! catch it. The correct imitator's own lines pass every case.

use crate::wrong_imitators::{Flaw, Wrong};
use imitator::conformance::{cases, judge, Case, Pass, Verdict};
use imitator::diff::Tolerance;
use imitator::engine::histories::{walk, Entry, Step};
use imitator::imitator::Rule;
use imitator::number::{fmt_exact, Rational};
use imitator::sampled::Cursor;
use imitator::scenario::Scenario;
use imitator_report::jsonl::history_json;
use serde_json::json;

/// The least policy line: history, `m` and `θ`, exact.
fn line(s: &Scenario, e: &Entry) -> String {
    let m: serde_json::Map<String, serde_json::Value> =
        s.actions.iter().zip(&e.state.m).map(|(a, x)| (a.clone(), json!(fmt_exact(x)))).collect();
    json!({"history": history_json(s, e.history), "m": m, "theta": fmt_exact(&e.state.theta)}).to_string() + "\n"
}

/// What `rule` writes for one pass of `case`: for the full pass every history
/// it reaches itself; for the sampled pass its answer at each asked history it
/// can reach.
fn produce(case: &Case, pass: Pass, rule: &dyn Rule<Rational>) -> (String, Option<Vec<Vec<Step>>>) {
    let s = case.scenario();
    let mut out = String::new();
    match pass {
        Pass::Full => {
            let _ = walk::<()>(&s, rule, case.depth, |e| {
                out.push_str(&line(&s, e));
                Ok(())
            });
            (out, None)
        }
        Pass::Sampled => {
            let asked = case.asked(&s, Pass::Sampled).expect("within the limits");
            let mut cursor = Cursor::new(&s, rule, 1 << 30);
            for h in &asked {
                if cursor.seek(h).unwrap() == h.len() {
                    out.push_str(&line(&s, &cursor.entry()));
                }
            }
            (out, Some(asked))
        }
    }
}

/// The cases (and passes) of the conservative imitator that `rule` fails.
fn caught_by(rule: &dyn Rule<Rational>) -> Vec<String> {
    let mut caught = Vec::new();
    for case in cases().into_iter().filter(|c| c.variant == imitator::Variant::Conservative) {
        for pass in [Pass::Full, Pass::Sampled] {
            let (out, asked) = produce(&case, pass, rule);
            let v = judge(&case, pass, out.as_bytes(), "theirs", asked.as_deref(), &Tolerance::default());
            assert!(!matches!(v, Verdict::Error(_) | Verdict::Skipped(_)), "{}: {v:?}", case.id);
            if v.fails() {
                caught.push(format!("{} {}", case.id, pass.name()));
            }
        }
    }
    caught
}

#[test]
fn the_correct_imitator_passes_every_case() {
    for case in cases() {
        for pass in [Pass::Full, Pass::Sampled] {
            let rule = case.rule();
            let (out, asked) = produce(&case, pass, &rule);
            let v = judge(&case, pass, out.as_bytes(), "theirs", asked.as_deref(), &Tolerance::default());
            assert!(matches!(v, Verdict::Agree), "{} {}: {v:?}", case.id, pass.name());
        }
    }
}

/// Both passes of each case in `ids`, as [`caught_by`] names them.
fn both(ids: &[&str]) -> Vec<String> {
    ids.iter().flat_map(|id| [format!("{id} full"), format!("{id} sampled")]).collect()
}

#[test]
fn every_wrong_imitator_fails_the_suite() {
    use Flaw::*;
    let all_but = |skip: &[&str]| {
        let ids = ["alpha-tie", "alpha-at-w", "ranking-tie", "elimination", "deterministic-truth", "many-models"];
        let more = ["observations", "unqueried-steps", "machines"];
        both(&ids.iter().chain(&more).copied().filter(|id| !skip.contains(id)).collect::<Vec<_>>())
    };
    // (a), (d), (e), (f): everything but the exact tie of alpha-tie, where Top = {lead} either way.
    for flaw in [MaxOverTop, FirstOnly, MeanOverTop, NeverUpdate] {
        assert_eq!(caught_by(&Wrong(flaw)), all_but(&["alpha-tie"]), "{flaw:?}");
    }
    // (b) `>=`: the ties, and where the truth's posterior lands on the bar (unqueried-steps, full pass only).
    let mut ge = both(&["alpha-tie", "ranking-tie", "elimination", "many-models"]);
    ge.push("unqueried-steps full".into());
    ge.push("machines full".into());
    assert_eq!(caught_by(&Wrong(NonStrictTop)), ge);
    // (c) updating on unqueried steps: every case where an unqueried step happens.
    assert_eq!(caught_by(&Wrong(UpdateOnOwnActions)), all_but(&["deterministic-truth"]));
    // (g) the candidate in its own sum: alpha-at-w first of all.
    assert_eq!(
        caught_by(&Wrong(SelfInclusiveSum)),
        both(&["alpha-at-w", "ranking-tie", "elimination", "many-models", "observations", "machines"])
    );
    // (h) each answer counted twice.
    let mut doubled = both(&["alpha-at-w"]);
    doubled.push("ranking-tie full".into());
    doubled.extend(both(&["many-models", "observations", "unqueried-steps", "machines"]));
    assert_eq!(caught_by(&Wrong(DoubledUpdate)), doubled);
}

#[test]
fn sampled_histories_are_the_seeds_and_reachable() {
    use imitator::sampled::{prefix_count, sample_paths};
    let case = cases().into_iter().find(|c| c.id == "observations").unwrap();
    let s = case.scenario();
    let rule = case.rule();
    let a = sample_paths(&s, &rule, 50, 4, 9, 1 << 30).unwrap();
    let b = sample_paths(&s, &rule, 50, 4, 9, 1 << 30).unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|p| p.len() == 49));
    assert!(a.windows(2).all(|w| w[0] < w[1]));
    // Every prefix is reachable, and each is visited once.
    let asked = case.asked(&s, Pass::Sampled).unwrap();
    assert_eq!(asked.len() as u64, prefix_count(&sample_paths(&s, &rule, 120, 3, 1, 1 << 30).unwrap()));
    let mut cursor = Cursor::new(&s, &rule, 1 << 30);
    for h in &asked {
        assert_eq!(cursor.seek(h).unwrap(), h.len());
    }
    // A step of probability zero is refused: in elimination, `right` is never the first action.
    let e = cases().into_iter().find(|c| c.id == "elimination").unwrap();
    let s = e.scenario();
    let rule = e.rule();
    let mut cursor = Cursor::new(&s, &rule, 1 << 30);
    let right = Step { queried: false, action: 1, observation: 0 };
    assert_eq!(cursor.seek(&[right]).unwrap(), 0);
}

#[test]
fn a_tolerance_accepts_within_either_bound() {
    use imitator::diff::Within;
    use imitator::number::ratio;
    let w = Within { absolute: ratio(1, 1000), relative: ratio(1, 10) };
    // 1/1000 off a large value: within the absolute bound.
    assert!(w.accepts(&ratio(1, 1000), &ratio(1, 2)));
    // 1/100 off 1/5: beyond 1/1000 but within a tenth of 1/5.
    assert!(w.accepts(&ratio(1, 50), &ratio(1, 5)));
    assert!(!w.accepts(&ratio(3, 100), &ratio(1, 5)));
    // The defaults: exact strings 0; floats relative 1e-12, θ also absolute 1e-12.
    let t = Tolerance::default();
    let tiny = ratio(1, 1_000_000_000_000_000_000);
    assert!(!t.float.accepts(&(&tiny * ratio(99, 1)), &tiny));
    assert!(t.float_theta.accepts(&ratio(1, 1_000_000_000_000_000), &Rational::from_integer(0.into())));
    assert!(!t.float.accepts(&ratio(1, 1_000_000_000_000_000), &Rational::from_integer(0.into())));
    assert!(!t.exact.accepts(&tiny, &ratio(1, 2)));
}
