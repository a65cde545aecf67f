//! The verifier's JSON document: exact numbers as `"p/q"` strings
//! (every field is described in `docs/json.md`).
//!
//! The checks' objects are built from [`Verdict::rows`], as the text and the
//! page are: each row says which field of its object holds its bound and its
//! own status, and [`check_object`] lays them out.

use crate::rows::{Row, RowKind, Shown};
use imitator::bounds::ratio_to_t2;
use imitator::checks::Status;
use imitator::number::exact::Exact;
use imitator::number::{fmt_exact, Rational};
use imitator::scenario::Scenario;
use imitator::verify::Verified;
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// An exact number as JSON: `"p/q"`, or `"n"`.
pub fn ex(r: &Rational) -> Value {
    Value::String(fmt_exact(r))
}

/// A list of exact numbers.
pub fn list(v: &[Rational]) -> Value {
    Value::Array(v.iter().map(ex).collect())
}

fn exacts(v: &[Rational]) -> Vec<Exact<'_>> {
    v.iter().map(Exact).collect()
}

fn shown(x: &Shown) -> Option<Exact<'_>> {
    match x {
        Shown::Exact(r) => Some(Exact(r)),
        Shown::Infinite | Shown::Word(_) | Shown::Count { .. } => None,
    }
}

/// What a check measured, in one field of its object.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Measured<'a> {
    /// Exact numbers by depth (`null` where there is none).
    ByDepth(Vec<Option<Exact<'a>>>),
    /// One exact number, or `null`.
    One(Option<Exact<'a>>),
    Count(u64),
}

/// A check's object: the `measured` fields first, then each row's bound in
/// its field (the paper's `bound` first), `holds` (every row of the check
/// but those the row above implies), then each row's own status field.
#[derive(Debug, Clone)]
pub struct CheckObject<'a> {
    pub measured: Vec<(&'a str, Measured<'a>)>,
    pub bounds: Vec<(&'static str, Option<Exact<'a>>)>,
    pub holds: bool,
    pub statuses: Vec<(&'static str, bool)>,
}

impl<'a> CheckObject<'a> {
    pub fn new(measured: Vec<(&'a str, Measured<'a>)>, rows: &[&'a Row]) -> Self {
        let mut rows = rows.to_vec();
        rows.sort_by_key(|r| r.json_bound != Some("bound"));
        CheckObject {
            measured,
            bounds: rows.iter().filter_map(|r| Some((r.json_bound?, shown(&r.bound)))).collect(),
            holds: rows.iter().filter(|r| r.kind != RowKind::Implied).all(|r| r.status == Status::Holds),
            statuses: rows.iter().filter_map(|r| Some((r.json_status?, r.status == Status::Holds))).collect(),
        }
    }
}

impl<'a> Serialize for CheckObject<'a> {
    /// One object; a later field of the same name replaces an earlier one in place.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields: Vec<(&str, Value)> = Vec::new();
        let mut put = |k: &'a str, v: Value| match fields.iter_mut().find(|(f, _)| *f == k) {
            Some(slot) => slot.1 = v,
            None => fields.push((k, v)),
        };
        for (k, v) in &self.measured {
            put(k, serde_json::to_value(v).map_err(S::Error::custom)?);
        }
        for (k, v) in &self.bounds {
            put(k, serde_json::to_value(v).map_err(S::Error::custom)?);
        }
        put("holds", Value::Bool(self.holds));
        for (k, v) in &self.statuses {
            put(k, Value::Bool(*v));
        }
        let mut m = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Debug, Serialize)]
pub struct WorstCaseJson<'a> {
    pub max_ratio: Exact<'a>,
    pub curve: Vec<(Exact<'a>, Exact<'a>)>,
    pub histories: usize,
}

#[derive(Debug, Serialize)]
pub struct EventJson<'a> {
    pub name: &'a str,
    pub p_dem: Exact<'a>,
    pub p_im: Exact<'a>,
    pub p_im_and_e: Exact<'a>,
    pub ratio_im_and_e: Option<Exact<'a>>,
    pub ratio_im: Option<Exact<'a>>,
    pub holds: bool,
    pub bound: Option<Exact<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ByDepth<'a> {
    pub by_depth: Vec<Exact<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ByDepthAndRatio<'a> {
    pub by_depth: Vec<Exact<'a>>,
    #[serde(with = "imitator::number::exact::vec")]
    pub ratio_to_t2: Vec<Rational>,
}

#[derive(Debug, Serialize)]
pub struct StatsJson<'a> {
    pub nodes: u64,
    pub threads: usize,
    pub elapsed_ms: u64,
    pub nodes_per_second: u64,
    pub states_per_depth: &'a [u64],
    pub peak_memory_bytes: Option<u64>,
    pub word_arithmetic: bool,
}

#[derive(Debug, Serialize)]
pub struct PartialJson<'a> {
    pub depth_reached: usize,
    pub requested_depth: usize,
    pub stopped_because: &'static str,
    pub message: &'a str,
}

