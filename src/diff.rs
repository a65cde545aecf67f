//! Comparing another implementation of the imitator with the exact policy:
//! reading their policy lines and finding where they depart.
//!
//! [`parse_line`] reads a line written by another implementation (numbers as
//! exact strings or JSON numbers, in the format of `imitator policy`) and
//! [`diff`] compares a file of them with the exact policy, history by history,
//! along the walk of [`crate::engine::histories::walk`]: see [`DiffReport`].

use crate::engine::histories::{walk, Entry, Step};
use crate::imitator::Rule;
use crate::number::{fmt_exact, Rational};
use crate::policy_line::{ByName, PolicyLine};
use crate::scenario::Scenario;
use num_traits::{Signed, ToPrimitive, Zero};
use serde_json::Value;
use std::collections::HashMap;

pub use crate::policy_line::Num;

/// A line of another implementation, resolved against the scenario.
#[derive(Debug, Clone)]
pub struct TheirLine {
    /// 1-based line number in their file.
    pub line: usize,
    /// The history the line is at.
    pub history: Vec<Step>,
    /// `m(a)` in action order.
    pub m: Vec<Num>,
    /// `θ`, the probability of asking.
    pub theta: Num,
    /// The posterior in model order, if they give it.
    pub posterior: Option<Vec<Num>>,
    /// The history's probability under the imitator, if they give it.
    pub p_im: Option<Num>,
    /// The top set as model indices, sorted, if they give it.
    pub top: Option<Vec<usize>>,
    /// Whether the truth is in the top set, if they say.
    pub truth_in_top: Option<bool>,
}

/// Why one line cannot be read (see [`parse_line`]); shown as the message
/// that follows the line's number.
#[derive(Debug, thiserror::Error)]
pub enum ParseLineError {
    /// The line is not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    /// The line is JSON, but not an object.
    #[error("a line must be a JSON object")]
    NotObject,
    /// A field of the wrong shape, missing, given twice or unknown (in a
    /// step): `at` names it as the message shows it, `message` says what is wrong.
    #[error("{at}{message}")]
    Shape {
        /// Where (`theta: `, `history[2]: `), as the message shows it.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A step names an action or observation the scenario does not have.
    #[error("history[{step}]: `{name}` is not one of the {what}s {names:?}")]
    UnknownStepName {
        /// The step's index in the history.
        step: usize,
        /// `action` or `observation`.
        what: &'static str,
        /// The name they wrote.
        name: String,
        /// The scenario's names.
        names: Vec<String>,
    },
    /// A step of a scenario with observations gives none.
    #[error("history[{step}]: missing `observation`")]
    MissingObservation {
        /// The step's index in the history.
        step: usize,
    },
    /// `m` or `posterior` has a key that is no action or model.
    #[error("`{field}`: `{name}` is not one of {names:?}")]
    UnknownKey {
        /// `m` or `posterior`.
        field: &'static str,
        /// The key they wrote.
        name: String,
        /// The names it should be one of.
        names: Vec<String>,
    },
    /// `m` or `posterior` lacks an action or model.
    #[error("`{field}` has no entry for `{name}`")]
    NoEntry {
        /// `m` or `posterior`.
        field: &'static str,
        /// The action or model missing.
        name: String,
    },
    /// `top` names a model the scenario does not have.
    #[error("`top`: `{name}` is not one of the models {names:?}")]
    UnknownModel {
        /// The name they wrote.
        name: String,
        /// The scenario's models.
        names: Vec<String>,
    },
}

/// serde_json's message without its ` at line L column C`.
fn bare(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let place = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&place).map(str::to_string).unwrap_or(text)
}

