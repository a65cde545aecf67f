//! The verifier's text report, section by section, and the helpers every
//! text output shares.
//!
//! [`verify_report`] is its sections in order; each section is one function
//! over the verified run, and the checks come from [`Verdict::rows`], so a new
//! check (a new row) or a new section reaches the report without touching the
//! others.

use crate::rows::{Row, Shown};
use crate::words::count;
use imitator::bounds::ratio_to_t2;
use imitator::checks::far_above_one;
use imitator::engine::{EngineKind, Figures};
use imitator::number::{fmt_approx, fmt_exact, fmt_float, fmt_is, Rational};
use imitator::scenario::Scenario;
use imitator::verify::Verified;
use std::fmt::Write;

/// An exact number and its decimal approximation (see [`imitator::number::fmt_readable`]).
pub fn exact_and_approx(r: &Rational) -> String {
    imitator::number::fmt_readable(r, 40)
}

/// What the per-step check counts with this engine: `node` or `merged state`.
pub fn unit(engine: EngineKind) -> &'static str {
    match engine {
        EngineKind::Exhaustive => "node",
        EngineKind::Lumped => "merged state",
    }
}

/// How a row's value or bound reads in the table (decimal) and below it (exact).
fn shown(x: &Shown, decimal: bool) -> String {
    match x {
        Shown::Exact(r) if decimal => fmt_approx(r),
        Shown::Exact(r) => exact_short(r),
        Shown::Infinite => "∞".into(),
        Shown::Count { bad, .. } => count(*bad as usize, "violation"),
        Shown::Word(w) => (*w).into(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        s.chars().take(n - 1).collect::<String>() + "…"
    } else {
        s.to_string()
    }
}

/// `s` followed by spaces to `w` characters.
pub fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())))
}

/// Spaces, then `s`, to `w` characters.
pub fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(s.chars().count())))
}

/// The verifier's report: its sections in order.
pub fn verify_report(s: &Scenario, v: &Verified) -> String {
    let sections: [fn(&Scenario, &Verified) -> String; 7] =
        [header, checks, exact_values, events, worst_case, by_depth, stats];
    sections.iter().map(|section| section(s, v)).collect()
}

/// What was run: the scenario, the engine, the imitator and the depth.
pub fn header(s: &Scenario, v: &Verified) -> String {
    let f = &v.figures;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imitator verify — {} ({} engine, variant {}, depth {})",
        s.name, f.engine, v.run.imitator.variant, f.depth
    );
    if let Some(p) = &f.partial {
        let _ = writeln!(
            out,
            "  STOPPED EARLY at depth {} of {} ({}): every figure below is that of depth {}.\n  {}",
            p.depth_reached,
            p.requested_depth,
            p.stopped_because.name(),
            p.depth_reached,
            p.message
        );
    }
    let _ = writeln!(
        out,
        "  {}, {}, {}, truth {} with prior w(μ) = {}, α = {}",
        count(s.actions.len(), "action"),
        count(s.observations.len(), "observation"),
        count(s.models.len(), "model"),
        s.models[s.truth].name,
        exact_and_approx(&v.verdict.truth_weight),
        fmt_exact(&s.alpha)
    );
    let _ = writeln!(out);
    out
}

/// The table of checks at depths `1…depth`, then the note on the per-step and bookkeeping rows.
fn checks(_: &Scenario, v: &Verified) -> String {
    let unit = unit(v.figures.engine);
    let mut out = check_table(
        &format!(
            "Each check is made at every depth t = 1…{}; \"at t\" is the depth where it comes closest to its bound.",
            v.figures.depth
        ),
        &crate::rows::rows(&v.verdict, unit),
    );
    let checked = count(v.verdict.per_step_ratio.nodes_checked as usize, unit);
    out.push_str(&super::explain::wrap(
        2,
        1,
        &format!(
            "(per step: checked at each of the {checked} where the truth is in the top set. Bookkeeping rows \
             guard the accounting of E and of probability; any probability measure satisfies them.)"
        ),
        100,
    ));
    let _ = writeln!(out);
    out
}

