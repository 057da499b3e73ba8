"""Multi-spin coding: 64 independent Ising replicas in the bits of ``uint64`` words.

Word ``W[i, j]`` holds site ``(i, j)`` of replicas 0..63 (bit 1 = spin up). A
checkerboard Metropolis update of one site is done for all 64 replicas with bit
operations (h = 0):

* ``a_k = W ^ W_k`` marks the replicas whose neighbour ``k`` is antiparallel; a
  bitwise adder gives the masks ``c == 0``, ``c == 1`` and ``c >= 2`` of the number
  ``c`` of antiparallel neighbours (``dE = 2J (4 - 2c)``: 8J, 4J, <= 0);
* ``c >= 2`` always flips; ``c == 1`` flips with probability ``p = exp(-4K)``;
  ``c == 0`` with ``exp(-8K) = p^2`` -- two independent Bernoulli(``p``) bits;
* a word of 64 independent Bernoulli(``p``) bits is drawn lazily by comparing 64
  uniform binary fractions with ``p`` digit by digit, most significant first,
  stopping as soon as every replica that needs a bit is decided (a few draws).

This is the Metropolis rule of :func:`thermo_rl._metropolis.metropolis_accept`,
exact to ``2^-64``. Rows run in parallel, row ``i`` on xoshiro stream ``i``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._rng import next_u64
from .._specialize import specialize

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


def threshold_bits(p: float) -> np.ndarray:
    """The first 64 binary digits of ``p`` in [0, 1] (``bool`` array; ``p = 1``: all ones)."""
    if p >= 1.0:
        return np.ones(64, dtype=np.bool_)
    out = np.zeros(64, dtype=np.bool_)
    x = float(p)
    for k in range(64):
        x *= 2.0
        if x >= 1.0:
            out[k] = True
            x -= 1.0
    return out


def init_words(L: int, random: bool, rng_states) -> np.ndarray:
    """``(L, L)`` uint64 words: all spins up, or uniformly random bits."""
    if not random:
        return np.full((L, L), _ONES, dtype=np.uint64)
    r = np.random.default_rng(rng_states[0])
    return r.integers(0, 2**64, size=(L, L), dtype=np.uint64, endpoint=False)


@njit(cache=True, inline="always")
def _bernoulli(pbits, need, states, i):
    res = np.uint64(0)
    und = need
    for k in range(64):
        if und == 0:
            break
        u = next_u64(states, i)
        if pbits[k]:
            res |= und & ~u
            und &= u
        else:
            und &= ~u
    return res


@njit(cache=True, parallel=True)
def _colour(W, pbits, states, colour):
    L0, L1 = W.shape
    for i in prange(L0):
        up = i - 1 if i > 0 else L0 - 1
        dn = i + 1 if i < L0 - 1 else 0
        for j in range((i + colour) & 1, L1, 2):
            lf = j - 1 if j > 0 else L1 - 1
            rt = j + 1 if j < L1 - 1 else 0
            s = W[i, j]
            a1 = s ^ W[up, j]
            a2 = s ^ W[dn, j]
            a3 = s ^ W[i, lf]
            a4 = s ^ W[i, rt]
            x1, y1 = a1 ^ a2, a1 & a2
            x2, y2 = a3 ^ a4, a3 & a4
            c0 = ~(a1 | a2 | a3 | a4)
            c1 = (x1 ^ x2) & ~(y1 | y2)
            flip = ~(c0 | c1)
            low = c0 | c1
            if low:
                r1 = _bernoulli(pbits, low, states, i)
                flip |= c1 & r1
                need0 = c0 & r1
                if need0:
                    flip |= _bernoulli(pbits, need0, states, i)
            W[i, j] = s ^ flip


@njit(cache=True)
def replica_observables(W, bonds_out, mag_out):
    """Per-replica bond sum and magnetization into ``bonds_out[64]``, ``mag_out[64]``."""
    L0, L1 = W.shape
    par = np.zeros(64, np.int64)
    up = np.zeros(64, np.int64)
    for i in range(L0):
        dn = i + 1 if i < L0 - 1 else 0
        for j in range(L1):
            rt = j + 1 if j < L1 - 1 else 0
            s = W[i, j]
            p1 = ~(s ^ W[dn, j])
            p2 = ~(s ^ W[i, rt])
            for b in range(64):
                sh = np.uint64(b)
                par[b] += ((p1 >> sh) & np.uint64(1)) + ((p2 >> sh) & np.uint64(1))
                up[b] += (s >> sh) & np.uint64(1)
    N = L0 * L1
    for b in range(64):
        bonds_out[b] = 2 * par[b] - 2 * N
        mag_out[b] = 2 * up[b] - N


_colour_serial = specialize(_colour.py_func, "serial", {})

#: lattices with fewer sites than this run the serial twin
PARALLEL_MIN_SITES = 64 * 64


@njit(cache=True)
def _chain_parallel(W, pbits, states, n_sweeps, bonds_out, mag_out):
    measure = bonds_out.shape[0] > 0
    for t in range(n_sweeps):
        _colour(W, pbits, states, 0)
        _colour(W, pbits, states, 1)
        if measure:
            replica_observables(W, bonds_out[t], mag_out[t])


# the same loop over the serial twins
_chain_serial = specialize(_chain_parallel.py_func, "serial", {"_colour": _colour_serial})


def chain(W, pbits, states, n_sweeps, bonds_out, mag_out):
    """``n_sweeps`` sweeps of all 64 replicas; ``bonds_out``/``mag_out`` ``(n, 64)`` or empty."""
    f = _chain_parallel if W.size >= PARALLEL_MIN_SITES else _chain_serial
    f(W, pbits, states, n_sweeps, bonds_out, mag_out)
