"""Results of RL fine-tuning: exact metrics of an answer distribution, one run, a comparison.

Every result carries the :class:`~thermo_rl.llm.rl_config.RLConfig` it ran with
(``config``) and serializes with ``as_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .exact import AnswerDistribution

__all__ = ["CompareResult", "RLResult", "exact_metrics"]


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

        For ``pass@k`` and ``distinct@k``: the smallest k at which the base model is at
        or above the run, when the run is ahead at k = 1 (None: no crossover within the
        k measured, or the run is not ahead at k = 1).
        """
        out = {}
        for name, run in self.runs.items():
            out[name] = {}
            for key in ("pass@k", "distinct@k"):
                b = {int(k): v for k, v in self.base[key].items()}
                a = {int(k): v for k, v in run.after[key].items()}
                ks = sorted(set(a) & set(b))
                cross = None
                if ks and a[ks[0]] > b[ks[0]]:
                    cross = next((k for k in ks if b[k] >= a[k]), None)
                out[name][key] = cross
        return out

    def as_dict(self) -> dict:
        return {"base": self.base, "runs": {n: r.as_dict() for n, r in self.runs.items()},
                "settings": self.settings, "table": self.table(),
                "crossovers": self.crossovers(), "seconds": self.seconds}
