//! The names of the library's choices (`conservative`, `lumped`, `after-action`):
//! one list per enum, the same in files, JSON, every report and the command line.
//!
//! The core knows nothing of any command line; a front end (the `imitator`
//! binary, the Python package) offers [`Named::ALL`] with each value's
//! [`Named::about`] as its choices, and reads a choice back with `FromStr`.

use std::fmt;

/// An enum whose values have fixed names.
pub trait Named: Copy + Sized + 'static {
    /// Every value, in the order a front end lists them.
    const ALL: &'static [Self];
    /// What the values are, for messages ("engine", "variant").
    const WHAT: &'static str;
    /// The value's name (kebab-case).
    fn name(self) -> &'static str;
    /// One line on what the value means, for help texts; empty when the name says it all.
    fn about(self) -> &'static str {
        ""
    }
}

/// A name that is none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} “{given}”; expected one of {expected}")]
pub struct UnknownName {
    /// What was being named ("engine").
    pub what: &'static str,
    /// The name given.
    pub given: String,
    /// The names there are, comma-separated.
    pub expected: String,
}

/// Reads a value of `T` by its name.
pub fn parse<T: Named>(text: &str) -> Result<T, UnknownName> {
    T::ALL.iter().copied().find(|v| v.name() == text).ok_or_else(|| UnknownName {
        what: T::WHAT,
        given: text.to_string(),
        expected: T::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "),
    })
}

/// Writes a value by its name.
pub fn write<T: Named>(value: T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(value.name())
}

/// `Display` and `FromStr` for a [`Named`] enum, from its one list of names.
macro_rules! display_by_name {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::names::write(*self, f)
            }
        }
        impl std::str::FromStr for $t {
            type Err = $crate::names::UnknownName;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::names::parse(text)
            }
        }
    )*};
}
pub(crate) use display_by_name;
