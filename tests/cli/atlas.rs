//! `imitator atlas`: the folder it writes, witnesses that `verify` reproduces,
//! shards that merge into the same bytes, the same bytes on any thread count,
//! bad input named, and a corner of `docs/atlas.md` regenerated.

use imitator::number::{parse_rational, Rational};
use num_bigint::BigInt;
use num_traits::One;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imitator"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imitator-atlas-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const SMALL: &[&str] = &[
    "atlas",
    "--family",
    "iid",
    "--actions",
    "2",
    "--models",
    "3",
    "--grid",
    "3",
    "--alpha",
    "1/2,1/10",
    "--width",
    "1/1000",
    "--max-depth",
    "300",
];

fn atlas(extra: &[&str], out: &Path) -> Output {
    bin().args(SMALL).args(extra).arg("--out").arg(out).output().unwrap()
}

/// Every file of a folder, by path relative to it.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn rat(v: &Value) -> Rational {
    parse_rational(v.as_str().expect("an exact number")).unwrap()
}

fn round(r: &Rational, up: bool) -> Rational {
    let scale = BigInt::one() << 64;
    let scaled = r.numer() * &scale;
    let (q, rem) = (&scaled / r.denom(), &scaled % r.denom());
    let q = if up && rem != BigInt::from(0) { q + 1 } else { q };
    Rational::new(q, scale)
}

