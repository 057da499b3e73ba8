"""Numba kernel: Metropolis walkers on a k-level system (see levels.sample_levels)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._rng import next_below, next_double


def acceptance_table(energies, log_g, beta):
    """``A[i, j] = min(1, (g_j / g_i) exp(-beta (E_j - E_i)))``: the Metropolis rule
    (:mod:`thermo_rl._metropolis`) for a move between levels, with the degeneracy
    ratio as the entropy term of the move. Finite for ``beta`` in ``[0, inf]``."""
    dE = energies[None, :] - energies[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        la = np.where(dE == 0, 0.0, -beta * dE) + (log_g[None, :] - log_g[:, None])
        return np.minimum(1.0, np.exp(la))


@njit(cache=True)
def metropolis_levels(accept, states, n_steps, rng):
    """Advance each walker ``n_steps`` Metropolis steps in place; return the accepted count.

    A step proposes one of the other k-1 levels uniformly (a symmetric proposal)
    and accepts it with probability ``accept[s, j]`` (see :func:`acceptance_table`).
    Walker ``w`` draws from stream ``w`` of ``rng``.
    """
    k = accept.shape[0]
    accepted = 0
    # steps outside, walkers inside: consecutive iterations are independent walkers, so
    # the CPU overlaps them (2x faster than one walker at a time; each walker still
    # draws its own stream in the same order, so the result is identical)
    for _ in range(n_steps):
        for w in range(states.shape[0]):
            s = states[w]
            j = next_below(rng, w, k - 1)
            j += j >= s
            ok = next_double(rng, w) < accept[s, j]
            accepted += ok
            states[w] = j if ok else s
    return accepted
