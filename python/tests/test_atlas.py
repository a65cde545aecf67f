"""The atlas from Python: the same document as the command line, in one
process or over a Dask cluster of two worker processes."""
import pathlib
from fractions import Fraction

import pytest
from distributed import Client, LocalCluster

import imitator

# Six classes (iid, two actions, three models, grid 1/3), two α.
SWEEP = dict(family="iid", actions=2, models=3, grid=3, alpha=[Fraction(1, 2), "1/10"], width="1/1000", max_depth=300)


def test_single_process_equals_the_command_line(cli, tmp_path):
    r = imitator.atlas(**SWEEP)
    assert r.total == 6
    out = tmp_path / "atlas"
    status, _ = cli("atlas", "--family", "iid", "--actions", "2", "--models", "3", "--grid", "3",
                    "--alpha", "1/2,1/10", "--width", "1/1000", "--max-depth", "300", "--out", out)
    assert status == 0
    assert r.json == (out / "atlas.json").read_text()
    files = r.files()
    on_disk = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert files == on_disk
    # Exact numbers: the witness of (b) at α = 1/2 has E Σθ³ ≥ its lower end times the bound.
    line = r.extremes("b", Fraction(1, 2))
    assert isinstance(line.lower, Fraction) and 0 < line.lower <= line.upper
    assert r.undecided == []


def test_shards_in_process_equal_the_whole():
    assert imitator.atlas(**SWEEP, shards=4) == imitator.atlas(**SWEEP)


def test_a_local_cluster_of_two_workers_gives_the_same_atlas():
    whole = imitator.atlas(**SWEEP)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            on_cluster = imitator.atlas(**SWEEP, client=client, threads=1)
            assert on_cluster == whole
            assert imitator.atlas(**SWEEP, client=client, shards=5, threads=1) == whole
            # Bad input raises the library's message, from the worker.
            with pytest.raises(ValueError, match="grid"):
                imitator.atlas(**{**SWEEP, "grid": 0}, client=client)


def test_bad_input_names_it():
    with pytest.raises(ValueError, match="alpha: the list is empty"):
        imitator.atlas(**{**SWEEP, "alpha": []})
    with pytest.raises(ValueError, match="alpha: entry 2"):
        imitator.atlas(**{**SWEEP, "alpha": ["1/2", "x"]})
    with pytest.raises(ValueError, match="shards must be a whole number at least 1, not 0"):
        imitator.atlas(**SWEEP, shards=0)
