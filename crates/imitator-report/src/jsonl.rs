//! The policy listing's line format (JSON Lines): one reachable history and
//! the imitator's exact policy there per line.
//!
//! ```json
//! {"history": [{"query": true, "action": "heads", "observation": "-"}],
//!  "posterior": {"fair": "2/5", "heads-biased": "3/5"},
//!  "ranking": ["heads-biased", "fair"], "top": ["heads-biased", "fair"],
//!  "m": {"heads": "1/2", "tails": "1/4"}, "theta": "1/4",
//!  "p_im": "1/8", "truth_in_top": true}
//! ```
//!
//! Exact numbers are strings in lowest terms (`"p/q"`, or `"n"` when the
//! denominator is 1). `posterior` is the normalized posterior at the history
//! (before its next step), `m` and `theta` the policy there, `p_im` the
//! probability of the full history (query flags, actions and observations)
//! when the imitator runs in the scenario's environment. The schema is
//! `docs/policy-line.schema.json`; `docs/policy-lines.md` describes it.

use imitator::engine::histories::{Entry, Step};
use imitator::number::exact::Exact;
use imitator::number::fmt_exact;
use imitator::policy_line::{ByName, LineStep, PolicyLine};
use imitator::scenario::Scenario;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

/// A history on the wire: each step with its names borrowed from the scenario.
pub fn history_steps<'s>(s: &'s Scenario, history: &[Step]) -> Vec<LineStep<'s>> {
    history
        .iter()
        .map(|st| LineStep {
            query: st.queried,
            action: Cow::Borrowed(s.actions[st.action].as_str()),
            observation: Some(Cow::Borrowed(s.observations[st.observation].as_str())),
        })
        .collect()
}

/// A history as JSON: `[{"query": bool, "action": name, "observation": name}, …]`.
pub fn history_json(s: &Scenario, history: &[Step]) -> Value {
    serde_json::to_value(history_steps(s, history)).expect("a history serializes")
}

/// A history for people: `(empty)`, or steps `action/observation` separated by
/// spaces, each prefixed by `?` when the imitator asked the demonstrator.
pub fn history_text(s: &Scenario, history: &[Step]) -> String {
    if history.is_empty() {
        return "(empty)".into();
    }
    history
        .iter()
        .map(|st| {
            format!("{}{}/{}", if st.queried { "?" } else { "" }, s.actions[st.action], s.observations[st.observation])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn model_names<'s>(s: &'s Scenario, v: &[usize]) -> Vec<Cow<'s, str>> {
    v.iter().map(|&i| Cow::Borrowed(s.models[i].name.as_str())).collect()
}

/// One line of `imitator policy` as its type, every field given.
pub fn policy_line<'a>(s: &'a Scenario, e: &Entry<'a>) -> PolicyLine<'a, Exact<'a>> {
    let st = e.state;
    let by_name = |names: &'a [String], v: &'a [imitator::number::Rational]| {
        ByName(names.iter().zip(v).map(|(n, x)| (Cow::Borrowed(n.as_str()), Exact(x))).collect())
    };
    let models: Vec<&str> = s.models.iter().map(|m| m.name.as_str()).collect();
    PolicyLine {
        history: history_steps(s, e.history),
        posterior: Some(ByName(models.iter().zip(e.posterior).map(|(n, p)| (Cow::Borrowed(*n), Exact(p))).collect())),
        ranking: Some(model_names(s, &st.ranking)),
        top: Some(model_names(s, &st.top)),
        m: by_name(&s.actions, &st.m),
        theta: Exact(&st.theta),
        p_im: Some(Exact(e.p_im)),
        truth_in_top: Some(st.truth_in_top),
    }
}

/// One line of `imitator policy` (see the module docs for the format).
pub fn line(s: &Scenario, e: &Entry) -> Value {
    serde_json::to_value(policy_line(s, e)).expect("a policy line serializes")
}

/// The policy of one merged state, its exact numbers formatted once.
struct Formatted {
    posterior: Vec<String>,
    m: Vec<String>,
    theta: String,
}

/// Renders lines as text, formatting the policy of each merged state once.
///
/// Gives the same text as `line(s, e).to_string()`, several times faster on
/// long listings, where many histories share a state: the line is the same
/// [`PolicyLine`], its numbers given as the strings `fmt_exact` wrote.
pub struct LineWriter<'s> {
    s: &'s Scenario,
    /// By state id.
    cache: Vec<Option<Formatted>>,
    /// The longest line so far, to size the next one's buffer.
    width: usize,
}

impl<'s> LineWriter<'s> {
    pub fn new(s: &'s Scenario) -> Self {
        LineWriter { s, cache: Vec::new(), width: 64 }
    }

    /// One line, without its newline.
    pub fn render(&mut self, e: &Entry) -> String {
        let id = e.id as usize;
        if self.cache.len() <= id {
            self.cache.resize_with(id + 1, || None);
        }
        let s = self.s;
        let st = e.state;
        let f = self.cache[id].get_or_insert_with(|| Formatted {
            posterior: e.posterior.iter().map(fmt_exact).collect(),
            m: st.m.iter().map(fmt_exact).collect(),
            theta: fmt_exact(&st.theta),
        });
        let p_im = fmt_exact(e.p_im);
        let line: PolicyLine<'_, &str> = PolicyLine {
            history: history_steps(s, e.history),
            posterior: Some(ByName(
                s.models.iter().zip(&f.posterior).map(|(m, p)| (Cow::Borrowed(m.name.as_str()), p.as_str())).collect(),
            )),
            ranking: Some(model_names(s, &st.ranking)),
            top: Some(model_names(s, &st.top)),
            m: ByName(s.actions.iter().zip(&f.m).map(|(a, x)| (Cow::Borrowed(a.as_str()), x.as_str())).collect()),
            theta: f.theta.as_str(),
            p_im: Some(p_im.as_str()),
            truth_in_top: Some(st.truth_in_top),
        };
        let mut buf = Vec::with_capacity(self.width);
        line.serialize(&mut serde_json::Serializer::new(&mut buf)).expect("a policy line serializes");
        self.width = self.width.max(buf.len());
        String::from_utf8(buf).expect("JSON is UTF-8")
    }
}
