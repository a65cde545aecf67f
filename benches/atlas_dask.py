"""Throughput of `imitator.atlas` on a Dask LocalCluster: 1 worker process
against 2, each with one thread, on a sweep of 250 classes.

    python benches/atlas_dask.py [SHARDS]

Prints the seconds of each and the speed-up. The sweep is iid classes of two
actions and three models on the grid of tenths at α = 1/5, each run to width
10⁻⁶ (the first atlas's width): runs of similar cost, so
that the measure is of the scale-out, not of one slow class.
"""
import sys
import time

from distributed import Client, LocalCluster

import imitator

SWEEP = dict(family="iid", actions=2, models=3, grid=10, alpha=["1/5"], width="1/1000000")


def timed(workers, shards):
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            start = time.perf_counter()
            r = imitator.atlas(**SWEEP, client=client, shards=shards, threads=1)
            return time.perf_counter() - start, r


if __name__ == "__main__":
    shards = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    one, r1 = timed(1, shards)
    two, r2 = timed(2, shards)
    assert r1 == r2, "the same atlas on one and two workers"
    print(f"{r1.total} classes, {shards} shards")
    print(f"1 worker:  {one:.1f} s ({r1.total / one:.1f} classes/s)")
    print(f"2 workers: {two:.1f} s ({r2.total / two:.1f} classes/s)")
    print(f"speed-up:  {one / two:.2f}x")
