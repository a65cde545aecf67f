//! A model kind and a rule written outside the library, through every entry
//! point: `verify` on both engines, the whole lifetime, and export to Storm's
//! format.
//!
//! ```sh
//! cargo run --release --example custom_model
//! ```
//!
//! The model is a demonstrator that follows the parity of the step: it leans
//! to `left` on odd steps and to `right` on even ones. No scenario file can
//! say that (a file's models read nothing, the last action or the last
//! observation), so it is a kind of its own: a two-state machine. The rule is
//! the paper's conservative imitator written again from the library's parts,
//! as an engineer would write their own and check it against the verifier.

use imitator::engine::chain;
use imitator::imitator::{min_policy, ranking, top_set, update_posterior};
use imitator::number::{fmt_approx, ratio};
use imitator::{
    DemonstratorModel, EngineKind, Limits, Policy, PolicyInput, Prob, Rational, Rule, RunOptions, Scenario,
};

/// A demonstrator whose context is the step's parity: context 0 before an odd
/// step, 1 before an even one, whatever was done or seen.
#[derive(Debug)]
struct Parity {
    /// The distribution over actions before odd steps, then before even ones.
    by_parity: [Vec<Rational>; 2],
}

impl DemonstratorModel for Parity {
    fn contexts(&self) -> usize {
        2
    }
    fn initial_context(&self) -> usize {
        0
    }
    fn next_context(&self, ctx: usize, _action: usize, _observation: usize) -> usize {
        1 - ctx
    }
    fn distribution(&self, ctx: usize) -> &[Rational] {
        &self.by_parity[ctx]
    }
    fn describe_context(&self, ctx: usize, _: &[String], _: &[String]) -> String {
        ["odd step", "even step"][ctx].to_string()
    }
    // No `to_toml`: the kind has no form in a scenario file, so writing the
    // scenario out is refused rather than written as another model.
}

/// The paper's imitator from its parts: rank by posterior, collect the top
/// set by the α rule, take each action with the smallest probability a top
/// model gives it, ask with the rest; learn by Bayes' rule from queried steps.
struct MyConservative;

impl<P: Prob> Rule<P> for MyConservative {
    fn policy(&self, input: &PolicyInput<P>) -> Policy<P> {
        let ranking = ranking(input.posterior);
        let top = top_set(input.posterior, &ranking, input.alpha);
        let (m, theta) = min_policy(&top, input.dists);
        Policy { ranking, top, m, theta }
    }
    fn observe(&self, posterior: &[P], queried: bool, action: usize, dists: &[&[P]]) -> Vec<P> {
        if queried {
            update_posterior(posterior, action, dists)
        } else {
            posterior.to_vec()
        }
    }
    // Exactly Bayes on queried steps and nothing otherwise: the engines may
    // then compute each posterior once.
    fn learns_by_bayes(&self) -> bool {
        true
    }
    // It is the paper's rule, so the lifetime's bound on the queries holds from any state.
    fn is_conservative(&self) -> bool {
        true
    }
    fn name(&self) -> String {
        "my-conservative".into()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let half = ratio(1, 2);
    let scenario = Scenario::builder("parity")
        .actions(["left", "right"])
        .alpha(ratio(1, 4))
        .model(
            "parity",
            ratio(1, 2),
            Box::new(Parity { by_parity: [vec![ratio(3, 4), ratio(1, 4)], vec![ratio(1, 4), ratio(3, 4)]] }),
        )
        .model("fair", ratio(1, 2), Box::new(imitator::model::Iid { probs: vec![half.clone(), half] }))
        .truth("parity")
        .build()?;
    println!("w(μ) = {}, α = {}", scenario.truth_weight(), scenario.alpha);
    match scenario.to_toml() {
        Ok(_) => println!("written as a file (unexpected)"),
        Err(e) => println!("to_toml refuses: {e}"),
    }

    // The finite horizon, on both engines: the same exact figures.
    for engine in [EngineKind::Exhaustive, EngineKind::Lumped] {
        let v = imitator::verify(&scenario, MyConservative, engine, RunOptions::new(8), imitator::progress::SILENT)?;
        println!(
            "{engine:>10}, depth 8: P(E_8) = {}, E[Σθ³] = {}, every check {}",
            v.figures.event_e[7],
            v.figures.query_cubed_sum[7],
            if v.verdict.holds { "holds" } else { "does NOT hold" }
        );
    }

    // The whole lifetime: certified intervals, the rule's own.
    let opts = imitator::lifetime::Options {
        width: ratio(1, 1_000_000),
        limits: Limits { max_depth: 2_000, ..Limits::default() },
        ..imitator::lifetime::Options::new()
    };
    let l = imitator::lifetime::run(&scenario, &MyConservative, &opts, imitator::progress::SILENT)?;
    let last = l.last();
    let hi = |i: &imitator::lifetime::Interval| i.hi.as_ref().map_or("∞".to_string(), fmt_approx);
    println!(
        "lifetime after {} steps: P(E_∞) ∈ [{}, {}], E Σθ³ ∈ [{}, {}]; {} and {}",
        l.depth_reached,
        fmt_approx(&last.event_e.lo),
        hi(&last.event_e),
        fmt_approx(&last.query_cubed_sum.lo),
        hi(&last.query_cubed_sum),
        l.event_e_status.name(),
        l.query_status.name()
    );

    // The exact Markov chain, as Storm reads it.
    let chain = chain::build(
        &scenario,
        &MyConservative,
        chain::Options { depth: 4, limits: Limits::default(), events: false },
    )?;
    let mut drn = Vec::new();
    imitator_report::export::write_drn(&chain, &mut drn)?;
    println!(
        "the chain to depth 4: {} states, {} transitions, {} bytes of DRN",
        chain.states(),
        chain.transitions(),
        drn.len()
    );
    Ok(())
}
