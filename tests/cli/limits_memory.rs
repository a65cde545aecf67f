//! The memory limit and the exhaustive engine's node limit (issue 27, issue
//! 28 F03 and F04): each refused at once, or before the allocation it guards,
//! with exit 2 and a message that names the limit and the flag.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_imitator");

/// The 60-action, 150-model reproducer of issue 27.
const WIDE: &str = "tests/fixtures/wide-150-models-60-actions.toml";
/// F03's input: 60 actions, 9 models.
const F03: &str = "tests/fixtures/f03-60-actions-9-models.toml";
const THREE_COINS: &str = "examples/three-coins.toml";

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run imitator")
}

/// Runs the binary, which must exit 2 within `secs`; returns stdout and stderr.
fn exit_2_within(args: &[&str], secs: u64) -> (String, String) {
    let start = Instant::now();
    let o = run(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(start.elapsed() < Duration::from_secs(secs), "{args:?} took {:?}", start.elapsed());
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    (String::from_utf8_lossy(&o.stdout).into_owned(), stderr)
}

/// A refusal by the memory limit, naming the flag that raises it.
fn assert_memory_refusal(stderr: &str) {
    assert!(stderr.contains("past the memory limit") || stderr.contains("past its memory limit"), "{stderr}");
    assert!(stderr.trim_end().ends_with("; raise --max-memory or lower --depth"), "{stderr}");
}

#[test]
fn the_wide_reproducer_at_depth_4_is_refused_by_the_memory_limit_at_once() {
    // 120^4 world histories alone would take about 26 GiB.
    let (out, err) = exit_2_within(&["verify", WIDE, "--depth", "4"], 20);
    assert!(out.is_empty());
    assert!(err.contains("120^4 world histories alone"), "{err}");
    assert!(err.contains("past the memory limit of 8192 MiB"), "{err}");
    assert_memory_refusal(&err);
    // With a low limit, depth 3 is refused as well, before its world histories are allocated.
    let (_, err) = exit_2_within(&["verify", WIDE, "--depth", "3", "--max-memory", "64"], 20);
    assert!(err.contains("past the memory limit of 64 MiB"), "{err}");
    assert_memory_refusal(&err);
}

#[test]
fn the_lumped_engine_stops_before_its_state_space_passes_the_limit() {
    // F03: the state space of one depth used to be expanded whole before any check.
    // A run stopped part way is partial: its last depths are undecided (exit 3,
    // docs/exit-status.md), and what it completed is reported.
    let start = Instant::now();
    let o = run(&["verify", F03, "--engine", "lumped", "--depth", "8", "--max-memory", "16", "--json"]);
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_memory_refusal(&err);
    assert!(err.contains("the state space would take"), "{err}");
    // The depths it completed are reported, and say why the run stopped.
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(doc["partial"]["stopped_because"], "memory", "{doc}");
    let peak = doc["stats"]["peak_memory_bytes"].as_u64().expect("a peak");
    assert!(peak <= 16 << 20, "peak {peak}");
}

#[test]
fn the_exhaustive_engine_bounds_its_memory_on_f03() {
    let (out, err) = exit_2_within(&["verify", F03, "--depth", "3", "--max-memory", "16"], 20);
    assert!(out.is_empty());
    assert!(err.contains("the exhaustive engine would hold about"), "{err}");
    assert_memory_refusal(&err);
    // Past the world histories, the state space is bounded as it grows.
    let (_, err) = exit_2_within(&["verify", F03, "--depth", "2", "--max-memory", "8"], 60);
    assert!(err.contains("stopped building its state space"), "{err}");
    assert_memory_refusal(&err);
}

#[test]
fn an_exhaustive_walk_of_too_many_nodes_is_refused_before_it_starts() {
    // F04: 2^25 world histories pass MAX_WORLDS, but the walk visits about 4^25 nodes.
    for command in ["verify", "report"] {
        let dir = std::env::temp_dir().join(format!("imitator-limits-{}-f04", std::process::id()));
        let out = dir.to_str().expect("utf-8");
        let args: Vec<&str> = match command {
            "verify" => vec!["verify", THREE_COINS, "--depth", "25"],
            _ => vec!["report", THREE_COINS, "--depth", "25", "--out", out],
        };
        let (_, err) = exit_2_within(&args, 10);
        assert!(err.contains("nodes (full histories with their query flags) to depth 25"), "{err}");
        assert!(err.contains("(limits::MAX_EXHAUSTIVE_NODES)"), "{err}");
        assert!(err.contains("use --engine lumped"), "{err}");
        assert!(!dir.exists(), "{command} left {out}");
    }
    // The lumped engine takes the same depth.
    let o = run(&["verify", THREE_COINS, "--depth", "25", "--engine", "lumped"]);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn policy_and_diff_bound_their_state_space() {
    let (out, err) = exit_2_within(&["policy", F03, "--depth", "3", "--max-memory", "4"], 60);
    assert!(out.is_empty());
    assert!(err.contains("depth 3 is too deep to list: the state space would take"), "{err}");
    assert_memory_refusal(&err);
    let theirs = std::env::temp_dir().join(format!("imitator-limits-{}-theirs.jsonl", std::process::id()));
    std::fs::write(&theirs, "").expect("write");
    let (_, err) =
        exit_2_within(&["diff", F03, theirs.to_str().expect("utf-8"), "--depth", "3", "--max-memory", "4"], 60);
    assert_memory_refusal(&err);
    let _ = std::fs::remove_file(theirs);
}
