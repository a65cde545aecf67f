//! `imitator search`: the scenarios of a family closest to each bound, found and written out.

use super::verify::Progress;
use imitator::number::{fmt_approx, fmt_exact, parse_rational, Rational};
use imitator::search::{self, Family, Options, Outcome, Quantity, Worst};
use num_traits::One;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

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
    #[arg(long)]
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
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let alpha = match &a.alpha {
        Some(s) => Some(parse_rational(s).map_err(|e| anyhow::anyhow!("--alpha: {e}"))?),
        None => None,
    };
    let opts = Options {
        alpha,
        budget: a.budget,
        seed: a.seed,
        max_den: a.max_den,
        max_states: a.max_states,
        ..Options::new(a.family, a.actions, a.models, a.depth)
    };
    opts.validate().map_err(anyhow::Error::msg)?;
    let bar = Progress::new("searching");
    let outcome = super::with_threads(a.threads, || search::search(&opts, &|done, total| bar.tick(done, total)))?;
    bar.finish();
    let outcome = outcome.map_err(anyhow::Error::msg)?;
    let files = match &a.out {
        Some(dir) => write_files(dir, &outcome)?,
        None => vec![None; outcome.worst.len()],
    };
    if a.json {
        super::out::print(&format!("{}\n", document(&outcome, &files)))?;
    } else {
        super::out::print(&table(&outcome, &files))?;
    }
    let broken =
        outcome.worst.iter().flatten().any(|w| {
            matches!(w.quantity, Quantity::EventE | Quantity::QueryCubed) && w.ratio().ratio > Rational::one()
        });
    Ok(u8::from(broken))
}

/// The command that reproduces a search.
pub fn command(o: &Options) -> String {
    let alpha = o.alpha.as_ref().map(|a| format!(" --alpha {}", fmt_exact(a))).unwrap_or_default();
    format!(
        "imitator search --family {} --actions {} --models {} --depth {}{alpha} --budget {} --seed {} --max-den {}",
        o.family, o.actions, o.models, o.depth, o.budget, o.seed, o.max_den
    )
}

fn file_name(q: Quantity) -> String {
    format!("worst-{}.toml", q.key().replace('_', "-"))
}

fn write_files(dir: &Path, o: &Outcome) -> anyhow::Result<Vec<Option<PathBuf>>> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: cannot create the directory: {e}", dir.display()))?;
    o.worst
        .iter()
        .map(|w| {
            let Some(w) = w else { return Ok(None) };
            let path = dir.join(file_name(w.quantity));
            let r = w.ratio();
            let header = format!(
                "# Found by: {}\n# {} = {} ≈ {} (measured {} / bound {}, at t = {})\n\
                 # Reproduce: imitator verify {} --engine lumped --depth {}\n\n",
                command(&o.options),
                w.quantity.formula(),
                fmt_exact(&r.ratio),
                fmt_approx(&r.ratio),
                fmt_exact(&r.measured),
                fmt_exact(&r.bound),
                r.depth,
                path.display(),
                o.options.depth
            );
            let text = header + &w.scenario(&o.options).to_toml();
            imitator::atomic::write_bytes(&path, text.as_bytes())?;
            Ok(Some(path))
        })
        .collect()
}

fn label(q: Quantity) -> &'static str {
    match q {
        Quantity::EventE => "(a)",
        Quantity::QueryCubed => "(b)",
        Quantity::Product => "(c)",
        Quantity::ProductHorizon => "(d)",
    }
}

/// The measured figure, in words, for the exact lines.
fn measured_words(w: &Worst) -> String {
    let r = w.ratio();
    let t = r.depth;
    match w.quantity {
        Quantity::EventE => format!(
            "1 - P(E_{t}) = {}, α/w(μ) = {}",
            fmt_exact(&r.measured),
            fmt_exact(&r.bound)
        ),
        Quantity::QueryCubed => format!(
            "E[Σθ³]_{t} = {}, bound = {}; in place of 24 and 12 the constants 24s = {} and 12s = {} suffice (s = the ratio)",
            fmt_exact(&r.measured),
            fmt_exact(&r.bound),
            fmt_exact(&(&r.ratio * Rational::from_integer(24.into()))),
            fmt_exact(&(&r.ratio * Rational::from_integer(12.into())))
        ),
        Quantity::Product | Quantity::ProductHorizon => {
            format!("E[Π(1+θ)]_{t} = {}, t² = {}", fmt_exact(&r.measured), fmt_exact(&r.bound))
        }
    }
}

