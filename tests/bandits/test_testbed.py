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


def test_epsilon_greedy_reward_and_optimal_bound(results):
    r, se = _tail(results["eps0.1"])
    # after 1000 steps the textbook's curve is at "about 1.4" (figure 2.2, read to +-0.05);
    # the asymptote with perfect estimates is (1 - eps) E[max] = 1.385
    assert abs(r - 1.4) < 0.05 + 4 * se
    assert r < 0.9 * E_MAX_10 + 4 * se
    opt = results["eps0.1"].optimal[-100:].mean()
    se_opt = np.sqrt(0.91 * 0.09 / RUNS)
    assert opt <= 0.91 + 4 * se_opt            # explores 10% of the time: at most 91% optimal
    assert opt > 0.7                           # figure 2.2: just over 80% at step 1000


def test_textbook_ranking(results):
    tail = {k: _tail(v, 500) for k, v in results.items()}

    def above(a, b):
        (ra, sa), (rb, sb) = tail[a], tail[b]
        return ra - rb > 4 * np.hypot(sa, sb) / np.sqrt(5)   # 500 steps ~ 5 independent

    assert above("ucb", "eps0.1")           # figure 2.4
    assert above("eps0.1", "eps0.01")       # figure 2.2 at 1000 steps
    assert above("eps0.01", "greedy")
    g, _ = tail["greedy"]
    assert abs(g - 1.0) < 0.1               # greedy levels off near 1 (figure 2.2)


def test_gradient_bandit_baseline_on_shifted_make_testbed():
    env = make_testbed(shift=4.0)
    opt = {b: run(env, GradientBandit(0.1, baseline=b), runs=RUNS, steps=STEPS, seed=5,
                  progress=False).optimal[-100:].mean() for b in (True, False)}
    se = np.sqrt(0.25 / RUNS)
    # figure 2.5: ~80% optimal with the baseline, ~50% without
    assert opt[True] - opt[False] > 0.2 + 4 * se
    assert opt[True] > 0.75


def test_reproducible_and_same_means_for_same_seed():
    a = run(make_testbed(), EpsilonGreedy(0.1), runs=50, steps=30, seed=1, progress=False)
    b = run(make_testbed(), EpsilonGreedy(0.1), runs=50, steps=30, seed=1, progress=False)
    c = run(make_testbed(), EpsilonGreedy(0.1), runs=50, steps=30, seed=2, progress=False)
    assert np.array_equal(a.reward, b.reward) and np.array_equal(a.counts, b.counts)
    assert not np.array_equal(a.reward, c.reward)
    assert a.counts.sum() == 50 * 30
