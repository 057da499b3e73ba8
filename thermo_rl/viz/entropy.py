"""Entropy figures: free energy against T, the first-order entropy law, the entropy-reward
law, entropy controls side by side, and self-training fixation times.

Drawing only: the numbers come from :mod:`thermo_rl.bandits` and
:mod:`thermo_rl.entropy` (the notebook or the caller computes them). Each function
returns the Figure; pass ``ax``/``axes`` to draw into panels of a figure of your own.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ._common import legend_below, panel_axes, pyplot

__all__ = [
    "plot_control_summary",
    "plot_cumulative_entropy_change",
    "plot_entropy_reward_law",
    "plot_first_order_error",
    "plot_fixation_times",
    "plot_free_energy_curves",
]


def _curves(d, name):
    if not isinstance(d, dict) or not d:
        raise UserError(f"{name} must be a non-empty dict {{label: array}}")
    return {lab: np.asarray(v, dtype=float) for lab, v in d.items()}


def plot_free_energy_curves(T, free_energy: dict, components: dict | None = None, axes=None,
                            *, title: str | None = None):
    """The objective ``J = <Q> + T H`` of a few policies against the temperature.

    Parameters
    ----------
    T : array_like (n,)
        Temperatures (x axis).
    free_energy : dict
        ``{label: J(T)}`` for each policy (e.g. the Gibbs policy, one best arm,
        uniform over the best arms).
    components : dict, optional
        ``{label: values(T)}`` drawn on a second panel (e.g. ``<Q>`` and ``H`` of the
        Gibbs policy).
    axes : Axes or sequence of Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    T = np.asarray(T, dtype=float)
    J = _curves(free_energy, "free_energy")
    comp = None if components is None else _curves(components, "components")
    axs, new = panel_axes(axes, 1 if comp is None else 2, (4.6, 3.4))
    styles = ["-", "--", ":", "-."]
    for i, (lab, y) in enumerate(J.items()):
        axs[0].plot(T, y, styles[i % 4], lw=1.6, color=f"C{i % 10}", label=lab)
    axs[0].set_xlabel("temperature T  (reward units)")
    axs[0].set_ylabel("J = <Q> + T H  (= -F)")
    axs[0].set_title("free energy of a few policies", fontsize=10)
    if comp is not None:
        for i, (lab, y) in enumerate(comp.items()):
            axs[1].plot(T, y, lw=1.6, color=f"C{(i + 3) % 10}", label=lab)
        axs[1].set_xlabel("temperature T  (reward units)")
        axs[1].set_title("the Gibbs policy pi ∝ exp(Q/T)", fontsize=10)
    for ax in axs:
        ax.grid(alpha=0.3)
        legend_below(ax)
    fig = axs[0].figure
    if new:
        if title:
            fig.suptitle(title, fontsize=11)
        fig.tight_layout()
    return fig


