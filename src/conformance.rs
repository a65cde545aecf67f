//! The conformance suite: scenarios shipped with the library, each built to
//! expose one family of mistakes that an implementation of the imitator can
//! make, and the judgement of another implementation's policy lines on them.
//!
//! The scenarios are the files of `conformance/` at the workspace's root,
//! compiled in ([`SCENARIOS`]), so the suite is the same wherever the library
//! or the `imitator` binary goes. A [`Case`] runs one scenario with one
//! variant to one depth, and is checked in two passes ([`Pass`]):
//!
//! - **full**: every reachable history of length `0..depth`, as `diff` checks
//!   it (nothing may be missing);
//! - **sampled**: the prefixes of a few histories drawn from the imitator's
//!   exact distribution far deeper ([`Sample`]), as `diff --only-listed`
//!   checks them: late steps, where underflow and drift show.
//!
//! Which case catches which mistake is not a claim: `tests/library/conformance.rs`
//! runs deliberately wrong imitators through the suite and asserts the first
//! case each one fails.

use crate::diff::{diff, diff_listed, read_lines_from, DiffReport, Tolerance};
use crate::engine::histories::{walk, Step};
use crate::imitator::{Standard, Variant};
use crate::number::Rational;
use crate::scenario::Scenario;

/// The suite's scenario files: `(file name, TOML text)`.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("alpha-tie.toml", include_str!("../conformance/alpha-tie.toml")),
    ("alpha-at-w.toml", include_str!("../conformance/alpha-at-w.toml")),
    ("ranking-tie.toml", include_str!("../conformance/ranking-tie.toml")),
    ("elimination.toml", include_str!("../conformance/elimination.toml")),
    ("deterministic-truth.toml", include_str!("../conformance/deterministic-truth.toml")),
    ("many-models.toml", include_str!("../conformance/many-models.toml")),
    ("observations.toml", include_str!("../conformance/observations.toml")),
    ("unqueried-steps.toml", include_str!("../conformance/unqueried-steps.toml")),
    ("variants.toml", include_str!("../conformance/variants.toml")),
    ("long-horizon.toml", include_str!("../conformance/long-horizon.toml")),
    ("machines.toml", include_str!("../conformance/machines.toml")),
];

/// How the sampled pass of a case draws its histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// How many histories are drawn.
    pub paths: usize,
    /// Their depth: each has `depth − 1` steps, and every prefix is asked.
    pub depth: usize,
    /// The seed of the draws (ChaCha8).
    pub seed: u64,
}

/// The sampled pass of most cases: 3 histories of 119 steps. Deep enough to
/// cross every threshold the scenarios hold, small enough (about 180 asked
/// histories of 60 steps on average) for an implementation in plain Python.
pub const DEFAULT_SAMPLE: Sample = Sample { paths: 3, depth: 120, seed: 1 };

/// One case of the suite: a scenario, a variant, a depth, and the family of
/// mistakes it is built to expose.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name in the table, and the stem of its files (`--emit`, `--policies`).
    pub id: &'static str,
    /// The scenario's file name in [`SCENARIOS`].
    pub file: &'static str,
    /// The imitator it runs.
    pub variant: Variant,
    /// `K`, for `map` and `mixture`.
    pub warmup: usize,
    /// The horizon of the full pass: histories of length `0..depth`.
    pub depth: usize,
    /// The sampled pass.
    pub sample: Sample,
    /// The family of mistakes it targets, in a line.
    pub family: &'static str,
}

const fn case(id: &'static str, file: &'static str, depth: usize, family: &'static str) -> Case {
    Case { id, file, variant: Variant::Conservative, warmup: 0, depth, sample: DEFAULT_SAMPLE, family }
}

