//! The slides' product claim, `E_im Π_{t≤N}(1+θ_t) ∈ O(N²)`, and the readings
//! that might rescue it, measured exactly on `examples/three-coins.toml`
//! (`proofs/product-growth.md`).
//!
//! A forward walk over the library's [`StateSpace`] carries, for every state and
//! depth, the probability mass and its `Π(1+θ)`-weighted and
//! `Π_{queried}(1+θ)`-weighted versions, split by two flags: whether the truth
//! (fair) has been in the top set at every step so far (the event `E`), and
//! whether fair *and* tails-biased have been (the set `S` of the proof). A second
//! walk does the same under the auxiliary measure `Q` of `proofs/bad-events.md`.
//! Everything is exact (integer numerators over `32^d`). The walk is cross-checked against the
//! verifier's engines and against a brute-force enumeration that shares no code
//! with the library.

use imitator::engine::space::{State, StateSpace};
use imitator::engine::{self, EngineKind, Figures};
use imitator::imitator::{Standard, Variant};
use imitator::number::{ratio, Rational};
use imitator::scenario::Scenario;
use num_bigint::BigInt;
use num_traits::{One, ToPrimitive, Zero};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The depth of the main test: the proved bound is asserted at every depth up to it.
const DEPTH: usize = 100;

/// Model indices of three coins, in declaration order.
const FAIR: usize = 0;
const HEADS_BIASED: usize = 1;
const TAILS_BIASED: usize = 2;
const HEADS: usize = 0;
const TAILS: usize = 1;

fn three_coins() -> Scenario {
    let s = Scenario::from_file(concat!(workspace!(), "/examples/three-coins.toml")).expect("three coins");
    let names: Vec<&str> = s.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["fair", "heads-biased", "tails-biased"]);
    assert_eq!(s.truth, FAIR);
    assert_eq!(s.alpha, ratio(1, 10));
    s
}

fn r(n: i64, d: i64) -> Rational {
    ratio(n, d)
}

fn int(n: i64) -> Rational {
    Rational::from_integer(BigInt::from(n))
}

/// `x^n` for a small rational `x`.
fn pow(x: &Rational, n: usize) -> Rational {
    (0..n).fold(int(1), |acc, _| acc * x)
}

/// The set `S` of the proof: fair and tails-biased both in the top set.
fn in_s(st: &State) -> bool {
    st.top.contains(&FAIR) && st.top.contains(&TAILS_BIASED)
}

/// The readings, by depth: entry `t-1` is depth `t`.
#[derive(Debug, Default)]
struct Readings {
    /// `E_im[Π_t]`, `Π_t = Π_{k≤t}(1+θ_k)`: the slides' quantity.
    product: Vec<Rational>,
    /// Reading (a): `E_im[Π_t · 1_{E_t}]`.
    on_e: Vec<Rational>,
    /// `E_im[Π_t · 1{s_1..s_t ∈ S}]` (`s_k`: the state before step `k`).
    in_s: Vec<Rational>,
    /// `b_t = E_im[Π_t · 1{s_1..s_{t+1} ∈ S}]`: the quantity of the theorem.
    in_s_next: Vec<Rational>,
    /// `P_im(E_t)`.
    p_e: Vec<Rational>,
    /// Reading (b): `E_Q[Π_t]`.
    q_product: Vec<Rational>,
    /// `E_Q[Π_t · 1{s_1..s_{t+1} ∈ S}]`.
    q_in_s_next: Vec<Rational>,
    /// Reading (c): `E_im[Π_{k≤t, q_k=1}(1+θ_k)]`.
    queried_only: Vec<Rational>,
    /// `P_im(s_1..s_{t+1} ∈ S, s_{t+1} ∈ S_9)`, `S_9` the states of S with at
    /// least 9 queried heads.
    mass_s9: Vec<Rational>,
}

/// Every multiplier of a step of three coins (`m(a)`, `θμ(a)`, times `1+θ`,
/// and `Q`'s) is a multiple of `1/SCALE` (asserted), so the walk carries integer
/// numerators over `SCALE^d` at depth `d`: additions without a gcd.
const SCALE: i64 = 32;

/// Sums carried by one key of the imitator's walk, as numerators over `SCALE^d`.
#[derive(Clone)]
struct Acc {
    /// Probability.
    p: BigInt,
    /// Probability times `Π(1+θ)`.
    pi: BigInt,
    /// Probability times `Π_{queried}(1+θ)`.
    piq: BigInt,
}

impl Acc {
    fn zero() -> Self {
        Acc { p: BigInt::zero(), pi: BigInt::zero(), piq: BigInt::zero() }
    }
}

/// One step out of a state, with the multipliers the walks need, times `SCALE`.
struct Step {
    child: u32,
    /// `P_im` of the step, and times `1+θ`, and times `(1+θ)^q`.
    p: BigInt,
    p_pi: BigInt,
    p_piq: BigInt,
    /// `Q` of the step times `1+θ` (the `Q` walk carries only `Q·Π`).
    q_pi: BigInt,
}

/// `x · SCALE` as an integer; panics if it is not one.
fn scaled(x: &Rational) -> BigInt {
    let y = x * int(SCALE);
    assert!(y.is_integer(), "{x} is not a multiple of 1/{SCALE}");
    y.to_integer()
}

/// What the walk knows of a state beyond the library's `State`.
struct Info {
    steps: Vec<Step>,
    in_s: bool,
    truth_in_top: bool,
    /// `θ = 0` and every step returns to the state: nothing changes any more.
    absorbing: bool,
}

