"""fast_exp against libm: within 2 ulp everywhere it is finite, and its edge cases."""

import numpy as np
from numba import njit

from thermo_rl._fastmath import fast_exp


@njit(cache=True)
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = fast_exp(x[i])


def test_fast_exp_matches_libm():
    x = np.concatenate([np.random.default_rng(0).uniform(-708.0, 709.0, 200_000),
                        np.random.default_rng(1).uniform(-1.0, 1.0, 100_000),
                        [0.0, -0.0, 1.0, -1.0, np.log(2.0), 700.0, -700.0]])
    out = np.empty_like(x)
    _exp_all(x, out)
    ref = np.exp(x)
    assert np.max(np.abs(out - ref) / ref) <= 2 * np.finfo(float).eps
    assert out[-7] == 1.0 and out[-6] == 1.0


def test_fast_exp_edges():
    x = np.array([-1e4, -709.5, 710.0, 1e4, np.inf, -np.inf, np.nan])
    out = np.empty_like(x)
    _exp_all(x, out)
    assert out[0] == 0.0 and out[1] == 0.0 and out[5] == 0.0    # underflow to 0
    assert np.isinf(out[2]) and np.isinf(out[3]) and np.isinf(out[4])
    assert np.isnan(out[6])
