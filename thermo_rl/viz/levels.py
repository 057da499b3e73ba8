"""Figures for N-level systems and N atoms (drawing only: results are passed in)."""

from __future__ import annotations

import numpy as np

from ._common import pyplot

__all__ = ["atoms_figure", "level_bars", "probability_bars", "thermo_curves",
           "thermo_panels"]

T_LABEL = "temperature T  (energy units, $k_B = 1$)"

# one style per quantity, the same in every figure: U, TS, F and C
_STYLE = {"U": ("C3", "-"), "TS": ("C2", "--"), "F": ("k", "-"), "C": ("C0", "-")}


def thermo_panels(th, axes, *, index: int | None = None, logx: bool = False):
    """Draw ``U``, ``T S`` and ``F = U - T S`` on ``axes[0]`` and ``C`` on ``axes[1]``.

    Parameters
    ----------
    th : thermo_rl.gibbs.Thermo
        Thermodynamics over a grid of temperatures (``th.T`` an array), e.g.
        ``thermodynamics(E, T=np.linspace(0.01, 3, 200))``.
    axes : two matplotlib axes
    index : int, optional
        Grid point to mark (a dot on every curve and a vertical line): the temperature
        explorer moves it.
    logx : bool
        Logarithmic temperature axis.
    """
    T = np.asarray(th.T, dtype=float)
    ax, ax_c = axes[0], axes[1]
    curves = {"U": (th.U, "U = <E>"), "TS": (T * th.S, "T S"), "F": (th.F, "F = U - T S")}
    for key, (y, label) in curves.items():
        color, ls = _STYLE[key]
        ax.plot(T, y, color=color, ls=ls, lw=2 if key == "F" else 1.5, label=label)
    color, ls = _STYLE["C"]
    ax_c.plot(T, th.C, color=color, ls=ls, lw=1.5, label="C = Var(E) / T^2")
    ax.set_ylabel("energy  (energy units)")
    ax_c.set_ylabel("heat capacity C  (units of $k_B$)")
    if index is not None:
        t = T[index]
        for key, (y, _) in curves.items():
            ax.plot([t], [np.asarray(y)[index]], "o", color=_STYLE[key][0], ms=7, zorder=5)
        ax_c.plot([t], [np.asarray(th.C)[index]], "o", color=_STYLE["C"][0], ms=7, zorder=5)
    for a in (ax, ax_c):
        if index is not None:
            a.axvline(T[index], color="grey", lw=0.8, ls=":")
        if logx:
            a.set_xscale("log")
        a.set_xlabel(T_LABEL)
        a.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return axes


def thermo_curves(th):
    """``U``, ``T S``, ``F`` and ``C`` against ``T`` (two panels); returns the Figure.

    ``th`` is a :class:`thermo_rl.gibbs.Thermo` over a grid of temperatures.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    thermo_panels(th, axes)
    return fig


def level_bars(probabilities, energies, *, ax=None, degeneracy=None, title: str | None = None):
    """Bars of the probability of each energy level (one bar per level)."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    x = np.arange(len(energies))
    ax.bar(x, probabilities, color="C0", width=0.6)
    g = [1] * len(energies) if degeneracy is None else list(degeneracy)
    ax.set_xticks(x, [f"E={e:g}" + (f"\ng={int(d)}" if degeneracy is not None else "")
                      for e, d in zip(energies, g)])
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability of the level")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def probability_bars(probabilities, series, *, labels=None, ax=None,
                     xlabel: str = "state", ylabel: str = "probability",
                     title: str | None = None):
    """Grouped bars: ``probabilities[j, i]`` is state ``i`` under series ``j``.

    For categorical states (levels, arms, answers) the bars do not suggest an order
    or an interpolation between states, as lines would. ``series`` names each row
    (e.g. ``"T = 0.1"``); ``labels`` names the states. The legend sits outside.
    """
    plt = pyplot()
    P = np.atleast_2d(np.asarray(probabilities, dtype=float))
    n_series, k = P.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / n_series
    x = np.arange(k)
    for j in range(n_series):
        ax.bar(x - 0.4 + width * (j + 0.5), P[j], width=width, label=series[j],
               color=plt.get_cmap("viridis")(j / max(n_series - 1, 1)))
    ax.set_xticks(x, labels if labels is not None else [str(i) for i in range(k)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def atoms_figure(Ns, deviations, stirling_errors, most_probable, boltzmann, energies):
    """Two panels: convergence to Boltzmann and Stirling's error against N; bars of
    the most probable occupation beside the Boltzmann distribution."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    ax = axes[0]
    ax.loglog(Ns, deviations, "o-", label="max |n_i/N - p_i|\n(most probable)")
    ax.loglog(Ns, stirling_errors, "s--", label="Stirling: relative\nerror of ln Ω")
    ax.loglog(Ns, deviations[0] * Ns[0] / np.asarray(Ns, float), ":", color="gray",
              label="1/N")
    ax.set_xlabel("number of atoms N")
    ax.set_ylabel("error (dimensionless)")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3, which="both")
    ax = axes[1]
    x = np.arange(len(energies))
    ax.bar(x - 0.2, most_probable, width=0.4, label=f"most probable, N={Ns[-1]}")
    ax.bar(x + 0.2, boltzmann, width=0.4, label="Boltzmann exp(-E/T)/Z")
    ax.set_xticks(x, [f"E={e:g}" for e in energies])
    ax.set_ylabel("fraction of atoms")
    ax.legend(fontsize=8, loc="upper right")
    return fig
