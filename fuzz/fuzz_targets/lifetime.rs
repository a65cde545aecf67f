//! The whole lifetime, `explain` and the constants search on generated input.
//!
//! A scenario the reader accepts runs over its lifetime within small limits:
//! the run must end (width, a failing check, or a limit), and every interval
//! must be ordered (`lo ≤ hi`) and nest with the earlier ones. The same
//! scenario's narrated episode is written, and a few bytes pick a small
//! search whose candidates are verified.

#![no_main]

use imitator::imitator::{Standard, Variant};
use imitator::limits::Limits;
use imitator::number::ratio;
use imitator::scenario::Scenario;
use imitator::search::{self, Family};
use imitator::simulate::{episode, Trace};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks a small search; the rest is the scenario.
    let Some((&pick, text)) = data.split_first() else { return };
    if pick % 8 == 0 {
        let family = [Family::Iid, Family::AfterAction, Family::Grid][(pick as usize / 8) % 3];
        let mut opts = search::Options::new(
            family,
            2 + (pick as usize % 2),
            2 + (pick as usize / 2 % 2),
            1 + (pick as usize / 4 % 3),
        );
        opts.budget = 1 + u64::from(pick % 7);
        opts.seed = u64::from(pick);
        if opts.validate().is_ok() {
            let out = search::search(&opts, imitator::progress::SILENT).expect("valid options run");
            assert!(out.random + out.local <= opts.budget, "the search ran past its budget");
        }
    }
    let Ok(s) = Scenario::parse_bytes(text, "fuzz.toml", "fuzz") else { return };
    if s.actions.len() * s.observations.len() * s.models.len() > 64 {
        return;
    }
    let rule = Standard::new(Variant::Conservative, 0);
    let opts = imitator::lifetime::Options {
        width: ratio(1, 1000),
        limits: Limits { max_depth: 30, max_states: 20_000, max_memory: 64 << 20, ..Limits::default() },
    };
    if let Ok(l) = imitator::lifetime::run(&s, &rule, &opts, imitator::progress::SILENT) {
        for (k, step) in l.steps.iter().enumerate() {
            for i in [&step.event_e, &step.query_cubed_sum] {
                if let Some(hi) = &i.hi {
                    assert!(i.lo <= *hi, "an empty interval at depth {}", step.depth);
                }
            }
            // Every lower end is at most every later upper end.
            for later in &l.steps[k..] {
                if let Some(hi) = &later.event_e.hi {
                    assert!(step.event_e.lo <= *hi, "P(E_∞): lower end above a later upper end");
                }
            }
        }
    }
    let ep = episode::<imitator::number::Rational>(&s, Box::new(rule), 4, 1, Trace::Detailed);
    let text = imitator_report::explain::explain(&s, rule, &ep);
    assert!(!text.is_empty());
});
