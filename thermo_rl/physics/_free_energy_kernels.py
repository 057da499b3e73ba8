"""Numba kernels for the free-energy estimators of :mod:`thermo_rl.physics.free_energy`.

* :func:`ais_ising`, :func:`ais_potts` -- annealed importance sampling: each chain
  (``prange`` over chains, each chain serial on its own xoshiro streams) adds
  ``-(beta_k - beta_{k-1}) E`` to its log-weight, then makes one checkerboard sweep at
  ``beta_k`` with the lattice samplers' own colour kernels (Metropolis or heat-bath:
  :func:`thermo_rl.physics._ising_kernels._colour_serial`,
  :func:`thermo_rl.physics._potts_kernels._colour_serial`).
* :func:`wang_landau` -- the Wang-Landau random walk in energy with the 1/t refinement
  of Belardinelli & Pereyra, on q-state spins (the Ising model is q = 2: its bond sum is
  ``2 n - 2N`` with ``n`` the number of satisfied bonds). Resumable: each call advances
  every walker by at most ``chunk`` moves and keeps its whole state in the arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._rng import rng_below, rng_double, rng_load, rng_store
from . import _cluster_kernels as _ck
from . import _ising_kernels as _ik
from . import _potts_kernels as _pk


@njit(cache=True, parallel=True)
def ais_ising(spins, thr, betas, J, h, states, log_w):
    """Anneal every chain ``spins[c]`` along ``betas`` (flip tables ``thr[k]``); fill ``log_w``."""
    for c in prange(spins.shape[0]):
        s = spins[c]
        st = states[c]
        lw = 0.0
        for k in range(1, betas.size):
            b, m = _ik.observables_serial(s)
            lw += (betas[k] - betas[k - 1]) * (J * b + h * m)        # -(dbeta) E
            _ik._colour_serial(s, thr[k], st, 0)
            _ik._colour_serial(s, thr[k], st, 1)
        log_w[c] = lw


@njit(cache=True, parallel=True)
def ais_potts(spins, q, betas, J, heatbath, states, log_w):
    """The same for the q-state Potts model (``E = -J n_satisfied``)."""
    for c in prange(spins.shape[0]):
        s = spins[c]
        st = states[c]
        w = np.empty(5)
        lw = 0.0
        for k in range(1, betas.size):
            b, _ = _pk.observables(s, q)
            lw += (betas[k] - betas[k - 1]) * J * b
            for n in range(5):
                w[n] = np.exp(betas[k] * J * (n - 4))
            _pk._colour_serial(s, q, betas[k], J, w, st, 0, heatbath)
            _pk._colour_serial(s, q, betas[k], J, w, st, 1, heatbath)
        log_w[c] = lw


@njit(cache=True)
def satisfied_bonds(spins):
    """Number of nearest-neighbour bonds whose two spins are equal (periodic)."""
    L0, L1 = spins.shape
    n = 0
    for i in range(L0):
        dn = i + 1 if i < L0 - 1 else 0
        for j in range(L1):
            r = j + 1 if j < L1 - 1 else 0
            n += (spins[dn, j] == spins[i, j]) + (spins[i, r] == spins[i, j])
    return n


@njit(cache=True)
def _walk(spins, q, ln_g, hist, seen, ist, ln_f, states, r, chunk, ln_f_final, check):
    """One walker: at most ``chunk`` moves. ``ist[r] = [moves, phase, levels_seen, n]``.

    phase 0: ``ln f`` halves whenever every level seen so far has been visited since the
    last halving (Wang & Landau's flat histogram with the weakest flatness, as
    Belardinelli & Pereyra do); once a halving brings ``ln f`` below ``levels / moves``
    (i.e. ``1/t``; tested only then: on a large lattice ``1/t`` starts above 1) phase 1
    sets ``ln f = levels / moves`` (checked every ``check`` moves) until it is at most
    ``ln_f_final``: phase 2, done.
    """
    L0, L1 = spins.shape
    N = L0 * L1
    j, phase, n_seen, n = ist[r, 0], ist[r, 1], ist[r, 2], ist[r, 3]
    lf = ln_f[r]
    g = ln_g[r]
    H = hist[r]
    S = seen[r]
    rng = rng_load(states, r)
    stop = j + chunk
    while j < stop and phase < 2:
        for _ in range(check):
            site, rng = rng_below(rng, N)
            a = site // L1
            b = site - a * L1
            old = spins[a, b]
            if q == 2:
                new = 1 - old
            else:
                k, rng = rng_below(rng, q - 1)
                new = (old + 1 + k) % q
            up = spins[a - 1 if a > 0 else L0 - 1, b]
            dn = spins[a + 1 if a < L0 - 1 else 0, b]
            lt = spins[a, b - 1 if b > 0 else L1 - 1]
            rt = spins[a, b + 1 if b < L1 - 1 else 0]
            d = ((up == new) + (dn == new) + (lt == new) + (rt == new)
                 - (up == old) - (dn == old) - (lt == old) - (rt == old))
            m = n + d
            if not S[m]:                       # a level never seen: start it at the lowest
                S[m] = True
                n_seen += 1
                lo = np.inf
                for e in range(g.size):
                    if S[e] and e != m and g[e] < lo:
                        lo = g[e]
                g[m] = lo
            x = g[n] - g[m]
            if x >= 0.0:
                n = m
                spins[a, b] = new
            else:
                u, rng = rng_double(rng)
                if u < np.exp(x):
                    n = m
                    spins[a, b] = new
            g[n] += lf
            H[n] += 1
        j += check
        if phase == 0:
            flat = True
            for e in range(H.size):
                if S[e] and H[e] == 0:
                    flat = False
                    break
            if flat:                           # the 1/t test only after a halving: at the
                lf *= 0.5                      # start 1/t = levels/moves exceeds ln f = 1
                H[:] = 0
                if lf < n_seen / j:
                    phase = 1
        if phase == 1:
            lf = n_seen / j
            if lf <= ln_f_final:
                phase = 2
    rng_store(states, r, rng)
    ist[r, 0], ist[r, 1], ist[r, 2], ist[r, 3] = j, phase, n_seen, n
    ln_f[r] = lf


@njit(cache=True, parallel=True)
def wang_landau(spins, q, ln_g, hist, seen, ist, ln_f, states, chunk, ln_f_final, check):
    """Advance every walker ``spins[r]`` by at most ``chunk`` moves (walkers in parallel)."""
    for r in prange(spins.shape[0]):
        _walk(spins[r], q, ln_g, hist, seen, ist, ln_f, states, r, chunk, ln_f_final, check)


@njit(cache=True, parallel=True)
def ais_sw(spins, q, betas, J, states, log_w):
    """AIS with one Swendsen-Wang sweep per step (``q = 0``: Ising +-1; else Potts 0..q-1)."""
    for c in prange(spins.shape[0]):
        s = spins[c]
        st = states[c]
        labels = np.empty(s.size, np.int64)
        stack = np.empty(s.size, np.int64)
        lw = 0.0
        for k in range(1, betas.size):
            if q == 0:
                b, _ = _ik.observables_serial(s)
                lw += (betas[k] - betas[k - 1]) * J * b
                p_add = -np.expm1(-2.0 * betas[k] * J)
            else:
                lw += (betas[k] - betas[k - 1]) * J * satisfied_bonds(s)
                p_add = -np.expm1(-betas[k] * J)
            _ck.sw_sweep(s, p_add, q, st, labels, stack)
        log_w[c] = lw
