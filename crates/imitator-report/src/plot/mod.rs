//! The report's plots: which plots a page has and what each one shows (this
//! module, the catalogue), and how a plot becomes an SVG chart ([`svg`], the
//! renderer, with plotters).
//!
//! The figures stay exact up to this module; they are converted to `f64` here,
//! only to be drawn. Every series is one `<polyline>` plus one `<circle>` per
//! point when it has markers; after drawing, each of those elements gets a
//! `data-series="NAME"` attribute (series are told apart by their colour, which
//! is unique within a plot), so a reader or a test can find every series and
//! count its points. The legend sits in a strip below the chart, never on the
//! data, and uses filled rectangles, never lines, so the only polylines in a
//! series' colour are the series itself.

use imitator::bounds::{bad_events_bound_approx, t_squared};
use imitator::engine::Figures;
use imitator::number::{fmt_approx, Prob, Rational};
use imitator::verify::Verified;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::fmt::Write;

mod svg;
pub use svg::{render_svg, svg_size, xml_escape, PlotError};

/// Pixel size of every chart, without its legend strip.
pub const SIZE: (u32, u32) = (900, 500);

/// The height of one line of the legend strip.
const LEGEND_LINE: u32 = 26;

/// One curve of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend text and the `data-series` attribute.
    pub name: String,
    /// `#RRGGBB`, unique within a plot.
    pub color: (u8, u8, u8),
    /// The points, in drawing order (already converted for drawing).
    pub points: Vec<(f64, f64)>,
    /// Whether each point gets a marker.
    pub markers: bool,
    /// Drawn as a wide, pale band (so that a series it coincides with shows on top of it).
    pub wide: bool,
}

/// A few words drawn at a point of the chart, in a series' colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub at: (f64, f64),
    pub text: String,
    pub color: (u8, u8, u8),
}

/// One chart: its name, its words and its curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// The chart's name, `plot-*` (the id of its figure in the page).
    pub id: String,
    /// What the reader sees, in one line (drawn above the chart).
    pub title: String,
    /// How to read it, in two or three sentences (shown under the chart in the page).
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub x_log: bool,
    pub y_log: bool,
    /// Whether the x axis counts depths (integer ticks).
    pub x_depth: bool,
    /// Whether a linear axis starts at 0.
    pub x_zero: bool,
    pub y_zero: bool,
    pub series: Vec<Series>,
    pub notes: Vec<Note>,
}

