//! Reading a scenario file: the TOML as written (`Raw*`, every value with
//! its span), then every check in the file's order, each fault at the span of
//! its key: the file's own (which keys go together, names that must resolve)
//! and the rules every scenario obeys, which are the builder's
//! ([`super::builder`]). The scenario itself is then made by the builder.

use super::builder::{self as rules, Fault};
use super::position::Ctx;
use super::{Scenario, ScenarioError};
use crate::environment::{AfterActionEnvironment, Environment, IidEnvironment, MachineEnvironment};
use crate::event::{AtLeast, AtStep, Event, MachineEvent, Prefix};
use crate::machine::{Machine, Pick, Rule};
use crate::model::{DemonstratorModel, Iid, LastStep, MachineModel, Markov};
use crate::number::{parse_rational, Rational};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// A number as written in a scenario: a string read exactly, or a TOML integer.
#[derive(Debug, Clone)]
struct Num(Rational);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a number as a string (\"1/3\", \"0.25\") or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Num, E> {
                parse_rational(s).map(Num).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Num, E> {
                Ok(Num(Rational::from_integer(n.into())))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Num, E> {
                Ok(Num(Rational::from_integer(n.into())))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Num, E> {
                if !x.is_finite() {
                    return Err(E::custom(format!(
                        "{x} is a TOML float and not a number: write an exact number, as a fraction \"p/q\" \
                         (e.g. \"1/3\"), an integer (\"2\") or a decimal (\"0.25\")"
                    )));
                }
                Err(E::custom(format!(
                    "{x} is a TOML float, which is not exact: quote it, e.g. \"{x}\" or as a fraction \"p/q\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

type Dist = Spanned<Vec<Num>>;
type DistMap = Spanned<BTreeMap<String, Dist>>;
type Names = Spanned<Vec<Spanned<String>>>;

/// One transition rule of a machine, as written; `from`, `action` and
/// `observation` are a name, a list of names or `"*"`, read by [`pick`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    from: Option<Spanned<toml::Value>>,
    action: Option<Spanned<toml::Value>>,
    observation: Option<Spanned<toml::Value>>,
    to: Option<Spanned<String>>,
}

type Rules = Spanned<Vec<Spanned<RawRule>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    name: Option<Spanned<String>>,
    actions: Spanned<Vec<Spanned<String>>>,
    observations: Option<Spanned<Vec<Spanned<String>>>>,
    alpha: Spanned<Num>,
    depth: Option<Spanned<i64>>,
    truth: Spanned<String>,
    models: Spanned<Vec<RawModel>>,
    environment: Option<Spanned<RawEnvironment>>,
    #[serde(default)]
    events: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Spanned<String>,
    prior: Spanned<Num>,
    iid: Option<Dist>,
    start: Option<Dist>,
    after_action: Option<DistMap>,
    after_observation: Option<DistMap>,
    states: Option<Names>,
    start_state: Option<Spanned<String>>,
    policy: Option<DistMap>,
    transitions: Option<Rules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    iid: Option<Dist>,
    after_action: Option<DistMap>,
    states: Option<Names>,
    start_state: Option<Spanned<String>>,
    observe: Option<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    transitions: Option<Rules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    name: Spanned<String>,
    action: Option<Spanned<String>>,
    observation: Option<Spanned<String>>,
    at_least: Option<Spanned<i64>>,
    at_step: Option<Spanned<i64>>,
    prefix: Option<Spanned<Vec<Spanned<String>>>>,
    states: Option<Names>,
    start_state: Option<Spanned<String>>,
    accepting: Option<Names>,
    transitions: Option<Rules>,
}

/// A rule's fault at `span` (or, for a list of names, at the offending name's span).
fn at<'a>(ctx: &'a Ctx<'a>, span: Range<usize>) -> impl Fn(Fault) -> ScenarioError + 'a {
    move |f| ctx.err(&f.key, span.clone(), f.message)
}

fn names(list: &Spanned<Vec<Spanned<String>>>, key: &str, ctx: &Ctx) -> Result<Vec<String>, ScenarioError> {
    let out: Vec<String> = list.get_ref().iter().map(|n| n.get_ref().clone()).collect();
    rules::names(&out, key).map_err(|f| {
        let span = f.item.map_or(list.span(), |i| list.get_ref()[i].span());
        ctx.err(&f.key, span, f.message)
    })?;
    Ok(out)
}

/// Checks one distribution: its length, each entry in [0, 1], the sum exactly 1.
fn distribution(d: &Dist, len: usize, what: &str, key: &str, ctx: &Ctx) -> Result<Vec<Rational>, ScenarioError> {
    let v: Vec<Rational> = d.get_ref().iter().map(|n| n.0.clone()).collect();
    rules::distribution(&v, len, what, key).map_err(at(ctx, d.span()))?;
    Ok(v)
}

/// Reads a table keyed by names (`after_action`, `after_observation`): every name once, no other key.
fn by_name(
    map: &DistMap,
    labels: &[String],
    len: usize,
    what: &str,
    key: &str,
    ctx: &Ctx,
) -> Result<Vec<Vec<Rational>>, ScenarioError> {
    for k in map.get_ref().keys() {
        if !labels.contains(k) {
            return Err(ctx.err(&format!("{key}.{k}"), map.span(), format!("`{k}` is not one of {labels:?}")));
        }
    }
    labels
        .iter()
        .map(|l| match map.get_ref().get(l) {
            Some(d) => distribution(d, len, what, &format!("{key}.{l}"), ctx),
            None => {
                Err(ctx.err(key, map.span(), format!("has no entry for `{l}`: give one for every one of {labels:?}")))
            }
        })
        .collect()
}

/// The index of `name` among `names` (the states of a machine, the actions
/// or the observations), or an error at `span` that lists them.
fn index_of(
    name: &str,
    names: &[String],
    what: &str,
    key: &str,
    span: Range<usize>,
    ctx: &Ctx,
) -> Result<usize, ScenarioError> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| ctx.err(key, span, format!("`{name}` is not {}; the {what}s are {names:?}", with_article(what))))
}

/// A rule's `from`, `action` or `observation`: `"*"` (any), a name, or a list of names.
fn pick(
    v: Option<&Spanned<toml::Value>>,
    names: &[String],
    what: &str,
    key: &str,
    ctx: &Ctx,
) -> Result<Pick, ScenarioError> {
    let Some(v) = v else { return Ok(Pick::Any) };
    let bad = || {
        ctx.err(key, v.span(), format!("must be the name of {}, a list of names, or \"*\" (any)", with_article(what)))
    };
    match v.get_ref() {
        toml::Value::String(s) if s == "*" => Ok(Pick::Any),
        toml::Value::String(s) => Ok(Pick::One(index_of(s, names, what, key, v.span(), ctx)?)),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => index_of(s, names, what, key, v.span(), ctx),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<usize>, _>>()
            .map(Pick::Some),
        _ => Err(bad()),
    }
}

/// "a state", "an action", "an observation".
fn with_article(what: &str) -> String {
    if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// The parts of a machine as written: its states, start state and rules.
struct RawMachine<'r> {
    states: &'r Names,
    start_state: Option<&'r Spanned<String>>,
    transitions: Option<&'r Rules>,
}

/// Reads a machine (of a model, the environment or an event, whose table is
/// `table`): its states (at least one, distinct, at most
/// [`MAX_MACHINE_STATES`](crate::limits::MAX_MACHINE_STATES)), its start
/// state (default: the first) and its rules, every name resolved at its span.
/// A state that the rules make unreachable is no error but a warning, added
/// to `warnings`.
fn machine(
    raw: RawMachine,
    table: &str,
    actions: &[String],
    observations: &[String],
    ctx: &Ctx,
    warnings: &mut Vec<String>,
) -> Result<Machine, ScenarioError> {
    let states = names(raw.states, &format!("{table}.states"), ctx)?;
    if states.len() > crate::limits::MAX_MACHINE_STATES {
        return Err(ctx.err(
            &format!("{table}.states"),
            raw.states.span(),
            crate::machine::too_many_states(states.len()),
        ));
    }
    let start = match raw.start_state {
        Some(s) => index_of(s.get_ref(), &states, "state", &format!("{table}.start_state"), s.span(), ctx)?,
        None => 0,
    };
    let mut rules = Vec::new();
    for (i, r) in raw.transitions.map(|t| &t.get_ref()[..]).unwrap_or_default().iter().enumerate() {
        let key = |k: &str| format!("{table}.transitions[{i}].{k}");
        let rule = r.get_ref();
        let from = pick(rule.from.as_ref(), &states, "state", &key("from"), ctx)?;
        let action = pick(rule.action.as_ref(), actions, "action", &key("action"), ctx)?;
        let observation = pick(rule.observation.as_ref(), observations, "observation", &key("observation"), ctx)?;
        let to = match &rule.to {
            Some(to) => index_of(to.get_ref(), &states, "state", &key("to"), to.span(), ctx)?,
            None => {
                return Err(ctx.err(&key("to"), r.span(), "a rule needs `to`: the state it moves to"));
            }
        };
        rules.push(Rule { from, action, observation, to });
    }
    let m = Machine::new(states, start, rules, actions.len(), observations.len())
        .map_err(|(k, message)| ctx.err(&format!("{table}.{k}"), raw.states.span(), message))?;
    let lost = m.unreachable();
    if !lost.is_empty() {
        // One warning per machine, naming the first few states.
        const SHOWN: usize = 5;
        let mut named: Vec<String> = lost.iter().take(SHOWN).map(|&s| format!("`{}`", m.states()[s])).collect();
        if lost.len() > SHOWN {
            named.push(format!("{} more", lost.len() - SHOWN));
        }
        let what = if lost.len() == 1 { "state" } else { "states" };
        warnings.push(
            ctx.err(
                &format!("{table}.states"),
                raw.states.span(),
                format!(
                    "{what} {} cannot be reached from the start state `{}` by the transitions",
                    named.join(", "),
                    m.states()[m.start()]
                ),
            )
            .to_string(),
        );
    }
    Ok(m)
}

/// A number of an `observe` table, read as a scenario's numbers are: a string
/// read exactly or an integer; a float is refused.
fn value_number(v: &toml::Value) -> Result<Rational, String> {
    match v {
        toml::Value::String(s) => parse_rational(s).map_err(|e| e.to_string()),
        toml::Value::Integer(n) => Ok(Rational::from_integer((*n).into())),
        toml::Value::Float(x) => {
            Err(format!("{x} is a TOML float, which is not exact: quote it, e.g. \"{x}\" or as a fraction \"p/q\""))
        }
        _ => Err("must be a number, as a string (\"1/3\", \"0.25\") or an integer".into()),
    }
}

/// A distribution over the observations written in an `observe` table.
fn value_distribution(
    v: &toml::Value,
    span: Range<usize>,
    no: usize,
    key: &str,
    ctx: &Ctx,
) -> Result<Vec<Rational>, ScenarioError> {
    let toml::Value::Array(items) = v else {
        return Err(ctx.err(key, span, "must be a distribution over the observations: a list of numbers"));
    };
    let d: Vec<Rational> =
        items.iter().map(value_number).collect::<Result<_, _>>().map_err(|m| ctx.err(key, span.clone(), m))?;
    rules::distribution(&d, no, "observations", key).map_err(at(ctx, span))?;
    Ok(d)
}

/// The distributions of an `observe` table by state and action, and which states were written as tables.
type Observe = (Vec<Vec<Vec<Rational>>>, Vec<bool>);

/// A machine environment's `observe`: for every state, one distribution over
/// the observations (whatever the action) or a table keyed by every action.
/// Returns the distributions by state and action, and which states were tables.
fn observe(
    map: &Spanned<BTreeMap<String, Spanned<toml::Value>>>,
    states: &[String],
    actions: &[String],
    no: usize,
    ctx: &Ctx,
) -> Result<Observe, ScenarioError> {
    for (k, v) in map.get_ref() {
        if !states.contains(k) {
            return Err(ctx.err(
                &format!("environment.observe.{k}"),
                v.span(),
                format!("`{k}` is not a state; the states are {states:?}"),
            ));
        }
    }
    let (mut rows, mut tables) = (Vec::new(), Vec::new());
    for s in states {
        let key = format!("environment.observe.{s}");
        let Some(v) = map.get_ref().get(s) else {
            return Err(ctx.err(
                "environment.observe",
                map.span(),
                format!("has no entry for `{s}`: give one for every one of {states:?}"),
            ));
        };
        match v.get_ref() {
            toml::Value::Table(t) => {
                for k in t.keys() {
                    if !actions.contains(k) {
                        return Err(ctx.err(
                            &format!("{key}.{k}"),
                            v.span(),
                            format!("`{k}` is not an action; the actions are {actions:?}"),
                        ));
                    }
                }
                let by_action = actions
                    .iter()
                    .map(|a| match t.get(a) {
                        Some(d) => value_distribution(d, v.span(), no, &format!("{key}.{a}"), ctx),
                        None => Err(ctx.err(
                            &key,
                            v.span(),
                            format!(
                                "has no entry for the action `{a}`: a table by action gives one for every one of \
                                 {actions:?} (or give one distribution for all)"
                            ),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                rows.push(by_action);
                tables.push(true);
            }
            other => {
                let d = value_distribution(other, v.span(), no, &key, ctx)?;
                rows.push(vec![d; actions.len()]);
                tables.push(false);
            }
        }
    }
    Ok((rows, tables))
}

/// The scenario a file describes: every check with its span, in the file's
/// order, then the builder, which applies the same rules again (they hold)
/// and normalizes the priors.
pub(super) fn build(raw: RawScenario, ctx: &Ctx, default_name: &str) -> Result<Scenario, ScenarioError> {
    let actions = names(&raw.actions, "actions", ctx)?;
    let observations = match &raw.observations {
        Some(o) => names(o, "observations", ctx)?,
        None => vec!["-".to_string()],
    };
    let alpha = raw.alpha.get_ref().0.clone();
    rules::alpha(&alpha).map_err(at(ctx, raw.alpha.span()))?;
    let depth = match &raw.depth {
        Some(d) => {
            rules::depth(i128::from(*d.get_ref())).map_err(at(ctx, d.span()))?;
            Some(*d.get_ref() as usize)
        }
        None => None,
    };
    rules::some_model(raw.models.get_ref().len()).map_err(at(ctx, raw.models.span()))?;
    let na = actions.len();
    let mut warnings = Vec::new();
    let mut seen = HashSet::new();
    let mut models = Vec::new();
    for (i, m) in raw.models.get_ref().iter().enumerate() {
        let key = |k: &str| format!("models[{i}].{k}");
        let name = m.name.get_ref().clone();
        rules::model_name(i, &name, &mut seen).map_err(at(ctx, m.name.span()))?;
        let prior = m.prior.get_ref().0.clone();
        rules::prior(i, &prior).map_err(at(ctx, m.prior.span()))?;
        let is_machine = m.states.is_some() || m.policy.is_some() || m.start_state.is_some() || m.transitions.is_some();
        let markov_keys =
            m.iid.is_some() || m.start.is_some() || m.after_action.is_some() || m.after_observation.is_some();
        let kind: Box<dyn DemonstratorModel> = match (&m.iid, &m.start, &m.after_action, &m.after_observation) {
            _ if is_machine => match (&m.states, &m.policy) {
                (Some(states), Some(policy)) if !markov_keys => {
                    let raw =
                        RawMachine { states, start_state: m.start_state.as_ref(), transitions: m.transitions.as_ref() };
                    let machine = machine(raw, &format!("models[{i}]"), &actions, &observations, ctx, &mut warnings)?;
                    let policy = by_name(policy, machine.states(), na, "actions", &key("policy"), ctx)?;
                    Box::new(MachineModel { machine, policy })
                }
                _ => {
                    return Err(ctx.err(
                        &format!("models[{i}]"),
                        m.name.span(),
                        format!(
                            "model `{name}` as a machine has `states` and `policy` (and may have `start_state` and \
                             `transitions`), and none of `iid`, `start`, `after_action` or `after_observation`"
                        ),
                    ))
                }
            },
            (Some(d), None, None, None) => Box::new(Iid { probs: distribution(d, na, "actions", &key("iid"), ctx)? }),
            (None, Some(s), Some(t), None) => Box::new(Markov {
                reads: LastStep::Action,
                start: distribution(s, na, "actions", &key("start"), ctx)?,
                after: by_name(t, &actions, na, "actions", &key("after_action"), ctx)?,
            }),
            (None, Some(s), None, Some(t)) => Box::new(Markov {
                reads: LastStep::Observation,
                start: distribution(s, na, "actions", &key("start"), ctx)?,
                after: by_name(t, &observations, na, "actions", &key("after_observation"), ctx)?,
            }),
            _ => {
                return Err(ctx.err(
                    &format!("models[{i}]"),
                    m.name.span(),
                    format!(
                        "model `{name}` must have exactly one of: `iid`; `start` with `after_action`; `start` with \
                         `after_observation`; `states` with `policy`"
                    ),
                ))
            }
        };
        models.push((name, prior, kind));
    }
    let known: Vec<&str> = models.iter().map(|m| m.0.as_str()).collect();
    rules::truth(raw.truth.get_ref(), &known).map_err(at(ctx, raw.truth.span()))?;
    let no = observations.len();
    let environment: Option<Box<dyn Environment>> = match &raw.environment {
        None => None,
        Some(env) if is_machine_environment(env.get_ref()) => {
            let e = env.get_ref();
            match (&e.states, &e.observe, &e.iid, &e.after_action) {
                (Some(states), Some(map), None, None) => {
                    let raw =
                        RawMachine { states, start_state: e.start_state.as_ref(), transitions: e.transitions.as_ref() };
                    let machine = machine(raw, "environment", &actions, &observations, ctx, &mut warnings)?;
                    let (rows, per_action) = observe(map, machine.states(), &actions, no, ctx)?;
                    Some(Box::new(MachineEnvironment { machine, observe: rows, per_action }))
                }
                _ => {
                    return Err(ctx.err(
                        "environment",
                        env.span(),
                        "as a machine has `states` and `observe` (and may have `start_state` and `transitions`), \
                         and neither `iid` nor `after_action`",
                    ))
                }
            }
        }
        Some(env) => Some(match (&env.get_ref().iid, &env.get_ref().after_action) {
            (Some(d), None) => {
                Box::new(IidEnvironment { probs: distribution(d, no, "observations", "environment.iid", ctx)? })
            }
            (None, Some(t)) => Box::new(AfterActionEnvironment {
                by_action: by_name(t, &actions, no, "observations", "environment.after_action", ctx)?,
            }),
            _ => {
                return Err(ctx.err(
                    "environment",
                    env.span(),
                    "must have exactly one of `iid`, `after_action`, or `states` with `observe`",
                ))
            }
        }),
    };
    let mut events = Vec::new();
    let mut event_names = HashSet::new();
    for (i, e) in raw.events.iter().enumerate() {
        let key = |k: &str| format!("events[{i}].{k}");
        let ev = e.get_ref();
        let name = ev.name.get_ref().clone();
        rules::event_name(i, &name, &mut event_names).map_err(at(ctx, ev.name.span()))?;
        let action_index = |s: &Spanned<String>, k: &str| {
            actions.iter().position(|a| a == s.get_ref()).ok_or_else(|| {
                ctx.err(k, s.span(), format!("`{}` is not an action; the actions are {actions:?}", s.get_ref()))
            })
        };
        let observation_index =
            |s: &Spanned<String>, k: &str| index_of(s.get_ref(), &observations, "observation", k, s.span(), ctx);
        let is_machine =
            ev.states.is_some() || ev.accepting.is_some() || ev.start_state.is_some() || ev.transitions.is_some();
        let other_keys = ev.action.is_some()
            || ev.observation.is_some()
            || ev.at_least.is_some()
            || ev.at_step.is_some()
            || ev.prefix.is_some();
        let event = match (&ev.action, &ev.at_least, &ev.at_step, &ev.prefix) {
            _ if is_machine => match (&ev.states, &ev.accepting) {
                (Some(states), Some(accepting)) if !other_keys => {
                    let raw = RawMachine {
                        states,
                        start_state: ev.start_state.as_ref(),
                        transitions: ev.transitions.as_ref(),
                    };
                    let machine = machine(raw, &format!("events[{i}]"), &actions, &observations, ctx, &mut warnings)?;
                    if accepting.get_ref().is_empty() {
                        return Err(ctx.err(
                            &key("accepting"),
                            accepting.span(),
                            "must list at least one accepting state",
                        ));
                    }
                    let accepting = accepting
                        .get_ref()
                        .iter()
                        .enumerate()
                        .map(|(j, s)| {
                            index_of(
                                s.get_ref(),
                                machine.states(),
                                "state",
                                &key(&format!("accepting[{j}]")),
                                s.span(),
                                ctx,
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Event::new(name, MachineEvent { machine, accepting })
                }
                _ => {
                    return Err(ctx.err(
                        &format!("events[{i}]"),
                        e.span(),
                        format!(
                            "event `{name}` as a machine has `states` and `accepting` (and may have `start_state` and \
                             `transitions`), and none of `action`, `observation`, `at_least`, `at_step` or `prefix`"
                        ),
                    ))
                }
            },
            _ if ev.observation.is_some() => {
                let o = ev.observation.as_ref().map(|o| observation_index(o, &key("observation"))).transpose()?;
                let a = ev.action.as_ref().map(|a| action_index(a, &key("action"))).transpose()?;
                match (&ev.at_least, &ev.at_step, &ev.prefix) {
                    (Some(n), None, None) => {
                        if *n.get_ref() < 0 {
                            return Err(ctx.err(&key("at_least"), n.span(), "must be a count >= 0"));
                        }
                        Event::new(name, AtLeast { action: a, observation: o, count: *n.get_ref() as usize })
                    }
                    (None, Some(s), None) => {
                        if *s.get_ref() < 1 {
                            return Err(ctx.err(&key("at_step"), s.span(), "must be a step >= 1"));
                        }
                        Event::new(name, AtStep { action: a, observation: o, step: *s.get_ref() as usize })
                    }
                    _ => {
                        return Err(ctx.err(
                            &format!("events[{i}]"),
                            e.span(),
                            format!(
                                "event `{name}` with an `observation` must have `at_least` or `at_step` (and no \
                                 `prefix`, which reads actions only)"
                            ),
                        ))
                    }
                }
            }
            (Some(a), Some(n), None, None) => {
                if *n.get_ref() < 0 {
                    return Err(ctx.err(&key("at_least"), n.span(), "must be a count >= 0"));
                }
                Event::new(name, AtLeast::of_action(action_index(a, &key("action"))?, *n.get_ref() as usize))
            }
            (Some(a), None, Some(s), None) => {
                if *s.get_ref() < 1 {
                    return Err(ctx.err(&key("at_step"), s.span(), "must be a step >= 1"));
                }
                Event::new(name, AtStep::of_action(action_index(a, &key("action"))?, *s.get_ref() as usize))
            }
            (None, None, None, Some(p)) => Event::new(
                name,
                Prefix {
                    actions: p
                        .get_ref()
                        .iter()
                        .enumerate()
                        .map(|(j, a)| action_index(a, &format!("events[{i}].prefix[{j}]")))
                        .collect::<Result<_, _>>()?,
                },
            ),
            _ => {
                return Err(ctx.err(
                    &format!("events[{i}]"),
                    e.span(),
                    format!(
                        "event `{name}` must have `action`, `observation` or both with `at_least` or `at_step`; or \
                         `prefix` alone; or `states` with `accepting`"
                    ),
                ))
            }
        };
        events.push(event);
    }
    let name = raw.name.as_ref().map(|n| n.get_ref().clone()).unwrap_or_else(|| default_name.to_string());
    let mut b = Scenario::builder(name)
        .actions(actions)
        .observations(observations)
        .alpha(alpha)
        .truth(raw.truth.get_ref().clone());
    if let Some(d) = depth {
        b = b.depth(d);
    }
    for (name, prior, kind) in models {
        b = b.model(name, prior, kind);
    }
    if let Some(env) = environment {
        b = b.environment(env);
    }
    for e in events {
        b = b.event(e);
    }
    // Every rule was checked above, at its span; should the builder still
    // refuse, its fault is reported at the start of the file rather than lost.
    let mut s = b.build().map_err(|e| match e {
        ScenarioError::Rejected { key, message } => ctx.err(&key, 0..0, message),
        other => other,
    })?;
    s.warnings = warnings;
    Ok(s)
}

/// Whether the `[environment]` table declares a machine (any of its keys).
fn is_machine_environment(e: &RawEnvironment) -> bool {
    e.states.is_some() || e.observe.is_some() || e.start_state.is_some() || e.transitions.is_some()
}
