//! `imitator._native`: the core library behind the Python module `imitator`.
//!
//! This layer is deliberately thin. Every figure crosses to Python as the
//! very JSON document the command line prints (the report crate writes both),
//! so `imitator.verify(...).to_dict()` cannot drift from `imitator verify
//! --json`; the pure-Python layer (`python/imitator/__init__.py`) turns its
//! exact `"p/q"` strings into `fractions.Fraction`s. The cost is one
//! serialization per call, nothing beside the exact run itself.
//!
//! Long calls run on a worker thread while the calling thread waits with the
//! GIL released, waking every few milliseconds to let Python deliver signals:
//! a Ctrl-C raises `KeyboardInterrupt` at once and asks the engine (through
//! [`Watch::cancelled`]) to stop at its next piece of work.

use imitator::diff::{diff as diff_lines, diff_listed, read_lines, Tolerance};
use imitator::engine::histories::{size_within, walk};
use imitator::engine::{EngineError, EngineKind, RunOptions};
use imitator::imitator::{Rule, Standard, Variant};
use imitator::limits::{Limit, LimitError as CoreLimitError, Limits};
use imitator::number::{parse_rational, Rational};
use imitator::progress::Watch;
use imitator::verify::{verify as verify_run, RunInfo, Verified};
use imitator::{lifetime as life, Scenario};
use imitator_report::json::verify_document;
use imitator_report::jsonl::LineWriter;
use imitator_report::lifetime::infinite_block;
use num_traits::Signed;
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

create_exception!(
    _native,
    ScenarioError,
    PyValueError,
    "A scenario that cannot be read or is not valid: the message gives the file, key, line and column."
);
create_exception!(
    _native,
    LimitError,
    PyRuntimeError,
    "A request past one of imitator's limits, refused before the work (or stopped part way). \
     Its `limit` attribute names the limit, as the keyword argument that changes it when there is one."
);

/// The keyword argument (or the library limit) a [`Limit`] is known by in Python.
fn limit_name(limit: Limit) -> &'static str {
    match limit {
        Limit::Depth => "depth",
        Limit::MaxDepth => "max_depth",
        Limit::Exhaustive => "exhaustive",
        Limit::States => "max_states",
        Limit::Memory => "max_memory_mib",
        Limit::Time => "time_limit",
        Limit::Histories => "histories",
        Limit::ChainStates => "chain_states",
        Limit::Events => "events",
        Limit::TruthWeight => "truth_weight",
        Limit::Machines => "machines",
    }
}

/// What to change, in Python's words, after a message about `limit`.
fn advice(limit: Limit) -> Option<&'static str> {
    Some(match limit {
        Limit::Depth | Limit::Histories => "give a smaller depth=",
        Limit::MaxDepth => "give a smaller max_depth=",
        Limit::Exhaustive => "lower depth= or use engine=\"lumped\"",
        Limit::States => "raise max_states= or lower depth=",
        Limit::Memory => "raise max_memory_mib= or lower depth=",
        Limit::Time => "raise time_limit= or lower depth=",
        Limit::ChainStates | Limit::Events | Limit::TruthWeight | Limit::Machines => return None,
    })
}

fn limit_error(py: Python<'_>, limit: Limit, message: &str) -> PyErr {
    let text = match advice(limit) {
        Some(a) => format!("{message}; {a}"),
        None => message.to_string(),
    };
    let err = LimitError::new_err(text);
    // The attribute is what a caller branches on; the message is for people.
    let _ = err.value(py).setattr("limit", limit_name(limit));
    err
}

fn engine_error(py: Python<'_>, e: EngineError) -> PyErr {
    match &e {
        EngineError::Limit(l) => limit_error(py, l.limit, &l.message),
        EngineError::Stopped(_) => match e.limit() {
            Some(l) => limit_error(py, l, &e.to_string()),
            None => PyRuntimeError::new_err(e.to_string()),
        },
        EngineError::Cancelled => pyo3::exceptions::PyKeyboardInterrupt::new_err("cancelled"),
        _ => PyRuntimeError::new_err(e.to_string()),
    }
}

