"""Numba kernel: Metropolis walkers on a k-level system (see levels.sample_levels)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._metropolis import metropolis_accept
from .._rng import next_below, next_double


@njit(cache=True)
def metropolis_levels(energies, log_g, beta, states, n_steps, rng, counts):
    """Advance each walker ``n_steps`` Metropolis steps; histogram every visited state.

    A step proposes one of the other k-1 levels uniformly (a symmetric proposal);
    degeneracies enter as the entropy term ``dE - T ln(g_j/g_i)`` of the move, i.e.
    the move is judged by its change of free energy. ``counts`` (length k) is
    incremented with the walker's level after every step (pass ``n_steps = 0`` to
    only histogram the current states).
    """
    k = energies.shape[0]
    accepted = 0
    for w in range(states.shape[0]):
        s = states[w]
        for _ in range(n_steps):
            j = next_below(rng, w, k - 1)
            if j >= s:
                j += 1
            dF = energies[j] - energies[s]
            if beta != 0.0 and np.isfinite(beta):
                dF -= (log_g[j] - log_g[s]) / beta
                if metropolis_accept(dF, beta, next_double(rng, w)):
                    s = j
                    accepted += 1
            elif beta == 0.0:
                # infinite temperature: accept with probability g_j / g_i
                if next_double(rng, w) < np.exp(log_g[j] - log_g[s]):
                    s = j
                    accepted += 1
            else:
                # zero temperature: only moves that do not raise the energy
                if dF < 0.0 or (dF == 0.0 and next_double(rng, w) < np.exp(log_g[j] - log_g[s])):
                    s = j
                    accepted += 1
            counts[s] += 1
        states[w] = s
    return accepted
