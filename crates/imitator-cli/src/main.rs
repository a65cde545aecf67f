//! The `imitator` command line: parse, call the library, print, exit.
//!
//! This crate is the only one with command-line vocabulary: clap for the
//! arguments, indicatif for progress, whole-or-nothing files (`atomic`), the
//! allocator, and the flags named in messages (`cli::advice` maps each limit
//! of the library to the flag that changes it). The computation is the core
//! library's (`imitator`), and every output the report crate's
//! (`imitator-report`).
//!
//! Exit status, one rule for every command (`docs/exit-status.md`): 0 when
//! every check holds (or the command succeeded), 1 when a check fails, 2 on
//! bad input, usage or I/O, 3 when no check fails but one is undecided. A
//! closed standard output ends the output quietly and keeps the status (see `cli::out`).

mod atomic;
mod cli;

use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// mimalloc keeps the memory of freed layers for the next depth: with the
/// system allocator every layer's large blocks go back to the kernel and come
/// again, and the page-table flushes that follow cost about a sixth of a
/// lumped run (`benches/README.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The conservative online imitator of Cohen, Hutter & Nanda (JMLR 2022), and an exact verifier of its guarantees.
///
/// A scenario file (TOML) declares actions, a class of demonstrator models with
/// priors, the true demonstrator, α, an environment and events. `run` plays one
/// episode; `verify` enumerates every history to a depth with exact rational
/// arithmetic and checks each claim of the paper.
#[derive(Parser)]
#[command(name = "imitator", version, about, long_about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(cli::run::Args),
    Verify(cli::verify::Args),
    Policy(cli::policy::Args),
    Diff(cli::diff::Args),
    Conformance(cli::conformance::Args),
    Explain(cli::explain::Args),
    Export(cli::export::Args),
    Report(cli::report::Args),
    Search(cli::search::Args),
    Atlas(cli::atlas::Args),
    Completions(cli::completions::CompletionsArgs),
    Man(cli::completions::ManArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout, usage errors to stderr (status 2).
            let printed = e.print();
            if e.use_stderr() {
                return ExitCode::from(2);
            }
            return match cli::out::settle(printed) {
                Ok(()) => ExitCode::from(0),
                Err(e) => fail(&e),
            };
        }
    };
    let result = match cli.command {
        Command::Run(a) => cli::run::main(a),
        Command::Verify(a) => cli::verify::main(a),
        Command::Policy(a) => cli::policy::main(a),
        Command::Diff(a) => cli::diff::main(a),
        Command::Conformance(a) => cli::conformance::main(a),
        Command::Explain(a) => cli::explain::main(a),
        Command::Export(a) => cli::export::main(a),
        Command::Report(a) => cli::report::main(a),
        Command::Search(a) => cli::search::main(a),
        Command::Atlas(a) => cli::atlas::main(a),
        Command::Completions(a) => cli::completions::completions(a, Cli::command()),
        Command::Man(a) => cli::completions::man(a, Cli::command()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(&e),
    }
}

/// Bad input or I/O: the message on stderr (if stderr can take it), status 2.
fn fail(e: &anyhow::Error) -> ExitCode {
    let message = cli::advice::with_advice(&format!("{e:#}"), cli::advice::limit_of(e));
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::from(2)
}