/// The forward walk. `(h, t)` (queried heads and tails) of every state is
/// tracked and the structural facts of the proof are asserted at every state
/// reached, in S or not.
fn walk(depth: usize) -> Readings {
    let s = three_coins();
    let rule = Standard::new(Variant::Conservative, 0);
    let mut space = StateSpace::new(&s, &rule);
    let mut info: HashMap<u32, Info> = HashMap::new();
    let mut counts: HashMap<u32, (usize, usize)> = HashMap::from([(0, (0, 0))]);

    // Imitator: key (state, E so far, S so far); Q: key (state, S so far).
    let one = BigInt::one();
    let mut im: HashMap<(u32, bool, bool), Acc> =
        HashMap::from([((0, true, true), Acc { p: one.clone(), pi: one.clone(), piq: one.clone() })]);
    let mut q: HashMap<(u32, bool), BigInt> = HashMap::from([((0, true), one)]);
    // SCALE^d, the denominator of every numerator at depth d.
    let mut denominator = BigInt::one();
    // Absorbed mass, by whether E holds: its `Π` and `Π_q` no longer change.
    let mut frozen_pi = Rational::zero();
    let mut frozen_pi_e = Rational::zero();
    let mut frozen_p_e = Rational::zero();
    let mut frozen_piq = Rational::zero();
    let mut frozen_q = Rational::zero();
    let mut out = Readings::default();

    for d in 1..=depth {
        // Expand the states of depth d-1 (before step d).
        let mut ids: Vec<u32> = im.keys().map(|k| k.0).chain(q.keys().map(|k| k.0)).collect();
        ids.sort_unstable();
        ids.dedup();
        space.expand_all(&ids, d - 1);
        for &id in &ids {
            info.entry(id).or_insert_with(|| describe(&space, &s, id, &mut counts));
        }

        let mut next_im: HashMap<(u32, bool, bool), Acc> = HashMap::new();
        for ((id, e, g), acc) in &im {
            let i = &info[id];
            let (e2, g2) = (*e && i.truth_in_top, *g && i.in_s);
            for st in &i.steps {
                let a = next_im.entry((st.child, e2, g2)).or_insert_with(Acc::zero);
                a.p += &acc.p * &st.p;
                a.pi += &acc.pi * &st.p_pi;
                a.piq += &acc.piq * &st.p_piq;
            }
        }
        let mut next_q: HashMap<(u32, bool), BigInt> = HashMap::new();
        for ((id, g), v) in &q {
            let i = &info[id];
            let g2 = *g && i.in_s;
            for st in &i.steps {
                *next_q.entry((st.child, g2)).or_insert_with(BigInt::zero) += v * &st.q_pi;
            }
        }
        im = next_im;
        q = next_q;
        denominator *= SCALE;
        let exact = |x: BigInt| Rational::new(x, denominator.clone());

        // Readings at depth d: keys hold the state before step d+1 and the
        // flags of steps 1..d.
        let [mut product, mut on_e, mut p_e, mut queried_only, mut in_s_now, mut in_s_next, mut mass_s9] =
            std::array::from_fn(|_| BigInt::zero());
        for ((id, e, g), acc) in &im {
            if *g && counts[id].0 >= 9 && child_in_s(&space, *id) {
                mass_s9 += &acc.p;
            }
            product += &acc.pi;
            queried_only += &acc.piq;
            if *e {
                on_e += &acc.pi;
                p_e += &acc.p;
            }
            if *g {
                in_s_now += &acc.pi;
                if child_in_s(&space, *id) {
                    in_s_next += &acc.pi;
                }
            }
        }
        let (mut q_product, mut q_in_s_next) = (BigInt::zero(), BigInt::zero());
        for ((id, g), v) in &q {
            q_product += v;
            if *g && child_in_s(&space, *id) {
                q_in_s_next += v;
            }
        }
        out.product.push(&frozen_pi + exact(product));
        out.on_e.push(&frozen_pi_e + exact(on_e));
        out.in_s.push(exact(in_s_now));
        out.in_s_next.push(exact(in_s_next));
        out.p_e.push(&frozen_p_e + exact(p_e));
        out.q_product.push(&frozen_q + exact(q_product));
        out.q_in_s_next.push(exact(q_in_s_next));
        out.queried_only.push(&frozen_piq + exact(queried_only));
        out.mass_s9.push(exact(mass_s9));

        // Retire absorbed states (θ = 0: the posterior is frozen). From the next
        // depth on their flags are E ∧ (truth in top there) and "not in S".
        // Only states already described can be retired; the others are
        // described when expanded at the next depth.
        im.retain(|(id, e, _), acc| match info.get(id) {
            Some(i) if i.absorbing => {
                assert!(!i.in_s, "θ ≥ 1/4 on S");
                frozen_pi += exact(acc.pi.clone());
                frozen_piq += exact(acc.piq.clone());
                if *e && i.truth_in_top {
                    frozen_pi_e += exact(acc.pi.clone());
                    frozen_p_e += exact(acc.p.clone());
                }
                false
            }
            _ => true,
        });
        q.retain(|(id, _), v| match info.get(id) {
            Some(i) if i.absorbing => {
                frozen_q += exact(v.clone());
                false
            }
            _ => true,
        });
    }
    out
}

/// Whether state `id` is in S (its policy is computed when it is created).
fn child_in_s(space: &StateSpace, id: u32) -> bool {
    in_s(space.state(id))
}

