//! A narrated run for a newcomer: every step of the imitator, with its numbers.
//!
//! The run is the one `imitator run` plays ([`imitator::simulate::episode`] with
//! the same seed), kept with a detailed trace: every number shown here — the
//! α rule's tests, the draw, Bayes' rule — is read from the imitator's
//! [`StepDetail`], never computed again, so the narration cannot drift from
//! the imitator. All numbers are exact; each is shown as a fraction with a
//! decimal approximation, and fractions too long for an 80-column terminal are
//! shown as a decimal with their length.

use imitator::imitator::{Standard, StepDetail, StepRecord, Variant};
use imitator::number::{fmt_approx, fmt_exact, fmt_float, fmt_readable, Prob, Rational};
use imitator::scenario::Scenario;
use imitator::simulate::Episode;
use num_traits::{One, Zero};
use std::fmt::Write;

/// The width the narration is laid out for.
pub const WIDTH: usize = 80;

/// Fractions longer than this are abbreviated to a decimal inside a formula ([`short`]).
const MAX_FRACTION: usize = 21;
/// Fractions longer than this are abbreviated where a number stands alone ([`num`]).
const MAX_ALONE: usize = 27;

/// A number for reading (see [`fmt_readable`]), at the length a line allows.
pub fn num(r: &Rational) -> String {
    fmt_readable(r, MAX_ALONE)
}

/// `= x` for a number that follows its name: `= 1/3 ≈ 0.333333`, or
/// `≈ 0.1 (a 40-character fraction)` when only a decimal fits (never `= ≈`).
pub fn is(r: &Rational) -> String {
    imitator::number::fmt_is(r, MAX_ALONE)
}

/// A number inside a formula: the fraction when short, else `≈ d`.
pub fn short(r: &Rational) -> String {
    let e = fmt_exact(r);
    if e.len() <= MAX_FRACTION {
        e
    } else {
        format!("≈{}", fmt_approx(r))
    }
}

/// Lays out `words` from column `indent`, breaking lines at `width`; continuation lines
/// are indented by `indent + hang`.
pub fn wrap(indent: usize, hang: usize, text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = " ".repeat(indent);
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent + hang);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// A table indented by `indent`; when it would pass [`WIDTH`], each row becomes a
/// wrapped line `first: header value, header value, …` instead.
pub fn table(indent: usize, headers: &[String], rows: &[Vec<String>]) -> String {
    let cols = headers.len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).chain([headers[c].chars().count()]).max().unwrap_or(0))
        .collect();
    let total = indent + widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
    let mut out = String::new();
    if total <= WIDTH {
        let line = |cells: &[String]| {
            let mut l = " ".repeat(indent);
            for (c, cell) in cells.iter().enumerate() {
                l.push_str(cell);
                if c + 1 < cols {
                    l.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
                }
            }
            format!("{}\n", l.trim_end())
        };
        out.push_str(&line(headers));
        for r in rows {
            out.push_str(&line(r));
        }
    } else {
        for r in rows {
            let rest: Vec<String> = (1..cols).map(|c| format!("{} {}", headers[c], r[c])).collect();
            out.push_str(&wrap(indent, 4, &format!("{}: {}", r[0], rest.join("; ")), WIDTH));
        }
    }
    out
}

fn rule_line(title: &str) -> String {
    let head = format!("── {title} ");
    format!("{head}{}\n", "─".repeat(WIDTH.saturating_sub(head.chars().count())))
}

fn sum(v: &[Rational]) -> Rational {
    v.iter().fold(Rational::zero(), |s, x| s + x)
}

fn model_label(s: &Scenario, i: usize) -> String {
    if i == s.truth {
        format!("{} (truth)", s.models[i].name)
    } else {
        s.models[i].name.clone()
    }
}

fn names(s: &Scenario, idx: &[usize]) -> String {
    idx.iter().map(|&i| s.models[i].name.as_str()).collect::<Vec<_>>().join(", ")
}