#[test]
fn files_shards_threads_and_witnesses() {
    let whole = temp_dir("whole");
    let o = atlas(&["--threads", "1"], &whole);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let files = read_tree(&whole);
    for name in ["atlas.md", "atlas.csv", "atlas.json", "plot-a.svg", "plot-b-prime.svg", "plot-query-cubed-sum.svg"] {
        assert!(files.contains_key(name), "{name} missing: {:?}", files.keys().collect::<Vec<_>>());
    }
    // 5 quantities × 2 α witnesses.
    assert_eq!(files.keys().filter(|k| k.starts_with("witnesses/")).count(), 10);
    let doc: Value = serde_json::from_slice(&files["atlas.json"]).unwrap();
    // Grid 3 is odd, so no class is fixed by the swap of the actions: C(4,3)·3 / 2 = 6.
    assert_eq!(doc["classes_total"], 6);
    // Two threads: the same bytes.
    let two = temp_dir("two");
    assert_eq!(atlas(&["--threads", "2"], &two).status.code(), Some(0));
    assert_eq!(read_tree(&two), files);
    // Three shards, merged: the same bytes.
    let mut dirs = Vec::new();
    for i in 1..=3 {
        let d = temp_dir(&format!("shard{i}"));
        let shard = format!("{i}/3");
        assert_eq!(atlas(&["--shard", &shard], &d).status.code(), Some(0));
        dirs.push(d);
    }
    let merged = temp_dir("merged");
    let m = bin().args(["atlas", "merge"]).args(&dirs).arg("--out").arg(&merged).output().unwrap();
    assert_eq!(m.status.code(), Some(0), "{}", String::from_utf8_lossy(&m.stderr));
    assert_eq!(read_tree(&merged), files);
    // A missing shard, a shard twice, a shard of other arguments: exit 2, saying which.
    let bad = temp_dir("bad");
    let m = bin().args(["atlas", "merge"]).args(&dirs[..2]).arg("--out").arg(&bad).output().unwrap();
    assert_eq!(m.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&m.stderr).contains("shard 3/3 is missing"));
    let m =
        bin().args(["atlas", "merge"]).args([&dirs[0], &dirs[1], &dirs[0]]).arg("--out").arg(&bad).output().unwrap();
    assert_eq!(m.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&m.stderr).contains("are both shard 1/3"));
    let other = temp_dir("other");
    let o = bin()
        .args(["atlas", "--family", "iid", "--models", "3", "--grid", "2", "--alpha", "1/2,1/10", "--width", "1/1000"])
        .args(["--max-depth", "300", "--shard", "3/3", "--out"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let m = bin().args(["atlas", "merge"]).args([&dirs[0], &dirs[1], &other]).arg("--out").arg(&bad).output().unwrap();
    assert_eq!(m.status.code(), Some(2));
    let err = String::from_utf8_lossy(&m.stderr);
    assert!(err.contains("other arguments") && err.contains("--grid 2, not 3"), "{err}");
    assert!(!bad.exists(), "nothing written on a refused merge");

    // Each witness: `verify --horizon infinite` gives intervals whose outward
    // rounding is the atlas's record of that class.
    let ratios = doc["ratios"].as_array().unwrap();
    for line in ratios.iter().filter(|l| l["ratio"] == "b" || l["ratio"] == "a") {
        let file = whole.join(line["witness"]["file"].as_str().unwrap());
        let class = line["witness"]["class"].as_u64().unwrap() as usize;
        let j = doc["options"]["alpha"].as_array().unwrap().iter().position(|a| *a == line["alpha"]).unwrap();
        let v = bin()
            .arg("verify")
            .arg(&file)
            .args(["--horizon", "infinite", "--width", "1/1000", "--max-depth", "300", "--json"])
            .output()
            .unwrap();
        assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stderr));
        let inf: Value = serde_json::from_slice(&v.stdout).unwrap();
        let inf = &inf["infinite"];
        let record = &doc["classes"][class]["runs"][j];
        assert_eq!(record["depth_reached"], inf["depth_reached"]);
        let e = &inf["event_e"];
        let q = &inf["query_cubed_sum"];
        assert_eq!(rat(&record["event_e"][0]), round(&rat(&e["lo"]), false));
        assert_eq!(rat(&record["event_e"][1]), round(&rat(&e["hi"]), true));
        assert_eq!(rat(&record["query_cubed_sum"][0]), round(&rat(&q["lo"]), false));
        assert_eq!(rat(&record["query_cubed_sum"][1]), round(&rat(&q["hi"]), true));
        // And its lower end of (b) is that record's lower end over the paper's bound.
        if line["ratio"] == "b" {
            assert_eq!(rat(&line["lower"]), rat(&record["query_cubed_sum"][0]) / rat(&q["bound"]));
        }
    }
    for d in [whole, two, merged, other].into_iter().chain(dirs) {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn bad_input_exits_2_naming_it() {
    let out = temp_dir("never");
    let base = ["atlas", "--family", "iid", "--grid", "2"];
    for (extra, says) in [
        (vec!["--alpha", ""], "--alpha"),
        (vec!["--alpha", "1/2,,1/3"], "--alpha: entry 2"),
        (vec!["--alpha", "1/2,x"], "--alpha: entry 2"),
        (vec!["--alpha", "3/2"], "--alpha: 3/2 is not in (0, 1)"),
        (vec!["--alpha", "1/2", "--shard", "0/2"], "--shard"),
        (vec!["--alpha", "1/2", "--shard", "3/2"], "--shard"),
        (vec!["--alpha", "1/2", "--shard", "1-2"], "--shard"),
        (vec!["--alpha", "1/2", "--grid", "0"], "--grid"),
        (vec!["--alpha", "1/2", "--grid", ""], "--grid"),
        (vec!["--alpha", "1/2", "--grid", "1000", "--models", "9"], "--grid"),
        (vec!["--alpha", "1/2", "--width", "0"], "--width"),
        (vec!["--alpha", "1/2", "--models", "1"], "--models"),
    ] {
        let o = bin().args(base).args(&extra).arg("--out").arg(&out).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
    }
    assert!(!out.exists(), "nothing written on bad input");
    let o = bin().args(["atlas", "--grid", "2", "--alpha", "1/2"]).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--family is required"));
    // The help teaches the ratios, the files, sharding and the exit rule.
    let help = bin().args(["help", "atlas"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for words in [
        "Exit status (docs/exit-status.md):",
        "witnesses/*.toml",
        "--shard I/N",
        "atlas merge",
        "√proved_bound_squared",
    ] {
        assert!(help.contains(words), "{words}: {help}");
    }
}

/// `docs/atlas.md` is generated by `docs/atlas.sh` into `docs/atlas/`; this
/// reruns a corner of it — shard 1 of 11 of the two-model atlas, five classes
/// of the grid of tenths at every α it lists — and fails on any difference
/// from the shipped records of those classes.
#[test]
fn docs_atlas_corner_regenerates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shipped: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("docs/atlas/iid-2x2/atlas.json")).unwrap()).unwrap();
    let opts = &shipped["options"];
    let alpha: Vec<&str> = opts["alpha"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let dir = temp_dir("corner");
    let o = bin()
        .args(["atlas", "--family", "iid", "--actions", "2", "--models", "2", "--grid", "10", "--alpha"])
        .arg(alpha.join(","))
        .arg("--width")
        .arg(opts["width"].as_str().unwrap())
        .arg("--max-depth")
        .arg(opts["max_depth"].to_string())
        .args(["--shard", "1/11", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", String::from_utf8_lossy(&o.stderr));
    let corner: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("atlas.json")).unwrap()).unwrap();
    let classes = corner["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 5, "classes 0, 11, 22, 33, 44 of 55");
    for c in classes {
        let i = c["index"].as_u64().unwrap() as usize;
        assert_eq!(*c, shipped["classes"][i], "class {i} of docs/atlas/iid-2x2 differs when regenerated");
    }
    let _ = std::fs::remove_dir_all(dir);
}
