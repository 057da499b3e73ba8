"""Multi-spin coding: 64 independent Ising replicas in the bits of ``uint64`` words.

Word ``W[i, j]`` holds site ``(i, j)`` of replicas 0..63 (bit 1 = spin up). A
checkerboard Metropolis update of one site is done for all 64 replicas with bit
operations (h = 0), as in the multi-spin codes of Jacobs & Rebbi (1981) and
Bhanot, Duke & Salvador (1986):

* ``a_k = W ^ W_k`` marks the replicas whose neighbour ``k`` is antiparallel; a
  bitwise adder gives the masks ``c0`` (no antiparallel neighbour, ``dE = 8J``) and
  ``c1`` (one, ``dE = 4J``); every other replica has ``dE <= 0`` and flips;
* a replica of ``c1`` flips if its uniform ``u < p = exp(-4K)``, one of ``c0`` if
  ``u < p^2 = exp(-8K)``, ``K = J/T``. The 64 uniforms are compared with the
  threshold of each replica digit by digit, most significant first, one random
  word per binary digit (bit-sliced: digit ``k`` of the 64 uniforms is one word):
  a replica is decided at the first digit where its ``u`` differs from its
  threshold, so every replica uses its own random bits (the replicas stay
  independent) and the rule is the Metropolis rule of
  :func:`thermo_rl._metropolis.metropolis_accept`, exact to ``2^-64``.

Speed (``thermo-rl bench ising``): the lattice is held in checkerboard-split form
(``E``: sites with ``i + j`` even, ``O``: odd; row ``i`` of each is contiguous), so the
sites of one colour in a row are a contiguous vector: their fields, and the first
:data:`N_DIGITS` digits of all of them, run in one loop that the compiler vectorizes
(SIMD), each site with its own xoshiro256** stream (a lane). The few replicas still
undecided after :data:`N_DIGITS` digits (``n 2^-10`` of ``n`` in a word) finish one
digit at a time. Rows are cut into :func:`n_chunks` fixed chunks that run in
parallel; chunk ``c`` uses streams ``c H .. c H + H - 1`` (``H = L / 2`` lanes), so
the result does not depend on the thread count.

Antiferromagnets (``J < 0``) run on the gauge words ``g = s ^ stagger``
(:func:`stagger_words`, the sublattice gauge of
:func:`thermo_rl.physics._cluster_kernels.staggered_signs`) with ``|J|``;
:func:`replica_observables` maps the bonds and the magnetization back.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._rng import xoshiro_step
from .._specialize import specialize

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)

#: binary digits of the acceptance test drawn for every replica in the vector loop
#: (written out in :func:`_digits`)
N_DIGITS = 10

#: most row chunks (parallel work items); the stream layout depends on it
MAX_CHUNKS = 16


def n_chunks(L: int) -> int:
    """Row chunks of an ``L x L`` lattice (a function of ``L`` only: reproducible)."""
    return min(MAX_CHUNKS, L)


def n_streams(L: int) -> int:
    """xoshiro streams the kernel needs for an ``L x L`` lattice: one per lane and chunk."""
    return n_chunks(L) * max(L // 2, 1)


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


def acceptance_digits(K: float) -> np.ndarray:
    """``(2, 64)`` uint64 masks: row 0 the binary digits of ``exp(-4K)``, row 1 of
    ``exp(-8K)`` (``K = J/T >= 0``), each digit all ones or all zeros."""
    out = np.zeros((2, 64), dtype=np.uint64)
    for r, p in enumerate((np.exp(-4.0 * K), np.exp(-8.0 * K))):
        out[r, threshold_bits(float(p))] = _ONES
    return out


def init_words(L: int, random: bool, rng_states) -> np.ndarray:
    """``(L, L)`` uint64 words: all spins up, or uniformly random bits."""
    if not random:
        return np.full((L, L), _ONES, dtype=np.uint64)
    r = np.random.default_rng(rng_states[0])
    return r.integers(0, 2**64, size=(L, L), dtype=np.uint64, endpoint=False)


def stagger_words(L: int) -> np.ndarray:
    """The sublattice gauge as words: all ones on the sites where
    :func:`~thermo_rl.physics._cluster_kernels.staggered_signs` is ``-1``, else 0
    (``s ^ stagger_words(L)`` flips every spin of the odd sublattice, in every replica)."""
    from ._cluster_kernels import staggered_signs

    return np.where(staggered_signs(L, L) < 0, _ONES, np.uint64(0)).astype(np.uint64)


def split(W):
    """``(E, O)``: the sites of colour 0 (``i + j`` even) and 1 of ``W``, ``(L, L/2)`` each."""
    L = W.shape[0]
    E = np.empty((L, L // 2), np.uint64)
    O = np.empty((L, L // 2), np.uint64)
    E[0::2], E[1::2] = W[0::2, 0::2], W[1::2, 1::2]
    O[0::2], O[1::2] = W[0::2, 1::2], W[1::2, 0::2]
    return E, O


def merge(E, O, W):
    """Inverse of :func:`split`, into ``W``."""
    W[0::2, 0::2], W[1::2, 1::2] = E[0::2], E[1::2]
    W[0::2, 1::2], W[1::2, 0::2] = O[0::2], O[1::2]


# ----------------------------------------------------------------------------- the sweep
@njit(cache=True)
def _fields(X, H, lo, a, bu, bd, b0, b1):
    """The masks ``c0`` (no antiparallel neighbour) and ``c1`` (one) of the sites
    ``a`` (lanes ``lo, lo + 1, ..``; neighbours ``bu, bd, b0, b1``, all contiguous)
    into ``X[4H + m]``, ``X[5H + m]`` (a vectorized loop)."""
    x0 = X[4 * H + lo:5 * H]
    x1 = X[5 * H + lo:6 * H]
    for q in range(a.size):
        s = a[q]
        a1 = s ^ bu[q]
        a2 = s ^ bd[q]
        a3 = s ^ b0[q]
        a4 = s ^ b1[q]
        y1, y2 = a1 & a2, a3 & a4
        x0[q] = ~(a1 | a2 | a3 | a4)
        x1[q] = (a1 ^ a2 ^ a3 ^ a4) & ~(y1 | y2)


@njit(cache=True, inline="always")
def _digit(s0, s1, s2, s3, th, und, acc):
    """One binary digit of the acceptance test (``th``: the threshold digits of the
    replicas) with a fresh random word from the lane's xoshiro256** stream."""
    r, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
    acc |= und & th & ~r                     # u < threshold, decided at this digit
    und &= ~(th ^ r)                         # equal digits: still undecided
    return s0, s1, s2, s3, und, acc


