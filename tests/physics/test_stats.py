"""thermo_rl.stats: tau_int, binning and jackknife on series with known answers."""

import numpy as np
import pytest

from thermo_rl.stats import autocorrelation, bin_means, binning_error, estimate, jackknife, tau_int


def ar1(a, n, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=n)
    x = np.empty(n)
    x[0] = noise[0] / np.sqrt(1 - a * a)
    for t in range(1, n):
        x[t] = a * x[t - 1] + noise[t]
    return x


def test_tau_int_of_ar1():
    a = 0.9
    exact = (1 + a) / (2 * (1 - a))                      # 9.5
    tau, w, err = tau_int(ar1(a, 200_000), return_window=True)
    assert abs(tau - exact) < 4 * err
    assert w >= 6 * tau - 1
    assert tau_int(np.random.default_rng(1).normal(size=10_000)) == pytest.approx(0.5, abs=0.05)


def test_error_bars_cover_truth_ar1():
    """Error of the mean of AR(1) is sqrt(2 tau var / n); binning reproduces it."""
    a, n = 0.8, 100_000
    x = ar1(a, n, seed=3)
    exact_err = np.sqrt(2 * (1 + a) / (2 * (1 - a)) / (1 - a * a) / n)
    e = estimate(x)
    assert e.error == pytest.approx(exact_err, rel=0.25)
    assert abs(e.mean) < 4 * exact_err


def test_binning_and_jackknife_agree_for_a_mean():
    x = ar1(0.5, 20_000, seed=4)
    v, err = jackknife(lambda m: m, x, bin_size=50)
    assert v == pytest.approx(x.mean())
    assert err == pytest.approx(binning_error(x, 50), rel=1e-10)
    assert bin_means(np.arange(10.0), 3).tolist() == [1.0, 4.0, 7.0]


def test_jackknife_variance_estimate():
    rng = np.random.default_rng(5)
    x = rng.normal(2.0, 3.0, size=40_000)
    v, err = jackknife(lambda m, m2: m2 - m * m, x, x * x)
    assert abs(v - 9.0) < 4 * err
    assert 0 < err < 0.2


def test_bad_input():
    assert autocorrelation(np.ones(5)).tolist() == [1, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        tau_int([1.0])
    with pytest.raises(ValueError):
        estimate([1.0, np.nan, 2.0])
    with pytest.raises(ValueError):
        jackknife(lambda a, b: a, np.ones(10), np.ones(11))
