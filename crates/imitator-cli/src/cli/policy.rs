//! `imitator policy`: the exact policy at every reachable history, as JSON Lines.

use imitator::engine::histories::{size_within, walk};
use imitator::sampled::visit_paths;
use imitator_report::jsonl::LineWriter;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// What stops the visit of sampled histories: a write, or the memory limit.
enum Visit {
    Io(io::Error),
    Limit(imitator::limits::LimitError),
}

impl From<imitator::limits::LimitError> for Visit {
    fn from(e: imitator::limits::LimitError) -> Self {
        Visit::Limit(e)
    }
}

/// The histories of `--sample n`, refused beforehand when their lines would
/// be more than the listing's limits (limits::MAX_HISTORIES lines, limits::MAX_HISTORY_STEPS steps).
pub fn sampled_paths(
    s: &imitator::scenario::Scenario,
    rule: &imitator::imitator::Standard,
    depth: usize,
    n: usize,
    seed: u64,
    memory: u64,
) -> anyhow::Result<Vec<Vec<imitator::engine::histories::Step>>> {
    use imitator::limits::{MAX_HISTORIES, MAX_HISTORY_STEPS};
    anyhow::ensure!(n >= 1, "--sample must be at least 1");
    let steps = (n as u64).saturating_mul(depth as u64).saturating_mul(depth as u64) / 2;
    anyhow::ensure!(
        (n as u64).saturating_mul(depth as u64) <= MAX_HISTORIES && steps <= MAX_HISTORY_STEPS,
        "--sample {n} at depth {depth} may write {} lines of {steps} steps in all, more than {MAX_HISTORIES} lines or \
         {MAX_HISTORY_STEPS} steps (limits::MAX_HISTORIES, limits::MAX_HISTORY_STEPS); give a smaller --sample or --depth",
        (n as u64).saturating_mul(depth as u64)
    );
    Ok(imitator::sampled::sample_paths(s, rule, depth, n, seed, memory)?)
}

/// Write the imitator's exact policy at every reachable history, one JSON object per line
///
/// The ground truth for testing another implementation of the imitator: run
/// this, make yours write the same lines, and compare with `imitator diff`.
///
/// Which histories: every full history (query flags included) of length 0 to
/// T−1 with positive probability under the imitator, i.e. every point where it
/// decides within the horizon T. Order: by length, then lexicographically,
/// comparing steps by query flag (false first), then action, then observation,
/// in the scenario's declaration order.
///
/// One line (exact numbers are strings in lowest terms, "p/q" or "n"):
///
///   {"history": [{"query": true, "action": "heads", "observation": "-"}],
///    "posterior": {"fair": "2/5", "heads-biased": "3/5"},
///    "ranking": ["heads-biased", "fair"], "top": ["heads-biased", "fair"],
///    "m": {"heads": "1/2", "tails": "1/4"}, "theta": "1/4",
///    "p_im": "1/8", "truth_in_top": true}
///
/// posterior: the normalized posterior before the next step; ranking: models by
/// posterior, largest first, ties to the one declared earlier; top: the
/// collected models; m: the probability of each action without a query; theta:
/// the probability of asking; p_im: the probability of the whole history under
/// the imitator and the environment; truth_in_top: whether the true
/// demonstrator is collected. docs/policy-lines.md describes the format, and
/// docs/policy-line.schema.json is its JSON Schema.
///
/// The number of lines grows like (2·#A·#O)^(T−1): keep T small. A depth
/// with more than 2^25 histories (or 2^27 steps in all) is refused.
///
/// With --out, the lines go to a temporary file beside PATH, which replaces
/// PATH only when complete: an earlier file stays whole until then. --out -
/// is standard output. A stream (--out /dev/stdout) whose reader goes away
/// (| head) ends quietly, as standard output does.
///
/// Long horizons: --sample N draws N histories of T−1 steps from the
/// imitator's own exact distribution (its queries included; --seed S, ChaCha8)
/// and writes the line at every prefix of each, once, in lexicographic order
/// (every history after its prefixes), to any depth up to 100000. Check such a
/// file with `imitator diff --only-listed`.
///
/// Exit status (docs/exit-status.md): 0 written; 2 bad input, usage, a limit or I/O.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T: lists histories of length 0..T-1 (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    #[command(flatten)]
    pub memory: super::ListingMemory,
    /// Write the lines to this file instead of stdout (`-`: stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Instead of every reachable history, the prefixes of N histories drawn from the imitator's exact
    /// distribution (any depth).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// The seed of the draws of --sample (ChaCha8): the same seed gives the same file.
    #[arg(long, default_value_t = 0, requires = "sample")]
    pub seed: u64,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let rule = a.imitator.rule();
    if let Some(path) = a.out.as_deref().filter(|p| p.as_os_str() != "-") {
        crate::atomic::check_file_name(path)?;
    }
    let memory = a.memory.bytes()?;
    let paths = match a.sample {
        Some(n) => Some(sampled_paths(&s, &rule, depth, n, a.seed, memory)?),
        None => {
            size_within(&s, &rule, depth, memory)?;
            None
        }
    };
    let mut lines = LineWriter::new(&s);
    let mut write = |w: &mut dyn Write| {
        let mut line = |e: &imitator::engine::histories::Entry| {
            w.write_all(lines.render(e).as_bytes())?;
            w.write_all(b"\n")
        };
        match &paths {
            None => walk(&s, &rule, depth, line),
            Some(paths) => visit_paths(&s, &rule, paths, memory, |e| line(e).map_err(Visit::Io)).map_err(|e| match e {
                Visit::Io(e) => e,
                Visit::Limit(e) => io::Error::other(e.to_string()),
            }),
        }
    };
    match a.out.as_deref().filter(|p| p.as_os_str() != "-") {
        // Written beside the target and renamed when complete: the old file stays until then.
        Some(path) => match crate::atomic::write_file(path, &mut write) {
            // A stream whose reader went away ends quietly, as standard output does.
            Err(e) if e.is_closed_pipe() => {}
            written => written?,
        },
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            let written = write(&mut w).and_then(|()| w.flush());
            super::out::settle(written)?;
        }
    }
    Ok(0)
}