fn limit_err(py: Python<'_>, e: CoreLimitError) -> PyErr {
    limit_error(py, e.limit, &e.message)
}

fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// A scenario, read and validated: the model class, the environment, the events.
#[pyclass(frozen, name = "Scenario", module = "imitator._native")]
pub struct PyScenario {
    inner: Arc<Scenario>,
}

#[pymethods]
impl PyScenario {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    /// The action names, in declaration order.
    #[getter]
    fn actions(&self) -> Vec<String> {
        self.inner.actions.clone()
    }
    /// The observation names (`["-"]` when the file declares none).
    #[getter]
    fn observations(&self) -> Vec<String> {
        self.inner.observations.clone()
    }
    /// The model names, in declaration order.
    #[getter]
    fn models(&self) -> Vec<String> {
        self.inner.models.iter().map(|m| m.name.clone()).collect()
    }
    /// The true demonstrator's name.
    #[getter]
    fn truth(&self) -> String {
        self.inner.models[self.inner.truth].name.clone()
    }
    /// α, exact, as `"p/q"`.
    #[getter]
    fn alpha_text(&self) -> String {
        imitator::number::fmt_exact(&self.inner.alpha)
    }
    /// The normalized prior weight of the truth, w(μ), as `"p/q"`.
    #[getter]
    fn truth_weight_text(&self) -> String {
        imitator::number::fmt_exact(self.inner.truth_weight())
    }
    /// The file's `depth`, if it gives one.
    #[getter]
    fn depth(&self) -> Option<usize> {
        self.inner.depth
    }
    /// The event names, in declaration order.
    #[getter]
    fn events(&self) -> Vec<String> {
        self.inner.events.iter().map(|e| e.name.clone()).collect()
    }
    /// The scenario written as a scenario file.
    fn to_toml(&self) -> PyResult<String> {
        self.inner.to_toml().map_err(|e| ScenarioError::new_err(e.to_string()))
    }
}

/// Reads and validates a scenario file.
#[pyfunction]
fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyScenario> {
    let s = py.detach(|| Scenario::from_file(&path)).map_err(|e| ScenarioError::new_err(e.to_string()))?;
    Ok(PyScenario { inner: Arc::new(s) })
}

/// Reads and validates a scenario from its text; `name` stands for the file in messages.
#[pyfunction]
fn loads(py: Python<'_>, text: &str, name: &str) -> PyResult<PyScenario> {
    let stem = std::path::Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or(name).to_string();
    let s = py.detach(|| Scenario::parse(text, name, &stem)).map_err(|e| ScenarioError::new_err(e.to_string()))?;
    Ok(PyScenario { inner: Arc::new(s) })
}

/// The run's watch: hears nothing, and ends the run once Python was interrupted.
struct Cancel(Arc<AtomicBool>);

impl Watch for Cancel {
    fn tick(&self, _: u64, _: u64) {}
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a worker thread (on a pool of `threads`, when given) while
/// this thread waits with the GIL released, checking for signals every 20 ms.
/// A signal's exception (a `KeyboardInterrupt`) is raised at once, and the
/// worker is told through its watch to stop.
fn run_detached<T: Send + 'static>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce(&Cancel) -> T + Send + 'static,
) -> PyResult<T> {
    let pool = match threads {
        None => None,
        Some(n) if (1..=256).contains(&n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyRuntimeError::new_err(format!("cannot start {n} threads: {e}")))?,
        ),
        Some(n) => return Err(value_error(format!("threads must be between 1 and 256, not {n}"))),
    };
    let flag = Arc::new(AtomicBool::new(false));
    let watch = Cancel(flag.clone());
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("imitator".into())
        .spawn(move || {
            let result = match pool {
                Some(p) => p.install(|| work(&watch)),
                None => work(&watch),
            };
            let _ = tx.send(result);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the worker thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver goes into the GIL-free closure and comes back out (it is `Send`, not `Sync`).
        let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(20)), rx));
        rx = back;
        match got {
            Ok(v) => return Ok(v),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    flag.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err("internal error: the run ended without a result"))
            }
        }
    }
}

