//! `imitator export`: the lumped chain for Storm (DRN) or PRISM (explicit files).

use crate::atomic::{FileSet, WriteError};
use imitator::engine::chain::{self, Chain};
use imitator_report::export::{prism_files, write_drn, write_prism};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which model checker's format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Storm's explicit DRN file, read exactly by Storm.
    Drn,
    /// PRISM's explicit files: PATH.tra, PATH.lab and PATH.<reward>.srew for each reward.
    Prism,
}

/// Write the imitator's lumped chain to depth T as an explicit Markov chain with exact probabilities.
///
/// One state per merged state of each depth 0..T, labels init, excluded (the truth is not in the top set),
/// settled (no query ever again), last (depth T) and, with --events, one per event; state rewards theta,
/// theta3 and inv_post_truth (1/post(mu)). The header of the output says how they give verify's figures.
/// The output appears whole or not at all. Exit status (docs/exit-status.md): 0 written, 2 bad input,
/// a limit or I/O.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    /// Label the depth-T states with the scenario's events (names made safe identifiers; the header lists them).
    #[arg(long)]
    pub events: bool,
    /// drn (Storm) or prism (PRISM's .tra, .lab and .srew files).
    #[arg(long)]
    pub format: Format,
    /// The file to write (drn; `-` is standard output), or the base name of the files (prism: PATH.tra,
    /// PATH.lab, PATH.theta.srew, … beside PATH, named byte for byte; PATH must name a file that is not a
    /// device or pipe, and `-` is refused: PRISM's five files cannot share standard output).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Worker threads, at most 256 (default: every core). The output is identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Stop with an error before one depth would hold more merged states than this.
    #[arg(long, default_value_t = imitator::limits::DEFAULT_MAX_STATES)]
    pub max_states: usize,
    /// Stop with an error before the engine and the chain would hold more memory than this many MiB.
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    pub max_memory: u64,
    /// Stop with an error once the run has taken this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let limits = super::limits(a.max_states, a.max_memory, a.time_limit)?;
    let stdout = a.out.as_os_str() == "-";
    let paths: Vec<PathBuf> = match a.format {
        Format::Drn if stdout => vec![],
        Format::Drn => vec![a.out.clone()],
        Format::Prism => prism_paths(&a.out)?,
    };
    // A path that cannot be written is found before the work.
    let mut files = FileSet::create(&paths)?;
    let rule = a.imitator.rule();
    let opts = chain::Options { depth, limits, events: a.events };
    let chain = super::with_threads(a.threads, || chain::build(&s, &rule, opts))?.map_err(|e| {
        let message = e.to_string();
        let limit = super::advice::limit_of(&anyhow::Error::new(e));
        anyhow::anyhow!("{} (nothing was written)", super::advice::with_advice(&message, limit))
    })?;
    let written = if stdout {
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        let written = write_drn(&chain, &mut w).and_then(|()| w.flush());
        super::out::settle(written)?;
        !super::out::closed()
    } else {
        match write(&chain, a.format, &a.out, &mut files) {
            // A stream (--out /dev/stdout) whose reader went away: quiet, as standard output is.
            Err(e) if e.is_closed_pipe() => false,
            written => {
                written?;
                files.commit()?;
                true
            }
        }
    };
    if !written {
        return Ok(0);
    }
    let what = match a.format {
        Format::Drn if stdout => "standard output".to_string(),
        Format::Drn => a.out.display().to_string(),
        Format::Prism => paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
    };
    // On stderr, so that `--out /dev/stdout` gives the model alone; a closed stderr is no error.
    let _ = writeln!(
        std::io::stderr(),
        "{}: depth {depth}, {} states, {} transitions, written to {what}",
        chain.scenario,
        chain.states(),
        chain.transitions()
    );
    Ok(0)
}

/// The PRISM files for `--out base`, refused when `base` cannot be their common base: `-`, a name that is
/// not a file's (`DIR/`, `DIR/.`), or a device or pipe (`/dev/full` would give `/dev/full.tra`).
fn prism_paths(base: &Path) -> anyhow::Result<Vec<PathBuf>> {
    anyhow::ensure!(
        base.as_os_str() != "-",
        "--out -: PRISM's explicit format is five files (PATH.tra, PATH.lab, PATH.<reward>.srew), which cannot \
         share standard output; give a base path, or use --format drn for one file on standard output"
    );
    let Some(files) = prism_files(base) else {
        anyhow::bail!("{}: --out must name a file (the base of the PRISM files)", base.display())
    };
    if let Ok(m) = std::fs::metadata(base) {
        anyhow::ensure!(
            m.is_file() || m.is_dir(),
            "{}: is a device or a stream, not a file: PRISM's files are named after --out (PATH.tra, PATH.lab, …); \
             give a base path in a folder",
            base.display()
        );
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// Fills the files of `files` (a closed pipe is kept as the [`WriteError`] it is, to be told apart).
fn write(chain: &Chain, format: Format, out: &Path, files: &mut FileSet) -> Result<(), WriteError> {
    match format {
        Format::Drn => files.write(0, |w| write_drn(chain, w))?,
        Format::Prism => {
            for (i, (_, file)) in prism_files(out).unwrap_or_default().into_iter().enumerate() {
                files.write(i, |w| write_prism(chain, file, w))?;
            }
        }
    }
    Ok(())
}
