//! The report's plots: exact figures turned into SVG line charts with plotters.
//!
//! The figures stay exact up to this module; they are converted to `f64` here,
//! only to be drawn. Every series is one `<polyline>` plus one `<circle>` per
//! point when it has markers; after drawing, each of those elements gets a
//! `data-series="NAME"` attribute (series are told apart by their colour, which
//! is unique within a plot), so a reader or a test can find every series and
//! count its points. Legends use filled rectangles, never lines, so the only
//! polylines in a series' colour are the series itself.

use crate::checks::{event_e_bound, query_cubed_bound};
use crate::engine::Figures;
use crate::number::{fmt_approx, Prob, Rational};
use crate::scenario::Scenario;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

/// Pixel size of every plot.
pub const SIZE: (u32, u32) = (900, 500);

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

/// Where the legend sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendAt {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
    MiddleRight,
}

/// One chart: its file, its words and its curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// The file name, `plot-*.svg`.
    pub file: String,
    /// What the reader sees, in one line (drawn above the chart).
    pub title: String,
    /// How to read it, in two sentences (shown under the chart in the page).
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub x_log: bool,
    pub y_log: bool,
    /// Whether the x axis counts depths (integer ticks).
    pub x_depth: bool,
    /// Whether a linear y axis starts at 0.
    pub y_zero: bool,
    pub series: Vec<Series>,
    pub legend: LegendAt,
}

/// The colour of the `k`-th variant's curves, and of the bounds and the diagonal.
pub const VARIANT_COLORS: [(u8, u8, u8); 4] =
    [(0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E), (0x2C, 0xA0, 0x2C), (0x94, 0x67, 0xBD)];
pub const BOUND_COLOR: (u8, u8, u8) = (0xD6, 0x27, 0x28);
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

/// A run of one variant, for the plots: its legend name and its exact figures.
pub struct Curves<'a> {
    pub label: &'a str,
    pub figures: &'a Figures,
}

