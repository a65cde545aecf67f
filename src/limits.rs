//! Every size limit of the program, in one place.
//!
//! Each limit is checked before the work or the allocation it guards, on every
//! engine and driver; over a limit, the library returns a [`LimitError`] that
//! names the limit ([`Limit`]), and a front end says which of its settings
//! changes the request (the `imitator` binary exits with status 2 and names
//! the flag). The README lists them under "Limits and I/O".

/// The deepest horizon `T` (`--depth`, a scenario's `depth`) of any command and
/// engine. Past it even a one-state-per-depth run keeps `4·T` exact numbers and
/// the output has `T` entries per curve. No flag raises it: lower `--depth`.
pub const MAX_DEPTH: usize = 100_000;

/// The most steps `run` and `explain` play (`--steps`, or the scenario's `depth`).
pub const MAX_STEPS: usize = 1_000_000;

/// The deepest horizon of the exhaustive engine. Its walk recurses once per
/// step; with `#A·#O ≥ 2` the world-history limit below already stops it at
/// depth 25, so this only bounds one-action, one-observation scenarios.
/// `--engine lumped` goes deeper.
pub const MAX_EXHAUSTIVE_DEPTH: usize = 1_000;

/// The most world histories `(#A·#O)^T` the exhaustive engine holds.
pub const MAX_WORLDS: usize = 1 << 25;

/// The most nodes the exhaustive engine visits: full histories, query flags
/// included, of lengths `0..=T`, counted on the state space before the walk.
/// [`MAX_WORLDS`] bounds the world histories only, and with queries the walk
/// visits far more (about `4^T` on three coins, where `2^T` are worlds). At
/// about 50 million nodes a second on one core, the largest walk takes about
/// a minute and a half. `--engine lumped` goes deeper.
pub const MAX_EXHAUSTIVE_NODES: u64 = 1 << 32;

/// The default of `verify --max-states`: the most merged states one depth of the lumped engine may hold.
pub const DEFAULT_MAX_STATES: usize = 5_000_000;

/// The default memory limit ([`Limits::max_memory`], `--max-memory`), in
/// bytes, of every engine: what the state space, the lumped engine's layers
/// and the exhaustive engine's walk may hold together, by their estimates,
/// each checked before it allocates. It leaves room on a machine of 16 GB.
pub const MAX_LAYER_MEMORY: u64 = 8 << 30;

/// The most full histories `policy` lists and `diff` compares (lengths `0..T` together).
pub const MAX_HISTORIES: u64 = 1 << 25;

/// The most steps summed over those histories (their total length): what
/// bounds the listing when there is one history per length.
pub const MAX_HISTORY_STEPS: u64 = 1 << 27;

/// The most characters of one number (`"p/q"`, an integer or a decimal), in a
/// scenario, a policy line or a flag. Reading a number takes time in the square
/// of its length.
pub const MAX_NUMBER_LEN: usize = 10_000;

/// The most work, in word gcds (a gcd of an `m`-word and an `n`-word number
/// counts `m·n`), that building the coprime base of a scenario's numbers may
/// take (`engine::bayes`). Almost every base is built in rounds whose time
/// grows with the size of the numbers about as a product does; only numbers
/// that each divide the product of the others (such as `6`, `10` and `15`)
/// are left to a refinement by pairs, which takes a gcd per pair. Over this
/// limit the state space does without the base and compares posteriors by
/// their exact values, which gives the same figures more slowly.
pub const MAX_BASE_WORK: u64 = 50_000_000;

/// The longest denominator, in bits, of the truth's normalized prior `w(μ)`
/// that `verify` takes (about 21,000 digits). Every bound is computed exactly
/// from `w(μ)`, and reducing fractions of that length takes time in the square
/// of it: at 20,000 digits about 2 s, at 30,000 about 6 s. Priors with a
/// smaller common denominator (`1/3` rather than `1/10^9990 + 1`) lift it.
pub const MAX_TRUTH_WEIGHT_BITS: u64 = 70_000;

