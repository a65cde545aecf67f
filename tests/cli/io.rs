//! The I/O promises of the README, on the real binary: every command with its
//! standard output closed (a broken pipe: quiet, same status) and on a full
//! device (status 2, a message naming standard output); and `report` and
//! `policy --out`, killed at many moments while they write slowly, leave
//! either the old output or the complete new one.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_imitator");

fn example(name: &str) -> String {
    format!("{}/examples/{name}", workspace!())
}

fn tmp(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imitator-io-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("temp dir");
    d
}

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).stdin(Stdio::null());
    c
}

/// Runs with standard output a pipe whose reading end is closed before the
/// command writes (as `imitator … | head -c 0`).
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

/// Runs with standard output on `/dev/full`, where every write fails with "No space left on device".
fn with_full_stdout(args: &[&str]) -> Output {
    let full = File::options().write(true).open("/dev/full").expect("/dev/full");
    command(args).stdout(full).output().expect("run")
}

/// Every command, each with the status it exits with when its output is read.
fn cases(dir: &Path) -> Vec<(Vec<String>, i32)> {
    let coins = example("three-coins.toml");
    let rare = example("rare-action.toml");
    let lines = dir.join("coins.jsonl");
    let o = command(&["policy", &coins, "--depth", "3"]).output().unwrap();
    fs::write(&lines, &o.stdout).unwrap();
    let lines = lines.to_str().unwrap().to_string();
    let report = dir.join("report").to_str().unwrap().to_string();
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (v(&["run", &coins, "--steps", "5"]), 0),
        (v(&["run", &coins, "--steps", "5", "--trace", "--json"]), 0),
        // Depth 9: three coins' event "tails at least 9 times" can happen, so no warning is due.
        (v(&["verify", &coins, "--depth", "9"]), 0),
        (v(&["verify", &coins, "--depth", "9", "--json"]), 0),
        (v(&["verify", &rare, "--depth", "3", "--variant", "map"]), 1),
        (v(&["verify", &coins, "--depth", "20", "--engine", "lumped"]), 0),
        (v(&["policy", &coins, "--depth", "3"]), 0),
        (v(&["diff", &coins, &lines, "--depth", "3"]), 0),
        (v(&["diff", &coins, &lines, "--depth", "4", "--json"]), 1),
        (v(&["explain", &coins, "--steps", "3"]), 0),
        (v(&["report", &coins, "--depth", "9", "--out", &report]), 0),
        (v(&["search", "--family", "iid", "--depth", "3", "--budget", "2"]), 0),
        (v(&["search", "--family", "iid", "--depth", "3", "--budget", "2", "--json"]), 0),
        (v(&["--help"]), 0),
        (v(&["verify", "--help"]), 0),
        (v(&["--version"]), 0),
    ]
}