/// The walk's view of an expanded state, and the proof's structural facts checked on it.
fn describe(space: &StateSpace, s: &Scenario, id: u32, counts: &mut HashMap<u32, (usize, usize)>) -> Info {
    let st = space.state(id);
    let (h, t) = counts[&id];
    let theta = st.theta.clone();
    let f = Rational::one() + &theta;
    let truth = s.models[s.truth].kind.distribution(space.contexts(st.key.contexts)[s.truth] as usize);

    // The posterior is proportional to the integers (2^{h+t}, 3^h, 3^t).
    let w = weights(h, t);
    let post = space.posterior(st.key.posterior);
    assert_eq!(&post[FAIR] * &w[HEADS_BIASED], &post[HEADS_BIASED] * &w[FAIR], "posterior at (h, t) = ({h}, {t})");
    assert_eq!(&post[FAIR] * &w[TAILS_BIASED], &post[TAILS_BIASED] * &w[FAIR], "posterior at (h, t) = ({h}, {t})");

    let mut steps = Vec::new();
    let mut q_total = Rational::zero();
    for tr in &st.transitions {
        let (action, prob) = (tr.action as usize, space.value(tr.prob));
        let child_counts =
            (h + usize::from(tr.queried && action == HEADS), t + usize::from(tr.queried && action == TAILS));
        let known = counts.entry(tr.child).or_insert(child_counts);
        assert_eq!(*known, child_counts, "a state reached with two different (h, t)");
        // Q: the action from μ, then a query with probability θ/(1+θ).
        let q_prob = if tr.queried { prob / &f } else { &truth[action] * (prob / &st.m[action]) / &f };
        q_total += &q_prob;
        let p_pi = prob * &f;
        let p_piq = if tr.queried { p_pi.clone() } else { prob.clone() };
        steps.push(Step {
            child: tr.child,
            p: scaled(prob),
            p_pi: scaled(&p_pi),
            p_piq: scaled(&p_piq),
            q_pi: scaled(&(q_prob * &f)),
        });
    }
    // Every action μ takes has m(a) > 0 on three coins, so Q's steps are P_im's.
    assert_eq!(q_total, int(1), "Q's steps at (h, t) = ({h}, {t}) sum to 1");
    let absorbing = theta.is_zero() && st.transitions.iter().all(|tr| tr.child == id);

    // u = post(tails-biased)/post(fair), v = post(heads-biased)/post(fair).
    let u = &post[TAILS_BIASED] / &post[FAIR];
    let v = &post[HEADS_BIASED] / &post[FAIR];
    let band = u > r(1, 10) && u < int(10);
    let here_in_s = in_s(st);
    if here_in_s {
        assert!(theta == r(1, 4) || theta == r(1, 2), "θ ∈ {{1/4, 1/2}} on S, got {theta} at ({h}, {t})");
        assert!(band, "S lies in the band 1/10 < u < 10");
        let mut leaves = 0;
        for tr in &st.transitions {
            let child = space.state(tr.child);
            if !tr.queried {
                assert_eq!(tr.child, id, "an unqueried step does not move the posterior");
            } else if !in_s(child) {
                leaves += 1;
                if tr.action as usize == TAILS {
                    // Steps 1 and 2 of the lemma: tails only ever expels fair, and only when u > 5 and v < u.
                    assert!(child.top.contains(&TAILS_BIASED), "tails expels tails-biased at ({h}, {t})");
                    assert!(u > int(5) && v < u, "tails leaves S at ({h}, {t}) with u = {u}, v = {v}");
                }
            }
        }
        assert!(leaves <= 1, "both query outcomes leave S at (h, t) = ({h}, {t})");
    }
    if h >= 9 {
        // On h ≥ 9 heads-biased ranks last and S is exactly the band; there t > h.
        assert_eq!(here_in_s, band, "S versus the band at ({h}, {t})");
        if band {
            assert!(t > h);
        }
    }
    Info { steps, in_s: here_in_s, truth_in_top: st.truth_in_top, absorbing }
}

/// The unnormalized weights after `h` queried heads and `t` queried tails,
/// scaled by `4^{h+t}`: fair `2^{h+t}`, heads-biased `3^h`, tails-biased `3^t`.
fn weights(h: usize, t: usize) -> [Rational; 3] {
    [pow(&int(2), h + t), pow(&int(3), h), pow(&int(3), t)]
}

/// The walk to [`DEPTH`], computed once per test process.
fn readings() -> &'static Readings {
    static READINGS: OnceLock<Readings> = OnceLock::new();
    READINGS.get_or_init(|| walk(DEPTH))
}

/// The lumped engine's figures to [`DEPTH`], computed once per test process.
fn lumped() -> &'static Figures {
    static FIGURES: OnceLock<Figures> = OnceLock::new();
    FIGURES.get_or_init(|| {
        let s = three_coins();
        let rule = Standard::new(Variant::Conservative, 0);
        engine::run(EngineKind::Lumped, &s, &rule, DEPTH, &|_, _| {}).expect("lumped")
    })
}

/// `c · x^(n-1)`.
fn geometric(c: &Rational, x: &Rational, n: usize) -> Rational {
    c * pow(x, n - 1)
}

fn exact(figures: &[Rational]) -> Vec<String> {
    figures.iter().map(|x| x.to_string()).collect()
}

/// Relative agreement with a decimal quoted in `proofs/product-growth.md`.
fn close(x: &Rational, quoted: f64) -> bool {
    let v = x.to_f64().expect("finite");
    ((v - quoted) / quoted).abs() < 5e-6
}

