//! The conservative online imitator (`docs/semantics.md`), written once over [`Prob`].
//!
//! The pieces are free functions ([`ranking`], [`top_set`], [`min_policy`],
//! [`update_posterior`]) so that each can be tested and so that deliberately
//! wrong imitators can reuse all but one of them. A [`Rule`] ties them
//! together: the policy at a history and how the posterior learns. The
//! engines and the simulator take any `Rule`; [`Standard`] is the paper's
//! imitator and its baselines. Nothing here knows of engines or output.

use crate::names::Named;
use crate::number::Prob;
use crate::scenario::Scenario;
use rand::Rng;

/// Which imitator runs: the paper's, or one of the baselines it is compared with.
///
/// Its names (`conservative`, `always-query`, `map`, `mixture`, [`Named`]) are
/// the same on the command line, in JSON and in every report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// The paper's imitator: the minimum over the top set, query with the rest.
    Conservative,
    /// Query at every step: the demonstrator acts the whole time.
    AlwaysQuery,
    /// Train then deploy: query the first `K` steps, then act with the top-ranked model.
    Map,
    /// Train then deploy: query the first `K` steps, then act with the posterior mixture.
    Mixture,
}

impl Named for Variant {
    const ALL: &'static [Self] = &[Variant::Conservative, Variant::AlwaysQuery, Variant::Map, Variant::Mixture];
    const WHAT: &'static str = "variant";
    fn name(self) -> &'static str {
        match self {
            Variant::Conservative => "conservative",
            Variant::AlwaysQuery => "always-query",
            Variant::Map => "map",
            Variant::Mixture => "mixture",
        }
    }
    fn about(self) -> &'static str {
        match self {
            Variant::Conservative => "The paper's imitator: the minimum over the top set, query with the rest",
            Variant::AlwaysQuery => "Query at every step: the demonstrator acts the whole time",
            Variant::Map => "Train then deploy: query the first `K` steps, then act with the top-ranked model",
            Variant::Mixture => "Train then deploy: query the first `K` steps, then act with the posterior mixture",
        }
    }
}

crate::names::display_by_name!(Variant);

impl Variant {
    /// Whether the variant trains, then deploys (`map`, `mixture`): only these have a warm-up.
    pub fn has_warmup(self) -> bool {
        matches!(self, Variant::Map | Variant::Mixture)
    }

    /// The variant's label in reports and legends: its name, and its warm-up `K`
    /// when it has one (`map (warm-up 2)`).
    pub fn label(self, warmup: usize) -> String {
        if self.has_warmup() {
            format!("{self} (warm-up {warmup})")
        } else {
            self.to_string()
        }
    }
}

/// What the imitator does at one history.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy<P> {
    /// Model indices by posterior, largest first; ties to the earlier-declared model.
    pub ranking: Vec<usize>,
    /// The collected models (a prefix of `ranking`).
    pub top: Vec<usize>,
    /// `m(a)`: the probability of taking `a` without a query.
    pub m: Vec<P>,
    /// `θ`: the probability of asking the demonstrator.
    pub theta: P,
}

impl<P: Prob> Policy<P> {
    /// Whether model `i` is in the top set.
    pub fn collects(&self, i: usize) -> bool {
        self.top.contains(&i)
    }

    /// `π_im(a | h) = m(a) + θ·μ(a | h)`, summed over the query flag.
    pub fn action_prob(&self, action: usize, truth: &[P]) -> P {
        self.m[action].clone() + self.theta.clone() * truth[action].clone()
    }
}

/// Sorts models by posterior, largest first; ties go to the model declared earlier.
pub fn ranking<P: Prob>(posterior: &[P]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..posterior.len()).collect();
    // A stable sort keeps declaration order among equal posteriors.
    order.sort_by(|&i, &j| posterior[j].compare(&posterior[i]).expect("posteriors are comparable"));
    order
}

/// The α rule's test of the model at one rank.
#[derive(Debug, Clone, PartialEq)]
pub struct RankTest<P> {
    /// The model at this rank.
    pub model: usize,
    /// `Σ_{i<n} post(ν(i))`: the posteriors of the models ranked above it.
    pub above: P,
    /// `α · above`: what its posterior must exceed (strictly).
    pub bar: P,
    /// Whether its posterior exceeds the bar (rank 1 always does).
    pub passes: bool,
    /// Whether it is collected: it passes, and so does every model above it.
    pub collected: bool,
}

