r"""Free energies of the 2D Ising and Potts lattices, measured: TI, AIS, Wang-Landau, MBAR.

A simulation at one temperature samples ``p(x) = e^{-beta E(x)} / Z`` but never sees
``Z``; ``F = -T ln Z`` needs a path from a state whose ``Z`` is known. Here that state
is ``beta = 0``, where every configuration is equally likely and ``ln Z = N ln q``
(``q = 2`` for Ising). Four routes along the path, each with an error bar:

* :func:`thermodynamic_integration` -- ``d ln Z / d beta = -U``, so
  ``ln Z(beta) = N ln q - int_0^beta U(b) db`` over a temperature scan (the scan of
  notebook 02 read differently); the error bar adds the statistical error of each
  ``U`` and the quadrature error (Richardson, :func:`thermo_rl.free_energy.integrate_energy`),
  which dominates near ``T_c`` where ``U`` bends sharply.
* :func:`ais` -- annealed importance sampling (Neal 2001): simulated annealing from
  ``beta = 0`` with importance weights ``ln w = -sum_k (beta_k - beta_{k-1}) E(x_{k-1})``
  (Jarzynski's work, ``W = -ln w``), so ``Z / Z_0 = <w>`` exactly; the lattice samplers'
  own Metropolis or heat-bath sweeps move the chains between steps.
* :func:`wang_landau` -- a random walk in energy that flattens the energy histogram
  and learns the density of states ``g(E)`` (Wang & Landau 2001), with the ``1/t``
  refinement (Belardinelli & Pereyra 2007) whose error keeps falling as ``1/sqrt(t)``.
  One run gives ``F``, ``U``, ``S`` and ``C`` at *every* temperature
  (:meth:`DensityOfStatesEstimate.thermo`); the error bars come from independent walkers.
* :func:`mbar` -- the multistate Bennett acceptance ratio (Shirts & Chodera 2008) over
  the samples of a temperature scan, through the field's library ``pymbar`` (the
  optional extra ``freeenergy``).

Every estimate is checked against the exact value where one exists
(:func:`exact_ln_z`): Kaufman's finite-lattice ``ln Z`` for Ising (and for the q = 2
Potts model, an Ising model at ``J/2``), brute-force enumeration for tiny lattices.

Measured (AMD EPYC, one thread, ``NUMBA_NUM_THREADS=1``; see ``docs/theory/free_energy.md``
for the table at L = 16 and 32).

References: R. M. Neal, Statistics and Computing 11, 125 (2001); C. Jarzynski, Phys.
Rev. Lett. 78, 2690 (1997); F. Wang & D. P. Landau, Phys. Rev. Lett. 86, 2050 (2001);
R. E. Belardinelli & V. D. Pereyra, Phys. Rev. E 75, 046701 (2007); M. R. Shirts &
J. D. Chodera, J. Chem. Phys. 129, 124105 (2008); B. Kaufman, Phys. Rev. 76, 1232 (1949).

Examples
--------
>>> from thermo_rl.physics.free_energy import ais
>>> r = ais(8, 2.5, chains=32, steps=200, seed=0, progress=False)
>>> bool(abs(r.ln_z - r.ln_z_exact) < 3 * r.ln_z_error)
True
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._progress import progress_bar
from .._rng import make_rng, stream_states
from .._validation import (
    check_choice,
    check_int,
    check_lattice_side,
    check_real,
    check_temperature,
)
from ..errors import UserError
from ..free_energy import FreeEnergyResult, beta_grid, integrate_energy, log_mean_exp
from ..gibbs import thermodynamics
from ..results import jsonable
from . import _free_energy_kernels as _fk
from . import _ising_kernels as _ik
from .exact import density_of_states, enumeration_thermo, kaufman

__all__ = [
    "METHODS",
    "MODELS",
    "DensityOfStatesEstimate",
    "ais",
    "allowed_levels",
    "exact_ln_z",
    "mbar",
    "thermodynamic_integration",
    "wang_landau",
]

#: lattice models with a free-energy estimator
MODELS = ("ising", "potts")
#: the estimators, by their CLI name
METHODS = ("ti", "ais", "wl", "mbar")
#: the move rules AIS can anneal with
AIS_ALGORITHMS = ("metropolis", "heatbath", "sw")


def _model(model, q, J, h=0.0):
    check_choice(model, "model", MODELS)
    if model == "ising":
        q = 2
    else:
        q = check_int(q, "q", low=2, high=127)
        if h != 0.0:
            raise UserError("the Potts model here has no field: h must be 0")
    J = check_real(J, "J", low=0.0, low_open=True)
    h = check_real(h, "h")
    return model, q, J, h


def exact_ln_z(L: int, T: float, *, model: str = "ising", q: int = 2, J: float = 1.0,
               h: float = 0.0) -> float | None:
    """The exact ``ln Z`` of the periodic ``L x L`` lattice where it is known, else ``None``.

    Ising, ``h = 0``: Kaufman's formula (any ``L``). Ising with a field: enumeration
    (``L <= 4``). Potts ``q = 2``: ``ln Z = beta J N + ln Z_Ising(J/2)`` (``delta(s, s') =
    (1 + s s')/2``). Other Potts models: ``None``.

    Examples
    --------
    >>> round(exact_ln_z(16, 2.5), 6) == round(kaufman(16, 2.5).log_Z, 6)
    True
    """
    model, q, J, h = _model(model, q, J, h)
    L = check_int(L, "L", low=2)
    T = check_temperature(T)
    if model == "ising":
        if h == 0.0:
            return kaufman(L, T, J).log_Z
        if L * L <= 16:
            return float(enumeration_thermo(density_of_states(L), T, J, h)["log_Z"])
        return None
    if q == 2:
        return J * L * L / T + kaufman(L, T, J / 2.0).log_Z
    return None


def _result(model, L, T, q, J, h, method, ln_z, err, seconds, seed, samples, **kw):
    return FreeEnergyResult(model, method, T, float(ln_z), float(err),
                            exact_ln_z(L, T, model=model, q=q, J=J, h=h), L * L, seconds,
                            seed, samples, **kw)


# ----------------------------------------------------------------------------- AIS

def ais(L: int = 16, T: float = 2.269185314213022, *, model: str = "ising", q: int = 3,
        J: float = 1.0, h: float = 0.0, chains: int = 32, steps: int | None = None,
        grid: str = "quadratic", algorithm: str = "metropolis", seed=0,
        progress: bool = True) -> FreeEnergyResult:
    r"""``ln Z`` at ``T`` by annealed importance sampling from ``beta = 0`` (Neal 2001).

    Each of ``chains`` independent chains starts from a uniformly random configuration
    (exact at ``beta = 0``, ``Z_0 = q^N``) and walks the grid ``beta_0 = 0 < beta_1 <
    ... < beta_K = 1/T``: at step ``k`` it adds ``-(beta_k - beta_{k-1}) E`` to its
    log-weight, then makes one checkerboard sweep at ``beta_k`` (Metropolis or heat-bath,
    the kernels of :mod:`~thermo_rl.physics.ising` and :mod:`~thermo_rl.physics.potts`).
    ``ln Z = N ln q + ln <w>`` with the delta-method error and the effective sample
    size of :func:`thermo_rl.free_energy.log_mean_exp`; ``result.work`` is Jarzynski's
    dimensionless work ``W = -ln w`` of every chain. The estimate of ``Z`` is unbiased for
    any grid; a finer grid (more ``steps``) narrows the work distribution, which is what
    makes ``ln <w>`` precise: ``Var(W)`` falls like ``1/steps``.

    Parameters
    ----------
    L : int, even, >= 2
        Lattice side (periodic, ``N = L^2`` spins).
    T : float, > 0
        Target temperature (units of J); default Onsager's ``T_c``.
    model : {"ising", "potts"}
    q : int
        Potts states (ignored for Ising).
    J, h : float
        Coupling (> 0) and field (Ising only).
    chains : int, >= 2
        Independent annealing runs (they run in parallel threads). The error bar needs
        a few dozen to be honest.
    steps : int, optional
        Grid intervals (one sweep each); default ``64 N`` (at least 1000).
    grid : {"quadratic", "linear"}
        Spacing in ``beta`` (:func:`thermo_rl.free_energy.beta_grid`); ``quadratic`` is
        finer near the target.
    algorithm : {"metropolis", "heatbath", "sw"}
        The move between steps: checkerboard Metropolis or heat-bath sweeps, or one
        Swendsen-Wang sweep (``h = 0``). Metropolis gives the smallest work variance
        per second at the Ising ``T_c`` (measured, L = 32).
    seed : int, None or Generator
    progress : bool

    Returns
    -------
    FreeEnergyResult
        ``method="ais"``, with ``ess``, ``log_weights`` and ``ln_z_exact`` where known.
    """
    model, q, J, h = _model(model, q, J, h)
    L = check_lattice_side(L)
    T = check_temperature(T)
    chains = check_int(chains, "chains", low=2, high=1_000_000)
    N = L * L
    steps = max(1000, 64 * N) if steps is None else check_int(steps, "steps", low=1,
                                                               high=10**9)
    check_choice(algorithm, "algorithm", AIS_ALGORITHMS)
    if algorithm == "sw" and h != 0.0:
        raise UserError("algorithm 'sw' needs h = 0; use metropolis or heatbath with a field")
    betas = beta_grid(1.0 / T, steps, grid)
    rng = make_rng(seed)
    states = stream_states(rng, chains * L).reshape(chains, L, 4)
    spins = rng.integers(0, q, size=(chains, L, L)).astype(np.int8)
    if model == "ising":
        spins = (2 * spins - 1).astype(np.int8)
        if algorithm != "sw":
            thr = _ik.flip_table(betas, J, h, algorithm)
    log_w = np.empty(chains)
    batches = np.array_split(np.arange(chains), min(chains, 20) if progress else 1)
    t0 = time.perf_counter()
    for idx in progress_bar(batches, desc=f"ais {model} L={L}", progress=progress):
        sl = slice(idx[0], idx[-1] + 1)
        lw = np.empty(idx.size)
        if algorithm == "sw":
            _fk.ais_sw(spins[sl], 0 if model == "ising" else q, betas, J, states[sl], lw)
        elif model == "ising":
            _fk.ais_ising(spins[sl], thr, betas, J, h, states[sl], lw)
        else:
            _fk.ais_potts(spins[sl], q, betas, J, algorithm == "heatbath", states[sl], lw)
        log_w[sl] = lw
    seconds = time.perf_counter() - t0
    ln_w, err, ess = log_mean_exp(log_w)
    return _result(model, L, T, q, J, h, "ais", N * math.log(q) + ln_w, err, seconds, seed,
                   chains, ess=ess, log_weights=log_w,
                   extra={"steps": steps, "grid": grid, "algorithm": algorithm, "q": q})


# ----------------------------------------------------------------------------- scans

def _scan(model, L, betas, q, J, h, sweeps, algorithm, seed, progress):
    """One simulation per ``beta > 0`` of the grid (each its own seed)."""
    from .ising import simulate as sim_ising
    from .potts import simulate as sim_potts

    rng = make_rng(seed)
    seeds = rng.integers(0, 2**62, size=betas.size)
    out = []
    for b, s in zip(progress_bar(betas, desc=f"{model} scan L={L}", progress=progress), seeds):
        if b == 0.0:
            out.append(None)
            continue
        if model == "ising":
            r = sim_ising(L, 1.0 / b, J=J, h=h, algorithm=algorithm, sweeps=sweeps,
                          seed=int(s), progress=False)
        else:
            r = sim_potts(L, 1.0 / b, q=q, J=J, algorithm=algorithm, sweeps=sweeps,
                          seed=int(s), progress=False)
        out.append(r)
    return out


def _scan_grid(T, points, grid):
    points = check_int(points, "points", low=3, high=100_000)
    return beta_grid(1.0 / T, points - 1, grid)


def _default_algorithm(model, h):
    return "wolff" if h == 0.0 else "metropolis"


def thermodynamic_integration(L: int = 16, T: float = 2.269185314213022, *,
                              model: str = "ising", q: int = 3, J: float = 1.0,
                              h: float = 0.0, points: int = 33, sweeps: int = 2000,
                              grid: str = "quadratic", algorithm: str | None = None, seed=0,
                              progress: bool = True) -> FreeEnergyResult:
    r"""``ln Z(T) = N ln q - int_0^{1/T} U(beta) d beta`` over a temperature scan.

    ``U`` is measured (with its binning error bar) by :func:`~thermo_rl.physics.ising.simulate`
    (or the Potts one) at ``points`` inverse temperatures from 0 to ``1/T`` on
    :func:`~thermo_rl.free_energy.beta_grid` (``quadratic``: finer towards the target,
    where ``U`` bends; at L = 32, T_c it halves the quadrature error of the even grid,
    0.30 against 0.59 in ``ln Z``, measured); at ``beta = 0`` it is known exactly (``0`` for Ising, ``-2 N J / q`` for
    Potts). The integral is the Richardson-extrapolated trapezoid rule
    (:func:`thermo_rl.free_energy.integrate_energy`); the error bar is
    ``sqrt(statistical^2 + quadrature^2)``, both also in ``extra``.

    Parameters
    ----------
    L, T, model, q, J, h : as in :func:`ais`
    points : int, odd, >= 5 for the quadrature error
        Grid points including ``beta = 0``.
    grid : {"quadratic", "linear"}
    sweeps : int
        Measured sweeps per point (burn-in: the samplers' default).
    algorithm : str, optional
        Sampler of the scan; default ``"wolff"`` (``"metropolis"`` with a field).
    seed, progress : as in :func:`ais`

    Returns
    -------
    FreeEnergyResult
        ``method="ti"``; ``extra`` holds the grid (``beta``), ``energy_per_spin`` and its
        error at each point, and ``ln_z_path`` (cumulative trapezoid, ``ln Z`` at every
        grid point).
    """
    model, q, J, h = _model(model, q, J, h)
    L = check_lattice_side(L)
    T = check_temperature(T)
    algorithm = _default_algorithm(model, h) if algorithm is None else algorithm
    betas = _scan_grid(T, points, grid)
    N = L * L
    t0 = time.perf_counter()
    runs = _scan(model, L, betas, q, J, h, sweeps, algorithm, seed, progress)
    u0 = 0.0 if model == "ising" else -2.0 * J / q
    e = np.array([u0 if r is None else r.energy_per_spin.mean for r in runs])
    ee = np.array([0.0 if r is None else r.energy_per_spin.error for r in runs])
    value, stat, quad = integrate_energy(betas, N * e, N * ee)
    quad = 0.0 if not np.isfinite(quad) else quad
    ln_z = N * math.log(q) - value
    path = N * math.log(q) - np.concatenate([[0.0], np.cumsum(np.diff(betas) * N
                                                              * (e[1:] + e[:-1]) / 2.0)])
    return _result(model, L, T, q, J, h, "ti", ln_z, math.hypot(stat, quad),
                   time.perf_counter() - t0, seed, points,
                   extra={"statistical_error": stat, "quadrature_error": quad,
                          "points": points, "sweeps": sweeps, "algorithm": algorithm, "q": q,
                          "grid": grid, "beta": betas, "energy_per_spin": e,
                          "energy_per_spin_error": ee,
                          "ln_z_path": path})


def _uniform_energies(model, L, q, J, h, n, rng):
    """Energies of ``n`` exact samples at ``beta = 0`` (uniformly random configurations)."""
    s = rng.integers(0, q, size=(n, L, L)).astype(np.int8)
    if model == "ising":
        s = 2 * s - 1
        b = (s * np.roll(s, 1, 1)).sum((1, 2)) + (s * np.roll(s, 1, 2)).sum((1, 2))
        return -J * b - h * s.sum((1, 2))
    b = (s == np.roll(s, 1, 1)).sum((1, 2)) + (s == np.roll(s, 1, 2)).sum((1, 2))
    return -J * b.astype(np.float64)


def _import_pymbar():
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            import pymbar
    except ImportError:
        raise UserError("method 'mbar' needs pymbar: pip install 'thermo-rl[freeenergy]' "
                        "(or pip install pymbar)") from None
    return pymbar


def mbar(L: int = 16, T: float = 2.269185314213022, *, model: str = "ising", q: int = 3,
         J: float = 1.0, h: float = 0.0, points: int = 33, sweeps: int = 2000,
         grid: str = "quadratic", algorithm: str | None = None, seed=0,
         progress: bool = True) -> FreeEnergyResult:
    r"""``ln Z`` at ``T`` by MBAR (Shirts & Chodera 2008) over a temperature scan, via ``pymbar``.

    The scan of :func:`thermodynamic_integration` plus ``sweeps`` exact samples at
    ``beta = 0``; each series is thinned to every ``ceil(2 tau_int)``-th sample (MBAR's
    error assumes independent samples) and every sample is scored at every ``beta``
    (reduced potentials ``u_k(x) = beta_k E(x)``). MBAR's free-energy difference
    ``f_K - f_0 = -ln(Z_K / Z_0)`` and its asymptotic error give ``ln Z = N ln q -
    (f_K - f_0)``. Needs ``pymbar`` (``pip install 'thermo-rl[freeenergy]'``).

    Parameters and returns as :func:`thermodynamic_integration` (``method="mbar"``).
    """
    from ..stats import tau_int

    model, q, J, h = _model(model, q, J, h)
    L = check_lattice_side(L)
    T = check_temperature(T)
    pymbar = _import_pymbar()
    algorithm = _default_algorithm(model, h) if algorithm is None else algorithm
    betas = _scan_grid(T, points, grid)
    N = L * L
    t0 = time.perf_counter()
    rng = make_rng(seed)
    runs = _scan(model, L, betas, q, J, h, sweeps, algorithm, rng, progress)
    series, counts = [], []
    for r in runs:
        if r is None:
            E = _uniform_energies(model, L, q, J, h, check_int(sweeps, "sweeps", low=32), rng)
        else:
            e = r.energy
            tau = tau_int(e) if np.ptp(e) > 0 else 0.5
            E = N * e[::max(1, math.ceil(2.0 * tau))]
        series.append(E)
        counts.append(E.size)
    E = np.concatenate(series)
    u_kn = betas[:, None] * E[None, :]
    # start the solver from the trapezoid rule over the scan's mean energies (f = -ln Z)
    means = np.array([s.mean() for s in series])
    f0 = np.concatenate([[0.0], np.cumsum(np.diff(betas) * (means[1:] + means[:-1]) / 2.0)])
    logger = logging.getLogger("pymbar")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            m = pymbar.MBAR(u_kn, np.array(counts), initial_f_k=f0)
            d = m.compute_free_energy_differences(compute_uncertainty=True)
    finally:
        logger.setLevel(level)
    df = float(d["Delta_f"][0, -1])
    err = float(d["dDelta_f"][0, -1])
    return _result(model, L, T, q, J, h, "mbar", N * math.log(q) - df, err,
                   time.perf_counter() - t0, seed, int(E.size),
                   extra={"points": points, "sweeps": sweeps, "algorithm": algorithm, "q": q,
                          "grid": grid, "samples_per_point": counts})


# ----------------------------------------------------------------------------- Wang-Landau

@dataclass
class DensityOfStatesEstimate:
    """``ln g(E)`` of a lattice from independent Wang-Landau walkers, normalized.

    Each walker's ``ln g`` is normalized so that ``sum_E g(E) = q^N`` (the number of
    configurations); the estimate is their mean and the error bar their standard
    error (standard deviation over ``sqrt(runs)``).

    Attributes
    ----------
    model, L, q, J : the lattice
    energies : ndarray (levels,)
        Total energy of every level found (ascending).
    ln_g_runs : ndarray (runs, levels)
        Each walker's normalized ``ln g``.
    ln_f_final : float
        The modification factor the walkers ran down to (each stopped at or below it).
    moves : ndarray (runs,)
        Attempted single-spin moves of each walker.
    seconds, seed, runs
    """

    model: str
    L: int
    q: int
    J: float
    energies: np.ndarray
    ln_g_runs: np.ndarray = field(repr=False)
    ln_f_final: float
    moves: np.ndarray
    seconds: float
    seed: object
    runs: int

    @property
    def ln_g(self) -> np.ndarray:
        return self.ln_g_runs.mean(axis=0)

    @property
    def ln_g_error(self) -> np.ndarray:
        return _sem(self.ln_g_runs)

    def thermo(self, T) -> dict:
        """``ln_z``, ``free_energy_per_spin``, ``energy_per_spin``, ``entropy_per_spin``,
        ``heat_capacity`` (per spin) at temperature(s) ``T``, each with ``*_error``
        (standard error over the walkers), from ``ln g`` alone.

        Examples
        --------
        >>> d = wang_landau(4, ln_f_final=1e-4, runs=4, seed=0, progress=False)
        >>> round(d.thermo(1e9)["ln_z"] / 16, 4)          # T -> inf: ln 2 per spin
        0.6931
        """
        Ts = np.atleast_1d(np.asarray(T, dtype=np.float64))
        for t in Ts:
            check_temperature(float(t))
        N = self.L * self.L
        per = []
        for lg in self.ln_g_runs:
            th = thermodynamics(self.energies, Ts, log_degeneracy=lg)
            per.append(np.stack([np.atleast_1d(th.log_Z), np.atleast_1d(th.F) / N,
                                 np.atleast_1d(th.U) / N, np.atleast_1d(th.S) / N,
                                 np.atleast_1d(th.C) / N]))
        per = np.array(per)                           # (runs, 5, T)
        names = ("ln_z", "free_energy_per_spin", "energy_per_spin", "entropy_per_spin",
                 "heat_capacity")
        out = {"T": Ts}
        for i, k in enumerate(names):
            out[k] = per[:, i].mean(axis=0)
            out[f"{k}_error"] = _sem(per[:, i])
        if np.ndim(T) == 0:
            out = {k: float(v[0]) for k, v in out.items()}
        return out

    def free_energy(self, T: float) -> FreeEnergyResult:
        """The :class:`~thermo_rl.free_energy.FreeEnergyResult` at one temperature."""
        T = check_temperature(T)
        th = self.thermo(T)
        return FreeEnergyResult(self.model, "wl", T, th["ln_z"], th["ln_z_error"],
                                exact_ln_z(self.L, T, model=self.model, q=self.q, J=self.J),
                                self.L * self.L, self.seconds, self.seed, self.runs,
                                extra={"ln_f_final": self.ln_f_final, "q": self.q,
                                       "moves": int(self.moves.sum())})

    def as_dict(self) -> dict:
        """JSON-ready: ``model, L, q, J, energies, ln_g, ln_g_error, ln_f_final, moves,
        seconds, seed, runs``."""
        return jsonable({"model": self.model, "L": self.L, "q": self.q, "J": self.J,
                         "energies": self.energies, "ln_g": self.ln_g,
                         "ln_g_error": self.ln_g_error, "ln_f_final": self.ln_f_final,
                         "moves": self.moves, "seconds": self.seconds, "seed": self.seed,
                         "runs": self.runs})


def _sem(x):
    x = np.asarray(x)
    if x.shape[0] < 2:
        return np.full(x.shape[1:], np.nan)
    return x.std(axis=0, ddof=1) / math.sqrt(x.shape[0])


def allowed_levels(L: int, q: int) -> np.ndarray:
    """Which numbers of satisfied bonds ``n = 0..2N`` occur on a periodic ``L x L`` lattice.

    A cluster of other states costs its perimeter: one site 4 bonds, two 6, so
    ``2N - 1, 2N - 2, 2N - 3`` and ``2N - 5`` never occur; for Ising (``q = 2``) ``n`` is
    also even (the bond sum ``2n - 2N`` moves in steps of 4), and ``n = 2`` mirrors
    ``2N - 2`` on the bipartite lattice. Checked against enumeration at ``L = 4``
    (Ising, and Potts q = 3). Wang-Landau walks only these levels, known in advance,
    so that ``ln f`` cannot shrink before the walk has seen the whole range.
    """
    N = L * L
    ok = np.ones(2 * N + 1, np.bool_)
    ok[[2 * N - 1, 2 * N - 2, 2 * N - 3, 2 * N - 5]] = False
    if q == 2:
        ok[1::2] = False
        ok[2] = False
    return ok


#: moves between two looks at the histogram (and between updates of ln f = 1/t)
WL_CHECK = 1000
#: a walker gives up after this many times the moves the 1/t schedule needs
WL_MAX_FACTOR = 50


def wang_landau(L: int = 16, *, model: str = "ising", q: int = 3, J: float = 1.0,
                ln_f_final: float = 1e-6, runs: int = 8, seed=0,
                progress: bool = True) -> DensityOfStatesEstimate:
    r"""The density of states ``g(E)`` by Wang-Landau with the ``1/t`` refinement.

    A walker flips single spins (a random site, a random new state) and accepts with
    ``min(1, g(E) / g(E'))``, then adds ``ln f`` to ``ln g`` of its current level
    (Wang & Landau 2001): levels it visits often become expensive, so it wanders over
    the whole energy range, and ``ln g`` converges to the density of states up to a
    constant. ``ln f`` starts at 1 and halves each time every level found so far has
    been visited; once it falls below ``1/t`` (``t`` = moves / levels, Monte Carlo time
    per level) it follows ``1/t`` (Belardinelli & Pereyra 2007), which removes the
    saturation of the original algorithm's error; the walk stops at ``ln f <=
    ln_f_final`` (about ``levels / ln_f_final`` moves). Levels are discovered by the walk
    itself (a new one starts at the lowest ``ln g``). ``runs`` independent walkers give
    the error bars (they run in parallel threads).

    Parameters
    ----------
    L : int, even, >= 2
    model : {"ising", "potts"}
    q : int
        Potts states (ignored for Ising).
    J : float, > 0
    ln_f_final : float in (0, 1)
        Stop when the modification factor reaches it.
    runs : int, >= 2 for error bars
    seed, progress : as in :func:`ais`

    Returns
    -------
    DensityOfStatesEstimate
    """
    model, q, J, _ = _model(model, q, J)
    L = check_int(check_lattice_side(L), "L", low=4)
    ln_f_final = check_real(ln_f_final, "ln_f_final", low=1e-12, high=1.0, high_open=True)
    runs = check_int(runs, "runs", low=1, high=10_000)
    N = L * L
    if N > 4096:
        raise UserError(f"wang_landau is for lattices up to L = 64 (a walk over {2 * N + 1} "
                        f"levels); got L = {L}")
    levels = 2 * N + 1                                   # satisfied bonds 0..2N
    rng = make_rng(seed)
    states = stream_states(rng, runs)
    spins = rng.integers(0, q, size=(runs, L, L)).astype(np.int8)
    ln_g = np.zeros((runs, levels))
    hist = np.zeros((runs, levels), np.int64)
    seen = np.zeros((runs, levels), np.bool_)
    ist = np.zeros((runs, 4), np.int64)
    seen[:] = allowed_levels(L, q)
    for r in range(runs):
        ist[r, 2], ist[r, 3] = seen[r].sum(), _fk.satisfied_bonds(spins[r])
    ln_f = np.ones(runs)
    budget = WL_MAX_FACTOR * levels / ln_f_final + 1e8
    chunk = int(max(WL_CHECK, min(2e7, 1e6 * max(1, runs // 4))) // WL_CHECK * WL_CHECK)
    target = -math.log10(ln_f_final)
    t0 = time.perf_counter()
    with progress_bar(total=round(target, 2), desc=f"wang-landau {model} L={L}",
                      progress=progress) as bar:
        while np.any(ist[:, 1] < 2):
            if ist[:, 0].min() > budget:
                raise UserError(f"Wang-Landau did not reach ln f = {ln_f_final:g} within "
                                f"{budget:.3g} moves per walker")
            _fk.wang_landau(spins, q, ln_g, hist, seen, ist, ln_f, states, chunk, ln_f_final,
                            WL_CHECK)
            bar.n = round(min(target, -math.log10(max(ln_f.max(), 1e-300))), 2)
            bar.refresh()
    seconds = time.perf_counter() - t0
    common = seen.all(axis=0)
    if np.any(seen & ~allowed_levels(L, q)):          # a level the perimeter rule forbids
        raise RuntimeError("Wang-Landau found a level outside allowed_levels (a bug)")
    n_sat = np.nonzero(common)[0]
    lg = ln_g[:, common]
    lg = lg - lg.max(axis=1, keepdims=True)
    lg = lg - np.log(np.exp(lg).sum(axis=1, keepdims=True)) + N * math.log(q)
    E = (-J * (2 * n_sat - 2 * N) if model == "ising" else -J * n_sat).astype(np.float64)
    order = np.argsort(E)
    return DensityOfStatesEstimate(model, L, q, J, E[order], lg[:, order], ln_f_final,
                                   ist[:, 0].copy(), seconds, seed, runs)
