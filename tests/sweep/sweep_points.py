"""Tiny simulators for the sweep tests (importable by the workers: its folder is put on
their PYTHONPATH).

``slow``: ``x == -1`` fails; ``delay`` seconds of sleep stand for real work.
``gated``: point ``x`` finishes only once the test has released the points ``x < n``, so a
test decides exactly which points finish, whatever the machine's speed.
"""

import os
import time
from pathlib import Path

import numpy as np

#: a point that waits longer than this fails (a test that forgot to release it, not a slow
#: machine: a released point returns within milliseconds)
WAIT_LIMIT_S = 600.0


def slow(*, x, delay=0.0, seed):
    time.sleep(delay)
    if x == -1:
        raise RuntimeError("boom at x=-1")
    return {"y": 2 * x, "u": float(np.random.default_rng(seed).random())}


def release(gate, n: int) -> None:
    """Let the points ``x < n`` finish (atomically; a test only ever raises ``n``)."""
    gate = Path(gate)
    gate.mkdir(parents=True, exist_ok=True)
    tmp = gate / f".limit.{os.getpid()}"
    tmp.write_text(str(int(n)))
    os.replace(tmp, gate / "limit")


def _released(gate: Path, x) -> bool:
    try:
        return x < int((gate / "limit").read_text())
    except (FileNotFoundError, ValueError):
        return False


def gated(*, x, gate, seed):
    """Wait until the test releases this point (:func:`release`), then return.

    Release by point, not by count: a worker of a broken pool that still finishes a
    released point (its result lost) takes nothing from the points that follow, and the
    point runs again in the new pool.
    """
    t0 = time.monotonic()
    while not _released(Path(gate), x):
        if time.monotonic() - t0 > WAIT_LIMIT_S:
            raise TimeoutError(f"point x={x} was not released in {WAIT_LIMIT_S:.0f} s")
        time.sleep(0.01)
    return {"y": 2 * x, "u": float(np.random.default_rng(seed).random())}