/// A serde error as the message `diff` has always given for its field.
fn shape(e: serde_path_to_error::Error<serde_json::Error>) -> ParseLineError {
    use serde_path_to_error::Segment;
    let path: Vec<String> = e
        .path()
        .iter()
        .map(|s| match s {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".into(),
        })
        .collect();
    let inner = e.into_inner();
    if !inner.is_data() {
        return ParseLineError::NotJson(inner);
    }
    let message = bare(&inner);
    let wrong_type = message.starts_with("invalid type:");
    let missing = |m: &str| m.strip_prefix("missing field ").map(|k| format!("missing {k}"));
    let duplicate = |m: &str| m.strip_prefix("duplicate field ").map(|k| format!("duplicate key {k}"));
    let (at, message) = match path.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => (String::new(), missing(&message).or_else(|| duplicate(&message)).unwrap_or(message)),
        ["history"] if wrong_type => (String::new(), "`history` must be an array of steps".into()),
        ["history", k] if wrong_type => (format!("history[{k}]: "), "a step must be an object".into()),
        ["history", k] if message == "missing field `query`" => {
            (format!("history[{k}]: "), "`query` must be true or false".into())
        }
        ["history", k] => {
            (format!("history[{k}]: "), missing(&message).or_else(|| duplicate(&message)).unwrap_or(message))
        }
        ["history", k, field] if message.starts_with("unknown field") => (
            format!("history[{k}]: "),
            format!("unknown key `{field}` (a step has `query`, `action` and `observation`)"),
        ),
        ["history", k, "query"] => (format!("history[{k}]: "), format!("`query` {message}")),
        ["history", k, field] => (format!("history[{k}]: "), format!("{field} {message}")),
        [field @ ("m" | "posterior")] if wrong_type => {
            (String::new(), format!("`{field}` must be an object keyed by name"))
        }
        [field @ ("top" | "ranking")] if wrong_type => {
            (String::new(), format!("`{field}` must be an array of model names"))
        }
        [field @ ("top" | "ranking"), _] => (format!("`{field}`: "), format!("model {message}")),
        ["truth_in_top"] => (String::new(), format!("`truth_in_top` {message}")),
        _ => (format!("`{}`: ", path.join(".")), message),
    };
    ParseLineError::Shape { at, message }
}

