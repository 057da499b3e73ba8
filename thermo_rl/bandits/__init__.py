"""Softmax bandits: free energy vs reward maximization, mode collapse, entropy controls.

* :mod:`~thermo_rl.bandits.envs` — Gaussian and Bernoulli k-armed bandits, m equally
  good best arms, a random-walk (non-stationary) bandit, the 10-armed testbed;
* :mod:`~thermo_rl.bandits.policies` — greedy, epsilon-greedy, softmax (fixed T or a
  schedule), gradient bandit, UCB, Thompson sampling, EXP3 (Numba kernels) and the
  free-energy policy-gradient learner :class:`EntropyPG` with the entropy controls of
  :mod:`thermo_rl.entropy`;
* :mod:`~thermo_rl.bandits.runner` — :func:`run` many independent runs at once;
* :mod:`~thermo_rl.bandits.theory` — the Gibbs policy ``pi ∝ exp(Q/T)``, the objective
  ``J = <Q> + T H = -F`` and its optimum;
* :mod:`~thermo_rl.bandits.selftrain` — a model refit on its own samples collapses
  (Wright-Fisher drift).

Examples
--------
>>> from thermo_rl.bandits import run, equal_best, EntropyPG
>>> env = equal_best(k=6, m=3)
>>> res = run(env, EntropyPG(T=0.3), runs=100, steps=200, seed=0, progress=False)
>>> bool(res.coverage[-1] > 0.9)  # the free-energy learner keeps all three best arms
True
"""

from .envs import ENVS, BanditEnv, bernoulli, equal_best, gaussian, make_env, random_walk, testbed
from .policies import (
    EXP3,
    POLICIES,
    UCB,
    EntropyPG,
    EpsilonGreedy,
    GradientBandit,
    Greedy,
    Policy,
    Softmax,
    Thompson,
    make_policy,
)
from .runner import BanditResult, compare, run
from .selftrain import (
    SelfTrainingResult,
    exact_fixation_time,
    self_train,
    wright_fisher_fixation_time,
)
from .theory import free_energy, gibbs_policy, max_objective_J, objective_J, optimal_free_energy

__all__ = [
    "ENVS", "EXP3", "POLICIES", "UCB", "BanditEnv", "BanditResult", "EntropyPG",
    "EpsilonGreedy", "GradientBandit", "Greedy", "Policy", "SelfTrainingResult", "Softmax",
    "Thompson", "bernoulli", "compare", "equal_best", "exact_fixation_time", "free_energy",
    "gaussian",
    "gibbs_policy", "make_env", "make_policy", "max_objective_J", "objective_J",
    "optimal_free_energy", "random_walk", "run",
    "self_train", "testbed", "wright_fisher_fixation_time",
]
