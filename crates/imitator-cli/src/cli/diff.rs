//! `imitator diff`: compare another implementation's policy lines with the exact policy.

use imitator::diff::{diff, diff_listed, read_lines_from, Tolerance};
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
/// When their file stops short of the compared depth (its longest history
/// has K−1 steps, K < T, and reachable histories are missing), the report says
/// so and names `--depth K`, which compares what they wrote.
///
/// Tolerances: a number agrees when it is within the absolute tolerance OR
/// within the relative one (a fraction of the exact value). Defaults: exact
/// strings 0; JSON numbers relative 1e-12, and θ (which a float computes as
/// 1 − Σ m(a)) also absolute 1e-12. --tolerance sets the absolute one and
/// --rel-tolerance the relative one, for every number.
///
/// --only-listed compares exactly the histories the file lists, at any depth,
/// each followed step by step instead of listing every reachable history:
/// what a file of `imitator policy --sample N` needs. Nothing is then missing
/// (--depth, if given, still refuses longer histories).
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
    /// Largest absolute deviation that still agrees, for every number (e.g. 1e-9 or 1/1000). Default: 0, and 1e-12 for
    /// theta written as a JSON number.
    #[arg(long)]
    pub tolerance: Option<String>,
    /// Largest deviation that still agrees as a fraction of the exact value, for every number (e.g. 1e-6).
    /// Default: 0 for exact strings, 1e-12 for JSON numbers.
    #[arg(long, value_name = "R")]
    pub rel_tolerance: Option<String>,
    /// Expect every reachable history of length 0..T-1 (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Compare only the histories the file lists, at any depth (for `policy --sample`): none is missing.
    #[arg(long)]
    pub only_listed: bool,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    #[command(flatten)]
    pub memory: super::ListingMemory,
    /// Print exactly one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

/// A tolerance as given: exact (`1/1000`, `0.001`) or a float (`1e-9`, taken as its exact value).
pub fn parse_tolerance(flag: &str, text: &str) -> anyhow::Result<Rational> {
    let r = match parse_rational(text) {
        Ok(r) => r,
        Err(e) if text.len() > MAX_NUMBER_LEN => anyhow::bail!("{flag} {e}"),
        Err(_) => text.trim().parse::<f64>().ok().and_then(Rational::from_float).ok_or_else(|| {
            anyhow::anyhow!("{flag} `{}` is not a number (e.g. 1e-9, 0.001 or 1/1000)", excerpt(text))
        })?,
    };
    anyhow::ensure!(!r.is_negative(), "{flag} must not be negative");
    Ok(r)
}

/// The tolerance of `--tolerance` and `--rel-tolerance` over the defaults.
pub fn tolerance(absolute: Option<&str>, relative: Option<&str>) -> anyhow::Result<Tolerance> {
    let mut tol = Tolerance::default();
    if let Some(t) = absolute {
        tol = tol.with_absolute(&parse_tolerance("--tolerance", t)?);
    }
    if let Some(t) = relative {
        tol = tol.with_relative(&parse_tolerance("--rel-tolerance", t)?);
    }
    Ok(tol)
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let horizon = match (a.only_listed, a.depth) {
        // Any depth: only --depth, if given, bounds the histories.
        (true, None) => imitator::limits::MAX_DEPTH,
        _ => super::horizon(a.depth, &s, &a.file)?,
    };
    let tol = tolerance(a.tolerance.as_deref(), a.rel_tolerance.as_deref())?;
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
    let r = if a.only_listed {
        diff_listed(&s, &rule, theirs, None, &tol, a.memory.bytes()?)?
    } else {
        size_within(&s, &rule, horizon, a.memory.bytes()?)?;
        diff(&s, &rule, theirs, horizon, &tol)
    };
    let text =
        if a.json { format!("{}\n", report::diff::document(&s, rule, &r)) } else { report::diff::text(&s, rule, &r) };
    super::out::print(&text)?;
    Ok(if r.agrees() { 0 } else { 1 })
}
