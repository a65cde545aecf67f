//! The real binary on bad input, usage errors, the shipped examples and `--json`.

use imitator::number::{parse_rational, Rational};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn imitator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imitator")).args(args).output().expect("the binary runs")
}

fn example(name: &str) -> String {
    format!("{}/examples/{name}", workspace!())
}

/// A scenario file in a directory of this test process, removed when dropped.
struct TempScenario(PathBuf);

impl TempScenario {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("imitator-cli-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).expect("write scenario");
        TempScenario(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempScenario {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A valid scenario; the tests below break one line of it. Line numbers on the left.
const BASE: &str = r#"name = "bad"
actions = ["a", "b"]
alpha = "1/10"
truth = "x"

[[models]]
name = "x"
prior = "1/2"
iid = ["1/2", "1/2"]

[[models]]
name = "y"
prior = "1/2"
start = ["1", "0"]
after_action = { a = ["1/4", "3/4"], b = ["0", "1"] }

[[events]]
name = "b first"
action = "b"
at_step = 1
"#;
//  1 name            6 [[models]]    11 [[models]]      17 [[events]]
//  2 actions         7 name = "x"    12 name = "y"      18 name
//  3 alpha           8 prior         13 prior           19 action
//  4 truth           9 iid           14 start           20 at_step
//  5 (blank)        10 (blank)       15 after_action

/// BASE with line `n` (1-based) replaced by `text`.
fn replace(n: usize, text: &str) -> String {
    let mut lines: Vec<&str> = BASE.lines().collect();
    lines[n - 1] = text;
    lines.join("\n") + "\n"
}

/// BASE with `text` inserted so that it becomes line `n`.
fn insert(n: usize, text: &str) -> String {
    let mut lines: Vec<&str> = BASE.lines().collect();
    lines.insert(n - 1, text);
    lines.join("\n") + "\n"
}

/// Both commands refuse the file: status 2, nothing on stdout, and stderr names
/// the file, the line (exactly), a column, and the key; the whole message is
/// the snapshot `bad_input_NAME` (the file's path shown as `[FILE]`). Returns
/// the message.
fn assert_bad_input(name: &str, text: &str, key: &str, line: usize) -> String {
    let file = TempScenario::new(name, text);
    let mut message = String::new();
    for args in [vec!["run", file.path()], vec!["verify", file.path(), "--depth", "1"]] {
        let out = imitator(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", String::from_utf8_lossy(&out.stdout));
        let at = format!("{}:{line}:", file.path());
        let start = stderr.find(&at).unwrap_or_else(|| panic!("{args:?}: no `{at}` in {stderr}"));
        let rest = &stderr[start + at.len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let column: usize = digits.parse().unwrap_or_else(|_| panic!("{args:?}: no column in {stderr}"));
        assert!(column >= 1, "{stderr}");
        let after = &rest[digits.len()..];
        assert!(after.starts_with(&format!(": key `{key}`")), "{args:?}: key `{key}` expected in {stderr}");
        message = stderr;
    }
    assert_output_snapshot!(format!("bad_input_{name}"), message.replace(file.path(), "[FILE]"));
    message
}

#[test]
fn base_scenario_is_valid() {
    let file = TempScenario::new("base", BASE);
    assert_eq!(imitator(&["verify", file.path(), "--depth", "2"]).status.code(), Some(0));
    assert_eq!(imitator(&["run", file.path(), "--steps", "3"]).status.code(), Some(0));
    // And it is the scenario the line numbers describe: at step 1 both models are
    // collected (1/2 > 1/10 · 1/2), m = min((1/2, 1/2), (1, 0)) = (1/2, 0), so θ_1 = 1/2.
    let out = imitator(&["verify", file.path(), "--depth", "1", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(doc["expected_queries"]["by_depth"], serde_json::json!(["1/2"]));
    assert_eq!(doc["models"], 2);
}

#[test]
fn toml_float_alpha_is_rejected_with_a_message_to_quote_it() {
    let msg = assert_bad_input("float-alpha", &replace(3, "alpha = 0.1"), "alpha", 3);
    assert!(msg.contains("quote"), "{msg}");
}

#[test]
fn toml_float_in_a_distribution_is_rejected_with_a_message_to_quote_it() {
    let msg = assert_bad_input("float-iid", &replace(9, r#"iid = [0.5, "1/2"]"#), "models[0].iid[0]", 9);
    assert!(msg.contains("quote"), "{msg}");
}

#[test]
fn toml_float_prior_is_rejected() {
    assert_bad_input("float-prior", &replace(8, "prior = 0.5"), "models[0].prior", 8);
}

#[test]
fn distribution_not_summing_to_one_is_rejected() {
    let msg = assert_bad_input("sum", &replace(9, r#"iid = ["1/2", "1/3"]"#), "models[0].iid", 9);
    assert!(msg.contains("5/6"), "the message gives the sum 1/2 + 1/3 = 5/6: {msg}");
}

#[test]
fn after_action_row_not_summing_to_one_is_rejected() {
    let text = replace(15, r#"after_action = { a = ["1/4", "3/4"], b = ["1/2", "1/3"] }"#);
    assert_bad_input("sum-row", &text, "models[1].after_action.b", 15);
}

#[test]
fn distribution_of_the_wrong_length_is_rejected() {
    assert_bad_input("length", &replace(9, r#"iid = ["1/2", "1/4", "1/4"]"#), "models[0].iid", 9);
}

#[test]
fn environment_of_the_wrong_length_is_rejected() {
    // One observation (the default), two entries; `iid` lands on line 17.
    let text = insert(16, "[environment]\niid = [\"1/2\", \"1/2\"]");
    assert_bad_input("env-length", &text, "environment.iid", 17);
}

#[test]
fn entry_outside_the_unit_interval_is_rejected_even_when_the_sum_is_one() {
    // 3/2 + (−1/2) = 1, but both entries are outside [0, 1].
    let msg = assert_bad_input("entry", &replace(9, r#"iid = ["3/2", "-1/2"]"#), "models[0].iid", 9);
    assert!(msg.contains("3/2"), "{msg}");
}

#[test]
fn unknown_key_in_a_model_is_rejected() {
    assert_bad_input("unknown-model-key", &replace(10, r#"colour = "red""#), "models[0].colour", 10);
}

#[test]
fn unknown_top_level_key_is_rejected() {
    assert_bad_input("unknown-key", &replace(5, r#"alpah = "1/2""#), "alpah", 5);
}

#[test]
fn unknown_name_in_after_action_is_rejected() {
    let text = replace(15, r#"after_action = { a = ["1/4", "3/4"], c = ["0", "1"] }"#);
    assert_bad_input("unknown-row", &text, "models[1].after_action.c", 15);
}

#[test]
fn unknown_truth_is_rejected() {
    assert_bad_input("truth", &replace(4, r#"truth = "z""#), "truth", 4);
}

#[test]
fn duplicate_model_name_is_rejected() {
    assert_bad_input("dup-model", &replace(12, r#"name = "x""#), "models[1].name", 12);
}

#[test]
fn duplicate_action_name_is_rejected() {
    assert_bad_input("dup-action", &replace(2, r#"actions = ["a", "a"]"#), "actions[1]", 2);
}

#[test]
fn alpha_zero_is_rejected() {
    assert_bad_input("alpha-zero", &replace(3, r#"alpha = "0""#), "alpha", 3);
}

#[test]
fn alpha_one_is_rejected() {
    assert_bad_input("alpha-one", &replace(3, "alpha = 1"), "alpha", 3);
}

#[test]
fn negative_alpha_is_rejected() {
    assert_bad_input("alpha-negative", &replace(3, r#"alpha = "-1/2""#), "alpha", 3);
}

#[test]
fn zero_prior_is_rejected() {
    assert_bad_input("prior-zero", &replace(13, r#"prior = "0""#), "models[1].prior", 13);
}

#[test]
fn depth_zero_in_the_file_is_rejected() {
    assert_bad_input("depth-zero", &insert(4, "depth = 0"), "depth", 4);
}

#[test]
fn model_with_two_kinds_is_rejected_at_its_name() {
    // y gets `iid` on top of `start` + `after_action`; the error points at its name (line 12).
    assert_bad_input("two-kinds", &insert(14, r#"iid = ["1/2", "1/2"]"#), "models[1]", 12);
}

#[test]
fn model_with_no_kind_is_rejected_at_its_name() {
    assert_bad_input("no-kind", &replace(9, "# no distribution"), "models[0]", 7);
}

#[test]
fn event_with_an_unknown_action_is_rejected() {
    assert_bad_input("event-action", &replace(19, r#"action = "c""#), "events[0].action", 19);
}

#[test]
fn event_prefix_with_an_unknown_action_is_rejected() {
    let text = replace(20, "# no step").replace(r#"action = "b""#, r#"prefix = ["a", "c"]"#);
    assert_bad_input("event-prefix", &text, "events[0].prefix[1]", 19);
}

#[test]
fn missing_file_is_bad_input_that_names_the_file() {
    let path = std::env::temp_dir().join(format!("imitator-cli-errors-{}-absent.toml", std::process::id()));
    let path = path.to_str().unwrap();
    for args in [vec!["run", path], vec!["verify", path, "--depth", "1"]] {
        let out = imitator(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(stderr.contains(path), "{stderr}");
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    for cmd in ["run", "verify"] {
        let out = imitator(&[cmd, &example("three-coins.toml"), "--no-such-flag"]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(out.stdout.is_empty(), "{cmd}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"), "{cmd}");
    }
}

#[test]
fn unknown_variant_is_a_usage_error() {
    for cmd in ["run", "verify"] {
        let out = imitator(&[cmd, &example("three-coins.toml"), "--variant", "greedy"]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(out.stdout.is_empty(), "{cmd}");
    }
}

#[test]
fn depth_zero_on_the_command_line_is_bad_input() {
    let out = imitator(&["verify", &example("three-coins.toml"), "--depth", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

fn verify_json(file: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["verify", file, "--json"];
    args.extend_from_slice(extra);
    let out = imitator(&args);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"));
    (out.status.code(), doc)
}

fn exact(v: &Value) -> Rational {
    parse_rational(v.as_str().unwrap_or_else(|| panic!("{v} is not a string"))).expect("an exact number")
}

#[test]
fn verify_exits_0_on_every_shipped_example() {
    let dir = Path::new(workspace!()).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for f in &files {
        let f = f.to_str().unwrap();
        let out = imitator(&["verify", f]);
        assert_eq!(out.status.code(), Some(0), "{f}: {}", String::from_utf8_lossy(&out.stdout));
        // The text report, whole.
        let stem = Path::new(f).file_stem().unwrap().to_str().unwrap();
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert_output_snapshot!(format!("verify_text_{stem}"), text.replace(workspace!(), "[WORKSPACE]"));
        let (code, doc) = verify_json(f, &[]);
        assert_eq!(code, Some(0), "{f}");
        assert_eq!(doc["holds"], Value::Bool(true), "{f}");
    }
}

/// `map` and `mixture` on rare-action: per-step violations, a worst-case ratio
/// above the conservative imitator's, and exit status 1.
fn check_train_then_deploy_fails(variant: &str) {
    let file = example("rare-action.toml");
    let (code, conservative) = verify_json(&file, &[]);
    assert_eq!(code, Some(0));
    let base = exact(&conservative["worst_case"]["max_ratio"]);
    for warmup in ["0", "2"] {
        let (code, doc) = verify_json(&file, &["--variant", variant, "--warmup", warmup]);
        assert_eq!(code, Some(1), "{variant} --warmup {warmup}");
        assert_eq!(doc["holds"], Value::Bool(false));
        assert_eq!(doc["variant"], Value::String(variant.into()));
        assert_eq!(doc["warmup"], serde_json::json!(warmup.parse::<u64>().unwrap()));
        let violations = doc["per_step_ratio"]["violations"].as_u64().expect("a count");
        assert!(violations > 0, "{variant} --warmup {warmup}");
        assert_eq!(doc["per_step_ratio"]["holds"], Value::Bool(false));
        let ratio = exact(&doc["worst_case"]["max_ratio"]);
        assert!(ratio > base, "{variant} --warmup {warmup}: {ratio} ≤ conservative {base}");
    }
}

#[test]
fn map_fails_on_rare_action_with_and_without_warmup() {
    check_train_then_deploy_fails("map");
}

#[test]
fn mixture_fails_on_rare_action_with_and_without_warmup() {
    check_train_then_deploy_fails("mixture");
}

/// The keys of the JSON document (`docs/json.md`), in order (more may follow or sit between them).
const DOCUMENT_KEYS: [&str; 19] = [
    "scenario",
    "depth",
    "alpha",
    "actions",
    "models",
    "truth",
    "truth_weight",
    "variant",
    "engine",
    "event_e",
    "query_cubed_sum",
    "expected_queries",
    "expected_product",
    "per_step_ratio",
    "events",
    "unprecedented",
    "worst_case",
    "holds",
    "stats",
];

fn assert_keys_in_order(obj: &Value, keys: &[&str], what: &str) {
    let have: Vec<&str> =
        obj.as_object().unwrap_or_else(|| panic!("{what} is not an object")).keys().map(|k| k.as_str()).collect();
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| have.iter().position(|h| h == k).unwrap_or_else(|| panic!("{what}: no key `{k}` in {have:?}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{what}: keys out of order: {have:?}");
}

#[test]
fn json_output_is_exactly_one_object_with_the_spec_keys_in_order() {
    let out = imitator(&["verify", &example("markov-weather.toml"), "--depth", "3", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let values: Vec<Value> =
        serde_json::Deserializer::from_str(&text).into_iter::<Value>().collect::<Result<_, _>>().expect("valid JSON");
    assert_eq!(values.len(), 1, "{text}");
    let doc = &values[0];
    assert_keys_in_order(doc, &DOCUMENT_KEYS, "document");
    for (k, keys) in [
        ("event_e", &["by_depth", "bound", "holds"][..]),
        ("query_cubed_sum", &["by_depth", "bound", "holds"][..]),
        ("per_step_ratio", &["nodes_checked", "violations", "holds"][..]),
        ("unprecedented", &["p_im", "bound", "holds"][..]),
        ("worst_case", &["max_ratio", "curve"][..]),
        ("stats", &["nodes", "threads", "elapsed_ms"][..]),
    ] {
        assert_keys_in_order(&doc[k], keys, k);
    }
    let events = doc["events"].as_array().expect("events");
    assert_eq!(events.len(), 3);
    for e in events {
        assert_keys_in_order(e, &["name", "p_dem", "p_im", "p_im_and_e", "holds"], "event");
    }
    for k in ["event_e", "query_cubed_sum", "expected_queries", "expected_product"] {
        assert_eq!(doc[k]["by_depth"].as_array().map(|a| a.len()), Some(3), "{k}: T entries");
    }
    assert_eq!(doc["depth"], serde_json::json!(3));
    assert_eq!(doc["scenario"], Value::String("markov weather".into()));
    assert_eq!(doc["truth_weight"], Value::String("1/3".into()));
}
