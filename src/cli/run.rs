//! `imitator run`: one episode, exact by default.

use imitator::number::{fmt_exact, Prob, Rational};
use imitator::report::text::episode_report;
use imitator::scenario::Scenario;
use imitator::simulate::{episode, Episode};
use serde_json::{json, Value};

/// Play one episode: the imitator acts, asks the demonstrator (the truth) when it is unsure, and learns from its answers.
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
    let s = super::load(&a.episode.file)?;
    let steps = a.episode.steps(&s)?;
    let rule = a.episode.imitator.rule();
    let keep = a.trace;
    let out = if a.float {
        let ep = episode::<f64>(&s, Box::new(rule), steps, a.episode.seed, keep);
        render(&s, &ep, &a, |p| json!(p))
    } else {
        let ep = episode::<Rational>(&s, Box::new(rule), steps, a.episode.seed, keep);
        render(&s, &ep, &a, |p| json!(fmt_exact(p)))
    };
    super::out::print(&out)?;
    Ok(0)
}

fn render<P: Prob>(s: &Scenario, ep: &Episode<P>, a: &Args, num: impl Fn(&P) -> Value) -> String {
    if !a.json {
        return episode_report(s, ep, a.episode.imitator.variant.name(), !a.float);
    }
    let posterior: serde_json::Map<String, Value> =
        s.models.iter().zip(&ep.final_posterior).map(|(m, p)| (m.name.clone(), num(p))).collect();
    let mut doc = json!({
        "scenario": s.name,
        "variant": a.episode.imitator.variant.name(),
        "warmup": a.episode.imitator.warmup,
        "steps": ep.steps,
        "seed": ep.seed,
        "exact": !a.float,
        "queries": ep.queries,
        "truth_always_top": ep.truth_always_top,
        "posterior": posterior,
    });
    if a.trace {
        doc["trace"] = ep
            .trace
            .iter()
            .map(|r| {
                json!({
                    "step": r.step,
                    "top": r.policy.top.iter().map(|&i| s.models[i].name.clone()).collect::<Vec<_>>(),
                    "theta": num(&r.policy.theta),
                    "query": r.queried,
                    "action": s.actions[r.action],
                    "observation": s.observations[r.observation],
                    "truth_in_top": r.truth_in_top,
                })
            })
            .collect();
    }
    format!("{doc}\n")
}
