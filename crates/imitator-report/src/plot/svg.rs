//! The renderer: one [`Plot`] as an SVG line chart, drawn with plotters.
//!
//! It knows nothing of figures or checks: it draws the series, notes and
//! legend the catalogue put in a [`Plot`], and tags each series' elements
//! with `data-series="NAME"`.

use super::*;

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
        let (a, b) = if a == b { (a / 10.0, b * 10.0) } else { (a, b) };
        // A little room below the lowest power of ten, so that its gridline is inside the
        // axis and gets its label.
        (a / 1.25, b)
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
    let s = imitator::number::fmt_float(v);
    if s.len() > 8 {
        format!("{v:.2e}")
    } else {
        s
    }
}

/// How the legend strip lays out its entries: `(row, x)` of each, and the number of rows.
fn legend_layout(p: &Plot) -> (Vec<(u32, u32)>, u32) {
    let (left, right) = (90u32, SIZE.0 - 20);
    let mut at = Vec::new();
    let (mut row, mut x) = (0u32, left);
    for s in &p.series {
        // An estimate of the text's width at the legend's font size.
        let width = 30 + 9 * s.name.chars().count() as u32;
        if x > left && x + width > right {
            row += 1;
            x = left;
        }
        at.push((row, x));
        x += width + 24;
    }
    (at, row + 1)
}

/// The pixel size of a plot's SVG: the chart and its legend strip below.
pub fn svg_size(p: &Plot) -> (u32, u32) {
    let (_, rows) = legend_layout(p);
    (SIZE.0, SIZE.1 + rows * LEGEND_LINE + 10)
}

/// Draws a plot as an SVG document with every series tagged by `data-series`.
pub fn render_svg(p: &Plot) -> Result<String, PlotError> {
    let err = |m: String| PlotError { file: p.id.clone(), message: m };
    let colors: Vec<_> = p.series.iter().map(|s| s.color).collect();
    for (i, c) in colors.iter().enumerate() {
        if colors[..i].contains(c) {
            return Err(err(format!("two series share the colour {}", hex(*c))));
        }
    }
    let xs: Vec<f64> = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)).collect();
    let ys: Vec<f64> = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.1)).collect();
    let (mut x0, x1) = if p.x_depth {
        let hi = xs.iter().copied().fold(1.0, f64::max);
        (0.5, hi + 0.5)
    } else {
        axis_range(&xs, p.x_log)
    };
    let (mut y0, y1) = axis_range(&ys, p.y_log);
    if p.x_zero && !p.x_log {
        x0 = x0.min(0.0);
    }
    if p.y_zero && !p.y_log {
        y0 = y0.min(0.0);
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, svg_size(p)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (chart, legend) = root.split_vertically(SIZE.1);
        let r = match (p.x_log, p.y_log) {
            (false, false) => draw(&chart, p, x0..x1, y0..y1),
            (false, true) => draw(&chart, p, x0..x1, (y0..y1).log_scale()),
            (true, false) => draw(&chart, p, (x0..x1).log_scale(), y0..y1),
            (true, true) => draw(&chart, p, (x0..x1).log_scale(), (y0..y1).log_scale()),
        };
        r.map_err(err)?;
        draw_legend(&legend, p).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(tag_series(&svg, p))
}

/// The legend strip: a filled swatch and the name of each series, in rows.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, p: &Plot) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (at, _) = legend_layout(p);
    for (s, &(row, x)) in p.series.iter().zip(&at) {
        let color = RGBColor(s.color.0, s.color.1, s.color.2);
        let opacity = if s.wide { 0.45 } else { 1.0 };
        let y = (row * LEGEND_LINE + 8) as i32;
        let x = x as i32;
        area.draw(&Rectangle::new([(x, y + 5), (x + 22, y + 15)], color.mix(opacity).filled())).map_err(e)?;
        area.draw(&Text::new(s.name.as_str(), (x + 30, y + 2), ("sans-serif", 17))).map_err(e)?;
    }
    Ok(())
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
    // Bounds and references first, so that the imitators' curves are drawn over them.
    let reference = |s: &&Series| !VARIANT_COLORS.contains(&s.color);
    for s in p.series.iter().filter(reference).chain(p.series.iter().filter(|s| !reference(s))) {
        let color = RGBColor(s.color.0, s.color.1, s.color.2);
        let (width, radius, opacity) = if s.wide { (7, 6, 0.45) } else { (2, 3, 1.0) };
        let style = color.mix(opacity).stroke_width(width);
        chart.draw_series(LineSeries::new(s.points.iter().copied(), style)).map_err(e)?;
        if s.markers {
            let fill = color.mix(opacity).filled();
            chart.draw_series(s.points.iter().map(|&q| Circle::new(q, radius, fill))).map_err(e)?;
        }
    }
    for n in &p.notes {
        let color = RGBColor(n.color.0, n.color.1, n.color.2);
        let style = ("sans-serif", 16).into_font().color(&color);
        chart.draw_series(std::iter::once(Text::new(n.text.clone(), n.at, style))).map_err(e)?;
    }
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
