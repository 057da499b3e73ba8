"""The 2D q-state Potts model, ``E = -J sum_<ij> delta(s_i, s_j)``, ``s_i in 0..q-1``.

Critical temperature ``Tc = J / ln(1 + sqrt q)`` (continuous for q <= 4, first order
above). Order parameter per sample: ``m = (q max_k n_k / N - 1) / (q - 1)`` (0 when
disordered, 1 when ordered). Algorithms: ``metropolis``, ``heatbath``
(checkerboard, Numba, rows in parallel), ``wolff`` and ``sw`` (cluster updates).
Same design as :mod:`thermo_rl.physics.ising`: :class:`PottsModel` and
:class:`PottsSampler` are immutable, the state is passed in and out, and
:func:`simulate` returns a :class:`~thermo_rl.physics.ising.SimulationResult`
(with ``abs_m`` the order parameter). Burn-in default ``max(100, sweeps // 10)``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from .._progress import progress_bar
from .._rng import stream_states
from .._validation import (
    check_choice,
    check_int,
    check_lattice_side,
    check_real,
    check_temperature,
    checks_input,
    work_starts,
)
from ..errors import UserTypeError
from . import _cluster_kernels as _ck
from . import _potts_kernels as _pk
from ._results import MAX_SWEEPS, SimulationResult, default_burn_in, plan_run, summarize

#: burn-in sweeps per call of PottsSampler.run (which records every sweep it makes)
BURN_IN_PIECE = 10_000
from .exact import potts_tc

__all__ = ["ALGORITHMS", "PottsModel", "PottsSampler", "PottsState", "simulate"]

ALGORITHMS = ("metropolis", "heatbath", "wolff", "sw")


@dataclass(frozen=True)
class PottsModel:
    """Periodic ``L x L`` q-state Potts lattice with ferromagnetic coupling ``J``."""

    L: int
    q: int = 3
    J: float = 1.0

    def __post_init__(self):
        L = check_lattice_side(self.L)
        q = check_int(self.q, "q", low=2, high=127)
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "J", check_real(self.J, "J", low=0.0, low_open=True))

    @property
    def N(self) -> int:
        return self.L * self.L

    @property
    def Tc(self) -> float:
        return potts_tc(self.q, self.J)


@dataclass(frozen=True)
class PottsState:
    spins: np.ndarray      # (L, L) int8 in 0..q-1
    rng: np.ndarray        # (L, 4) xoshiro streams


@dataclass(frozen=True)
class PottsSampler:
    model: PottsModel
    T: float
    algorithm: str = "metropolis"
    clusters_per_sweep: int = 1

    def __post_init__(self):
        if not isinstance(self.model, PottsModel):
            raise UserTypeError(f"model must be a PottsModel, got {type(self.model).__name__}")
        object.__setattr__(self, "T", check_temperature(self.T))
        check_choice(self.algorithm, "algorithm", ALGORITHMS)
        check_int(self.clusters_per_sweep, "clusters_per_sweep", low=1)

    @property
    def beta(self) -> float:
        return 1.0 / self.T

    @property
    def p_add(self) -> float:
        return -math.expm1(-self.beta * self.model.J)

    def init(self, seed=0, start: str | None = None) -> PottsState:
        L = self.model.L
        if start is None:
            start = "ordered" if self.T < self.model.Tc else "random"
        check_choice(start, "start", ("ordered", "random"))
        rng = stream_states(seed, L)
        if start == "ordered":
            spins = np.zeros((L, L), dtype=np.int8)
        else:
            spins = np.random.default_rng(rng[0]).integers(0, self.model.q, (L, L)).astype(np.int8)
        return PottsState(spins, rng)

    def run(self, state: PottsState, n_sweeps: int):
        """Advance ``n_sweeps``; return ``(state, satisfied_bonds, max_count)`` per sweep."""
        n = check_int(n_sweeps, "n_sweeps", low=0)
        spins, rng = state.spins.copy(), state.rng.copy()
        q, J, beta = self.model.q, self.model.J, self.beta
        weights = np.exp(beta * J * np.arange(5.0) - beta * J * 4.0)
        stack = np.empty(self.model.N, np.int64)
        labels = np.empty(self.model.N, np.int64)
        b = np.empty(n, np.int64)
        mx = np.empty(n, np.int64)
        if self.algorithm in ("metropolis", "heatbath"):
            _pk.chain(spins, q, beta, J, weights, rng, self.algorithm == "heatbath", b, mx)
            return PottsState(spins, rng), b, mx
        for t in range(n):
            if self.algorithm == "wolff":
                _ck.wolff_sweep(spins, self.p_add, q, rng, stack, self.clusters_per_sweep)
            else:
                _ck.sw_sweep(spins, self.p_add, q, rng, labels, stack)
            b[t], mx[t] = _pk.observables(spins, q)
        return PottsState(spins, rng), b, mx


@checks_input
def simulate(L: int = 16, T: float = 1.0, *, q: int = 3, J: float = 1.0,
             algorithm: str = "metropolis", sweeps: int = 10_000, burn_in: int | None = None,
             seed=0, start: str | None = None, progress: bool = True) -> SimulationResult:
    """Simulate the q-state Potts model; see :func:`thermo_rl.physics.ising.simulate`."""
    model = PottsModel(L, q, J)
    sweeps = check_int(sweeps, "sweeps", low=32, high=MAX_SWEEPS)
    burn_in = default_burn_in(sweeps) if burn_in is None else check_int(burn_in, "burn_in", low=0,
                                                                         high=MAX_SWEEPS)
    sampler = PottsSampler(model, T, algorithm)
    plan_run("potts", model.L, sweeps, burn_in, algorithm, progress=progress)
    work_starts()
    state = sampler.init(seed, start)
    if algorithm == "wolff":
        state = _ck.wolff_burn_in(state, sampler.p_add, q, burn_in)
        sampler = replace(sampler, clusters_per_sweep=_ck.wolff_clusters_per_sweep(
            state, sampler.p_add, q))
    else:                                 # in pieces: run() records every sweep
        left = burn_in
        while left > 0:
            state, _, _ = sampler.run(state, min(left, BURN_IN_PIECE))
            left -= BURN_IN_PIECE
    chunks = np.diff(np.linspace(0, sweeps, min(sweeps, 20) + 1).astype(int))
    bs, ms = [], []
    t0 = time.perf_counter()
    for n in progress_bar(chunks, desc=f"potts q={q} T={T:.3f}", progress=progress):
        state, b, mx = sampler.run(state, int(n))
        bs.append(b)
        ms.append(mx)
    seconds = time.perf_counter() - t0
    N = model.N
    e = -J * np.concatenate(bs) / N
    m = (q * np.concatenate(ms) / N - 1.0) / (q - 1.0)
    return SimulationResult("potts", L, sampler.T, algorithm, sweeps, burn_in,
                            summarize(e, m, N, sampler.beta), e, m, state.spins, seconds,
                            sweeps * N / (seconds * 1e9), {"q": q, "Tc": model.Tc},
                            seed=seed)