#[test]
fn the_product_and_its_readings_grow_geometrically_on_three_coins() {
    let w = readings();

    // Depths 1–4 by hand (proofs/product-growth.md): every state before step 3
    // is in S, θ_1 = θ_2 = 1/2, so Π_2 = 9/4 on every path.
    assert_eq!(exact(&w.product[..4]), ["3/2", "9/4", "423/128", "19557/4096"]);
    assert_eq!(exact(&w.on_e[..4]), ["3/2", "9/4", "423/128", "19557/4096"]);
    assert_eq!(exact(&w.in_s_next[..4]), ["3/2", "135/64", "747/256", "32841/8192"]);
    assert_eq!(exact(&w.q_product[..4]), ["3/2", "9/4", "107/32", "1259/256"]);
    assert_eq!(exact(&w.queried_only[..4]), ["5/4", "25/16", "973/512", "37273/16384"]);
    // E holds surely up to depth 6; the first exclusion of fair is at step 7.
    assert!(w.p_e[..6].iter().all(|p| p.is_one()));
    assert_eq!(w.p_e[6], r(32767, 32768));
    assert_eq!(w.on_e[..6], w.product[..6]);
    assert!(w.on_e[6] < w.product[6]);

    // The theorem: b_N ≥ (35/32)·b_{N-1}, b_1 = 3/2, so b_N ≥ (3/2)(35/32)^{N-1},
    // and E_im[Π_N] ≥ E_im[Π_N 1_{E_N}] ≥ E_im[Π_N 1{s_1..s_N ∈ S}] ≥ b_N.
    let (c, rate) = (r(3, 2), r(35, 32));
    let (q_rate, queried_rate) = (r(9, 8), r(33, 32));
    for n in 1..=DEPTH {
        let i = n - 1;
        assert!(w.in_s_next[i] >= geometric(&c, &rate, n), "theorem at N = {n}");
        if n > 1 {
            assert!(&w.in_s_next[i] * int(32) >= &w.in_s_next[i - 1] * int(35), "b_N ≥ (35/32) b_(N-1) at N = {n}");
            assert!(&w.q_in_s_next[i] * int(8) >= &w.q_in_s_next[i - 1] * int(9), "Q: ≥ (9/8)× at N = {n}");
        }
        assert!(w.in_s[i] >= w.in_s_next[i]);
        assert!(w.on_e[i] >= w.in_s[i]);
        assert!(w.product[i] >= w.on_e[i]);
        // Reading (b): E_Q[Π_N] ≥ E_Q[Π_N 1{s_1..s_{N+1} ∈ S}] ≥ (3/2)(9/8)^{N-1}.
        assert!(w.q_product[i] >= w.q_in_s_next[i]);
        assert!(w.q_in_s_next[i] >= geometric(&c, &q_rate, n), "Q bound at N = {n}");
    }
    // The bound is sharp in its constant: equality at N = 1.
    assert_eq!(w.in_s_next[0], c);
    assert_eq!(w.q_in_s_next[0], c);

    // Theorem 2 starts in S_9 (S with h ≥ 9), first reached after 19 steps
    // that stay in S, all queried (h = 9, t = 10): its constants are positive.
    assert!(w.mass_s9[..18].iter().all(Zero::is_zero));
    assert_eq!(w.mass_s9[18], r(865535, 1) / pow(&int(2), 54));
    assert!(close(&w.mass_s9[DEPTH - 1], 0.079068705));
    assert!(w.mass_s9[18..].iter().all(|p| p > &Rational::zero()));

    // Growth: every reading's ratio to N² increases from a small depth on …
    let increasing_from = |v: &[Rational], from: usize| {
        (from..=DEPTH).all(|n| &v[n - 1] * int(((n - 1) * (n - 1)) as i64) > &v[n - 2] * int((n * n) as i64))
    };
    assert!(increasing_from(&w.product, 8));
    assert!(increasing_from(&w.on_e, 8));
    assert!(increasing_from(&w.in_s_next, 8));
    assert!(increasing_from(&w.q_product, 7));
    assert!(increasing_from(&w.queried_only, 18));
    // … and the growth factor from N-1 to N stays above a constant > 1 over 60..100.
    let factor_above = |v: &[Rational], x: &Rational| (60..=DEPTH).all(|n| v[n - 1] > &v[n - 2] * x);
    assert!(factor_above(&w.product, &r(6, 5)));
    assert!(factor_above(&w.on_e, &r(6, 5)));
    assert!(factor_above(&w.q_product, &r(6, 5)));
    assert!(factor_above(&w.queried_only, &queried_rate));
    // Past N² within the depth: (a) and (b) by far; (c), the slowest, not yet at 100.
    let n2 = int((DEPTH * DEPTH) as i64);
    assert!(w.on_e[DEPTH - 1] > &n2 * int(1_000_000));
    assert!(w.q_product[DEPTH - 1] > &n2 * int(1_000_000));
    assert!(w.queried_only[DEPTH - 1] < n2);

    // The decimals quoted in proofs/product-growth.md.
    for (n, product, on_e, in_s_next, q_product, queried_only) in [
        (10, 36.887427, 36.877353, 25.420764, 43.293036, 5.7578746),
        (20, 885.45714, 884.00621, 463.9169, 1341.1664, 20.826965),
        (50, 1.7228614e6, 1.7191496e6, 3.5561645e5, 1.3830663e7, 172.97764),
        (100, 3.9893474e10, 3.9691344e10, 8.3576728e9, 1.6772771e12, 1214.4719),
    ] {
        let i = n - 1;
        assert!(close(&w.product[i], product), "E Π at {n}: {}", w.product[i].to_f64().unwrap());
        assert!(close(&w.on_e[i], on_e), "(a) at {n}: {}", w.on_e[i].to_f64().unwrap());
        assert!(close(&w.in_s_next[i], in_s_next), "b at {n}: {}", w.in_s_next[i].to_f64().unwrap());
        assert!(close(&w.q_product[i], q_product), "(b) at {n}: {}", w.q_product[i].to_f64().unwrap());
        assert!(close(&w.queried_only[i], queried_only), "(c) at {n}: {}", w.queried_only[i].to_f64().unwrap());
    }
    // Exact growth factors at depths 2–4 and decimals at 100.
    let factor = |v: &[Rational], n: usize| &v[n - 1] / &v[n - 2];
    let factors = |v: &[Rational]| exact(&(2..=4).map(|n| factor(v, n)).collect::<Vec<_>>());
    assert_eq!(factors(&w.product), ["3/2", "47/32", "2173/1504"]);
    assert_eq!(factors(&w.q_product), ["3/2", "107/72", "1259/856"]);
    assert_eq!(factors(&w.queried_only), ["5/4", "973/800", "37273/31136"]);
    assert!(close(&factor(&w.product, 100), 1.2200834));
    assert!(close(&factor(&w.on_e, 100), 1.220029));
    assert!(close(&factor(&w.q_product, 100), 1.2315139));
    assert!(close(&factor(&w.queried_only, 100), 1.0360259));
    // The paths that never leave S carry about a fifth of the product at depth 100.
    let share = &w.in_s_next[DEPTH - 1] / &w.product[DEPTH - 1];
    assert!(share > r(1, 5) && share < r(22, 100), "share {share}");
}

