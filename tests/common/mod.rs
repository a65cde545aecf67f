//! Shared by the integration tests: one proptest strategy for random small
//! scenarios (as TOML text), and the verifier run in-process to its JSON document.
#![allow(dead_code)]

use imitator::engine::lumped::{self, Control, LayerView, Observer};
use imitator::engine::settled::SettledCache;
use imitator::engine::{EngineKind, RunOptions};
use imitator::imitator::{Standard, Variant};
use imitator::limits::Limits;
use imitator::number::{fmt_exact, parse_rational, ratio, Rational};
use imitator::scenario::Scenario;
use imitator::verify;
use imitator_report::json::verify_document;
use num_traits::{One, Zero};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

/// A distribution over `n` outcomes: integer weights in `0..5` (zeros included,
/// so models get eliminated), normalized to sum to exactly 1.
fn dist(n: usize) -> impl Strategy<Value = Vec<Rational>> {
    vec(0i64..5, n).prop_map(|mut w| {
        if w.iter().all(|&x| x == 0) {
            w[0] = 1;
        }
        let total: i64 = w.iter().sum();
        w.into_iter().map(|x| ratio(x, total)).collect()
    })
}

/// One model as drawn: kind (0 iid, 1 after_action, 2 after_observation),
/// whether it copies model 0's distributions, its prior `p/q`, and distributions
/// for every kind (only the kind's own are written).
type RawModel = (u8, bool, (i64, i64), Vec<Rational>, Vec<Vec<Rational>>, Vec<Vec<Rational>>);
type RawEvent = (u8, usize, usize, Vec<usize>);

#[derive(Debug, Clone)]
struct Draw {
    na: usize,
    no: usize,
    models: Vec<RawModel>,
    truth: usize,
    alpha: (u8, i64),
    env: (u8, Vec<Rational>, Vec<Vec<Rational>>),
    events: Vec<RawEvent>,
    depth: usize,
}

/// Random small scenarios as TOML text: 2–3 actions, 1–2 observations, 2–4
/// models of all three kinds (some copying model 0, so that models agree and
/// posteriors tie), priors written as integers or `"p/q"`, α in (0, 1) drawn at
/// random or near, at and above `w(μ)`, an environment that is absent, `iid` or
/// `after_action`, 0–3 events of the three kinds (steps beyond the depth and
/// prefixes longer than it included), and a depth of 1–4.
pub fn scenario_toml() -> impl Strategy<Value = String> {
    (2usize..=3, 1usize..=2, 2usize..=4)
        .prop_flat_map(|(na, no, nm)| {
            let model = (
                0u8..3,
                prop::bool::weighted(0.2),
                (1i64..6, 1i64..4),
                dist(na),
                vec(dist(na), na + 1),
                vec(dist(na), no + 1),
            );
            let event = (0u8..3, 0..na, 0usize..7, vec(0..na, 1..=5));
            (
                Just((na, no)),
                vec(model, nm),
                0..nm,
                (0u8..5, 1i64..20),
                (0u8..3, dist(no), vec(dist(no), na)),
                vec(event, 0..=3),
                1usize..=4,
            )
        })
        .prop_map(|((na, no), models, truth, alpha, env, events, depth)| {
            render(&Draw { na, no, models, truth, alpha, env, events, depth })
        })
}