/// A table of check rows under one line of explanation: each row's label, the
/// depth where it is shown, the measured value, the bound and the result
/// (`holds`, `FAILS` or `undecided`).
pub fn check_table(intro: &str, rows: &[Row]) -> String {
    use Align::{Left, Right};
    let mut out = String::new();
    let _ = writeln!(out, "  {intro}");
    let mut t = Table::new("  ", 2, &[Left, Right, Right, Left, Left]);
    t.row(["check", "at t", "measured", "bound", "result"]);
    for r in rows {
        let (measured, bound) = match (&r.measured, r.relation) {
            // A count of violations, which must be zero; how many nodes were checked is said below the table.
            (Shown::Count { .. }, _) => (shown(&r.measured, true), "= 0".to_string()),
            (_, None) => (shown(&r.measured, true), String::new()),
            (m, Some(rel)) => (shown(m, true), format!("{} {}", rel.symbol(), shown(&r.bound, true))),
        };
        let at = r.depth.map_or("-".to_string(), |d| d.to_string());
        let label = truncate(&r.label, 60);
        let status = r.status.word().to_string();
        if bound.is_empty() {
            // A word such as "every depth" spans the measured and bound columns.
            t.row_spanning([label, at, measured, status], 2, 2);
        } else {
            t.row([label, at, measured, bound, status]);
        }
    }
    out.push_str(&t.render());
    out
}

/// The exact measured value and bound of every row that has them.
fn exact_values(_: &Scenario, v: &Verified) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  Exact values (measured, relation, bound):");
    for r in crate::rows::rows(&v.verdict, unit(v.figures.engine)) {
        if let (Shown::Exact(_) | Shown::Infinite, Some(rel)) = (&r.measured, r.relation) {
            let at = r.depth.map(|d| format!(" at t = {d}")).unwrap_or_default();
            let _ = writeln!(out, "    {}{at}", r.label);
            let (m, b) = (shown(&r.measured, false), shown(&r.bound, false));
            if m.chars().count() + b.chars().count() > 76 {
                let _ = writeln!(out, "      {m}\n      {} {b}", rel.symbol());
            } else {
                let _ = writeln!(out, "      {m}  {}  {b}", rel.symbol());
            }
        }
    }
    let _ = writeln!(out);
    out
}

/// Each declared event against the demonstrator, on `E` and off it.
fn events(_: &Scenario, v: &Verified) -> String {
    use Align::{Left, Right};
    let mut out = String::new();
    if v.verdict.events.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "  Events (world histories of length {}). The bad-events theorem bounds P_im(B ∧ E) in terms of P_dem(B),",
        v.figures.depth
    );
    let _ = writeln!(
        out,
        "  by min over K of K·P_dem(B) + C·T²/(ln K)³, not by P_dem(B) itself: a ratio above 1 is no violation."
    );
    let _ =
        writeln!(out, "  P_im(B) also counts the runs where the truth left the top set (¬E), which it does not bound.");
    let ratio = |r: &Option<Rational>| match r {
        Some(r) => fmt_approx(r),
        None => "-".into(),
    };
    let mut t = Table::new("    ", 3, &[Left, Right, Right, Right, Right, Right, Left]);
    t.row(["event", "P_dem(B)", "P_im(B∧E)", "÷ P_dem", "P_im(B)", "÷ P_dem", ""]);
    let mut far = false;
    for ev in &v.verdict.events {
        let flag = [&ev.ratio_im_and_e, &ev.ratio_im].iter().any(|r| r.as_ref().is_some_and(far_above_one));
        far |= flag;
        t.row([
            truncate(&ev.figures.name, 40),
            fmt_approx(&ev.figures.p_dem),
            fmt_approx(&ev.figures.p_im_and_e),
            ratio(&ev.ratio_im_and_e),
            fmt_approx(&ev.figures.p_im),
            ratio(&ev.ratio_im),
            if flag { "◀ ×2 or more".into() } else { String::new() },
        ]);
    }
    out.push_str(&t.render());
    if far {
        let _ = writeln!(out, "    ◀: the imitator makes this event at least twice as likely as the demonstrator.");
    }
    let _ = writeln!(out);
    out
}

