"""Tiny simulators for the sweep tests (importable by the workers: its folder is put on
their PYTHONPATH).

``slow``: ``x == -1`` fails; ``delay`` seconds of sleep stand for real work.
``gated``: a point finishes only when it can take a ticket that the test has issued, so a
test decides exactly how many points finish, whatever the machine's speed.
"""

import os
import time
from pathlib import Path

import numpy as np

#: a point that waits longer than this for a ticket fails (a test that forgot to issue
#: them, not a slow machine: issued tickets are taken within milliseconds)
WAIT_LIMIT_S = 600.0


def slow(*, x, delay=0.0, seed):
    time.sleep(delay)
    if x == -1:
        raise RuntimeError("boom at x=-1")
    return {"y": 2 * x, "u": float(np.random.default_rng(seed).random())}


def issue_tickets(gate, n: int) -> None:
    """Let ``n`` points in all finish (tickets 0..n-1); idempotent, only ever grows."""
    gate = Path(gate)
    gate.mkdir(parents=True, exist_ok=True)
    tmp = gate / f".limit.{os.getpid()}"
    tmp.write_text(str(int(n)))
    os.replace(tmp, gate / "limit")


def _take_ticket(gate: Path) -> bool:
    try:
        limit = int((gate / "limit").read_text())
    except (FileNotFoundError, ValueError):
        return False
    for k in range(limit):
        try:
            os.close(os.open(gate / f"ticket-{k}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True                 # this point owns ticket k
        except FileExistsError:
            continue
    return False


def gated(*, x, gate, seed):
    """Wait for a ticket in the folder ``gate`` (:func:`issue_tickets`), then return."""
    t0 = time.monotonic()
    while not _take_ticket(Path(gate)):
        if time.monotonic() - t0 > WAIT_LIMIT_S:
            raise TimeoutError(f"point x={x} got no ticket in {WAIT_LIMIT_S:.0f} s")
        time.sleep(0.01)
    return {"y": 2 * x, "u": float(np.random.default_rng(seed).random())}
