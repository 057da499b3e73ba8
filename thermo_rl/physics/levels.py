"""N distinguishable atoms over k energy levels: counting, Stirling, and Boltzmann.

The story of the essay behind this package, in numbers. Put N atoms in k levels
with occupations ``n = (n_1 .. n_k)``. The number of microstates is the
multinomial ``W = N! / prod n_i!`` (times ``prod g_i^n_i`` when level ``i`` has
``g_i`` states); ``ln W ≈ N H(n/N)`` (Stirling), so entropy is the log-count of
states per atom. Fix the total energy ``sum n_i E_i``: the
occupation with the most microstates approaches the Boltzmann distribution
``p_i ∝ exp(-beta E_i)`` as N grows, with beta the Lagrange multiplier of the
energy constraint (:func:`thermo_rl.gibbs.solve_beta`). A Metropolis walker on
the levels samples the same distribution.

Examples
--------
>>> from thermo_rl.physics.levels import ln_multiplicity
>>> import math
>>> round(math.exp(ln_multiplicity([2, 1, 1])))   # 4! / (2! 1! 1!)
12
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln
from scipy.stats import chi2 as _chi2

from .._progress import progress_bar
from .._rng import stream_states
from .._validation import as_float_array, check_int, check_memory, check_temperature
from ..errors import UserError, UserTypeError
from ..gibbs import boltzmann_probabilities, solve_beta
from ..results import jsonable
from ._levels_kernel import acceptance_table, metropolis_levels

__all__ = [
    "LevelSample",
    "MostProbable",
    "ln_multiplicity",
    "most_probable_occupation",
    "multiplicity",
    "sample_levels",
    "stirling_ln_multiplicity",
    "stirling_relative_error",
]


def _occupations(n) -> np.ndarray:
    a = np.asarray(n)
    if a.ndim != 1 or a.size < 1:
        raise UserError(f"occupations must be a 1-D sequence of counts, got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        if not (np.issubdtype(a.dtype, np.floating) and np.all(np.isfinite(a))
                and np.all(a == np.round(a))):
            raise UserTypeError("occupations must be non-negative integers")
        a = a.astype(np.int64)
    if np.any(a < 0):
        raise UserError("occupations must be non-negative integers")
    return a.astype(np.int64)


def _degeneracy(degeneracy, n, integer: bool):
    """Checked degeneracies ``g_i >= 1`` of the levels, one per occupation (None: all 1)."""
    if degeneracy is None:
        return None
    if integer:
        g = np.asarray(degeneracy)
        if g.shape != n.shape or not np.all(np.isfinite(g)) or np.any(g < 1) \
                or np.any(g != np.round(g)):
            raise UserError(f"degeneracy must be {n.size} integers >= 1 (states per level), "
                            f"got {degeneracy!r}")
        return [int(x) for x in g]
    g = as_float_array(degeneracy, "degeneracy", ndim=1, positive=True)
    if g.shape != n.shape:
        raise UserError(f"degeneracy must have shape {n.shape}, got {g.shape}")
    return g


def multiplicity(occupations, *, degeneracy=None) -> int:
    """Exact number of microstates ``W = N! prod g_i^n_i / prod n_i!`` (a Python int).

    ``N`` distinguishable atoms, ``n_i`` of them in level ``i`` with ``g_i`` states
    (default ``g_i = 1``: ``W = N! / prod n_i!``). For indistinguishable particles in
    the dilute limit divide by ``N!`` (see the theory page on atoms).

    Examples
    --------
    >>> multiplicity([1, 1], degeneracy=[1, 2])     # atom a or b in the doublet: 2 * 2
    4
    """
    n = _occupations(occupations)
    g = _degeneracy(degeneracy, n, integer=True)
    w = math.factorial(int(n.sum()))
    for i, x in enumerate(n):
        w //= math.factorial(int(x))
        if g is not None:
            w *= g[i] ** int(x)
    return w


def ln_multiplicity(occupations, *, degeneracy=None) -> float:
    """``ln W = ln N! - sum ln n_i! + sum n_i ln g_i`` via ``gammaln`` (exact to rounding)."""
    n = _occupations(occupations).astype(np.float64)
    g = _degeneracy(degeneracy, n, integer=False)
    out = float(gammaln(n.sum() + 1.0) - gammaln(n + 1.0).sum())
    return out if g is None else out + float((n * np.log(g)).sum())


def stirling_ln_multiplicity(occupations, *, degeneracy=None) -> float:
    """Stirling's approximation ``ln W ≈ N ln N - sum n_i ln(n_i / g_i) = -N sum f ln(f/g)``.

    With ``g_i = 1`` this is ``N H(n/N)`` (nats).
    """
    n = _occupations(occupations).astype(np.float64)
    g = _degeneracy(degeneracy, n, integer=False)
    N = n.sum()
    if N == 0:
        return 0.0
    nz = n > 0
    log_g = 0.0 if g is None else float((n[nz] * np.log(g[nz])).sum())
    return float(N * math.log(N) - (n[nz] * np.log(n[nz])).sum()) + log_g


def stirling_relative_error(occupations, *, degeneracy=None) -> float:
    """``|Stirling - exact| / exact`` for ``ln W`` (0 where ``W = 1``).

    The error is ``O(k ln N / N)`` relative: it vanishes as N grows at fixed fractions.
    """
    exact = ln_multiplicity(occupations, degeneracy=degeneracy)
    if exact == 0.0:
        return 0.0
    return abs(stirling_ln_multiplicity(occupations, degeneracy=degeneracy) - exact) / exact


@dataclass(frozen=True)
class MostProbable:
    """The occupation of N atoms with the most microstates at fixed total energy.

    Attributes
    ----------
    occupation : ndarray of int (k,)
    fractions : ndarray (k,)
        ``occupation / N``.
    ln_W : float
        ``ln`` of its number of microstates.
    beta : float
        Boltzmann's beta for the same mean energy per atom (``solve_beta``).
    boltzmann : ndarray (k,)
        The Boltzmann distribution at that beta.
    max_deviation : float
        ``max |fractions - boltzmann|``; it shrinks like 1/N.
    n_candidates : int
        How many occupations with the right N and energy were compared.
    """

    occupation: np.ndarray
    fractions: np.ndarray
    ln_W: float
    beta: float
    boltzmann: np.ndarray
    max_deviation: float
    n_candidates: int

    def as_dict(self) -> dict:
        """JSON-ready: every attribute (arrays as lists)."""
        return jsonable({"occupation": self.occupation, "fractions": self.fractions,
                         "ln_W": self.ln_W, "beta": self.beta, "boltzmann": self.boltzmann,
                         "max_deviation": self.max_deviation,
                         "n_candidates": self.n_candidates})


def most_probable_occupation(level_energies, n_atoms: int, total_energy: int,
                             max_candidates: int = 20_000_000) -> MostProbable:
    """Exact most probable occupation of ``n_atoms`` over integer-energy levels.

    Enumerates every occupation ``(n_1..n_k)`` with ``sum n_i = N`` and
    ``sum n_i E_i = total_energy`` and keeps the one with the largest
    ``ln W``. The search runs over the first k-2 counts (the last two follow
    from the constraints), vectorized over the second-to-last one.

    Parameters
    ----------
    level_energies : array_like of int (k,)
        Distinct non-negative integer energies (units of an energy quantum), k >= 2.
    n_atoms : int
        N >= 1.
    total_energy : int
        Total energy in quanta, between ``N min E`` and ``N max E``.
    max_candidates : int
        Refuse problems whose search space is larger (it grows like N^(k-2)).

    Examples
    --------
    >>> r = most_probable_occupation([0, 1, 2], n_atoms=300, total_energy=200)
    >>> r.max_deviation < 0.01
    True
    """
    E = as_float_array(level_energies, "level_energies", ndim=1, min_size=2)
    if np.any(E != np.round(E)) or np.any(E < 0):
        raise UserError("level_energies must be non-negative integers (energy quanta)")
    if len(np.unique(E)) != E.size:
        raise UserError("level_energies must be distinct")
    E = np.sort(E.astype(np.int64))
    N = check_int(n_atoms, "n_atoms", low=1)
    tot = check_int(total_energy, "total_energy", low=int(N * E[0]), high=int(N * E[-1]))
    k = E.size
    free = k - 2
    if (N + 1) ** max(free, 0) > max_candidates:
        raise UserError(f"search space (N+1)^(k-2) = {(N + 1) ** free:.3g} exceeds "
                         f"max_candidates = {max_candidates}; use fewer atoms or levels")
    best_ln, best_occ, count = -np.inf, None, 0
    eA, eB = E[-2], E[-1]
    lg = gammaln(np.arange(N + 2, dtype=np.float64))     # ln n! table
    # recursion over the first k-2 counts; the last two solve n_a + n_b = R, eA n_a + eB n_b = Q
    def rec(level, prefix, used_n, used_e):
        nonlocal best_ln, best_occ, count
        if level == k - 2:
            R, Q = N - used_n, tot - used_e
            num = Q - eA * R                     # n_b (eB - eA) = Q - eA R
            if num < 0 or num % (eB - eA):
                return
            nb = num // (eB - eA)
            na = R - nb
            if na < 0:
                return
            count += 1
            occ = prefix + [na, nb]
            ln = lg[N] - sum(lg[x] for x in occ)
            if ln > best_ln:
                best_ln, best_occ = ln, occ
            return
        for x in range(N - used_n + 1):
            e = used_e + E[level] * x
            if e > tot:
                break
            rec(level + 1, prefix + [x], used_n + x, e)

    rec(0, [], 0, 0)
    if best_occ is None:
        raise UserError(f"no occupation of {N} atoms has total energy {tot} "
                         f"with levels {E.tolist()}")
    occ = np.array(best_occ, dtype=np.int64)
    frac = occ / N
    beta = solve_beta(E.astype(np.float64), tot / N)
    p = boltzmann_probabilities(E.astype(np.float64), beta=beta)
    return MostProbable(occ, frac, float(best_ln), float(beta), p,
                        float(np.max(np.abs(frac - p))), count)


@dataclass(frozen=True)
class LevelSample:
    """Histogram of Metropolis samples of a k-level system against Boltzmann.

    Attributes
    ----------
    counts : ndarray of int (k,)
        Final level of each independent walker.
    expected : ndarray (k,)
        Exact Boltzmann probabilities (degeneracies included).
    acceptance_rate : float
    chi2, p_value : float
        Pearson's chi-square of ``counts`` against ``n_samples * expected`` over the
        levels with non-zero expected count, and its p-value (k-1 degrees of freedom).
    """

    counts: np.ndarray
    expected: np.ndarray
    acceptance_rate: float
    chi2: float
    p_value: float
    T: float = float("nan")
    runs: int = 0             # independent walkers (= samples)
    steps: int = 0            # Metropolis steps per walker
    seed: object = None
    seconds: float = 0.0

    @property
    def frequencies(self) -> np.ndarray:
        return self.counts / self.counts.sum()

    def as_dict(self) -> dict:
        """JSON-ready: ``T, runs, steps, seed, seconds, counts, frequencies, expected,
        acceptance_rate, chi2, p_value``."""
        return jsonable({"T": self.T, "runs": self.runs, "steps": self.steps,
                         "seed": self.seed, "seconds": self.seconds, "counts": self.counts,
                         "frequencies": self.frequencies, "expected": self.expected,
                         "acceptance_rate": self.acceptance_rate, "chi2": self.chi2,
                         "p_value": self.p_value})


def sample_levels(energies, T: float, n_samples: int = 10_000, *, degeneracy=None,
                  burn_in: int = 64, seed=0, progress: bool = True) -> LevelSample:
    """Sample a k-level system with Metropolis walkers (Numba) and test it against Boltzmann.

    ``n_samples`` independent walkers start uniformly at random and each takes
    ``burn_in`` Metropolis steps (uniform proposals among the other levels); their
    final levels are the samples, so the samples are independent and Pearson's
    chi-square test applies exactly (up to the burn-in bias, which decays
    geometrically with ``burn_in``).

    Parameters
    ----------
    energies : array_like (k,), k >= 2
    T : float
        Temperature >= 0 (energy units); ``0`` samples the ground levels.
    n_samples : int
    degeneracy : array_like (k,), optional
    burn_in : int
        Steps per walker (default 64: for a few levels within a few T the chain
        mixes in a handful of steps).
    seed : int (default 0), None or Generator

    Examples
    --------
    >>> s = sample_levels([0.0, 1.0, 2.0], T=1.0, n_samples=20000, seed=1, progress=False)
    >>> s.p_value > 1e-3
    True
    """
    E = as_float_array(energies, "energies", ndim=1, min_size=2)
    Tv = check_temperature(T, "T", allow_zero=True, allow_inf=True)
    n = check_int(n_samples, "n_samples", low=1)
    check_memory(48.0 * n, f"{n} walkers")
    steps = check_int(burn_in, "burn_in", low=1)
    g = np.ones_like(E) if degeneracy is None else as_float_array(
        degeneracy, "degeneracy", ndim=1, positive=True)
    if g.shape != E.shape:
        raise UserError(f"degeneracy must have shape {E.shape}, got {g.shape}")
    beta = np.inf if Tv == 0 else (0.0 if math.isinf(Tv) else 1.0 / Tv)
    rng = stream_states(seed, n)
    init_rng = np.random.default_rng(int(rng[0, 0] >> np.uint64(1)))
    states = init_rng.integers(0, E.size, size=n).astype(np.int64)
    accept = acceptance_table(E, np.log(g), beta)
    accepted = 0
    chunk = max(1, steps // 8)
    t0 = time.perf_counter()
    with progress_bar(total=steps, desc="metropolis", progress=progress) as bar:
        done = 0
        while done < steps:
            m = min(chunk, steps - done)
            accepted += metropolis_levels(accept, states, m, rng)
            done += m
            bar.update(m)
    counts = np.bincount(states, minlength=E.size).astype(np.int64)
    expected = boltzmann_probabilities(E, T=Tv, degeneracy=g)
    mask = expected > 0
    exp_counts = n * expected[mask]
    stat = float(((counts[mask] - exp_counts) ** 2 / exp_counts).sum())
    dof = max(int(mask.sum()) - 1, 1)
    if np.any(counts[~mask] > 0):
        stat, pval = float("inf"), 0.0
    else:
        pval = float(_chi2.sf(stat, dof))
    return LevelSample(counts, expected, accepted / (n * steps), stat, pval, Tv, n, steps, seed,
                       time.perf_counter() - t0)
