//! `imitator atlas`: the files of an atlas — `atlas.md` (the table),
//! `atlas.csv`, `atlas.json` (exact, and read back by `atlas merge`), one
//! `witnesses/*.toml` per witness and one SVG plot per ratio against α.
//!
//! Every file is a function of the [`Atlas`] alone (no time, no thread
//! count, no path), so that the same arguments give the same bytes, and the
//! merge of all shards gives the bytes of the unsharded run.

use crate::plot::{render_svg, Plot, Series};
use imitator::atlas::{classes, Atlas, AtlasError, Class, ClassRuns, Extremes, Family, Options, Ratio, Run, Shard};
use imitator::lifetime::Interval;
use imitator::names::{parse, Named};
use imitator::number::{fmt_approx, fmt_exact, parse_rational, Rational};
use num_traits::{Signed, ToPrimitive};
use serde_json::{json, Value};
use std::fmt::Write;

/// Whether `name` is an entry `atlas --out` writes: a folder holding only
/// these may be replaced by a new atlas.
pub fn ours(name: &str) -> bool {
    matches!(name, "atlas.md" | "atlas.csv" | "atlas.json" | "witnesses/")
        || (name.starts_with("plot-") && name.ends_with(".svg"))
        || (name.starts_with("witnesses/") && name.ends_with(".toml") && !name[10..].contains('/'))
}

/// The flags that give these options (without `--shard` and `--out`).
pub fn flags(o: &Options) -> String {
    let alphas: Vec<String> = o.alphas.iter().map(fmt_exact).collect();
    let priors = o.priors.map(|p| format!(" --priors {p}")).unwrap_or_default();
    format!(
        "--family {} --actions {} --models {} --grid {} --alpha {}{priors} --width {} --max-depth {}",
        o.family,
        o.actions,
        o.models,
        o.grid,
        alphas.join(","),
        fmt_exact(&o.width),
        o.max_depth
    )
}

/// The command that makes this atlas (its shard, if one).
pub fn command(a: &Atlas) -> String {
    let shard = if a.shard.count > 1 { format!(" --shard {}/{}", a.shard.index, a.shard.count) } else { String::new() };
    format!("imitator atlas {}{shard} --out DIR", flags(&a.options))
}

/// The file of the witness of `ratio` at α number `j`.
pub fn witness_name(ratio: Ratio, o: &Options, j: usize) -> String {
    let a = &o.alphas[j];
    format!("witnesses/{}-alpha-{}-{}.toml", ratio.key().replace('_', "-"), a.numer(), a.denom())
}

/// One (α, ratio) line of the atlas.
struct Line {
    alpha: usize,
    ratio: Ratio,
    ext: Extremes,
}

fn lines(a: &Atlas, all: &[Class]) -> Vec<Line> {
    let mut out = Vec::new();
    for ratio in Ratio::ALL {
        for j in 0..a.options.alphas.len() {
            if let Some(ext) = a.extremes(all, ratio, j) {
                out.push(Line { alpha: j, ratio, ext });
            }
        }
    }
    out
}

fn opt_exact(r: &Option<Rational>) -> Value {
    r.as_ref().map_or(Value::Null, |r| Value::String(fmt_exact(r)))
}

fn approx(r: &Option<Rational>) -> String {
    r.as_ref().map_or("∞".to_string(), fmt_approx)
}

fn run_json(r: &Run) -> Value {
    json!({
        "depth_reached": r.depth_reached,
        "stopped_because": r.stopped_because,
        "event_e": [fmt_exact(&r.event_e.lo), opt_exact(&r.event_e.hi)],
        "query_cubed_sum": [fmt_exact(&r.query.lo), opt_exact(&r.query.hi)],
    })
}

