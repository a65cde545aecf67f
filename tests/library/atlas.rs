//! The atlas: its class counts against Burnside's lemma and a closed formula,
//! exact ends of classes worked by hand, determinism on any thread count,
//! and shards that merge into the whole atlas.

use imitator::atlas::{
    self, classes, iid_two_action_count, merge, parse_alphas, parse_shard, permutations, points, round_dyadic,
    sqrt_enclosure, Atlas, Family, MergeError, Options, Ratio, Shard,
};
use imitator::bounds;
use imitator::number::{parse_rational, Rational};
use num_integer::Integer;
use num_traits::{One, Zero};

fn r(s: &str) -> Rational {
    parse_rational(s).unwrap()
}

fn opts(family: Family, k: usize, m: usize, g: u64, alphas: &str) -> Options {
    let mut o = Options::new(family, k, m, g, parse_alphas(alphas).unwrap());
    o.width = r("1/100");
    o.max_depth = 200;
    o
}

/// Burnside's lemma, by brute force: the orbits of (set of `m` distinct
/// models with weights of gcd 1, truth) under the renamings of the actions
/// are the average number of such classes each renaming fixes.
fn burnside(family: Family, k: usize, m: usize, g: u64, p: u64) -> u64 {
    let pts = points(family, k, g);
    let rename = |model: &Vec<Vec<u64>>, perm: &Vec<usize>| -> Vec<Vec<u64>> {
        let permute = |c: &Vec<u64>| {
            let mut out = vec![0; c.len()];
            for (a, &x) in c.iter().enumerate() {
                out[perm[a]] = x;
            }
            out
        };
        let mut out = vec![permute(&model[0])];
        if model.len() > 1 {
            let mut after = vec![Vec::new(); k];
            for (a, c) in model[1..].iter().enumerate() {
                after[perm[a]] = permute(c);
            }
            out.extend(after);
        }
        out
    };
    let perms = permutations(k);
    let mut fixed_total = 0u64;
    // Every (set, weights, truth) as a sorted list of (model, weight, is truth).
    let n = pts.len();
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let mut ids: Vec<usize> = Vec::new();
    fn combos(start: usize, n: usize, m: usize, ids: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if ids.len() == m {
            out.push(ids.clone());
            return;
        }
        for i in start..n {
            ids.push(i);
            combos(i + 1, n, m, ids, out);
            ids.pop();
        }
    }
    combos(0, n, m, &mut ids, &mut sets);
    let mut weights: Vec<Vec<u64>> = vec![Vec::new()];
    for _ in 0..m {
        weights = weights.into_iter().flat_map(|w| (1..=p).map(move |x| [w.clone(), vec![x]].concat())).collect();
    }
    weights.retain(|w| w.iter().fold(0u64, |g, &x| g.gcd(&x)) == 1);
    for perm in &perms {
        for set in &sets {
            for w in &weights {
                for t in 0..m {
                    let mut me: Vec<(Vec<Vec<u64>>, u64, bool)> =
                        set.iter().enumerate().map(|(i, &j)| (pts[j].clone(), w[i], i == t)).collect();
                    let mut image: Vec<(Vec<Vec<u64>>, u64, bool)> =
                        me.iter().map(|(x, w, t)| (rename(x, perm), *w, *t)).collect();
                    me.sort();
                    image.sort();
                    fixed_total += u64::from(me == image);
                }
            }
        }
    }
    assert_eq!(fixed_total % perms.len() as u64, 0, "Burnside's average is a whole number");
    fixed_total / perms.len() as u64
}

#[test]
fn two_action_iid_counts_match_the_closed_formula() {
    // By hand: grid 2 has the models (0,1), (1/2,1/2), (1,0); two of them and a
    // truth make 6 classes, and swapping the actions pairs them up: 3.
    assert_eq!(iid_two_action_count(2, 2), 3);
    // The first atlas: 55 classes of 2 models and 250 of 3 on the grid of tenths.
    assert_eq!(iid_two_action_count(10, 2), 55);
    assert_eq!(iid_two_action_count(10, 3), 250);
    for g in 1..=9 {
        for m in 2..=4 {
            let n = classes(&opts(Family::Iid, 2, m, g, "1/2")).unwrap().len() as u64;
            assert_eq!(n, iid_two_action_count(g, m as u64), "grid {g}, {m} models");
        }
    }
}

#[test]
fn counts_match_burnside_for_three_actions_priors_and_after_action() {
    for (family, k, m, g, p) in [
        (Family::Iid, 3, 2, 3, 1),
        (Family::Iid, 3, 3, 2, 1),
        (Family::Iid, 2, 2, 4, 3),
        (Family::Iid, 3, 2, 2, 2),
        (Family::AfterAction, 2, 2, 1, 1),
        (Family::AfterAction, 2, 2, 2, 1),
    ] {
        let mut o = opts(family, k, m, g, "1/2");
        o.priors = (p > 1).then_some(p);
        let n = classes(&o).unwrap().len() as u64;
        assert_eq!(n, burnside(family, k, m, g, p), "{family} K={k} M={m} G={g} P={p}");
    }
    // Hand count: after-action, two actions, grid 1: each of the 2 × 2 × 2 = 8 models
    // is (start, after a1, after a2); 8·7/2·2 = 56 classes with a truth, the swap of the
    // actions fixes none of them (it would need a model fixed by it, with start
    // (1/2,1/2), impossible on the grid of 1), so 28.
    assert_eq!(classes(&opts(Family::AfterAction, 2, 2, 1, "1/2")).unwrap().len(), 28);
}

