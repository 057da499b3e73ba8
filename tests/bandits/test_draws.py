"""The kernels' two inverse cdfs (the scan that stops at the drawn arm, the count of
running sums) draw the same arm for every u, including u at or past the total."""

import numpy as np
from numba import njit

from thermo_rl.bandits._kernels import _inverse_cdf, _inverse_cdf_counted, _running_sums


@njit(cache=True)
def _both(u, w):
    k = w.size
    cs = np.empty(k)
    total = _running_sums(w, cs, k)
    out = np.empty((u.size, 2), np.int64)
    for i in range(u.size):
        out[i, 0] = _inverse_cdf(u[i] * total, w, k)
        out[i, 1] = _inverse_cdf_counted(u[i] * total, w, cs, k)
    return total, out


def test_counted_inverse_cdf_is_the_scan():
    g = np.random.default_rng(0)
    w = np.concatenate([g.exponential(size=7), [0.0], g.exponential(size=2), [0.0, 0.0]])
    u = np.concatenate([g.uniform(size=20_000), [0.0, 1.0, 1.0 + 1e-12]])
    total, out = _both(u, w)
    assert total == np.cumsum(w)[-1]
    assert np.array_equal(out[:, 0], out[:, 1])
    assert np.all(w[out[:, 1]] > 0.0)                  # never an arm of weight 0
    assert out[-1, 1] == out[-2, 1] == 9               # past the total: the last w > 0
    freq = np.bincount(out[:-3, 1], minlength=w.size) / (u.size - 3)
    p = w / w.sum()
    se = np.sqrt(p * (1 - p) / (u.size - 3))
    assert np.all(np.abs(freq - p) <= 5 * se + 1e-12)
