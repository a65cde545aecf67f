//! `imitator verify`: every history to a depth, exactly, and every check of the paper.

use super::progress::Progress;
use imitator::engine::{EngineKind, RunOptions};
use imitator::report::{json::verify_document, text::verify_report};
use imitator::verify::verify;
use std::path::PathBuf;
use std::time::Duration;

/// Enumerate every history to a depth with exact rational arithmetic and check each claim of the paper.
///
/// Exit status: 0 every check holds, 1 a check fails, 2 bad input, or a limit
/// (--max-states, --max-memory, --time-limit) stopped the lumped engine: then
/// the report covers the depths it completed and says so.
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
    /// Lumped engine: stop (reporting the depths done, exit 2) before one depth would hold more merged states than this.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: usize,
    /// Lumped engine: stop the same way before a step would hold more memory than this many MiB (an estimate
    /// of the two layers, the step's records and the state space).
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    pub max_memory: u64,
    /// Lumped engine: stop the same way once the run has taken this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Also write the curves as CSV files into DIR (one per curve, exact and decimal columns; see docs/csv.md).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let time_limit = match a.time_limit {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Some(Duration::from_secs_f64(t)),
        Some(t) => anyhow::bail!("--time-limit must be a positive number of seconds, not {t}"),
    };
    anyhow::ensure!(
        time_limit.is_none() || a.engine == EngineKind::Lumped,
        "--time-limit stops the lumped engine between depths; use it with --engine lumped"
    );
    anyhow::ensure!(a.max_memory >= 1, "--max-memory must be at least 1 (MiB)");
    super::check_csv_folder(a.csv.as_deref())?;
    super::warn_empty_events(&s, &a.file, depth);
    let options = RunOptions {
        max_states: a.max_states,
        max_memory: a.max_memory.saturating_mul(1 << 20),
        time_limit,
        ..RunOptions::new(depth)
    };
    let bar = Progress::new("verifying");
    let verified = super::with_threads(a.threads, || verify(&s, a.imitator.rule(), a.engine, options, &bar))?;
    bar.finish();
    let v = verified?;
    super::write_csv(a.csv.as_deref(), std::slice::from_ref(&v))?;
    let text = if a.json { format!("{}\n", verify_document(&s, &v)) } else { verify_report(&s, &v) };
    super::out::print(&text)?;
    // A limit that stopped the lumped engine part way: the report covers what it computed; exit 2.
    if let Some(p) = &v.figures.partial {
        eprintln!("error: {}", p.message);
        return Ok(2);
    }
    Ok(if v.verdict.holds { 0 } else { 1 })
}