/// The world history so far, the last few steps when it is long.
fn history_text(s: &Scenario, past: &[(usize, usize)]) -> String {
    if past.is_empty() {
        return "h<1 is empty: nothing has happened yet.".into();
    }
    let step = |&(a, o): &(usize, usize)| {
        if s.observations.len() > 1 {
            format!("{}/{}", s.actions[a], s.observations[o])
        } else {
            s.actions[a].clone()
        }
    };
    let keep = 8;
    let shown: Vec<String> = past.iter().rev().take(keep).rev().map(step).collect();
    let head = if past.len() > keep {
        format!("… {} earlier, ", crate::words::count(past.len() - keep, "step"))
    } else {
        String::new()
    };
    format!("h<{} = {head}{}", past.len() + 1, shown.join(", "))
}

/// The state of every machine of the scenario (models, the environment and
/// events declared as machines) after the world history `past`, read by
/// following each machine over it; `None` when the scenario has no machine.
/// A machine's state is what its next step depends on, so it is what a
/// reader needs to see why a model's distribution changed.
fn machine_states(s: &Scenario, past: &[(usize, usize)]) -> Option<String> {
    let follow = |m: &imitator::machine::Machine| {
        let end = past.iter().fold(m.start(), |st, &(a, o)| m.next(st, a, o));
        format!("`{}`", m.states()[end])
    };
    let mut parts = Vec::new();
    for m in &s.models {
        if let Some(machine) = m.kind.machine() {
            parts.push(format!("model {} in {}", m.name, follow(machine)));
        }
    }
    if let Some(machine) = s.environment.machine() {
        parts.push(format!("the environment in {}", follow(machine)));
    }
    for e in &s.events {
        if let Some(machine) = e.kind.machine() {
            parts.push(format!("event “{}” in {}", e.name, follow(machine)));
        }
    }
    (!parts.is_empty()).then(|| format!("Machine states: {}.", parts.join("; ")))
}

/// Narrates an episode played with a detailed trace ([`imitator::simulate::Trace::Detailed`])
/// by the imitator `imitator` on `s`.
pub fn explain(s: &Scenario, imitator: Standard, ep: &Episode<Rational>) -> String {
    let mut out = String::new();
    let mut past = Vec::new();
    intro(&mut out, s, imitator.variant, imitator.warmup, ep.steps, ep.seed);
    for rec in &ep.trace {
        let detail = rec.detail.as_deref().expect("explain renders an episode kept with a detailed trace");
        let ctx = StepContext { s, imitator, rec, d: detail };
        out.push('\n');
        out.push_str(&rule_line(&format!("step {}", rec.step)));
        out.push_str(&wrap(2, 4, &history_text(s, &past), WIDTH));
        if let Some(states) = machine_states(s, &past) {
            out.push_str(&wrap(2, 4, &states, WIDTH));
        }
        narrate_step(&mut out, &ctx);
        past.push((rec.action, rec.observation));
    }
    summary(&mut out, s, ep);
    out
}

