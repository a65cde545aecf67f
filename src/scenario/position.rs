//! Where a fault is in a scenario's text: the line and column of a byte
//! offset, and the dotted key (`models[1].prior`) a position is inside of,
//! read off the text by a light scan where the TOML parser gives a position
//! but no key. Kept apart from the reading itself, which only asks it.

use super::ScenarioError;
use std::collections::HashMap;
use std::ops::Range;

/// The text being read and the file it names in errors: what turns a key and
/// a span into a [`ScenarioError::Invalid`] with its line and column.
pub(super) struct Ctx<'a> {
    pub(super) source: &'a str,
    pub(super) file: &'a str,
}

impl Ctx<'_> {
    pub(super) fn err(&self, key: &str, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        let (line, column) = line_column(self.source, span.start);
        ScenarioError::Invalid {
            file: self.file.to_string(),
            key: crate::limits::excerpt(key),
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// A reason for a TOML error that came without one, from the character where it is.
pub(super) fn reason_at(source: &str, offset: usize) -> String {
    match source.get(offset..).and_then(|rest| rest.chars().next()) {
        Some('\r') => "a carriage return (\\r) must be followed by a line feed (\\n)".into(),
        Some(c) if c.is_control() => format!("the control character U+{:04X} is not allowed here", c as u32),
        Some(c) => format!("`{c}` is not valid TOML here"),
        None => "the file ends where TOML expects more".into(),
    }
}

/// A value [`key_at`] is inside of.
enum Frame {
    /// An array: the index of the current element.
    Array(usize),
    /// An inline table: its current key, once its `=` is read.
    Table(Option<String>),
}

/// The dotted key (as serde names it: `models[1].prior`, `depth`) of the value
/// at byte `offset` of a TOML text, as far as a light scan can tell: the TOML
/// parser reports syntax errors (a number too large, a bad string) with a
/// position but no key. `None` when the position is outside any key.
pub(super) fn key_at(source: &str, offset: usize) -> Option<String> {
    let b = source.as_bytes();
    let end = offset.min(b.len());
    let mut table = String::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut key: Option<String> = None;
    let mut pending = String::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut i = 0;
    // Whether the scan is where a key is written (at the start of a line, or after `{` or `,` in an inline table).
    let awaiting_key = |frames: &[Frame], key: &Option<String>| match frames.last() {
        None => key.is_none(),
        Some(Frame::Table(k)) => k.is_none(),
        Some(Frame::Array(_)) => false,
    };
    while i < end {
        let c = b[i];
        match c {
            b'#' => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' => {
                if frames.is_empty() {
                    key = None;
                    pending.clear();
                }
                i += 1;
            }
            b'"' | b'\'' => {
                let triple = b[i..].starts_with(if c == b'"' { b"\"\"\"" } else { b"\'\'\'" });
                let open = if triple { 3 } else { 1 };
                let mut j = i + open;
                loop {
                    if j >= b.len() {
                        return join_key(&table, &key, &frames, &pending);
                    }
                    if c == b'"' && b[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if b[j] == c && (!triple || b[j..].starts_with(&b[i..i + 3])) {
                        break;
                    }
                    if !triple && b[j] == b'\n' {
                        break;
                    }
                    j += 1;
                }
                let close = j + open;
                if close > end {
                    // The position is inside this string.
                    break;
                }
                if awaiting_key(&frames, &key) {
                    pending.push_str(&source[i + open..j]);
                }
                i = close;
            }
            b'[' if frames.is_empty() && key.is_none() && pending.is_empty() => {
                let array = b.get(i + 1) == Some(&b'[');
                let start = i + if array { 2 } else { 1 };
                let line = source[start..].split('\n').next().unwrap_or("");
                let len = line.find(']')?;
                if start + len >= end {
                    return None;
                }
                let name: String = source[start..start + len].trim().replace(['"', '\''], "");
                table = if array {
                    let n = counts.entry(name.clone()).or_insert(0);
                    *n += 1;
                    format!("{name}[{}]", *n - 1)
                } else {
                    name
                };
                i = start + len + if array { 2 } else { 1 };
            }
            b'[' => {
                frames.push(Frame::Array(0));
                i += 1;
            }
            b'{' => {
                frames.push(Frame::Table(None));
                pending.clear();
                i += 1;
            }
            b']' | b'}' => {
                frames.pop();
                i += 1;
            }
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Array(n)) => *n += 1,
                    Some(Frame::Table(k)) => {
                        *k = None;
                        pending.clear();
                    }
                    None => {}
                }
                i += 1;
            }
            b'=' => {
                if awaiting_key(&frames, &key) {
                    let k = std::mem::take(&mut pending);
                    match frames.last_mut() {
                        Some(Frame::Table(slot)) => *slot = Some(k),
                        _ => key = Some(k),
                    }
                }
                i += 1;
            }
            _ => {
                if awaiting_key(&frames, &key) && !c.is_ascii_whitespace() {
                    pending.push(c as char);
                }
                i += 1;
            }
        }
    }
    // At the start of a key (say, one written twice), the key is the one that follows.
    if pending.is_empty() && awaiting_key(&frames, &key) {
        let line = source.get(end..).unwrap_or("").split('\n').next().unwrap_or("");
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim().replace(['"', '\''], "");
            if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || "_-. ".contains(c)) {
                pending = k;
            }
        }
    }
    join_key(&table, &key, &frames, &pending)
}

