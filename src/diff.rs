//! Comparing another implementation of the imitator with the exact policy:
//! reading their policy lines and finding where they depart.
//!
//! [`parse_line`] reads a line written by another implementation (numbers as
//! exact strings or JSON numbers, in the format of `imitator policy`) and
//! [`diff`] compares a file of them with the exact policy, history by history,
//! along the walk of [`crate::engine::histories::walk`]: see [`DiffReport`].

use crate::engine::histories::{walk, Entry, Step};
use crate::imitator::Rule;
use crate::number::{fmt_exact, parse_rational, Rational};
use crate::scenario::Scenario;
use num_traits::{Signed, ToPrimitive, Zero};
use serde_json::Value;
use std::collections::HashMap;

/// A number as another implementation wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    /// A string (`"p/q"`, `"n"`, `"0.25"`), read exactly.
    Exact(Rational),
    /// A JSON number, compared as `f64`.
    Float(f64),
}

impl Num {
    fn read(v: &Value) -> Result<Num, String> {
        match v {
            Value::String(t) => parse_rational(t).map(Num::Exact).map_err(|e| e.to_string()),
            Value::Number(n) => n.as_f64().map(Num::Float).ok_or_else(|| format!("{n} is not a finite number")),
            other => Err(format!("expected a number (a JSON number or a string such as \"1/3\"), found {other}")),
        }
    }

    fn text(&self) -> String {
        match self {
            Num::Exact(r) => fmt_exact(r),
            Num::Float(x) => Value::from(*x).to_string(),
        }
    }
}

/// A line of another implementation, resolved against the scenario.
#[derive(Debug, Clone)]
pub struct TheirLine {
    /// 1-based line number in their file.
    pub line: usize,
    pub history: Vec<Step>,
    /// `m(a)` in action order.
    pub m: Vec<Num>,
    pub theta: Num,
    /// The posterior in model order, if they give it.
    pub posterior: Option<Vec<Num>>,
    pub p_im: Option<Num>,
    /// The top set as model indices, sorted, if they give it.
    pub top: Option<Vec<usize>>,
    pub truth_in_top: Option<bool>,
}

/// Reads one line of another implementation. `history`, `m` and `theta` are
/// required; `posterior`, `p_im`, `top` and `truth_in_top` are compared when
/// present; other keys (such as `ranking`) are ignored. A step's
/// `observation` may be left out when the scenario has a single observation.
pub fn parse_line(s: &Scenario, text: &str, line: usize) -> Result<TheirLine, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let obj = v.as_object().ok_or("a line must be a JSON object")?;
    let field = |k: &str| obj.get(k).ok_or_else(|| format!("missing `{k}`"));
    let index = |names: &[String], what: &str, v: &Value| -> Result<usize, String> {
        let name = v.as_str().ok_or_else(|| format!("{what} must be a name (a string), found {v}"))?;
        names.iter().position(|n| n == name).ok_or_else(|| format!("`{name}` is not one of the {what}s {names:?}"))
    };
    let model_names: Vec<String> = s.models.iter().map(|m| m.name.clone()).collect();
    let steps = field("history")?.as_array().ok_or("`history` must be an array of steps")?;
    let mut history = Vec::with_capacity(steps.len());
    for (k, st) in steps.iter().enumerate() {
        let at = |e: String| format!("history[{k}]: {e}");
        let o = st.as_object().ok_or_else(|| at("a step must be an object".into()))?;
        let queried =
            o.get("query").and_then(Value::as_bool).ok_or_else(|| at("`query` must be true or false".into()))?;
        let action =
            index(&s.actions, "action", o.get("action").ok_or_else(|| at("missing `action`".into()))?).map_err(at)?;
        let observation = match o.get("observation") {
            Some(x) => index(&s.observations, "observation", x).map_err(at)?,
            None if s.observations.len() == 1 => 0,
            None => return Err(at("missing `observation`".into())),
        };
        history.push(Step { queried, action, observation });
    }
    let by_name = |key: &str, names: &[String]| -> Result<Vec<Num>, String> {
        let o = field(key)?.as_object().ok_or_else(|| format!("`{key}` must be an object keyed by name"))?;
        if let Some(k) = o.keys().find(|k| !names.contains(k)) {
            return Err(format!("`{key}`: `{k}` is not one of {names:?}"));
        }
        names
            .iter()
            .map(|n| {
                let x = o.get(n).ok_or_else(|| format!("`{key}` has no entry for `{n}`"))?;
                Num::read(x).map_err(|e| format!("`{key}.{n}`: {e}"))
            })
            .collect()
    };
    let m = by_name("m", &s.actions)?;
    let theta = Num::read(field("theta")?).map_err(|e| format!("`theta`: {e}"))?;
    let posterior = match obj.get("posterior") {
        Some(_) => Some(by_name("posterior", &model_names)?),
        None => None,
    };
    let p_im = match obj.get("p_im") {
        Some(x) => Some(Num::read(x).map_err(|e| format!("`p_im`: {e}"))?),
        None => None,
    };
    let top = match obj.get("top") {
        Some(x) => {
            let list = x.as_array().ok_or("`top` must be an array of model names")?;
            let mut idx = list
                .iter()
                .map(|n| index(&model_names, "model", n))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("`top`: {e}"))?;
            idx.sort_unstable();
            Some(idx)
        }
        None => None,
    };
    let truth_in_top = match obj.get("truth_in_top") {
        Some(x) => Some(x.as_bool().ok_or("`truth_in_top` must be true or false")?),
        None => None,
    };
    Ok(TheirLine { line, history, m, theta, posterior, p_im, top, truth_in_top })
}

