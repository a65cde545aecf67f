//! Reading a scenario file: the TOML as written (`Raw*`, every value with
//! its span), then every check in the file's order, each fault at the span of
//! its key.

use super::position::Ctx;
use super::{Scenario, ScenarioError};
use crate::environment::{AfterActionEnvironment, Environment, IidEnvironment};
use crate::event::{Event, EventKind};
use crate::model::{DemonstratorModel, Iid, LastStep, Markov, Model};
use crate::number::{fmt_exact, in_unit_interval, parse_rational, Rational};
use num_traits::{One, Signed, Zero};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    iid: Option<Dist>,
    after_action: Option<DistMap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    name: Spanned<String>,
    action: Option<Spanned<String>>,
    at_least: Option<Spanned<i64>>,
    at_step: Option<Spanned<i64>>,
    prefix: Option<Spanned<Vec<Spanned<String>>>>,
}

fn names(list: &Spanned<Vec<Spanned<String>>>, key: &str, ctx: &Ctx) -> Result<Vec<String>, ScenarioError> {
    if list.get_ref().is_empty() {
        return Err(ctx.err(key, list.span(), "must list at least one name"));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, n) in list.get_ref().iter().enumerate() {
        if n.get_ref().is_empty() {
            return Err(ctx.err(&format!("{key}[{i}]"), n.span(), "a name must not be empty"));
        }
        if !seen.insert(n.get_ref().clone()) {
            return Err(ctx.err(&format!("{key}[{i}]"), n.span(), format!("duplicate name `{}`", n.get_ref())));
        }
        out.push(n.get_ref().clone());
    }
    Ok(out)
}

