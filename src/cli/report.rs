//! `imitator report`: a page of plots and the verifier's table, for people who would rather look than read.

use imitator::atomic;
use imitator::checks::check;
use imitator::engine::{self, EngineKind};
use imitator::imitator::{Standard, Variant};
use imitator::report::html::{build_page, VariantRun};
use imitator::report::RunInfo;
use std::path::PathBuf;
use std::time::Instant;

/// Write DIR/index.html (one self-contained page) and one SVG per plot: the paper's imitator beside map and mixture.
///
/// Every figure is exact; numbers become floating point only to be drawn.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    /// exhaustive: every full history (gives the worst-case plot); lumped: deep runs, no worst-case plot.
    #[arg(long, default_value = "exhaustive")]
    pub engine: EngineKind,
    /// Steps that the map and mixture baselines query before they deploy.
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Worker threads, at most 256 (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The folder to write index.html and the plots into: created, or replaced whole when complete if it
    /// holds an earlier report (only index.html and SVG files); any other folder is refused.
    #[arg(long)]
    pub out: PathBuf,
}

/// What a report folder holds, and so what an earlier report folder may hold to be replaced.
fn ours(name: &str) -> bool {
    name == "index.html" || name.ends_with(".svg")
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let source = std::fs::read_to_string(&a.file)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the scenario file: {e}", a.file.display()))?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    // Refuse a folder that is not ours before the computation, not after.
    atomic::check_folder(&a.out, ours)?;
    let mut runs = Vec::new();
    for variant in [Variant::Conservative, Variant::Map, Variant::Mixture] {
        let rule = Standard::new(variant, a.warmup);
        let label = match variant {
            Variant::Conservative => variant.name().to_string(),
            _ => format!("{variant} (warm-up {})", a.warmup),
        };
        let bar = super::verify::Progress::new("computing the figures");
        let start = Instant::now();
        let (figures, threads) = super::with_threads(a.threads, || {
            let threads = rayon::current_num_threads();
            (engine::run(a.engine, &s, &rule, depth, &|done, total| bar.tick(done, total)), threads)
        })?;
        bar.finish();
        let figures = figures?;
        let run = RunInfo {
            variant: variant.name().into(),
            warmup: a.warmup,
            threads,
            elapsed_ms: start.elapsed().as_millis(),
        };
        let verdict = check(&s, &figures);
        runs.push(VariantRun { label, run, figures, verdict });
    }
    let page = build_page(&s, &source, &runs)?;
    // Written under a temporary name beside DIR, which takes DIR's place only when
    // complete: the page never mixes two runs, and an earlier report stays until then.
    let mut folder = atomic::Folder::create(&a.out, ours)?;
    folder.write("index.html", page.html.as_bytes())?;
    for (file, svg) in &page.svgs {
        folder.write(file, svg.as_bytes())?;
    }
    folder.commit()?;
    super::out::print(&format!("wrote {} and {} plots\n", a.out.join("index.html").display(), page.svgs.len()))?;
    Ok(0)
}
