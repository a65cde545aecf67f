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

/// A fresh, empty directory for test `test` of the file `file`, under the
/// system's temporary directory (the process id keeps parallel runs apart).
fn fresh_dir(file: &str, test: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("imitator-{file}-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// `imitator ARGS`, run to its end.
fn run_imitator(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_imitator")).args(args).output().expect("run imitator")
}

/// The exit status of a finished run (a signal is a failure of the test).
fn exit_code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exit code")
}

/// Whether the tests run in CI (`CI` set, and not to `0` or `false`): there an
/// optional tool that is missing fails its test instead of skipping it.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Snapshots of whole outputs (`insta`, stored in `tests/cli/snapshots/`).
/// What differs from run to run or machine to machine is redacted first:
/// timings, rates, thread counts and memory. Temporary paths are replaced by
/// the caller (`text.replace(path, "[FILE]")`) before the snapshot. Review a
/// changed snapshot with `cargo insta review`, or rerun with
/// `INSTA_UPDATE=always` and read the `.snap` diff; with `CI` set a changed or
/// missing snapshot fails and nothing is written.
macro_rules! assert_output_snapshot {
    ($($args:tt)*) => {
        crate::snapshot_settings().bind(|| insta::assert_snapshot!($($args)*))
    };
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    // `verify`'s closing line: "N nodes in 12 ms on 2 thread(s): 3,456 per second; …".
    s.add_filter(
        r" in \d+ ms on \d+ thread\(s\): [^ ]+ per second",
        " in [ms] ms on [threads] thread(s): [rate] per second",
    );
    s.add_filter(r"peak layer memory ≈ [0-9.]+ MiB", "peak layer memory ≈ [memory] MiB");
    s
}

mod atlas;
mod cli_errors;
mod conformance;
mod edges;
mod export;
mod io;
mod lifetime;
mod limits_memory;
mod lumped_hooks;
mod machines;
mod newcomer;
mod policy_diff;
mod promises;
mod python;
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