fn run_on(threads: usize, o: &Options, shard: Shard) -> Atlas {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| atlas::run(o, shard, &|_, _| {})).unwrap()
}

#[test]
fn hand_computed_ends_of_a_deterministic_class() {
    // Grid 2, two models: class 2 is (0,1)* and (1,0) — the truth always plays
    // a2, the other model a1. The imitator queries once (θ₁ = 1) and is then
    // sure: E Σθ³ = 1, P(E_∞) = 1.
    let o = opts(Family::Iid, 2, 2, 2, "1/2,1/5");
    let all = classes(&o).unwrap();
    assert_eq!(all[2].describe(), "0:2* 2:0");
    let a = run_on(1, &o, Shard::WHOLE);
    let run = &a.classes[2].runs[0];
    assert_eq!(run.query.lo, Rational::one());
    assert_eq!(run.query.hi, Some(Rational::one()));
    assert_eq!(run.event_e.lo, Rational::one());
    // (b) = 1 / (2 · 2³ · (24·2 + 12)) = 1/960 at α = 1/2, 1/(2·125·60) at α = 1/5.
    let b = Ratio::B.ends(&all[2], &o, &o.alphas[0], run);
    assert_eq!((b.lo.clone(), b.hi.clone()), (r("1/960"), Some(r("1/960"))));
    let b5 = Ratio::B.ends(&all[2], &o, &o.alphas[1], &a.classes[2].runs[1]);
    assert_eq!(b5.lo, r("1/15000"));
    // It is the witness of (b) and of E Σθ³ at both α, and E Σθ³ ≤ 1 everywhere.
    for j in 0..2 {
        let e = a.extremes(&all, Ratio::B, j).unwrap();
        assert_eq!(e.lo_class, 2);
        let q = a.extremes(&all, Ratio::QuerySum, j).unwrap();
        assert_eq!((q.lo, q.hi), (Rational::one(), Some(Rational::one())));
    }
    // (b′): lo² ≤ 1/B² ≤ hi², the enclosure narrower than 2⁻⁶⁰.
    let w = r("1/2");
    let b2 = bounds::query_cubed_proved_bound_squared(2, 2, &o.alphas[0], &w);
    let bp = Ratio::BPrime.ends(&all[2], &o, &o.alphas[0], run);
    let hi = bp.hi.unwrap();
    assert!(&bp.lo * &bp.lo * &b2 <= Rational::one() && Rational::one() <= &hi * &hi * &b2);
    assert!(&hi - &bp.lo < round_dyadic(&r("1/1000000000000000000"), 64, true));
    assert!(bp.lo < hi, "the enclosure is not a point: √B² is irrational here");
}

#[test]
fn rounding_is_outward_and_the_square_root_enclosed() {
    let third = r("1/3");
    let (down, up) = (round_dyadic(&third, 64, false), round_dyadic(&third, 64, true));
    assert!(down < third && third < up);
    assert_eq!(&up - &down, Rational::new(1.into(), num_bigint::BigInt::one() << 64));
    assert_eq!(round_dyadic(&r("3/4"), 64, true), r("3/4"));
    let (lo, hi) = sqrt_enclosure(&r("9/4"));
    assert_eq!((lo, hi), (r("3/2"), r("3/2")));
    let (lo, hi) = sqrt_enclosure(&r("2"));
    assert!(&lo * &lo < r("2") && r("2") < &hi * &hi);
    assert_eq!(&hi - &lo, Rational::new(1.into(), num_bigint::BigInt::one() << 64));
    assert!(sqrt_enclosure(&Rational::zero()).0.is_zero());
}

#[test]
fn same_atlas_on_one_and_two_threads_and_shards_merge_into_it() {
    let o = opts(Family::Iid, 2, 3, 3, "1/2,1/10");
    let one = run_on(1, &o, Shard::WHOLE);
    let two = run_on(2, &o, Shard::WHOLE);
    assert_eq!(one, two);
    assert_eq!(one.total, iid_two_action_count(3, 3));
    let parts: Vec<Atlas> = (1..=3).map(|i| run_on(2, &o, Shard { index: i, count: 3 })).collect();
    assert_eq!(parts.iter().map(|p| p.classes.len()).sum::<usize>() as u64, one.total);
    assert_eq!(merge(parts.clone()).unwrap(), one);
    // In any order.
    let mut reversed = parts.clone();
    reversed.reverse();
    assert_eq!(merge(reversed).unwrap(), one);
    // One missing, one twice, or one from other arguments: refused, saying which.
    assert_eq!(merge(parts[..2].to_vec()), Err(MergeError::Missing { index: 3, count: 3 }));
    let twice = vec![parts[0].clone(), parts[1].clone(), parts[0].clone()];
    assert_eq!(merge(twice), Err(MergeError::Twice { first: 1, second: 3, index: 1, count: 3 }));
    let other = run_on(1, &opts(Family::Iid, 2, 3, 3, "1/2"), Shard { index: 3, count: 3 });
    match merge(vec![parts[0].clone(), parts[1].clone(), other]) {
        Err(MergeError::Arguments { second: 3, option, ours, theirs, .. }) => {
            assert_eq!((option, ours.as_str(), theirs.as_str()), ("alpha", "1/2,1/10", "1/2"))
        }
        e => panic!("expected an argument mismatch, got {e:?}"),
    }
}

