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

#[test]
fn every_wrong_imitator_fails_the_suite() {
    use Flaw::*;
    for flaw in [MaxOverTop, NonStrictTop, UpdateOnOwnActions, FirstOnly, MeanOverTop, NeverUpdate, SelfInclusiveSum, DoubledUpdate] {
        let caught = caught_by(&Wrong(flaw));
        println!("{flaw:?}: {caught:?}");
    }
}
