//! `imitator atlas`: every class of a grid family over its lifetime, the
//! certified extremes of each ratio per α, written as one folder; and
//! `imitator atlas merge`, which puts shards together.

use super::progress::Progress;
use imitator::atlas::{self, Family, Options, Shard};
use imitator_report::atlas::{files, ours, parse_json};
use std::path::PathBuf;

/// Every class of a grid family, each over its whole lifetime: how close does any class come to each bound?
///
/// A class is M distinct models whose probabilities are multiples of 1/G, with priors (uniform, or
/// weights 1..=P with --priors P) and a truth; classes equal up to renaming models or actions are
/// run once. Each class runs with the conservative imitator over its lifetime (docs/lifetime.md), for
/// every α listed, until both certified intervals are at most --width wide or it reaches
/// --max-depth. For each α and each ratio — (a) (1 − P(E_∞)) / (α/((1+α)w(μ))), (a′) the same over
/// α/w(μ), (b) E Σθ³ / (#A·α⁻³(24/w(μ)+12)), (b′) E Σθ³ / √proved_bound_squared, and E Σθ³ itself
/// — the atlas gives the largest certified lower end with its class (a witness: the best constant is
/// at least this) and the largest certified upper end (no class of the grid exceeds it), and lists
/// the runs whose intervals did not close.
///
/// DIR gets atlas.md (the table), atlas.csv, atlas.json (exact, read back by `atlas merge`),
/// witnesses/*.toml (each reproduced by `imitator verify FILE --horizon infinite`) and one SVG plot per
/// ratio against α on log axes. It appears whole when the atlas is done.
///
/// Large atlases split: `--shard I/N` runs the I-th of N disjoint parts (anywhere, in any order), and
/// `imitator atlas merge DIR1 … DIRN --out DIR` gives the files of the unsharded run, byte for byte.
///
/// Example: imitator atlas --family iid --actions 2 --models 2 --grid 4 --alpha 1/2,1/5 --width 1/100 --out atlas
///
/// Exit status (docs/exit-status.md): 0 every run closed and no bound broke; 1 a class broke a proved
/// bound; 2 bad input, usage or I/O; 3 no bound broke but some run is undecided (its upper ends still
/// count in every maximum).
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub merge: Option<Merge>,
    /// iid (each model an iid distribution over the actions) or after-action (a distribution at step
    /// 1 and one after each action).
    #[arg(long, value_parser = super::named::<Family>())]
    pub family: Option<Family>,
    /// Actions K of every class (2 to 16).
    #[arg(long, default_value_t = 2)]
    pub actions: usize,
    /// Models M of every class (2 to 16).
    #[arg(long, default_value_t = 2)]
    pub models: usize,
    /// G: every probability of every model is a multiple of 1/G (1 to 1000).
    #[arg(long, value_name = "G")]
    pub grid: Option<u64>,
    /// The α values, exact and comma-separated: 1/2,1/5,0.1 (each in (0, 1)).
    #[arg(long, value_name = "A1,A2,…", allow_hyphen_values = true)]
    pub alpha: Option<String>,
    /// P: each model's prior weight ranges over 1..=P (normalized); default: uniform priors.
    #[arg(long, value_name = "P")]
    pub priors: Option<u64>,
    /// Stop a class once both intervals are at most this wide (an exact number > 0).
    #[arg(long, value_name = "W", default_value = "1/1000000", allow_hyphen_values = true)]
    pub width: String,
    /// The deepest a class goes; its upper ends there still bound its lifetime figures.
    #[arg(long, value_name = "T", default_value_t = atlas::DEFAULT_ATLAS_MAX_DEPTH)]
    pub max_depth: usize,
    /// Run only the I-th of N disjoint parts of the classes (1 ≤ I ≤ N); `atlas merge` puts them together.
    #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
    pub shard: Option<String>,
    /// A class whose lumped run would hold more merged states than this at one depth stops there (undecided).
    #[arg(long, default_value_t = 200_000)]
    pub max_states: usize,
    /// Worker threads, at most 256 (default: every core). The files are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// The folder to write: created, or replaced if it holds only an earlier atlas's files.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum Merge {
    /// Put the shards of one atlas together: the files of the unsharded run, byte for byte.
    ///
    /// Each DIR is the --out of one `imitator atlas … --shard I/N`. All N shards must be given, once
    /// each, all made with the same arguments; otherwise the merge exits 2 and says which.
    Merge(MergeArgs),
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The shards' folders.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// The folder to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

