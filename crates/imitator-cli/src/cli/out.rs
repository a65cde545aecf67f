//! Standard output, for every command: every byte a command prints goes through here.
//!
//! - A closed pipe (`imitator … | head`) ends the output quietly: no message,
//!   later prints are skipped, and the command exits with the status it
//!   computed (0, or 1 when a check failed).
//! - Any other write error ("No space left on device") names standard output
//!   and is bad I/O: status 2.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether standard output was found closed (a reader that went away).
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> anyhow::Result<()> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    settle(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// What a write to standard output came to: a closed pipe is not an error
/// (and nothing more is printed); any other error names standard output.
pub fn settle(written: io::Result<()>) -> anyhow::Result<()> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("standard output: {e}")),
    }
}
