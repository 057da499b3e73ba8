"""The teaching core: how the cooling speed decides what annealing finds.

* :func:`compare_schedules` — quench vs slow anneal vs reheat on the same instance and
  the same budget of sweeps. A quench (straight to the cold end) freezes into the first
  local minimum; slow cooling lets the system equilibrate at each temperature and find
  low-energy basins; reheating (heat, cool again, restart from the best state) gives
  second chances.
* :func:`cooling_rate_scan` — final energy against the cooling rate
  ``ln(T0/T_end)/sweeps`` (per sweep): slower cooling, lower energy.
* :func:`residual_energy_scaling` — the residual energy per variable
  ``rho(tau) = (<E_best> - E_ref)/n`` against the annealing time ``tau`` (sweeps), with
  the power-law fit ``rho ~ tau^(-a)`` and the logarithmic fit
  ``rho ~ (ln tau)^(-zeta)`` (Huse & Fisher 1986 predict the latter for glasses;
  a finite instance ends with ``rho = 0`` once it finds the ground state).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._rng import make_rng
from .._validation import check_int
from ..schedules import Constant, Geometric, Reheating
from .core import AnnealResult, anneal, default_temperatures

__all__ = ["ScalingResult", "compare_schedules", "cooling_rate_scan",
           "residual_energy_scaling"]


def compare_schedules(problem, *, sweeps: int = 2000, runs: int = 8, cycles: int = 3,
                      peak_decay: float = 0.5, seed=0,
                      progress: bool = False) -> dict[str, AnnealResult]:
    """Quench, slow anneal and reheat (with restarts from the best) at equal budget.

    The three schedules share the budget (``sweeps`` per run, ``runs`` runs, one seed)
    and the **final temperature** ``T_end`` from :func:`default_temperatures`, so that
    they differ only in how they get there:

    * ``quench``: every sweep at ``T_end``;
    * ``slow anneal``: geometric from ``T0`` to ``T_end``;
    * ``reheat``: ``cycles`` geometric cycles, cycle ``c`` from ``T0 * peak_decay**c``
      down to ``T_end * peak_decay**(c - cycles + 1)``, so the peaks drop by
      ``peak_decay`` each time and the last cycle ends at ``T_end``; every run restarts
      from its best state at each reheat.

    Returns ``{"quench": AnnealResult, "slow anneal": ..., "reheat": ...}``; each
    result's ``trace_T`` ends at ``T_end``, and ``T0``/``T_end`` hold the shared end points.

    Examples
    --------
    >>> from thermo_rl.anneal import make_problem
    >>> out = compare_schedules(make_problem("sk", 16, seed=0), sweeps=60, runs=2, seed=0)
    >>> sorted(out)
    ['quench', 'reheat', 'slow anneal']
    >>> len({round(float(r.trace_T[-1]), 12) for r in out.values()})   # one final T
    1
    """
    cycles = check_int(cycles, "cycles", low=1)
    rng = make_rng(seed)
    T0, T1 = default_temperatures(problem, seed=rng)
    s = int(rng.integers(2**31))
    kw = {"sweeps": sweeps, "runs": runs, "seed": s, "progress": progress}
    last = peak_decay ** (cycles - 1)
    out = {
        "quench": anneal(problem, schedule=Constant(T1), **kw),
        "slow anneal": anneal(problem, schedule=Geometric(T0, T1), **kw),
        "reheat": anneal(problem, schedule=Reheating(Geometric(T0, T1 / last), cycles,
                                                     peak_decay),
                         restart_from_best=True, **kw),
    }
    for res in out.values():            # the shared end points, for every schedule
        res.T0, res.T_end = T0, T1
    return out


def cooling_rate_scan(problem, sweeps_list=(10, 30, 100, 300, 1000), *, runs: int = 8,
                      seed=0, progress: bool = False) -> dict:
    """Mean final and best energies for geometric cooling over each number of sweeps.

    Returns a dict of arrays: ``sweeps``, ``cooling_rate`` (``ln(T0/T_end)/sweeps``),
    ``mean_final``, ``mean_best``, ``std_best``, ``min_best``, ``seconds``, plus ``T0``, ``T_end``.
    """
    sweeps_list = [check_int(s, "sweeps", low=1) for s in sweeps_list]
    rng = make_rng(seed)
    T0, T1 = default_temperatures(problem, seed=rng)
    out = {k: [] for k in ("mean_final", "mean_best", "std_best", "min_best", "seconds")}
    for sw in sweeps_list:
        res = anneal(problem, sweeps=sw, runs=runs, schedule=Geometric(T0, T1),
                     seed=int(rng.integers(2**31)), progress=progress, chunks=min(sw, 20))
        out["mean_final"].append(float(np.mean(res.final_energies)))
        out["mean_best"].append(float(np.mean(res.best_energies)))
        out["std_best"].append(float(np.std(res.best_energies)))
        out["min_best"].append(float(np.min(res.best_energies)))
        out["seconds"].append(res.seconds)
    sw = np.asarray(sweeps_list, dtype=np.float64)
    return {"sweeps": sw, "cooling_rate": np.log(T0 / T1) / sw, "T0": T0, "T_end": T1,
            **{k: np.asarray(v) for k, v in out.items()}}


@dataclass
class ScalingResult:
    """Residual energy per variable against annealing time, with two fits.

    ``power_*`` describe ``rho = power_prefactor * tau^-power_exponent`` and ``log_*``
    describe ``rho = log_prefactor * (ln tau)^-log_exponent``, both least-squares fits of
    ``ln rho`` over the points with ``rho > 0``. ``*_rms`` is the root-mean-square
    residual of ``ln rho`` and ``*_chi2`` the chi-square per degree of freedom with the
    error bars ``residual_error`` (``nan`` where undefined): the smaller, the better the
    law describes the data.
    """

    sweeps: np.ndarray
    residual: np.ndarray          # (<E_best> - E_ref) / size, per sweeps value
    reference: float              # E_ref: known optimum or lowest energy seen
    power_exponent: float         # a in rho ~ tau^-a (fit over rho > 0)
    log_exponent: float           # zeta in rho ~ (ln tau)^-zeta
    residual_error: np.ndarray | None = None    # standard error of residual (over runs)
    power_prefactor: float = float("nan")
    log_prefactor: float = float("nan")
    power_rms: float = float("nan")
    log_rms: float = float("nan")
    power_chi2: float = float("nan")
    log_chi2: float = float("nan")

    def power_law(self, tau):
        """The power-law fit ``A tau^-a`` at annealing times ``tau`` (sweeps)."""
        return self.power_prefactor * np.asarray(tau, dtype=float) ** -self.power_exponent

    def log_law(self, tau):
        """The logarithmic fit ``B (ln tau)^-zeta`` at annealing times ``tau`` (sweeps)."""
        return self.log_prefactor * np.log(np.asarray(tau, dtype=float)) ** -self.log_exponent


def _log_fit(x, y, err):
    """Slope, prefactor, rms and chi2/dof of ``ln y = c + s x`` (least squares in ``ln y``)."""
    s, c = np.polyfit(x, np.log(y), 1)
    res = np.log(y) - (c + s * x)
    rms = float(np.sqrt(np.mean(res ** 2)))
    chi2 = float("nan")
    if err is not None and x.size > 2 and np.all(err > 0):
        chi2 = float(np.sum((res / (err / y)) ** 2) / (x.size - 2))
    return float(s), float(np.exp(c)), rms, chi2

    def as_dict(self) -> dict:
        """JSON-ready: every field (arrays as lists)."""
        from ..results import jsonable

        return jsonable({f: getattr(self, f) for f in self.__dataclass_fields__})


def residual_energy_scaling(problem, sweeps_list=(10, 30, 100, 300, 1000), *, runs: int = 8,
                            reference: float | None = None, seed=0,
                            progress: bool = False) -> ScalingResult:
    """Residual energy ``rho(tau)``, its power-law and logarithmic fits and their quality.

    Examples
    --------
    >>> from thermo_rl.anneal import make_problem
    >>> sc = residual_energy_scaling(make_problem("eil51"), (10, 30, 100), runs=4, seed=0)
    >>> bool(sc.power_exponent > 0 and sc.residual[0] > sc.residual[-1])
    True
    """
    scan = cooling_rate_scan(problem, sweeps_list, runs=runs, seed=seed, progress=progress)
    ref = reference
    if ref is None:
        ref = (problem.optimum if problem.optimum is not None
               else float(np.min(scan["min_best"])))
    rho = (scan["mean_best"] - ref) / problem.size
    err = scan["std_best"] / np.sqrt(max(runs - 1, 1)) / problem.size
    tau = scan["sweeps"]
    ok = (rho > 0) & (tau > 1)
    out = ScalingResult(sweeps=tau, residual=rho, reference=float(ref),
                        power_exponent=float("nan"), log_exponent=float("nan"),
                        residual_error=err)
    if ok.sum() >= 2:
        e = err[ok]
        s, out.power_prefactor, out.power_rms, out.power_chi2 = _log_fit(
            np.log(tau[ok]), rho[ok], e)
        out.power_exponent = -s
        s, out.log_prefactor, out.log_rms, out.log_chi2 = _log_fit(
            np.log(np.log(tau[ok])), rho[ok], e)
        out.log_exponent = -s
    return out
