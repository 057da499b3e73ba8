"""The travelling salesman: 2-opt and or-opt moves with exact energy changes.

State: a tour, the permutation ``S[r]`` of the cities; ``aux[r]`` holds each city's
position in it. Energy: the tour length (TSPLIB distances are integers, so every delta
is exact).

Moves (candidates from the ``k`` nearest neighbours of a random city, plus a fraction
``p_random`` of uniformly random partners so that every tour stays reachable):

* **2-opt** (probability ``1 - p_or_opt``): remove edges ``(t[i], t[i+1])`` and
  ``(t[j], t[j+1])`` and reconnect ``(t[i], t[j])``, ``(t[i+1], t[j+1])``, reversing the
  shorter of the two paths between them (cost ``O(min(m, n - m))``).
* **or-opt** (probability ``p_or_opt``): cut a segment of 1 to 3 cities and insert it,
  kept or reversed, next to a near neighbour of one of its ends; the cities between
  shift by the segment length, on the shorter side of the tour.

The neighbour restriction makes the proposal slightly asymmetric (detailed balance is
not exact); for optimization this does not matter and it is what makes the moves
good (Johnson & McGeoch, *The TSP: a case study in local optimization*, 1997).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._rng import next_below, next_double
from .._validation import as_float_array, check_int, check_real
from ..errors import UserError
from . import _engine
from .problems import Problem
from .tsplib import MIN_CITIES, TSPInstance, check_tour

__all__ = ["TSP", "neighbour_lists"]

_INF = np.inf


@njit(cache=True)
def tsp_energy(data, S, r):
    D = data[0]
    n = S.shape[1]
    e = 0.0
    for i in range(n - 1):
        e += D[S[r, i], S[r, i + 1]]
    return e + D[S[r, n - 1], S[r, 0]]


@njit(cache=True)
def tsp_init_aux(data, S, aux, r):
    for i in range(S.shape[1]):
        aux[r, S[r, i]] = i


@njit(cache=True, inline="always")
def _partner(data, S, r, rng, a):
    neigh = data[1]
    n = S.shape[1]
    if next_double(rng, r) < data[2]:
        return next_below(rng, r, n)
    return neigh[a, next_below(rng, r, neigh.shape[1])]


@njit(cache=True)
def tsp_propose(data, S, aux, r, rng, k):
    D = data[0]
    n = S.shape[1]
    if next_double(rng, r) >= data[3]:
        # 2-opt: make city a adjacent to partner c
        a = next_below(rng, r, n)
        c = _partner(data, S, r, rng, a)
        if next_below(rng, r, 2) == 0:
            i = aux[r, a]
            j = aux[r, c]
        else:
            i = (aux[r, a] - 1) % n
            j = (aux[r, c] - 1) % n
        if i == j or (i + 1) % n == j or (j + 1) % n == i:
            return _INF, 0, 0, 0, 0, 0.0
        x1 = S[r, i]
        x2 = S[r, (i + 1) % n]
        y1 = S[r, j]
        y2 = S[r, (j + 1) % n]
        dE = D[x1, y1] + D[x2, y2] - D[x1, x2] - D[y1, y2]
        return dE, 0, i, j, 0, 0.0
    # or-opt: move segment S[i .. i+L-1] next to a neighbour c of one of its ends
    L = 1 + next_below(rng, r, 3)
    if L > n - 4:
        L = 1
    i = next_below(rng, r, n)
    s1 = S[r, i]
    s2 = S[r, (i + L - 1) % n]
    p = S[r, (i - 1) % n]
    nx = S[r, (i + L) % n]
    use_first = next_below(rng, r, 2) == 0
    e = s1 if use_first else s2
    c = _partner(data, S, r, rng, e)
    if next_below(rng, r, 2) == 0:
        cpos = aux[r, c]                 # insert between c and its successor, e next to c
        rev = 0 if use_first else 1
    else:
        cpos = (aux[r, c] - 1) % n       # insert between c's predecessor and c
        rev = 1 if use_first else 0
    if (cpos - i) % n < L:
        return _INF, 0, 0, 0, 0, 0.0
    m1 = (cpos - (i + L)) % n + 1
    if m1 >= n - L:                      # the insertion edge is (p, s1)
        return _INF, 0, 0, 0, 0, 0.0
    c1 = S[r, cpos]
    d1 = S[r, (cpos + 1) % n]
    if rev == 0:
        fa = s1
        fb = s2
    else:
        fa = s2
        fb = s1
    dE = (D[p, nx] + D[c1, fa] + D[fb, d1]) - (D[p, s1] + D[s2, nx] + D[c1, d1])
    return dE, 1, i, L, 2 * cpos + rev, 0.0


@njit(cache=True, inline="always")
def _put(S, aux, r, pos, city):
    S[r, pos] = city
    aux[r, city] = pos


@njit(cache=True)
def tsp_apply(data, S, aux, r, m0, m1, m2, m3, f):
    n = S.shape[1]
    if m0 == 0:
        i = m1
        j = m2
        m = (j - i) % n                  # reverse positions i+1 .. j (m cities) ...
        start = i + 1
        if 2 * m > n:                    # ... or the complement j+1 .. i, if shorter
            start = j + 1
            m = n - m
        for q in range(m // 2):
            pa = (start + q) % n
            pb = (start + m - 1 - q) % n
            ca = S[r, pa]
            cb = S[r, pb]
            _put(S, aux, r, pa, cb)
            _put(S, aux, r, pb, ca)
        return
    i = m1
    L = m2
    cpos = m3 // 2
    rev = m3 % 2
    m1_ = (cpos - (i + L)) % n + 1       # cities between the segment and the insertion edge
    m2_ = n - L - m1_                    # cities on the other side
    g0 = S[r, i % n]
    g1 = S[r, (i + 1) % n]
    g2 = S[r, (i + 2) % n]
    if m1_ <= m2_:
        for q in range(m1_):
            _put(S, aux, r, (i + q) % n, S[r, (i + L + q) % n])
        base = i + m1_
    else:
        for q in range(m2_ - 1, -1, -1):
            src = (i + L + m1_ + q) % n
            _put(S, aux, r, (src + L) % n, S[r, src])
        base = i + L + m1_
    for q in range(L):
        qq = L - 1 - q if rev == 1 else q
        city = g0 if qq == 0 else (g1 if qq == 1 else g2)
        _put(S, aux, r, (base + q) % n, city)


ENGINE = _engine.specialize("tsp", tsp_energy, tsp_init_aux, tsp_propose, tsp_apply)


def neighbour_lists(D: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` indices of each city's ``k`` nearest other cities (ties by index)."""
    n = D.shape[0]
    k = min(k, n - 1)
    d = D.astype(np.float64, copy=True)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k].astype(np.int64)


