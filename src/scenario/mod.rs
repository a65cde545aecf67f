//! Scenarios: a model class, its truth, α, an environment and events, made
//! only by [`ScenarioBuilder`], which every scenario file goes through too
//! (`docs/scenario.md`): TOML → [`Scenario`], with every validation and errors
//! that name the file, the key, and the line and column; and back to TOML.
//!
//! Numbers are read exactly (`"1/3"`, `"2"`, `"0.1"`, TOML integers); TOML
//! floats are refused, because `0.1` as a float is not 1/10.
//!
//! The parts: `builder` (the rules every scenario obeys), `read` (a file as
//! written, checked in its order), `position` (the line, column and key of a
//! place in the text), [`write`] (TOML text for names and exact numbers).

mod builder;
mod position;
mod read;

use crate::environment::Environment;
use crate::event::Event;
use crate::model::Model;
use crate::number::{fmt_exact, Rational};
use crate::writing::{name_list, quote, Entries};
pub use builder::ScenarioBuilder;
use position::{clean_path, key_at, missing_field, reason_at, Ctx};
use read::{build, RawScenario};
use std::path::Path;

/// A validated scenario: a model class, its truth, an environment and events.
///
/// Made only by [`Scenario::builder`] (a file is read through it too), so
/// every scenario obeys the same rules. Its fields are public to read; a
/// scenario is not meant to be changed once built, and nothing in this crate
/// does.
#[derive(Debug)]
// Not `#[non_exhaustive]`: that would still let the rest of this crate write a
// literal, and search's candidates must go through the builder too.
#[allow(clippy::manual_non_exhaustive)]
pub struct Scenario {
    /// The scenario's name (the file's `name`, or its file name).
    pub name: String,
    /// The action names, in declaration order.
    pub actions: Vec<String>,
    /// The observation names (one, `-`, when the file declares none).
    pub observations: Vec<String>,
    /// The α of the top-set rule, `0 < α < 1`.
    pub alpha: Rational,
    /// The default horizon, if the file gives one.
    pub depth: Option<usize>,
    /// Index of the true demonstrator in `models`.
    pub truth: usize,
    /// The model class in declaration order (the order breaks ranking ties).
    pub models: Vec<Model>,
    /// How observations follow actions.
    pub environment: Box<dyn Environment>,
    /// The declared events.
    pub events: Vec<Event>,
    /// What a reader of the file should know that is no error, each as
    /// `file:line:column: key `…`: why` (a machine state that its transitions
    /// never reach). Empty for a scenario made in code. Every command prints
    /// them on standard error.
    pub warnings: Vec<String>,
    /// Private, so that a scenario cannot be written as a struct literal
    /// outside this module: [`ScenarioBuilder::build`] is the way in.
    _sealed: (),
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
        let bytes = read_file(path)?;
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

    /// Writes the scenario back as a TOML file that parses to the same
    /// scenario, each model, the environment and each event as its kind says
    /// it is written ([`DemonstratorModel::to_toml`](crate::model::DemonstratorModel::to_toml),
    /// …); [`ScenarioError::NotWritable`] for a kind that has no form in a
    /// file, rather than a file that reads back as something else.
    pub fn to_toml(&self) -> Result<String, ScenarioError> {
        use std::fmt::Write;
        let not_writable = |part: String| ScenarioError::NotWritable { part };
        let entries = |out: &mut String, entries: Entries| {
            for (key, value) in entries {
                let _ = writeln!(out, "{key} = {value}");
            }
        };
        let (actions, observations) = (&self.actions, &self.observations);
        let mut out = String::new();
        let _ = writeln!(out, "name = {}", quote(&self.name));
        let _ = writeln!(out, "actions = {}", name_list(actions));
        let _ = writeln!(out, "observations = {}", name_list(observations));
        let _ = writeln!(out, "alpha = {}", quote(&fmt_exact(&self.alpha)));
        if let Some(d) = self.depth {
            let _ = writeln!(out, "depth = {d}");
        }
        let _ = writeln!(out, "truth = {}", quote(&self.models[self.truth].name));
        for m in &self.models {
            let written =
                m.kind.to_toml(actions, observations).ok_or_else(|| not_writable(format!("model `{}`", m.name)))?;
            let _ = writeln!(out, "\n[[models]]\nname = {}\nprior = {}", quote(&m.name), quote(&fmt_exact(&m.prior)));
            entries(&mut out, written);
        }
        let env =
            self.environment.to_toml(actions, observations).ok_or_else(|| not_writable("the environment".into()))?;
        if !env.is_empty() {
            out.push_str("\n[environment]\n");
            entries(&mut out, env);
        }
        for e in &self.events {
            let written =
                e.kind.to_toml(actions, observations).ok_or_else(|| not_writable(format!("event `{}`", e.name)))?;
            let _ = writeln!(out, "\n[[events]]\nname = {}", quote(&e.name));
            entries(&mut out, written);
        }
        Ok(out)
    }
}

/// The bytes of the scenario file at `path`, read no further than
/// [`crate::limits::MAX_SCENARIO_BYTES`]: a longer file (or an endless
/// stream) is refused with a message that names the limit.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ScenarioError> {
    let file = path.display().to_string();
    read_bounded(path).map_err(|message| ScenarioError::Io { file, message })
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    const MAX: u64 = crate::limits::MAX_SCENARIO_BYTES;
    let too_long = || {
        format!("it is longer than {MAX} bytes, the longest scenario file imitator reads (limits::MAX_SCENARIO_BYTES)")
    };
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // A regular file's length is known before any reading.
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > MAX) {
        return Err(too_long());
    }
    let mut bytes = Vec::new();
    file.take(MAX + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX {
        return Err(too_long());
    }
    Ok(bytes)
}

/// Why a scenario could not be read, built or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario file: {message}")]
    Io {
        /// The file's path.
        file: String,
        /// The system's reason.
        message: String,
    },
    /// The file is not a valid scenario: which key, where, and why.
    #[error("{file}:{line}:{column}: key `{key}`: {message}")]
    Invalid {
        /// The file's path.
        file: String,
        /// The key at fault (`models[1].prior`).
        key: String,
        /// Where, 1-based.
        line: usize,
        /// Where, 1-based, in characters.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A scenario made in code breaks a rule ([`ScenarioBuilder::build`]):
    /// which key (as a scenario file names it) and why, in the words a file
    /// with the same fault gets.
    #[error("key `{key}`: {message}")]
    Rejected {
        /// The key at fault, as a file names it.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// [`Scenario::to_toml`] met a part (`model `name``, `event `name``, `the
    /// environment`) whose kind has no form in a scenario file.
    #[error("{part} cannot be written to a scenario file: its kind does not say how it is written")]
    NotWritable {
        /// The part, as the message names it.
        part: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::ratio;

    const TWO: &str = include_str!("../../tests/fixtures/iid-and-markov-unnormalized.toml");

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
        let again = Scenario::parse(&s.to_toml().unwrap(), "again.toml", "x").unwrap();
        assert_eq!(again.to_toml(), s.to_toml());
    }
}
