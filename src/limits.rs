//! Every size limit of the program, in one place.
//!
//! Each limit is checked before the work or the allocation it guards, on every
//! command and engine; over a limit, a command exits with status 2 and a
//! message that names the limit and the flag that changes the request. The
//! README lists them under "Limits and I/O".

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

/// The default of `verify --max-states`: the most merged states one depth of the lumped engine may hold.
pub const DEFAULT_MAX_STATES: usize = 5_000_000;

/// The most memory (estimated, in bytes) one layer of the lumped engine may take.
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

/// Checks a horizon against [`MAX_DEPTH`]; `what` says where it came from
/// (e.g. "--depth 1000000" or "the scenario's `depth = 1000000`"), `flag` which
/// flag sets it (`--depth`, `--max-depth`).
pub fn check_depth(depth: usize, what: &str, flag: &str) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "{what} is more than {MAX_DEPTH}, the deepest horizon imitator runs (limits::MAX_DEPTH); \
             give a smaller {flag}"
        ));
    }
    Ok(())
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
    fn the_depth_limit_names_itself_and_the_flag() {
        assert!(check_depth(MAX_DEPTH, "--depth", "--depth").is_ok());
        let e = check_depth(MAX_DEPTH + 1, "--depth 100001", "--depth").unwrap_err();
        assert_eq!(
            e,
            "--depth 100001 is more than 100000, the deepest horizon imitator runs (limits::MAX_DEPTH); \
             give a smaller --depth"
        );
    }
}
