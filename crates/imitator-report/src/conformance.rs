//! `imitator conformance`: the suite's table and JSON, the histories files
//! an implementation is asked about, and the manifest of `--emit`.

use super::jsonl::{history_json, history_text};
use imitator::conformance::{Case, Outcome, Pass, Verdict};
use imitator::engine::histories::Step;
use imitator::scenario::Scenario;
use serde_json::{json, Value};
use std::fmt::Write;

/// A histories file: one `{"history": [...]}` per line, the `history` field of a policy line.
pub fn histories_file(s: &Scenario, asked: &[Vec<Step>]) -> String {
    let mut o = String::new();
    for h in asked {
        o.push_str(&json!({ "history": history_json(s, h) }).to_string());
        o.push('\n');
    }
    o
}

/// The variant as the table shows it: `conservative`, `map (warm-up 2)`.
fn variant(case: &Case) -> String {
    case.variant.label(case.warmup)
}

/// What a pass ran on: `depth 5`, or `3 × depth 120`.
pub fn reach(case: &Case, pass: Pass) -> String {
    match pass {
        Pass::Full => format!("depth {}", case.depth),
        Pass::Sampled => format!("{} × depth {}", case.sample.paths, case.sample.depth),
    }
}

/// The first difference of a pass in one line: the history and the fields
/// that differ (ours, then theirs), an unreachable or missing history, or
/// why the pass could not be compared or was skipped. Empty when it agrees.
pub fn first_difference(case: &Case, verdict: &Verdict) -> String {
    let s = case.scenario();
    match verdict {
        Verdict::Agree => String::new(),
        Verdict::Error(why) | Verdict::Skipped(why) => why.clone(),
        Verdict::Disagree(r) => {
            if let Some(d) = &r.first {
                let fields: Vec<String> =
                    d.fields.iter().map(|f| format!("{} ours {} theirs {}", f.field, f.ours, f.theirs)).collect();
                let h = history_text(&s, &d.history);
                let h = if h.is_empty() { "(empty)".to_string() } else { h };
                format!("line {}, history {h}: {}", d.line, fields.join("; "))
            } else if let Some((line, h)) = r.unreachable.first() {
                format!("line {line}: unreachable history {}", history_text(&s, h))
            } else if let Some(h) = r.missing_first.first() {
                let h = history_text(&s, h);
                let h = if h.is_empty() { "(empty)".to_string() } else { h };
                format!("{} reachable histories missing, the first {h}", r.missing)
            } else {
                String::new()
            }
        }
    }
}

/// The suite's table: case, pass, variant, verdict, first difference and the
/// family of mistakes the case targets; then a summary and the verdict.
pub fn text(outcomes: &[Outcome]) -> String {
    use crate::text::{Align, Table};
    let mut o = String::new();
    let mut t = Table::new("", 2, &[Align::Left; 6]);
    t.row(["case", "pass", "variant", "verdict", "first difference", "catches"]);
    for x in outcomes {
        let mut first = first_difference(&x.case, &x.verdict);
        if first.chars().count() > 100 {
            first = first.chars().take(99).collect::<String>() + "…";
        }
        t.row([
            x.case.id.to_string(),
            format!("{} ({})", x.pass.name(), reach(&x.case, x.pass)),
            variant(&x.case),
            x.verdict.word().to_string(),
            if first.is_empty() { "-".into() } else { first },
            x.case.family.to_string(),
        ]);
    }
    o.push_str(&t.render());
    let count = |w: &str| outcomes.iter().filter(|x| x.verdict.word() == w).count();
    let _ = writeln!(
        o,
        "{} passes: {} agree, {} disagree, {} errors, {} skipped",
        outcomes.len(),
        count("AGREE"),
        count("DISAGREE"),
        count("ERROR"),
        count("SKIPPED")
    );
    let ok = imitator::conformance::all_agree(outcomes);
    let _ = writeln!(o, "{}", if ok { "CONFORMS" } else { "DOES NOT CONFORM" });
    o
}

/// The suite's outcome as one JSON object (`docs/conformance.md`).
pub fn document(outcomes: &[Outcome]) -> Value {
    let rows: Vec<Value> = outcomes
        .iter()
        .map(|x| {
            let report = match &x.verdict {
                Verdict::Disagree(r) => {
                    let s = x.case.scenario();
                    Some(crate::diff::document(&s, x.case.rule(), r))
                }
                _ => None,
            };
            let reason = match &x.verdict {
                Verdict::Error(why) | Verdict::Skipped(why) => Some(why.clone()),
                _ => None,
            };
            json!({
                "case": x.case.id,
                "scenario": x.case.file,
                "pass": x.pass.name(),
                "depth": x.case.depth_of(x.pass),
                "variant": x.case.variant.to_string(),
                "warmup": x.case.warmup,
                "verdict": x.verdict.word(),
                "first_difference": first_difference(&x.case, &x.verdict),
                "reason": reason,
                "diff": report,
                "catches": x.case.family,
            })
        })
        .collect();
    json!({
        "passes": rows,
        "conforms": imitator::conformance::all_agree(outcomes),
    })
}

/// The manifest `--emit` writes beside the scenarios (`suite.json`): for each
/// case, what to run and which files to write for `--policies`.
pub fn manifest(cases: &[Case]) -> Value {
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "case": c.id,
                "scenario": c.file,
                "variant": c.variant.to_string(),
                "warmup": c.warmup,
                "depth": c.depth,
                "catches": c.family,
                "full": {
                    "histories": format!("{}.histories.jsonl", c.id),
                    "write": format!("{}.jsonl", c.id),
                },
                "sampled": {
                    "paths": c.sample.paths,
                    "depth": c.sample.depth,
                    "seed": c.sample.seed,
                    "histories": format!("{}.sampled.histories.jsonl", c.id),
                    "write": format!("{}.sampled.jsonl", c.id),
                },
            })
        })
        .collect();
    json!({ "cases": rows })
}
