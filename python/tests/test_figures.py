"""Every figure the package gives equals the command line's, exactly, on every example."""
import json
from fractions import Fraction

import pytest

import imitator
from conftest import EXAMPLES, strip_stats


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("engine", ["exhaustive", "lumped"])
@pytest.mark.parametrize("variant", ["conservative", "map"])
def test_verify_equals_the_command_line(cli, path, engine, variant):
    code, out = cli("verify", path, "--depth", 5, "--engine", engine, "--variant", variant, "--json")
    r = imitator.verify(imitator.load(path), depth=5, engine=engine, variant=variant)
    assert strip_stats(r.to_dict()) == strip_stats(json.loads(out))
    assert r.holds == (code == 0)
    assert r.status == {0: "holds", 1: "fails", 3: "undecided"}[code]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_lifetime_equals_the_command_line(cli, path):
    # Depth 8: long enough for settled states and closing intervals, short enough for every example.
    code, out = cli("verify", path, "--horizon", "infinite", "--width", "1/100", "--max-depth", 8, "--json")
    life = imitator.lifetime(path, width=Fraction(1, 100), max_depth=8)
    assert strip_stats(life.to_dict()) == strip_stats(json.loads(out))
    assert life.status == {0: "holds", 1: "fails", 3: "undecided"}[code]
    block = json.loads(out)["infinite"]
    assert life.event_e.lo == Fraction(block["event_e"]["lo"])
    assert life.event_e.status == block["event_e"]["status"]
    assert life.depth_reached == block["depth_reached"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_policy_equals_the_command_line(cli, path):
    code, out = cli("policy", path, "--depth", 3)
    assert code == 0
    theirs = [json.loads(line) for line in out.splitlines()]
    ours = list(imitator.policy(path, depth=3))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a["history"] == b["history"]
        assert a["theta"] == Fraction(b["theta"]) and isinstance(a["theta"], Fraction)
        assert a["m"] == {k: Fraction(v) for k, v in b["m"].items()}
        assert a["posterior"] == {k: Fraction(v) for k, v in b["posterior"].items()}
        assert a["p_im"] == Fraction(b["p_im"])
        assert (a["ranking"], a["top"], a["truth_in_top"]) == (b["ranking"], b["top"], b["truth_in_top"])


def test_three_coins_by_hand():
    """Depth 1 of three coins, worked by hand: three coins (fair; heads 3/4; tails 3/4), prior 1/3 each,
    α = 1/10: all three are in the top set, so m = min = 1/4 for each action and θ = 1/2."""
    s = imitator.load("examples/three-coins.toml")
    assert (s.alpha, s.truth_weight, s.truth) == (Fraction(1, 10), Fraction(1, 3), "fair")
    first = next(iter(imitator.policy(s, depth=1)))
    assert first["m"] == {"heads": Fraction(1, 4), "tails": Fraction(1, 4)}
    assert first["theta"] == Fraction(1, 2)
    r = imitator.verify(s, depth=2)
    assert r.query_cubed_sum[0] == Fraction(1, 8)  # E θ_1³ = (1/2)³
    assert r.expected_queries[:2] == [Fraction(1, 2), Fraction(1)]
    assert r.checks["event_e"].bound == Fraction(7, 10)  # 1 − α/w(μ) = 1 − (1/10)/(1/3)
    assert r.events[0].p_im_and_e == Fraction(0)


def test_loads_and_to_toml_round_trip():
    s = imitator.load("examples/markov-weather.toml")
    again = imitator.loads(s.to_toml(), "again.toml")
    assert again.to_toml() == s.to_toml()
    assert again.models == s.models


def test_threads_do_not_change_the_figures():
    one = imitator.verify("examples/rare-action.toml", depth=5, threads=1)
    two = imitator.verify("examples/rare-action.toml", depth=5, threads=2)
    assert strip_stats(one.to_dict()) == strip_stats(two.to_dict())


def test_a_lifetime_that_holds(cli):
    """Three coins to depth 60: both intervals clear their bounds before they are 1/1000 wide (exit 0)."""
    code, out = cli("verify", "examples/three-coins.toml", "--horizon", "infinite", "--width", "1/1000",
                    "--max-depth", 60, "--json")
    life = imitator.lifetime("examples/three-coins.toml", width="1/1000", max_depth=60)
    assert strip_stats(life.to_dict()) == strip_stats(json.loads(out))
    assert (life.event_e.status, life.query_cubed_sum.status) == ("holds", "holds")
    assert code == 0 and life.status == "holds" and life.holds
    assert life.stopped_because == "max-depth" and life.depth_reached == 60
    assert life.event_e.lo >= life.event_e.proved_bound