/// Whether the model at rank `n` (0-based) passes the α rule:
/// `post(ν(n)) > α · Σ_{i<n} post(ν(i))` (strict; rank 1 always passes).
/// This one test serves the top set and the narrated tests alike; exact
/// rationals make it by cross-multiplying ([`Prob::exceeds`]).
fn passes<P: Prob>(posterior: &[P], ranking: &[usize], alpha: &P, n: usize) -> bool {
    let above: Vec<&P> = ranking[..n].iter().map(|&j| &posterior[j]).collect();
    n == 0 || posterior[ranking[n]].exceeds(alpha, &above)
}

/// The α rule at every rank, with its numbers, for a narration: each rank's
/// sum above, the bar `α · above`, whether it passes, and whether it is
/// collected (it passes, and so does every model above it).
pub fn alpha_tests<P: Prob>(posterior: &[P], ranking: &[usize], alpha: &P) -> Vec<RankTest<P>> {
    let mut tests = Vec::with_capacity(ranking.len());
    let mut above = P::zero();
    let mut walking = true;
    for (n, &i) in ranking.iter().enumerate() {
        let bar = alpha.clone() * above.clone();
        // The same test as [`passes`], on the sum already made (the same terms
        // added in the same order): linear in the class, not quadratic.
        let passes = n == 0 || posterior[i].exceeds(alpha, &[&above]);
        debug_assert!(ranking.len() > 64 || passes == self::passes(posterior, ranking, alpha, n));
        walking &= passes;
        let next = above.clone() + posterior[i].clone();
        tests.push(RankTest { model: i, above, bar, passes, collected: walking });
        above = next;
    }
    tests
}

/// The top set: walk the ranking and collect models while they pass the α
/// rule; stop at the first that does not. Rank 1 is always collected.
pub fn top_set<P: Prob>(posterior: &[P], ranking: &[usize], alpha: &P) -> Vec<usize> {
    ranking[..P::passing_prefix(posterior, ranking, alpha)].to_vec()
}

/// `m(a) = min_{ν ∈ top} ν(a)` and `θ = 1 − Σ_a m(a)`.
pub fn min_policy<P: Prob>(top: &[usize], dists: &[&[P]]) -> (Vec<P>, P) {
    let actions = dists[top[0]].len();
    let m: Vec<P> = (0..actions)
        .map(|a| {
            top.iter()
                .map(|&i| dists[i][a].clone())
                .reduce(|x, y| if y < x { y } else { x })
                .expect("the top set is never empty")
        })
        .collect();
    let theta = m.iter().fold(P::one(), |t, x| t - x.clone());
    (m, theta)
}

/// Bayes' rule before normalization: `post(ν)·ν(a)` for each model, and their sum.
pub fn bayes_products<P: Prob>(posterior: &[P], action: usize, dists: &[&[P]]) -> (Vec<P>, P) {
    let w: Vec<P> = posterior.iter().zip(dists).map(|(p, d)| p.times(&d[action])).collect();
    let total = P::sum_all(&w);
    (w, total)
}

/// Bayes' rule on one demonstrator action: `post'(ν) ∝ post(ν)·ν(a)`.
///
/// Returns the posterior unchanged if every model gave `a` probability zero
/// (which the truth's own actions never do).
pub fn update_posterior<P: Prob>(posterior: &[P], action: usize, dists: &[&[P]]) -> Vec<P> {
    let w: Vec<P> = posterior.iter().zip(dists).map(|(p, d)| p.times(&d[action])).collect();
    P::normalize_all(&w).unwrap_or_else(|| posterior.to_vec())
}

/// What a rule sees when it decides at a history.
pub struct PolicyInput<'a, P> {
    /// The step about to be taken, 1-based.
    pub step: usize,
    /// The normalized posterior over the model class.
    pub posterior: &'a [P],
    /// Each model's distribution over actions at this history.
    pub dists: &'a [&'a [P]],
    /// The α of the top-set rule.
    pub alpha: &'a P,
}

