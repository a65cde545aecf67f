//! Words for people: counts with their plurals ("1 step", "3 histories"),
//! and how often ("once", "3 times"). Every output that counts says it the
//! same way.

/// `n thing` or `n things` (`history`, `histories`).
pub fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else if let Some(stem) = thing.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {thing}s")
    }
}

/// `n times` or `once`.
pub fn times(n: usize) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}
