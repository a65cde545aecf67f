//! `imitator explain`: a narrated run for a newcomer.

use imitator::number::Rational;
use imitator::simulate::{episode, Trace};
use imitator_report::explain::explain;

/// Tell one episode step by step: the posterior, the α rule with its numbers, m(a), θ, the draw and the update.
///
/// The episode is the one `imitator run` plays with the same seed.
///
/// Exit status (docs/exit-status.md): 0 told; 2 bad input, usage or I/O.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub episode: super::EpisodeArgs,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.episode.file)?;
    let steps = a.episode.steps(&s)?;
    let imitator = a.episode.imitator.rule();
    let ep = episode::<Rational>(&s, Box::new(imitator), steps, a.episode.seed, Trace::Detailed);
    super::out::print(&explain(&s, imitator, &ep))?;
    Ok(0)
}
