//! The whole lifetime in the verifier's outputs: the JSON block `infinite`
//! and the text section "Whole lifetime".

use imitator::lifetime::{Interval, Lifetime, Stop};
use imitator::number::exact::Exact;
use imitator::number::{fmt_approx, fmt_float, fmt_sqrt, Rational};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// `event_e` of the block `infinite`: the interval, the proved floor and the status.
#[derive(Debug, Serialize)]
pub struct EventEInterval<'a> {
    pub lo: Exact<'a>,
    /// `null` when the interval has no upper end.
    pub hi: Option<Exact<'a>>,
    pub proved_bound: Exact<'a>,
    pub status: &'static str,
}

/// `query_cubed_sum` of the block `infinite`.
#[derive(Debug, Serialize)]
pub struct QueryInterval<'a> {
    pub lo: Exact<'a>,
    pub hi: Option<Exact<'a>>,
    pub bound: Exact<'a>,
    pub proved_bound_squared: Exact<'a>,
    pub status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct UnsettledMass<'a> {
    pub by_depth: Vec<Exact<'a>>,
}

/// `assumption_failed` of the block `infinite`: the first state where the rule
/// broke an assumption of the lifetime's proofs (absent when none did).
#[derive(Debug, Serialize)]
pub struct AssumptionFailed {
    /// The steps done before the state.
    pub depth: usize,
    /// The check's name: `unqueried-update`, `bayes-update`, `alpha-top-set` or `min-policy`.
    pub check: &'static str,
    /// The assumption, as a sentence.
    pub assumption: &'static str,
    /// Where at the state.
    pub detail: String,
}

/// The JSON block `infinite` of `verify --horizon infinite` (`docs/json.md`).
#[derive(Debug, Serialize)]
pub struct InfiniteBlock<'a> {
    pub depth_reached: usize,
    /// What a depth counts: `steps`, or `moves` when a state's steps on
    /// itself were summed in closed form (the tail bound `sojourn`).
    pub depth_counts: &'static str,
    pub stopped_because: &'static str,
    pub width: Exact<'a>,
    pub event_e: EventEInterval<'a>,
    pub query_cubed_sum: QueryInterval<'a>,
    pub unsettled_mass: UnsettledMass<'a>,
    pub decay_per_step: Option<f64>,
    /// Absent for a rule that passes every assumption, as the paper's does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption_failed: Option<AssumptionFailed>,
    /// `exact` or `rounded`.
    pub arithmetic: &'static str,
    /// The fixed-point fraction bits of a rounded run (absent when exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision_bits: Option<u32>,
    /// The bounds on states' futures the intervals rest on.
    pub tail_bounds: Vec<&'static str>,
    /// Retired states and their share of the widths (rounded runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<RetiredBlock<'a>>,
}

/// `retired` of the block `infinite`.
#[derive(Debug, Serialize)]
pub struct RetiredBlock<'a> {
    /// Unsettled states retired.
    pub states: u64,
    /// Their upper mass.
    pub mass: Exact<'a>,
    /// Their share of each width, and the budget of each.
    pub event_e_width: Exact<'a>,
    pub query_cubed_sum_width: Option<Exact<'a>>,
    pub budget: Exact<'a>,
}

impl<'a> InfiniteBlock<'a> {
    pub fn new(l: &'a Lifetime) -> Self {
        let last = l.last();
        let hi = |i: &'a Interval| i.hi.as_ref().map(Exact);
        InfiniteBlock {
            depth_reached: l.depth_reached,
            depth_counts: depth_unit(l),
            stopped_because: l.stopped_because.name(),
            width: Exact(&l.width),
            event_e: EventEInterval {
                lo: Exact(&last.event_e.lo),
                hi: hi(&last.event_e),
                proved_bound: Exact(&l.event_e_bound),
                status: l.event_e_status.name(),
            },
            query_cubed_sum: QueryInterval {
                lo: Exact(&last.query_cubed_sum.lo),
                hi: hi(&last.query_cubed_sum),
                bound: Exact(&l.query_bound),
                proved_bound_squared: Exact(&l.query_bound_squared),
                status: l.query_status.name(),
            },
            unsettled_mass: UnsettledMass { by_depth: l.steps.iter().map(|s| Exact(&s.unsettled_mass)).collect() },
            decay_per_step: decay_per_step(l),
            assumption_failed: l.refusal.as_ref().map(|r| AssumptionFailed {
                depth: r.depth,
                check: r.check(),
                assumption: r.assumption().describe(),
                detail: r.breach.detail.clone(),
            }),
            arithmetic: imitator::names::Named::name(l.arithmetic),
            precision_bits: l.precision_bits,
            tail_bounds: l.tail_bounds.iter().map(|b| b.name()).collect(),
            retired: l.retired.as_ref().map(|r| RetiredBlock {
                states: r.states,
                mass: Exact(&r.mass),
                event_e_width: Exact(&r.event_e_width),
                query_cubed_sum_width: r.query_width.as_ref().map(Exact),
                budget: Exact(&r.budget),
            }),
        }
    }
}

/// The JSON block `infinite` (exact numbers as strings; an infinite upper end is `null`).
pub fn infinite_block(l: &Lifetime) -> Value {
    serde_json::to_value(InfiniteBlock::new(l)).expect("the block serializes")
}

