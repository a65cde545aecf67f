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
//!                   imitator::Rule<P>       (posterior, ranking, top set, m(a), θ;
//!                     │                      written once for P = Rational and f64)
//!                     ▼
//!                   engine::{exhaustive,    (walk the histories and accumulate exact
//!                     │      lumped}         figures; no bounds, no printing)
//!                     ▼
//!                   checks                  (every bound of the paper, in one place)
//!                     ▼
//!                   report::{text, json,    (what people and tools read)
//!                            proofs}
//! ```
//!
//! Beside the flow: [`simulate`] plays one seeded episode, [`policy`] lists
//! the exact policy at every history (ground truth for other
//! implementations). The `imitator` binary is a thin layer over these.
//!
//! Exact means exact: every figure the verifier reports is a rational number
//! computed without rounding; `f64` appears only in the fast simulator and in
//! decimal approximations for people.
//!
//! ```
//! use imitator::{checks, engine, imitator::{Standard, Variant}, scenario::Scenario};
//!
//! let s = Scenario::from_file("examples/three-coins.toml").unwrap();
//! let rule = Standard::new(Variant::Conservative, 0);
//! let figures = engine::run(engine::EngineKind::Exhaustive, &s, &rule, 3, &|_, _| {}).unwrap();
//! let verdict = checks::check(&s, &figures);
//! assert!(verdict.holds);
//! // The first step asks with probability 1/2: E[θ_1] = 1/2.
//! assert_eq!(figures.expected_queries[0], imitator::number::ratio(1, 2));
//! println!("P(E_3) = {}", imitator::number::fmt_exact(&figures.event_e[2]));
//! ```

pub mod checks;
pub mod engine;
pub mod environment;
pub mod event;
pub mod imitator;
pub mod lifetime;
pub mod model;
pub mod number;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod search;
pub mod simulate;