/// The whole atlas as one JSON object, every number exact (`"p/q"`; `null` is +∞).
pub fn json(a: &Atlas, all: &[Class]) -> String {
    let o = &a.options;
    let mut doc = json!({
        "command": command(a),
        "options": {
            "family": o.family.name(),
            "actions": o.actions,
            "models": o.models,
            "grid": o.grid,
            "priors": o.priors,
            "alpha": o.alphas.iter().map(fmt_exact).collect::<Vec<_>>(),
            "width": fmt_exact(&o.width),
            "max_depth": o.max_depth,
        },
        "shard": {"index": a.shard.index, "count": a.shard.count},
        "classes_total": a.total,
        "classes_run": a.classes.len(),
    });
    let ratios: Vec<Value> = lines(a, all)
        .iter()
        .map(|l| {
            json!({
                "ratio": l.ratio.key(),
                "formula": l.ratio.formula(),
                "alpha": fmt_exact(&o.alphas[l.alpha]),
                "lower": fmt_exact(&l.ext.lo),
                "witness": {"class": l.ext.lo_class, "models": all[l.ext.lo_class as usize].describe(),
                            "file": witness_name(l.ratio, o, l.alpha)},
                "upper": opt_exact(&l.ext.hi),
                "upper_class": l.ext.hi_class,
            })
        })
        .collect();
    let undecided: Vec<Value> = a
        .undecided()
        .iter()
        .map(|(c, j, r)| {
            json!({
                "class": c, "alpha": fmt_exact(&o.alphas[*j]), "depth_reached": r.depth_reached,
                "stopped_because": r.stopped_because,
                "event_e_width": opt_exact(&r.event_e.width()), "query_cubed_sum_width": opt_exact(&r.query.width()),
            })
        })
        .collect();
    let failed: Vec<Value> =
        a.failed().iter().map(|(c, j)| json!({"class": c, "alpha": fmt_exact(&o.alphas[*j])})).collect();
    let classes: Vec<Value> = a
        .classes
        .iter()
        .map(|c| {
            json!({"index": c.index, "models": all[c.index as usize].describe(),
                   "runs": c.runs.iter().map(run_json).collect::<Vec<_>>()})
        })
        .collect();
    let m = doc.as_object_mut().expect("an object");
    m.insert("ratios".into(), Value::Array(ratios));
    m.insert("undecided".into(), Value::Array(undecided));
    m.insert("failed".into(), Value::Array(failed));
    m.insert("classes".into(), Value::Array(classes));
    format!("{}\n", serde_json::to_string_pretty(&doc).expect("JSON of strings and numbers"))
}

