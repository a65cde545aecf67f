//! The verdict as a table: one [`Row`] per check, the order every output
//! (text, HTML, JSON, CSV) shows them, their labels and their JSON keys.
//!
//! The library judges ([`imitator::checks::Verdict`]); how a verdict is shown
//! is decided here, once. Each label is its bound's formula
//! ([`imitator::bounds::Bound`]), written once in the library.

use imitator::bounds::{self, Bound};
use imitator::checks::{DepthCheck, Relation, Status, Verdict};
use imitator::number::Rational;

/// A claim's label: its formula and where it comes from (`… proved`, `… paper`).
fn labelled(b: &Bound) -> String {
    format!("{}  {}", b.formula, b.source)
}

/// What a row of the verdict stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A claim of the paper, or a bound proved in `proofs/`.
    Claim,
    /// The paper's weaker form of a claim whose sharper form is checked on another row.
    Implied,
    /// An identity that guards the engine's own accounting, not the imitator.
    Bookkeeping,
}

/// A measured value or a bound as a row shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Exact(Rational),
    /// `+∞`.
    Infinite,
    /// `bad` of `of` (nodes or merged states).
    Count {
        bad: u64,
        of: u64,
        unit: &'static str,
    },
    /// A word, such as "every depth".
    Word(&'static str),
}

/// One line of the verifier's table: every output (text, HTML, JSON) loops over these.
///
/// A row with [`Status::Undecided`] is shown as such everywhere; a new check
/// is a new row, and every output shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The check's key in the JSON document (`event_e`, `query_cubed_sum`, …).
    pub key: &'static str,
    /// What is checked, for people.
    pub label: String,
    pub kind: RowKind,
    /// The depth shown: where the check comes closest to its bound (`None`: every depth or node).
    pub depth: Option<usize>,
    pub measured: Shown,
    pub relation: Option<Relation>,
    pub bound: Shown,
    pub status: Status,
    /// The field that holds the bound in the check's JSON object (`bound`,
    /// `proved_bound`, …), if the document shows it.
    pub json_bound: Option<&'static str>,
    /// The field that holds this row's own status in the check's JSON object
    /// (`bound_holds`, …); `None` when only the object's `holds` speaks for it.
    pub json_status: Option<&'static str>,
}

/// The table of checks of `verdict`, in the order every output shows them.
/// `unit` names what the per-step check counts (`node` or `merged state`).
pub fn rows(verdict: &Verdict, unit: &'static str) -> Vec<Row> {
    let depth_row = |key, label: &str, kind, c: &DepthCheck, rel, json: (&'static str, Option<&'static str>)| Row {
        key,
        label: label.to_string(),
        kind,
        depth: Some(c.tightest_depth),
        measured: Shown::Exact(c.tightest().clone()),
        relation: Some(rel),
        bound: Shown::Exact(c.bound.clone()),
        status: Status::of(c.holds),
        json_bound: Some(json.0),
        json_status: json.1,
    };
    let mut rows = vec![
        depth_row(
            bounds::EVENT_E_PROVED.key,
            &labelled(&bounds::EVENT_E_PROVED),
            RowKind::Claim,
            &verdict.event_e_proved,
            Relation::AtLeast,
            ("proved_bound", None),
        ),
        depth_row(
            "event_e",
            &labelled(&bounds::EVENT_E_PAPER),
            RowKind::Implied,
            &verdict.event_e,
            Relation::AtLeast,
            ("bound", Some("bound_holds")),
        ),
        depth_row(
            "query_cubed_sum",
            &labelled(&bounds::QUERY_CUBED_PAPER),
            RowKind::Claim,
            &verdict.query_cubed_sum,
            Relation::AtMost,
            ("bound", Some("bound_holds")),
        ),
        depth_row(
            "query_cubed_sum",
            &labelled(&bounds::QUERY_CUBED_PROVED),
            RowKind::Claim,
            &verdict.query_cubed_proved,
            Relation::AtMost,
            ("proved_bound_squared", Some("proved_bound_holds")),
        ),
    ];
    let inv = &verdict.inverse_truth_posterior;
    rows.push(Row {
        key: "inverse_truth_posterior",
        label: bounds::INVERSE_TRUTH_POSTERIOR.formula.into(),
        kind: RowKind::Claim,
        depth: Some(inv.tightest_depth),
        measured: inv.tightest().map_or(Shown::Infinite, |v| Shown::Exact(v.clone())),
        relation: Some(Relation::AtMost),
        bound: Shown::Exact(inv.bound.clone()),
        status: Status::of(inv.holds),
        json_bound: Some("bound"),
        json_status: None,
    });
    let p = &verdict.per_step_ratio;
    rows.push(Row {
        key: "per_step_ratio",
        label: bounds::PER_STEP.formula.into(),
        kind: RowKind::Claim,
        depth: None,
        measured: Shown::Count { bad: p.violations, of: p.nodes_checked, unit },
        relation: None,
        bound: Shown::Word("none may break it"),
        status: Status::of(p.holds),
        json_bound: None,
        json_status: None,
    });
    let u = &verdict.unprecedented;
    rows.push(Row {
        key: "unprecedented",
        label: bounds::UNPRECEDENTED.formula.into(),
        kind: RowKind::Claim,
        depth: None,
        measured: Shown::Exact(u.p_im.clone()),
        relation: Some(Relation::AtMost),
        bound: Shown::Exact(u.bound.clone()),
        status: Status::of(u.holds),
        json_bound: Some("bound"),
        json_status: None,
    });
    for ev in &verdict.events {
        rows.push(Row {
            key: "events",
            label: format!("bookkeeping of E, “{}”", ev.figures.name),
            kind: RowKind::Bookkeeping,
            depth: None,
            measured: Shown::Exact(ev.figures.p_im.clone()),
            relation: Some(Relation::AtMost),
            bound: Shown::Exact(ev.bound.clone()),
            status: Status::of(ev.holds),
            json_bound: Some("bound"),
            json_status: None,
        });
    }
    rows.push(Row {
        key: "mass_conserved",
        label: "node probabilities sum to 1".into(),
        kind: RowKind::Bookkeeping,
        depth: None,
        measured: Shown::Word("every depth"),
        relation: None,
        bound: Shown::Word("exactly"),
        status: Status::of(verdict.mass_conserved),
        json_bound: None,
        json_status: None,
    });
    rows
}
