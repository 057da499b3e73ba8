"""Numba kernels of the classic bandit policies (private; see :mod:`thermo_rl.bandits`).

Every kernel has the same signature and loops over the runs ``r0 .. r1-1`` (one
xoshiro256** stream per run, :func:`thermo_rl._rng.stream_states`), then over the
steps, accumulating per-step sums over runs into ``acc``. Kernels release the GIL, so
chunks of runs run on several threads, each with its own ``acc``:

    acc[0, t] sum of rewards         acc[1, t] sum of squared rewards
    acc[2, t] number optimal         acc[3, t] sum of policy entropies (nats)
    acc[4, t] sum of coverages       acc[5, t] sum of regrets (best mean - chosen mean)

Environment arguments: ``means`` (k,), ``means_std`` (per-run means drawn as
``means + means_std * N(0, 1)``; 1 for the 10-armed testbed), ``kind`` (0 Gaussian
rewards ``N(mean, noise^2)``, 1 Bernoulli with probability ``mean``), ``walk_std``
(random-walk step of every mean after each step; 0 for stationary).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._rng import next_below, next_double, next_normal

N_ACC = 6


# ----------------------------------------------------------------------------- shared helpers
@njit(cache=True)
def _init_means(state, r, means, means_std, q):
    for a in range(q.size):
        q[a] = means[a]
        if means_std > 0.0:
            q[a] += means_std * next_normal(state, r)


@njit(cache=True)
def _reward(state, r, kind, mean, noise):
    if kind == 0:
        if noise > 0.0:
            return mean + noise * next_normal(state, r)
        return mean
    return 1.0 if next_double(state, r) < mean else 0.0


@njit(cache=True)
def _walk(state, r, q, walk_std, kind):
    if walk_std > 0.0:
        for a in range(q.size):
            q[a] += walk_std * next_normal(state, r)
            if kind == 1:
                q[a] = min(max(q[a], 0.0), 1.0)


@njit(cache=True)
def _argmax_random(state, r, v):
    """Index of the maximum of ``v``, ties broken uniformly at random."""
    best = v[0]
    n = 1
    for a in range(1, v.size):
        if v[a] > best:
            best = v[a]
            n = 1
        elif v[a] == best:
            n += 1
    j = next_below(state, r, n) if n > 1 else 0
    for a in range(v.size):
        if v[a] == best:
            if j == 0:
                return a
            j -= 1
    return 0


@njit(cache=True)
def _greedy_probs(v, eps, probs):
    """Epsilon-greedy action probabilities (uniform over tied maxima); returns the entropy."""
    k = v.size
    best = v[0]
    for a in range(1, k):
        best = max(best, v[a])
    n = 0
    for a in range(k):
        if v[a] == best:
            n += 1
    p_best = eps / k + (1.0 - eps) / n
    p_rest = eps / k
    for a in range(k):
        probs[a] = p_best if v[a] == best else p_rest
    h = -n * p_best * np.log(p_best)
    if p_rest > 0.0 and n < k:
        h -= (k - n) * p_rest * np.log(p_rest)
    return h


@njit(cache=True)
def _softmax_probs(v, T, probs):
    """Boltzmann probabilities exp(v/T)/Z, stable; T = 0 greedy, T = inf uniform.

    Returns the entropy ``ln Z' - <v - max v>/T`` (no logarithm per action)."""
    k = v.size
    best = v[0]
    for a in range(1, k):
        best = max(best, v[a])
    if T == 0.0:
        return _greedy_probs(v, 0.0, probs)
    if np.isinf(T):
        for a in range(k):
            probs[a] = 1.0 / k
        return np.log(k)
    s = 0.0
    m = 0.0
    for a in range(k):
        x = (v[a] - best) / T
        probs[a] = np.exp(x)
        s += probs[a]
        m += probs[a] * x
    for a in range(k):
        probs[a] /= s
    return max(np.log(s) - m / s, 0.0)