/// The walk agrees with the verifier's engines: the exhaustive engine at a
/// small depth and the lumped engine at the test's depth, on `E_im[Π_t]` and
/// `P_im(E_t)`; so reading (a) equals the verifier's `expected_product` while
/// `P(E_t) = 1` (depths 1–6).
#[test]
fn the_walk_agrees_with_the_engines() {
    let s = three_coins();
    let rule = Standard::new(Variant::Conservative, 0);
    let w = readings();
    let check = |f: &Figures, depth: usize| {
        assert_eq!(f.expected_product[..depth], w.product[..depth], "{} engine", f.engine);
        assert_eq!(f.event_e[..depth], w.p_e[..depth], "{} engine", f.engine);
        // Reading (a) at depths 1–6, where P(E_t) = 1, is the verifier's figure itself.
        assert_eq!(f.expected_product[..6], w.on_e[..6]);
    };
    let ex = engine::run(EngineKind::Exhaustive, &s, &rule, 8, &|_, _| {}).expect("exhaustive");
    check(&ex, 8);
    check(lumped(), DEPTH);
}

/// The log-space reading (a reconstruction): pointwise `(Σθ)³ ≤ t²·Σθ³`, so the
/// verifier's `query_sum_cubed` over `t²` is at most `query_cubed_sum`, which
/// the proved bound keeps below `√2560 ≈ 50.6` on three coins.
#[test]
fn the_log_space_reading_holds_on_the_verifier_figures() {
    let f = lumped();
    let s = three_coins();
    let proved = imitator::bounds::query_cubed_proved_bound_squared(2, 3, &s.alpha, s.truth_weight());
    assert_eq!(proved, int(2560));
    for t in 1..=DEPTH {
        let i = t - 1;
        let t2 = int((t * t) as i64);
        assert!(f.query_sum_cubed[i] <= &t2 * &f.query_cubed_sum[i], "(Σθ)³ ≤ t²Σθ³ at t = {t}");
        assert!(&f.query_cubed_sum[i] * &f.query_cubed_sum[i] <= proved);
    }
    assert_eq!(exact(&f.query_sum_cubed[..4]), ["1/8", "1", "1637/512", "29175/4096"]);
    assert_eq!(exact(&f.query_cubed_sum[..4]), ["1/8", "1/4", "185/512", "1887/4096"]);
    assert_eq!(exact(&f.expected_queries[..4]), ["1/2", "1", "47/32", "489/256"]);
    // The decimals quoted in proofs/product-growth.md.
    for (t, sum_cubed, cubed_sum, queries) in [
        (10, 81.549496, 0.91410554, 4.2319039),
        (50, 3804.4638, 2.1656393, 15.184374),
        (100, 12873.337, 2.5969057, 21.886508),
    ] {
        assert!(close(&f.query_sum_cubed[t - 1], sum_cubed), "E[(Σθ)³] at {t}");
        assert!(close(&f.query_cubed_sum[t - 1], cubed_sum), "E Σθ³ at {t}");
        assert!(close(&f.expected_queries[t - 1], queries), "E Σθ at {t}");
    }
    // The ratio to t² rises, then falls: the query sum converges (its expectation grows ever slower).
    let ratio = |t: usize| &f.query_sum_cubed[t - 1] / int((t * t) as i64);
    assert!(ratio(50) > ratio(20) && ratio(50) > ratio(100));
    assert!(close(&ratio(50), 1.5217855) && close(&ratio(100), 1.2873337));
}

