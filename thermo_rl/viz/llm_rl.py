"""RL fine-tuning figures: pass@k against k, coverage and entropy over steps, and the
entropy mechanism (predicted against measured entropy change).

Drawing only: every number comes from :func:`thermo_rl.llm.rl.compare` (a
:class:`~thermo_rl.llm.rl.CompareResult` or its ``as_dict()``).
"""

from __future__ import annotations

import numpy as np

from ._common import panel_axes

__all__ = ["plot_compare", "plot_entropy_mechanism", "plot_pass_at_k", "plot_rl_history"]


def _data(res):
    return res.as_dict() if hasattr(res, "as_dict") else res


def plot_pass_at_k(res, ax=None, *, key: str = "pass@k"):
    """``key`` (``pass@k`` or ``distinct@k``) against k, the base model and every run."""
    d = _data(res)
    (ax,), _new = panel_axes(ax, 1, (4.6, 3.6))
    base = d["base"][key]
    ks = sorted(int(k) for k in base)
    ax.plot(ks, [base[k] if k in base else base[str(k)] for k in ks], "k--o", ms=3,
            label="base")
    for name, run in d["runs"].items():
        a = run["after"][key]
        ax.plot(ks, [a[k] if k in a else a[str(k)] for k in ks], "-o", ms=3, label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("pass@k (exact)" if key == "pass@k"
                  else "expected distinct correct answers among k")
    ax.legend(fontsize=8)
    return ax.figure


def plot_rl_history(res, axes=None, *, metrics=("coverage", "answer_entropy")):
    """One panel per metric over RL steps, one line per run."""
    d = _data(res)
    axes, _new = panel_axes(axes, len(metrics), (4.6, 3.6))
    labels = {"coverage": "coverage of the correct answers",
              "answer_entropy": "answer entropy (nats)", "pass@1": "pass@1",
              "token_entropy": "token entropy (nats)", "kl_ref": "KL(pi || pi_ref) (nats)"}
    for ax, key in zip(axes, metrics):
        for name, run in d["runs"].items():
            h = run["history"]
            ax.plot([0] + [r["step"] for r in h], [run["before"][key]] + [r[key] for r in h],
                    label=name)
        ax.set_xlabel("RL step")
        ax.set_ylabel(labels.get(key, key))
    axes[0].legend(fontsize=8)
    return axes[0].figure


def plot_entropy_mechanism(res, ax=None):
    """Measured change of the exact answer entropy against the first-order prediction
    ``-Cov_pi(ln pi, d ln pi)``, every evaluation interval of every run."""
    d = _data(res)
    (ax,), _new = panel_axes(ax, 1, (4.6, 3.6))
    lo, hi = np.inf, -np.inf
    for name, run in d["runs"].items():
        h = [r for r in run["history"] if r.get("dH_measured") is not None]
        p = np.array([r["dH_predicted"] for r in h])
        m = np.array([r["dH_measured"] for r in h])
        c = run["entropy_change"]["entropy_change_correlation"]
        ax.plot(p, m, ".", ms=4, label=f"{name} (r = {c:.3f})")
        if len(p):
            lo, hi = min(lo, p.min(), m.min()), max(hi, p.max(), m.max())
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], "k:", lw=1)
    ax.set_xlabel("predicted dH = -Cov(ln pi, d ln pi) (nats)")
    ax.set_ylabel("measured dH of the answers (nats)")
    ax.legend(fontsize=8)
    return ax.figure


def plot_compare(res, axes=None):
    """The compare figure: pass@k against k, coverage and answer entropy over steps,
    predicted against measured entropy change (4 panels)."""
    axes, new = panel_axes(axes, 4, (4.4, 3.6))
    plot_pass_at_k(res, axes[0])
    plot_rl_history(res, axes[1:3])
    plot_entropy_mechanism(res, axes[3])
    fig = axes[0].figure
    if new:
        fig.suptitle("RL fine-tuning: reward alone collapses the answers, the controls keep "
                     "them", fontsize=11)
        fig.tight_layout()
    return fig