fn rule(variant: &str, warmup: usize) -> PyResult<Standard> {
    let v: Variant = variant.parse().map_err(|e: imitator::names::UnknownName| value_error(e.to_string()))?;
    Ok(Standard::new(v, warmup))
}

fn limits(py: Python<'_>, max_states: usize, max_memory_mib: u64, time_limit: Option<f64>) -> PyResult<Limits> {
    if max_memory_mib < 1 {
        return Err(value_error("max_memory_mib must be at least 1"));
    }
    if max_states < 1 {
        return Err(value_error("max_states must be at least 1"));
    }
    let time_limit = match time_limit {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < imitator::limits::MAX_TIME_LIMIT_SECS => {
            Some(Duration::from_secs_f64(t))
        }
        Some(t) => return Err(value_error(format!("time_limit must be a positive number of seconds, not {t}"))),
    };
    let _ = py;
    Ok(Limits { max_states, max_memory: max_memory_mib.saturating_mul(1 << 20), time_limit, ..Limits::default() })
}

fn horizon(py: Python<'_>, s: &Scenario, depth: Option<usize>) -> PyResult<usize> {
    let (depth, what) = match (depth, s.depth) {
        (Some(d), _) => (d, format!("depth={d}")),
        (None, Some(d)) => (d, format!("the scenario's `depth = {d}`")),
        (None, None) => return Err(value_error("no depth: give depth=T or `depth = T` in the scenario")),
    };
    if depth < 1 {
        return Err(value_error("depth must be at least 1"));
    }
    imitator::limits::check_depth(depth, &what).map_err(|e| limit_err(py, e))?;
    Ok(depth)
}

/// The `verify --json` document of a finite run, and whether a limit stopped it part way.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn verify(
    py: Python<'_>,
    scenario: &PyScenario,
    depth: Option<usize>,
    engine: &str,
    variant: &str,
    warmup: usize,
    max_states: usize,
    max_memory_mib: u64,
    time_limit: Option<f64>,
    threads: Option<usize>,
) -> PyResult<String> {
    let s = scenario.inner.clone();
    let engine: EngineKind = engine.parse().map_err(|e: imitator::names::UnknownName| value_error(e.to_string()))?;
    let rule = rule(variant, warmup)?;
    let depth = horizon(py, &s, depth)?;
    let limits = limits(py, max_states, max_memory_mib, time_limit)?;
    if limits.time_limit.is_some() && engine != EngineKind::Lumped {
        return Err(value_error("time_limit stops the lumped engine between depths; use it with engine=\"lumped\""));
    }
    let options = RunOptions { depth, limits };
    let result = run_detached(py, threads, move |watch| {
        verify_run(&s, rule, engine, options, watch).map(|v| verify_document(&s, &v).to_string())
    })?;
    result.map_err(|e| engine_error(py, e))
}

