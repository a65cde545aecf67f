//! Regenerates every measured table in `proofs/` from the verifier.
//!
//! `cargo run --release --example proof_tables` runs the conservative imitator
//! on each shipped example, judges it with the checks, and rewrites the text
//! between the `<!-- table:KEY:begin -->` / `<!-- table:KEY:end -->` markers.
//! `tests/library/proof_tables.rs` fails when the committed tables are stale.
//! The generator itself is `proofs/tables.rs`.

#[path = "../proofs/tables.rs"]
#[allow(dead_code)]
mod tables;

use std::path::Path;
use tables::regenerate;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = regenerate(root).unwrap_or_else(|e| {
        eprintln!("proof_tables: {e}");
        std::process::exit(2);
    });
    for (path, text) in files {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let status = if old == text { "unchanged" } else { "rewritten" };
        std::fs::write(&path, text).unwrap_or_else(|e| {
            eprintln!("proof_tables: {}: {e}", path.display());
            std::process::exit(2);
        });
        println!("{status}: {}", path.strip_prefix(root).unwrap_or(&path).display());
    }
}
