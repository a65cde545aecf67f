//! `imitator policy` and `imitator diff`, end to end: the exact listing, a
//! comparison of it with itself, planted differences, malformed files, and the
//! Python client in `examples/python/naive_imitator.py`, sound and with a bug.

use crate::{exit_code as status, run_imitator as run};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const CLIENT: &str = concat!(workspace!(), "/examples/python/naive_imitator.py");

/// The deepest listing the tests ask for: the slowest example (markov weather)
/// then has 2341 lines.
const MAX_DEPTH: usize = 5;

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(workspace!()).join("examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4, "the shipped examples");
    v
}

fn example(name: &str) -> PathBuf {
    Path::new(workspace!()).join("examples").join(name)
}

/// The example's own depth, capped at [`MAX_DEPTH`].
fn depth_of(path: &Path) -> usize {
    let s = imitator::scenario::Scenario::from_file(path).expect("a valid example");
    s.depth.unwrap_or(MAX_DEPTH).min(MAX_DEPTH)
}

/// A fresh directory for one test.
fn tmp(test: &str) -> PathBuf {
    crate::fresh_dir("policy-diff", test)
}

fn policy(file: &Path, depth: usize, extra: &[&str]) -> String {
    let d = depth.to_string();
    let mut args = vec!["policy", file.to_str().unwrap(), "--depth", &d];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(status(&o), 0, "policy failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

fn write_lines(path: &Path, v: &[Value]) {
    let text: String = v.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).expect("write lines");
}

/// Runs `diff --json` and returns its exit status and document.
fn diff_json(file: &Path, theirs: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", file.to_str().unwrap(), theirs.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("diff printed no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    (status(&o), doc)
}

fn python(script: &Path, file: &Path, depth: usize, out: &Path) {
    python_with(script, file, depth, out, &[]);
}

fn python_with(script: &Path, file: &Path, depth: usize, out: &Path, extra: &[&str]) {
    let o = Command::new("python3")
        .arg(script)
        .arg(file)
        .args(["--depth", &depth.to_string()])
        .args(extra)
        .output()
        .expect("python3 (3.11 or later) must be installed to run the Python client");
    assert!(o.status.success(), "the Python client failed: {}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(out, o.stdout).expect("write the client's lines");
}

fn step(query: bool, action: &str, observation: &str) -> Value {
    json!({"query": query, "action": action, "observation": observation})
}

#[test]
fn listing_is_exact_and_in_order() {
    let v = lines(&policy(&example("three-coins.toml"), 2, &[]));
    assert_eq!(v.len(), 5);
    assert_eq!(
        v[0],
        json!({
            "history": [],
            "posterior": {"fair": "1/3", "heads-biased": "1/3", "tails-biased": "1/3"},
            "ranking": ["fair", "heads-biased", "tails-biased"],
            "top": ["fair", "heads-biased", "tails-biased"],
            "m": {"heads": "1/4", "tails": "1/4"},
            "theta": "1/2",
            "p_im": "1",
            "truth_in_top": true,
        })
    );
    let histories: Vec<&Value> = v.iter().map(|l| &l["history"]).collect();
    assert_eq!(
        histories[1..],
        [
            &json!([step(false, "heads", "-")]),
            &json!([step(false, "tails", "-")]),
            &json!([step(true, "heads", "-")]),
            &json!([step(true, "tails", "-")]),
        ]
    );
    // Asked, the fair demonstrator says heads: posterior ∝ (1/2, 3/4, 1/4)/3.
    assert_eq!(v[3]["posterior"], json!({"fair": "1/3", "heads-biased": "1/2", "tails-biased": "1/6"}));
    assert_eq!(v[3]["ranking"], json!(["heads-biased", "fair", "tails-biased"]));
    assert_eq!(v[3]["p_im"], json!("1/4"));

    // Observations: walk then sun, own action, at step 1: m(walk)·ρ(sun | walk) = 1/2 · 3/4.
    let w = lines(&policy(&example("markov-weather.toml"), 2, &[]));
    assert_eq!(w[1]["history"], json!([step(false, "walk", "sun")]));
    assert_eq!(w[1]["p_im"], json!("3/8"));
    // Every model is still collected; after walk and sun they say (4/5, 1/5), (9/10, 1/10), (1/2, 1/2).
    assert_eq!(w[1]["m"], json!({"walk": "1/2", "drive": "1/10"}));

    // Every length and order rule on a deeper listing: lengths 0..T-1, sorted.
    let v = lines(&policy(&example("markov-weather.toml"), 4, &[]));
    assert_eq!(v.len(), 293);
    let key = |l: &Value| -> Vec<(bool, usize, usize)> {
        let a = ["walk", "drive"];
        let o = ["sun", "rain"];
        l["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["query"].as_bool().unwrap(),
                    a.iter().position(|x| *x == s["action"].as_str().unwrap()).unwrap(),
                    o.iter().position(|x| *x == s["observation"].as_str().unwrap()).unwrap(),
                )
            })
            .collect()
    };
    let keys: Vec<_> = v.iter().map(key).collect();
    assert!(keys.windows(2).all(|w| (w[0].len(), &w[0]) < (w[1].len(), &w[1])));
    assert_eq!(keys.last().unwrap().len(), 3);
}