/// The largest ratio of any single world history, or why there is none.
fn worst_case(_: &Scenario, v: &Verified) -> String {
    let mut out = String::new();
    match &v.figures.worst_case {
        Some(wc) => {
            let _ = writeln!(
                out,
                "  Worst case: max P_im(h ∧ E)/P_dem(h) {} over {}",
                fmt_is(&wc.max_ratio, 40),
                count(wc.histories, "world history")
            );
        }
        None => {
            let _ = writeln!(out, "  Worst case: not computed by the lumped engine (needs single histories)");
        }
    }
    let _ = writeln!(out);
    out
}

/// The reported figures at up to 24 depths, in decimals.
fn by_depth(_: &Scenario, v: &Verified) -> String {
    let f: &Figures = &v.figures;
    let lumped = f.engine == EngineKind::Lumped;
    let mut out = String::new();
    let _ = writeln!(out, "  By depth (decimal; S_t = Σ_{{k≤t}} θ_k, the expected number of queries is E[S_t]):");
    let mut header = vec!["t", "P(E_t)", "E[Σθ³]", "E[S_t]", "E[S_t³]/t²", "E[1/post]", "E[Π(1+θ)]", "÷ t²"];
    if lumped {
        header.push("states");
    }
    let mut table = Table::new("    ", 2, &vec![Align::Right; header.len()]);
    table.row(header);
    let sum_cubed_t2 = ratio_to_t2(&f.query_sum_cubed);
    let product_t2 = ratio_to_t2(&f.expected_product);
    for t in sample_depths(f.depth, 24) {
        let i = t - 1;
        let inv = f.inverse_truth_posterior[i].as_ref().map_or("∞".to_string(), fmt_approx);
        let mut row = vec![
            t.to_string(),
            fmt_approx(&f.event_e[i]),
            fmt_approx(&f.query_cubed_sum[i]),
            fmt_approx(&f.expected_queries[i]),
            fmt_approx(&sum_cubed_t2[i]),
            inv,
            fmt_approx(&f.expected_product[i]),
            fmt_approx(&product_t2[i]),
        ];
        if lumped {
            row.push(f.stats.states_per_depth.get(i).copied().unwrap_or(0).to_string());
        }
        table.row(row);
    }
    out.push_str(&table.render());
    let _ = writeln!(out);
    out
}

/// How long the run took, and the result.
fn stats(_: &Scenario, v: &Verified) -> String {
    let (f, run) = (&v.figures, &v.run);
    let mut out = String::new();
    let secs = (run.elapsed_ms as f64 / 1000.0).max(1e-3);
    let mut line = format!(
        "  {} {} in {} ms on {} thread(s): {} per second; {} arithmetic",
        f.stats.nodes,
        if f.engine == EngineKind::Lumped { "merged states" } else { "nodes" },
        run.elapsed_ms,
        run.threads,
        fmt_float((f.stats.nodes as f64 / secs).round()),
        if f.stats.word_arithmetic { "u128" } else { "big-integer" }
    );
    if let Some(b) = f.stats.peak_memory_bytes {
        let _ = write!(line, "; peak layer memory ≈ {:.1} MiB", b as f64 / (1024.0 * 1024.0));
    }
    let _ = writeln!(out, "{line}");
    let _ = writeln!(out, "  result: {}", result(v));
    out
}

/// The verdict in words. A run a limit stopped part way never "holds": its
/// checks hold only at the depths it reached (exit status 3), unless one fails there (1).
pub fn result(v: &Verified) -> String {
    match (&v.figures.partial, v.verdict.holds) {
        (Some(p), true) => format!(
            "PARTIAL — stopped at depth {} of {}: no check fails at depths 1…{}, depths {}…{} are not checked (undecided)",
            p.depth_reached,
            p.requested_depth,
            p.depth_reached,
            p.depth_reached + 1,
            p.requested_depth
        ),
        (Some(p), false) => {
            format!("a check FAILS (at the depths done: the run is PARTIAL, stopped at depth {} of {})", p.depth_reached, p.requested_depth)
        }
        (None, true) => "every check holds".into(),
        (None, false) => "a check FAILS".into(),
    }
}

