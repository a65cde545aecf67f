//! Machine models, machine environments and machine events on the command
//! line: every mistake in one is exit 2 with the file, the key, the line and
//! the column and nothing on standard output; an unreachable state is a
//! warning; the machine limits are refused before the work; and every
//! command runs on every machine of the gallery.

use std::path::PathBuf;
use std::process::{Command, Output};

fn imitator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imitator")).args(args).output().expect("the binary runs")
}

/// A valid scenario with a machine model, a machine environment and a machine
/// event; each test below changes one line of it.
const BASE: &str = fixture!("machine-base");

/// A scenario file of this test process, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("imitator-cli-machines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).expect("write scenario");
        Temp(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `BASE` with `from` replaced by `to` (which must occur), verified: exit 2,
/// nothing on stdout, and `FILE:expected` on stderr.
fn refused(name: &str, from: &str, to: &str, expected: &str) {
    assert!(BASE.contains(from), "{name}: `{from}` is in the base");
    let t = Temp::new(name, &BASE.replacen(from, to, 1));
    let o = imitator(&["verify", t.path(), "--depth", "2"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    assert!(o.stdout.is_empty(), "{name}: {}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(err.trim_end(), format!("error: {}:{expected}", t.path()), "{name}");
}

#[test]
fn the_base_scenario_is_valid() {
    let t = Temp::new("base", BASE);
    let o = imitator(&["verify", t.path(), "--depth", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty(), "no warning: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn unknown_names_are_refused_where_they_are_written() {
    refused(
        "unknown-from",
        r#"from = "calm", observation"#,
        r#"from = "calmx", observation"#,
        r#"16:25: key `models[1].transitions[0].from`: `calmx` is not a state; the states are ["calm", "alert"]"#,
    );
    refused(
        "unknown-observation-in-rule",
        r#"observation = "storm", to = "alert""#,
        r#"observation = "stormy", to = "alert""#,
        "16:47: key `models[1].transitions[0].observation`: `stormy` is not an observation; the observations are \
         [\"calm\", \"storm\"]",
    );
    refused(
        "unknown-action-in-rule",
        r#"action = "go", to = "high""#,
        r#"action = "run", to = "high""#,
        r#"21:27: key `environment.transitions[0].action`: `run` is not an action; the actions are ["go", "wait"]"#,
    );
    refused(
        "unknown-accepting",
        r#"accepting = ["rang"]"#,
        r#"accepting = ["rung"]"#,
        r#"31:14: key `events[1].accepting[0]`: `rung` is not a state; the states are ["quiet", "rang"]"#,
    );
    refused(
        "unknown-event-observation",
        "observation = \"storm\"\nat_least",
        "observation = \"snow\"\nat_least",
        r#"25:15: key `events[0].observation`: `snow` is not an observation; the observations are ["calm", "storm"]"#,
    );
    refused(
        "unknown-start-state",
        "policy = {",
        "start_state = \"sleep\"\npolicy = {",
        r#"15:15: key `models[1].start_state`: `sleep` is not a state; the states are ["calm", "alert"]"#,
    );
    refused(
        "unknown-observe-state",
        r#"observe = { low = ["9/10", "1/10"], "#,
        r#"observe = { low = ["9/10", "1/10"], mid = ["1", "0"], "#,
        r#"20:43: key `environment.observe.mid`: `mid` is not a state; the states are ["low", "high"]"#,
    );
}

#[test]
fn missing_entries_rules_without_to_and_unknown_keys_are_refused() {
    refused(
        "policy-without-a-state",
        r#", alert = ["0", "1"]"#,
        "",
        r#"15:10: key `models[1].policy`: has no entry for `alert`: give one for every one of ["calm", "alert"]"#,
    );
    refused(
        "observe-table-without-an-action",
        r#", wait = ["1", "0"]"#,
        "",
        "20:44: key `environment.observe.high`: has no entry for the action `wait`: a table by action gives one for \
         every one of [\"go\", \"wait\"] (or give one distribution for all)",
    );
    refused(
        "observe-without-a-state",
        r#"observe = { low = ["9/10", "1/10"], "#,
        "observe = { ",
        r#"20:11: key `environment.observe`: has no entry for `low`: give one for every one of ["low", "high"]"#,
    );
    refused(
        "rule-without-to",
        r#"{ to = "calm" }"#,
        r#"{ from = "alert" }"#,
        "16:72: key `models[1].transitions[1].to`: a rule needs `to`: the state it moves to",
    );
    refused(
        "unknown-key-in-a-rule",
        r#"{ to = "calm" }"#,
        r#"{ to = "calm", when = "now" }"#,
        "16:87: key `models[1].transitions[1].when`: unknown field `when`, expected one of `from`, `action`, \
         `observation`, `to`",
    );
    refused(
        "unknown-key-in-a-machine-environment",
        "observe = {",
        "colour = \"red\"\nobserve = {",
        "20:1: key `environment.colour`: unknown field `colour`, expected one of `iid`, `after_action`, `states`, \
         `start_state`, `observe`, `transitions`",
    );
    refused(
        "no-accepting-state",
        r#"accepting = ["rang"]"#,
        "accepting = []",
        "31:13: key `events[1].accepting`: must list at least one accepting state",
    );
    refused(
        "prefix-with-an-observation",
        "at_least = 1\n",
        "at_least = 1\nprefix = [\"go\"]\n",
        "23:1: key `events[0]`: event `a storm` with an `observation` must have `at_least` or `at_step` (and no \
         `prefix`, which reads actions only)",
    );
    refused(
        "a-machine-model-with-iid",
        "policy = {",
        "iid = [\"1\", \"0\"]\npolicy = {",
        "12:8: key `models[1]`: model `wary` as a machine has `states` and `policy` (and may have `start_state` and \
         `transitions`), and none of `iid`, `start`, `after_action` or `after_observation`",
    );
}

#[test]
fn a_machine_over_the_state_limit_is_refused() {
    let states: Vec<String> = (0..=imitator::limits::MAX_MACHINE_STATES).map(|i| format!("\"s{i}\"")).collect();
    let text = BASE.replacen(
        r#"states = ["quiet", "rang"]"#,
        &format!("states = [\"quiet\", \"rang\", {}]", states.join(", ")),
        1,
    );
    let t = Temp::new("too-many-states", &text);
    let o = imitator(&["verify", t.path(), "--depth", "2"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {}:30:10: key `events[1].states`: has 1003 states, more than 1000, the most states of one machine \
             (limits::MAX_MACHINE_STATES)",
            t.path()
        )
    );
}

/// Five event machines of 100 states each: 10^10 combinations, past the
/// lumped engine's limit, refused before it starts; the exhaustive engine,
/// which merges nothing, runs.
#[test]
fn too_many_combinations_of_machine_states_are_refused_by_the_lumped_engine() {
    let mut text = BASE.to_string();
    let names: Vec<String> = (0..100).map(|i| format!("\"q{i}\"")).collect();
    for i in 0..5 {
        text.push_str(&format!(
            "\n[[events]]\nname = \"big {i}\"\nstates = [{}]\naccepting = [\"q1\"]\ntransitions = [{{ from = \"q{i}\", to = \"q{}\" }}, {{ to = \"q0\" }}]\n",
            names.join(", "),
            i + 1
        ));
    }
    let t = Temp::new("product", &text);
    let o = imitator(&["verify", t.path(), "--depth", "2", "--engine", "lumped"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    assert!(
        err.contains("80000000000 combinations of states, more than 4294967296 (limits::MAX_MACHINE_PRODUCT)"),
        "{err}"
    );
    let o = imitator(&["verify", t.path(), "--depth", "2", "--engine", "exhaustive"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn an_unreachable_state_is_a_warning_and_the_run_goes_on() {
    let text = BASE
        .replacen(r#"states = ["low", "high"]"#, r#"states = ["low", "high", "flood", "drought"]"#, 1)
        .replacen(r#"wait = ["1", "0"] } }"#, r#"wait = ["1", "0"] }, flood = ["0", "1"], drought = ["1", "0"] }"#, 1);
    let t = Temp::new("unreachable", &text);
    let o = imitator(&["verify", t.path(), "--depth", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!o.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim_end(),
        format!(
            "warning: {}:19:10: key `environment.states`: states `flood`, `drought` cannot be reached from the start \
             state `low` by the transitions",
            t.path()
        )
    );
}

const GALLERY: [&str; 4] = ["treacherous-turn", "cliff-world", "second-order", "action-and-observation"];

/// Every command on every example of the gallery, as a newcomer would type
/// it: each exits as documented and writes what it says it writes.
#[test]
fn every_command_runs_on_every_example_of_the_gallery() {
    let dir = std::env::temp_dir().join(format!("imitator-cli-gallery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    for name in GALLERY {
        let file = format!("examples/{name}.toml");
        let ok = |args: &[&str], codes: &[i32]| {
            let o = imitator(args);
            let code = o.status.code().unwrap_or(-1);
            assert!(codes.contains(&code), "{args:?}: exit {code}: {}", String::from_utf8_lossy(&o.stderr));
            o
        };
        ok(&["run", &file, "--steps", "6", "--seed", "5"], &[0]);
        let story = ok(&["explain", &file, "--steps", "3", "--seed", "5"], &[0]);
        assert!(String::from_utf8_lossy(&story.stdout).contains("Machine states:"), "{name}");
        // The conservative imitator holds on every example; the baselines may not.
        for engine in ["exhaustive", "lumped"] {
            ok(&["verify", &file, "--depth", "6", "--engine", engine], &[0]);
            ok(&["verify", &file, "--depth", "6", "--engine", engine, "--variant", "map"], &[0, 1]);
        }
        ok(&["verify", &file, "--horizon", "infinite", "--max-depth", "10", "--width", "1/1000"], &[0, 3]);
        ok(&["report", &file, "--depth", "4", "--out", &out(&format!("{name}-report"))], &[0]);
        assert!(dir.join(format!("{name}-report/index.html")).is_file());
        let policy = ok(&["policy", &file, "--depth", "3"], &[0]);
        let lines = out(&format!("{name}.jsonl"));
        std::fs::write(&lines, &policy.stdout).unwrap();
        ok(&["diff", &file, &lines, "--depth", "3"], &[0]);
        ok(
            &["export", &file, "--depth", "3", "--events", "--format", "drn", "--out", &out(&format!("{name}.drn"))],
            &[0],
        );
        ok(&["export", &file, "--depth", "3", "--format", "prism", "--out", &out(&format!("{name}-prism"))], &[0]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The gallery's headline figures, as the README and docs/gallery.md show them.
#[test]
fn the_gallery_figures_are_those_the_docs_show() {
    let event = |file: &str, variant: &str, i: usize| -> serde_json::Value {
        let o = imitator(&["verify", &format!("examples/{file}.toml"), "--variant", variant, "--json"]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        doc["events"][i].clone()
    };
    // The treacherous turn: the imitator never strikes; map and mixture do.
    assert_eq!(event("treacherous-turn", "conservative", 0)["p_im"], "0");
    assert_eq!(event("treacherous-turn", "map", 0)["p_im"], "79/243");
    assert_eq!(event("treacherous-turn", "mixture", 0)["p_im"], "1001/3888");
    // Cliff world: the demonstrator falls with probability about 10^-7.
    let fall = event("cliff-world", "conservative", 0);
    assert_eq!(fall["p_dem"], "39999999/400000000000000");
    assert_eq!(fall["p_im_and_e"], "999999955000003/8000000000000000000000");
    assert_eq!(event("cliff-world", "map", 0)["p_im"], "11/32");
    // The observation event and the machine event are the same event.
    assert_eq!(event("cliff-world", "mixture", 0)["p_im"], event("cliff-world", "mixture", 1)["p_im"]);
}
