//! Why a search cannot run: a typed error, named by the options it is about.
//!
//! The library names an option by its own name (`actions`, `max-den`); the
//! command line says which flag sets it.

use crate::number::Rational;
use std::fmt;

/// One option of a search ([`super::Options`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// [`super::Options::actions`].
    Actions,
    /// [`super::Options::models`].
    Models,
    /// [`super::Options::depth`].
    Depth,
    /// [`super::Options::budget`].
    Budget,
    /// [`super::Options::max_den`].
    MaxDen,
    /// [`super::Options::alpha`].
    Alpha,
    /// The width of a lifetime search ([`super::Horizon::Infinite`]).
    Width,
}

impl Setting {
    /// The option's name (`actions`, `models`, `depth`, `budget`, `max-den`, `alpha`, `width`).
    pub fn name(self) -> &'static str {
        match self {
            Setting::Actions => "actions",
            Setting::Models => "models",
            Setting::Depth => "depth",
            Setting::Budget => "budget",
            Setting::MaxDen => "max-den",
            Setting::Alpha => "alpha",
            Setting::Width => "width",
        }
    }
}

/// Why a search cannot run with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// An option below its least value.
    TooSmall {
        /// Which option.
        setting: Setting,
        /// Its least value.
        least: u64,
    },
    /// An option above the limit (a constant of `limits`) that guards it.
    TooLarge {
        /// Which option.
        setting: Setting,
        /// The value given.
        value: u64,
        /// The most it may be.
        most: u64,
        /// The constant of `limits` that sets `most`.
        limit: &'static str,
        /// What the limit guards, for the message.
        what: &'static str,
    },
    /// The depth is beyond `limits::MAX_DEPTH`.
    Depth(usize),
    /// α is not a rational strictly between 0 and 1 with a denominator below `2^63`.
    Alpha(Rational),
    /// A lifetime search's width is not positive.
    Width(Rational),
}

impl SearchError {
    /// The message, with each option named by `name` (the command line passes
    /// its flags, `--actions`; [`fmt::Display`] uses the option's name).
    pub fn message(&self, name: impl Fn(Setting) -> String) -> String {
        match self {
            SearchError::TooSmall { setting, least } => format!("{} must be at least {least}", name(*setting)),
            SearchError::TooLarge { setting, value, most, limit, what } => {
                format!("{} {value} is more than {most}, {what} (limits::{limit})", name(*setting))
            }
            SearchError::Depth(depth) => {
                let flag = name(Setting::Depth);
                match crate::limits::check_depth(*depth, &format!("{flag} {depth}")) {
                    Err(e) => format!("{e}; give a smaller {flag}"),
                    Ok(()) => format!("{flag} {depth} is within the limit"),
                }
            }
            SearchError::Alpha(a) => format!(
                "{} must be a rational strictly between 0 and 1 (denominator below 2^63), got {}",
                name(Setting::Alpha),
                crate::limits::excerpt(&crate::number::fmt_exact(a))
            ),
            SearchError::Width(w) => format!(
                "{} must be positive, got {}",
                name(Setting::Width),
                crate::limits::excerpt(&crate::number::fmt_exact(w))
            ),
        }
    }
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(|s| s.name().to_string()))
    }
}

impl std::error::Error for SearchError {}
