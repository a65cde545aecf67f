//! `imitator verify`: every history to a depth, exactly, and every check of the paper.

use imitator::checks::check;
use imitator::engine::{self, EngineKind};
use imitator::report::{json::verify_document, text::verify_report, RunInfo};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

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
    #[arg(long, default_value = "exhaustive")]
    pub engine: EngineKind,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    /// Print exactly one JSON object (SPEC §6) instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Lumped engine: stop with a clear message if one depth would hold more merged states than this.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: usize,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let rule = a.imitator.rule();
    let bar = Progress::new("verifying");
    let start = Instant::now();
    let (figures, threads) = super::with_threads(a.threads, || {
        let threads = rayon::current_num_threads();
        let opts = engine::RunOptions { max_states: a.max_states, ..engine::RunOptions::new(depth) };
        let figures = engine::run_with(a.engine, &s, &rule, opts, &|done, total| bar.tick(done, total));
        (figures, threads)
    })?;
    bar.finish();
    let figures = figures?;
    let elapsed_ms = start.elapsed().as_millis();
    let verdict = check(&s, &figures);
    let run =
        RunInfo { variant: a.imitator.variant.name().to_string(), warmup: a.imitator.warmup, threads, elapsed_ms };
    if a.json {
        super::out::print(&format!("{}\n", verify_document(&s, &figures, &verdict, &run)))?;
    } else {
        super::out::print(&verify_report(&s, &figures, &verdict, &run))?;
    }
    Ok(if verdict.holds { 0 } else { 1 })
}

/// A progress bar on stderr, shown only on a terminal and only once a run has taken over a second.
pub struct Progress {
    label: &'static str,
    bar: Mutex<Option<ProgressBar>>,
    start: Instant,
    enabled: bool,
}

impl Progress {
    /// A bar that will say `label` (e.g. "verifying") once it shows.
    pub fn new(label: &'static str) -> Self {
        Progress { label, bar: Mutex::new(None), start: Instant::now(), enabled: std::io::stderr().is_terminal() }
    }

    pub fn tick(&self, done: u64, total: u64) {
        if !self.enabled || self.start.elapsed().as_millis() < 1000 {
            return;
        }
        let mut bar = self.bar.lock().expect("progress lock");
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            b.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})").expect("template"));
            b.set_message(self.label);
            b
        });
        b.set_length(total);
        b.set_position(done);
    }

    pub fn finish(&self) {
        if let Some(b) = self.bar.lock().expect("progress lock").take() {
            b.finish_and_clear();
        }
    }
}
