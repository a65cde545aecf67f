//! `imitator explain` and `imitator report`: the narration's numbers, its agreement
//! with `run`, and the page and plots as well-formed, self-contained documents.

use imitator::checks::check;
use imitator::engine::{self, EngineKind, Figures};
use imitator::imitator::{Standard, Variant};
use imitator::number::{ratio, Rational};
use imitator::report::explain::{explain, num, table, wrap, WIDTH};
use imitator::report::html::{build_page, VariantRun};
use imitator::report::plot::increments;
use imitator::report::RunInfo;
use imitator::scenario::Scenario;
use imitator::simulate::episode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLES: [&str; 4] = ["three-coins", "elimination", "markov-weather", "rare-action"];

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.toml"))
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

/// The three runs of `report` with warm-up 2, computed through the library.
fn runs(s: &Scenario) -> Vec<(Variant, Figures)> {
    let depth = s.depth.expect("the examples have a depth");
    [Variant::Conservative, Variant::Map, Variant::Mixture]
        .into_iter()
        .map(|v| {
            let rule = Standard::new(v, 2);
            (v, engine::run(EngineKind::Exhaustive, s, &rule, depth, &|_, _| {}).expect("exhaustive runs"))
        })
        .collect()
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

#[test]
fn report_writes_a_self_contained_page_whose_plots_hold_every_series() {
    let dir = out_dir("three-coins");
    let status = bin()
        .args(["report", example("three-coins").to_str().unwrap(), "--out", dir.to_str().unwrap()])
        .status()
        .expect("the binary runs");
    assert_eq!(status.code(), Some(0));
    let html = std::fs::read_to_string(dir.join("index.html")).expect("index.html is written");
    let page = parse(&html);

    // Only its own files: no network address anywhere, every reference a plot file beside it.
    for bad in ["http:", "https:", "//"] {
        assert!(!html.contains(bad), "the page contains `{bad}`");
    }
    let mut refs: Vec<String> = page
        .descendants()
        .filter(|n| n.is_element())
        .flat_map(|n| ["src", "href"].into_iter().filter_map(move |a| n.attribute(a).map(str::to_string)))
        .collect();
    refs.sort();
    let expected =
        ["plot-event-e.svg", "plot-queries.svg", "plot-query-cubed.svg", "plot-query-step.svg", "plot-worst-case.svg"];
    assert_eq!(refs, expected);
    let mut on_disk: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    on_disk.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.push("index.html".into());
    want.sort();
    assert_eq!(on_disk, want);
    assert_eq!(page.descendants().filter(|n| n.has_tag_name("link") || n.has_tag_name("script")).count(), 0);

    // The page shows the scenario and the verifier's table (conservative holds, map fails on this example's per-step check).
    let pre: Vec<&str> = page.descendants().filter(|n| n.has_tag_name("pre")).filter_map(|n| n.text()).collect();
    assert!(pre.iter().any(|p| p.contains("name = \"three coins\"\nactions = [\"heads\", \"tails\"]")), "the scenario");
    let table = page.descendants().find(|n| n.attribute("class") == Some("verdict")).expect("the verifier's table");
    let heads: Vec<String> =
        table.descendants().filter(|n| n.has_tag_name("th")).filter_map(|n| n.text()).map(String::from).collect();
    for l in LABELS {
        assert!(heads.iter().any(|h| h == l), "no column {l}");
    }
    assert!(html.contains("every check of the paper holds"));
    // Each plot has its two sentences under it.
    let captions = page.descendants().filter(|n| n.has_tag_name("figcaption")).count();
    assert_eq!(captions, expected.len());

    // Every SVG parses; each series has the expected number of points.
    let s = load("three-coins");
    let t = s.depth.unwrap();
    let figs = runs(&s);
    let svg_text = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    for f in expected {
        let text = svg_text(f);
        let doc = parse(&text);
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{f}");
        // The only address in a plot is the SVG namespace; no references at all.
        assert_eq!(text.matches("http").count(), 1, "{f}");
        assert!(doc.descendants().all(|n| n.attributes().all(|a| a.name() != "href")), "{f}");
    }

    let positive = |v: &[Rational]| v.iter().filter(|x| **x > ratio(0, 1)).count();
    let check_plot = |file: &str, per_variant: &dyn Fn(&Figures) -> usize, markers: bool, extra: Option<&str>| {
        let text = svg_text(file);
        let doc = parse(&text);
        let got = series_of(&doc);
        assert_eq!(got.len(), 3 + extra.is_some() as usize, "{file}: {:?}", got.keys().collect::<Vec<_>>());
        for (label, (_, f)) in LABELS.iter().zip(&figs) {
            let (lines, circles) = &got[*label];
            let n = per_variant(f);
            assert_eq!(lines, &vec![n], "{file}: {label}");
            assert_eq!(*circles, if markers { n } else { 0 }, "{file}: {label} markers");
        }
        if let Some(extra) = extra {
            let (name, (lines, circles)) =
                got.iter().find(|(k, _)| k.starts_with(extra)).expect("the bound or diagonal");
            assert_eq!((lines, *circles), (&vec![2], 0), "{file}: {name}");
        }
        // Titles, axis labels and legends are text the browser draws.
        let words = texts(&doc);
        for l in LABELS {
            assert!(words.iter().any(|w| w == l), "{file}: no legend {l}");
        }
        assert!(words.len() > 10, "{file}: ticks and labels");
    };
    check_plot("plot-event-e.svg", &|_| t, true, Some("bound 1 − α/w(μ) = 0.7"));
    check_plot(
        "plot-query-cubed.svg",
        &|f| positive(&f.query_cubed_sum),
        true,
        Some("bound |A|α⁻³(24/w(μ)+12) = 168000"),
    );
    check_plot("plot-query-step.svg", &|_| t, true, None);
    check_plot("plot-queries.svg", &|_| t, true, None);
    check_plot(
        "plot-worst-case.svg",
        &|f| f.worst_case.as_ref().unwrap().curve.iter().filter(|(d, i)| *d > ratio(0, 1) && *i > ratio(0, 1)).count(),
        false,
        Some("diagonal"),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_query_plots_have_one_series_per_imitator() {
    let s = load("markov-weather");
    let figs = runs(&s);
    let vr: Vec<VariantRun> = figs
        .into_iter()
        .zip(LABELS)
        .map(|((v, figures), label)| VariantRun {
            label: label.into(),
            run: RunInfo { variant: v.name().into(), warmup: 2, threads: 1, elapsed_ms: 0 },
            verdict: check(&s, &figures),
            figures,
        })
        .collect();
    let page = build_page(&s, "name = \"markov weather\"", &vr).unwrap();
    for file in ["plot-query-step.svg", "plot-queries.svg"] {
        let (_, svg) = page.svgs.iter().find(|(f, _)| f == file).unwrap();
        let got = series_of(&parse(svg));
        assert_eq!(got.keys().cloned().collect::<Vec<_>>(), LABELS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        for (lines, circles) in got.values() {
            assert_eq!((lines.clone(), *circles), (vec![6], 6), "{file}");
        }
    }
    // The per-step values are the increments of expected_queries, exactly: map and mixture ask at steps 1 and 2 only.
    let plot = page.plots.iter().find(|p| p.file == "plot-query-step.svg").unwrap();
    assert_eq!(plot.series[1].points.iter().map(|p| p.1).collect::<Vec<_>>(), vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
    let inc = increments(&vr[0].figures.expected_queries);
    assert_eq!(inc.iter().fold(ratio(0, 1), |a, b| a + b), *vr[0].figures.expected_queries.last().unwrap());
}

#[test]
fn without_a_worst_case_the_page_says_so_and_draws_four_plots() {
    let s = load("elimination");
    let vr: Vec<VariantRun> = runs(&s)
        .into_iter()
        .zip(LABELS)
        .map(|((v, mut figures), label)| {
            figures.worst_case = None; // what the lumped engine returns
            figures.engine = EngineKind::Lumped;
            VariantRun {
                label: label.into(),
                run: RunInfo { variant: v.name().into(), warmup: 2, threads: 1, elapsed_ms: 0 },
                verdict: check(&s, &figures),
                figures,
            }
        })
        .collect();
    let page = build_page(&s, "# elimination\nname = \"elimination\"\n", &vr).unwrap();
    parse(&page.html);
    assert_eq!(page.svgs.len(), 4);
    assert!(page.svgs.iter().all(|(f, _)| f != "plot-worst-case.svg"));
    assert!(page.html.contains("No worst-case plot"));
    assert!(!page.html.contains("plot-worst-case.svg"));
    // Elimination's Σθ³ is 0 at depth 1 (the truth and always-left agree on step 1): that point is not drawn on the log axis.
    assert_eq!(vr[0].figures.query_cubed_sum[0], ratio(0, 1));
    let (_, svg) = page.svgs.iter().find(|(f, _)| f == "plot-query-cubed.svg").unwrap();
    let got = series_of(&parse(svg));
    let expected = vr[0].figures.query_cubed_sum.iter().filter(|x| **x > ratio(0, 1)).count();
    assert_eq!(got["conservative"].0, vec![expected]);
}

#[test]
fn explain_step_one_of_three_coins_has_the_hand_computed_numbers() {
    let s = load("three-coins");
    let ex = explain(&s, Variant::Conservative, 0, 1, 0);
    let r = &ex.records[0];
    assert_eq!(r.policy.top, vec![0, 1, 2]);
    assert_eq!(r.policy.m, vec![ratio(1, 4), ratio(1, 4)]);
    assert_eq!(r.policy.theta, ratio(1, 2));
    let text = &ex.text;
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
}

#[test]
fn explain_shows_the_bayes_update_after_a_query() {
    let s = load("three-coins");
    // Find a seed whose first step is a query answered `heads`: 1/3·(1/2, 3/4, 1/4) / (1/2) = (1/3, 1/2, 1/6).
    let ex = (0..64)
        .map(|seed| explain(&s, Variant::Conservative, 0, 1, seed))
        .find(|e| e.records[0].queried && e.records[0].action == 0)
        .expect("some seed asks at step 1 and gets heads");
    let t = &ex.text;
    assert!(t.contains("fair (truth)  1/3    × 1/2     = 1/6    → 1/3 ≈ 0.333333"), "{t}");
    assert!(t.contains("heads-biased  1/3    × 3/4     = 1/4    → 1/2 ≈ 0.5"));
    assert!(t.contains("tails-biased  1/3    × 1/4     = 1/12   → 1/6 ≈ 0.166667"));
    assert!(t.contains("sum of the products = 1/2 ≈ 0.5"));
}

#[test]
fn explain_and_run_tell_the_same_story() {
    for name in EXAMPLES {
        let s = load(name);
        for (variant, warmup) in
            [(Variant::Conservative, 0), (Variant::Map, 2), (Variant::Mixture, 1), (Variant::AlwaysQuery, 0)]
        {
            for seed in [0, 1, 7, 42] {
                let ex = explain(&s, variant, warmup, 10, seed);
                let ep = episode::<Rational>(&s, Box::new(Standard::new(variant, warmup)), 10, seed, true);
                assert_eq!(ex.records.len(), ep.trace.len());
                for (a, b) in ex.records.iter().zip(&ep.trace) {
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
        for variant in Variant::ALL {
            let ex = explain(&s, variant, 2, 30, 3);
            for line in ex.text.lines() {
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
