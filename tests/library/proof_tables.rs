//! The tables in `proofs/` are generated, never typed: they must equal a fresh
//! regeneration (`cargo run --release --example proof_tables`).

#[path = "../../proofs/tables.rs"]
#[allow(dead_code)]
mod tables;

use std::path::Path;
use tables::{regenerate, COMMAND};

#[test]
fn committed_tables_equal_a_fresh_regeneration() {
    let root = Path::new(workspace!());
    for (path, fresh) in regenerate(root).expect("regenerate the tables") {
        let committed = std::fs::read_to_string(&path).expect("read a proofs file");
        assert!(committed == fresh, "{} is stale or hand-edited: run `{COMMAND}`", path.display());
    }
}