impl Plot {
    /// A plot against the depth `t` (linear axes, integer ticks), to be given
    /// its title, caption and series.
    fn by_depth(id: &str, y_label: &str) -> Plot {
        Plot {
            id: id.into(),
            title: String::new(),
            caption: String::new(),
            x_label: "depth t".into(),
            y_label: y_label.into(),
            x_log: false,
            y_log: false,
            x_depth: true,
            x_zero: false,
            y_zero: false,
            series: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// The colour of the `k`-th variant's curves, and of the bounds and the references.
pub const VARIANT_COLORS: [(u8, u8, u8); 4] =
    [(0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E), (0x2C, 0xA0, 0x2C), (0x94, 0x67, 0xBD)];
/// The bound that is checked.
pub const BOUND_COLOR: (u8, u8, u8) = (0xD6, 0x27, 0x28);
/// A second bound on the same plot (the paper's form, where a sharper one is checked).
pub const SECOND_BOUND_COLOR: (u8, u8, u8) = (0x8C, 0x56, 0x4B);
/// References that are not bounds: the diagonal, `t²`.
pub const DIAGONAL_COLOR: (u8, u8, u8) = (0x7F, 0x7F, 0x7F);

/// `#RRGGBB` as plotters writes it in SVG.
pub fn hex(c: (u8, u8, u8)) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn f(r: &Rational) -> f64 {
    Prob::to_f64(r)
}

fn by_depth(v: &[Rational]) -> Vec<(f64, f64)> {
    v.iter().enumerate().map(|(i, r)| ((i + 1) as f64, f(r))).collect()
}

/// Keeps the points a log axis can draw (both coordinates positive where the axis is logarithmic).
fn drawable(points: Vec<(f64, f64)>, x_log: bool, y_log: bool) -> Vec<(f64, f64)> {
    points.into_iter().filter(|&(x, y)| (!x_log || x > 0.0) && (!y_log || y > 0.0)).collect()
}

/// The increments of a cumulative sum: the per-step values.
pub fn increments(cumulative: &[Rational]) -> Vec<Rational> {
    let mut prev = Rational::from_integer(0.into());
    cumulative
        .iter()
        .map(|c| {
            let d = c - &prev;
            prev = c.clone();
            d
        })
        .collect()
}

/// `P_im(E_T ∧ P_dem = 0)`: what an imitator puts, on `E`, on world histories
/// the demonstrator never produces — `P(E_T)` less the end of the worst-case
/// curve, which covers the histories with `P_dem > 0`. `None` without a curve.
pub fn unprecedented_on_e(f: &Figures) -> Option<Rational> {
    let wc = f.worst_case.as_ref()?;
    let end = wc.curve.last().map_or_else(|| Rational::from_integer(0.into()), |p| p.1.clone());
    Some(f.event_e.last()? - end)
}

/// Every plot of the report, from the verified runs (the first is the paper's imitator).
///
/// The worst-case plots are left out when no run has a `worst_case` (the lumped engine).
pub fn plots(runs: &[Verified]) -> Vec<Plot> {
    let depth = runs.first().map(|r| r.figures.depth).unwrap_or(1);
    let labels: Vec<String> = runs.iter().map(|r| r.run.label()).collect();
    let variant_series = |get: &dyn Fn(&Figures) -> Vec<(f64, f64)>, markers: bool| -> Vec<Series> {
        runs.iter()
            .enumerate()
            .map(|(k, r)| Series {
                name: labels[k].clone(),
                color: VARIANT_COLORS[k % VARIANT_COLORS.len()],
                points: get(&r.figures),
                markers,
                wide: k == 1,
            })
            .collect()
    };
    let flat = |name: String, color, y: f64| Series {
        name,
        color,
        points: vec![(1.0, y), (depth as f64, y)],
        markers: false,
        wide: false,
    };
    let first = labels.first().map(String::as_str).unwrap_or("the imitator");
    let Some(verdict) = runs.first().map(|r| &r.verdict) else { return Vec::new() };
    let mut out = Vec::new();

    let (proved, paper) = (&verdict.event_e_proved, &verdict.event_e);
    let mut series = variant_series(&|fig| by_depth(&fig.event_e), true);
    series.push(flat(
        format!("checked floor 1 − α/((1+α)w(μ)) = {}", fmt_approx(&proved.bound)),
        BOUND_COLOR,
        f(&proved.bound),
    ));
    series.push(flat(
        format!("paper's floor 1 − α/w(μ) = {}", fmt_approx(&paper.bound)),
        SECOND_BOUND_COLOR,
        f(&paper.bound),
    ));
    out.push(Plot {
        title: if proved.holds {
            format!("P(truth in the top set through t): {first} stays above its floor")
        } else {
            format!("P(truth in the top set through t): {first} falls below its floor")
        },
        caption: format!(
            "Each curve is the exact probability P_im(E_t) that the true demonstrator was collected by the α rule at \
             every step up to t, under each imitator. The red line is the floor the verifier checks, \
             1 − α/((1+α)w(μ)) = {}, proved in the repository; the brown line is the paper's weaker floor \
             1 − α/w(μ) = {}. A curve can only fall with depth, and the theorem says the conservative imitator's \
             never crosses the lines.{}",
            super::explain::num(&proved.bound),
            super::explain::num(&paper.bound),
            baselines_note(runs)
        ),
        series,
        ..Plot::by_depth("plot-event-e", "P_im(E_t)")
    });

    let q = &verdict.query_cubed_sum;
    let proved_q = f(&verdict.query_cubed_proved.bound).sqrt();
    let mut series = variant_series(&|fig| drawable(by_depth(&fig.query_cubed_sum), false, true), true);
    series.push(flat(format!("paper's bound |A|α⁻³(24/w(μ)+12) = {}", fmt_approx(&q.bound)), BOUND_COLOR, f(&q.bound)));
    series.push(flat(
        format!(
            "proved bound √(4|A|⁴(M−1)(1−w)/(αw)) ≈ {}",
            imitator::number::fmt_sqrt(&verdict.query_cubed_proved.bound)
        ),
        SECOND_BOUND_COLOR,
        proved_q,
    ));
    out.push(Plot {
        title: if q.holds && verdict.query_cubed_proved.holds {
            format!("E[Σ θ³] by depth: {first} stays below its bounds (log scale)")
        } else {
            format!("E[Σ θ³] by depth: {first} crosses a bound (log scale)")
        },
        caption: "Each curve is the exact expectation of the sum of the cubed query probabilities up to depth t. \
                  The red line is the paper's bound and the brown line the sharper one proved in the repository \
                  (the verifier checks its square exactly); both hold at every depth however long the run. \
                  The vertical axis is logarithmic: each labelled gridline is a factor of ten, and depths where \
                  the sum is still 0 are not drawn."
            .into(),
        y_log: true,
        series,
        ..Plot::by_depth("plot-query-cubed", "E_im[θ_1³ + … + θ_t³]")
    });

    out.push(Plot {
        title: "The expected query probability E[θ_t] at each step".into(),
        caption: "Each point is the probability that the imitator asks for help at step t, averaged over every \
                  history (the increment of E[Σθ] from t−1 to t). The conservative imitator asks less as its \
                  posterior concentrates; the train-then-deploy baselines ask at every warm-up step and never after."
            .into(),
        x_label: "step t".into(),
        y_zero: true,
        series: variant_series(&|fig| by_depth(&increments(&fig.expected_queries)), true),
        ..Plot::by_depth("plot-query-step", "E_im[θ_t]  (the chance of a query at step t)")
    });

    out.push(Plot {
        title: "The expected number of queries E[Σ θ] up to depth t".into(),
        caption: "Each curve is the expected number of times the imitator has asked for help by depth t. \
                  A curve that flattens means queries are dying out: the imitator has learned enough to act alone."
            .into(),
        y_zero: true,
        series: variant_series(&|fig| by_depth(&fig.expected_queries), true),
        ..Plot::by_depth("plot-queries", "E_im[θ_1 + … + θ_t]")
    });

    let mut series = variant_series(&|fig| drawable(by_depth(&fig.expected_product), false, true), true);
    series.push(Series {
        name: "t² (the slides' O(t²), with constant 1)".into(),
        color: DIAGONAL_COLOR,
        points: (1..=depth).map(|t| (t as f64, f(&t_squared(t)))).collect(),
        markers: false,
        wide: false,
    });
    out.push(Plot {
        title: "E[Π (1 + θ)] against t² (log scale)".into(),
        caption: "Each curve is the exact expectation of the product of (1 + θ_k) over the first t steps; the grey \
                  curve is t². The slides state that this expectation is O(t²); on a logarithmic axis t² bends \
                  over, while a quantity that grows by a constant factor per step is a straight line. The \
                  verifier reports the ratio to t² at every depth (expected_product.ratio_to_t2); no bound on it \
                  is checked."
            .into(),
        y_log: true,
        series,
        ..Plot::by_depth("plot-product", "E_im[Π_{k≤t} (1 + θ_k)]")
    });

    if runs.iter().any(|r| r.figures.worst_case.is_some()) {
        out.extend(worst_case_plots(runs, &labels, f(&q.bound), depth));
    }
    out
}

/// What the P(E_t) plot says of the train-then-deploy baselines: why their
/// curves coincide (when they do) and why a flat curve is no merit.
fn baselines_note(runs: &[Verified]) -> String {
    let baselines: Vec<&Verified> = runs.iter().filter(|r| r.run.imitator.trains_then_deploys).collect();
    let Some(first) = baselines.first() else { return String::new() };
    let k = first.run.imitator.warmup;
    let names: Vec<String> = baselines.iter().map(|r| r.run.label()).collect();
    let same = baselines.len() > 1 && baselines.iter().all(|r| r.figures.event_e == first.figures.event_e);
    let mut note = String::new();
    if same {
        let _ = write!(
            note,
            " The curves of {} coincide, exactly: both ask at the same {} warm-up step{} and learn only from those \
             answers, so they hold the same posterior and the same top set at every step (the wide pale band is \
             {}, under {}).",
            names.join(" and "),
            k,
            if k == 1 { "" } else { "s" },
            names[0],
            names[names.len() - 1]
        );
    }
    let _ = write!(
        note,
        " After step {k} the baselines never ask again, so their posterior, and with it their top set, never \
         changes: their curve stays flat because they stop learning, not because they keep the truth better. \
         What they give up shows in the per-step check and the events table, where they make rare events common."
    );
    note
}

/// At most `n` points of `1..=len`, evenly, the first and the last included (drawing only).
fn thin(len: usize, n: usize) -> Vec<usize> {
    imitator::engine::spread(len, n)
}

/// The plots of an infinite-horizon run: the unsettled mass and both widths
/// by depth (log scale), then each interval narrowing toward its limit.
pub fn lifetime_plots(l: &imitator::lifetime::Lifetime, label: &str) -> Vec<Plot> {
    let picks = thin(l.steps.len(), 400);
    let at = |get: &dyn Fn(&imitator::lifetime::Step) -> Option<Rational>| -> Vec<(f64, f64)> {
        let pts = picks.iter().filter_map(|&i| get(&l.steps[i]).map(|v| (l.steps[i].depth as f64, f(&v)))).collect();
        drawable(pts, false, true)
    };
    let series = |name: String, color, points| Series { name, color, points, markers: false, wide: false };
    // The upper end is a wide pale band under the lower curve: where the two
    // ends meet, the band still shows around the line.
    let band = |name: String, color, points| Series { name, color, points, markers: false, wide: true };
    let unbounded = l.steps.iter().filter(|s| s.query_cubed_sum.hi.is_none()).count();
    let ends = "The upper end is drawn as a wide pale band and the lower end as a line over it: where the band \
                seems to hold only the line, the two ends agree to within the line's width (the first plot shows \
                each interval's width).";
    let mut out = Vec::new();
    out.push(Plot {
        title: format!("The whole lifetime, {label}: what is left to learn, by depth (log scale)"),
        caption: "The blue curve is the unsettled mass: the probability, after t steps, of the states from which the \
                  imitator may still ask. The other two are the widths of the certified intervals for P(E_∞) and for \
                  E Σθ³ over the whole lifetime; both are carried by the unsettled mass and narrow with it. A \
                  straight line on this axis is a constant factor per step."
            .into(),
        y_log: true,
        series: vec![
            series("unsettled mass".into(), VARIANT_COLORS[0], at(&|s| Some(s.unsettled_mass.clone()))),
            series("width of the interval for P(E_∞)".into(), VARIANT_COLORS[1], at(&|s| s.event_e.width())),
            series("width of the interval for E Σθ³".into(), VARIANT_COLORS[2], at(&|s| s.query_cubed_sum.width())),
        ],
        ..Plot::by_depth("plot-lifetime-unsettled", "probability or width")
    });
    let e_lo = at(&|s| Some(s.event_e.lo.clone()));
    let e_hi = at(&|s| s.event_e.hi.clone());
    let last = l.depth_reached as f64;
    out.push(Plot {
        title: format!("P(E_∞) for {label}: the certified interval narrowing with depth"),
        caption: format!(
            "After t steps the verifier proves P(E_∞) ≥ the lower curve and ≤ the upper one (P(E_{{t+1}})); the \
             red line is the floor 1 − α/((1+α)w(μ)) = {}. The curves meet at the lifetime probability that the \
             truth is collected at every step. {ends}",
            fmt_approx(&l.event_e_bound)
        ),
        series: vec![
            band("upper end".into(), VARIANT_COLORS[1], e_hi),
            series("lower end".into(), VARIANT_COLORS[0], e_lo),
            series(
                format!("floor 1 − α/((1+α)w(μ)) = {}", fmt_approx(&l.event_e_bound)),
                BOUND_COLOR,
                vec![(1.0, f(&l.event_e_bound)), (last.max(1.0), f(&l.event_e_bound))],
            ),
        ],
        ..Plot::by_depth("plot-lifetime-event-e", "P(E_∞)")
    });
    let proved = f(&l.query_bound_squared).sqrt();
    out.push(Plot {
        title: format!("E Σθ³ over the whole lifetime for {label}: the certified interval narrowing (log scale)"),
        caption: format!(
            "After t steps the verifier proves E Σ_{{t≥1}} θ_t³ ≥ the lower curve (the sum so far) and ≤ the \
             upper one (the sum so far plus a bound on what the unsettled states may still ask). The red line is \
             the proved bound √(4|A|⁴(M−1)(1−w)/(αw)) ≈ {}. {ends}{}",
            imitator::number::fmt_sqrt(&l.query_bound_squared),
            match unbounded {
                0 => String::new(),
                n => format!(
                    " At {} the upper end is infinite (a state may still ask without a bound on it) and is not drawn.",
                    if n == l.steps.len() {
                        "every depth".to_string()
                    } else {
                        format!("{n} of the {} depths", l.steps.len())
                    }
                ),
            }
        ),
        y_log: true,
        series: vec![
            band("upper end".into(), VARIANT_COLORS[1], at(&|s| s.query_cubed_sum.hi.clone())),
            series("lower end".into(), VARIANT_COLORS[0], at(&|s| Some(s.query_cubed_sum.lo.clone()))),
            series(
                format!("proved bound ≈ {}", imitator::number::fmt_sqrt(&l.query_bound_squared)),
                BOUND_COLOR,
                vec![(1.0, proved), (last.max(1.0), proved)],
            ),
        ],
        ..Plot::by_depth("plot-lifetime-query", "E Σ θ³ (lifetime)")
    });
    out
}

/// The worst-case curve on linear axes from the origin, and on log–log axes for rare events.
fn worst_case_plots(runs: &[Verified], labels: &[String], query_bound: f64, depth: usize) -> Vec<Plot> {
    let mut linear = Vec::new();
    let mut log = Vec::new();
    let mut notes = Vec::new();
    let mut off_axes = Vec::new();
    for (k, r) in runs.iter().enumerate() {
        let (Some(wc), Some(jump)) = (&r.figures.worst_case, unprecedented_on_e(&r.figures)) else { continue };
        let color = VARIANT_COLORS[k % VARIANT_COLORS.len()];
        let lift = f(&jump);
        let mut pts = vec![(0.0, 0.0)];
        if lift > 0.0 {
            pts.push((0.0, lift));
            let shown = fmt_approx(&jump);
            notes.push(Note {
                at: (0.02, lift),
                text: format!("{}: {shown} on histories the demonstrator never produces", labels[k]),
                color,
            });
            off_axes.push(format!("{} puts {shown} there", labels[k]));
        }
        pts.extend(wc.curve.iter().map(|(d, i)| (f(d), f(i) + lift)));
        let series = |points| Series { name: labels[k].clone(), color, points, markers: false, wide: k == 1 };
        linear.push(series(pts));
        log.push(series(drawable(wc.curve.iter().map(|(d, i)| (f(d), f(i))).collect(), true, true)));
    }
    let lo = log.iter().flat_map(|s| s.points.iter().flat_map(|&(x, y)| [x, y])).fold(f64::INFINITY, f64::min).min(1.0);
    let bound_name = "the theorem's bound on P_im(B ∧ E) (approximate; capped at 1)".to_string();
    let bound_at = |p: f64| (p, bad_events_bound_approx(query_bound, depth, p));
    let grid = |from: f64, n: usize| -> Vec<f64> {
        (0..=n).map(|i| (from.ln() * (1.0 - i as f64 / n as f64)).exp()).collect::<Vec<_>>()
    };
    let diagonal = |from: f64| Series {
        name: "diagonal: P_im = P_dem".into(),
        color: DIAGONAL_COLOR,
        points: vec![(from, from), (1.0, 1.0)],
        markers: false,
        wide: false,
    };
    let bound = |points| Series { name: bound_name.clone(), color: BOUND_COLOR, points, markers: false, wide: false };
    linear.push(diagonal(0.0));
    linear.push(bound(std::iter::once(0.0).chain(grid(1e-12, 90)).map(bound_at).collect()));
    log.push(diagonal(lo));
    log.push(bound(grid(lo, 60).into_iter().map(bound_at).collect()));
    let reading = format!(
        "Reading the world histories of length {depth} from the one the imitator favours most over the \
         demonstrator, each curve adds up P_dem (across) and P_im ∧ E (up): every event B lies on or under it. \
         The red curve is the bad-events theorem's bound, P_im(B ∧ E) ≤ K·P_dem(B) + C·T²/(ln K)³ at its best K \
         (C the paper's bound on E[Σθ³]), computed in floating point and capped at 1: at small depths it is \
         often vacuous, which is why the measured curves matter."
    );
    let linear_plot = Plot {
        id: "plot-worst-case".into(),
        title: "The worst event B: the most P_im(B ∧ E) can be for its P_dem(B)".into(),
        caption: format!(
            "{reading} On these linear axes every curve starts at the origin; a vertical jump at P_dem = 0 is \
             probability the imitator puts, on E, on histories the demonstrator never produces (marked), which \
             the conservative imitator never does. A curve far above the grey diagonal near the left means rare \
             events became common."
        ),
        x_label: "P_dem(B)".into(),
        y_label: "P_im(B ∧ E_T)".into(),
        x_log: false,
        y_log: false,
        x_depth: false,
        x_zero: true,
        y_zero: true,
        series: linear,
        notes,
    };
    let hidden = if off_axes.is_empty() {
        String::new()
    } else {
        format!(" Histories with P_dem = 0 cannot be drawn here: {}.", off_axes.join("; "))
    };
    let log_plot = Plot {
        id: "plot-worst-case-log".into(),
        title: "The same curves on log–log axes: rare events".into(),
        caption: format!(
            "The curves of the plot above, with both axes logarithmic so that events of demonstrator probability \
             10⁻¹⁰ and 10⁻² are equally visible. A curve close to the grey diagonal means no event is much \
             likelier for the imitator than for the demonstrator.{hidden}"
        ),
        x_label: "P_dem(B)".into(),
        y_label: "P_im(B ∧ E_T)".into(),
        x_log: true,
        y_log: true,
        x_depth: false,
        x_zero: false,
        y_zero: false,
        series: log,
        notes: Vec::new(),
    };
    vec![linear_plot, log_plot]
}
