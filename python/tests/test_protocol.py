"""`imitator.diff` with your imitator as a callable or as policy lines."""
import json
from fractions import Fraction

import pytest

import imitator
from conftest import strip_stats

S = "examples/three-coins.toml"


def exact_as_callable(depth=3):
    """The exact policy itself, looked up by history: a client that is right by construction."""
    table = {}
    for line in imitator.policy(S, depth=depth):
        key = tuple((st["action"], st["observation"], st["query"]) for st in line["history"])
        table[key] = {"theta": line["theta"], "m": line["m"]}
    calls = []

    def mine(history):
        calls.append(history)
        return table[tuple(history)]

    return mine, calls


def test_the_exact_policy_is_clean_and_every_history_is_asked_once():
    mine, calls = exact_as_callable()
    d = imitator.diff(S, mine, depth=3)
    assert d.clean and d.compared == 21 and d.differing == 0
    assert len(calls) == 21 and len({tuple(c) for c in calls}) == 21
    assert calls[0] == [] and calls[1] == [("heads", "-", False)]
    assert d.first_difference is None


def test_floats_are_compared_within_the_tolerance():
    mine, _ = exact_as_callable()

    def floats(history):
        a = mine(history)
        return {"theta": float(a["theta"]), "m": {k: float(v) for k, v in a["m"].items()}}

    assert imitator.diff(S, floats, depth=3).clean

    def off(history):
        a = floats(history)
        return {"theta": a["theta"] + 1e-9, "m": a["m"]}

    assert not imitator.diff(S, off, depth=3).clean
    assert imitator.diff(S, off, depth=3, tolerance=Fraction(1, 10**6)).clean


def test_a_wrong_answer_is_reported_exactly():
    mine, _ = exact_as_callable()

    def wrong(history):
        a = dict(mine(history))
        if len(history) == 2:
            a = {"theta": Fraction(1, 2), "m": {"heads": Fraction(1, 4), "tails": Fraction(1, 4)}}
        return a

    d = imitator.diff(S, wrong, depth=3)
    assert not d.clean
    # By hand: the answer is right wherever the top set still holds all three coins. After two
    # queried heads the posterior is (fair, heads, tails) ∝ (1/4, 9/16, 1/16) = (4, 9, 1)/14;
    # tails-biased drops out (1/14 ≤ α·13/14), so m = min over {heads-biased, fair}:
    # m(heads) = min(3/4, 1/2) = 1/2, m(tails) = min(1/4, 1/2) = 1/4, θ = 1/4.
    first = d.first_difference
    assert first.history == [{"query": True, "action": "heads", "observation": "-"}] * 2
    fields = {f.field: (f.ours, f.theirs) for f in first.fields}
    assert fields == {"m.heads": (Fraction(1, 2), Fraction(1, 4)), "theta": (Fraction(1, 4), Fraction(1, 2))}
    assert d.largest_deviation.deviation == Fraction(1, 4)


def test_lines_as_strings_or_dicts_and_missing_histories(cli, tmp_path):
    lines = list(imitator.policy(S, depth=3))
    assert imitator.diff(S, lines, depth=3).clean
    texts = [json.dumps({**l, "theta": str(l["theta"]), "m": {k: str(v) for k, v in l["m"].items()},
                         "posterior": {k: str(v) for k, v in l["posterior"].items()}, "p_im": str(l["p_im"])})
             for l in lines]
    short = imitator.diff(S, texts[:-3], depth=3)
    assert not short.clean and short.missing.count == 3
    # The same report as `imitator diff --json` on the same lines.
    f = tmp_path / "mine.jsonl"
    f.write_text("\n".join(texts[:-3]) + "\n")
    code, out = cli("diff", S, f, "--depth", 3, "--json")
    assert code == 1
    assert short.to_dict() == json.loads(out)


def test_a_bad_answer_says_what_was_expected():
    with pytest.raises(ValueError, match=r'my_policy must return \{"theta"'):
        imitator.diff(S, lambda h: 0.5, depth=2)


def test_an_exception_in_the_client_reaches_the_caller():
    def broken(history):
        raise RuntimeError("my bug")

    with pytest.raises(RuntimeError, match="my bug"):
        imitator.diff(S, broken, depth=2)


def test_a_line_too_deep_asks_for_a_larger_depth():
    lines = list(imitator.policy(S, depth=4))
    with pytest.raises(ValueError, match=r"^line 6: the history has 2 steps, .*; give depth=3 to compare it$"):
        imitator.diff(S, lines, depth=2)
