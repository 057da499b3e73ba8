"""Figures for the lattice models: snapshots and measured curves against exact ones."""

from __future__ import annotations

import numpy as np

from ._common import pyplot

__all__ = ["curves_figure", "magnet_figure", "snapshot_figure"]


def snapshot_figure(spins, title: str = "lattice snapshot"):
    """Image of one configuration (Ising +-1 or Potts states)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(np.asarray(spins), cmap="coolwarm" if np.min(spins) < 0 else "viridis",
              interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig


def curves_figure(T, measured: dict, exact: dict | None = None, title: str = ""):
    """One panel per observable: ``measured[name] = (means, errors)`` with ``exact[name]`` lines.

    ``exact[name]`` is ``(T_fine, values, label)``.
    """
    plt = pyplot()
    names = list(measured)
    fig, axes = plt.subplots(1, len(names), figsize=(3.8 * len(names), 3.3), squeeze=False)
    for ax, name in zip(axes[0], names):
        mean, err = measured[name]
        ax.errorbar(T, mean, yerr=err, fmt="o", ms=4, capsize=2, label="Monte Carlo")
        if exact and name in exact:
            tf, v, label = exact[name]
            ax.plot(tf, v, "-", lw=1.2, label=label)
        ax.set_xlabel("T")
        ax.set_ylabel(name.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def magnet_figure(T, abs_m, abs_m_err, e, e_err, T_fine, m_exact, e_exact, u_L, f_L, Tc, L):
    """Tour act 2: ``|m|`` and energy vs Onsager, and U/N vs F/N (exact, L x L)."""
    plt = pyplot()
    fig, ax = plt.subplots(1, 3, figsize=(12, 3.5))
    ax[0].errorbar(T, abs_m, yerr=abs_m_err, fmt="o", ms=4, label=f"MC, L={L}")
    ax[0].plot(T_fine, m_exact, "-", label="Onsager (L = inf)")
    ax[0].set_ylabel("<|m|>")
    ax[1].errorbar(T, e, yerr=e_err, fmt="o", ms=4, label=f"MC, L={L}")
    ax[1].plot(T_fine, e_exact, "-", label="Onsager")
    ax[1].set_ylabel("energy per spin")
    ax[2].plot(T_fine, u_L, "-", label="U/N")
    ax[2].plot(T_fine, f_L, "-", label="F/N = U/N - T S/N")
    ax[2].set_ylabel(f"exact (Kaufman, L={L})")
    for a in ax:
        a.axvline(Tc, color="grey", ls=":", lw=1)
        a.set_xlabel("T")
        a.legend(fontsize=7)
        a.grid(alpha=0.3)
    fig.suptitle("2D Ising: order melts at Tc; the system minimizes F, not U", fontsize=11)
    fig.tight_layout()
    return fig