/// Why a line of their file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters, where it is known.
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for LineError {
    /// `LINE: message` or `LINE:COLUMN: message`, to follow the file's name and a colon.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "{}:{c}: {}", self.line, self.message),
            None => write!(f, "{}: {}", self.line, self.message),
        }
    }
}

/// Reads a whole file of their lines (JSON Lines, see [`parse_line`]) for a
/// comparison at `horizon`: blank lines are skipped, a line ends at `\n` (a
/// `\r` before it is dropped), every line must be UTF-8, name a history of
/// fewer than `horizon` steps, and no history may come twice.
pub fn read_lines(s: &Scenario, bytes: &[u8], horizon: usize) -> Result<Vec<TheirLine>, LineError> {
    let mut theirs = Vec::new();
    let mut seen: HashMap<Vec<Step>, usize> = HashMap::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let at = |message: String| LineError { line, column: None, message };
        let text = std::str::from_utf8(raw).map_err(|e| {
            let valid = &raw[..e.valid_up_to()];
            let column = std::str::from_utf8(valid).map_or(0, |v| v.chars().count()) + 1;
            let byte = raw[e.valid_up_to()];
            LineError {
                line,
                column: Some(column),
                message: format!("not UTF-8: an invalid byte sequence starts with 0x{byte:02x} here"),
            }
        })?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.trim().is_empty() {
            continue;
        }
        let t = parse_line(s, text, line).map_err(at)?;
        if t.history.len() >= horizon {
            return Err(at(format!(
                "the history has {} steps, but the comparison is at depth {horizon}, of histories of 0 to {} steps; \
                 give --depth {} to compare it",
                t.history.len(),
                horizon - 1,
                t.history.len() + 1
            )));
        }
        if let Some(prev) = seen.insert(t.history.clone(), line) {
            return Err(at(format!("the same history as line {prev}")));
        }
        theirs.push(t);
    }
    Ok(theirs)
}

/// How far apart two numbers may be (absolute) and still agree.
#[derive(Debug, Clone)]
pub struct Tolerance {
    /// For numbers they wrote as strings (compared exactly).
    pub exact: Rational,
    /// For JSON numbers (compared as `f64` with the exact value rounded to `f64`).
    pub float: f64,
}