/// Every plot of the report, from the exact figures of each variant (the first is the paper's imitator).
///
/// The worst-case plot is left out when no run has a `worst_case` (the lumped engine).
pub fn plots(s: &Scenario, runs: &[Curves]) -> Vec<Plot> {
    let w = s.truth_weight();
    let depth = runs.first().map(|r| r.figures.depth).unwrap_or(1);
    let variant_series = |get: &dyn Fn(&Figures) -> Vec<(f64, f64)>, markers: bool| -> Vec<Series> {
        runs.iter()
            .enumerate()
            .map(|(k, r)| Series {
                name: r.label.to_string(),
                color: VARIANT_COLORS[k % VARIANT_COLORS.len()],
                points: get(r.figures),
                markers,
                wide: k == 1,
            })
            .collect()
    };
    let flat = |name: String, y: f64| Series {
        name,
        color: BOUND_COLOR,
        points: vec![(1.0, y), (depth as f64, y)],
        markers: false,
        wide: false,
    };
    let first = runs.first().map(|r| r.label).unwrap_or("the imitator");
    let mut out = Vec::new();

    let e_bound = event_e_bound(&s.alpha, w);
    let mut series = variant_series(&|fig| by_depth(&fig.event_e), true);
    series.push(flat(format!("bound 1 − α/w(μ) = {}", fmt_approx(&e_bound)), f(&e_bound)));
    out.push(Plot {
        file: "plot-event-e.svg".into(),
        title: if runs.first().is_some_and(|r| r.figures.event_e.iter().all(|p| *p >= e_bound)) {
            format!("P(truth in the top set through t): {first} stays above its floor")
        } else {
            format!("P(truth in the top set through t): {first} falls below its floor")
        },
        caption: format!(
            "Each curve is the exact probability P_im(E_t) that the true demonstrator was collected by the α rule at \
             every step up to t, under each imitator; the red line is the paper's floor 1 − α/w(μ) = {}. \
             A curve can only fall with depth, and the theorem says the conservative imitator's never crosses the line.",
            super::explain::num(&e_bound)
        ),
        x_label: "depth t".into(),
        y_label: "P_im(E_t)".into(),
        x_log: false,
        y_log: false,
        x_depth: true,
        y_zero: false,
        series,
        legend: LegendAt::MiddleRight,
    });

    let q_bound = query_cubed_bound(s.actions.len(), &s.alpha, w);
    let mut series = variant_series(&|fig| drawable(by_depth(&fig.query_cubed_sum), false, true), true);
    series.push(flat(format!("bound |A|α⁻³(24/w(μ)+12) = {}", fmt_approx(&q_bound)), f(&q_bound)));
    out.push(Plot {
        file: "plot-query-cubed.svg".into(),
        title: if runs.first().is_some_and(|r| r.figures.query_cubed_sum.iter().all(|q| *q <= q_bound)) {
            format!("E[Σ θ³] by depth: {first} stays below its bound (log scale)")
        } else {
            format!("E[Σ θ³] by depth: {first} crosses its bound (log scale)")
        },
        caption: "Each curve is the exact expectation of the sum of the cubed query probabilities up to depth t; the \
                  red line is the paper's bound, which holds at every depth however long the run. \
                  The vertical axis is logarithmic: each gridline is a factor of ten, and depths where the sum is \
                  still 0 are not drawn."
            .into(),
        x_label: "depth t".into(),
        y_label: "E_im[θ_1³ + … + θ_t³]".into(),
        x_log: false,
        y_log: true,
        x_depth: true,
        y_zero: false,
        series,
        legend: LegendAt::MiddleRight,
    });

    out.push(Plot {
        file: "plot-query-step.svg".into(),
        title: "The expected query probability E[θ_t] at each step".into(),
        caption:
            "Each point is the probability that the imitator asks for help at step t, averaged over every history \
                  (the increment of E[Σθ] from t−1 to t). The conservative imitator asks less as its posterior \
                  concentrates; the train-then-deploy baselines ask at every warm-up step and never after."
                .into(),
        x_label: "step t".into(),
        y_label: "E_im[θ_t]  (the chance of a query at step t)".into(),
        x_log: false,
        y_log: false,
        x_depth: true,
        y_zero: true,
        series: variant_series(&|fig| by_depth(&increments(&fig.expected_queries)), true),
        legend: LegendAt::UpperRight,
    });

    out.push(Plot {
        file: "plot-queries.svg".into(),
        title: "The expected number of queries E[Σ θ] up to depth t".into(),
        caption: "Each curve is the expected number of times the imitator has asked for help by depth t. \
                  A curve that flattens means queries are dying out: the imitator has learned enough to act alone."
            .into(),
        x_label: "depth t".into(),
        y_label: "E_im[θ_1 + … + θ_t]".into(),
        x_log: false,
        y_log: false,
        x_depth: true,
        y_zero: true,
        series: variant_series(&|fig| by_depth(&fig.expected_queries), true),
        legend: LegendAt::UpperLeft,
    });

    if runs.iter().any(|r| r.figures.worst_case.is_some()) {
        let mut series: Vec<Series> = runs
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                let wc = r.figures.worst_case.as_ref()?;
                let pts = wc.curve.iter().map(|(d, i)| (f(d), f(i))).collect();
                Some(Series {
                    name: r.label.to_string(),
                    color: VARIANT_COLORS[k % VARIANT_COLORS.len()],
                    points: drawable(pts, true, true),
                    markers: false,
                    wide: k == 1,
                })
            })
            .collect();
        let lo = series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|&(x, y)| [x, y]))
            .fold(f64::INFINITY, f64::min)
            .min(1.0);
        series.push(Series {
            name: "diagonal: P_im = P_dem".into(),
            color: DIAGONAL_COLOR,
            points: vec![(lo, lo), (1.0, 1.0)],
            markers: false,
            wide: false,
        });
        out.push(Plot {
            file: "plot-worst-case.svg".into(),
            title: "The worst event B: the most P_im(B ∧ E) can be for its P_dem(B)".into(),
            caption: format!(
                "Reading the world histories of length {depth} from the one the imitator favours most over the \
                 demonstrator, each curve adds up P_dem (across) and P_im ∧ E (up): every event B lies on or under \
                 it. On these log–log axes a curve close to the grey diagonal means no event is much likelier for the \
                 imitator than for the demonstrator, and a curve far above it at the left means rare events became common."
            ),
            x_label: "P_dem(B)".into(),
            y_label: "P_im(B ∧ E_T)".into(),
            x_log: true,
            y_log: true,
            x_depth: false,
        y_zero: false,
            series,
            legend: LegendAt::LowerRight,
        });
    }
    out
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {file}: {message}")]
pub struct PlotError {
    pub file: String,
    pub message: String,
}

/// The range an axis needs to show `values`, padded; on a log axis, whole powers of ten.
fn axis_range(values: &[f64], log: bool) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return if log { (0.1, 1.0) } else { (0.0, 1.0) };
    }
    if log {
        let a = 10f64.powf(lo.log10().floor());
        let b = 10f64.powf(hi.log10().ceil());
        if a == b {
            (a / 10.0, b * 10.0)
        } else {
            (a, b)
        }
    } else {
        let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
        (lo - 0.06 * span, hi + 0.06 * span)
    }
}