/// Checks one distribution: its length, each entry in [0, 1], the sum exactly 1.
fn distribution(d: &Dist, len: usize, what: &str, key: &str, ctx: &Ctx) -> Result<Vec<Rational>, ScenarioError> {
    let v: Vec<Rational> = d.get_ref().iter().map(|n| n.0.clone()).collect();
    if v.len() != len {
        return Err(ctx.err(
            key,
            d.span(),
            format!(
                "has {} entries but there are {len} {what}: give one probability per {}",
                v.len(),
                what.trim_end_matches('s')
            ),
        ));
    }
    if let Some((i, r)) = v.iter().enumerate().find(|(_, r)| !in_unit_interval(r)) {
        return Err(ctx.err(key, d.span(), format!("entry {i} is {}, outside [0, 1]", fmt_exact(r))));
    }
    let sum: Rational = v.iter().fold(Rational::zero(), |s, r| s + r);
    if !sum.is_one() {
        return Err(ctx.err(key, d.span(), format!("sums to {}, not exactly 1", fmt_exact(&sum))));
    }
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

pub(super) fn build(raw: RawScenario, ctx: &Ctx, default_name: &str) -> Result<Scenario, ScenarioError> {
    let actions = names(&raw.actions, "actions", ctx)?;
    let observations = match &raw.observations {
        Some(o) => names(o, "observations", ctx)?,
        None => vec!["-".to_string()],
    };
    let alpha = raw.alpha.get_ref().0.clone();
    if !(alpha.is_positive() && alpha < Rational::one()) {
        return Err(ctx.err(
            "alpha",
            raw.alpha.span(),
            format!("is {}, but must satisfy 0 < alpha < 1", fmt_exact(&alpha)),
        ));
    }
    let depth = match &raw.depth {
        Some(d) if *d.get_ref() < 1 => {
            return Err(ctx.err("depth", d.span(), format!("is {}, but must be at least 1", d.get_ref())))
        }
        Some(d) => Some(*d.get_ref() as usize),
        None => None,
    };
    if raw.models.get_ref().is_empty() {
        return Err(ctx.err("models", raw.models.span(), "declare at least one [[models]]"));
    }
    let na = actions.len();
    let mut seen = HashSet::new();
    let mut models = Vec::new();
    let mut prior_sum = Rational::zero();
    for (i, m) in raw.models.get_ref().iter().enumerate() {
        let key = |k: &str| format!("models[{i}].{k}");
        let name = m.name.get_ref().clone();
        if name.is_empty() {
            return Err(ctx.err(&key("name"), m.name.span(), "a name must not be empty"));
        }
        if !seen.insert(name.clone()) {
            return Err(ctx.err(&key("name"), m.name.span(), format!("duplicate model name `{name}`")));
        }
        let prior = m.prior.get_ref().0.clone();
        if !prior.is_positive() {
            return Err(ctx.err(
                &key("prior"),
                m.prior.span(),
                format!("is {}, but a prior must be > 0", fmt_exact(&prior)),
            ));
        }
        prior_sum += &prior;
        let kind: Box<dyn DemonstratorModel> = match (&m.iid, &m.start, &m.after_action, &m.after_observation) {
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
                    format!("model `{name}` must have exactly one of: `iid`; `start` with `after_action`; `start` with `after_observation`"),
                ))
            }
        };
        models.push(Model { name, prior, kind });
    }
    for m in &mut models {
        m.prior = &m.prior / &prior_sum;
    }
    let truth = models.iter().position(|m| m.name == *raw.truth.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        ctx.err(
            "truth",
            raw.truth.span(),
            format!("`{}` is not a model; the models are {known:?}", raw.truth.get_ref()),
        )
    })?;
    let no = observations.len();
    let environment: Box<dyn Environment> = match &raw.environment {
        None => Box::new(IidEnvironment::first_observation(no)),
        Some(env) => match (&env.get_ref().iid, &env.get_ref().after_action) {
            (Some(d), None) => {
                Box::new(IidEnvironment { probs: distribution(d, no, "observations", "environment.iid", ctx)? })
            }
            (None, Some(t)) => Box::new(AfterActionEnvironment {
                by_action: by_name(t, &actions, no, "observations", "environment.after_action", ctx)?,
            }),
            _ => return Err(ctx.err("environment", env.span(), "must have exactly one of `iid` or `after_action`")),
        },
    };
    let mut events = Vec::new();
    let mut event_names = HashSet::new();
    for (i, e) in raw.events.iter().enumerate() {
        let key = |k: &str| format!("events[{i}].{k}");
        let ev = e.get_ref();
        let name = ev.name.get_ref().clone();
        if name.is_empty() {
            return Err(ctx.err(&key("name"), ev.name.span(), "a name must not be empty"));
        }
        if !event_names.insert(name.clone()) {
            return Err(ctx.err(&key("name"), ev.name.span(), format!("duplicate event name `{name}`")));
        }
        let action_index = |s: &Spanned<String>, k: &str| {
            actions.iter().position(|a| a == s.get_ref()).ok_or_else(|| {
                ctx.err(k, s.span(), format!("`{}` is not an action; the actions are {actions:?}", s.get_ref()))
            })
        };
        let kind = match (&ev.action, &ev.at_least, &ev.at_step, &ev.prefix) {
            (Some(a), Some(n), None, None) => {
                if *n.get_ref() < 0 {
                    return Err(ctx.err(&key("at_least"), n.span(), "must be a count >= 0"));
                }
                EventKind::AtLeast { action: action_index(a, &key("action"))?, count: *n.get_ref() as usize }
            }
            (Some(a), None, Some(s), None) => {
                if *s.get_ref() < 1 {
                    return Err(ctx.err(&key("at_step"), s.span(), "must be a step >= 1"));
                }
                EventKind::AtStep { action: action_index(a, &key("action"))?, step: *s.get_ref() as usize }
            }
            (None, None, None, Some(p)) => EventKind::Prefix {
                actions: p
                    .get_ref()
                    .iter()
                    .enumerate()
                    .map(|(j, a)| action_index(a, &format!("events[{i}].prefix[{j}]")))
                    .collect::<Result<_, _>>()?,
            },
            _ => {
                return Err(ctx.err(
                    &format!("events[{i}]"),
                    e.span(),
                    format!("event `{name}` must have `action` with `at_least` or `at_step`, or `prefix` alone"),
                ))
            }
        };
        events.push(Event { name, kind });
    }
    let name = raw.name.as_ref().map(|n| n.get_ref().clone()).unwrap_or_else(|| default_name.to_string());
    Ok(Scenario { name, actions, observations, alpha, depth, truth, models, environment, events })
}
