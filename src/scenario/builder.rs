//! The one way to make a [`Scenario`]: a builder that applies every rule a
//! scenario obeys, whether it comes from a file or from code.
//!
//! The rules are functions here ([`names`], [`alpha`], [`distribution`], …),
//! each giving a [`Fault`]: the key as a scenario file names it and why. The
//! file reader calls them in the file's order and puts each fault at the span
//! of its key (`file:line:column: key `…`: why`); [`ScenarioBuilder::build`]
//! calls them again, in the same order, and gives the same fault as
//! [`ScenarioError::Rejected`] (`key `…`: why`). So both paths refuse the same
//! scenarios with the same words, and normalize priors the same way.

use super::{Scenario, ScenarioError};
use crate::environment::{Environment, IidEnvironment};
use crate::event::Event;
use crate::model::{DemonstratorModel, Model};
use crate::number::{fmt_exact, in_unit_interval, Rational};
use num_traits::{One, Signed, Zero};
use std::collections::HashSet;

/// A broken rule: the key (as a scenario file names it), why, and for a list
/// of names the index of the offending one (the reader points at it).
#[derive(Debug)]
pub(super) struct Fault {
    pub(super) key: String,
    pub(super) message: String,
    pub(super) item: Option<usize>,
}

impl Fault {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Fault {
        Fault { key: key.into(), message: message.into(), item: None }
    }
}

impl From<Fault> for ScenarioError {
    fn from(f: Fault) -> ScenarioError {
        ScenarioError::Rejected { key: crate::limits::excerpt(&f.key), message: f.message }
    }
}

/// A list of names (`actions`, `observations`): at least one, none empty, none twice.
pub(super) fn names(list: &[String], key: &str) -> Result<(), Fault> {
    if list.is_empty() {
        return Err(Fault::new(key, "must list at least one name"));
    }
    let mut seen = HashSet::new();
    for (i, n) in list.iter().enumerate() {
        let fault = |message: String| Fault { key: format!("{key}[{i}]"), message, item: Some(i) };
        if n.is_empty() {
            return Err(fault("a name must not be empty".into()));
        }
        if !seen.insert(n) {
            return Err(fault(format!("duplicate name `{n}`")));
        }
    }
    Ok(())
}

/// `0 < α < 1`.
pub(super) fn alpha(alpha: &Rational) -> Result<(), Fault> {
    if !(alpha.is_positive() && *alpha < Rational::one()) {
        return Err(Fault::new("alpha", format!("is {}, but must satisfy 0 < alpha < 1", fmt_exact(alpha))));
    }
    Ok(())
}

/// A default horizon of at least one step.
pub(super) fn depth(depth: i128) -> Result<(), Fault> {
    if depth < 1 {
        return Err(Fault::new("depth", format!("is {depth}, but must be at least 1")));
    }
    Ok(())
}

/// At least one model.
pub(super) fn some_model(models: usize) -> Result<(), Fault> {
    if models == 0 {
        return Err(Fault::new("models", "declare at least one [[models]]"));
    }
    Ok(())
}

/// Model `i`'s name: not empty, not met before.
pub(super) fn model_name(i: usize, name: &str, seen: &mut HashSet<String>) -> Result<(), Fault> {
    let key = format!("models[{i}].name");
    if name.is_empty() {
        return Err(Fault::new(key, "a name must not be empty"));
    }
    if !seen.insert(name.to_string()) {
        return Err(Fault::new(key, format!("duplicate model name `{name}`")));
    }
    Ok(())
}

/// Model `i`'s prior weight: `> 0` (the weights are normalized over the class).
pub(super) fn prior(i: usize, prior: &Rational) -> Result<(), Fault> {
    if !prior.is_positive() {
        return Err(Fault::new(
            format!("models[{i}].prior"),
            format!("is {}, but a prior must be > 0", fmt_exact(prior)),
        ));
    }
    Ok(())
}

/// One distribution over `len` `what`s (`actions`, `observations`): its
/// length, each entry in [0, 1], the sum exactly 1.
pub(super) fn distribution(v: &[Rational], len: usize, what: &str, key: &str) -> Result<(), Fault> {
    if v.len() != len {
        return Err(Fault::new(
            key,
            format!(
                "has {} entries but there are {len} {what}: give one probability per {}",
                v.len(),
                what.trim_end_matches('s')
            ),
        ));
    }
    if let Some((i, r)) = v.iter().enumerate().find(|(_, r)| !in_unit_interval(r)) {
        return Err(Fault::new(key, format!("entry {i} is {}, outside [0, 1]", fmt_exact(r))));
    }
    let sum: Rational = v.iter().fold(Rational::zero(), |s, r| s + r);
    if !sum.is_one() {
        return Err(Fault::new(key, format!("sums to {}, not exactly 1", fmt_exact(&sum))));
    }
    Ok(())
}

