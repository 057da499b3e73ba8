r"""The entropy laws measured on the language model, and where each holds.

Two different statements are tested here; every number says which one it tests.

**(i) The identity** ``dH ≈ -Cov_pi(ln pi, d ln pi)``: true of *any* small change of a
distribution (:func:`thermo_rl.entropy.entropy_change_predicted`), here the exact answer
distributions of the model before and after an interval of RL steps. Over intervals
that are not small it misses the curvature of ``H``; the second-order term
(:func:`thermo_rl.entropy.entropy_change_second_order`, the history's
``dH_predicted_2nd``) or shorter intervals (``eval_every=1``) restore the total.

**(ii) The seeds' law** ``dH ≈ -eta Cov(ln pi, A)`` (Cui et al., 2025): the entropy change
of one policy-gradient step, from the batch's covariance of the log-probabilities and the
advantages. It is exact to first order only for the natural-gradient step on the logits
of a tabular softmax (``dz_a = eta A_a``; :func:`thermo_rl.entropy.pg_logit_update`);
plain SGD on the logits weights each action's term by ``pi_a``; Adam preconditions;
a network's shared parameters move every logit at once (the update of one token's
logit is the neural tangent kernel times all tokens' advantages). :func:`fit_law` fits
``eta`` through the origin and reports the correlation and the total;
:func:`tabular_law` shows the regime where (ii) holds (no shared parameters, the
natural step) and how plain SGD on the logits breaks it.

:func:`entropy_laws` gathers, from one :class:`~thermo_rl.llm.rl.RLResult`: Cui et al.'s
``R = -a e^H + b`` with its predicted ceiling ``b - a`` against the pass@1 reached; the
share of steps with a positive ``Cov(ln pi, A)``; (i) per interval and summed; (ii) at
token and answer level.

Examples
--------
>>> from thermo_rl.llm.entropy_laws import fit_law
>>> f = fit_law([0.1, 0.2, 0.4], [0.05, 0.1, 0.2], tests="ii")
>>> f["eta"], f["predicted_total_nats"], f["measured_total_nats"]
(0.5, 0.35, 0.35)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._rng import make_rng
from .._validation import check_choice, check_int, check_real
from ..entropy import centered_covariance
from ..entropy.dynamics import fit_entropy_reward_law
from ..errors import UserError
from ..stats import mean_se

__all__ = ["EntropyLawsResult", "TabularLawResult", "entropy_laws", "fit_law",
           "law_regimes", "tabular_law"]

TESTS = {
    "i": "(i) the identity dH = -Cov(ln pi, d ln pi) of the exact answer distributions",
    "i2": "(i) the identity with its second-order term, exact answer distributions",
    "ii-token": "(ii) the law dH = -eta Cov(ln pi, A), token-level batch covariance",
    "ii-answer": "(ii) the law dH = -eta Cov(ln pi, A), answer-level (sequence) covariance "
                 "within each group",
    "ii": "(ii) the law dH = -eta Cov(ln pi, A)",
    "reward-law": "Cui et al.'s R = -a exp(H) + b, exact answer entropy and pass@1",
}


def _corr(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def fit_law(x, measured, *, tests: str = "ii") -> dict:
    """Fit ``measured ≈ eta * x`` through the origin (least squares), per interval.

    ``x`` is the prediction without its step size (``-Cov(ln pi, A)`` summed over the
    interval's updates), ``measured`` the measured entropy change (nats). Returns
    ``eta``, ``r2`` (of the fit through the origin: 1 - SSE / sum measured^2),
    ``correlation`` (Pearson, per interval), ``predicted_total_nats`` (``eta sum x``),
    ``measured_total_nats``, ``intervals`` and ``tests`` (which statement it tests).
    """
    x, y = np.asarray(x, float), np.asarray(measured, float)
    if x.shape != y.shape or x.ndim != 1:
        raise UserError("x and measured must be 1-d of the same length")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    sxx = float(x @ x)
    eta = float(x @ y) / sxx if sxx > 0 else float("nan")
    sse = float(((y - eta * x) ** 2).sum()) if sxx > 0 else float("nan")
    syy = float(y @ y)
    return {"tests": TESTS.get(tests, tests), "eta": round(eta, 12),
            "r2": 1.0 - sse / syy if syy > 0 else float("nan"),
            "correlation": _corr(x, y),
            "predicted_total_nats": round(float(eta * x.sum()), 12),
            "measured_total_nats": round(float(y.sum()), 12), "intervals": int(x.size)}


@dataclass(eq=False)
class EntropyLawsResult:
    """The laws of one run (:func:`entropy_laws`); every block names what it ``tests``."""

    reward_law: dict
    positive_cov: dict
    identity: dict
    law_token: dict
    law_answer: dict
    settings: dict

    def as_dict(self) -> dict:
        return {"reward_law": self.reward_law, "positive_cov": self.positive_cov,
                "identity": self.identity, "law_token": self.law_token,
                "law_answer": self.law_answer, "settings": self.settings}


def entropy_laws(result) -> EntropyLawsResult:
    """The entropy laws of one :class:`~thermo_rl.llm.rl.RLResult` (or its ``as_dict()``
    with ``trace`` added), from its history (one row per evaluation interval).

    * ``reward_law``: :func:`~thermo_rl.entropy.fit_entropy_reward_law` over the exact
      answer entropy and pass@1 at every evaluation (the base model first): ``a``,
      ``b``, ``r2``, ``ceiling`` (``b - a``, the pass@1 predicted at ``H = 0``) beside
      ``pass@1_final`` and ``pass@1_max``;
    * ``positive_cov``: the share of RL steps whose batch ``Cov(ln pi, A)`` is
      positive (entropy-lowering), token level and answer level;
    * ``identity``: (i), per-interval correlation and the totals (nats): first order,
      first plus second order, measured;
    * ``law_token`` / ``law_answer``: (ii), :func:`fit_law` of the measured change
      against ``-sum Cov(ln pi, A)`` at token and answer level; ``eta_over_lr`` is the
      fitted ``eta`` in units of the run's step size.
    """
    d = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    trace = getattr(result, "trace", None) or d.get("trace") or {}
    hist = [r for r in d["history"] if r.get("dH_measured") is not None]
    if len(hist) < 3:
        raise UserError(f"the entropy laws need at least 3 evaluation intervals, got "
                        f"{len(hist)} (lower eval_every or run more steps)")
    before = d["before"]
    H = [before["answer_entropy"]] + [r["answer_entropy"] for r in d["history"]]
    R = [before["pass@1"]] + [r["pass@1"] for r in d["history"]]
    law = fit_entropy_reward_law(H, R)
    reward_law = {"tests": TESTS["reward-law"], "a": law.a, "b": law.b, "r2": law.r2,
                  "ceiling": law.ceiling, "pass@1_final": float(R[-1]),
                  "pass@1_max": float(max(R)), "points": len(H)}
    cov = np.asarray(trace.get("cov", []), float)
    cova = np.asarray(trace.get("cov_answer", []), float)
    positive = {"token": float((cov > 0).mean()) if cov.size else None,
                "answer": float((cova > 0).mean()) if cova.size else None,
                "steps": int(cov.size),
                "tests": "the sign of the batch Cov(ln pi, A) (positive: (ii) predicts a "
                         "falling entropy)"}
    dm = np.array([r["dH_measured"] for r in hist])
    dp = np.array([r["dH_predicted"] for r in hist])
    dp2 = np.array([r.get("dH_predicted_2nd", np.nan) for r in hist])
    identity = {"tests": TESTS["i"] + "; second_order: " + TESTS["i2"],
                "correlation": _corr(dp, dm), "correlation_second_order": _corr(dp2, dm),
                "predicted_total_nats": float(dp.sum()),
                "predicted_second_order_total_nats": float(np.sum(dp2)),
                "measured_total_nats": float(dm.sum()), "intervals": int(dm.size),
                "eval_every": d["settings"].get("eval_every")}
    lr = d["settings"].get("lr")
    law_token = fit_law([r["dH_predicted_cov"] for r in hist], dm, tests="ii-token")
    law_answer = fit_law([r["dH_predicted_cov_answer"] for r in hist], dm, tests="ii-answer")
    for f in (law_token, law_answer):
        f["eta_over_lr"] = f["eta"] / lr if lr else None
    cfg = d.get("config") or d["settings"]
    settings = {k: cfg.get(k) for k in ("control", "optimizer", "precision", "lr", "steps",
                                        "n_prompts", "group", "eval_every", "seed",
                                        "minibatches")}
    settings["task"] = d["settings"].get("task")
    return EntropyLawsResult(reward_law, positive, identity, law_token, law_answer, settings)


# ----------------------------------------------------------------------------- regimes
def law_regimes(pretrained, regimes: dict, *, seeds=(0, 1, 2), progress: bool = False,
                **rl) -> dict:
    """:func:`entropy_laws` of runs in several regimes, ``seeds`` each.

    ``regimes`` maps a label to :class:`~thermo_rl.llm.rl_config.RLConfig` fields
    (``{"adam": {}, "sgd-small": {"optimizer": "sgd", "lr": 0.02}}``); ``rl`` are the
    fields every run shares. Returns ``label -> {"runs": [as_dict per seed], "mean": ...}``
    with, for the (i) and (ii) statistics, the mean and standard error over seeds.
    """
    from .rl import finetune

    base = pretrained.distribution()
    out = {}
    for label, extra in regimes.items():
        runs = [entropy_laws(finetune(pretrained, base=base, seed=s, progress=progress,
                                      **{**rl, **extra})).as_dict() for s in seeds]
        summary = {}
        for block, keys in (("identity", ("correlation", "predicted_total_nats",
                                          "predicted_second_order_total_nats",
                                          "measured_total_nats")),
                            ("law_token", ("eta_over_lr", "r2", "correlation",
                                           "predicted_total_nats", "measured_total_nats")),
                            ("law_answer", ("eta_over_lr", "r2", "correlation",
                                            "predicted_total_nats")),
                            ("reward_law", ("ceiling", "pass@1_final", "r2")),
                            ("positive_cov", ("token", "answer"))):
            for k in keys:
                summary[f"{block}.{k}"] = mean_se([r[block][k] for r in runs])
        out[label] = {"settings": {**rl, **extra}, "runs": runs, "mean": summary,
                      "tests": {"identity": TESTS["i"], "law_token": TESTS["ii-token"],
                                "law_answer": TESTS["ii-answer"]}}
    return out


@dataclass(eq=False)
class TabularLawResult:
    """:func:`tabular_law`: per update kind the fit of (ii) with the batch covariance
    (``law``) and with the ``pi``-weighted covariance of plain SGD (``law_weighted``)."""

    kinds: dict
    settings: dict

    def as_dict(self) -> dict:
        return {"kinds": self.kinds, "settings": self.settings}


def tabular_law(log_probs, correct, *, lr: float = 0.05, steps: int = 200, group: int = 8,
                prompts: int = 32, kinds=("natural", "sgd"), seed=0) -> TabularLawResult:
    """Law (ii) without shared parameters: one free logit per (prompt, answer).

    The policy of each prompt is ``softmax(z)`` over its answers, ``z`` starting at
    ``log_probs`` (P, A) (e.g. a model's exact answer log-probabilities); each step
    draws ``group`` answers for ``prompts`` random prompts, rewards ``correct`` (P, A),
    leave-one-out advantages, and moves the logits of the drawn prompts by

    * ``natural``: ``dz = (lr / G) sum_i A_i e_{a_i} / pi_{a_i}`` (the sampled natural
      gradient: its expected step is ``lr A``), for which
      ``-Cov_pi(ln pi, dz) = -lr Cov_batch(ln pi, A)`` exactly: law (ii) with
      ``eta = lr``, up to ``O(lr^2)``;
    * ``sgd``: ``dz = (lr / G) sum_i A_i (e_{a_i} - pi)`` (the plain gradient of the
      surrogate on the logits), for which the first-order change is
      ``-lr Cov_batch(pi ln pi, A)``-like: each sample weighted by ``pi_{a_i}``.

    For each kind: :func:`fit_law` of the measured change (mean over prompts of the exact
    entropy change) against ``-Cov_batch(ln pi, A)`` (``law``, which tests (ii)) and
    against ``-(1/G) sum_i A_i pi_{a_i} (ln pi_{a_i} + H)`` (``law_weighted``, the SGD
    form), each per step and summed.

    Examples
    --------
    >>> import numpy as np
    >>> lp = np.log(np.full((4, 5), 0.2)); ok = np.eye(4, 5)
    >>> r = tabular_law(lp + np.random.default_rng(0).normal(0, 1, (4, 5)), ok, steps=40,
    ...                 prompts=4, lr=0.01)
    >>> round(r.kinds["natural"]["law"]["eta"], 2)       # eta = lr for the natural step
    0.01
    """
    lp0 = np.asarray(log_probs, float)
    C = np.asarray(correct, float)
    if lp0.ndim != 2 or C.shape != lp0.shape:
        raise UserError("log_probs and correct must be (prompts, answers) arrays of one shape")
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    steps = check_int(steps, "steps", low=3)
    G = check_int(group, "group", low=2)
    n = check_int(prompts, "prompts", low=1)
    for k in kinds:
        check_choice(k, "kinds", ("natural", "sgd"))
    P, A = lp0.shape
    out = {}
    for kind in kinds:
        rng = make_rng(seed)
        z = lp0 - lp0.max(1, keepdims=True)
        x_law, x_w, meas = [], [], []
        for _ in range(steps):
            pid = rng.integers(0, P, size=n)
            zz = z[pid]
            lp = zz - np.log(np.exp(zz).sum(1, keepdims=True))
            p = np.exp(lp)
            H = -(p * lp).sum(1)
            cdf = np.cumsum(p, 1)
            u = rng.random((n, G)) * cdf[:, -1:]
            a = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(2), A - 1)
            r = np.take_along_axis(C[pid], a, 1)
            adv = (r - r.mean(1, keepdims=True)) * (G / (G - 1.0))
            la = np.take_along_axis(lp, a, 1)
            pa = np.exp(la)
            onehot = np.zeros((n, G, A))
            np.put_along_axis(onehot, a[:, :, None], 1.0, 2)
            if kind == "natural":
                dz = lr / G * (adv[:, :, None] * onehot / pa[:, :, None]).sum(1)
            else:
                dz = lr / G * (adv[:, :, None] * (onehot - p[:, None, :])).sum(1)
            x_law.append(-float(centered_covariance(la, adv).mean(1).mean()))
            x_w.append(-float((adv * pa * (la + H[:, None])).mean(1).mean()))
            new = zz + dz
            lpn = new - np.log(np.exp(new).sum(1, keepdims=True))
            meas.append(float((-(np.exp(lpn) * lpn).sum(1) - H).mean()))
            # the prompts drawn twice in one step: the last update wins (rare, harmless)
            z[pid] = new - new.max(1, keepdims=True)
        law = fit_law(x_law, meas, tests="ii")
        law_w = fit_law(x_w, meas, tests="(ii) with each sample weighted by pi (the "
                                         "first-order change of plain SGD on the logits)")
        out[kind] = {"law": law, "law_weighted": law_w, "eta_over_lr": law["eta"] / lr,
                     "eta_weighted_over_lr": law_w["eta"] / lr}
    return TabularLawResult(out, {"lr": lr, "steps": steps, "group": G, "prompts": n,
                                  "answers": A, "seed": seed})
