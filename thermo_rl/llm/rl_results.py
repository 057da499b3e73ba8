"""Results of RL fine-tuning: exact metrics of an answer distribution, one run, a comparison.

Every result carries the :class:`~thermo_rl.llm.rl_config.RLConfig` it ran with
(``config``) and serializes with ``as_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .exact import AnswerDistribution

__all__ = ["SEED_CURVES", "SEED_METRICS", "CompareResult", "RLResult", "SeedsResult", "exact_metrics",
           "seed_series", "summarize_seeds"]


def exact_metrics(dist: AnswerDistribution, base: AnswerDistribution, ks=(1, 8, 64),
                  optimum: AnswerDistribution | None = None) -> dict:
    """The package's metric keys from an exact answer distribution.

    ``reward`` = ``pass@1`` (exact), ``pass@k`` and ``distinct@k`` (expected number of
    distinct correct answers among k samples) as objects from k to value,
    ``coverage``, ``answer_entropy``, ``effective_correct``, ``invalid``, ``kl_ref``
    (KL(pi || pi_ref)) and ``kl_star`` (KL(pi || pi*), None without an optimum).

    Examples
    --------
    >>> from thermo_rl.llm.exact import AnswerDistribution
    >>> base = AnswerDistribution.from_probs("pair-sum", [0], [[0.01] * 100])
    >>> m = exact_metrics(base, base, ks=(1, 8))
    >>> round(m["pass@1"], 2), m["coverage"], m["kl_ref"], round(m["distinct@k"][8], 2)
    (0.01, 1.0, 0.0, 0.08)
    """
    out = dist.metrics(ks)
    out["distinct@k"] = {int(k): float(dist.expected_distinct_correct(int(k)).mean())
                         for k in sorted(set(ks))}
    out["kl_ref"] = float(dist.kl(base).mean())
    out["kl_star"] = None if optimum is None else float(dist.kl(optimum).mean())
    return out


# ----------------------------------------------------------------------------- results
@dataclass(eq=False)
class RLResult:
    """One RL run: metrics before and after, the history, the trained model.

    ``before`` / ``after``: :func:`exact_metrics` of the base and the trained model
    plus ``token_entropy`` and ``seconds``; ``history``: one row per evaluation (the
    exact metrics, the rollout metrics averaged since the last row, ``dH_predicted``
    and ``dH_measured``); ``trace``: per-step rollout metrics (lists), with
    ``step_seconds`` the wall time of each step (rollout, scoring and updates; the
    exact evaluations not included) and ``step_cpu_seconds`` its CPU time (all
    threads of the process: on a shared machine, wall >> CPU tells of waiting).
    """

    control: str
    settings: dict
    before: dict
    after: dict
    history: list
    trace: dict
    seconds: float
    model: object = field(repr=False, default=None)
    base: AnswerDistribution | None = field(repr=False, default=None)
    final: AnswerDistribution | None = field(repr=False, default=None)
    optimum: AnswerDistribution | None = field(repr=False, default=None)
    config: object = field(repr=False, default=None)

    def entropy_change_agreement(self) -> dict:
        """How well the entropy mechanism predicts the measured answer-entropy change.

        Over the evaluation intervals, the correlation of the measured change of the
        exact answer entropy with

        * ``entropy_change_correlation``: the exact first-order change
          ``-Cov_pi(ln pi, d ln pi)`` of the answer distributions (the bandit act's
          check, :func:`thermo_rl.entropy.entropy_change_predicted`);
        * ``entropy_change_correlation_cov``: ``-sum Cov(ln pi, A)`` over the batch's
          tokens (Cui et al.'s token-level statistic, pooled over positions);
        * ``entropy_change_correlation_cov_answer``: ``-sum Cov(ln pi(y), A(y))`` within
          each group of G answers, averaged over groups (the same law with answers as
          the actions: natural policy gradient on the answer simplex);

        and the predicted and measured totals (nats).
        """
        rows = [r for r in self.history if r.get("dH_measured") is not None]
        dm = np.array([r["dH_measured"] for r in rows], dtype=float)
        dc = np.array([r["dH_predicted_cov"] for r in rows], dtype=float)
        da = np.array([r["dH_predicted_cov_answer"] for r in rows], dtype=float)
        dp = np.array([r["dH_predicted"] for r in rows], dtype=float)

        def corr(a, b):
            if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
                return float("nan")
            return float(np.corrcoef(a, b)[0, 1])

        return {"entropy_change_correlation": corr(dp, dm),
                "entropy_change_correlation_cov": corr(dc, dm),
                "entropy_change_correlation_cov_answer": corr(da, dm),
                "entropy_change_intervals": len(rows),
                "entropy_change_predicted_nats": float(dp.sum()),
                "entropy_change_measured_nats": float(dm.sum())}

    def as_dict(self) -> dict:
        return {"control": self.control, "settings": self.settings,
                "config": None if self.config is None else self.config.as_dict(),
                "before": self.before,
                "after": self.after, "history": self.history,
                "entropy_change": self.entropy_change_agreement(), "seconds": self.seconds}


@dataclass(eq=False)
class CompareResult:
    """Several controls from one pretrained model and one seed: ``{"base", "runs"}``."""

    base: dict
    runs: dict
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0

    def __getitem__(self, name) -> RLResult:
        return self.runs[name]

    def table(self) -> list[dict]:
        """One row per run (and the base model first): the compare table's columns."""
        kmax = max(int(k) for k in self.base["pass@k"])
        group = self.settings.get("group", 8)

        def row(name, m, seconds):
            pk = {int(k): v for k, v in m["pass@k"].items()}
            return {"run": name, "pass@1": m["pass@1"], f"pass@{group}": pk.get(group),
                    f"pass@{kmax}": pk.get(kmax), "coverage": m["coverage"],
                    "answer_entropy": m["answer_entropy"], "token_entropy": m["token_entropy"],
                    "kl_ref": m["kl_ref"], "seconds": seconds}

        rows = [row("base", self.base, self.base.get("seconds", 0.0))]
        rows += [row(n, r.after, r.seconds) for n, r in self.runs.items()]
        return rows

    def crossovers(self) -> dict:
        """Where the base model overtakes each run (Yue et al., 2025).

        For ``pass@k`` and ``distinct@k``: the smallest k at which the base model is
        above the run (one seed: any margin), when the run is ahead at k = 1 (None: no
        crossover within the k measured, or the run is not ahead at k = 1).
        """
        out = {}
        for name, run in self.runs.items():
            out[name] = {}
            for key in ("pass@k", "distinct@k"):
                b = {int(k): v for k, v in self.base[key].items()}
                a = {int(k): v for k, v in run.after[key].items()}
                out[name][key] = _crossover(b, a, tol=0.0)
        return out

    def as_dict(self) -> dict:
        return {"base": self.base, "runs": {n: r.as_dict() for n, r in self.runs.items()},
                "settings": self.settings, "table": self.table(),
                "crossovers": self.crossovers(), "seconds": self.seconds}


# ----------------------------------------------------------------------------- seeds
#: The scalar metrics :class:`SeedsResult` follows over steps (mean and standard error).
SEED_METRICS = ("pass@1", "coverage", "answer_entropy", "token_entropy", "kl_star", "kl_ref",
                "effective_correct")
#: The curves in k it follows (k -> value at each step).
SEED_CURVES = ("pass@k", "distinct@k")


def _point(m: dict) -> dict:
    """The followed metrics of one history row (or ``before``/``after``)."""
    out = {k: (None if m.get(k) is None else float(m[k])) for k in SEED_METRICS}
    for key in SEED_CURVES:
        out[key] = {int(k): float(v) for k, v in m[key].items()}
    return out


def seed_series(result) -> dict:
    """One run's followed metrics over its evaluations, the base model first (step 0):
    ``{"step": [...], "<metric>": [...], "pass@k": {k: [...]}, "distinct@k": {...}}``.

    ``token_entropy`` at step 0 (and in ``after``) is the estimate from 32 samples per
    prompt; at the other steps the mean over the rollouts since the previous evaluation.
    """
    d = result.as_dict() if hasattr(result, "as_dict") else result
    rows = [{"step": 0, **d["before"]}] + list(d["history"])
    pts = [_point(r) for r in rows]
    out = {"step": [int(r["step"]) for r in rows]}
    for k in SEED_METRICS:
        out[k] = [p[k] for p in pts]
    for key in SEED_CURVES:
        ks = sorted(pts[0][key])
        out[key] = {k: [p[key][k] for p in pts] for k in ks}
    return out


def summarize_seeds(series: list) -> dict:
    """Mean and standard error over seeds (:func:`thermo_rl.stats.mean_se`:
    ``std(ddof=1) / sqrt(n)``) of every followed metric at every step.

    ``series``: :func:`seed_series` of each seed (the same steps). Returns
    ``{"step", "n", "<metric>", "<metric>_se", "pass@k": {k: [...]}, "pass@k_se": ...}``.

    Examples
    --------
    >>> s = [{"step": [0, 5], "pass@1": [0.2, 0.4], "pass@k": {1: [0.2, 0.4]}},
    ...      {"step": [0, 5], "pass@1": [0.2, 0.6], "pass@k": {1: [0.2, 0.6]}}]
    >>> out = summarize_seeds(s)
    >>> [round(v, 3) for v in out["pass@1"]], [round(v, 3) for v in out["pass@1_se"]]
    ([0.2, 0.5], [0.0, 0.1])
    """
    from ..stats import mean_se

    steps = series[0]["step"]
    for s in series[1:]:
        if s["step"] != steps:
            raise ValueError("the seeds were evaluated at different steps")
    out = {"step": list(steps), "n": len(series)}

    def stats(columns):
        pairs = [mean_se(vals) for vals in zip(*columns)]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    for key, val in series[0].items():
        if key == "step":
            continue
        if isinstance(val, dict):
            out[key], out[f"{key}_se"] = {}, {}
            for k in val:
                out[key][k], out[f"{key}_se"][k] = stats([s[key][k] for s in series])
        else:
            out[key], out[f"{key}_se"] = stats([s[key] for s in series])
    return out


def _crossover(base: dict, run: dict, se: dict | None = None,
               tol: float = 1e-3) -> int | None:
    """The smallest k at which ``base`` (k -> value) is ahead of ``run``: above it by more
    than ``tol`` and by more than two of the run's standard errors ``se`` (k -> value),
    when the run is ahead at the smallest k; None otherwise (ties at pass@k ~ 1 are not a
    crossover)."""
    ks = sorted(set(base) & set(run))
    if not ks or run[ks[0]] <= base[ks[0]]:
        return None
    se = se or {}
    return next((k for k in ks
                 if base[k] - run[k] > max(tol, 2 * float(np.nan_to_num(se.get(k, 0.0))))),
                None)


@dataclass(eq=False)
class SeedsResult:
    """Several controls, each over several RL seeds, from one pretrained model.

    ``base``: the base model's exact metrics (:func:`exact_metrics`); ``series``: control
    -> seed -> :func:`seed_series`; ``summary``: control -> :func:`summarize_seeds` (mean
    and standard error over seeds at each evaluation step); ``settings``: the shared RL
    settings, ``seeds``, ``controls`` and ``star_coef`` (per control: the ``lambda`` of
    ``pi* = pi_ref e^{r/lambda} / Z`` its ``kl_star`` is measured against); ``optimum``:
    the exact metrics of that ``pi*`` (pass@1, pass@k, coverage, answer entropy).
    """

    base: dict
    series: dict
    summary: dict
    settings: dict
    seconds: float = 0.0
    optimum: dict = field(default_factory=dict)

    def final(self) -> dict:
        """Control -> the last step's mean and standard error of every scalar metric
        (``<metric>``, ``<metric>_se``), ``pass@G`` and ``pass@kmax`` with theirs, ``n``."""
        out = {}
        for name, s in self.summary.items():
            row = {"n": s["n"], "step": s["step"][-1]}
            for k in SEED_METRICS:
                row[k], row[f"{k}_se"] = s[k][-1], s[f"{k}_se"][-1]
            for k in s["pass@k"]:
                if f"pass@{k}" not in row:          # pass@1 stays the exact metric's
                    row[f"pass@{k}"], row[f"pass@{k}_se"] = s["pass@k"][k][-1], \
                        s["pass@k_se"][k][-1]
            out[name] = row
        return out

    def crossovers(self) -> dict:
        """Control -> {``pass@k``, ``distinct@k``}: the smallest k at which the base model
        is ahead of the run's final mean (Yue et al., 2025), by more than 0.001 and more
        than two standard errors of that mean; None: no crossover within the k measured,
        or the run is not ahead at k = 1."""
        out = {}
        for name, s in self.summary.items():
            out[name] = {}
            for key in SEED_CURVES:
                b = {int(k): v for k, v in self.base[key].items()}
                a = {int(k): v[-1] for k, v in s[key].items()}
                se = {int(k): v[-1] for k, v in s[f"{key}_se"].items()}
                out[name][key] = _crossover(b, a, se)
        return out

    def reward_law(self) -> dict:
        """Control -> Cui et al.'s ``R = -a e^H + b`` fitted to every (answer entropy,
        pass@1) point of every seed (:func:`thermo_rl.entropy.fit_entropy_reward_law`):
        ``a``, ``b``, ``r2``, ``ceiling`` (``b - a``, the pass@1 predicted at H = 0) and
        the number of points; None where the entropy does not vary."""
        from ..entropy.dynamics import fit_entropy_reward_law
        from ..errors import UserError

        out = {}
        for name, per in self.series.items():
            H = np.concatenate([s["answer_entropy"] for s in per.values()])
            R = np.concatenate([s["pass@1"] for s in per.values()])
            try:
                f = fit_entropy_reward_law(H, R)
            except UserError:
                out[name] = None
                continue
            out[name] = {"a": f.a, "b": f.b, "r2": f.r2, "ceiling": f.ceiling,
                         "points": int(H.size)}
        return out

    def pareto(self) -> list:
        """Controls on the (final mean pass@1, final mean coverage) front
        (:func:`thermo_rl.llm.frontier.pareto_front`), in order of pass@1."""
        from .frontier import pareto_front

        fin = self.final()
        names = [n for n, r in fin.items() if np.isfinite(r["pass@1"])
                 and np.isfinite(r["coverage"])]
        if not names:
            return []
        on = pareto_front([[fin[n]["pass@1"], fin[n]["coverage"]] for n in names])
        return sorted((n for n, keep in zip(names, on) if keep), key=lambda n: fin[n]["pass@1"])

    def as_dict(self) -> dict:
        return {"base": self.base, "settings": self.settings,
                "series": {n: {str(s): v for s, v in per.items()}
                           for n, per in self.series.items()},
                "summary": self.summary, "final": self.final(),
                "crossovers": self.crossovers(), "reward_law": self.reward_law(),
                "pareto": self.pareto(), "optimum": self.optimum, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict) -> SeedsResult:
        """Back from :meth:`as_dict` (or its JSON: string keys of k become ints)."""
        def ints(x):
            if isinstance(x, dict):
                return {(int(k) if isinstance(k, str) and k.isdigit() else k): ints(v)
                        for k, v in x.items()}
            return x

        series = {n: {int(s): ints(v) for s, v in per.items()}
                  for n, per in d["series"].items()}
        return cls(ints(d["base"]), series, ints(d["summary"]), d["settings"],
                   float(d.get("seconds", 0.0)), ints(d.get("optimum") or {}))
