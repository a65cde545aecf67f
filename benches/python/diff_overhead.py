"""What `imitator.diff` costs per history when your imitator is a Python callable.

Three ways over the same histories (three coins, depth 8: 21,841 histories):
the callable that returns a constant answer (so the time is the package's,
not the client's), the same answers given as ready-made policy lines (the
comparison alone), and the exact policy listing alone. Prints µs per history,
the median of 5 runs each.

    python benches/python/diff_overhead.py
"""
import pathlib
import statistics
import time
from fractions import Fraction

import imitator

ROOT = pathlib.Path(__file__).resolve().parents[2]
S = imitator.load(ROOT / "examples" / "three-coins.toml")
DEPTH = 8
ANSWER = {"theta": Fraction(1, 2), "m": {"heads": Fraction(1, 4), "tails": Fraction(1, 4)}}


def timed(f, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main():
    n = sum(1 for _ in imitator.policy(S, depth=DEPTH))
    listing, _ = timed(lambda: sum(1 for _ in imitator.policy(S, depth=DEPTH)))
    calls, d = timed(lambda: imitator.diff(S, lambda history: ANSWER, depth=DEPTH))
    assert d.compared == n
    lines = [{"history": line["history"], **ANSWER} for line in imitator.policy(S, depth=DEPTH)]
    given, _ = timed(lambda: imitator.diff(S, lines, depth=DEPTH))
    print(f"{n} histories (three coins, depth {DEPTH})")
    for what, t in [("policy listing alone", listing), ("diff, lines given", given), ("diff, a callable", calls)]:
        print(f"{what:22} {t * 1e6 / n:8.1f} µs per history   ({t:.3f} s)")


if __name__ == "__main__":
    main()
