//! `imitator diff`: compare another implementation's policy lines with the exact policy.

use imitator::imitator::Variant;
use imitator::limits::{excerpt, MAX_NUMBER_LEN};
use imitator::number::{parse_rational, Rational};
use imitator::policy::{diff, history_json, history_text, read_lines, size, DiffReport, Tolerance};
use imitator::scenario::Scenario;
use num_traits::{Signed, Zero};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Compare another implementation of the imitator with the exact policy, history by history
///
/// THEIRS.jsonl holds one JSON object per line, in the format of `imitator
/// policy` (docs/policy-line.schema.json). Each line needs at least:
///
///   {"history": [{"query": false, "action": "heads", "observation": "-"}],
///    "m": {"heads": 0.25, "tails": 0.25}, "theta": 0.5}
///
/// Numbers may be exact strings ("1/4", "0.25") or JSON numbers (floats).
/// When present, "posterior" (by model name), "p_im", "top" (compared as a set)
/// and "truth_in_top" are compared too; other keys are ignored. "observation"
/// may be left out when the scenario has a single observation. Lines may come
/// in any order; blank lines are skipped.
///
/// Every history is recomputed with exact rational arithmetic. The report
/// gives: how many histories were compared; the first history (by length, then
/// lexicographically: query flag false first, then action, then observation)
/// where some field differs beyond the tolerance, with both values side by
/// side; the largest deviation anywhere; the histories they list that the
/// imitator never reaches; and how many reachable histories of length 0..T-1
/// they miss, with the first ones (T: --depth, or the scenario's depth). A
/// history of T steps or more is a malformed line: give a larger --depth.
///
/// In the text report a history is written as its steps `action/observation`,
/// with `?` before the steps where the imitator asked the demonstrator.
///
/// Exit status: 0 they agree everywhere; 1 something differs, is unreachable or
/// is missing; 2 a malformed line (the message gives its number), a bad
/// scenario, or a depth with more histories than imitator lists.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Their policy lines (JSON Lines).
    pub theirs: PathBuf,
    /// Largest absolute deviation that still agrees, for every number (e.g. 1e-9 or 1/1000). Default: 0 for exact strings, 1e-12 for JSON numbers.
    #[arg(long)]
    pub tolerance: Option<String>,
    /// Expect every reachable history of length 0..T-1 (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    /// Print exactly one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

fn parse_tolerance(text: &str) -> anyhow::Result<Rational> {
    let r = match parse_rational(text) {
        Ok(r) => r,
        Err(e) if text.len() > MAX_NUMBER_LEN => anyhow::bail!("--tolerance {e}"),
        Err(_) => text.trim().parse::<f64>().ok().and_then(Rational::from_float).ok_or_else(|| {
            anyhow::anyhow!("--tolerance `{}` is not a number (e.g. 1e-9, 0.001 or 1/1000)", excerpt(text))
        })?,
    };
    anyhow::ensure!(!r.is_negative(), "--tolerance must not be negative");
    Ok(r)
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let horizon = super::horizon(a.depth, &s, &a.file)?;
    let tol = match &a.tolerance {
        Some(t) => Tolerance::uniform(&parse_tolerance(t)?),
        None => Tolerance::default(),
    };
    let name = a.theirs.display().to_string();
    let bytes = std::fs::read(&a.theirs).map_err(|e| anyhow::anyhow!("{name}: cannot read: {e}"))?;
    let theirs = read_lines(&s, &bytes, horizon).map_err(|e| anyhow::anyhow!("{name}:{e}"))?;
    let rule = a.imitator.rule();
    size(&s, &rule, horizon).map_err(anyhow::Error::msg)?;
    let r = diff(&s, &rule, theirs, horizon, &tol);
    if a.json {
        super::out::print(&format!("{}\n", document(&s, &a, &r)))?;
    } else {
        super::out::print(&report(&s, &a, &r))?;
    }
    Ok(if r.agrees() { 0 } else { 1 })
}

