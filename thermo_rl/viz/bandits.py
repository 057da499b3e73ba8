"""Bandit figures: learning curves, the entropy mechanism, final policies, self-training.

Drawing only: every number comes from :mod:`thermo_rl.bandits` results
(:class:`~thermo_rl.bandits.BanditResult`, :class:`~thermo_rl.bandits.SelfTrainingResult`)
or :func:`~thermo_rl.bandits.gibbs_policy`. Each function returns the Figure; pass
``ax``/``axes`` to draw into panels of a figure of your own.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ._common import legend_below, panel_axes, pyplot

__all__ = ["plot_entropy_change", "plot_learning_curves", "plot_policy", "plot_self_training"]

# metric -> (attribute of BanditResult, y label)
_METRICS = {
    "reward": ("reward", "average reward"),
    "optimal": ("optimal", "% optimal action"),
    "entropy": ("entropy", "policy entropy H (nats)"),
    "coverage": ("coverage", "coverage of the best arms"),
    "regret": ("cumulative_regret", "cumulative regret"),
    "temperature": ("temperature", "temperature T"),
}


def plot_learning_curves(results: dict, metrics=("reward", "optimal", "entropy", "coverage"),
                         axes=None, *, xscale: str = "linear", title: str | None = None):
    """One panel per metric against the step, one line per policy.

    Parameters
    ----------
    results : dict
        ``{label: BanditResult}`` (e.g. from :func:`thermo_rl.bandits.compare`).
    metrics : sequence of str
        Any of ``"reward"`` (with a shaded +-1 SEM band over runs), ``"optimal"``
        (percent of runs choosing a best arm), ``"entropy"`` (nats), ``"coverage"``,
        ``"regret"`` (cumulative) and ``"temperature"``.
    axes : sequence of matplotlib Axes, optional
        One per metric; default a new figure.
    xscale : {"linear", "log"}
    title : str, optional
        Figure title (default: environment, runs and steps of the first result).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(results, dict) or not results:
        raise UserError("results must be a non-empty dict {label: BanditResult}")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in metrics if m not in _METRICS]
    if unknown or not metrics:
        raise UserError(f"unknown metric(s) {unknown}; expected some of: {', '.join(_METRICS)}")
    new = axes is None
    axs, _ = panel_axes(axes, len(metrics), (4.0, 3.3))
    styles = ("-", "--", "-.", ":")
    many = len(results) > 5                 # many curves share a panel: vary the line style too
    for i, (label, res) in enumerate(results.items()):
        color = f"C{i % 10}"
        ls = styles[i % len(styles)] if many else "-"
        x = np.arange(1, res.steps + 1)
        for ax, name in zip(axs, metrics):
            y = getattr(res, _METRICS[name][0])
            if y is None or np.all(np.isnan(y)):     # Thompson has no entropy; no T for most
                continue
            y = np.asarray(y, dtype=float)
            if name == "optimal":
                y = 100.0 * y
            ax.plot(x, y, lw=1.3 if many else 1.1, color=color, ls=ls, label=label)
            if name == "reward":
                ax.fill_between(x, y - res.reward_sem, y + res.reward_sem, color=color,
                                alpha=0.25, lw=0)
    first = next(iter(results.values()))
    for ax, name in zip(axs, metrics):
        ax.set_xscale(xscale)
        ax.set_xlabel("step")
        ax.set_ylabel(_METRICS[name][1])
        if name == "coverage":
            ax.set_ylim(-0.03, 1.05)
            env = first.env
            m = len(env.best_arms())
            if env.means_std == 0 and 1 < m < env.k:
                line = ax.axhline(1.0 / m, color="grey", ls=":", lw=1.0,
                                  label=f"1/M = 1/{m}: one best arm kept")
                ax.legend(handles=[line], fontsize=7, loc="lower right")
        if name == "optimal":
            ax.set_ylim(-3, 103)
        ax.grid(alpha=0.3)
    # the legend sits to the right of the last panel, off the data
    handles, labels = axs[0].get_legend_handles_labels()
    extra = axs[-1].get_legend()
    axs[-1].legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                   frameon=False)
    if extra is not None:
        axs[-1].add_artist(extra)
    fig = axs[0].figure
    if new:
        fig.suptitle(title or f"{first.env.name} (k={first.env.k}): {first.runs} runs x "
                              f"{first.steps} steps", fontsize=11)
        fig.tight_layout()
    elif title:
        axs[0].set_title(title, fontsize=10)
    return fig


