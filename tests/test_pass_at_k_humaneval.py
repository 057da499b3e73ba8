"""pass@k of :mod:`thermo_rl.metrics` against the HumanEval estimator (Chen et al., 2021).

Two references: the definition ``1 - C(n-c, k) / C(n, k)`` in exact rational arithmetic
(``math.comb``), and the numerically stable product form of the HumanEval code,
``1 - prod_{i=n-c+1}^{n} (1 - k / i)`` (1 when ``n - c < k``), written out here.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from thermo_rl.metrics import pass_at_k


def humaneval_numpy(n, c, k):
    """The estimator as in the HumanEval repository (human_eval/evaluation.py)."""
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


def exact(n, c, k):
    return float(1 - Fraction(math.comb(n - c, k), math.comb(n, k)))


def random_triples(seed, count, n_max):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, n_max + 1, count)
    c = rng.integers(0, n + 1)
    k = rng.integers(1, n + 1)
    return list(zip(n.tolist(), c.tolist(), k.tolist()))


@pytest.mark.parametrize("n_max", [10, 200, 2000])
def test_pass_at_k_equals_the_humaneval_estimator(n_max):
    worst_exact = worst_numpy = 0.0
    for n, c, k in random_triples(n_max, 400, n_max):
        ours = float(pass_at_k(n=n, c=c, k=k))
        worst_exact = max(worst_exact, abs(ours - exact(n, c, k)))
        worst_numpy = max(worst_numpy, abs(ours - humaneval_numpy(n, c, k)))
    assert worst_numpy == 0.0                       # the same formula, the same floats
    assert worst_exact < 1e-12                      # the product form is stable


def test_pass_at_k_broadcasts_and_hits_the_edges():
    n = np.array([[5, 10, 100]])
    c = np.array([[0], [1], [100]])
    got = pass_at_k(n=n, c=np.minimum(c, n), k=5)
    want = [[humaneval_numpy(int(ni), int(min(ci, ni)), 5) for ni in n[0]] for ci in c[:, 0]]
    assert np.array_equal(got, np.array(want))
    assert pass_at_k(n=10, c=0, k=3) == 0.0 and pass_at_k(n=10, c=8, k=3) == 1.0
    assert pass_at_k(n=10, c=3, k=1) == pytest.approx(0.3, abs=1e-15)   # pass@1 = c / n
