"""Benchmark: Metropolis on a k-level system, Numba walkers vs a vectorized NumPy loop."""

from __future__ import annotations

import numpy as np

from .._rng import make_rng, stream_states
from ..physics._levels_kernel import acceptance_table, metropolis_levels
from . import BenchRow, best_time


def numpy_reference(energies, beta, states, n_steps, rng):
    """The same chain, vectorized over walkers with NumPy (one array op per step)."""
    k = energies.size
    for _ in range(n_steps):
        j = rng.integers(0, k - 1, size=states.size)
        j = j + (j >= states)
        dE = energies[j] - energies[states]
        acc = rng.random(states.size) < np.exp(-beta * np.maximum(dE, 0.0))
        states = np.where(acc, j, states)
    return states


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    E = np.array([0.0, 0.5, 1.0, 2.0])
    walkers, steps = (2_000, 50) if quick else (20_000, 200)
    n = walkers * steps
    rng = stream_states(seed, walkers)
    states = np.zeros(walkers, dtype=np.int64)
    accept = acceptance_table(E, np.zeros_like(E), 1.0)
    metropolis_levels(accept, states, 1, rng)                           # compile / warm up
    t_nb = best_time(lambda: metropolis_levels(accept, states, steps, rng),
                     repeat=2 if quick else 3)
    g = make_rng(seed)
    t_np = best_time(lambda: numpy_reference(E, 1.0, np.zeros(walkers, dtype=np.int64), steps, g),
                     repeat=2 if quick else 3)
    ref = n / t_np / 1e9
    val = n / t_nb / 1e9
    return [
        BenchRow("levels", "numpy vectorized walkers", ref, "steps_per_ns", "-", None, t_np),
        BenchRow("levels", "numba metropolis_levels", val, "steps_per_ns", "numpy", val / ref,
                 t_nb, note=f"{walkers} walkers x {steps} steps, 4 levels"),
    ]
