//! Reading a scenario file: the TOML as written (`Raw*`, every value with
//! its span), then every check in the file's order, each fault at the span of
//! its key: the file's own (which keys go together, names that must resolve)
//! and the rules every scenario obeys, which are the builder's
//! ([`super::builder`]). The scenario itself is then made by the builder.

use super::builder::{self as rules, Fault};
use super::position::Ctx;
use super::{Scenario, ScenarioError};
use crate::environment::{AfterActionEnvironment, Environment, IidEnvironment};
use crate::event::{AtLeast, AtStep, Event, Prefix};
use crate::model::{DemonstratorModel, Iid, LastStep, Markov};
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
    let mut seen = HashSet::new();
    let mut models = Vec::new();
    for (i, m) in raw.models.get_ref().iter().enumerate() {
        let key = |k: &str| format!("models[{i}].{k}");
        let name = m.name.get_ref().clone();
        rules::model_name(i, &name, &mut seen).map_err(at(ctx, m.name.span()))?;
        let prior = m.prior.get_ref().0.clone();
        rules::prior(i, &prior).map_err(at(ctx, m.prior.span()))?;
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
        models.push((name, prior, kind));
    }
    let known: Vec<&str> = models.iter().map(|m| m.0.as_str()).collect();
    rules::truth(raw.truth.get_ref(), &known).map_err(at(ctx, raw.truth.span()))?;
    let no = observations.len();
    let environment: Option<Box<dyn Environment>> = match &raw.environment {
        None => None,
        Some(env) => Some(match (&env.get_ref().iid, &env.get_ref().after_action) {
            (Some(d), None) => {
                Box::new(IidEnvironment { probs: distribution(d, no, "observations", "environment.iid", ctx)? })
            }
            (None, Some(t)) => Box::new(AfterActionEnvironment {
                by_action: by_name(t, &actions, no, "observations", "environment.after_action", ctx)?,
            }),
            _ => return Err(ctx.err("environment", env.span(), "must have exactly one of `iid` or `after_action`")),
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
        let event = match (&ev.action, &ev.at_least, &ev.at_step, &ev.prefix) {
            (Some(a), Some(n), None, None) => {
                if *n.get_ref() < 0 {
                    return Err(ctx.err(&key("at_least"), n.span(), "must be a count >= 0"));
                }
                Event::new(name, AtLeast { action: action_index(a, &key("action"))?, count: *n.get_ref() as usize })
            }
            (Some(a), None, Some(s), None) => {
                if *s.get_ref() < 1 {
                    return Err(ctx.err(&key("at_step"), s.span(), "must be a step >= 1"));
                }
                Event::new(name, AtStep { action: action_index(a, &key("action"))?, step: *s.get_ref() as usize })
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
                    format!("event `{name}` must have `action` with `at_least` or `at_step`, or `prefix` alone"),
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
    b.build().map_err(|e| match e {
        ScenarioError::Rejected { key, message } => ctx.err(&key, 0..0, message),
        other => other,
    })
}
