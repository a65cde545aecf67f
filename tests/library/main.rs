//! The library's tests: the core (`imitator`) called in-process, as a Rust
//! user calls it. Each module names the claim it checks; scenarios shared
//! between tests are files under `tests/fixtures/`.

/// The workspace's root, where `examples/` and `tests/` are.
macro_rules! workspace {
    () => {
        env!("CARGO_MANIFEST_DIR")
    };
}

/// A scenario of `tests/fixtures/`, by name, as a `&'static str` (read when the
/// tests are compiled; a changed fixture rebuilds them).
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(workspace!(), "/tests/fixtures/", $name, ".toml"))
    };
}

#[path = "../common/mod.rs"]
mod common;

mod atlas;
mod cancel;
mod conformance;
mod engines_agree;
mod hand_computed;
mod lifetime_rounded;
mod lifetime_trust;
mod limits_memory;
mod machines;
mod policy_line_schema;
mod policy_lines;
mod product_claim;
mod proof_tables;
mod properties;
mod reference;
mod scenario_builder;
mod wide;
mod workspace;
mod wrong_imitators;