def plot_first_order_error(step_sizes, errors: dict, ax=None, *, title: str | None = None):
    """Relative error of the first-order entropy change against the step size (log-log).

    ``errors`` is ``{label: |predicted - exact| / |exact|}`` at each step size; a
    dotted line of slope 1 (error ∝ step) is drawn through the smallest step of the
    first entry.

    Returns
    -------
    matplotlib.figure.Figure
    """
    eta = np.asarray(step_sizes, dtype=float)
    err = _curves(errors, "errors")
    plt = pyplot()
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(4.8, 3.6))
    markers = "osd^v"
    for i, (lab, e) in enumerate(err.items()):
        if e.shape != eta.shape:
            raise UserError(f"errors[{lab!r}] has shape {e.shape}, step_sizes {eta.shape}")
        ax.loglog(eta, e, markers[i % 5] + "-", ms=4, lw=1.2, color=f"C{i % 10}", label=lab)
    first = next(iter(err.values()))
    i0 = int(np.argmin(eta))
    ax.loglog(eta, first[i0] * eta / eta[i0], ":", color="grey", lw=1.0, label="slope 1")
    ax.set_xlabel("step size eta")
    ax.set_ylabel("relative error of -Cov(ln pi, dz)")
    ax.set_title(title or "first-order entropy change: error ∝ eta", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig = ax.figure
    if new:
        fig.tight_layout()
    return fig


def plot_entropy_reward_law(entropy, reward, fit, ax=None, *, fitted=None,
                            label: str | None = None, title: str | None = None):
    """Reward against entropy over a training run, with the fitted ``R = -a exp(H) + b``.

    Parameters
    ----------
    entropy, reward : array_like (steps,)
        Per-step policy entropy (nats) and reward.
    fit : :class:`thermo_rl.entropy.EntropyLawFit`
        Its curve is drawn from ``H = 0`` to the largest entropy, its ceiling
        ``b - a`` (the reward at ``H = 0``) as a horizontal line.
    fitted : array_like of bool (steps,), optional
        The steps the fit used (drawn darker); default all.

    Returns
    -------
    matplotlib.figure.Figure
    """
    H = np.asarray(entropy, dtype=float)
    R = np.asarray(reward, dtype=float)
    if H.shape != R.shape or H.ndim != 1:
        raise UserError("entropy and reward must be 1-d arrays of the same length")
    plt = pyplot()
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(5.0, 3.6))
    used = np.ones(H.size, bool) if fitted is None else np.asarray(fitted, dtype=bool)
    steps = np.arange(1, H.size + 1)
    if not used.all():
        ax.scatter(H[~used], R[~used], s=5, color="lightgrey", label="not used in the fit")
    sc = ax.scatter(H[used], R[used], c=steps[used], cmap="viridis", s=6,
                    label=label or "training steps")
    ax.figure.colorbar(sc, ax=ax, label="step")
    h = np.linspace(0.0, float(H.max()), 200)
    ax.plot(h, fit.predict(h), "r-", lw=1.5,
            label=f"R = -{fit.a:.3g} exp(H) + {fit.b:.3g}  (r² = {fit.r2:.3f})")
    ax.axhline(fit.ceiling, color="r", ls=":", lw=1.0,
               label=f"ceiling at H = 0: {fit.ceiling:.4g}")
    ax.set_xlabel("policy entropy H (nats)")
    ax.set_ylabel("reward")
    ax.set_title(title or "entropy-reward law (Cui et al., 2025)", fontsize=10)
    ax.grid(alpha=0.3)
    legend_below(ax)
    fig = ax.figure
    if new:
        fig.tight_layout()
    return fig


