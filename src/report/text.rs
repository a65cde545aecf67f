//! The readable reports: the verifier's table and an episode's trace.

use super::RunInfo;
use crate::checks::{far_above_one, ratio_to_t2, Shown, Verdict};
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

/// How a row's value or bound reads in the table (decimal) and below it (exact).
fn shown(x: &Shown, decimal: bool) -> String {
    match x {
        Shown::Exact(r) if decimal => fmt_approx(r),
        Shown::Exact(r) => exact_short(r),
        Shown::Infinite => "∞".into(),
        Shown::Count { bad, of, unit } => format!("{bad} of {} {unit}s", of),
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

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())))
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(s.chars().count())))
}

/// The verifier's report: one row per check, the events against the
/// demonstrator, then the figures by depth.
pub fn verify_report(s: &Scenario, f: &Figures, v: &Verdict, run: &RunInfo) -> String {
    let mut out = String::new();
    let w = &v.truth_weight;
    let lumped = f.engine.name() == "lumped";
    let _ =
        writeln!(out, "imitator verify — {} ({} engine, variant {}, depth {})", s.name, f.engine, run.variant, f.depth);
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
        exact_and_approx(w),
        fmt_exact(&s.alpha)
    );
    let _ = writeln!(out);
    let unit = if lumped { "merged state" } else { "node" };
    let rows = v.rows(unit);
    let _ = writeln!(
        out,
        "  Each check is made at every depth t = 1…{}; \"at t\" is the depth where it comes closest to its bound.",
        f.depth
    );
    let _ = writeln!(
        out,
        "  {}{}{}   {} result",
        pad("check", 42),
        pad_left("at t", 6),
        pad_left("measured", 13),
        pad("bound", 13),
    );
    for r in &rows {
        let (measured, bound) = match (&r.measured, r.relation) {
            (Shown::Count { .. }, _) | (_, None) => (shown(&r.measured, true), String::new()),
            (m, Some(rel)) => (shown(m, true), format!("{} {}", rel.symbol(), shown(&r.bound, true))),
        };
        let at = r.depth.map_or("-".to_string(), |d| d.to_string());
        // A count such as "0 of 5508615 nodes" spans the measured and bound columns.
        let values = if bound.is_empty() {
            format!("  {}", pad(&measured, 27))
        } else {
            format!("{}   {}", pad_left(&measured, 13), pad(&bound, 13))
        };
        let _ =
            writeln!(out, "  {}{}{} {}", pad(&truncate(&r.label, 41), 42), pad_left(&at, 6), values, r.status.word());
    }
    let _ = writeln!(
        out,
        "  (per step: checked at every {unit} where the truth is in the top set. Bookkeeping rows guard the\n   \
         accounting of E and of probability; any probability measure satisfies them.)"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "  Exact values (measured, relation, bound):");
    for r in &rows {
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
    if !v.events.is_empty() {
        let _ = writeln!(
            out,
            "  Events (world histories of length {}). The bad-events theorem bounds P_im(B ∧ E) by P_dem(B);",
            f.depth
        );
        let _ = writeln!(out, "  P_im(B) also counts the runs where the truth left the top set (¬E).");
        let _ = writeln!(
            out,
            "    {}{}{}{}{}{}",
            pad("event", 24),
            pad_left("P_dem(B)", 11),
            pad_left("P_im(B∧E)", 11),
            pad_left("÷ P_dem", 10),
            pad_left("P_im(B)", 11),
            pad_left("÷ P_dem", 10)
        );
        let ratio = |r: &Option<Rational>| match r {
            Some(r) => fmt_approx(r),
            None => "-".into(),
        };
        let mut far = false;
        for ev in &v.events {
            let flag = [&ev.ratio_im_and_e, &ev.ratio_im].iter().any(|r| r.as_ref().is_some_and(far_above_one));
            far |= flag;
            let _ = writeln!(
                out,
                "    {}{}{}{}{}{}{}",
                pad(&truncate(&ev.figures.name, 23), 24),
                pad_left(&fmt_approx(&ev.figures.p_dem), 11),
                pad_left(&fmt_approx(&ev.figures.p_im_and_e), 11),
                pad_left(&ratio(&ev.ratio_im_and_e), 10),
                pad_left(&fmt_approx(&ev.figures.p_im), 11),
                pad_left(&ratio(&ev.ratio_im), 10),
                if flag { "  ◀ ×2 or more" } else { "" }
            );
        }
        if far {
            let _ = writeln!(out, "    ◀: the imitator makes this event at least twice as likely as the demonstrator.");
        }
        let _ = writeln!(out);
    }
    match &f.worst_case {
        Some(wc) => {
            let _ = writeln!(
                out,
                "  Worst case: max P_im(h ∧ E)/P_dem(h) = {} over {} world histories",
                exact_and_approx(&wc.max_ratio),
                wc.histories
            );
        }
        None => {
            let _ = writeln!(out, "  Worst case: not computed by the lumped engine (needs single histories)");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  By depth (decimal; S_t = Σ_{{k≤t}} θ_k, the expected number of queries is E[S_t]):");
    let _ = writeln!(
        out,
        "    {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}{}",
        "t",
        "P(E_t)",
        "E[Σθ³]",
        "E[S_t]",
        "E[S_t³]/t²",
        "E[1/post]",
        "E[Π(1+θ)]",
        "÷ t²",
        if lumped { "   states" } else { "" }
    );
    let sum_cubed_t2 = ratio_to_t2(&f.query_sum_cubed);
    let product_t2 = ratio_to_t2(&f.expected_product);
    for t in sample_depths(f.depth, 24) {
        let i = t - 1;
        let states = if lumped {
            format!(" {:>8}", f.stats.states_per_depth.get(i).copied().unwrap_or(0))
        } else {
            String::new()
        };
        let inv = f.inverse_truth_posterior[i].as_ref().map_or("∞".to_string(), fmt_approx);
        let _ = writeln!(
            out,
            "    {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}{}",
            t,
            fmt_approx(&f.event_e[i]),
            fmt_approx(&f.query_cubed_sum[i]),
            fmt_approx(&f.expected_queries[i]),
            fmt_approx(&sum_cubed_t2[i]),
            inv,
            fmt_approx(&f.expected_product[i]),
            fmt_approx(&product_t2[i]),
            states
        );
    }
    let _ = writeln!(out);
    let secs = (run.elapsed_ms as f64 / 1000.0).max(1e-3);
    let mut stats = format!(
        "  {} {} in {} ms on {} thread(s): {} per second; {} arithmetic",
        f.stats.nodes,
        if lumped { "merged states" } else { "nodes" },
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
