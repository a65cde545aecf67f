//! Every output of every command: what people and tools read.
//!
//! | module | command | formats |
//! |---|---|---|
//! | [`text`], [`json`] | `verify` | text table, JSON document |
//! | [`html`], [`plot`] | `report` | one HTML page with its SVG plots inline |
//! | [`csv`] | `verify --csv`, `report --csv` | one CSV file per curve |
//! | [`run`] | `run` | text, JSON |
//! | [`explain`] | `explain` | narrated text |
//! | [`jsonl`] | `policy` | JSON Lines |
//! | [`diff`] | `diff` | text, JSON |
//! | [`search`] | `search` | table, JSON, TOML files |
//! | [`proofs`] | (the tables of `proofs/`) | Markdown |
//!
//! The commands in `src/cli/` parse their arguments, call the library and
//! hand the result to one of these. Checks reach every output through
//! [`imitator::checks::Verdict::rows`].

pub mod csv;
pub mod diff;
pub mod explain;
pub mod export;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod lifetime;
pub mod plot;
pub mod proofs;
pub mod rows;
pub mod run;
pub mod search;
pub mod text;