/// The numbers behind Theorem 2 (and the factors of Theorem 1): the potential
/// `G(z) = e^{cz} sin(κ(z+L))` on the band `|z| < L = ln 10` satisfies
/// `(G(z - ln 2) + G(z + ln 3/2))/2 = λ·G(z)` with `λ > 9/10`, and `G ≤ 0` just
/// outside the band. Floating point, with a margin of 3·10⁻³ against errors of 10⁻¹⁵.
#[test]
fn the_potential_has_eigenvalue_above_nine_tenths_and_the_factors_are_right() {
    let (a, b, l) = (2f64.ln(), 1.5f64.ln(), 10f64.ln());
    let kappa = std::f64::consts::PI / (2.0 * l);
    let c = ((kappa * a).sin() / (kappa * b).sin()).ln() / (a + b);
    let lambda = 0.5 * ((-c * a).exp() * (kappa * a).cos() + (c * b).exp() * (kappa * b).cos());
    assert!((lambda - 0.903288).abs() < 1e-6, "λ = {lambda}");
    assert!(lambda > 0.9 + 3e-3);
    // Both steps are shorter than the half-period π/κ = 2L, so G ≤ 0 just outside the band.
    assert!(kappa * a < std::f64::consts::PI && kappa * b < std::f64::consts::PI);
    let g = |z: f64| (c * z).exp() * (kappa * (z + l)).sin();
    for k in 1..1000 {
        let z = -l + 2.0 * l * k as f64 / 1000.0;
        let avg = 0.5 * (g(z - a) + g(z + b));
        assert!((avg - lambda * g(z)).abs() < 1e-12, "eigen-relation at z = {z}");
        assert!(g(z) > 0.0);
    }
    let g_max = (0..100_000).map(|k| g(-l + 2.0 * l * k as f64 / 100_000.0)).fold(0.0, f64::max);
    assert!((g_max - 1.2429).abs() < 1e-4, "max G = {g_max}");
    // Theorem 2's per-step factors with λ = 9/10, at θ = 1/4 and θ = 1/2 (Lemma 2):
    // (a) (1+θ)(1-θ+θλ), (b) 1+θλ, (c) 1+θ((1+θ)λ-1).
    let lam = r(9, 10);
    let one = || int(1);
    let on_e = |th: Rational| (one() + &th) * (one() - &th + &th * &lam);
    let under_q = |th: Rational| one() + &th * &lam;
    let queried = |th: Rational| one() + &th * ((one() + &th) * &lam - one());
    assert_eq!([on_e(r(1, 4)), on_e(r(1, 2))], [r(39, 32), r(57, 40)]);
    assert_eq!([under_q(r(1, 4)), under_q(r(1, 2))], [r(49, 40), r(29, 20)]);
    assert_eq!([queried(r(1, 4)), queried(r(1, 2))], [r(33, 32), r(47, 40)]);
    // Theorem 1's factors (1+θ)(1-θ/2) and, under Q, 1+θ/2.
    let stay = |th: Rational| (one() + &th) * (one() - &th / int(2));
    assert_eq!([stay(r(1, 4)), stay(r(1, 2))], [r(35, 32), r(9, 8)]);
    let q_stay = |th: Rational| (one() + &th) * (one() - &th / (int(2) * (one() + &th)));
    assert_eq!([q_stay(r(1, 4)), q_stay(r(1, 2))], [r(9, 8), r(5, 4)]);
}

/// A brute-force enumeration of every full history to depth 8, written from
/// the proof's description alone (integer weights, the α rule with α = 1/10),
/// sharing no code with the library: it reproduces the walk's readings,
/// including reading (a) at depths 7 and 8, where it first differs from `E_im Π`.
#[test]
fn a_brute_force_enumeration_agrees_with_the_walk() {
    const N: usize = 8;
    let w = walk(N);
    let mut sums = vec![[Rational::zero(), Rational::zero(), Rational::zero(), Rational::zero()]; N];
    brute(0, 0, 0, true, int(1), int(1), int(1), int(1), int(1), &mut sums);
    for n in 1..=N {
        let [product, on_e, queried_only, q_product] = &sums[n - 1];
        assert_eq!(product, &w.product[n - 1]);
        assert_eq!(on_e, &w.on_e[n - 1]);
        assert_eq!(queried_only, &w.queried_only[n - 1]);
        assert_eq!(q_product, &w.q_product[n - 1]);
    }
}

/// `(m(heads), m(tails), θ, fair collected)` after `h` queried heads and `t` queried tails.
fn brute_policy(h: usize, t: usize) -> (Rational, Rational, Rational, bool) {
    let w = [BigInt::from(2).pow((h + t) as u32), BigInt::from(3).pow(h as u32), BigInt::from(3).pow(t as u32)];
    let probs = [(r(1, 2), r(1, 2)), (r(3, 4), r(1, 4)), (r(1, 4), r(3, 4))];
    let mut order = [0usize, 1, 2];
    order.sort_by(|&i, &j| w[j].cmp(&w[i]).then(i.cmp(&j)));
    let mut top = vec![order[0]];
    let mut above = w[order[0]].clone();
    for &i in &order[1..] {
        // Collected iff w > α·(sum above), α = 1/10.
        if &w[i] * 10 <= above {
            break;
        }
        above += &w[i];
        top.push(i);
    }
    let mh = top.iter().map(|&i| probs[i].0.clone()).min().expect("non-empty");
    let mt = top.iter().map(|&i| probs[i].1.clone()).min().expect("non-empty");
    let theta = int(1) - &mh - &mt;
    (mh, mt, theta, top.contains(&0))
}

/// Walks every full history of the imitator (`P_im`: `p`, with `pi = Π`,
/// `piq = Π_q`, `E` so far) and, alongside, every full history under `Q`
/// (`qp`, `qpi`), adding the readings at each depth.
#[allow(clippy::too_many_arguments)]
fn brute(
    d: usize,
    h: usize,
    t: usize,
    e: bool,
    p: Rational,
    pi: Rational,
    piq: Rational,
    qp: Rational,
    qpi: Rational,
    sums: &mut [[Rational; 4]],
) {
    if d == sums.len() {
        return;
    }
    let (mh, mt, theta, fair_in) = brute_policy(h, t);
    let f = int(1) + &theta;
    let e2 = e && fair_in;
    let half = r(1, 2);
    // (queried, heads?) with P_im and Q probabilities.
    for (queried, heads) in [(false, true), (false, false), (true, true), (true, false)] {
        let p_im = if queried {
            &theta * &half
        } else if heads {
            mh.clone()
        } else {
            mt.clone()
        };
        let p_q = if queried { &half * &theta / &f } else { &half / &f };
        let (h2, t2) = if queried { (h + usize::from(heads), t + usize::from(!heads)) } else { (h, t) };
        let (pi2, piq2) = (&pi * &f, if queried { &piq * &f } else { piq.clone() });
        let (qp2, qpi2) = (&qp * &p_q, &qpi * &p_q * &f);
        let (p2, pi2, piq2) = (&p * &p_im, &pi2 * &p_im, &piq2 * &p_im);
        if p2.is_zero() && qp2.is_zero() {
            continue;
        }
        let s = &mut sums[d];
        s[0] += &pi2;
        if e2 {
            s[1] += &pi2;
        }
        s[2] += &piq2;
        s[3] += &qpi2;
        brute(d + 1, h2, t2, e2, p2, pi2, piq2, qp2, qpi2, sums);
    }
}