impl Default for Tolerance {
    /// 0 for exact strings, `1e-12` for JSON numbers.
    fn default() -> Self {
        Tolerance { exact: Rational::zero(), float: 1e-12 }
    }
}

impl Tolerance {
    /// The same tolerance for both kinds of numbers.
    pub fn uniform(x: &Rational) -> Self {
        Tolerance { exact: x.clone(), float: x.to_f64().unwrap_or(f64::INFINITY) }
    }
}

/// How far their number is from the exact one.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// The absolute deviation (for JSON numbers, the exact value of the `f64` difference).
    pub value: Rational,
    /// Whether it was computed exactly (they wrote a string) or in `f64`.
    pub exact: bool,
}

impl Deviation {
    /// The deviation as text: exact `p/q` for strings, the `f64` for numbers.
    pub fn text(&self) -> String {
        if self.exact {
            fmt_exact(&self.value)
        } else {
            Value::from(self.value.to_f64().unwrap_or(f64::NAN)).to_string()
        }
    }

    /// The deviation as a JSON value: a string when exact, a number otherwise.
    pub fn json(&self) -> Value {
        if self.exact {
            fmt_exact(&self.value).into()
        } else {
            Value::from(self.value.to_f64().unwrap_or(f64::NAN))
        }
    }
}

/// One field on which they and the exact policy may differ.
#[derive(Debug, Clone)]
pub struct FieldDiff {
    /// `theta`, `m.<action>`, `posterior.<model>`, `p_im`, `top` or `truth_in_top`.
    pub field: String,
    pub ours: String,
    pub theirs: String,
    /// `None` for fields that are not numbers (`top`, `truth_in_top`), or a NaN.
    pub deviation: Option<Deviation>,
}

/// The first history where they differ beyond the tolerance.
#[derive(Debug, Clone)]
pub struct Difference {
    pub line: usize,
    pub history: Vec<Step>,
    /// Every field of that history that differs beyond the tolerance.
    pub fields: Vec<FieldDiff>,
}

/// The largest deviation of any number they wrote, within the tolerance or not.
#[derive(Debug, Clone)]
pub struct Largest {
    pub deviation: Deviation,
    pub field: String,
    pub line: usize,
    pub history: Vec<Step>,
}

/// What [`diff`] found.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// Histories of length `0..horizon` are expected in their file.
    pub horizon: usize,
    /// Histories they list that are reachable, each compared.
    pub compared: usize,
    /// How many of those differ beyond the tolerance.
    pub differing: usize,
    /// The first, in the order of the listing.
    pub first: Option<Difference>,
    pub largest: Option<Largest>,
    /// Histories they list that have probability zero under the imitator, in
    /// the order of the listing: `(line, history)`.
    pub unreachable: Vec<(usize, Vec<Step>)>,
    /// How many reachable histories of length `< horizon` they do not list.
    pub missing: usize,
    /// The first few of those, in the order of the listing.
    pub missing_first: Vec<Vec<Step>>,
}

impl DiffReport {
    /// Whether they agree everywhere: nothing differs, nothing unreachable, nothing missing.
    pub fn agrees(&self) -> bool {
        self.differing == 0 && self.unreachable.is_empty() && self.missing == 0
    }
}

/// How many missing histories [`DiffReport::missing_first`] keeps.
pub const MISSING_KEPT: usize = 10;

fn compare(field: String, ours: &Rational, theirs: &Num, tol: &Tolerance) -> (FieldDiff, bool) {
    let (deviation, beyond) = match theirs {
        Num::Exact(r) => {
            let d = (r - ours).abs();
            let beyond = d > tol.exact;
            (Some(Deviation { value: d, exact: true }), beyond)
        }
        Num::Float(x) => {
            let d = (x - ours.to_f64().unwrap_or(f64::NAN)).abs();
            // A NaN difference is never within the tolerance.
            let beyond = d.is_nan() || d > tol.float;
            (Rational::from_float(d).map(|value| Deviation { value, exact: false }), beyond)
        }
    };
    (FieldDiff { field, ours: fmt_exact(ours), theirs: theirs.text(), deviation }, beyond)
}