def plot_entropy_change(result, axes=None, *, label: str | None = None):
    """Predicted (``-Cov(ln pi, dz)``, first order) against measured entropy change per step.

    Left: measured against predicted, one dot per step (colored by step) with the line
    ``y = x``; right: both against the step. For :class:`~thermo_rl.bandits.EntropyPG`
    results (``dH_predicted`` and ``dH_measured``, means over runs).

    Returns
    -------
    matplotlib.figure.Figure
    """
    dp, dm = getattr(result, "dH_predicted", None), getattr(result, "dH_measured", None)
    if dp is None or dm is None:
        raise UserError("plot_entropy_change needs an EntropyPG result "
                         "(with dH_predicted and dH_measured)")
    dp, dm = np.asarray(dp, dtype=float), np.asarray(dm, dtype=float)
    new = axes is None
    (ax0, ax1), _ = panel_axes(axes, 2, (4.3, 3.6))
    x = np.arange(1, dp.size + 1)
    sc = ax0.scatter(dp, dm, c=x, cmap="viridis", s=8, norm=_log_norm(x))
    lo = float(min(dp.min(), dm.min()))
    hi = float(max(dp.max(), dm.max()))
    pad = 0.05 * (hi - lo or 1.0)
    ax0.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "k--", lw=0.9, label="y = x")
    ax0.axhline(0, color="grey", lw=0.5)
    ax0.axvline(0, color="grey", lw=0.5)
    ax0.set_xlabel("predicted  -Cov(ln pi, dz)  (nats/step)")
    ax0.set_ylabel("measured  H(z + dz) - H(z)  (nats/step)")
    ax0.legend(fontsize=7, loc="upper left")
    ax0.figure.colorbar(sc, ax=ax0, label="step")
    ax1.plot(x, dm, lw=1.4, color="C1", label="measured")
    ax1.plot(x, dp, lw=1.0, ls="--", color="C0", label="predicted (first order)")
    ax1.axhline(0, color="grey", lw=0.5)
    ax1.set_xscale("log")
    ax1.set_xlabel("step")
    ax1.set_ylabel("entropy change per step (nats)")
    ax1.legend(fontsize=7)
    for ax in (ax0, ax1):
        ax.grid(alpha=0.3)
    name = label or _policy_name(result)
    fig = ax0.figure
    if new:
        fig.suptitle(f"Entropy mechanism, {name}: dH = -Cov(ln pi, dz) to first order",
                     fontsize=11)
        fig.tight_layout()
    else:
        ax0.set_title(f"{name}: predicted vs measured dH", fontsize=10)
    return fig


def _log_norm(x):
    from matplotlib.colors import LogNorm

    return LogNorm(vmin=1, vmax=max(int(x[-1]), 2))


def _policy_name(result):
    pol = getattr(result, "policy", None)
    if pol is None:
        return "policy"
    T = getattr(pol, "T", None)
    return type(pol).__name__ + ("" if T is None else f"(T={T:g})")


