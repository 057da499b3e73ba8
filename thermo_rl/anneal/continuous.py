"""Continuous test functions with Gaussian single-coordinate moves.

A move picks coordinate ``k`` (in order over a sweep) and proposes
``x_k' = x_k + sigma * N(0, 1)`` with a scale drawn log-uniformly between
``1e-5`` and ``1e-1`` of the box width: a scale mixture, symmetric, so detailed balance
holds, and it needs no tuning (large steps explore while hot, small ones refine while
cold). Moves leaving the box are rejected (``dE = inf``).

Energy changes are exact in O(1): the functions are separable (sphere, Rastrigin),
local (Rosenbrock: two neighbouring terms) or depend on running sums kept in ``aux``
(Ackley: ``sum x^2`` and ``sum cos 2 pi x``, rebuilt at the end of every chunk).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._rng import next_double, next_normal
from .._validation import check_choice, check_int
from ..errors import UserError, UserTypeError
from . import _engine
from .problems import Problem

__all__ = ["FUNCTIONS", "Continuous"]

#: name -> (code, default half-width of the box around 0, location of the minimum)
FUNCTIONS = {
    "sphere": (0, 5.12, 0.0),
    "rastrigin": (1, 5.12, 0.0),
    "ackley": (2, 32.768, 0.0),
    "rosenbrock": (3, 2.048, 1.0),
}
_TWO_PI = 2.0 * math.pi


@njit(cache=True, inline="always")
def _ackley(s1, s2, d):
    return -20.0 * np.exp(-0.2 * np.sqrt(max(s1, 0.0) / d)) - np.exp(s2 / d) + 20.0 + np.e


@njit(cache=True)
def cont_energy(data, S, r):
    code = data[0]
    d = S.shape[1]
    if code == 0:
        e = 0.0
        for i in range(d):
            e += S[r, i] ** 2
        return e
    if code == 1:
        e = 10.0 * d
        for i in range(d):
            x = S[r, i]
            e += x * x - 10.0 * np.cos(_TWO_PI * x)
        return e
    if code == 2:
        s1 = 0.0
        s2 = 0.0
        for i in range(d):
            s1 += S[r, i] ** 2
            s2 += np.cos(_TWO_PI * S[r, i])
        return _ackley(s1, s2, d)
    e = 0.0
    for i in range(d - 1):
        e += 100.0 * (S[r, i + 1] - S[r, i] ** 2) ** 2 + (1.0 - S[r, i]) ** 2
    return e


@njit(cache=True)
def cont_init_aux(data, S, aux, r):
    s1 = 0.0
    s2 = 0.0
    for i in range(S.shape[1]):
        s1 += S[r, i] ** 2
        s2 += np.cos(_TWO_PI * S[r, i])
    aux[r, 0] = s1
    aux[r, 1] = s2


@njit(cache=True)
def _rosen_local(S, r, i, xi, d):
    e = 0.0
    if i > 0:
        e += 100.0 * (xi - S[r, i - 1] ** 2) ** 2 + (1.0 - S[r, i - 1]) ** 2
    if i < d - 1:
        e += 100.0 * (S[r, i + 1] - xi * xi) ** 2 + (1.0 - xi) ** 2
    return e


@njit(cache=True)
def cont_propose(data, S, aux, r, rng, k):
    code, lo, hi = data[0], data[1], data[2]
    d = S.shape[1]
    x = S[r, k]
    width = hi[k] - lo[k]
    sigma = width * 10.0 ** (-1.0 - 4.0 * next_double(rng, r))
    y = x + sigma * next_normal(rng, r)
    if y < lo[k] or y > hi[k]:
        return np.inf, k, 0, 0, 0, y
    if code == 0:
        dE = y * y - x * x
    elif code == 1:
        dE = (y * y - 10.0 * np.cos(_TWO_PI * y)) - (x * x - 10.0 * np.cos(_TWO_PI * x))
    elif code == 2:
        s1 = aux[r, 0]
        s2 = aux[r, 1]
        dE = (_ackley(s1 + y * y - x * x, s2 + np.cos(_TWO_PI * y) - np.cos(_TWO_PI * x), d)
              - _ackley(s1, s2, d))
    else:
        dE = _rosen_local(S, r, k, y, d) - _rosen_local(S, r, k, x, d)
    return dE, k, 0, 0, 0, y


@njit(cache=True)
def cont_apply(data, S, aux, r, m0, m1, m2, m3, f):
    x = S[r, m0]
    aux[r, 0] += f * f - x * x
    aux[r, 1] += np.cos(_TWO_PI * f) - np.cos(_TWO_PI * x)
    S[r, m0] = f


ENGINE = _engine.specialize("cont", cont_energy, cont_init_aux, cont_propose, cont_apply)


class Continuous(Problem):
    """Minimize a classic test function over a box (global minimum 0 for all of them).

    Parameters
    ----------
    function : {"sphere", "rastrigin", "ackley", "rosenbrock"}
    dim : int
        Number of coordinates (>= 2).
    bounds : (low, high), optional
        Box (default the usual one: +-5.12, +-32.768, +-2.048).
    """

    def __init__(self, function: str = "rastrigin", dim: int = 10, *, bounds=None):
        check_choice(function, "function", FUNCTIONS)
        dim = check_int(dim, "dim", low=2)
        code, half, xmin = FUNCTIONS[function]
        if bounds is None:
            lo, hi = -half, half
        else:
            try:
                lo, hi = (float(b) for b in bounds)
            except (TypeError, ValueError):
                raise UserTypeError("bounds must be a pair of numbers (low, high)") from None
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise UserError(f"bounds must be finite with low < high, got {bounds}")
        self.function = function
        self.lo = np.full(dim, lo)
        self.hi = np.full(dim, hi)
        self.x_min = np.full(dim, xmin)
        self.data = (np.int64(code), self.lo, self.hi)
        self.engine = ENGINE
        self.size = dim
        self.moves_per_sweep = dim
        self.aux_width = 2
        self.state_dtype = np.float64
        self.optimum = 0.0
        self.name = f"{function}{dim}"
        self.default_sweeps = 20_000

    def random_states(self, runs, rng):
        return rng.uniform(self.lo, self.hi, size=(runs, self.size))

    def energy(self, state) -> float:
        x = np.asarray(state, dtype=np.float64)
        if x.shape != (self.size,) or not np.all(np.isfinite(x)):
            raise UserError(f"state must be {self.size} finite coordinates")
        return float(evaluate(self.function, x))

    def summary(self, best_energy, best_state):
        out = {"f_min": float(best_energy),
               "distance_to_minimum": float(np.linalg.norm(best_state - self.x_min))}
        out.update(super().summary(best_energy, best_state))
        out.pop("gap", None)
        return out


def evaluate(function: str, x) -> np.ndarray:
    """NumPy reference of the test functions; ``x`` of shape (..., d)."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[-1]
    if function == "sphere":
        return (x ** 2).sum(-1)
    if function == "rastrigin":
        return 10.0 * d + (x ** 2 - 10.0 * np.cos(2 * np.pi * x)).sum(-1)
    if function == "ackley":
        return (-20.0 * np.exp(-0.2 * np.sqrt((x ** 2).sum(-1) / d))
                - np.exp(np.cos(2 * np.pi * x).sum(-1) / d) + 20.0 + np.e)
    if function == "rosenbrock":
        return (100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2).sum(-1)
    raise UserError(f"unknown function {function!r}; expected one of: {', '.join(FUNCTIONS)}")
