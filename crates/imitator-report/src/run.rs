//! `imitator run`: one episode's summary and trace, as text or JSON.

use super::text::exact_and_approx;
use imitator::imitator::{Standard, StepRecord};
use imitator::number::{fmt_exact, fmt_float, Prob, Rational};
use imitator::scenario::Scenario;
use imitator::simulate::{Episode, Trace};
use serde_json::{json, Value};
use std::fmt::Write;

fn names(idx: &[usize], s: &Scenario) -> String {
    idx.iter().map(|&i| s.models[i].name.as_str()).collect::<Vec<_>>().join(", ")
}

/// One line of an episode's trace.
pub fn trace_line<P: Prob>(s: &Scenario, r: &StepRecord<P>) -> String {
    format!(
        "{:>6}  {:<34} {:<8} {:<7} {:<12} {}",
        r.step,
        format!("{{{}}}{}", names(&r.policy.top, s), if r.truth_in_top { "" } else { " (truth out!)" }),
        fmt_float(r.policy.theta.to_f64()),
        if r.queried { "asked" } else { "-" },
        s.actions[r.action],
        s.observations[r.observation]
    )
}

/// A number of an episode: exact when the episode ran with rationals (else an `f64`).
fn as_rational<P: Prob>(p: &P) -> Option<&Rational> {
    (p as &dyn std::any::Any).downcast_ref::<Rational>()
}

/// Whether episodes over `P` are exact.
fn exact<P: Prob>() -> bool {
    std::any::TypeId::of::<P>() == std::any::TypeId::of::<Rational>()
}

/// An episode as text: the trace (when kept) and the summary.
pub fn text<P: Prob>(s: &Scenario, imitator: Standard, ep: &Episode<P>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imitator run — {} (variant {}, {}, seed {}, {} arithmetic)",
        s.name,
        imitator.variant,
        crate::words::count(ep.steps, "step"),
        ep.seed,
        if exact::<P>() { "exact" } else { "f64" }
    );
    if !ep.trace.is_empty() {
        let _ = writeln!(out, "  Each step: the top set (the models the imitator trusts, best first), θ (its chance");
        let _ = writeln!(out, "  of asking the demonstrator), whether it asked (then the demonstrator chose the");
        let _ = writeln!(out, "  action), the action taken and the observation.");
        let _ = writeln!(out);
        let _ =
            writeln!(out, "{:>6}  {:<34} {:<8} {:<7} {:<12} observation", "step", "top set", "θ", "query", "action");
        for r in &ep.trace {
            let _ = writeln!(out, "{}", trace_line(s, r));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "  queries: {} of {} ({:.2}%)",
        ep.queries,
        crate::words::count(ep.steps, "step"),
        100.0 * ep.queries as f64 / ep.steps.max(1) as f64
    );
    let _ = writeln!(
        out,
        "  truth `{}` {} the top set at every step",
        s.models[s.truth].name,
        if ep.truth_always_top { "stayed in" } else { "did NOT stay in" }
    );
    let _ = writeln!(out, "  final posterior:");
    let width = s.models.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for (m, p) in s.models.iter().zip(&ep.final_posterior) {
        let shown = match as_rational(p) {
            Some(r) => exact_and_approx(r),
            None => fmt_float(p.to_f64()),
        };
        let _ = writeln!(out, "    {:<width$}  {}", m.name, shown);
    }
    out
}

/// A number in the episode's JSON: `"p/q"` when exact, a JSON number for `f64`.
fn number<P: Prob>(p: &P) -> Value {
    match as_rational(p) {
        Some(r) => json!(fmt_exact(r)),
        None => json!(p.to_f64()),
    }
}

/// An episode as one JSON object (`docs/json.md`); the trace when kept.
pub fn document<P: Prob>(s: &Scenario, imitator: Standard, ep: &Episode<P>) -> Value {
    let posterior: serde_json::Map<String, Value> =
        s.models.iter().zip(&ep.final_posterior).map(|(m, p)| (m.name.clone(), number(p))).collect();
    let mut doc = json!({
        "scenario": s.name,
        "variant": imitator.variant.to_string(),
        "warmup": imitator.warmup,
        "steps": ep.steps,
        "seed": ep.seed,
        "exact": exact::<P>(),
        "queries": ep.queries,
        "truth_always_top": ep.truth_always_top,
        "posterior": posterior,
    });
    if ep.kept != Trace::Off {
        doc["trace"] = ep
            .trace
            .iter()
            .map(|r| {
                json!({
                    "step": r.step,
                    "top": r.policy.top.iter().map(|&i| s.models[i].name.clone()).collect::<Vec<_>>(),
                    "theta": number(&r.policy.theta),
                    "query": r.queried,
                    "action": s.actions[r.action],
                    "observation": s.observations[r.observation],
                    "truth_in_top": r.truth_in_top,
                })
            })
            .collect();
    }
    doc
}
