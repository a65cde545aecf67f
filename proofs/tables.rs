//! The measured tables of `proofs/`: generated from the engines and the checks,
//! never typed by hand.
//!
//! Each claim file in `proofs/` holds one or more tables between markers
//! `<!-- table:KEY:begin -->` and `<!-- table:KEY:end -->`. `regenerate`
//! runs every entry of `RUNS` (the conservative imitator on a shipped
//! example), judges it with `imitator::checks::check`, and returns each file
//! with the text between its markers replaced. `cargo run --release --example
//! proof_tables` writes the files; `tests/library/proof_tables.rs` fails when
//! the committed tables differ from a fresh regeneration.
//!
//! It lives beside the claims it measures, not in any library: the example
//! and the test include it as a module of their own.
//!
//! Adding a row (a deeper run, another engine) is one line in `RUNS`.

use imitator::bounds::{per_step_ratios, t_squared, worst_case_trivial_bound};
use imitator::checks::Verdict;
use imitator::engine::histories::fold_paths;
use imitator::engine::{EngineKind, Figures, RunOptions};
use imitator::imitator::{Rule, Standard, Variant};
use imitator::number::Rational;
use imitator::scenario::Scenario;
use imitator::verify::verify;
use num_traits::{One, Zero};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One verifier run behind the tables.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// The scenario, relative to the repository root.
    pub file: &'static str,
    pub engine: EngineKind,
    /// The horizon; `None` uses the scenario's own `depth`.
    pub depth: Option<usize>,
}

impl Run {
    pub const fn exhaustive(file: &'static str) -> Run {
        Run { file, engine: EngineKind::Exhaustive, depth: None }
    }
}

/// Every run the tables show, in order: the conservative imitator on each
/// shipped example at the example's depth. A lumped row is one more line, e.g.
/// `Run { file: "examples/three-coins.toml", engine: EngineKind::Lumped, depth: Some(200) }`.
pub const RUNS: &[Run] = &[
    Run::exhaustive("examples/three-coins.toml"),
    Run::exhaustive("examples/markov-weather.toml"),
    Run::exhaustive("examples/rare-action.toml"),
    Run::exhaustive("examples/elimination.toml"),
    Run { file: "examples/three-coins.toml", engine: EngineKind::Lumped, depth: Some(200) },
    Run { file: "examples/rare-action.toml", engine: EngineKind::Lumped, depth: Some(100) },
];

/// The infinite-horizon runs of `proofs/infinite-horizon.md`: each shipped
/// example, conservative, until both intervals are narrower than `width`
/// (`"p/q"`) or `max_depth` is reached (kept small enough to regenerate in
/// seconds; the README gives narrower intervals).
pub const LIFETIME_RUNS: &[(&str, &str, usize)] = &[
    ("examples/three-coins.toml", "1/100", 200),
    ("examples/markov-weather.toml", "1/100", 40),
    ("examples/rare-action.toml", "1/1000000", 200),
    ("examples/elimination.toml", "1/1000000", 200),
];

/// Each claim file of `proofs/` and the tables it holds.
pub const FILES: &[(&str, &[&str])] = &[
    ("proofs/per-step-bound.md", &["per-step"]),
    ("proofs/event-e.md", &["event-e"]),
    ("proofs/query-cubed-sum.md", &["query-cubed"]),
    ("proofs/inverse-truth-posterior.md", &["inverse-posterior"]),
    ("proofs/infinite-horizon.md", &["lifetime"]),
    ("proofs/bad-events.md", &["bad-events", "worst-case"]),
    ("proofs/product-growth.md", &["product-final", "product-by-depth"]),
];

/// What the state space adds to an engine's figures: the per-step ratios
/// themselves (not only whether they pass 1) and the largest `Π(1+θ)` on a path.
#[derive(Debug, Clone, PartialEq)]
pub struct StateExtremes {
    /// `max m(a)/μ(a|h)` over reachable states with `μ ∈ Top` and actions with `μ(a|h) > 0`.
    pub max_no_query_ratio: Rational,
    /// `max π_im(a|h) / ((1+θ)·μ(a|h))` over the same.
    pub max_step_ratio: Rational,
    /// `max Π_{k≤T} (1+θ_k)` over the paths of `T` steps on which `μ` is always collected.
    pub max_path_product: Rational,
}

