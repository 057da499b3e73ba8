"""The 10-armed testbed against Sutton & Barto (2018), chapter 2, and exact bounds.

Every comparison has a tolerance built from the run-to-run spread (standard errors
over 2000 independent runs), plus, where the reference is a number read off a
textbook figure, that reading's own uncertainty.
"""

import numpy as np
import pytest

from thermo_rl.bandits import UCB, EpsilonGreedy, GradientBandit, Greedy, run
from thermo_rl.bandits import testbed as make_testbed

RUNS, STEPS = 2000, 1000
K = 4.0
# the textbook's curves are read off its figures to +-0.05 (reward units, or a fraction)
FIGURE = 0.05
# E[max of 10 iid N(0,1)] (order statistics; Harter 1961): the best arm's mean on average
E_MAX_10 = 1.538753


@pytest.fixture(scope="module")
def results():
    env = make_testbed()
    pols = {"greedy": Greedy(), "eps0.1": EpsilonGreedy(0.1), "eps0.01": EpsilonGreedy(0.01),
            "ucb": UCB(2.0)}
    return {k: run(env, p, runs=RUNS, steps=STEPS, seed=11, progress=False)
            for k, p in pols.items()}


def _tail(res, n=100):
    """Mean over the last n steps and its standard error (steps within a run are
    correlated through the run's true means, so the error of one step is kept: it is
    larger than the error of the tail mean, a conservative bound)."""
    return float(res.reward[-n:].mean()), float(res.reward_sem[-n:].mean())


def _optimal(res, n=100):
    """Tail mean of the optimal-action fraction and its binomial error over the runs of
    one step (conservative for the same reason as in ``_tail``)."""
    p = float(res.optimal[-n:].mean())
    return p, float(np.sqrt(max(p * (1 - p), 1.0 / RUNS) / RUNS))


def test_epsilon_greedy_reward_and_optimal_bound(results):
    r, se = _tail(results["eps0.1"])
    # after 1000 steps the textbook's curve is at "about 1.4" (figure 2.2, read to +-0.05);
    # the asymptote with perfect estimates is (1 - eps) E[max] = 1.385
    assert abs(r - 1.4) < FIGURE + K * se
    assert r < 0.9 * E_MAX_10 + K * se
    opt, se_opt = _optimal(results["eps0.1"])
    assert opt <= 0.91 + K * se_opt            # explores 10% of the time: at most 91% optimal
    assert abs(opt - 0.80) < FIGURE + K * se_opt   # figure 2.2: just over 80% at step 1000


def test_textbook_ranking(results):
    tail = {k: _tail(v, 500) for k, v in results.items()}

    def above(a, b):
        (ra, sa), (rb, sb) = tail[a], tail[b]
        return ra - rb > 4 * np.hypot(sa, sb) / np.sqrt(5)   # 500 steps ~ 5 independent

    assert above("ucb", "eps0.1")           # figure 2.4
    assert above("eps0.1", "eps0.01")       # figure 2.2 at 1000 steps
    assert above("eps0.01", "greedy")
    g, se_g = tail["greedy"]
    assert abs(g - 1.0) < FIGURE + K * se_g    # greedy levels off near 1 (figure 2.2)
    opt, se_opt = _optimal(results["greedy"])
    assert abs(opt - 0.35) < FIGURE + K * se_opt   # ... on the best arm about 1/3 of the time


def test_gradient_bandit_baseline_on_shifted_make_testbed():
    env = make_testbed(shift=4.0)
    opt = {b: _optimal(run(env, GradientBandit(0.1, baseline=b), runs=RUNS, steps=STEPS,
                           seed=5, progress=False)) for b in (True, False)}
    # figure 2.5 (alpha = 0.1): ~80% optimal with the baseline, ~50% without
    for b, ref in ((True, 0.80), (False, 0.50)):
        assert abs(opt[b][0] - ref) < FIGURE + K * opt[b][1], (b, opt[b])


def test_reproducible_and_same_means_for_same_seed():
    a = run(make_testbed(), EpsilonGreedy(0.1), runs=50, steps=30, seed=1, progress=False)
    b = run(make_testbed(), EpsilonGreedy(0.1), runs=50, steps=30, seed=1, progress=False)
    c = run(make_testbed(), EpsilonGreedy(0.1), runs=50, steps=30, seed=2, progress=False)
    assert np.array_equal(a.reward, b.reward) and np.array_equal(a.counts, b.counts)
    assert not np.array_equal(a.reward, c.reward)
    assert a.counts.sum() == 50 * 30