@njit(cache=True)
def _digits(X, H, t1, t2):
    """The first :data:`N_DIGITS` digits of the acceptance test of every lane in one
    vectorized loop (``t1``, ``t2``: tuples of the digit masks of ``p`` and ``p^2``):
    ``X[6H + m]`` the replicas still undecided, ``X[7H + m]`` those that flip so far.
    The digits are written out, not looped over, so that the loop over lanes is the
    innermost one whatever the compiler's unrolling limits."""
    for m in range(H):
        s0, s1, s2, s3 = X[m], X[H + m], X[2 * H + m], X[3 * H + m]
        c0, c1 = X[4 * H + m], X[5 * H + m]
        u = c0 | c1
        a = ~u                               # dE <= 0: always
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[0]) | (c0 & t2[0]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[1]) | (c0 & t2[1]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[2]) | (c0 & t2[2]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[3]) | (c0 & t2[3]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[4]) | (c0 & t2[4]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[5]) | (c0 & t2[5]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[6]) | (c0 & t2[6]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[7]) | (c0 & t2[7]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[8]) | (c0 & t2[8]), u, a)
        s0, s1, s2, s3, u, a = _digit(s0, s1, s2, s3, (c1 & t1[9]) | (c0 & t2[9]), u, a)
        X[m], X[H + m], X[2 * H + m], X[3 * H + m] = s0, s1, s2, s3
        X[6 * H + m] = u
        X[7 * H + m] = a


