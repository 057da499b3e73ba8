"""The free-energy policy-gradient learner on a bandit: :class:`EntropyPG`'s training loop.

Vectorized NumPy over runs, calling the entropy controls and dynamics shared with the
language-model loop (:mod:`thermo_rl.entropy`), so both halves use one implementation of
the advantages, the control weights and ``dH = -Cov(ln pi, dz)``.
"""

from __future__ import annotations

import math

import numpy as np

from .._progress import progress_bar
from ..entropy.controls import tempered_log_probs
from ..entropy.dynamics import entropy_change_predicted, entropy_gradient
from ..entropy.objective import policy_gradient_weights
from ..entropy.registry import Context
from ..metrics import coverage, entropy_from_log_probs, log_softmax
from .policies import EntropyPG
from .result import BanditResult

__all__ = ["run_entropy_pg"]


def _rewards(rng, env, q, actions):
    mean = np.take_along_axis(q, actions, axis=1)
    if env.kind == "bernoulli":
        return (rng.random(mean.shape) < mean).astype(np.float64)
    if env.noise > 0:
        return mean + env.noise * rng.standard_normal(mean.shape)
    return mean


def _draw(rng, logp, G):
    """``G`` actions per row drawn from ``exp(logp)`` (rows: runs)."""
    cdf = np.cumsum(np.exp(logp), axis=1)
    u = rng.random((logp.shape[0], G)) * cdf[:, -1:]
    return np.minimum((u[:, :, None] > cdf[:, None, :]).sum(axis=2), logp.shape[1] - 1)


def _group_advantages(R, baseline):
    """Advantages of a group of rewards per row: ``loo``, ``group`` mean or ``none``."""
    if baseline == "none":
        return R
    G = R.shape[1]
    adv = R - R.mean(axis=1, keepdims=True)
    if baseline == "loo":                      # R_i - mean of the others = G/(G-1) (R_i - mean)
        adv = adv * (G / (G - 1.0))
    return adv


def _kl_gradient(z, z_ref):
    """``grad_z KL(softmax(z) || softmax(z_ref))`` per row: ``pi (ln pi - ln pi_ref - KL)``."""
    lp, lr = log_softmax(z, axis=-1), log_softmax(z_ref, axis=-1)
    p = np.exp(lp)
    d = lp - lr
    return p * (d - (p * d).sum(axis=-1, keepdims=True))


