//! The verifier's JSON document (SPEC §6): exact numbers as `"p/q"` strings.

use super::RunInfo;
use crate::checks::{ratio_to_t2, Verdict};
use crate::engine::Figures;
use crate::number::{fmt_exact, Rational};
use crate::scenario::Scenario;
use serde_json::{json, Value};

fn ex(r: &Rational) -> Value {
    Value::String(fmt_exact(r))
}

fn list(v: &[Rational]) -> Value {
    Value::Array(v.iter().map(ex).collect())
}

/// The document of SPEC §6, in its key order; extra keys come after the specified ones in each object.
pub fn verify_document(s: &Scenario, f: &Figures, v: &Verdict, run: &RunInfo) -> Value {
    let worst = match &f.worst_case {
        Some(w) => json!({
            "max_ratio": ex(&w.max_ratio),
            "curve": w.curve.iter().map(|(a, b)| json!([ex(a), ex(b)])).collect::<Vec<_>>(),
            "histories": w.histories,
        }),
        None => Value::Null,
    };
    let secs = (run.elapsed_ms as f64 / 1000.0).max(1e-3);
    let mut doc = json!({
        "scenario": s.name,
        "depth": f.depth,
        "alpha": ex(&s.alpha),
        "actions": s.actions.len(),
        "models": s.models.len(),
        "truth": s.models[s.truth].name,
        "truth_weight": ex(&v.truth_weight),
        "variant": run.variant,
        "engine": f.engine.name(),
        "event_e": {
            "by_depth": list(&v.event_e.by_depth),
            "bound": ex(&v.event_e.bound),
            "proved_bound": ex(&v.event_e_proved.bound),
            "holds": v.event_e_proved.holds,
            "bound_holds": v.event_e.holds,
        },
        "query_cubed_sum": {
            "by_depth": list(&v.query_cubed_sum.by_depth),
            "bound": ex(&v.query_cubed_sum.bound),
            "proved_bound_squared": ex(&v.query_cubed_proved.bound),
            "holds": v.query_cubed_sum.holds && v.query_cubed_proved.holds,
            "bound_holds": v.query_cubed_sum.holds,
            "proved_bound_holds": v.query_cubed_proved.holds,
        },
        "inverse_truth_posterior": {
            "by_depth": v.inverse_truth_posterior.by_depth.iter().map(|x| x.as_ref().map_or(Value::Null, ex)).collect::<Vec<_>>(),
            "bound": ex(&v.inverse_truth_posterior.bound),
            "holds": v.inverse_truth_posterior.holds,
        },
        "expected_queries": {"by_depth": list(&f.expected_queries)},
        "query_sum_cubed": {"by_depth": list(&f.query_sum_cubed), "ratio_to_t2": list(&ratio_to_t2(&f.query_sum_cubed))},
        "expected_product": {"by_depth": list(&f.expected_product), "ratio_to_t2": list(&ratio_to_t2(&f.expected_product))},
        "per_step_ratio": {
            "nodes_checked": v.per_step_ratio.nodes_checked,
            "violations": v.per_step_ratio.violations,
            "holds": v.per_step_ratio.holds
        },
        "events": v.events.iter().map(|e| json!({
            "name": e.figures.name,
            "p_dem": ex(&e.figures.p_dem),
            "p_im": ex(&e.figures.p_im),
            "p_im_and_e": ex(&e.figures.p_im_and_e),
            "ratio_im_and_e": e.ratio_im_and_e.as_ref().map_or(Value::Null, ex),
            "ratio_im": e.ratio_im.as_ref().map_or(Value::Null, ex),
            "holds": e.holds,
            "bound": ex(&e.bound),
        })).collect::<Vec<_>>(),
        "unprecedented": {"p_im": ex(&v.unprecedented.p_im), "bound": ex(&v.unprecedented.bound), "holds": v.unprecedented.holds},
        "worst_case": worst,
        "holds": v.holds,
        "warmup": run.warmup,
        "mass_conserved": v.mass_conserved,
        "stats": {
            "nodes": f.stats.nodes,
            "threads": run.threads,
            "elapsed_ms": run.elapsed_ms as u64,
            "nodes_per_second": (f.stats.nodes as f64 / secs).round() as u64,
            "states_per_depth": f.stats.states_per_depth,
            "peak_memory_bytes": f.stats.peak_memory_bytes,
            "word_arithmetic": f.stats.word_arithmetic,
        },
    });
    if let Some(p) = &f.partial {
        doc["partial"] = json!({
            "depth_reached": p.depth_reached,
            "requested_depth": p.requested_depth,
            "stopped_because": p.stopped_because.name(),
            "message": p.message,
        });
    }
    doc
}