/// The cases of the suite, in the order they run (and the table shows them).
pub fn cases() -> Vec<Case> {
    let variant = |c: Case, variant: Variant, warmup: usize| Case { variant, warmup, ..c };
    vec![
        case("alpha-tie", "alpha-tie.toml", 4, "exact ties in the α rule (`>=` for the strict `>`)"),
        case("alpha-at-w", "alpha-at-w.toml", 5, "α at and near w(μ) (the candidate counted in its own sum)"),
        case("ranking-tie", "ranking-tie.toml", 4, "exact ties in the ranking (to the model declared first)"),
        case("elimination", "elimination.toml", 6, "zero probabilities, models eliminated by a query"),
        case("deterministic-truth", "deterministic-truth.toml", 5, "a deterministic truth (a posterior that learns)"),
        case("many-models", "many-models.toml", 4, "many models (where Top is cut; min over Top; priors)"),
        case("observations", "observations.toml", 4, "observation-dependent models and environment"),
        case("unqueried-steps", "unqueried-steps.toml", 5, "only queried actions update the posterior"),
        case("machines", "machines.toml", 5, "machine models and environments: first-match rules, no match stays"),
        variant(
            case("always-query", "variants.toml", 4, "variants: always-query learns from every answer"),
            Variant::AlwaysQuery,
            0,
        ),
        variant(
            case("map-tie", "variants.toml", 3, "variants: map acts with the first of tied leaders"),
            Variant::Map,
            0,
        ),
        variant(
            case("map-warmup", "variants.toml", 5, "variants and warm-ups: asks at steps 1..K exactly"),
            Variant::Map,
            2,
        ),
        variant(
            case("mixture-warmup", "variants.toml", 4, "variants and warm-ups: the posterior mixture after K"),
            Variant::Mixture,
            1,
        ),
        Case {
            variant: Variant::AlwaysQuery,
            sample: Sample { paths: 1, depth: 600, seed: 1 },
            ..case("long-horizon", "long-horizon.toml", 3, "many steps: underflow and drift (sampled to depth 600)")
        },
    ]
}

impl Case {
    /// The scenario's TOML text.
    pub fn text(&self) -> &'static str {
        SCENARIOS.iter().find(|(f, _)| *f == self.file).map(|(_, t)| *t).expect("every case's scenario is in SCENARIOS")
    }

    /// The scenario, parsed.
    pub fn scenario(&self) -> Scenario {
        let stem = self.file.trim_end_matches(".toml");
        Scenario::parse(self.text(), self.file, stem).expect("the suite's scenarios are valid")
    }

    /// The imitator the case runs.
    pub fn rule(&self) -> Standard {
        Standard::new(self.variant, self.warmup)
    }

    /// The histories a pass asks about: for the full pass every reachable
    /// history of length `0..depth` in the order of the listing; for the
    /// sampled pass every prefix of the drawn histories, in lexicographic order.
    pub fn asked(&self, s: &Scenario, pass: Pass) -> Result<Vec<Vec<Step>>, crate::limits::LimitError> {
        let rule = self.rule();
        let mut out = Vec::new();
        match pass {
            Pass::Full => {
                let _ = walk::<()>(s, &rule, self.depth, |e| {
                    out.push(e.history.to_vec());
                    Ok(())
                });
            }
            Pass::Sampled => {
                let Sample { paths, depth, seed } = self.sample;
                let drawn =
                    crate::sampled::sample_paths(s, &rule, depth, paths, seed, crate::limits::MAX_LAYER_MEMORY)?;
                crate::sampled::visit_paths::<crate::limits::LimitError>(
                    s,
                    &rule,
                    &drawn,
                    crate::limits::MAX_LAYER_MEMORY,
                    |e| {
                        out.push(e.history.to_vec());
                        Ok(())
                    },
                )?;
            }
        }
        Ok(out)
    }

    /// The depth a pass runs to (what `{depth}` stands for).
    pub fn depth_of(&self, pass: Pass) -> usize {
        match pass {
            Pass::Full => self.depth,
            Pass::Sampled => self.sample.depth,
        }
    }
}

/// The two passes over each case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pass {
    /// Every reachable history to the case's depth.
    Full,
    /// The prefixes of histories drawn far deeper.
    Sampled,
}

impl Pass {
    /// `full` or `sampled`.
    pub fn name(self) -> &'static str {
        match self {
            Pass::Full => "full",
            Pass::Sampled => "sampled",
        }
    }
}

