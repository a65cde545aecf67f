//! `imitator search`: the worst ratios found, as a table or JSON, and each
//! worst scenario as a TOML file with the command that reproduces it.

use imitator::bounds::scaled_constants;
use imitator::limits::Limit;
use imitator::number::{fmt_approx, fmt_exact, fmt_is, fmt_readable, Rational};
use imitator::search::{Horizon, Options, Outcome, Quantity, Worst};
use serde_json::{json, Value};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The horizon flags of a command: `--depth T`, or the lifetime's.
fn horizon_flags(o: &Options) -> String {
    match &o.horizon {
        Horizon::Finite => format!("--depth {}", o.depth),
        Horizon::Infinite { width } => {
            format!("--horizon infinite --width {} --max-depth {}", fmt_exact(width), o.depth)
        }
    }
}

/// The command that reproduces a search.
pub fn command(o: &Options) -> String {
    let alpha = o.alpha.as_ref().map(|a| format!(" --alpha {}", fmt_exact(a))).unwrap_or_default();
    format!(
        "imitator search --family {} --actions {} --models {} {}{alpha} --budget {} --seed {} --max-den {}",
        o.family,
        o.actions,
        o.models,
        horizon_flags(o),
        o.budget,
        o.seed,
        o.max_den
    )
}

/// The `verify` command that reproduces a worst figure from its file.
fn reproduce(path: &Path, o: &Options) -> String {
    let (engine, arithmetic) = match o.horizon {
        Horizon::Finite => ("--engine lumped ", ""),
        // The search runs every lifetime with exact masses.
        Horizon::Infinite { .. } => ("", " --arithmetic exact"),
    };
    format!("imitator verify {} {engine}{}{arithmetic}", path.display(), horizon_flags(o))
}

/// The ratio as a formula: at `T`, or (upper end) over the lifetime.
fn formula(q: Quantity, o: &Options) -> &'static str {
    match (&o.horizon, q) {
        (Horizon::Infinite { .. }, Quantity::EventE) => "(1 - P(E_∞)) / (α/w(μ)), upper end",
        (Horizon::Infinite { .. }, Quantity::QueryCubed) => "E[Σ_{t≥1}θ³] / (|A|α⁻³(24/w(μ)+12)), upper end",
        (Horizon::Infinite { .. }, Quantity::Product) => "max_t E[Π(1+θ)]_t / t², t ≤ depth reached",
        (Horizon::Infinite { .. }, Quantity::ProductHorizon) => "E[Π(1+θ)]_t / t², t = depth reached",
        _ => q.formula(),
    }
}

fn file_name(q: Quantity) -> String {
    format!("worst-{}.toml", q.key().replace('_', "-"))
}

/// Whether `name` is a file `search --out` writes (`worst-*.toml`): the
/// entries a folder may hold to be replaced by a new search's.
pub fn ours(name: &str) -> bool {
    name.starts_with("worst-") && name.ends_with(".toml")
}

/// Each worst scenario as a file of `dir`: `(path, TOML text)`, in the order
/// of [`Quantity::ALL`] (`None` where no candidate ran). The header says how it
/// was found, its ratio, and the `verify` command that reproduces the figure.
pub fn worst_files(dir: &Path, o: &Outcome) -> Vec<Option<(PathBuf, String)>> {
    o.worst
        .iter()
        .map(|w| {
            let w = w.as_ref()?;
            let path = dir.join(file_name(w.quantity));
            let r = w.ratio();
            let header = format!(
                "# Found by: {}\n# {} = {} ≈ {} (measured {} / bound {}, at t = {})\n\
                 # Reproduce: {}\n\n",
                command(&o.options),
                formula(w.quantity, &o.options),
                fmt_exact(&r.ratio),
                fmt_approx(&r.ratio),
                fmt_exact(&r.measured),
                fmt_exact(&r.bound),
                r.depth,
                reproduce(&path, &o.options)
            );
            let toml =
                w.scenario(&o.options).to_toml().expect("a candidate's kinds are the file's own, which are written");
            Some((path, header + &toml))
        })
        .collect()
}

fn label(q: Quantity) -> &'static str {
    match q {
        Quantity::EventE => "(a)",
        Quantity::QueryCubed => "(b)",
        Quantity::Product => "(c)",
        Quantity::ProductHorizon => "(d)",
    }
}

/// How long an exact number may be in the text before a decimal stands for it
/// (the exact value is in `--json`).
const EXACT_MAX: usize = 40;

/// `= p/q ≈ d`, or `≈ d (a k-character fraction)` when it is long.
fn is(r: &Rational) -> String {
    fmt_is(r, EXACT_MAX)
}

/// `p/q ≈ d`, or `≈ d (a k-character fraction)` when it is long.
fn readable(r: &Rational) -> String {
    fmt_readable(r, EXACT_MAX)
}

