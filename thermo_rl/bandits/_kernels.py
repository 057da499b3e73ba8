"""Numba kernels of the classic bandit policies (private; see :mod:`thermo_rl.bandits`).

One loop (:func:`run_runs`) serves every policy: a policy plugs in four small
functions (reset, act, learn, final), and :func:`thermo_rl._specialize.specialize`
compiles the loop once per policy with them inlined. The loop runs over the runs
``r0 .. r1-1`` (one xoshiro256** stream per run, :func:`thermo_rl._rng.stream_states`),
then over the steps, accumulating per-step sums over runs into ``acc``. Kernels release
the GIL, so chunks of runs run on several threads, each with its own ``acc`` (one row
of ``N_ACC`` per step, a cache line):

    acc[t, 0] sum of rewards         acc[t, 1] sum of squared rewards
    acc[t, 2] number optimal         acc[t, 3] sum of policy entropies (nats)
    acc[t, 4] sum of coverages       acc[t, 5] sum of regrets (best mean - chosen mean)

What sets their speed (measured with ``thermo-rl bench bandit`` against the NumPy twins
of :mod:`thermo_rl.bench.bandit_reference`, one core): the instructions per step, more
than the chain of dependent operations (two runs advanced in lockstep gained 0-10%, and a
busy second hardware thread on the core halves what latency hiding can give). So a
policy recomputes per step only what changed: softmax and EXP3 recompute the pulled
arm's weight (one exp), EXP3 shifts its running sums, UCB and Thompson sampling read
per-count tables; the gradient bandit (every preference moves) pays k exps. Loops over
ten arms mostly stay scalar (the vectorizer wants more iterations), hence the table
``fast_exp``; one that does vectorize (EXP3's entropy terms with ``fast_log``) needs
``error_model="numpy"`` (the Python error model tests every divisor for zero) and no
float reduction inside. Padded 16-wide blocks (in ``m2`` or in arrays of their own) were
slower; so were views of 2-D arrays per step (reference counting). What was not expected:
a branch on a parameter that never changes inside the loop can cost a quarter of the time
when its other side is large (Thompson sampling's Bernoulli path with its gamma draws:
hence one kernel per arm type); reading a value back right after storing it puts the
store on the chain (``_tsg_learn``); an inverse cdf that stops at the drawn arm
mispredicts its exit whenever an unusual arm is drawn, so where a scratch array is at hand
the running sums are counted instead (:func:`_inverse_cdf_counted`, the gradient bandit:
its sums also give Z'); code that runs once in 64 or 1024 steps can be kept out of line
(EXP3's weights afresh, 2% faster) or must not be (the gradient bandit's, 20% slower as a
call). ``fastmath`` is only ``contract`` (FMA), :data:`FASTMATH`. A kernel compiled for a
fixed k = 10 was 4-9% faster for some policies and 60% slower for EXP3: not done.

Environment arguments: ``means`` (k,), ``means_std`` (per-run means drawn as
``means + means_std * N(0, 1)``; 1 for the 10-armed testbed), ``kind`` (0 Gaussian
rewards ``N(mean, noise^2)``, 1 Bernoulli with probability ``mean``), ``walk_std``
(random-walk step of every mean after each step; 0 for stationary).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._fastmath import exp_small, fast_exp, fast_log
from .._rng import rng_below, rng_double, rng_load, rng_normal, rng_standard_normal, rng_store
from .._specialize import specialize

N_ACC = 6

#: ``m2``, a policy's scratch (one array, allocated once per kernel call): two per-arm
#: blocks ``[0, k)`` and ``[k, 2k)``, eight scalars ``[2k, 2k + 8)``, two per-step tables
#: ``[2k + 8, 2k + 9 + steps)`` and ``[2k + 9 + steps, 2k + 10 + 2 steps)`` (shared by
#: all runs of the call; ``_reset`` fills them on the first run and flags it in the last
#: scalar): what a policy would otherwise compute from a count on every step, with a
#: square root or a division on the chain of dependent operations that sets the speed
M2_LAYOUT = "arms | arms | 8 scalars | steps + 1 | steps + 1"


# ----------------------------------------------------------------------------- shared helpers
@njit(cache=True, inline="always")
def _init_means(rng, means, means_std, q):
    for a in range(q.size):
        q[a] = means[a]
        if means_std > 0.0:
            z, _, rng = rng_normal(rng)
            q[a] += means_std * z
    return rng


@njit(cache=True, inline="always")
def _walk(rng, q, walk_std, kind):
    for a in range(q.size):
        z, _, rng = rng_normal(rng)
        q[a] += walk_std * z
        if kind == 1:
            q[a] = min(max(q[a], 0.0), 1.0)
    return rng


@njit(cache=True, inline="always")
def _best_arms(q, best):
    """The best mean of ``q``; ``best[:m]`` gets the indices of the ``m`` best arms."""
    qmax = q[0]
    for b in range(1, q.size):
        qmax = max(qmax, q[b])
    m = 0
    for b in range(q.size):
        if q[b] == qmax:
            best[m] = b
            m += 1
    return qmax, m


@njit(cache=True, inline="always")
def _max(v):
    """The largest element of ``v`` in four independent chains (the kernels are latency
    bound: ``k/4 + 2`` dependent steps instead of ``k``)."""
    k = v.size
    x0 = x1 = x2 = x3 = v[0]
    a = 0
    while a + 4 <= k:
        x0 = max(x0, v[a])
        x1 = max(x1, v[a + 1])
        x2 = max(x2, v[a + 2])
        x3 = max(x3, v[a + 3])
        a += 4
    while a < k:
        x0 = max(x0, v[a])
        a += 1
    return max(max(x0, x1), max(x2, x3))


@njit(cache=True, inline="always")
def _dot(u, v, k):
    """``sum u[:k] * v[:k]`` in four independent chains (``v = None``: ``sum u[:k]``)."""
    s0 = s1 = s2 = s3 = 0.0
    a = 0
    while a + 4 <= k:
        if v is None:
            s0 += u[a]
            s1 += u[a + 1]
            s2 += u[a + 2]
            s3 += u[a + 3]
        else:
            s0 += u[a] * v[a]
            s1 += u[a + 1] * v[a + 1]
            s2 += u[a + 2] * v[a + 2]
            s3 += u[a + 3] * v[a + 3]
        a += 4
    while a < k:
        s0 += u[a] if v is None else u[a] * v[a]
        a += 1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, inline="always")
def _argmax_random(rng, v):
    """Index of the maximum of ``v`` (ties broken uniformly at random; one pass unless
    tied) and the new generator state."""
    best = v[0]
    first = 0
    n = 1
    for a in range(1, v.size):
        x = v[a]
        if x > best:
            best = x
            first = a
            n = 1
        elif x == best:
            n += 1
    if n == 1:
        return first, rng
    j, rng = rng_below(rng, n)
    for a in range(first, v.size):
        if v[a] == best:
            if j == 0:
                return a, rng
            j -= 1
    return first, rng


@njit(cache=True, inline="always")
def _greedy_entropy(k, n, eps):
    """Entropy of epsilon-greedy over k arms with n tied maxima."""
    p_best = eps / k + (1.0 - eps) / n
    p_rest = eps / k
    h = -n * p_best * np.log(p_best)
    if p_rest > 0.0 and n < k:
        h -= (k - n) * p_rest * np.log(p_rest)
    return h


@njit(cache=True, inline="always")
def _greedy_probs(v, eps, probs):
    """Epsilon-greedy action probabilities (uniform over tied maxima); returns the entropy."""
    k = v.size
    best = v[0]
    n = 1
    for a in range(1, k):
        x = v[a]
        if x > best:
            best = x
            n = 1
        elif x == best:
            n += 1
    p_best = eps / k + (1.0 - eps) / n
    p_rest = eps / k
    for a in range(k):
        probs[a] = p_best if v[a] == best else p_rest
    return _greedy_entropy(k, n, eps)


@njit(cache=True, inline="always")
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
    for a in range(k):                     # fast_exp: no libm call
        probs[a] = fast_exp((v[a] - best) / T)
    s = 0.0
    m = 0.0
    for a in range(k):
        e = probs[a]
        s += e
        m += e * ((v[a] - best) / T)
    inv = 1.0 / s
    for a in range(k):
        probs[a] *= inv
    return max(np.log(s) - m * inv, 0.0)


@njit(cache=True)
def _entropy(probs):
    h = 0.0
    for p in probs:
        if p > 0.0:
            h -= p * np.log(p)
    return h


@njit(cache=True, inline="always")
def _inverse_cdf(u, w, k):
    """The first ``a`` with ``u < w[0] + .. + w[a]`` (round-off past the total: the last
    ``a`` with ``w[a] > 0``)."""
    c = 0.0
    for a in range(k):
        c += w[a]
        if u < c:
            return a
    for a in range(k - 1, -1, -1):
        if w[a] > 0.0:
            return a
    return k - 1


@njit(cache=True, inline="always")
def _running_sums(w, cs, k):
    """``cs[b] = w[0] + .. + w[b]`` for ``b < k``; returns the total."""
    c = 0.0
    for b in range(k):
        c += w[b]
        cs[b] = c
    return c


@njit(cache=True, inline="always")
def _inverse_cdf_counted(u, w, cs, k):
    """:func:`_inverse_cdf` from the running sums ``cs`` of ``w``
    (:func:`_running_sums`): the number of them at or below ``u``, a loop that vectorizes,
    with no data-dependent exit to mispredict when an unusual arm is drawn."""
    n = 0
    for b in range(k):
        n += 1 if cs[b] <= u else 0
    return n if n < k else _inverse_cdf(u, w, k)      # round-off past the total


@njit(cache=True, inline="always")
def _sample(rng, probs):
    """An index drawn from ``probs`` and the new generator state."""
    u, rng = rng_double(rng)
    return _inverse_cdf(u, probs, probs.size), rng


@njit(cache=True, inline="always")
def _coverage(probs, best, m):
    """Share of the best arms ``best[:m]`` holding at least 0.1/m of ``probs``
    (:func:`thermo_rl.metrics.coverage`, one comparison when m = 1)."""
    if m == 1:
        return 1.0 if probs[best[0]] >= 0.1 else 0.0
    return _coverage_weights(probs, 1.0, best, m)


@njit(cache=True, inline="always")
def _coverage_weights(w, S, best, m):
    """:func:`_coverage` of the unnormalized weights ``w`` of sum ``S`` (no division per
    arm; no branch for m = 1: in the gradient kernel it cost about 4%, measured)."""
    thr = 0.1 / m * S
    n = 0
    for i in range(m):
        if w[best[i]] >= thr:
            n += 1
    return n / m


@njit(cache=True, inline="always")
def _draw_weights(rng, w, S, best, m):
    """An arm drawn with probability ``w[b] / S`` from the unnormalized weights
    ``w[:k]`` (``k = best.size``; no division per arm), the coverage of the best arms
    ``best[:m]`` and the new generator state."""
    u, rng = rng_double(rng)
    return _inverse_cdf(u * S, w, best.size), _coverage_weights(w, S, best, m), rng


@njit(cache=True, inline="always")
def _record(acc, t, a, reward, q, qmax, h, cov):
    """Accumulate step ``t``: reward, its square, optimal, entropy ``h`` and coverage
    ``cov`` of the policy (NaN: no explicit distribution), regret."""
    acc[t, 0] += reward
    acc[t, 1] += reward * reward
    acc[t, 2] += 1.0 if q[a] == qmax else 0.0
    acc[t, 3] += h
    acc[t, 4] += cov
    acc[t, 5] += qmax - q[a]


# ----------------------------------------------------------------------------- the loop
def run_runs(states, r0, r1, means, means_std, kind, noise, walk_std, params, temps, acc,
             counts, final_probs):
    """The one bandit loop, written against a policy's four plug-ins (bound by
    :func:`thermo_rl._specialize.specialize`):

    ``_reset(params, m0, m1, m2)``: fresh memory for a new run (``m0``, ``m1`` of
    length k; ``m2`` the policy's scratch, :data:`M2_LAYOUT`);
    ``_act(rng, t, params, temps, m0, m1, m2, probs, best, m) -> (a, h, cov, rng)``:
    draw ``a`` with the generator state ``rng``; return it, the entropy ``h`` and the
    coverage ``cov`` of the best arms ``best[:m]`` (NaN: no explicit distribution) and the
    new state; ``probs`` holds the action distribution where ``_learn`` needs it;
    ``_learn(params, t, a, R, m0, m1, m2, probs)``: update the memory with reward ``R``;
    ``_final(params, temps, steps, m0, m1, m2, probs, out)``: the final distribution.

    One run at a time, its whole state in a few small arrays and locals (the xoshiro
    stream in registers, :func:`thermo_rl._rng.rng_load`): the best arms
    are found once per run (again after each step only on a random walk), Gaussian
    rewards come from a ziggurat (no logarithm per draw), and everything the policies and
    the recording call is inlined into the one compiled loop.
    """
    k = means.size
    steps = acc.shape[0]
    q = np.empty(k)
    probs = np.empty(k)
    best = np.empty(k, np.int64)
    m0 = np.zeros(k)
    m1 = np.zeros(k)
    m2 = np.zeros(2 * k + 8 + 2 * (steps + 1))     # policy scratch: M2_LAYOUT
    for r in range(r0, r1):
        rng = rng_load(states, r)
        rng = _init_means(rng, means, means_std, q)
        qmax, m = _best_arms(q, best)
        _reset(params, m0, m1, m2)
        for t in range(steps):
            a, h, cov, rng = _act(rng, t, params, temps, m0, m1, m2, probs, best, m)
            if kind == 1:                                  # Bernoulli
                u, rng = rng_double(rng)
                R = 1.0 if u < q[a] else 0.0
            elif noise > 0.0:                              # Gaussian (ziggurat)
                z, rng = rng_standard_normal(rng)
                R = q[a] + noise * z
            else:
                R = q[a]
            _record(acc, t, a, R, q, qmax, h, cov)
            _learn(params, t, a, R, m0, m1, m2, probs)
            counts[r, a] += 1
            if walk_std > 0.0:
                rng = _walk(rng, q, walk_std, kind)
                qmax, m = _best_arms(q, best)
        rng_store(states, r, rng)
        _final(params, temps, steps, m0, m1, m2, probs, final_probs[r])


def _unbound(*args):  # pragma: no cover - replaced by specialize()
    raise RuntimeError("run_runs is generic; call a specialized kernel")


_reset = _act = _learn = _final = _unbound


# ----------------------------------------------------------------------------- policies
# Action values (epsilon-greedy, softmax, UCB): m0 = Q, m1 = N.
# params: [.., initial, step_size (<= 0: sample average)] at positions ``PI, PA`` below.
@njit(cache=True, inline="always")
def _update_value(Q, N, a, R, alpha):
    N[a] += 1.0
    step = alpha if alpha > 0.0 else 1.0 / N[a]    # off the R -> Q dependency chain
    Q[a] += (R - Q[a]) * step


@njit(cache=True)
def _reset_values(init, Q, N):
    for b in range(Q.size):
        Q[b] = init
        N[b] = 0.0


# epsilon-greedy: params [epsilon, initial, step_size]
# m2[n - 1] caches the entropy with n tied maxima (NaN: not computed yet)
@njit(cache=True, inline="always")
def _eg_reset(params, m0, m1, m2):
    _reset_values(params[1], m0, m1)
    for b in range(m2.size):
        m2[b] = np.nan


@njit(cache=True, inline="always")
def _eg_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    # epsilon-greedy needs no distribution array: p = eps/k + (1 - eps)/n on the n tied
    # maxima, eps/k elsewhere; its entropy depends on n only (cached in m2[n - 1])
    eps = params[0]
    k = m0.size
    top = _max(m0)                         # branch-free maximum (no mispredictions)...
    n = 0
    first = k
    for b in range(k):                     # ...then where it is and how many are tied
        if m0[b] == top:
            n += 1
            first = min(first, b)
    h = m2[n - 1]
    if np.isnan(h):
        h = _greedy_entropy(k, n, eps)
        m2[n - 1] = h
    p_rest = eps / k
    if p_rest >= 0.1 / m:
        cov = 1.0
    elif m == 1:
        cov = 1.0 if m0[best[0]] == top and p_rest + (1.0 - eps) / n >= 0.1 else 0.0
    else:
        c = 0
        for i in range(m):
            if m0[best[i]] == top and p_rest + (1.0 - eps) / n >= 0.1 / m:
                c += 1
        cov = c / m
    if eps > 0.0:
        u, rng = rng_double(rng)
        if u < eps:
            a, rng = rng_below(rng, k)
            return a, h, cov, rng
    if n == 1:
        return first, h, cov, rng
    a, rng = _argmax_random(rng, m0)
    return a, h, cov, rng


@njit(cache=True, inline="always")
def _eg_learn(params, t, a, R, m0, m1, m2, probs):
    _update_value(m0, m1, a, R, params[2])


@njit(cache=True, inline="always")
def _eg_final(params, temps, steps, m0, m1, m2, probs, out):
    _greedy_probs(m0, params[0], out)


# softmax (Boltzmann exploration): params [initial, step_size]; temps: T per step.
# Only the pulled arm's value changes, so only its weight and scaled value are recomputed
# (one exp per step), and the sums follow that one term: m2[:k] = weights w_b = exp(x_b),
# probs = x_b = (Q_b - ref) / T; scalars m2[2k] = 1 when they are valid, m2[2k + 1] = ref
# (the largest Q when they were computed afresh), m2[2k + 2] = the T they were computed
# at, m2[2k + 3] = 1/T, m2[2k + 4] = Z' = sum w, m2[2k + 5] = Z' <x> = sum w x. All afresh
# when T changes, every 64 steps, when an x passes 5 or Z' falls below 0.01 (Z' >= 1 when
# afresh): the round-off the running sums gather stays below 64 * 2 eps * 5 e^5 / 0.01,
# about 2e-9 of Z', nothing a bandit statistic resolves
@njit(cache=True, inline="always")
def _sm_reset(params, m0, m1, m2):
    _reset_values(params[0], m0, m1)
    m2[2 * m0.size] = 0.0


@njit(cache=True, inline="always")
def _sm_weights(Q, T, m2, x):
    """All weights afresh, referred to the largest value."""
    k = Q.size
    ref = _max(Q)
    iT = 1.0 / T
    for b in range(k):
        x[b] = (Q[b] - ref) * iT
    for b in range(k):
        m2[b] = fast_exp(x[b])
    m2[2 * k], m2[2 * k + 1], m2[2 * k + 2], m2[2 * k + 3] = 1.0, ref, T, iT
    m2[2 * k + 4] = _dot(m2, None, k)
    m2[2 * k + 5] = _dot(m2, x, k)


@njit(cache=True, inline="always")
def _sm_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    T = temps[t]
    k = m0.size
    if T == 0.0 or np.isinf(T):            # greedy / uniform: the explicit distribution
        m2[2 * k] = 0.0
        h = _softmax_probs(m0, T, probs)
        a, rng = _sample(rng, probs)
        return a, h, _coverage(probs, best, m), rng
    if m2[2 * k] == 0.0 or T != m2[2 * k + 2] or (t & 63) == 0 or m2[2 * k + 4] < 0.01:
        _sm_weights(m0, T, m2, probs)
    S = m2[2 * k + 4]                      # Z' and Z' <x>
    M = m2[2 * k + 5]
    h = max(fast_log(S) - M / S, 0.0)      # entropy ln Z' - <x>
    a, cov, rng = _draw_weights(rng, m2, S, best, m)
    return a, h, cov, rng


@njit(cache=True, inline="always")
def _sm_learn(params, t, a, R, m0, m1, m2, probs):
    _update_value(m0, m1, a, R, params[1])
    k = m0.size
    if m2[2 * k] != 0.0:
        x = (m0[a] - m2[2 * k + 1]) * m2[2 * k + 3]
        w = fast_exp(x)
        m2[2 * k + 4] += w - m2[a]         # Z' and Z' <x> follow the one changed term
        m2[2 * k + 5] += w * x - m2[a] * probs[a]
        probs[a] = x
        m2[a] = w
        if x > 5.0:                        # a weight above e^5: refer afresh
            m2[2 * k] = 0.0


@njit(cache=True, inline="always")
def _sm_final(params, temps, steps, m0, m1, m2, probs, out):
    _softmax_probs(m0, temps[steps - 1], out)


# gradient bandit (Sutton & Barto 2018, section 2.8): params [alpha, baseline (1 or 0)];
# m1 = x = H - ref (the preferences H relative to ref; m0 = H when w is computed afresh
# and at the end, scratch in between), ``probs`` = the unnormalized weights w = exp(x)
# (p = w / Z'); m2[0] = mean of the earlier rewards, m2[1] = 1/Z' (Z' = sum of the
# weights), m2[2] = 1 while w and x are valid, m2[3] = ref (the largest H when they were
# computed afresh), the per-step table 1/(t + 1) for the mean reward. An update moves
# every x_b by y_b = -d p_b (and x_a by d more), |y_b| <= |d|: the weights follow as
# w_b exp(y_b), exp by its Taylor series (no range reduction; a loop that vectorizes)
# while |d| <= 0.35, afresh otherwise, every 64 steps (bounds the round-off of the
# products) and when a weight passes e^30
_GB_TAYLOR = 0.35


@njit(cache=True, inline="always")
def _gb_reset(params, m0, m1, m2):
    k = m0.size
    for b in range(k):
        m1[b] = 0.0
    m2[0] = m2[2] = m2[3] = 0.0
    if m2[2 * k + 7] == 0.0:               # 1 / (t + 1), once per kernel call
        for t in range((m2.size - 2 * k - 8) // 2):
            m2[2 * k + 8 + t] = 1.0 / (t + 1.0)
        m2[2 * k + 7] = 1.0


@njit(cache=True, inline="always")
def _gb_preferences(m0, m1, m2):
    """H = x + ref into m0."""
    for b in range(m0.size):
        m0[b] = m1[b] + m2[3]


@njit(cache=True, inline="always")
def _gb_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    k = m0.size
    if m2[2] == 0.0 or (t & 63) == 0:      # weights afresh, referred to the largest H
        _gb_preferences(m0, m1, m2)        # (inlined: as a call, the step took 20% longer)
        top = _max(m0)
        for b in range(k):
            m1[b] = m0[b] - top
        for b in range(k):
            probs[b] = fast_exp(m1[b])
        m2[2], m2[3] = 1.0, top
    S = _running_sums(probs, m0, k)        # into m0 (H: scratch until the next afresh)
    iS = 1.0 / S                           # Z' = S, Z' <x> below
    h = max(fast_log(S) - _dot(probs, m1, k) * iS, 0.0)
    m2[1] = iS
    u, rng = rng_double(rng)
    a = _inverse_cdf_counted(u * S, probs, m0, k)
    return a, h, _coverage_weights(probs, S, best, m), rng


@njit(cache=True, inline="always")
def _gb_learn(params, t, a, R, m0, m1, m2, probs):
    alpha = params[0]
    base = 0.0
    if params[1] > 0.0:
        base = R if t == 0 else m2[0]      # mean of the earlier rewards (R_1 at t = 1)
    d = alpha * (R - base)
    c = d * m2[1]
    k = m0.size
    if abs(d) <= _GB_TAYLOR:               # H_b -= d p_b and w_b exp(-d p_b), one loop
        for b in range(k):
            y = c * probs[b]
            m1[b] -= y
            probs[b] *= exp_small(-y)
        m1[a] += d                         # H_a += d
        probs[a] = fast_exp(m1[a])
        if m1[a] > 30.0:
            m2[2] = 0.0
    else:
        for b in range(k):
            m1[b] -= c * probs[b]
        m1[a] += d
        m2[2] = 0.0
    m2[0] += (R - m2[0]) * m2[2 * k + 8 + t]


@njit(cache=True, inline="always")
def _gb_final(params, temps, steps, m0, m1, m2, probs, out):
    _gb_preferences(m0, m1, m2)
    _softmax_probs(m0, 1.0, out)


# UCB (Auer, Cesa-Bianchi & Fischer 2002; S&B eq. 2.10): params [c, initial, step_size];
# m2[k:2k] = 1/sqrt(N_b) (kept up to date by _learn: one sqrt per step), the per-step
# table m2[2k + 8 + t] = c sqrt(ln(t + 1)) (filled once per kernel call)
@njit(cache=True)
def _ucb_bounds(c, t, Q, N, U):
    lt = np.log(t + 1.0)
    for b in range(Q.size):
        U[b] = np.inf if N[b] == 0.0 else Q[b] + c * np.sqrt(lt / N[b])


@njit(cache=True, inline="always")
def _ucb_reset(params, m0, m1, m2):
    _reset_values(params[1], m0, m1)
    k = m0.size
    for b in range(k):
        m2[k + b] = 0.0
    if m2[2 * k + 7] == 0.0:               # the bonus table, once per kernel call
        for t in range((m2.size - 2 * k - 8) // 2):
            m2[2 * k + 8 + t] = params[0] * np.sqrt(np.log(t + 1.0))
        m2[2 * k + 7] = 1.0


@njit(cache=True, inline="always")
def _ucb_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    k = m0.size
    bonus = m2[2 * k + 8 + t]
    top = -np.inf
    for b in range(k):                     # bounds (untried arms first) and their maximum
        u = m0[b] + bonus * m2[k + b] if m1[b] > 0.0 else np.inf
        probs[b] = u
        top = max(top, u)
    n = 0
    first = k
    for b in range(k):
        if probs[b] == top:
            n += 1
            first = min(first, b)
    a = first
    if n > 1:
        a, rng = _argmax_random(rng, probs[:k])
    n_best = 0                             # coverage: best arms among the n maxima
    for i in range(m):
        if probs[best[i]] == top:
            n_best += 1
    cov = n_best / m if 1.0 / n >= 0.1 / m else 0.0
    return a, (0.0 if n == 1 else np.log(n)), cov, rng


@njit(cache=True, inline="always")
def _ucb_learn(params, t, a, R, m0, m1, m2, probs):
    _update_value(m0, m1, a, R, params[2])
    m2[m0.size + a] = 1.0 / np.sqrt(m1[a])


@njit(cache=True, inline="always")
def _ucb_final(params, temps, steps, m0, m1, m2, probs, out):
    _ucb_bounds(params[0], steps, m0, m1, m2[:m0.size])
    _greedy_probs(m2[:m0.size], 0.0, out)


@njit(cache=True, inline="always")
def _gamma(rng, shape):
    """Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang, 2000) and the new state."""
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        x, _, rng = rng_normal(rng)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, rng = rng_double(rng)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v, rng
        if np.log(u) < 0.5 * x * x + d * (1.0 - v + np.log(v)):
            return d * v, rng


# Thompson sampling, two kernels (a branch on the arm type inside the loop cost about a
# quarter of the Gaussian kernel's time: the Bernoulli path's gamma draws crowd its
# registers).
# Gaussian arms with known noise: params [prior_mean, prior_std, noise]; m1 = pulls N,
# m0 = posterior means, m2[:k] = posterior standard deviations (only the pulled arm's
# change: _learn updates them), one ziggurat normal per arm and step; the per-step tables
# hold, for n pulls, the gain 1 / (noise^2 prec_n) of the mean's update and the standard
# deviation prec_n^(-1/2), prec_n = 1/prior_std^2 + n/noise^2 (no division or square
# root per step). Bernoulli arms: params [alpha0, beta0, -1]; m1 = pulls N, m0 =
# successes S, probs = the sampled means.
@njit(cache=True, inline="always")
def _tsg_reset(params, m0, m1, m2):
    k = m0.size
    for b in range(k):
        m0[b] = params[0]
        m1[b] = 0.0
        m2[b] = params[1]
    if m2[2 * k + 7] == 0.0:               # the tables, once per kernel call
        n_t = (m2.size - 2 * k - 8) // 2
        p1, noise = params[1], params[2]
        for n in range(n_t):
            prec = 1.0 / (p1 * p1) + n / (noise * noise)
            m2[2 * k + 8 + n] = 1.0 / (noise * noise * prec)
            m2[2 * k + 8 + n_t + n] = 1.0 / np.sqrt(prec)
        m2[2 * k + 7] = 1.0


@njit(cache=True, inline="always")
def _tsg_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    k = m0.size                            # posteriors N(m0, m2^2): the draws first, then
    for b in range(k):                     # their first maximum (the generator's chain
        z, rng = rng_standard_normal(rng)  # runs ahead of the comparisons; one pass with
        probs[b] = m0[b] + m2[b] * z       # the comparison inside was 20% slower)
    top = probs[0]
    a = 0
    for b in range(1, k):                  # ties have probability 0
        if probs[b] > top:
            top = probs[b]
            a = b
    return a, np.nan, np.nan, rng


@njit(cache=True, inline="always")
def _tsg_learn(params, t, a, R, m0, m1, m2, probs):
    k = m0.size                            # conjugate update of arm a's normal posterior
    n_t = (m2.size - 2 * k - 8) // 2
    n = np.int64(m1[a]) + 1                # the count from the load, not reloaded after
    m1[a] = n                              # the store (20% faster, measured)
    m0[a] += (R - m0[a]) * m2[2 * k + 8 + n]
    m2[a] = m2[2 * k + 8 + n_t + n]


@njit(cache=True, inline="always")
def _tsb_reset(params, m0, m1, m2):
    for b in range(m0.size):
        m0[b] = 0.0
        m1[b] = 0.0


@njit(cache=True, inline="always")
def _tsb_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    for b in range(m0.size):               # Beta posteriors via two gammas
        S, N = m0[b], m1[b]
        x, rng = _gamma(rng, params[0] + S)
        y, rng = _gamma(rng, params[1] + N - S)
        probs[b] = x / (x + y)
    a, rng = _argmax_random(rng, probs)
    return a, np.nan, np.nan, rng


@njit(cache=True, inline="always")
def _tsb_learn(params, t, a, R, m0, m1, m2, probs):
    m1[a] += 1.0
    m0[a] += R


@njit(cache=True, inline="always")
def _ts_final(params, temps, steps, m0, m1, m2, probs, out):
    for b in range(out.size):
        out[b] = np.nan


# EXP3 (Auer, Cesa-Bianchi, Freund & Schapire 2002): params [gamma, reward_low,
# reward_high]; m0 = log weights L. Only the pulled arm's L changes, so only its weight is
# recomputed (one exp per step) and the running sums of the weights are shifted, not
# redone: m2[:k] = weights w_b = exp(L_b - ref), m2[k:2k] = their running sums
# W_b = w_0 + .. + w_b (sampling needs no serial sum: it counts the W_b below u W_{k-1});
# scalars m2[2k] = 1 when w and W are valid, m2[2k + 1] = ref (the largest L when they
# were last computed afresh: L only grows, so again once an arm passes ref + 30, and
# every 1024 steps, which bounds the round-off of the shifted sums), m2[2k + 2] =
# 1 / (reward_high - reward_low), m2[2k + 3] = gamma / k
_EXP3_RESCALE = 30.0


@njit(cache=True)
def _exp3_probs(gam, logw, probs):
    _softmax_probs(logw, 1.0, probs)
    k = probs.size
    for b in range(k):
        probs[b] = (1.0 - gam) * probs[b] + gam / k


@njit(cache=True)
def _exp3_weights(m0, m2):
    """Weights and their running sums afresh, referred to the largest L (a call, not
    inlined: kept out of the step loop's code)."""
    k = m0.size
    ref = _max(m0)
    c = 0.0
    for b in range(k):
        m2[b] = fast_exp(m0[b] - ref)
        c += m2[b]
        m2[k + b] = c
    m2[2 * k], m2[2 * k + 1] = 1.0, ref


@njit(cache=True, inline="always")
def _exp3_reset(params, m0, m1, m2):
    k = m0.size
    for b in range(k):
        m0[b] = 0.0
    m2[2 * k] = 0.0
    m2[2 * k + 2] = 1.0 / (params[2] - params[1])     # no division per step
    m2[2 * k + 3] = params[0] / k


@njit(cache=True, inline="always")
def _exp3_act(rng, t, params, temps, m0, m1, m2, probs, best, m):
    gam = params[0]
    k = m0.size
    if m2[2 * k] == 0.0 or (t & 1023) == 0:    # weights and sums afresh, ref = max L
        _exp3_weights(m0, m2)
    S = m2[2 * k - 1]
    g = m2[2 * k + 3]                      # gamma / k
    u, rng = rng_double(rng)
    # inverse cdf of p = (1 - gamma) w / S + gamma / k without dividing: the number of
    # b with (1 - gamma) W_b + (b + 1) gamma S / k <= u S (branch-free, SIMD)
    gS = g * S
    uS = u * S
    n = 0
    for b in range(k):
        n += 1 if (1.0 - gam) * m2[k + b] + (b + 1.0) * gS <= uS else 0
    a = n if n < k else k - 1             # round-off (u S above the total): the last arm
    f = (1.0 - gam) / S
    for b in range(k):                     # p (for the coverage and _learn) and the
        p = f * m2[b] + g                  # entropy terms: a loop that vectorizes
        probs[b] = p                       # (fast_log, no reduction inside: 2x faster
        m1[b] = p * fast_log(p)            # than a sum of p log p; p >= gamma/k > 0)
    h = -_dot(m1, None, k)
    return a, h, _coverage(probs, best, m), rng


@njit(cache=True, inline="always")
def _exp3_learn(params, t, a, R, m0, m1, m2, probs):
    k = m0.size
    x = min(max((R - params[1]) * m2[2 * k + 2], 0.0), 1.0)
    m0[a] += m2[2 * k + 3] * x / probs[a]
    d = m0[a] - m2[2 * k + 1]
    w = fast_exp(d)
    delta = w - m2[a]
    m2[a] = w
    for b in range(k):                     # W_b += delta for b >= a (SIMD, no branch)
        m2[k + b] += delta if b >= a else 0.0
    if d > _EXP3_RESCALE:
        m2[2 * k] = 0.0


@njit(cache=True, inline="always")
def _exp3_final(params, temps, steps, m0, m1, m2, probs, out):
    _exp3_probs(params[0], m0, out)


#: LLVM may fuse ``a * b + c`` into one FMA (one rounding instead of two: no less
#: accurate) and nothing else (no reassociation, NaN and inf kept): 6-14% fewer
#: instructions in the gradient and EXP3 kernels, measured on AMD EPYC
FASTMATH = frozenset({"contract"})


def _bind(prefix, reset, act, learn, final):
    return specialize(run_runs, f"bandit_{prefix}",
                      {"_reset": reset, "_act": act, "_learn": learn, "_final": final},
                      nogil=True, error_model="numpy", fastmath=set(FASTMATH))


epsilon_greedy_kernel = _bind("eg", _eg_reset, _eg_act, _eg_learn, _eg_final)
softmax_kernel = _bind("sm", _sm_reset, _sm_act, _sm_learn, _sm_final)
gradient_kernel = _bind("gb", _gb_reset, _gb_act, _gb_learn, _gb_final)
ucb_kernel = _bind("ucb", _ucb_reset, _ucb_act, _ucb_learn, _ucb_final)
thompson_gauss_kernel = _bind("tsg", _tsg_reset, _tsg_act, _tsg_learn, _ts_final)
thompson_bernoulli_kernel = _bind("tsb", _tsb_reset, _tsb_act, _tsb_learn, _ts_final)
exp3_kernel = _bind("exp3", _exp3_reset, _exp3_act, _exp3_learn, _exp3_final)


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
        rng = rng_load(states, r)
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
                a, rng = _sample(rng, qv)
                cnt[a] += 1.0
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
        rng_store(states, r, rng)
        final_p[r, :] = p