/// An imitator: its policy at a history and how its posterior learns.
///
/// [`Standard`] is the paper's imitator and its baselines; the test suite plugs
/// in deliberately wrong rules to show that each check of the verifier can fail.
pub trait Rule<P: Prob>: Send + Sync {
    /// The policy at a history.
    fn policy(&self, input: &PolicyInput<P>) -> Policy<P>;
    /// The posterior after a step with this query flag and action.
    fn observe(&self, posterior: &[P], queried: bool, action: usize, dists: &[&[P]]) -> Vec<P>;
    /// What of the step number the policy depends on, now and at every later
    /// step: the engines merge histories with equal phases, so two steps with
    /// the same phase must be followed by steps with the same phase (a phase
    /// of `min(step, K + 1)` does; "in the warm-up or not" would not).
    fn phase(&self, _step: usize) -> usize {
        0
    }
    /// Whether [`Rule::observe`] is Bayes' rule ([`update_posterior`]) on a
    /// queried action and leaves the posterior as it is otherwise. The engines
    /// then know a posterior from how often each (models' contexts, action)
    /// was queried, and compute each distinct posterior once. Only a rule that
    /// is exactly this may say so.
    fn learns_by_bayes(&self) -> bool {
        false
    }
    /// Whether this is the paper's conservative imitator, for which the query
    /// bound of `proofs/query-cubed-sum.md` holds from any state: the upper
    /// end of the lifetime's `E Σθ³` rests on it. Only that rule may say so.
    fn is_conservative(&self) -> bool {
        false
    }
    /// A short name for reports.
    fn name(&self) -> String;
    /// How reports name the rule: by default its [`Rule::name`], with no warm-up.
    fn info(&self) -> RuleInfo {
        RuleInfo { variant: self.name(), label: self.name(), warmup: 0, trains_then_deploys: false }
    }
}

/// A rule behind a reference is the rule: `verify(&s, &my_rule, …)` and
/// `&dyn Rule` work wherever a rule is taken by value.
impl<P: Prob, R: Rule<P> + ?Sized> Rule<P> for &R {
    fn policy(&self, input: &PolicyInput<P>) -> Policy<P> {
        (**self).policy(input)
    }
    fn observe(&self, posterior: &[P], queried: bool, action: usize, dists: &[&[P]]) -> Vec<P> {
        (**self).observe(posterior, queried, action, dists)
    }
    fn phase(&self, step: usize) -> usize {
        (**self).phase(step)
    }
    fn learns_by_bayes(&self) -> bool {
        (**self).learns_by_bayes()
    }
    fn is_conservative(&self) -> bool {
        (**self).is_conservative()
    }
    fn name(&self) -> String {
        (**self).name()
    }
    fn info(&self) -> RuleInfo {
        (**self).info()
    }
}

/// How the reports name a rule that ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleInfo {
    /// The variant's name (`conservative`, `map`), or a rule's own name.
    pub variant: String,
    /// The label in legends and tables (`map (warm-up 2)`).
    pub label: String,
    /// `K`, the warm-up steps of a rule that trains then deploys (0 otherwise).
    pub warmup: usize,
    /// Whether the rule trains, then deploys (`map`, `mixture`): only these have a warm-up.
    pub trains_then_deploys: bool,
}

/// The paper's imitator and the baselines of `docs/semantics.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standard {
    /// Which imitator.
    pub variant: Variant,
    /// `K`: the steps that `map` and `mixture` query before they deploy.
    pub warmup: usize,
}

impl Standard {
    /// The imitator `variant` with warm-up `warmup` (used by `map` and `mixture` only).
    pub fn new(variant: Variant, warmup: usize) -> Self {
        Standard { variant, warmup }
    }

    /// Whether step `step` (1-based) is one of the warm-up steps of `map` or
    /// `mixture`, at which they ask whatever the posterior says.
    pub fn in_warmup(&self, step: usize) -> bool {
        self.variant.has_warmup() && step <= self.warmup
    }
}

impl<P: Prob> Rule<P> for Standard {
    fn policy(&self, input: &PolicyInput<P>) -> Policy<P> {
        let ranking = ranking(input.posterior);
        let top = top_set(input.posterior, &ranking, input.alpha);
        let actions = input.dists[0].len();
        let query_always = || (vec![P::zero(); actions], P::one());
        let (m, theta) = match self.variant {
            Variant::Conservative => min_policy(&top, input.dists),
            Variant::AlwaysQuery => query_always(),
            _ if self.in_warmup(input.step) => query_always(),
            Variant::Map => (input.dists[ranking[0]].to_vec(), P::zero()),
            Variant::Mixture => {
                let m = (0..actions)
                    .map(|a| {
                        input
                            .posterior
                            .iter()
                            .zip(input.dists)
                            .fold(P::zero(), |s, (p, d)| s + p.clone() * d[a].clone())
                    })
                    .collect();
                (m, P::zero())
            }
        };
        Policy { ranking, top, m, theta }
    }

    fn observe(&self, posterior: &[P], queried: bool, action: usize, dists: &[&[P]]) -> Vec<P> {
        if queried {
            update_posterior(posterior, action, dists)
        } else {
            posterior.to_vec()
        }
    }

    fn learns_by_bayes(&self) -> bool {
        true
    }

    fn is_conservative(&self) -> bool {
        self.variant == Variant::Conservative
    }