/// Joins what [`key_at`] found into one dotted key: the table, the key, then
/// an index per array and a key per inline table; a key still being read counts.
fn join_key(table: &str, key: &Option<String>, frames: &[Frame], pending: &str) -> Option<String> {
    let mut out = table.to_string();
    let push = |out: &mut String, segment: &str| {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(segment);
    };
    match key {
        Some(k) => push(&mut out, k),
        None if !pending.is_empty() => push(&mut out, pending),
        None => {}
    }
    for f in frames {
        match f {
            Frame::Array(n) => out.push_str(&format!("[{n}]")),
            Frame::Table(Some(k)) => push(&mut out, k),
            Frame::Table(None) if !pending.is_empty() => push(&mut out, pending),
            Frame::Table(None) => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A serde path without the markers `toml::Spanned` puts in it.
pub(super) fn clean_path(path: &str) -> String {
    path.replace(".$__serde_spanned_private_value", "").replace("$__serde_spanned_private_value", "")
}

/// The key a `missing field` message names.
pub(super) fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_a_position_is_read_off_the_text() {
        let text = "depth = 1\n[[models]]\nname = 'x'\n[[models]]\nprior = 1e400 # c\n\
                    after_action = { a = [\"1\", \"2\",\n  3e9], \"b\" = [] }\n[environment]\niid = [\n";
        let at = |needle: &str| key_at(text, text.find(needle).unwrap());
        assert_eq!(at("1\n").as_deref(), Some("depth"));
        assert_eq!(at("1e400").as_deref(), Some("models[1].prior"));
        assert_eq!(at("3e9").as_deref(), Some("models[1].after_action.a[2]"));
        assert_eq!(at("[] }").as_deref(), Some("models[1].after_action.b"));
        assert_eq!(key_at(text, text.len()).as_deref(), Some("environment.iid[0]"));
        // At the start of a line, the key that follows; before any key, none.
        assert_eq!(at("name").as_deref(), Some("models[0].name"));
        assert_eq!(key_at(text, 0).as_deref(), Some("depth"));
        assert_eq!(key_at("\r", 0), None);
        assert_eq!(reason_at("\r", 0), "a carriage return (\\r) must be followed by a line feed (\\n)");
        assert_eq!(reason_at("a\u{1}", 1), "the control character U+0001 is not allowed here");
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }
}
