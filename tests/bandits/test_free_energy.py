"""Free energy vs reward maximization on a bandit with m equally good arms."""

import numpy as np
import pytest

from thermo_rl.bandits import (
    EntropyPG,
    Greedy,
    equal_best,
    gibbs_policy,
    max_objective_J,
    objective_J,
    run,
)
from thermo_rl.metrics import coverage, entropy

Q = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])


def test_gibbs_policy_limits_and_closed_form():
    np.testing.assert_allclose(gibbs_policy(Q, 0.0), [1 / 3] * 3 + [0] * 3)
    np.testing.assert_allclose(gibbs_policy(Q, np.inf), np.full(6, 1 / 6))
    T = 0.5
    x = np.exp(-1 / T)
    np.testing.assert_allclose(gibbs_policy(Q, T), np.r_[[1 / (3 + 3 * x)] * 3,
                                                         [x / (3 + 3 * x)] * 3])
    # max J = T ln Z, attained by the Gibbs policy
    assert np.isclose(objective_J(gibbs_policy(Q, T), Q, T), max_objective_J(Q, T))
    assert np.isclose(max_objective_J(Q, T), T * np.log(3 * np.exp(1 / T) + 3))
    assert max_objective_J(Q, 0.0) == 1.0


def test_gibbs_policy_beats_every_other_policy():
    rng = np.random.default_rng(0)
    for T in (0.05, 0.3, 2.0):
        best = objective_J(gibbs_policy(Q, T), Q, T)
        others = rng.dirichlet(np.full(Q.size, 0.5), size=2000)
        assert np.all(objective_J(others, Q, T) <= best + 1e-12)


def test_zero_temperature_optimum_keeps_all_modes():
    # the *optimum* of reward alone is degenerate: uniform over the m best is optimal
    assert coverage(gibbs_policy(Q, 0.0), [0, 1, 2]) == 1.0
    assert np.isclose(objective_J(gibbs_policy(Q, 0.0), Q, 0.0), 1.0)


@pytest.fixture(scope="module")
def learners():
    env = equal_best(k=6, m=3, noise=0.0)
    noisy = equal_best(k=6, m=3, noise=1.0)
    runs = 200
    return env, runs, {
        # reward noise drives the neutral walk between equal arms (noise-free rewards
        # give every best arm the same advantage, 0, and the walk stops where it is)
        "reinforce": run(noisy, EntropyPG(T=0.0, lr=0.5), runs=runs, steps=2000, seed=3,
                         progress=False),
        "greedy": run(noisy, Greedy(), runs=runs, steps=300, seed=3, progress=False),
        "free-energy": run(env, EntropyPG(T=0.3, lr=0.5, group=16), runs=runs, steps=800,
                           seed=3, progress=False),
    }


def test_reward_maximization_collapses_to_one_of_m(learners):
    env, runs, res = learners
    for name in ("reinforce", "greedy"):
        cov = coverage(res[name].final_probs, env.best_arms())
        # each run ends with coverage 1/3, 2/3 or 1; collapse means the mean is near 1/3
        se = max(cov.std(ddof=1), 1 / 3) / np.sqrt(runs)
        assert cov.mean() < 1 / 3 + 0.05 + 4 * se, name
        # ...and on a best arm: the reward is not lost, only the diversity
        assert res[name].optimal[-50:].mean() > 0.9, name


def test_free_energy_learner_converges_to_gibbs_policy(learners):
    env, runs, res = learners
    fe = res["free-energy"]
    assert np.all(coverage(fe.final_probs, env.best_arms()) == 1.0)
    target = gibbs_policy(env.means, 0.3)
    mean = fe.final_probs.mean(axis=0)
    se = fe.final_probs.std(axis=0, ddof=1) / np.sqrt(runs)
    np.testing.assert_array_less(np.abs(mean - target), 5 * se + 1e-4)
    assert abs(fe.entropy[-50:].mean() - entropy(target)) < 0.01


def test_group_baseline_shifts_the_fixed_point():
    """GRPO's group mean (sample included) scales the gradient by 1 - 1/G: Gibbs at T/(1-1/G)."""
    env, G, T, runs = equal_best(k=6, m=3, noise=0.0), 4, 0.3, 200
    res = run(env, EntropyPG(T=T, lr=0.5, group=G, baseline="group"), runs=runs, steps=800,
              seed=4, progress=False)
    mean = res.final_probs.mean(axis=0)
    se = res.final_probs.std(axis=0, ddof=1) / np.sqrt(runs)
    shifted = gibbs_policy(env.means, T / (1 - 1 / G))
    np.testing.assert_array_less(np.abs(mean - shifted), 5 * se + 1e-4)
    assert np.all(np.abs(mean - gibbs_policy(env.means, T))[3:] > 5 * se[3:])


def test_entropy_change_prediction_along_training(learners):
    _, _, res = learners
    fe = res["reinforce"]
    p, m = fe.dH_predicted[50:], fe.dH_measured[50:]
    # first order holds in the mean; the second-order (noise) part is negative on average
    assert np.corrcoef(p, m)[0, 1] > 0.9
