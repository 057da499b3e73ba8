"""Tiny simulators for the sweep tests (importable by the workers: its folder is put on
their PYTHONPATH).

``slow``: ``x == -1`` fails; ``delay`` seconds of sleep stand for real work.
``gated``: a point finishes only once the test has released it (the points ``x < n``, or
any ``n`` points), so a test decides exactly how many finish, whatever the machine's speed.
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
    """Let ``n`` points finish: those with ``x < n``, or any ``n`` (see :func:`gated`);
    atomic, and a test only ever raises ``n``."""
    gate = Path(gate)
    gate.mkdir(parents=True, exist_ok=True)
    tmp = gate / f".limit.{os.getpid()}"
    tmp.write_text(str(int(n)))
    os.replace(tmp, gate / "limit")


def _released(gate: Path, x, by: str) -> bool:
    try:
        n = int((gate / "limit").read_text())
    except (FileNotFoundError, ValueError):
        return False
    if by == "index":
        return x < n
    for k in range(n):                  # by count: take one of the tickets 0..n-1
        try:
            os.close(os.open(gate / f"ticket-{k}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            continue
    return False


def gated(*, x, gate, seed, by="index"):
    """Wait until the test releases this point (:func:`release`), then return.

    ``by="index"``: the points ``x < n`` may finish. Use it with joblib: a worker of a
    broken loky pool may still finish a released point (its result lost), which takes
    nothing from the others, and the point runs again in the new pool (loky hands out the
    points in order, so the released ones are the ones running).
    ``by="count"``: any ``n`` points may finish (each takes a ticket). Use it with Dask,
    which may start the points in another order (a rescheduled point waits while later
    ones hold the workers); its killed workers are dead and take no ticket.
    """
    t0 = time.monotonic()
    while not _released(Path(gate), x, by):
        if time.monotonic() - t0 > WAIT_LIMIT_S:
            raise TimeoutError(f"point x={x} was not released in {WAIT_LIMIT_S:.0f} s")
        time.sleep(0.01)
    return {"y": 2 * x, "u": float(np.random.default_rng(seed).random())}
