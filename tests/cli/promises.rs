//! Issue 28's reproducers (`F01`…`F14`), each kept as a test of the promise
//! it broke: the exit status, the message, and what is on disk afterwards.
//! Work that must be refused before it starts is long work (minutes), run
//! under a deadline far shorter than it: a refusal after the work would pass it.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_imitator");

/// Longer than any refusal takes, far shorter than the work it guards.
const DEADLINE: Duration = Duration::from_secs(30);

fn example(name: &str) -> String {
    format!("{}/examples/{name}", workspace!())
}

fn tmp(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imitator-promises-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("temp dir");
    d
}

fn command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).stdin(Stdio::null()).env_remove("IMITATOR_SLOW_WRITES_MS");
    c
}

/// Runs to the end, or fails the test once [`DEADLINE`] has passed.
fn run<S: AsRef<OsStr> + std::fmt::Debug>(args: &[S]) -> Output {
    let mut child = command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still ran after {DEADLINE:?}: the refusal did not come before the work");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2, nothing on stdout, and a message on stderr that holds `needle`; no panic.
fn refused(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "{}", String::from_utf8_lossy(&o.stdout));
}

/// The entries of a folder, sorted (hidden temporary names included).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|r| r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn f01_a_huge_search_budget_is_refused_before_any_work() {
    for budget in ["18446744073709551615", "1000000000", "1000001"] {
        let o = run(&["search", "--family", "iid", "--depth", "1", "--budget", budget]);
        refused(&o, &format!("--budget {budget} is more than 1000000, the most candidates a search verifies"));
        assert!(stderr(&o).contains("limits::MAX_SEARCH_BUDGET"), "{}", stderr(&o));
    }
}

/// Three coins with α = 10⁻³⁰⁶: the proved bound on E[Σθ³]² is 2.56·10³⁰⁸, past `f64::MAX`.
fn tiny_alpha() -> String {
    format!(
        "actions = [\"heads\", \"tails\"]\nalpha = \"1/1{}\"\ntruth = \"fair\"\n\
         [[models]]\nname = \"fair\"\nprior = \"1/3\"\niid = [\"1/2\", \"1/2\"]\n\
         [[models]]\nname = \"heads-biased\"\nprior = \"1/3\"\niid = [\"3/4\", \"1/4\"]\n\
         [[models]]\nname = \"tails-biased\"\nprior = \"1/3\"\niid = [\"1/4\", \"3/4\"]\n",
        "0".repeat(306)
    )
}

/// A rival with a prior of 10⁴⁰⁰: the truth's weight is about 10⁻⁴⁰¹.
fn huge_rival_prior() -> String {
    format!(
        "actions = [\"safe\", \"risky\"]\nalpha = \"1/20\"\ntruth = \"careful\"\n\
         [[models]]\nname = \"careful\"\nprior = \"1/10\"\niid = [\"99/100\", \"1/100\"]\n\
         [[models]]\nname = \"reckless\"\nprior = \"1{}\"\niid = [\"1/2\", \"1/2\"]\n",
        "0".repeat(400)
    )
}

