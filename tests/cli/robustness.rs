//! The real binary on whatever it may be given : arbitrary bytes and
//! mutated scenarios, flags drawn from the edges of their ranges, and mutated
//! policy lines for `diff`. Every case must exit 0, 1 or 2 within a bounded
//! time; on 2, print nothing on stdout and a message on stderr that says
//! where the problem is (the file with its line and column, the line of
//! their file, or the flag).
//!
//! The fuzz targets in `fuzz/` go further, for longer; this suite is the
//! stable part that runs in CI.

use proptest::collection::vec;
use proptest::prelude::*;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_imitator");

/// The most a case may take (a few milliseconds is usual).
const BOUND: Duration = Duration::from_secs(20);

fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!("imitator-robustness-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d.join(format!("case-{}", N.fetch_add(1, Ordering::Relaxed)))
}

struct Ran {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs the binary with a deadline; a case that passes [`BOUND`] is killed and fails.
fn run(args: &[String]) -> Ran {
    let start = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} ran for more than {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    let code = status.code().unwrap_or_else(|| panic!("{args:?} was killed by a signal: {status:?}\n{stderr}"));
    Ran { code, stdout, stderr }
}

/// What every case must satisfy; `located` checks the message of a status 2.
fn check(args: &[String], located: impl Fn(&str) -> bool) -> Ran {
    let r = run(args);
    assert!(matches!(r.code, 0..=2), "{args:?}: status {}\n{}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    if r.code == 2 {
        assert!(r.stdout.is_empty(), "{args:?}: status 2 with stdout {:?}", String::from_utf8_lossy(&r.stdout));
        assert!(r.stderr.starts_with("error: "), "{args:?}: {:?}", r.stderr);
        assert!(r.stderr.trim_end().len() > "error: ".len(), "{args:?}: an empty message");
        assert!(located(&r.stderr), "{args:?}: not located: {}", r.stderr);
    }
    r
}

/// A message about the scenario file `file`: `file:LINE:COLUMN: key `K`: reason` for a
/// malformed file, `file: …` about the file as a whole; or one that names a limit.
fn about_scenario(file: &str, stderr: &str) -> bool {
    let Some(rest) = stderr.strip_prefix("error: ").and_then(|r| r.strip_prefix(file)) else {
        return stderr.contains("limits::") || stderr.contains("more than");
    };
    if let Some(about) = rest.strip_prefix(": ") {
        return !about.trim().is_empty();
    }
    let mut parts = rest.splitn(4, ':');
    let _ = parts.next();
    let line: usize = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
    let column: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let tail = parts.next().unwrap_or("");
    let reason = tail.strip_prefix(" key `").and_then(|t| t.split_once("`: ")).map(|(_, r)| r.trim()).unwrap_or("");
    line >= 1 && column >= 1 && !reason.is_empty()
}

/// Small scenarios to mutate: cheap to verify at their own depth.
const BASES: [&str; 3] = [fixture!("fuzz-markov-pair"), fixture!("fuzz-one-action"), fixture!("fuzz-weather")];

/// Pieces that have broken readers before: limits, floats, control bytes, structure.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<Vec<u8>> = [
        "\r",
        "\0",
        "\u{1}",
        "\n",
        "\"",
        "'",
        "[",
        "]",
        "{",
        "}",
        "=",
        ",",
        "#",
        ".",
        "nan",
        "inf",
        "-inf",
        "1e999",
        "0.5",
        "-1",
        "0",
        "1/0",
        "\"1/0\"",
        "99999999999999999999",
        "\"\"",
        "[[models]]\n",
        "[environment]\n",
        "[[events]]\n",
        "depth = 0\n",
        "depth = 1001\n",
        "depth = 100001\n",
        "depth = 4294967296\n",
        "depth = 9223372036854775807\n",
        "depth = 18446744073709551616\n",
        "name = \"\"\n",
        "prior = nan\n",
        "alpha = nan\n",
        "truth = \"zz\"\n",
        "at_least = -1\n",
        "at_step = 9223372036854775807\n",
        "prefix = [\"a\", \"a\", \"a\", \"a\"]\n",
        "iid = [\"1\"]\n",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    prop_oneof![
        4 => proptest::sample::select(fixed),
        1 => Just(vec![0xff]),
        1 => Just(vec![0xc3, 0x28]),
        1 => Just(format!("\"1{}\"", "0".repeat(20_000)).into_bytes()),
        1 => vec(any::<u8>(), 1..8),
    ]
}