/// Whether ratio (a) of this candidate bounds nothing: `α ≥ w(μ)`, so the
/// paper's floor `1 − α/w(μ)` on `P(E)` is at most 0 and every run meets it.
pub fn vacuous(w: &Worst) -> bool {
    w.quantity == Quantity::EventE && w.candidate.alpha() >= w.candidate.truth_weight()
}

/// The flag a vacuous ratio (a) carries in the text.
const VACUOUS: &str = "vacuous: α ≥ w(μ), so the floor 1 − α/w(μ) ≤ 0 and P(E) meets it whatever happens";

/// The measured figure, in words, for the exact lines.
fn measured_words(w: &Worst) -> String {
    let r = w.ratio();
    let t = r.depth;
    if let Some(l) = &w.lifetime {
        let ends = |lo: &imitator::checks::BoundRatio| {
            format!("ratio in [{}, {}]", fmt_approx(&lo.ratio), fmt_approx(&r.ratio))
        };
        let run = format!("depth {} ({})", l.depth_reached, l.stopped_because.name());
        match w.quantity {
            Quantity::EventE => {
                return format!(
                    "1 - P(E_∞) ≤ {}, α/w(μ) {}; {}; proved floor {}; {run}",
                    readable(&r.measured),
                    is(&r.bound),
                    ends(&l.event_e_lo),
                    l.event_e_status.name()
                )
            }
            Quantity::QueryCubed => {
                let (c1, c2) = scaled_constants(&r.ratio);
                return format!(
                    "E[Σ_{{t≥1}}θ³] ≤ {}, bound {}; {}; check {}; {run}; the constants 24s {} and 12s {} suffice (s = the upper end)",
                    readable(&r.measured),
                    is(&r.bound),
                    ends(&l.query_cubed_lo),
                    l.query_status.name(),
                    is(&c1),
                    is(&c2)
                );
            }
            _ => {}
        }
    }
    match w.quantity {
        Quantity::EventE => format!("1 - P(E_{t}) {}, α/w(μ) {}", is(&r.measured), is(&r.bound)),
        Quantity::QueryCubed => {
            let (c1, c2) = scaled_constants(&r.ratio);
            format!(
                "E[Σθ³]_{t} {}, bound {}; in place of 24 and 12 the constants 24s {} and 12s {} suffice (s = the ratio)",
                is(&r.measured),
                is(&r.bound),
                is(&c1),
                is(&c2)
            )
        }
        Quantity::Product | Quantity::ProductHorizon => {
            format!("E[Π(1+θ)]_{t} {}, t² {}", is(&r.measured), is(&r.bound))
        }
    }
}

