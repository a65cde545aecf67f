//! A narrated run for a newcomer: every step of the imitator, with its numbers.
//!
//! The run is the one `imitator run` plays: [`Imitator::sample_step`] with a
//! ChaCha8 generator seeded by the same seed, so the two commands tell the same
//! story. All numbers are exact; each is shown as a fraction with a decimal
//! approximation, and fractions too long for an 80-column terminal are shown
//! as a decimal with their length.

use crate::imitator::{Imitator, StepRecord, Variant};
use crate::number::{fmt_approx, fmt_exact, fmt_float, fmt_readable, Prob, Rational};
use crate::scenario::Scenario;
use num_traits::{One, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// The width the narration is laid out for.
pub const WIDTH: usize = 80;

/// Fractions longer than this are abbreviated to a decimal inside a formula ([`short`]).
const MAX_FRACTION: usize = 21;
/// Fractions longer than this are abbreviated where a number stands alone ([`num`]).
const MAX_ALONE: usize = 27;

/// A narrated run: the text, and the steps as the imitator took them.
#[derive(Debug, Clone)]
pub struct Explained {
    pub text: String,
    /// Every step, identical to the trace of `simulate::episode` with the same seed.
    pub records: Vec<StepRecord<Rational>>,
}

/// A number for reading (see [`fmt_readable`]), at the length a line allows.
pub fn num(r: &Rational) -> String {
    fmt_readable(r, MAX_ALONE)
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
    let head = if past.len() > keep { format!("… {} earlier steps, ", past.len() - keep) } else { String::new() };
    format!("h<{} = {head}{}", past.len() + 1, shown.join(", "))
}

/// Explains `steps` steps of `variant` on `s` with the generator seeded by `seed`.
pub fn explain(s: &Scenario, variant: Variant, warmup: usize, steps: usize, seed: u64) -> Explained {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut im = Imitator::<Rational>::new(s, variant, warmup);
    let mut out = String::new();
    let mut records = Vec::new();
    let mut past = Vec::new();
    intro(&mut out, s, variant, warmup, steps, seed);
    for _ in 0..steps {
        let step = im.step();
        let post = im.posterior().to_vec();
        let dists: Vec<Vec<Rational>> = im.distributions().iter().map(|d| d.to_vec()).collect();
        let obs: Vec<Vec<Rational>> = (0..s.actions.len()).map(|a| im.observation_distribution(a).to_vec()).collect();
        // The draw `sample_step` makes first, read from a copy of the generator.
        let u = Rational::uniform(&mut rng.clone());
        let rec = im.sample_step(&mut rng);
        let after = im.posterior().to_vec();
        let ctx = StepContext { s, variant, warmup, step, post: &post, dists: &dists, obs: &obs, u: &u };
        out.push('\n');
        out.push_str(&rule_line(&format!("step {step}")));
        out.push_str(&wrap(2, 4, &history_text(s, &past), WIDTH));
        narrate_step(&mut out, &ctx, &rec, &after);
        past.push((rec.action, rec.observation));
        records.push(rec);
    }
    summary(&mut out, s, &records, &im);
    Explained { text: out, records }
}

fn intro(out: &mut String, s: &Scenario, variant: Variant, warmup: usize, steps: usize, seed: u64) {
    let _ = writeln!(out, "imitator explain — {} (variant {variant}, {steps} steps, seed {seed})", s.name);
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
    match variant {
        Variant::Conservative => {}
        Variant::AlwaysQuery => p.push_str(" This run is the baseline `always-query`: it asks at every step (θ = 1)."),
        Variant::Map => p.push_str(&format!(
            " This run is the baseline `map`: it asks at each of the first {warmup} steps, then acts with \
             the top-ranked model's probabilities and never asks again. The α rule is still computed, to \
             see whether the truth stays collected."
        )),
        Variant::Mixture => p.push_str(&format!(
            " This run is the baseline `mixture`: it asks at each of the first {warmup} steps, then acts \
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
    variant: Variant,
    warmup: usize,
    step: usize,
    post: &'a [Rational],
    dists: &'a [Vec<Rational>],
    obs: &'a [Vec<Rational>],
    u: &'a Rational,
}

fn narrate_step(out: &mut String, c: &StepContext, rec: &StepRecord<Rational>, after: &[Rational]) {
    let s = c.s;
    let p = &rec.policy;
    // 1. The posterior in ranking order.
    out.push_str(&wrap(2, 3, "1. The posterior, in ranking order (ties go to the model declared first):", WIDTH));
    let rows: Vec<Vec<String>> = p
        .ranking
        .iter()
        .enumerate()
        .map(|(n, &i)| vec![format!("{}", n + 1), model_label(s, i), num(&c.post[i])])
        .collect();
    out.push_str(&table(5, &["rank".into(), "model".into(), "posterior".into()], &rows));
    // 2. The α rule.
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
    let mut above = Rational::zero();
    let mut walking = true;
    for (n, &i) in p.ranking.iter().enumerate() {
        let name = &s.models[i].name;
        let line = if n == 0 {
            format!("{}. {name}: collected (rank 1 always is).", n + 1)
        } else {
            let bar = &s.alpha * &above;
            let passes = c.post[i] > bar;
            let (op, verdict) = match (passes && walking, passes) {
                (true, _) => (">", "collected".to_string()),
                (false, true) => (">", "not collected: the walk stopped above it".to_string()),
                (false, false) => ("≤", "not collected".to_string()),
            };
            if !passes {
                walking = false;
            }
            let bar_text = match short(&bar) {
                b if b.starts_with('≈') || bar.denom().is_one() => b,
                b => format!("{b} (≈ {})", fmt_approx(&bar)),
            };
            format!(
                "{}. {name}: {} {op} {} · {} = {bar_text}: {verdict}.",
                n + 1,
                short(&c.post[i]),
                fmt_exact(&s.alpha),
                short(&above),
            )
        };
        out.push_str(&wrap(5, 3, &line, WIDTH));
        above += &c.post[i];
    }
    let truth_note = if rec.truth_in_top {
        format!("the truth `{}` is in it.", s.models[s.truth].name)
    } else {
        format!("the truth `{}` is NOT in it: the event E fails from here on.", s.models[s.truth].name)
    };
    out.push_str(&wrap(5, 2, &format!("Top set: {{{}}}; {truth_note}", names(s, &p.top)), WIDTH));
    // 3. m(a) and θ.
    narrate_policy(out, c, rec);
    // 4. The draw.
    narrate_draw(out, c, rec);
    // 5. The posterior update.
    if rec.queried {
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
        let products: Vec<Rational> = c.post.iter().zip(c.dists).map(|(w, d)| w * &d[a]).collect();
        let total = sum(&products);
        let rows: Vec<Vec<String>> = (0..s.models.len())
            .map(|i| {
                vec![
                    model_label(s, i),
                    short(&c.post[i]),
                    format!("× {}", short(&c.dists[i][a])),
                    format!("= {}", short(&products[i])),
                    format!("→ {}", num(&after[i])),
                ]
            })
            .collect();
        let headers =
            ["model".into(), "prior".into(), format!("ν({})", s.actions[a]), "product".into(), "normalized".into()];
        out.push_str(&table(5, &headers, &rows));
        out.push_str(&wrap(5, 3, &format!("sum of the products = {}", num(&total)), WIDTH));
    } else {
        out.push_str(&wrap(
            2,
            3,
            "5. No query: an action the imitator chose itself says nothing about the demonstrator, so the \
             posterior stays as it is.",
            WIDTH,
        ));
    }
}

fn narrate_policy(out: &mut String, c: &StepContext, rec: &StepRecord<Rational>) {
    let s = c.s;
    let p = &rec.policy;
    let warm = matches!(c.variant, Variant::Map | Variant::Mixture) && c.step <= c.warmup;
    match c.variant {
        Variant::AlwaysQuery => {
            out.push_str(&wrap(2, 3, "3. Variant always-query: m(a) = 0 for every action.", WIDTH));
        }
        _ if warm => {
            out.push_str(&wrap(
                2,
                3,
                &format!(
                    "3. Variant {}, warm-up step {} of {}: m(a) = 0 for every action.",
                    c.variant, c.step, c.warmup
                ),
                WIDTH,
            ));
        }
        Variant::Conservative | Variant::Map => {
            let (intro, cols): (String, Vec<usize>) = if c.variant == Variant::Conservative {
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
                    r.extend(cols.iter().map(|&i| short(&c.dists[i][a])));
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
                    r.extend((0..s.models.len()).map(|i| short(&c.dists[i][a])));
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
            "θ = 1 − Σ m(a) = 1 − {} = {}: the chance that the imitator asks for help.",
            short(&total),
            num(&p.theta)
        ),
        WIDTH,
    ));
}

fn narrate_draw(out: &mut String, c: &StepContext, rec: &StepRecord<Rational>) {
    let s = c.s;
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
        &format!("4. The draw: u = {} (uniform in [0, 1)). {} {ask}", fmt_approx(c.u), ranges.join(" ")),
        WIDTH,
    ));
    let action = &s.actions[rec.action];
    let what = if rec.queried {
        let truth = &c.dists[s.truth];
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
                short(&c.obs[rec.action][rec.observation])
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

fn summary(out: &mut String, s: &Scenario, records: &[StepRecord<Rational>], im: &Imitator<Rational>) {
    let _ = writeln!(out);
    out.push_str(&rule_line("summary"));
    let queries = records.iter().filter(|r| r.queried).count();
    out.push_str(&wrap(
        2,
        0,
        &format!(
            "The imitator asked {queries} times in {} steps. The truth `{}` {} the top set at every step.",
            records.len(),
            s.models[s.truth].name,
            if im.truth_always_top() { "stayed in" } else { "did NOT stay in" }
        ),
        WIDTH,
    ));
    out.push_str(&wrap(2, 0, "Step by step (the story `imitator run --trace` tells with the same seed):", WIDTH));
    for r in records {
        out.push_str(&wrap(4, 6, &step_summary(s, r), WIDTH));
    }
    out.push_str(&wrap(2, 0, "The final posterior:", WIDTH));
    let rows: Vec<Vec<String>> =
        im.posterior().iter().enumerate().map(|(i, p)| vec![model_label(s, i), num(p)]).collect();
    out.push_str(&table(5, &["model".into(), "posterior".into()], &rows));
}
