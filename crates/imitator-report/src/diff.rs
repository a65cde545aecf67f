//! `imitator diff`: what the comparison found, as text or JSON.

use super::jsonl::{history_json, history_text};
use imitator::diff::DiffReport;
use imitator::imitator::Standard;
use imitator::scenario::Scenario;
use num_traits::Zero;
use serde_json::{json, Value};
use std::fmt::Write;

/// The comparison as one JSON object (`docs/json.md`).
pub fn document(s: &Scenario, imitator: Standard, r: &DiffReport) -> Value {
    let first = r.first.as_ref().map(|d| {
        json!({
            "line": d.line,
            "history": history_json(s, &d.history),
            "fields": d.fields.iter().map(|f| {
                // A set of models is a JSON list of their names; a number or a flag, a string.
                let (ours, theirs) = match &f.sets {
                    Some([o, t]) => (json!(o), json!(t)),
                    None => (json!(f.ours), json!(f.theirs)),
                };
                json!({
                    "field": f.field,
                    "ours": ours,
                    "theirs": theirs,
                    "deviation": f.deviation.as_ref().map(|d| d.json()),
                })
            }).collect::<Vec<_>>(),
        })
    });
    let largest = r.largest.as_ref().map(|l| {
        json!({
            "deviation": l.deviation.json(),
            "field": l.field,
            "line": l.line,
            "history": history_json(s, &l.history),
        })
    });
    json!({
        "scenario": s.name,
        "variant": imitator.variant.to_string(),
        "warmup": imitator.warmup,
        "depth": r.horizon,
        "compared": r.compared,
        "differing": r.differing,
        "first_difference": first,
        "largest_deviation": largest,
        "unreachable": {
            "count": r.unreachable.len(),
            "histories": r.unreachable.iter().map(|(line, h)| json!({"line": line, "history": history_json(s, h)})).collect::<Vec<_>>(),
        },
        "missing": {
            "count": r.missing,
            "first": r.missing_first.iter().map(|h| history_json(s, h)).collect::<Vec<_>>(),
        },
        "agree": r.agrees(),
        "only_listed": r.listed_only,
        "their_depth": r.their_depth,
        "hint": hint(r),
    })
}

/// What to do when their file stops short of the compared depth, or `None`.
pub fn hint(r: &DiffReport) -> Option<String> {
    r.stops_short().map(|d| {
        format!(
            "their longest history has {} steps, so their file reaches depth {d}, short of the compared depth {}: \
             give --depth {d} to compare what it holds",
            d - 1,
            r.horizon
        )
    })
}

/// The comparison as text: the counts, the first difference field by field,
/// the largest deviation, and the histories unreachable or missing.
pub fn text(s: &Scenario, imitator: Standard, r: &DiffReport) -> String {
    let mut o = String::new();
    let variant = imitator.variant.label(imitator.warmup);
    if r.listed_only {
        let _ = writeln!(o, "scenario {} · imitator {variant} · only the histories they list", s.name);
    } else {
        let _ = writeln!(o, "scenario {} · imitator {variant} · histories of length 0..{}", s.name, r.horizon - 1);
    }
    // First, so that the count of missing histories below reads as what it is.
    if let Some(h) = hint(r) {
        let _ = writeln!(o, "hint: {h}");
    }
    let _ = writeln!(o, "compared: {}, {} differ", crate::words::count(r.compared, "history"), r.differing);
    match &r.first {
        None => {
            let _ = writeln!(o, "first difference: none");
        }
        Some(d) => {
            let _ = writeln!(o, "first difference: line {}, history {}", d.line, history_text(s, &d.history));
            use crate::text::{Align, Table};
            let mut t = Table::new("  ", 2, &[Align::Left, Align::Right, Align::Right, Align::Left]);
            t.row(["field", "ours (exact)", "theirs", "deviation"]);
            for f in &d.fields {
                let dev = f.deviation.as_ref().map(|d| d.text()).unwrap_or_else(|| "-".into());
                t.row([f.field.clone(), f.ours.clone(), f.theirs.clone(), dev]);
            }
            o.push_str(&t.render());
        }
    }
    match &r.largest {
        None => {
            let _ = writeln!(o, "largest deviation: none (no numbers compared)");
        }
        Some(l) if l.deviation.value.is_zero() => {
            let _ = writeln!(o, "largest deviation: 0");
        }
        Some(l) => {
            let _ = writeln!(
                o,
                "largest deviation: {} in {} at line {}, history {}",
                l.deviation.text(),
                l.field,
                l.line,
                history_text(s, &l.history)
            );
        }
    }
    let _ = writeln!(o, "unreachable histories they list: {}", r.unreachable.len());
    for (line, h) in r.unreachable.iter().take(10) {
        let _ = writeln!(o, "  line {line}: {}", history_text(s, h));
    }
    if r.unreachable.len() > 10 {
        let _ = writeln!(o, "  …");
    }
    if r.listed_only {
        // Nothing is missing unless histories were asked for (the conformance suite's sampled pass).
        if r.missing > 0 {
            let _ = writeln!(o, "histories asked for that they do not answer: {}", r.missing);
        }
    } else {
        let _ = writeln!(o, "reachable histories they miss: {}", r.missing);
    }
    for h in &r.missing_first {
        let _ = writeln!(o, "  {}", history_text(s, h));
    }
    if r.missing > r.missing_first.len() {
        let _ = writeln!(o, "  …");
    }
    let _ = writeln!(o, "{}", if r.agrees() { "AGREE" } else { "DISAGREE" });
    o
}