/// Why candidates were skipped, in words: `3 over the state limit (--max-states 100)`.
fn skip_reasons(o: &Outcome) -> String {
    o.skipped_by
        .iter()
        .map(|(limit, n)| {
            let why = match limit {
                Some(Limit::States) => {
                    format!("over the state limit (--max-states {})", o.options.limits.max_states)
                }
                Some(Limit::Memory) => {
                    format!("over the memory limit ({} MiB a step)", o.options.limits.max_memory / (1024 * 1024))
                }
                Some(Limit::Time) => "over the time limit".to_string(),
                Some(Limit::MaxDepth) => "at the depth limit".to_string(),
                Some(Limit::TruthWeight) => "with a prior too long to normalize".to_string(),
                Some(Limit::Events) => "with too many event states".to_string(),
                Some(Limit::Machines) => "with too many machine states".to_string(),
                Some(other) => format!("over a limit ({other:?})"),
                None => "refused by the engine".to_string(),
            };
            format!("{n} {why}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table of worst ratios, then the figures (exact when short; the exact
/// values are all in `--json`); `files` are the files written, if any.
pub fn table(o: &Outcome, files: &[Option<PathBuf>]) -> String {
    use crate::text::{Align, Table};
    use crate::words::count;
    let opts = &o.options;
    let mut s = String::new();
    let _ = writeln!(s, "{}", command(opts));
    let grid = o.grid_n.map(|n| format!(", grid prior weights 1..={n}")).unwrap_or_default();
    let skipped =
        if o.skipped == 0 { "0 skipped".to_string() } else { format!("{} skipped: {}", o.skipped, skip_reasons(o)) };
    let _ = writeln!(
        s,
        "{} random + {} local-search candidates verified (lumped engine, conservative imitator){grid}; {skipped}; {}",
        o.random,
        o.local,
        count(o.improvements as usize, "improvement")
    );
    if o.broken > 0 {
        let _ = writeln!(
            s,
            "{} broke a bound the verifier checks on P(E) or E[Σθ³]",
            count(o.broken as usize, "candidate")
        );
    }
    if let Horizon::Infinite { width } = &opts.horizon {
        let _ = writeln!(
            s,
            "each over its lifetime, to width {} or depth {}: (a) and (b) ranked by their certified upper ends; t = the depth reached",
            fmt_exact(width),
            opts.depth
        );
    }
    let _ = writeln!(s);
    let short = |r: &Rational| {
        let e = fmt_readable(r, 12);
        e.split(" ≈ ").next().unwrap_or(&e).to_string()
    };
    let mut t = Table::new(
        "",
        2,
        &[Align::Left, Align::Left, Align::Right, Align::Right, Align::Right, Align::Right, Align::Left],
    );
    t.row(["", "ratio measured / bound", "worst", "t", "α", "w(μ)", "found"]);
    let mut flagged = false;
    for (q, w) in Quantity::ALL.iter().zip(&o.worst) {
        match w {
            None => {
                t.row([label(*q), formula(*q, opts), "-"]);
            }
            Some(w) => {
                let r = w.ratio();
                let c = &w.candidate;
                let flag = if vacuous(w) {
                    flagged = true;
                    "  ◀ vacuous"
                } else {
                    ""
                };
                t.row([
                    label(*q).to_string(),
                    formula(*q, opts).to_string(),
                    fmt_approx(&r.ratio),
                    r.depth.to_string(),
                    short(&c.alpha()),
                    short(&c.truth_weight()),
                    format!("{}{flag}", w.origin),
                ]);
            }
        }
    }
    s.push_str(&t.render());
    if flagged {
        let _ = writeln!(s, "◀ {VACUOUS}.");
    }
    let _ = writeln!(s);
    for (q, w) in Quantity::ALL.iter().zip(&o.worst) {
        if let Some(w) = w {
            let _ = writeln!(s, "{} {} {}", label(*q), q.key(), is(&w.ratio().ratio));
            let _ = writeln!(s, "    {}", measured_words(w));
            if vacuous(w) {
                let _ = writeln!(s, "    {VACUOUS}");
            }
        }
    }
    if s.contains("-character fraction") || s.contains("-digit integer") {
        let _ = writeln!(s, "(≈: a decimal for an exact value too long to print; --json gives every exact value)");
    }
    if files.iter().any(Option::is_some) {
        let _ = writeln!(s);
        for (q, f) in Quantity::ALL.iter().zip(files) {
            if let Some(f) = f {
                let _ = writeln!(s, "{} {}", label(*q), reproduce(f, opts));
            }
        }
    }
    s
}

/// The outcome as one JSON object (`docs/json.md`); exact numbers as strings.
pub fn document(o: &Outcome, files: &[Option<PathBuf>]) -> Value {
    let opts = &o.options;
    let worst: Vec<Value> = Quantity::ALL
        .iter()
        .zip(&o.worst)
        .zip(files)
        .map(|((q, w), f)| match w {
            None => json!({"quantity": q.key(), "formula": formula(*q, opts), "ratio": null}),
            Some(w) => {
                let r = w.ratio();
                let c = &w.candidate;
                let mut v = json!({
                    "quantity": q.key(),
                    "formula": formula(*q, opts),
                    "ratio": fmt_exact(&r.ratio),
                    "ratio_decimal": fmt_approx(&r.ratio),
                    "measured": fmt_exact(&r.measured),
                    "bound": fmt_exact(&r.bound),
                    "depth": r.depth,
                    "alpha": fmt_exact(&c.alpha()),
                    "truth_weight": fmt_exact(&c.truth_weight()),
                    "found": w.origin.to_string(),
                    "file": f.as_ref().map(|p| p.display().to_string()),
                });
                if *q == Quantity::QueryCubed {
                    let (c1, c2) = scaled_constants(&r.ratio);
                    v["constants"] = json!({"c1": fmt_exact(&c1), "c2": fmt_exact(&c2)});
                }
                if let Some(l) = &w.lifetime {
                    v["lifetime"] = json!({
                        "depth_reached": l.depth_reached,
                        "stopped_because": l.stopped_because.name(),
                        "event_e": {"ratio_lo": fmt_exact(&l.event_e_lo.ratio), "status": l.event_e_status.name()},
                        "query_cubed_sum": {"ratio_lo": fmt_exact(&l.query_cubed_lo.ratio), "status": l.query_status.name()},
                    });
                }
                v
            }
        })
        .collect();
    json!({
        "command": command(opts),
        "family": opts.family.to_string(),
        "actions": opts.actions,
        "models": opts.models,
        "depth": opts.depth,
        "horizon": match opts.horizon { Horizon::Finite => "finite", Horizon::Infinite { .. } => "infinite" },
        "width": match &opts.horizon { Horizon::Finite => None, Horizon::Infinite { width } => Some(fmt_exact(width)) },
        "alpha": opts.alpha.as_ref().map(fmt_exact),
        "budget": opts.budget,
        "seed": opts.seed,
        "max_den": opts.max_den,
        "random": o.random,
        "local": o.local,
        "skipped": o.skipped,
        "improvements": o.improvements,
        "broken": o.broken,
        "grid_n": o.grid_n,
        "worst": worst,
    })
}