/// The verifier's document (`docs/json.md`), in its key order.
#[derive(Debug, Serialize)]
pub struct VerifyDocument<'a> {
    pub scenario: &'a str,
    pub depth: usize,
    pub alpha: Exact<'a>,
    pub actions: usize,
    pub models: usize,
    pub truth: &'a str,
    pub truth_weight: Exact<'a>,
    pub variant: String,
    pub engine: String,
    pub event_e: CheckObject<'a>,
    pub query_cubed_sum: CheckObject<'a>,
    pub inverse_truth_posterior: CheckObject<'a>,
    pub expected_queries: ByDepth<'a>,
    pub query_sum_cubed: ByDepthAndRatio<'a>,
    pub expected_product: ByDepthAndRatio<'a>,
    pub per_step_ratio: CheckObject<'a>,
    pub events: Vec<EventJson<'a>>,
    pub unprecedented: CheckObject<'a>,
    pub worst_case: Option<WorstCaseJson<'a>>,
    pub holds: bool,
    pub warmup: usize,
    pub mass_conserved: bool,
    pub stats: StatsJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<PartialJson<'a>>,
}

/// The document as JSON, in its key order; extra keys come after the specified ones in each object.
pub fn verify_document(s: &Scenario, v: &Verified) -> Value {
    let rows = crate::rows::rows(&v.verdict, super::text::unit(v.figures.engine));
    let doc = document(s, v, &rows);
    serde_json::to_value(doc).expect("the document serializes")
}

/// The document as its type; `rows` are the verdict's [`Verdict::rows`](imitator::checks::Verdict::rows).
pub fn document<'a>(s: &'a Scenario, v: &'a Verified, rows: &'a [Row]) -> VerifyDocument<'a> {
    let (f, verdict, run) = (&v.figures, &v.verdict, &v.run);
    let of = |key: &str| rows.iter().filter(|r| r.key == key).collect::<Vec<_>>();
    let worst = f.worst_case.as_ref().map(|w| WorstCaseJson {
        max_ratio: Exact(&w.max_ratio),
        curve: w.curve.iter().map(|(a, b)| (Exact(a), Exact(b))).collect(),
        histories: w.histories,
    });
    let inverse = f.inverse_truth_posterior.iter().map(|x| x.as_ref().map(Exact)).collect();
    let per_step = match of("per_step_ratio").first().map(|r| &r.measured) {
        Some(Shown::Count { bad, of, .. }) => {
            vec![("nodes_checked", Measured::Count(*of)), ("violations", Measured::Count(*bad))]
        }
        _ => Vec::new(),
    };
    let unprecedented = of("unprecedented").first().and_then(|r| shown(&r.measured));
    let event_rows = of("events");
    let events = verdict
        .events
        .iter()
        .zip(&event_rows)
        .map(|(e, row)| EventJson {
            name: &e.figures.name,
            p_dem: Exact(&e.figures.p_dem),
            p_im: Exact(&e.figures.p_im),
            p_im_and_e: Exact(&e.figures.p_im_and_e),
            ratio_im_and_e: e.ratio_im_and_e.as_ref().map(Exact),
            ratio_im: e.ratio_im.as_ref().map(Exact),
            holds: row.status == Status::Holds,
            bound: shown(&row.bound),
        })
        .collect();
    let secs = (run.elapsed_ms as f64 / 1000.0).max(1e-3);
    let by_depth = |v: &'a [Rational]| Measured::ByDepth(v.iter().map(|x| Some(Exact(x))).collect());
    let with_ratio = |v: &'a [Rational]| ByDepthAndRatio { by_depth: exacts(v), ratio_to_t2: ratio_to_t2(v) };
    VerifyDocument {
        scenario: &s.name,
        depth: f.depth,
        alpha: Exact(&s.alpha),
        actions: s.actions.len(),
        models: s.models.len(),
        truth: &s.models[s.truth].name,
        truth_weight: Exact(&verdict.truth_weight),
        variant: run.imitator.variant.to_string(),
        engine: f.engine.to_string(),
        event_e: CheckObject::new(vec![("by_depth", by_depth(&f.event_e))], &of("event_e")),
        query_cubed_sum: CheckObject::new(vec![("by_depth", by_depth(&f.query_cubed_sum))], &of("query_cubed_sum")),
        inverse_truth_posterior: CheckObject::new(
            vec![("by_depth", Measured::ByDepth(inverse))],
            &of("inverse_truth_posterior"),
        ),
        expected_queries: ByDepth { by_depth: exacts(&f.expected_queries) },
        query_sum_cubed: with_ratio(&f.query_sum_cubed),
        expected_product: with_ratio(&f.expected_product),
        per_step_ratio: CheckObject::new(per_step, &of("per_step_ratio")),
        events,
        unprecedented: CheckObject::new(vec![("p_im", Measured::One(unprecedented))], &of("unprecedented")),
        worst_case: worst,
        holds: verdict.holds,
        warmup: run.imitator.warmup,
        mass_conserved: of("mass_conserved").iter().all(|r| r.status == Status::Holds),
        stats: StatsJson {
            nodes: f.stats.nodes,
            threads: run.threads,
            elapsed_ms: run.elapsed_ms as u64,
            nodes_per_second: (f.stats.nodes as f64 / secs).round() as u64,
            states_per_depth: &f.stats.states_per_depth,
            peak_memory_bytes: f.stats.peak_memory_bytes,
            word_arithmetic: f.stats.word_arithmetic,
        },
        partial: f.partial.as_ref().map(|p| PartialJson {
            depth_reached: p.depth_reached,
            requested_depth: p.requested_depth,
            stopped_because: p.stopped_because.name(),
            message: &p.message,
        }),
    }
}