/// A value at the edge of what a key accepts, put in place of the key's value.
fn edge_value() -> impl Strategy<Value = (&'static str, String)> {
    let long = format!("\"1{}\"", "0".repeat(20_000));
    let values: Vec<(&'static str, String)> = [
        ("depth", "0"),
        ("depth", "1001"),
        ("depth", "100001"),
        ("depth", "4294967296"),
        ("depth", "4294967297"),
        ("depth", "9223372036854775807"),
        ("depth", "18446744073709551616"),
        ("depth", "-1"),
        ("alpha", "nan"),
        ("alpha", "inf"),
        ("alpha", "0.1"),
        ("alpha", "\"1/0\""),
        ("alpha", "\"\""),
        ("prior", "nan"),
        ("prior", "-inf"),
        ("prior", "99999999999999999999"),
        ("prior", "\"0\""),
        ("name", "\"\""),
        ("name", "\"\\r\""),
        ("truth", "\"\""),
        ("actions", "[\"\"]"),
        ("actions", "[]"),
    ]
    .iter()
    .map(|(k, v)| (*k, v.to_string()))
    .chain([("prior", long.clone()), ("alpha", long)])
    .collect();
    proptest::sample::select(values)
}

/// `text` with the value of the first line `key = …` replaced by `value`.
fn set_value(text: &str, key: &str, value: &str) -> String {
    let mut done = false;
    text.lines()
        .map(|l| {
            if !done && l.starts_with(&format!("{key} = ")) {
                done = true;
                format!("{key} = {value}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, Vec<u8>),
    Flip(usize, u8),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), token()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, n)| Mutation::Delete(at, n)),
    ]
}

fn mutate(base: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut v = base.to_vec();
    for m in mutations {
        match m {
            Mutation::Insert(at, t) => {
                let at = at % (v.len() + 1);
                v.splice(at..at, t.iter().copied());
            }
            Mutation::Flip(at, b) if !v.is_empty() => {
                let at = at % v.len();
                v[at] = *b;
            }
            Mutation::Delete(at, n) if !v.is_empty() => {
                let at = at % v.len();
                let end = (at + n).min(v.len());
                v.drain(at..end);
            }
            _ => {}
        }
    }
    v
}

/// The commands a scenario is given to; none of them with a depth, so the file's is used.
fn scenario_commands(file: &str, which: u8) -> Vec<String> {
    let v: Vec<&str> = match which % 6 {
        0 => vec!["verify", file],
        1 => vec!["verify", file, "--engine", "lumped", "--json"],
        2 => vec!["run", file, "--steps", "4", "--json"],
        3 => vec!["policy", file],
        4 => vec!["explain", file, "--steps", "2"],
        _ => vec!["verify", file, "--depth", "2", "--variant", "map", "--warmup", "1"],
    };
    v.into_iter().map(String::from).collect()
}