/// The index of the truth among the models' names.
pub(super) fn truth(truth: &str, models: &[&str]) -> Result<usize, Fault> {
    models
        .iter()
        .position(|m| *m == truth)
        .ok_or_else(|| Fault::new("truth", format!("`{truth}` is not a model; the models are {models:?}")))
}

/// Event `i`'s name: not empty, not met before.
pub(super) fn event_name(i: usize, name: &str, seen: &mut HashSet<String>) -> Result<(), Fault> {
    let key = format!("events[{i}].name");
    if name.is_empty() {
        return Err(Fault::new(key, "a name must not be empty"));
    }
    if !seen.insert(name.to_string()) {
        return Err(Fault::new(key, format!("duplicate event name `{name}`")));
    }
    Ok(())
}

/// A context the engines will index by, within the `contexts` there are.
fn context_in_range(key: &str, what: impl FnOnce() -> String, next: usize, contexts: usize) -> Result<(), Fault> {
    if next >= contexts {
        return Err(Fault::new(key, format!("{} is context {next}, but there are {contexts} contexts", what())));
    }
    Ok(())
}

/// Every move out of context `c` (`next(action, observation)`) stays within the `contexts`.
fn moves(
    key: &str,
    c: usize,
    contexts: usize,
    actions: &[String],
    observations: &[String],
    next: impl Fn(usize, usize) -> usize,
) -> Result<(), Fault> {
    for (a, action) in actions.iter().enumerate() {
        for (o, observation) in observations.iter().enumerate() {
            let what = || format!("the context after `{action}`, `{observation}` in context {c}");
            context_in_range(key, what, next(a, o), contexts)?;
        }
    }
    Ok(())
}

/// Model `i`'s kind: every context's distribution over the actions, and its
/// contexts' moves within range (a file's kinds always pass; one made in code
/// may not).
fn model_kind(
    i: usize,
    kind: &dyn DemonstratorModel,
    actions: &[String],
    observations: &[String],
) -> Result<(), Fault> {
    let key = format!("models[{i}]");
    let n = kind.contexts();
    if n == 0 {
        return Err(Fault::new(key, "has no context: a model needs at least one"));
    }
    context_in_range(&key, || "the initial context".into(), kind.initial_context(), n)?;
    for c in 0..n {
        let at = format!("models[{i}].{}", kind.context_key(c, actions, observations));
        distribution(kind.distribution(c), actions.len(), "actions", &at)?;
        moves(&key, c, n, actions, observations, |a, o| kind.next_context(c, a, o))?;
    }
    Ok(())
}

/// The environment: every context's distribution over the observations after
/// each action, and its moves within range.
fn environment(env: &dyn Environment, actions: &[String], observations: &[String]) -> Result<(), Fault> {
    let n = env.contexts();
    if n == 0 {
        return Err(Fault::new("environment", "has no context: an environment needs at least one"));
    }
    context_in_range("environment", || "the initial context".into(), env.initial_context(), n)?;
    for c in 0..n {
        for a in 0..actions.len() {
            let at = format!("environment.{}", env.distribution_key(c, a, actions));
            distribution(env.distribution(c, a), observations.len(), "observations", &at)?;
        }
        moves("environment", c, n, actions, observations, |a, o| env.next_context(c, a, o))?;
    }
    Ok(())
}

/// Builds a [`Scenario`], the only way to make one: set its parts, then
/// [`build`](ScenarioBuilder::build) checks every rule (the same rules, with
/// the same messages, as a scenario file) and normalizes the priors.
///
/// ```
/// use imitator::model::Iid;
/// use imitator::number::ratio;
/// use imitator::scenario::Scenario;
///
/// let coin = |p: i64| Box::new(Iid { probs: vec![ratio(p, 4), ratio(4 - p, 4)] });
/// let s = Scenario::builder("two coins")
///     .actions(["heads", "tails"])
///     .alpha(ratio(1, 10))
///     .model("fair", ratio(1, 1), coin(2))
///     .model("biased", ratio(3, 1), coin(3))
///     .truth("fair")
///     .build()
///     .unwrap();
/// // Priors are weights, normalized over the class as a file's are.
/// assert_eq!(*s.truth_weight(), ratio(1, 4));
/// ```
#[derive(Debug)]
pub struct ScenarioBuilder {
    name: String,
    actions: Vec<String>,
    observations: Option<Vec<String>>,
    alpha: Option<Rational>,
    depth: Option<usize>,
    truth: Option<String>,
    models: Vec<(String, Rational, Box<dyn DemonstratorModel>)>,
    environment: Option<Box<dyn Environment>>,
    events: Vec<Event>,
}