fn list(v: &[Rational]) -> String {
    format!("[{}]", v.iter().map(|r| format!("\"{}\"", fmt_exact(r))).collect::<Vec<_>>().join(", "))
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn table(labels: &[String], dists: &[Vec<Rational>]) -> String {
    let body: Vec<String> = labels.iter().zip(dists).map(|(l, d)| format!("\"{l}\" = {}", list(d))).collect();
    format!("{{ {} }}", body.join(", "))
}

fn render(d: &Draw) -> String {
    use std::fmt::Write;
    let actions = names("a", d.na);
    // One observation is left to the default, named `-`.
    let observations = if d.no > 1 { names("o", d.no) } else { vec!["-".to_string()] };
    let quoted = |v: &[String]| format!("[{}]", v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "));
    // A model that copies model 0 takes its kind and distributions, keeping its own prior.
    let body = |i: usize| -> &RawModel {
        let m = &d.models[i];
        if m.1 && i > 0 {
            &d.models[0]
        } else {
            m
        }
    };
    let prior = |i: usize| {
        let (p, q) = d.models[i].2;
        ratio(p, q)
    };
    let total = (0..d.models.len()).fold(Rational::zero(), |s, i| s + prior(i));
    let w = prior(d.truth) / total;
    let (kind, x) = d.alpha;
    let one = Rational::one();
    let alpha = match kind {
        0 => ratio(x, 20),
        1 => w.clone(),
        2 => &w - &w / Rational::from_integer(50.into()),
        3 => &w + (&one - &w) / Rational::from_integer(50.into()),
        _ => (&w + &one) / Rational::from_integer(2.into()),
    };
    let mut out = String::new();
    let _ = writeln!(out, "name = \"random\"");
    let _ = writeln!(out, "actions = {}", quoted(&actions));
    if d.no > 1 {
        let _ = writeln!(out, "observations = {}", quoted(&observations));
    }
    let _ = writeln!(out, "alpha = \"{}\"", fmt_exact(&alpha));
    let _ = writeln!(out, "depth = {}", d.depth);
    let _ = writeln!(out, "truth = \"m{}\"", d.truth);
    for i in 0..d.models.len() {
        let (p, q) = d.models[i].2;
        let prior = if q == 1 { p.to_string() } else { format!("\"{p}/{q}\"") };
        let _ = writeln!(out, "\n[[models]]\nname = \"m{i}\"\nprior = {prior}");
        let (kind, _, _, iid, after_a, after_o) = body(i);
        match kind {
            0 => {
                let _ = writeln!(out, "iid = {}", list(iid));
            }
            1 => {
                let _ = writeln!(out, "start = {}", list(&after_a[0]));
                let _ = writeln!(out, "after_action = {}", table(&actions, &after_a[1..]));
            }
            _ => {
                let _ = writeln!(out, "start = {}", list(&after_o[0]));
                let _ = writeln!(out, "after_observation = {}", table(&observations, &after_o[1..]));
            }
        }
    }
    match d.env.0 {
        0 => {}
        1 => {
            let _ = writeln!(out, "\n[environment]\niid = {}", list(&d.env.1));
        }
        _ => {
            let _ = writeln!(out, "\n[environment]\nafter_action = {}", table(&actions, &d.env.2));
        }
    }
    for (i, (kind, action, n, prefix)) in d.events.iter().enumerate() {
        let _ = writeln!(out, "\n[[events]]\nname = \"e{i}\"");
        match kind {
            0 => {
                let _ = writeln!(out, "action = \"{}\"\nat_least = {n}", actions[*action]);
            }
            1 => {
                let _ = writeln!(out, "action = \"{}\"\nat_step = {}", actions[*action], n + 1);
            }
            _ => {
                let p: Vec<String> = prefix.iter().map(|&a| actions[a].clone()).collect();
                let _ = writeln!(out, "prefix = {}", quoted(&p));
            }
        }
    }
    out
}

/// Parses a scenario the strategy produced (it is valid by construction).
pub fn parse(toml: &str) -> Scenario {
    Scenario::parse(toml, "random.toml", "random").unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// The verifier in-process ([`imitator::verify()`]) and its JSON document, with
/// a fixed run description (one thread, zero milliseconds).
pub fn verify_json(s: &Scenario, variant: Variant, warmup: usize, depth: usize) -> Value {
    verify_json_with(EngineKind::Exhaustive, s, variant, warmup, depth)
}

/// [`verify_json`] with the engine of one's choice.
pub fn verify_json_with(kind: EngineKind, s: &Scenario, variant: Variant, warmup: usize, depth: usize) -> Value {
    let rule = Standard::new(variant, warmup);
    let mut v = verify(s, rule, kind, RunOptions::new(depth), &|_, _| {}).expect("small scenarios fit");
    v.run.threads = 1;
    v.run.elapsed_ms = 0;
    verify_document(s, &v)
}

/// An exact number of the JSON document (`"p/q"` or `"n"`).
pub fn exact(v: &Value) -> Rational {
    let s = v.as_str().unwrap_or_else(|| panic!("{v} is not an exact number"));
    parse_rational(s).unwrap_or_else(|e| panic!("{e}"))
}

/// The document without `stats`, which alone may differ between runs.
pub fn without_stats(mut doc: Value) -> Value {
    doc.as_object_mut().expect("an object").remove("stats");
    doc
}

/// The unsettled mass after each `t = 0..=T` steps, by a walk of the tests'
/// own: the lumped engine's layers, each entry classified by [`SettledCache`]
/// (independent of the lifetime driver and of the exported chain's labels).
pub fn unsettled_mass(s: &Scenario, rule: &Standard, depth: usize) -> Vec<Rational> {
    struct Unsettled<'s> {
        cache: SettledCache<'s, u32>,
        mass: Vec<Rational>,
    }
    impl Observer for Unsettled<'_> {
        fn layer(&mut self, view: &LayerView) -> Control {
            let space = view.space();
            let settled: Vec<bool> = view
                .entries()
                .map(|e| {
                    let st = view.state(&e);
                    let post = space.posterior(st.key.posterior);
                    self.cache.is_settled(&st.key.posterior, post, space.contexts(st.key.contexts), view.depth() + 1)
                })
                .collect();
            self.mass.push(view.probability_of(|e| !settled[e.index]));
            Control::Continue
        }
    }
    let mut u = Unsettled { cache: SettledCache::new(s, rule), mass: Vec::new() };
    let opts = RunOptions { depth, limits: Limits { max_states: 5_000_000, max_memory: 8 << 30, ..Limits::default() } };
    lumped::run_observed(s, rule, opts, &mut u).expect("runs");
    u.mass
}

/// A rule key as drawn: kind (0 left out, 1 `"*"`, 2 one name, 3 a list), a
/// name's index and which names a list holds.
type RawPick = (u8, usize, Vec<bool>);
/// A rule as drawn: `from`, `action`, `observation`, and the index of `to`.
type RawMachineRule = (RawPick, RawPick, RawPick, usize);
/// A machine as drawn: how many states, the start state (or the default), its rules.
type RawMachine = (usize, Option<usize>, Vec<RawMachineRule>);

fn raw_pick() -> impl Strategy<Value = RawPick> {
    (0u8..4, 0usize..4, vec(prop::bool::ANY, 4))
}

fn raw_machine(max_states: usize) -> impl Strategy<Value = RawMachine> {
    (1usize..=max_states, prop::option::of(0usize..3), vec((raw_pick(), raw_pick(), raw_pick(), 0usize..3), 0..=4))
}

/// The pick as TOML, over `names`; `None` when left out.
fn render_pick(p: &RawPick, names: &[String]) -> Option<String> {
    let n = names.len();
    match p.0 {
        0 => None,
        1 => Some("\"*\"".into()),
        2 => Some(format!("\"{}\"", names[p.1 % n])),
        _ => {
            let chosen: Vec<String> =
                names.iter().enumerate().filter(|(i, _)| p.2[*i % 4]).map(|(_, s)| format!("\"{s}\"")).collect();
            Some(format!("[{}]", chosen.join(", ")))
        }
    }
}

/// The machine's keys (`states`, maybe `start_state`, `transitions`) and its states' names.
fn render_machine(m: &RawMachine, prefix: &str, actions: &[String], observations: &[String]) -> (String, Vec<String>) {
    let states = names(prefix, m.0);
    let mut out = format!("states = [{}]\n", states.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "));
    if let Some(s) = m.1 {
        out.push_str(&format!("start_state = \"{}\"\n", states[s % m.0]));
    }
    let rules: Vec<String> =
        m.2.iter()
            .map(|(from, action, observation, to)| {
                let mut keys = Vec::new();
                for (k, p, names) in [
                    ("from", from, &states),
                    ("action", action, &actions.to_vec()),
                    ("observation", observation, &observations.to_vec()),
                ] {
                    if let Some(v) = render_pick(p, names) {
                        keys.push(format!("{k} = {v}"));
                    }
                }
                keys.push(format!("to = \"{}\"", states[to % m.0]));
                format!("{{ {} }}", keys.join(", "))
            })
            .collect();
    out.push_str(&format!("transitions = [{}]\n", rules.join(", ")));
    (out, states)
}

/// One event as drawn: kind (0 count, 1 step, 2 machine), what a step must
/// match (0 the observation, 1 the action, 2 both), the action, the
/// observation, the count or step, the machine and its accepting states.
type RawMachineEvent = (u8, u8, usize, usize, usize, RawMachine, Vec<bool>);

/// Random small scenarios with machines, as TOML text: 2–3 actions, 1–2
/// observations, 2–3 models each `iid` or a machine model of 1–3 states with
/// random first-match rules (names, lists, `"*"` and missing keys), an
/// environment that is absent, `iid` or a machine of 1–2 states (`observe`
/// by state, some by action), 0–3 events reading observations, actions and
/// observations, or machines, and a depth of 1–4.
pub fn machine_scenario_toml() -> impl Strategy<Value = String> {
    (2usize..=3, 1usize..=2, 2usize..=3)
        .prop_flat_map(|(na, no, nm)| {
            let model = (prop::bool::weighted(0.7), (1i64..6, 1i64..4), raw_machine(3), vec(dist(na), 3));
            let env = (0u8..3, raw_machine(2), vec(vec(dist(no), na), 2), vec(prop::bool::ANY, 2));
            let event = (0u8..3, 0u8..3, 0..na, 0..no, 0usize..4, raw_machine(3), vec(prop::bool::ANY, 3));
            (Just((na, no)), vec(model, nm), 0..nm, 1i64..20, env, vec(event, 0..=3), 1usize..=4)
        })
        .prop_map(|((na, no), models, truth, alpha, env, events, depth)| {
            use std::fmt::Write;
            let actions = names("a", na);
            let observations = if no > 1 { names("o", no) } else { vec!["-".to_string()] };
            let quoted =
                |v: &[String]| format!("[{}]", v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "));
            let mut out = String::new();
            let _ = writeln!(out, "name = \"random machines\"");
            let _ = writeln!(out, "actions = {}", quoted(&actions));
            if no > 1 {
                let _ = writeln!(out, "observations = {}", quoted(&observations));
            }
            let _ = writeln!(out, "alpha = \"{alpha}/20\"\ndepth = {depth}\ntruth = \"m{truth}\"");
            for (i, (is_machine, (p, q), machine, dists)) in models.iter().enumerate() {
                let _ = writeln!(out, "\n[[models]]\nname = \"m{i}\"\nprior = \"{p}/{q}\"");
                if *is_machine {
                    let (keys, states) = render_machine(machine, "s", &actions, &observations);
                    out.push_str(&keys);
                    let _ = writeln!(out, "policy = {}", table(&states, dists));
                } else {
                    let _ = writeln!(out, "iid = {}", list(&dists[0]));
                }
            }
            let (kind, machine, rows, by_action) = &env;
            match kind {
                0 => {}
                1 => {
                    let _ = writeln!(out, "\n[environment]\niid = {}", list(&rows[0][0]));
                }
                _ => {
                    let (keys, states) = render_machine(machine, "e", &actions, &observations);
                    let _ = write!(out, "\n[environment]\n{keys}");
                    let entries: Vec<String> = states
                        .iter()
                        .enumerate()
                        .map(|(s, name)| {
                            if by_action[s] {
                                format!("\"{name}\" = {}", table(&actions, &rows[s]))
                            } else {
                                format!("\"{name}\" = {}", list(&rows[s][0]))
                            }
                        })
                        .collect();
                    let _ = writeln!(out, "observe = {{ {} }}", entries.join(", "));
                }
            }
            for (i, (kind, reads, a, o, n, machine, accepting)) in events.iter().enumerate() {
                let _ = writeln!(out, "\n[[events]]\nname = \"e{i}\"");
                if *kind == 2 {
                    let (keys, states) = render_machine(machine, "q", &actions, &observations);
                    out.push_str(&keys);
                    let mut acc: Vec<String> =
                        states.iter().enumerate().filter(|(j, _)| accepting[*j]).map(|(_, s)| s.clone()).collect();
                    if acc.is_empty() {
                        acc.push(states[states.len() - 1].clone());
                    }
                    let _ = writeln!(out, "accepting = {}", quoted(&acc));
                    continue;
                }
                if *reads != 0 {
                    let _ = writeln!(out, "action = \"{}\"", actions[*a]);
                }
                if *reads != 1 {
                    let _ = writeln!(out, "observation = \"{}\"", observations[*o]);
                }
                if *kind == 0 {
                    let _ = writeln!(out, "at_least = {n}");
                } else {
                    let _ = writeln!(out, "at_step = {}", n + 1);
                }
            }
            out
        })
}