def run_entropy_pg(env, pol: EntropyPG, runs: int, steps: int, rng, progress: bool = True):
    """Run :class:`EntropyPG` on ``env``: ``runs`` runs of ``steps`` steps, vectorized over runs.

    Each step samples a group of ``pol.group`` actions per run (from the policy, or at a
    sampling temperature), computes advantages (leave-one-out group mean by default),
    applies the loss-side entropy control of :mod:`thermo_rl.entropy.controls` (and,
    when the control asks for one, adds an extra group drawn at another temperature:
    the ``extra_rollout`` hook of :mod:`thermo_rl.entropy.registry`), updates
    the logits by ``lr (g / G + T dH/dz)`` (``pol.epochs`` times) and records reward,
    optimal fraction, entropy, coverage, regret, the temperature and the predicted
    (``-Cov(ln pi, dz)``) and measured entropy changes. Returns a ``BanditResult``
    (``seed`` and ``seconds`` are set by :func:`thermo_rl.bandits.run`).
    """
    k, G = env.k, pol.group
    q = np.broadcast_to(env.means, (runs, k)).copy()
    if env.means_std > 0:
        q += env.means_std * rng.standard_normal((runs, k))
    z = np.zeros((runs, k))
    z_ref = z.copy()
    ctl = pol.make_control()
    T_sched = pol.schedule.temperatures(steps) if pol.schedule is not None else None
    tau_sched = (pol.sampling_schedule.temperatures(steps) if pol.sampling_schedule is not None
                 else np.ones(steps))
    out = {name: np.empty(steps) for name in ("reward", "sem", "optimal", "entropy", "coverage",
                                              "regret", "T", "dHp", "dHm")}
    rows = np.arange(runs)[:, None]
    counts = np.zeros(runs * k)
    logp_all = log_softmax(z, axis=-1)
    H = entropy_from_log_probs(logp_all)
    ctx = Context(steps=steps, rng=rng, n_actions=k,
                  initial={"token_entropy": float(H.mean()), "sequence_entropy": float(H.mean())})
    lam = ctl.kl_coef()
    for t in progress_bar(range(steps), desc="EntropyPG", progress=progress):
        ctx.step, ctx.token_entropy, ctx.sequence_entropy = t, float(H.mean()), H
        T = (ctl.entropy_coef(ctx) if "entropy_coef" in ctl.hooks
             else T_sched[t] if T_sched is not None else pol.T)
        tau = ctl.sampling_temperature(ctx, float(tau_sched[t]))
        logp_samp = logp_all if tau == 1.0 else tempered_log_probs(z, tau)
        a = _draw(rng, logp_samp, G)
        R = _rewards(rng, env, q, a)
        counts += np.bincount((rows * k + a).ravel(), minlength=runs * k)
        adv = _group_advantages(R, pol.baseline)
        old_logp = np.take_along_axis(logp_samp, a, axis=1)
        adv = ctl.advantages(adv, old_logp, None, ctx)
        tau_x = ctl.extra_rollout(ctx)
        if tau_x is not None:                  # one more group per run at temperature tau_x
            a_x = _draw(rng, tempered_log_probs(z, tau_x), G)
            lp_x = np.take_along_axis(logp_samp, a_x, axis=1)   # under the policy that learns
            adv_x = ctl.extra_advantages(
                _group_advantages(_rewards(rng, env, q, a_x), pol.baseline), lp_x, None, ctx)
            a, adv = np.concatenate([a, a_x], axis=1), np.concatenate([adv, adv_x], axis=1)
            old_logp = np.concatenate([old_logp, lp_x], axis=1)
        flat = (rows * k + a).ravel()          # (run, action) pairs for bincount scatters
        z_start, logp_cur = z, logp_samp
        for epoch in range(pol.epochs):
            if epoch:
                logp_cur = tempered_log_probs(z, tau)
            lp = np.take_along_axis(logp_cur, a, axis=1)
            w = policy_gradient_weights(lp, adv, old_logp=old_logp, control=ctl,
                                        eps_low=pol.eps_low, eps_high=pol.eps_high, ctx=ctx)
            g = np.bincount(flat, weights=w.ravel(), minlength=runs * k).reshape(runs, k)
            g -= np.exp(logp_cur) * w.sum(axis=1, keepdims=True)
            # d ln softmax(z/tau) / dz = (e_a - pi_tau) / tau: the tempered policy learns
            u = z / tau                        # the sampled policy's logits
            dz = pol.lr * (g / G + T * entropy_gradient(u)) / tau
            if lam > 0:
                dz -= pol.lr * lam * _kl_gradient(u, z_ref) / tau
            z = z + dz
            z -= z.max(axis=1, keepdims=True)
        out["dHp"][t] = float(np.mean(entropy_change_predicted(z_start, z - z_start)))
        p_before = np.exp(logp_all)
        logp_all = log_softmax(z, axis=-1)
        H_new = entropy_from_log_probs(logp_all)
        out["dHm"][t] = float(np.mean(H_new - H))
        qmax = q.max(axis=1, keepdims=True)
        qa = np.take_along_axis(q, a[:, :G], axis=1)
        out["reward"][t] = R.mean()
        out["sem"][t] = R.mean(axis=1).std(ddof=1) / math.sqrt(runs) if runs > 1 else 0.0
        out["optimal"][t] = np.mean(qa == qmax)
        out["regret"][t] = np.mean(qmax - qa)
        out["entropy"][t] = H.mean()
        out["coverage"][t] = coverage(p_before, q == qmax).mean()
        out["T"][t] = T
        ctl.update(ctx)
        H = H_new
        if env.walk_std > 0:
            q += env.walk_std * rng.standard_normal(q.shape)
            if env.kind == "bernoulli":
                np.clip(q, 0.0, 1.0, out=q)
    final = np.exp(logp_all)
    counts = counts.reshape(runs, k).astype(np.int64)
    res = BanditResult(env, pol, runs, steps, None, out["reward"], out["sem"], out["optimal"],
                       out["entropy"], out["coverage"], out["regret"], counts, final, 0.0,
                       temperature=out["T"], dH_predicted=out["dHp"], dH_measured=out["dHm"])
    res.extra["final_logits"] = z
    res.extra["control"] = ctl.as_dict()
    return res
