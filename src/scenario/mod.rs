//! Scenario files (`docs/scenario.md`): TOML → [`Scenario`], with every validation and
//! errors that name the file, the key, and the line and column.
//!
//! Numbers are read exactly (`"1/3"`, `"2"`, `"0.1"`, TOML integers); TOML
//! floats are refused, because `0.1` as a float is not 1/10.

mod position;
mod read;

use crate::environment::Environment;
use crate::event::{Event, EventKind};
use crate::model::Model;
use crate::number::{fmt_exact, Rational};
use position::{clean_path, key_at, missing_field, reason_at, Ctx};
use read::{build, RawScenario};
use std::fmt;
use std::path::Path;

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
}
