//! Scenario files (`docs/scenario.md`): TOML → [`Scenario`], with every validation and
//! errors that name the file, the key, and the line and column.
//!
//! Numbers are read exactly (`"1/3"`, `"2"`, `"0.1"`, TOML integers); TOML
//! floats are refused, because `0.1` as a float is not 1/10.

use crate::environment::{AfterActionEnvironment, Environment, IidEnvironment};
use crate::event::{Event, EventKind};
use crate::model::{DemonstratorModel, Iid, LastStep, Markov, Model};
use crate::number::{fmt_exact, in_unit_interval, parse_rational, Rational};
use num_traits::{One, Signed, Zero};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// A parsed and validated scenario: a model class, its truth, an environment and events.
#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub actions: Vec<String>,
    pub observations: Vec<String>,
    /// The α of the top-set rule, `0 < α < 1`.
    pub alpha: Rational,
    /// The default horizon, if the file gives one.
    pub depth: Option<usize>,
    /// Index of the true demonstrator in `models`.
    pub truth: usize,
    /// The model class in declaration order (the order breaks ranking ties).
    pub models: Vec<Model>,
    pub environment: Box<dyn Environment>,
    pub events: Vec<Event>,
}

impl Scenario {
    /// The normalized prior weight of the truth, `w(μ)`.
    pub fn truth_weight(&self) -> &Rational {
        &self.models[self.truth].prior
    }

    /// Reads and validates a scenario file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| ScenarioError::Io { file: file.clone(), message: e.to_string() })?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Scenario::parse_bytes(&bytes, &file, &stem)
    }

    /// Parses scenario bytes: [`Scenario::parse`] once they are known to be UTF-8.
    /// Bytes that are not UTF-8 are an error at the line and column of the first bad byte.
    pub fn parse_bytes(bytes: &[u8], file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
        match std::str::from_utf8(bytes) {
            Ok(source) => Scenario::parse(source, file, default_name),
            Err(e) => {
                let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("the valid prefix is UTF-8");
                let ctx = Ctx { source: valid, file };
                let key = key_at(valid, valid.len()).unwrap_or_else(|| "(document)".into());
                let byte = bytes[e.valid_up_to()];
                Err(ctx.err(
                    &key,
                    valid.len()..valid.len(),
                    format!("the file is not UTF-8: an invalid byte sequence starts with 0x{byte:02x} here"),
                ))
            }
        }
    }

    /// Parses scenario text; `file` names it in errors, `default_name` is used when it has no `name`.
    pub fn parse(source: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
        let ctx = Ctx { source, file };
        let raw: RawScenario = serde_path_to_error::deserialize(toml::Deserializer::new(source)).map_err(|e| {
            let path = clean_path(&e.path().to_string());
            let inner = e.into_inner();
            let span = inner.span().unwrap_or(0..0);
            let mut message = inner.message().trim().to_string();
            if message.is_empty() {
                message = reason_at(source, span.start);
            }
            let key = if path.is_empty() || path == "." {
                // The TOML parser gives a position but no key: read the key off the text.
                missing_field(&message).or_else(|| key_at(source, span.start)).unwrap_or_else(|| "(document)".into())
            } else {
                path
            };
            ctx.err(&key, span, message)
        })?;
        build(raw, &ctx, default_name)
    }

    /// Writes the scenario back as a TOML file that parses to the same scenario.
    pub fn to_toml(&self) -> String {
        use std::fmt::Write;
        let q = |s: &str| format!("{s:?}");
        let list = |v: &[Rational]| format!("[{}]", v.iter().map(|r| q(&fmt_exact(r))).collect::<Vec<_>>().join(", "));
        let names = |v: &[String]| format!("[{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "));
        let mut out = String::new();
        let _ = writeln!(out, "name = {}", q(&self.name));
        let _ = writeln!(out, "actions = {}", names(&self.actions));
        let _ = writeln!(out, "observations = {}", names(&self.observations));
        let _ = writeln!(out, "alpha = {}", q(&fmt_exact(&self.alpha)));
        if let Some(d) = self.depth {
            let _ = writeln!(out, "depth = {d}");
        }
        let _ = writeln!(out, "truth = {}", q(&self.models[self.truth].name));
        for m in &self.models {
            let _ = writeln!(out, "\n[[models]]\nname = {}\nprior = {}", q(&m.name), q(&fmt_exact(&m.prior)));
            let k = &m.kind;
            match k.reads() {
                "nothing" => {
                    let _ = writeln!(out, "iid = {}", list(k.distribution(0)));
                }
                reads => {
                    let (key, labels) = if reads == "the last action" {
                        ("after_action", &self.actions)
                    } else {
                        ("after_observation", &self.observations)
                    };
                    let _ = writeln!(out, "start = {}", list(k.distribution(0)));
                    let body: Vec<String> = labels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| format!("{} = {}", q(l), list(k.distribution(1 + i))))
                        .collect();
                    let _ = writeln!(out, "{key} = {{ {} }}", body.join(", "));
                }
            }
        }
        let env = &self.environment;
        let dists: Vec<&[Rational]> = (0..self.actions.len()).map(|a| env.distribution(0, a)).collect();
        if dists.iter().any(|d| *d != dists[0]) {
            let body: Vec<String> =
                self.actions.iter().zip(&dists).map(|(a, d)| format!("{} = {}", q(a), list(d))).collect();
            let _ = writeln!(out, "\n[environment]\nafter_action = {{ {} }}", body.join(", "));
        } else if self.observations.len() > 1 {
            let _ = writeln!(out, "\n[environment]\niid = {}", list(dists[0]));
        }
        for e in &self.events {
            let _ = writeln!(out, "\n[[events]]\nname = {}", q(&e.name));
            match &e.kind {
                EventKind::AtLeast { action, count } => {
                    let _ = writeln!(out, "action = {}\nat_least = {count}", q(&self.actions[*action]));
                }
                EventKind::AtStep { action, step } => {
                    let _ = writeln!(out, "action = {}\nat_step = {step}", q(&self.actions[*action]));
                }
                EventKind::Prefix { actions } => {
                    let v: Vec<String> = actions.iter().map(|&a| self.actions[a].clone()).collect();
                    let _ = writeln!(out, "prefix = {}", names(&v));
                }
            }
        }
        out
    }
}

