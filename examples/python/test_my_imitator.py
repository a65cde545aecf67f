"""Testing an imitator of your own against the exact one, with pytest.

The client under test is `naive_imitator.py` beside this file: the
conservative imitator in plain Python floats. `imitator.diff` calls it at
every reachable history and compares its θ and m(a) with the exact policy
(floats within 1e-12). Put your own imitator in `my_policy` and run

    pytest examples/python/test_my_imitator.py

To see the test catch a bug, put one in: `MY_IMITATOR_MISTAKE=non-strict`
(`>=` instead of the α rule's strict `>`), `learns-when-acting` (the
posterior updated on actions the imitator took itself) or `max` (the
largest probability of the top set instead of the smallest) makes
`test_my_imitator_agrees` fail, with the first history where it goes wrong.
"""
import os
import pathlib
from fractions import Fraction

import pytest

import imitator
import naive_imitator as naive

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLES = [str(HERE.parent / f"{name}.toml") for name in ("three-coins", "markov-weather", "rare-action",
                                                             "elimination")]
MISTAKES = ["non-strict", "learns-when-acting", "max"]


def top_set(sc, post, non_strict=False):
    """The α rule: models by posterior, largest first; each joins while its weight exceeds α times the
    weight above it."""
    ranking = sorted(range(len(post)), key=lambda i: -post[i])
    top, above = [], 0.0
    for n, i in enumerate(ranking):
        joins = post[i] >= sc.alpha * above if non_strict else post[i] > sc.alpha * above
        if n > 0 and not joins:
            break
        top.append(i)
        above += post[i]
    return top


def my_policy_for(path, mistake=None, variant="conservative", warmup=0):
    """Your imitator as `imitator.diff` calls it: history → {"theta": θ, "m": {action: m(a)}}."""
    sc = naive.Scenario(path)

    def my_policy(history):
        weights, world = list(sc.prior), []
        for action, observation, queried in history:
            a, o = sc.actions.index(action), sc.observations.index(observation)
            if queried or mistake == "learns-when-acting":
                probs = [model(world) for model in sc.models]
                weights = naive.normalize([w * probs[i][a] for i, w in enumerate(weights)])
            world.append((a, o))
        if mistake is None or mistake == "learns-when-acting" or variant != "conservative":
            _, _, _, m, theta, _ = naive.policy(sc, weights, world, variant, warmup)
        else:
            total = sum(weights)
            top = top_set(sc, [w / total for w in weights], non_strict=mistake == "non-strict")
            pick = max if mistake == "max" else min
            m = [pick(sc.models[i](world)[a] for i in top) for a in range(len(sc.actions))]
            theta = max(0.0, 1.0 - sum(m))
            if theta < 1e-12:
                theta = 0.0
        return {"theta": theta, "m": dict(zip(sc.actions, m))}

    return my_policy


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: pathlib.Path(p).stem)
def test_my_imitator_agrees(path):
    """The test an engineer keeps: their imitator agrees with the exact one at every reachable history."""
    d = imitator.diff(path, my_policy_for(path, os.environ.get("MY_IMITATOR_MISTAKE")), depth=4)
    assert d.clean, f"first difference: {d.first_difference}"
    assert d.compared > 0


# Each deliberate mistake is caught on at least one example, at a history the report names.
CAUGHT_BY = {"non-strict": "elimination", "learns-when-acting": "three-coins", "max": "three-coins"}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_caught(mistake):
    path = str(HERE.parent / f"{CAUGHT_BY[mistake]}.toml")
    d = imitator.diff(path, my_policy_for(path, mistake), depth=4)
    assert not d.clean
    assert d.first_difference is not None and d.first_difference.fields
    assert d.largest_deviation.deviation > Fraction(1, 10**12)


def make_policy(mistake=None, folder=None):
    """For the conformance suite: your imitator for one of its scenarios, variants and warm-ups."""

    def make(scenario, variant, warmup):
        path = folder / f"{scenario.name}.toml"
        path.write_text(scenario.to_toml())
        return my_policy_for(str(path), mistake, variant, warmup)

    return make


def test_my_imitator_passes_the_conformance_suite(tmp_path):
    """Every case of the suite, each built to expose one family of mistakes, at every reachable history
    and along histories hundreds of steps deep."""
    result = imitator.conformance(make_policy(os.environ.get("MY_IMITATOR_MISTAKE"), tmp_path))
    assert result.clean, str(result)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_suite_catches_each_mistake(tmp_path, mistake):
    result = imitator.conformance(make_policy(mistake, tmp_path), sampled=False)
    assert not result.clean
    assert all(r.first_difference for r in result.failing())
