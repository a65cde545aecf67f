//! `docs/policy-line.schema.json` describes the type both `policy` and
//! `diff` use ([`imitator::policy_line::PolicyLine`]): the same fields, the
//! same required ones, and every line the writer writes validates against
//! the schema (a small validator for the keywords the schema uses) and reads
//! back to itself.

use imitator::engine::histories::walk;
use imitator::imitator::{Standard, Variant};
use imitator::policy_line::{PolicyLine, FIELDS, STEP_FIELDS};
use imitator::scenario::Scenario;
use imitator_report::jsonl::{line, LineWriter};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

const SCHEMA: &str = include_str!("../../docs/policy-line.schema.json");
const WEATHER: &str = include_str!("../../examples/markov-weather.toml");
const COINS: &str = include_str!("../../examples/three-coins.toml");

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("the schema is JSON")
}

fn keys(o: &Value) -> Vec<String> {
    o.as_object().expect("an object").keys().cloned().collect()
}

fn required(o: &Value) -> BTreeSet<String> {
    o["required"].as_array().map_or(&[][..], |v| v).iter().map(|k| k.as_str().unwrap().to_string()).collect()
}

fn names(fields: &[(&str, bool)], only_required: bool) -> BTreeSet<String> {
    fields.iter().filter(|f| f.1 || !only_required).map(|f| f.0.to_string()).collect()
}

#[test]
fn the_schema_has_the_fields_of_the_type() {
    let sc = schema();
    // The properties in the order the writer writes them, and the required ones.
    assert_eq!(keys(&sc["properties"]), FIELDS.map(|f| f.0.to_string()).to_vec());
    assert_eq!(required(&sc), names(&FIELDS, true));
    let step = &sc["properties"]["history"]["items"];
    assert_eq!(keys(&step["properties"]), STEP_FIELDS.map(|f| f.0.to_string()).to_vec());
    assert_eq!(required(step), names(&STEP_FIELDS, true));
    // A step takes no other key; a line ignores other keys.
    assert_eq!(step["additionalProperties"], json!(false));
    assert!(sc.get("additionalProperties").is_none());
}

/// Reads a line as the type, or says why not.
fn read(v: &Value) -> Result<PolicyLine<'static>, String> {
    serde_json::from_str(&v.to_string()).map_err(|e| e.to_string())
}

#[test]
fn the_type_reads_what_the_schema_requires_and_refuses_what_it_forbids() {
    let minimal = json!({"history": [{"query": false, "action": "a"}], "m": {"a": "1/2"}, "theta": 0.5});
    assert!(validate(&schema(), &schema(), &minimal).is_ok());
    let l = read(&minimal).unwrap();
    assert!(l.posterior.is_none() && l.ranking.is_none() && l.top.is_none() && l.p_im.is_none());
    assert!(l.truth_in_top.is_none() && l.history[0].observation.is_none());
    for (field, is_required) in FIELDS {
        let mut v = line_of_every_field();
        v.as_object_mut().unwrap().remove(field);
        assert_eq!(read(&v).is_ok(), !is_required, "without `{field}`");
        assert_eq!(validate(&schema(), &schema(), &v).is_ok(), !is_required, "without `{field}`");
    }
    for (field, is_required) in STEP_FIELDS {
        let mut v = line_of_every_field();
        v["history"][0].as_object_mut().unwrap().remove(field);
        assert_eq!(read(&v).is_ok(), !is_required, "a step without `{field}`");
        assert_eq!(validate(&schema(), &schema(), &v).is_ok(), !is_required, "a step without `{field}`");
    }
    let mut v = line_of_every_field();
    v["history"][0]["extra"] = json!(1);
    assert!(read(&v).is_err() && validate(&schema(), &schema(), &v).is_err());
    let mut v = line_of_every_field();
    v["extra"] = json!(1);
    assert!(read(&v).is_ok() && validate(&schema(), &schema(), &v).is_ok());
    // A key given twice is refused (the schema cannot say it; JSON objects should not repeat keys).
    let twice = r#"{"history": [], "m": {"a": "1"}, "theta": "0", "theta": "1"}"#;
    assert!(serde_json::from_str::<PolicyLine>(twice).unwrap_err().to_string().contains("duplicate field `theta`"));
}