#[test]
fn variants_are_listed() {
    let coins = example("three-coins.toml");
    let v = lines(&policy(&coins, 3, &["--variant", "always-query"]));
    assert!(v.iter().all(|l| l["theta"] == json!("1") && l["m"] == json!({"heads": "0", "tails": "0"})));
    assert!(v.iter().all(|l| l["history"].as_array().unwrap().iter().all(|s| s["query"] == json!(true))));
    assert_eq!(v.len(), 1 + 2 + 4);
    // map with one warm-up step: ask at step 1, then act with the top model and never ask.
    let v = lines(&policy(&coins, 3, &["--variant", "map", "--warmup", "1"]));
    assert_eq!(v[0]["theta"], json!("1"));
    assert_eq!(v[1]["history"], json!([step(true, "heads", "-")]));
    assert_eq!(v[1]["theta"], json!("0"));
    assert_eq!(v[1]["m"], json!({"heads": "3/4", "tails": "1/4"}));
    let dir = tmp("variants");
    let f = dir.join("map.jsonl");
    write_lines(&f, &v);
    let (code, doc) = diff_json(&coins, &f, &["--variant", "map", "--warmup", "1", "--depth", "3"]);
    assert_eq!((code, &doc["agree"]), (0, &json!(true)), "{doc}");
    // The same lines are not the conservative imitator's.
    let (code, doc) = diff_json(&coins, &f, &["--depth", "3"]);
    assert_eq!(code, 1);
    assert_eq!(doc["first_difference"]["line"], json!(1));
}

#[test]
fn own_output_agrees_exactly_on_every_example() {
    let dir = tmp("own");
    for file in examples() {
        let depth = depth_of(&file);
        let out = dir.join("own.jsonl");
        let d = depth.to_string();
        let o = run(&["policy", file.to_str().unwrap(), "--depth", &d, "--out", out.to_str().unwrap()]);
        assert_eq!(status(&o), 0);
        assert!(o.stdout.is_empty(), "--out writes nothing to stdout");
        let n = std::fs::read_to_string(&out).unwrap().lines().count();
        let (code, doc) = diff_json(&file, &out, &["--depth", &d]);
        assert_eq!(code, 0, "{}: {doc}", file.display());
        assert_eq!(doc["compared"], json!(n));
        assert_eq!(doc["differing"], json!(0));
        assert_eq!(doc["largest_deviation"]["deviation"], json!("0"));
        assert_eq!(doc["unreachable"]["count"], json!(0));
        assert_eq!(doc["missing"]["count"], json!(0));
        assert_eq!(doc["agree"], json!(true));
    }
}

