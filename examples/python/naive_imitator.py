#!/usr/bin/env python3
"""A naive imitator in plain Python floats: a client for `imitator diff` and `imitator conformance`.

It implements the conservative online imitator of Cohen, Hutter & Nanda
(JMLR 2022) straight from its definition, and writes its policy in the JSON
Lines format of `imitator policy` (numbers as JSON floats). Standard library
only (Python 3.11+ for tomllib).

    python3 naive_imitator.py SCENARIO.toml [--depth T] [--variant V] [--warmup K] > mine.jsonl
    imitator diff SCENARIO.toml mine.jsonl [--variant V] [--warmup K]

    imitator conformance --command "python3 naive_imitator.py {scenario} --depth {depth} \\
        --variant {variant} --warmup {warmup} --histories {histories}"

The variants are the verifier's: conservative (the paper's imitator, the
default), always-query, and the train-then-deploy baselines map and mixture,
which ask at each of the first K steps and then act with the top-ranked model
or the posterior mixture without ever asking.

Histories: without --histories, every full history of length 0..T-1 with
positive probability, by length, then lexicographically; a step is ordered by
its query flag (False first), then its action, then its observation, in
declaration order. With --histories FILE (one {"history": [...]} per line), the
policy at each of those histories, in that order; a history it cannot reach
gets no line.

Floats: the weights are renormalized after every update (unnormalized, they
underflow after a few hundred queried steps), and p_im is left out where it is
below 1e-300, where a double no longer holds it to full precision.
"""
import argparse
import json
import sys
import tomllib
from fractions import Fraction


def num(x):
    """A scenario number ("1/3", "0.25", 2) as a float."""
    return float(Fraction(x))


def dist(values):
    return [num(v) for v in values]


def matches(spec, name):
    """A rule's `from`, `action` or `observation`: missing or "*" is anything, else a name or a list."""
    return spec is None or spec == "*" or (name in spec if isinstance(spec, list) else name == spec)


class Scenario:
    def __init__(self, path):
        with open(path, "rb") as f:
            raw = tomllib.load(f)
        self.actions = raw["actions"]
        self.observations = raw.get("observations", ["-"])
        self.alpha = num(raw["alpha"])
        self.depth = raw.get("depth")
        self.names = [m["name"] for m in raw["models"]]
        self.truth = self.names.index(raw["truth"])
        total = sum(num(m["prior"]) for m in raw["models"])
        self.prior = [num(m["prior"]) / total for m in raw["models"]]
        self.models = [self.model(m) for m in raw["models"]]
        env = raw.get("environment", {})
        if "states" in env:

            def observe(world, a):
                row = env["observe"][self.state(env, world)]
                return dist(row[self.actions[a]] if isinstance(row, dict) else row)

            self.env = observe
        elif "iid" in env:
            iid = dist(env["iid"])
            self.env = lambda world, a: iid
        elif "after_action" in env:
            table = {a: dist(v) for a, v in env["after_action"].items()}
            self.env = lambda world, a: table[self.actions[a]]
        else:
            first = [1.0] + [0.0] * (len(self.observations) - 1)
            self.env = lambda world, a: first

    def state(self, machine, world):
        """Where a machine (a model, the environment or an event with `states`) is after the world history:
        each step moves it by the first rule that matches, or leaves it where it is."""
        s = machine.get("start_state", machine["states"][0])
        for a, o in world:
            for r in machine.get("transitions", []):
                if all(matches(r.get(k), v) for k, v in
                       (("from", s), ("action", self.actions[a]), ("observation", self.observations[o]))):
                    s = r["to"]
                    break
        return s

    def model(self, m):
        """A model as a function of the world history [(action, observation), ...]."""
        if "iid" in m:
            iid = dist(m["iid"])
            return lambda world: iid
        if "states" in m:
            policy = {k: dist(v) for k, v in m["policy"].items()}
            return lambda world: policy[self.state(m, world)]
        start = dist(m["start"])
        if "after_action" in m:
            table = {k: dist(v) for k, v in m["after_action"].items()}
            return lambda world: table[self.actions[world[-1][0]]] if world else start
        table = {k: dist(v) for k, v in m["after_observation"].items()}
        return lambda world: table[self.observations[world[-1][1]]] if world else start


def normalize(weights):
    total = sum(weights)
    return [w / total for w in weights]


