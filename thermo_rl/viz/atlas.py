"""Figures of the controls atlas, the AEPO target sweep and the precision study.

Drawing only: the numbers come from :func:`thermo_rl.llm.atlas.controls_atlas`,
:func:`~thermo_rl.llm.atlas.target_entropy_sweep` and
:func:`thermo_rl.llm.precision.precision_study` (results or their ``as_dict()``).
Every control gets its own color and marker (20 colors times 8 markers: distinct for
any registry size that fits a page), and legends sit outside the axes.
"""

from __future__ import annotations

import numpy as np

from ._common import panel_axes, pyplot

__all__ = ["control_styles", "plot_atlas", "plot_plane", "plot_precision_study",
           "plot_target_sweep"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p")


def _data(res):
    return res.as_dict() if hasattr(res, "as_dict") else res


def control_styles(names) -> dict:
    """``name -> (color, marker)``: 20 colors (tab20), each pairing with a marker that
    changes faster than the color, so neighbours in the list differ in both."""
    cmap = pyplot().get_cmap("tab20")
    order = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    return {n: (cmap(order[i % 20]), _MARKERS[i % len(_MARKERS)])
            for i, n in enumerate(names)}


def _front_line(ax, xs, ys):
    o = np.argsort(xs)
    ax.plot(np.asarray(xs)[o], np.asarray(ys)[o], "--", color="0.3", lw=1.2, zorder=1,
            label="Pareto front")


def plot_plane(ax, rows: dict, front, styles: dict | None = None):
    """pass@1 against coverage on ``ax``: per name of ``rows`` (each with ``pass@1``,
    ``coverage`` and their ``_se``) a point with error bars of one standard error both
    ways, in :func:`control_styles`; the names of ``front`` joined by a dashed line."""
    st = control_styles(list(rows)) if styles is None else styles
    for n, r in rows.items():
        c, m = st[n]
        ax.errorbar(r["coverage"], r["pass@1"], xerr=np.nan_to_num(r["coverage_se"]),
                    yerr=np.nan_to_num(r["pass@1_se"]), fmt=m, color=c, ms=7, capsize=2,
                    mec="k", mew=0.5, label=n, zorder=3)
    front = [n for n in front if n in rows]
    if front:
        _front_line(ax, [rows[n]["coverage"] for n in front],
                    [rows[n]["pass@1"] for n in front])


def plot_atlas(res, axes=None):
    """Two panels: the language model's pass@1 against coverage (mean and standard error
    over seeds, error bars both ways, the Pareto front joined, the base model a black
    star) and the same controls on the equal-best bandit (reward against coverage, same
    colors and markers), one legend outside the axes."""
    d = _data(res)
    rows = d["rows"]
    names = list(rows)
    has_bandit = any("bandit" in r for r in rows.values())
    axes, new = panel_axes(axes, 2 if has_bandit else 1, (5.2, 4.4))
    st = control_styles(names)
    ax = axes[0]
    plot_plane(ax, rows, d["pareto"], st)
    b = d.get("base")
    if b:
        ax.plot(b["coverage"], b["pass@1"], "k*", ms=12, label="base model", zorder=4)
    s = d.get("settings", {})
    ax.set_xlabel("coverage of the correct answers (exact)")
    ax.set_ylabel("pass@1 (exact)")
    ax.set_title(f"{s.get('task', '')} ({s.get('size', '')} GPT), "
                 f"{s.get('seeds', '?')} seeds: mean ± s.e.", fontsize=10)
    if has_bandit:
        bx = axes[1]
        for n in names:
            r = rows[n].get("bandit")
            if r is None:
                continue
            c, m = st[n]
            bx.errorbar(r["coverage"], r["reward"], xerr=np.nan_to_num(r["coverage_se"]),
                        yerr=np.nan_to_num(r["reward_se"]), fmt=m, color=c, ms=7, capsize=2,
                        mec="k", mew=0.5, zorder=3)
        bs = (s.get("bandit") or {})
        bx.set_xlabel("coverage of the best arms")
        bx.set_ylabel("expected reward of the final policy")
        bx.set_title(f"the same controls on the equal-best bandit "
                     f"(k={bs.get('k', 10)}, m={bs.get('m', 3)})", fontsize=10)
    fig = ax.figure
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
               frameon=False, ncol=1 if len(labels) <= 24 else 2)
    if new:
        fig.tight_layout()
    return fig


def plot_target_sweep(res, ax=None):
    """pass@1, pass@8 and pass@64 against the answer entropy AEPO held (mean ± s.e.
    over seeds, one point per target), to see a rise and a fall."""
    d = _data(res)
    (ax,), new = panel_axes(ax, 1, (5.2, 4.0))
    rows = d["rows"]
    targets = list(rows)
    H = np.array([rows[t]["answer_entropy"] for t in targets])
    He = np.nan_to_num(np.array([rows[t]["answer_entropy_se"] for t in targets]))
    o = np.argsort(H)
    for k, style in (("pass@1", "o-"), ("pass@8", "s-"), ("pass@64", "^-")):
        y = np.array([rows[t][k] for t in targets])
        ye = np.nan_to_num(np.array([rows[t][f"{k}_se"] for t in targets]))
        ax.errorbar(H[o], y[o], xerr=He[o], yerr=ye[o], fmt=style, capsize=2, ms=5, label=k)
    for t, h, y in zip(targets, H, [rows[t]["pass@1"] for t in targets]):
        ax.annotate(f"{d['parameter']}={float(t):g}", (h, y), fontsize=7,
                    textcoords="offset points", xytext=(3, -10))
    ax.set_xlabel("answer entropy reached (nats)")
    ax.set_ylabel("pass@k (exact)")
    ax.set_title(f"{d['control']}: target-entropy sweep", fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    if new:
        ax.figure.tight_layout()
    return ax.figure


def plot_precision_study(res, axes=None):
    """Three panels: the answer entropy and the token entropy over RL steps (mean ± s.e.
    band over seeds per precision), and the final coverage per precision."""
    d = _data(res)
    axes, new = panel_axes(axes, 3, (4.4, 3.6))
    runs = d["precisions"]
    for (name, r), color in zip(runs.items(), ("C0", "C1", "C3", "C2")):
        for ax, key in ((axes[0], "answer_entropy"), (axes[1], "token_entropy")):
            steps = np.asarray(r["steps"])
            m, s = np.asarray(r[f"{key}_mean"]), np.nan_to_num(np.asarray(r[f"{key}_se"]))
            ax.plot(steps, m, color=color, label=name)
            ax.fill_between(steps, m - s, m + s, color=color, alpha=0.25, lw=0)
    xs = np.arange(len(runs))
    axes[2].bar(xs, [r["coverage"] for r in runs.values()],
                yerr=[np.nan_to_num(r["coverage_se"]) for r in runs.values()], capsize=4,
                color=["C0", "C1", "C3", "C2"][:len(runs)])
    axes[2].set_xticks(xs, list(runs))
    axes[0].set_ylabel("answer entropy (nats, exact)")
    axes[1].set_ylabel("token entropy (nats, rollouts)")
    axes[2].set_ylabel("final coverage (exact)")
    for ax in axes[:2]:
        ax.set_xlabel("RL step")
    axes[0].legend(fontsize=8)
    if new:
        axes[0].figure.suptitle("the policy's logits and log-probabilities in fp32, bf16, "
                                "fp16 (mean ± s.e. over seeds)", fontsize=10)
        axes[0].figure.tight_layout()
    return axes[0].figure