/// Reads one line of another implementation (a [`PolicyLine`]). `history`,
/// `m` and `theta` are required; `posterior`, `p_im`, `top` and
/// `truth_in_top` are compared when present; `ranking` is read but not
/// compared, other keys are ignored. A step's `observation` may be left out
/// when the scenario has a single observation. A key given twice is refused.
pub fn parse_line(s: &Scenario, text: &str, line: usize) -> Result<TheirLine, ParseLineError> {
    if !text.trim_start().starts_with('{') {
        // Not an object: say whether it is JSON at all.
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(e) => ParseLineError::NotJson(e),
            Ok(_) => ParseLineError::NotObject,
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let raw: PolicyLine = serde_path_to_error::deserialize(&mut de).map_err(shape)?;
    de.end().map_err(ParseLineError::NotJson)?;
    let model_names: Vec<String> = s.models.iter().map(|m| m.name.clone()).collect();
    let position = |names: &[String], name: &str| names.iter().position(|n| n == name);
    let mut history = Vec::with_capacity(raw.history.len());
    for (step, st) in raw.history.iter().enumerate() {
        let unknown = |what, names: &[String], name: &str| ParseLineError::UnknownStepName {
            step,
            what,
            name: name.to_string(),
            names: names.to_vec(),
        };
        let action = position(&s.actions, &st.action).ok_or_else(|| unknown("action", &s.actions, &st.action))?;
        let observation = match &st.observation {
            Some(o) => position(&s.observations, o).ok_or_else(|| unknown("observation", &s.observations, o))?,
            None if s.observations.len() == 1 => 0,
            None => return Err(ParseLineError::MissingObservation { step }),
        };
        history.push(Step { queried: st.query, action, observation });
    }
    let by_name = |field: &'static str, given: ByName<'_, Num>, names: &[String]| {
        if let Some((k, _)) = given.0.iter().find(|(k, _)| !names.iter().any(|n| n == k)) {
            return Err(ParseLineError::UnknownKey { field, name: k.to_string(), names: names.to_vec() });
        }
        let mut given = given.0;
        names
            .iter()
            .map(|n| match given.iter().position(|(k, _)| k == n) {
                Some(i) => Ok(given.swap_remove(i).1),
                None => Err(ParseLineError::NoEntry { field, name: n.clone() }),
            })
            .collect::<Result<Vec<Num>, _>>()
    };
    let m = by_name("m", raw.m, &s.actions)?;
    let posterior = raw.posterior.map(|p| by_name("posterior", p, &model_names)).transpose()?;
    let top = match raw.top {
        Some(list) => {
            let mut idx = list
                .iter()
                .map(|n| {
                    position(&model_names, n)
                        .ok_or_else(|| ParseLineError::UnknownModel { name: n.to_string(), names: model_names.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            idx.sort_unstable();
            Some(idx)
        }
        None => None,
    };
    Ok(TheirLine { line, history, m, theta: raw.theta, posterior, p_im: raw.p_im, top, truth_in_top: raw.truth_in_top })
}

/// Why a line of their file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters, where it is known.
    pub column: Option<usize>,
    /// What is wrong with the line.
    pub message: String,
    /// For a history too long for the comparison: the depth that would
    /// compare it, when there is one (a front end says how to ask for it).
    pub deeper: Option<usize>,
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
    read_lines_from(s, bytes, horizon)
}

/// [`read_lines`] from a reader, line by line: a line longer than
/// [`crate::limits::MAX_POLICY_LINE_BYTES`] is refused once that much of it
/// has been read, and a file of more than [`crate::limits::MAX_HISTORIES`]
/// lines once the next one comes, so that no input (an endless stream such
/// as `/dev/zero`) is held whole.
pub fn read_lines_from(
    s: &Scenario,
    mut reader: impl std::io::BufRead,
    horizon: usize,
) -> Result<Vec<TheirLine>, LineError> {
    use crate::limits::{MAX_HISTORIES, MAX_POLICY_LINE_BYTES};
    use std::io::{BufRead, Read};
    let mut lines = Lines { s, horizon, theirs: Vec::new(), seen: HashMap::new() };
    let mut raw = Vec::new();
    for line in 1.. {
        raw.clear();
        let at = |message: String| LineError { line, column: None, message, deeper: None };
        let n = (&mut reader)
            .take(MAX_POLICY_LINE_BYTES + 1)
            .read_until(b'\n', &mut raw)
            .map_err(|e| at(format!("cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        let ended = raw.last() == Some(&b'\n');
        if ended {
            raw.pop();
        }
        if raw.len() as u64 > MAX_POLICY_LINE_BYTES || (!ended && n as u64 > MAX_POLICY_LINE_BYTES) {
            return Err(at(format!(
                "the line is longer than {MAX_POLICY_LINE_BYTES} bytes, the longest policy line imitator reads \
                 (limits::MAX_POLICY_LINE_BYTES)"
            )));
        }
        if lines.theirs.len() as u64 >= MAX_HISTORIES && !raw.trim_ascii().is_empty() {
            return Err(at(format!(
                "more than {MAX_HISTORIES} lines, the most histories imitator compares (limits::MAX_HISTORIES)"
            )));
        }
        lines.add(line, &raw)?;
    }
    Ok(lines.theirs)
}

/// The lines read so far, and the histories they name.
struct Lines<'a> {
    s: &'a Scenario,
    horizon: usize,
    theirs: Vec<TheirLine>,
    seen: HashMap<Vec<Step>, usize>,
}

impl Lines<'_> {
    /// Reads line number `line` (without its `\n`).
    fn add(&mut self, line: usize, raw: &[u8]) -> Result<(), LineError> {
        let horizon = self.horizon;
        let at = |message: String| LineError { line, column: None, message, deeper: None };
        let text = std::str::from_utf8(raw).map_err(|e| {
            let valid = &raw[..e.valid_up_to()];
            let column = std::str::from_utf8(valid).map_or(0, |v| v.chars().count()) + 1;
            let byte = raw[e.valid_up_to()];
            LineError {
                line,
                column: Some(column),
                message: format!("not UTF-8: an invalid byte sequence starts with 0x{byte:02x} here"),
                deeper: None,
            }
        })?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.trim().is_empty() {
            return Ok(());
        }
        let t = parse_line(self.s, text, line).map_err(|e| at(e.to_string()))?;
        if t.history.len() >= horizon {
            let steps = t.history.len();
            let deeper = (steps < crate::limits::MAX_DEPTH).then_some(steps + 1);
            let why = match deeper {
                Some(_) => String::new(),
                None => format!(
                    "; no comparison goes that deep: {} steps is the longest history at the deepest horizon, {} \
                     (limits::MAX_DEPTH)",
                    crate::limits::MAX_DEPTH - 1,
                    crate::limits::MAX_DEPTH
                ),
            };
            let message = format!(
                "the history has {steps} steps, but the comparison is at depth {horizon}, of histories of 0 to {} \
                 steps{why}",
                horizon - 1,
            );
            return Err(LineError { line, column: None, message, deeper });
        }
        if let Some(prev) = self.seen.insert(t.history.clone(), line) {
            return Err(at(format!("the same history as line {prev}")));
        }
        self.theirs.push(t);
        Ok(())
    }
}

/// How far one of their numbers may be from ours and still agree: it agrees
/// when it is within `absolute` of ours **or** within `relative · |ours|`.
/// Both are exact rationals, and the deviation is computed exactly (a JSON
/// number is taken as the exact value of its `f64`).
#[derive(Debug, Clone, PartialEq)]
pub struct Within {
    /// The largest absolute deviation accepted.
    pub absolute: Rational,
    /// The largest deviation accepted, as a fraction of our value.
    pub relative: Rational,
}

impl Within {
    /// Whether a deviation `d` from our value `ours` is accepted.
    pub fn accepts(&self, d: &Rational, ours: &Rational) -> bool {
        *d <= self.absolute || *d <= &self.relative * ours.abs()
    }
}

/// How far apart two numbers may be and still agree: see [`Within`].
///
/// Numbers they wrote as strings are exact and held to 0 by default. JSON
/// numbers are floats: by default they are held to a relative `10⁻¹²` (so that
/// a probability of `10⁻²⁰` off by a factor of 100 is caught, which no
/// absolute tolerance can promise), and `θ`, which floats can only compute
/// as `1 − Σ m(a)` and so know to about `10⁻¹⁶` absolutely, also to an
/// absolute `10⁻¹²` (a correct float implementation writes `θ = 1e-17` where
/// the exact value is 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerance {
    /// For numbers they wrote as strings (compared exactly).
    pub exact: Within,
    /// For JSON numbers other than `θ`.
    pub float: Within,
    /// For `θ` written as a JSON number.
    pub float_theta: Within,
}

/// `10⁻¹²`, the default tolerance of JSON numbers (relative, and absolute for `θ`).
pub fn float_default() -> Rational {
    Rational::new(1.into(), num_bigint::BigInt::from(10u64).pow(12))
}

impl Default for Tolerance {
    /// 0 for exact strings; for JSON numbers relative `10⁻¹²`, and for `θ` also absolute `10⁻¹²`.
    fn default() -> Self {
        let zero = Within { absolute: Rational::zero(), relative: Rational::zero() };
        let rel = Within { absolute: Rational::zero(), relative: float_default() };
        Tolerance {
            exact: zero,
            float: rel,
            float_theta: Within { absolute: float_default(), relative: float_default() },
        }
    }
}

impl Tolerance {
    /// The default, with the absolute tolerance `x` for every number of both kinds (`--tolerance`).
    pub fn uniform(x: &Rational) -> Self {
        Tolerance::default().with_absolute(x)
    }

    /// This tolerance with the absolute tolerance `x` for every number of both kinds.
    pub fn with_absolute(mut self, x: &Rational) -> Self {
        for w in [&mut self.exact, &mut self.float, &mut self.float_theta] {
            w.absolute = x.clone();
        }
        self
    }

    /// This tolerance with the relative tolerance `r` for every number of both kinds (`--rel-tolerance`).
    pub fn with_relative(mut self, r: &Rational) -> Self {
        for w in [&mut self.exact, &mut self.float, &mut self.float_theta] {
            w.relative = r.clone();
        }
        self
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
    /// Our exact value, as the policy line writes it.
    pub ours: String,
    /// Their value, as they wrote it.
    pub theirs: String,
    /// `None` for fields that are not numbers (`top`, `truth_in_top`), or a NaN.
    pub deviation: Option<Deviation>,
    /// For a set of models (`top`): ours and theirs as lists of model names, in
    /// declaration order (`ours` and `theirs` hold the same as text).
    pub sets: Option<[Vec<String>; 2]>,
}

/// The first history where they differ beyond the tolerance.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The line of their file.
    pub line: usize,
    /// The history it is at.
    pub history: Vec<Step>,
    /// Every field of that history that differs beyond the tolerance.
    pub fields: Vec<FieldDiff>,
}

/// The largest deviation of any number they wrote, within the tolerance or not.
#[derive(Debug, Clone)]
pub struct Largest {
    /// How far it is from ours.
    pub deviation: Deviation,
    /// Which field (`theta`, `m.<action>`, …).
    pub field: String,
    /// The line of their file.
    pub line: usize,
    /// The history it is at.
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
    /// The largest deviation of any number they wrote.
    pub largest: Option<Largest>,
    /// Histories they list that have probability zero under the imitator, in
    /// the order of the listing: `(line, history)`.
    pub unreachable: Vec<(usize, Vec<Step>)>,
    /// How many reachable histories of length `< horizon` they do not list.
    pub missing: usize,
    /// The first few of those, in the order of the listing.
    pub missing_first: Vec<Vec<Step>>,
    /// The depth their file reaches: its longest history's steps plus one
    /// (`None` for a file of no lines). When it is below `horizon`, their file
    /// stops short of the comparison, and a front end says how to compare at
    /// their depth.
    pub their_depth: Option<usize>,
    /// Whether only the histories they list were compared ([`diff_listed`]):
    /// then `missing` counts the histories asked for and not answered.
    pub listed_only: bool,
}

impl DiffReport {
    fn new(horizon: usize, their_depth: Option<usize>, listed_only: bool) -> Self {
        DiffReport {
            horizon,
            compared: 0,
            differing: 0,
            first: None,
            largest: None,
            unreachable: Vec::new(),
            missing: 0,
            missing_first: Vec::new(),
            their_depth,
            listed_only,
        }
    }

    /// Compares their line `t` with the exact values `e` at its history.
    fn judge(&mut self, s: &Scenario, e: &Entry, t: &TheirLine, tol: &Tolerance) {
        self.compared += 1;
        let fields = compare_line(s, e, t, tol);
        for (fd, _) in &fields {
            if let Some(d) = &fd.deviation {
                if self.largest.as_ref().is_none_or(|l| d.value > l.deviation.value) {
                    self.largest = Some(Largest {
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
            self.differing += 1;
            // The first in the order of the listing (by length, then lexicographically).
            let earlier = |d: &Difference| (t.history.len(), &t.history) < (d.history.len(), &d.history);
            if self.first.as_ref().is_none_or(earlier) {
                self.first = Some(Difference { line: t.line, history: t.history.clone(), fields: beyond });
            }
        }
    }

    /// Whether their file stops short of the comparison: its longest history
    /// is shorter than the horizon's, and some reachable history is missing.
    /// Returns the depth their file reaches (what `--depth` would compare).
    pub fn stops_short(&self) -> Option<usize> {
        match self.their_depth {
            Some(d) if !self.listed_only && d < self.horizon && self.missing > 0 => Some(d),
            _ => None,
        }
    }
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
            let beyond = !tol.exact.accepts(&d, ours);
            (Some(Deviation { value: d, exact: true }), beyond)
        }
        Num::Float(x) => {
            // Shown as the f64 difference; judged on the exact difference from the f64 they wrote.
            let d = (x - ours.to_f64().unwrap_or(f64::NAN)).abs();
            let within = if field == "theta" { &tol.float_theta } else { &tol.float };
            // A NaN or an infinity is never within the tolerance.
            let beyond = match Rational::from_float(*x) {
                Some(exact) => !within.accepts(&(exact - ours).abs(), ours),
                None => true,
            };
            (Rational::from_float(d).map(|value| Deviation { value, exact: false }), beyond)
        }
    };
    (FieldDiff { field, ours: fmt_exact(ours), theirs: theirs.text(), deviation, sets: None }, beyond)
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
        let list = |v: &[usize]| v.iter().map(|&i| s.models[i].name.clone()).collect::<Vec<_>>();
        let fd = FieldDiff {
            field: "top".into(),
            ours: names(&ours),
            theirs: names(top),
            deviation: None,
            sets: Some([list(&ours), list(top)]),
        };
        out.push((fd, ours != *top));
    }
    if let Some(b) = t.truth_in_top {
        let fd = FieldDiff {
            field: "truth_in_top".into(),
            ours: st.truth_in_top.to_string(),
            theirs: b.to_string(),
            deviation: None,
            sets: None,
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
    let their_depth = (!theirs.is_empty()).then_some(longest);
    let mut pending: HashMap<Vec<Step>, TheirLine> = theirs.into_iter().map(|t| (t.history.clone(), t)).collect();
    let mut report = DiffReport::new(horizon, their_depth, false);
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
        report.judge(s, e, &t, tol);
        Ok(())
    });
    let mut rest: Vec<(usize, Vec<Step>)> = pending.into_values().map(|t| (t.line, t.history)).collect();
    rest.sort_by(|a, b| (a.1.len(), &a.1).cmp(&(b.1.len(), &b.1)));
    report.unreachable = rest;
    report
}

/// Compares only the histories they list (and, when `asked` is given, counts
/// as missing each asked history they do not answer), at any depth: each
/// listed history is followed step by step ([`crate::sampled::Cursor`]) rather
/// than found in a listing of every reachable history, so a file of histories
/// sampled at depth 1000 (`policy --sample`) is checked in time linear in its
/// size. The values compared are those [`diff`] would compare.
///
/// The first difference is the one at the shortest history (then the first in
/// the order of the listing), as in [`diff`]. The state space built along the
/// way may hold about `max_memory` bytes.
pub fn diff_listed(
    s: &Scenario,
    rule: &dyn Rule<Rational>,
    mut theirs: Vec<TheirLine>,
    asked: Option<&[Vec<Step>]>,
    tol: &Tolerance,
    max_memory: u64,
) -> Result<DiffReport, crate::limits::LimitError> {
    let longest = theirs.iter().map(|t| t.history.len() + 1).max().unwrap_or(0);
    let their_depth = (!theirs.is_empty()).then_some(longest);
    let horizon = longest.max(asked.map_or(0, |a| a.iter().map(|h| h.len() + 1).max().unwrap_or(0)));
    let mut report = DiffReport::new(horizon, their_depth, true);
    // Lexicographically, every history right after its prefixes: the cursor
    // moves one step from each line to the next along a path (where in the
    // order of the listing it would climb down from the root each time).
    theirs.sort_by(|a, b| a.history.cmp(&b.history));
    let mut cursor = crate::sampled::Cursor::new(s, rule, max_memory);
    let mut unreachable = Vec::new();
    for t in &theirs {
        if cursor.seek(&t.history)? < t.history.len() {
            unreachable.push((t.line, t.history.clone()));
        } else {
            report.judge(s, &cursor.entry(), t, tol);
        }
    }
    unreachable.sort_by(|a, b| (a.1.len(), &a.1).cmp(&(b.1.len(), &b.1)));
    report.unreachable = unreachable;
    if let Some(asked) = asked {
        let answered: std::collections::HashSet<&[Step]> = theirs.iter().map(|t| t.history.as_slice()).collect();
        let mut missing: Vec<&Vec<Step>> = asked.iter().filter(|h| !answered.contains(h.as_slice())).collect();
        missing.sort_by(|a, b| (a.len(), *a).cmp(&(b.len(), *b)));
        missing.dedup();
        report.missing = missing.len();
        report.missing_first = missing.into_iter().take(MISSING_KEPT).map(|h| h.to_vec()).collect();
    }
    Ok(report)
}