    fn phase(&self, step: usize) -> usize {
        // During the warm-up the step itself: a step of the warm-up is followed
        // by the next one, and the last by deployment. After it, one phase.
        match self.variant {
            Variant::Map | Variant::Mixture => step.min(self.warmup.saturating_add(1)),
            _ => 0,
        }
    }

    fn name(&self) -> String {
        self.variant.label(self.warmup)
    }
    fn info(&self) -> RuleInfo {
        RuleInfo {
            variant: self.variant.to_string(),
            label: self.variant.label(self.warmup),
            warmup: self.warmup,
            trains_then_deploys: self.variant.has_warmup(),
        }
    }
}

/// A scenario's distributions converted once to the number type `P`.
#[derive(Debug, Clone)]
pub struct Tables<P> {
    /// `models[i][ctx][a]`.
    pub models: Vec<Vec<Vec<P>>>,
    /// `env[ctx][a][o]`.
    pub env: Vec<Vec<Vec<P>>>,
}

impl<P: Prob> Tables<P> {
    /// The scenario's distributions in `P`, converted once.
    pub fn new(s: &Scenario) -> Self {
        let conv = |v: &[crate::number::Rational]| v.iter().map(P::from_rational).collect::<Vec<P>>();
        let models =
            s.models.iter().map(|m| (0..m.kind.contexts()).map(|c| conv(m.kind.distribution(c))).collect()).collect();
        let env = (0..s.environment.contexts())
            .map(|c| (0..s.actions.len()).map(|a| conv(s.environment.distribution(c, a))).collect())
            .collect();
        Tables { models, env }
    }
}

/// One step of a run, as it happened.
#[derive(Debug, Clone)]
pub struct StepRecord<P> {
    /// The step number, 1-based.
    pub step: usize,
    /// The policy the imitator used.
    pub policy: Policy<P>,
    /// Whether the imitator asked the demonstrator.
    pub queried: bool,
    /// The action taken.
    pub action: usize,
    /// The observation the environment gave.
    pub observation: usize,
    /// Whether the truth was in the top set at this step.
    pub truth_in_top: bool,
    /// How the step was computed, when asked for ([`Imitator::sample_step_detailed`]).
    pub detail: Option<Box<StepDetail<P>>>,
}

/// How the imitator computed one step, for a narration: everything `explain`
/// shows is read from here, never computed again.
#[derive(Debug, Clone)]
pub struct StepDetail<P> {
    /// The normalized posterior before the step, in declaration order.
    pub posterior_before: Vec<P>,
    /// The α rule's test at every rank of `policy.ranking`.
    pub tests: Vec<RankTest<P>>,
    /// Each model's distribution over actions at this history.
    pub dists: Vec<Vec<P>>,
    /// The uniform draw in `[0, 1)` that decided between acting alone (the
    /// action whose interval of `m` holds it) and asking (beyond `Σ m(a)`).
    pub u: P,
    /// `ρ(o | h, a)`: the probability of the observation seen.
    pub observation_prob: P,
    /// After a query: Bayes' rule before normalization ([`bayes_products`]).
    pub update: Option<(Vec<P>, P)>,
    /// The normalized posterior after the step.
    pub posterior_after: Vec<P>,
}

/// The imitator driven step by step over one history: a library user asks for
/// the policy, records what happened, or lets it sample a whole step.
pub struct Imitator<'s, P: Prob> {
    scenario: &'s Scenario,
    rule: Box<dyn Rule<P> + 's>,
    tables: Tables<P>,
    alpha: P,
    posterior: Vec<P>,
    model_ctx: Vec<usize>,
    env_ctx: usize,
    step: usize,
    truth_always_top: bool,
}

impl<'s, P: Prob> Imitator<'s, P> {
    /// An imitator with any rule, at the empty history.
    pub fn with_rule(scenario: &'s Scenario, rule: Box<dyn Rule<P> + 's>) -> Self {
        Imitator {
            scenario,
            rule,
            tables: Tables::new(scenario),
            alpha: P::from_rational(&scenario.alpha),
            posterior: scenario.models.iter().map(|m| P::from_rational(&m.prior)).collect(),
            model_ctx: scenario.models.iter().map(|m| m.kind.initial_context()).collect(),
            env_ctx: scenario.environment.initial_context(),
            step: 1,
            truth_always_top: true,
        }
    }

    /// The paper's imitator or one of its baselines, at the empty history.
    pub fn new(scenario: &'s Scenario, variant: Variant, warmup: usize) -> Self {
        Self::with_rule(scenario, Box::new(Standard::new(variant, warmup)))
    }

