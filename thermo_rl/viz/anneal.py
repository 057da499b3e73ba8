"""Annealing figures: a tour, the trace of T / energy / acceptance, schedule comparisons."""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ._common import pyplot

__all__ = ["plot_comparison", "plot_cooling_scan", "plot_residual_scaling", "plot_result",
           "plot_schedule_bars", "plot_tour", "plot_trace"]


def plot_tour(coords, tour, *, ax=None, title: str | None = None):
    """Draw a closed tour over city coordinates ``(n, 2)``; returns the axes."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    c = np.asarray(coords, dtype=float)
    t = np.asarray(tour)
    path = c[np.append(t, t[0])]
    ax.plot(path[:, 0], path[:, 1], "-", lw=1.2, color="tab:blue")
    ax.plot(c[:, 0], c[:, 1], "o", ms=3, color="tab:red")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_trace(result, *, axes=None, label: str | None = None):
    """Temperature, energy (mean and best over runs) and acceptance against sweeps."""
    plt = pyplot()
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    x = result.trace_sweeps
    lab = label or result.problem
    axes[0].plot(x, result.trace_T, label=lab)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("temperature T")
    line, = axes[1].plot(x, result.trace_energy.mean(1), label=f"{lab}: mean")
    axes[1].plot(x, result.trace_best.min(1), "--", color=line.get_color(), label=f"{lab}: best")
    if result.optimum is not None:
        axes[1].axhline(result.optimum, color="k", lw=0.8, ls=":", label="optimum")
    axes[1].set_ylabel("energy  (problem units)")
    axes[2].plot(x, result.trace_acceptance.mean(1), label=lab)
    axes[2].set_ylabel("acceptance rate")
    for ax in axes:
        ax.set_xlabel("sweeps")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7)
    return axes


def plot_result(result, coords=None):
    """One figure: the best tour (when coordinates are given) and the trace."""
    plt = pyplot()
    if coords is not None:
        fig = plt.figure(figsize=(15, 3.8))
        gs = fig.add_gridspec(1, 4)
        ax0 = fig.add_subplot(gs[0, 0])
        gap = "" if result.gap is None else f", gap {100 * result.gap:.2f}%"
        plot_tour(coords, result.best_state, ax=ax0,
                  title=f"{result.problem}: {result.best_energy:.6g}{gap}")
        axes = [fig.add_subplot(gs[0, k]) for k in (1, 2, 3)]
    else:
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    plot_trace(result, axes=axes)
    fig.tight_layout()
    return fig


def plot_comparison(results: dict, coords=None, *, run: str = "median"):
    """Quench / slow anneal / reheat: tours (if coords) over energy traces.

    ``run="median"`` (default) draws each schedule's median run (the run whose best
    length is the median over runs: a typical outcome), ``run="best"`` the best run of
    all (the luckiest, which hides how often a schedule fails).
    """
    if run not in ("median", "best"):
        raise UserError(f"run must be 'median' or 'best', got {run!r}")
    plt = pyplot()
    k = len(results)
    rows = 2 if coords is not None else 1
    fig, axes = plt.subplots(rows, max(k, 2), figsize=(4.2 * max(k, 2), 3.8 * rows),
                             squeeze=False)
    if coords is not None:
        for ax, (lab, res) in zip(axes[0], results.items()):
            if run == "median" and res.best_states is not None:
                i = res.median_run()
                state, length, which = (res.best_states[i], float(res.best_energies[i]),
                                        f"median of {res.runs} runs")
            else:
                state, length, which = res.best_state, res.best_energy, f"best of {res.runs} runs"
            gap = "" if res.optimum is None else f", gap {100 * (length / res.optimum - 1):.2f}%"
            plot_tour(coords, state, ax=ax, title=f"{lab} ({which}):\n{length:.6g}{gap}")
    ax_e = axes[-1][0]
    ax_t = axes[-1][1]
    for lab, res in results.items():
        line, = ax_e.plot(res.trace_sweeps, res.trace_energy.mean(1), label=lab)
        ax_e.plot(res.trace_sweeps, res.trace_best.min(1), "--", color=line.get_color())
        ax_t.plot(res.trace_sweeps, res.trace_T, label=lab, color=line.get_color())
    opt = next(iter(results.values())).optimum
    if opt is not None:
        ax_e.axhline(opt, color="k", lw=0.8, ls=":", label="optimum")
    ax_e.set_xlabel("sweeps")
    ax_e.set_ylabel("energy (solid: mean, dashed: best)")
    ax_t.set_xlabel("sweeps")
    ax_t.set_ylabel("temperature T  (energy units)")
    ax_t.set_yscale("log")
    for ax in (ax_e, ax_t):
        ax.grid(alpha=0.3)
    # one legend, beside the panels (the temperature panel uses the same colours)
    for ax in axes[-1][2:]:
        ax.axis("off")
    if len(axes[-1]) > 2:
        axes[-1][2].legend(*ax_e.get_legend_handles_labels(), fontsize=9, loc="center left",
                           title="solid: mean over runs\ndashed: best run")
    else:
        ax_e.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def plot_cooling_scan(scan: dict, *, optimum=None, ax=None):
    """Final and best energies against the number of sweeps (slower cooling to the right)."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    ax.errorbar(scan["sweeps"], scan["mean_best"], yerr=scan["std_best"], marker="o",
                ms=3, capsize=2, label="best (mean over runs)")
    ax.plot(scan["sweeps"], scan["mean_final"], marker="s", ms=3, label="final")
    if optimum is not None:
        ax.axhline(optimum, color="k", lw=0.8, ls=":", label="optimum")
    ax.set_xscale("log")
    ax.set_xlabel("sweeps (annealing time; cooling rate ~ 1/sweeps)")
    ax.set_ylabel("energy  (problem units)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return ax


def plot_residual_scaling(scaling, *, ax=None, units: str = "energy units per variable",
                          title: str | None = None):
    """Residual energy per variable against annealing time on log-log axes, with error
    bars and both fits of :func:`~thermo_rl.anneal.teaching.residual_energy_scaling`
    drawn (power law solid, logarithmic dashed) and their rms in the legend."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    tau, rho = np.asarray(scaling.sweeps), np.asarray(scaling.residual)
    err = scaling.residual_error
    ok = rho > 0
    ax.errorbar(tau[ok], rho[ok], yerr=None if err is None else np.asarray(err)[ok], fmt="o",
                ms=4, capsize=2, color="k", label="measured (mean over runs)")
    t = np.geomspace(max(tau[ok].min(), 2.0) if ok.any() else 2.0, tau.max(), 200)
    if np.isfinite(scaling.power_exponent):
        ax.plot(t, scaling.power_law(t), "C0-",
                label=f"t^-{scaling.power_exponent:.2f}  (rms {scaling.power_rms:.2f})")
    if np.isfinite(scaling.log_exponent):
        ax.plot(t, scaling.log_law(t), "C3--",
                label=f"(ln t)^-{scaling.log_exponent:.2f}  (rms {scaling.log_rms:.2f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("annealing time t  (sweeps)")
    ax.set_ylabel(f"residual energy  ({units})")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_schedule_bars(groups: dict, *, ax=None, ylabel: str = "mean best energy",
                       title: str | None = None):
    """The mean best energy of each schedule as a point with its standard-error bar.

    ``groups`` maps a schedule name to ``(mean, error)``; a reference line (e.g. the
    optimum) can be drawn by the caller. Points, not bars: the axis does not start at
    zero (the differences would be invisible), and a bar cut off at an arbitrary
    baseline would show a ratio that means nothing.
    """
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.4))
    names = list(groups)
    mean = np.array([groups[k][0] for k in names], dtype=float)
    err = np.array([groups[k][1] for k in names], dtype=float)
    x = np.arange(len(names))
    for i in range(len(names)):
        ax.errorbar(x[i], mean[i], yerr=err[i], fmt="o", ms=7, capsize=5, lw=1.6,
                    color=f"C{i}")
    ax.set_xticks(x, names)
    ax.set_xlim(-0.5, len(names) - 0.5)
    lo, hi = np.min(mean - err), np.max(mean + err)
    pad = 0.15 * (hi - lo) if hi > lo else abs(hi) * 0.01 + 1e-9
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, axis="y")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