/// The `verify --horizon infinite --json` document: the lifetime's intervals
/// and the finite figures of the depths done.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn lifetime(
    py: Python<'_>,
    scenario: &PyScenario,
    width: &str,
    max_depth: Option<usize>,
    variant: &str,
    warmup: usize,
    arithmetic: &str,
    max_states: usize,
    max_memory_mib: u64,
    time_limit: Option<f64>,
    threads: Option<usize>,
) -> PyResult<String> {
    let s = scenario.inner.clone();
    let rule = rule(variant, warmup)?;
    let mut opts = life::Options::new();
    opts.arithmetic = arithmetic.parse().map_err(|e: imitator::names::UnknownName| value_error(e.to_string()))?;
    opts.width = parse_rational(width).map_err(|e| value_error(format!("width: {e}")))?;
    if !opts.width.is_positive() {
        return Err(value_error(format!("width must be greater than 0, not {width}")));
    }
    let base = limits(py, max_states, max_memory_mib, time_limit)?;
    opts.limits = Limits { max_depth: opts.limits.max_depth, ..base };
    if let Some(t) = max_depth {
        if t < 1 {
            return Err(value_error("max_depth must be at least 1"));
        }
        imitator::limits::check_depth(t, &format!("max_depth={t}")).map_err(|e| limit_err(py, e))?;
        opts.limits.max_depth = t;
    }
    let result = run_detached(py, threads, move |watch| {
        let start = std::time::Instant::now();
        let threads = rayon::current_num_threads();
        life::run(&s, &rule, &opts, watch).map(|l| {
            let v = Verified {
                verdict: imitator::checks::check(&s, &l.figures),
                figures: l.figures.clone(),
                run: RunInfo {
                    imitator: Rule::<Rational>::info(&rule),
                    threads,
                    elapsed_ms: start.elapsed().as_millis(),
                },
            };
            let mut doc = verify_document(&s, &v);
            doc["infinite"] = infinite_block(&l);
            (doc.to_string(), l.exit_status())
        })
    })?;
    let (doc, _) = result.map_err(|e| engine_error(py, e))?;
    Ok(doc)
}

/// The policy lines, streamed from the walk as they are written: a bounded
/// channel keeps the worker at most a few thousand lines ahead of Python.
#[pyclass(name = "PolicyLines", module = "imitator._native")]
pub struct PolicyLines {
    /// In a mutex only to be `Sync`, as a Python object must be: one caller at a time holds it.
    rx: std::sync::Mutex<Option<mpsc::Receiver<String>>>,
    stop: Arc<AtomicBool>,
}

#[pymethods]
impl PolicyLines {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<String>> {
        loop {
            let Some(rx) = self.receiver().take() else { return Ok(None) };
            let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(20)), rx));
            match got {
                Ok(line) => {
                    *self.receiver() = Some(back);
                    return Ok(Some(line));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    *self.receiver() = Some(back);
                    if let Err(e) = py.check_signals() {
                        self.close();
                        return Err(e);
                    }
                }
            }
        }
    }
    /// Stops the walk; the iterator ends.
    fn close(&self) {
        self.stop.store(true, Ordering::Relaxed);
        *self.receiver() = None;
    }
}

