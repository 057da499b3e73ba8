"""Path-integral Monte Carlo of a particle in a harmonic well: temperature as imaginary time.

A quantum particle at inverse temperature ``beta`` is a closed path ``x(tau)`` of
imaginary-time length ``beta`` (hbar = m = 1). Cut into ``P`` beads ``x_0..x_{P-1}``
(``dtau = beta / P``, ``x_P = x_0``), the primitive action is

    S = sum_k [ (x_{k+1} - x_k)^2 / (2 dtau) + dtau V(x_k) ],   V(x) = omega^2 x^2 / 2,

and the beads are sampled from ``exp(-S)``. Cold means a long path (quantum spread
``<x^2> -> 1/(2 omega)``, the zero-point motion); hot means a short, stiff path that
collapses onto one classical point (``<x^2> -> 1/(beta omega^2)``). Exactly,

    <x^2> = coth(beta omega / 2) / (2 omega),

and for finite ``P`` the Gaussian action gives ``<x^2>_P = (1/P) sum_n 1/lambda_n`` with
``lambda_n = (4/dtau) sin^2(pi n / P) + dtau omega^2`` (checked exactly by the tests).
Moves: single-bead Metropolis displacements (:func:`thermo_rl._metropolis.metropolis_accept`)
and rigid shifts of the whole path (the slow centroid mode).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._metropolis import metropolis_accept
from .._rng import next_double, stream_states
from .._validation import check_int, check_memory, check_real, check_temperature
from ..errors import UserError
from ..results import jsonable
from ..stats import Estimate, estimate

__all__ = ["PathResult", "harmonic_pimc", "x2_classical", "x2_discrete", "x2_exact"]


def x2_exact(beta, omega: float = 1.0):
    """Quantum ``<x^2> = coth(beta omega / 2) / (2 omega)`` (hbar = m = 1)."""
    b = np.asarray(beta, dtype=np.float64)
    out = 1.0 / (2.0 * omega * np.tanh(b * omega / 2.0))
    return float(out) if out.ndim == 0 else out


def x2_classical(beta, omega: float = 1.0):
    """Classical equipartition ``<x^2> = 1 / (beta omega^2)``."""
    b = np.asarray(beta, dtype=np.float64)
    out = 1.0 / (b * omega ** 2)
    return float(out) if out.ndim == 0 else out


def x2_discrete(beta: float, omega: float = 1.0, P: int = 32) -> float:
    """Exact ``<x^2>`` of the ``P``-bead primitive action (what the sampler targets)."""
    dtau = beta / P
    n = np.arange(P)
    lam = 4.0 / dtau * np.sin(np.pi * n / P) ** 2 + dtau * omega ** 2
    return float(np.mean(1.0 / lam))


@njit(cache=True)
def _pimc(x, dtau, omega, step, shift, n_sweeps, states, x2_out):
    P = x.size
    w2 = omega * omega
    acc = 0
    for t in range(n_sweeps):
        for _ in range(P):
            k = int(next_double(states, 0) * P)
            xl = x[k - 1] if k > 0 else x[P - 1]
            xr = x[k + 1] if k < P - 1 else x[0]
            old = x[k]
            new = old + step * (2.0 * next_double(states, 0) - 1.0)
            dS = ((new - xl) ** 2 + (xr - new) ** 2 - (old - xl) ** 2 - (xr - old) ** 2) \
                / (2.0 * dtau) + dtau * 0.5 * w2 * (new * new - old * old)
            if metropolis_accept(dS, 1.0, next_double(states, 0)):
                x[k] = new
                acc += 1
        d = shift * (2.0 * next_double(states, 0) - 1.0)
        dS = 0.0
        for k in range(P):
            dS += dtau * 0.5 * w2 * ((x[k] + d) ** 2 - x[k] ** 2)
        if metropolis_accept(dS, 1.0, next_double(states, 0)):
            for k in range(P):
                x[k] += d
        s = 0.0
        for k in range(P):
            s += x[k] * x[k]
        x2_out[t] = s / P
    return acc / (n_sweeps * P) if n_sweeps > 0 else 0.0


@dataclass
class PathResult:
    """``<x^2>`` measured by PIMC beside the exact, discretized-exact and classical values.

    ``T`` is the temperature (``beta = 1/T`` is a property); ``sweeps``, ``burn_in``,
    ``seed``, ``seconds`` describe the run.
    """

    T: float
    omega: float
    P: int
    x2: Estimate
    x2_exact: float
    x2_discrete: float
    x2_classical: float
    acceptance: float
    path: np.ndarray          # last path (P beads): x against imaginary time
    sweeps: int = 0
    burn_in: int = 0
    seed: object = None
    seconds: float = 0.0

    @property
    def beta(self) -> float:
        """Inverse temperature ``1/T`` (the imaginary-time length of the path)."""
        return 1.0 / self.T

    def as_dict(self) -> dict:
        """JSON-ready summary (no path): ``T, beta, omega, P, x2, x2_error, x2_tau_int``,
        the three reference values, ``acceptance, sweeps, burn_in, seed, seconds``."""
        return jsonable({"T": self.T, "beta": self.beta, "omega": self.omega, "P": self.P,
                         "x2": self.x2.mean, "x2_error": self.x2.error,
                         "x2_tau_int": self.x2.tau_int, "x2_exact": self.x2_exact,
                         "x2_discrete": self.x2_discrete, "x2_classical": self.x2_classical,
                         "acceptance": self.acceptance, "sweeps": self.sweeps,
                         "burn_in": self.burn_in, "seed": self.seed, "seconds": self.seconds})


def harmonic_pimc(beta=None, omega: float = 1.0, *, T: float | None = None,
                  P: int | None = None, sweeps: int = 20_000, burn_in: int | None = None,
                  seed=0) -> PathResult:
    """Sample the harmonic oscillator's imaginary-time path at temperature ``T``.

    Parameters
    ----------
    beta : float, deprecated
        Inverse temperature, the old first argument; give ``T = 1/beta`` instead.
    omega : float > 0
        Angular frequency (hbar = m = 1).
    T : float > 0
        Temperature (energy units); the path has imaginary-time length ``1/T``.
    P : int >= 2, optional
        Beads; default ``max(8, ceil(8 omega / T))`` so that ``dtau omega <= 1/8``.
    sweeps, burn_in : int
        A sweep is ``P`` single-bead moves plus one rigid shift; ``<x^2>`` is the bead
        average after each sweep. Burn-in default ``max(100, sweeps // 10)`` (0 allowed).
    seed : int, None or Generator

    Examples
    --------
    >>> r = harmonic_pimc(T=0.5, sweeps=4000, seed=1)
    >>> abs(r.x2.mean - r.x2_discrete) < 5 * r.x2.error
    True
    """
    if beta is not None:
        if T is not None:
            raise UserError("give the temperature T (beta is the deprecated first argument), "
                            "not both")
        warnings.warn("harmonic_pimc(beta) is deprecated; give T=1/beta", PendingDeprecationWarning,
                      stacklevel=2)
        beta = check_real(beta, "beta", low=0.0, low_open=True)
        T = 1.0 / beta
    if T is None:
        raise UserError("harmonic_pimc needs the temperature T")
    T = check_temperature(T, "T")
    beta = 1.0 / T
    if not math.isfinite(beta) or beta <= 0:
        raise UserError(f"T must give a finite positive beta = 1/T, got T = {T}")
    omega = check_real(omega, "omega", low=0.0, low_open=True)
    P = max(8, int(np.ceil(8 * beta * omega))) if P is None else check_int(P, "P", low=2)
    sweeps = check_int(sweeps, "sweeps", low=32, high=2**61)
    burn_in = max(100, sweeps // 10) if burn_in is None else check_int(burn_in, "burn_in", low=0,
                                                                        high=2**61)
    check_memory(64.0 * sweeps, f"{sweeps} sweeps")
    dtau = beta / P
    states = stream_states(seed, 1)
    x = np.zeros(P)
    step = 2.0 * np.sqrt(dtau)                            # free-particle bead spread
    shift = 2.0 * np.sqrt(x2_exact(beta, omega))
    scratch = np.empty(min(burn_in, 10_000))
    left = burn_in
    while left > 0:                      # burn-in in pieces (the kernel records every sweep)
        _pimc(x, dtau, omega, step, shift, min(left, scratch.size), states, scratch)
        left -= scratch.size
    x2 = np.empty(sweeps)
    t0 = time.perf_counter()
    acc = _pimc(x, dtau, omega, step, shift, sweeps, states, x2)
    seconds = time.perf_counter() - t0
    return PathResult(T, omega, P, estimate(x2), x2_exact(beta, omega),
                      x2_discrete(beta, omega, P), x2_classical(beta, omega), float(acc), x.copy(),
                      sweeps, burn_in, seed, seconds)
