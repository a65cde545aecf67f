//! The report page: one self-contained HTML file, its plots inline as SVG.
//!
//! The page loads nothing, from the network or beside it: its style is
//! inline and so are its plots. It is well-formed XML (every element closed,
//! no named entities besides the five of XML), so it can be checked with any
//! XML parser.

use super::plot::{render_svg, xml_escape, Plot, PlotError};
use super::text::{exact_and_approx, unit, verify_report};
use crate::rows::{Row, RowKind, Shown};
use imitator::checks::{far_above_one, Status};
use imitator::number::fmt_exact;
use imitator::scenario::Scenario;
use imitator::verify::Verified;
use std::fmt::Write;

/// The page, ready to be written.
pub struct Page {
    /// `index.html`, with every plot inline.
    pub html: String,
    /// The plots as drawn (series and points), for checking.
    pub plots: Vec<Plot>,
    /// Each plot's SVG document, in the order of `plots`, as the page holds it.
    pub svgs: Vec<String>,
}

/// What a report folder holds, and so what an earlier report folder may hold
/// to be replaced (earlier versions wrote their plots as SVG files beside the page).
pub fn ours(name: &str) -> bool {
    name == "index.html" || name.ends_with(".svg")
}

/// The line `report` prints once the page is written to `dir`.
pub fn written(dir: &std::path::Path, page: &Page) -> String {
    format!("wrote {} (one self-contained page, {} plots inline)\n", dir.join("index.html").display(), page.plots.len())
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 960px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
figure { margin: 1.5em 0; }
figure svg { display: block; width: 100%; max-width: 900px; height: auto; border: 1px solid #e4e4e4; }
figcaption { color: #444; margin-top: 0.4em; }
table { border-collapse: collapse; font-size: 0.92em; margin: 0.8em 0; table-layout: fixed; width: 100%; }
table.lifetime { table-layout: auto; width: auto; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.55em; text-align: left; vertical-align: top;
         overflow-wrap: break-word; word-break: normal; hyphens: none; min-width: 4.5em; }
table.verdict td:nth-child(2) { min-width: 7em; }
th { background: #f3f3f3; }
table.verdict td:first-child { width: 30%; }
td.holds { color: #1a6b1a; }
td.fails { color: #b00020; font-weight: bold; }
td.undecided { color: #8a6d00; }
td.far { background: #fff1c2; font-weight: bold; }
pre { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #555; font-style: italic; }
.verdict-holds { color: #1a6b1a; font-weight: bold; }
.verdict-fails { color: #b00020; font-weight: bold; }
";

fn esc(s: &str) -> String {
    xml_escape(s)
}

fn cell(measured: String, status: Status) -> String {
    format!("<td class=\"{}\">{}<br/>{}</td>", status.name(), esc(&measured), status.word())
}

/// The longest exact number a table cell shows; a longer one is a decimal.
const CELL_MAX: usize = 16;

/// A number for a table cell: `p/q ≈ d` when short, else `≈ d` (the page
/// says below the table that `verify --json` gives it exactly).
fn cell_number(r: &imitator::number::Rational) -> String {
    let s = imitator::number::fmt_readable(r, CELL_MAX);
    match s.find(" (a ") {
        Some(i) if s.starts_with('≈') => s[..i].to_string(),
        _ => s,
    }
}

/// The note under a table whose cells show decimals for long exact values.
const LONG_NOTE: &str = "<p class=\"note\">≈ alone: a decimal for an exact value too long for the cell; \
                         <code>imitator verify --json</code> gives every value exactly.</p>\n";

fn shown(x: &Shown) -> String {
    match x {
        Shown::Exact(r) => cell_number(r),
        Shown::Infinite => "∞".into(),
        Shown::Count { bad, of, unit } => format!("{bad} violations of {of} {unit}s checked"),
        Shown::Word(w) => (*w).into(),
    }
}

/// The verifier's table: one row per check, one column per imitator.
fn verdict_table(runs: &[Verified]) -> String {
    let mut t = String::from("<table class=\"verdict\">\n<tr><th>check</th><th>bound</th>");
    for r in runs {
        let _ = write!(t, "<th>{}</th>", esc(&r.run.label()));
    }
    t.push_str("</tr>\n");
    if runs.is_empty() {
        return String::new();
    }
    let tables: Vec<Vec<Row>> = runs.iter().map(|r| crate::rows::rows(&r.verdict, unit(r.figures.engine))).collect();
    for (i, row) in tables[0].iter().enumerate() {
        let same_bound = tables.iter().all(|rows| rows[i].bound == row.bound);
        let label = match row.kind {
            RowKind::Claim => esc(&row.label),
            RowKind::Implied => format!("{} <span class=\"note\">(implied by the row above)</span>", esc(&row.label)),
            RowKind::Bookkeeping => format!(
                "{} <span class=\"note\">(bookkeeping: any probability measure satisfies it; it guards the \
                 verifier's accounting, not the imitator)</span>",
                esc(&row.label)
            ),
        };
        let bound = match (&row.relation, same_bound) {
            (Some(rel), true) => format!("{} {}", rel.symbol(), esc(&shown(&row.bound))),
            (None, true) => esc(&shown(&row.bound)),
            (_, false) => "per imitator".into(),
        };
        let _ = write!(t, "<tr><td>{label}</td><td>{bound}</td>");
        for rows in &tables {
            let r = &rows[i];
            let mut text = match r.depth {
                Some(d) => format!("t = {d}: {}", shown(&r.measured)),
                None => shown(&r.measured),
            };
            if !same_bound {
                if let Some(rel) = r.relation {
                    let _ = write!(text, " {} {}", rel.symbol(), shown(&r.bound));
                }
            }
            t.push_str(&cell(text, r.status));
        }
        t.push_str("</tr>\n");
    }
    t.push_str("<tr><td>worst case: max P_im(h ∧ E_T)/P_dem(h)</td><td>reported</td>");
    for r in runs {
        let text = match &r.figures.worst_case {
            Some(w) => {
                format!("{} over {}", exact_and_approx(&w.max_ratio), crate::words::count(w.histories, "history"))
            }
            None => format!("not computed by the {} engine", r.figures.engine),
        };
        let _ = write!(t, "<td>{}</td>", esc(&text));
    }
    t.push_str("</tr>\n<tr><th>all checks</th><th></th>");
    for r in runs {
        let class = match (r.verdict.holds, &r.figures.partial) {
            (false, _) => "fails",
            (true, Some(_)) => "undecided",
            (true, None) => "holds",
        };
        let _ = write!(t, "<td class=\"{class}\">{}</td>", esc(&crate::text::result(r)));
    }
    t.push_str("</tr>\n</table>\n");
    t.push_str(LONG_NOTE);
    t
}

/// The events against the demonstrator: `P_im(B ∧ E)/P_dem(B)`, the ratio the
/// bad-events theorem speaks of, and `P_im(B)/P_dem(B)`; ratios of 2 or more are highlighted.
fn events_table(runs: &[Verified]) -> String {
    let Some(first) = runs.first() else { return String::new() };
    if first.verdict.events.is_empty() {
        return String::new();
    }
    let mut t = String::from(
        "<table class=\"events\">\n<tr><th>event B</th><th>P_dem(B)</th><th>imitator</th><th>P_im(B ∧ E_T)</th>\
         <th>÷ P_dem(B)</th><th>P_im(B)</th><th>÷ P_dem(B)</th></tr>\n",
    );
    let ratio = |r: &Option<imitator::number::Rational>| match r {
        Some(x) if far_above_one(x) => format!("<td class=\"far\">{} ◀</td>", esc(&cell_number(x))),
        Some(x) => format!("<td>{}</td>", esc(&cell_number(x))),
        None => "<td>— (P_dem(B) = 0)</td>".into(),
    };
    for (k, ev) in first.verdict.events.iter().enumerate() {
        for (j, r) in runs.iter().enumerate() {
            let e = &r.verdict.events[k];
            t.push_str("<tr>");
            if j == 0 {
                let _ = write!(
                    t,
                    "<td rowspan=\"{n}\">{}</td><td rowspan=\"{n}\">{}</td>",
                    esc(&ev.figures.name),
                    esc(&cell_number(&ev.figures.p_dem)),
                    n = runs.len()
                );
            }
            let _ = writeln!(
                t,
                "<td>{}</td><td>{}</td>{}<td>{}</td>{}</tr>",
                esc(&r.run.label()),
                esc(&cell_number(&e.figures.p_im_and_e)),
                ratio(&e.ratio_im_and_e),
                esc(&cell_number(&e.figures.p_im)),
                ratio(&e.ratio_im)
            );
        }
    }
    t.push_str("</table>\n");
    t.push_str(LONG_NOTE);
    t
}

/// Builds the page and draws every plot. `source` is the scenario file's text, shown as is.
pub fn build_page(
    s: &Scenario,
    source: &str,
    runs: &[Verified],
    lifetime: Option<&imitator::lifetime::Lifetime>,
) -> Result<Page, PlotError> {
    let labels: Vec<String> = runs.iter().map(|r| r.run.label()).collect();
    let mut plots = super::plot::plots(runs);
    let finite_plots = plots.len();
    if let Some(l) = lifetime {
        plots.extend(super::plot::lifetime_plots(l, &labels[0]));
    }
    let svgs = plots.iter().map(render_svg).collect::<Result<Vec<_>, PlotError>>()?;
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
    let _ = writeln!(
        h,
        "<p>Every history to depth {depth}, enumerated by the {engine} engine with exact rational arithmetic, for \
         {} imitators: {}. The scenario has {}, {} and {}; the truth is <b>{}</b> \
         with prior w(μ) = {}, and α = {}. Every number below is exact; numbers are converted to floating point \
         only to be drawn.</p>",
        runs.len(),
        esc(&labels.join(", ")),
        crate::words::count(s.actions.len(), "action"),
        crate::words::count(s.observations.len(), "observation"),
        crate::words::count(s.models.len(), "model"),
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
    if let Some(k) = runs.iter().find(|r| r.run.imitator.trains_then_deploys).map(|r| r.run.imitator.warmup) {
        let _ = writeln!(
            h,
            "<p class=\"note\">The baselines here use a warm-up of K = {k} step{} (<code>report --warmup</code>; its \
             default is 2). The other commands (<code>verify</code>, <code>run</code>, <code>policy</code>, \
             <code>diff</code>) default to K = 0: give them <code>--warmup {k}</code> to reproduce these figures.</p>",
            if k == 1 { "" } else { "s" }
        );
    }
    let (class, word) = match (first.verdict.holds, &first.figures.partial) {
        (false, _) => ("verdict-fails", "a check of the paper FAILS".to_string()),
        (true, Some(_)) => ("verdict-fails", crate::text::result(first)),
        (true, None) => ("verdict-holds", "every check of the paper holds".to_string()),
    };
    let _ = writeln!(h, "<p>For the {} imitator, <span class=\"{class}\">{}</span>.</p>", esc(&labels[0]), esc(&word));
    let _ = writeln!(h, "<h2>The verifier's table</h2>");
    h.push_str(&verdict_table(runs));
    if !first.verdict.events.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Events against the demonstrator</h2>\n<p>The bad-events theorem bounds P_im(B ∧ E_T), the \
             imitator's probability of B on the runs where the truth stayed in the top set, in terms of P_dem(B). \
             P_im(B) also counts the runs where the truth left the top set, which the theorem does not bound \
             (their total is 1 − P_im(E_T)). A ratio of 2 or more is highlighted (◀).</p>"
        );
        h.push_str(&events_table(runs));
    }
    let _ = writeln!(h, "<h2>The plots</h2>");
    for (p, svg) in plots.iter().zip(&svgs).take(finite_plots) {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(&p.id),
            inline(svg, &p.title),
            esc(&p.caption)
        );
    }
    if !plots.iter().any(|p| p.id == "plot-worst-case") {
        let _ = writeln!(
            h,
            "<p class=\"note\">No worst-case plot: the {engine} engine merges histories and cannot compute the \
             worst-case curve, which needs single histories. Run the report with <code>--engine exhaustive</code> \
             at a smaller depth to see it.</p>"
        );
    }
    if let Some(l) = lifetime {
        let _ = writeln!(
            h,
            "<h2>The whole lifetime</h2>\n<p>The figures above stop at depth {depth}. The theorems speak of every \
             step: here the lumped engine went on, depth by depth, for the {} imitator, and after each depth \
             enclosed the lifetime figures in exact intervals proved to contain them (see {} and {}).</p>\n{}",
            esc(&labels[0]),
            doc_link("docs/lifetime.md"),
            doc_link("proofs/infinite-horizon.md"),
            lifetime_table(l)
        );
        for (p, svg) in plots.iter().zip(&svgs).skip(finite_plots) {
            let _ = writeln!(
                h,
                "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                esc(&p.id),
                inline(svg, &p.title),
                esc(&p.caption)
            );
        }
    }
    let _ = writeln!(h, "<h2>The scenario</h2>\n<pre>{}</pre>", esc(source));
    let _ = writeln!(h, "<h2>The verifier's text reports</h2>");
    for r in runs {
        let _ = writeln!(
            h,
            "<details><summary>{}</summary>\n<pre>{}</pre>\n</details>",
            esc(&r.run.label()),
            esc(&verify_report(s, r))
        );
    }
    let _ = writeln!(h, "</body>\n</html>");
    Ok(Page { html: h, plots, svgs })
}

/// Where the page's links to the documentation point: `IMITATOR_DOCS_URL` when
/// the binary was built with it set (a packager's published copy), else the
/// workspace the binary was built from.
const DOCS_BASE: &str = match option_env!("IMITATOR_DOCS_URL") {
    Some(url) => url,
    None => concat!("file://", env!("CARGO_MANIFEST_DIR"), "/../../"),
};

/// A link to a file of the repository's documentation, shown as its path.
fn doc_link(path: &str) -> String {
    format!("<a href=\"{}{}\"><code>{}</code></a>", esc(DOCS_BASE), esc(path), esc(path))
}

/// The lifetime intervals as a table: each figure's certified interval, its
/// width, its bounds and the check's status; then why the run ended and the unsettled mass.
fn lifetime_table(l: &imitator::lifetime::Lifetime) -> String {
    use super::lifetime::{decay_per_step, decimal, describe};
    use imitator::number::{fmt_approx, fmt_float};
    use num_traits::ToPrimitive;
    let last = l.last();
    let interval = |i: &imitator::lifetime::Interval| match (&i.hi, i.width()) {
        (Some(hi), Some(w)) => (format!("[{}, {}]", decimal(&i.lo, 12, false), decimal(hi, 12, true)), fmt_approx(&w)),
        _ => (format!("[{}, ∞)", decimal(&i.lo, 12, false)), "∞".into()),
    };
    let status = |s: Status| format!("<td class=\"{}\">{}</td>", s.name(), s.word());
    let mut t = String::from(
        "<table class=\"lifetime\">\n<tr><th>lifetime figure</th><th>certified interval (12 decimals, rounded \
         outward)</th><th>width</th><th>bound</th><th>check</th></tr>\n",
    );
    let (e, ew) = interval(&last.event_e);
    let _ = writeln!(
        t,
        "<tr><td>P(E_∞)</td><td>{}</td><td>{}</td><td>≥ 1−α/((1+α)w(μ)) = {}</td>{}</tr>",
        esc(&e),
        esc(&ew),
        esc(&fmt_approx(&l.event_e_bound)),
        status(l.event_e_status)
    );
    let (q, qw) = interval(&last.query_cubed_sum);
    let _ = writeln!(
        t,
        "<tr><td>E Σ_{{t≥1}} θ³</td><td>{}</td><td>{}</td><td>≤ {} (paper) and ≤ √{} ≈ {} (proved)</td>{}</tr>",
        esc(&q),
        esc(&qw),
        esc(&fmt_approx(&l.query_bound)),
        esc(&fmt_approx(&l.query_bound_squared)),
        esc(&fmt_float(l.query_bound_squared.to_f64().unwrap_or(f64::NAN).sqrt())),
        status(l.query_status)
    );
    t.push_str("</table>\n");
    let unit = if l.sojourns { "move" } else { "step" };
    let decay = decay_per_step(l).map(|d| format!(", shrinking by a factor ≈ {} per {unit}", fmt_float(d)));
    let _ = writeln!(
        t,
        "<p>After {}; stopped because {} (requested width {}). Unsettled mass (the states that may still ask): \
         {}{}. The exit status of <code>verify --horizon infinite</code> follows {}.</p>",
        esc(&crate::words::count(l.depth_reached, if l.sojourns { "move" } else { "step" })),
        esc(&describe(l.stopped_because)),
        esc(&fmt_approx(&l.width)),
        esc(&fmt_approx(&last.unsettled_mass)),
        esc(&decay.unwrap_or_default()),
        doc_link("docs/exit-status.md")
    );
    if last.query_cubed_sum.hi.is_none() {
        t.push_str(
            "<p class=\"note\">No upper end for E Σθ³: the query bound is the conservative imitator's, and states \
             remain that may still ask.</p>\n",
        );
    }
    t
}

/// An SVG document as an element of the page: its title for screen readers,
/// and `role="img"`.
fn inline(svg: &str, title: &str) -> String {
    let body = svg.trim_end();
    match body.find('>') {
        Some(end) if body.starts_with("<svg ") => {
            format!("{} role=\"img\" aria-label=\"{}\">{}", &body[..end], esc(title), &body[end + 1..])
        }
        _ => body.to_string(),
    }
}
