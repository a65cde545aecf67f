//! What the command line adds to the library's limit errors: the flag that
//! changes the limit. The library names a limit ([`Limit`]) and never a flag;
//! this is the one place that maps one to the other.

use imitator::engine::chain::ChainError;
use imitator::engine::EngineError;
use imitator::limits::{Limit, LimitError};

/// The advice that ends a message about `limit`: which flag to change.
pub fn advice(limit: Limit) -> Option<&'static str> {
    Some(match limit {
        Limit::Depth | Limit::Histories => "give a smaller --depth",
        Limit::MaxDepth => "give a smaller --max-depth",
        Limit::Exhaustive => "lower --depth or use --engine lumped (which reports worst_case as null)",
        Limit::States => "raise --max-states or lower --depth",
        Limit::Memory => "raise --max-memory or lower --depth",
        Limit::Time => "raise --time-limit or lower --depth",
        Limit::ChainStates => "lower --depth or --max-states",
        // The library's message already says what to do (declare fewer
        // events, give priors with a smaller common denominator).
        Limit::Events | Limit::TruthWeight | Limit::Machines => return None,
    })
}

/// The limit behind an error, wherever in its chain the library's error is.
pub fn limit_of(e: &anyhow::Error) -> Option<Limit> {
    e.chain().find_map(|cause| {
        if let Some(l) = cause.downcast_ref::<LimitError>() {
            return Some(l.limit);
        }
        if let Some(x) = cause.downcast_ref::<EngineError>() {
            return x.limit();
        }
        match cause.downcast_ref::<ChainError>() {
            Some(ChainError::Engine(x)) => x.limit(),
            Some(ChainError::Limit(l)) => Some(l.limit),
            _ => None,
        }
    })
}

/// `message` with the advice for `limit`, if there is one: "…; raise --max-states or lower --depth".
pub fn with_advice(message: &str, limit: Option<Limit>) -> String {
    match limit.and_then(advice) {
        Some(a) => format!("{message}; {a}"),
        None => message.to_string(),
    }
}
