"""Self-training of the language model against Wright-Fisher drift."""

import numpy as np
import pytest

from thermo_rl.llm.selftrain import gini_simpson, self_train_lm


def test_gini_simpson():
    assert gini_simpson([1.0, 0.0]) == 0.0
    assert gini_simpson(np.full(4, 0.25)) == pytest.approx(0.75)


def test_filtered_self_training_collapses_at_least_as_fast_as_wright_fisher(tiny_pair_sum):
    """Reward-filtered self-training: pass@1 rises and the heterozygosity of the correct
    answers falls, but no faster than Wright-Fisher with the kept samples as population
    (the drift of a model that refits its samples exactly; a network fits them only in
    part, n_e = n / lambda^2). Margin 0.05: the standard error of a mean over 19 prompts
    of a Wright-Fisher heterozygosity after 3 generations of ~3 kept samples (sd ~0.2)."""
    r = self_train_lm(tiny_pair_sum, generations=3, n_samples=16, mode="filtered", steps=25,
                      seed=0, progress=False)
    h = r.series("heterozygosity")
    p1 = r.series("pass@1")
    assert len(r.history) == 4 and p1[-1] > p1[0] + 0.05
    assert h[-1] < h[0]
    assert h[-1] > r.theory_heterozygosity[-1] - 0.05
    assert r.series("effective_correct")[-1] < r.series("effective_correct")[0]
    # the share of correct samples a generation drew (before the filter) is a draw from the model
    # before it: 19 prompts x 16 samples, so its standard error is at most sqrt(p (1 - p) / 304);
    # each generation within 4 standard errors of the previous model's exact pass@1
    drawn = r.series("sample_pass@1")
    assert np.isnan(drawn[0])
    se = np.sqrt(p1[:-1] * (1 - p1[:-1]) / (19 * 16))
    assert np.all(np.abs(drawn[1:] - p1[:-1]) <= 4 * se)
    d = r.as_dict()
    assert d["mode"] == "filtered" and len(d["theory_heterozygosity"]) == 4
    assert np.all(np.diff(d["theory_heterozygosity"]) <= 0)


def test_bad_arguments(tiny_pair_sum):
    with pytest.raises(ValueError, match="mode"):
        self_train_lm(tiny_pair_sum, mode="greedy")
    with pytest.raises(ValueError, match="fresh"):
        self_train_lm(tiny_pair_sum, fresh=2.0)
    with pytest.raises(ValueError, match="n_samples"):
        self_train_lm(tiny_pair_sum, n_samples=1)