/// The most worker threads (`--threads`).
pub const MAX_THREADS: usize = 256;

/// The most actions and models of a `search` candidate (`--actions`, `--models`).
pub const MAX_SEARCH_SIZE: usize = 64;

/// The largest denominator of a random rational in `search` (`--max-den`).
pub const MAX_SEARCH_DEN: u64 = 1 << 32;

/// The most candidates one `search` verifies (`--budget`). Each candidate is
/// a verified run of at least a millisecond: a million is already hours of
/// work. The candidates are verified and ranked in batches, so the memory a
/// search holds does not grow with the budget.
pub const MAX_SEARCH_BUDGET: u64 = 1_000_000;

/// The longest scenario file, in bytes, that is read. A scenario is a few
/// kilobytes; the largest valid ones (thousands of models, numbers of
/// 10,000 characters) are a few hundred. The file is read no further than
/// this, so an endless input (`/dev/zero`) is refused after 16 MiB.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The longest line, in bytes, of another implementation's policy lines
/// (`diff`). A line of `policy` is a few hundred bytes per step of its
/// history; the file is read line by line, and a line is read no further
/// than this.
pub const MAX_POLICY_LINE_BYTES: u64 = 64 << 20;

/// The most states of one machine: a machine model, a machine environment or
/// a machine event (a scenario's `states`). Each machine compiles a table of
/// its next state for every state, action and observation, and the lumped
/// engine merges histories on every machine's state; a few hundred states is
/// already a large gridworld. No flag raises it: split the machine.
pub const MAX_MACHINE_STATES: usize = 1_000;

/// The most combinations of machine states (the product of the states of
/// every machine model, the machine environment and every machine event) the
/// lumped engine's key may range over. It is a bound on the states a depth
/// may hold for each posterior, checked before any work; past it the merged
/// states would pass `--max-states` long before the run ends. No flag raises
/// it: declare fewer or smaller machines.
pub const MAX_MACHINE_PRODUCT: u128 = 1 << 32;

/// The longest `--time-limit`, in seconds (about 31 years): longer is no limit at all.
pub const MAX_TIME_LIMIT_SECS: f64 = 1e9;

/// Checks a horizon against [`MAX_DEPTH`]; `what` says where it came from
/// ("depth 1000000", or a front end's own words for the setting).
pub fn check_depth(depth: usize, what: &str) -> Result<(), LimitError> {
    if depth > MAX_DEPTH {
        return Err(LimitError::new(
            Limit::Depth,
            format!("{what} is more than {MAX_DEPTH}, the deepest horizon imitator runs (limits::MAX_DEPTH)"),
        ));
    }
    Ok(())
}

/// The limits of one run, with their defaults: every engine, driver and
/// command takes this one set, so that a limit means the same everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most merged states one depth of the lumped engine may hold.
    pub max_states: usize,
    /// The most memory (estimated, in bytes) a run may hold: the state space
    /// and, on the lumped engine, a step's two layers and records; on the
    /// exhaustive engine, its walk's graph, sums and world histories.
    pub max_memory: u64,
    /// The longest a run may take; `None`: no limit.
    pub time_limit: Option<std::time::Duration>,
    /// The deepest a run that goes depth by depth until it is done (the
    /// whole lifetime) may go.
    pub max_depth: usize,
}

impl Default for Limits {
    /// [`DEFAULT_MAX_STATES`], [`MAX_LAYER_MEMORY`], no time limit, [`MAX_DEPTH`].
    fn default() -> Self {
        Limits { max_states: DEFAULT_MAX_STATES, max_memory: MAX_LAYER_MEMORY, time_limit: None, max_depth: MAX_DEPTH }
    }
}

