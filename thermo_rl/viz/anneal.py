"""Annealing figures: a tour, the trace of T / energy / acceptance, schedule comparisons."""

from __future__ import annotations

import numpy as np

from ._common import pyplot

__all__ = ["plot_comparison", "plot_cooling_scan", "plot_result", "plot_tour", "plot_trace"]


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
    axes[1].set_ylabel("energy")
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


def plot_comparison(results: dict, coords=None):
    """Quench / slow anneal / reheat: best tours (if coords) over energy traces."""
    plt = pyplot()
    k = len(results)
    rows = 2 if coords is not None else 1
    fig, axes = plt.subplots(rows, max(k, 2), figsize=(4.2 * max(k, 2), 3.8 * rows),
                             squeeze=False)
    if coords is not None:
        for ax, (lab, res) in zip(axes[0], results.items()):
            gap = "" if res.gap is None else f" (gap {100 * res.gap:.2f}%)"
            plot_tour(coords, res.best_state, ax=ax, title=f"{lab}: {res.best_energy:.6g}{gap}")
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
    ax_t.set_ylabel("temperature T")
    ax_t.set_yscale("log")
    for ax in (ax_e, ax_t):
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[-1][2:]:
        ax.axis("off")
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
    ax.set_ylabel("energy")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return ax
