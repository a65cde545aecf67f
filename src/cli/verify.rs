//! `imitator verify`: every history to a depth, exactly, and every check of the paper.

use super::progress::Progress;
use imitator::engine::{EngineKind, RunOptions};
use imitator::report::{json::verify_document, text::verify_report};
use imitator::verify::verify;
use std::path::PathBuf;

/// Enumerate every history to a depth with exact rational arithmetic and check each claim of the paper.
///
/// Exit status: 0 every check holds, 1 a check fails, 2 bad input.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Worker threads, at most 256 (default: every core). The figures are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// exhaustive: every full history (gives worst_case); lumped: merges histories with identical futures (deep runs).
    #[arg(long, value_enum, default_value_t = EngineKind::Exhaustive)]
    pub engine: EngineKind,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    /// Print exactly one JSON object (described in docs/json.md) instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Lumped engine: stop with a clear message if one depth would hold more merged states than this.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: usize,
    /// Also write the curves as CSV files into DIR (one per curve, exact and decimal columns; see docs/csv.md).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    super::check_csv_folder(a.csv.as_deref())?;
    super::warn_empty_events(&s, &a.file, depth);
    let options = RunOptions { max_states: a.max_states, ..RunOptions::new(depth) };
    let bar = Progress::new("verifying");
    let verified =
        super::with_threads(a.threads, || verify(&s, a.imitator.rule(), a.engine, options, &|d, t| bar.tick(d, t)))?;
    bar.finish();
    let v = verified?;
    super::write_csv(a.csv.as_deref(), std::slice::from_ref(&v))?;
    let text = if a.json { format!("{}\n", verify_document(&s, &v)) } else { verify_report(&s, &v) };
    super::out::print(&text)?;
    Ok(if v.verdict.holds { 0 } else { 1 })
}