/// The table of worst ratios, then the exact figures.
pub fn table(o: &Outcome, files: &[Option<PathBuf>]) -> String {
    use std::fmt::Write;
    let opts = &o.options;
    let mut s = String::new();
    let _ = writeln!(s, "{}", command(opts));
    let grid = o.grid_n.map(|n| format!(", grid prior weights 1..={n}")).unwrap_or_default();
    let _ = writeln!(
        s,
        "{} random + {} local-search candidates verified (lumped engine, conservative imitator){grid}; {} skipped; {} improvements",
        o.random, o.local, o.skipped, o.improvements
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "    {:<36} {:>12}  {:>4}  {:>8}  {:>8}  found",
        "ratio measured / bound", "worst", "t", "α", "w(μ)"
    );
    for (q, w) in Quantity::ALL.iter().zip(&o.worst) {
        match w {
            None => {
                let _ = writeln!(s, "{} {:<36} {:>12}", label(*q), q.formula(), "-");
            }
            Some(w) => {
                let r = w.ratio();
                let c = &w.candidate;
                let weight = c.priors.values().swap_remove(c.truth);
                let _ = writeln!(
                    s,
                    "{} {:<36} {:>12}  {:>4}  {:>8}  {:>8}  {}",
                    label(*q),
                    q.formula(),
                    fmt_approx(&r.ratio),
                    r.depth,
                    fmt_exact(&c.alpha()),
                    fmt_exact(&weight),
                    w.origin
                );
            }
        }
    }
    let _ = writeln!(s);
    for (q, w) in Quantity::ALL.iter().zip(&o.worst) {
        if let Some(w) = w {
            let _ = writeln!(s, "{} {} = {}", label(*q), q.key(), fmt_exact(&w.ratio().ratio));
            let _ = writeln!(s, "    {}", measured_words(w));
        }
    }
    if files.iter().any(Option::is_some) {
        let _ = writeln!(s);
        for (q, f) in Quantity::ALL.iter().zip(files) {
            if let Some(f) = f {
                let _ =
                    writeln!(s, "{} imitator verify {} --engine lumped --depth {}", label(*q), f.display(), opts.depth);
            }
        }
    }
    s
}

/// The outcome as one JSON object; exact numbers as strings.
pub fn document(o: &Outcome, files: &[Option<PathBuf>]) -> Value {
    let opts = &o.options;
    let worst: Vec<Value> = Quantity::ALL
        .iter()
        .zip(&o.worst)
        .zip(files)
        .map(|((q, w), f)| match w {
            None => json!({"quantity": q.key(), "formula": q.formula(), "ratio": null}),
            Some(w) => {
                let r = w.ratio();
                let c = &w.candidate;
                let mut v = json!({
                    "quantity": q.key(),
                    "formula": q.formula(),
                    "ratio": fmt_exact(&r.ratio),
                    "ratio_decimal": fmt_approx(&r.ratio),
                    "measured": fmt_exact(&r.measured),
                    "bound": fmt_exact(&r.bound),
                    "depth": r.depth,
                    "alpha": fmt_exact(&c.alpha()),
                    "truth_weight": fmt_exact(&c.priors.values().swap_remove(c.truth)),
                    "found": w.origin.to_string(),
                    "file": f.as_ref().map(|p| p.display().to_string()),
                });
                if *q == Quantity::QueryCubed {
                    let scale = |k: i64| fmt_exact(&(&r.ratio * Rational::from_integer(k.into())));
                    v["constants"] = json!({"c1": scale(24), "c2": scale(12)});
                }
                v
            }
        })
        .collect();
    json!({
        "command": command(opts),
        "family": opts.family.name(),
        "actions": opts.actions,
        "models": opts.models,
        "depth": opts.depth,
        "alpha": opts.alpha.as_ref().map(fmt_exact),
        "budget": opts.budget,
        "seed": opts.seed,
        "max_den": opts.max_den,
        "random": o.random,
        "local": o.local,
        "skipped": o.skipped,
        "improvements": o.improvements,
        "grid_n": o.grid_n,
        "worst": worst,
    })
}
