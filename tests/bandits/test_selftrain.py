"""Self-training collapse against Wright-Fisher theory."""

import numpy as np
import pytest

from thermo_rl.bandits import self_train, wright_fisher_fixation_time


def test_theory_closed_form():
    # two types at 1/2: 2n ln 2 (Kimura & Ohta 1969, haploid)
    assert wright_fisher_fixation_time([1, 1], 50) == pytest.approx(100 * np.log(2))
    # uniform over k: 2n (k - 1) ln(k / (k - 1))
    assert wright_fisher_fixation_time(np.ones(4), 100) == pytest.approx(600 * np.log(4 / 3))
    assert wright_fisher_fixation_time([1, 0, 0], 10) == 0.0


@pytest.mark.parametrize("k,n", [(4, 100), (10, 60)])
def test_fixation_time_matches_wright_fisher(k, n):
    res = self_train(k=k, n_samples=n, generations=25 * n, runs=1500, seed=k, progress=False)
    assert res.fraction_fixed == 1.0
    mean, sem = res.fixation_time()
    theory = wright_fisher_fixation_time(np.ones(k), n)
    # the diffusion limit is exact up to O(1/n) corrections: 3% at these n
    assert abs(mean - theory) < 4 * sem + 0.03 * theory


def test_collapse_time_grows_linearly_with_sample_size():
    t = [self_train(k=4, n_samples=n, generations=30 * n, runs=800, seed=1,
                    progress=False).fixation_time()[0] for n in (25, 100)]
    assert t[1] / t[0] == pytest.approx(4.0, rel=0.15)


def test_fresh_data_and_high_temperature_prevent_collapse():
    kw = {"k": 10, "n_samples": 50, "runs": 200, "seed": 2, "progress": False}
    gens = 10 * int(wright_fisher_fixation_time(np.ones(10), 50))
    plain = self_train(generations=gens, **kw)
    fresh = self_train(generations=gens, mix=0.1, **kw)
    hot = self_train(generations=gens, T=1.5, **kw)
    cold = self_train(generations=gens, T=0.8, **kw)
    assert plain.fraction_fixed == 1.0 and cold.fraction_fixed == 1.0
    assert fresh.fraction_fixed == 0.0 and hot.fraction_fixed == 0.0
    # fresh data brings lost types back (the support rises again); it stays near k
    assert np.any(np.diff(fresh.support, axis=1) > 0)
    assert fresh.mean_support[-1] > 0.8 * 10
    assert cold.fixation_time()[0] < plain.fixation_time()[0]
    # a lost type never returns without fresh data: support never rises
    assert np.all(np.diff(hot.support, axis=1) <= 0)


def test_bad_input():
    with pytest.raises(ValueError, match="mix"):
        self_train(k=3, mix=1.5, progress=False)
    with pytest.raises(ValueError, match="temperature"):
        self_train(k=3, T=0.0, progress=False)
    with pytest.raises(ValueError, match="p_true"):
        self_train([0.5, 0.5], p_true=[1, 1, 1], progress=False)
