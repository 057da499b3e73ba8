"""Numba kernels for the 2D Ising model: checkerboard single-spin updates.

Spins are ``int8`` (+1/-1) on an ``(L0, L1)`` periodic array, both sides even
(so the two checkerboard colours never touch). One *sweep* updates colour 0
then colour 1; within a colour every site is independent, so rows run in
parallel (``prange``), row ``i`` drawing from xoshiro256** stream ``i`` of
``states`` (:mod:`thermo_rl._rng`): the result does not depend on the number of threads.

Metropolis and heat-bath are the same kernel with different tables: a site with
spin ``s`` and neighbour sum ``nb`` flips with probability ``P[s, nb]``,

* Metropolis: ``P = min(1, exp(-beta dE))``, ``dE = 2 s (J nb + h)`` -- the rule of
  :func:`thermo_rl._metropolis.metropolis_accept`, precomputed for the 10 possible
  ``(s, nb)`` cases (``dE <= 0`` always flips);
* heat-bath (Glauber): ``P = 1 / (1 + exp(beta dE))``: the new spin is drawn from
  its conditional Boltzmann distribution.

Speed: the loop is branch-free (a flip is ``s * (1 - 2 [u < P])``) and every 64-bit
draw serves two sites as two 32-bit uniforms, so ``P`` is held as the integer
threshold ``floor(P 2^32)`` (``2^32`` for ``P = 1``): acceptance probabilities are
exact to ``2^-32``. The generator state lives in registers for a whole row
(:func:`thermo_rl._rng.xoshiro_step`, the step of ``next_u64`` on four scalars).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._rng import xoshiro_step
from .._specialize import specialize

ONE32 = 1 << 32
_M32 = np.uint64(0xFFFFFFFF)


def flip_probabilities(beta, J: float, h: float, rule: str) -> np.ndarray:
    """``P(s, nb)`` as 10 floats, index ``5 * (s + 1) // 2 + (nb + 4) // 2``.

    ``beta`` may be an array: the result then has shape ``beta.shape + (10,)`` (one
    table per inverse temperature, for annealing along a grid).
    """
    b = np.asarray(beta, dtype=np.float64)[..., None]
    s = np.repeat([-1.0, 1.0], 5)
    nb = np.tile([-4.0, -2.0, 0.0, 2.0, 4.0], 2)
    dE = 2.0 * s * (J * nb + h)
    with np.errstate(over="ignore", invalid="ignore"):
        if rule == "metropolis":
            p = np.where(dE <= 0, 1.0, np.exp(-b * np.maximum(dE, 0.0)))
        else:  # heat bath
            x = b * dE
            p = np.where(x > 700, 0.0, 1.0 / (1.0 + np.exp(np.minimum(x, 700.0))))
    return p


def flip_table(beta, J: float, h: float, rule: str) -> np.ndarray:
    """Thresholds ``floor(P 2^32)`` (uint64) for :func:`chain` (one row per ``beta``)."""
    p = flip_probabilities(beta, J, h, rule)
    return np.minimum(np.floor(p * ONE32), ONE32).astype(np.uint64)


@njit(cache=True, parallel=True)
def observables(spins):
    """Bond sum ``sum_<ij> s_i s_j`` and magnetization ``sum_i s_i`` (int64).

    The periodic wrap is kept out of the inner loop (its last column is added apart)
    and each row accumulates in int32, so the loop vectorizes.
    """
    L0, L1 = spins.shape
    b = 0
    m = 0
    for i in prange(L0):
        dn = spins[i + 1 if i < L0 - 1 else 0]
        row = spins[i]
        rb = np.int32(0)
        rm = np.int32(0)
        for j in range(L1 - 1):
            s = np.int32(row[j])
            rb += s * (np.int32(dn[j]) + np.int32(row[j + 1]))
            rm += s
        s = np.int32(row[L1 - 1])
        rb += s * (np.int32(dn[L1 - 1]) + np.int32(row[0]))
        rm += s
        b += np.int64(rb)
        m += np.int64(rm)
    return b, m


@njit(cache=True, inline="always")
def _site_index(s, nb_sum):
    """Index into the 10-entry flip table of a spin ``s`` with neighbour sum ``nb_sum``."""
    return 5 * ((s + 1) >> 1) + ((nb_sum + 4) >> 1)


@njit(cache=True, parallel=True)
def _colour(spins, thr, states, colour):
    """Update the sites of one checkerboard colour, rows in parallel.

    Two passes per row: the table index of every site first (a branch-free loop that
    LLVM vectorizes; a site's neighbours all have the other colour, so nothing it reads
    changes during this half-sweep), then one 64-bit draw per two sites of the colour
    against the thresholds. About 3x faster on one core than one fused loop.
    """
    L0, L1 = spins.shape
    for i in prange(L0):
        up = spins[i - 1 if i > 0 else L0 - 1]
        dn = spins[i + 1 if i < L0 - 1 else 0]
        row = spins[i]
        idx = np.empty(L1, np.int32)
        for j in range(1, L1 - 1):
            idx[j] = _site_index(np.int32(row[j]),
                                 np.int32(up[j]) + dn[j] + row[j - 1] + row[j + 1])
        e = L1 - 1
        idx[0] = _site_index(np.int32(row[0]), np.int32(up[0]) + dn[0] + row[e] + row[1])
        idx[e] = _site_index(np.int32(row[e]), np.int32(up[e]) + dn[e] + row[e - 1] + row[0])
        j0 = (i + colour) & 1
        s0, s1, s2, s3 = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
        for jp in range((L1 - j0 + 3) // 4):   # sites j0 + 4 jp and j0 + 4 jp + 2
            r, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
            j = j0 + 4 * jp
            f = np.int8((r & _M32) < thr[idx[j]])
            row[j] = row[j] * (1 - 2 * f)
            j += 2
            if j < L1:
                f = np.int8((r >> np.uint64(32)) < thr[idx[j]])
                row[j] = row[j] * (1 - 2 * f)
        states[i, 0], states[i, 1], states[i, 2], states[i, 3] = s0, s1, s2, s3


# Serial twins for small lattices, where starting threads costs more than the sweep
_colour_serial = specialize(_colour.py_func, "serial", {})
observables_serial = specialize(observables.py_func, "serial", {})

#: lattices with fewer sites than this run the serial twins
PARALLEL_MIN_SITES = 128 * 128


@njit(cache=True)
def _chain_parallel(spins, thr, states, n_sweeps, bonds_out, mag_out):
    measure = bonds_out.size > 0
    for t in range(n_sweeps):
        _colour(spins, thr, states, 0)
        _colour(spins, thr, states, 1)
        if measure:
            bonds_out[t], mag_out[t] = observables(spins)


# the same loop over the serial twins
_chain_serial = specialize(_chain_parallel.py_func, "serial",
                           {"_colour": _colour_serial, "observables": observables_serial})


def chain(spins, thr, states, n_sweeps, bonds_out, mag_out):
    """Run ``n_sweeps`` sweeps; record the bond sum and magnetization after each.

    ``bonds_out``/``mag_out`` of length 0 skip the measurements (benchmarks). Rows
    run in parallel from :data:`PARALLEL_MIN_SITES` sites up; the streams make both
    paths give identical results.
    """
    f = _chain_parallel if spins.size >= PARALLEL_MIN_SITES else _chain_serial
    f(spins, thr, states, n_sweeps, bonds_out, mag_out)