fn compare_line(s: &Scenario, e: &Entry, t: &TheirLine, tol: &Tolerance) -> Vec<(FieldDiff, bool)> {
    let st = e.state;
    let mut out: Vec<(FieldDiff, bool)> = Vec::new();
    for (a, name) in s.actions.iter().enumerate() {
        out.push(compare(format!("m.{name}"), &st.m[a], &t.m[a], tol));
    }
    out.push(compare("theta".into(), &st.theta, &t.theta, tol));
    if let Some(post) = &t.posterior {
        for (i, m) in s.models.iter().enumerate() {
            out.push(compare(format!("posterior.{}", m.name), &e.posterior[i], &post[i], tol));
        }
    }
    if let Some(p) = &t.p_im {
        out.push(compare("p_im".into(), e.p_im, p, tol));
    }
    let names =
        |v: &[usize]| format!("[{}]", v.iter().map(|&i| s.models[i].name.as_str()).collect::<Vec<_>>().join(", "));
    if let Some(top) = &t.top {
        let mut ours = st.top.clone();
        ours.sort_unstable();
        let fd = FieldDiff { field: "top".into(), ours: names(&ours), theirs: names(top), deviation: None };
        out.push((fd, ours != *top));
    }
    if let Some(b) = t.truth_in_top {
        let fd = FieldDiff {
            field: "truth_in_top".into(),
            ours: st.truth_in_top.to_string(),
            theirs: b.to_string(),
            deviation: None,
        };
        out.push((fd, b != st.truth_in_top));
    }
    out
}

/// Compares their lines with the exact policy of `rule`.
///
/// Every reachable history of length `0..max(horizon, longest of theirs + 1)`
/// is visited in the order of the listing; those they list are compared field
/// by field, those of length `< horizon` they do not list are missing, and
/// what they list that the walk never meets is unreachable. Their lines must
/// name distinct histories (see [`parse_line`]; the caller checks it).
pub fn diff(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    theirs: Vec<TheirLine>,
    horizon: usize,
    tol: &Tolerance,
) -> DiffReport {
    let longest = theirs.iter().map(|t| t.history.len() + 1).max().unwrap_or(0);
    let mut pending: HashMap<Vec<Step>, TheirLine> = theirs.into_iter().map(|t| (t.history.clone(), t)).collect();
    let mut report = DiffReport {
        horizon,
        compared: 0,
        differing: 0,
        first: None,
        largest: None,
        unreachable: Vec::new(),
        missing: 0,
        missing_first: Vec::new(),
    };
    let _ = walk::<()>(s, rule, horizon.max(longest), |e| {
        let Some(t) = pending.remove(e.history) else {
            if e.history.len() < horizon {
                report.missing += 1;
                if report.missing_first.len() < MISSING_KEPT {
                    report.missing_first.push(e.history.to_vec());
                }
            }
            return Ok(());
        };
        report.compared += 1;
        let fields = compare_line(s, e, &t, tol);
        for (fd, _) in &fields {
            if let Some(d) = &fd.deviation {
                if report.largest.as_ref().is_none_or(|l| d.value > l.deviation.value) {
                    report.largest = Some(Largest {
                        deviation: d.clone(),
                        field: fd.field.clone(),
                        line: t.line,
                        history: t.history.clone(),
                    });
                }
            }
        }
        let beyond: Vec<FieldDiff> = fields.into_iter().filter(|(_, b)| *b).map(|(fd, _)| fd).collect();
        if !beyond.is_empty() {
            report.differing += 1;
            if report.first.is_none() {
                report.first = Some(Difference { line: t.line, history: t.history.clone(), fields: beyond });
            }
        }
        Ok(())
    });
    let mut rest: Vec<(usize, Vec<Step>)> = pending.into_values().map(|t| (t.line, t.history)).collect();
    rest.sort_by(|a, b| (a.1.len(), &a.1).cmp(&(b.1.len(), &b.1)));
    report.unreachable = rest;
    report
}