@njit(cache=True)
def _entropy(probs):
    h = 0.0
    for p in probs:
        if p > 0.0:
            h -= p * np.log(p)
    return h


@njit(cache=True)
def _sample(state, r, probs):
    u = next_double(state, r)
    c = 0.0
    k = probs.size
    for a in range(k):
        c += probs[a]
        if u < c:
            return a
    for a in range(k - 1, -1, -1):     # round-off: last action with positive probability
        if probs[a] > 0.0:
            return a
    return k - 1


@njit(cache=True)
def _record(acc, t, a, reward, q, probs, h):
    """Accumulate step ``t``; ``h`` is the policy's entropy (NaN: no explicit distribution)."""
    k = q.size
    qmax = q[0]
    for b in range(1, k):
        qmax = max(qmax, q[b])
    acc[0, t] += reward
    acc[1, t] += reward * reward
    if q[a] == qmax:
        acc[2, t] += 1.0
    acc[5, t] += qmax - q[a]
    if np.isnan(h):
        acc[3, t] = np.nan
        acc[4, t] = np.nan
        return
    m = 0
    for b in range(k):
        if q[b] == qmax:
            m += 1
    covered = 0
    for b in range(k):
        if q[b] == qmax and probs[b] >= 0.1 / m:
            covered += 1
    acc[3, t] += h
    acc[4, t] += covered / m


# ----------------------------------------------------------------------------- policies
# params: [epsilon, initial, step_size (<= 0: sample average)]
@njit(cache=True, nogil=True)
def epsilon_greedy_kernel(states, r0, r1, means, means_std, kind, noise, walk_std, params,
                          temps, acc, counts, final_probs):
    k = means.size
    steps = acc.shape[1]
    eps, init, alpha = params[0], params[1], params[2]
    q = np.empty(k)
    Q = np.empty(k)
    N = np.zeros(k)
    probs = np.empty(k)
    for r in range(r0, r1):
        _init_means(states, r, means, means_std, q)
        for a in range(k):
            Q[a] = init
            N[a] = 0.0
        for t in range(steps):
            h = _greedy_probs(Q, eps, probs)
            if eps > 0.0 and next_double(states, r) < eps:
                a = next_below(states, r, k)
            else:
                a = _argmax_random(states, r, Q)
            R = _reward(states, r, kind, q[a], noise)
            _record(acc, t, a, R, q, probs, h)
            N[a] += 1.0
            Q[a] += (R - Q[a]) * (alpha if alpha > 0.0 else 1.0 / N[a])
            counts[r, a] += 1
            _walk(states, r, q, walk_std, kind)
        _greedy_probs(Q, eps, probs)
        final_probs[r, :] = probs


# params: [initial, step_size]; temps: T per step
@njit(cache=True, nogil=True)
def softmax_kernel(states, r0, r1, means, means_std, kind, noise, walk_std, params, temps,
                   acc, counts, final_probs):
    k = means.size
    steps = acc.shape[1]
    init, alpha = params[0], params[1]
    q = np.empty(k)
    Q = np.empty(k)
    N = np.zeros(k)
    probs = np.empty(k)
    for r in range(r0, r1):
        _init_means(states, r, means, means_std, q)
        for a in range(k):
            Q[a] = init
            N[a] = 0.0
        for t in range(steps):
            h = _softmax_probs(Q, temps[t], probs)
            a = _sample(states, r, probs)
            R = _reward(states, r, kind, q[a], noise)
            _record(acc, t, a, R, q, probs, h)
            N[a] += 1.0
            Q[a] += (R - Q[a]) * (alpha if alpha > 0.0 else 1.0 / N[a])
            counts[r, a] += 1
            _walk(states, r, q, walk_std, kind)
        _softmax_probs(Q, temps[steps - 1], probs)
        final_probs[r, :] = probs


