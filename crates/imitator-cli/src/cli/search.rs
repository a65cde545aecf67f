//! `imitator search`: the scenarios of a family closest to each bound, found and written out.

use super::progress::Progress;
use super::Horizon;
use imitator::number::parse_rational;
use imitator::search::{self, Family, Options};
use imitator_report::search::{document, ours, table, worst_files};

/// Search a family of small scenarios for those closest to each bound, verifying every candidate exactly.
///
/// Each candidate runs on the lumped engine with the conservative imitator to depth T. For each
/// quantity the search keeps the candidate with the largest exact ratio measured / bound: (a) (1 −
/// P(E_T)) / (α/w(μ)); (b) E[Σθ³]_T / (|A|α⁻³(24/w(μ)+12)); (c) max_t E[Π(1+θ)]_t / t²; (d) the
/// same at t = T. Half the budget draws random candidates (the grid family: a grid), the rest
/// perturbs the best ones. The result is the same for a seed and budget on any number of threads.
/// Each candidate may hold 1024 MiB (an estimate checked before each allocation it guards); a
/// candidate past it, or past 200,000 merged states, is skipped and counted.
///
/// With --horizon infinite each candidate runs over its whole lifetime (docs/lifetime.md) until both
/// intervals are narrower than --width or it reaches --max-depth, and (a) and (b) are ranked by the
/// upper ends of 1 − P(E_∞) and E Σ_{t≥1} θ³, which no truncation can exceed.
///
/// Exit status (docs/exit-status.md): 0 done; 1 a candidate broke a bound the verifier checks on P(E)
/// or E[Σθ³], the paper's or the proved one (over a lifetime, a check whose status is fails); 2 bad
/// input, usage or I/O. Candidates a limit skipped do not change it.
#[derive(clap::Args)]
pub struct Args {
    /// iid (random iid classes), after-action (random classes Markov in the last action), machine
    /// (random classes of small machine models: 2 or 3 states, rules on the actions), or grid
    /// (a fixed iid class: model i puts i/(M+1) on the first action; a grid over truth, priors and α).
    #[arg(long, value_parser = super::named::<Family>())]
    pub family: Family,
    /// Actions |A| (2 to 64).
    #[arg(long, default_value_t = 2)]
    pub actions: usize,
    /// Models in the class (2 to 64).
    #[arg(long, default_value_t = 3)]
    pub models: usize,
    /// The horizon T of every run (required unless --horizon infinite).
    #[arg(long)]
    pub depth: Option<usize>,
    /// finite: every candidate to depth --depth. infinite: every candidate over its lifetime, ranked
    /// by the upper ends of the certified intervals.
    #[arg(long, value_enum, default_value_t = Horizon::Finite)]
    pub horizon: Horizon,
    /// With --horizon infinite: stop a candidate once both intervals are at most this wide (an exact
    /// number > 0; default 1/1000000).
    #[arg(long, value_name = "W", allow_hyphen_values = true)]
    pub width: Option<String>,
    /// With --horizon infinite: the deepest a candidate goes (default 200); the upper ends there
    /// still bound its lifetime figures.
    #[arg(long, value_name = "T")]
    pub max_depth: Option<usize>,
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
    /// Write each worst scenario to DIR/worst-QUANTITY.toml. DIR appears whole when the search is done: it is
    /// created, or replaced if it holds only an earlier search's worst-*.toml files; any other folder is refused.
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
    let (depth, horizon) = match a.horizon {
        Horizon::Finite => {
            anyhow::ensure!(
                a.width.is_none() && a.max_depth.is_none(),
                "--width and --max-depth belong to --horizon infinite; a finite search goes to --depth"
            );
            (
                a.depth.ok_or_else(|| anyhow::anyhow!("--depth is required (or use --horizon infinite)"))?,
                search::Horizon::Finite,
            )
        }
        Horizon::Infinite => {
            anyhow::ensure!(
                a.depth.is_none(),
                "--depth sets a finite horizon; with --horizon infinite use --max-depth"
            );
            let width = match &a.width {
                Some(text) => super::parse_width(text)?,
                None => search::default_search_width(),
            };
            (a.max_depth.unwrap_or(search::DEFAULT_SEARCH_MAX_DEPTH), search::Horizon::Infinite { width })
        }
    };
    let (budget, seed, max_den) = (a.budget, a.seed, a.max_den);
    let mut opts =
        Options { alpha, budget, seed, max_den, horizon, ..Options::new(a.family, a.actions, a.models, depth) };
    opts.limits.max_states = a.max_states;
    let infinite = a.horizon == Horizon::Infinite;
    let flag = |e: search::SearchError| {
        anyhow::anyhow!(e.message(|s| match s {
            search::Setting::Depth if infinite => "--max-depth".to_string(),
            _ => format!("--{}", s.name()),
        }))
    };
    opts.validate().map_err(flag)?;
    // Started before the search: a folder that cannot be written, or holds other files, is refused now.
    let mut folder = match &a.out {
        Some(dir) => Some(crate::atomic::Folder::create(dir, ours)?),
        None => None,
    };
    let bar = Progress::new("searching");
    let outcome = super::with_threads(a.threads, || search::search(&opts, &|done, total| bar.tick(done, total)))?;
    bar.finish();
    let outcome = outcome.map_err(flag)?;
    let mut files = vec![None; outcome.worst.len()];
    if let (Some(dir), Some(mut folder)) = (&a.out, folder.take()) {
        // The four files appear together, in one commit of the folder.
        for (slot, file) in files.iter_mut().zip(worst_files(dir, &outcome)) {
            if let Some((path, text)) = file {
                let name = path.file_name().and_then(|n| n.to_str()).expect("worst-QUANTITY.toml");
                folder.write(name, text.as_bytes())?;
                *slot = Some(path);
            }
        }
        folder.commit()?;
    }
    let text = if a.json { format!("{}\n", document(&outcome, &files)) } else { table(&outcome, &files) };
    super::out::print(&text)?;
    Ok(u8::from(outcome.broke_a_checked_bound()))
}