/// What one pass over one case found.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Their lines agree with the exact policy everywhere they were asked.
    Agree,
    /// They differ, list unreachable histories, or miss some: the comparison.
    Disagree(Box<DiffReport>),
    /// Their output could not be compared (a malformed line, a command that
    /// failed, timed out or wrote nothing): why, with file and line where known.
    Error(String),
    /// The pass was not run, and why (a template without `{histories}` cannot
    /// be asked about sampled histories; a `--policies` folder without the file).
    Skipped(String),
}

impl Verdict {
    /// `AGREE`, `DISAGREE`, `ERROR` or `SKIPPED`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Agree => "AGREE",
            Verdict::Disagree(_) => "DISAGREE",
            Verdict::Error(_) => "ERROR",
            Verdict::Skipped(_) => "SKIPPED",
        }
    }

    /// Whether the pass counts against the implementation (the suite exits 1).
    pub fn fails(&self) -> bool {
        matches!(self, Verdict::Disagree(_) | Verdict::Error(_))
    }
}

/// Judges their output for one pass of one case: `name` is how messages
/// name their output (a file, or `the command's output`), `asked` the
/// histories of the pass when they were asked for (`None`: they listed the
/// reachable histories themselves, the full pass only).
pub fn judge(
    case: &Case,
    pass: Pass,
    output: &[u8],
    name: &str,
    asked: Option<&[Vec<Step>]>,
    tol: &Tolerance,
) -> Verdict {
    let s = case.scenario();
    let rule = case.rule();
    if output.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Error(format!("{name}: no policy lines"));
    }
    let horizon = match pass {
        Pass::Full => case.depth,
        Pass::Sampled => case.sample.depth,
    };
    let theirs = match read_lines_from(&s, output, horizon) {
        Ok(t) => t,
        Err(e) => return Verdict::Error(format!("{name}:{e}")),
    };
    if let Some(e) = theirs.iter().find_map(not_a_distribution) {
        return Verdict::Error(format!("{name}:{e}"));
    }
    let report = match pass {
        Pass::Full => diff(&s, &rule, theirs, case.depth, tol),
        Pass::Sampled => match diff_listed(&s, &rule, theirs, asked, tol, crate::limits::MAX_LAYER_MEMORY) {
            Ok(r) => r,
            Err(e) => return Verdict::Error(format!("{name}: {}", e.message)),
        },
    };
    if report.agrees() {
        Verdict::Agree
    } else {
        Verdict::Disagree(Box::new(report))
    }
}

/// `LINE: why` when a line's `m(a)` and `θ` do not sum to 1: exactly, for
/// exact strings; within `10⁻⁹` once a JSON number is among them (a float sum
/// of a few terms is off by far less). Such a line is no policy at all, so it
/// is reported as malformed rather than compared.
fn not_a_distribution(t: &crate::diff::TheirLine) -> Option<String> {
    use crate::diff::Num;
    use num_traits::{One, Signed};
    let mut sum = Rational::default();
    let mut floats = false;
    for x in t.m.iter().chain(std::iter::once(&t.theta)) {
        match x {
            Num::Exact(r) => sum += r,
            Num::Float(f) => {
                floats = true;
                match Rational::from_float(*f) {
                    Some(r) => sum += r,
                    None => return Some(format!("{}: `{}` is not a probability", t.line, x.text())),
                }
            }
        }
    }
    let off = (&sum - Rational::one()).abs();
    let slack = if floats { Rational::new(1.into(), 1_000_000_000.into()) } else { Rational::default() };
    (off > slack)
        .then(|| format!("{}: m and theta sum to {}, not 1: not a policy", t.line, crate::number::fmt_exact(&sum)))
}

/// One row of the suite's table.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case.
    pub case: Case,
    /// The pass.
    pub pass: Pass,
    /// What it found.
    pub verdict: Verdict,
}

/// Whether every pass of the suite agrees (skipped passes aside).
pub fn all_agree(outcomes: &[Outcome]) -> bool {
    !outcomes.iter().any(|o| o.verdict.fails())
}