@njit(cache=True)
def _row(i, A, B, X, idx, T, t1, t2, colour):
    """Update the colour-``colour`` sites ``A[i]`` of row ``i`` (neighbours in ``B``)."""
    L0, H = A.shape
    up = i - 1 if i > 0 else L0 - 1
    dn = i + 1 if i < L0 - 1 else 0
    d = 1 if (i + colour) & 1 else -1        # the second same-row neighbour is B[i, m + d]
    if d == 1:
        lo, hi, edge = 0, H - 1, H - 1
    else:
        lo, hi, edge = 1, H, 0
    e2 = (edge + d) % H                      # the lane whose neighbour wraps around
    _fields(X, H, edge, A[i, edge:edge + 1], B[up, edge:edge + 1], B[dn, edge:edge + 1],
            B[i, edge:edge + 1], B[i, e2:e2 + 1])
    _fields(X, H, lo, A[i, lo:hi], B[up, lo:hi], B[dn, lo:hi], B[i, lo:hi],
            B[i, lo + d:hi + d])
    _digits(X, H, t1, t2)
    n = 0
    for m in range(H):                       # lanes with replicas still undecided
        idx[n] = m
        n += X[6 * H + m] != 0
    for q in range(n):                       # the tail: one digit at a time
        m = idx[q]
        und, acc = X[6 * H + m], X[7 * H + m]
        c0, c1 = X[4 * H + m], X[5 * H + m]
        s0, s1, s2, s3 = X[m], X[H + m], X[2 * H + m], X[3 * H + m]
        k = N_DIGITS
        while und != 0 and k < 64:
            s0, s1, s2, s3, und, acc = _digit(s0, s1, s2, s3, (c1 & T[0, k]) | (c0 & T[1, k]),
                                              und, acc)
            k += 1
        X[m], X[H + m], X[2 * H + m], X[3 * H + m] = s0, s1, s2, s3
        X[7 * H + m] = acc
    a = A[i]
    flip = X[7 * H:]
    for m in range(H):
        a[m] ^= flip[m]


