//! `imitator explain`: a narrated run for a newcomer.

use imitator::report::explain::explain;

/// Tell one episode step by step: the posterior, the α rule with its numbers, m(a), θ, the draw and the update.
///
/// The episode is the one `imitator run` plays with the same seed.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub episode: super::EpisodeArgs,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.episode.file)?;
    let steps = a.episode.steps(&s)?;
    super::out::print(&explain(&s, a.episode.imitator.variant, a.episode.imitator.warmup, steps, a.episode.seed).text)?;
    Ok(0)
}