fn intro(out: &mut String, s: &Scenario, variant: Variant, warmup: usize, steps: usize, seed: u64) {
    let _ = writeln!(
        out,
        "imitator explain — {} (variant {variant}, {}, seed {seed})",
        s.name,
        crate::words::count(steps, "step")
    );
    let _ = writeln!(out);
    let mut p = format!(
        "The imitator does not know which of {} models is the demonstrator; the truth is `{}`, \
         but only the demonstrator knows that. It keeps a posterior over the models. At each step it \
         ranks them, collects the top few with the α rule (α = {}), and takes each action on its own \
         with the smallest probability that any collected model gives it. With the probability left \
         over, θ, it asks the demonstrator and takes the action the demonstrator picks; only these \
         answers teach the posterior.",
        s.models.len(),
        s.models[s.truth].name,
        fmt_exact(&s.alpha)
    );
    let first =
        if warmup == 1 { "at the first step".to_string() } else { format!("at each of the first {warmup} steps") };
    match variant {
        Variant::Conservative => {}
        Variant::AlwaysQuery => p.push_str(" This run is the baseline `always-query`: it asks at every step (θ = 1)."),
        Variant::Map => p.push_str(&format!(
            " This run is the baseline `map`: it asks {first}, then acts with \
             the top-ranked model's probabilities and never asks again. The α rule is still computed, to \
             see whether the truth stays collected."
        )),
        Variant::Mixture => p.push_str(&format!(
            " This run is the baseline `mixture`: it asks {first}, then acts \
             with the posterior mixture Σ post(ν)·ν(a) and never asks again. The α rule is still \
             computed, to see whether the truth stays collected."
        )),
    }
    out.push_str(&wrap(0, 0, &p, WIDTH));
    let _ = writeln!(out);
    out.push_str(&wrap(
        0,
        0,
        "Numbers are exact fractions with a decimal approximation (≈); a fraction too long for the line \
         is shown as its decimal and its length.",
        WIDTH,
    ));
}

struct StepContext<'a> {
    s: &'a Scenario,
    imitator: Standard,
    rec: &'a StepRecord<Rational>,
    d: &'a StepDetail<Rational>,
}

fn narrate_step(out: &mut String, c: &StepContext) {
    let s = c.s;
    let rec = c.rec;
    let p = &rec.policy;
    let post = &c.d.posterior_before;
    // 1. The posterior in ranking order.
    out.push_str(&wrap(2, 3, "1. The posterior, in ranking order (ties go to the model declared first):", WIDTH));
    let rows: Vec<Vec<String>> = p
        .ranking
        .iter()
        .enumerate()
        .map(|(n, &i)| vec![format!("{}", n + 1), model_label(s, i), num(&post[i])])
        .collect();
    out.push_str(&table(5, &["rank".into(), "model".into(), "posterior".into()], &rows));
    // 2. The α rule, as the imitator tested it.
    out.push_str(&wrap(
        2,
        3,
        &format!(
            "2. The α rule: the model at rank n is collected iff post > α · Σ(post of the models ranked \
             above it), with α = {}. Rank 1 always is; the walk stops at the first model that fails.",
            fmt_exact(&s.alpha)
        ),
        WIDTH,
    ));
    for (n, t) in c.d.tests.iter().enumerate() {
        let name = &s.models[t.model].name;
        let line = if n == 0 {
            format!("{}. {name}: collected (rank 1 always is).", n + 1)
        } else {
            let (op, verdict) = match (t.collected, t.passes) {
                (true, _) => (">", "collected"),
                (false, true) => (">", "not collected: the walk stopped above it"),
                (false, false) => ("≤", "not collected"),
            };
            let bar_text = match short(&t.bar) {
                b if b.starts_with('≈') || t.bar.denom().is_one() => b,
                b => format!("{b} (≈ {})", fmt_approx(&t.bar)),
            };
            format!(
                "{}. {name}: {} {op} {} · {} = {bar_text}: {verdict}.",
                n + 1,
                short(&post[t.model]),
                fmt_exact(&s.alpha),
                short(&t.above),
            )
        };
        out.push_str(&wrap(5, 3, &line, WIDTH));
    }
    let truth_note = if rec.truth_in_top {
        format!("the truth `{}` is in it.", s.models[s.truth].name)
    } else {
        format!("the truth `{}` is NOT in it: the event E fails from here on.", s.models[s.truth].name)
    };
    out.push_str(&wrap(5, 2, &format!("Top set: {{{}}}; {truth_note}", names(s, &p.top)), WIDTH));
    // 3. m(a) and θ.
    narrate_policy(out, c);
    // 4. The draw.
    narrate_draw(out, c);
    // 5. The posterior update.
    match &c.d.update {
        Some((products, total)) => {
            out.push_str(&wrap(
                2,
                3,
                &format!(
                    "5. The posterior learns from the demonstrator's answer `{}` (Bayes' rule: prior × likelihood, \
                     then normalized by the sum):",
                    s.actions[rec.action]
                ),
                WIDTH,
            ));
            let a = rec.action;
            let rows: Vec<Vec<String>> = (0..s.models.len())
                .map(|i| {
                    vec![
                        model_label(s, i),
                        short(&post[i]),
                        format!("× {}", short(&c.d.dists[i][a])),
                        format!("= {}", short(&products[i])),
                        format!("→ {}", num(&c.d.posterior_after[i])),
                    ]
                })
                .collect();
            let headers =
                ["model".into(), "prior".into(), format!("ν({})", s.actions[a]), "product".into(), "normalized".into()];
            out.push_str(&table(5, &headers, &rows));
            out.push_str(&wrap(5, 3, &format!("sum of the products {}", is(total)), WIDTH));
        }
        None => out.push_str(&wrap(
            2,
            3,
            "5. No query: an action the imitator chose itself says nothing about the demonstrator, so the \
             posterior stays as it is.",
            WIDTH,
        )),
    }
}

