//! One module per subcommand: its arguments and a `main` that returns the exit status.
//! Errors returned as `Err` are bad input (status 2).

pub mod advice;
pub mod atlas;
pub mod completions;
pub mod conformance;
pub mod diff;
pub mod explain;
pub mod export;
pub mod out;
pub mod policy;
pub mod progress;
pub mod report;
pub mod run;
pub mod search;
pub mod verify;

use imitator::imitator::{Standard, Variant};
use imitator::limits::{self, Limits, MAX_THREADS};
use imitator::names::Named;
use imitator::scenario::Scenario;
use imitator::verify::Verified;
use imitator_report::csv;
use std::io::Write;
use std::path::Path;

/// Reads a scenario or returns its error (which names the file, the key and
/// line:column); what the file holds that is no error but likely a mistake (a
/// machine state its transitions never reach) is a warning on standard error.
pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    let s = Scenario::from_file(path).map_err(anyhow::Error::new)?;
    for w in &s.warnings {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    Ok(s)
}

/// Warns on standard error of each declared event that cannot happen at `depth`
/// (its figures are 0, whatever the imitator does): a likely mistake in the scenario.
pub fn warn_empty_events(s: &Scenario, file: &Path, depth: usize) {
    for e in &s.events {
        if let Some(why) = e.empty_at(depth) {
            let _ = writeln!(
                std::io::stderr(),
                "warning: {}: event “{}” cannot happen within depth {depth} ({why}): its probabilities are all 0",
                file.display(),
                e.name
            );
        }
    }
}

/// Starts the `--csv` folder before any computation: a folder that holds
/// files other than CSV files, or that cannot be created, is refused then.
pub fn csv_folder(dir: Option<&Path>) -> anyhow::Result<Option<crate::atomic::Folder>> {
    Ok(match dir {
        Some(dir) => Some(crate::atomic::Folder::create(dir, csv::ours)?),
        None => None,
    })
}

/// Fills `folder` with the curves of `runs` as CSV files (committed by the caller).
pub fn fill_csv(folder: &mut crate::atomic::Folder, runs: &[Verified]) -> anyhow::Result<()> {
    for (name, text) in csv::files(runs) {
        folder.write(&name, text.as_bytes())?;
    }
    Ok(())
}

/// Writes the curves of `runs` as CSV files into `folder` (from [`csv_folder`]), whole or not at all.
pub fn write_csv(folder: Option<crate::atomic::Folder>, runs: &[Verified]) -> anyhow::Result<()> {
    let Some(mut folder) = folder else { return Ok(()) };
    fill_csv(&mut folder, runs)?;
    folder.commit()?;
    Ok(())
}

/// Runs `f` on a pool of `threads` threads (all cores when `None`), at most [`MAX_THREADS`].
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        anyhow::ensure!(
            n <= MAX_THREADS,
            "--threads {n} is more than {MAX_THREADS}, the most worker threads imitator starts (limits::MAX_THREADS)"
        );
        builder = builder.num_threads(n);
    }
    let pool = builder.build().map_err(|e| match threads {
        Some(n) => anyhow::anyhow!("cannot start {n} worker threads (--threads {n}): {e}"),
        None => anyhow::anyhow!("cannot start the worker threads (one per core; --threads sets how many): {e}"),
    })?;
    Ok(pool.install(f))
}

/// Which imitator to run: the options every command that runs one shares.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ImitatorArgs {
    /// Which imitator: conservative (the paper's), always-query (the demonstrator acts at every step),
    /// map or mixture (train then deploy: query the first K steps, then act with the top-ranked model or
    /// the posterior mixture and never ask again).
    #[arg(long, value_parser = named::<Variant>(), default_value_t = Variant::Conservative)]
    pub variant: Variant,
    /// K: the steps that map and mixture query before they deploy.
    #[arg(long, default_value_t = 0)]
    pub warmup: usize,
}

impl ImitatorArgs {
    /// The rule these options select.
    pub fn rule(&self) -> Standard {
        Standard::new(self.variant, self.warmup)
    }
}

/// The horizon: `--depth` if given, else the scenario's `depth`; at least 1
/// and at most [`limits::MAX_DEPTH`].
pub fn horizon(depth: Option<usize>, s: &Scenario, file: &Path) -> anyhow::Result<usize> {
    let (depth, what) = match (depth, s.depth) {
        (Some(d), _) => (d, format!("--depth {d}")),
        (None, Some(d)) => (d, format!("{}: the scenario's `depth = {d}`", file.display())),
        (None, None) => {
            anyhow::bail!("{}: no depth: give --depth T or `depth = T` in the scenario", file.display())
        }
    };
    anyhow::ensure!(depth >= 1, "--depth must be at least 1");
    limits::check_depth(depth, &what)?;
    Ok(depth)
}

