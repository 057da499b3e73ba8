"""Ising-type problems: spin glasses (Sherrington-Kirkpatrick, Edwards-Anderson), QUBO and
MAX-CUT, all through one set of single-spin-flip kernels.

Energy (sign convention of the package: low energy is good)::

    E(s) = - sum_{i<j} J_ij s_i s_j - sum_i h_i s_i ,   s_i = +-1

Couplings are stored row-wise (CSR: ``indptr``, ``indices``, ``weights``, both
directions), fields in ``h``. ``aux[r, i]`` holds the local field
``l_i = sum_j J_ij s_j + h_i``; flipping spin ``i`` changes the energy by exactly
``dE = 2 s_i l_i`` and costs one pass over its neighbours (a CSR list for sparse
lattices, a contiguous, vectorized row for dense couplings such as SK). A sweep visits the spins in
order (as dwave-samplers' simulated annealing does).

QUBO ``min x^T Q x`` over ``x in {0,1}^n`` maps to this form with ``x = (1 + s)/2``;
MAX-CUT of weights ``W`` is the Ising model ``J = -W/2`` (energy = minus the cut,
up to the constant ``offset``). Reported energies include the offset, so they are in
the problem's own units.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._rng import make_rng
from .._validation import as_float_array, check_choice, check_int, check_memory
from ..errors import UserError
from . import _engine
from .problems import Problem

__all__ = ["EA", "PARISI_GROUND_STATE", "QUBO", "SK", "Ising", "MaxCut"]

#: Ground-state energy per spin of the SK model as n -> infinity (Parisi).
PARISI_GROUND_STATE = -0.7633


@njit(cache=True)
def ising_energy(data, S, r):
    indptr, indices, w, h = data[0], data[1], data[2], data[3]
    n = S.shape[1]
    e = 0.0
    for i in range(n):
        si = S[r, i]
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            acc += w[p] * S[r, indices[p]]
        e -= 0.5 * si * acc + h[i] * si
    return e


@njit(cache=True)
def ising_init_aux(data, S, aux, r):
    indptr, indices, w, h = data[0], data[1], data[2], data[3]
    for i in range(S.shape[1]):
        acc = h[i]
        for p in range(indptr[i], indptr[i + 1]):
            acc += w[p] * S[r, indices[p]]
        aux[r, i] = acc


@njit(cache=True)
def ising_propose(data, S, aux, r, rng, k):
    return 2.0 * S[r, k] * aux[r, k], k, 0, 0, 0, 0.0


@njit(cache=True)
def ising_apply(data, S, aux, r, m0, m1, m2, m3, f):
    indptr, indices, w = data[0], data[1], data[2]
    s = -S[r, m0]
    S[r, m0] = s
    two_s = 2.0 * s
    for p in range(indptr[m0], indptr[m0 + 1]):
        aux[r, indices[p]] += two_s * w[p]


@njit(cache=True)
def dense_energy(data, S, r):
    J, h = data[4], data[3]
    n = S.shape[1]
    e = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += J[i, j] * S[r, j]
        e -= 0.5 * S[r, i] * acc + h[i] * S[r, i]
    return e


@njit(cache=True)
def dense_init_aux(data, S, aux, r):
    J, h = data[4], data[3]
    n = S.shape[1]
    for i in range(n):
        acc = h[i]
        for j in range(n):
            acc += J[i, j] * S[r, j]
        aux[r, i] = acc


@njit(cache=True)
def dense_apply(data, S, aux, r, m0, m1, m2, m3, f):
    J = data[4]
    s = -S[r, m0]
    S[r, m0] = s
    two_s = 2.0 * s
    n = S.shape[1]
    for j in range(n):                     # contiguous row: vectorized by LLVM
        aux[r, j] += two_s * J[m0, j]


ENGINE = _engine.specialize("ising", ising_energy, ising_init_aux, ising_propose, ising_apply)
#: Dense couplings (SK, QUBO, MAX-CUT of dense graphs): a flip updates a contiguous row.
ENGINE_DENSE = _engine.specialize("isingd", dense_energy, dense_init_aux, ising_propose,
                                  dense_apply)


class Ising(Problem):
    """An Ising model ``E = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i`` (+ ``offset``).

    Parameters
    ----------
    J : array (n, n)
        Symmetric couplings (the diagonal must be zero).
    h : array (n,), optional
        Fields (default zero).
    """

    energy_label = "energy"

    def __init__(self, J, h=None, *, offset: float = 0.0, name: str = "ising"):
        J = as_float_array(J, "J", ndim=2)
        n = J.shape[0]
        if J.shape != (n, n):
            raise UserError(f"J must be square, got shape {J.shape}")
        if n < 2:
            raise UserError(f"an Ising problem needs at least 2 spins, got {n}")
        if not np.allclose(J, J.T):
            raise UserError("J must be symmetric")
        if np.any(np.diag(J) != 0):
            raise UserError("J must have a zero diagonal (self-couplings are constants)")
        h = np.zeros(n) if h is None else as_float_array(h, "h", ndim=1)
        if h.shape != (n,):
            raise UserError(f"h must have shape ({n},), got {h.shape}")
        self._set(J, h, offset, name)

    def _set(self, J, h, offset, name):
        n = J.shape[0]
        self.J = J
        self.h = h
        rows, cols = np.nonzero(J)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        self.data = (indptr, cols.astype(np.int64), J[rows, cols].astype(np.float64),
                     h.astype(np.float64), np.ascontiguousarray(J, dtype=np.float64))
        # sparse rows (EA lattices) walk the CSR lists; dense ones stream the whole row
        self.engine = ENGINE_DENSE if rows.size > 0.25 * n * n else ENGINE
        self.size = n
        self.moves_per_sweep = n
        self.aux_width = n
        self.state_dtype = np.float64
        self.offset = float(offset)
        self.name = name
        self.default_sweeps = 1000

    def random_states(self, runs, rng):
        return rng.choice(np.array([-1.0, 1.0]), size=(runs, self.size))

    def check_state(self, state) -> np.ndarray:
        s = np.asarray(state, dtype=np.float64)
        if s.shape != (self.size,) or not np.all(np.abs(s) == 1):
            raise UserError(f"state must be {self.size} spins of +-1")
        return s

    def energy(self, state) -> float:
        """Energy including ``offset`` would be ``energy(s) + offset``; this is the Ising part."""
        s = self.check_state(state)
        return float(-0.5 * s @ self.J @ s - self.h @ s)

    def summary(self, best_energy, best_state):
        out = {"energy_per_spin": float(best_energy) / self.size}
        out.update(super().summary(best_energy, best_state))
        return out


class SK(Ising):
    """Sherrington-Kirkpatrick spin glass: all pairs, ``J_ij ~ N(0, 1/n)``.

    The ground-state energy per spin tends to Parisi's ``-0.7633`` as n grows
    (finite-size corrections about ``+0.7 n^(-2/3)``).
    """

    def __init__(self, n: int = 64, *, seed=0):
        n = check_int(n, "n", low=2)
        check_memory(64.0 * n * n, f"SK with n = {n} (dense couplings)")
        rng = make_rng(seed)
        G = rng.standard_normal((n, n)) / np.sqrt(n)
        J = np.triu(G, 1)
        J = J + J.T
        self._set(J, np.zeros(n), 0.0, f"sk{n}")


class EA(Ising):
    """Edwards-Anderson spin glass on an ``L^dim`` periodic lattice.

    Nearest-neighbour couplings ``J = +-1`` (``couplings="pm1"``) or ``N(0, 1)``
    (``"gaussian"``).
    """

    def __init__(self, L: int = 8, dim: int = 2, *, couplings: str = "pm1", seed=0):
        L = check_int(L, "L", low=3)
        dim = check_int(dim, "dim", low=1, high=3)
        check_choice(couplings, "couplings", ("pm1", "gaussian"))
        rng = make_rng(seed)
        n = L ** dim
        check_memory(64.0 * n * n, f"EA with L = {L}, dim = {dim} (n x n couplings)")
        idx = np.arange(n).reshape((L,) * dim)
        J = np.zeros((n, n))
        for ax in range(dim):
            nb = np.roll(idx, -1, axis=ax).ravel()
            w = (rng.choice([-1.0, 1.0], size=n) if couplings == "pm1"
                 else rng.standard_normal(n))
            J[idx.ravel(), nb] += w
            J[nb, idx.ravel()] += w
        self.L, self.dim = L, dim
        self._set(J, np.zeros(n), 0.0, f"ea{dim}d_L{L}")


class QUBO(Ising):
    """Quadratic unconstrained binary optimization: minimize ``x^T Q x``, ``x in {0,1}^n``.

    Solved as an Ising model; states are reported as spins (``x = (1 + s)/2``,
    see :meth:`to_binary`) and energies as ``x^T Q x``.
    """

    def __init__(self, Q, *, name: str = "qubo"):
        Q = as_float_array(Q, "Q", ndim=2)
        n = Q.shape[0]
        if Q.shape != (n, n) or n < 2:
            raise UserError(f"Q must be square with at least 2 rows, got shape {Q.shape}")
        self.Q = Q
        Qs = 0.5 * (Q + Q.T)
        d = np.diag(Q).copy()
        off = Qs - np.diag(np.diag(Qs))
        J = -0.5 * off
        h = -(0.5 * d + 0.5 * off.sum(1))
        offset = 0.5 * d.sum() + 0.25 * off.sum()
        self._set(J, h, offset, name)

    @staticmethod
    def to_binary(state) -> np.ndarray:
        return ((np.asarray(state) + 1) // 2).astype(np.int64)

    def value(self, x) -> float:
        """``x^T Q x`` for a 0/1 vector (NumPy reference)."""
        x = np.asarray(x, dtype=np.float64)
        return float(x @ self.Q @ x)


class MaxCut(Ising):
    """MAX-CUT of a weighted graph ``W`` (symmetric, zero diagonal): energy = -cut."""

    def __init__(self, W, *, name: str = "maxcut"):
        W = as_float_array(W, "W", ndim=2)
        n = W.shape[0]
        if W.shape != (n, n) or n < 2:
            raise UserError(f"W must be square with at least 2 rows, got shape {W.shape}")
        if not np.allclose(W, W.T) or np.any(np.diag(W) != 0):
            raise UserError("W must be symmetric with a zero diagonal")
        self.W = W
        self._set(-0.5 * W, np.zeros(n), -0.25 * W.sum(), name)

    def cut(self, state) -> float:
        s = self.check_state(state)
        return float(0.25 * np.sum(self.W * (1 - np.outer(s, s))))

    def summary(self, best_energy, best_state):
        out = super().summary(best_energy, best_state)
        out["cut"] = -float(best_energy)
        return out
