"""The Gibbs (Boltzmann) distribution and its thermodynamics, stable at every temperature.

For levels with energies ``E_i`` (or rewards ``r_i = -E_i``), degeneracies ``g_i``
and inverse temperature ``beta = 1/T`` (k_B = 1, so T is in units of energy):

    p_i = g_i exp(-beta E_i) / Z,      ln Z = logsumexp(ln g_i - beta E_i)
    U = <E>,  S = sum_i p_i ln(g_i / p_i)  (nats),  F = U - T S = -T ln Z
    C = beta^2 Var(E),                  J = <r> + T S = -F

Everything is computed relative to the ground (or, for beta < 0, the top)
level, so energies of size 1e6 and the limits T -> 0 (only the ground levels,
in proportion to their degeneracy) and T -> inf (proportional to g) stay finite.
``T`` may be a scalar or a 1-D array; results then gain a leading axis.

Examples
--------
>>> from thermo_rl.gibbs import thermodynamics
>>> th = thermodynamics([0.0, 1.0], T=1.0)   # two-level system
>>> round(float(th.U), 6)                      # 1 / (e + 1)
0.268941
>>> thermodynamics([0.0, 1.0], T=0.0).probabilities
array([1., 0.])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import as_float_array, check_real
from .errors import UserError, UserTypeError

__all__ = [
    "Thermo",
    "boltzmann_probabilities",
    "heat_capacity",
    "log_partition",
    "solve_beta",
    "thermodynamics",
]


@dataclass(frozen=True)
class Thermo:
    """Thermodynamics of a set of levels at one or more temperatures.

    Attributes
    ----------
    T, beta : float or ndarray
        Temperature (energy units) and ``1/T``; ``T = 0`` is ``beta = inf``.
    log_Z : float or ndarray
        ``ln Z``; ``+inf`` at ``T = 0`` when the ground energy is negative, etc.
    probabilities : ndarray (..., k)
        Probability of each level (its degeneracy included).
    U, S, F, C, J : float or ndarray
        Mean energy, entropy (nats), free energy ``U - T S``, heat capacity
        ``beta^2 Var(E)`` and the RL objective ``<r> + T S = -F``.
    """

    T: np.ndarray
    beta: np.ndarray
    log_Z: np.ndarray
    probabilities: np.ndarray
    U: np.ndarray
    S: np.ndarray
    F: np.ndarray
    C: np.ndarray
    J: np.ndarray

    def as_dict(self) -> dict:
        """JSON-ready, keys naming their quantity: ``T, beta, log_Z, probabilities,
        mean_energy, entropy_nats, free_energy, heat_capacity, objective_J``."""
        from .results import jsonable

        return jsonable({"T": self.T, "beta": self.beta, "log_Z": self.log_Z,
                         "probabilities": self.probabilities, "mean_energy": self.U,
                         "entropy_nats": self.S, "free_energy": self.F,
                         "heat_capacity": self.C, "objective_J": self.J})


def _levels(energies, degeneracy, log_degeneracy=None):
    E = as_float_array(energies, "energies", ndim=1)
    with np.errstate(over="ignore"):
        span = E.max() - E.min()
    if not np.isfinite(span):
        raise UserError(f"energies span {E.min():.3g} to {E.max():.3g}: max E - min E "
                        "overflows a float; shift or rescale them")
    if degeneracy is not None and log_degeneracy is not None:
        raise UserTypeError("give degeneracy or log_degeneracy, not both")
    if log_degeneracy is not None:
        log_g = as_float_array(log_degeneracy, "log_degeneracy", ndim=1)
        if log_g.shape != E.shape:
            raise UserError(f"log_degeneracy must have the same shape as energies {E.shape}, "
                            f"got {log_g.shape}")
    elif degeneracy is None:
        log_g = np.zeros_like(E)
    else:
        g = as_float_array(degeneracy, "degeneracy", ndim=1, positive=True)
        if g.shape != E.shape:
            raise UserError(f"degeneracy must have the same shape as energies {E.shape}, "
                             f"got {g.shape}")
        log_g = np.log(g)
    return E, log_g


def _beta(T, beta):
    if (T is None) == (beta is None):
        raise UserTypeError("give exactly one of T (temperature) or beta (inverse temperature)")
    if T is not None:
        t = np.asarray(T, dtype=np.float64) if not isinstance(T, str) else None
        if t is None or t.ndim > 1:
            raise UserTypeError("T must be a number or a 1-D array of numbers")
        if np.any(np.isnan(t)) or np.any(t < 0):
            raise UserError("T (temperature) must be >= 0 (use beta for negative temperatures)")
        with np.errstate(divide="ignore", over="ignore"):
            b = np.where(t == 0, np.inf, 1.0 / np.where(t == 0, 1.0, t))
        b = np.where(np.isinf(t), 0.0, b)
        return t, b
    b = np.asarray(beta, dtype=np.float64) if not isinstance(beta, str) else None
    if b is None or b.ndim > 1:
        raise UserTypeError("beta must be a number or a 1-D array of numbers")
    if np.any(np.isnan(b)):
        raise UserError("beta must not be NaN")
    with np.errstate(divide="ignore", over="ignore"):
        t = np.where(b == 0, np.inf, 1.0 / np.where(b == 0, 1.0, b))
    t = np.where(np.isinf(b), 0.0, t)
    return t, b


def _log_weights(E, log_g, b):
    """Log weights relative to the dominant level; finite for every beta (shape (n, k))."""
    b = b[:, None]
    ref = np.where(b >= 0, E.min(), E.max())            # the level that dominates as |beta| grows
    dE = E[None, :] - ref
    with np.errstate(invalid="ignore"):
        lw = log_g[None, :] - b * dE
    # beta = +-inf: the product is nan for dE = 0 (kept: weight g) and -inf otherwise
    lw = np.where(dE == 0, log_g[None, :], lw)
    return lw, ref[:, 0]


def _core(energies, T, beta, degeneracy, log_degeneracy=None):
    E, log_g = _levels(energies, degeneracy, log_degeneracy)
    t, b = _beta(T, beta)
    scalar = t.ndim == 0
    t1, b1 = np.atleast_1d(t), np.atleast_1d(b)
    lw, ref = _log_weights(E, log_g, b1)
    m = lw.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(lw - m).sum(axis=1))          # ln sum g exp(-b dE)
    p = np.exp(lw - lse[:, None])
    return E, log_g, t1, b1, p, lse, ref, scalar


def boltzmann_probabilities(energies, T=None, *, beta=None, degeneracy=None) -> np.ndarray:
    """Probability of each level, ``g_i exp(-E_i/T) / Z``.

    Parameters
    ----------
    energies : array_like (k,)
        Level energies (for rewards pass ``-rewards``). Finite.
    T : float or array_like (n,), optional
        Temperature(s) >= 0 in energy units; ``0`` gives the ground levels only,
        ``inf`` gives ``g / sum g``.
    beta : float or array_like (n,), optional
        Inverse temperature instead of ``T``; may be negative (inverted population).
    degeneracy : array_like (k,), optional
        Positive number of states in each level (default 1).

    Returns
    -------
    ndarray (k,) or (n, k)

    Examples
    --------
    >>> boltzmann_probabilities([0.0, 0.0, 1.0], T=0.0)   # two ground states share
    array([0.5, 0.5, 0. ])
    """
    *_, p, _, _, scalar = _core(energies, T, beta, degeneracy)
    return p[0] if scalar else p


def log_partition(energies, T=None, *, beta=None, degeneracy=None):
    """``ln Z = ln sum_i g_i exp(-beta E_i)`` by log-sum-exp (``inf`` where Z overflows)."""
    return thermodynamics(energies, T, beta=beta, degeneracy=degeneracy).log_Z


def thermodynamics(energies, T=None, *, beta=None, degeneracy=None,
                   log_degeneracy=None) -> Thermo:
    """U, S, F, C and J of the Gibbs distribution at temperature ``T`` (or ``beta``).

    See the module docstring for the formulas. ``log_degeneracy`` (``ln g``, instead of
    ``degeneracy``) takes degeneracies beyond a float's range, such as a lattice's
    density of states (``g`` up to ``2^N``). ``F`` is computed as
    ``E_ref - T ln sum g exp(-beta (E - E_ref))`` so that it equals the ground
    energy at ``T = 0`` (no ``0 * inf``), and ``C = 0`` at ``T = 0`` and ``T = inf``.

    Examples
    --------
    >>> th = thermodynamics([0.0, 1.0], T=[0.5, 1.0, 2.0])
    >>> th.C.round(4)
    array([0.42  , 0.1966, 0.0588])
    """
    E, log_g, t, b, p, lse, ref, scalar = _core(energies, T, beta, degeneracy, log_degeneracy)
    d = E[None, :] - ref[:, None]                    # exactly 0 on the dominant levels
    mean_d = (p * d).sum(axis=1)
    U = ref + mean_d
    dev = d - mean_d[:, None]
    bfin = np.where(np.isfinite(b), b, 0.0)[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bdev = bfin * dev                 # beta (E - U): finite even where (E - U)^2 is not
        logp = np.log(np.where(p > 0, p, 1.0))
        S = np.where(p > 0, p * (log_g[None, :] - logp), 0.0).sum(axis=1)
        C = np.where(p > 0, p * bdev * bdev, 0.0).sum(axis=1)   # beta^2 Var(E)
        TS = np.where(np.isinf(t), np.inf, t * lse)             # T ln sum g exp(-b dE)
        F = np.where(b >= 0, ref - TS, np.nan)
        F = np.where(b < 0, ref - t * lse, F)                   # (negative T: same formula)
        log_Z = lse + np.where(ref == 0, 0.0, -b * ref)
    J = -F
    out = Thermo(t, b, log_Z, p, U, S, F, C, J)
    if scalar:
        out = Thermo(*(np.asarray(v)[0] if k != "probabilities" else v[0]
                       for k, v in zip(Thermo.__dataclass_fields__, vars(out).values())))
    return out


def heat_capacity(energies, T=None, *, beta=None, degeneracy=None):
    """Heat capacity ``C = beta^2 Var(E)`` (units of k_B)."""
    return thermodynamics(energies, T, beta=beta, degeneracy=degeneracy).C


def solve_beta(energies, mean_energy, degeneracy=None, *, xtol: float = 1e-12) -> float:
    """Maximum-entropy distribution with a given mean energy: return its ``beta``.

    Maximizing ``S = -sum p ln(p/g)`` subject to ``sum p = 1`` and ``sum p E = U``
    gives ``p ∝ g exp(-beta E)`` with ``beta`` the Lagrange multiplier of the
    energy constraint (Jaynes, 1957, "Information Theory and Statistical
    Mechanics"). ``U`` below the degeneracy-weighted midpoint ``sum g E / sum g``
    gives ``beta > 0``, above it ``beta < 0``; the ends give ``+inf`` and ``-inf``.

    Parameters
    ----------
    energies : array_like (k,)
    mean_energy : float
        Target ``U``, which must lie in ``[min E, max E]``.
    degeneracy : array_like (k,), optional

    Returns
    -------
    float
        ``beta`` (inverse energy units).

    Raises
    ------
    ValueError
        If ``mean_energy`` lies outside ``[min E, max E]`` or all levels are equal.

    Examples
    --------
    >>> import numpy as np
    >>> b = solve_beta([0.0, 1.0], 1 / (np.e + 1))
    >>> round(b, 9)
    1.0
    """
    E, log_g = _levels(energies, degeneracy)
    U = check_real(mean_energy, "mean_energy")
    lo, hi = E.min(), E.max()
    if lo == hi:
        raise UserError("energies must not all be equal: every mean energy has all betas")
    if not lo <= U <= hi:
        raise UserError(f"mean_energy must lie in [min E, max E] = [{lo}, {hi}], got {U}")
    if U == lo:
        return float("inf")
    if U == hi:
        return float("-inf")
    scale = hi - lo

    def f(x):  # mean energy at beta = x / scale, minus the target (decreasing in x)
        return float(thermodynamics(E, beta=x / scale,
                                    degeneracy=np.exp(log_g)).U) - U

    f0 = f(0.0)
    if f0 == 0.0:
        return 0.0
    step = 1.0 if f0 > 0 else -1.0
    a, fa = 0.0, f0
    b = step
    while True:
        fb = f(b)
        if fb == 0.0:
            return float(b / scale)
        if np.sign(fb) != np.sign(fa):
            break
        a, fa = b, fb
        b *= 2.0
        if abs(b) > 1e6:    # U within ~exp(-1e6) of an end: numerically the end
            return float(np.sign(step) * np.inf)
    x = brentq(f, min(a, b), max(a, b), xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=500)
    return float(x / scale)
