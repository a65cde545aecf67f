//! Writing a scenario file: the TOML text of names and exact numbers, shared
//! by [`Scenario::to_toml`](crate::scenario::Scenario::to_toml) and by every kind of
//! model, environment and event when it says how it is written.

use crate::number::{fmt_exact, Rational};

/// The keys and values (as TOML text) of one table of a scenario file, in the
/// order they are written: what a model, an environment or an event kind gives
/// to say how it is written (`iid = [...]`, `after_action = { ... }`), so that
/// the writer never has to guess a kind from its description.
pub type Entries = Vec<(&'static str, String)>;

/// A name as a TOML string.
pub fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// A list of exact numbers as TOML: `["1/2", "1/2"]`, read back exactly.
pub fn exact_list(v: &[Rational]) -> String {
    format!("[{}]", v.iter().map(|r| quote(&fmt_exact(r))).collect::<Vec<_>>().join(", "))
}

/// A list of names as TOML: `["a", "b"]`.
pub fn name_list(v: &[String]) -> String {
    format!("[{}]", v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "))
}

/// A distribution per name as an inline TOML table: `{ "a" = ["1", "0"], "b" = [...] }`.
pub fn table(labels: &[String], rows: &[Vec<Rational>]) -> String {
    let body: Vec<String> = labels.iter().zip(rows).map(|(l, d)| format!("{} = {}", quote(l), exact_list(d))).collect();
    format!("{{ {} }}", body.join(", "))
}