    /// The step about to be taken, 1-based.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The normalized posterior, in declaration order.
    pub fn posterior(&self) -> &[P] {
        &self.posterior
    }

    /// Whether the truth has been in the top set at every step so far (the event `E`).
    pub fn truth_always_top(&self) -> bool {
        self.truth_always_top
    }

    /// Each model's distribution over actions at the current history.
    pub fn distributions(&self) -> Vec<&[P]> {
        self.model_ctx.iter().enumerate().map(|(i, &c)| self.tables.models[i][c].as_slice()).collect()
    }

    /// The truth's distribution over actions at the current history.
    pub fn truth_distribution(&self) -> &[P] {
        &self.tables.models[self.scenario.truth][self.model_ctx[self.scenario.truth]]
    }

    /// The environment's distribution over observations after `action`.
    pub fn observation_distribution(&self, action: usize) -> &[P] {
        &self.tables.env[self.env_ctx][action]
    }

    /// The policy at the current history.
    pub fn policy(&self) -> Policy<P> {
        let dists = self.distributions();
        self.rule.policy(&PolicyInput {
            step: self.step,
            posterior: &self.posterior,
            dists: &dists,
            alpha: &self.alpha,
        })
    }

    /// Records a step: whether the imitator asked, the action taken, the observation seen.
    pub fn record(&mut self, queried: bool, action: usize, observation: usize) {
        let policy = self.policy();
        self.truth_always_top &= policy.collects(self.scenario.truth);
        let dists = self.distributions();
        let posterior = self.rule.observe(&self.posterior, queried, action, &dists);
        self.posterior = posterior;
        for (i, m) in self.scenario.models.iter().enumerate() {
            self.model_ctx[i] = m.kind.next_context(self.model_ctx[i], action, observation);
        }
        self.env_ctx = self.scenario.environment.next_context(self.env_ctx, action, observation);
        self.step += 1;
    }

    /// Samples one step: act without a query with probability `m(a)`, otherwise
    /// ask the truth; then the environment answers. Records and returns it.
    pub fn sample_step<R: Rng>(&mut self, rng: &mut R) -> StepRecord<P> {
        self.sample(rng, false)
    }

    /// [`Imitator::sample_step`] with the step's [`StepDetail`]: the same
    /// draws from `rng`, so the same step.
    pub fn sample_step_detailed<R: Rng>(&mut self, rng: &mut R) -> StepRecord<P> {
        self.sample(rng, true)
    }

    fn sample<R: Rng>(&mut self, rng: &mut R, detailed: bool) -> StepRecord<P> {
        let policy = self.policy();
        let truth_in_top = policy.collects(self.scenario.truth);
        let before = detailed.then(|| {
            let dists: Vec<Vec<P>> = self.distributions().iter().map(|d| d.to_vec()).collect();
            let tests = alpha_tests(&self.posterior, &policy.ranking, &self.alpha);
            (self.posterior.clone(), tests, dists)
        });
        let u = P::uniform(rng);
        let (queried, action) = match pick(&policy.m, &u) {
            Some(a) => (false, a),
            None => (true, sample(self.truth_distribution(), rng)),
        };
        let observation = sample(self.observation_distribution(action), rng);
        let observation_prob = self.observation_distribution(action)[observation].clone();
        let step = self.step;
        self.record(queried, action, observation);
        let detail = before.map(|(posterior_before, tests, dists)| {
            let update = queried.then(|| {
                let d: Vec<&[P]> = dists.iter().map(Vec::as_slice).collect();
                bayes_products(&posterior_before, action, &d)
            });
            let posterior_after = self.posterior.clone();
            Box::new(StepDetail { posterior_before, tests, dists, u, observation_prob, update, posterior_after })
        });
        StepRecord { step, policy, queried, action, observation, truth_in_top, detail }
    }
}

/// The first index where the cumulative sum passes `u`, or `None` if `u` is beyond the total.
fn pick<P: Prob>(probs: &[P], u: &P) -> Option<usize> {
    let mut acc = P::zero();
    for (i, p) in probs.iter().enumerate() {
        acc = acc + p.clone();
        if *u < acc {
            return Some(i);
        }
    }
    None
}

/// Draws an index from a distribution that sums to 1.
fn sample<P: Prob, R: Rng>(probs: &[P], rng: &mut R) -> usize {
    let u = P::uniform(rng);
    // Rounding in f64 may leave `u` just past the total: take the last positive entry.
    pick(probs, &u).unwrap_or_else(|| probs.iter().rposition(|p| !p.is_zero()).unwrap_or(0))
}
