#!/usr/bin/env python3
"""An independent exact verifier, written from the definitions (docs/semantics.md, docs/checks.md) with Python's Fraction.

It walks every full history one by one (no state space, no common
denominators, no merging) and prints the figures of the JSON document (docs/json.md) that it computes,
as JSON with exact numbers in lowest terms. tests/reference.rs compares them,
digit for digit, with `imitator verify --json`.

usage: exact_verifier.py SCENARIO.toml DEPTH [VARIANT] [WARMUP]
"""
import json
import sys
import tomllib
from fractions import Fraction as F


def num(x):
    if isinstance(x, int):
        return F(x)
    s = x.strip()
    if "/" in s:
        p, q = s.split("/")
        return F(int(p), int(q))
    return F(s)  # integers and decimals, exactly


def fmt(x):
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def main():
    path, depth = sys.argv[1], int(sys.argv[2])
    variant = sys.argv[3] if len(sys.argv) > 3 else "conservative"
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    with open(path, "rb") as f:
        sc = tomllib.load(f)
    A = sc["actions"]
    O = sc.get("observations", ["-"])
    alpha = num(sc["alpha"])
    models = sc["models"]
    total_prior = sum(num(m["prior"]) for m in models)
    prior = [num(m["prior"]) / total_prior for m in models]
    truth = [m["name"] for m in models].index(sc["truth"])
    w_mu = prior[truth]

    def matches(spec, name):
        """A rule's key: missing or "*" matches anything; else a name or a list of names."""
        if spec is None or spec == "*":
            return True
        if isinstance(spec, list):
            return name in spec
        return name == spec

    def machine_state(mach, hist):
        """The state of a machine (a table with states, start_state, transitions) after hist."""
        s = mach.get("start_state", mach["states"][0])
        for a, o in hist:
            for r in mach.get("transitions", []):
                if matches(r.get("from"), s) and matches(r.get("action"), A[a]) and matches(r.get("observation"), O[o]):
                    s = r["to"]
                    break
        return s

    def model_dist(m, hist):
        """hist: list of (action index, observation index)."""
        if "states" in m:
            return [num(x) for x in m["policy"][machine_state(m, hist)]]
        if "iid" in m:
            return [num(x) for x in m["iid"]]
        if not hist:
            return [num(x) for x in m["start"]]
        a, o = hist[-1]
        if "after_action" in m:
            return [num(x) for x in m["after_action"][A[a]]]
        return [num(x) for x in m["after_observation"][O[o]]]

    env = sc.get("environment")

    def env_dist(hist, a):
        if env is None:
            return [F(1)] + [F(0)] * (len(O) - 1)
        if "states" in env:
            row = env["observe"][machine_state(env, hist)]
            if isinstance(row, dict):
                row = row[A[a]]
            return [num(x) for x in row]
        if "iid" in env:
            return [num(x) for x in env["iid"]]
        return [num(x) for x in env["after_action"][A[a]]]

    def policy(post, dists, step):
        order = sorted(range(len(models)), key=lambda i: (-post[i], i))
        top, above = [], F(0)
        for n, i in enumerate(order):
            if n > 0 and not post[i] > alpha * above:
                break
            top.append(i)
            above += post[i]
        na = len(A)
        if variant == "conservative":
            m = [min(dists[i][a] for i in top) for a in range(na)]
            theta = 1 - sum(m)
        elif variant == "always-query" or step <= warmup:
            m, theta = [F(0)] * na, F(1)
        elif variant == "map":
            m, theta = list(dists[order[0]]), F(0)
        else:  # mixture
            m = [sum(post[i] * dists[i][a] for i in range(len(models))) for a in range(na)]
            theta = F(0)
        return top, m, theta

    T = depth
    event_e = [F(0)] * T
    theta_sum = [F(0)] * T
    cubed_sum = [F(0)] * T
    product = [F(0)] * T
    sum_cubed = [F(0)] * T  # E[(Σ_{k≤t} θ_k)³]
    inverse_post = [F(0)] * T  # E[1/post_{t+1}(μ)]; None: infinite
    mass = [F(0)] * (T + 1)
    checked = violations = nodes = 0
    p_im, p_im_e = {}, {}

    def walk(hist, post, p, prod, s, e, d):
        """s: the query sum Σθ of the steps before this node."""
        nonlocal checked, violations, nodes
        nodes += 1
        mass[d] += p
        world = tuple(hist)
        if d > 0 and inverse_post[d - 1] is not None:
            inverse_post[d - 1] = None if post[truth] == 0 else inverse_post[d - 1] + p / post[truth]
        if d == T:
            p_im[world] = p_im.get(world, F(0)) + p
            if e:
                p_im_e[world] = p_im_e.get(world, F(0)) + p
            return
        dists = [model_dist(m, hist) for m in models]
        mu = dists[truth]
        top, m, theta = policy(post, dists, d + 1)
        in_top = truth in top
        e2 = e and in_top
        if e2:
            event_e[d] += p
        theta_sum[d] += p * theta
        cubed_sum[d] += p * theta ** 3
        product[d] += p * prod * (1 + theta)
        sum_cubed[d] += p * (s + theta) ** 3
        if in_top:
            checked += 1
            if any(m[a] > mu[a] or m[a] + theta * mu[a] > (1 + theta) * mu[a] for a in range(len(A))):
                violations += 1
        for q in (False, True):
            for a in range(len(A)):
                pa = theta * mu[a] if q else m[a]
                if pa <= 0:
                    continue
                if q:
                    ws = [post[i] * dists[i][a] for i in range(len(models))]
                    total = sum(ws)
                    post2 = [x / total for x in ws]
                else:
                    post2 = post
                for o, po in enumerate(env_dist(hist, a)):
                    if po == 0:
                        continue
                    walk(hist + [(a, o)], post2, p * pa * po, prod * (1 + theta), s + theta, e2, d + 1)

    walk([], prior, F(1), F(1), F(0), True, 0)

    # The demonstrator alone.
    p_dem = {}

    def dem(hist, p, d):
        if d == T:
            p_dem[tuple(hist)] = p
            return
        mu = model_dist(models[truth], hist)
        for a in range(len(A)):
            if mu[a] == 0:
                continue
            for o, po in enumerate(env_dist(hist, a)):
                if po:
                    dem(hist + [(a, o)], p * mu[a] * po, d + 1)

    dem([], F(1), 0)

    def cumulative(xs):
        out, s = [], F(0)
        for x in xs:
            s += x
            out.append(s)
        return out

    def step_counts(ev, step):
        """A step counts when every given key (action, observation) matches."""
        a, o = step
        return ("action" not in ev or A[a] == ev["action"]) and ("observation" not in ev or O[o] == ev["observation"])

    def in_event(ev, world):
        acts = [a for a, _ in world]
        if "states" in ev:
            return machine_state(ev, list(world)) in ev["accepting"]
        if "at_least" in ev:
            return sum(1 for step in world if step_counts(ev, step)) >= ev["at_least"]
        if "at_step" in ev:
            k = ev["at_step"]
            return k <= len(world) and step_counts(ev, world[k - 1])
        pre = ev["prefix"]
        return len(pre) <= len(acts) and [A[a] for a in acts[: len(pre)]] == pre

    worlds = set(p_im) | set(p_dem)
    events = []
    for ev in sc.get("events", []):
        inside = [w for w in worlds if in_event(ev, w)]
        pd = sum((p_dem.get(w, F(0)) for w in inside), F(0))
        pi = sum((p_im.get(w, F(0)) for w in inside), F(0))
        pie = sum((p_im_e.get(w, F(0)) for w in inside), F(0))
        events.append({
            "name": ev["name"],
            "p_dem": fmt(pd),
            "p_im": fmt(pi),
            "p_im_and_e": fmt(pie),
            "ratio_im_and_e": fmt(pie / pd) if pd else None,
            "ratio_im": fmt(pi / pd) if pd else None,
        })
    unprecedented = sum((p for w, p in p_im.items() if w not in p_dem), F(0))
    # Worst case: world histories with P_dem > 0 by ratio, ties by the history read
    # as a number (step 1 most significant, action before observation).
    index = lambda w: [a * len(O) + o for a, o in w]
    ranked = sorted(p_dem, key=lambda w: (-(p_im_e.get(w, F(0)) / p_dem[w]), index(w)))
    n = len(ranked)
    picks = list(range(n)) if n <= 100 else [k * (n - 1) // 99 for k in range(100)]
    cd, ce, curve = F(0), F(0), []
    for i, w in enumerate(ranked):
        cd += p_dem[w]
        ce += p_im_e.get(w, F(0))
        if i in picks:
            curve.append([fmt(cd), fmt(ce)])
    print(json.dumps({
        "event_e": [fmt(x) for x in event_e],
        "query_cubed_sum": [fmt(x) for x in cumulative(cubed_sum)],
        "expected_queries": [fmt(x) for x in cumulative(theta_sum)],
        "expected_product": [fmt(x) for x in product],
        "query_sum_cubed": [fmt(x) for x in sum_cubed],
        "inverse_truth_posterior": [None if x is None else fmt(x) for x in inverse_post],
        "event_e_bound": fmt(1 - alpha / w_mu),
        "event_e_proved_bound": fmt(1 - alpha / ((1 + alpha) * w_mu)),
        "query_cubed_bound": fmt(len(A) * alpha ** -3 * (24 / w_mu + 12)),
        "query_cubed_proved_bound_squared": fmt(4 * len(A) ** 4 * (len(models) - 1) * (1 - w_mu) / (alpha * w_mu)),
        "inverse_truth_posterior_bound": fmt(1 / w_mu),
        "nodes": nodes,
        "nodes_checked": checked,
        "violations": violations,
        "events": events,
        "unprecedented": fmt(unprecedented),
        "max_ratio": fmt(p_im_e.get(ranked[0], F(0)) / p_dem[ranked[0]]),
        "curve": curve,
        "mass_is_one": all(x == 1 for x in mass),
    }))


if __name__ == "__main__":
    main()
