//! `imitator report`: a page of plots and the verifier's table, for people who would rather look than read.

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
    /// Worker threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The directory to write index.html and the plots into (created if needed).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let source = std::fs::read_to_string(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
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
    std::fs::create_dir_all(&a.out)?;
    std::fs::write(a.out.join("index.html"), &page.html)?;
    for (file, svg) in &page.svgs {
        std::fs::write(a.out.join(file), svg)?;
    }
    println!("wrote {} and {} plots", a.out.join("index.html").display(), page.svgs.len());
    Ok(0)
}
