"""EPO (Xu et al., 2025): the phase weight of the public code, the smoothing sign
against the running mean of past entropies, the coefficient it yields (hand-computed),
and the bonus it is on the bandit learner."""

import math

import numpy as np
import pytest

from thermo_rl.bandits import EntropyPG, equal_best, run
from thermo_rl.entropy import Context, make_control
from thermo_rl.entropy.methods.epo import phase_weight


def test_phase_weight_is_the_codes_two_exponentials():
    assert phase_weight(0, 100) == 1.0
    assert phase_weight(25, 100) == pytest.approx(1 - 0.2 * (1 - math.exp(-1.0)))
    assert phase_weight(50, 100) == pytest.approx(1 - 0.2 * (1 - math.exp(-2.0)))
    assert phase_weight(75, 100) == pytest.approx(0.8 * math.exp(-1.5))
    assert phase_weight(100, 100) == pytest.approx(0.8 * math.exp(-3.0))
    w = [phase_weight(t, 40) for t in range(41)]
    assert all(a >= b for a, b in zip(w, w[1:]))           # decreasing


def test_coefficient_from_the_band_around_the_running_mean():
    c = make_control("epo", coef=0.1, kappa=0.5, r_min=0.8, r_max=1.2)
    ctx = Context(step=0, steps=10, token_entropy=2.0)
    assert c.entropy_coef(ctx) == 0.1                     # no history yet
    for h in (2.0, 1.0):                                  # history mean 1.5: band [1.2, 1.8]
        ctx.token_entropy = h
        c.update(ctx)
    ctx.step = 4                                          # before half the run: no smoothing
    ctx.token_entropy = 0.5
    assert c.entropy_coef(ctx) == 0.1
    ctx.step = 6                                          # w = 0.8 exp(-3 * 1/5)
    w = 0.8 * math.exp(-0.6)
    for h, s in ((0.5, -1), (1.5, 0), (2.5, 1)):
        ctx.token_entropy = h
        assert c.smoothing_sign(ctx) == s
        assert c.entropy_coef(ctx) == pytest.approx(0.1 * (1 - 0.5 * w * s))
    flat = make_control("epo", coef=0.1, kappa=0.5, phase_weights=False)
    flat.history = [1.5]
    assert flat.entropy_coef(ctx) == pytest.approx(0.1 * (1 - 0.5))
    c.reset()
    assert c.history == []


def test_on_the_bandit_epo_is_an_entropy_bonus_until_the_smoothing_phase():
    """Before half the run EPO's coefficient is the bonus's own (c = T): the same
    trajectories, draw for draw; after it they differ only where the entropy left the
    band, so the final entropies agree to within the band's width."""
    env = equal_best(k=6, m=3)
    kw = {"runs": 50, "steps": 200, "seed": 3, "progress": False}
    bonus = run(env, EntropyPG(T=0.05), **kw)
    epo = run(env, EntropyPG(T=0.05, control="epo"), **kw)
    np.testing.assert_array_equal(epo.entropy[:101], bonus.entropy[:101])
    assert abs(epo.entropy[-20:].mean() / bonus.entropy[-20:].mean() - 1) < 0.2
