import itertools
import math

import numpy as np
import pytest

from thermo_rl.gibbs import boltzmann_probabilities
from thermo_rl.physics.levels import (
    ln_multiplicity,
    most_probable_occupation,
    multiplicity,
    sample_levels,
    stirling_ln_multiplicity,
    stirling_relative_error,
)


def test_multiplicity_exact():
    assert multiplicity([2, 1, 1]) == 12
    assert multiplicity([50, 50]) == math.comb(100, 50)
    assert ln_multiplicity([50, 50]) == pytest.approx(math.log(math.comb(100, 50)), rel=1e-13)
    assert ln_multiplicity([7, 0, 0]) == 0.0


def test_stirling_error_falls_with_N():
    frac = np.array([0.5, 0.3, 0.2])
    errs = [stirling_relative_error((frac * N).astype(int)) for N in [10, 100, 1000, 10**4, 10**5]]
    assert all(b < a for a, b in itertools.pairwise(errs))
    # exact - Stirling = 1/2 ln(2 pi N) - 1/2 sum ln(2 pi n_i) + O(1/n) (the next Stirling
    # terms), so the relative error at large N must match that closed form to ~1e-5
    N = 10**5
    n = (frac * N).astype(int)
    corr = 0.5 * math.log(2 * math.pi * N) - 0.5 * np.log(2 * math.pi * n).sum()
    assert ln_multiplicity(n) - stirling_ln_multiplicity(n) == pytest.approx(corr, abs=1e-4)
    assert errs[-1] == pytest.approx(abs(corr) / ln_multiplicity(n), rel=1e-4)


def test_most_probable_occupation_converges_to_boltzmann():
    devs = []
    for N in [30, 300, 3000]:
        r = most_probable_occupation([0, 1, 2], N, 2 * N // 3)
        assert r.occupation.sum() == N and r.occupation @ np.array([0, 1, 2]) == 2 * N // 3
        devs.append(r.max_deviation)
    # the integer optimum sits within O(1/N) of Boltzmann: each tenfold N cuts the gap >= 5x
    assert devs[1] < devs[0] / 5 and devs[2] < devs[1] / 5
    assert devs[2] < 1e-3


def test_most_probable_is_the_max_by_brute_force():
    N, tot = 12, 10
    E = np.array([0, 1, 3, 4])
    best = -1
    for a in range(N + 1):
        for b in range(N + 1 - a):
            for c in range(N + 1 - a - b):
                d = N - a - b - c
                if b + 3 * c + 4 * d == tot:
                    best = max(best, multiplicity([a, b, c, d]))
    r = most_probable_occupation(E, N, tot)
    assert multiplicity(r.occupation) == best


def test_most_probable_errors():
    with pytest.raises(ValueError, match="total_energy"):
        most_probable_occupation([0, 1], 10, 11)
    with pytest.raises(ValueError, match="integers"):
        most_probable_occupation([0, 0.5], 10, 2)
    with pytest.raises(ValueError, match="distinct"):
        most_probable_occupation([0, 1, 1], 10, 2)
    with pytest.raises(ValueError, match="no occupation"):
        most_probable_occupation([0, 2], 3, 3)


# Pearson chi-square against exact probabilities: the samples are independent walkers,
# so under the null the p-value is uniform; a fixed seed makes the test deterministic and
# the threshold 1e-3 allows a 0.1 % false alarm rate over seeds.
@pytest.mark.parametrize("E,T,g", [([0.0, 1.0, 2.0], 1.0, None), ([0.0, 0.5, 3.0, 3.5], 0.7, None),
                                   ([0.0, 1.0, 2.0], 0.5, [1.0, 3.0, 5.0]),
                                   ([0.0, 1.0], np.inf, [1.0, 3.0])])
def test_metropolis_histogram_matches_boltzmann(E, T, g):
    s = sample_levels(E, T, 20_000, degeneracy=g, seed=3, progress=False)
    assert s.p_value > 1e-3
    np.testing.assert_allclose(s.expected, boltzmann_probabilities(E, T, degeneracy=g))


def test_metropolis_detects_wrong_temperature():
    # the same test has power: samples at T=1 fail against T=1.3 (guards a vacuous test)
    from scipy.stats import chisquare
    s = sample_levels([0.0, 1.0, 2.0], 1.0, 20_000, seed=3, progress=False)
    wrong = boltzmann_probabilities([0.0, 1.0, 2.0], 1.3) * 20_000
    assert chisquare(s.counts, wrong).pvalue < 1e-6


def test_metropolis_zero_temperature_and_errors():
    s = sample_levels([1.0, 0.0, 0.0, 2.0], 0.0, 2000, seed=0, progress=False)
    assert s.counts[0] == 0 and s.counts[3] == 0 and s.counts.sum() == 2000
    with pytest.raises(ValueError, match="T"):
        sample_levels([0.0, 1.0], -1.0)
    with pytest.raises(ValueError, match="energies"):
        sample_levels([0.0], 1.0)
    with pytest.raises(ValueError, match="degeneracy"):
        sample_levels([0.0, 1.0], 1.0, degeneracy=[1.0])
