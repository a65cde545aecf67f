//! The progress bar of the long commands (`verify`, `report`, `search`), on standard error.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

/// A progress bar on stderr, shown only on a terminal and only once a run has taken over a second.
pub struct Progress {
    label: &'static str,
    bar: Mutex<Option<ProgressBar>>,
    start: Instant,
    enabled: bool,
}

impl Progress {
    /// A bar that will say `label` (e.g. "verifying") once it shows.
    pub fn new(label: &'static str) -> Self {
        Progress { label, bar: Mutex::new(None), start: Instant::now(), enabled: std::io::stderr().is_terminal() }
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