fn narrate_policy(out: &mut String, c: &StepContext) {
    let s = c.s;
    let p = &c.rec.policy;
    let variant = c.imitator.variant;
    let warm = c.imitator.in_warmup(c.rec.step);
    match variant {
        Variant::AlwaysQuery => {
            out.push_str(&wrap(2, 3, "3. Variant always-query: m(a) = 0 for every action.", WIDTH));
        }
        _ if warm => {
            out.push_str(&wrap(
                2,
                3,
                &format!(
                    "3. Variant {variant}, warm-up step {} of {}: m(a) = 0 for every action.",
                    c.rec.step, c.imitator.warmup
                ),
                WIDTH,
            ));
        }
        Variant::Conservative | Variant::Map => {
            let (intro, cols): (String, Vec<usize>) = if variant == Variant::Conservative {
                (
                    "3. m(a) = the smallest probability that a collected model gives action a: the imitator \
                     acts on its own only as often as every trusted model allows."
                        .into(),
                    p.top.clone(),
                )
            } else {
                (
                    format!(
                        "3. Variant map, deployed: m(a) = the top-ranked model's probability, here `{}`'s.",
                        s.models[p.ranking[0]].name
                    ),
                    vec![p.ranking[0]],
                )
            };
            out.push_str(&wrap(2, 3, &intro, WIDTH));
            let mut headers = vec!["action".to_string()];
            headers.extend(cols.iter().map(|&i| s.models[i].name.clone()));
            headers.push("m(a)".into());
            let rows: Vec<Vec<String>> = (0..s.actions.len())
                .map(|a| {
                    let mut r = vec![s.actions[a].clone()];
                    r.extend(cols.iter().map(|&i| short(&c.d.dists[i][a])));
                    r.push(num(&p.m[a]));
                    r
                })
                .collect();
            out.push_str(&table(5, &headers, &rows));
        }
        Variant::Mixture => {
            out.push_str(&wrap(
                2,
                3,
                "3. Variant mixture, deployed: m(a) = Σ post(ν)·ν(a) over every model, collected or not.",
                WIDTH,
            ));
            let mut headers = vec!["action".to_string()];
            headers.extend(s.models.iter().map(|m| m.name.clone()));
            headers.push("m(a)".into());
            let rows: Vec<Vec<String>> = (0..s.actions.len())
                .map(|a| {
                    let mut r = vec![s.actions[a].clone()];
                    r.extend((0..s.models.len()).map(|i| short(&c.d.dists[i][a])));
                    r.push(num(&p.m[a]));
                    r
                })
                .collect();
            out.push_str(&table(5, &headers, &rows));
        }
    }
    let total = sum(&p.m);
    out.push_str(&wrap(
        5,
        2,
        &format!(
            "θ = 1 − Σ m(a) = 1 − {} {}: the chance that the imitator asks for help.",
            short(&total),
            is(&p.theta)
        ),
        WIDTH,
    ));
}

