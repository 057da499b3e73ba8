"""Numba kernels for the 2D q-state Potts model, ``E = -J sum_<ij> delta(s_i, s_j)``.

States are ``int8`` in ``0..q-1`` on a periodic ``(L0, L1)`` array with even sides;
checkerboard sweeps run rows in parallel, row ``i`` on xoshiro stream ``i``.

* Metropolis: propose a different state uniformly, accept with
  :func:`thermo_rl._metropolis.metropolis_accept` (``dE = -J (n_new - n_old)``,
  ``n_k`` = neighbours in state ``k``);
* heat-bath: draw the new state from ``p_k ~ exp(beta J n_k)`` (weights tabulated for
  ``n = 0..4``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._metropolis import metropolis_accept
from .._rng import next_below, next_double
from .._specialize import specialize


@njit(cache=True, parallel=True)
def _colour(spins, q, beta, J, weights, states, colour, heatbath):
    L0, L1 = spins.shape
    for i in prange(L0):
        up = i - 1 if i > 0 else L0 - 1
        dn = i + 1 if i < L0 - 1 else 0
        n = np.zeros(q, dtype=np.int64)
        w = np.empty(q)
        for j in range((i + colour) & 1, L1, 2):
            lf = j - 1 if j > 0 else L1 - 1
            rt = j + 1 if j < L1 - 1 else 0
            n[:] = 0
            n[spins[up, j]] += 1
            n[spins[dn, j]] += 1
            n[spins[i, lf]] += 1
            n[spins[i, rt]] += 1
            old = spins[i, j]
            if heatbath:
                tot = 0.0
                for k in range(q):
                    w[k] = weights[n[k]]
                    tot += w[k]
                u = next_double(states, i) * tot
                new = q - 1
                acc = 0.0
                for k in range(q):
                    acc += w[k]
                    if u < acc:
                        new = k
                        break
                spins[i, j] = new
            else:
                new = (old + 1 + next_below(states, i, q - 1)) % q
                dE = -J * (n[new] - n[old])
                if metropolis_accept(dE, beta, next_double(states, i)):
                    spins[i, j] = new


_colour_serial = specialize(_colour.py_func, "serial", {})

#: lattices with fewer sites than this run the serial twin
PARALLEL_MIN_SITES = 128 * 128


@njit(cache=True)
def _chain_parallel(spins, q, beta, J, weights, states, heatbath, bonds_out, max_out):
    for t in range(bonds_out.size):
        _colour(spins, q, beta, J, weights, states, 0, heatbath)
        _colour(spins, q, beta, J, weights, states, 1, heatbath)
        bonds_out[t], max_out[t] = observables(spins, q)




def chain(spins, q, beta, J, weights, states, heatbath, bonds_out, max_out):
    """``len(bonds_out)`` checkerboard sweeps, measuring after each (serial on small lattices)."""
    f = _chain_parallel if spins.size >= PARALLEL_MIN_SITES else _chain_serial
    f(spins, q, beta, J, weights, states, heatbath, bonds_out, max_out)


@njit(cache=True)
def observables(spins, q):
    """Number of satisfied bonds ``sum delta(s_i, s_j)`` and the largest state count."""
    L0, L1 = spins.shape
    counts = np.zeros(q, dtype=np.int64)
    b = 0
    for i in range(L0):
        dn = i + 1 if i < L0 - 1 else 0
        for j in range(L1):
            r = j + 1 if j < L1 - 1 else 0
            s = spins[i, j]
            counts[s] += 1
            b += (spins[dn, j] == s) + (spins[i, r] == s)
    return b, counts.max()


# the same loop over the serial twin (bound here: specialize() copies the globals as they are)
_chain_serial = specialize(_chain_parallel.py_func, "serial", {"_colour": _colour_serial})
