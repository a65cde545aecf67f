#![warn(missing_docs)]
//! `imitator`: the conservative online imitator of *Fully General Online
//! Imitation Learning* (Cohen, Hutter & Nanda, JMLR 23, 2022), and an exact
//! verifier of the paper's guarantees.
//!
//! The data flows one way, and the modules follow it:
//!
//! ```text
//! scenario file ──▶ scenario::Scenario      (exact numbers; errors with line:column)
//!                     │  model, environment, event: what the world is made of
//!                     ▼
//!                   imitator::Rule<P>       (posterior, ranking, α rule, m(a), θ; written
//!                     │                      once for P = Rational and f64; a step's trace)
//!                     ├──▶ simulate         (one seeded episode: `run`, `explain`)
//!                     ▼
//!                   engine::{exhaustive,    (walk the histories and accumulate exact
//!                     │      lumped,         figures; histories: the one walker of
//!                     │      histories}      single histories; no bounds, no printing)
//!                     ▼
//!                   checks                  (every bound, in one place: a Verdict of rows)
//!                     ▼
//!                   verify()                (run → check → how it ran: one entry point)
//!                         ◀── lifetime      (the whole lifetime: certified intervals)
//!                         ◀── search        (many small scenarios, verified)
//!                         ◀── diff          (another implementation against the policy)
//! ```
//!
//! This crate is the whole computation and nothing else: it has no command
//! line, prints nothing and writes no file. Beside it in the workspace, each
//! with one job:
//!
//! - `imitator-report` turns what it computes into every output of every
//!   command: text, JSON, HTML with SVG plots, CSV, JSON Lines, Markdown,
//!   Storm's DRN and PRISM's files;
//! - `imitator-cli` is the `imitator` binary: it parses arguments, calls this
//!   crate, hands the result to the reports, shows progress and writes files
//!   whole or not at all.
//!
//! What every figure means is in `docs/`.
//!
//! Exact means exact: every figure the verifier reports is a rational number
//! computed without rounding; `f64` appears only in the fast simulator, in
//! decimal approximations for people, and in plots.
//!
//! ```
//! use imitator::{EngineKind, RunOptions, Scenario, Standard, Variant};
//!
//! let s = Scenario::from_file("examples/three-coins.toml").unwrap();
//! let rule = Standard::new(Variant::Conservative, 0);
//! let v = imitator::verify(&s, rule, EngineKind::Exhaustive, RunOptions::new(3), &|_, _| {}).unwrap();
//! assert!(v.verdict.holds);
//! // The first step asks with probability 1/2: E[θ_1] = 1/2.
//! assert_eq!(v.figures.expected_queries[0], imitator::number::ratio(1, 2));
//! ```
//!
//! Any [`Rule`] goes through [`verify`] and [`lifetime::run`], and any
//! [`DemonstratorModel`], [`Environment`] or [`EventKind`] through
//! [`Scenario::builder`]: `examples/custom_model.rs` shows a model kind and a
//! rule written outside the crate, verified, run over the whole lifetime and
//! exported.

pub mod atlas;
pub mod bounds;
pub mod checks;
pub mod conformance;
pub mod diff;
pub mod engine;
pub mod environment;
pub mod event;
pub mod imitator;
pub mod lifetime;
pub mod limits;
pub mod machine;
pub mod model;
pub mod names;
pub mod number;
pub mod policy_line;
pub mod progress;
pub mod sampled;
pub mod scenario;
pub mod search;
pub mod simulate;
pub mod verify;
pub mod writing;

// The working set, at the crate root: what a user who verifies a rule, or
// writes a model, an event or a rule of their own, needs.
pub use checks::{check, Status, Verdict};
pub use engine::{EngineError, EngineKind, Figures, RunOptions};
pub use environment::Environment;
pub use event::{Event, EventKind};
pub use imitator::{Policy, PolicyInput, Rule, RuleInfo, Standard, Variant};
pub use lifetime::Lifetime;
pub use limits::{Limit, LimitError, Limits, Stop};
pub use model::DemonstratorModel;
pub use number::{Prob, Rational};
pub use progress::Watch;
pub use scenario::{Scenario, ScenarioError};
pub use verify::{verify, Verified};
