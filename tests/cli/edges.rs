//! Reliability at the edges : each failure once reproduced on the
//! command line, with the exit status and the message it must give now.

use imitator::engine::{self, exhaustive, EngineKind, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::limits::{MAX_DEPTH, MAX_EXHAUSTIVE_DEPTH};
use imitator::scenario::Scenario;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_imitator");

fn example(name: &str) -> String {
    format!("{}/examples/{name}", workspace!())
}

/// A fresh folder for one test.
fn tmp(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imitator-edges-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.to_str().expect("utf-8 path").to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run imitator")
}

/// Runs the binary, which must exit 2 with nothing on stdout within `secs`; returns stderr.
fn refused_within(args: &[&str], secs: u64) -> String {
    let start = Instant::now();
    let o = run(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(start.elapsed() < Duration::from_secs(secs), "{args:?} took {:?}", start.elapsed());
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(o.stdout.is_empty(), "{args:?}: stdout {}", String::from_utf8_lossy(&o.stdout));
    stderr
}

fn refused(args: &[&str]) -> String {
    refused_within(args, 10)
}

/// One action, one model (the smallest scenario there is): one world history at every depth.
const ONE: &str = r#"actions = ["a"]
alpha = "1/2"
truth = "m"

[[models]]
name = "m"
prior = "1"
iid = ["1"]
"#;

/// ONE with a `depth` line (line 3).
fn one_with_depth(depth: &str) -> String {
    ONE.replacen("truth", &format!("depth = {depth}\ntruth"), 1)
}

fn depth_message(what: &str) -> String {
    format!(
        "error: {what} is more than 100000, the deepest horizon imitator runs (limits::MAX_DEPTH); give a smaller --depth\n"
    )
}

// 1. The depth guard is no longer bypassed by a depth that truncates to 0 as a u32.

#[test]
fn a_depth_of_2_to_the_32_is_refused_at_once() {
    let coins = example("three-coins.toml");
    let err = refused(&["verify", &coins, "--depth", "4294967296"]);
    assert_eq!(err, depth_message("--depth 4294967296"));
    let d = tmp("depth32");
    let text = std::fs::read_to_string(&coins).unwrap().replacen("depth = 12", "depth = 4294967297", 1);
    let f = write(&d, "deep.toml", text);
    assert_eq!(refused(&["verify", &f]), depth_message(&format!("{f}: the scenario's `depth = 4294967297`")));
    // The engine refuses it by itself too, before any work.
    let s = Scenario::from_file(&coins).unwrap();
    let rule = Standard::new(Variant::Conservative, 0);
    let e = exhaustive::run(&s, &rule, 1 << 32, &|_, _| {}).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the exhaustive engine goes at most 1000 steps deep (limits::MAX_EXHAUSTIVE_DEPTH), not 4294967296"
    );
}

// 2. No stack overflow on a one-action scenario: the exhaustive engine's depth is bounded.

#[test]
fn the_exhaustive_engine_refuses_a_depth_past_its_limit_and_runs_up_to_it() {
    let d = tmp("stack");
    let f = write(&d, "one.toml", ONE);
    let err = refused(&["verify", &f, "--depth", "10000"]);
    assert_eq!(
        err,
        "error: the exhaustive engine goes at most 1000 steps deep (limits::MAX_EXHAUSTIVE_DEPTH), not 10000; \
         lower --depth or use --engine lumped (which reports worst_case as null)\n"
    );
    let limit = MAX_EXHAUSTIVE_DEPTH.to_string();
    // Always asking, E[Σθ³] = T passes its bound: status 1, but a complete walk.
    for (variant, status) in [("conservative", 0), ("always-query", 1)] {
        let o = run(&["verify", &f, "--depth", &limit, "--variant", variant, "--json"]);
        assert_eq!(o.status.code(), Some(status), "{variant}: {}", String::from_utf8_lossy(&o.stderr));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["stats"]["nodes"], json!(MAX_EXHAUSTIVE_DEPTH + 1));
    }
    // The lumped engine goes deeper.
    let o = run(&["verify", &f, "--depth", "10000", "--engine", "lumped", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["event_e"]["by_depth"].as_array().map(Vec::len), Some(10000));
}

// 3. A huge depth exits 2 on every command and engine, before any allocation.

#[test]
fn a_huge_depth_is_refused_by_every_command() {
    let d = tmp("huge");
    let f = write(&d, "huge.toml", one_with_depth("9223372036854775807"));
    let out = d.join("report");
    let out = out.to_str().unwrap();
    let from_file = depth_message(&format!("{f}: the scenario's `depth = 9223372036854775807`"));
    for args in [
        vec!["verify", &f],
        vec!["verify", &f, "--engine", "lumped"],
        vec!["policy", &f],
        vec!["report", &f, "--engine", "lumped", "--out", out],
        vec!["diff", &f, &f],
    ] {
        assert_eq!(refused(&args), from_file, "{args:?}");
    }
    let one = write(&d, "one.toml", ONE);
    for args in [
        vec!["verify", &one, "--depth", "1000000000000"],
        vec!["verify", &one, "--engine", "lumped", "--depth", "1000000000000"],
        vec!["policy", &one, "--depth", "1000000000000"],
        vec!["diff", &one, &one, "--depth", "1000000000000"],
        vec!["report", &one, "--engine", "lumped", "--depth", "1000000000000", "--out", out],
    ] {
        assert_eq!(refused(&args), depth_message("--depth 1000000000000"), "{args:?}");
    }
    assert!(!Path::new(out).exists(), "a refused report writes nothing");
    assert_eq!(
        refused(&["run", &one, "--steps", "1000000000000"]),
        "error: --steps 1000000000000 is more than 1000000, the most steps one episode plays (limits::MAX_STEPS); \
         give a smaller --steps\n"
    );
    assert_eq!(
        refused(&["explain", &f]),
        format!(
            "error: {f}: the scenario's `depth = 9223372036854775807` is more than 1000000, the most steps one \
             episode plays (limits::MAX_STEPS); give a smaller --steps\n"
        )
    );
    assert!(refused(&["search", "--family", "iid", "--depth", "1000000000000"]).contains("limits::MAX_DEPTH"));
    // The library refuses it too, for both engines.
    let s = Scenario::parse(ONE, "one.toml", "one").unwrap();
    let rule = Standard::new(Variant::Conservative, 0);
    for kind in [EngineKind::Exhaustive, EngineKind::Lumped] {
        let e = engine::run_with(kind, &s, &rule, RunOptions::new(usize::MAX), &|_, _| {}).unwrap_err();
        assert!(e.to_string().contains("limits::MAX_DEPTH"), "{e}");
        assert!(engine::run(kind, &s, &rule, MAX_DEPTH + 1, &|_, _| {}).is_err());
    }
}

// 5. diff: a bounded work, and a comparison at the scenario's depth.

#[test]
fn diff_refuses_a_history_beyond_its_depth_and_a_depth_too_large_to_list() {
    let d = tmp("diff-work");
    let coins = example("three-coins.toml");
    let step = json!({"query": true, "action": "heads", "observation": "-"});
    let line = json!({"history": vec![step; 20], "m": {"heads": "0", "tails": "0"}, "theta": "1"});
    let f = write(&d, "deep.jsonl", format!("{line}\n"));
    assert_eq!(
        refused(&["diff", &coins, &f]),
        format!(
            "error: {f}:1: the history has 20 steps, but the comparison is at depth 12, of histories of 0 to 11 \
             steps; give --depth 21 to compare it\n"
        )
    );
    let err = refused_within(&["diff", &coins, &f, "--depth", "21"], 5);
    assert!(err.starts_with("error: depth 21 is too deep to list: the histories of length 0 to "), "{err}");
    assert!(err.ends_with("(limits::MAX_HISTORY_STEPS); give a smaller --depth\n"), "{err}");
    // policy has the same bound.
    let err = refused_within(&["policy", &coins, "--depth", "30"], 5);
    assert!(err.starts_with("error: depth 30 is too deep to list"), "{err}");
}

#[test]
fn diff_fails_a_file_that_lists_only_the_root() {
    let d = tmp("diff-root");
    let file = example("elimination.toml");
    let all = run(&["policy", &file]).stdout;
    let all: Vec<&str> = std::str::from_utf8(&all).unwrap().lines().collect();
    assert_eq!(all.len(), 8, "elimination at its depth 8: one history per length");
    let root = write(&d, "root.jsonl", format!("{}\n", all[0]));
    let o = run(&["diff", &file, &root, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["depth"], json!(8));
    assert_eq!(doc["compared"], json!(1));
    assert_eq!(doc["missing"]["count"], json!(7));
    let second: Value = serde_json::from_str(all[1]).unwrap();
    assert_eq!(doc["missing"]["first"][0], second["history"]);
    assert_eq!(doc["agree"], json!(false));
    let o = run(&["diff", &file, &root]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("reachable histories they miss: 7\n  left/-\n"), "{text}");
    assert!(text.ends_with("DISAGREE\n"), "{text}");
    // At --depth 1 the root is all there is.
    assert_eq!(run(&["diff", &file, &root, "--depth", "1"]).status.code(), Some(0));
    // Every line: agree.
    let full = write(&d, "all.jsonl", all.join("\n") + "\n");
    assert_eq!(run(&["diff", &file, &full]).status.code(), Some(0));
    // Without a depth anywhere, diff asks for one.
    let one = write(&d, "one.toml", ONE);
    assert_eq!(
        refused(&["diff", &one, &root]),
        format!("error: {one}: no depth: give --depth T or `depth = T` in the scenario\n")
    );
}

// 6. A number's length is capped, with a located error, before it is read.

#[test]
fn a_million_digit_prior_is_refused_at_once_where_it_is() {
    let d = tmp("digits");
    let long = format!("1{}", "0".repeat(1_000_000));
    let f = write(&d, "long.toml", ONE.replace(r#"prior = "1""#, &format!("prior = \"{long}\"")));
    let err = refused_within(&["verify", &f, "--depth", "1"], 3);
    assert_eq!(
        err,
        format!(
            "error: {f}:7:9: key `models[0].prior`: `1{}… (1000001 characters)` is longer than 10000 characters, \
             the most one number may have (limits::MAX_NUMBER_LEN)\n",
            "0".repeat(39)
        )
    );
    // 10,000 characters is still a number.
    let ok = format!("1{}", "0".repeat(9_999));
    let f = write(&d, "ok.toml", ONE.replace(r#"prior = "1""#, &format!("prior = \"{ok}\"")));
    assert_eq!(run(&["verify", &f, "--depth", "1"]).status.code(), Some(0));
    // The same limit on the command line and in policy lines.
    let coins = example("three-coins.toml");
    let long_flag = format!("1{}", "0".repeat(20_000));
    let err = refused_within(&["diff", &coins, &f, "--tolerance", &long_flag, "--depth", "1"], 3);
    assert_eq!(
        err,
        format!(
            "error: --tolerance `1{}… (20001 characters)` is longer than 10000 characters, the most one number may \
             have (limits::MAX_NUMBER_LEN)\n",
            "0".repeat(39)
        )
    );
    let line = format!(r#"{{"history": [], "m": {{"heads": "{long}", "tails": "0"}}, "theta": "0"}}"#);
    let jsonl = write(&d, "long.jsonl", line + "\n");
    let err = refused_within(&["diff", &coins, &jsonl, "--depth", "1"], 3);
    assert_eq!(
        err,
        format!(
            "error: {jsonl}:1: `m.heads`: `1{}… (1000001 characters)` is longer than 10000 characters, the most \
             one number may have (limits::MAX_NUMBER_LEN)\n",
            "0".repeat(39)
        )
    );
}

// 7. --threads is capped.

#[test]
fn threads_are_capped_and_the_cap_is_named() {
    let coins = example("three-coins.toml");
    let d = tmp("threads");
    let out = d.join("report");
    for args in [
        vec!["verify", &coins, "--threads", "10000"],
        vec!["report", &coins, "--threads", "10000", "--out", out.to_str().unwrap()],
    ] {
        let err = refused(&args);
        assert_eq!(
            err,
            "error: --threads 10000 is more than 256, the most worker threads imitator starts (limits::MAX_THREADS)\n"
        );
    }
    let err = refused(&["search", "--family", "iid", "--depth", "2", "--threads", "257"]);
    assert_eq!(
        err,
        "error: --threads 257 is more than 256, the most worker threads imitator starts (limits::MAX_THREADS)\n"
    );
    let o = run(&["verify", &coins, "--depth", "3", "--threads", "256"]);
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8(run(&["verify", "--help"]).stdout).unwrap();
    assert!(help.contains("at most 256"), "{help}");
}

// 10. Messages: never empty, always located, naming the key.

/// `verify` on a scenario made of `bytes`: exit 2, and the one line of stderr.
fn scenario_error(test: &str, bytes: &[u8]) -> (String, String) {
    let d = tmp(test);
    let f = write(&d, "s.toml", bytes);
    let err = refused(&["verify", &f, "--depth", "1"]);
    (f, err)
}

#[test]
fn a_bare_carriage_return_gets_a_reason() {
    let (f, err) = scenario_error("cr", b"\r");
    assert_eq!(
        err,
        format!("error: {f}:1:1: key `(document)`: a carriage return (\\r) must be followed by a line feed (\\n)\n")
    );
}

#[test]
fn bytes_that_are_not_utf8_get_a_line_and_column() {
    let (f, err) = scenario_error("utf8", b"name = \"x\"\n\nactions = [\"a\", \"b\xff\"]\n");
    assert_eq!(
        err,
        format!(
            "error: {f}:3:19: key `actions[1]`: the file is not UTF-8: an invalid byte sequence starts with 0xff here\n"
        )
    );
    // And in policy lines.
    let d = tmp("utf8-lines");
    let lines = write(&d, "l.jsonl", b"\n{\"history\": [\xc3\x28]}\n");
    let err = refused(&["diff", &example("three-coins.toml"), &lines]);
    assert_eq!(err, format!("error: {lines}:2:14: not UTF-8: an invalid byte sequence starts with 0xc3 here\n"));
}

#[test]
fn errors_about_a_value_name_its_key() {
    let (f, err) = scenario_error("depth-key", one_with_depth("18446744073709551616").as_bytes());
    assert_eq!(err, format!("error: {f}:3:9: key `depth`: number too large to fit in target type\n"));
    let text = ONE.replace(r#"iid = ["1"]"#, "start = [\"1\"]\nafter_action = { a = [1e999] }");
    let (f, err) = scenario_error("table-key", text.as_bytes());
    assert_eq!(err, format!("error: {f}:9:23: key `models[0].after_action.a[0]`: invalid floating-point number\n"));
    let (f, err) = scenario_error("dup-key", (ONE.to_string() + "prior = \"2\"\n").as_bytes());
    assert_eq!(err, format!("error: {f}:9:1: key `models[0].prior`: duplicate key `prior` in table `models`\n"));
}

#[test]
fn nan_is_not_told_to_be_quoted() {
    for (value, shown) in [("nan", "NaN"), ("inf", "inf"), ("-inf", "-inf")] {
        let (f, err) = scenario_error("nan", ONE.replace(r#""1/2""#, value).as_bytes());
        assert_eq!(
            err,
            format!(
                "error: {f}:2:9: key `alpha`: {shown} is a TOML float and not a number: write an exact number, as a \
                 fraction \"p/q\" (e.g. \"1/3\"), an integer (\"2\") or a decimal (\"0.25\")\n"
            )
        );
    }
    // A finite float is still told to be quoted, and the quoted form is accepted.
    let (_, err) = scenario_error("float", ONE.replace(r#""1/2""#, "0.5").as_bytes());
    assert!(err.contains(r#"quote it, e.g. "0.5""#), "{err}");
}

#[test]
fn an_empty_model_or_event_name_is_refused_like_an_empty_action_name() {
    let (f, err) = scenario_error("empty-model", ONE.replace(r#""m""#, r#""""#).as_bytes());
    assert_eq!(err, format!("error: {f}:6:8: key `models[0].name`: a name must not be empty\n"));
    let text = ONE.to_string() + "\n[[events]]\nname = \"\"\naction = \"a\"\nat_step = 1\n";
    let (f, err) = scenario_error("empty-event", text.as_bytes());
    assert_eq!(err, format!("error: {f}:11:8: key `events[0].name`: a name must not be empty\n"));
}
