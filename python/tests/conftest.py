"""Shared fixtures: the repository's examples and the command line to compare with.

The command line is `IMITATOR_BIN` when set (the Rust test that runs this suite
sets it to the binary it built), else `target/release/imitator` or
`target/debug/imitator` under the repository.
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def _binary():
    given = os.environ.get("IMITATOR_BIN")
    if given:
        return pathlib.Path(given)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        p = target / profile / "imitator"
        if p.exists():
            return p
    return None


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Runs the `imitator` binary and returns (exit status, stdout)."""
    binary = _binary()
    if binary is None:
        pytest.fail("no imitator binary: build it (cargo build --release) or set IMITATOR_BIN")

    def run(*args):
        out = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
        return out.returncode, out.stdout

    return run


def strip_stats(doc):
    doc = json.loads(json.dumps(doc))
    doc.pop("stats", None)
    return doc


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch):
    """Paths in the tests are the repository's (`examples/…`), wherever pytest runs."""
    monkeypatch.chdir(ROOT)
