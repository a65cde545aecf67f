//! The readable reports: the verifier's table and an episode's trace.

use super::RunInfo;
use crate::checks::Verdict;
use crate::engine::Figures;
use crate::imitator::StepRecord;
use crate::number::{fmt_approx, fmt_exact, fmt_float, Prob, Rational};
use crate::scenario::Scenario;
use crate::simulate::Episode;
use std::fmt::Write;

/// An exact number and its decimal approximation (see [`crate::number::fmt_readable`]).
pub fn exact_and_approx(r: &Rational) -> String {
    crate::number::fmt_readable(r, 40)
}

fn mark(holds: bool) -> &'static str {
    if holds {
        "holds"
    } else {
        "FAILS"
    }
}

/// The verifier's report: one row per check, then the figures by depth.
pub fn verify_report(s: &Scenario, f: &Figures, v: &Verdict, run: &RunInfo) -> String {
    let mut out = String::new();
    let w = &v.truth_weight;
    let _ =
        writeln!(out, "imitator verify — {} ({} engine, variant {}, depth {})", s.name, f.engine, run.variant, f.depth);
    let _ = writeln!(
        out,
        "  {}, {}, {}, truth {} with prior w(μ) = {}, α = {}",
        count(s.actions.len(), "action"),
        count(s.observations.len(), "observation"),
        count(s.models.len(), "model"),
        s.models[s.truth].name,
        exact_and_approx(w),
        fmt_exact(&s.alpha)
    );
    let _ = writeln!(out);
    // One row per check, in decimals; the exact values follow the table.
    struct Row {
        label: String,
        measured: String,
        bound: String,
        slack: String,
        holds: bool,
        exact: Option<(Rational, Rational, &'static str)>,
    }
    let dec = |r: &Rational| fmt_approx(r);
    let mut rows = Vec::new();
    let e = &v.event_e;
    let e_at = &e.by_depth[e.tightest_depth - 1];
    rows.push(Row {
        label: format!("P(E_t) ≥ 1−α/w(μ)  [t={}]", e.tightest_depth),
        measured: dec(e_at),
        bound: dec(&e.bound),
        slack: dec(&e.slack),
        holds: e.holds,
        exact: Some((e_at.clone(), e.bound.clone(), "≥")),
    });
    let q = &v.query_cubed_sum;
    let q_at = &q.by_depth[q.tightest_depth - 1];
    rows.push(Row {
        label: format!("E[Σθ³] ≤ |A|α⁻³(24/w+12)  [t={}]", q.tightest_depth),
        measured: dec(q_at),
        bound: dec(&q.bound),
        slack: dec(&q.slack),
        holds: q.holds,
        exact: Some((q_at.clone(), q.bound.clone(), "≤")),
    });
    let p = &v.per_step_ratio;
    let unit = if f.engine.name() == "lumped" { "merged state" } else { "node" };
    rows.push(Row {
        label: "π_im(a) ≤ (1+θ)·μ(a)".into(),
        measured: format!("{} bad", p.violations),
        bound: format!("0 of {}", p.nodes_checked),
        slack: "-".into(),
        holds: p.holds,
        exact: None,
    });
    for ev in &v.events {
        let mut name = ev.figures.name.clone();
        if name.chars().count() > 24 {
            name = name.chars().take(23).collect::<String>() + "…";
        }
        rows.push(Row {
            label: format!("event “{name}”"),
            measured: dec(&ev.figures.p_im),
            bound: dec(&ev.bound),
            slack: dec(&(&ev.bound - &ev.figures.p_im)),
            holds: ev.holds,
            exact: Some((ev.figures.p_im.clone(), ev.bound.clone(), "≤")),
        });
    }
    let u = &v.unprecedented;
    rows.push(Row {
        label: "unprecedented ≤ 1−P(E_T)".into(),
        measured: dec(&u.p_im),
        bound: dec(&u.bound),
        slack: dec(&(&u.bound - &u.p_im)),
        holds: u.holds,
        exact: Some((u.p_im.clone(), u.bound.clone(), "≤")),
    });
    rows.push(Row {
        label: "node probabilities sum to 1".into(),
        measured: "every depth".into(),
        bound: "exactly".into(),
        slack: "-".into(),
        holds: v.mass_conserved,
        exact: None,
    });
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    let _ =
        writeln!(out, "  {}{}{}{}result", pad("check", 38), pad("measured", 14), pad("bound", 14), pad("slack", 14));
    for r in &rows {
        let _ = writeln!(
            out,
            "  {}{}{}{}{}",
            pad(&r.label, 38),
            pad(&r.measured, 14),
            pad(&r.bound, 14),
            pad(&r.slack, 14),
            mark(r.holds)
        );
    }
    let _ = writeln!(out, "  (per-step bound checked at every {unit} where the truth is in the top set)");
    let _ = writeln!(out);
    let _ = writeln!(out, "  exact values (measured, then bound):");
    for r in &rows {
        if let Some((m, b, rel)) = &r.exact {
            let _ = writeln!(out, "    {}", r.label);
            let _ = writeln!(out, "      {}  {rel}  {}", exact_short(m), exact_short(b));
        }
    }
    let _ = writeln!(out);
    if !v.events.is_empty() {
        let _ = writeln!(out, "  events (world histories of length {}):", f.depth);
        for ev in &v.events {
            let _ = writeln!(
                out,
                "    {:<28} P_dem = {:<12} P_im = {:<12} P_im(B ∧ E) = {}",
                ev.figures.name,
                fmt_approx(&ev.figures.p_dem),
                fmt_approx(&ev.figures.p_im),
                fmt_approx(&ev.figures.p_im_and_e)
            );
        }
        let _ = writeln!(out);
    }
    match &f.worst_case {
        Some(wc) => {
            let _ = writeln!(
                out,
                "  worst case: max P_im(h ∧ E)/P_dem(h) = {} over {} world histories",
                exact_and_approx(&wc.max_ratio),
                wc.histories
            );
        }
        None => {
            let _ = writeln!(out, "  worst case: not computed by the lumped engine (needs single histories)");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  by depth (decimal):");
    let _ = writeln!(
        out,
        "    {:>5} {:>12} {:>12} {:>12} {:>14} {:>10}{}",
        "t",
        "P(E_t)",
        "E[Σθ³]",
        "E[Σθ]",
        "E[Π(1+θ)]",
        "÷ t²",
        if f.engine.name() == "lumped" { "     states" } else { "" }
    );
    for t in sample_depths(f.depth, 24) {
        let i = t - 1;
        let prod = &f.expected_product[i];
        let t2 = Rational::from_integer(((t * t) as i64).into());
        let states = if f.engine.name() == "lumped" {
            format!(" {:>10}", f.stats.states_per_depth.get(i).copied().unwrap_or(0))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "    {:>5} {:>12} {:>12} {:>12} {:>14} {:>10}{}",
            t,
            fmt_approx(&f.event_e[i]),
            fmt_approx(&f.query_cubed_sum[i]),
            fmt_approx(&f.expected_queries[i]),
            fmt_approx(prod),
            fmt_approx(&(prod / t2)),
            states
        );
    }
    let _ = writeln!(out);
    let secs = (run.elapsed_ms as f64 / 1000.0).max(1e-3);
    let mut stats = format!(
        "  {} {} in {} ms on {} thread(s): {} per second; {} arithmetic",
        f.stats.nodes,
        if f.engine.name() == "lumped" { "merged states" } else { "nodes" },
        run.elapsed_ms,
        run.threads,
        fmt_float((f.stats.nodes as f64 / secs).round()),
        if f.stats.word_arithmetic { "u128" } else { "big-integer" }
    );
    if let Some(b) = f.stats.peak_memory_bytes {
        let _ = write!(stats, "; peak layer memory ≈ {:.1} MiB", b as f64 / (1024.0 * 1024.0));
    }
    let _ = writeln!(out, "{stats}");
    let _ = writeln!(out, "  result: {}", if v.holds { "every check holds" } else { "a check FAILS" });
    out
}

/// `n thing` or `n things`.
pub fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
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
    crate::engine::spread(depth, count).into_iter().map(|i| i + 1).collect()
}

fn names(idx: &[usize], s: &Scenario) -> String {
    idx.iter().map(|&i| s.models[i].name.as_str()).collect::<Vec<_>>().join(", ")
}

/// One line of an episode's trace.
pub fn trace_line<P: Prob>(s: &Scenario, r: &StepRecord<P>) -> String {
    format!(
        "{:>6}  {:<34} {:<8} {:<7} {:<12} {}",
        r.step,
        format!("{{{}}}{}", names(&r.policy.top, s), if r.truth_in_top { "" } else { " (truth out!)" }),
        fmt_float(r.policy.theta.to_f64()),
        if r.queried { "asked" } else { "-" },
        s.actions[r.action],
        s.observations[r.observation]
    )
}

/// An episode: the trace (when kept) and the summary.
pub fn episode_report<P: Prob>(s: &Scenario, ep: &Episode<P>, variant: &str, exact: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imitator run — {} (variant {variant}, {} steps, seed {}, {} arithmetic)",
        s.name,
        ep.steps,
        ep.seed,
        if exact { "exact" } else { "f64" }
    );
    if !ep.trace.is_empty() {
        let _ = writeln!(out, "  Each step: the top set (the models the imitator trusts, best first), θ (its chance");
        let _ = writeln!(out, "  of asking the demonstrator), whether it asked (then the demonstrator chose the");
        let _ = writeln!(out, "  action), the action taken and the observation.");
        let _ = writeln!(out);
        let _ =
            writeln!(out, "{:>6}  {:<34} {:<8} {:<7} {:<12} observation", "step", "top set", "θ", "query", "action");
        for r in &ep.trace {
            let _ = writeln!(out, "{}", trace_line(s, r));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "  queries: {} of {} steps ({:.2}%)",
        ep.queries,
        ep.steps,
        100.0 * ep.queries as f64 / ep.steps.max(1) as f64
    );
    let _ = writeln!(
        out,
        "  truth `{}` {} the top set at every step",
        s.models[s.truth].name,
        if ep.truth_always_top { "stayed in" } else { "did NOT stay in" }
    );
    let _ = writeln!(out, "  final posterior:");
    let width = s.models.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for (m, p) in s.models.iter().zip(&ep.final_posterior) {
        let shown = match (exact, p_as_rational(p)) {
            (true, Some(r)) => exact_and_approx(&r),
            _ => fmt_float(p.to_f64()),
        };
        let _ = writeln!(out, "    {:<width$}  {}", m.name, shown);
    }
    out
}

fn p_as_rational<P: Prob>(p: &P) -> Option<Rational> {
    (p as &dyn std::any::Any).downcast_ref::<Rational>().cloned()
}