/// The figures at depth 200 quoted in `proofs/product-growth.md` (slower:
/// `cargo test --release --test library product_claim -- --ignored`).
#[test]
#[ignore]
fn the_readings_at_depth_200() {
    let w = walk(200);
    let (a, b, c) = (&w.on_e, &w.q_product, &w.queried_only);
    assert!(close(&w.product[199], 2.1340989e19));
    assert!(close(&a[199], 2.1190374e19));
    assert!(close(&w.in_s_next[199], 4.7308674e18));
    assert!(close(&b[199], 1.1768117e21));
    assert!(close(&c[199], 40456.415));
    // Growth factors from depth 199 to 200.
    assert!(close(&(&w.product[199] / &w.product[198]), 1.2234279));
    assert!(close(&(&a[199] / &a[198]), 1.2234182));
    assert!(close(&(&b[199] / &b[198]), 1.2278765));
    assert!(close(&(&c[199] / &c[198]), 1.0356629));
    // Reading (a) is within 1% of the slides' quantity to depth 200.
    assert!((1..=200).all(|n| &a[n - 1] * int(100) >= &w.product[n - 1] * int(99)));
    // Reading (c) crosses N² at N = 200 (below it on 2..=199), its ratio to N² rising from 18 on.
    assert!(c[199] > int(200 * 200) && c[198] < int(199 * 199));
    assert!((2..=199).all(|n| c[n - 1] < int((n * n) as i64)));
    assert!((18..=200).all(|n| &c[n - 1] * int(((n - 1) * (n - 1)) as i64) > &c[n - 2] * int((n * n) as i64)));
}

// Theorem 2's λ > 9/10, certified exactly ---------------------------------------

/// Rational interval arithmetic for Theorem 2 of `proofs/product-growth.md`:
/// every real is an interval `[lo, hi]` of exact rationals known to contain
/// it, every series is cut with a proved bound on its tail, and every result
/// is rounded outward to a multiple of `10^-GRID`.
mod certificate {
    use imitator::number::Rational;
    use num_bigint::BigInt;
    use num_traits::{One, Zero};

    /// The grid results are rounded outward to: `10^-GRID`.
    const GRID: u32 = 100;
    /// Series are summed until their tail is below `10^-TAIL`.
    const TAIL: u32 = 110;

    /// A real number enclosed by two rationals.
    #[derive(Clone, Debug)]
    pub struct Iv {
        pub lo: Rational,
        pub hi: Rational,
    }

    fn pow10(n: u32) -> BigInt {
        num_traits::pow(BigInt::from(10), n as usize)
    }

    fn tiny() -> Rational {
        Rational::new(BigInt::one(), pow10(TAIL))
    }

    /// `[lo, hi]` rounded outward to the grid.
    fn out(lo: Rational, hi: Rational) -> Iv {
        assert!(lo <= hi);
        let s = Rational::from_integer(pow10(GRID));
        let down = (&lo * &s).floor() / &s;
        let up = (&hi * &s).ceil() / &s;
        Iv { lo: down, hi: up }
    }

    impl Iv {
        /// A rational, exactly.
        pub fn exact(x: Rational) -> Iv {
            Iv { lo: x.clone(), hi: x }
        }
        pub fn add(&self, o: &Iv) -> Iv {
            out(&self.lo + &o.lo, &self.hi + &o.hi)
        }
        pub fn sub(&self, o: &Iv) -> Iv {
            out(&self.lo - &o.hi, &self.hi - &o.lo)
        }
        /// Both positive.
        pub fn mul(&self, o: &Iv) -> Iv {
            assert!(self.lo > Rational::zero() && o.lo > Rational::zero());
            out(&self.lo * &o.lo, &self.hi * &o.hi)
        }
        /// Both positive.
        pub fn div(&self, o: &Iv) -> Iv {
            assert!(self.lo > Rational::zero() && o.lo > Rational::zero());
            out(&self.lo / &o.hi, &self.hi / &o.lo)
        }
        pub fn scale(&self, k: &Rational) -> Iv {
            assert!(*k > Rational::zero());
            out(&self.lo * k, &self.hi * k)
        }
        pub fn width(&self) -> Rational {
            &self.hi - &self.lo
        }
    }

    /// `atanh(z) = Σ z^(2k+1)/(2k+1)` for rational `0 < z < 1`; after `K`
    /// terms the tail is at most `z^(2K+1) / ((2K+1)(1 − z²))`.
    fn atanh(z: &Rational) -> Iv {
        let z2 = z * z;
        let (mut sum, mut p, mut k) = (Rational::zero(), z.clone(), 0u32);
        loop {
            let n = Rational::from_integer(BigInt::from(2 * k + 1));
            let tail = &p / (&n * (Rational::one() - &z2));
            if tail < tiny() {
                return out(sum.clone(), sum + tail);
            }
            sum += &p / &n;
            p = &p * &z2;
            k += 1;
        }
    }

    /// `ln y = 2·atanh((y − 1)/(y + 1))` for rational `y > 1`.
    fn ln_point(y: &Rational) -> Iv {
        let z = (y - Rational::one()) / (y + Rational::one());
        atanh(&z).scale(&Rational::from_integer(2.into()))
    }

    /// `ln` of an interval above 1 (increasing).
    pub fn ln(y: &Iv) -> Iv {
        out(ln_point(&y.lo).lo, ln_point(&y.hi).hi)
    }

    /// The rational `n/d`.
    pub fn q(n: i64, d: i64) -> Rational {
        Rational::new(n.into(), d.into())
    }