# params: [alpha, baseline (1 or 0)]  (Sutton & Barto 2018, section 2.8)
@njit(cache=True, nogil=True)
def gradient_kernel(states, r0, r1, means, means_std, kind, noise, walk_std, params, temps,
                    acc, counts, final_probs):
    k = means.size
    steps = acc.shape[1]
    alpha, use_baseline = params[0], params[1] > 0.0
    q = np.empty(k)
    H = np.zeros(k)
    probs = np.empty(k)
    for r in range(r0, r1):
        _init_means(states, r, means, means_std, q)
        for a in range(k):
            H[a] = 0.0
        rbar = 0.0
        for t in range(steps):
            h = _softmax_probs(H, 1.0, probs)
            a = _sample(states, r, probs)
            R = _reward(states, r, kind, q[a], noise)
            _record(acc, t, a, R, q, probs, h)
            base = 0.0
            if use_baseline:
                base = R if t == 0 else rbar      # mean of the earlier rewards (R_1 at t = 1)
            for b in range(k):
                H[b] -= alpha * (R - base) * probs[b]
            H[a] += alpha * (R - base)
            rbar += (R - rbar) / (t + 1.0)
            counts[r, a] += 1
            _walk(states, r, q, walk_std, kind)
        _softmax_probs(H, 1.0, probs)
        final_probs[r, :] = probs


# params: [c, initial, step_size]  (Auer, Cesa-Bianchi & Fischer 2002; S&B eq. 2.10)
@njit(cache=True, nogil=True)
def ucb_kernel(states, r0, r1, means, means_std, kind, noise, walk_std, params, temps, acc,
               counts, final_probs):
    k = means.size
    steps = acc.shape[1]
    c, init, alpha = params[0], params[1], params[2]
    q = np.empty(k)
    Q = np.empty(k)
    N = np.zeros(k)
    U = np.empty(k)
    probs = np.empty(k)
    for r in range(r0, r1):
        _init_means(states, r, means, means_std, q)
        for a in range(k):
            Q[a] = init
            N[a] = 0.0
        for t in range(steps):
            lt = np.log(t + 1.0)
            for b in range(k):
                U[b] = np.inf if N[b] == 0.0 else Q[b] + c * np.sqrt(lt / N[b])
            h = _greedy_probs(U, 0.0, probs)
            a = _argmax_random(states, r, U)
            R = _reward(states, r, kind, q[a], noise)
            _record(acc, t, a, R, q, probs, h)
            N[a] += 1.0
            Q[a] += (R - Q[a]) * (alpha if alpha > 0.0 else 1.0 / N[a])
            counts[r, a] += 1
            _walk(states, r, q, walk_std, kind)
        for b in range(k):
            U[b] = np.inf if N[b] == 0.0 else Q[b] + c * np.sqrt(np.log(steps + 1.0) / N[b])
        _greedy_probs(U, 0.0, probs)
        final_probs[r, :] = probs


@njit(cache=True)
def _gamma(state, r, shape):
    """Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang, 2000)."""
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        x = next_normal(state, r)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = next_double(state, r)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if np.log(u) < 0.5 * x * x + d * (1.0 - v + np.log(v)):
            return d * v


# params: [prior_mean, prior_std] (Gaussian: known noise) or [alpha0, beta0] (Bernoulli)
@njit(cache=True, nogil=True)
def thompson_kernel(states, r0, r1, means, means_std, kind, noise, walk_std, params, temps,
                    acc, counts, final_probs):
    k = means.size
    steps = acc.shape[1]
    p0, p1 = params[0], params[1]
    q = np.empty(k)
    S = np.zeros(k)
    N = np.zeros(k)
    theta = np.empty(k)
    probs = np.empty(k)
    for r in range(r0, r1):
        _init_means(states, r, means, means_std, q)
        for a in range(k):
            S[a] = 0.0
            N[a] = 0.0
        for t in range(steps):
            for b in range(k):
                if kind == 0:
                    prec = 1.0 / (p1 * p1) + N[b] / (noise * noise)
                    mu = (p0 / (p1 * p1) + S[b] / (noise * noise)) / prec
                    theta[b] = mu + next_normal(states, r) / np.sqrt(prec)
                else:
                    x = _gamma(states, r, p0 + S[b])
                    y = _gamma(states, r, p1 + N[b] - S[b])
                    theta[b] = x / (x + y)
            a = _argmax_random(states, r, theta)
            R = _reward(states, r, kind, q[a], noise)
            _record(acc, t, a, R, q, probs, np.nan)
            N[a] += 1.0
            S[a] += R
            counts[r, a] += 1
            _walk(states, r, q, walk_std, kind)
        for b in range(k):
            final_probs[r, b] = np.nan


