//! `imitator export`: the chain it writes carries the verifier's figures
//! through the identities of its header, exactly, on every shipped example;
//! the output is the same for any thread count, appears whole or not at all,
//! and bad input or a limit exits 2 and writes nothing.

use crate::common;

use imitator::engine::chain::{self, Chain, Reward};
use imitator::engine::{self, EngineKind, Figures};
use imitator::imitator::{Rule, Standard, Variant};
use imitator::limits::Limits;
use imitator::number::Rational;
use imitator::scenario::Scenario;
use num_traits::{One, Zero};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example(name: &str) -> String {
    format!("{}/examples/{name}.toml", workspace!())
}

const EXAMPLES: [&str; 4] = ["elimination", "markov-weather", "rare-action", "three-coins"];

fn imitator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imitator")).args(args).output().expect("the binary runs")
}

/// A fresh folder of this test process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let d = std::env::temp_dir().join(format!("imitator-export-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("scratch folder");
        Scratch(d)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().expect("UTF-8 path").to_string()
    }

    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read")
            .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8"))
            .collect();
        v.sort();
        v
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn options(depth: usize) -> chain::Options {
    chain::Options {
        depth,
        limits: Limits { max_states: 5_000_000, max_memory: 8 << 30, ..Limits::default() },
        events: true,
    }
}

/// What the chain's properties come to, computed on the chain alone by
/// propagating exact probabilities along its transitions (a path of the
/// chain is at depth `k` after `k` steps).
struct Read {
    /// `1 − P(F≤t−1 "excluded")`, `t = 1..=T`.
    event_e: Vec<Rational>,
    /// `R{"theta3"}[C≤t]`, `R{"theta"}[C≤t]`, `R{"inv_post_truth"}[I=t]`.
    cubed: Vec<Rational>,
    queries: Vec<Rational>,
    inverse: Vec<Rational>,
    /// `1 − P(F≤t "settled")`, `t = 0..=T`.
    unsettled: Vec<Rational>,
    /// Per event label: `P(F≤T L)`, `P(!"excluded" U≤T L)`.
    events: Vec<(Rational, Rational)>,
}

fn label_set(c: &Chain, name: &str) -> Vec<bool> {
    let mut on = vec![false; c.states()];
    if let Some(l) = c.labels().iter().find(|l| l.name == name) {
        for &i in &l.states {
            on[i as usize] = true;
        }
    }
    on
}

fn read(c: &Chain) -> Read {
    let n = c.states();
    let (excluded, settled) = (label_set(c, "excluded"), label_set(c, "settled"));
    // p: the probability of being at a state; a: … without an excluded state so far
    // (itself included); u: … without a settled one so far (itself included).
    let mut p = vec![Rational::zero(); n];
    let (mut a, mut u) = (p.clone(), p.clone());
    p[0] = Rational::one();
    a[0] = if excluded[0] { Rational::zero() } else { Rational::one() };
    u[0] = if settled[0] { Rational::zero() } else { Rational::one() };
    let sum = |v: &[Rational], d: usize| c.depth_states(d).fold(Rational::zero(), |t, i| t + &v[i as usize]);
    let rewarded = |v: &[Rational], r: Reward, d: usize| {
        c.depth_states(d).fold(Rational::zero(), |t, i| t + &v[i as usize] * c.reward(r, i))
    };
    let mut out = Read {
        event_e: vec![],
        cubed: vec![],
        queries: vec![],
        inverse: vec![],
        unsettled: vec![sum(&u, 0)],
        events: vec![],
    };
    let (mut cubed, mut queries) = (Rational::zero(), Rational::zero());
    for d in 0..c.depth {
        out.event_e.push(sum(&a, d));
        cubed += rewarded(&p, Reward::Theta3, d);
        queries += rewarded(&p, Reward::Theta, d);
        out.cubed.push(cubed.clone());
        out.queries.push(queries.clone());
        for i in c.depth_states(d) {
            for (t, q) in c.successors(i) {
                assert!(c.depth_states(d + 1).contains(&t), "a step goes one depth down");
                let t = t as usize;
                p[t] = &p[t] + &p[i as usize] * q;
                if !excluded[t] {
                    a[t] = &a[t] + &a[i as usize] * q;
                }
                if !settled[t] {
                    u[t] = &u[t] + &u[i as usize] * q;
                }
            }
        }
        out.inverse.push(rewarded(&p, Reward::InvPostTruth, d + 1));
        out.unsettled.push(sum(&u, d + 1));
    }
    // Events: their labels are on the last depth only; `a` there is without an
    // excluded state at depths 0..T (the last one's own label does not matter:
    // `!excluded U≤T L` needs it before the last step only).
    let last = c.depth;
    let before: Vec<Rational> = {
        let mut b = vec![Rational::zero(); n];
        for i in c.depth_states(last - 1) {
            for (t, q) in c.successors(i) {
                b[t as usize] = &b[t as usize] + &a[i as usize] * q;
            }
        }
        b
    };
    for e in c.events() {
        let on = label_set(c, &e.label);
        let p_im = c.depth_states(last).filter(|&i| on[i as usize]).fold(Rational::zero(), |t, i| t + &p[i as usize]);
        let p_e =
            c.depth_states(last).filter(|&i| on[i as usize]).fold(Rational::zero(), |t, i| t + &before[i as usize]);
        out.events.push((p_im, p_e));
    }
    out
}

