"""``thermo-rl bench anneal``: our engine against peers on the same instances and budget.

* TSP (eil51, kroA100): default settings, gap to the TSPLIB optimum (no peer).
* SK spin glass (n = 64), 2-D EA glass, QUBO: against dwave-samplers'
  ``SimulatedAnnealingSampler`` (C++) with the *same* geometric beta range, sweeps and
  number of runs (reads), so quality is equal by construction and the ratio is speed
  (spin updates per ns, ours / theirs); dwave's own default beta range is a second row.
  dwave-samplers is optional (the ``peers`` extra); without it those rows are skipped
  with a message.
* Continuous (Rastrigin, Ackley, d = 10): against ``scipy.optimize.dual_annealing``
  with its defaults; the ratio is speed (ours / scipy, higher is faster) and the note
  gives both minima and function evaluations.
* SK energy per spin for growing n, next to Parisi's -0.7633.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from . import BenchRow

AREA = "anneal"


def _have_dwave():
    try:
        from dwave.samplers import SimulatedAnnealingSampler  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        return False
    return True


def _tsp_rows(quick, seed, progress):
    from ..anneal import anneal, make_problem

    rows = []
    for name in ("eil51", "kroA100"):
        p = make_problem(name)
        anneal(p, sweeps=10, runs=1, seed=seed, progress=False)  # warm-up (compile/cache)
        res = anneal(p, seed=seed, progress=False)
        moves = res.sweeps * res.runs * p.moves_per_sweep
        rows.append(BenchRow(AREA, f"tsp {name} (default settings)", moves / res.seconds / 1e3,
                             "moves_per_us", "TSPLIB optimum", None, res.seconds,
                             f"length {res.best_energy:.0f} vs optimum {res.optimum:.0f}, gap "
                             f"{100 * res.gap:.2f}%, {res.runs} runs x {res.sweeps} sweeps"))
    return rows


def _dwave_rows(problem, label, sweeps, runs, seed, *, qubo=None):
    from dwave.samplers import SimulatedAnnealingSampler

    from ..anneal import anneal, default_temperatures
    from ..schedules import Geometric

    T0, T1 = default_temperatures(problem, seed=seed)
    sched = Geometric(T0, T1)
    anneal(problem, sweeps=5, runs=2, schedule=sched, seed=seed, progress=False)
    t = time.perf_counter()
    res = anneal(problem, sweeps=sweeps, runs=runs, schedule=sched, seed=seed, progress=False,
                 chunks=10)
    ours_s = time.perf_counter() - t
    n = problem.size
    sampler = SimulatedAnnealingSampler()
    if qubo is not None:
        Q = {(i, j): float(qubo[i, j]) for i in range(n) for j in range(n) if qubo[i, j] != 0}

        def call(**kw):
            return sampler.sample_qubo(Q, num_reads=runs, num_sweeps=sweeps, seed=seed, **kw)
    else:
        h = {i: -float(problem.h[i]) for i in range(n)}
        iu = np.triu_indices(n, 1)
        J = {(int(i), int(j)): -float(problem.J[i, j]) for i, j in zip(*iu)
             if problem.J[i, j] != 0}

        def call(**kw):
            return sampler.sample_ising(h, J, num_reads=runs, num_sweeps=sweeps, seed=seed,
                                        **kw)
    call(beta_range=(1 / T0, 1 / T1), beta_schedule_type="geometric")  # warm-up
    t = time.perf_counter()
    ss = call(beta_range=(1 / T0, 1 / T1), beta_schedule_type="geometric")
    dw_s = time.perf_counter() - t
    t = time.perf_counter()
    ss_def = call()
    dwd_s = time.perf_counter() - t
    off = 0.0 if qubo is not None else problem.offset
    e_dw = ss.record.energy + off
    e_dwd = ss_def.record.energy + off
    upd = n * sweeps * runs
    ours = upd / ours_s / 1e9
    dw = upd / dw_s / 1e9
    dwd = upd / dwd_s / 1e9

    def q(e):  # final states of every run/read, as dwave returns them
        return f"final mean {np.mean(e) / n:.4f}/var, min {np.min(e) / n:.4f}/var"

    return [
        BenchRow(AREA, f"{label} engine", ours, "spin_updates_per_ns", "dwave-samplers SA",
                 ours / dw, ours_s, f"{q(res.final_energies)}; {runs} runs x {sweeps} sweeps, "
                 f"same beta range as dwave ({1 / T0:.3g}..{1 / T1:.3g})"),
        BenchRow(AREA, f"{label} dwave-samplers SA", dw, "spin_updates_per_ns",
                 "dwave-samplers SA", None, dw_s, q(e_dw)),
        BenchRow(AREA, f"{label} dwave-samplers SA (its default betas)", dwd,
                 "spin_updates_per_ns", "dwave-samplers SA", dwd / dw, dwd_s, q(e_dwd)),
    ]


def _spin_rows(quick, seed, progress):
    from ..anneal import EA, QUBO, SK

    if not _have_dwave():
        print("bench anneal: dwave-samplers is not installed; skipping the spin-glass and "
              "QUBO comparison (pip install 'thermo-rl[peers]')", file=sys.stderr)
        return [BenchRow(AREA, "sk/ea/qubo vs dwave-samplers", float("nan"), "-",
                         "dwave-samplers SA", None, 0.0, "skipped: dwave-samplers not installed")]
    sweeps, runs = (200, 20) if quick else (1000, 100)
    rng = np.random.default_rng(seed)
    rows = _dwave_rows(SK(64, seed=seed), "sk n=64", sweeps, runs, seed)
    rows += _dwave_rows(EA(16, 2, seed=seed), "ea 2d L=16 +-J", sweeps, runs, seed)
    Qm = rng.standard_normal((64, 64))
    Qm = np.triu(Qm + Qm.T)  # dwave reads each (i, j) once: give the upper triangle
    rows += _dwave_rows(QUBO(Qm), "qubo n=64", sweeps, runs, seed, qubo=Qm)
    return rows


def _continuous_rows(quick, seed, progress):
    from scipy.optimize import dual_annealing

    from ..anneal import Continuous, anneal
    from ..anneal.continuous import evaluate

    rows = []
    for fn in ("rastrigin", "ackley"):
        p = Continuous(fn, 10)
        anneal(p, sweeps=10, runs=1, seed=seed, progress=False)
        runs = 4
        res = anneal(p, runs=runs, seed=seed, progress=False,
                     sweeps=5000 if quick else None)
        nfev_ours = res.sweeps * runs * p.size
        bounds = list(zip(p.lo, p.hi))
        t = time.perf_counter()
        sp = dual_annealing(lambda x, fn=fn: float(evaluate(fn, x)), bounds, seed=seed,
                            maxiter=200 if quick else 1000)
        sp_s = time.perf_counter() - t
        rows.append(BenchRow(AREA, f"{fn} d=10 engine", 1.0 / res.seconds, "solves_per_s",
                             "scipy dual_annealing", sp_s / res.seconds, res.seconds,
                             f"f_min {res.best_energy:.2e} ({runs} runs, {nfev_ours} evals)"))
        rows.append(BenchRow(AREA, f"{fn} d=10 scipy dual_annealing", 1.0 / sp_s,
                             "solves_per_s", "scipy dual_annealing", None, sp_s,
                             f"f_min {sp.fun:.2e} ({sp.nfev} evals)"))
    return rows


def _parisi_rows(quick, seed, progress):
    from ..anneal import PARISI_GROUND_STATE, SK, anneal

    rows = []
    sizes = (32, 64, 128) if quick else (32, 64, 128, 256, 512)
    for n in sizes:
        samples = 2 if quick else (8 if n <= 128 else 4)
        sweeps = 500 if quick else 3000
        es, secs = [], 0.0
        for k in range(samples):
            res = anneal(SK(n, seed=1000 * seed + 7 * n + k), sweeps=sweeps, runs=4,
                         seed=seed + k, progress=False, chunks=10)
            es.append(res.best_energy / n)
            secs += res.seconds
        e = float(np.mean(es))
        rows.append(BenchRow(AREA, f"sk n={n} ground-state estimate", e, "energy_per_spin",
                             "Parisi -0.7633", e / PARISI_GROUND_STATE, secs,
                             f"mean over {samples} disorder samples (+-{np.std(es) / np.sqrt(samples):.4f})"
                             f" of the best of 4 runs x {sweeps} sweeps"))
    return rows


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    rows = []
    for part in (_tsp_rows, _spin_rows, _continuous_rows, _parisi_rows):
        rows.extend(part(quick, seed, progress))
    return rows
