//! The progress bar of the long commands (`verify`, `report`, `search`), on standard error.

use imitator::number::Rational;
use imitator::progress::Watch;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    /// A unit of work is done (exhaustive runs, searches).
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

impl Progress {
    /// An infinite-horizon run has finished a depth: its depth, the two widths and the unsettled mass.
    fn show_lifetime(&self, depth: usize, max_depth: usize, widths: [Option<&Rational>; 2], unsettled: &Rational) {
        if !self.enabled || self.start.elapsed().as_millis() < 1000 {
            return;
        }
        let width = |w: Option<&Rational>| w.map_or("∞".to_string(), imitator::number::fmt_approx);
        let mut bar = self.bar.lock().expect("progress lock");
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.set_style(ProgressStyle::with_template("{prefix} {spinner} {msg}").expect("template"));
            b.set_prefix(self.label);
            b
        });
        b.set_message(format!(
            "depth {}/{max_depth}: widths {} (P(E_∞)) and {} (E Σθ³), unsettled mass {}",
            depth,
            width(widths[0]),
            width(widths[1]),
            imitator::number::fmt_approx(unsettled)
        ));
        b.tick();
    }
}

impl Watch for Progress {
    fn tick(&self, done: u64, total: u64) {
        Progress::tick(self, done, total)
    }
    fn layer(&self, depth: usize, total: usize, states: usize, memory: u64) {
        Progress::layer(self, depth, total, states, memory)
    }
    fn lifetime(&self, depth: usize, max_depth: usize, widths: [Option<&Rational>; 2], unsettled: &Rational) {
        self.show_lifetime(depth, max_depth, widths, unsettled);
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