    /// `atan(z)`, rational `0 < z < 1`: an alternating series of decreasing
    /// terms, so the error after `K` terms is at most the next one.
    fn atan(z: &Rational) -> Iv {
        let z2 = z * z;
        let (mut sum, mut p, mut k) = (Rational::zero(), z.clone(), 0u32);
        loop {
            let term = &p / Rational::from_integer(BigInt::from(2 * k + 1));
            if term < tiny() {
                return out(&sum - &term, &sum + &term);
            }
            if k % 2 == 0 {
                sum += term;
            } else {
                sum -= term;
            }
            p = &p * &z2;
            k += 1;
        }
    }

    /// `π = 16·atan(1/5) − 4·atan(1/239)` (Machin).
    pub fn pi() -> Iv {
        atan(&q(1, 5)).scale(&q(16, 1)).sub(&atan(&q(1, 239)).scale(&q(4, 1)))
    }

    /// `Σ_k (-1)^k x^(start + 2k)/(start + 2k)!` for rational `0 < x ≤ 1`
    /// (`start = 1`: sin, `start = 0`: cos): alternating with decreasing terms,
    /// so the error is at most the next term.
    fn trig_point(x: &Rational, start: u32) -> Iv {
        let mut term = Rational::one();
        for i in 1..=start {
            term = term * x / Rational::from_integer(i.into());
        }
        let (mut sum, mut n, mut k) = (Rational::zero(), start, 0u32);
        loop {
            if term < tiny() {
                return out(&sum - &term, &sum + &term);
            }
            if k % 2 == 0 {
                sum += &term;
            } else {
                sum -= &term;
            }
            term = term * x * x / Rational::from_integer(BigInt::from((n + 1) * (n + 2)));
            n += 2;
            k += 1;
        }
    }

    /// `sin` of an interval inside `(0, 1]`, where it increases.
    pub fn sin(x: &Iv) -> Iv {
        assert!(x.lo > Rational::zero() && x.hi <= Rational::one());
        out(trig_point(&x.lo, 1).lo, trig_point(&x.hi, 1).hi)
    }

    /// `cos` of an interval inside `(0, 1]`, where it decreases.
    pub fn cos(x: &Iv) -> Iv {
        assert!(x.lo > Rational::zero() && x.hi <= Rational::one());
        out(trig_point(&x.hi, 0).lo, trig_point(&x.lo, 0).hi)
    }

    /// `e^x` for rational `0 ≤ x ≤ 1`: after `K` terms the tail is at most
    /// `3·x^K/K!` (as `e^x ≤ 3`).
    fn exp_point(x: &Rational) -> Iv {
        let (mut sum, mut term, mut k) = (Rational::zero(), Rational::one(), 0u32);
        loop {
            let tail = &term * Rational::from_integer(3.into());
            if tail < tiny() {
                return out(sum.clone(), sum + tail);
            }
            sum += &term;
            k += 1;
            term = term * x / Rational::from_integer(k.into());
        }
    }

    /// `e^x` of an interval inside `[-1, 1]` (increasing; `e^-y = 1/e^y`).
    pub fn exp(x: &Iv) -> Iv {
        let one = Rational::one();
        assert!(x.lo >= -one.clone() && x.hi <= one);
        let at = |y: &Rational, upper: bool| -> Rational {
            if *y >= Rational::zero() {
                let e = exp_point(y);
                if upper {
                    e.hi
                } else {
                    e.lo
                }
            } else {
                let e = exp_point(&-y);
                if upper {
                    e.lo.recip()
                } else {
                    e.hi.recip()
                }
            }
        };
        out(at(&x.lo, false), at(&x.hi, true))
    }

    /// `λ = ½(e^{−ca}·cos κa + e^{cb}·cos κb)` with `a = ln 2`, `b = ln 3/2`,
    /// `L = ln 10`, `κ = π/(2L)`, `c = ln(sin κa / sin κb)/(a + b)`.
    pub fn lambda() -> Iv {
        let a = ln(&Iv::exact(q(2, 1)));
        let b = ln(&Iv::exact(q(3, 2)));
        let l = ln(&Iv::exact(q(10, 1)));
        let kappa = pi().div(&l.scale(&q(2, 1)));
        let (ka, kb) = (kappa.mul(&a), kappa.mul(&b));
        let c = ln(&sin(&ka).div(&sin(&kb))).div(&a.add(&b));
        let (ca, cb) = (c.mul(&a), c.mul(&b));
        let minus_ca = Iv { lo: -ca.hi.clone(), hi: -ca.lo.clone() };
        exp(&minus_ca).mul(&cos(&ka)).add(&exp(&cb).mul(&cos(&kb))).scale(&q(1, 2))
    }
}

/// Theorem 2 needs `λ > 9/10`: the enclosure is exact (rational interval
/// arithmetic with proved series tails, `proofs/product-growth.md`), 10⁻⁷⁰ wide
/// at most, and lies inside `[D, D + 10⁻⁷⁰]` for the 70-digit decimal `D` the
/// proof states, whose lower end is above 9/10.
#[test]
fn theorem_2_lambda_exceeds_nine_tenths_exactly() {
    use certificate::q;
    let lam = certificate::lambda();
    let d =
        imitator::number::parse_rational("0.9032884807698507507440037860220636079261304521927794499828238683983636")
            .expect("a decimal");
    let ulp = Rational::new(BigInt::one(), num_traits::pow(BigInt::from(10), 70));
    assert!(lam.width() < ulp, "width {}", lam.width());
    assert!(lam.lo >= d && lam.hi <= &d + &ulp, "λ ∈ [{}, {}]", lam.lo, lam.hi);
    assert!(lam.lo > q(9, 10));
    // A sanity check of one constant: π's enclosure.
    let pi = certificate::pi();
    assert!(pi.lo < q(314_159_266, 100_000_000) && pi.hi > q(314_159_265, 100_000_000));
}