fn figures(s: &Scenario, rule: &dyn Rule<Rational>, depth: usize) -> Figures {
    engine::run(EngineKind::Lumped, s, rule, depth, &|_, _| {}).expect("runs")
}

#[test]
fn the_chain_carries_the_verifiers_figures_on_every_example() {
    for name in EXAMPLES {
        let s = Scenario::from_file(example(name)).expect("example");
        let depth = s.depth.expect("a depth");
        for rule in [Standard::new(Variant::Conservative, 0), Standard::new(Variant::Map, 2)] {
            let what = format!("{name}, {}", Rule::<Rational>::name(&rule));
            let c = chain::build(&s, &rule, options(depth)).expect("builds");
            let f = figures(&s, &rule, depth);
            // One state per merged entry of each depth; the last depth absorbing.
            assert_eq!(
                c.states() as u64,
                f.stats.states_per_depth.iter().sum::<u64>() + c.depth_states(depth).len() as u64
            );
            for i in c.depth_states(depth) {
                assert_eq!(c.successors(i).collect::<Vec<_>>(), vec![(i, &Rational::one())], "{what}");
                assert!(c.reward(Reward::Theta, i).is_zero() && c.reward(Reward::Theta3, i).is_zero(), "{what}");
            }
            // Every state's probabilities sum to exactly 1, to distinct targets.
            for i in 0..c.states() as u32 {
                let out: Vec<(u32, &Rational)> = c.successors(i).collect();
                assert!(out.windows(2).all(|w| w[0].0 < w[1].0), "{what}: state {i}");
                assert!(out.iter().fold(Rational::zero(), |t, x| t + x.1).is_one(), "{what}: state {i}");
            }
            let r = read(&c);
            assert_eq!(r.event_e, f.event_e, "{what}: event_e");
            assert_eq!(r.cubed, f.query_cubed_sum, "{what}: query_cubed_sum");
            assert_eq!(r.queries, f.expected_queries, "{what}: expected_queries");
            let inverse: Vec<Rational> = f.inverse_truth_posterior.iter().map(|x| x.clone().expect("finite")).collect();
            assert_eq!(r.inverse, inverse, "{what}: inverse_truth_posterior");
            assert_eq!(r.unsettled, common::unsettled_mass(&s, &rule, depth), "{what}: unsettled mass");
            assert_eq!(c.events().len(), f.events.len());
            for (e, (p_im, p_e)) in f.events.iter().zip(&r.events) {
                assert_eq!((&e.p_im, &e.p_im_and_e), (p_im, p_e), "{what}: event {}", e.name);
            }
            // Every successor of a settled state is settled.
            let settled = label_set(&c, "settled");
            for i in (0..c.states() as u32).filter(|&i| settled[i as usize]) {
                assert!(c.successors(i).all(|(t, _)| settled[t as usize]), "{what}: state {i}");
            }
        }
    }
}

