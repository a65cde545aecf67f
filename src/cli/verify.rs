//! `imitator verify`: every history to a depth, exactly, and every check of the paper.

use imitator::checks::check;
use imitator::engine::lumped::{self, Control, LayerView, Observer};
use imitator::engine::{self, EngineError, EngineKind};
use imitator::report::{json::verify_document, text::verify_report, RunInfo};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Enumerate every history to a depth with exact rational arithmetic and check each claim of the paper.
///
/// Exit status: 0 every check holds, 1 a check fails, 2 bad input, or a limit
/// (--max-states, --max-memory, --time-limit) stopped the lumped engine: then
/// the report covers the depths it completed and says so.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// The horizon T (default: the scenario's depth).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Worker threads, at most 256 (default: every core). The figures are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// exhaustive: every full history (gives worst_case); lumped: merges histories with identical futures (deep runs).
    #[arg(long, default_value = "exhaustive")]
    pub engine: EngineKind,
    #[command(flatten)]
    pub imitator: super::ImitatorArgs,
    /// Print exactly one JSON object (SPEC §6) instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Lumped engine: stop (reporting the depths done, exit 2) before one depth would hold more merged states than this.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: usize,
    /// Lumped engine: stop the same way before a step would hold more memory than this many MiB (an estimate
    /// of the two layers, the step's records and the state space).
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    pub max_memory: u64,
    /// Lumped engine: stop the same way once the run has taken this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let s = super::load(&a.file)?;
    let depth = super::horizon(a.depth, &s, &a.file)?;
    let time_limit = match a.time_limit {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Some(Duration::from_secs_f64(t)),
        Some(t) => anyhow::bail!("--time-limit must be a positive number of seconds, not {t}"),
    };
    anyhow::ensure!(
        time_limit.is_none() || a.engine == EngineKind::Lumped,
        "--time-limit stops the lumped engine between depths; use it with --engine lumped"
    );
    anyhow::ensure!(a.max_memory >= 1, "--max-memory must be at least 1 (MiB)");
    let rule = a.imitator.rule();
    let bar = Progress::new("verifying");
    let start = Instant::now();
    let opts = engine::RunOptions {
        max_states: a.max_states,
        max_memory: a.max_memory.saturating_mul(1 << 20),
        time_limit,
        ..engine::RunOptions::new(depth)
    };
    let (result, threads) = super::with_threads(a.threads, || {
        let threads = rayon::current_num_threads();
        let result = match a.engine {
            EngineKind::Lumped => {
                let opts = lumped::Options {
                    depth,
                    max_states: opts.max_states,
                    max_memory: opts.max_memory,
                    time_limit: opts.time_limit,
                };
                lumped::run_observed(&s, &rule, opts, &mut LayerProgress(&bar))
            }
            EngineKind::Exhaustive => engine::run_with(a.engine, &s, &rule, opts, &|done, total| bar.tick(done, total)),
        };
        (result, threads)
    })?;
    bar.finish();
    // A limit that stopped the lumped engine part way: report what it computed, then exit 2.
    let (figures, stopped) = match result {
        Ok(f) => (f, None),
        Err(EngineError::Stopped(f)) => {
            let message = f.partial.as_ref().map(|p| p.message.clone()).unwrap_or_default();
            (*f, Some(message))
        }
        Err(e) => return Err(e.into()),
    };
    let elapsed_ms = start.elapsed().as_millis();
    let verdict = check(&s, &figures);
    let run =
        RunInfo { variant: a.imitator.variant.name().to_string(), warmup: a.imitator.warmup, threads, elapsed_ms };
    if a.json {
        super::out::print(&format!("{}\n", verify_document(&s, &figures, &verdict, &run)))?;
    } else {
        super::out::print(&verify_report(&s, &figures, &verdict, &run))?;
    }
    if let Some(message) = stopped {
        eprintln!("error: {message}");
        return Ok(2);
    }
    Ok(if verdict.holds { 0 } else { 1 })
}

/// Shows the lumped engine's depth, states, memory and time to go on the bar.
struct LayerProgress<'a>(&'a Progress);