fn write_case(bytes: &[u8], ext: &str) -> String {
    let p = scratch().with_extension(ext);
    std::fs::write(&p, bytes).expect("write case");
    p.to_str().unwrap().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_a_scenario(bytes in vec(any::<u8>(), 0..200), which in any::<u8>()) {
        let file = write_case(&bytes, "toml");
        let r = check(&scenario_commands(&file, which), |e| about_scenario(&file, e));
        let _ = std::fs::remove_file(&file);
        prop_assert_eq!(r.code, 2, "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_scenarios(
        base in 0..BASES.len(),
        edge in proptest::option::of(edge_value()),
        mutations in vec(mutation(), 0..4),
        which in any::<u8>(),
    ) {
        let text = match &edge {
            Some((key, value)) => set_value(BASES[base], key, value),
            None => BASES[base].to_string(),
        };
        let bytes = mutate(text.as_bytes(), &mutations);
        let file = write_case(&bytes, "toml");
        check(&scenario_commands(&file, which), |e| about_scenario(&file, e));
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn flags_at_the_edges(
        command in 0usize..7,
        picks in vec((0usize..12, 0usize..12), 0..5),
        json in any::<bool>(),
    ) {
        let file = write_case(BASES[0].as_bytes(), "toml");
        let lines = write_case(b"{\"history\": [], \"m\": {\"a\": \"1/4\", \"b\": \"1/4\"}, \"theta\": \"1/2\"}\n", "jsonl");
        let out = scratch();
        let flags: [(&str, &[&str]); 12] = [
            ("--depth", &["0", "1", "2", "3", "26", "3", "100001", "4294967296", "18446744073709551616", "-1", "x", ""]),
            ("--threads", &["0", "1", "2", "256", "257", "10000", "-1", "x", "1", "2", "1", "2"]),
            ("--engine", &["exhaustive", "lumped", "both", "", "lumped", "exhaustive", "x", "lumped", "x", "x", "x", "x"]),
            ("--variant", &["conservative", "always-query", "map", "mixture", "greedy", "", "map", "map", "x", "x", "x", "x"]),
            ("--warmup", &["0", "1", "2", "18446744073709551615", "18446744073709551616", "-1", "x", "", "3", "3", "3", "3"]),
            ("--steps", &["0", "1", "5", "1000000000000", "-1", "x", "", "3", "3", "3", "3", "3"]),
            ("--seed", &["0", "1", "18446744073709551615", "-1", "x", "", "7", "7", "7", "7", "7", "7"]),
            ("--tolerance", &["0", "1e-9", "1/1000", "-1", "nan", "inf", "1/0", "1e999", "x", "", "0.5", "1"]),
            ("--max-states", &["0", "1", "10", "18446744073709551616", "x", "", "5", "5", "5", "5", "5", "5"]),
            ("--budget", &["0", "1", "2", "x", "", "-1", "1", "1", "1", "1", "1", "1"]),
            ("--alpha", &["1/10", "0", "1", "nan", "1/0", "x", "", "0.5", "1/18446744073709551615", "1/3", "1/3", "1/3"]),
            ("--actions", &["1", "2", "3", "65", "1000000", "x", "2", "2", "2", "2", "2", "2"]),
        ];
        let base: Vec<String> = match command {
            0 => vec!["verify".into(), file.clone()],
            1 => vec!["run".into(), file.clone()],
            2 => vec!["explain".into(), file.clone()],
            3 => vec!["policy".into(), file.clone()],
            4 => vec!["diff".into(), file.clone(), lines.clone()],
            5 => vec!["report".into(), file.clone(), "--out".into(), out.to_str().unwrap().into()],
            _ => vec!["search".into(), "--family".into(), "iid".into(), "--budget".into(), "1".into()],
        };
        let mut args = base;
        for (flag, value) in &picks {
            let (name, values) = flags[*flag];
            args.push(name.into());
            args.push(values[*value].into());
        }
        if command == 6 && !picks.iter().any(|p| p.0 == 0) {
            args.extend(["--depth".into(), "2".into()]);
        }
        if json {
            args.push("--json".into());
        }
        // Keep the work of a case small: the one depth past the exhaustive engine's limit (26, with
        // 2 actions) goes to the lumped engine, except in a search, which runs many candidates.
        for i in 1..args.len() {
            if args[i - 1] == "--depth" && args[i] == "26" && command == 6 {
                args[i] = "3".into();
            }
        }
        check(&args, |e| {
            e.contains("--") || e.contains(&file) || e.contains(&lines) || e.contains("limits::") || e.contains(out.to_str().unwrap())
        });
        let _ = std::fs::remove_dir_all(&out);
    }

    #[test]
    fn mutated_policy_lines(
        mutations in vec(mutation(), 0..4),
        extra in proptest::sample::select(vec![
            "", "{}", "[]", "null", "{\"history\": []}", "{\"history\": [], \"m\": {\"a\": 1e400, \"b\": 0}, \"theta\": 0}",
            "{\"history\": [{\"query\": 1, \"action\": \"a\"}], \"m\": {}, \"theta\": 0}",
            "{\"history\": [], \"m\": {\"a\": \"-0\", \"b\": \"1/0\"}, \"theta\": \"nan\"}",
        ]),
        depth in 1usize..4,
        json in any::<bool>(),
    ) {
        let file = write_case(BASES[0].as_bytes(), "toml");
        let listing = run(&["policy".into(), file.clone(), "--depth".into(), "3".into()]).stdout;
        let mut text = mutate(&listing, &mutations);
        text.extend_from_slice(extra.as_bytes());
        let lines = write_case(&text, "jsonl");
        let mut args = vec!["diff".to_string(), file.clone(), lines.clone(), "--depth".into(), depth.to_string()];
        if json {
            args.push("--json".into());
        }
        // A malformed line is named by its number: `FILE:LINE:` or `FILE:LINE:COLUMN:`.
        let r = check(&args, |e| {
            e.strip_prefix(&format!("error: {lines}:"))
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= 1)
        });
        if mutations.is_empty() && extra.is_empty() && depth == 3 {
            prop_assert_eq!(r.code, 0);
        }
    }
}
