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
                      seed=0, progress: bool = False) -> dict[str, AnnealResult]:
    """Quench, slow anneal and reheat (with restarts from the best) at equal budget.

    All three share ``T0`` and ``T_end`` from :func:`default_temperatures`; the quench
    runs every sweep at ``T_end``; the reheat runs ``cycles`` geometric cycles whose
    peaks drop by half each time, restarting each run from its best state.
    """
    rng = make_rng(seed)
    T0, T1 = default_temperatures(problem, seed=rng)
    s = int(rng.integers(2**31))
    kw = {"sweeps": sweeps, "runs": runs, "seed": s, "progress": progress}
    return {
        "quench": anneal(problem, schedule=Constant(T1), **kw),
        "slow anneal": anneal(problem, schedule=Geometric(T0, T1), **kw),
        "reheat": anneal(problem, schedule=Reheating(Geometric(T0, T1), cycles, 0.5),
                         restart_from_best=True, **kw),
    }


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
    """Residual energy per variable against annealing time, with two fits."""

    sweeps: np.ndarray
    residual: np.ndarray          # (<E_best> - E_ref) / size, per sweeps value
    reference: float              # E_ref: known optimum or lowest energy seen
    power_exponent: float         # a in rho ~ tau^-a (fit over rho > 0)
    log_exponent: float           # zeta in rho ~ (ln tau)^-zeta

    def as_dict(self) -> dict:
        """JSON-ready: every field (arrays as lists)."""
        from ..results import jsonable

        return jsonable({"sweeps": self.sweeps, "residual": self.residual,
                         "reference": self.reference, "power_exponent": self.power_exponent,
                         "log_exponent": self.log_exponent})


def residual_energy_scaling(problem, sweeps_list=(10, 30, 100, 300, 1000), *, runs: int = 8,
                            reference: float | None = None, seed=0,
                            progress: bool = False) -> ScalingResult:
    """Residual energy ``rho(tau)`` and its power-law and logarithmic exponents."""
    scan = cooling_rate_scan(problem, sweeps_list, runs=runs, seed=seed, progress=progress)
    ref = reference
    if ref is None:
        ref = (problem.optimum if problem.optimum is not None
               else float(np.min(scan["min_best"])))
    rho = (scan["mean_best"] - ref) / problem.size
    tau = scan["sweeps"]
    ok = (rho > 0) & (tau > 1)
    a = zeta = float("nan")
    if ok.sum() >= 2:
        a = -float(np.polyfit(np.log(tau[ok]), np.log(rho[ok]), 1)[0])
        zeta = -float(np.polyfit(np.log(np.log(tau[ok])), np.log(rho[ok]), 1)[0])
    return ScalingResult(sweeps=tau, residual=rho, reference=float(ref), power_exponent=a,
                         log_exponent=zeta)