/// An exact number, or a note that it is too long to print (it is in the JSON).
fn exact_short(r: &Rational) -> String {
    let e = fmt_exact(r);
    if e.len() <= 64 {
        e
    } else {
        format!("({} digits; see --json)", e.len())
    }
}

/// At most `count` depths of `1..=depth`, the first and the last included.
pub fn sample_depths(depth: usize, count: usize) -> Vec<usize> {
    imitator::engine::spread(depth, count).into_iter().map(|i| i + 1).collect()
}

/// How a column of a [`Table`] aligns its cells.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Align {
    /// Cells start at the column's left edge (words, labels).
    Left,
    /// Cells end at the column's right edge (numbers).
    Right,
}

/// A text table whose every column is as wide as its widest cell, header
/// included, so that no two cells ever run together.
///
/// Columns are separated by `gap` spaces; each line starts with `indent`, and
/// trailing spaces are trimmed. A cell may span several columns
/// ([`Table::row_spanning`]); the columns it spans widen, if need be, to hold it.
#[derive(Debug, Clone)]
pub struct Table {
    indent: String,
    gap: usize,
    align: Vec<Align>,
    /// Each row: its cells, each with the number of columns it spans.
    rows: Vec<Vec<(String, usize)>>,
}

impl Table {
    /// A table with these column alignments, its lines starting with `indent`.
    pub fn new(indent: &str, gap: usize, align: &[Align]) -> Self {
        Table { indent: indent.to_string(), gap, align: align.to_vec(), rows: Vec::new() }
    }

    /// Adds a row of cells, one per column (the header is a row like any other).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.rows.push(cells.into_iter().map(|c| (c.into(), 1)).collect());
        self
    }

    /// Adds a row whose cell `at` spans `span` columns (a word such as "every
    /// depth" that stands for a value and its bound), aligned left.
    pub fn row_spanning<S: Into<String>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
        at: usize,
        span: usize,
    ) -> &mut Self {
        self.rows
            .push(cells.into_iter().enumerate().map(|(i, c)| (c.into(), if i == at { span } else { 1 })).collect());
        self
    }

    /// The width of each column: its widest cell, and wide enough for the cells that span it.
    pub fn widths(&self) -> Vec<usize> {
        let n = self.align.len();
        let mut w = vec![0; n];
        for row in &self.rows {
            let mut col = 0;
            for (c, span) in row {
                if *span == 1 && col < n {
                    w[col] = w[col].max(c.chars().count());
                }
                col += span;
            }
        }
        for row in &self.rows {
            let mut col = 0;
            for (c, span) in row {
                if *span > 1 && col < n {
                    let end = (col + span).min(n);
                    let room: usize = w[col..end].iter().sum::<usize>() + self.gap * (end - col - 1);
                    w[end - 1] += c.chars().count().saturating_sub(room);
                }
                col += span;
            }
        }
        w
    }

    /// The table as lines, each ending with a newline.
    pub fn render(&self) -> String {
        let w = self.widths();
        let n = w.len();
        let gap = " ".repeat(self.gap);
        let mut out = String::new();
        for row in &self.rows {
            let mut line = self.indent.clone();
            let mut col = 0;
            for (i, (c, span)) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str(&gap);
                }
                if col >= n {
                    line.push_str(c);
                } else if *span > 1 {
                    let end = (col + span).min(n);
                    line.push_str(&pad(c, w[col..end].iter().sum::<usize>() + self.gap * (end - col - 1)));
                } else {
                    match self.align[col] {
                        Align::Left => line.push_str(&pad(c, w[col])),
                        Align::Right => line.push_str(&pad_left(c, w[col])),
                    }
                }
                col += span;
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}