#[test]
fn a_theta_changed_in_its_last_digit_is_caught_at_that_history() {
    let file = example("markov-weather.toml");
    let mut v = lines(&policy(&file, 4, &[]));
    let at = 99; // line 100
    let theta = v[at]["theta"].as_str().unwrap().to_string();
    assert_eq!(theta, "7/10");
    v[at]["theta"] = json!("7/11");
    let dir = tmp("theta");
    let f = dir.join("changed.jsonl");
    write_lines(&f, &v);
    let (code, doc) = diff_json(&file, &f, &["--depth", "4"]);
    assert_eq!(code, 1);
    assert_eq!(doc["compared"], json!(293));
    assert_eq!(doc["differing"], json!(1));
    let first = &doc["first_difference"];
    assert_eq!(first["line"], json!(100));
    assert_eq!(first["history"], v[at]["history"]);
    assert_eq!(first["fields"], json!([{"field": "theta", "ours": "7/10", "theirs": "7/11", "deviation": "7/110"}]));
    assert_eq!(doc["largest_deviation"]["deviation"], json!("7/110"));
    assert_eq!((&doc["unreachable"]["count"], &doc["missing"]["count"]), (&json!(0), &json!(0)));

    // The text report shows both values side by side.
    let o = run(&["diff", file.to_str().unwrap(), f.to_str().unwrap(), "--depth", "4"]);
    assert_eq!(status(&o), 1);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("first difference: line 100, history walk/sun ?drive/rain ?drive/sun"), "{text}");
    assert!(text.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["theta", "7/10", "7/11", "7/110"]));
    let shown = text.replace(f.to_str().unwrap(), "[LINES]").replace(file.to_str().unwrap(), "[SCENARIO]");
    assert_output_snapshot!("diff_text_markov_weather_theta_changed", shown);

    // As a JSON number: 1e-9 off is caught, 1e-13 off is within the default 1e-12.
    v[at]["theta"] = json!(0.7 + 1e-9);
    write_lines(&f, &v);
    let (code, doc) = diff_json(&file, &f, &["--depth", "4"]);
    assert_eq!((code, &doc["first_difference"]["line"]), (1, &json!(100)));
    let (code, _) = diff_json(&file, &f, &["--tolerance", "1e-8", "--depth", "4"]);
    assert_eq!(code, 0);
    v[at]["theta"] = json!(0.7 + 1e-13);
    write_lines(&f, &v);
    let (code, _) = diff_json(&file, &f, &["--depth", "4"]);
    assert_eq!(code, 0);
    // An exact string is held to 0 unless told otherwise.
    v[at]["theta"] = json!("0.7000000000001");
    write_lines(&f, &v);
    assert_eq!(diff_json(&file, &f, &["--depth", "4"]).0, 1);
    assert_eq!(diff_json(&file, &f, &["--tolerance", "1/1000000000000", "--depth", "4"]).0, 0);
}

#[test]
fn unreachable_and_missing_histories_are_named() {
    let file = example("elimination.toml");
    let mut v = lines(&policy(&file, 4, &[]));
    assert_eq!(v.len(), 4);
    // The alternator starts with left, and the imitator knows it: right at step 1 never happens.
    let mut bogus = v[1].clone();
    bogus["history"] = json!([step(false, "right", "-")]);
    v.remove(2);
    v.push(bogus);
    let dir = tmp("reach");
    let f = dir.join("lines.jsonl");
    write_lines(&f, &v);
    let (code, doc) = diff_json(&file, &f, &["--depth", "4"]);
    assert_eq!(code, 1);
    assert_eq!(doc["differing"], json!(0));
    assert_eq!(
        doc["unreachable"],
        json!({"count": 1, "histories": [{"line": 4, "history": [step(false, "right", "-")]}]})
    );
    assert_eq!(doc["missing"]["count"], json!(1));
    // After left the models disagree, so the imitator asks: the demonstrator says right.
    assert_eq!(doc["missing"]["first"], json!([[step(false, "left", "-"), step(true, "right", "-")]]));
    // The root alone agrees at depth 1 only: at depth 3, and at the scenario's depth 8, the rest is missing.
    v.truncate(1);
    write_lines(&f, &v);
    assert_eq!(diff_json(&file, &f, &["--depth", "1"]).0, 0);
    let (code, doc) = diff_json(&file, &f, &["--depth", "3"]);
    assert_eq!((code, &doc["missing"]["count"]), (1, &json!(2)));
    let (code, doc) = diff_json(&file, &f, &[]);
    assert_eq!((code, &doc["depth"], &doc["missing"]["count"]), (1, &json!(8), &json!(7)));
}

