"""Benchmark: every 2D Ising kernel in spin flips (attempted updates) per ns vs plain NumPy.

The reference is a vectorized NumPy checkerboard Metropolis sweep (whole-lattice
``np.roll`` neighbour sums, one ``rng.random`` per site), timed in the same run.
Single-thread rows set ``numba.set_num_threads(1)``; the thread count is restored after.
"""

from __future__ import annotations

import math

import numpy as np

from .._rng import make_rng, stream_states
from ..physics.exact import TC
from . import BenchRow, best_time


def numpy_checkerboard(spins, beta, n_sweeps, rng, masks):
    """Plain NumPy checkerboard Metropolis (the reference)."""
    for _ in range(n_sweeps):
        for mask in masks:
            nb = (np.roll(spins, 1, 0) + np.roll(spins, -1, 0) + np.roll(spins, 1, 1)
                  + np.roll(spins, -1, 1))
            p = np.exp(-2.0 * beta * np.maximum(spins * nb, 0))
            flip = mask & (rng.random(spins.shape) < p)
            spins[flip] *= -1
    return spins


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    import numba

    from ..physics import _cluster_kernels as ck
    from ..physics import _ising_kernels as ik
    from ..physics import _msc_kernels as mk

    L = 256 if quick else 1024
    n = 5 if quick else 20
    repeat = 2 if quick else 3
    beta = 1.0 / TC
    N = L * L
    rows = []

    g = make_rng(seed)
    ii, jj = np.indices((L, L))
    masks = [((ii + jj) % 2 == 0), ((ii + jj) % 2 == 1)]
    s_np = np.ones((L, L), dtype=np.int8)
    numpy_checkerboard(s_np, beta, 1, g, masks)
    t = best_time(lambda: numpy_checkerboard(s_np, beta, n, g, masks), repeat)
    ref = N * n / t / 1e9
    rows.append(BenchRow("ising", "numpy checkerboard metropolis", ref, "flips_per_ns", "-",
                         None, t, f"L={L}"))
    ref_name = "numpy"

    def add(name, flips, seconds, note=""):
        v = flips / seconds / 1e9
        rows.append(BenchRow("ising", name, v, "flips_per_ns", ref_name, v / ref, seconds, note))

    threads = numba.get_num_threads()
    empty = np.empty(0, np.int64)
    try:
        for nt in sorted({1, threads}):
            numba.set_num_threads(nt)
            for rule in ("metropolis", "heatbath"):
                s = np.ones((L, L), dtype=np.int8)
                st = stream_states(seed, L)
                thr = ik.flip_table(beta, 1.0, 0.0, rule)
                ik.chain(s, thr, st, 1, empty, empty)
                t = best_time(lambda s=s, thr=thr, st=st: ik.chain(s, thr, st, n, empty, empty),
                              repeat)
                add(f"numba checkerboard {rule} ({nt} thr)", N * n, t, f"L={L}, int8")
            W = mk.init_words(L, True, stream_states(seed, L))
            st = stream_states(seed + 1, mk.n_streams(L))
            pb = mk.acceptance_digits(beta)
            e2 = np.empty((0, 64), np.int64)
            mk.chain(W, pb, st, 1, e2, e2)
            t = best_time(lambda W=W, pb=pb, st=st, e2=e2: mk.chain(W, pb, st, n, e2, e2), repeat)
            add(f"numba multi-spin coding x64 ({nt} thr)", 64 * N * n, t, f"L={L}, 64 replicas")
    finally:
        numba.set_num_threads(threads)

    Lw = 128 if quick else 256
    s = np.ones((Lw, Lw), dtype=np.int8)
    st = stream_states(seed, 1)
    stack = np.empty(Lw * Lw, np.int64)
    p_add = -math.expm1(-2.0 * beta)
    ck.wolff_sweep(s, p_add, 0, st, stack, 10)
    import time

    t0 = time.perf_counter()
    flipped = ck.wolff_sweep(s, p_add, 0, st, stack, 200 if quick else 1000)
    t = time.perf_counter() - t0
    add("numba wolff (spins flipped, at Tc)", flipped, t, f"L={Lw}")

    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None:
        from ..physics import _torch_ising as ti

        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        for dev in devices:
            Lt, R = (L, 1) if dev == "cpu" else ((2048, 16) if quick else (4096, 16))
            nt_ = n if dev == "cpu" else (20 if quick else 50)
            gen = torch.Generator(device=dev)
            gen.manual_seed(seed)
            sp = torch.ones((R, Lt, Lt), device=dev)
            masks_t = ti.checkerboard_masks(Lt, dev)

            def go(sp=sp, nt_=nt_, gen=gen, masks_t=masks_t, dev=dev):
                ti.sweeps(sp, beta, 1.0, 0.0, nt_, gen, masks_t, measure=False)
                if dev == "cuda":
                    torch.cuda.synchronize()

            ti.sweeps(sp, beta, 1.0, 0.0, 1, gen, masks_t, measure=False)
            t = best_time(go, repeat)
            add(f"torch checkerboard metropolis ({dev})", R * Lt * Lt * nt_, t,
                f"{R} x {Lt}^2, float32" + (f", {torch.cuda.get_device_name()}"
                                            if dev == "cuda" else ""))
    return rows
