"""First-order entropy dynamics of a softmax policy (Cui et al., 2025)."""

import numpy as np
import pytest

from thermo_rl.entropy import (
    entropy_change_exact,
    entropy_change_predicted,
    entropy_gradient,
    fit_entropy_reward_law,
    pg_logit_update,
    predicted_pg_entropy_change,
)
from thermo_rl.metrics import entropy_from_logits, softmax

rng = np.random.default_rng(7)
Z = rng.normal(size=(50, 8)) * 1.5
A = rng.normal(size=(50, 8))


def test_gradient_matches_finite_differences():
    h = 1e-6
    g = entropy_gradient(Z)
    for b in range(Z.shape[1]):
        e = np.zeros(Z.shape[1])
        e[b] = h
        fd = (entropy_from_logits(Z + e) - entropy_from_logits(Z - e)) / (2 * h)
        np.testing.assert_allclose(g[:, b], fd, atol=1e-7)


@pytest.mark.parametrize("kind", ["natural", "softmax"])
def test_relative_error_falls_linearly_with_step_size(kind):
    etas = np.array([1e-1, 1e-2, 1e-3])
    err = []
    for eta in etas:
        dz = pg_logit_update(Z, A, eta, kind=kind)
        exact = entropy_change_exact(Z, dz)
        pred = entropy_change_predicted(Z, dz)
        err.append(np.median(np.abs(pred - exact) / np.abs(exact)))
    err = np.array(err)
    # second-order remainder: error / change = O(eta), so each 10x smaller step gives
    # a 10x smaller relative error (slope 1 on a log-log plot)
    slopes = np.diff(np.log10(err)) / np.diff(np.log10(etas))
    np.testing.assert_allclose(slopes, 1.0, atol=0.1)
    assert err[-1] < 1e-2


def test_closed_forms_equal_the_covariance_of_the_update():
    eta = 0.01
    for kind in ("natural", "softmax"):
        dz = pg_logit_update(Z, A, eta, kind=kind)
        np.testing.assert_allclose(predicted_pg_entropy_change(Z, A, eta, kind),
                                   entropy_change_predicted(Z, dz), rtol=1e-12, atol=1e-15)
    # natural gradient: -eta Cov_pi(ln pi, A), written out
    p = softmax(Z)
    lp = np.log(p)
    cov = np.sum(p * (lp - np.sum(p * lp, -1, keepdims=True))
                 * (A - np.sum(p * A, -1, keepdims=True)), -1)
    np.testing.assert_allclose(predicted_pg_entropy_change(Z, A, eta, "natural"), -eta * cov)


def test_sampled_reinforce_step_averages_to_the_softmax_formula():
    eta, k = 0.01, Z.shape[1]
    p = softmax(Z)
    expected = np.zeros(Z.shape[0])
    for a in range(k):
        dz = pg_logit_update(Z, A, eta, kind="sample", action=np.full(Z.shape[0], a))
        expected += p[:, a] * entropy_change_predicted(Z, dz)
    np.testing.assert_allclose(expected, predicted_pg_entropy_change(Z, A, eta, "sample"),
                               rtol=1e-10, atol=1e-15)


def test_sign_rule():
    # raising the already likely action lowers the entropy; raising an unlikely one raises it
    z = np.array([2.0, 0.0, 0.0])
    assert entropy_change_predicted(z, np.array([0.1, 0, 0])) < 0
    assert entropy_change_predicted(z, np.array([0, 0.1, 0])) > 0
    assert entropy_change_predicted(np.zeros(3), np.array([0.1, 0, 0])) == pytest.approx(0.0)


def test_torch_and_numpy_agree_and_autograd_matches():
    torch = pytest.importorskip("torch")
    zt = torch.tensor(Z, requires_grad=True)
    dzt = torch.tensor(A * 0.01)
    np.testing.assert_allclose(entropy_change_predicted(zt, dzt).detach().numpy(),
                               entropy_change_predicted(Z, A * 0.01), rtol=1e-12)
    H = entropy_from_logits(zt).sum()
    H.backward()
    np.testing.assert_allclose(zt.grad.numpy(), entropy_gradient(Z), rtol=1e-10, atol=1e-14)


def test_fit_entropy_reward_law_recovers_parameters():
    H = np.linspace(0.1, 2.0, 40)
    R = -0.3 * np.exp(H) + 2.0 + rng.normal(scale=1e-3, size=H.size)
    fit = fit_entropy_reward_law(H, R)
    assert fit.a == pytest.approx(0.3, abs=5e-3) and fit.b == pytest.approx(2.0, abs=5e-3)
    assert fit.ceiling == pytest.approx(1.7, abs=1e-2) and fit.r2 > 0.999
    with pytest.raises(ValueError, match="same length"):
        fit_entropy_reward_law(H, R[:-1])
    with pytest.raises(ValueError, match="constant"):
        fit_entropy_reward_law(np.ones(5), np.arange(5.0))


def test_bad_input():
    with pytest.raises(ValueError, match="kind"):
        pg_logit_update(Z, A, 0.1, kind="adam")
    with pytest.raises(ValueError, match="action"):
        pg_logit_update(Z, A, 0.1, kind="sample")
