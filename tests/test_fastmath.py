"""fast_exp and fast_log against libm (relative error within 2 and 4 machine epsilons),
their edge cases, and a fast_log loop that really vectorizes."""

import numpy as np
from numba import njit

from thermo_rl._fastmath import exp_small, fast_exp, fast_log


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


@njit(cache=True, error_model="numpy")
def _log_all(x, out):
    for i in range(x.size):
        out[i] = fast_log(x[i])


def test_fast_log_matches_libm():
    g = np.random.default_rng(2)
    x = np.concatenate([g.uniform(0.0, 1.0, 100_000)[1:],              # probabilities
                        np.exp(g.uniform(-700.0, 700.0, 100_000)),      # every exponent
                        1.0 + g.uniform(-1e-6, 1e-6, 10_000),           # near 1: log ~ 0
                        [1.0, 2.0, 0.5, np.sqrt(0.5), np.sqrt(2.0), 2.2250738585072014e-308]])
    out = np.empty_like(x)
    _log_all(x, out)
    ref = np.log(x)
    nz = ref != 0.0
    assert np.max(np.abs(out - ref)[nz] / np.abs(ref[nz])) <= 4 * np.finfo(float).eps
    assert out[-6] == 0.0 and out[-5] == np.log(2.0) and out[-4] == -np.log(2.0)


def test_fast_log_edges():
    out = np.empty(3)
    _log_all(np.array([0.0, -0.0, -1.0]), out)
    assert np.all(out == -np.inf)


@njit(cache=True, error_model="numpy")
def _exp_small_all(x, out):
    for i in range(x.size):
        out[i] = exp_small(x[i])


def test_exp_small_matches_libm_on_its_range():
    x = np.concatenate([np.random.default_rng(3).uniform(-0.35, 0.35, 100_000),
                        [0.0, -0.35, 0.35, 1e-300, -1e-300]])
    out = np.empty_like(x)
    _exp_small_all(x, out)
    assert np.max(np.abs(out - np.exp(x)) / np.exp(x)) <= 2 * np.finfo(float).eps
    assert out[-5] == 1.0
