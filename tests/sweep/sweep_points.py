"""A tiny simulator for the sweep tests (importable by the workers: its folder is put on
their PYTHONPATH). ``x == -1`` fails; ``delay`` seconds of sleep stand for real work."""

import time

import numpy as np


def slow(*, x, delay=0.0, seed):
    time.sleep(delay)
    if x == -1:
        raise RuntimeError("boom at x=-1")
    return {"y": 2 * x, "u": float(np.random.default_rng(seed).random())}
