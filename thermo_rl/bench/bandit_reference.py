"""Vectorized NumPy twins of the classic bandit policies: the references of ``bench bandit``.

Each policy of :mod:`thermo_rl.bandits.policies` that runs in a Numba kernel has here
the same policy written the natural fast NumPy way: a Python loop over the steps,
every step vectorized over the runs (``(runs, k)`` arrays), random tie-breaking among
maxima where the kernel breaks ties at random. :func:`numpy_bandit` reads the policy's
parameters from the same ``kernel_params`` the kernel gets, so kernel and reference
cannot drift apart silently; ``tests/bandits/test_reference.py`` checks that they give
the same reward and optimal-action curves within their standard errors.

The references do the kernels' work: per step they record the reward (sum and sum of
squares), whether the arm was a best one, the entropy and coverage of the policy's
action distribution, the regret, and the pulls per run and arm, each the cheap way the
kernel does it where NumPy allows it (epsilon-greedy's entropy from the number of tied
maxima, the softmax entropy as ``ln Z - <x>``, UCB's as ``ln n``): the comparison of
``bench bandit`` is the same job done two ways. (Before 0.2.0 they recorded only the
reward and the optimal action, which favored them in the timing.)

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
    """Per-step averages over runs: ``reward``, its standard error ``reward_sem``, the
    fraction ``optimal`` of runs that pulled one of their best arms, the ``entropy``
    (nats) and ``coverage`` of the action distribution (NaN for Thompson sampling: no
    explicit distribution), the ``regret`` (best mean minus the pulled arm's mean), and
    ``counts`` (runs, k) of pulls. ``spread``: the per-step standard deviations over runs
    of ``entropy``, ``coverage`` and ``regret`` (only with ``numpy_bandit(spread=True)``;
    the kernels do not record them, so the timed run does not either)."""

    reward: np.ndarray
    reward_sem: np.ndarray
    optimal: np.ndarray
    runs: int
    entropy: np.ndarray | None = None
    coverage: np.ndarray | None = None
    regret: np.ndarray | None = None
    counts: np.ndarray | None = None
    spread: dict | None = None


def _argmax_ties(v, rng):
    """Row-wise argmax of ``v`` with ties broken uniformly at random (the kernels' rule);
    the random draw only where a row has ties. Returns the arms, the mask of the tied
    maxima and their number per row."""
    top = v.max(axis=1, keepdims=True)
    ties = v == top
    a = ties.argmax(axis=1)
    n = np.count_nonzero(ties, axis=1)
    multi = np.flatnonzero(n > 1)
    if multi.size:
        a[multi] = (rng.random((multi.size, v.shape[1])) * ties[multi]).argmax(axis=1)
    return a, ties, n


class _Best:
    """The best arms of every run: ``count(mask)`` is the number of them in ``mask`` per
    row (one gather when every run has a single best arm, as on the testbed)."""

    def __init__(self, best):
        self.mask = best
        self.m = np.count_nonzero(best, axis=1)
        self.single = bool(np.all(self.m == 1))
        self.rows = np.arange(best.shape[0])
        self.first = best.argmax(axis=1)

    def at(self, v):
        """``v`` at the (single) best arm of each row."""
        return v[self.rows, self.first]

    def count(self, mask):
        return self.at(mask) if self.single else np.count_nonzero(self.mask & mask, axis=1)

    def covered(self, v, S):
        """Share of the best arms holding at least ``0.1/m`` of the weights ``v`` (sum S)."""
        thr = 0.1 * S / self.m
        if self.single:
            return (self.at(v) >= thr).astype(float)
        return np.count_nonzero(self.mask & (v >= thr[:, None]), axis=1) / self.m


def _greedy_tables(k, eps):
    """Entropy and the probability of each tied maximum of epsilon-greedy, by the number
    n = 1..k of tied maxima (index 0 unused): the kernel caches them by n too."""
    n = np.arange(1, k + 1)
    p_best = eps / k + (1.0 - eps) / n
    p_rest = eps / k
    h = -n * p_best * np.log(p_best)
    if p_rest > 0.0:
        h -= (k - n) * p_rest * np.log(p_rest)
    return np.concatenate([[np.nan], h]), np.concatenate([[np.nan], p_best]), p_rest


def _greedy_stats(tables, ties, n, best):
    """Entropy and coverage of epsilon-greedy (``eps/k + (1 - eps)/n`` on the ``n`` tied
    maxima, ``eps/k`` elsewhere) from the tie counts, without the distribution."""
    h_n, pb_n, p_rest = tables
    thr = 0.1 / best.m
    on = best.count(ties)
    cov = (on * (pb_n[n] >= thr) + (best.m - on) * (p_rest >= thr)) / best.m
    return h_n[n], cov


def _boltzmann_stats(w, x, S, best):
    """Entropy ``ln Z - <x>`` and coverage of the weights ``w = exp(x)`` (sum ``S``)."""
    h = np.maximum(np.log(S) - np.einsum("ij,ij->i", w, x) / S, 0.0)
    return h, best.covered(w, S)


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


def numpy_bandit(env, policy, *, runs: int, steps: int, seed=0,
                 spread: bool = False) -> ReferenceResult:
    """Run the classic ``policy`` on the stationary ``env``, vectorized over ``runs``.

    Supports every kernel policy (greedy, epsilon-greedy and optimistic, softmax with a
    fixed T or a schedule, gradient bandit, UCB, Thompson sampling, EXP3) on Gaussian
    and Bernoulli arms, with per-run random means (``means_std``); not the random walk.
    Same policy as the kernel, other random numbers (NumPy's generator): the results
    agree in distribution, not draw for draw. ``spread=True`` also records the per-step
    standard deviations of the entropy, coverage and regret (for tests).
    """
    from ..bandits import EXP3, UCB, EpsilonGreedy, GradientBandit, Softmax, Thompson

    if env.walk_std > 0:
        raise UserError("the NumPy reference covers stationary bandits only (walk_std = 0)")
    rng = make_rng(seed)
    params, temps = policy.kernel_params(env, steps)
    k = env.k
    q = env.means + env.means_std * rng.standard_normal((runs, k)) if env.means_std > 0 \
        else np.broadcast_to(env.means, (runs, k)).copy()
    qmax = q.max(axis=1)
    best = _Best(q == qmax[:, None])
    m = best.m
    rows = np.arange(runs)
    bern = env.kind == "bernoulli"
    s1, s2, opt = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    ent, cov, reg = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    sq = np.zeros((3, steps))
    acts = np.empty((steps, runs), np.int64)             # pulls, tallied at the end
    m0 = np.zeros((runs, k))                 # values Q / preferences H / log weights / S
    m1 = np.zeros((runs, k))                 # pulls N
    if isinstance(policy, (EpsilonGreedy, UCB)):
        m0 += params[1]
    elif isinstance(policy, Softmax):
        m0 += params[0]
    mean_r = np.zeros(runs)                  # gradient bandit's baseline
    greedy = _greedy_tables(k, params[0] if isinstance(policy, EpsilonGreedy) else 0.0)
    for t in range(steps):
        if isinstance(policy, EpsilonGreedy):
            eps = params[0]
            a, ties, n = _argmax_ties(m0, rng)
            h, c = _greedy_stats(greedy, ties, n, best)
            if eps > 0:
                explore = np.flatnonzero(rng.random(runs) < eps)
                a[explore] = rng.integers(0, k, explore.size)
        elif isinstance(policy, Softmax):
            T = temps[t]
            if T == 0:
                a, ties, n = _argmax_ties(m0, rng)
                h, c = _greedy_stats(greedy, ties, n, best)
            elif np.isinf(T):
                a = rng.integers(0, k, runs)
                h, c = np.full(runs, np.log(k)), (0.1 / m <= 1.0 / k).astype(float)
            else:
                x = (m0 - m0.max(axis=1, keepdims=True)) / T
                w = np.exp(x)
                a = _sample(w, rng)
                h, c = _boltzmann_stats(w, x, w.sum(axis=1), best)
        elif isinstance(policy, GradientBandit):
            x = m0 - m0.max(axis=1, keepdims=True)
            w = np.exp(x)
            S = w.sum(axis=1)
            h, c = _boltzmann_stats(w, x, S, best)
            p = w / S[:, None]
            a = _sample(p, rng)
        elif isinstance(policy, UCB):
            with np.errstate(divide="ignore", invalid="ignore"):
                u = m0 + params[0] * np.sqrt(np.log(t + 1.0) / m1)
            a, ties, n = _argmax_ties(np.where(m1 == 0, np.inf, u), rng)
            h = np.log(n)
            c = best.count(ties) / m * (1.0 / n >= 0.1 / m)
        elif isinstance(policy, Thompson):
            p0, p1, noise = params
            if noise >= 0:                   # Gaussian arms, known noise: normal posterior
                prec = 1.0 / (p1 * p1) + m1 / (noise * noise)
                mu = (p0 / (p1 * p1) + m0 / (noise * noise)) / prec
                a = np.argmax(mu + rng.standard_normal((runs, k)) / np.sqrt(prec), axis=1)
            else:                            # Bernoulli arms: Beta posterior
                a = np.argmax(rng.beta(p0 + m0, p1 + m1 - m0), axis=1)
            h = c = np.full(runs, np.nan)
        elif isinstance(policy, EXP3):
            gam = params[0]
            w = _softmax_weights(m0, 1.0)
            p = (1.0 - gam) * w / w.sum(axis=1, keepdims=True) + gam / k
            a = _sample(p, rng)
            h = -np.einsum("ij,ij->i", p, np.log(p))             # p >= gamma / k > 0
            c = best.covered(p, 1.0)               # normalized: Z = 1
        else:
            raise UserError(f"no NumPy reference for {type(policy).__name__}")
        qa = q[rows, a]
        R = (rng.random(runs) < qa).astype(float) if bern else \
            qa + env.noise * rng.standard_normal(runs)
        s1[t], s2[t] = R.sum(), R @ R
        opt[t] = np.count_nonzero(best.mask[rows, a])
        r = qmax - qa
        ent[t], cov[t], reg[t] = h.sum(), c.sum(), r.sum()
        if spread:
            sq[:, t] = h @ h, c @ c, r @ r
        acts[t] = a
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
    sums = np.array([ent, cov, reg]) / runs
    sd = None
    if spread:
        sd = dict(zip(("entropy", "coverage", "regret"),
                      np.sqrt(np.maximum(sq / runs - sums**2, 0.0) * runs / max(runs - 1, 1))))
    counts = np.bincount((acts + k * rows).ravel(), minlength=runs * k).reshape(runs, k)
    return ReferenceResult(mean, np.sqrt(var / max(runs - 1, 1)), opt / runs, runs,
                           sums[0], sums[1], sums[2], counts, sd)