fn narrate_draw(out: &mut String, c: &StepContext) {
    let s = c.s;
    let rec = c.rec;
    let p = &rec.policy;
    let mut acc = Rational::zero();
    let mut ranges = Vec::new();
    for (a, m) in p.m.iter().enumerate() {
        if m.is_zero() {
            continue;
        }
        let lo = acc.clone();
        acc += m;
        ranges.push(format!("{} on its own if {} ≤ u < {};", s.actions[a], short(&lo), short(&acc)));
    }
    let ask = if acc.is_one() {
        "it never asks.".to_string()
    } else if acc.is_zero() {
        "it asks whatever u is.".to_string()
    } else {
        format!("it asks if u ≥ {}.", short(&acc))
    };
    out.push_str(&wrap(
        2,
        3,
        &format!("4. The draw: u = {} (uniform in [0, 1)). {} {ask}", fmt_approx(&c.d.u), ranges.join(" ")),
        WIDTH,
    ));
    let action = &s.actions[rec.action];
    let what = if rec.queried {
        let truth = &c.d.dists[s.truth];
        let dist: Vec<String> = s.actions.iter().zip(truth).map(|(a, q)| format!("{a} {}", short(q))).collect();
        format!(
            "So the imitator asks. The demonstrator (the truth, `{}`) picks from {}; it picked `{action}`, \
             and the imitator takes it.",
            s.models[s.truth].name,
            dist.join(", ")
        )
    } else {
        format!(
            "So the imitator takes `{action}` on its own (probability m = {}), without asking.",
            short(&p.m[rec.action])
        )
    };
    out.push_str(&wrap(5, 2, &what, WIDTH));
    if s.observations.len() > 1 {
        out.push_str(&wrap(
            5,
            2,
            &format!(
                "The environment answers `{}` (probability {} after `{action}`).",
                s.observations[rec.observation],
                short(&c.d.observation_prob)
            ),
            WIDTH,
        ));
    }
}

/// One step in one line: what happened, θ and the top set.
pub fn step_summary(s: &Scenario, r: &StepRecord<Rational>) -> String {
    let what = if r.queried { "asked; the demonstrator chose" } else { "acted on its own:" };
    let out = if r.truth_in_top { "" } else { ", truth out!" };
    format!(
        "{}. {what} `{}`, observed `{}` (θ = {}; top set {{{}}}{out})",
        r.step,
        s.actions[r.action],
        s.observations[r.observation],
        fmt_float(r.policy.theta.to_f64()),
        names(s, &r.policy.top)
    )
}

fn summary(out: &mut String, s: &Scenario, ep: &Episode<Rational>) {
    let _ = writeln!(out);
    out.push_str(&rule_line("summary"));
    out.push_str(&wrap(
        2,
        0,
        &format!(
            "The imitator asked {} in {}. The truth `{}` {} the top set at every step.",
            crate::words::times(ep.queries),
            crate::words::count(ep.steps, "step"),
            s.models[s.truth].name,
            if ep.truth_always_top { "stayed in" } else { "did NOT stay in" }
        ),
        WIDTH,
    ));
    out.push_str(&wrap(2, 0, "Step by step (the story `imitator run --trace` tells with the same seed):", WIDTH));
    for r in &ep.trace {
        out.push_str(&wrap(4, 6, &step_summary(s, r), WIDTH));
    }
    out.push_str(&wrap(2, 0, "The final posterior:", WIDTH));
    let rows: Vec<Vec<String>> =
        ep.final_posterior.iter().enumerate().map(|(i, p)| vec![model_label(s, i), num(p)]).collect();
    out.push_str(&table(5, &["model".into(), "posterior".into()], &rows));
}
