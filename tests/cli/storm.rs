//! Storm as an independent judge: every shipped example, conservative and
//! `map --warmup 2`, exported at its depth (DRN and PRISM files), is built by
//! Storm's exact engine, which computes the verifier's figures from the
//! chain's labels and rewards (`tests/storm/judge.py`); they must equal
//! `verify --engine lumped --json` digit for digit. The judge also reads the
//! PRISM files back exactly and checks that they are the DRN's chain, state
//! by state.
//!
//! Storm comes from PyPI (`stormpy`), in a Python virtual environment that
//! `.ci/run` creates (`target/storm-venv`) and names in
//! `IMITATOR_STORM_PYTHON`. The test fails when that path does not exist, or
//! when Storm is missing and `CI` is set; elsewhere, without Storm, it passes
//! and prints `SKIPPED` with how to install it, in plain sight (see
//! [`say_skipped`]).

use crate::common;

use imitator::imitator::{Standard, Variant};
use imitator::number::fmt_exact;
use imitator::scenario::Scenario;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const INSTALL: &str = "python3 -m venv target/storm-venv && target/storm-venv/bin/pip install stormpy==2.0.0, then \
                       IMITATOR_STORM_PYTHON=$PWD/target/storm-venv/bin/python cargo test --release --test cli -- storm::";

fn manifest() -> PathBuf {
    PathBuf::from(workspace!())
}

use crate::in_ci;

fn has_storm(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import stormpy; stormpy.Rational"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Python that has Storm, or `None` (outside CI only) when none does.
fn storm_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("IMITATOR_STORM_PYTHON") {
        let p = PathBuf::from(p);
        assert!(p.exists(), "IMITATOR_STORM_PYTHON={} does not exist; install Storm with: {INSTALL}", p.display());
        assert!(has_storm(&p), "{} cannot import stormpy; install Storm with: {INSTALL}", p.display());
        return Some(p);
    }
    let venv = manifest().join("target/storm-venv/bin/python");
    for p in [venv, PathBuf::from("python3")] {
        if has_storm(&p) {
            return Some(p);
        }
    }
    assert!(!in_ci(), "Storm (stormpy) is missing in CI: .ci/run installs it and sets IMITATOR_STORM_PYTHON");
    say_skipped(&format!(
        "Storm (stormpy) is not installed, so the exported chains were not judged by it. Install it with: {INSTALL}"
    ));
    None
}

/// Says on the terminal that the Storm test was skipped, whatever `cargo test` captures.
///
/// The test harness has no "skipped" result for a test that decides at run time (`#[ignore]` is
/// fixed at compile time, and would keep CI, which runs exactly the README's `cargo test
/// --release`, from running this test), and it keeps what a passing test prints with `eprintln!`
/// to itself unless `--nocapture` is given: a user on a fresh clone would read `ok` and believe
/// Storm had judged the chains. The harness captures only the `print!`/`eprint!` macros, so this
/// writes to the process's standard error directly: the line stands in `cargo test`'s output next
/// to this test's `ok`. In CI an absent Storm never gets here: it fails the test.
fn say_skipped(why: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nSKIPPED storm::storm_computes_the_verifiers_figures_from_every_exported_chain: {why}\n"
    );
}

struct Case {
    name: String,
    file: String,
    depth: usize,
    variant: &'static [&'static str],
    rule: Standard,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for example in [
        "elimination",
        "markov-weather",
        "rare-action",
        "three-coins",
        "treacherous-turn",
        "cliff-world",
        "second-order",
        "action-and-observation",
    ] {
        let file = manifest().join(format!("examples/{example}.toml")).display().to_string();
        let depth = Scenario::from_file(&file).expect("example").depth.expect("a depth");
        out.push(Case {
            name: format!("{example} conservative"),
            file: file.clone(),
            depth,
            variant: &[],
            rule: Standard::new(Variant::Conservative, 0),
        });
        out.push(Case {
            name: format!("{example} map-2"),
            file,
            depth,
            variant: &["--variant", "map", "--warmup", "2"],
            rule: Standard::new(Variant::Map, 2),
        });
    }
    out
}

fn run(args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_imitator")).args(args).output().expect("the binary runs");
    (o.status.code(), o.stdout, String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn storm_computes_the_verifiers_figures_from_every_exported_chain() {
    let Some(python) = storm_python() else { return };
    let dir = std::env::temp_dir().join(format!("imitator-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let mut jobs = Vec::new();
    let mut expected = Vec::new();
    for (k, case) in cases().iter().enumerate() {
        let base = dir.join(format!("case{k}")).display().to_string();
        let drn = format!("{base}.drn");
        for (format, out) in [("drn", &drn), ("prism", &base)] {
            let mut args = vec!["export", &case.file, "--format", format, "--out", out, "--events"];
            args.extend_from_slice(case.variant);
            let (code, _, err) = run(&args);
            assert_eq!(code, Some(0), "{}: export {format}: {err}", case.name);
        }
        let mut args = vec!["verify", &case.file, "--engine", "lumped", "--json"];
        args.extend_from_slice(case.variant);
        let (code, stdout, err) = run(&args);
        assert!(matches!(code, Some(0 | 1)), "{}: verify: {err}", case.name);
        let doc: Value = serde_json::from_slice(&stdout).expect("verify's JSON");
        // The unsettled mass, by a walk of this test's own.
        let s = Scenario::from_file(&case.file).expect("example");
        // After t = 1..=T steps, as the judge reports it.
        let unsettled: Vec<String> =
            common::unsettled_mass(&s, &case.rule, case.depth).iter().skip(1).map(fmt_exact).collect();
        let labels = imitator::engine::chain::event_labels(&s.events);
        jobs.push(json!({
            "name": case.name,
            "drn": drn,
            "prism": base,
            "depth": case.depth,
            "events": labels.iter().map(|l| l.label.clone()).collect::<Vec<_>>(),
        }));
        expected.push((case.name.clone(), doc, unsettled));
    }
    let mut child = Command::new(&python)
        .arg(manifest().join("tests/storm/judge.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the judge starts");
    child.stdin.take().expect("stdin").write_all(Value::from(jobs).to_string().as_bytes()).expect("jobs sent");
    let out = child.wait_with_output().expect("the judge ends");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "the judge failed: {}", String::from_utf8_lossy(&out.stderr));
    let verdict: Value = serde_json::from_slice(&out.stdout).expect("the judge's JSON");
    let mut absent = 0;
    for (name, doc, unsettled) in expected {
        let storm = &verdict["results"][&name];
        for (ours, theirs) in [
            ("event_e", "event_e"),
            ("query_cubed_sum", "query_cubed_sum"),
            ("expected_queries", "expected_queries"),
            ("inverse_truth_posterior", "inverse_truth_posterior"),
        ] {
            assert_eq!(doc[ours]["by_depth"], storm[theirs], "{name}: {ours}");
        }
        assert_eq!(storm["unsettled"], json!(unsettled), "{name}: unsettled mass");
        let events = doc["events"].as_array().expect("events");
        let judged = storm["events"].as_array().expect("events");
        assert_eq!(events.len(), judged.len(), "{name}");
        for (e, j) in events.iter().zip(judged) {
            assert_eq!((&e["p_im"], &e["p_im_and_e"]), (&j["p_im"], &j["p_im_and_e"]), "{name}: {}", e["name"]);
        }
        let labels = storm["labels"].as_array().expect("labels");
        absent += ["excluded", "settled"].iter().filter(|l| !labels.contains(&json!(l))).count();
    }
    // Some chain lacks a label, so the judge's "absent label: probability 0" was used.
    assert!(absent > 0);
}
