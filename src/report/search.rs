//! `imitator search`: the worst ratios found, as a table or JSON, and each
//! worst scenario as a TOML file with the command that reproduces it.

use crate::checks::scaled_constants;
use crate::number::{fmt_approx, fmt_exact};
use crate::search::{Options, Outcome, Quantity, Worst};
use serde_json::{json, Value};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The command that reproduces a search.
pub fn command(o: &Options) -> String {
    let alpha = o.alpha.as_ref().map(|a| format!(" --alpha {}", fmt_exact(a))).unwrap_or_default();
    format!(
        "imitator search --family {} --actions {} --models {} --depth {}{alpha} --budget {} --seed {} --max-den {}",
        o.family, o.actions, o.models, o.depth, o.budget, o.seed, o.max_den
    )
}

fn file_name(q: Quantity) -> String {
    format!("worst-{}.toml", q.key().replace('_', "-"))
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
                 # Reproduce: imitator verify {} --engine lumped --depth {}\n\n",
                command(&o.options),
                w.quantity.formula(),
                fmt_exact(&r.ratio),
                fmt_approx(&r.ratio),
                fmt_exact(&r.measured),
                fmt_exact(&r.bound),
                r.depth,
                path.display(),
                o.options.depth
            );
            Some((path, header + &w.scenario(&o.options).to_toml()))
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

/// The measured figure, in words, for the exact lines.
fn measured_words(w: &Worst) -> String {
    let r = w.ratio();
    let t = r.depth;
    match w.quantity {
        Quantity::EventE => format!("1 - P(E_{t}) = {}, α/w(μ) = {}", fmt_exact(&r.measured), fmt_exact(&r.bound)),
        Quantity::QueryCubed => {
            let (c1, c2) = scaled_constants(&r.ratio);
            format!(
                "E[Σθ³]_{t} = {}, bound = {}; in place of 24 and 12 the constants 24s = {} and 12s = {} suffice (s = the ratio)",
                fmt_exact(&r.measured),
                fmt_exact(&r.bound),
                fmt_exact(&c1),
                fmt_exact(&c2)
            )
        }
        Quantity::Product | Quantity::ProductHorizon => {
            format!("E[Π(1+θ)]_{t} = {}, t² = {}", fmt_exact(&r.measured), fmt_exact(&r.bound))
        }
    }
}

/// The table of worst ratios, then the exact figures; `files` are the files written, if any.
pub fn table(o: &Outcome, files: &[Option<PathBuf>]) -> String {
    let opts = &o.options;
    let mut s = String::new();
    let _ = writeln!(s, "{}", command(opts));
    let grid = o.grid_n.map(|n| format!(", grid prior weights 1..={n}")).unwrap_or_default();
    let _ = writeln!(
        s,
        "{} random + {} local-search candidates verified (lumped engine, conservative imitator){grid}; {} skipped; {} improvements",
        o.random, o.local, o.skipped, o.improvements
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "    {:<36} {:>12}  {:>4}  {:>8}  {:>8}  found",
        "ratio measured / bound", "worst", "t", "α", "w(μ)"
    );
    for (q, w) in Quantity::ALL.iter().zip(&o.worst) {
        match w {
            None => {
                let _ = writeln!(s, "{} {:<36} {:>12}", label(*q), q.formula(), "-");
            }
            Some(w) => {
                let r = w.ratio();
                let c = &w.candidate;
                let _ = writeln!(
                    s,
                    "{} {:<36} {:>12}  {:>4}  {:>8}  {:>8}  {}",
                    label(*q),
                    q.formula(),
                    fmt_approx(&r.ratio),
                    r.depth,
                    fmt_exact(&c.alpha()),
                    fmt_exact(&c.truth_weight()),
                    w.origin
                );
            }
        }
    }
    let _ = writeln!(s);
    for (q, w) in Quantity::ALL.iter().zip(&o.worst) {
        if let Some(w) = w {
            let _ = writeln!(s, "{} {} = {}", label(*q), q.key(), fmt_exact(&w.ratio().ratio));
            let _ = writeln!(s, "    {}", measured_words(w));
        }
    }
    if files.iter().any(Option::is_some) {
        let _ = writeln!(s);
        for (q, f) in Quantity::ALL.iter().zip(files) {
            if let Some(f) = f {
                let _ =
                    writeln!(s, "{} imitator verify {} --engine lumped --depth {}", label(*q), f.display(), opts.depth);
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
            None => json!({"quantity": q.key(), "formula": q.formula(), "ratio": null}),
            Some(w) => {
                let r = w.ratio();
                let c = &w.candidate;
                let mut v = json!({
                    "quantity": q.key(),
                    "formula": q.formula(),
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
        "alpha": opts.alpha.as_ref().map(fmt_exact),
        "budget": opts.budget,
        "seed": opts.seed,
        "max_den": opts.max_den,
        "random": o.random,
        "local": o.local,
        "skipped": o.skipped,
        "improvements": o.improvements,
        "grid_n": o.grid_n,
        "worst": worst,
    })
}