# params: [gamma, reward_low, reward_high]  (Auer, Cesa-Bianchi, Freund & Schapire 2002)
@njit(cache=True, nogil=True)
def exp3_kernel(states, r0, r1, means, means_std, kind, noise, walk_std, params, temps, acc,
                counts, final_probs):
    k = means.size
    steps = acc.shape[1]
    gam, lo, hi = params[0], params[1], params[2]
    q = np.empty(k)
    logw = np.zeros(k)
    probs = np.empty(k)
    for r in range(r0, r1):
        _init_means(states, r, means, means_std, q)
        for a in range(k):
            logw[a] = 0.0
        for t in range(steps):
            _softmax_probs(logw, 1.0, probs)
            for b in range(k):
                probs[b] = (1.0 - gam) * probs[b] + gam / k
            a = _sample(states, r, probs)
            R = _reward(states, r, kind, q[a], noise)
            _record(acc, t, a, R, q, probs, _entropy(probs))
            x = min(max((R - lo) / (hi - lo), 0.0), 1.0)
            logw[a] += gam * x / (probs[a] * k)
            counts[r, a] += 1
            _walk(states, r, q, walk_std, kind)
        _softmax_probs(logw, 1.0, probs)
        for b in range(k):
            final_probs[r, b] = (1.0 - gam) * probs[b] + gam / k


# ----------------------------------------------------------------------------- self-training
@njit(cache=True)
def self_training_kernel(states, p0, p_true, n_samples, generations, mix, inv_temp,
                         support, fixation, first_loss, final_p):
    """Refit a categorical model on its own samples for ``generations`` generations.

    Each generation draws ``n_samples`` from ``q = (1 - mix) * p^(1/T) / Z + mix * p_true``
    and refits ``p = counts / n_samples``. Per run: support size after every
    generation (``support[r, g]``), the generation of fixation (support 1; -1 if never)
    and of the first loss of a type (-1 if never), and the final ``p``.
    """
    runs = states.shape[0]
    K = p0.size
    p = np.empty(K)
    qv = np.empty(K)
    cnt = np.zeros(K)
    for r in range(runs):
        for a in range(K):
            p[a] = p0[a]
        fixation[r] = -1
        first_loss[r] = -1
        for g in range(generations):
            s = 0.0
            for a in range(K):
                qv[a] = p[a] ** inv_temp if p[a] > 0.0 else 0.0
                s += qv[a]
            for a in range(K):
                qv[a] = (1.0 - mix) * qv[a] / s + mix * p_true[a]
                cnt[a] = 0.0
            for _ in range(n_samples):
                cnt[_sample(states, r, qv)] += 1.0
            n_sup = 0
            for a in range(K):
                p[a] = cnt[a] / n_samples
                if cnt[a] > 0.0:
                    n_sup += 1
            support[r, g] = n_sup
            if n_sup < K and first_loss[r] < 0:
                first_loss[r] = g + 1
            if n_sup == 1 and fixation[r] < 0:
                fixation[r] = g + 1
                if mix == 0.0:                 # absorbing: nothing can come back
                    for g2 in range(g + 1, generations):
                        support[r, g2] = 1
                    break
        final_p[r, :] = p