/// The extremes over the states reachable in `depth` steps.
pub fn state_extremes(scenario: &Scenario, rule: &dyn Rule<Rational>, depth: usize) -> StateExtremes {
    let truth = |contexts: &[u32]| scenario.models[scenario.truth].kind.distribution(contexts[scenario.truth] as usize);
    let (mut no_query, mut step) = (Rational::zero(), Rational::zero());
    // The largest product of 1 + θ along the paths on which μ is always collected.
    let best = fold_paths(
        scenario,
        rule,
        depth,
        Rational::one(),
        |st, b| st.truth_in_top.then(|| b * (Rational::one() + &st.theta)),
        |a, b| a.max(b),
        |st, contexts| {
            if st.truth_in_top {
                let (q, s) = per_step_ratios(&st.m, &st.theta, truth(contexts));
                no_query = no_query.clone().max(q);
                step = step.clone().max(s);
            }
        },
    );
    let max_path_product = best.into_values().max().unwrap_or_else(Rational::zero);
    StateExtremes { max_no_query_ratio: no_query, max_step_ratio: step, max_path_product }
}

/// One run, measured and judged.
pub struct Measured {
    pub run: Run,
    pub scenario: Scenario,
    pub figures: Figures,
    pub verdict: Verdict,
    pub extremes: StateExtremes,
}

/// Runs the conservative imitator on `run`'s scenario (paths relative to `root`).
pub fn measure(root: &Path, run: Run) -> Result<Measured, String> {
    let scenario = Scenario::from_file(root.join(run.file)).map_err(|e| e.to_string())?;
    let depth = run.depth.or(scenario.depth).ok_or_else(|| format!("{}: no depth", run.file))?;
    let rule = Standard::new(Variant::Conservative, 0);
    let v = verify(&scenario, rule, run.engine, RunOptions::new(depth), &|_, _| {}).map_err(|e| e.to_string())?;
    let extremes = state_extremes(&scenario, &rule, depth);
    Ok(Measured { run, scenario, figures: v.figures, verdict: v.verdict, extremes })
}

/// A number for a table (see [`imitator::number::fmt_readable`]).
pub fn num(r: &Rational) -> String {
    imitator::number::fmt_readable(r, 24)
}

/// `x / y` as a number for a table, or `—` when `y = 0`.
fn ratio(x: &Rational, y: &Rational) -> String {
    if y.is_zero() {
        "—".into()
    } else {
        num(&(x / y))
    }
}

fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out
}

fn last(v: &[Rational]) -> &Rational {
    v.last().expect("depth ≥ 1")
}