impl PolicyLines {
    fn receiver(&self) -> std::sync::MutexGuard<'_, Option<mpsc::Receiver<String>>> {
        self.rx.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for PolicyLines {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The exact policy at every reachable history of length `0..depth`, as policy lines (JSON text).
#[pyfunction]
fn policy(
    py: Python<'_>,
    scenario: &PyScenario,
    depth: Option<usize>,
    variant: &str,
    warmup: usize,
    max_memory_mib: u64,
) -> PyResult<PolicyLines> {
    let s = scenario.inner.clone();
    let rule = rule(variant, warmup)?;
    let depth = horizon(py, &s, depth)?;
    let memory = limits(py, 1, max_memory_mib, None)?.max_memory;
    {
        let s = s.clone();
        py.detach(move || size_within(&s, &rule, depth, memory)).map_err(|e| limit_err(py, e))?;
    }
    let (tx, rx) = mpsc::sync_channel::<String>(4096);
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("imitator-policy".into())
        .spawn(move || {
            let mut lines = LineWriter::new(&s);
            let _ = walk(&s, &rule, depth, |e| {
                if stopped.load(Ordering::Relaxed) || tx.send(lines.render(e)).is_err() {
                    return Err(std::io::Error::other("stopped"));
                }
                Ok(())
            });
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the worker thread: {e}")))?;
    Ok(PolicyLines { rx: std::sync::Mutex::new(Some(rx)), stop })
}

/// The histories `sample` paths drawn to `depth` (with `seed`) pass
/// through, every prefix once, refused beforehand past the listing's limits.
fn sampled_asked(
    s: &Scenario,
    rule: &Standard,
    depth: usize,
    (n, seed): (usize, u64),
    memory: u64,
) -> Result<Vec<Vec<imitator::engine::histories::Step>>, PyErrText> {
    use imitator::limits::{MAX_HISTORIES, MAX_HISTORY_STEPS};
    if n < 1 {
        return Err(PyErrText::Value("sample must be at least 1".into()));
    }
    let lines = (n as u64).saturating_mul(depth as u64);
    let steps = lines.saturating_mul(depth as u64) / 2;
    if lines > MAX_HISTORIES || steps > MAX_HISTORY_STEPS {
        return Err(PyErrText::Limit(CoreLimitError::new(
            Limit::Histories,
            format!(
                "sample={n} at depth {depth} may ask about {lines} histories of {steps} steps in all, more than \
                 {MAX_HISTORIES} histories or {MAX_HISTORY_STEPS} steps (limits::MAX_HISTORIES, \
                 limits::MAX_HISTORY_STEPS); give a smaller sample= or depth="
            ),
        )));
    }
    let paths = imitator::sampled::sample_paths(s, rule, depth, n, seed, memory).map_err(PyErrText::Limit)?;
    let mut asked = Vec::new();
    imitator::sampled::visit_paths::<CoreLimitError>(s, rule, &paths, memory, |e| {
        asked.push(e.history.to_vec());
        Ok(())
    })
    .map_err(PyErrText::Limit)?;
    Ok(asked)
}

/// The histories file (one `{"history": [...]}` per line) of `sample`
/// paths drawn from the imitator's exact distribution to `depth`: every
/// prefix of each, in the order `diff` compares them.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn sample(
    py: Python<'_>,
    scenario: &PyScenario,
    depth: usize,
    sample: usize,
    seed: u64,
    variant: &str,
    warmup: usize,
    max_memory_mib: u64,
) -> PyResult<String> {
    let s = scenario.inner.clone();
    let rule = rule(variant, warmup)?;
    horizon(py, &s, Some(depth))?;
    let memory = limits(py, 1, max_memory_mib, None)?.max_memory;
    let result = run_detached(py, None, move |_| {
        sampled_asked(&s, &rule, depth, (sample, seed), memory)
            .map(|asked| imitator_report::conformance::histories_file(&s, &asked))
    })?;
    result.map_err(|e| e.raise(py))
}

/// The `diff --json` document comparing `lines` (policy lines, JSON text,
/// one per entry) with the exact policy: at every reachable history of
/// length `0..depth`, or, with `sample`, at the histories [`sample`] gives.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn diff(
    py: Python<'_>,
    scenario: &PyScenario,
    lines: Vec<String>,
    depth: Option<usize>,
    variant: &str,
    warmup: usize,
    tolerance: Option<&str>,
    rel_tolerance: Option<&str>,
    max_memory_mib: u64,
    sample: Option<(usize, u64)>,
) -> PyResult<String> {
    let s = scenario.inner.clone();
    let rule = rule(variant, warmup)?;
    let horizon = horizon(py, &s, depth)?;
    let tol = tolerance_of(tolerance, rel_tolerance)?;
    let memory = limits(py, 1, max_memory_mib, None)?.max_memory;
    let result = run_detached(py, None, move |_| -> Result<String, PyErrText> {
        let text = lines.join("\n");
        // Sampled histories run deeper than `depth` lines: `depth` bounds them instead.
        let theirs = read_lines(&s, text.as_bytes(), horizon).map_err(|e| match e.deeper {
            Some(d) => PyErrText::Value(format!("line {e}; give depth={d} to compare it")),
            None => PyErrText::Value(format!("line {e}")),
        })?;
        let r = match sample {
            None => {
                size_within(&s, &rule, horizon, memory).map_err(PyErrText::Limit)?;
                diff_lines(&s, &rule, theirs, horizon, &tol)
            }
            Some(draw) => {
                let asked = sampled_asked(&s, &rule, horizon, draw, memory)?;
                diff_listed(&s, &rule, theirs, Some(&asked), &tol, memory).map_err(PyErrText::Limit)?
            }
        };
        Ok(imitator_report::diff::document(&s, rule, &r).to_string())
    })?;
    result.map_err(|e| e.raise(py))
}

/// The conformance suite's cases (the manifest of `imitator conformance
/// --emit`, JSON), each with its scenario's text under `"toml"`.
#[pyfunction]
fn conformance_cases() -> String {
    let cases = imitator::conformance::cases();
    let mut manifest = imitator_report::conformance::manifest(&cases);
    if let Some(rows) = manifest["cases"].as_array_mut() {
        for (row, case) in rows.iter_mut().zip(&cases) {
            row["toml"] = serde_json::Value::String(case.text().to_string());
        }
    }
    manifest.to_string()
}

fn case_and_pass(id: &str, pass: &str) -> PyResult<(imitator::conformance::Case, imitator::conformance::Pass)> {
    use imitator::conformance::Pass;
    let case = imitator::conformance::cases()
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| value_error(format!("no conformance case `{id}`")))?;
    let pass = match pass {
        "full" => Pass::Full,
        "sampled" => Pass::Sampled,
        other => return Err(value_error(format!("a pass is `full` or `sampled`, not `{other}`"))),
    };
    Ok((case, pass))
}

/// The histories one pass of one case asks about, as a histories file (one `{"history": [...]}` per line).
#[pyfunction]
fn conformance_asked(py: Python<'_>, case: &str, pass: &str) -> PyResult<String> {
    let (case, pass) = case_and_pass(case, pass)?;
    let s = case.scenario();
    let asked = py.detach(|| case.asked(&s, pass)).map_err(|e| limit_err(py, e))?;
    Ok(imitator_report::conformance::histories_file(&s, &asked))
}

/// Judges the suite: `answers` holds, per `(case, pass)`, the policy lines
/// written for that pass's histories. Returns the JSON document of
/// `imitator conformance --json` and its text table.
#[pyfunction]
fn conformance_judge(
    py: Python<'_>,
    answers: Vec<(String, String, Vec<String>)>,
    tolerance: Option<&str>,
    rel_tolerance: Option<&str>,
) -> PyResult<(String, String)> {
    use imitator::conformance::{judge, Outcome};
    let tol = tolerance_of(tolerance, rel_tolerance)?;
    let mut jobs = Vec::new();
    for (id, pass, lines) in answers {
        let (case, pass) = case_and_pass(&id, &pass)?;
        jobs.push((case, pass, lines));
    }
    let outcomes = run_detached(py, None, move |_| -> Result<Vec<Outcome>, CoreLimitError> {
        let mut outcomes = Vec::new();
        for (case, pass, lines) in jobs {
            let s = case.scenario();
            let asked = case.asked(&s, pass)?;
            let output = lines.join("\n");
            let name = format!("the answers for {} ({})", case.id, pass.name());
            let verdict = judge(&case, pass, output.as_bytes(), &name, Some(&asked), &tol);
            outcomes.push(Outcome { case, pass, verdict });
        }
        Ok(outcomes)
    })?
    .map_err(|e| limit_err(py, e))?;
    Ok((imitator_report::conformance::document(&outcomes).to_string(), imitator_report::conformance::text(&outcomes)))
}

/// The tolerance of `tolerance=` and `rel_tolerance=` over the defaults (those of `imitator diff`).
fn tolerance_of(absolute: Option<&str>, relative: Option<&str>) -> PyResult<Tolerance> {
    let read = |what: &str, t: &str| -> PyResult<Rational> {
        let r = parse_rational(t).map_err(|e| value_error(format!("{what}: {e}")))?;
        if r.is_negative() {
            return Err(value_error(format!("{what} must not be negative")));
        }
        Ok(r)
    };
    let mut tol = Tolerance::default();
    if let Some(t) = absolute {
        tol = tol.with_absolute(&read("tolerance", t)?);
    }
    if let Some(t) = relative {
        tol = tol.with_relative(&read("rel_tolerance", t)?);
    }
    Ok(tol)
}

/// An error made on the worker thread, raised once back with the GIL.
enum PyErrText {
    Value(String),
    Limit(CoreLimitError),
}

impl PyErrText {
    fn raise(self, py: Python<'_>) -> PyErr {
        match self {
            PyErrText::Value(m) => value_error(m),
            PyErrText::Limit(l) => limit_err(py, l),
        }
    }
}

/// The native part of the `imitator` module; `python/imitator/__init__.py` is its face.
/// One shard of an atlas (`imitator atlas … --shard I/N`): its `atlas.json`
/// text. The Python side maps the shards over a Dask cluster and merges them
/// with [`atlas_merge`].
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn atlas_shard(
    py: Python<'_>,
    family: &str,
    actions: usize,
    models: usize,
    grid: u64,
    alpha: &str,
    priors: Option<u64>,
    width: &str,
    max_depth: usize,
    max_states: usize,
    shard: &str,
    threads: Option<usize>,
) -> PyResult<String> {
    use imitator::atlas;
    let flagged = |e: atlas::AtlasError| value_error(format!("{}: {}", e.option.replace('-', "_"), e.reason));
    let family: atlas::Family = imitator::names::parse(family).map_err(|e| value_error(format!("family: {e}")))?;
    let alphas = atlas::parse_alphas(alpha).map_err(flagged)?;
    let mut opts = atlas::Options::new(family, actions, models, grid, alphas);
    opts.priors = priors;
    opts.width = parse_rational(width).map_err(|e| value_error(format!("width: {e}")))?;
    opts.max_depth = max_depth;
    opts.limits.max_states = max_states;
    opts.validate().map_err(flagged)?;
    let shard = atlas::parse_shard(shard).map_err(flagged)?;
    let result = run_detached(py, threads, move |watch| {
        atlas::run(&opts, shard, watch).map(|a| {
            let all = atlas::classes(&a.options).expect("validated");
            imitator_report::atlas::json(&a, &all)
        })
    })?;
    result.map_err(flagged)
}

/// The merge of the shards' `atlas.json` texts (`imitator atlas merge`): the
/// whole atlas's `atlas.json`, identical to the unsharded run's.
#[pyfunction]
fn atlas_merge(py: Python<'_>, parts: Vec<String>) -> PyResult<String> {
    use imitator::atlas;
    py.detach(move || {
        let mut atlases = Vec::new();
        for (i, text) in parts.iter().enumerate() {
            atlases.push(imitator_report::atlas::parse_json(text).map_err(|e| format!("part {}: {e}", i + 1))?);
        }
        let whole = atlas::merge(atlases).map_err(|e| e.to_string())?;
        let all = atlas::classes(&whole.options).map_err(|e| e.to_string())?;
        Ok(imitator_report::atlas::json(&whole, &all))
    })
    .map_err(|e: String| value_error(e))
}

/// Every file `imitator atlas --out` writes for this `atlas.json`: `(name, bytes)`.
#[pyfunction]
fn atlas_files(py: Python<'_>, json: String) -> PyResult<Vec<(String, Vec<u8>)>> {
    py.detach(move || {
        let a = imitator_report::atlas::parse_json(&json)?;
        imitator_report::atlas::files(&a)
    })
    .map_err(value_error)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScenario>()?;
    m.add_class::<PolicyLines>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(lifetime, m)?)?;
    m.add_function(wrap_pyfunction!(policy, m)?)?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(conformance_cases, m)?)?;
    m.add_function(wrap_pyfunction!(conformance_asked, m)?)?;
    m.add_function(wrap_pyfunction!(conformance_judge, m)?)?;
    m.add_function(wrap_pyfunction!(sample, m)?)?;
    m.add_function(wrap_pyfunction!(atlas_shard, m)?)?;
    m.add_function(wrap_pyfunction!(atlas_merge, m)?)?;
    m.add_function(wrap_pyfunction!(atlas_files, m)?)?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("LimitError", m.py().get_type::<LimitError>())?;
    Ok(())
}
