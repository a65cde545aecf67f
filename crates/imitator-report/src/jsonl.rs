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
use imitator::number::fmt_exact;
use imitator::scenario::Scenario;
use serde_json::{json, Map, Value};

/// A history as JSON: `[{"query": bool, "action": name, "observation": name}, …]`.
pub fn history_json(s: &Scenario, history: &[Step]) -> Value {
    history
        .iter()
        .map(|st| {
            json!({
                "query": st.queried,
                "action": s.actions[st.action],
                "observation": s.observations[st.observation],
            })
        })
        .collect()
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

/// One line of `imitator policy` (see the module docs for the format).
pub fn line(s: &Scenario, e: &Entry) -> Value {
    let st = e.state;
    let names = |v: &[usize]| v.iter().map(|&i| Value::from(s.models[i].name.clone())).collect::<Vec<_>>();
    let posterior: Map<String, Value> =
        s.models.iter().zip(e.posterior).map(|(m, p)| (m.name.clone(), fmt_exact(p).into())).collect();
    let m: Map<String, Value> = s.actions.iter().zip(&st.m).map(|(a, x)| (a.clone(), fmt_exact(x).into())).collect();
    json!({
        "history": history_json(s, e.history),
        "posterior": posterior,
        "ranking": names(&st.ranking),
        "top": names(&st.top),
        "m": m,
        "theta": fmt_exact(&st.theta),
        "p_im": fmt_exact(e.p_im),
        "truth_in_top": st.truth_in_top,
    })
}

/// Renders lines as text, formatting the policy of each merged state once.
///
/// Gives the same text as `line(s, e).to_string()`, several times faster on
/// long listings, where many histories share a state.
pub struct LineWriter<'s> {
    s: &'s Scenario,
    /// By state id: the text from `"posterior"` to `"theta"`, and `truth_in_top`.
    cache: Vec<Option<(String, bool)>>,
}

impl<'s> LineWriter<'s> {
    pub fn new(s: &'s Scenario) -> Self {
        LineWriter { s, cache: Vec::new() }
    }

    /// One line, without its newline.
    pub fn render(&mut self, e: &Entry) -> String {
        let id = e.id as usize;
        if self.cache.len() <= id {
            self.cache.resize(id + 1, None);
        }
        let s = self.s;
        let (middle, truth) = self.cache[id].get_or_insert_with(|| {
            let mut v =
                line(s, &Entry { history: &[], id: e.id, state: e.state, posterior: e.posterior, p_im: e.p_im });
            let o = v.as_object_mut().expect("a line is an object");
            o.shift_remove("history");
            o.shift_remove("p_im");
            let truth = o.shift_remove("truth_in_top").and_then(|b| b.as_bool()).expect("truth_in_top");
            let text = v.to_string();
            // `{"posterior":…,"theta":"…"}` → `"posterior":…,"theta":"…"`.
            (text[1..text.len() - 1].to_string(), truth)
        });
        format!(
            "{{\"history\":{},{middle},\"p_im\":\"{}\",\"truth_in_top\":{truth}}}",
            history_json(s, e.history),
            fmt_exact(e.p_im)
        )
    }
}
