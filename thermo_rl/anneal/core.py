"""Public annealing API: :func:`anneal`, :func:`default_schedule` and :class:`AnnealResult`.

Default temperatures (no tuning needed)
---------------------------------------
:func:`default_temperatures` samples the energy changes of proposed moves and sets

* ``T0`` so that, at random initial states, the *mean Metropolis acceptance of uphill
  moves* ``<exp(-dE/T0)>_{dE>0}`` is **0.8** (hot: almost everything goes), and
* ``T_end`` so that, at states first quenched to a local minimum (a few sweeps at
  T = 0), the mean acceptance of uphill moves is **0.001** (cold: frozen).

Both are found by bisection on ``log T`` over the sampled uphill ``dE`` (an acceptance
average is monotone in T). The default schedule is geometric between them,
``T_k = T0 (T_end/T0)^(k/(sweeps-1))`` (Kirkpatrick et al. 1983), one temperature per
sweep.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._progress import announce_estimate, progress_bar
from .._rng import make_rng, stream_states
from .._validation import check_int, check_memory, checks_input, work_starts
from ..errors import UserError, UserTypeError
from ..results import jsonable
from ..schedules import Geometric, parse_schedule
from .problems import Problem

__all__ = ["AnnealResult", "anneal", "default_schedule", "default_temperatures"]

#: rough engine throughput (moves per second) for the estimate a long run announces
MOVES_PER_SECOND = 5e7
ACCEPT_HOT = 0.8
ACCEPT_COLD = 0.001


@dataclass
class AnnealResult:
    """What :func:`anneal` returns. Energies are in the problem's own units.

    ``trace_*`` arrays have one row per chunk of sweeps: ``trace_sweeps`` (sweeps done),
    ``trace_T`` (temperature at the chunk's end), ``trace_energy`` and ``trace_best``
    (per run, shape ``(chunks, runs)``) and ``trace_acceptance`` (accepted fraction of
    the chunk's moves, per run). ``best_state`` is the best run's best state,
    ``best_states`` every run's (shape ``(runs, ...)``, in the order of
    ``best_energies``), so a figure can show a typical run rather than the luckiest.
    """

    problem: str
    best_state: np.ndarray
    best_energy: float
    best_energies: np.ndarray
    final_energies: np.ndarray
    trace_sweeps: np.ndarray
    trace_T: np.ndarray
    trace_energy: np.ndarray
    trace_best: np.ndarray
    trace_acceptance: np.ndarray
    seconds: float
    sweeps: int
    runs: int
    schedule: str
    T0: float | None = None
    T_end: float | None = None
    optimum: float | None = None
    gap: float | None = None
    extra: dict = field(default_factory=dict)
    seed: object = None
    best_states: np.ndarray | None = None

    def median_run(self) -> int:
        """Index of the run whose best energy is the median (the lower one of the two
        middle runs when ``runs`` is even): the typical run, not the luckiest."""
        order = np.argsort(self.best_energies, kind="stable")
        return int(order[(len(order) - 1) // 2])

    def as_dict(self, *, trace: bool = False) -> dict:
        """JSON-ready summary (snake_case keys; add the traces with ``trace=True``)."""
        d = {"problem": self.problem, "seed": self.seed, "best_energy": self.best_energy,
             "mean_best_energy": float(np.mean(self.best_energies)),
             "mean_final_energy": float(np.mean(self.final_energies)),
             "optimum": self.optimum, "gap": self.gap, "seconds": self.seconds,
             "sweeps": self.sweeps, "runs": self.runs, "schedule": self.schedule,
             "T0": self.T0, "T_end": self.T_end}
        d.update(self.extra)
        if trace:
            d.update(trace_sweeps=self.trace_sweeps, trace_T=self.trace_T,
                     trace_energy=self.trace_energy.mean(1), trace_best=self.trace_best.min(1),
                     trace_acceptance=self.trace_acceptance.mean(1))
        return jsonable(d)


def _solve_T(dE: np.ndarray, target: float) -> float:
    """T with mean(exp(-dE/T)) = target over positive, finite ``dE`` (bisection in log T)."""
    lo, hi = np.log(dE.min()) - np.log(-np.log(max(target, 1e-300))) - 10.0, \
        np.log(dE.max()) + 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        acc = np.mean(np.exp(-dE / np.exp(mid)))
        if acc > target:
            hi = mid
        else:
            lo = mid
    return float(np.exp(0.5 * (lo + hi)))


def _init(problem, runs, rng, S0=None):
    """States ``(runs, size)`` (random, or copies of ``S0``), their aux arrays and energies."""
    S0 = problem.random_states(runs, rng) if S0 is None else S0
    S = np.ascontiguousarray(S0, dtype=problem.state_dtype).copy()
    aux = np.zeros((runs, problem.aux_width), dtype=S.dtype if S.dtype == np.int64
                   else np.float64)
    E = np.zeros(runs)
    problem.engine.sync(problem.data, S, aux, E)
    return S, aux, E


def default_temperatures(problem: Problem, *, seed=0, samples: int = 4000,
                         quench_sweeps: int = 20) -> tuple[float, float]:
    """``(T0, T_end)`` from sampled energy changes (rule in the module docstring)."""
    rng = make_rng(seed)
    runs = 4
    streams = stream_states(rng, runs)
    S, aux, E = _init(problem, runs, rng)
    eng = problem.engine
    out = np.empty(samples)
    eng.sample_deltas(problem.data, S, aux, streams, problem.moves_per_sweep, out)
    up = out[np.isfinite(out) & (out > 0)]
    if up.size == 0:
        raise UserError(f"{problem.name}: no uphill move found at random states; cannot "
                         "set default temperatures (give a schedule)")
    T0 = _solve_T(up, ACCEPT_HOT)
    B = S.copy()
    Eb = E.copy()
    acc = np.zeros(runs, dtype=np.int64)
    betas = np.full(quench_sweeps, np.inf)
    eng.run_chunk(problem.data, S, aux, B, E, Eb, streams, betas,
                  np.zeros(quench_sweeps, np.bool_), problem.moves_per_sweep, acc)
    eng.sample_deltas(problem.data, S, aux, streams, problem.moves_per_sweep, out)
    up2 = out[np.isfinite(out) & (out > 0)]
    T_end = _solve_T(up2, ACCEPT_COLD) if up2.size else T0 * 1e-4
    return T0, min(T_end, T0)


def default_schedule(problem: Problem, *, seed=0) -> Geometric:
    """Geometric cooling between :func:`default_temperatures`."""
    T0, T_end = default_temperatures(problem, seed=seed)
    return Geometric(T0, T_end)


@checks_input
def anneal(problem, *, sweeps: int | None = None, schedule=None, runs: int = 4, seed=0,
           restart_from_best: bool = False, chunks: int = 100, init=None,
           progress: bool = True) -> AnnealResult:
    """Simulated annealing of ``problem`` in ``runs`` independent runs.

    Parameters
    ----------
    problem : Problem or str
        A problem object (:class:`~thermo_rl.anneal.TSP`, :class:`~thermo_rl.anneal.Ising`,
        :class:`~thermo_rl.anneal.Continuous`, ...) or a name for
        :func:`~thermo_rl.anneal.make_problem`.
    sweeps : int, optional
        Sweeps per run (one sweep is about one move per variable); default
        ``problem.default_sweeps``.
    schedule : Schedule or str, optional
        Any :mod:`thermo_rl.schedules` schedule or its text form (``"geometric:10:0.01"``,
        ``"reheat:10:0.01:3"``). Default: geometric between sampled temperatures
        (:func:`default_temperatures`). Adaptive schedules are updated after each chunk
        from the measured acceptance rate.
    runs : int
        Independent runs, each with its own random stream.
    restart_from_best : bool
        At every reheating (the temperature rises between two sweeps), restart each run
        from its best state so far.
    chunks : int
        Number of trace points (the engine returns to Python between chunks).
    init : array, optional
        Initial state(s), ``(size,)`` or ``(runs, size)``; default random.
    """
    if isinstance(problem, str):
        from .instances import make_problem

        problem = make_problem(problem, seed=seed)
    if not isinstance(problem, Problem):
        raise UserTypeError(f"problem must be a Problem or a name, got {type(problem).__name__}")
    sweeps = problem.default_sweeps if sweeps is None else check_int(sweeps, "sweeps", low=1)
    runs = check_int(runs, "runs", low=1)
    chunks = min(check_int(chunks, "chunks", low=1), sweeps)
    # the schedule (T and a restart flag per sweep), the states and the per-chunk traces
    check_memory(9.0 * sweeps + 48.0 * runs * (problem.size + chunks),
                 f"{problem.name}: {runs} runs x {sweeps} sweeps")
    announce_estimate(runs * sweeps * problem.moves_per_sweep / MOVES_PER_SECOND,
                      f"anneal {problem.name}, {runs} runs x {sweeps} sweeps", progress)
    rng = make_rng(seed)
    if schedule is not None:
        schedule = parse_schedule(schedule)
    S0 = None
    if init is not None:
        S0 = np.asarray(init)
        if S0.ndim == 1:
            S0 = np.broadcast_to(S0, (runs, S0.size))
        if S0.shape != (runs, problem.size):
            raise UserError(f"init must have shape ({problem.size},) or ({runs}, "
                             f"{problem.size}), got {np.asarray(init).shape}")
        for row in S0:
            problem.energy(row)  # validates
    work_starts()
    t_start = time.perf_counter()
    T0 = T_end = None
    if schedule is None:
        schedule = default_schedule(problem, seed=rng)
        T0, T_end = schedule.T0, schedule.T1
    streams = stream_states(rng, runs)
    S, aux, E = _init(problem, runs, rng, S0)
    B = S.copy()
    Eb = E.copy()
    eng = problem.engine
    adaptive = getattr(schedule, "adaptive", False)
    if not adaptive:
        temps = schedule.temperatures(sweeps)
        if not np.all(np.isfinite(temps)) or np.any(temps < 0):
            raise UserError("schedule produced a non-finite or negative temperature")
        restart = np.zeros(sweeps, dtype=np.bool_)
        if restart_from_best:
            restart[1:] = temps[1:] > temps[:-1]
    else:
        T_cur = schedule.reset()
    bounds = np.linspace(0, sweeps, chunks + 1).round().astype(np.int64)
    tr_sw = np.zeros(chunks, dtype=np.int64)
    tr_T = np.zeros(chunks)
    tr_E = np.zeros((chunks, runs))
    tr_B = np.zeros((chunks, runs))
    tr_A = np.zeros((chunks, runs))
    acc = np.zeros(runs, dtype=np.int64)
    with np.errstate(divide="ignore"):
        for c in progress_bar(range(chunks), total=chunks, desc=f"anneal {problem.name}",
                              progress=progress, unit="chunk"):
            a, b = bounds[c], bounds[c + 1]
            if adaptive:
                T_chunk = np.full(b - a, T_cur)
                rs = np.zeros(b - a, dtype=np.bool_)
            else:
                T_chunk = temps[a:b]
                rs = restart[a:b]
            betas = 1.0 / T_chunk
            eng.run_chunk(problem.data, S, aux, B, E, Eb, streams, betas, rs,
                          problem.moves_per_sweep, acc)
            rate = acc / float((b - a) * problem.moves_per_sweep)
            tr_sw[c] = b
            tr_T[c] = T_chunk[-1]
            tr_E[c] = E + problem.offset
            tr_B[c] = Eb + problem.offset
            tr_A[c] = rate
            if adaptive:
                T_cur = schedule.update(T_cur, float(rate.mean()))
    seconds = time.perf_counter() - t_start
    best_run = int(np.argmin(Eb))
    best_E = float(Eb[best_run] + problem.offset)
    extra = problem.summary(best_E, B[best_run])
    return AnnealResult(
        problem=problem.name, best_state=B[best_run].copy(), best_energy=best_E,
        best_energies=Eb + problem.offset, final_energies=E + problem.offset,
        trace_sweeps=tr_sw, trace_T=tr_T, trace_energy=tr_E, trace_best=tr_B,
        trace_acceptance=tr_A, seconds=seconds, sweeps=sweeps, runs=runs,
        schedule=repr(schedule), T0=T0, T_end=T_end, optimum=extra.pop("optimum", None),
        gap=extra.pop("gap", None), extra=extra, seed=seed, best_states=B.copy())