/// Why a scenario could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// The file could not be read.
    Io { file: String, message: String },
    /// The file is not a valid scenario: which key, where, and why.
    Invalid { file: String, key: String, line: usize, column: usize, message: String },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { file, message } => write!(f, "{file}: cannot read the scenario file: {message}"),
            ScenarioError::Invalid { file, key, line, column, message } => {
                write!(f, "{file}:{line}:{column}: key `{key}`: {message}")
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

struct Ctx<'a> {
    source: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, key: &str, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        let (line, column) = line_column(self.source, span.start);
        ScenarioError::Invalid {
            file: self.file.to_string(),
            key: crate::limits::excerpt(key),
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// A reason for a TOML error that came without one, from the character where it is.
fn reason_at(source: &str, offset: usize) -> String {
    match source.get(offset..).and_then(|rest| rest.chars().next()) {
        Some('\r') => "a carriage return (\\r) must be followed by a line feed (\\n)".into(),
        Some(c) if c.is_control() => format!("the control character U+{:04X} is not allowed here", c as u32),
        Some(c) => format!("`{c}` is not valid TOML here"),
        None => "the file ends where TOML expects more".into(),
    }
}

/// A value [`key_at`] is inside of.
enum Frame {
    /// An array: the index of the current element.
    Array(usize),
    /// An inline table: its current key, once its `=` is read.
    Table(Option<String>),
}

/// The dotted key (as serde names it: `models[1].prior`, `depth`) of the value
/// at byte `offset` of a TOML text, as far as a light scan can tell: the TOML
/// parser reports syntax errors (a number too large, a bad string) with a
/// position but no key. `None` when the position is outside any key.
fn key_at(source: &str, offset: usize) -> Option<String> {
    let b = source.as_bytes();
    let end = offset.min(b.len());
    let mut table = String::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut key: Option<String> = None;
    let mut pending = String::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut i = 0;
    // Whether the scan is where a key is written (at the start of a line, or after `{` or `,` in an inline table).
    let awaiting_key = |frames: &[Frame], key: &Option<String>| match frames.last() {
        None => key.is_none(),
        Some(Frame::Table(k)) => k.is_none(),
        Some(Frame::Array(_)) => false,
    };
    while i < end {
        let c = b[i];
        match c {
            b'#' => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' => {
                if frames.is_empty() {
                    key = None;
                    pending.clear();
                }
                i += 1;
            }
            b'"' | b'\'' => {
                let triple = b[i..].starts_with(if c == b'"' { b"\"\"\"" } else { b"\'\'\'" });
                let open = if triple { 3 } else { 1 };
                let mut j = i + open;
                loop {
                    if j >= b.len() {
                        return join_key(&table, &key, &frames, &pending);
                    }
                    if c == b'"' && b[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if b[j] == c && (!triple || b[j..].starts_with(&b[i..i + 3])) {
                        break;
                    }
                    if !triple && b[j] == b'\n' {
                        break;
                    }
                    j += 1;
                }
                let close = j + open;
                if close > end {
                    // The position is inside this string.
                    break;
                }
                if awaiting_key(&frames, &key) {
                    pending.push_str(&source[i + open..j]);
                }
                i = close;
            }
            b'[' if frames.is_empty() && key.is_none() && pending.is_empty() => {
                let array = b.get(i + 1) == Some(&b'[');
                let start = i + if array { 2 } else { 1 };
                let line = source[start..].split('\n').next().unwrap_or("");
                let len = line.find(']')?;
                if start + len >= end {
                    return None;
                }
                let name: String = source[start..start + len].trim().replace(['"', '\''], "");
                table = if array {
                    let n = counts.entry(name.clone()).or_insert(0);
                    *n += 1;
                    format!("{name}[{}]", *n - 1)
                } else {
                    name
                };
                i = start + len + if array { 2 } else { 1 };
            }
            b'[' => {
                frames.push(Frame::Array(0));
                i += 1;
            }
            b'{' => {
                frames.push(Frame::Table(None));
                pending.clear();
                i += 1;
            }
            b']' | b'}' => {
                frames.pop();
                i += 1;
            }
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Array(n)) => *n += 1,
                    Some(Frame::Table(k)) => {
                        *k = None;
                        pending.clear();
                    }
                    None => {}
                }
                i += 1;
            }
            b'=' => {
                if awaiting_key(&frames, &key) {
                    let k = std::mem::take(&mut pending);
                    match frames.last_mut() {
                        Some(Frame::Table(slot)) => *slot = Some(k),
                        _ => key = Some(k),
                    }
                }
                i += 1;
            }
            _ => {
                if awaiting_key(&frames, &key) && !c.is_ascii_whitespace() {
                    pending.push(c as char);
                }
                i += 1;
            }
        }
    }
    // At the start of a key (say, one written twice), the key is the one that follows.
    if pending.is_empty() && awaiting_key(&frames, &key) {
        let line = source.get(end..).unwrap_or("").split('\n').next().unwrap_or("");
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim().replace(['"', '\''], "");
            if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || "_-. ".contains(c)) {
                pending = k;
            }
        }
    }
    join_key(&table, &key, &frames, &pending)
}

