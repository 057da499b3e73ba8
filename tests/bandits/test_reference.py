"""The NumPy references of ``bench bandit`` run the same policies as the Numba kernels.

Kernel and reference use different random generators, so they agree in distribution:
over five windows of steps, the mean reward, the fraction of optimal actions, the
entropy and coverage of the action distribution and the regret of the two agree within
K = 4 standard errors (for the last three the kernel records no spread; the two
estimate the same distribution, so the reference's standard deviation stands for both,
floored for rare events: a statistic with range B that the reference's N runs show
constant may still move in the kernel's runs at a rate of order 1/N, a standard
deviation of order B / sqrt(N)). The standard error of a window average is
bounded by the average of the per-step standard errors (Minkowski: the standard
deviation of a sum is at most the sum of the standard deviations; the steps of a run
are correlated), so the test is conservative, and the negative control shows that it
still tells a policy from a neighbour with another parameter.
"""

import numpy as np
import pytest

from thermo_rl.bandits import (
    EXP3,
    UCB,
    EpsilonGreedy,
    GradientBandit,
    Greedy,
    Softmax,
    Thompson,
    bernoulli,
    equal_best,
    run,
)
from thermo_rl.bandits import testbed as _testbed
from thermo_rl.bench.bandit_reference import numpy_bandit

K = 4.0
RUNS, STEPS, WINDOWS = 2000, 250, 5


def _windows(x):
    return np.array([w.mean() for w in np.array_split(np.asarray(x, float), WINDOWS)])


def _gaps(kernel, ref):
    """Per window: (difference of means) / (combined bound on the standard error)."""
    out = []
    for key in ("reward", "optimal"):
        a, b = getattr(kernel, key), getattr(ref, key)
        if key == "reward":
            sa, sb = kernel.reward_sem, ref.reward_sem
        else:                                 # binomial standard error per step
            sa = np.sqrt(a * (1 - a) / (kernel.runs - 1))
            sb = np.sqrt(b * (1 - b) / (ref.runs - 1))
        se = np.hypot(_windows(sa), _windows(sb))
        out.append(np.abs(_windows(a) - _windows(b)) / np.maximum(se, 1e-12))
    k = kernel.counts.shape[1]
    for key, B in (("entropy", np.log(k)), ("coverage", 1.0), ("regret", 0.0)):
        a, b = getattr(kernel, key), getattr(ref, key)
        if np.all(np.isnan(a)) and np.all(np.isnan(b)):      # Thompson: no distribution
            continue
        sd = np.maximum(_windows(ref.spread[key]), B / np.sqrt(ref.runs))
        se = np.sqrt(2.0 / (ref.runs - 1)) * sd
        out.append(np.abs(_windows(a) - _windows(b)) / np.maximum(se, 1e-12))
    return np.concatenate(out)


CASES = [
    ("greedy", _testbed(), Greedy()),
    ("epsilon-greedy", _testbed(), EpsilonGreedy(0.1)),
    ("optimistic", _testbed(), EpsilonGreedy(0.0, initial=5.0, step_size=0.1)),
    ("softmax", _testbed(), Softmax(T=0.1)),
    ("softmax schedule", _testbed(), Softmax(schedule="geometric:1:0.05")),
    # cold: the kernel's weights pass e^5 or their sum falls below 0.01 often (afresh)
    ("softmax cold", _testbed(), Softmax(T=0.02)),
    ("gradient", _testbed(), GradientBandit(0.1)),
    ("gradient no baseline", _testbed(), GradientBandit(0.1, baseline=False)),
    # steps of the preferences above 0.35: the kernel recomputes its weights afresh
    ("gradient large steps", _testbed(), GradientBandit(0.8)),
    ("ucb", _testbed(), UCB(2.0)),
    ("thompson", _testbed(), Thompson()),
    ("thompson bernoulli", bernoulli([0.2, 0.35, 0.5, 0.55]), Thompson()),
    ("exp3", _testbed(), EXP3(0.1)),
    ("exp3 bernoulli", bernoulli([0.2, 0.35, 0.5, 0.55]), EXP3(0.2)),
    # three equally good arms: the coverage counts several best arms per run
    ("epsilon-greedy equal-best", equal_best(m=3), EpsilonGreedy(0.1)),
    ("softmax equal-best", equal_best(m=3), Softmax(T=0.3)),
    ("ucb equal-best", equal_best(m=3), UCB(2.0)),
    ("exp3 equal-best", equal_best(m=3), EXP3(0.1)),
]


@pytest.mark.parametrize("name, env, policy", CASES, ids=[c[0] for c in CASES])
def test_reference_matches_kernel(name, env, policy):
    kern = run(env, policy, runs=RUNS, steps=STEPS, seed=1, progress=False)
    ref = numpy_bandit(env, policy, runs=RUNS, steps=STEPS, seed=2, spread=True)
    gaps = _gaps(kern, ref)
    assert gaps.max() <= K, (name, np.round(gaps, 2))
    assert ref.optimal[-20:].mean() > ref.optimal[0]      # it learns
    assert np.array_equal(ref.counts.sum(axis=1), np.full(RUNS, STEPS))
    assert abs(kern.counts.mean(axis=0) - ref.counts.mean(axis=0)).max() <= K * np.hypot(
        kern.counts.std(axis=0), ref.counts.std(axis=0)).max() / np.sqrt(RUNS)


@pytest.mark.parametrize("policy, other", [
    (EpsilonGreedy(0.1), EpsilonGreedy(0.3)),
    (Softmax(T=0.1), Softmax(T=0.3)),
    (UCB(2.0), UCB(0.5)),
    (EXP3(0.1), EXP3(0.12)),          # told apart by the entropy of the distribution
], ids=["epsilon", "T", "c", "gamma"])
def test_the_comparison_tells_parameters_apart(policy, other):
    """Negative control: the same comparison rejects a reference with another parameter."""
    kern = run(_testbed(), policy, runs=RUNS, steps=STEPS, seed=1, progress=False)
    ref = numpy_bandit(_testbed(), other, runs=RUNS, steps=STEPS, seed=2, spread=True)
    assert _gaps(kern, ref).max() > K


def test_reference_refuses_a_random_walk():
    from thermo_rl.bandits import random_walk

    with pytest.raises(ValueError, match="stationary"):
        numpy_bandit(random_walk(), Greedy(), runs=4, steps=4)