#[test]
fn bad_lists_and_shards_name_the_option() {
    for text in ["", " ", "1/2,", ",1/2", "1/2,,1/3", "x"] {
        assert_eq!(parse_alphas(text).unwrap_err().option, "alpha", "{text:?}");
    }
    for text in ["", "1", "0/2", "3/2", "1/0", "a/b", "1/2/3", "-1/2"] {
        assert_eq!(parse_shard(text).unwrap_err().option, "shard", "{text:?}");
    }
    assert_eq!(parse_shard("2/3").unwrap(), Shard { index: 2, count: 3 });
    let mut o = opts(Family::Iid, 2, 2, 2, "1/2");
    for (alphas, why) in [("1", "not in (0, 1)"), ("1/2,1/2", "listed twice"), ("0", "not in (0, 1)")] {
        o.alphas = parse_alphas(alphas).unwrap();
        let e = o.validate().unwrap_err();
        assert_eq!(e.option, "alpha");
        assert!(e.reason.contains(why), "{e}");
    }
    let mut o = opts(Family::Iid, 2, 2, 0, "1/2");
    assert_eq!(o.validate().unwrap_err().option, "grid");
    o.grid = 1000;
    o.models = 8;
    assert_eq!(o.validate().unwrap_err().option, "grid", "too many classes, refused before enumerating");
}

#[test]
fn atlas_json_reads_back_and_refuses_what_is_out_of_place() {
    use imitator_report::atlas::{json, parse_json};
    let o = opts(Family::Iid, 2, 2, 3, "1/2,1/3");
    let a = run_on(1, &o, Shard { index: 2, count: 2 });
    let all = classes(&o).unwrap();
    let text = json(&a, &all);
    assert_eq!(parse_json(&text).unwrap(), a);
    // A class of the other shard, a run missing, a shard past its count, not JSON.
    let other = text.replacen("\"index\": 1,", "\"index\": 0,", 1);
    assert_ne!(other, text);
    assert!(parse_json(&other).unwrap_err().contains("out of place"), "{}", parse_json(&other).unwrap_err());
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["classes"][0]["runs"].as_array_mut().unwrap().pop();
    assert!(parse_json(&v.to_string()).unwrap_err().contains("runs, not one per α"));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["shard"]["index"] = 3.into();
    assert!(parse_json(&v.to_string()).unwrap_err().contains("shard 3/2"));
    assert!(parse_json("{").unwrap_err().starts_with("not JSON"));
    // α with a denominator past 2^63 is refused by name, not a panic.
    let mut o = opts(Family::Iid, 2, 2, 2, "1/2");
    o.alphas = vec![r("1/100000000000000000000")];
    assert_eq!(o.validate().unwrap_err().option, "alpha");
}

/// A watch that says to stop from the start, or once `after` classes are done.
struct StopAfter {
    after: u64,
    done: std::sync::atomic::AtomicU64,
}

impl imitator::progress::Watch for StopAfter {
    fn tick(&self, done: u64, _: u64) {
        self.done.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.done.load(std::sync::atomic::Ordering::Relaxed) >= self.after
    }
}

#[test]
fn a_cancelled_atlas_stops_and_says_so() {
    let o = opts(Family::Iid, 2, 2, 4, "1/2,1/5");
    let all = Shard { index: 1, count: 1 };
    for after in [0, 1] {
        let watch = StopAfter { after, done: Default::default() };
        let err = atlas::run(&o, all, &watch).expect_err("cancelled");
        assert_eq!((err.option, err.reason.as_str()), ("run", "cancelled"), "after {after} classes");
    }
    // A lifetime told to stop ends with `Cancelled`, not a result.
    let class = &atlas::classes(&o).unwrap()[0];
    let s = class.scenario(&o, &r("1/2"));
    let stop = StopAfter { after: 0, done: Default::default() };
    assert!(matches!(
        atlas::lifetime_of(&s, &o.lifetime_options(), &stop),
        Err(imitator::engine::EngineError::Cancelled)
    ));
    // Never cancelled: the whole atlas.
    let never = StopAfter { after: u64::MAX, done: Default::default() };
    assert_eq!(atlas::run(&o, all, &never).unwrap().classes.len(), classes(&o).unwrap().len());
}
