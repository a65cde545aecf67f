//! `imitator explain`: a narrated run for a newcomer.

use imitator::report::explain::explain;
use std::path::PathBuf;

/// Tell one episode step by step: the posterior, the α rule with its numbers, m(a), θ, the draw and the update.
///
/// The episode is the one `imitator run` plays with the same seed.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// How many steps (default: the scenario's depth, or 20).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Seed of the random generator (ChaCha8): the same seed as `run` gives the same episode.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let steps = a.steps.or(s.depth).unwrap_or(20);
    print!("{}", explain(&s, a.imitator.variant, a.imitator.warmup, steps, a.seed).text);
    Ok(0)
}
