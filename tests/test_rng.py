"""The register-state generators of thermo_rl._rng against their distributions."""

import numpy as np
from numba import njit
from scipy import stats

from thermo_rl._rng import (
    next_u64,
    rng_below,
    rng_double,
    rng_load,
    rng_normal,
    rng_standard_normal,
    rng_store,
    stream_states,
    xoshiro_step,
)


@njit(cache=True)
def _draw(states, n, kind):
    rng = rng_load(states, 0)
    out = np.empty(n)
    for j in range(n):
        if kind == 0:
            out[j], rng = rng_standard_normal(rng)
        elif kind == 1:
            out[j], _, rng = rng_normal(rng)
        elif kind == 2:
            out[j], rng = rng_double(rng)
        else:
            v, rng = rng_below(rng, 7)
            out[j] = v
    rng_store(states, 0, rng)
    return out


def test_ziggurat_and_polar_normals_are_standard_normal():
    n = 400_000
    for kind in (0, 1):
        z = _draw(stream_states(3, 1), n, kind)
        # moments within 4 standard errors; the distribution by Kolmogorov-Smirnov
        assert abs(z.mean()) < 4 / np.sqrt(n)
        assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
        assert stats.kstest(z, "norm").pvalue > 1e-3
        tail = np.mean(np.abs(z) > 3.442619855899)          # the ziggurat's tail region
        p = 2 * stats.norm.sf(3.442619855899)
        assert abs(tail - p) < 4 * np.sqrt(p / n)


def test_uniform_and_below_and_the_register_state_is_the_array_stream():
    u = _draw(stream_states(4, 1), 100_000, 2)
    assert 0 <= u.min() and u.max() < 1 and stats.kstest(u, "uniform").pvalue > 1e-3
    counts = np.bincount(_draw(stream_states(4, 1), 70_000, 3).astype(int), minlength=7)
    assert stats.chisquare(counts).pvalue > 1e-3
    a, b = stream_states(5, 1), stream_states(5, 1)
    _draw(a, 10, 2)                                   # ten register draws, stored back
    for _ in range(10):
        next_u64(b, 0)                                # the same ten through the array
    assert np.array_equal(a, b) and xoshiro_step is not None


def test_stream_states_are_splitmix64_in_sequence():
    """The vectorized seeding gives splitmix64's outputs 1, 2, 3... in row order, as the
    generator's authors' sequential loop does (Vigna's reference splitmix64.c: the first
    output for state 0 is 0xE220A8397B1DCDAF)."""
    from thermo_rl._rng import _splitmix64, seed_int

    assert _splitmix64(0)[1] == 0xE220A8397B1DCDAF
    for seed, n in ((0, 1), (7, 3), (2**62 + 5, 50)):
        x = seed_int(seed)
        want = np.empty((n, 4), np.uint64)
        for i in range(n):
            for j in range(4):
                x, want[i, j] = _splitmix64(x)
        assert np.array_equal(stream_states(seed, n), want)
