//! `imitator explain` and `imitator report`: the narration's numbers, its agreement
//! with `run`, and the page and plots as well-formed, self-contained documents.

use imitator::engine::{EngineKind, Figures, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::names::Named;
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use imitator::simulate::{episode, Episode, Trace};
use imitator::verify::{verify, Verified};
use imitator_report::explain::{explain, num, table, wrap, WIDTH};
use imitator_report::html::build_page;
use imitator_report::plot::{increments, unprecedented_on_e};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLES: [&str; 4] = ["three-coins", "elimination", "markov-weather", "rare-action"];

fn example(name: &str) -> PathBuf {
    Path::new(workspace!()).join("examples").join(format!("{name}.toml"))
}

fn load(name: &str) -> Scenario {
    Scenario::from_file(example(name)).expect("the example parses")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imitator"))
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn parse(text: &str) -> roxmltree::Document<'_> {
    let opt = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(text, opt).unwrap_or_else(|e| panic!("not well-formed XML: {e}"))
}

const LABELS: [&str; 3] = ["conservative", "map (warm-up 2)", "mixture (warm-up 2)"];

/// The three runs of `report` with warm-up `warmup`, verified through the library.
fn runs_with(s: &Scenario, warmup: usize) -> Vec<Verified> {
    let depth = s.depth.expect("the examples have a depth");
    [Variant::Conservative, Variant::Map, Variant::Mixture]
        .into_iter()
        .map(|v| {
            let rule = Standard::new(v, warmup);
            verify(s, rule, EngineKind::Exhaustive, RunOptions::new(depth), &|_, _| {}).expect("exhaustive runs")
        })
        .collect()
}

/// The three runs of `report` with its default warm-up, 2.
fn runs(s: &Scenario) -> Vec<Verified> {
    runs_with(s, 2)
}

/// An episode of `steps` steps kept with its detailed trace, and its narration.
fn narrate(s: &Scenario, variant: Variant, warmup: usize, steps: usize, seed: u64) -> (Episode<Rational>, String) {
    let rule = Standard::new(variant, warmup);
    let ep = episode::<Rational>(s, Box::new(rule), steps, seed, Trace::Detailed);
    let text = explain(s, rule, &ep);
    (ep, text)
}

/// Every `<polyline>` and `<circle>` of a series, by `data-series`: (polylines' point counts, circles).
fn series_of(svg: &roxmltree::Document) -> BTreeMap<String, (Vec<usize>, usize)> {
    let mut out: BTreeMap<String, (Vec<usize>, usize)> = BTreeMap::new();
    for n in svg.descendants().filter(|n| n.is_element()) {
        let Some(name) = n.attribute("data-series") else { continue };
        let e = out.entry(name.to_string()).or_default();
        match n.tag_name().name() {
            "polyline" => e.0.push(n.attribute("points").unwrap_or("").split_whitespace().count()),
            "circle" => e.1 += 1,
            other => panic!("unexpected tagged element {other}"),
        }
    }
    out
}

fn texts(svg: &roxmltree::Document) -> Vec<String> {
    svg.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

/// The plots of the page, by id: each `<svg>` element inside a `<figure>`, as its own document.
fn inline_svgs(html: &str) -> BTreeMap<String, String> {
    let page = parse(html);
    page.descendants()
        .filter(|n| n.has_tag_name("figure"))
        .map(|fig| {
            let svg = fig.children().find(|n| n.has_tag_name("svg")).expect("a plot inside each figure");
            let text = &html[svg.range()];
            // Inline, the element inherits its namespace; alone it declares it (plotters writes xmlns).
            assert!(text.contains("xmlns=\"http://www.w3.org/2000/svg\""));
            (fig.attribute("id").unwrap().to_string(), text.to_string())
        })
        .collect()
}

/// The page with each inline `<svg>…</svg>` replaced by `<svg>[plot]</svg>`: the text a reader sees.
fn page_without_plots(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("a closed <svg>") + start + "</svg>".len();
        out.push_str(&rest[..start]);
        out.push_str("<svg>[plot]</svg>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace(workspace!(), "[WORKSPACE]")
}

const PLOTS: [&str; 7] = [
    "plot-event-e",
    "plot-query-cubed",
    "plot-query-step",
    "plot-queries",
    "plot-product",
    "plot-worst-case",
    "plot-worst-case-log",
];

#[test]
fn report_writes_one_self_contained_page_whose_plots_hold_every_series() {
    let dir = out_dir("three-coins");
    let out = bin()
        .args(["report", example("three-coins").to_str().unwrap(), "--out", dir.to_str().unwrap()])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("wrote {} (one self-contained page, 7 plots inline)\n", dir.join("index.html").display())
    );
    let html = std::fs::read_to_string(dir.join("index.html")).expect("index.html is written");
    let page = parse(&html);

    // One file, referring to nothing: no address but the SVG namespace, no src or href at all.
    let on_disk: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(on_disk, ["index.html"]);
    assert_eq!(html.matches("http").count(), PLOTS.len(), "only each plot's xmlns");
    assert!(!html.contains("https:"));
    assert!(page.descendants().all(|n| n.attributes().all(|a| a.name() != "src" && a.name() != "href")));
    assert_eq!(page.descendants().filter(|n| n.has_tag_name("link") || n.has_tag_name("script")).count(), 0);

    // The page shows the scenario, the verifier's table and the warm-up its baselines used.
    let pre: Vec<&str> = page.descendants().filter(|n| n.has_tag_name("pre")).filter_map(|n| n.text()).collect();
    assert!(pre.iter().any(|p| p.contains("name = \"three coins\"\nactions = [\"heads\", \"tails\"]")), "the scenario");
    let table = page.descendants().find(|n| n.attribute("class") == Some("verdict")).expect("the verifier's table");
    let heads: Vec<String> =
        table.descendants().filter(|n| n.has_tag_name("th")).filter_map(|n| n.text()).map(String::from).collect();
    for l in LABELS {
        assert!(heads.iter().any(|h| h == l), "no column {l}");
    }
    // The page's words: the verdict, the warm-up it used and how it differs from the other commands
    // (K = 0), the captions; the plots are checked element by element below.
    assert_output_snapshot!("report_three_coins_page", page_without_plots(&html));
    // Each plot has its sentences under it.
    assert_eq!(page.descendants().filter(|n| n.has_tag_name("figcaption")).count(), PLOTS.len());

    let svgs = inline_svgs(&html);
    assert_eq!(svgs.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut p = PLOTS.to_vec();
        p.sort();
        p
    });

    let s = load("three-coins");
    let t = s.depth.unwrap();
    let runs = runs(&s);
    let positive = |v: &[Rational]| v.iter().filter(|x| **x > ratio(0, 1)).count();
    let check_plot = |id: &str, per_variant: &dyn Fn(&Figures) -> usize, markers: bool, extra: &[(&str, usize)]| {
        let doc = parse(&svgs[id]);
        let got = series_of(&doc);
        assert_eq!(got.len(), 3 + extra.len(), "{id}: {:?}", got.keys().collect::<Vec<_>>());
        for (label, r) in LABELS.iter().zip(&runs) {
            let (lines, circles) = &got[*label];
            let n = per_variant(&r.figures);
            assert_eq!(lines, &vec![n], "{id}: {label}");
            assert_eq!(*circles, if markers { n } else { 0 }, "{id}: {label} markers");
        }
        for (prefix, points) in extra {
            let (name, (lines, circles)) =
                got.iter().find(|(k, _)| k.starts_with(prefix)).unwrap_or_else(|| panic!("{id}: no {prefix}"));
            assert_eq!((lines, *circles), (&vec![*points], 0), "{id}: {name}");
        }
        // Titles, axis labels and legends are text the browser draws; the legend sits below the chart.
        let words = texts(&doc);
        for l in LABELS {
            assert!(words.iter().any(|w| w == l), "{id}: no legend {l}");
        }
        assert!(words.len() > 10, "{id}: ticks and labels");
        legend_is_below_the_chart(&doc, id);
    };
    check_plot(
        "plot-event-e",
        &|_| t,
        true,
        &[("checked floor 1 − α/((1+α)w(μ)) = 0.727273", 2), ("paper's floor 1 − α/w(μ) = 0.7", 2)],
    );
    check_plot(
        "plot-query-cubed",
        &|f| positive(&f.query_cubed_sum),
        true,
        &[("paper's bound |A|α⁻³(24/w(μ)+12) = 168000", 2), ("proved bound √(4|A|⁴(M−1)(1−w)/(αw)) ≈ 50.596", 2)],
    );
    check_plot("plot-query-step", &|_| t, true, &[]);
    check_plot("plot-queries", &|_| t, true, &[]);
    check_plot("plot-product", &|_| t, true, &[("t² (the slides' O(t²)", t)]);
    // From the origin: (0, 0), then every point of the curve (three coins puts nothing on unprecedented histories).
    check_plot(
        "plot-worst-case",
        &|f| f.worst_case.as_ref().unwrap().curve.len() + 1,
        false,
        &[("diagonal", 2), ("the theorem's bound", 92)],
    );
    check_plot(
        "plot-worst-case-log",
        &|f| f.worst_case.as_ref().unwrap().curve.iter().filter(|(d, i)| *d > ratio(0, 1) && *i > ratio(0, 1)).count(),
        false,
        &[("diagonal", 2), ("the theorem's bound", 61)],
    );
    // The lowest gridline of the logarithmic E[Σθ³] axis has its label: three coins starts at 1/8, so 0.1 is drawn.
    assert!(texts(&parse(&svgs["plot-query-cubed"])).iter().any(|w| w == "0.1"), "the lowest gridline is labelled");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every legend entry (a text naming a series) lies below the chart's plotting area, never on the data.
fn legend_is_below_the_chart(doc: &roxmltree::Document, id: &str) {
    let names: Vec<String> = series_of(doc).into_keys().collect();
    let chart_bottom = imitator_report::plot::SIZE.1 as f64;
    let mut found = 0;
    for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let Some(t) = n.text().map(str::trim) else { continue };
        if names.iter().any(|name| name == t) {
            let y: f64 = n.attribute("y").unwrap().parse().unwrap();
            assert!(y > chart_bottom, "{id}: the legend entry `{t}` is at y = {y}, on the chart");
            found += 1;
        }
    }
    assert_eq!(found, names.len(), "{id}: one legend entry per series");
}

#[test]
fn the_query_plots_have_one_series_per_imitator() {
    let s = load("markov-weather");
    let vr = runs(&s);
    let page = build_page(&s, "name = \"markov weather\"", &vr, None).unwrap();
    for id in ["plot-query-step", "plot-queries"] {
        let k = page.plots.iter().position(|p| p.id == id).unwrap();
        let got = series_of(&parse(&page.svgs[k]));
        assert_eq!(got.keys().cloned().collect::<Vec<_>>(), LABELS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        for (lines, circles) in got.values() {
            assert_eq!((lines.clone(), *circles), (vec![6], 6), "{id}");
        }
    }
    // The per-step values are the increments of expected_queries, exactly: map and mixture ask at steps 1 and 2 only.
    let plot = page.plots.iter().find(|p| p.id == "plot-query-step").unwrap();
    assert_eq!(plot.series[1].points.iter().map(|p| p.1).collect::<Vec<_>>(), vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
    let inc = increments(&vr[0].figures.expected_queries);
    assert_eq!(inc.iter().fold(ratio(0, 1), |a, b| a + b), *vr[0].figures.expected_queries.last().unwrap());
}

#[test]
fn the_worst_case_plot_starts_at_the_origin_and_marks_unprecedented_mass() {
    // Elimination, mixture without warm-up: it acts with the prior mixture, which the
    // demonstrator (an alternator) never matches; what it puts there is marked at P_dem = 0.
    let s = load("elimination");
    let vr = runs_with(&s, 0);
    let jump = unprecedented_on_e(&vr[2].figures).unwrap();
    // P(E_T) less the end of the curve over histories with P_dem > 0.
    let end = vr[2].figures.worst_case.as_ref().unwrap().curve.last().unwrap().1.clone();
    assert_eq!(&jump + &end, *vr[2].figures.event_e.last().unwrap());
    assert!(jump > ratio(9, 10), "{jump}");
    assert_eq!(unprecedented_on_e(&vr[0].figures), Some(ratio(0, 1)), "the conservative imitator never does it");
    let page = build_page(&s, "name = \"elimination\"", &vr, None).unwrap();
    let plot = page.plots.iter().find(|p| p.id == "plot-worst-case").unwrap();
    let mixture = &plot.series[2];
    assert_eq!(mixture.name, "mixture (warm-up 0)");
    assert_eq!(mixture.points[..2], [(0.0, 0.0), (0.0, imitator::number::Prob::to_f64(&jump))]);
    assert_eq!(plot.series[0].points[0], (0.0, 0.0));
    assert_eq!(plot.notes.len(), 1, "one mark, for mixture");
    assert!(plot.notes[0]
        .text
        .starts_with("mixture (warm-up 0): 0.951227 on histories the demonstrator never produces"));
    let log = page.plots.iter().find(|p| p.id == "plot-worst-case-log").unwrap();
    assert!(log
        .caption
        .contains("Histories with P_dem = 0 cannot be drawn here: mixture (warm-up 0) puts 0.951227 there."));
}

#[test]
fn without_a_worst_case_the_page_says_so_and_draws_five_plots() {
    let s = load("elimination");
    let vr: Vec<Verified> = runs(&s)
        .into_iter()
        .map(|mut v| {
            v.figures.worst_case = None; // what the lumped engine returns
            v.figures.engine = EngineKind::Lumped;
            v.verdict = imitator::checks::check(&s, &v.figures);
            v
        })
        .collect();
    let page = build_page(&s, "# elimination\nname = \"elimination\"\n", &vr, None).unwrap();
    parse(&page.html);
    assert_eq!(page.svgs.len(), 5);
    assert!(page.plots.iter().all(|p| !p.id.starts_with("plot-worst-case")));
    assert!(page.html.contains("No worst-case plot"));
    assert!(!page.html.contains("id=\"plot-worst-case\""));
    // Elimination's Σθ³ is 0 at depth 1 (the truth and always-left agree on step 1): that point is not drawn on the log axis.
    assert_eq!(vr[0].figures.query_cubed_sum[0], ratio(0, 1));
    let k = page.plots.iter().position(|p| p.id == "plot-query-cubed").unwrap();
    let got = series_of(&parse(&page.svgs[k]));
    let expected = vr[0].figures.query_cubed_sum.iter().filter(|x| **x > ratio(0, 1)).count();
    assert_eq!(got["conservative"].0, vec![expected]);
}

#[test]
fn explain_step_one_of_three_coins_has_the_hand_computed_numbers() {
    let s = load("three-coins");
    let (ep, text) = narrate(&s, Variant::Conservative, 0, 1, 0);
    let r = &ep.trace[0];
    assert_eq!(r.policy.top, vec![0, 1, 2]);
    assert_eq!(r.policy.m, vec![ratio(1, 4), ratio(1, 4)]);
    assert_eq!(r.policy.theta, ratio(1, 2));
    // The posterior: 1/3 each, in declaration order (ties).
    assert!(text.contains("1     fair (truth)  1/3 ≈ 0.333333\n"), "{text}");
    assert!(text.contains("2     heads-biased  1/3 ≈ 0.333333\n"));
    assert!(text.contains("3     tails-biased  1/3 ≈ 0.333333\n"));
    // The α rule with its numbers.
    assert!(text.contains("1. fair: collected (rank 1 always is)."));
    assert!(text.contains("2. heads-biased: 1/3 > 1/10 · 1/3 = 1/30 (≈ 0.033333): collected."));
    assert!(text.contains("3. tails-biased: 1/3 > 1/10 · 2/3 = 1/15 (≈ 0.066667): collected."));
    // m(a) over the collected models, and θ.
    assert!(text.contains("heads   1/2   3/4           1/4           1/4 ≈ 0.25\n"), "{text}");
    assert!(text.contains("tails   1/2   1/4           3/4           1/4 ≈ 0.25\n"));
    assert!(text.contains("θ = 1 − Σ m(a) = 1 − 1/2 = 1/2 ≈ 0.5"));
    // And the whole narration, as a reader sees it.
    assert_output_snapshot!("explain_three_coins_step_one", text);
}

#[test]
fn explain_shows_the_bayes_update_after_a_query() {
    let s = load("three-coins");
    // Find a seed whose first step is a query answered `heads`: 1/3·(1/2, 3/4, 1/4) / (1/2) = (1/3, 1/2, 1/6).
    let (_, t) = (0..64)
        .map(|seed| narrate(&s, Variant::Conservative, 0, 1, seed))
        .find(|(ep, _)| ep.trace[0].queried && ep.trace[0].action == 0)
        .expect("some seed asks at step 1 and gets heads");
    assert!(t.contains("fair (truth)  1/3    × 1/2     = 1/6    → 1/3 ≈ 0.333333"), "{t}");
    assert!(t.contains("heads-biased  1/3    × 3/4     = 1/4    → 1/2 ≈ 0.5"));
    assert!(t.contains("tails-biased  1/3    × 1/4     = 1/12   → 1/6 ≈ 0.166667"));
    assert!(t.contains("sum of the products = 1/2 ≈ 0.5"));
    assert_output_snapshot!("explain_three_coins_bayes_update", t);
}

#[test]
fn explain_and_run_tell_the_same_story() {
    for name in EXAMPLES {
        let s = load(name);
        for (variant, warmup) in
            [(Variant::Conservative, 0), (Variant::Map, 2), (Variant::Mixture, 1), (Variant::AlwaysQuery, 0)]
        {
            for seed in [0, 1, 7, 42] {
                let (ex, _) = narrate(&s, variant, warmup, 10, seed);
                let ep = episode::<Rational>(&s, Box::new(Standard::new(variant, warmup)), 10, seed, Trace::Steps);
                assert_eq!(ex.trace.len(), ep.trace.len());
                for (a, b) in ex.trace.iter().zip(&ep.trace) {
                    assert_eq!(
                        (a.step, &a.policy, a.queried, a.action, a.observation, a.truth_in_top),
                        (b.step, &b.policy, b.queried, b.action, b.observation, b.truth_in_top),
                        "{name} {variant} seed {seed}"
                    );
                }
            }
        }
    }
    // The command lines too: every line of `run --trace` appears in `explain`.
    let file = example("markov-weather");
    let args = |cmd: &str| {
        let mut c = bin();
        c.args([cmd, file.to_str().unwrap(), "--seed", "11", "--steps", "6"]);
        if cmd == "run" {
            c.arg("--trace");
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let (run, explained) = (args("run"), args("explain"));
    // A trace line: step, top set, `θ = x`, `asked` or `-`, action, observation.
    let steps: Vec<Vec<&str>> = run
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(steps.len(), 6, "{run}");
    let flat = explained.split_whitespace().collect::<Vec<_>>().join(" ");
    for t in steps {
        let n = t.len();
        let (step, theta, query, action, obs) = (t[0], t[n - 4], t[n - 3], t[n - 2], t[n - 1]);
        let what = if query == "asked" { "asked; the demonstrator chose" } else { "acted on its own:" };
        let line = format!("{step}. {what} `{action}`, observed `{obs}` (θ = {theta}; top set {{");
        assert!(flat.contains(&line), "`{line}` is not in explain's output:\n{explained}");
    }
}

#[test]
fn explain_fits_an_80_column_terminal() {
    for name in EXAMPLES {
        let s = load(name);
        for &variant in Variant::ALL {
            let (_, text) = narrate(&s, variant, 2, 30, 3);
            for line in text.lines() {
                assert!(line.chars().count() <= WIDTH, "{name} {variant}: {} columns: `{line}`", line.chars().count());
            }
        }
    }
}

#[test]
fn long_numbers_are_abbreviated_and_wide_tables_fold() {
    assert_eq!(num(&ratio(1, 3)), "1/3 ≈ 0.333333");
    assert_eq!(num(&ratio(2, 1)), "2");
    let long = Rational::new(3.into(), num_bigint::BigInt::from(10).pow(30));
    assert_eq!(num(&long), "≈ 3e-30 (a 33-character fraction)");
    assert_eq!(num(&ratio(4782969, 23288167778)), "4782969/23288167778 ≈ 0.000205");
    assert_eq!(wrap(2, 2, "aaa bbb ccc", 9), "  aaa bbb\n    ccc\n");
    let headers: Vec<String> = (0..6).map(|i| format!("a-rather-long-header-{i}")).collect();
    let rows = vec![headers.clone()];
    let t = table(4, &headers, &rows);
    assert!(t.lines().all(|l| l.chars().count() <= WIDTH), "{t}");
    assert!(t.starts_with("    a-rather-long-header-0: a-rather-long-header-1 a-rather-long-header-1;"), "{t}");
}

#[test]
fn bad_input_exits_with_status_2() {
    let missing = example("no-such-file");
    for cmd in [vec!["explain", missing.to_str().unwrap()], vec!["report", missing.to_str().unwrap(), "--out", "x"]] {
        let out = bin().args(&cmd).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        assert!(out.stdout.is_empty());
    }
    let out = bin().args(["report", example("three-coins").to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "--out is required");
}

#[test]
fn the_detailed_trace_is_the_imitators_own_computation() {
    // What explain shows of each step — the α tests, the draw, Bayes' rule — agrees with the policy it took.
    let s = load("three-coins");
    let (ep, _) = narrate(&s, Variant::Conservative, 0, 12, 5);
    for r in &ep.trace {
        let d = r.detail.as_deref().expect("a detailed trace");
        let collected: Vec<usize> = d.tests.iter().filter(|t| t.collected).map(|t| t.model).collect();
        assert_eq!(collected, r.policy.top);
        let ranked: Vec<usize> = d.tests.iter().map(|t| t.model).collect();
        assert_eq!(ranked, r.policy.ranking, "a test at every rank");
        // The draw decided: below Σ m(a) the imitator acts alone, at or above it, it asks.
        let total = r.policy.m.iter().fold(ratio(0, 1), |a, b| a + b);
        assert_eq!(r.queried, d.u >= total);
        match &d.update {
            Some((products, sum)) => {
                assert!(r.queried);
                for (p, after) in products.iter().zip(&d.posterior_after) {
                    assert_eq!(p / sum, *after);
                }
            }
            None => assert_eq!(d.posterior_before, d.posterior_after, "no query, no learning"),
        }
    }
}

#[test]
fn csv_files_hold_every_curve_exactly() {
    let dir = out_dir("csv");
    let file = example("rare-action");
    let out =
        bin().args(["verify", file.to_str().unwrap(), "--json", "--csv", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    for (file, key) in [
        ("event_e.csv", "/event_e/by_depth"),
        ("query_cubed_sum.csv", "/query_cubed_sum/by_depth"),
        ("inverse_truth_posterior.csv", "/inverse_truth_posterior/by_depth"),
        ("expected_queries.csv", "/expected_queries/by_depth"),
        ("query_sum_cubed.csv", "/query_sum_cubed/by_depth"),
        ("query_sum_cubed_ratio_to_t2.csv", "/query_sum_cubed/ratio_to_t2"),
        ("expected_product.csv", "/expected_product/by_depth"),
        ("expected_product_ratio_to_t2.csv", "/expected_product/ratio_to_t2"),
    ] {
        let text = read(file);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("t,conservative,conservative_decimal"), "{file}");
        let want = doc.pointer(key).unwrap().as_array().unwrap();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), want.len(), "{file}");
        for (t, (row, w)) in rows.iter().zip(want).enumerate() {
            assert_eq!(row[0], (t + 1).to_string());
            assert_eq!(row[1], w.as_str().unwrap(), "{file} at t = {}", t + 1);
            let exact = imitator::number::parse_rational(row[1]).unwrap();
            let decimal: f64 = row[2].parse().unwrap();
            assert!((decimal - imitator::number::Prob::to_f64(&exact)).abs() < 1e-12, "{file}: {row:?}");
        }
    }
    let worst = read("worst_case-conservative.csv");
    let curve = doc.pointer("/worst_case/curve").unwrap().as_array().unwrap();
    assert_eq!(worst.lines().count(), curve.len() + 1);
    assert_eq!(worst.lines().nth(1).unwrap().split(',').next(), curve[0][0].as_str());
    // checks.csv: the verifier's rows, one line each.
    let checks = read("checks.csv");
    assert!(
        checks.contains("conservative,per_step_ratio,\"per step: m(a) ≤ μ(a), π(a) ≤ (1+θ)μ(a)\",,0,0,=,0,0,holds\n")
    );
    // The header and the ten rows.
    assert_output_snapshot!("csv_rare_action_checks", checks);
    // A folder holding anything but CSV files is refused, before any work.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = bin().args(["verify", file.to_str().unwrap(), "--csv", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_event_that_cannot_happen_at_the_depth_is_warned_about() {
    let file = example("elimination");
    let out = bin().args(["verify", file.to_str().unwrap(), "--depth", "1", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        format!(
            "warning: {}: event “left twice in a row first” cannot happen within depth 1 (its prefix has 2 actions, \
             more than the depth 1): its probabilities are all 0\n",
            file.display()
        )
    );
    // Still one JSON object on stdout; at the scenario's own depth, no warning.
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
    let out = bin().args(["verify", file.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(out.stderr.is_empty());
}

#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    for cmd in ["verify", "report", "search", "policy", "diff", "explain", "run", "--variant", "always-query"] {
        assert!(script.contains(cmd), "bash completion lacks {cmd}");
    }
    let out = bin().args(["completions", "zsh"]).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("#compdef imitator"));
    let out = bin().args(["man"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    // Every command and option, as `man imitator` shows them.
    assert_output_snapshot!("man_page", page);
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}
