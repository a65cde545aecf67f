//! `imitator verify`: every history to a depth, exactly, and every check of the paper.

use super::progress::Progress;
use super::Horizon;
use imitator::engine::{EngineKind, RunOptions};
use imitator::lifetime::{self, Lifetime};
use imitator::verify::{verify, Verified};
use imitator_report::lifetime::{infinite_block, lifetime_section};
use imitator_report::{json::verify_document, text::verify_report};
use std::path::PathBuf;

/// Enumerate every history to a depth with exact rational arithmetic and check each claim of the paper.
///
/// Exit status (docs/exit-status.md): 0 every check holds; 1 a check fails; 2 bad input, usage or I/O;
/// 3 no check fails but one is undecided: a lifetime interval still straddles its bound, or a limit
/// (--max-states, --max-memory, --time-limit) stopped a finite run part way (the report says PARTIAL).
/// The exhaustive engine refuses, before its walk, a walk of more than 2^32 nodes
/// (limits::MAX_EXHAUSTIVE_NODES) or past --max-memory (exit 2).
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    /// finite: the figures at depths 1…T. infinite: exact intervals proved to contain the lifetime figures
    /// P(E_∞) and E Σ_{t≥1} θ³ (lumped engine), run depth by depth until both are narrower than --width;
    /// exit 3 when no check fails but one is still undecided (see docs/exit-status.md).
    #[arg(long, value_enum, default_value_t = Horizon::Finite)]
    pub horizon: Horizon,
    /// With --horizon infinite: stop once both intervals are at most this wide (an exact number > 0:
    /// "1/1000000000", "0.000001"; default 1/1000000000).
    #[arg(long, value_name = "W", allow_hyphen_values = true)]
    pub width: Option<String>,
    /// With --horizon infinite: the deepest it goes (default 100000).
    #[arg(long, value_name = "T")]
    pub max_depth: Option<usize>,
    /// With --horizon infinite: how the masses are carried. rounded (default): outward-rounded fixed point,
    /// light states retired within a quarter of --width (dyadic ends, fast); exact: every mass exact.
    #[arg(long, value_parser = super::named::<imitator::lifetime::Arithmetic>(), value_name = "MODE")]
    pub arithmetic: Option<imitator::lifetime::Arithmetic>,
    /// Worker threads, at most 256 (default: every core). The figures are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// exhaustive: every full history (gives worst_case); lumped: merges histories with identical futures (deep runs).
    /// Default: exhaustive, or lumped with --horizon infinite.
    #[arg(long, value_parser = super::named::<EngineKind>())]
    pub engine: Option<EngineKind>,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    /// Print exactly one JSON object (described in docs/json.md) instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Lumped engine: stop (reporting the depths done, exit 3) before one depth would hold more merged states than this.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: usize,
    /// Both engines: the most memory, in MiB, by an estimate checked before each allocation it guards. The
    /// lumped engine stops the same way before a step would hold more (its two layers, the step's records and
    /// the state space); the exhaustive engine refuses (exit 2) a run whose world histories, state space or walk
    /// would.
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
    if a.horizon == Horizon::Infinite {
        return infinite(a);
    }
    anyhow::ensure!(
        a.width.is_none() && a.max_depth.is_none() && a.arithmetic.is_none(),
        "--width, --max-depth and --arithmetic belong to --horizon infinite; a finite run goes to --depth"
    );
    let engine = a.engine.unwrap_or(EngineKind::Exhaustive);
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let limits = super::limits(a.max_states, a.max_memory, a.time_limit)?;
    anyhow::ensure!(
        limits.time_limit.is_none() || engine == EngineKind::Lumped,
        "--time-limit stops the lumped engine between depths; use it with --engine lumped"
    );
    let csv = super::csv_folder(a.csv.as_deref())?;
    super::warn_empty_events(&s, &a.file, depth);
    let options = RunOptions { depth, limits };
    let bar = Progress::new("verifying");
    let verified = super::with_threads(a.threads, || verify(&s, a.imitator.rule(), engine, options, &bar))?;
    bar.finish();
    let v = verified?;
    super::write_csv(csv, std::slice::from_ref(&v))?;
    let text = if a.json { format!("{}\n", verify_document(&s, &v)) } else { verify_report(&s, &v) };
    super::out::print(&text)?;
    // A limit that stopped the lumped engine part way: the report covers what it
    // computed; the depths it did not reach are undecided (exit 3), unless a check fails (1).
    if let Some(p) = &v.figures.partial {
        eprintln!("partial: {}", super::advice::with_advice(&p.message, p.stopped_because.limit()));
        return Ok(if v.verdict.holds { 3 } else { 1 });
    }
    Ok(if v.verdict.holds { 0 } else { 1 })
}

/// `verify --horizon infinite`: the lifetime intervals, with the finite figures of the depths done.
fn infinite(a: Args) -> anyhow::Result<u8> {
    anyhow::ensure!(
        a.engine != Some(EngineKind::Exhaustive),
        "--horizon infinite runs on the lumped engine: drop --engine exhaustive"
    );
    anyhow::ensure!(a.depth.is_none(), "--depth sets a finite horizon; with --horizon infinite use --max-depth");
    let s = super::load(&a.file)?;
    let rule = a.imitator.rule();
    let mut opts = super::lifetime_options(a.width.as_deref(), a.max_depth)?;
    opts.arithmetic = a.arithmetic.unwrap_or(imitator::lifetime::Arithmetic::Rounded);
    opts.limits = imitator::limits::Limits {
        max_depth: opts.limits.max_depth,
        ..super::limits(a.max_states, a.max_memory, a.time_limit)?
    };
    let csv = super::csv_folder(a.csv.as_deref())?;
    let bar = Progress::new("whole lifetime");
    let start = std::time::Instant::now();
    let (result, threads) = super::with_threads(a.threads, || {
        let r = lifetime::run(&s, &rule, &opts, &bar);
        (r, rayon::current_num_threads())
    })?;
    bar.finish();
    let l: Lifetime = result?;
    let v = Verified {
        verdict: imitator::checks::check(&s, &l.figures),
        figures: l.figures.clone(),
        run: imitator::verify::RunInfo {
            imitator: imitator::imitator::Rule::<imitator::number::Rational>::info(&rule),
            threads,
            elapsed_ms: start.elapsed().as_millis(),
        },
    };
    super::write_csv(csv, std::slice::from_ref(&v))?;
    let text = if a.json {
        let mut doc = verify_document(&s, &v);
        doc["infinite"] = infinite_block(&l);
        format!("{doc}\n")
    } else {
        let report = verify_report(&s, &v);
        // The lifetime section goes before the closing result line.
        let (body, last) = report.trim_end().rsplit_once('\n').unwrap_or(("", report.trim_end()));
        format!("{body}\n\n{}\n{last}\n", lifetime_section(&l))
    };
    super::out::print(&text)?;
    Ok(if !v.verdict.holds { 1 } else { l.exit_status() })
}
