//! `imitator report`: a page of plots and the verifier's table, for people who would rather look than read.

use super::progress::Progress;
use crate::atomic;
use imitator::engine::{EngineKind, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::verify::verify;
use imitator_report::html::{build_page, ours, written};
use std::path::PathBuf;

/// Write DIR/index.html: one self-contained page (plots inline) on the paper's imitator beside map and mixture.
///
/// Every figure is exact; numbers become floating point only to be drawn.
///
/// Exit status (docs/exit-status.md): 0 the page is written (it shows each imitator's verdict, which is
/// not the status: the baselines fail checks by design); 2 bad input, usage, a limit or I/O.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    /// exhaustive: every full history (gives the worst-case plots); lumped: deep runs, no worst-case plots.
    #[arg(long, value_parser = super::named::<EngineKind>(), default_value_t = EngineKind::Exhaustive)]
    pub engine: EngineKind,
    /// Steps that the map and mixture baselines query before they deploy. The page's default is 2, so that
    /// they learn before they act; verify, run and policy default to 0 (the page says which it used).
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Worker threads, at most 256 (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The folder to write index.html into: created, or replaced whole when complete if it holds an
    /// earlier report (only index.html and SVG files); any other folder is refused.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the curves of the three imitators as CSV files into DIR (see docs/csv.md).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// infinite: also follow the paper's imitator over its whole lifetime (lumped engine) and plot the
    /// unsettled mass and the certified intervals narrowing (see docs/lifetime.md).
    #[arg(long, value_enum, default_value_t = super::Horizon::Finite)]
    pub horizon: super::Horizon,
    /// With --horizon infinite: stop once both intervals are at most this wide (default 1/1000000000).
    #[arg(long, value_name = "W", allow_hyphen_values = true)]
    pub width: Option<String>,
    /// With --horizon infinite: the deepest it goes (default 100000).
    #[arg(long, value_name = "T")]
    pub max_depth: Option<usize>,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let source = std::fs::read_to_string(&a.file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the scenario file: {e}", a.file.display()))?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let infinite = a.horizon == super::Horizon::Infinite;
    anyhow::ensure!(
        infinite || (a.width.is_none() && a.max_depth.is_none()),
        "--width and --max-depth belong to --horizon infinite"
    );
    let lifetime_opts = super::lifetime_options(a.width.as_deref(), a.max_depth)?;
    // Refuse a folder that is not ours before the computation, not after.
    atomic::check_folder(&a.out, ours)?;
    super::check_csv_folder(a.csv.as_deref())?;
    super::warn_empty_events(&s, &a.file, depth);
    let mut runs = Vec::new();
    for variant in [Variant::Conservative, Variant::Map, Variant::Mixture] {
        let bar = Progress::new("computing the figures");
        let tick = |done, total| bar.tick(done, total);
        let imitator = Standard::new(variant, a.warmup);
        let v = super::with_threads(a.threads, || verify(&s, imitator, a.engine, RunOptions::new(depth), &tick))?;
        bar.finish();
        runs.push(v?);
    }
    let lifetime = if infinite {
        let bar = Progress::new("whole lifetime");
        let rule = Standard::new(Variant::Conservative, 0);
        let l = super::with_threads(a.threads, || imitator::lifetime::run(&s, &rule, &lifetime_opts, &bar))?;
        bar.finish();
        Some(l?)
    } else {
        None
    };
    let page = build_page(&s, &source, &runs, lifetime.as_ref())?;
    // Written under a temporary name beside DIR, which takes DIR's place only when
    // complete: the page never mixes two runs, and an earlier report stays until then.
    let mut folder = atomic::Folder::create(&a.out, ours)?;
    folder.write("index.html", page.html.as_bytes())?;
    folder.commit()?;
    super::write_csv(a.csv.as_deref(), &runs)?;
    super::out::print(&written(&a.out, &page))?;
    Ok(0)
}
