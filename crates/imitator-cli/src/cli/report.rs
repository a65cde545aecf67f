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
/// Every figure is exact; numbers become floating point only to be drawn. Each run keeps the default limits of
/// verify (8192 MiB of memory, 5,000,000 merged states), checked before the allocations they guard: over one,
/// exit 2 naming it.
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
    let source = String::from_utf8(imitator::scenario::read_file(&a.file)?)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the scenario file: {e}", a.file.display()))?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let infinite = a.horizon == super::Horizon::Infinite;
    anyhow::ensure!(
        infinite || (a.width.is_none() && a.max_depth.is_none()),
        "--width and --max-depth belong to --horizon infinite"
    );
    let lifetime_opts = super::lifetime_options(a.width.as_deref(), a.max_depth)?;
    // Both folders are started before the computation: a folder that is not ours, or one that cannot be
    // created, is refused before any work.
    if let Some(c) = &a.csv {
        let same = std::path::absolute(c).ok().zip(std::path::absolute(&a.out).ok()).is_some_and(|(c, o)| c == o);
        anyhow::ensure!(!same, "{}: --out and --csv must be different folders", a.out.display());
    }
    let mut folder = atomic::Folder::create(&a.out, ours)?;
    let mut csv = super::csv_folder(a.csv.as_deref())?;
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
    // Written under temporary names beside DIR (and the CSV folder), which take their places only when
    // both are complete, in one commit: the page never mixes two runs, an earlier report stays until then,
    // and the report and its CSV files appear together or not at all.
    folder.write("index.html", page.html.as_bytes())?;
    let mut folders = vec![folder];
    if let Some(mut c) = csv.take() {
        super::fill_csv(&mut c, &runs)?;
        folders.push(c);
    }
    atomic::commit_together(folders)?;
    super::out::print(&written(&a.out, &page))?;
    Ok(0)
}
