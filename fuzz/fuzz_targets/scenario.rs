//! The scenario reader, then a run of every engine and variant, the checks,
//! both reports and the policy listing read back by `diff`, at the depth the
//! input gives (its `depth`, default 2).
//!
//! A depth past a limit must be refused by the engines themselves, at once;
//! a depth whose run would be slow for a fuzzer (more than 4096 full
//! histories) is run at depth 2 instead. Every error must carry a line, a
//! column and a reason.

#![no_main]

use imitator::diff::{self, Tolerance};
use imitator::engine::{self, histories, EngineKind, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::limits::{self, MAX_EXHAUSTIVE_DEPTH, MAX_WORLDS};
use imitator::scenario::{Scenario, ScenarioError};
use imitator::verify;
use imitator_report::jsonl::LineWriter;
use imitator_report::{csv, json::verify_document, text::verify_report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = match Scenario::parse_bytes(data, "fuzz.toml", "fuzz") {
        Ok(s) => s,
        Err(ScenarioError::Invalid { line, column, message, key, .. }) => {
            assert!(line >= 1 && column >= 1, "{line}:{column}");
            assert!(!message.trim().is_empty(), "an empty reason at {line}:{column}, key {key}");
            assert!(!key.is_empty());
            return;
        }
        Err(e) => panic!("not a parse error: {e}"),
    };
    let depth = s.depth.unwrap_or(2);
    let radix = (s.actions.len() * s.observations.len()) as u128;
    let nodes = (2 * radix).checked_pow(u32::try_from(depth).unwrap_or(u32::MAX));
    let cheap = depth <= 64 && nodes.is_some_and(|n| n <= 4096);
    let variants = [(Variant::Conservative, 0), (Variant::AlwaysQuery, 0), (Variant::Map, 1), (Variant::Mixture, 2)];
    let over = limits::check_depth(depth, "depth").is_err();
    let exhaustive_refuses = over
        || depth > MAX_EXHAUSTIVE_DEPTH
        || radix.checked_pow(u32::try_from(depth).unwrap_or(u32::MAX)).is_none_or(|w| w > MAX_WORLDS as u128);
    for (variant, warmup) in variants {
        let rule = Standard::new(variant, warmup);
        if !cheap {
            // The fuzz input's own depth, through the engines' guards: refused at once.
            if exhaustive_refuses {
                assert!(engine::run(EngineKind::Exhaustive, &s, &rule, depth, &|_, _| {}).is_err());
            }
            if over {
                assert!(engine::run(EngineKind::Lumped, &s, &rule, depth, &|_, _| {}).is_err());
            }
        }
        let d = if cheap { depth } else { 2 };
        for kind in [EngineKind::Exhaustive, EngineKind::Lumped] {
            let opts = RunOptions {
                depth: d,
                limits: limits::Limits { max_states: 4096, max_memory: 16 << 20, ..Default::default() },
            };
            let Ok(v) = verify(&s, rule, kind, opts, &|_, _| {}) else { continue };
            let _ = verify_document(&s, &v).to_string();
            let _ = verify_report(&s, &v);
            let _ = csv::files(std::slice::from_ref(&v));
        }
        // The exact listing, read back as another implementation's lines, agrees with itself.
        let h = d.min(3);
        if histories::size(&s, &rule, h).is_ok() {
            let mut text = String::new();
            let mut lines = LineWriter::new(&s);
            histories::walk::<()>(&s, &rule, h, |e| {
                text.push_str(&lines.render(e));
                text.push('\n');
                Ok(())
            })
            .unwrap();
            let theirs = diff::read_lines(&s, text.as_bytes(), h).expect("the listing reads back");
            let r = diff::diff(&s, &rule, theirs, h, &Tolerance::default());
            assert!(r.agrees(), "the exact listing disagrees with itself");
        }
    }
});
