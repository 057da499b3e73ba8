"""Replica exchange (parallel tempering) for the 2D Ising model.

``R`` copies run at temperatures ``T_0 < T_1 < ... < T_{R-1}``; after every
``swap_every`` sweeps, neighbouring pairs ``(k, k+1)`` (even pairs, then odd pairs
on alternate rounds) exchange configurations with the Metropolis probability

    min(1, exp((beta_k - beta_{k+1}) (E_k - E_{k+1})))

decided by :func:`thermo_rl._metropolis.metropolis_accept` (``dE = -(...)``,
``beta = 1``). The joint distribution prod_k exp(-beta_k E_k) / Z_k is preserved,
and hot replicas carry cold ones over barriers. The swap acceptance rate of each
pair is reported; a useful ladder keeps all of them well above zero (0.2 - 0.6).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._metropolis import metropolis_accept
from .._progress import progress_bar
from .._rng import make_rng, seed_int
from .._validation import as_float_array, check_choice, check_int
from ..errors import UserError
from ..results import jsonable
from ._results import MAX_SWEEPS, SimulationResult, default_burn_in, summarize
from .ising import IsingModel, IsingSampler

__all__ = ["TemperingResult", "parallel_tempering"]


@dataclass
class TemperingResult:
    """Per-temperature measurements and the swap acceptance rate of each neighbouring pair."""

    T: np.ndarray
    results: list            # SimulationResult per temperature
    swap_rates: np.ndarray   # (R - 1,) acceptance of swaps between T[k] and T[k+1]
    seconds: float
    sweeps: int = 0          # measured rounds
    seed: object = None

    def as_dict(self) -> dict:
        """JSON-ready: ``T`` (ladder), ``swap_rates``, ``sweeps``, ``seed``, ``seconds`` and
        each temperature's :meth:`SimulationResult.as_dict` under ``results``."""
        return jsonable({"T": self.T, "swap_rates": self.swap_rates, "sweeps": self.sweeps,
                         "seed": self.seed, "seconds": self.seconds,
                         "results": [r.as_dict() for r in self.results]})


def parallel_tempering(L: int, T=None, *, J: float = 1.0, h: float = 0.0,
                       algorithm: str = "metropolis", sweeps: int = 5000,
                       burn_in: int | None = None, swap_every: int = 1, seed=0,
                       progress: bool = True, Ts=None) -> TemperingResult:
    """Replica exchange over the temperature ladder ``T`` (sorted ascending internally).

    Parameters
    ----------
    L, J, h : lattice side, coupling, field (see :class:`~thermo_rl.physics.ising.IsingModel`)
    T : array_like
        At least two distinct positive temperatures (the ladder).
    Ts : array_like, deprecated
        The old name of ``T`` (kept for one release).
    algorithm : {"metropolis", "heatbath", "wolff", "sw"}
        Update between swaps.
    sweeps : int
        Measured rounds; each round is ``swap_every`` sweeps of every replica then one
        swap attempt per (even or odd) pair; one sample per temperature per round.
    burn_in : int, optional
        Rounds discarded first; default ``max(100, sweeps // 10)``.
    """
    if Ts is not None:
        if T is not None:
            raise UserError("give the temperature ladder as T (Ts is its deprecated name), "
                            "not both")
        warnings.warn("parallel_tempering(Ts=...) is deprecated; use T=...",
                      PendingDeprecationWarning, stacklevel=2)
        T = Ts
    if T is None:
        raise UserError("parallel_tempering needs the temperature ladder T (2 or more values)")
    Ts = np.sort(as_float_array(T, "T", ndim=1, min_size=2, positive=True))
    if np.any(np.diff(Ts) == 0):
        raise UserError("T must be distinct temperatures")
    sweeps = check_int(sweeps, "sweeps", low=32, high=MAX_SWEEPS)
    swap_every = check_int(swap_every, "swap_every", low=1)
    burn_in = default_burn_in(sweeps) if burn_in is None else check_int(burn_in, "burn_in", low=0,
                                                                         high=MAX_SWEEPS)
    check_choice(algorithm, "algorithm", ("metropolis", "heatbath", "wolff", "sw"))
    model = IsingModel(L, J, h)
    R = Ts.size
    samplers = [IsingSampler(model, float(t), algorithm) for t in Ts]
    rng = make_rng(seed)
    states = [s.init(seed_int(rng)) for s in samplers]
    betas = 1.0 / Ts
    energy = np.zeros(R)
    acc = np.zeros(R - 1)
    tries = np.zeros(R - 1)
    E = np.empty((sweeps, R))
    M = np.empty((sweeps, R))
    N = model.N
    t0 = time.perf_counter()
    for it in progress_bar(range(burn_in + sweeps), desc="tempering", progress=progress):
        for k in range(R):
            states[k], b, m = samplers[k].run(states[k], swap_every)
            energy[k] = -J * b[-1] - h * m[-1]
            if it >= burn_in:
                E[it - burn_in, k] = energy[k] / N
                M[it - burn_in, k] = m[-1] / N
        for k in range(it % 2, R - 1, 2):
            delta = (betas[k] - betas[k + 1]) * (energy[k] - energy[k + 1])
            ok = metropolis_accept(-delta, 1.0, rng.random())
            if it >= burn_in:
                tries[k] += 1
                acc[k] += ok
            if ok:   # exchange configurations (each sampler keeps its own streams)
                sk, sk1 = states[k], states[k + 1]
                states[k] = type(sk)(sk1.spins, sk.rng)
                states[k + 1] = type(sk1)(sk.spins, sk1.rng)
                energy[k], energy[k + 1] = energy[k + 1], energy[k]
    seconds = time.perf_counter() - t0
    results = [SimulationResult("ising", L, float(Ts[k]), f"{algorithm}+tempering", sweeps,
                                burn_in, summarize(E[:, k], M[:, k], N, betas[k]), E[:, k],
                                M[:, k], states[k].spins, seconds / R,
                                sweeps * swap_every * N / (seconds * 1e9), seed=seed)
               for k in range(R)]
    return TemperingResult(Ts, results, acc / np.maximum(tries, 1), seconds, sweeps, seed)
