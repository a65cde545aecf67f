//! `P_dem`: the demonstrator acting alone, computed from `μ` and `ρ` only.
//!
//! It never reads the imitator's numbers, so that comparing the two measures
//! compares two independent computations.

use super::scaled::{common_denominator, scale, ScaledInt};
use crate::number::Rational;
use crate::scenario::Scenario;
use num_bigint::BigUint;

/// The demonstrator's step probabilities `μ(a|ctx)·ρ(o|env, a)` as integers over `D`.
pub struct DemSteps {
    /// `D`: the common denominator of every step.
    pub denominator: BigUint,
    /// `table[mu_ctx][env_ctx][a][o]`, exact `μ(a)·ρ(o|a)` times `D`.
    pub table: Vec<Vec<Vec<Vec<BigUint>>>>,
}

impl DemSteps {
    pub fn new(s: &Scenario) -> Self {
        let mu = &s.models[s.truth].kind;
        let env = &s.environment;
        let exact: Vec<Vec<Vec<Vec<Rational>>>> = (0..mu.contexts())
            .map(|c| {
                (0..env.contexts())
                    .map(|e| {
                        (0..s.actions.len())
                            .map(|a| env.distribution(e, a).iter().map(|po| &mu.distribution(c)[a] * po).collect())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let denominator = common_denominator(exact.iter().flatten().flatten().flatten());
        let table = exact
            .iter()
            .map(|x| {
                x.iter()
                    .map(|y| y.iter().map(|z| z.iter().map(|r| scale(r, &denominator)).collect()).collect())
                    .collect()
            })
            .collect();
        DemSteps { denominator, table }
    }
}

/// `P_dem(h)·D^T` for every world history `h` of length `T`, indexed by the
/// history read as a number in base `|A|·|O|` (step 1 most significant).
pub fn world_probabilities<I: ScaledInt>(s: &Scenario, steps: &DemSteps, depth: usize, worlds: usize) -> Vec<I> {
    let mu = &s.models[s.truth].kind;
    let env = &s.environment;
    let no = s.observations.len();
    let table: Vec<Vec<Vec<Vec<I>>>> = steps
        .table
        .iter()
        .map(|x| x.iter().map(|y| y.iter().map(|z| z.iter().map(I::from_big).collect()).collect()).collect())
        .collect();
    let mut out = vec![I::zeroed(); worlds];
    #[allow(clippy::too_many_arguments)]
    fn walk<I: ScaledInt>(
        s: &Scenario,
        table: &[Vec<Vec<Vec<I>>>],
        no: usize,
        d: usize,
        depth: usize,
        mu_ctx: usize,
        env_ctx: usize,
        n: &I,
        w: usize,
        out: &mut [I],
    ) {
        if d == depth {
            out[w] = n.clone();
            return;
        }
        let mu = &s.models[s.truth].kind;
        for a in 0..s.actions.len() {
            for o in 0..no {
                let p = &table[mu_ctx][env_ctx][a][o];
                if p.is_zeroed() {
                    continue;
                }
                let w2 = w * s.actions.len() * no + a * no + o;
                let mc = mu.next_context(mu_ctx, a, o);
                let ec = s.environment.next_context(env_ctx, a, o);
                walk(s, table, no, d + 1, depth, mc, ec, &n.mul(p), w2, out);
            }
        }
    }
    let one = I::from_big(&BigUint::from(1u32));
    walk(s, &table, no, 0, depth, mu.initial_context(), env.initial_context(), &one, 0, &mut out);
    out
}
