//! `imitator conformance`, `policy --sample`, `diff --only-listed`, the
//! relative tolerance and the depth hint, run as a user runs them.
//!
//! The suite's teeth are proved here on the shipped Python client: it
//! conforms, and each mutated copy of it (one classic mistake each) fails
//! exactly the cases listed in `MUTANTS`. `tests/library/conformance.rs` does
//! the same for the wrong imitators of `tests/library/wrong_imitators.rs`.

use crate::{exit_code as status, run_imitator as run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const CLIENT: &str = "examples/python/naive_imitator.py";

/// A fresh directory for one test.
fn tmp(test: &str) -> PathBuf {
    crate::fresh_dir("conformance-test", test)
}

fn template(client: &Path) -> String {
    format!(
        "python3 {} {{scenario}} --depth {{depth}} --variant {{variant}} --warmup {{warmup}} --histories {{histories}}",
        client.display()
    )
}

/// Runs the suite with `--json`: the exit status, and each pass that fails as `case pass`.
fn suite(args: &[&str]) -> (i32, Vec<String>, Value) {
    let mut all = vec!["conformance", "--json"];
    all.extend_from_slice(args);
    let o = run(&all);
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("one JSON object ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    let failing = doc["passes"]
        .as_array()
        .expect("passes")
        .iter()
        .filter(|p| p["verdict"] == "DISAGREE" || p["verdict"] == "ERROR")
        .map(|p| format!("{} {}", p["case"].as_str().unwrap(), p["pass"].as_str().unwrap()))
        .collect();
    (status(&o), failing, doc)
}

#[test]
fn the_shipped_python_client_conforms() {
    let (code, failing, doc) = suite(&["--command", &template(Path::new(CLIENT))]);
    assert_eq!((code, failing.len()), (0, 0), "{doc}");
    let passes = doc["passes"].as_array().unwrap();
    assert_eq!(passes.len(), 28);
    assert!(passes.iter().all(|p| p["verdict"] == "AGREE"));
    assert_eq!(doc["conforms"], Value::Bool(true));
}

/// Each mistake: its name, the edits that make it from the shipped client
/// (each `from` occurs exactly once), and the passes that must catch it.
struct Mutant {
    name: &'static str,
    edits: &'static [(&'static str, &'static str)],
    caught: &'static [&'static str],
}

const TOP_TEST: &str = "if n > 0 and not post[i] > sc.alpha * above:";

const MUTANTS: &[Mutant] = &[
    Mutant {
        name: "ge",
        edits: &[(TOP_TEST, "if n > 0 and not post[i] >= sc.alpha * above:")],
        caught: &[
            "alpha-tie full", "alpha-tie sampled", "ranking-tie full", "ranking-tie sampled", "elimination full",
            "elimination sampled", "many-models full", "many-models sampled", "unqueried-steps full", "machines full",
            "always-query full", "always-query sampled", "map-warmup full", "map-warmup sampled",
            "mixture-warmup full", "mixture-warmup sampled", "long-horizon full", "long-horizon sampled",
        ],
    },
    Mutant {
        name: "self-sum",
        edits: &[(TOP_TEST, "if n > 0 and not post[i] > sc.alpha * (above + post[i]):")],
        caught: &[
            "alpha-at-w full", "alpha-at-w sampled", "ranking-tie full", "ranking-tie sampled", "elimination full",
            "elimination sampled", "deterministic-truth full", "deterministic-truth sampled", "many-models full",
            "many-models sampled", "observations full", "observations sampled", "machines full", "machines sampled",
            "always-query full", "always-query sampled", "map-tie full", "map-tie sampled", "map-warmup full", "map-warmup sampled",
            "mixture-warmup full", "mixture-warmup sampled", "long-horizon full", "long-horizon sampled",
        ],
    },
    Mutant {
        name: "tie-later",
        edits: &[("key=lambda i: -post[i])", "key=lambda i: (-post[i], -i))")],
        caught: &[
            "ranking-tie full", "ranking-tie sampled", "elimination full", "elimination sampled", "map-tie full",
            "map-tie sampled",
        ],
    },
    Mutant {
        name: "prior-unnormalized",
        edits: &[
            (
                "self.prior = [num(m[\"prior\"]) / total for m in raw[\"models\"]]",
                "self.prior = [num(m[\"prior\"]) for m in raw[\"models\"]]",
            ),
            ("    post = normalize(weights)\n", "    post = list(weights)\n"),
        ],
        caught: &["many-models full", "many-models sampled"],
    },
    Mutant {
        name: "no-renormalize",
        edits: &[("            weights = normalize(weights)  #", "            pass  #")],
        caught: &["long-horizon sampled"],
    },
    Mutant {
        name: "unqueried-sometimes",
        edits: &[("        if query:  # only", "        if query or a == 0:  # only")],
        caught: &[
            "alpha-tie full", "alpha-tie sampled", "alpha-at-w full", "alpha-at-w sampled", "ranking-tie full",
            "ranking-tie sampled", "elimination full", "elimination sampled", "many-models full",
            "many-models sampled", "observations full", "observations sampled", "unqueried-steps full",
            "unqueried-steps sampled", "machines full", "machines sampled", "map-tie full", "map-tie sampled",
            "map-warmup full", "map-warmup sampled", "mixture-warmup full", "mixture-warmup sampled",
        ],
    },
    Mutant {
        name: "no-match-resets",
        edits: &[(
            "                    s = r[\"to\"]\n                    break\n",
            "                    s = r[\"to\"]\n                    break\n            else:  # no rule matches: back to the \
             start\n                s = machine.get(\"start_state\", machine[\"states\"][0])\n",
        )],
        caught: &["machines full", "machines sampled"],
    },
    Mutant {
        name: "warmup-short",
        edits: &[("and step <= warmup)", "and step < warmup)")],
        caught: &["map-warmup full", "map-warmup sampled", "mixture-warmup full", "mixture-warmup sampled"],
    },
    Mutant {
        name: "top-late",
        edits: &[(
            "        return Node(self.sc, self.args, self.history + ((query, a, o),), weights, self.p * pa * po)",
            "        node = Node(self.sc, self.args, self.history + ((query, a, o),), weights, self.p * pa * po)\n        \
             if query:  # Top, m and theta from the posterior before the update\n            \
             _, _, node.top, node.m, node.theta, _ = policy(self.sc, self.weights, node.world, self.args.variant, \
             self.args.warmup)\n        return node",
        )],
        caught: &[
            "alpha-at-w full", "alpha-at-w sampled", "ranking-tie full", "ranking-tie sampled", "elimination full",
            "elimination sampled", "deterministic-truth full", "deterministic-truth sampled", "many-models full",
            "many-models sampled", "observations full", "observations sampled", "unqueried-steps full",
            "unqueried-steps sampled", "machines full", "machines sampled", "always-query full", "always-query sampled",
            "map-warmup full",
            "map-warmup sampled", "mixture-warmup full", "mixture-warmup sampled", "long-horizon full",
            "long-horizon sampled",
        ],
    },
];

/// Writes the mutated copy of the client and runs the suite on it.
fn mutant_fails_where_expected(name: &str) {
    let m = MUTANTS.iter().find(|m| m.name == name).expect("a mutant");
    let mut src = std::fs::read_to_string(CLIENT).expect("the shipped client");
    for (from, to) in m.edits {
        assert_eq!(src.matches(from).count(), 1, "{name}: `{from}` occurs once in the client");
        src = src.replace(from, to);
    }
    let dir = tmp(name);
    let client = dir.join(format!("{name}.py"));
    std::fs::write(&client, src).unwrap();
    let (code, failing, doc) = suite(&["--command", &template(&client)]);
    assert_eq!(code, 1, "{name}: {doc}");
    assert_eq!(failing, m.caught, "{name}");
}

macro_rules! mutants {
    ($($test:ident: $name:literal,)*) => {
        $(#[test] fn $test() { mutant_fails_where_expected($name); })*
    };
}

mutants! {
    mutant_greater_or_equal_fails: "ge",
    mutant_candidate_in_its_own_sum_fails: "self-sum",
    mutant_ties_to_the_later_model_fails: "tie-later",
    mutant_prior_not_normalized_fails: "prior-unnormalized",
    mutant_weights_not_renormalized_underflow: "no-renormalize",
    mutant_unqueried_steps_update_sometimes_fails: "unqueried-sometimes",
    mutant_no_rule_matching_resets_a_machine_fails: "no-match-resets",
    mutant_warmup_one_short_fails: "warmup-short",
    mutant_top_set_one_update_late_fails: "top-late",
}

#[test]
fn emit_then_policies_written_by_hand() {
    let dir = tmp("emit");
    let suite_dir = dir.join("suite");
    let o = run(&["conformance", "--emit", suite_dir.to_str().unwrap(), "--case", "alpha-at-w,map-warmup"]);
    assert_eq!(status(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(&suite_dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "alpha-at-w.histories.jsonl",
            "alpha-at-w.sampled.histories.jsonl",
            "alpha-at-w.toml",
            "map-warmup.histories.jsonl",
            "map-warmup.sampled.histories.jsonl",
            "suite.json",
            "variants.toml",
        ]
    );
    let manifest: Value = serde_json::from_slice(&std::fs::read(suite_dir.join("suite.json")).unwrap()).unwrap();
    let map = &manifest["cases"][1];
    assert_eq!(
        (&map["case"], &map["variant"], &map["warmup"], &map["depth"]),
        (&"map-warmup".into(), &"map".into(), &2.into(), &5.into())
    );
    assert_eq!(map["sampled"]["write"], "map-warmup.sampled.jsonl");
    // The full pass of alpha-at-w asks about every reachable history of length 0..4.
    let listed = std::fs::read_to_string(suite_dir.join("alpha-at-w.histories.jsonl")).unwrap();
    assert_eq!(listed.lines().count(), 235);
    assert_eq!(listed.lines().next(), Some("{\"history\":[]}"));

    // Their files, written by hand: the exact policy for the full pass, the client for the sampled one.
    let theirs = dir.join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    for (case, depth, extra) in
        [("alpha-at-w", "5", vec![]), ("map-warmup", "5", vec!["--variant", "map", "--warmup", "2"])]
    {
        let scenario = suite_dir.join(
            manifest["cases"].as_array().unwrap().iter().find(|c| c["case"] == case).unwrap()["scenario"]
                .as_str()
                .unwrap(),
        );
        let out = theirs.join(format!("{case}.jsonl"));
        let mut args = vec!["policy", scenario.to_str().unwrap(), "--depth", depth, "--out", out.to_str().unwrap()];
        args.extend(extra);
        assert_eq!(status(&run(&args)), 0);
    }
    let asked = suite_dir.join("alpha-at-w.sampled.histories.jsonl");
    let o = Command::new("python3")
        .args([CLIENT, suite_dir.join("alpha-at-w.toml").to_str().unwrap(), "--histories", asked.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::write(theirs.join("alpha-at-w.sampled.jsonl"), o.stdout).unwrap();
    let (code, failing, doc) = suite(&["--policies", theirs.to_str().unwrap(), "--case", "alpha-at-w,map-warmup"]);
    assert_eq!((code, failing.len()), (0, 0), "{doc}");
    let verdicts: Vec<&str> =
        doc["passes"].as_array().unwrap().iter().map(|p| p["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["AGREE", "AGREE", "AGREE", "SKIPPED"]);

    // One number changed: that pass disagrees, with its line and both values.
    let file = theirs.join("map-warmup.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines[7]["m"] = serde_json::json!({"a": "1/4", "b": "3/4"});
    std::fs::write(&file, lines.iter().map(|v| v.to_string() + "\n").collect::<String>()).unwrap();
    let (code, failing, doc) = suite(&["--policies", theirs.to_str().unwrap(), "--case", "alpha-at-w,map-warmup"]);
    assert_eq!((code, failing), (1, vec!["map-warmup full".to_string()]));
    let first = doc["passes"][2]["first_difference"].as_str().unwrap();
    assert_eq!(first, "line 8, history ?a/- ?a/- a/-: m.a ours 3/4 theirs 1/4; m.b ours 1/4 theirs 3/4");
    assert_eq!(doc["passes"][2]["diff"]["differing"], 1);

    // A line that is no policy (m and theta do not sum to 1) is an ERROR, with the file and line.
    lines[7]["theta"] = "1/2".into();
    std::fs::write(&file, lines.iter().map(|v| v.to_string() + "\n").collect::<String>()).unwrap();
    let (code, failing, doc) = suite(&["--policies", theirs.to_str().unwrap(), "--case", "map-warmup"]);
    assert_eq!((code, failing), (1, vec!["map-warmup full".to_string()]));
    let why = doc["passes"][0]["first_difference"].as_str().unwrap();
    assert_eq!(why, format!("{}:8: m and theta sum to 3/2, not 1: not a policy", file.display()));

    // A malformed line is an ERROR with the file and the line, and the suite goes on.
    std::fs::write(&file, "{\"history\": []}\n").unwrap();
    let (code, failing, doc) = suite(&["--policies", theirs.to_str().unwrap(), "--case", "map-warmup"]);
    assert_eq!((code, failing), (1, vec!["map-warmup full".to_string()]));
    let why = doc["passes"][0]["first_difference"].as_str().unwrap();
    assert_eq!(why, format!("{}:1: missing `m`", file.display()));
}

#[test]
fn commands_that_fail_hang_or_write_nothing_are_errors_per_pass() {
    let one = ["--case", "alpha-tie", "--no-sampled"];
    let (code, _, doc) = suite(&[&["--command", "exit 3 # {scenario}"][..], &one].concat());
    assert_eq!((code, doc["passes"][0]["first_difference"].as_str().unwrap()), (1, "the command exited with status 3"));
    let (code, _, doc) = suite(&[&["--command", "true {scenario}"][..], &one].concat());
    assert_eq!(
        (code, doc["passes"][0]["first_difference"].as_str().unwrap()),
        (1, "the command's output: no policy lines")
    );
    let (code, _, doc) = suite(&[&["--command", "sleep 30 # {scenario}", "--timeout", "0.5"][..], &one].concat());
    assert_eq!(
        (code, doc["passes"][0]["first_difference"].as_str().unwrap()),
        (1, "the command ran past --timeout 0.5 s and was stopped")
    );
    // Two cases: the first fails, the second still runs.
    let (code, failing, doc) = suite(&["--command", "python3 examples/python/naive_imitator.py {scenario} --depth {depth} --variant {variant} --warmup {warmup}; test {depth} != 4", "--case", "alpha-tie,alpha-at-w"]);
    assert_eq!((code, failing), (1, vec!["alpha-tie full".to_string()]));
    let verdicts: Vec<&str> =
        doc["passes"].as_array().unwrap().iter().map(|p| p["verdict"].as_str().unwrap()).collect();
    // Without {histories}, the sampled passes are skipped.
    assert_eq!(verdicts, ["ERROR", "SKIPPED", "AGREE", "SKIPPED"]);
}

#[test]
fn bad_usage_exits_2() {
    for (args, message) in [
        (vec!["conformance"], "the following required arguments were not provided"),
        (vec!["conformance", "--command", "mine --depth {depth}"], "--command must contain {scenario}"),
        (vec!["conformance", "--command", "mine {scenario} {seed}"], "unknown placeholder {seed}"),
        (vec!["conformance", "--command", "mine {scenario}", "--case", "nosuch"], "--case nosuch: no such case"),
        (vec!["conformance", "--policies", "/nonexistent/folder"], "not a folder that can be read"),
        (vec!["conformance", "--command", "x {scenario}", "--timeout", "0"], "--timeout must be a positive number"),
        (vec!["conformance", "--command", "x {scenario}", "--policies", "."], "cannot be used with"),
    ] {
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(status(&o), 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn sampled_policies_at_depth_1000_agree_on_every_example() {
    let dir = tmp("sampled");
    for (name, lines) in [("elimination", 1000), ("markov-weather", 1998), ("rare-action", 1996), ("three-coins", 1999)]
    {
        let scenario = format!("examples/{name}.toml");
        let file = dir.join(format!("{name}.jsonl"));
        let args =
            ["policy", &scenario, "--sample", "2", "--seed", "7", "--depth", "1000", "--out", file.to_str().unwrap()];
        assert_eq!(status(&run(&args)), 0);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), lines, "{name}");
        // The same seed, the same file.
        let again = run(&["policy", &scenario, "--sample", "2", "--seed", "7", "--depth", "1000"]);
        assert_eq!(again.stdout, text.as_bytes(), "{name}");
        let o = run(&["diff", &scenario, file.to_str().unwrap(), "--only-listed", "--json"]);
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!((status(&o), &doc["compared"], &doc["agree"]), (0, &lines.into(), &true.into()), "{name}");
        assert_eq!(doc["their_depth"], 1000);
    }
    // Complete stays the default: a sampled file misses reachable histories.
    let o =
        run(&["diff", "examples/three-coins.toml", dir.join("three-coins.jsonl").to_str().unwrap(), "--depth", "4"]);
    assert_eq!(status(&o), 2, "a history of 999 steps is too long for depth 4");
    let o =
        run(&["diff", "examples/three-coins.toml", dir.join("three-coins.jsonl").to_str().unwrap(), "--depth", "1000"]);
    assert_eq!(status(&o), 2, "depth 1000 is too deep to list");
    assert!(String::from_utf8_lossy(&o.stderr).contains("too deep to list"));
    // A changed line of the sample is found, at its line.
    let file = dir.join("rare-action.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines[900]["theta"] = serde_json::json!(0.5);
    std::fs::write(&file, lines.iter().map(|v| v.to_string() + "\n").collect::<String>()).unwrap();
    let o = run(&["diff", "examples/rare-action.toml", file.to_str().unwrap(), "--only-listed", "--json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((status(&o), &doc["differing"], &doc["first_difference"]["line"]), (1, &1.into(), &901.into()));
    assert_eq!(
        doc["first_difference"]["history"].as_array().unwrap().len(),
        lines[900]["history"].as_array().unwrap().len()
    );
}

#[test]
fn a_sample_of_zero_or_beyond_the_limits_is_refused() {
    let o = run(&["policy", "examples/three-coins.toml", "--sample", "0", "--depth", "10"]);
    assert_eq!(status(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--sample must be at least 1"));
    let o = run(&["policy", "examples/three-coins.toml", "--sample", "100000", "--depth", "100000"]);
    assert_eq!(status(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("give a smaller --sample or --depth"));
    let o = run(&["policy", "examples/three-coins.toml", "--seed", "3", "--depth", "3"]);
    assert_eq!(status(&o), 2, "--seed needs --sample");
}

/// The 31 rarest histories of rare action (p_im < 1e-12) with p_im 100 times too large.
#[test]
fn a_hundredfold_error_on_rare_histories_is_caught_by_the_relative_tolerance() {
    let dir = tmp("rare");
    let scenario = "examples/rare-action.toml";
    let o = run(&["policy", scenario, "--depth", "8"]);
    let mut lines: Vec<Value> =
        String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut changed = 0;
    for v in &mut lines {
        let p = v["p_im"].as_str().unwrap();
        let (n, d) = p.split_once('/').unwrap_or((p, "1"));
        let x = n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap();
        if x < 1e-12 {
            v["p_im"] = serde_json::json!(x * 100.0);
            changed += 1;
        }
    }
    assert_eq!((lines.len(), changed), (6307, 31));
    let file = dir.join("rare.jsonl");
    std::fs::write(&file, lines.iter().map(|v| v.to_string() + "\n").collect::<String>()).unwrap();
    let differing = |extra: &[&str]| {
        let mut args = vec!["diff", scenario, file.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let o = run(&args);
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        (status(&o), doc["differing"].as_u64().unwrap())
    };
    // The default for JSON numbers is relative: all 31 are caught.
    assert_eq!(differing(&[]), (1, 31));
    // An absolute 1e-12 alone (the old default) misses the 2 rarest.
    assert_eq!(differing(&["--tolerance", "1e-12", "--rel-tolerance", "0"]), (1, 29));
    // Within either: a relative tolerance of 100 accepts them all, and so does an absolute 1e-9.
    assert_eq!(differing(&["--rel-tolerance", "100"]), (0, 0));
    assert_eq!(differing(&["--tolerance", "1e-9"]), (0, 0));
    let o = run(&["diff", scenario, file.to_str().unwrap(), "--rel-tolerance=-1"]);
    assert_eq!(status(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--rel-tolerance must not be negative"));
}

#[test]
fn a_file_that_stops_short_gets_a_hint() {
    let dir = tmp("short");
    let file = dir.join("depth4.jsonl");
    assert_eq!(
        status(&run(&["policy", "examples/three-coins.toml", "--depth", "4", "--out", file.to_str().unwrap()])),
        0
    );
    let o = run(&["diff", "examples/three-coins.toml", file.to_str().unwrap(), "--depth", "6"]);
    assert_eq!(status(&o), 1);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(
            "hint: their longest history has 3 steps, so their file reaches depth 4, short of the compared depth 6: \
             give --depth 4 to compare what it holds"
        ),
        "{text}"
    );
    let o = run(&["diff", "examples/three-coins.toml", file.to_str().unwrap(), "--depth", "6", "--json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((&doc["their_depth"], &doc["missing"]["count"]), (&4.into(), &1280.into()));
    assert!(doc["hint"].as_str().unwrap().ends_with("give --depth 4 to compare what it holds"));
    // At their depth they agree, and there is no hint.
    let o = run(&["diff", "examples/three-coins.toml", file.to_str().unwrap(), "--depth", "4", "--json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((status(&o), &doc["hint"]), (0, &Value::Null));
}