def plot_control_summary(summary: dict, metrics=("entropy", "coverage", "reward"), axes=None,
                         *, reference: dict | None = None, title: str | None = None,
                         errors: dict | None = None):
    """Horizontal bars: one panel per metric, one bar per entropy control.

    Parameters
    ----------
    summary : dict
        ``{control: {metric: value}}`` (e.g. final entropy, coverage and reward).
    metrics : sequence of str
        Keys of the inner dicts, one panel each.
    reference : dict, optional
        ``{metric: value}`` drawn as a dotted vertical line (e.g. ``ln m``, the
        entropy of the Gibbs policy at T -> 0).
    errors : dict, optional
        ``{control: {metric: standard error}}``, drawn as error bars (a missing entry
        draws none).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(summary, dict) or not summary:
        raise UserError("summary must be a non-empty dict {control: {metric: value}}")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    labels = list(summary)
    missing = [(lab, m) for lab in labels for m in metrics if m not in summary[lab]]
    if missing:
        raise UserError(f"summary lacks {missing[0][1]!r} for {missing[0][0]!r}")
    axs, new = panel_axes(axes, len(metrics), (3.2, 0.32 * len(labels) + 1.2))
    y = np.arange(len(labels))
    for j, (ax, m) in enumerate(zip(axs, metrics)):
        vals = np.array([float(summary[lab][m]) for lab in labels])
        err = np.array([float((errors or {}).get(lab, {}).get(m, np.nan)) for lab in labels])
        ax.barh(y, vals, color=[f"C{i % 10}" for i in range(len(labels))], height=0.7,
                xerr=np.where(np.isfinite(err), err, 0.0) if errors else None,
                error_kw={"capsize": 2, "lw": 0.9})
        for yi, v, e in zip(y, vals, err):
            text = f" {v:.1f}" if abs(v) >= 10 else f" {v:.2f}"
            ax.text(v + (e if np.isfinite(e) else 0.0), yi, text, va="center", fontsize=7)
        if reference and m in reference:
            ax.axvline(reference[m], color="k", ls=":", lw=1.0)
        ax.set_yticks(y, labels if j == 0 else [""] * len(labels), fontsize=8)
        ax.invert_yaxis()
        ax.set_title(m, fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        lo = min(0.0, float(vals.min()))
        ax.set_xlim(lo, float(vals.max()) * 1.22 + 1e-9)
    fig = axs[0].figure
    if new:
        if title:
            fig.suptitle(title, fontsize=11)
        fig.tight_layout()
    elif title:
        axs[0].set_title(f"{title}: {metrics[0]}", fontsize=10)
    return fig


def plot_fixation_times(n_samples, measured, sem, theory, ax=None, *, title: str | None = None):
    """Measured mean fixation time (with +-1 standard error) against the sample size,
    beside the Wright-Fisher diffusion prediction; log-log.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = np.asarray(n_samples, dtype=float)
    t, s, th = (np.asarray(v, dtype=float) for v in (measured, sem, theory))
    if not (n.shape == t.shape == s.shape == th.shape):
        raise UserError("n_samples, measured, sem and theory must have the same length")
    plt = pyplot()
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(4.6, 3.6))
    ax.errorbar(n, t, yerr=s, fmt="o", ms=4, capsize=3, label="measured (mean ± s.e.)")
    ax.plot(n, th, "k--", lw=1.0, label="Wright-Fisher: -2n Σ (1-p) ln(1-p)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax, n, np.concatenate([t, th]))
    ax.set_xlabel("samples per generation n")
    ax.set_ylabel("generations until one type is left")
    ax.set_title(title or "collapse time grows ∝ n", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig = ax.figure
    if new:
        fig.tight_layout()
    return fig


def _plain_log_ticks(ax, x, y):
    """Log axes labelled with plain numbers: x at the given points, y at 1-2-5 steps."""
    from matplotlib.ticker import NullFormatter

    ax.set_xticks(x, [f"{v:g}" for v in x])
    ax.xaxis.set_minor_formatter(NullFormatter())
    y = y[np.isfinite(y) & (y > 0)]
    if y.size:
        lo, hi = np.floor(np.log10(y.min())), np.ceil(np.log10(y.max()))
        ticks = [m * 10.0**e for e in np.arange(lo, hi + 1) for m in (1, 2, 5)]
        ticks = [v for v in ticks if y.min() / 1.5 <= v <= y.max() * 1.5]
        if ticks:
            ax.set_yticks(ticks, [f"{v:g}" for v in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_cumulative_entropy_change(results: dict, ax=None, *, title: str | None = None):
    """Entropy change summed over the steps of a run: measured (solid) against the sum of
    the first-order predictions (dashed), one color per run.

    Per step the two agree to first order in the step size; summed over a run of noisy
    updates, the second-order term (the noise in ``dz`` lowers the entropy on average)
    accumulates and shows up as the gap between the solid and the dashed line.

    Parameters
    ----------
    results : dict
        ``{label: BanditResult}`` of :class:`~thermo_rl.bandits.EntropyPG` runs (with
        ``dH_predicted`` and ``dH_measured``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(results, dict) or not results:
        raise UserError("results must be a non-empty dict {label: BanditResult}")
    plt = pyplot()
    new = ax is None
    if new:
        _, ax = plt.subplots(figsize=(5.6, 3.8))
    for i, (lab, res) in enumerate(results.items()):
        dp, dm = getattr(res, "dH_predicted", None), getattr(res, "dH_measured", None)
        if dp is None or dm is None:
            raise UserError(f"results[{lab!r}] is not an EntropyPG result (no dH_predicted)")
        x = np.arange(1, len(dp) + 1)
        ax.plot(x, np.cumsum(dm), "-", lw=1.6, color=f"C{i % 10}", label=f"{lab}: measured")
        ax.plot(x, np.cumsum(dp), "--", lw=1.1, color=f"C{i % 10}",
                label=f"{lab}: sum of -Cov(ln pi, dz)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("cumulative entropy change (nats)")
    ax.set_title(title or "first order per step; the noise term adds up over a run",
                 fontsize=10)
    ax.grid(alpha=0.3)
    legend_below(ax)
    fig = ax.figure
    if new:
        fig.tight_layout()
    return fig