/// Joins what [`key_at`] found into one dotted key: the table, the key, then
/// an index per array and a key per inline table; a key still being read counts.
fn join_key(table: &str, key: &Option<String>, frames: &[Frame], pending: &str) -> Option<String> {
    let mut out = table.to_string();
    let push = |out: &mut String, segment: &str| {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(segment);
    };
    match key {
        Some(k) => push(&mut out, k),
        None if !pending.is_empty() => push(&mut out, pending),
        None => {}
    }
    for f in frames {
        match f {
            Frame::Array(n) => out.push_str(&format!("[{n}]")),
            Frame::Table(Some(k)) => push(&mut out, k),
            Frame::Table(None) if !pending.is_empty() => push(&mut out, pending),
            Frame::Table(None) => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

fn clean_path(path: &str) -> String {
    path.replace(".$__serde_spanned_private_value", "").replace("$__serde_spanned_private_value", "")
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

/// A number as written in a scenario: a string read exactly, or a TOML integer.
#[derive(Debug, Clone)]
struct Num(Rational);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a number as a string (\"1/3\", \"0.25\") or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Num, E> {
                parse_rational(s).map(Num).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Num, E> {
                Ok(Num(Rational::from_integer(n.into())))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Num, E> {
                Ok(Num(Rational::from_integer(n.into())))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Num, E> {
                if !x.is_finite() {
                    return Err(E::custom(format!(
                        "{x} is a TOML float and not a number: write an exact number, as a fraction \"p/q\" \
                         (e.g. \"1/3\"), an integer (\"2\") or a decimal (\"0.25\")"
                    )));
                }
                Err(E::custom(format!(
                    "{x} is a TOML float, which is not exact: quote it, e.g. \"{x}\" or as a fraction \"p/q\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

type Dist = Spanned<Vec<Num>>;
type DistMap = Spanned<BTreeMap<String, Dist>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<Spanned<String>>,
    actions: Spanned<Vec<Spanned<String>>>,
    observations: Option<Spanned<Vec<Spanned<String>>>>,
    alpha: Spanned<Num>,
    depth: Option<Spanned<i64>>,
    truth: Spanned<String>,
    models: Spanned<Vec<RawModel>>,
    environment: Option<Spanned<RawEnvironment>>,
    #[serde(default)]
    events: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Spanned<String>,
    prior: Spanned<Num>,
    iid: Option<Dist>,
    start: Option<Dist>,
    after_action: Option<DistMap>,
    after_observation: Option<DistMap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    iid: Option<Dist>,
    after_action: Option<DistMap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    name: Spanned<String>,
    action: Option<Spanned<String>>,
    at_least: Option<Spanned<i64>>,
    at_step: Option<Spanned<i64>>,
    prefix: Option<Spanned<Vec<Spanned<String>>>>,
}

fn names(list: &Spanned<Vec<Spanned<String>>>, key: &str, ctx: &Ctx) -> Result<Vec<String>, ScenarioError> {
    if list.get_ref().is_empty() {
        return Err(ctx.err(key, list.span(), "must list at least one name"));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, n) in list.get_ref().iter().enumerate() {
        if n.get_ref().is_empty() {
            return Err(ctx.err(&format!("{key}[{i}]"), n.span(), "a name must not be empty"));
        }
        if !seen.insert(n.get_ref().clone()) {
            return Err(ctx.err(&format!("{key}[{i}]"), n.span(), format!("duplicate name `{}`", n.get_ref())));
        }
        out.push(n.get_ref().clone());
    }
    Ok(out)
}

/// Checks one distribution: its length, each entry in [0, 1], the sum exactly 1.
fn distribution(d: &Dist, len: usize, what: &str, key: &str, ctx: &Ctx) -> Result<Vec<Rational>, ScenarioError> {
    let v: Vec<Rational> = d.get_ref().iter().map(|n| n.0.clone()).collect();
    if v.len() != len {
        return Err(ctx.err(
            key,
            d.span(),
            format!(
                "has {} entries but there are {len} {what}: give one probability per {}",
                v.len(),
                what.trim_end_matches('s')
            ),
        ));
    }
    if let Some((i, r)) = v.iter().enumerate().find(|(_, r)| !in_unit_interval(r)) {
        return Err(ctx.err(key, d.span(), format!("entry {i} is {}, outside [0, 1]", fmt_exact(r))));
    }
    let sum: Rational = v.iter().fold(Rational::zero(), |s, r| s + r);
    if !sum.is_one() {
        return Err(ctx.err(key, d.span(), format!("sums to {}, not exactly 1", fmt_exact(&sum))));
    }
    Ok(v)
}

/// Reads a table keyed by names (`after_action`, `after_observation`): every name once, no other key.
fn by_name(
    map: &DistMap,
    labels: &[String],
    len: usize,
    what: &str,
    key: &str,
    ctx: &Ctx,
) -> Result<Vec<Vec<Rational>>, ScenarioError> {
    for k in map.get_ref().keys() {
        if !labels.contains(k) {
            return Err(ctx.err(&format!("{key}.{k}"), map.span(), format!("`{k}` is not one of {labels:?}")));
        }
    }
    labels
        .iter()
        .map(|l| match map.get_ref().get(l) {
            Some(d) => distribution(d, len, what, &format!("{key}.{l}"), ctx),
            None => {
                Err(ctx.err(key, map.span(), format!("has no entry for `{l}`: give one for every one of {labels:?}")))
            }
        })
        .collect()
}

fn build(raw: RawScenario, ctx: &Ctx, default_name: &str) -> Result<Scenario, ScenarioError> {
    let actions = names(&raw.actions, "actions", ctx)?;
    let observations = match &raw.observations {
        Some(o) => names(o, "observations", ctx)?,
        None => vec!["-".to_string()],
    };
    let alpha = raw.alpha.get_ref().0.clone();
    if !(alpha.is_positive() && alpha < Rational::one()) {
        return Err(ctx.err(
            "alpha",
            raw.alpha.span(),
            format!("is {}, but must satisfy 0 < alpha < 1", fmt_exact(&alpha)),
        ));
    }
    let depth = match &raw.depth {
        Some(d) if *d.get_ref() < 1 => {
            return Err(ctx.err("depth", d.span(), format!("is {}, but must be at least 1", d.get_ref())))
        }
        Some(d) => Some(*d.get_ref() as usize),
        None => None,
    };
    if raw.models.get_ref().is_empty() {
        return Err(ctx.err("models", raw.models.span(), "declare at least one [[models]]"));
    }
    let na = actions.len();
    let mut seen = HashSet::new();
    let mut models = Vec::new();
    for (i, m) in raw.models.get_ref().iter().enumerate() {
        let key = |k: &str| format!("models[{i}].{k}");
        let name = m.name.get_ref().clone();
        if name.is_empty() {
            return Err(ctx.err(&key("name"), m.name.span(), "a name must not be empty"));
        }
        if !seen.insert(name.clone()) {
            return Err(ctx.err(&key("name"), m.name.span(), format!("duplicate model name `{name}`")));
        }
        let prior = m.prior.get_ref().0.clone();
        if !prior.is_positive() {
            return Err(ctx.err(
                &key("prior"),
                m.prior.span(),
                format!("is {}, but a prior must be > 0", fmt_exact(&prior)),
            ));
        }
        let kind: Box<dyn DemonstratorModel> = match (&m.iid, &m.start, &m.after_action, &m.after_observation) {
            (Some(d), None, None, None) => Box::new(Iid { probs: distribution(d, na, "actions", &key("iid"), ctx)? }),
            (None, Some(s), Some(t), None) => Box::new(Markov {
                reads: LastStep::Action,
                start: distribution(s, na, "actions", &key("start"), ctx)?,
                after: by_name(t, &actions, na, "actions", &key("after_action"), ctx)?,
            }),
            (None, Some(s), None, Some(t)) => Box::new(Markov {
                reads: LastStep::Observation,
                start: distribution(s, na, "actions", &key("start"), ctx)?,
                after: by_name(t, &observations, na, "actions", &key("after_observation"), ctx)?,
            }),
            _ => {
                return Err(ctx.err(
                    &format!("models[{i}]"),
                    m.name.span(),
                    format!("model `{name}` must have exactly one of: `iid`; `start` with `after_action`; `start` with `after_observation`"),
                ))
            }
        };
        models.push(Model { name, prior, kind });
    }
    // Each prior over their sum (the sum taken once over a common denominator:
    // adding and dividing rationals one at a time takes a long gcd each).
    let priors: Vec<Rational> = models.iter().map(|m| m.prior.clone()).collect();
    let normalized = crate::number::normalize(&priors).expect("priors are positive");
    for (m, p) in models.iter_mut().zip(normalized) {
        m.prior = p;
    }
    let truth = models.iter().position(|m| m.name == *raw.truth.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        ctx.err(
            "truth",
            raw.truth.span(),
            format!("`{}` is not a model; the models are {known:?}", raw.truth.get_ref()),
        )
    })?;
    let no = observations.len();
    let environment: Box<dyn Environment> = match &raw.environment {
        None => Box::new(IidEnvironment::first_observation(no)),
        Some(env) => match (&env.get_ref().iid, &env.get_ref().after_action) {
            (Some(d), None) => {
                Box::new(IidEnvironment { probs: distribution(d, no, "observations", "environment.iid", ctx)? })
            }
            (None, Some(t)) => Box::new(AfterActionEnvironment {
                by_action: by_name(t, &actions, no, "observations", "environment.after_action", ctx)?,
            }),
            _ => return Err(ctx.err("environment", env.span(), "must have exactly one of `iid` or `after_action`")),
        },
    };
    let mut events = Vec::new();
    let mut event_names = HashSet::new();
    for (i, e) in raw.events.iter().enumerate() {
        let key = |k: &str| format!("events[{i}].{k}");
        let ev = e.get_ref();
        let name = ev.name.get_ref().clone();
        if name.is_empty() {
            return Err(ctx.err(&key("name"), ev.name.span(), "a name must not be empty"));
        }
        if !event_names.insert(name.clone()) {
            return Err(ctx.err(&key("name"), ev.name.span(), format!("duplicate event name `{name}`")));
        }
        let action_index = |s: &Spanned<String>, k: &str| {
            actions.iter().position(|a| a == s.get_ref()).ok_or_else(|| {
                ctx.err(k, s.span(), format!("`{}` is not an action; the actions are {actions:?}", s.get_ref()))
            })
        };
        let kind = match (&ev.action, &ev.at_least, &ev.at_step, &ev.prefix) {
            (Some(a), Some(n), None, None) => {
                if *n.get_ref() < 0 {
                    return Err(ctx.err(&key("at_least"), n.span(), "must be a count >= 0"));
                }
                EventKind::AtLeast { action: action_index(a, &key("action"))?, count: *n.get_ref() as usize }
            }
            (Some(a), None, Some(s), None) => {
                if *s.get_ref() < 1 {
                    return Err(ctx.err(&key("at_step"), s.span(), "must be a step >= 1"));
                }
                EventKind::AtStep { action: action_index(a, &key("action"))?, step: *s.get_ref() as usize }
            }
            (None, None, None, Some(p)) => EventKind::Prefix {
                actions: p
                    .get_ref()
                    .iter()
                    .enumerate()
                    .map(|(j, a)| action_index(a, &format!("events[{i}].prefix[{j}]")))
                    .collect::<Result<_, _>>()?,
            },
            _ => {
                return Err(ctx.err(
                    &format!("events[{i}]"),
                    e.span(),
                    format!("event `{name}` must have `action` with `at_least` or `at_step`, or `prefix` alone"),
                ))
            }
        };
        events.push(Event { name, kind });
    }
    let name = raw.name.as_ref().map(|n| n.get_ref().clone()).unwrap_or_else(|| default_name.to_string());
    Ok(Scenario { name, actions, observations, alpha, depth, truth, models, environment, events })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    const TWO: &str = r#"
actions = ["a", "b"]
alpha = "0.1"
truth = "x"
[[models]]
name = "x"
prior = 1
iid = ["1/2", "1/2"]
[[models]]
name = "y"
prior = "3"
start = ["1", "0"]
after_action = { a = ["1/4", "3/4"], b = ["0", "1"] }
"#;

    #[test]
    fn parses_and_normalizes_priors() {
        let s = Scenario::parse(TWO, "two.toml", "two").unwrap();
        assert_eq!(s.name, "two");
        assert_eq!(s.alpha, ratio(1, 10));
        assert_eq!(s.models[0].prior, ratio(1, 4));
        assert_eq!(s.models[1].prior, ratio(3, 4));
        assert_eq!(s.observations, vec!["-"]);
        assert_eq!(s.models[1].kind.distribution(s.models[1].kind.next_context(0, 0, 0)), &[ratio(1, 4), ratio(3, 4)]);
    }

    #[test]
    fn round_trips_through_to_toml() {
        let s = Scenario::parse(TWO, "two.toml", "two").unwrap();
        let again = Scenario::parse(&s.to_toml(), "again.toml", "x").unwrap();
        assert_eq!(again.to_toml(), s.to_toml());
    }

    #[test]
    fn the_key_of_a_position_is_read_off_the_text() {
        let text = "depth = 1\n[[models]]\nname = 'x'\n[[models]]\nprior = 1e400 # c\n\
                    after_action = { a = [\"1\", \"2\",\n  3e9], \"b\" = [] }\n[environment]\niid = [\n";
        let at = |needle: &str| key_at(text, text.find(needle).unwrap());
        assert_eq!(at("1\n").as_deref(), Some("depth"));
        assert_eq!(at("1e400").as_deref(), Some("models[1].prior"));
        assert_eq!(at("3e9").as_deref(), Some("models[1].after_action.a[2]"));
        assert_eq!(at("[] }").as_deref(), Some("models[1].after_action.b"));
        assert_eq!(key_at(text, text.len()).as_deref(), Some("environment.iid[0]"));
        // At the start of a line, the key that follows; before any key, none.
        assert_eq!(at("name").as_deref(), Some("models[0].name"));
        assert_eq!(key_at(text, 0).as_deref(), Some("depth"));
        assert_eq!(key_at("\r", 0), None);
        assert_eq!(reason_at("\r", 0), "a carriage return (\\r) must be followed by a line feed (\\n)");
        assert_eq!(reason_at("a\u{1}", 1), "the control character U+0001 is not allowed here");
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }
}