#[test]
fn every_command_ends_quietly_on_a_closed_pipe_with_its_own_status() {
    let dir = tmp("closed");
    for (args, status) in cases(&dir) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = with_closed_stdout(&args);
        assert_eq!(o.status.code(), Some(status), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn every_command_names_standard_output_when_the_device_is_full() {
    let dir = tmp("full");
    for (args, _) in cases(&dir) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = with_full_stdout(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr, "error: standard output: No space left on device (os error 28)\n", "{args:?}");
    }
}

/// `explain … | head -1` and `policy … | head -1`: the reader goes away after one line.
#[test]
fn a_reader_that_stops_after_one_line_ends_the_command_quietly() {
    let coins = example("three-coins.toml");
    for args in [vec!["explain", &coins, "--steps", "300"], vec!["policy", &coins, "--depth", "7"]] {
        let mut child = command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn policy_out_on_a_full_device_names_the_path() {
    let o = command(&["policy", &example("three-coins.toml"), "--depth", "3", "--out", "/dev/full"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: /dev/full: cannot write: No space left on device (os error 28)\n"
    );
}

#[test]
fn write_errors_name_the_path() {
    let dir = tmp("paths");
    let coins = example("three-coins.toml");
    let file = dir.join("a-file");
    fs::write(&file, "x").unwrap();
    let under = file.join("report");
    let o = command(&["report", &coins, "--depth", "2", "--out", under.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with(&format!("error: {}: ", under.display())), "{stderr}");
    // A folder holding other files is not replaced by a report.
    let mine = dir.join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "keep").unwrap();
    let o = command(&["report", &coins, "--depth", "2", "--out", mine.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: {}: will not replace the folder: it holds `notes.txt`, which this command does not write; \
             give a new or empty folder\n",
            mine.display()
        )
    );
    assert_eq!(fs::read_to_string(mine.join("notes.txt")).unwrap(), "keep");
    let o = command(&["policy", &coins, "--depth", "2", "--out", under.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with(&format!("error: {}: cannot create: ", under.display())), "{stderr}");
}

/// The command, writing every 4 KiB with a pause of `ms` milliseconds.
fn slow(args: &[&str], ms: u64) -> Child {
    command(args)
        .env("IMITATOR_SLOW_WRITES_MS", ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

fn hidden_temporaries(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().ends_with(".tmp"))
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    let mut v = Vec::new();
    File::open(path).unwrap().read_to_end(&mut v).unwrap();
    v
}

#[test]
fn killing_policy_at_any_moment_leaves_the_old_file_or_the_complete_new_one() {
    let dir = tmp("kill-policy");
    let coins = example("three-coins.toml");
    let out = dir.join("lines.jsonl");
    let out_s = out.to_str().unwrap();
    let old = command(&["policy", &coins, "--depth", "3"]).output().unwrap().stdout;
    let new = command(&["policy", &coins, "--depth", "6"]).output().unwrap().stdout;
    assert!(new.len() > 500_000, "long enough to write slowly: {}", new.len());
    fs::write(&out, &old).unwrap();
    let mut before = old.clone();
    let mut caught_mid_write = 0;
    for k in 0..10u64 {
        let mut child = slow(&["policy", &coins, "--depth", "6", "--out", out_s], 5);
        std::thread::sleep(Duration::from_millis(30 + 90 * k));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = read(&out);
        assert!(now == before || now == new, "kill {k}: {} bytes, neither the old file nor the new one", now.len());
        let partial = hidden_temporaries(&dir);
        if now == before && partial.iter().any(|p| fs::metadata(p).unwrap().len() > 0) {
            caught_mid_write += 1;
        }
        for p in partial {
            fs::remove_file(p).unwrap();
        }
        before = now;
    }
    assert!(caught_mid_write >= 3, "only {caught_mid_write} kills landed while the new file was being written");
    // Left alone, it completes.
    let o = command(&["policy", &coins, "--depth", "6", "--out", out_s]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(read(&out), new);
    assert!(hidden_temporaries(&dir).is_empty());
}

/// A report folder: its files by name, with the timing lines of the page left out.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let text = fs::read_to_string(&p).unwrap();
            let text: String = text.lines().filter(|l| !l.contains(" nodes in ")).map(|l| format!("{l}\n")).collect();
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn killing_report_at_any_moment_leaves_the_old_folder_or_the_complete_new_one() {
    let dir = tmp("kill-report");
    let old_scenario = example("elimination.toml");
    let new_scenario = example("three-coins.toml");
    let reference = dir.join("reference");
    let out = dir.join("report");
    let run = |file: &str, to: &Path| {
        let o = command(&["report", file, "--depth", "4", "--out", to.to_str().unwrap()]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&new_scenario, &reference);
    let new = snapshot(&reference);
    run(&old_scenario, &out);
    let old = snapshot(&out);
    assert_ne!(old, new);
    assert!(new.iter().any(|(_, t)| t.contains("three coins")));
    let mut before = old.clone();
    let mut caught_mid_write = 0;
    for k in 0..10u64 {
        let mut child = slow(&["report", &new_scenario, "--depth", "4", "--out", out.to_str().unwrap()], 25);
        std::thread::sleep(Duration::from_millis(40 + 60 * k));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = snapshot(&out);
        assert!(now == before || now == new, "kill {k}: the folder holds neither the old report nor the new one");
        let partial = hidden_temporaries(&dir);
        if now == before && partial.iter().any(|p| fs::read_dir(p).unwrap().next().is_some()) {
            caught_mid_write += 1;
        }
        for p in partial {
            fs::remove_dir_all(p).unwrap();
        }
        before = now;
    }
    assert!(caught_mid_write >= 3, "only {caught_mid_write} kills landed while the new folder was being written");
    run(&new_scenario, &out);
    assert_eq!(snapshot(&out), new);
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 2, "only the reference and the report: nothing left beside them");
}