impl Scenario {
    /// A builder for a scenario named `name`: the only way to make a
    /// [`Scenario`], so that every one obeys the rules a file does.
    pub fn builder(name: impl Into<String>) -> ScenarioBuilder {
        ScenarioBuilder {
            name: name.into(),
            actions: Vec::new(),
            observations: None,
            alpha: None,
            depth: None,
            truth: None,
            models: Vec::new(),
            environment: None,
            events: Vec::new(),
        }
    }
}

impl ScenarioBuilder {
    /// The actions' names, in order (required; distinct, not empty).
    pub fn actions<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.actions = names.into_iter().map(Into::into).collect();
        self
    }

    /// The observations' names, in order (default: one observation, `-`).
    pub fn observations<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.observations = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The α of the top-set rule (required; `0 < α < 1`).
    pub fn alpha(mut self, alpha: Rational) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// The default horizon (at least 1), for runs that are not given one.
    pub fn depth(mut self, depth: usize) -> Self {
        self.depth = Some(depth);
        self
    }

    /// The name of the true demonstrator, one of the models (required).
    pub fn truth(mut self, name: impl Into<String>) -> Self {
        self.truth = Some(name.into());
        self
    }

    /// Adds a model to the class, after those already added (the order breaks
    /// ranking ties): its name (distinct), its prior weight (`> 0`; the
    /// weights are normalized over the class) and its kind.
    pub fn model(mut self, name: impl Into<String>, prior: Rational, kind: Box<dyn DemonstratorModel>) -> Self {
        self.models.push((name.into(), prior, kind));
        self
    }

    /// The environment (default: always the first observation).
    pub fn environment(mut self, environment: Box<dyn Environment>) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Adds an event to measure (its name distinct from the others').
    pub fn event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }

    /// The scenario, once every rule holds, with the priors normalized to sum
    /// to 1; or the first rule broken, in the order a file is checked, as
    /// [`ScenarioError::Rejected`] with the key a file would name.
    pub fn build(self) -> Result<Scenario, ScenarioError> {
        names(&self.actions, "actions")?;
        let observations = self.observations.unwrap_or_else(|| vec!["-".to_string()]);
        names(&observations, "observations")?;
        let alpha_value = self.alpha.ok_or_else(|| Fault::new("alpha", "missing field `alpha`"))?;
        alpha(&alpha_value)?;
        if let Some(d) = self.depth {
            depth(d as i128)?;
        }
        some_model(self.models.len())?;
        let mut seen = HashSet::new();
        for (i, (name, prior, kind)) in self.models.iter().enumerate() {
            model_name(i, name, &mut seen)?;
            self::prior(i, prior)?;
            model_kind(i, kind.as_ref(), &self.actions, &observations)?;
        }
        let known: Vec<&str> = self.models.iter().map(|m| m.0.as_str()).collect();
        let truth_name = self.truth.ok_or_else(|| Fault::new("truth", "missing field `truth`"))?;
        let truth = truth(&truth_name, &known)?;
        let environment =
            self.environment.unwrap_or_else(|| Box::new(IidEnvironment::first_observation(observations.len())));
        self::environment(environment.as_ref(), &self.actions, &observations)?;
        let mut event_names = HashSet::new();
        for (i, e) in self.events.iter().enumerate() {
            event_name(i, &e.name, &mut event_names)?;
            e.kind
                .check(self.actions.len(), observations.len())
                .map_err(|(k, message)| Fault::new(format!("events[{i}].{k}"), message))?;
        }
        // Each prior over their sum, the sum taken once over a common
        // denominator: adding and dividing rationals one at a time takes a long
        // gcd each, and a wide class of long priors would take minutes.
        let priors: Vec<Rational> = self.models.iter().map(|m| m.1.clone()).collect();
        let normalized = crate::number::normalize(&priors).expect("priors are positive");
        let models = self
            .models
            .into_iter()
            .zip(normalized)
            .map(|((name, _, kind), prior)| Model { name, prior, kind })
            .collect();
        Ok(Scenario {
            name: self.name,
            actions: self.actions,
            observations,
            alpha: alpha_value,
            depth: self.depth,
            truth,
            models,
            environment,
            events: self.events,
            warnings: Vec::new(),
            _sealed: (),
        })
    }
}