/// `r` as a decimal with `digits` digits after the point, rounded down
/// (`up = false`) or up: so that `[down(lo), up(hi)]` still contains the interval.
pub fn decimal(r: &Rational, digits: usize, up: bool) -> String {
    let scale = num_traits::pow(BigInt::from(10), digits);
    let n = r.numer() * &scale;
    let (q, rem) = n.div_mod_floor(r.denom());
    let q = if up && !rem.is_zero() { q + 1 } else { q };
    let neg = q.is_negative();
    let digits_str = q.abs().to_string();
    let padded = format!("{:0>width$}", digits_str, width = digits + 1);
    let (int, frac) = padded.split_at(padded.len() - digits);
    format!("{}{int}.{frac}", if neg { "-" } else { "" })
}

/// The unsettled mass's decay per step, over the last half of the run (a
/// decimal for people: `(m_t / m_{t/2})^(1/(t − t/2))`), when it is positive.
pub fn decay_per_step(l: &Lifetime) -> Option<f64> {
    let n = l.steps.len();
    if n < 4 {
        return None;
    }
    let (a, b) = (&l.steps[n / 2], &l.steps[n - 1]);
    if a.unsettled_mass.is_zero() || b.unsettled_mass.is_zero() {
        return None;
    }
    let ratio = (&b.unsettled_mass / &a.unsettled_mass).to_f64()?;
    let k = (b.depth - a.depth) as f64;
    (ratio > 0.0).then(|| ratio.powf(1.0 / k))
}

/// Why a lifetime run ended, for the text report: the library's sentence,
/// with the `verify` flag that sets the limit.
pub fn describe(stop: Stop) -> String {
    let flag = match stop {
        Stop::MaxDepth => " (--max-depth)",
        Stop::MaxStates => " (--max-states)",
        Stop::TimeLimit => " (--time-limit)",
        _ => "",
    };
    format!("{}{flag}", imitator::lifetime::describe(stop))
}

/// What a depth of the lifetime counts: steps, or moves (a move is one step,
/// or a state's whole stay on itself, summed in closed form).
pub fn depth_unit(l: &Lifetime) -> &'static str {
    if l.sojourns {
        "moves"
    } else {
        "steps"
    }
}

/// The text section "Whole lifetime".
pub fn lifetime_section(l: &Lifetime) -> String {
    let mut out = String::new();
    let last = l.last();
    let _ =
        writeln!(out, "  Whole lifetime (every step t ≥ 1): exact intervals proved to contain the lifetime figures,");
    let _ = writeln!(
        out,
        "  after {}; stopped because {} (requested width {}).",
        if l.sojourns {
            format!(
                "{} (a move is a step, or a state's whole stay on itself, summed in closed form)",
                crate::words::count(l.depth_reached, "move")
            )
        } else {
            crate::words::count(l.depth_reached, "step")
        },
        describe(l.stopped_because),
        fmt_approx(&l.width)
    );
    let show = |i: &Interval| -> (String, String) {
        match (&i.hi, i.width()) {
            (Some(hi), Some(w)) => {
                (format!("[{}, {}]", decimal(&i.lo, 12, false), decimal(hi, 12, true)), fmt_approx(&w))
            }
            _ => (format!("[{}, ∞)", decimal(&i.lo, 12, false)), "∞".into()),
        }
    };
    let (e, ew) = show(&last.event_e);
    let (q, qw) = show(&last.query_cubed_sum);
    let _ = writeln!(out, "    P(E_∞)  ∈ {e}  width {ew}");
    let _ = writeln!(
        out,
        "            floor 1−α/((1+α)w(μ)) = {}: {}",
        fmt_approx(&l.event_e_bound),
        l.event_e_status.word()
    );
    let _ = writeln!(out, "    E Σθ³   ∈ {q}  width {qw}");
    let _ = writeln!(
        out,
        "            bounds {} (paper) and √{} ≈ {} (proved): {}",
        fmt_approx(&l.query_bound),
        fmt_approx(&l.query_bound_squared),
        fmt_sqrt(&l.query_bound_squared),
        l.query_status.word()
    );
    let unit = if l.sojourns { "move" } else { "step" };
    let decay = decay_per_step(l).map(|d| format!(", shrinking by a factor ≈ {} per {unit}", fmt_float(d)));
    let _ = writeln!(
        out,
        "    unsettled mass (states that may still ask): {}{}",
        fmt_approx(&last.unsettled_mass),
        decay.unwrap_or_default()
    );
    match (&l.retired, l.precision_bits) {
        (Some(r), Some(bits)) => {
            let _ = writeln!(
                out,
                "    arithmetic: rounded ({bits}-bit fixed point, ends dyadic); {} retired within {} of each width",
                crate::words::count(r.states as usize, "unsettled state"),
                fmt_approx(&r.budget)
            );
        }
        _ => {
            let _ = writeln!(out, "    arithmetic: exact");
        }
    }
    if let Some(r) = &l.refusal {
        let _ = writeln!(
            out,
            "    REFUSED: the rule breaks an assumption of the proofs at a state after {} steps:\n     \
             check {} ({}): {}.\n     States where it does get no bound ([0, 1] and [0, ∞)), and no check can hold.",
            r.depth,
            r.check(),
            r.assumption().describe(),
            r.breach.detail
        );
    }
    if last.query_cubed_sum.hi.is_none() {
        let _ = writeln!(
            out,
            "    (no upper end for E Σθ³: the query bound is the conservative imitator's, and states remain\n     that may still ask)"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use imitator::number::ratio;

    #[test]
    fn decimals_round_outward() {
        assert_eq!(decimal(&ratio(1, 3), 4, false), "0.3333");
        assert_eq!(decimal(&ratio(1, 3), 4, true), "0.3334");
        assert_eq!(decimal(&ratio(1, 2), 4, true), "0.5000");
        assert_eq!(decimal(&ratio(7, 2), 2, false), "3.50");
        assert_eq!(decimal(&ratio(1, 1000), 2, true), "0.01");
    }
}
