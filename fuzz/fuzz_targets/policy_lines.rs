//! The JSON Lines reader of `diff`, and the comparison, on a fixed scenario
//! (markov-weather: two actions, two observations, three models). The first
//! byte picks the horizon (1 to 4) and the variant; the rest is their file.
//! Every refused file must name a line and give a reason.

#![no_main]

use imitator::diff::{self, Tolerance};
use imitator::imitator::{Standard, Variant};
use imitator::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

const SCENARIO: &str = include_str!("../../examples/markov-weather.toml");

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else { return };
    let s = Scenario::parse(SCENARIO, "markov-weather.toml", "markov-weather").expect("the example is valid");
    let horizon = 1 + (pick & 3) as usize;
    let variant =
        [Variant::Conservative, Variant::AlwaysQuery, Variant::Map, Variant::Mixture][(pick >> 2 & 3) as usize];
    let rule = Standard::new(variant, (pick >> 4) as usize % 3);
    match diff::read_lines(&s, file, horizon) {
        Err(e) => {
            assert!(e.line >= 1);
            assert!(e.column.is_none_or(|c| c >= 1));
            assert!(!e.message.trim().is_empty(), "line {}: an empty reason", e.line);
        }
        Ok(theirs) => {
            let tol = if pick & 0x80 == 0 {
                Tolerance::default()
            } else {
                Tolerance::uniform(&imitator::number::ratio(1, 1000))
            };
            let r = diff::diff(&s, &rule, theirs, horizon, &tol);
            let _ = r.agrees();
            for f in r.first.iter().flat_map(|d| &d.fields) {
                let _ = f.deviation.as_ref().map(|d| (d.text(), d.json()));
            }
        }
    }
});