/// The Markdown of table `key` from the measured runs.
pub fn render(key: &str, runs: &[Measured]) -> String {
    let mut rows = Vec::new();
    match key {
        "per-step" => {
            for m in runs {
                let p = &m.verdict.per_step_ratio;
                let x = &m.extremes;
                rows.push(vec![
                    m.scenario.name.clone(),
                    m.figures.depth.to_string(),
                    m.figures.engine.to_string(),
                    p.nodes_checked.to_string(),
                    p.violations.to_string(),
                    num(&x.max_no_query_ratio),
                    num(&x.max_step_ratio),
                    "1".into(),
                    num(&x.max_step_ratio),
                ]);
            }
            table(
                &[
                    "example",
                    "depth",
                    "engine",
                    "nodes with μ ∈ Top",
                    "violations",
                    "max m(a)/μ(a)",
                    "measured: max π_im(a)/((1+θ)μ(a))",
                    "bound",
                    "ratio",
                ],
                rows,
            )
        }
        "event-e" => {
            for m in runs {
                let v = &m.verdict;
                let p = last(&m.figures.event_e);
                let fail = Rational::one() - p;
                // The bounds on the failure probability: α/w (paper) and α/((1+α)w) (proved).
                let (paper, proved) = v.event_e_failure_bounds();
                rows.push(vec![
                    m.scenario.name.clone(),
                    m.figures.depth.to_string(),
                    m.figures.engine.to_string(),
                    num(&m.scenario.alpha),
                    num(&v.truth_weight),
                    num(p),
                    num(&v.event_e_proved.bound),
                    num(&v.event_e.bound),
                    num(&fail),
                    ratio(&fail, &proved),
                    ratio(&fail, &paper),
                ]);
            }
            table(
                &[
                    "example",
                    "depth T",
                    "engine",
                    "α",
                    "w(μ)",
                    "measured P(E_T)",
                    "checked floor 1−α/((1+α)w)",
                    "paper's floor 1−α/w",
                    "1−P(E_T)",
                    "÷ α/((1+α)w)",
                    "÷ α/w",
                ],
                rows,
            )
        }
        "inverse-posterior" => {
            for m in runs {
                let c = &m.verdict.inverse_truth_posterior;
                let at_t = c.by_depth.last().and_then(|x| x.as_ref());
                let shown = at_t.map_or("∞".to_string(), num);
                let equal = c.by_depth.iter().all(|x| x.as_ref() == Some(&c.bound));
                rows.push(vec![
                    m.scenario.name.clone(),
                    m.figures.depth.to_string(),
                    m.figures.engine.to_string(),
                    shown,
                    num(&c.bound),
                    at_t.map_or("—".to_string(), |x| ratio(x, &c.bound)),
                    if equal { "yes".into() } else { "no".into() },
                ]);
            }
            table(
                &[
                    "example",
                    "depth T",
                    "engine",
                    "measured E[1/post_{T+1}(μ)]",
                    "bound 1/w(μ)",
                    "ratio",
                    "equal at every depth",
                ],
                rows,
            )
        }
        "query-cubed" => {
            for m in runs {
                let v = &m.verdict;
                let q = last(&m.figures.query_cubed_sum);
                let b = &v.query_cubed_sum.bound;
                let squared = &v.query_cubed_proved.bound;
                let t = m.figures.depth;
                let t2 = t_squared(t);
                rows.push(vec![
                    m.scenario.name.clone(),
                    t.to_string(),
                    m.figures.engine.to_string(),
                    num(q),
                    num(b),
                    ratio(q, b),
                    num(squared),
                    ratio(&(q * q), squared),
                    num(last(&m.figures.expected_queries)),
                    ratio(last(&m.figures.query_sum_cubed), &t2),
                ]);
            }
            table(
                &[
                    "example",
                    "depth T",
                    "engine",
                    "measured E[Σθ³]",
                    "paper's bound #A·α⁻³(24/w+12)",
                    "ratio",
                    "proved bound, squared: 4#A⁴(M−1)(1−w)/(αw)",
                    "ratio of squares",
                    "E[Σθ] (reported)",
                    "E[(Σθ)³]/T² (reported)",
                ],
                rows,
            )
        }
        "bad-events" => {
            for m in runs {
                for ev in &m.verdict.events {
                    let f = &ev.figures;
                    let r = |x: &Option<Rational>| x.as_ref().map_or("—".to_string(), num);
                    rows.push(vec![
                        m.scenario.name.clone(),
                        f.name.clone(),
                        m.figures.depth.to_string(),
                        m.figures.engine.to_string(),
                        num(&f.p_dem),
                        num(&f.p_im_and_e),
                        r(&ev.ratio_im_and_e),
                        num(&f.p_im),
                        r(&ev.ratio_im),
                        num(&ev.bound),
                    ]);
                }
                let u = &m.verdict.unprecedented;
                rows.push(vec![
                    m.scenario.name.clone(),
                    "*unprecedented* (P_dem(h) = 0)".into(),
                    m.figures.depth.to_string(),
                    m.figures.engine.to_string(),
                    "0".into(),
                    "—".into(),
                    "—".into(),
                    num(&u.p_im),
                    "—".into(),
                    format!("{} (checked: 1 − P(E_T))", num(&u.bound)),
                ]);
            }
            table(
                &[
                    "example",
                    "event B",
                    "depth T",
                    "engine",
                    "P_dem(B)",
                    "P_im(B ∧ E_T)",
                    "÷ P_dem(B): what the theorem bounds",
                    "P_im(B)",
                    "÷ P_dem(B)",
                    "bookkeeping: P_im(B) ≤ P_im(B ∧ E_T) + 1 − P(E_T)",
                ],
                rows,
            )
        }
        "worst-case" => {
            for m in runs {
                let Some(wc) = &m.figures.worst_case else {
                    continue;
                };
                let b = &m.extremes.max_path_product;
                let two_t = worst_case_trivial_bound(m.figures.depth);
                rows.push(vec![
                    m.scenario.name.clone(),
                    m.figures.depth.to_string(),
                    m.figures.engine.to_string(),
                    wc.histories.to_string(),
                    num(&wc.max_ratio),
                    num(b),
                    ratio(&wc.max_ratio, b),
                    num(&two_t),
                ]);
            }
            table(
                &[
                    "example",
                    "depth T",
                    "engine",
                    "histories with P_dem > 0",
                    "measured max_h P_im(h ∧ E_T)/P_dem(h)",
                    "bound max over E-paths of Π(1+θ)",
                    "ratio",
                    "2^T",
                ],
                rows,
            )
        }
        "product-final" => {
            for m in runs {
                let t = m.figures.depth;
                let p = last(&m.figures.expected_product);
                let t2 = t_squared(t);
                rows.push(vec![
                    m.scenario.name.clone(),
                    t.to_string(),
                    m.figures.engine.to_string(),
                    num(p),
                    num(&t2),
                    ratio(p, &t2),
                    ratio(last(&m.figures.query_sum_cubed), &t2),
                ]);
            }
            table(&["example", "depth T", "engine", "measured E[Π(1+θ)]", "T²", "ratio to T²", "E[(Σθ)³]/T²"], rows)
        }
        "product-by-depth" => {
            for m in runs {
                let prods = &m.figures.expected_product;
                // Long runs are sampled: 25 depths, the first and the last included.
                for t in imitator_report::text::sample_depths(prods.len(), 25) {
                    let i = t - 1;
                    let p = &prods[i];
                    let t2 = t_squared(t);
                    let growth = if i == 0 { "—".into() } else { ratio(p, &prods[i - 1]) };
                    rows.push(vec![
                        m.scenario.name.clone(),
                        t.to_string(),
                        m.figures.engine.to_string(),
                        num(p),
                        ratio(p, &t2),
                        growth,
                        num(&m.figures.expected_queries[i]),
                    ]);
                }
            }
            table(
                &["example", "t", "engine", "E[Π_{k≤t}(1+θ_k)]", "ratio to t²", "growth factor vs t−1", "E[Σθ]"],
                rows,
            )
        }
        _ => panic!("unknown table `{key}`"),
    }
}

