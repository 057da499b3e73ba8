"""Result dataclass and error analysis shared by the lattice samplers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._progress import announce_estimate
from .._validation import check_memory
from ..results import jsonable
from ..stats import Estimate, bin_size_for, estimate, jackknife, tau_int

#: Default burn-in: this fraction of the measured sweeps, at least MIN_BURN_IN sweeps.
BURN_IN_FRACTION = 0.1
MIN_BURN_IN = 100


#: rough whole-machine throughput (updates per second) of each algorithm, for the estimate
#: a long run announces when it starts (measured on 2 cores; msc counts its 64 replicas)
UPDATES_PER_SECOND = {"metropolis": 3e8, "heatbath": 2.5e8, "wolff": 3e7, "sw": 3e7,
                      "msc": 3e9, "torch": 5e7}
#: the most sweeps (or burn-in sweeps) a run accepts: the kernels count in int64, and
#: at a billion updates per second a 2x2 lattice would take ~70 years to get there
MAX_SWEEPS = 2**61
#: bytes per recorded sample: the int64 bond/magnetization series, the float series
#: and the copies made while summarizing
BYTES_PER_SAMPLE = 120


def plan_run(model: str, L: int, sweeps: int, burn_in: int, algorithm: str, *,
             replicas: int = 1, progress: bool = True) -> None:
    """Before a lattice run: refuse sizes beyond the machine's memory, announce long runs.

    Memory: the spins (1 byte, 8 for msc words), the cluster work arrays (stack, labels,
    bonds: 18 bytes per site) and the recorded series (``BYTES_PER_SAMPLE`` per sweep
    and replica). Time: ``(burn_in + sweeps) N replicas / UPDATES_PER_SECOND``.
    """
    N = L * L
    spin_bytes = 8 if algorithm == "msc" else 1
    R = 64 if algorithm == "msc" else replicas
    need = N * spin_bytes * max(replicas, 1) + (18 * N if algorithm in ("wolff", "sw") else 0) \
        + BYTES_PER_SAMPLE * sweeps * R + 4096 * L
    check_memory(need, f"{model} L={L} with {sweeps} sweeps ({algorithm})")
    rate = UPDATES_PER_SECOND.get(algorithm.split("/")[0], UPDATES_PER_SECOND["sw"])
    work = (burn_in + sweeps) * N * (R if algorithm == "msc" else max(replicas, 1))
    announce_estimate(work / rate, f"{model} L={L}, {burn_in} + {sweeps} sweeps ({algorithm})",
                      progress)


def default_burn_in(sweeps: int) -> int:
    """``max(100, sweeps // 10)`` sweeps discarded before measuring (documented default)."""
    return max(MIN_BURN_IN, int(sweeps * BURN_IN_FRACTION))


@dataclass
class SimulationResult:
    """Measured observables of one lattice simulation at one temperature.

    ``observables`` maps a name to a :class:`thermo_rl.stats.Estimate` (mean,
    error, tau_int in sweeps): ``energy_per_spin``, ``abs_m``, ``m2``, ``m4``
    (per-sample primaries, binning error bars) and ``heat_capacity`` (per spin,
    ``N beta^2 Var(e)``), ``susceptibility`` (``N beta (<m^2> - <|m|>^2)``) and
    ``binder`` (``1 - <m^4> / (3 <m^2>^2)``), derived with jackknife error bars
    over the same bins. Attribute access works too: ``result.energy_per_spin.mean``.
    """

    model: str
    L: int
    T: float
    algorithm: str
    sweeps: int
    burn_in: int
    observables: dict
    energy: np.ndarray = field(repr=False)          # per-spin energy per sample
    magnetization: np.ndarray = field(repr=False)   # per-spin (signed / order parameter)
    spins: np.ndarray = field(repr=False)           # final configuration
    seconds: float = 0.0
    flips_per_ns: float = 0.0                       # attempted updates (or cluster flips) / ns
    extra: dict = field(default_factory=dict)
    seed: object = None                             # the seed it was computed from

    def __getattr__(self, name):
        obs = self.__dict__.get("observables", {})
        if name in obs:
            return obs[name]
        raise AttributeError(name)

    def as_dict(self) -> dict:
        """JSON-ready summary (no raw series): every observable as ``k``, ``k_error``,
        ``k_tau_int``, plus ``model, L, T, algorithm, sweeps, burn_in, seed, seconds,
        flips_per_ns`` and the model's extras (Potts: ``q``, ``Tc``)."""
        d = {"model": self.model, "L": self.L, "T": self.T, "algorithm": self.algorithm,
             "sweeps": self.sweeps, "burn_in": self.burn_in, "seed": self.seed,
             "seconds": self.seconds, "flips_per_ns": self.flips_per_ns}
        for k, e in self.observables.items():
            d[k] = e.mean
            d[f"{k}_error"] = e.error
            d[f"{k}_tau_int"] = e.tau_int
        d.update(self.extra)
        return jsonable(d)


def summarize(e, m, N: int, beta: float) -> dict:
    """Estimates of the per-sample and derived observables from per-spin series ``e``, ``m``."""
    e = np.asarray(e, dtype=np.float64)
    am = np.abs(np.asarray(m, dtype=np.float64))
    m2 = am * am
    m4 = m2 * m2
    obs = {"energy_per_spin": estimate(e), "abs_m": estimate(am), "m2": estimate(m2),
           "m4": estimate(m4)}
    n = e.size
    e2 = e * e
    tau_e = obs["energy_per_spin"].tau_int
    tau_m = max(obs["abs_m"].tau_int, obs["m2"].tau_int, obs["m4"].tau_int)
    b_e = bin_size_for(n, max(tau_e, tau_int(e2)))
    b_m = bin_size_for(n, tau_m)
    # beta * (beta * var), not beta**2 * var: a frozen chain (var = 0) at a tiny T gives
    # C = 0, not inf * 0 = NaN
    c, ce = jackknife(lambda a, b: N * beta * (beta * (b - a * a)), e, e2, bin_size=b_e)
    x, xe = jackknife(lambda a, b: N * beta * (b - a * a), am, m2, bin_size=b_m)
    # Binder's cumulant is undefined where <m^2> = 0 (e.g. a frozen Neel state): NaN
    u, ue = jackknife(lambda a, b: np.where(a > 0, 1.0 - b / (3.0 * np.where(a > 0, a, 1.0) ** 2),
                                            math.nan), m2, m4, bin_size=b_m)
    nan = float("nan")
    obs["heat_capacity"] = Estimate(c, ce, nan, n)
    obs["susceptibility"] = Estimate(x, xe, nan, n)
    obs["binder"] = Estimate(u, ue, nan, n)
    return obs
