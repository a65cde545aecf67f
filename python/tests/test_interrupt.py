"""Long calls release the GIL and stop at a Ctrl-C."""
import signal
import subprocess
import sys
import threading
import time

import pytest

import imitator

LONG = {
    # About half a minute on two cores: the exhaustive walk of 10^9 nodes.
    "exhaustive": "imitator.verify('examples/three-coins.toml', depth=15)",
    # Intervals far narrower than any run reaches.
    "lifetime": "imitator.lifetime('examples/markov-weather.toml', width='1/' + '1' + '0' * 60)",
    # Minutes: the three-model atlas at α = 1/100 (each lifetime stops at its next depth).
    "atlas": "imitator.atlas('iid', 2, 3, 10, ['1/100'], width='1/1000000')",
}


@pytest.mark.parametrize("which", sorted(LONG))
def test_ctrl_c_ends_a_long_call(root, which):
    code = f"import imitator, sys\nprint('started', flush=True)\n{LONG[which]}\nprint('finished', flush=True)\n"
    p = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.5)
    assert p.poll() is None, "the call ended before it could be interrupted"
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "the interrupt took effect late"
    assert "KeyboardInterrupt" in err
    assert "finished" not in out
    assert p.returncode != 0


def test_other_threads_run_during_a_call():
    """The GIL is released: a Python thread makes progress while the engine works."""
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    t = threading.Thread(target=count)
    t.start()
    try:
        imitator.verify("examples/three-coins.toml", depth=12)
    finally:
        stop.set()
        t.join()
    assert len(ticks) >= 5
