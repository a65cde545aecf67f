//! The verifier's JSON document: exact numbers as `"p/q"` strings
//! (every field is described in `docs/json.md`).
//!
//! The checks' objects are built from [`Verdict::rows`], as the text and the
//! page are: each row says which field of its object holds its bound and its
//! own status, and [`check_object`] lays them out.

use crate::rows::{Row, RowKind, Shown};
use imitator::bounds::ratio_to_t2;
use imitator::checks::Status;
use imitator::number::{fmt_exact, Rational};
use imitator::scenario::Scenario;
use imitator::verify::Verified;
use serde_json::{json, Map, Value};

/// An exact number as JSON: `"p/q"`, or `"n"`.
pub fn ex(r: &Rational) -> Value {
    Value::String(fmt_exact(r))
}

/// A list of exact numbers.
pub fn list(v: &[Rational]) -> Value {
    Value::Array(v.iter().map(ex).collect())
}

fn shown(x: &Shown) -> Value {
    match x {
        Shown::Exact(r) => ex(r),
        Shown::Infinite | Shown::Word(_) | Shown::Count { .. } => Value::Null,
    }
}

/// A check's object: the `measured` fields first, then each row's bound in
/// its field (the paper's `bound` first), `holds` (every row of the check
/// but those the row above implies), then each row's own status field.
pub fn check_object(measured: Vec<(&str, Value)>, rows: &[&Row]) -> Value {
    let mut o: Map<String, Value> = measured.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| r.json_bound != Some("bound"));
    for r in &rows {
        if let Some(field) = r.json_bound {
            o.insert(field.into(), shown(&r.bound));
        }
    }
    let holds = rows.iter().filter(|r| r.kind != RowKind::Implied).all(|r| r.status == Status::Holds);
    o.insert("holds".into(), Value::Bool(holds));
    for r in &rows {
        if let Some(field) = r.json_status {
            o.insert(field.into(), Value::Bool(r.status == Status::Holds));
        }
    }
    Value::Object(o)
}

/// The document, in its key order; extra keys come after the specified ones in each object.
pub fn verify_document(s: &Scenario, v: &Verified) -> Value {
    let (f, verdict, run) = (&v.figures, &v.verdict, &v.run);
    let rows = crate::rows::rows(verdict, super::text::unit(f.engine));
    let of = |key: &str| rows.iter().filter(|r| r.key == key).collect::<Vec<_>>();
    let worst = match &f.worst_case {
        Some(w) => json!({
            "max_ratio": ex(&w.max_ratio),
            "curve": w.curve.iter().map(|(a, b)| json!([ex(a), ex(b)])).collect::<Vec<_>>(),
            "histories": w.histories,
        }),
        None => Value::Null,
    };
    let inverse: Vec<Value> = f.inverse_truth_posterior.iter().map(|x| x.as_ref().map_or(Value::Null, ex)).collect();
    let per_step = match of("per_step_ratio").first().map(|r| &r.measured) {
        Some(Shown::Count { bad, of, .. }) => vec![("nodes_checked", json!(of)), ("violations", json!(bad))],
        _ => Vec::new(),
    };
    let unprecedented = of("unprecedented").first().map_or(Value::Null, |r| shown(&r.measured));
    let event_rows = of("events");
    let events: Vec<Value> = verdict
        .events
        .iter()
        .zip(&event_rows)
        .map(|(e, row)| {
            json!({
                "name": e.figures.name,
                "p_dem": ex(&e.figures.p_dem),
                "p_im": ex(&e.figures.p_im),
                "p_im_and_e": ex(&e.figures.p_im_and_e),
                "ratio_im_and_e": e.ratio_im_and_e.as_ref().map_or(Value::Null, ex),
                "ratio_im": e.ratio_im.as_ref().map_or(Value::Null, ex),
                "holds": row.status == Status::Holds,
                "bound": shown(&row.bound),
            })
        })
        .collect();
    let secs = (run.elapsed_ms as f64 / 1000.0).max(1e-3);
    let mut doc = json!({
        "scenario": s.name,
        "depth": f.depth,
        "alpha": ex(&s.alpha),
        "actions": s.actions.len(),
        "models": s.models.len(),
        "truth": s.models[s.truth].name,
        "truth_weight": ex(&verdict.truth_weight),
        "variant": run.imitator.variant.to_string(),
        "engine": f.engine.to_string(),
        "event_e": check_object(vec![("by_depth", list(&f.event_e))], &of("event_e")),
        "query_cubed_sum": check_object(vec![("by_depth", list(&f.query_cubed_sum))], &of("query_cubed_sum")),
        "inverse_truth_posterior": check_object(vec![("by_depth", Value::Array(inverse))], &of("inverse_truth_posterior")),
        "expected_queries": {"by_depth": list(&f.expected_queries)},
        "query_sum_cubed": {"by_depth": list(&f.query_sum_cubed), "ratio_to_t2": list(&ratio_to_t2(&f.query_sum_cubed))},
        "expected_product": {"by_depth": list(&f.expected_product), "ratio_to_t2": list(&ratio_to_t2(&f.expected_product))},
        "per_step_ratio": check_object(per_step, &of("per_step_ratio")),
        "events": events,
        "unprecedented": check_object(vec![("p_im", unprecedented)], &of("unprecedented")),
        "worst_case": worst,
        "holds": verdict.holds,
        "warmup": run.imitator.warmup,
        "mass_conserved": of("mass_conserved").iter().all(|r| r.status == Status::Holds),
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