/// Which limit refused or stopped a run. The library names the limit; a
/// front end says which of its settings changes it (the `imitator` binary
/// names a flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The horizon asked for ([`MAX_DEPTH`]).
    Depth,
    /// The deepest a lifetime run may go ([`Limits::max_depth`]).
    MaxDepth,
    /// What the exhaustive engine holds and visits: its world histories
    /// ([`MAX_WORLDS`]), its nodes ([`MAX_EXHAUSTIVE_NODES`]) and its depth
    /// ([`MAX_EXHAUSTIVE_DEPTH`]).
    Exhaustive,
    /// [`Limits::max_states`].
    States,
    /// [`Limits::max_memory`].
    Memory,
    /// [`Limits::time_limit`].
    Time,
    /// The histories a listing holds ([`MAX_HISTORIES`], [`MAX_HISTORY_STEPS`]).
    Histories,
    /// The states of an exported chain.
    ChainStates,
    /// The combinations of event states the lumped engine tracks.
    Events,
    /// The combinations of machine states the lumped engine merges on ([`MAX_MACHINE_PRODUCT`]).
    Machines,
    /// The length of the truth's normalized prior ([`MAX_TRUTH_WEIGHT_BITS`]).
    TruthWeight,
}

/// A request past one of the library's limits, refused before the work it
/// would take: which limit, and what went past it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LimitError {
    /// Which limit.
    pub limit: Limit,
    /// What went past it, with the figures; it names no setting of any front end.
    pub message: String,
}

impl LimitError {
    /// A refusal by `limit`.
    pub fn new(limit: Limit, message: impl Into<String>) -> Self {
        LimitError { limit, message: message.into() }
    }
}

/// Why a run ended: the one vocabulary of every engine and driver, and its
/// names in JSON (`partial.stopped_because`, `infinite.stopped_because`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stop {
    /// Both lifetime intervals are at most the requested width.
    Width,
    /// A lifetime check's status is `fails`: no later interval can change that.
    Fails,
    /// The deepest depth allowed ([`Limits::max_depth`]).
    MaxDepth,
    /// A layer would have held more merged states than [`Limits::max_states`].
    MaxStates,
    /// A step would have taken more memory than [`Limits::max_memory`].
    Memory,
    /// The run took longer than [`Limits::time_limit`].
    TimeLimit,
    /// The caller's observer ended it.
    Observer,
}

impl Stop {
    /// The name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Width => "width",
            Stop::Fails => "fails",
            Stop::MaxDepth => "max-depth",
            Stop::MaxStates => "max-states",
            Stop::Memory => "memory",
            Stop::TimeLimit => "time-limit",
            Stop::Observer => "observer",
        }
    }

    /// The limit behind a stop, if a limit stopped the run.
    pub fn limit(self) -> Option<Limit> {
        match self {
            Stop::MaxDepth => Some(Limit::MaxDepth),
            Stop::MaxStates => Some(Limit::States),
            Stop::Memory => Some(Limit::Memory),
            Stop::TimeLimit => Some(Limit::Time),
            Stop::Width | Stop::Fails | Stop::Observer => None,
        }
    }
}

/// A long text cut for a message: its first 40 characters and how long it was.
pub fn excerpt(text: &str) -> String {
    const KEEP: usize = 40;
    match text.char_indices().nth(KEEP) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} characters)", &text[..cut], text.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_texts_only() {
        assert_eq!(excerpt("1/3"), "1/3");
        let long = "1".repeat(50);
        assert_eq!(excerpt(&long), format!("{}… (50 characters)", "1".repeat(40)));
    }

    #[test]
    fn the_depth_limit_names_itself() {
        assert!(check_depth(MAX_DEPTH, "depth 100000").is_ok());
        let e = check_depth(MAX_DEPTH + 1, "depth 100001").unwrap_err();
        assert_eq!(e.limit, Limit::Depth);
        assert_eq!(
            e.to_string(),
            "depth 100001 is more than 100000, the deepest horizon imitator runs (limits::MAX_DEPTH)"
        );
    }
}
