"""Benchmark: every 2D Ising kernel in spin flips (attempted updates) per ns vs plain NumPy,
and what the flips buy: effectively independent samples per second at ``Tc``.

The reference is a vectorized NumPy checkerboard Metropolis sweep (whole-lattice
``np.roll`` neighbour sums, one ``rng.random`` per site), timed in the same run.
Single-thread rows set ``numba.set_num_threads(1)``; the thread count is restored after.

Flips per ns favours the single-spin updates: a cluster update flips fewer spins per
second but decorrelates far faster near ``Tc``. The ``indep_samples_per_s`` rows run
:func:`thermo_rl.physics.ising.simulate` end to end (measurements included) at ``Tc`` on
one thread and divide the samples per CPU second (sweeps, times 64 replicas for multi-spin
coding) by ``2 tau_int`` (:func:`thermo_rl.stats.tau_int`, in sweeps) of ``|m|`` and of
``E``, the slower of the two; the reference is checkerboard Metropolis in the same run.
"""

from __future__ import annotations

import math
import time

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


#: (algorithm, sweeps at full size); quick runs a tenth of them on L = 16
INDEPENDENT = (("metropolis", 50_000), ("heatbath", 50_000), ("msc", 4_000),
               ("wolff", 10_000), ("sw", 10_000))


def independent_sample_rows(quick: bool = False, seed: int = 0):
    """Effectively independent samples per second at ``Tc`` for each algorithm of
    :data:`INDEPENDENT` (one thread): ``samples / s / (2 max(tau_int |m|, tau_int E))``.
    Lattice ``L = 32`` (``quick``: 16); runs are ``>= 100 tau_int`` long; CPU seconds of
    the whole call (its burn-in too, so the rate is a slight underestimate for all)."""
    import numba

    from ..physics.ising import simulate

    L = 16 if quick else 32
    threads = numba.get_num_threads()
    out = {}
    try:
        numba.set_num_threads(1)
        for alg, sweeps in INDEPENDENT:
            sweeps = max(sweeps // 10, 1_000) if quick else sweeps
            simulate(4, TC, algorithm=alg, sweeps=64, seed=seed, progress=False)  # compile
            c0 = time.process_time()           # CPU seconds, burn-in included (conservative)
            r = simulate(L, TC, algorithm=alg, sweeps=sweeps, seed=seed, progress=False)
            cpu = time.process_time() - c0
            t_m = r.observables["abs_m"].tau_int
            t_e = r.observables["energy_per_spin"].tau_int
            samples = sweeps * (64 if alg == "msc" else 1)
            out[alg] = (samples / cpu / (2.0 * max(t_m, t_e)), cpu, t_m, t_e, sweeps)
    finally:
        numba.set_num_threads(threads)
    ref = out["metropolis"][0]
    rows = []
    for alg, (v, sec, t_m, t_e, sweeps) in out.items():
        what = {"msc": "64 replicas x ", "wolff": "", "sw": ""}.get(alg, "")
        rows.append(BenchRow(
            "ising", f"independent samples at Tc: {alg} (1 thr)", v, "indep_samples_per_s",
            "-" if alg == "metropolis" else "metropolis", None if alg == "metropolis"
            else v / ref, sec,
            f"L={L}, {what}{sweeps} sweeps; tau_int |m| {t_m:.1f}, E {t_e:.1f} sweeps; "
            "samples per CPU second (burn-in included) / (2 max tau_int)"))
    return rows


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
    # one-thread rows and the reference in CPU seconds of this process (a shared
    # machine's load slows neither clock); multi-thread rows in wall seconds against the
    # reference's wall time
    t = best_time(lambda: numpy_checkerboard(s_np, beta, n, g, masks), repeat,
                  clock=time.process_time)
    t_wall = best_time(lambda: numpy_checkerboard(s_np, beta, n, g, masks), repeat)
    ref = N * n / t / 1e9
    ref_wall = N * n / t_wall / 1e9
    rows.append(BenchRow("ising", "numpy checkerboard metropolis", ref, "flips_per_ns", "-",
                         None, t, f"L={L}; CPU time"))
    ref_name = "numpy"

    def add(name, flips, seconds, note="", wall=False):
        v = flips / seconds / 1e9
        rows.append(BenchRow("ising", name, v, "flips_per_ns", ref_name,
                             v / (ref_wall if wall else ref), seconds,
                             note + ("; wall time" if wall else "; CPU time")))

    threads = numba.get_num_threads()
    empty = np.empty(0, np.int64)
    try:
        for nt in sorted({1, threads}):
            numba.set_num_threads(nt)
            clock = time.process_time if nt == 1 else time.perf_counter
            for rule in ("metropolis", "heatbath"):
                s = np.ones((L, L), dtype=np.int8)
                st = stream_states(seed, L)
                thr = ik.flip_table(beta, 1.0, 0.0, rule)
                ik.chain(s, thr, st, 1, empty, empty)
                t = best_time(lambda s=s, thr=thr, st=st: ik.chain(s, thr, st, n, empty, empty),
                              repeat, clock=clock)
                add(f"numba checkerboard {rule} ({nt} thr)", N * n, t, f"L={L}, int8",
                    wall=nt > 1)
            W = mk.init_words(L, True, stream_states(seed, L))
            st = stream_states(seed + 1, mk.n_streams(L))
            pb = mk.acceptance_digits(beta)
            e2 = np.empty((0, 64), np.int64)
            mk.chain(W, pb, st, 1, e2, e2)
            t = best_time(lambda W=W, pb=pb, st=st, e2=e2: mk.chain(W, pb, st, n, e2, e2), repeat,
                          clock=clock)
            add(f"numba multi-spin coding x64 ({nt} thr)", 64 * N * n, t, f"L={L}, 64 replicas",
                wall=nt > 1)
    finally:
        numba.set_num_threads(threads)

    Lw = 128 if quick else 256
    s = np.ones((Lw, Lw), dtype=np.int8)
    st = stream_states(seed, 1)
    stack = np.empty(Lw * Lw, np.int64)
    p_add = -math.expm1(-2.0 * beta)
    ck.wolff_sweep(s, p_add, 0, st, stack, 10)
    t0 = time.process_time()
    flipped = ck.wolff_sweep(s, p_add, 0, st, stack, 200 if quick else 1000)
    t = time.process_time() - t0
    add("numba wolff (spins flipped, at Tc)", flipped, t, f"L={Lw}")

    rows.extend(independent_sample_rows(quick, seed))

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
                f"{R} x {Lt}^2, float32, {torch.get_num_threads()} torch threads"
                + (f", {torch.cuda.get_device_name()}" if dev == "cuda" else ""), wall=True)
    return rows
