//! The report page: one self-contained HTML file beside its SVG plots.
//!
//! The page loads nothing from the network: its style is inline, and its only
//! references are the plot files written next to it. It is well-formed XML
//! (every element closed, no named entities besides the five of XML), so it
//! can be checked with any XML parser.

use super::plot::{render_svg, xml_escape, Curves, Plot, PlotError};
use super::text::{exact_and_approx, verify_report};
use super::RunInfo;
use crate::checks::Verdict;
use crate::engine::Figures;
use crate::number::fmt_exact;
use crate::scenario::Scenario;
use std::fmt::Write;

/// One imitator's run at the report's depth: what it is, the exact figures and the verdict.
pub struct VariantRun {
    /// The legend name, e.g. `conservative` or `map (warm-up 2)`.
    pub label: String,
    pub run: RunInfo,
    pub figures: Figures,
    pub verdict: Verdict,
}

/// The page and its plots, ready to be written.
pub struct Page {
    /// `index.html`.
    pub html: String,
    /// `(file name, SVG document)` for every plot.
    pub svgs: Vec<(String, String)>,
    /// The plots as drawn (series and points), for checking.
    pub plots: Vec<Plot>,
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 960px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
figure { margin: 1.5em 0; }
figure img { width: 100%; max-width: 900px; border: 1px solid #e4e4e4; }
figcaption { color: #444; margin-top: 0.4em; }
table { border-collapse: collapse; font-size: 0.92em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.55em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
table.verdict td:first-child { width: 30%; }
td.holds { color: #1a6b1a; }
td.fails { color: #b00020; font-weight: bold; }
pre { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #555; font-style: italic; }
.verdict-holds { color: #1a6b1a; font-weight: bold; }
.verdict-fails { color: #b00020; font-weight: bold; }
";

fn esc(s: &str) -> String {
    xml_escape(s)
}

fn cell(measured: String, holds: bool) -> String {
    let (class, word) = if holds { ("holds", "holds") } else { ("fails", "FAILS") };
    format!("<td class=\"{class}\">{}<br/>{word}</td>", esc(&measured))
}

/// The verifier's table: one row per check, one column per imitator.
fn verdict_table(runs: &[VariantRun]) -> String {
    let mut t = String::from("<table class=\"verdict\">\n<tr><th>check</th><th>bound</th>");
    for r in runs {
        let _ = write!(t, "<th>{}</th>", esc(&r.label));
    }
    t.push_str("</tr>\n");
    let Some(first) = runs.first() else { return String::new() };
    let v0 = &first.verdict;
    // P(E_t) and E[Σθ³]: the value at the tightest depth.
    let _ = write!(
        t,
        "<tr><td>P_im(E_t) ≥ 1 − α/w(μ) at every depth (shown: the tightest depth)</td><td>{}</td>",
        esc(&exact_and_approx(&v0.event_e.bound))
    );
    for r in runs {
        let e = &r.verdict.event_e;
        t.push_str(&cell(
            format!("t = {}: {}", e.tightest_depth, exact_and_approx(&e.by_depth[e.tightest_depth - 1])),
            e.holds,
        ));
    }
    t.push_str("</tr>\n");
    let _ = write!(
        t,
        "<tr><td>E[Σθ³] ≤ |A|·α⁻³·(24/w(μ) + 12) at every depth (shown: the tightest depth)</td><td>{}</td>",
        esc(&exact_and_approx(&v0.query_cubed_sum.bound))
    );
    for r in runs {
        let q = &r.verdict.query_cubed_sum;
        t.push_str(&cell(
            format!("t = {}: {}", q.tightest_depth, exact_and_approx(&q.by_depth[q.tightest_depth - 1])),
            q.holds,
        ));
    }
    t.push_str("</tr>\n<tr><td>π_im(a|h) ≤ (1+θ)·μ(a|h) and m(a) ≤ μ(a|h) wherever the truth is collected</td><td>0 violations</td>");
    for r in runs {
        let p = &r.verdict.per_step_ratio;
        t.push_str(&cell(format!("{} violations of {} checked", p.violations, p.nodes_checked), p.holds));
    }
    t.push_str("</tr>\n");
    for (k, ev) in v0.events.iter().enumerate() {
        let _ = write!(
            t,
            "<tr><td>event “{}”: P_im(B) ≤ P_im(B ∧ E_T) + 1 − P_im(E_T); P_dem(B) = {}</td><td>per imitator</td>",
            esc(&ev.figures.name),
            esc(&exact_and_approx(&ev.figures.p_dem))
        );
        for r in runs {
            let e = &r.verdict.events[k];
            t.push_str(&cell(
                format!("P_im(B) = {} ≤ {}", exact_and_approx(&e.figures.p_im), exact_and_approx(&e.bound)),
                e.holds,
            ));
        }
        t.push_str("</tr>\n");
    }
    t.push_str("<tr><td>unprecedented: P_im(P_dem = 0) ≤ 1 − P_im(E_T)</td><td>per imitator</td>");
    for r in runs {
        let u = &r.verdict.unprecedented;
        t.push_str(&cell(format!("{} ≤ {}", exact_and_approx(&u.p_im), exact_and_approx(&u.bound)), u.holds));
    }
    t.push_str("</tr>\n<tr><td>node probabilities sum to exactly 1 at every depth</td><td>1</td>");
    for r in runs {
        t.push_str(&cell(String::new(), r.verdict.mass_conserved));
    }
    t.push_str("</tr>\n<tr><td>worst case: max P_im(h ∧ E_T)/P_dem(h)</td><td>reported</td>");
    for r in runs {
        let text = match &r.figures.worst_case {
            Some(w) => format!("{} over {} histories", exact_and_approx(&w.max_ratio), w.histories),
            None => format!("not computed by the {} engine", r.figures.engine),
        };
        let _ = write!(t, "<td>{}</td>", esc(&text));
    }
    t.push_str("</tr>\n<tr><th>all checks</th><th></th>");
    for r in runs {
        let (class, word) = if r.verdict.holds { ("holds", "every check holds") } else { ("fails", "a check FAILS") };
        let _ = write!(t, "<td class=\"{class}\">{word}</td>");
    }
    t.push_str("</tr>\n</table>\n");
    t
}

/// Builds the page and draws every plot. `source` is the scenario file's text, shown as is.
pub fn build_page(s: &Scenario, source: &str, runs: &[VariantRun]) -> Result<Page, PlotError> {
    let curves: Vec<Curves> = runs.iter().map(|r| Curves { label: &r.label, figures: &r.figures }).collect();
    let plots = super::plot::plots(s, &curves);
    let svgs = plots.iter().map(|p| Ok((p.file.clone(), render_svg(p)?))).collect::<Result<Vec<_>, PlotError>>()?;
    let first = runs.first().expect("the report has at least one run");
    let depth = first.figures.depth;
    let engine = first.figures.engine;
    let mut h = String::new();
    let _ = writeln!(h, "<!DOCTYPE html>");
    let _ = writeln!(h, "<html lang=\"en\">");
    let _ = writeln!(
        h,
        "<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>imitator report — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&s.name)
    );
    let _ = writeln!(h, "<h1>imitator report — {}</h1>", esc(&s.name));
    let labels: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    let _ = writeln!(
        h,
        "<p>Every history to depth {depth}, enumerated by the {engine} engine with exact rational arithmetic, for \
         {} imitators: {}. The scenario has {}, {} and {}; the truth is <b>{}</b> \
         with prior w(μ) = {}, and α = {}. Every number below is exact; numbers are converted to floating point \
         only to be drawn.</p>",
        runs.len(),
        esc(&labels.join(", ")),
        crate::report::text::count(s.actions.len(), "action"),
        crate::report::text::count(s.observations.len(), "observation"),
        crate::report::text::count(s.models.len(), "model"),
        esc(&s.models[s.truth].name),
        esc(&exact_and_approx(s.truth_weight())),
        esc(&fmt_exact(&s.alpha))
    );
    let _ = writeln!(
        h,
        "<p>The conservative imitator is the paper's: it takes each action on its own with the smallest \
         probability any trusted model gives it, and asks the demonstrator otherwise. The baselines train, then \
         deploy: they ask at each warm-up step and never again, acting with the top-ranked model (map) or the \
         posterior mixture (mixture).</p>"
    );
    let (class, word) = if first.verdict.holds {
        ("verdict-holds", "every check of the paper holds")
    } else {
        ("verdict-fails", "a check of the paper FAILS")
    };
    let _ = writeln!(h, "<p>For the {} imitator, <span class=\"{class}\">{word}</span>.</p>", esc(&first.label));
    let _ = writeln!(h, "<h2>The verifier's table</h2>");
    h.push_str(&verdict_table(runs));
    let _ = writeln!(h, "<h2>The plots</h2>");
    for p in &plots {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n<img src=\"{}\" alt=\"{}\"/>\n<figcaption>{}</figcaption>\n</figure>",
            esc(p.file.trim_end_matches(".svg")),
            esc(&p.file),
            esc(&p.title),
            esc(&p.caption)
        );
    }
    if !plots.iter().any(|p| p.file == "plot-worst-case.svg") {
        let _ = writeln!(
            h,
            "<p class=\"note\">No worst-case plot: the {engine} engine merges histories and cannot compute the \
             worst-case curve, which needs single histories. Run the report with <code>--engine exhaustive</code> \
             at a smaller depth to see it.</p>"
        );
    }
    let _ = writeln!(h, "<h2>The scenario</h2>\n<pre>{}</pre>", esc(source));
    let _ = writeln!(h, "<h2>The verifier's text reports</h2>");
    for r in runs {
        let _ = writeln!(
            h,
            "<details><summary>{}</summary>\n<pre>{}</pre>\n</details>",
            esc(&r.label),
            esc(&verify_report(s, &r.figures, &r.verdict, &r.run))
        );
    }
    let _ = writeln!(h, "</body>\n</html>");
    Ok(Page { html: h, svgs, plots })
}
