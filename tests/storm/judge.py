"""Storm as an independent judge of `imitator export`.

Reads a JSON list of jobs on standard input, each
  {"name": ..., "drn": PATH, "prism": BASE, "depth": T, "events": [LABEL, ...]}
builds each DRN with Storm's exact engine (stormpy.Rational), checks the
PRISM files against it state by state (read back exactly, as fractions), and
prints one JSON object: for each job, by t = 1..T, what Storm computes from
the chain's labels and rewards, as exact strings "p/q" (or "n"):

  event_e[t]                 = 1 - P=? [F<=t-1 "excluded"]
  query_cubed_sum[t]         = R{"theta3"}=? [C<=t]
  expected_queries[t]        = R{"theta"}=? [C<=t]
  inverse_truth_posterior[t] = R{"inv_post_truth"}=? [I=t]
  unsettled[t]               = 1 - P=? [F<=t "settled"]
and for each event label L: p_im = P=? [F<=T L], p_im_and_e = P=? [!"excluded" U<=T L].

A label that no state carries is absent from the file, and a property on it
has probability 0. Any disagreement between the two formats is an error
(exit 1, with the reason on standard error).
"""

import json
import re
import sys
from fractions import Fraction

import stormpy

REWARDS = ["theta", "theta3", "inv_post_truth"]


def exact(value):
    """Storm's exact number as the verifier writes it: "p/q" in lowest terms, or "n"."""
    f = Fraction(str(value))
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


class Checker:
    def __init__(self, path):
        self.model = stormpy.build_model_from_drn[stormpy.Rational](path)
        if len(self.model.initial_states) != 1:
            raise SystemExit(f"{path}: {len(self.model.initial_states)} initial states, not 1")
        self.init = self.model.initial_states[0]
        self.labels = set(self.model.labeling.get_labels())

    def value(self, formula):
        prop = stormpy.parse_properties(formula)[0]
        result = stormpy.model_checking(self.model, prop, only_initial_states=True)
        return Fraction(str(result.get_value(self.init)))

    def probability(self, formula, labels):
        """P=? [formula], 0 when it needs a label that no state carries."""
        if any(label not in self.labels for label in labels):
            return Fraction(0)
        return self.value(f"P=? [{formula}]")


def same_chain(checker, base):
    """The PRISM files describe the DRN's chain: same states, transitions, labels and rewards."""
    model = checker.model
    n = model.nr_states

    def rows(name):
        with open(name, encoding="utf-8") as f:
            return [line.split() for line in f if line.strip() and not line.startswith("#")]

    tra = rows(base + ".tra")
    if tra[0] != [str(n), str(model.nr_transitions)]:
        raise SystemExit(f"{base}.tra: size line {tra[0]}, the DRN has {n} states, {model.nr_transitions} transitions")
    prism = {}
    for i, j, p in tra[1:]:
        prism.setdefault(int(i), []).append((int(j), Fraction(p)))
    for s in range(n):
        storm = [(e.column, Fraction(str(e.value))) for e in model.transition_matrix.get_row(s)]
        if sorted(prism.get(s, [])) != sorted(storm):
            raise SystemExit(f"{base}.tra: state {s} has {prism.get(s)}, the DRN {storm}")
    # Labels: the names line, then "i: k k".
    lab = rows(base + ".lab")
    names = dict(re.findall(r'(\d+)="([^"]+)"', " ".join(lab[0])))
    if set(names.values()) != checker.labels:
        raise SystemExit(f"{base}.lab: labels {sorted(names.values())}, the DRN {sorted(checker.labels)}")
    carried = {int(r[0].rstrip(":")): {names[k] for k in r[1:]} for r in lab[1:]}
    for s in range(n):
        if carried.get(s, set()) != set(model.labeling.get_labels_of_state(s)):
            raise SystemExit(f"{base}.lab: state {s} has {carried.get(s)}, the DRN {model.labeling.get_labels_of_state(s)}")
    # Rewards: "n nnz", then "i r" for the non-zero ones.
    for name in REWARDS:
        srew = rows(f"{base}.{name}.srew")
        values = {int(i): Fraction(r) for i, r in srew[1:]}
        if srew[0] != [str(n), str(len(values))]:
            raise SystemExit(f"{base}.{name}.srew: size line {srew[0]}")
        storm = model.reward_models[name].state_rewards
        for s in range(n):
            if values.get(s, Fraction(0)) != Fraction(str(storm[s])):
                raise SystemExit(f"{base}.{name}.srew: state {s} has {values.get(s)}, the DRN {storm[s]}")


def judge(job):
    c = Checker(job["drn"])
    same_chain(c, job["prism"])
    depth = job["depth"]
    out = {key: [] for key in ["event_e", "query_cubed_sum", "expected_queries", "inverse_truth_posterior", "unsettled"]}
    for t in range(1, depth + 1):
        out["event_e"].append(exact(1 - c.probability(f'F<={t - 1} "excluded"', ["excluded"])))
        out["query_cubed_sum"].append(exact(c.value(f'R{{"theta3"}}=? [C<={t}]')))
        out["expected_queries"].append(exact(c.value(f'R{{"theta"}}=? [C<={t}]')))
        out["inverse_truth_posterior"].append(exact(c.value(f'R{{"inv_post_truth"}}=? [I={t}]')))
        out["unsettled"].append(exact(1 - c.probability(f'F<={t} "settled"', ["settled"])))
    out["events"] = []
    for label in job.get("events", []):
        p_im = c.probability(f'F<={depth} "{label}"', [label])
        if "excluded" in c.labels:
            p_im_and_e = c.probability(f'!"excluded" U<={depth} "{label}"', [label])
        else:
            p_im_and_e = p_im
        out["events"].append({"label": label, "p_im": exact(p_im), "p_im_and_e": exact(p_im_and_e)})
    out["labels"] = sorted(c.labels)
    return out


def main():
    jobs = json.load(sys.stdin)
    results = {job["name"]: judge(job) for job in jobs}
    json.dump({"storm": stormpy.__version__, "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