#[test]
fn malformed_lines_exit_2_with_the_line_number() {
    let file = example("three-coins.toml");
    let good = lines(&policy(&file, 2, &[]));
    let dir = tmp("malformed");
    let f = dir.join("bad.jsonl");
    let root = good[0].to_string();
    let child = good[1].to_string();
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "not JSON"),
        (r#"{"history": [], "m": {"heads": "1/4", "tails": "1/4"}}"#.into(), "missing `theta`"),
        (r#"{"history": [], "m": {"heads": "1/4"}, "theta": "1/2"}"#.into(), "no entry for `tails`"),
        (
            r#"{"history": [{"query": false, "action": "edge"}], "m": {"heads": 0.25, "tails": 0.25}, "theta": 0.5}"#
                .into(),
            "`edge` is not one of the actions",
        ),
        (r#"{"history": [], "m": {"heads": "1/4", "tails": "1/4"}, "theta": "half"}"#.into(), "`theta`"),
        (r#"{"history": [], "m": {"heads": "1/4", "tails": "1/4"}, "theta": true}"#.into(), "`theta`"),
        (r#"[1, 2]"#.into(), "JSON object"),
        (root.clone(), "the same history as line 1"),
    ];
    for (bad, message) in cases {
        // Line 2 is blank, skipped; the bad line is line 3.
        std::fs::write(&f, format!("{root}\n\n{bad}\n{child}\n")).unwrap();
        let o = run(&["diff", file.to_str().unwrap(), f.to_str().unwrap(), "--depth", "2"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(status(&o), 2, "{bad}: {err}");
        assert!(o.stdout.is_empty());
        assert!(err.contains(&format!("{}:3: ", f.display())), "{bad}: {err}");
        assert!(err.contains(message), "{bad}: {err}");
    }
    // A bad scenario is status 2 as well.
    let o = run(&["diff", "no-such.toml", f.to_str().unwrap()]);
    assert_eq!(status(&o), 2);
}

#[test]
fn python_client_agrees_within_1e_12_on_every_example() {
    let dir = tmp("python");
    for file in examples() {
        let depth = depth_of(&file);
        let out = dir.join("py.jsonl");
        python(Path::new(CLIENT), &file, depth, &out);
        let (code, doc) = diff_json(&file, &out, &["--depth", &depth.to_string()]);
        assert_eq!(code, 0, "{}: {doc}", file.display());
        let expected = lines(&policy(&file, depth, &[])).len();
        assert_eq!(doc["compared"], json!(expected));
        // Floats: not exact, but within the default tolerance.
        let largest = doc["largest_deviation"]["deviation"].as_f64().expect("a float deviation");
        assert!(largest <= 1e-12, "{}: {largest}", file.display());
    }
}

#[test]
fn python_client_takes_the_same_variant_flags_as_diff() {
    // `--variant` and `--warmup` on both commands: the baselines agree too.
    let dir = tmp("python-variants");
    for file in examples() {
        for flags in [
            ["--variant", "always-query", "--warmup", "0"],
            ["--variant", "map", "--warmup", "2"],
            ["--variant", "mixture", "--warmup", "1"],
        ] {
            let out = dir.join("py.jsonl");
            python_with(Path::new(CLIENT), &file, 4, &out, &flags);
            let mut args = vec!["--depth", "4"];
            args.extend(flags);
            let (code, doc) = diff_json(&file, &out, &args);
            assert_eq!(code, 0, "{} {flags:?}: {doc}", file.display());
            assert_eq!(doc["variant"], json!(flags[1]));
        }
    }
}

#[test]
fn a_planted_bug_in_the_python_client_is_named() {
    let dir = tmp("bug");
    // The bug: the posterior also learns from the imitator's own actions.
    let source = std::fs::read_to_string(CLIENT).unwrap();
    let sound = "        if query:  # only the demonstrator's answers are evidence about it\n";
    assert_eq!(source.matches(sound).count(), 1, "the line the test replaces");
    let buggy = dir.join("buggy_imitator.py");
    std::fs::write(&buggy, source.replace(sound, "        if True:\n")).unwrap();

    // Three coins: the first departure is the posterior after one unqueried heads.
    let coins = example("three-coins.toml");
    let out = dir.join("coins.jsonl");
    python(&buggy, &coins, 4, &out);
    let (code, doc) = diff_json(&coins, &out, &["--depth", "4"]);
    assert_eq!(code, 1);
    let first = &doc["first_difference"];
    assert_eq!(first["line"], json!(2));
    assert_eq!(first["history"], json!([step(false, "heads", "-")]));
    let fields: Vec<&str> = first["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["posterior.heads-biased", "posterior.tails-biased"]);
    assert_eq!(first["fields"][0]["ours"], json!("1/3"));

    // With only history, m and θ: the first departure in the policy itself. After
    // one unqueried risky step the bug believes the reckless model and stops asking.
    let rare = example("rare-action.toml");
    python(&buggy, &rare, 4, &out);
    let text = std::fs::read_to_string(&out).unwrap();
    let slim: Vec<Value> =
        lines(&text).into_iter().map(|l| json!({"history": l["history"], "m": l["m"], "theta": l["theta"]})).collect();
    write_lines(&out, &slim);
    let (code, doc) = diff_json(&rare, &out, &["--depth", "4"]);
    assert_eq!(code, 1);
    let first = &doc["first_difference"];
    assert_eq!(first["line"], json!(3));
    assert_eq!(first["history"], json!([step(false, "risky", "-")]));
    assert_eq!(
        first["fields"],
        json!([
            {"field": "m.risky", "ours": "1/100", "theirs": "0.5", "deviation": 0.49},
            {"field": "theta", "ours": "49/100", "theirs": "0.0", "deviation": 0.49},
        ])
    );
}
