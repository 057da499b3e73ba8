import math

import numpy as np
import pytest
import torch

from thermo_rl.metrics import (
    coverage,
    distinct_n,
    effective_modes,
    entropy,
    entropy_from_logits,
    kl_divergence,
    log_softmax,
    pass_at_k,
    softmax,
)


def test_entropy_values():
    assert entropy(np.full(8, 1 / 8)) == pytest.approx(math.log(8))
    assert entropy(np.array([1.0, 0.0, 0.0])) == 0.0
    assert effective_modes(np.array([0.5, 0.5, 0.0])) == pytest.approx(2.0)
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    np.testing.assert_allclose(entropy(p), [-(0.2 * math.log(0.2) + 0.8 * math.log(0.8)),
                                            math.log(2)])


def test_entropy_from_logits_matches_softmax_and_is_shift_invariant():
    z = np.array([3.0, -1.0, 0.5, 1000.0])
    assert entropy_from_logits(z) == pytest.approx(float(entropy(softmax(z))), abs=1e-12)
    assert entropy_from_logits(z + 1e4) == pytest.approx(float(entropy_from_logits(z)))
    assert np.all(np.isfinite(log_softmax(np.array([-1e308, 0.0]))))


def test_torch_and_numpy_agree_and_gradient_is_analytic():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 6))
    zt = torch.tensor(z, requires_grad=True)
    H = entropy_from_logits(zt)
    np.testing.assert_allclose(H.detach().numpy(), entropy_from_logits(z), rtol=1e-12)
    H.sum().backward()
    p = softmax(z)
    logp = np.log(p)
    # dH/dz_j = -p_j (log p_j + H)
    expected = -p * (logp + entropy(p)[:, None])
    np.testing.assert_allclose(zt.grad.numpy(), expected, rtol=1e-9, atol=1e-12)
    pt = torch.tensor([0.5, 0.5, 0.0], requires_grad=True)
    entropy(pt).backward()
    assert torch.all(torch.isfinite(pt.grad))


def test_kl():
    p = np.array([0.25, 0.75])
    q = np.array([0.5, 0.5])
    assert kl_divergence(p, q) == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5))
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, np.array([1.0, 0.0])) == np.inf
    assert kl_divergence(np.array([1.0, 0.0]), p) == pytest.approx(math.log(4))


def test_coverage():
    good = [0, 1, 2, 3]
    collapsed = np.array([0.97, 0.01, 0.01, 0.01, 0.0])
    spread = np.array([0.24, 0.24, 0.24, 0.24, 0.04])
    assert coverage(collapsed, good) == pytest.approx(0.25)
    assert coverage(spread, good) == pytest.approx(1.0)
    counts = np.array([[5, 0, 0, 1, 9]])
    assert coverage(counts, good, threshold=0) == pytest.approx([0.5])
    t = torch.tensor(spread)
    assert float(coverage(t, good)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="good"):
        coverage(spread, [7])


@pytest.mark.parametrize("n,c,k", [(10, 0, 1), (10, 3, 1), (10, 3, 4), (20, 5, 10), (7, 7, 3),
                                   (30, 1, 30), (200, 13, 50)])
def test_pass_at_k_matches_combinatorics(n, c, k):
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12, abs=1e-15)


def test_pass_at_k_vectorized_and_errors():
    out = pass_at_k(np.array([10, 10]), np.array([0, 10]), 2)
    np.testing.assert_allclose(out, [0.0, 1.0])
    for bad in [{"n": 5, "c": 6, "k": 1}, {"n": 5, "c": 1, "k": 6}, {"n": 5, "c": 1, "k": 0}]:
        with pytest.raises(ValueError):
            pass_at_k(**bad)


def test_distinct_n():
    assert distinct_n(["abab"], 2) == pytest.approx(2 / 3)
    assert distinct_n([[1, 2, 3], [1, 2, 3]], 1) == pytest.approx(0.5)
    assert distinct_n([[1]], 2) == 0.0
    with pytest.raises(ValueError):
        distinct_n(["ab"], 0)


def test_coverage_with_a_good_mask_per_row_matches_the_index_form():
    from thermo_rl.metrics import coverage

    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(6) * 0.3, size=50)
    q = rng.integers(0, 3, size=(50, 6)).astype(float)
    mask = q == q.max(axis=1, keepdims=True)
    rows = [coverage(p[i], np.flatnonzero(mask[i])) for i in range(50)]
    assert np.allclose(coverage(p, mask), rows)
    with pytest.raises(ValueError, match="at least one"):
        coverage(p, np.zeros((50, 6), bool))