/// One seeded episode: what `run` and `explain` share, so that the same
/// options tell the same story in both.
#[derive(clap::Args, Debug, Clone)]
pub struct EpisodeArgs {
    /// The scenario file (TOML).
    pub file: std::path::PathBuf,
    /// How many steps, at most 1000000 (default: the scenario's depth, or 20).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Seed of the random generator (ChaCha8): the same seed gives the same episode in `run` and `explain`.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub imitator: ImitatorArgs,
}

impl EpisodeArgs {
    /// The number of steps for scenario `s`, at most [`limits::MAX_STEPS`].
    pub fn steps(&self, s: &Scenario) -> anyhow::Result<usize> {
        let steps = self.steps.or(s.depth).unwrap_or(20);
        if steps > limits::MAX_STEPS {
            let what = match self.steps {
                Some(n) => format!("--steps {n}"),
                None => format!("{}: the scenario's `depth = {steps}`", self.file.display()),
            };
            anyhow::bail!(
                "{what} is more than {}, the most steps one episode plays (limits::MAX_STEPS); give a smaller --steps",
                limits::MAX_STEPS
            );
        }
        Ok(steps)
    }
}

/// The choices of a core enum ([`Named`]) as clap's possible values, each
/// with its one-line meaning, read back into the enum: the core names its
/// values once and knows nothing of clap.
pub fn named<T: Named + Clone + Send + Sync>() -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = T::ALL.iter().map(|v| match v.about() {
        "" => PossibleValue::new(v.name()),
        about => PossibleValue::new(v.name()).help(about),
    });
    PossibleValuesParser::new(values)
        .map(|name| imitator::names::parse::<T>(&name).expect("clap offers only listed names"))
}

/// How far `verify` and `report` look: to a depth, or over the whole lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Horizon {
    /// Every figure at depths 1…T (`--depth`).
    Finite,
    /// Certified intervals for P(E_∞) and E Σ_{t≥1} θ³, depth by depth until they are narrower than --width.
    Infinite,
}

/// `--max-memory` of the commands that list histories (`policy`, `diff`).
#[derive(clap::Args, Debug, Clone)]
pub struct ListingMemory {
    /// Refuse (exit 2), before it is built, a state space that would hold more than this many MiB (an
    /// estimate).
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    pub max_memory: u64,
}

impl ListingMemory {
    /// The limit in bytes (at least 1 MiB).
    pub fn bytes(&self) -> anyhow::Result<u64> {
        Ok(limits(1, self.max_memory, None)?.max_memory)
    }
}

/// The library's [`Limits`] from `--max-states`, `--max-memory MIB` and
/// `--time-limit SECONDS` (`verify`, `export`).
pub fn limits(max_states: usize, max_memory_mib: u64, time_limit: Option<f64>) -> anyhow::Result<Limits> {
    anyhow::ensure!(max_memory_mib >= 1, "--max-memory must be at least 1 (MiB)");
    let time_limit = match time_limit {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < limits::MAX_TIME_LIMIT_SECS => {
            Some(std::time::Duration::from_secs_f64(t))
        }
        Some(t) if t >= limits::MAX_TIME_LIMIT_SECS => anyhow::bail!(
            "--time-limit {t} is not less than {}, the longest time limit in seconds (about 31 years; \
             limits::MAX_TIME_LIMIT_SECS); leave --time-limit out for no limit",
            limits::MAX_TIME_LIMIT_SECS
        ),
        Some(t) => anyhow::bail!("--time-limit must be a positive number of seconds, not {t}"),
    };
    Ok(Limits { max_states, max_memory: max_memory_mib.saturating_mul(1 << 20), time_limit, ..Limits::default() })
}

/// `--width`: an exact number greater than 0.
pub fn parse_width(text: &str) -> anyhow::Result<imitator::number::Rational> {
    use num_traits::Signed;
    let w = imitator::number::parse_rational(text).map_err(|e| anyhow::anyhow!("--width: {e}"))?;
    anyhow::ensure!(w.is_positive(), "--width must be greater than 0, not {text}");
    Ok(w)
}

/// The options of an infinite-horizon run from `--width` (an exact number > 0) and `--max-depth`.
pub fn lifetime_options(width: Option<&str>, max_depth: Option<usize>) -> anyhow::Result<imitator::lifetime::Options> {
    let mut opts = imitator::lifetime::Options::new();
    if let Some(text) = width {
        opts.width = parse_width(text)?;
    }
    if let Some(t) = max_depth {
        anyhow::ensure!(t >= 1, "--max-depth must be at least 1");
        imitator::limits::check_depth(t, &format!("--max-depth {t}"))
            .map_err(|e| anyhow::anyhow!("{e}; give a smaller --max-depth"))?;
        opts.limits.max_depth = t;
    }
    Ok(opts)
}
