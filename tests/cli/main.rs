//! The command line's tests: the `imitator` binary run as a user runs it,
//! its exit status, its messages and what it leaves on disk. Scenarios shared
//! between tests are files under `tests/fixtures/`.

/// The workspace's root, where `examples/` and `tests/` are.
macro_rules! workspace {
    () => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
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

mod cli_errors;
mod edges;
mod export;
mod io;
mod lifetime;
mod lumped_hooks;
mod policy_diff;
mod report;
mod robustness;
mod search;
mod storm;

/// Cargo runs a package's tests in the package's folder (`crates/imitator-cli`);
/// every path these tests name (`examples/…`, `tests/…`) is from the
/// workspace's root, as a user at a fresh clone types it.
#[ctor::ctor]
fn run_from_the_workspace_root() {
    std::env::set_current_dir(workspace!()).expect("the workspace root exists");
}