/// Replaces the text between `<!-- table:KEY:begin -->` and `<!-- table:KEY:end -->`.
pub fn splice(text: &str, key: &str, body: &str) -> Result<String, String> {
    let begin = format!("<!-- table:{key}:begin -->");
    let end = format!("<!-- table:{key}:end -->");
    let i = text.find(&begin).ok_or_else(|| format!("no marker `{begin}`"))? + begin.len();
    let j = text[i..].find(&end).ok_or_else(|| format!("no marker `{end}`"))? + i;
    Ok(format!("{}\n{}{}", &text[..i], body, &text[j..]))
}

/// The command that regenerates the tables, as the files cite it.
pub const COMMAND: &str = "cargo run --release --example proof_tables";

/// Every claim file with its tables regenerated: `(path, new content)`.
pub fn regenerate(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let runs: Vec<Measured> = RUNS.iter().map(|&r| measure(root, r)).collect::<Result<_, _>>()?;
    let lifetimes = lifetime_table(root)?;
    FILES
        .iter()
        .map(|(file, keys)| {
            let path = root.join(file);
            let mut text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            for key in *keys {
                let table = if *key == "lifetime" { lifetimes.clone() } else { render(key, &runs) };
                let body = format!("<!-- generated by `{COMMAND}`; do not edit -->\n\n{}\n", table.trim_end());
                text = splice(&text, key, &body).map_err(|e| format!("{file}: {e}"))?;
            }
            Ok((path, text))
        })
        .collect()
}

/// The table of [`LIFETIME_RUNS`]: each interval rounded outward to 9 decimals, its exact width, and the bounds.
fn lifetime_table(root: &Path) -> Result<String, String> {
    use imitator::imitator::{Standard, Variant};
    use imitator_report::lifetime::{decay_per_step, decimal};
    let mut rows = Vec::new();
    for &(file, width, max_depth) in LIFETIME_RUNS {
        let scenario = Scenario::from_file(root.join(file)).map_err(|e| e.to_string())?;
        let mut opts = imitator::lifetime::Options::new();
        opts.width = imitator::number::parse_rational(width).map_err(|e| e.to_string())?;
        opts.limits.max_depth = max_depth;
        let rule = Standard::new(Variant::Conservative, 0);
        let l =
            imitator::lifetime::run(&scenario, &rule, &opts, imitator::progress::SILENT).map_err(|e| e.to_string())?;
        let last = l.last();
        let interval = |i: &imitator::lifetime::Interval| match &i.hi {
            Some(hi) => format!("[{}, {}]", decimal(&i.lo, 9, false), decimal(hi, 9, true)),
            None => format!("[{}, ∞)", decimal(&i.lo, 9, false)),
        };
        let w = |i: &imitator::lifetime::Interval| {
            i.width().map_or("∞".to_string(), |w| imitator::number::fmt_approx(&w))
        };
        rows.push(vec![
            scenario.name.clone(),
            format!("{} ({})", l.depth_reached, l.stopped_because.name()),
            interval(&last.event_e),
            w(&last.event_e),
            num(&l.event_e_bound),
            interval(&last.query_cubed_sum),
            w(&last.query_cubed_sum),
            format!("{} and √{}", num(&l.query_bound), num(&l.query_bound_squared)),
            imitator::number::fmt_approx(&last.unsettled_mass),
            decay_per_step(&l).map_or("—".to_string(), imitator::number::fmt_float),
        ]);
    }
    Ok(table(
        &[
            "example",
            "depth reached (why)",
            "P(E_∞) ∈",
            "width",
            "floor 1−α/((1+α)w)",
            "E Σθ³ ∈",
            "width",
            "bounds (paper and proved)",
            "unsettled mass",
            "its decay per step",
        ],
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_between_markers() {
        let t = "a\n<!-- table:x:begin -->\nold\n<!-- table:x:end -->\nb\n";
        assert_eq!(splice(t, "x", "new\n").unwrap(), "a\n<!-- table:x:begin -->\nnew\n<!-- table:x:end -->\nb\n");
        assert!(splice(t, "y", "new\n").is_err());
    }
}