/// A tick label: short decimals, powers of ten on log axes.
fn tick(v: f64, log: bool, depth: bool) -> String {
    if depth {
        return format!("{}", v.round() as i64);
    }
    if log {
        let k = v.log10().round();
        if (v / 10f64.powf(k) - 1.0).abs() < 1e-9 {
            return match k as i64 {
                0 => "1".into(),
                1 => "10".into(),
                -1 => "0.1".into(),
                k => format!("1e{k}"),
            };
        }
    }
    let s = crate::number::fmt_float(v);
    if s.len() > 8 {
        format!("{v:.2e}")
    } else {
        s
    }
}

/// Draws a plot as an SVG document with every series tagged by `data-series`.
pub fn render_svg(p: &Plot) -> Result<String, PlotError> {
    let err = |m: String| PlotError { file: p.file.clone(), message: m };
    let colors: Vec<_> = p.series.iter().map(|s| s.color).collect();
    for (i, c) in colors.iter().enumerate() {
        if colors[..i].contains(c) {
            return Err(err(format!("two series share the colour {}", hex(*c))));
        }
    }
    let xs: Vec<f64> = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)).collect();
    let ys: Vec<f64> = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.1)).collect();
    let (x0, x1) = if p.x_depth {
        let hi = xs.iter().copied().fold(1.0, f64::max);
        (0.5, hi + 0.5)
    } else {
        axis_range(&xs, p.x_log)
    };
    let (mut y0, y1) = axis_range(&ys, p.y_log);
    if p.y_zero && !p.y_log {
        y0 = y0.min(0.0);
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let r = match (p.x_log, p.y_log) {
            (false, false) => draw(&root, p, x0..x1, y0..y1),
            (false, true) => draw(&root, p, x0..x1, (y0..y1).log_scale()),
            (true, false) => draw(&root, p, (x0..x1).log_scale(), y0..y1),
            (true, true) => draw(&root, p, (x0..x1).log_scale(), (y0..y1).log_scale()),
        };
        r.map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(tag_series(&svg, p))
}

fn draw<DB, X, Y>(root: &DrawingArea<DB, plotters::coord::Shift>, p: &Plot, x: X, y: Y) -> Result<(), String>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&p.title, ("sans-serif", 26))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(x, y)
        .map_err(e)?;
    let depth_ticks = if p.x_depth {
        let n = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)).fold(1.0, f64::max) as usize;
        n.min(20)
    } else {
        10
    };
    let (xl, yl, xd) = (p.x_log, p.y_log, p.x_depth);
    let fx = move |v: &f64| tick(*v, xl, xd);
    let fy = move |v: &f64| tick(*v, yl, false);
    chart
        .configure_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_labels(depth_ticks)
        .y_labels(10)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 17))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(e)?;
    for s in &p.series {
        let color = RGBColor(s.color.0, s.color.1, s.color.2);
        let (width, radius, opacity) = if s.wide { (7, 6, 0.45) } else { (2, 3, 1.0) };
        let style = color.mix(opacity).stroke_width(width);
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), style))
            .map_err(e)?
            .label(s.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 18, y + 4)], color.mix(opacity).filled()));
        if s.markers {
            let fill = color.mix(opacity).filled();
            chart.draw_series(s.points.iter().map(|&q| Circle::new(q, radius, fill))).map_err(e)?;
        }
    }
    let position = match p.legend {
        LegendAt::UpperLeft => SeriesLabelPosition::UpperLeft,
        LegendAt::UpperRight => SeriesLabelPosition::UpperRight,
        LegendAt::LowerLeft => SeriesLabelPosition::LowerLeft,
        LegendAt::LowerRight => SeriesLabelPosition::LowerRight,
        LegendAt::MiddleRight => SeriesLabelPosition::MiddleRight,
    };
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// Adds `data-series="NAME"` to each `<polyline>` (by its stroke) and `<circle>` (by its fill) in a series' colour.
fn tag_series(svg: &str, p: &Plot) -> String {
    let mut out = String::with_capacity(svg.len() + 64 * p.series.len());
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
        let tag = &rest[..end];
        let attr = if tag.starts_with("<polyline ") {
            Some("stroke=\"")
        } else if tag.starts_with("<circle ") {
            Some("fill=\"")
        } else {
            None
        };
        let series = attr.and_then(|a| {
            let at = tag.find(a)? + a.len();
            let color = &tag[at..at + 7];
            p.series.iter().find(|s| hex(s.color) == color)
        });
        match series {
            Some(s) => {
                let name = tag.find(' ').expect("a tag with attributes");
                out.push_str(&tag[..name]);
                out.push_str(&format!(" data-series=\"{}\"", xml_escape(&s.name)));
                out.push_str(&tag[name..]);
            }
            None => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
