"""The Metropolis acceptance rule, shared by the lattice samplers and the annealer.

A move that changes the energy by ``dE`` is accepted with probability
``min(1, exp(-beta * dE))`` (Metropolis et al., 1953). ``beta = inf`` (T = 0)
accepts only moves that do not raise the energy; ``beta = 0`` accepts all.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["metropolis_accept"]


@njit(cache=True, inline="always")
def metropolis_accept(dE, beta, u):
    """True when a move of energy change ``dE`` is accepted given uniform ``u`` in [0, 1)."""
    if dE <= 0.0:
        return True
    return u < np.exp(-beta * dE)
