//! `imitator run`: one episode, exact by default.

use imitator::number::{Prob, Rational};
use imitator::simulate::{episode, Trace};
use imitator_report as report;

/// Play one episode: the imitator acts, asks the demonstrator (the truth) when it is unsure, and learns from its answers.
///
/// Exit status (docs/exit-status.md): 0 played; 2 bad input, usage or I/O.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub episode: super::EpisodeArgs,
    /// Print every step: the top set, θ, whether it asked, the action and the observation.
    #[arg(long)]
    pub trace: bool,
    /// Use f64 instead of exact rationals (fast; for long runs).
    #[arg(long)]
    pub float: bool,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    if a.float {
        play::<f64>(&a)
    } else {
        play::<Rational>(&a)
    }
}

fn play<P: Prob>(a: &Args) -> anyhow::Result<u8> {
    let s = super::load(&a.episode.file)?;
    let steps = a.episode.steps(&s)?;
    let imitator = a.episode.imitator.rule();
    let trace = if a.trace { Trace::Steps } else { Trace::Off };
    let ep = episode::<P>(&s, Box::new(imitator), steps, a.episode.seed, trace);
    let text = if a.json {
        format!("{}\n", report::run::document(&s, imitator, &ep))
    } else {
        report::run::text(&s, imitator, &ep)
    };
    super::out::print(&text)?;
    Ok(0)
}
