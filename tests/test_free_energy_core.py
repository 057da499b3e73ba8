"""thermo_rl.free_energy: the generic estimators against exact sums."""

import math

import numpy as np
import pytest

from thermo_rl import free_energy as fe
from thermo_rl.errors import UserError


def test_log_mean_exp_matches_direct_sum_and_is_shift_invariant():
    rng = np.random.default_rng(0)
    lw = rng.normal(0.0, 1.0, 500)
    m, err, ess = fe.log_mean_exp(lw)
    w = np.exp(lw)
    assert m == pytest.approx(math.log(w.mean()), rel=1e-12)
    assert err == pytest.approx(w.std(ddof=1) / math.sqrt(w.size) / w.mean(), rel=1e-12)
    assert ess == pytest.approx(w.sum() ** 2 / (w * w).sum(), rel=1e-12)
    m2, err2, ess2 = fe.log_mean_exp(lw + 1000.0)          # no overflow, same weights
    assert m2 == pytest.approx(m + 1000.0, rel=1e-12) and err2 == pytest.approx(err)
    assert ess2 == pytest.approx(ess)


def test_integrate_energy_simpson_exact_and_quadrature_error_bounds_the_truth():
    b = np.linspace(0.0, 2.0, 9)
    v, s, q = fe.integrate_energy(b, b ** 3, np.full(9, 0.1))
    assert v == pytest.approx(4.0, rel=1e-12)                 # Simpson is exact for cubics
    w = np.array([1, 4, 2, 4, 2, 4, 2, 4, 1]) * 0.25 / 3     # Simpson weights, h = 0.25
    assert s == pytest.approx(0.1 * math.sqrt((w ** 2).sum()), rel=1e-12)
    # a sharp curve on a coarse grid: the reported quadrature error covers the true error
    b = np.linspace(0.0, 1.0, 5)
    v, s, q = fe.integrate_energy(b, np.tanh(8 * (b - 0.3)))
    true = (math.log(math.cosh(5.6)) - math.log(math.cosh(-2.4))) / 8.0
    assert abs(v - true) > 1e-3                                # the grid is too coarse...
    assert abs(v - true) <= q                                  # ...and says so
    with pytest.raises(UserError, match="increase"):
        fe.integrate_energy([0.0, 0.5, 0.4], [1.0, 2.0, 3.0])


def test_beta_grid():
    g = fe.beta_grid(2.0, 10, "quadratic")
    assert g[0] == 0.0 and g[-1] == 2.0 and np.all(np.diff(g) > 0)
    assert np.diff(g)[0] > np.diff(g)[-1]                    # finer at the target
    with pytest.raises(UserError):
        fe.beta_grid(1.0, 10, "cubic")


LP = np.log(np.array([0.7, 0.2, 0.08, 0.02]))
R = np.array([0.0, 0.3, 0.6, 1.0])


@pytest.mark.parametrize("T", [1.0, 0.2])
def test_importance_and_annealed_within_three_errors(T):
    exact = math.log(np.sum(np.exp(LP + R / T)))
    a = fe.importance_log_z(LP, R, T, samples=20_000, seed=1)
    b = fe.annealed_log_z(LP, R, T, chains=2000, steps=40, seed=1)
    for r in (a, b):
        assert r.ln_z_exact == pytest.approx(exact, rel=1e-12)
        assert abs(r.ln_z - exact) <= 3 * r.ln_z_error
    assert b.ess > a.ess / 20_000 * 2000                     # AIS weights are more equal


def test_plain_importance_variance_grows_as_T_falls():
    Ts = [2.0, 1.0, 0.5, 0.25, 0.1]
    rv = [fe.importance_relative_variance(LP, R, T) for T in Ts]
    assert np.all(np.diff(rv) > 0)
    assert rv[-1] < 1.0 / 0.02 - 1.0                       # the T -> 0 limit bounds it
    assert fe.importance_relative_variance(LP, R, 1e-4) == pytest.approx(49.0, rel=1e-6)
    # the measured weights have that relative variance (within 3 of its standard errors)
    r = fe.importance_log_z(LP, R, 0.5, samples=200_000, seed=2)
    w = np.exp(r.log_weights - r.log_weights.max())
    x = w / w.mean()
    se = np.std((x - 1.0) ** 2) / math.sqrt(x.size)
    assert abs(np.var(x) - rv[2]) <= 3 * se
    errs = [fe.importance_log_z(LP, R, T, samples=5000, seed=3).ln_z_error for T in Ts]
    assert errs[-1] > 5 * errs[0]


def test_bad_prior():
    with pytest.raises(UserError, match="sum to 1"):
        fe.importance_log_z(np.log([0.5, 0.6]), [0.0, 1.0], 1.0)
    with pytest.raises(UserError, match="same length"):
        fe.annealed_log_z(LP, [0.0, 1.0], 1.0)
    with pytest.raises(UserError):
        fe.annealed_log_z(LP, R, 0.0)
