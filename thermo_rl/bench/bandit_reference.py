"""Vectorized NumPy twins of the classic bandit policies: the references of ``bench bandit``.

Each policy of :mod:`thermo_rl.bandits.policies` that runs in a Numba kernel has here
the same policy written the natural fast NumPy way: a Python loop over the steps,
every step vectorized over the runs (``(runs, k)`` arrays), random tie-breaking among
maxima where the kernel breaks ties at random. :func:`numpy_bandit` reads the policy's
parameters from the same ``kernel_params`` the kernel gets, so kernel and reference
cannot drift apart silently; ``tests/bandits/test_reference.py`` checks that they give
the same reward and optimal-action curves within their standard errors.

The references record the reward (sum and sum of squares) and whether the arm was a
best one, not the entropy, coverage and regret the kernels also record: that favors
the reference in the timing.

Examples
--------
>>> from thermo_rl.bandits import testbed, make_policy
>>> ref = numpy_bandit(testbed(), make_policy("ucb"), runs=200, steps=100, seed=0)
>>> ref.reward.shape, bool(ref.optimal[-10:].mean() > ref.optimal[0])
((100,), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._rng import make_rng
from ..errors import UserError

__all__ = ["ReferenceResult", "numpy_bandit"]


@dataclass
class ReferenceResult:
    """Per-step averages over runs: ``reward``, its standard error ``reward_sem`` and the
    fraction ``optimal`` of runs that pulled one of their best arms."""

    reward: np.ndarray
    reward_sem: np.ndarray
    optimal: np.ndarray
    runs: int


def _argmax_ties(v, rng):
    """Row-wise argmax of ``v`` with ties broken uniformly at random (the kernels' rule);
    the random draw only where a row has ties."""
    top = v.max(axis=1, keepdims=True)
    ties = v == top
    a = ties.argmax(axis=1)
    multi = np.flatnonzero(np.count_nonzero(ties, axis=1) > 1)
    if multi.size:
        a[multi] = (rng.random((multi.size, v.shape[1])) * ties[multi]).argmax(axis=1)
    return a


def _sample(p, rng):
    """One index per row of the (unnormalized) weights ``p`` by inverting the cdf."""
    c = np.cumsum(p, axis=1)
    u = rng.random(p.shape[0]) * c[:, -1]
    return np.minimum((c < u[:, None]).sum(axis=1), p.shape[1] - 1)


def _softmax_weights(v, T):
    """``exp((v - max v) / T)`` (unnormalized), T = inf uniform."""
    if np.isinf(T):
        return np.ones_like(v)
    return np.exp((v - v.max(axis=1, keepdims=True)) / T)


def numpy_bandit(env, policy, *, runs: int, steps: int, seed=0) -> ReferenceResult:
    """Run the classic ``policy`` on the stationary ``env``, vectorized over ``runs``.

    Supports every kernel policy (greedy, epsilon-greedy and optimistic, softmax with a
    fixed T or a schedule, gradient bandit, UCB, Thompson sampling, EXP3) on Gaussian
    and Bernoulli arms, with per-run random means (``means_std``); not the random walk.
    Same policy as the kernel, other random numbers (NumPy's generator): the results
    agree in distribution, not draw for draw.
    """
    from ..bandits import EXP3, UCB, EpsilonGreedy, GradientBandit, Softmax, Thompson

    if env.walk_std > 0:
        raise UserError("the NumPy reference covers stationary bandits only (walk_std = 0)")
    rng = make_rng(seed)
    params, temps = policy.kernel_params(env, steps)
    k = env.k
    q = env.means + env.means_std * rng.standard_normal((runs, k)) if env.means_std > 0 \
        else np.broadcast_to(env.means, (runs, k)).copy()
    best = q == q.max(axis=1, keepdims=True)
    rows = np.arange(runs)
    bern = env.kind == "bernoulli"
    s1, s2, opt = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    m0 = np.zeros((runs, k))                 # values Q / preferences H / log weights / S
    m1 = np.zeros((runs, k))                 # pulls N
    if isinstance(policy, (EpsilonGreedy, UCB)):
        m0 += params[1]
    elif isinstance(policy, Softmax):
        m0 += params[0]
    mean_r = np.zeros(runs)                  # gradient bandit's baseline
    for t in range(steps):
        if isinstance(policy, EpsilonGreedy):
            eps = params[0]
            a = _argmax_ties(m0, rng)
            if eps > 0:
                explore = np.flatnonzero(rng.random(runs) < eps)
                a[explore] = rng.integers(0, k, explore.size)
        elif isinstance(policy, Softmax):
            T = temps[t]
            a = _argmax_ties(m0, rng) if T == 0 else _sample(_softmax_weights(m0, T), rng)
        elif isinstance(policy, GradientBandit):
            w = _softmax_weights(m0, 1.0)
            p = w / w.sum(axis=1, keepdims=True)
            a = _sample(p, rng)
        elif isinstance(policy, UCB):
            with np.errstate(divide="ignore", invalid="ignore"):
                u = m0 + params[0] * np.sqrt(np.log(t + 1.0) / m1)
            a = _argmax_ties(np.where(m1 == 0, np.inf, u), rng)
        elif isinstance(policy, Thompson):
            p0, p1, noise = params
            if noise >= 0:                   # Gaussian arms, known noise: normal posterior
                prec = 1.0 / (p1 * p1) + m1 / (noise * noise)
                mu = (p0 / (p1 * p1) + m0 / (noise * noise)) / prec
                a = np.argmax(mu + rng.standard_normal((runs, k)) / np.sqrt(prec), axis=1)
            else:                            # Bernoulli arms: Beta posterior
                a = np.argmax(rng.beta(p0 + m0, p1 + m1 - m0), axis=1)
        elif isinstance(policy, EXP3):
            gam = params[0]
            w = _softmax_weights(m0, 1.0)
            p = (1.0 - gam) * w / w.sum(axis=1, keepdims=True) + gam / k
            a = _sample(p, rng)
        else:
            raise UserError(f"no NumPy reference for {type(policy).__name__}")
        qa = q[rows, a]
        R = (rng.random(runs) < qa).astype(float) if bern else \
            qa + env.noise * rng.standard_normal(runs)
        s1[t], s2[t] = R.sum(), R @ R
        opt[t] = np.count_nonzero(best[rows, a])
        if isinstance(policy, (EpsilonGreedy, Softmax, UCB)):
            alpha = params[2] if isinstance(policy, (EpsilonGreedy, UCB)) else params[1]
            m1[rows, a] += 1.0
            m0[rows, a] += (R - m0[rows, a]) * (alpha if alpha > 0 else 1.0 / m1[rows, a])
        elif isinstance(policy, GradientBandit):
            d = params[0] * (R - ((R if t == 0 else mean_r) if params[1] > 0 else 0.0))
            m0 -= d[:, None] * p
            m0[rows, a] += d
            mean_r += (R - mean_r) / (t + 1.0)
        elif isinstance(policy, Thompson):
            m1[rows, a] += 1.0
            m0[rows, a] += R
        else:                                # EXP3: importance-weighted, rescaled reward
            gam, lo, hi = params
            x = np.clip((R - lo) / (hi - lo), 0.0, 1.0)
            m0[rows, a] += gam * x / (p[rows, a] * k)
    mean = s1 / runs
    var = np.maximum(s2 / runs - mean**2, 0.0)
    return ReferenceResult(mean, np.sqrt(var / max(runs - 1, 1)), opt / runs, runs)
