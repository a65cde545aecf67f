//! The Python package (`python/`, module `imitator`) tested through Python:
//! `python/tests/` (every figure equal to this binary's JSON on every
//! example, bad input, limits, the callable protocol, Ctrl-C), the engineer's
//! example `examples/python/test_my_imitator.py`, and the teaching notebook
//! `examples/notebooks/`, executed cell by cell.
//!
//! The package is built with maturin into a Python virtual environment that
//! `.ci/run` creates (`target/python-venv`, with pytest, nbclient, ipykernel
//! and matplotlib) and names in `IMITATOR_PYTHON`. The test fails when that
//! path does not exist or cannot import the package, or when no Python has it
//! and `CI` is set; elsewhere it passes and prints `SKIPPED` with how to set
//! it up, in plain sight, as the Storm test does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SETUP: &str = "python3 -m venv target/python-venv && target/python-venv/bin/pip install pytest nbclient \
                     ipykernel matplotlib \"dask[distributed]\" ./python, then IMITATOR_PYTHON=$PWD/target/python-venv/bin/python \
                     cargo test --release --test cli -- python::";

fn root() -> PathBuf {
    PathBuf::from(workspace!())
}

use crate::in_ci;

fn has_package(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import imitator, pytest; imitator.loads"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Python that has the package and pytest, or `None` (outside CI only).
fn package_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("IMITATOR_PYTHON") {
        let p = PathBuf::from(p);
        assert!(p.exists(), "IMITATOR_PYTHON={} does not exist; set it up with: {SETUP}", p.display());
        assert!(has_package(&p), "{} cannot import imitator and pytest; set it up with: {SETUP}", p.display());
        return Some(p);
    }
    let venv = root().join("target/python-venv/bin/python");
    if has_package(&venv) {
        return Some(venv);
    }
    assert!(!in_ci(), "the Python package is missing in CI: .ci/run builds it and sets IMITATOR_PYTHON");
    // Written to the process's standard error, past the harness's capture (see storm.rs).
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nSKIPPED python::the_python_package_passes_its_tests: the package `imitator` is not installed in a \
         Python with pytest. Set it up with: {SETUP}\n"
    );
    None
}

#[test]
fn the_python_package_passes_its_tests() {
    let Some(python) = package_python() else { return };
    let out = Command::new(&python)
        .current_dir(root())
        .env("IMITATOR_BIN", env!("CARGO_BIN_EXE_imitator"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "python/tests", "examples/python/test_my_imitator.py"])
        .output()
        .expect("pytest runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "pytest failed:\n{text}");
    assert!(text.contains(" passed"), "pytest ran no test:\n{text}");
    assert!(!text.contains(" skipped"), "pytest skipped tests:\n{text}");
}