fn line_of_every_field() -> Value {
    json!({
        "history": [{"query": true, "action": "a", "observation": "-"}],
        "posterior": {"x": "1/3", "y": "2/3"},
        "ranking": ["y", "x"],
        "top": ["y", "x"],
        "m": {"a": "1/2", "b": "1/4"},
        "theta": "1/4",
        "p_im": "1/8",
        "truth_in_top": true,
    })
}

#[test]
fn every_line_the_writer_writes_validates_and_reads_back() {
    let sc = schema();
    let mut n = 0;
    for (text, name) in [(WEATHER, "markov-weather"), (COINS, "three-coins")] {
        let s = Scenario::parse(text, name, name).unwrap();
        let rule = Standard::new(Variant::Conservative, 0);
        let mut w = LineWriter::new(&s);
        walk::<()>(&s, &rule, 4, |e| {
            let v = line(&s, e);
            let text = w.render(e);
            assert_eq!(text, v.to_string());
            validate(&sc, &sc, &v).unwrap_or_else(|err| panic!("{text}: {err}"));
            // Every field written, in the schema's order.
            assert_eq!(keys(&v), keys(&sc["properties"]));
            let back: PolicyLine = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), text);
            n += 1;
            Ok(())
        })
        .unwrap();
    }
    assert!(n > 50, "{n} lines");
}

/// Checks `v` against `schema` for the keywords `docs/policy-line.schema.json`
/// uses: `$ref` (to `#/$defs/…`), `type`, `required`, `properties`,
/// `additionalProperties`, `items`, `oneOf` and the number `pattern`.
fn validate(root: &Value, schema: &Value, v: &Value) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").ok_or_else(|| format!("unknown $ref {r}"))?;
        validate(root, &root["$defs"][name], v)?;
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "number" => v.is_number(),
            other => return Err(format!("unknown type {other}")),
        };
        if !ok {
            return Err(format!("{v} is not of type {t}"));
        }
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
        assert_eq!(p, r"^\s*[-+]?([0-9]+\s*/\s*[0-9]+|[0-9]+|[0-9]*\.[0-9]*)\s*$", "the number pattern changed");
        let t = v.as_str().unwrap_or_default();
        if !number_pattern(t) {
            return Err(format!("{t:?} does not match the number pattern"));
        }
    }
    if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = alternatives.iter().filter(|a| validate(root, a, v).is_ok()).count();
        if matching != 1 {
            return Err(format!("{v} matches {matching} alternatives of oneOf"));
        }
    }
    if let Some(o) = v.as_object() {
        for k in required(schema) {
            if !o.contains_key(&k) {
                return Err(format!("missing `{k}`"));
            }
        }
        let empty = Map::new();
        let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        for (k, x) in o {
            match (properties.get(k), schema.get("additionalProperties")) {
                (Some(p), _) => validate(root, p, x).map_err(|e| format!("`{k}`: {e}"))?,
                (None, Some(Value::Bool(false))) => return Err(format!("`{k}` is not allowed")),
                (None, Some(extra @ Value::Object(_))) => {
                    validate(root, extra, x).map_err(|e| format!("`{k}`: {e}"))?
                }
                (None, _) => {}
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, x) in list.iter().enumerate() {
            validate(root, items, x).map_err(|e| format!("[{i}]: {e}"))?;
        }
    }
    Ok(())
}

/// `^\s*[-+]?([0-9]+\s*/\s*[0-9]+|[0-9]+|[0-9]*\.[0-9]*)\s*$`, by hand.
fn number_pattern(t: &str) -> bool {
    let t = t.trim();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let digits = |d: &str| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit());
    let maybe_digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    if let Some((p, q)) = t.split_once('/') {
        digits(p.trim_end()) && digits(q.trim_start())
    } else if let Some((a, b)) = t.split_once('.') {
        maybe_digits(a) && maybe_digits(b)
    } else {
        digits(t)
    }
}

#[test]
fn the_number_pattern_by_hand() {
    for ok in ["1", "-3", "1/3", " 2 / 6 ", "0.25", ".5", "5.", "+7"] {
        assert!(number_pattern(ok), "{ok}");
    }
    for bad in ["", "x", "1/", "/2", "1e3", "1/2/3", "- 1", "0x1"] {
        assert!(!number_pattern(bad), "{bad}");
    }
}
