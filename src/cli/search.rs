//! `imitator search`: the scenarios of a family closest to each bound, found and written out.

use super::progress::Progress;
use imitator::number::parse_rational;
use imitator::report::search::{document, table, worst_files};
use imitator::search::{self, Family, Options};

/// Search a family of small scenarios for those closest to each bound, verifying every candidate exactly.
///
/// Each candidate runs on the lumped engine with the conservative imitator to depth T. For each
/// quantity the search keeps the candidate with the largest exact ratio measured / bound: (a) (1 −
/// P(E_T)) / (α/w(μ)); (b) E[Σθ³]_T / (|A|α⁻³(24/w(μ)+12)); (c) max_t E[Π(1+θ)]_t / t²; (d) the
/// same at t = T. Half the budget draws random candidates (the grid family: a grid), the rest
/// perturbs the best ones. The result is the same for a seed and budget on any number of threads.
///
/// Exit status: 0 done; 1 a candidate broke a checked bound ((a) or (b) above 1); 2 bad input.
#[derive(clap::Args)]
pub struct Args {
    /// iid (random iid classes), after-action (random classes Markov in the last action), or grid
    /// (a fixed iid class: model i puts i/(M+1) on the first action; a grid over truth, priors and α).
    #[arg(long, value_enum)]
    pub family: Family,
    /// Actions |A| (2 to 64).
    #[arg(long, default_value_t = 2)]
    pub actions: usize,
    /// Models in the class (2 to 64).
    #[arg(long, default_value_t = 3)]
    pub models: usize,
    /// The horizon T of every run.
    #[arg(long)]
    pub depth: usize,
    /// A fixed α, exact ("1/10", "0.1"); random in (0,1) when absent.
    #[arg(long)]
    pub alpha: Option<String>,
    /// Candidates to verify in all.
    #[arg(long, default_value_t = 200)]
    pub budget: u64,
    /// The seed of the random phase and the local search.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The largest denominator of a random rational, at most 2^32 (the local search refines up to 4×).
    #[arg(long, default_value_t = 12)]
    pub max_den: u64,
    /// Skip a candidate whose lumped run would hold more merged states than this at one depth.
    #[arg(long, default_value_t = 200_000)]
    pub max_states: usize,
    /// Worker threads, at most 256 (default: every core). The result is identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write each worst scenario to DIR/worst-QUANTITY.toml.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let alpha = match &a.alpha {
        Some(s) => Some(parse_rational(s).map_err(|e| anyhow::anyhow!("--alpha: {e}"))?),
        None => None,
    };
    let (budget, seed, max_den, max_states) = (a.budget, a.seed, a.max_den, a.max_states);
    let opts =
        Options { alpha, budget, seed, max_den, max_states, ..Options::new(a.family, a.actions, a.models, a.depth) };
    let flag = |e: search::SearchError| anyhow::anyhow!(e.message(|s| format!("--{}", s.name())));
    opts.validate().map_err(flag)?;
    let bar = Progress::new("searching");
    let outcome = super::with_threads(a.threads, || search::search(&opts, &|done, total| bar.tick(done, total)))?;
    bar.finish();
    let outcome = outcome.map_err(flag)?;
    let mut files = vec![None; outcome.worst.len()];
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("{}: cannot create the directory: {e}", dir.display()))?;
        for (slot, file) in files.iter_mut().zip(worst_files(dir, &outcome)) {
            if let Some((path, text)) = file {
                imitator::atomic::write_bytes(&path, text.as_bytes())?;
                *slot = Some(path);
            }
        }
    }
    let text = if a.json { format!("{}\n", document(&outcome, &files)) } else { table(&outcome, &files) };
    super::out::print(&text)?;
    Ok(u8::from(outcome.broke_a_checked_bound()))
}
