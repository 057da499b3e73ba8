"""Free-energy figures: estimates against the exact value, the work distribution of AIS."""

from __future__ import annotations

import numpy as np

from ._common import pyplot

__all__ = ["plot_free_energy_vs_exact", "plot_work_distributions"]


def plot_free_energy_vs_exact(curves: dict, *, ax=None, scale: float = 1e4,
                              ylabel: str = "estimate - exact (F per spin)"):
    """Each estimate minus the exact free energy per spin, against ``T``, with error bars.

    ``curves`` maps a label to a dict with ``T``, ``deviation`` and optionally ``error``
    (one standard error) and ``style`` (``"points"``, default, or ``"band"``, or
    ``"line"`` for a curve without error bars). Deviations are multiplied by ``scale``.
    Returns the axes.
    """
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    for i, (label, c) in enumerate(curves.items()):
        T = np.asarray(c["T"], dtype=float)
        d = scale * np.asarray(c["deviation"], dtype=float)
        err = c.get("error")
        style = c.get("style", "points")
        color = f"C{i}"
        if style == "band" and err is not None:
            e = scale * np.asarray(err, dtype=float)
            ax.plot(T, d, color=color, lw=1.5, label=label)
            ax.fill_between(T, d - e, d + e, color=color, alpha=0.25, lw=0)
        elif style == "line" or err is None:
            ax.plot(T, d, color=color, lw=1.2, ls="--", label=label)
        else:
            ax.errorbar(T, d, yerr=scale * np.asarray(err, dtype=float), fmt="o", ms=5,
                        capsize=3, color=color, label=label)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("temperature T")
    exp = int(round(np.log10(scale))) if scale > 0 else 0
    ax.set_ylabel(ylabel + (f"  ×1e-{exp}" if exp else ""))
    ax.legend(fontsize=9, frameon=False)
    return ax


def plot_work_distributions(works: dict, *, ax=None, bins: int = 30):
    """Histograms of the AIS work ``W - min W`` (dimensionless), one per label.

    A slower anneal (more steps) gives a narrower distribution: the weights ``e^{-W}``
    are more equal and the effective sample size grows. Returns the axes.
    """
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    lo = min(np.min(w) for w in works.values())
    hi = max(np.max(w) for w in works.values())
    edges = np.linspace(0.0, hi - lo if hi > lo else 1.0, bins + 1)
    for label, w in works.items():
        w = np.asarray(w, dtype=float)
        ax.hist(w - lo, bins=edges, alpha=0.5, density=True,
                label=f"{label}: std {w.std():.2f}")
    ax.set_xlabel("work W - min W (units of kT)")
    ax.set_ylabel("density")
    ax.legend(fontsize=9, frameon=False)
    return ax