impl Observer for LayerProgress<'_> {
    fn layer(&mut self, view: &LayerView) -> Control {
        self.0.layer(view.depth(), view.target_depth(), view.len(), view.memory_bytes());
        Control::Continue
    }
}

/// A progress bar on stderr, shown only on a terminal and only once a run has taken over a second.
pub struct Progress {
    label: &'static str,
    bar: Mutex<Option<ProgressBar>>,
    start: Instant,
    enabled: bool,
    /// Lumped runs: the time at which each depth was done.
    times: Mutex<Vec<Duration>>,
}

impl Progress {
    /// A bar that will say `label` (e.g. "verifying") once it shows.
    pub fn new(label: &'static str) -> Self {
        Progress {
            label,
            bar: Mutex::new(None),
            start: Instant::now(),
            enabled: std::io::stderr().is_terminal(),
            times: Mutex::new(Vec::new()),
        }
    }

    /// A lumped run has finished depth `depth` of `total`, with `states` merged
    /// states in its layer and about `memory` bytes held by the engine.
    pub fn layer(&self, depth: usize, total: usize, states: usize, memory: u64) {
        let elapsed = self.start.elapsed();
        let eta = {
            let mut times = self.times.lock().expect("progress lock");
            times.resize(depth + 1, elapsed);
            times[depth] = elapsed;
            eta(&times, depth, total)
        };
        if !self.enabled || elapsed.as_millis() < 1000 {
            return;
        }
        let memory = resident_bytes().unwrap_or(memory);
        let mut bar = self.bar.lock().expect("progress lock");
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            b.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {msg}").expect("template"));
            b.set_prefix(self.label);
            b
        });
        b.set_length(total as u64);
        b.set_position(depth as u64);
        let eta = eta.map(|t| format!(", about {} to go", human_duration(t))).unwrap_or_default();
        b.set_message(format!(
            "depth {depth}/{total}, {} states in the layer, {} in memory{eta}",
            group_digits(states),
            human_bytes(memory)
        ));
    }

    pub fn tick(&self, done: u64, total: u64) {
        if !self.enabled || self.start.elapsed().as_millis() < 1000 {
            return;
        }
        let mut bar = self.bar.lock().expect("progress lock");
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            b.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})").expect("template"));
            b.set_message(self.label);
            b
        });
        b.set_length(total);
        b.set_position(done);
    }

    pub fn finish(&self) {
        if let Some(b) = self.bar.lock().expect("progress lock").take() {
            b.finish_and_clear();
        }
    }
}

/// The time left, if it can be told: a depth's cost grows as a power of the
/// depth (states × digits), so the elapsed time is extrapolated by the power
/// it followed from half the depths done to all of them.
fn eta(times: &[Duration], depth: usize, total: usize) -> Option<Duration> {
    if depth < 8 || depth >= total {
        return None;
    }
    let now = times[depth].as_secs_f64();
    let half = times[depth / 2].as_secs_f64();
    if now < 0.5 || half <= 0.0 {
        return None;
    }
    let power = ((now / half).ln() / (depth as f64 / (depth / 2) as f64).ln()).clamp(1.0, 5.0);
    let left = now * ((total as f64 / depth as f64).powf(power) - 1.0);
    left.is_finite().then(|| Duration::from_secs_f64(left.min(1e9)))
}

/// The process's resident memory, from `/proc/self/statm` (Linux).
fn resident_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64),
        b => format!("{:.0} MiB", b as f64 / (1u64 << 20) as f64),
    }
}

fn human_duration(t: Duration) -> String {
    let s = t.as_secs();
    match s {
        s if s >= 3600 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_follows_the_power_of_the_depth() {
        // Elapsed time t(d) = d³/1000 s: from depth 40 of 80, 8× the time done is left… minus the time done.
        let times: Vec<Duration> = (0..=40).map(|d| Duration::from_secs_f64((d * d * d) as f64 / 1000.0)).collect();
        let left = eta(&times, 40, 80).expect("an estimate").as_secs_f64();
        assert!((left - 7.0 * 64.0).abs() < 1e-6, "{left}");
        assert_eq!(eta(&times, 4, 80), None);
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(human_duration(Duration::from_secs(3725)), "1h 02m");
    }
}