/// Reads back an `atlas.json`: the atlas (or shard) it holds. The message
/// says what is wrong, never empty.
pub fn parse_json(text: &str) -> Result<Atlas, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let get = |v: &Value, k: &str| v.get(k).cloned().ok_or_else(|| format!("no “{k}”"));
    let int = |v: &Value, k: &str| get(v, k)?.as_u64().ok_or_else(|| format!("“{k}” is not a whole number"));
    let rat = |v: &Value| -> Result<Rational, String> {
        let s = v.as_str().ok_or("a number is not a string \"p/q\"")?;
        parse_rational(s).map_err(|e| format!("“{s}”: {e}"))
    };
    let opt_rat = |v: &Value| if v.is_null() { Ok(None) } else { rat(v).map(Some) };
    let o = get(&v, "options")?;
    let family_name = get(&o, "family")?.as_str().ok_or("“family” is not a string")?.to_string();
    let family: Family = parse(&family_name).map_err(|e| e.to_string())?;
    let alphas =
        get(&o, "alpha")?.as_array().ok_or("“alpha” is not a list")?.iter().map(rat).collect::<Result<_, _>>()?;
    let mut opts =
        Options::new(family, int(&o, "actions")? as usize, int(&o, "models")? as usize, int(&o, "grid")?, alphas);
    opts.priors = match get(&o, "priors")? {
        Value::Null => None,
        p => Some(p.as_u64().ok_or("“priors” is not a whole number")?),
    };
    opts.width = rat(&get(&o, "width")?)?;
    opts.max_depth = int(&o, "max_depth")? as usize;
    opts.validate().map_err(|e| format!("its options: {e}"))?;
    let s = get(&v, "shard")?;
    let shard = Shard { index: int(&s, "index")?, count: int(&s, "count")? };
    if shard.index < 1 || shard.index > shard.count {
        return Err(format!("shard {}/{} is not I/N with 1 ≤ I ≤ N", shard.index, shard.count));
    }
    let total = int(&v, "classes_total")?;
    let mut runs_of = Vec::new();
    for c in get(&v, "classes")?.as_array().ok_or("“classes” is not a list")? {
        let mut runs = Vec::new();
        for r in get(c, "runs")?.as_array().ok_or("“runs” is not a list")? {
            let pair = |k: &str| -> Result<Interval, String> {
                let p = get(r, k)?;
                let p = p.as_array().filter(|p| p.len() == 2).ok_or_else(|| format!("“{k}” is not [lo, hi]"))?;
                Ok(Interval { lo: rat(&p[0])?, hi: opt_rat(&p[1])? })
            };
            runs.push(Run {
                depth_reached: int(r, "depth_reached")? as usize,
                stopped_because: get(r, "stopped_because")?.as_str().ok_or("“stopped_because” is not a string")?.into(),
                event_e: pair("event_e")?,
                query: pair("query_cubed_sum")?,
            });
        }
        let index = int(c, "index")?;
        if runs.len() != opts.alphas.len() {
            return Err(format!("class {index} has {} runs, not one per α ({})", runs.len(), opts.alphas.len()));
        }
        if index >= total || !shard.holds(index) || runs_of.last().is_some_and(|p: &ClassRuns| p.index >= index) {
            return Err(format!(
                "class {index} is out of place in shard {}/{} of {total} classes",
                shard.index, shard.count
            ));
        }
        runs_of.push(ClassRuns { index, runs });
    }
    Ok(Atlas { options: opts, shard, total, classes: runs_of })
}

/// The classes of an atlas's options (validated when the atlas was made).
pub fn all_classes(a: &Atlas) -> Result<Vec<Class>, AtlasError> {
    classes(&a.options)
}