@njit(cache=True)
def _chunk(c, nch, A, B, T, t1, t2, states, colour):
    L0, H = A.shape
    X = np.empty(8 * H, np.uint64)
    idx = np.empty(H, np.int64)
    base = c * H
    for m in range(H):
        for q in range(4):
            X[q * H + m] = states[base + m, q]
    for i in range(c * L0 // nch, (c + 1) * L0 // nch):
        _row(i, A, B, X, idx, T, t1, t2, colour)
    for m in range(H):
        for q in range(4):
            states[base + m, q] = X[q * H + m]


@njit(cache=True, parallel=True)
def _colour(A, B, T, t1, t2, states, colour):
    nch = states.shape[0] // A.shape[1]
    for c in prange(nch):
        _chunk(c, nch, A, B, T, t1, t2, states, colour)


# ----------------------------------------------------------------------------- measuring
@njit(cache=True, inline="always")
def _count(cnt, b0, b1, b2):
    """Add the bit-sliced number ``b0 + 2 b1 + 4 b2`` (one 3-bit number per replica)
    to the bit-sliced counters ``cnt`` (bit ``b`` of ``cnt[l]`` is digit ``l`` of
    replica ``b``'s count): a full adder per digit, then the carry ripples on."""
    carry = cnt[0] & b0
    cnt[0] ^= b0
    c = cnt[1]
    cnt[1] = c ^ b1 ^ carry
    carry = (c & b1) | (carry & (c ^ b1))
    c = cnt[2]
    cnt[2] = c ^ b2 ^ carry
    carry = (c & b2) | (carry & (c ^ b2))
    l = 3
    while carry != 0:
        t = cnt[l] & carry
        cnt[l] ^= carry
        carry = t
        l += 1


@njit(cache=True)
def replica_observables(E, O, bonds_out, mag_out, stagger):
    """Per-replica bond sum ``sum s_i s_j`` and magnetization ``sum s_i`` into
    ``bonds_out[64]``, ``mag_out[64]`` (bit-sliced counters: a few word operations per
    site). ``stagger``: the words are gauge words of an antiferromagnet; report the
    bonds and magnetization of the spins ``s = g ^ stagger``."""
    L0, H = E.shape
    N = L0 * 2 * H
    par = np.zeros(64, np.uint64)            # parallel bonds, bit-sliced
    up = np.zeros(64, np.uint64)             # up spins, bit-sliced
    flip = _ONES if stagger else np.uint64(0)
    for i in range(L0):
        u = i - 1 if i > 0 else L0 - 1
        dn = i + 1 if i < L0 - 1 else 0
        d = 1 if i & 1 else -1               # colour 0: second neighbour O[i, m + d]
        for m in range(H):
            e = E[i, m]
            a1 = ~(e ^ O[u, m])              # every bond joins an E and an O site:
            a2 = ~(e ^ O[dn, m])             # counted once from its E end
            a3 = ~(e ^ O[i, m])
            a4 = ~(e ^ O[i, (m + d) % H])
            x1, y1 = a1 ^ a2, a1 & a2
            x2, y2 = a3 ^ a4, a3 & a4
            z = x1 & x2                      # the four = (x1^x2) + 2 (y1 + y2 + z)
            _count(par, x1 ^ x2, y1 ^ y2 ^ z, (y1 & y2) | ((y1 ^ y2) & z))
            o = O[i, m] ^ flip
            _count(up, e ^ o, e & o, np.uint64(0))
    for b in range(64):
        sh = np.uint64(b)
        p = 0
        n_up = 0
        for l in range(64):
            p += np.int64((par[l] >> sh) & np.uint64(1)) << l
            n_up += np.int64((up[l] >> sh) & np.uint64(1)) << l
        bonds = 2 * p - 2 * N
        bonds_out[b] = -bonds if stagger else bonds
        mag_out[b] = 2 * n_up - N


_colour_serial = specialize(_colour.py_func, "serial", {})

#: lattices with fewer sites than this run the serial twin
PARALLEL_MIN_SITES = 64 * 64


@njit(cache=True)
def _chain_parallel(E, O, T, t1, t2, states, n_sweeps, bonds_out, mag_out, stagger):
    measure = bonds_out.shape[0] > 0
    for t in range(n_sweeps):
        _colour(E, O, T, t1, t2, states, 0)
        _colour(O, E, T, t1, t2, states, 1)
        if measure:
            replica_observables(E, O, bonds_out[t], mag_out[t], stagger)


# the same loop over the serial twins
_chain_serial = specialize(_chain_parallel.py_func, "serial", {"_colour": _colour_serial})


def chain(W, digits, states, n_sweeps, bonds_out, mag_out, stagger=False):
    """``n_sweeps`` sweeps of all 64 replicas of ``W`` (in place).

    ``digits``: :func:`acceptance_digits` of ``K = |J|/T``; ``states``:
    ``(n_streams(L), 4)`` xoshiro streams; ``bonds_out``/``mag_out``: ``(n, 64)`` or
    empty; ``stagger``: ``W`` holds gauge words of an antiferromagnet (see the module).
    """
    L = W.shape[0]
    if states.shape[0] != n_streams(L):
        raise ValueError(f"multi-spin coding on L = {L} needs n_streams(L) = "
                         f"{n_streams(L)} streams, got {states.shape[0]}")
    E, O = split(W)
    T = np.ascontiguousarray(digits, dtype=np.uint64)
    t1 = tuple(T[0, :N_DIGITS])
    t2 = tuple(T[1, :N_DIGITS])
    f = _chain_parallel if W.size >= PARALLEL_MIN_SITES else _chain_serial
    f(E, O, T, t1, t2, states, n_sweeps, bonds_out, mag_out, bool(stagger))
    merge(E, O, W)