#[test]
fn f02_bounds_past_the_f64_range_are_written_from_the_exact_value() {
    let d = tmp("f02");
    // (scenario, depth of the report, max depth of the lifetime, the proved bound's root as written)
    let cases = [(tiny_alpha(), "2", "3", "1.6e154"), (huge_rival_prior(), "4", "20", "1.13137e202")];
    for (i, (text, depth, max_depth, root)) in cases.into_iter().enumerate() {
        let file = d.join(format!("s{i}.toml"));
        fs::write(&file, text).unwrap();
        let f = file.to_str().unwrap();
        // Exact masses: a floor within 3e-306 of 1 is finer than a rounded run's
        // 124-bit masses can show (there it stays undecided, exit 3).
        let o = run(&["verify", f, "--horizon", "infinite", "--max-depth", max_depth, "--arithmetic", "exact"]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{}{out}", stderr(&o));
        assert!(out.contains(&format!("≈ {root} (proved)")), "{out}");
        let rep = d.join(format!("rep{i}"));
        let o = run(&["report", f, "--depth", depth, "--out", rep.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let html = fs::read_to_string(rep.join("index.html")).unwrap();
        assert!(html.contains(&format!("proved bound √(4|A|⁴(M−1)(1−w)/(αw)) ≈ {root}")), "no bound in the page");
        // The finite report and its JSON were never affected, and still are not.
        let o = run(&["verify", f, "--depth", "3", "--json"]);
        assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{}", stderr(&o));
    }
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn f02_fmt_sqrt_keeps_the_order_of_magnitude_of_any_value() {
    use imitator::number::{fmt_float, fmt_sqrt, parse_rational};
    let sqrt = |t: &str| fmt_sqrt(&parse_rational(t).unwrap());
    assert_eq!(sqrt("4"), "2");
    assert_eq!(sqrt("1/4"), "0.5");
    assert_eq!(sqrt(&format!("1{}", "0".repeat(400))), "1e200");
    assert_eq!(sqrt(&format!("4{}", "0".repeat(401))), "6.32456e200");
    assert_eq!(sqrt(&format!("1/1{}", "0".repeat(400))), "1e-200");
    assert_eq!(sqrt(&format!("99999999999{}", "0".repeat(400))), "3.16228e205");
    assert_eq!(sqrt("0"), "0");
    // No f64 makes fmt_float panic.
    assert_eq!(fmt_float(f64::INFINITY), "∞");
    assert_eq!(fmt_float(f64::NEG_INFINITY), "-∞");
    assert_eq!(fmt_float(f64::NAN), "NaN");
    assert_eq!(fmt_float(1.7e-17), "1.7e-17");
}

#[test]
fn f06_an_endless_or_huge_input_is_refused_with_its_limit() {
    let o = run(&["verify", "/dev/zero"]);
    refused(&o, "/dev/zero: cannot read the scenario file: it is longer than 16777216 bytes");
    assert!(stderr(&o).contains("limits::MAX_SCENARIO_BYTES"));
    // A regular file over the limit is refused from its length, before it is read.
    let d = tmp("f06");
    let big = d.join("big.toml");
    fs::File::create(&big).unwrap().set_len(imitator::limits::MAX_SCENARIO_BYTES + 1).unwrap();
    refused(&run(&["verify", big.to_str().unwrap()]), "limits::MAX_SCENARIO_BYTES");
    // Their policy lines are read line by line, each line bounded.
    let o = run(&["diff", &example("three-coins.toml"), "/dev/zero", "--depth", "3"]);
    refused(&o, "/dev/zero:1: the line is longer than 67108864 bytes");
    assert!(stderr(&o).contains("limits::MAX_POLICY_LINE_BYTES"));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn f07_an_output_that_cannot_be_written_is_refused_before_the_work() {
    let d = tmp("f07");
    let coins = example("three-coins.toml");
    // Each of these would run for minutes (an exhaustive depth 16, a million candidates) before writing.
    let o = run(&["verify", &coins, "--depth", "16", "--csv", "/nonexistent/dir/csv"]);
    refused(&o, "/nonexistent/dir/csv: cannot create the folder: No such file or directory");
    let o = run(&["report", &coins, "--depth", "16", "--out", "/nonexistent/dir/rep"]);
    refused(&o, "/nonexistent/dir/rep: cannot create the folder");
    let rep = d.join("rep");
    let o = run(&["report", &coins, "--depth", "16", "--out", rep.to_str().unwrap(), "--csv", "/nonexistent/dir/c"]);
    refused(&o, "/nonexistent/dir/c: cannot create the folder");
    let afile = d.join("afile");
    fs::write(&afile, "mine").unwrap();
    let under_a_file = afile.join("x");
    let o = run(&[
        "search",
        "--family",
        "iid",
        "--depth",
        "40",
        "--budget",
        "1000000",
        "--out",
        under_a_file.to_str().unwrap(),
    ]);
    refused(&o, "Not a directory");
    let newdir = format!("{}/newdir/", d.display());
    let o = run(&["policy", &example("markov-weather.toml"), "--depth", "8", "--out", &newdir]);
    refused(&o, "newdir/: cannot write: not the name of a file");
    let o = run(&["export", &coins, "--depth", "300", "--format", "drn", "--out", &newdir]);
    refused(&o, "newdir/: cannot write: not the name of a file");
    // Nothing was left behind: no folder, no temporary.
    assert_eq!(entries(&d), ["afile"]);
    let _ = fs::remove_dir_all(&d);
}

/// The title of a report page (which scenario it is about).
fn title(dir: &Path) -> String {
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    let start = html.find("<title>").unwrap() + 7;
    html[start..start + html[start..].find("</title>").unwrap()].to_string()
}

#[test]
fn f08_a_report_and_its_csv_folder_appear_together_or_not_at_all() {
    let d = tmp("f08");
    let (r, c) = (d.join("r"), d.join("c"));
    let (rs, cs) = (r.to_str().unwrap(), c.to_str().unwrap());
    // A CSV folder that cannot be created: the report is not written either.
    let o = run(&["report", &example("rare-action.toml"), "--depth", "4", "--out", rs, "--csv", "/nonexistent/csv"]);
    refused(&o, "/nonexistent/csv: cannot create the folder");
    assert!(entries(&d).is_empty(), "{:?}", entries(&d));
    // The old pair, then a new one killed at many moments while it writes slowly:
    // afterwards both are old or both are new, each whole.
    let o = run(&["report", &example("rare-action.toml"), "--depth", "4", "--out", rs, "--csv", cs]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (old_title, old_csv) = (title(&r), fs::read(c.join("event_e.csv")).unwrap());
    let coins = example("three-coins.toml");
    let args = ["report", &coins, "--depth", "6", "--out", rs, "--csv", cs];
    for delay in [0u64, 30, 60, 100, 150, 220, 300, 400, 2000] {
        let mut child = command(&args)
            .env("IMITATOR_SLOW_WRITES_MS", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let now = (title(&r), fs::read(c.join("event_e.csv")).unwrap());
        if now.0 == old_title {
            assert_eq!(now.1, old_csv, "the old report beside new CSV files after {delay} ms");
        } else {
            assert!(now.0.contains("three coins"), "{}", now.0);
            assert_ne!(now.1, old_csv, "a new report beside the old CSV files after {delay} ms");
            break;
        }
    }
    // The same folder for both is refused.
    let o = run(&["report", &coins, "--depth", "3", "--out", rs, "--csv", rs]);
    refused(&o, "--out and --csv must be different folders");
    let _ = fs::remove_dir_all(&d);
}

/// The `# Found by:` lines of a search folder's files, without the options every run shares.
fn found_by(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = entries(dir)
        .iter()
        .map(|n| {
            let text = fs::read_to_string(dir.join(n)).unwrap();
            text.lines().find(|l| l.starts_with("# Found by")).unwrap_or("").to_string()
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn f09_a_search_folder_is_written_whole_even_by_concurrent_searches() {
    let d = tmp("f09");
    let s = d.join("s");
    let ss = s.to_str().unwrap();
    for _ in 0..3 {
        let _ = fs::remove_dir_all(&s);
        let a = ["search", "--family", "iid", "--depth", "5", "--budget", "6", "--seed", "1", "--out", ss];
        let b = ["search", "--family", "grid", "--depth", "5", "--budget", "6", "--seed", "2", "--out", ss];
        let mut one = command(&a).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let mut two = command(&b).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        assert!(one.wait().unwrap().success() && two.wait().unwrap().success());
        assert_eq!(entries(&s).len(), 4, "{:?}", entries(&s));
        assert_eq!(found_by(&s).len(), 1, "files of two searches in one folder: {:?}", found_by(&s));
        assert_eq!(entries(&d), ["s"], "a temporary was left behind");
    }
    // A folder holding anything else is refused before the search, and kept.
    fs::write(s.join("notes.txt"), "mine").unwrap();
    let o = run(&["search", "--family", "iid", "--depth", "40", "--budget", "1000000", "--out", ss]);
    refused(&o, "will not replace the folder: it holds `notes.txt`");
    assert_eq!(fs::read_to_string(s.join("notes.txt")).unwrap(), "mine");
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn f10_runs_creating_the_same_new_folder_all_succeed() {
    let d = tmp("f10");
    let rep = d.join("rep");
    let rare = example("rare-action.toml");
    let args = ["report", &rare, "--depth", "5", "--out", rep.to_str().unwrap()];
    for _ in 0..4 {
        let _ = fs::remove_dir_all(&rep);
        let children: Vec<_> =
            (0..4).map(|_| command(&args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()).collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        assert_eq!(entries(&rep), ["index.html"]);
        assert_eq!(entries(&d), ["rep"], "a temporary was left behind");
    }
    let _ = fs::remove_dir_all(&d);
}

/// Runs with standard output a pipe whose reading end is closed (as `| head -c 0`).
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn f11_out_dev_stdout_on_a_closed_pipe_ends_quietly() {
    let weather = example("markov-weather.toml");
    let coins = example("three-coins.toml");
    for args in [
        vec!["policy", &weather, "--depth", "6", "--out", "/dev/stdout"],
        vec!["policy", &weather, "--depth", "6", "--out", "-"],
        vec!["export", &coins, "--depth", "30", "--format", "drn", "--out", "/dev/stdout"],
        vec!["export", &coins, "--depth", "30", "--format", "drn", "--out", "-"],
    ] {
        let o = with_closed_stdout(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn f12_messages_say_what_is_wrong() {
    let coins = example("three-coins.toml");
    let o = run(&["verify", &coins, "--engine", "lumped", "--time-limit", "1e9"]);
    refused(&o, "--time-limit 1000000000 is not less than 1000000000, the longest time limit");
    assert!(!stderr(&o).contains("positive"), "{}", stderr(&o));
    // diff never advises a depth it then refuses.
    let d = tmp("f12");
    let lines = d.join("long.jsonl");
    let step = r#"{"query":false,"action":"walk","observation":"sun"}"#;
    let history = vec![step; imitator::limits::MAX_DEPTH].join(",");
    fs::write(&lines, format!(r#"{{"history":[{history}],"m":{{"walk":"1/2","drive":"1/2"}},"theta":"0"}}"#)).unwrap();
    let o = run(&["diff", &example("markov-weather.toml"), lines.to_str().unwrap(), "--depth", "3"]);
    refused(&o, "no comparison goes that deep");
    assert!(!stderr(&o).contains("give --depth"), "{}", stderr(&o));
    // A long α is cut in the message.
    let alpha = format!("1/1{}", "0".repeat(9990));
    let o = run(&["search", "--family", "iid", "--depth", "2", "--alpha", &alpha]);
    refused(&o, "--alpha must be a rational strictly between 0 and 1");
    assert!(stderr(&o).contains("(9993 characters)") && stderr(&o).len() < 400, "{}", stderr(&o));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn f13_prism_file_names_come_from_out_byte_for_byte_or_are_refused() {
    let d = tmp("f13");
    let rare = example("rare-action.toml");
    let prism = |out: &OsStr| {
        let mut args: Vec<&OsStr> =
            ["export", &rare, "--depth", "3", "--format", "prism", "--out"].map(OsStr::new).to_vec();
        args.push(out);
        run(&args)
    };
    fs::create_dir(d.join("out")).unwrap();
    // DIR/. and DIR/ name no file: refused, nothing written in DIR's parent.
    for out in ["out/.", "out/", "out/.."] {
        let o = prism(d.join(out).as_os_str());
        refused(&o, "--out must name a file");
    }
    assert_eq!(entries(&d), ["out"]);
    // A name that is not UTF-8 keeps its bytes.
    let name = OsStr::from_bytes(b"x\xfd");
    let o = prism(d.join(name).as_os_str());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut want: Vec<Vec<u8>> = ["tra", "lab", "theta.srew", "theta3.srew", "inv_post_truth.srew"]
        .iter()
        .map(|e| [b"x\xfd.".as_slice(), e.as_bytes()].concat())
        .collect();
    want.push(b"out".to_vec());
    want.sort();
    let mut got: Vec<Vec<u8>> = fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().as_bytes().to_vec()).collect();
    got.sort();
    assert_eq!(got, want);
    // A device is not a base for five files; `-` (standard output) cannot hold five files.
    let o = prism(OsStr::new("/dev/full"));
    refused(&o, "/dev/full: is a device or a stream, not a file");
    assert!(!Path::new("/dev/full.tra").exists() || o.status.code() == Some(2));
    let o = prism(OsStr::new("-"));
    refused(&o, "--out -: PRISM's explicit format is five files");
    // For DRN, `-` is standard output: the same bytes as a file.
    let file = d.join("m.drn");
    let o = run(&["export", &rare, "--depth", "3", "--format", "drn", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["export", &rare, "--depth", "3", "--format", "drn", "--out", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, fs::read(&file).unwrap());
    assert!(stderr(&o).contains("written to standard output"), "{}", stderr(&o));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn f14_a_policy_line_with_a_duplicate_key_is_refused() {
    let d = tmp("f14");
    let lines = d.join("dup.jsonl");
    fs::write(
        &lines,
        r#"{"history": [], "history": [{"query": true, "action":"walk","observation":"sun"}], "m": {"walk": "1/2", "walk": "1/3", "drive": "1/2"}, "theta": "0", "theta": "1"}
"#,
    )
    .unwrap();
    let o = run(&["diff", &example("markov-weather.toml"), lines.to_str().unwrap(), "--depth", "3"]);
    refused(&o, "dup.jsonl:1: duplicate key `history`");
    let _ = fs::remove_dir_all(&d);
}

/// The files of a search folder, name and bytes, sorted by name.
fn folder(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn f09_a_search_folder_killed_at_any_moment_is_the_old_one_or_the_whole_new_one() {
    let d = tmp("f09-kill");
    let out = d.join("worst");
    let args = |seed: &str| {
        ["search", "--family", "iid", "--depth", "3", "--budget", "6", "--seed", seed, "--out", out.to_str().unwrap()]
            .map(String::from)
    };
    // The whole new folder (its files name their own path, so it is written
    // where the killed runs write), then the old one over it.
    let o = run(&args("2"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let new = folder(&out);
    let o = run(&args("1"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let old = folder(&out);
    assert!(!old.is_empty());
    assert_ne!(old, new);
    for delay in [0u64, 20, 50, 100, 200, 400, 2000] {
        let mut child = command(&args("2"))
            .env("IMITATOR_SLOW_WRITES_MS", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let now = folder(&out);
        assert!(now == old || now == new, "after {delay} ms the folder is neither the old one nor the whole new one");
        if now == new {
            break;
        }
    }
}
