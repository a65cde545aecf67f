//! `imitator diff`: compare another implementation's policy lines with the exact policy.

use imitator::diff::{diff, read_lines_from, Tolerance};
use imitator::engine::histories::size_within;
use imitator::limits::{excerpt, MAX_NUMBER_LEN};
use imitator::number::{parse_rational, Rational};
use imitator_report as report;
use num_traits::Signed;
use std::path::PathBuf;

/// Compare another implementation of the imitator with the exact policy, history by history
///
/// THEIRS.jsonl holds one JSON object per line, in the format of `imitator
/// policy` (docs/policy-lines.md). Each line needs at least:
///
///   {"history": [{"query": false, "action": "heads", "observation": "-"}],
///    "m": {"heads": 0.25, "tails": 0.25}, "theta": 0.5}
///
/// Numbers may be exact strings ("1/4", "0.25") or JSON numbers (floats).
/// When present, "posterior" (by model name), "p_im", "top" (compared as a set)
/// and "truth_in_top" are compared too; other keys are ignored. "observation"
/// may be left out when the scenario has a single observation. Lines may come
/// in any order; blank lines are skipped.
///
/// Every history is recomputed with exact rational arithmetic. The report
/// gives: how many histories were compared; the first history (by length, then
/// lexicographically: query flag false first, then action, then observation)
/// where some field differs beyond the tolerance, with both values side by
/// side; the largest deviation anywhere; the histories they list that the
/// imitator never reaches; and how many reachable histories of length 0..T-1
/// they miss, with the first ones (T: --depth, or the scenario's depth). A
/// history of T steps or more is a malformed line: give a larger --depth.
///
/// In the text report a history is written as its steps `action/observation`,
/// with `?` before the steps where the imitator asked the demonstrator.
///
/// Exit status (docs/exit-status.md): 0 they agree everywhere; 1 something differs, is unreachable or
/// is missing; 2 a malformed line (the message gives its number), a bad
/// scenario, or a depth with more histories than imitator lists.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Their policy lines (JSON Lines).
    pub theirs: PathBuf,
    /// Largest absolute deviation that still agrees, for every number (e.g. 1e-9 or 1/1000). Default: 0 for exact strings, 1e-12 for JSON numbers.
    #[arg(long)]
    pub tolerance: Option<String>,
    /// Expect every reachable history of length 0..T-1 (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    #[command(flatten)]
    pub memory: super::ListingMemory,
    /// Print exactly one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

fn parse_tolerance(text: &str) -> anyhow::Result<Rational> {
    let r = match parse_rational(text) {
        Ok(r) => r,
        Err(e) if text.len() > MAX_NUMBER_LEN => anyhow::bail!("--tolerance {e}"),
        Err(_) => text.trim().parse::<f64>().ok().and_then(Rational::from_float).ok_or_else(|| {
            anyhow::anyhow!("--tolerance `{}` is not a number (e.g. 1e-9, 0.001 or 1/1000)", excerpt(text))
        })?,
    };
    anyhow::ensure!(!r.is_negative(), "--tolerance must not be negative");
    Ok(r)
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let horizon = super::horizon(a.depth, &s, &a.file)?;
    let tol = match &a.tolerance {
        Some(t) => Tolerance::uniform(&parse_tolerance(t)?),
        None => Tolerance::default(),
    };
    let name = a.theirs.display().to_string();
    let file = std::fs::File::open(&a.theirs).map_err(|e| anyhow::anyhow!("{name}: cannot read: {e}"))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        anyhow::bail!("{name}: cannot read: {}", std::io::Error::from(std::io::ErrorKind::IsADirectory));
    }
    // Read line by line, each line bounded (limits::MAX_POLICY_LINE_BYTES): never the whole file at once.
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    let theirs = read_lines_from(&s, reader, horizon).map_err(|e| match e.deeper {
        Some(d) => anyhow::anyhow!("{name}:{e}; give --depth {d} to compare it"),
        None => anyhow::anyhow!("{name}:{e}"),
    })?;
    let rule = a.imitator.rule();
    size_within(&s, &rule, horizon, a.memory.bytes()?)?;
    let r = diff(&s, &rule, theirs, horizon, &tol);
    let text =
        if a.json { format!("{}\n", report::diff::document(&s, rule, &r)) } else { report::diff::text(&s, rule, &r) };
    super::out::print(&text)?;
    Ok(if r.agrees() { 0 } else { 1 })
}
