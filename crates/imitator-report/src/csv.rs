//! The curves as data: one CSV file per curve, for people who plot in their own tools.
//!
//! Every number comes twice: exact (`p/q`, as in the JSON) and as a decimal
//! (the nearest `f64`, for plotting; `inf` beyond its range). A curve by
//! depth has one row per depth `t = 1…T` and two columns per imitator; the
//! worst-case curve has one file per imitator. `checks.csv` holds the
//! verifier's rows ([`imitator::checks::Verdict::rows`]), as the text, the page
//! and the JSON show them. The files are described in `docs/csv.md`.

use super::text::unit;
use crate::rows::Shown;
use imitator::bounds::ratio_to_t2;
use imitator::engine::Figures;
use imitator::number::{fmt_exact, Prob, Rational};
use imitator::verify::Verified;

/// A decimal for plotting tools: the nearest `f64`, in plain or scientific notation.
pub fn decimal(r: &Rational) -> String {
    let x = Prob::to_f64(r);
    if !x.is_finite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = x.abs();
    if a == 0.0 || (1e-4..1e15).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn line(fields: &[String]) -> String {
    let mut l = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    l.push('\n');
    l
}

/// A run's column name: its variant (`conservative`, `map`, …).
fn column(v: &Verified) -> String {
    v.run.imitator.variant.to_string()
}

/// The curves by depth: `(file stem, values by depth)`; `None` is `+∞`.
fn curves(f: &Figures) -> Vec<(&'static str, Vec<Option<Rational>>)> {
    let some = |v: &[Rational]| v.iter().cloned().map(Some).collect::<Vec<_>>();
    vec![
        ("event_e", some(&f.event_e)),
        ("query_cubed_sum", some(&f.query_cubed_sum)),
        ("inverse_truth_posterior", f.inverse_truth_posterior.clone()),
        ("expected_queries", some(&f.expected_queries)),
        ("query_sum_cubed", some(&f.query_sum_cubed)),
        ("query_sum_cubed_ratio_to_t2", some(&ratio_to_t2(&f.query_sum_cubed))),
        ("expected_product", some(&f.expected_product)),
        ("expected_product_ratio_to_t2", some(&ratio_to_t2(&f.expected_product))),
    ]
}

/// Every CSV file of `runs` (one or more imitators at the same depth): `(file name, content)`.
pub fn files(runs: &[Verified]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(first) = runs.first() else { return out };
    let per_run: Vec<_> = runs.iter().map(|r| curves(&r.figures)).collect();
    for (k, (stem, _)) in per_run[0].iter().enumerate() {
        let mut header = vec!["t".to_string()];
        for r in runs {
            header.push(column(r));
            header.push(format!("{}_decimal", column(r)));
        }
        let mut text = line(&header);
        for t in 1..=first.figures.depth {
            let mut row = vec![t.to_string()];
            for curves in &per_run {
                match curves[k].1.get(t - 1).cloned().flatten() {
                    Some(x) => row.extend([fmt_exact(&x), decimal(&x)]),
                    None => row.extend(["inf".to_string(), "inf".to_string()]),
                }
            }
            text.push_str(&line(&row));
        }
        out.push((format!("{stem}.csv"), text));
    }
    for r in runs {
        if let Some(wc) = &r.figures.worst_case {
            let mut text =
                line(&["p_dem".into(), "p_dem_decimal".into(), "p_im_and_e".into(), "p_im_and_e_decimal".into()]);
            for (d, i) in &wc.curve {
                text.push_str(&line(&[fmt_exact(d), decimal(d), fmt_exact(i), decimal(i)]));
            }
            out.push((format!("worst_case-{}.csv", column(r)), text));
        }
    }
    let mut text = line(&[
        "imitator".into(),
        "check".into(),
        "label".into(),
        "at_t".into(),
        "measured".into(),
        "measured_decimal".into(),
        "relation".into(),
        "bound".into(),
        "bound_decimal".into(),
        "status".into(),
    ]);
    for r in runs {
        for row in crate::rows::rows(&r.verdict, unit(r.figures.engine)) {
            let value = |x: &Shown| match x {
                Shown::Exact(v) => (fmt_exact(v), decimal(v)),
                Shown::Infinite => ("inf".into(), "inf".into()),
                Shown::Count { bad, .. } => (bad.to_string(), bad.to_string()),
                Shown::Word(w) => (w.to_string(), String::new()),
            };
            let (m, md) = value(&row.measured);
            let (b, bd) = match row.measured {
                Shown::Count { .. } => ("0".to_string(), "0".to_string()),
                _ => value(&row.bound),
            };
            let relation = match (&row.measured, row.relation) {
                (Shown::Count { .. }, _) => "=".to_string(),
                (_, Some(rel)) => rel.symbol().to_string(),
                (_, None) => String::new(),
            };
            text.push_str(&line(&[
                r.run.label(),
                row.key.to_string(),
                row.label.clone(),
                row.depth.map(|d| d.to_string()).unwrap_or_default(),
                m,
                md,
                relation,
                b,
                bd,
                row.status.word().to_string(),
            ]));
        }
    }
    out.push(("checks.csv".into(), text));
    out
}

/// Whether a folder holds nothing but files of [`files`] (an earlier `--csv` folder, which may be replaced).
pub fn ours(name: &str) -> bool {
    name.ends_with(".csv")
}

#[cfg(test)]
mod tests {
    use super::*;
    use imitator::number::ratio;

    #[test]
    fn decimals_are_plain_or_scientific() {
        assert_eq!(decimal(&ratio(1, 4)), "0.25");
        assert_eq!(decimal(&ratio(0, 1)), "0");
        assert_eq!(decimal(&ratio(1, 1_000_000)), "1e-6");
        assert_eq!(decimal(&ratio(3, 1)), "3");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
