//! One module per subcommand: its arguments and a `main` that returns the exit status.
//! Errors returned as `Err` are bad input (status 2).

pub mod run;
pub mod search;
pub mod verify;

use imitator::scenario::Scenario;
use std::path::Path;

/// Reads a scenario or returns its error (which names the file, the key and line:column).
pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    Scenario::from_file(path).map_err(anyhow::Error::new)
}

/// Runs `f` on a pool of `threads` threads (all cores when `None`).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        builder = builder.num_threads(n);
    }
    let pool = builder.build()?;
    Ok(pool.install(f))
}
