"""The free-energy policy-gradient learner on a bandit: :class:`EntropyPG`'s training loop.

Vectorized NumPy over runs, calling the entropy controls and dynamics shared with the
language-model loop (:mod:`thermo_rl.entropy`), so both halves use one implementation of
the advantages, the control weights and ``dH = -Cov(ln pi, dz)``.
"""

from __future__ import annotations

import math

import numpy as np

from .._progress import progress_bar
from ..entropy.controls import (
    TargetEntropyControl,
    entrocraft_mask,
    policy_gradient_weights,
    tempered_log_probs,
)
from ..entropy.dynamics import entropy_change_predicted, entropy_gradient
from ..metrics import coverage, entropy_from_log_probs, log_softmax
from ..schedules import Linear, parse_schedule
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


def _pg_schedules(policy, env, steps):
    lnk = math.log(env.k)
    T = policy.schedule.temperatures(steps) if policy.schedule is not None else None
    ent = None
    if policy.control == "entrocraft":
        sched = policy.entropy_schedule or Linear(lnk, 0.5 * lnk)
        ent = parse_schedule(sched).temperatures(steps)
    tau = np.ones(steps)
    if policy.control == "anneal-temperature":
        tau = parse_schedule(policy.sampling_schedule or "linear:2:1").temperatures(steps)
    elif policy.sampling_schedule is not None:
        tau = policy.sampling_schedule.temperatures(steps)
    return T, ent, tau


def run_entropy_pg(env, pol: EntropyPG, runs: int, steps: int, rng, progress: bool = True):
    """Run :class:`EntropyPG` on ``env``: ``runs`` runs of ``steps`` steps, vectorized over runs.

    Each step samples a group of ``pol.group`` actions per run (from the policy, or at a
    sampling temperature), computes advantages (leave-one-out group mean by default),
    applies the loss-side entropy control of :mod:`thermo_rl.entropy.controls`, updates
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
    T_sched, ent_sched, tau = _pg_schedules(pol, env, steps)
    target = None
    if pol.control == "target-entropy":
        tgt = 0.5 * math.log(k) if pol.target_entropy is None else pol.target_entropy
        target = TargetEntropyControl(tgt, T0=max(pol.T, 1e-3), rate=pol.rate)
    out = {name: np.empty(steps) for name in ("reward", "sem", "optimal", "entropy", "coverage",
                                              "regret", "T", "dHp", "dHm")}
    rows = np.arange(runs)[:, None]
    # the loss-side controls; the others act through T, the advantages or the sampling
    kw = {"control": pol.control if pol.control in ("clip-cov", "kl-cov", "clip-higher")
              else None, "fraction": pol.fraction, "kl_coef": pol.kl_coef, "eps_low": pol.eps_low,
              "eps_high": pol.eps_high}
    counts = np.zeros(runs * k)
    logp_all = log_softmax(z, axis=-1)
    H = entropy_from_log_probs(logp_all)
    for t in progress_bar(range(steps), desc="EntropyPG", progress=progress):
        T = target.T if target is not None else (T_sched[t] if T_sched is not None else pol.T)
        samp = np.exp(logp_all if tau[t] == 1.0 else tempered_log_probs(z, tau[t]))
        cdf = np.cumsum(samp, axis=1)
        u = rng.random((runs, G)) * cdf[:, -1:]
        a = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(axis=2), k - 1)
        flat = (rows * k + a).ravel()          # (run, action) pairs for bincount scatters
        R = _rewards(rng, env, q, a)
        counts += np.bincount(flat, minlength=runs * k)
        adv = R
        if pol.baseline != "none":
            adv = R - R.mean(axis=1, keepdims=True)
            if pol.baseline == "loo":          # R_i - mean of the others = G/(G-1) (R_i - mean)
                adv = adv * (G / (G - 1.0))
        old_logp = np.take_along_axis(logp_all, a, axis=1)
        keep = None
        if ent_sched is not None:
            keep = entrocraft_mask(old_logp, adv, entropy=H, target=ent_sched[t],
                                   strength=pol.strength, seed=rng)
        z_start, logp_cur = z, logp_all
        for epoch in range(pol.epochs):
            if epoch:
                logp_cur = log_softmax(z, axis=-1)
            lp = np.take_along_axis(logp_cur, a, axis=1)
            w = policy_gradient_weights(lp, adv, old_logp=old_logp, keep=keep, **kw)
            g = np.bincount(flat, weights=w.ravel(), minlength=runs * k).reshape(runs, k)
            g -= np.exp(logp_cur) * w.sum(axis=1, keepdims=True)
            dz = pol.lr * (g / G + T * entropy_gradient(z))
            z = z + dz
            z -= z.max(axis=1, keepdims=True)
        out["dHp"][t] = float(np.mean(entropy_change_predicted(z_start, z - z_start)))
        p_before = np.exp(logp_all)
        logp_all = log_softmax(z, axis=-1)
        H_new = entropy_from_log_probs(logp_all)
        out["dHm"][t] = float(np.mean(H_new - H))
        qmax = q.max(axis=1, keepdims=True)
        qa = np.take_along_axis(q, a, axis=1)
        out["reward"][t] = R.mean()
        out["sem"][t] = R.mean(axis=1).std(ddof=1) / math.sqrt(runs) if runs > 1 else 0.0
        out["optimal"][t] = np.mean(qa == qmax)
        out["regret"][t] = np.mean(qmax - qa)
        out["entropy"][t] = H.mean()
        out["coverage"][t] = coverage(p_before, q == qmax).mean()
        out["T"][t] = T
        if target is not None:
            target.update(H.mean())
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
    return res
