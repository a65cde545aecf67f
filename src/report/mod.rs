//! What people and tools read: the text report, the JSON document, the plots.

pub mod explain;
pub mod export;
pub mod html;
pub mod json;
pub mod plot;
pub mod proofs;
pub mod text;

/// How the verifier was run, for the report's header.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub variant: String,
    pub warmup: usize,
    pub threads: usize,
    pub elapsed_ms: u128,
}