fn need<T>(v: Option<T>, flag: &str) -> anyhow::Result<T> {
    v.ok_or_else(|| anyhow::anyhow!("{flag} is required (imitator atlas --help shows every option)"))
}

fn flagged(e: atlas::AtlasError) -> anyhow::Error {
    anyhow::anyhow!("--{}: {}", e.option, e.reason)
}

/// The options of an atlas from its flags, checked.
fn options(a: &Args) -> anyhow::Result<(Options, Shard)> {
    let family = need(a.family, "--family")?;
    let grid = need(a.grid, "--grid")?;
    let alphas = atlas::parse_alphas(&need(a.alpha.clone(), "--alpha")?).map_err(flagged)?;
    let mut opts = Options::new(family, a.actions, a.models, grid, alphas);
    opts.priors = a.priors;
    opts.width = super::parse_width(&a.width)?;
    opts.max_depth = a.max_depth;
    opts.limits.max_states = a.max_states;
    opts.validate().map_err(flagged)?;
    let shard = match &a.shard {
        Some(s) => atlas::parse_shard(s).map_err(flagged)?,
        None => Shard::WHOLE,
    };
    Ok((opts, shard))
}

/// Writes the files of `a` into `folder` and puts it in place.
fn write(mut folder: crate::atomic::Folder, a: &atlas::Atlas) -> anyhow::Result<()> {
    for (name, bytes) in files(a).map_err(|e| anyhow::anyhow!("cannot draw the atlas: {e}"))? {
        folder.write(&name, &bytes)?;
    }
    folder.commit()?;
    Ok(())
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    if let Some(Merge::Merge(m)) = a.merge {
        return merge(m);
    }
    let (opts, shard) = options(&a)?;
    let out = need(a.out.clone(), "--out")?;
    // Started before any work: a folder that cannot be written, or holds other files, is refused now.
    let folder = crate::atomic::Folder::create(&out, ours)?;
    let bar = Progress::new("atlas: classes");
    let result = super::with_threads(a.threads, || atlas::run(&opts, shard, &|done, total| bar.tick(done, total)))?;
    bar.finish();
    let result = result.map_err(flagged)?;
    write(folder, &result)?;
    let summary = format!(
        "{} of {} classes × {} α written to {} ({} undecided runs, {} broken bounds)\n",
        result.classes.len(),
        result.total,
        opts.alphas.len(),
        out.display(),
        result.undecided().len(),
        result.failed().len()
    );
    super::out::print(&summary)?;
    Ok(result.exit_status())
}

fn merge(m: MergeArgs) -> anyhow::Result<u8> {
    let folder = crate::atomic::Folder::create(&m.out, ours)?;
    let mut parts = Vec::new();
    for dir in &m.dirs {
        let path = dir.join("atlas.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
        parts.push(parse_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?);
    }
    let name = |k: usize| m.dirs[k - 1].display().to_string();
    let whole = atlas::merge(parts).map_err(|e| {
        use atlas::MergeError as E;
        match e {
            E::Arguments { first, second, option, ours, theirs } => {
                let flag = if option == "shards" { "--shard …/".to_string() } else { format!("--{option} ") };
                anyhow::anyhow!(
                    "{} was made with other arguments than {}: {flag}{theirs}, not {ours}",
                    name(second),
                    name(first)
                )
            }
            E::Twice { first, second, index, count } => {
                anyhow::anyhow!("{} and {} are both shard {index}/{count}", name(first), name(second))
            }
            E::Classes { part, index, count } => {
                anyhow::anyhow!("{} does not hold exactly the classes of shard {index}/{count}", name(part))
            }
            other => anyhow::anyhow!("{other}"),
        }
    })?;
    write(folder, &whole)?;
    let summary = format!(
        "{} shards merged: {} classes written to {} ({} undecided runs, {} broken bounds)\n",
        m.dirs.len(),
        whole.total,
        m.out.display(),
        whole.undecided().len(),
        whole.failed().len()
    );
    super::out::print(&summary)?;
    Ok(whole.exit_status())
}
