"""Benchmark: the free-energy estimators on one thread, against their goals.

* Wang-Landau (:func:`thermo_rl.physics.free_energy.wang_landau`, Ising ``L = 16``,
  one walker) to ``ln f <= 1e-6``, timed, in moves per ns against a plain NumPy/Python
  Wang-Landau loop (the same moves, one at a time) in the same run; and the time to
  ``ln f <= 1e-8``. The 1/t schedule stops after exactly ``levels / ln f`` moves
  (rounded up to the walker's check interval), so that time is the measured rate times
  a known number of moves: the row says "projected" (a real run takes ~10 min).
* Annealed importance sampling at ``L = 32``, ``T = T_c`` (the default 64 N steps,
  32 chains): seconds and the error of ``F`` per spin against Kaufman (goal: within
  1e-4 in at most 10 s on one thread), in spin updates per ns.

``quick``: ``L = 8`` for both. Single-thread rows set ``numba.set_num_threads(1)`` and
are timed in CPU seconds of this process (``time.process_time``), so that a machine
shared with other work slows them less than wall time would.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._rng import make_rng
from . import BenchRow


def numpy_wang_landau(L: int, n_moves: int, ln_f: float, seed: int = 0) -> np.ndarray:
    """The reference: Wang-Landau single-spin moves in plain Python over NumPy arrays."""
    rng = make_rng(seed)
    s = rng.integers(0, 2, size=(L, L))
    N = L * L
    n = int((s == np.roll(s, 1, 0)).sum() + (s == np.roll(s, 1, 1)).sum())
    g = np.zeros(2 * N + 1)
    sites = rng.integers(0, N, size=n_moves)
    u = rng.random(n_moves)
    for k in range(n_moves):
        a, b = divmod(int(sites[k]), L)
        old = s[a, b]
        same = (int(s[a - 1, b] == old) + int(s[(a + 1) % L, b] == old)
                + int(s[a, b - 1] == old) + int(s[a, (b + 1) % L] == old))
        m = n + 4 - 2 * same
        if u[k] < math.exp(min(0.0, g[n] - g[m])):
            n = m
            s[a, b] = 1 - old
        g[n] += ln_f
    return g


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    import numba

    from ..physics.exact import TC
    from ..physics.free_energy import WL_CHECK, ais, allowed_levels, wang_landau

    L_wl = 8 if quick else 16
    L_ais = 8 if quick else 32
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        wang_landau(4, ln_f_final=1e-2, runs=1, seed=seed, progress=False)       # compile
        t0 = time.process_time()
        d = wang_landau(L_wl, ln_f_final=1e-6, runs=1, seed=seed, progress=progress)
        t_wl = time.process_time() - t0
        ais(4, TC, chains=2, steps=10, seed=seed, progress=False)
        t0 = time.process_time()
        r = ais(L_ais, TC, chains=32, seed=seed, progress=progress)
        t_ais = time.process_time() - t0
    finally:
        numba.set_num_threads(threads)
    n_ref = 20_000 if quick else 100_000
    t0 = time.process_time()
    numpy_wang_landau(L_wl, n_ref, 1e-3, seed)
    t_ref = time.process_time() - t0
    ref = n_ref / t_ref / 1e9
    moves = int(d.moves[0])
    rate = moves / t_wl / 1e9
    levels = int(allowed_levels(L_wl, 2).sum())
    moves_8 = math.ceil(levels / 1e-8 / WL_CHECK) * WL_CHECK
    N = L_ais * L_ais
    steps = r.extra["steps"]
    dF = r.free_energy_per_spin - (-TC * r.ln_z_exact / N)
    return [
        BenchRow("free_energy", f"wang-landau numpy loop L={L_wl}", ref, "moves_per_ns", "-",
                 None, t_ref, f"{n_ref} moves"),
        BenchRow("free_energy", f"wang-landau L={L_wl} to ln f<=1e-6 (1 thr)", rate,
                 "moves_per_ns", "numpy", rate / ref, t_wl,
                 f"{moves} moves, {levels} levels, 1/t schedule; {t_wl:.1f} CPU s"),
        BenchRow("free_energy", f"wang-landau L={L_wl} to ln f<=1e-8 (1 thr)", rate,
                 "moves_per_ns", "numpy", rate / ref, moves_8 / (rate * 1e9),
                 f"projected: {moves_8} moves (levels / ln f) at the measured rate = "
                 f"{moves_8 / (rate * 1e9):.0f} CPU s"),
        BenchRow("free_energy", f"ais L={L_ais} at Tc (1 thr)", 32 * steps * N / t_ais / 1e9,
                 "flips_per_ns", "-", None, t_ais,
                 f"32 chains x {steps} steps: F/N {r.free_energy_per_spin:.6f} +- "
                 f"{r.free_energy_per_spin_error:.1e}, Kaufman {dF:+.1e} away, "
                 f"{t_ais:.1f} CPU s"),
    ]