def policy(sc, weights, world, variant="conservative", warmup=0):
    """Posterior, ranking, top set, m(a) and theta at a history."""
    post = normalize(weights)
    ranking = sorted(range(len(post)), key=lambda i: -post[i])  # stable: ties to the earlier model
    top, above = [], 0.0
    for n, i in enumerate(ranking):
        if n > 0 and not post[i] > sc.alpha * above:
            break
        top.append(i)
        above += post[i]
    probs = [model(world) for model in sc.models]
    actions = range(len(sc.actions))
    step = len(world) + 1
    if variant == "always-query" or (variant in ("map", "mixture") and step <= warmup):
        m, theta = [0.0 for _ in actions], 1.0
    elif variant == "map":
        m, theta = list(probs[ranking[0]]), 0.0
    elif variant == "mixture":
        m, theta = [sum(p * probs[i][a] for i, p in enumerate(post)) for a in actions], 0.0
    else:
        m = [min(probs[i][a] for i in top) for a in actions]
        theta = 1.0 - sum(m)
        if theta < 1e-12:  # rounding: 1 - sum(m) may be a hair off an exact 0
            theta = 0.0
    return post, ranking, top, m, theta, probs


class Node:
    """The imitator at one full history: its weights, the world history, P_im, and its policy."""

    def __init__(self, sc, args, history=(), weights=None, p=1.0):
        self.sc, self.args, self.history = sc, args, history
        self.weights = list(sc.prior) if weights is None else weights
        self.world = [(a, o) for (_, a, o) in history]
        self.p = p
        self.post, self.ranking, self.top, self.m, self.theta, self.probs = policy(
            sc, self.weights, self.world, args.variant, args.warmup)

    def child(self, query, a, o):
        """The node one step on, or None if the step has probability zero."""
        pa = self.theta * self.probs[self.sc.truth][a] if query else self.m[a]
        po = self.sc.env(self.world, a)[o]
        if pa <= 0.0 or po <= 0.0:
            return None
        weights = self.weights
        if query:  # only the demonstrator's answers are evidence about it
            weights = [w * self.probs[i][a] for i, w in enumerate(weights)]
            weights = normalize(weights)  # unnormalized, they underflow on long histories
        return Node(self.sc, self.args, self.history + ((query, a, o),), weights, self.p * pa * po)

    def children(self):
        for query in (False, True):
            for a in range(len(self.sc.actions)):
                for o in range(len(self.sc.observations)):
                    c = self.child(query, a, o)
                    if c is not None:
                        yield c

    def line(self):
        sc = self.sc
        out = {
            "history": [{"query": q, "action": sc.actions[a], "observation": sc.observations[o]}
                        for (q, a, o) in self.history],
            "posterior": dict(zip(sc.names, self.post)),
            "ranking": [sc.names[i] for i in self.ranking],
            "top": [sc.names[i] for i in self.top],
            "m": dict(zip(sc.actions, self.m)),
            "theta": self.theta,
            "truth_in_top": sc.truth in self.top,
        }
        if self.p >= 1e-300:
            out["p_im"] = self.p
        return json.dumps(out)


def every_history(sc, args, depth, out):
    """Every reachable history of length 0..depth-1, by length, then in step order."""
    layer = [Node(sc, args)]
    for _ in range(depth):
        for node in layer:
            out.write(node.line() + "\n")
        layer = [c for node in layer for c in node.children()]


def asked_histories(sc, args, path, out):
    """The policy at each history of the file, following each from the last one's common prefix."""
    stack = [Node(sc, args)]  # stack[k]: the node after the first k steps of the current history
    with open(path) as f:
        for text in f:
            if not text.strip():
                continue
            steps = [(s["query"], sc.actions.index(s["action"]), sc.observations.index(s.get("observation", "-")))
                     for s in json.loads(text)["history"]]
            k = 0
            while k < len(steps) and k + 1 < len(stack) and stack[k + 1].history[k] == steps[k]:
                k += 1
            del stack[k + 1:]
            for step in steps[k:]:
                nxt = stack[-1].child(*step)
                if nxt is None:
                    break
                stack.append(nxt)
            if len(stack) == len(steps) + 1:
                out.write(stack[-1].line() + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--depth", type=int, help="horizon T (default: the scenario's depth)")
    ap.add_argument("--variant", default="conservative", choices=["conservative", "always-query", "map", "mixture"],
                    help="which imitator (default: conservative)")
    ap.add_argument("--warmup", type=int, default=0, help="K: the steps map and mixture ask before they deploy")
    ap.add_argument("--histories", help="write the policy at the histories of this JSON Lines file only")
    args = ap.parse_args()
    sc = Scenario(args.scenario)
    if args.histories:
        asked_histories(sc, args, args.histories, sys.stdout)
        return
    depth = args.depth or sc.depth
    if not depth:
        sys.exit("no depth: give --depth T")
    every_history(sc, args, depth, sys.stdout)


if __name__ == "__main__":
    main()