def plot_policy(probs_dict: dict, Q=None, ax=None, *, title: str | None = None, colors=None):
    """Bars of final action distributions side by side (one color per entry).

    Parameters
    ----------
    probs_dict : dict
        ``{label: probs}``: ``(k,)`` probabilities (e.g. :func:`gibbs_policy`), or
        ``(runs, k)`` per-run distributions (``BanditResult.final_probs``), drawn as the
        mean over runs with a bar of +-1 standard deviation *across runs*: a collapsed
        learner looks fair on average but each of its runs sits on one arm.
    Q : array_like (k,), optional
        True action values: shown under the arm numbers, the best arms shaded.
    ax : matplotlib Axes, optional
    colors : sequence of matplotlib colors, optional
        One per entry (default C0, C1, ...), e.g. to match :func:`plot_learning_curves`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(probs_dict, dict) or not probs_dict:
        raise UserError("probs_dict must be a non-empty dict {label: probabilities}")
    plt = pyplot()
    arrays = {lab: np.asarray(p, dtype=float) for lab, p in probs_dict.items()}
    ks = {a.shape[-1] for a in arrays.values()}
    if len(ks) != 1 or any(a.ndim not in (1, 2) for a in arrays.values()):
        raise UserError("every entry of probs_dict must be (k,) or (runs, k) with the same k")
    k = ks.pop()
    if Q is not None:
        Q = np.asarray(Q, dtype=float)
        if Q.shape != (k,):
            raise UserError(f"Q must have shape ({k},), got {Q.shape}")
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(max(5.0, 0.6 * k + 2.5), 3.5))
    n = len(arrays)
    colors = [f"C{i % 10}" for i in range(n)] if colors is None else list(colors)
    if len(colors) < n:
        raise UserError(f"colors must give one color per entry ({n}), got {len(colors)}")
    width = 0.8 / n
    x = np.arange(k)
    for i, (lab, a) in enumerate(arrays.items()):
        pos = x - 0.4 + width * (i + 0.5)
        if a.ndim == 2:
            mean, std = np.nanmean(a, axis=0), np.nanstd(a, axis=0)
            ax.bar(pos, mean, width, yerr=std, capsize=2, color=colors[i],
                   error_kw={"lw": 0.8}, label=f"{lab} (mean +- sd over runs)")
        else:
            ax.bar(pos, a, width, color=colors[i], label=lab)
    if Q is not None:
        for b in np.flatnonzero(Q == Q.max()):
            ax.axvspan(b - 0.5, b + 0.5, color="gold", alpha=0.15, lw=0, zorder=0)
        ax.set_xticks(x, [f"{b}\n{Q[b]:.3g}" for b in x], fontsize=8)
        ax.set_xlabel("arm  (true mean Q; best arms shaded)")
    else:
        ax.set_xticks(x, [str(b) for b in x])
        ax.set_xlabel("arm")
    ax.set_xlim(-0.6, k - 0.4)
    ax.set_ylim(0, None)
    ax.set_ylabel("probability")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")
    if title:
        ax.set_title(title, fontsize=10)
    fig = ax.figure
    if new:
        fig.tight_layout()
    return fig


def plot_self_training(results: dict, theory=None, ax=None, *, title: str | None = None):
    """Mean support (types still present) against the generation, log x.

    Parameters
    ----------
    results : dict
        ``{label: SelfTrainingResult}`` (:func:`thermo_rl.bandits.self_train`).
    theory : float or dict, optional
        Wright-Fisher mean fixation time(s) (:func:`wright_fisher_fixation_time`):
        one number, or ``{label: time}`` matching ``results``; drawn as vertical lines.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(results, dict) or not results:
        raise UserError("results must be a non-empty dict {label: SelfTrainingResult}")
    plt = pyplot()
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(6, 3.8))
    colors = {}
    for i, (lab, res) in enumerate(results.items()):
        colors[lab] = f"C{i % 10}"
        g = np.arange(1, res.generations + 1)
        ax.plot(g, res.mean_support, lw=1.4, color=colors[lab], label=lab)
    if theory is not None:
        items = theory.items() if isinstance(theory, dict) else [(None, theory)]
        for lab, t in items:
            text = "Wright-Fisher fixation time" + ("" if lab is None else f" ({lab})")
            ax.axvline(float(t), ls="--", lw=1.0, color=colors.get(lab, "k"),
                       label=f"{text}: {float(t):.0f}")
    ax.set_xscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("mean support (types left)")
    ax.set_ylim(0, None)
    legend_below(ax)
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title or "Self-training: a model refit on its own samples collapses",
                 fontsize=10)
    fig = ax.figure
    if new:
        fig.tight_layout()
    return fig
