//! The core library stands on its own: a Rust user who depends on it gets no
//! command-line, progress-bar, plotting or allocator crate, and the core never
//! speaks the command line's language.

use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Whether `line` holds `--word` after a quote or a space: a command-line flag.
fn names_a_flag(line: &str) -> bool {
    let b = line.as_bytes();
    (1..b.len().saturating_sub(2))
        .any(|i| b[i] == b'-' && b[i + 1] == b'-' && matches!(b[i - 1], b'"' | b' ') && b[i + 2].is_ascii_lowercase())
}

#[test]
fn the_flag_finder_finds_flags() {
    assert!(names_a_flag(r#"format!("raise --max-states or lower --depth")"#));
    assert!(!names_a_flag(r#"["1/2/3", "--1"]"#));
    assert!(!names_a_flag("a -- b"));
}

#[test]
fn the_core_depends_on_no_front_end_crate() {
    let manifest: toml::Table =
        std::fs::read_to_string(Path::new(workspace!()).join("Cargo.toml")).expect("Cargo.toml").parse().expect("TOML");
    let package = manifest["package"]["name"].as_str();
    assert_eq!(package, Some("imitator"), "the root package is the core");
    let deps = manifest["dependencies"].as_table().expect("[dependencies]");
    for front_end in ["clap", "clap_complete", "clap_mangen", "indicatif", "plotters", "mimalloc", "libc", "anyhow"] {
        assert!(!deps.contains_key(front_end), "the core depends on {front_end}");
    }
    assert!(manifest.get("target").is_none(), "the core has no platform-specific dependency");
}

#[test]
fn the_core_names_no_flag_and_no_clap() {
    let src = Path::new(workspace!()).join("src");
    for file in sources(&src) {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            let where_ = format!("{}:{}", file.display(), n + 1);
            assert!(!code.contains("clap"), "{where_} mentions clap: {line}");
            // A flag in a string literal (`"… --max-states …"`): what the
            // library says must not assume a command line. Comments may
            // explain which flag a front end maps a setting to.
            if !code.starts_with("//") {
                assert!(!names_a_flag(line), "{where_} names a flag: {line}");
            }
        }
    }
}
