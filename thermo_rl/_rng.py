"""Seeds and a fast, reproducible random generator for Numba kernels.

Every random routine of the package takes ``seed``: an ``int >= 0``, ``None`` or a
``numpy.random.Generator``. The seed rule (the same everywhere, see
:mod:`thermo_rl.results`): the default is ``seed=0``, so a call without a seed is
reproducible; ``None`` asks for fresh OS entropy. Python-level code draws from :func:`make_rng`;
Numba kernels draw from explicit xoshiro256** streams (Blackman & Vigna, 2018)
created by :func:`stream_states`. Each stream is a row of four ``uint64`` words,
so parallel kernels give every thread (or every replica) its own stream and the
result does not depend on how threads are scheduled.

The kernel helpers (``next_u64``, ``next_double``, ``next_below``,
``next_normal``) take the whole state array and a row index, and advance that
row in place.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .errors import UserError, UserTypeError

__all__ = [
    "make_rng",
    "next_below",
    "next_double",
    "next_normal",
    "next_u64",
    "seed_int",
    "stream_states",
    "xoshiro_step",
]

_MASK64 = (1 << 64) - 1


def make_rng(seed=None) -> np.random.Generator:
    """Return a NumPy Generator from ``None``, an int or an existing Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and int(seed) < 0:
            raise UserError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(seed)
    raise UserTypeError(f"seed must be None, a non-negative int or a numpy Generator, got {seed!r}")


def seed_int(seed=None) -> int:
    """Return a 63-bit integer seed drawn reproducibly from ``seed``."""
    return int(make_rng(seed).integers(0, 2**63 - 1))


def _splitmix64(x: int) -> tuple[int, int]:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x, z ^ (z >> 31)


def stream_states(seed=None, n_streams: int = 1) -> np.ndarray:
    """Return ``(n_streams, 4)`` uint64 xoshiro256** states seeded by splitmix64.

    The same ``seed`` always gives the same streams; different rows are
    decorrelated by the splitmix64 seeding recommended by the generator's authors.
    """
    if n_streams < 1:
        raise UserError(f"n_streams must be >= 1, got {n_streams}")
    x = seed_int(seed)
    out = np.empty((n_streams, 4), dtype=np.uint64)
    for i in range(n_streams):
        for j in range(4):
            x, z = _splitmix64(x)
            out[i, j] = z
    return out


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always")
def xoshiro_step(s0, s1, s2, s3):
    """One xoshiro256** step on a state held in four scalars: (64 random bits, new state)."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(cache=True, inline="always")
def next_u64(state, i):
    """Advance stream ``i`` of ``state`` and return 64 random bits (xoshiro256**)."""
    result, state[i, 0], state[i, 1], state[i, 2], state[i, 3] = xoshiro_step(
        state[i, 0], state[i, 1], state[i, 2], state[i, 3])
    return result


@njit(cache=True, inline="always")
def next_double(state, i):
    """Uniform float64 in [0, 1) from the top 53 bits."""
    return np.float64(next_u64(state, i) >> np.uint64(11)) * 1.1102230246251565e-16


@njit(cache=True, inline="always")
def next_below(state, i, n):
    """Uniform integer in ``[0, n)`` (Lemire's multiply-shift; bias < n / 2**32)."""
    r = next_u64(state, i) >> np.uint64(32)
    return np.int64((r * np.uint64(n)) >> np.uint64(32))


@njit(cache=True)
def next_normal(state, i):
    """Standard normal deviate (Marsaglia's polar method)."""
    while True:
        u = 2.0 * next_double(state, i) - 1.0
        v = 2.0 * next_double(state, i) - 1.0
        s = u * u + v * v
        if 0.0 < s < 1.0:
            return u * np.sqrt(-2.0 * np.log(s) / s)
