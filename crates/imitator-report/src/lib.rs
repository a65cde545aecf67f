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
//!
//! The binary (`crates/imitator-cli`) parses its arguments, calls the library
//! and hands the result to one of these. The library computes and judges; this
//! crate decides how it is shown, once: checks reach every output through
//! [`rows::rows`], whose labels are the formulas of [`imitator::bounds`].
//!
//! It depends on the core library and on plotters (for the SVG plots), and
//! nothing depends on it but the binary: a Rust user of the core compiles none
//! of it.

pub mod atlas;
pub mod conformance;
pub mod csv;
pub mod diff;
pub mod explain;
pub mod export;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod lifetime;
pub mod plot;
pub mod rows;
pub mod run;
pub mod search;
pub mod text;
pub mod words;
