"""Numba cluster algorithms (Wolff 1989; Swendsen & Wang 1987) for Ising and Potts.

One kernel serves both models through ``q``: ``q = 0`` means Ising spins ``+1/-1``
(a cluster is flipped, ``s -> -s``); ``q >= 2`` means Potts states ``0..q-1``.
Bonds between equal neighbours are activated with probability ``p_add``:
``1 - exp(-2 beta J)`` for Ising, ``1 - exp(-beta J)`` for Potts (``E = -J sum delta``).
Serial code on stream 0 of ``states`` (clusters do not parallelize simply).

The Python drivers below fix the number of Wolff clusters per "sweep"
(:func:`wolff_clusters_per_sweep`) and burn a state in (:func:`wolff_burn_in`).

Antiferromagnets (Ising ``J < 0``): on an even periodic lattice the gauge
transformation ``g_i = (-1)^(x_i + y_i) s_i`` (:func:`staggered_signs`) maps the
model with coupling ``J`` exactly onto the ferromagnet with ``|J|`` (every bond joins
the two sublattices, so ``s_i s_j = -g_i g_j``): the samplers grow clusters on ``g``
with ``p_add = 1 - exp(-2 beta |J|)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._rng import next_below, next_double


@njit(cache=True, inline="always")
def _new_state(old, q, states):
    if q == 0:
        return -old
    return np.int8((old + 1 + next_below(states, 0, q - 1)) % q)


@njit(cache=True)
def wolff_sweep(spins, p_add, q, states, stack, n_clusters):
    """Grow and flip ``n_clusters`` Wolff clusters; return the number of spins flipped.

    The count is fixed in advance: stopping once ``N`` spins flipped would make the
    measurement time depend on the cluster sizes and bias the samples.
    """
    L0, L1 = spins.shape
    N = L0 * L1
    flipped = 0
    for _ in range(n_clusters):
        site = next_below(states, 0, N)
        i0, j0 = site // L1, site % L1
        old = spins[i0, j0]
        new = _new_state(old, q, states)
        spins[i0, j0] = new
        top = 0
        stack[top] = site
        top += 1
        flipped += 1
        while top > 0:
            top -= 1
            c = stack[top]
            i, j = c // L1, c % L1
            for k in range(4):
                if k == 0:
                    a, b = (i - 1) % L0, j
                elif k == 1:
                    a, b = (i + 1) % L0, j
                elif k == 2:
                    a, b = i, (j - 1) % L1
                else:
                    a, b = i, (j + 1) % L1
                if spins[a, b] == old and next_double(states, 0) < p_add:
                    spins[a, b] = new
                    stack[top] = a * L1 + b
                    top += 1
                    flipped += 1
    return flipped


@njit(cache=True)
def sw_sweep(spins, p_add, q, states, labels, stack):
    """One Swendsen-Wang update: FK bonds, clusters by depth-first search, new state per cluster."""
    L0, L1 = spins.shape
    N = L0 * L1
    # bond[0, i, j]: (i,j)-(i+1,j); bond[1, i, j]: (i,j)-(i,j+1)
    bond = np.zeros((2, L0, L1), dtype=np.bool_)
    for i in range(L0):
        for j in range(L1):
            s = spins[i, j]
            if spins[(i + 1) % L0, j] == s and next_double(states, 0) < p_add:
                bond[0, i, j] = True
            if spins[i, (j + 1) % L1] == s and next_double(states, 0) < p_add:
                bond[1, i, j] = True
    labels[:] = -1
    flipped = 0
    for site in range(N):
        if labels[site] >= 0:
            continue
        i0, j0 = site // L1, site % L1
        old = spins[i0, j0]
        if q == 0:
            new = -old if next_double(states, 0) < 0.5 else old
        else:
            new = np.int8(next_below(states, 0, q))
        labels[site] = site
        top = 0
        stack[top] = site
        top += 1
        while top > 0:
            top -= 1
            c = stack[top]
            i, j = c // L1, c % L1
            if new != old:
                spins[i, j] = new
                flipped += 1
            up, dn, lf, rt = (i - 1) % L0, (i + 1) % L0, (j - 1) % L1, (j + 1) % L1
            if bond[0, i, j] and labels[dn * L1 + j] < 0:
                labels[dn * L1 + j] = site
                stack[top] = dn * L1 + j
                top += 1
            if bond[0, up, j] and labels[up * L1 + j] < 0:
                labels[up * L1 + j] = site
                stack[top] = up * L1 + j
                top += 1
            if bond[1, i, j] and labels[i * L1 + rt] < 0:
                labels[i * L1 + rt] = site
                stack[top] = i * L1 + rt
                top += 1
            if bond[1, i, lf] and labels[i * L1 + lf] < 0:
                labels[i * L1 + lf] = site
                stack[top] = i * L1 + lf
                top += 1
    return flipped


def staggered_signs(L0: int, L1: int) -> np.ndarray:
    """``(-1)^(i + j)`` as int8 ``(L0, L1)``: the sublattice gauge of the antiferromagnet."""
    i, j = np.indices((L0, L1))
    return np.where((i + j) % 2 == 0, 1, -1).astype(np.int8)


def wolff_clusters_per_sweep(state, p_add: float, q: int, probe: int = 200,
                             gauge=None) -> int:
    """Clusters per "sweep" so that about ``N`` spins flip: ``N / <cluster size>``.

    Measured on a copy of ``state`` (``probe`` single clusters), fixed before measuring.
    ``gauge``: :func:`staggered_signs` for an Ising antiferromagnet, else None.
    """
    spins = state.spins * gauge if gauge is not None else state.spins.copy()
    rng = state.rng.copy()
    stack = np.empty(spins.size, np.int64)
    flipped = wolff_sweep(spins, p_add, q, rng, stack, probe)
    return max(1, round(spins.size * probe / max(flipped, 1)))


def wolff_burn_in(state, p_add: float, q: int, n_sweeps: int, gauge=None):
    """Discard ``n_sweeps`` Wolff sweeps of about ``N`` flipped spins each; return the new state.

    Clusters grow as the state equilibrates (a few spins in a random start, a finite
    fraction of the lattice near and below Tc), so a cluster count fixed on the starting
    state would be far off. Here the count is re-estimated after every batch from the
    spins it flipped (at most doubling), until ``n_sweeps * N`` spins have flipped. The
    adaptivity is harmless because these samples are thrown away. ``gauge``: as in
    :func:`wolff_clusters_per_sweep`.
    """
    spins = state.spins * gauge if gauge is not None else state.spins.copy()
    rng = state.rng.copy()
    N = spins.size
    stack = np.empty(N, np.int64)
    target, flipped, k = n_sweeps * N, 0, 1
    while flipped < target:
        f = wolff_sweep(spins, p_add, q, rng, stack, k)
        flipped += f
        k = max(1, min(2 * k, round(N * k / max(f, 1))))
    if gauge is not None:
        spins *= gauge
    return type(state)(spins, rng)