class TSP(Problem):
    """A symmetric TSP from a :class:`~thermo_rl.anneal.tsplib.TSPInstance`, coordinates or
    a distance matrix.

    Parameters
    ----------
    instance : TSPInstance, array (n, 2) of coordinates, or array (n, n) of distances
        Coordinates are used with plain (unrounded) Euclidean distances.
    neighbours : int
        Candidate list length ``k`` (default 10).
    p_or_opt : float
        Probability that a move is an or-opt move (default 0.3).
    p_random : float
        Probability that a move's partner city is uniform rather than a neighbour.
    """

    energy_label = "tour length"

    def __init__(self, instance, *, neighbours: int = 10, p_or_opt: float = 0.3,
                 p_random: float = 0.05, name: str | None = None):
        self.instance = instance if isinstance(instance, TSPInstance) else None
        if self.instance is not None:
            D = np.asarray(instance.distances, dtype=np.float64)
            self.coords = instance.coords
            self.optimum = instance.optimum
            self.name = instance.name
        else:
            a = as_float_array(instance, "instance", ndim=2)
            if a.shape[0] == a.shape[1] and a.shape[0] > 3:
                D = a
                if not np.allclose(D, D.T) or np.any(D < 0):
                    raise UserError("instance: a distance matrix must be symmetric and >= 0")
                self.coords = None
            elif a.shape[1] == 2:
                self.coords = a
                D = np.sqrt(((a[:, None, :] - a[None, :, :]) ** 2).sum(-1))
            else:
                raise UserError("instance must be a TSPInstance, coordinates of shape (n, 2) "
                                 f"or a square distance matrix, got shape {a.shape}")
            self.optimum = None
            self.name = name or f"tsp{D.shape[0]}"
        if name:
            self.name = name
        n = D.shape[0]
        if n < MIN_CITIES:
            raise UserError(f"a TSP needs at least {MIN_CITIES} cities, got {n}")
        if not np.all(np.isfinite(D)):
            raise UserError("distances must be finite")
        k = check_int(neighbours, "neighbours", low=1)
        self.p_or_opt = check_real(p_or_opt, "p_or_opt", low=0.0, high=1.0)
        self.p_random = check_real(p_random, "p_random", low=0.0, high=1.0)
        self.D = np.ascontiguousarray(D)
        self.neigh = neighbour_lists(self.D, k)
        self.size = n
        self.moves_per_sweep = n
        self.aux_width = n
        self.state_dtype = np.int64
        self.data = (self.D, self.neigh, float(self.p_random), float(self.p_or_opt))
        self.engine = ENGINE
        # 10^4 sweeps (10^4 n moves) per run: eil51 within 1 % in about 0.2 s
        self.default_sweeps = 10_000

    def random_states(self, runs, rng):
        return np.stack([rng.permutation(self.size) for _ in range(runs)]).astype(np.int64)

    def energy(self, state) -> float:
        t = check_tour(state, self.size)
        return float(self.D[t, np.roll(t, -1)].sum())

    def summary(self, best_energy, best_state):
        out = {"best_length": float(best_energy)}
        out.update(super().summary(best_energy, best_state))
        return out
