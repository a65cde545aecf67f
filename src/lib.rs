//! `imitator`: the conservative online imitator and its exact verifier.
pub mod checks;
pub mod engine;
pub mod environment;
pub mod event;
pub mod imitator;
pub mod model;
pub mod number;
pub mod report;
pub mod scenario;
pub mod search;
pub mod simulate;
