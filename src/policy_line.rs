//! The policy line: one type for the line format `imitator policy` writes
//! and `imitator diff` reads back (`docs/policy-lines.md`, schema
//! `docs/policy-line.schema.json`).
//!
//! [`PolicyLine`] is generic over its numbers: the writer fills it with exact
//! numbers (anything that serializes as a `"p/q"` string, such as
//! [`crate::number::exact::Exact`]) and every field; the reader gets [`Num`]s
//! and `None` for the optional fields a line leaves out. Names (actions,
//! observations, models) stay names here; [`crate::diff::parse_line`]
//! resolves them against the scenario.
//!
//! Reading refuses a key given twice (at any level), a step with a key other
//! than `query`, `action` and `observation`, and a field of the wrong shape;
//! other keys of a line are ignored.

use crate::number::{fmt_exact, parse_rational, Rational};
use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

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

    /// The number as they wrote it: exact `p/q`, or the `f64` as JSON writes it.
    pub fn text(&self) -> String {
        match self {
            Num::Exact(r) => fmt_exact(r),
            Num::Float(x) => Value::from(*x).to_string(),
        }
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Num::Exact(r) => crate::number::exact::serialize(r, s),
            Num::Float(x) => s.serialize_f64(*x),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Num::read(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// One step of a history: whether the imitator asked, the action, the observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineStep<'a> {
    /// Whether the imitator asked the demonstrator at this step.
    #[serde(deserialize_with = "flag")]
    pub query: bool,
    /// The action taken, by name.
    #[serde(deserialize_with = "name")]
    pub action: Cow<'a, str>,
    /// Always written; may be left out when the scenario has a single observation.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "some_name")]
    pub observation: Option<Cow<'a, str>>,
}

/// Numbers by name (an action's or a model's), in the order written: a JSON
/// object whose keys are distinct.
#[derive(Debug, Clone, PartialEq)]
pub struct ByName<'a, N>(pub Vec<(Cow<'a, str>, N)>);

impl<N: Serialize> Serialize for ByName<'_, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, 'a, N: Deserialize<'de>> Deserialize<'de> for ByName<'a, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<N>(std::marker::PhantomData<N>);
        impl<'de, N: Deserialize<'de>> Visitor<'de> for V<N> {
            type Value = Vec<(Cow<'static, str>, N)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object keyed by name")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Self::Value = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(A::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    out.push((Cow::Owned(key), value));
                }
                Ok(out)
            }
        }
        Ok(ByName(d.deserialize_map(V(std::marker::PhantomData))?))
    }
}

/// One line: the policy at one history. The writer fills every field; a line
/// read back needs `history`, `m` and `theta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "N: Serialize", deserialize = "N: Deserialize<'de>"))]
pub struct PolicyLine<'a, N = Num> {
    /// The history the policy is at, oldest step first (empty at the root).
    pub history: Vec<LineStep<'a>>,
    /// The normalized posterior at the history, by model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<ByName<'a, N>>,
    /// Model names by posterior, largest first (not compared by `diff`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "names")]
    pub ranking: Option<Vec<Cow<'a, str>>>,
    /// The top set, in ranking order.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "names")]
    pub top: Option<Vec<Cow<'a, str>>>,
    /// `m(a)` by action name.
    pub m: ByName<'a, N>,
    /// `θ = 1 − Σ_a m(a)`.
    pub theta: N,
    /// The probability of the whole history under the imitator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_im: Option<N>,
    /// Whether the truth is in the top set at the history.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "some_flag")]
    pub truth_in_top: Option<bool>,
}

/// Every field of [`PolicyLine`] in the order written, and whether a line
/// read back must have it (what `docs/policy-line.schema.json` describes).
pub const FIELDS: [(&str, bool); 8] = [
    ("history", true),
    ("posterior", false),
    ("ranking", false),
    ("top", false),
    ("m", true),
    ("theta", true),
    ("p_im", false),
    ("truth_in_top", false),
];

/// The fields of [`LineStep`], and whether each is required.
pub const STEP_FIELDS: [(&str, bool); 3] = [("query", true), ("action", true), ("observation", false)];

// The leaves are read as JSON values first, so that a message can show what
// was found. Their messages lack the subject; `diff` prefixes it from the path.

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Value::deserialize(d)?.as_bool().ok_or_else(|| D::Error::custom("must be true or false"))
}

fn some_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    flag(d).map(Some)
}

fn name<'de, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
    match Value::deserialize(d)? {
        Value::String(t) => Ok(Cow::Owned(t)),
        other => Err(D::Error::custom(format_args!("must be a name (a string), found {other}"))),
    }
}

fn some_name<'de, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    name(d).map(Some)
}

fn names<'de, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Cow<'a, str>>>, D::Error> {
    #[derive(Deserialize)]
    struct Name<'a>(#[serde(deserialize_with = "name")] Cow<'a, str>);
    Ok(Some(Vec::<Name>::deserialize(d)?.into_iter().map(|n| n.0).collect()))
}