fn document(s: &Scenario, a: &Args, r: &DiffReport) -> Value {
    let first = r.first.as_ref().map(|d| {
        json!({
            "line": d.line,
            "history": history_json(s, &d.history),
            "fields": d.fields.iter().map(|f| json!({
                "field": f.field,
                "ours": f.ours,
                "theirs": f.theirs,
                "deviation": f.deviation.as_ref().map(|d| d.json()),
            })).collect::<Vec<_>>(),
        })
    });
    let largest = r.largest.as_ref().map(|l| {
        json!({
            "deviation": l.deviation.json(),
            "field": l.field,
            "line": l.line,
            "history": history_json(s, &l.history),
        })
    });
    json!({
        "scenario": s.name,
        "variant": a.imitator.variant.name(),
        "warmup": a.imitator.warmup,
        "depth": r.horizon,
        "compared": r.compared,
        "differing": r.differing,
        "first_difference": first,
        "largest_deviation": largest,
        "unreachable": {
            "count": r.unreachable.len(),
            "histories": r.unreachable.iter().map(|(line, h)| json!({"line": line, "history": history_json(s, h)})).collect::<Vec<_>>(),
        },
        "missing": {
            "count": r.missing,
            "first": r.missing_first.iter().map(|h| history_json(s, h)).collect::<Vec<_>>(),
        },
        "agree": r.agrees(),
    })
}

fn report(s: &Scenario, a: &Args, r: &DiffReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let variant = match a.imitator.variant {
        Variant::Map | Variant::Mixture => format!("{} (warm-up {})", a.imitator.variant, a.imitator.warmup),
        v => v.to_string(),
    };
    let _ = writeln!(o, "scenario {} · imitator {variant} · histories of length 0..{}", s.name, r.horizon - 1);
    let _ = writeln!(o, "compared: {} histories, {} differ", r.compared, r.differing);
    match &r.first {
        None => {
            let _ = writeln!(o, "first difference: none");
        }
        Some(d) => {
            let _ = writeln!(o, "first difference: line {}, history {}", d.line, history_text(s, &d.history));
            let w = d.fields.iter().map(|f| f.field.len()).max().unwrap_or(0).max(5);
            let _ = writeln!(o, "  {:w$}  {:>24}  {:>24}  deviation", "field", "ours (exact)", "theirs");
            for f in &d.fields {
                let dev = f.deviation.as_ref().map(|d| d.text()).unwrap_or_else(|| "-".into());
                let _ = writeln!(o, "  {:w$}  {:>24}  {:>24}  {dev}", f.field, f.ours, f.theirs);
            }
        }
    }
    match &r.largest {
        None => {
            let _ = writeln!(o, "largest deviation: none (no numbers compared)");
        }
        Some(l) if l.deviation.value.is_zero() => {
            let _ = writeln!(o, "largest deviation: 0");
        }
        Some(l) => {
            let _ = writeln!(
                o,
                "largest deviation: {} in {} at line {}, history {}",
                l.deviation.text(),
                l.field,
                l.line,
                history_text(s, &l.history)
            );
        }
    }
    let _ = writeln!(o, "unreachable histories they list: {}", r.unreachable.len());
    for (line, h) in r.unreachable.iter().take(10) {
        let _ = writeln!(o, "  line {line}: {}", history_text(s, h));
    }
    if r.unreachable.len() > 10 {
        let _ = writeln!(o, "  …");
    }
    let _ = writeln!(o, "reachable histories they miss: {}", r.missing);
    for h in &r.missing_first {
        let _ = writeln!(o, "  {}", history_text(s, h));
    }
    if r.missing > r.missing_first.len() {
        let _ = writeln!(o, "  …");
    }
    let _ = writeln!(o, "{}", if r.agrees() { "AGREE" } else { "DISAGREE" });
    o
}
