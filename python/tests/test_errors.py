"""Bad input and limits raise the package's exceptions with the command line's messages."""
import pytest

import imitator


def test_a_bad_scenario_names_file_line_and_column(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('actions = ["a", "b"]\nalpha = "2"\n')
    with pytest.raises(imitator.ScenarioError) as e:
        imitator.load(p)
    assert str(e.value).startswith(f"{p}:")
    assert isinstance(e.value, ValueError)


def test_loads_uses_the_name_in_messages():
    with pytest.raises(imitator.ScenarioError, match=r"^mine\.toml:1:\d+: "):
        imitator.loads("actions = [", "mine.toml")


def test_a_missing_file():
    with pytest.raises(imitator.ScenarioError, match="cannot read the scenario file"):
        imitator.load("no/such/file.toml")


def test_a_limit_names_itself():
    with pytest.raises(imitator.LimitError) as e:
        imitator.verify("examples/three-coins.toml", depth=40)
    assert e.value.limit == "max_memory_mib"
    assert "raise max_memory_mib= or lower depth=" in str(e.value)


def test_a_run_stopped_part_way_never_holds():
    r = imitator.verify("examples/markov-weather.toml", depth=12, engine="lumped", max_states=10)
    assert r.partial is not None and r.partial.stopped_because == "max-states"
    assert not r.holds and r.status == "undecided"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"engine": "fast"}, "unknown engine"),
        ({"variant": "greedy"}, "unknown variant"),
        ({"depth": 0}, "depth must be at least 1"),
        ({"threads": 0}, "threads must be between 1 and 256"),
        ({"max_memory_mib": 0}, "max_memory_mib must be at least 1"),
        ({"time_limit": 1.0}, "use it with engine=\"lumped\""),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        imitator.verify("examples/three-coins.toml", **{"depth": 3, **kwargs})


@pytest.mark.parametrize("width", ["0", -1, "x"])
def test_bad_widths(width):
    with pytest.raises(ValueError, match="width"):
        imitator.lifetime("examples/three-coins.toml", width=width)


def test_not_a_scenario():
    with pytest.raises(TypeError, match="expected a Scenario"):
        imitator.verify(42)