#[test]
fn a_label_no_state_carries_is_absent() {
    // Two models that agree: never a query, the truth always collected.
    let text = fixture!("agree-fair");
    let s = Scenario::parse(text, "agree.toml", "agree").expect("valid");
    let c = chain::build(&s, &Standard::new(Variant::Conservative, 0), options(3)).expect("builds");
    let names: Vec<&str> = c.labels().iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["init", "settled", "last"]);
    let r = read(&c);
    assert!(r.event_e.iter().all(Rational::is_one));
    assert!(r.unsettled.iter().all(Rational::is_zero));
    let dir = Scratch::new("absent");
    let out = dir.path("agree.drn");
    let file = dir.path("agree.toml");
    std::fs::write(&file, text).expect("write");
    let o = imitator(&["export", &file, "--depth", "3", "--format", "drn", "--out", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let drn = std::fs::read_to_string(&out).expect("written");
    assert!(!drn.lines().any(|l| l.starts_with("state ") && l.contains("excluded")));
    assert!(drn.contains("state 0 [0, 0, 2] init settled\n"), "{drn}");
}

fn export(file: &str, format: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["export", file, "--format", format, "--out", out, "--events"];
    args.extend_from_slice(extra);
    imitator(&args)
}

#[test]
fn the_output_is_the_same_for_one_and_two_threads() {
    let dir = Scratch::new("threads");
    for name in ["three-coins", "markov-weather"] {
        let file = example(name);
        let (one, two) = (dir.path(&format!("{name}-1")), dir.path(&format!("{name}-2")));
        for (out, threads) in [(&one, "1"), (&two, "2")] {
            for format in ["drn", "prism"] {
                let o = export(&file, format, out, &["--threads", threads, "--variant", "map", "--warmup", "2"]);
                assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
            }
        }
        for ext in ["", ".tra", ".lab", ".theta.srew", ".theta3.srew", ".inv_post_truth.srew"] {
            let a = std::fs::read(format!("{one}{ext}")).expect("written");
            let b = std::fs::read(format!("{two}{ext}")).expect("written");
            assert!(a == b, "{name}{ext} differs between 1 and 2 threads");
        }
    }
}

#[test]
fn bad_input_and_limits_exit_2_and_write_nothing() {
    let dir = Scratch::new("bad");
    let file = example("three-coins");
    let out = dir.path("m");
    // A format other than drn or prism; no --out.
    let o = imitator(&["export", &file, "--format", "storm", "--out", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("drn"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = imitator(&["export", &file, "--format", "drn"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out"));
    // A path that cannot be written: named, and found before the work.
    let missing = dir.path("no-such-folder/m");
    for format in ["drn", "prism"] {
        let o = export(&file, format, &missing, &["--depth", "100000"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&missing), "{err}");
        assert!(o.stdout.is_empty());
    }
    let o = export(&file, "drn", &dir.0.display().to_string(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a folder"));
    // Every limit of the lumped engine, each named with its flag; earlier files are kept as they were.
    std::fs::write(&out, "old").expect("write");
    std::fs::write(format!("{out}.tra"), "old").expect("write");
    for (extra, flag) in [
        (&["--depth", "100001"][..], "--depth"),
        (&["--depth", "40", "--max-states", "30"][..], "--max-states"),
        (&["--depth", "60", "--max-memory", "1"][..], "--max-memory"),
        (&["--depth", "100000", "--time-limit", "0.5"][..], "--time-limit"),
    ] {
        for format in ["drn", "prism"] {
            let o = export(&file, format, &out, extra);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
            assert!(err.contains(flag), "{extra:?}: {err}");
        }
    }
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), "old");
    assert_eq!(std::fs::read_to_string(format!("{out}.tra")).expect("kept"), "old");
    assert_eq!(dir.entries(), ["m", "m.tra"], "no file and no temporary left");
}

#[test]
fn a_stream_gets_the_model_alone() {
    let o = imitator(&["export", &example("three-coins"), "--depth", "3", "--format", "drn", "--out", "/dev/stdout"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let drn = String::from_utf8(o.stdout).expect("UTF-8");
    // The stream is the model and nothing else: byte for byte the file the same export writes.
    let dir = Scratch::new("stream");
    let file = dir.path("coins.drn");
    let w = imitator(&["export", &example("three-coins"), "--depth", "3", "--format", "drn", "--out", &file]);
    assert_eq!(w.status.code(), Some(0), "{}", String::from_utf8_lossy(&w.stderr));
    assert_eq!(drn, std::fs::read_to_string(&file).expect("the file"));
    assert!(drn.starts_with("// imitator export") && drn.contains("\n@model\nstate 0 ["), "{drn}");
}

#[test]
fn prism_files_are_written_together() {
    let dir = Scratch::new("prism");
    let out = dir.path("coins");
    let o = export(&example("three-coins"), "prism", &out, &["--depth", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        dir.entries(),
        ["coins.inv_post_truth.srew", "coins.lab", "coins.theta.srew", "coins.theta3.srew", "coins.tra"]
    );
    // The summary goes to stderr: stdout stays empty (`--out /dev/stdout` gives the model alone).
    assert!(o.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with("three coins: depth 5, "), "{stderr}");
    let lab = std::fs::read_to_string(format!("{out}.lab")).expect("labels");
    let names = lab.lines().find(|l| !l.starts_with('#')).expect("names");
    assert_eq!(names, "0=\"init\" 1=\"last\"");
    assert!(Path::new(&format!("{out}.tra")).exists());
}

/// The five PRISM files of base `base`, read (empty for a missing one).
fn prism_set(base: &str) -> Vec<Vec<u8>> {
    ["tra", "lab", "theta.srew", "theta3.srew", "inv_post_truth.srew"]
        .iter()
        .map(|ext| std::fs::read(format!("{base}.{ext}")).unwrap_or_default())
        .collect()
}

#[test]
fn killing_export_at_any_moment_leaves_the_old_files_or_all_the_new_ones() {
    let dir = Scratch::new("kill");
    let coins = example("three-coins");
    let out = dir.path("m");
    let run = |depth: &str, slow: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_imitator"));
        c.args(["export", &coins, "--depth", depth, "--format", "prism", "--out", &out]);
        c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        if slow {
            c.env("IMITATOR_SLOW_WRITES_MS", "5");
        }
        c
    };
    assert!(run("40", false).status().expect("runs").success());
    let new = prism_set(&out);
    assert!(new.iter().map(Vec::len).sum::<usize>() > 1_000_000, "long enough to write slowly");
    assert!(run("5", false).status().expect("runs").success());
    let old = prism_set(&out);
    let mut caught = 0;
    for k in 0..8u64 {
        let mut child = run("40", true).spawn().expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(100 + 150 * k));
        child.kill().expect("kill");
        child.wait().expect("wait");
        let now = prism_set(&out);
        assert!(now == old || now == new, "kill {k}: the files are neither all old nor all new");
        if now == old {
            caught += 1;
        }
        // What a kill leaves: hidden temporaries beside the targets, nothing else.
        for name in dir.entries() {
            if name.starts_with('.') && name.ends_with(".tmp") {
                std::fs::remove_file(dir.0.join(name)).expect("remove");
            }
        }
        assert_eq!(dir.entries().len(), 5);
        if now == new {
            assert!(run("5", false).status().expect("runs").success());
        }
    }
    assert!(caught >= 3, "only {caught} kills landed before the files were replaced");
}

#[test]
fn a_full_device_is_named() {
    let o = imitator(&["export", &example("three-coins"), "--format", "drn", "--out", "/dev/full"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: /dev/full: cannot write: No space left on device"), "{err}");
}