/// A least-squares fit of `log y = c + k·log α` over the points with `y > 0`:
/// `k`, for display only (`None` with fewer than two points).
pub fn fitted_exponent(points: &[(f64, f64)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> =
        points.iter().filter(|(x, y)| *x > 0.0 && *y > 0.0).map(|(x, y)| (x.ln(), y.ln())).collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let (sx, sy) = pts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxx: f64 = pts.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

fn to_f64(r: &Rational) -> f64 {
    r.to_f64().unwrap_or(f64::NAN)
}

/// Points of a plot, already converted for drawing.
type Points = Vec<(f64, f64)>;

/// The points (α, lower end) and (α, upper end) of one ratio.
fn curve(a: &Atlas, all: &[Class], ratio: Ratio) -> (Points, Points) {
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    let mut order: Vec<usize> = (0..a.options.alphas.len()).collect();
    order.sort_by(|&i, &j| a.options.alphas[i].cmp(&a.options.alphas[j]));
    for j in order {
        if let Some(e) = a.extremes(all, ratio, j) {
            let x = to_f64(&a.options.alphas[j]);
            if e.lo.is_positive() {
                lo.push((x, to_f64(&e.lo)));
            }
            if let Some(h) = e.hi.filter(|h| h.is_positive()) {
                hi.push((x, to_f64(&h)));
            }
        }
    }
    (lo, hi)
}

/// One SVG plot per ratio against α, both axes logarithmic: `(file name, SVG)`.
pub fn plots(a: &Atlas, all: &[Class]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for ratio in Ratio::ALL {
        let (lo, hi) = curve(a, all, ratio);
        let fit = fitted_exponent(&lo).map(|k| format!(" (lower ends ∝ α^{k:.2})")).unwrap_or_default();
        let plot = Plot {
            id: format!("plot-{}", ratio.key().replace('_', "-")),
            title: format!("{} {} against α{fit}", ratio.label(), ratio.formula()),
            caption: "The largest certified lower end (a witness) and the largest certified upper end over the grid."
                .into(),
            x_label: "α".into(),
            y_label: ratio.label().into(),
            x_log: true,
            y_log: true,
            x_depth: false,
            x_zero: false,
            y_zero: false,
            series: vec![
                Series {
                    name: "largest upper end".into(),
                    color: (0xd6, 0x27, 0x28),
                    points: hi,
                    markers: true,
                    wide: false,
                },
                Series {
                    name: "largest lower end (witness)".into(),
                    color: (0x1f, 0x77, 0xb4),
                    points: lo,
                    markers: true,
                    wide: false,
                },
            ],
            notes: Vec::new(),
        };
        let svg = render_svg(&plot).map_err(|e| e.to_string())?;
        out.push((format!("{}.svg", plot.id), svg));
    }
    Ok(out)
}

/// Each witness as a scenario file: `(name under the folder, TOML)`, one per
/// (ratio, α), headed by what it shows and the command that reproduces it.
pub fn witnesses(a: &Atlas, all: &[Class]) -> Result<Vec<(String, String)>, String> {
    let o = &a.options;
    let mut out = Vec::new();
    for l in lines(a, all) {
        let class = &all[l.ext.lo_class as usize];
        let alpha = &o.alphas[l.alpha];
        let toml = class.scenario(o, alpha).to_toml().map_err(|e| e.to_string())?;
        let name = witness_name(l.ratio, o, l.alpha);
        let mut text = String::new();
        let _ = writeln!(text, "# Atlas witness: class {} ({}) at α = {alpha}.", class.index, class.describe());
        let _ = writeln!(
            text,
            "# {} {} ≥ {} (≈ {}), the largest certified lower end over the grid.",
            l.ratio.label(),
            l.ratio.formula(),
            fmt_exact(&l.ext.lo),
            fmt_approx(&l.ext.lo)
        );
        let _ = writeln!(
            text,
            "# Reproduce: imitator verify {name} --horizon infinite --width {} --max-depth {}",
            fmt_exact(&o.width),
            o.max_depth
        );
        let _ = writeln!(text, "# (the atlas rounds each interval outward to a multiple of 2^-64).");
        text.push_str(&toml);
        out.push((name, text));
    }
    Ok(out)
}

/// `atlas.csv`: one row per (ratio, α), exact numbers beside decimal ones.
pub fn csv(a: &Atlas, all: &[Class]) -> String {
    let mut s =
        String::from("ratio,alpha,lower,lower_approx,witness_class,upper,upper_approx,upper_class,undecided_runs\n");
    for l in lines(a, all) {
        let undecided = a.undecided().iter().filter(|(_, j, _)| *j == l.alpha).count();
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{undecided}",
            l.ratio.key(),
            fmt_exact(&a.options.alphas[l.alpha]),
            fmt_exact(&l.ext.lo),
            fmt_approx(&l.ext.lo),
            l.ext.lo_class,
            l.ext.hi.as_ref().map_or("inf".to_string(), fmt_exact),
            approx(&l.ext.hi),
            l.ext.hi_class
        );
    }
    s
}

/// `atlas.md`: the table per ratio, the fitted exponent, what is undecided.
pub fn markdown(a: &Atlas, all: &[Class]) -> String {
    let o = &a.options;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Atlas of constants: {} family, {} actions, {} models, grid 1/{}\n",
        o.family, o.actions, o.models, o.grid
    );
    let _ = writeln!(s, "Made by `{}`.\n", command(a));
    if a.shard.count > 1 {
        let _ = writeln!(s, "**Shard {} of {}**: only its classes are in this table; `imitator atlas merge` puts the shards together.\n", a.shard.index, a.shard.count);
    }
    let priors = o.priors.map_or("uniform priors".to_string(), |p| format!("prior weights 1..={p}"));
    let _ = writeln!(
        s,
        "{} classes in all ({} run here), up to renaming models and actions, {priors}, every choice of truth; \
         each over its lifetime with the conservative imitator until both intervals are at most {} wide \
         (or depth {}). Lower ends are witnesses (the best constant is at least this); upper ends hold for every \
         class of the grid. Exact values are in `atlas.json`; the decimals here are rounded.\n",
        a.total,
        a.classes.len(),
        fmt_exact(&o.width),
        o.max_depth
    );
    let all_lines = lines(a, all);
    for ratio in Ratio::ALL {
        match ratio {
            Ratio::QuerySum => writeln!(s, "## {}, the sum itself\n", ratio.formula()),
            _ => writeln!(s, "## {} {}\n", ratio.label(), ratio.formula()),
        }
        .expect("a String takes every write");
        let _ = writeln!(s, "| α | largest lower end | witness | largest upper end | its class |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        for l in all_lines.iter().filter(|l| l.ratio == ratio) {
            let _ = writeln!(
                s,
                "| {} | {} | [class {}]({}) | {} | class {} |",
                fmt_exact(&o.alphas[l.alpha]),
                fmt_approx(&l.ext.lo),
                l.ext.lo_class,
                witness_name(ratio, o, l.alpha),
                approx(&l.ext.hi),
                l.ext.hi_class
            );
        }
        let (lo, _) = curve(a, all, ratio);
        if let Some(k) = fitted_exponent(&lo) {
            let _ = writeln!(s, "\nLeast-squares fit of the lower ends: ∝ α^{k:.3}.");
        }
        let _ = writeln!(s, "\n![{}](plot-{}.svg)\n", ratio.label(), ratio.key().replace('_', "-"));
    }
    let undecided = a.undecided();
    let _ = writeln!(s, "## Undecided\n");
    if undecided.is_empty() {
        let _ = writeln!(s, "Every class closed both intervals to the width.\n");
    } else {
        let _ = writeln!(
            s,
            "These runs did not close their intervals; their upper ends still count in every maximum above.\n"
        );
        let _ = writeln!(s, "| class | α | depth reached | stopped because | width of P(E_∞) | width of E Σθ³ |");
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for (c, j, r) in &undecided {
            let _ = writeln!(
                s,
                "| {c} | {} | {} | {} | {} | {} |",
                fmt_exact(&o.alphas[*j]),
                r.depth_reached,
                r.stopped_because,
                approx(&r.event_e.width()),
                approx(&r.query.width())
            );
        }
        s.push('\n');
    }
    let failed = a.failed();
    if !failed.is_empty() {
        let _ = writeln!(s, "## Broken bounds\n");
        for (c, j) in failed {
            let _ = writeln!(s, "- class {c} at α = {} breaks a proved bound.", fmt_exact(&o.alphas[j]));
        }
        s.push('\n');
    }
    s
}

/// Every file of the atlas folder: `(name, bytes)`, in a fixed order.
pub fn files(a: &Atlas) -> Result<Vec<(String, Vec<u8>)>, String> {
    let all = all_classes(a).map_err(|e| e.to_string())?;
    if all.len() as u64 != a.total {
        return Err(format!("it counts {} classes, but its options make {}", a.total, all.len()));
    }
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("atlas.md".into(), markdown(a, &all).into_bytes()),
        ("atlas.csv".into(), csv(a, &all).into_bytes()),
        ("atlas.json".into(), json(a, &all).into_bytes()),
    ];
    out.extend(plots(a, &all)?.into_iter().map(|(n, t)| (n, t.into_bytes())));
    out.extend(witnesses(a, &all)?.into_iter().map(|(n, t)| (n, t.into_bytes())));
    Ok(out)
}
