"""Figures for N-level systems and N atoms."""

from __future__ import annotations

import numpy as np

from ..gibbs import thermodynamics


def thermo_curves(energies, degeneracy=None, T_max: float = 3.0):
    """U, T S, F and C against T for a few levels (one panel each); returns the Figure."""
    import matplotlib.pyplot as plt

    T = np.linspace(1e-3, T_max, 200)
    th = thermodynamics(energies, T, degeneracy=degeneracy)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    ax = axes[0]
    ax.plot(T, th.U, label="U = <E>")
    ax.plot(T, T * th.S, label="T S")
    ax.plot(T, th.F, label="F = U - T S")
    ax.set_xlabel("temperature T")
    ax.set_ylabel("energy")
    ax.legend()
    ax.grid(alpha=0.3)
    axes[1].plot(T, th.C, color="C3")
    axes[1].set_xlabel("temperature T")
    axes[1].set_ylabel("heat capacity C")
    axes[1].grid(alpha=0.3)
    fig.tight_layout()
    return fig


def atoms_figure(Ns, deviations, stirling_errors, most_probable, boltzmann, energies):
    """Two panels: convergence to Boltzmann and Stirling's error against N; bars of
    the most probable occupation beside the Boltzmann distribution."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    ax = axes[0]
    ax.loglog(Ns, deviations, "o-", label="max |n_i/N - p_i| (most probable)")
    ax.loglog(Ns, stirling_errors, "s--", label="Stirling: relative error of ln W")
    ax.loglog(Ns, deviations[0] * Ns[0] / np.asarray(Ns, float), ":", color="gray",
              label="1/N")
    ax.set_xlabel("number of atoms N")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    ax = axes[1]
    x = np.arange(len(energies))
    ax.bar(x - 0.2, most_probable, width=0.4, label=f"most probable, N={Ns[-1]}")
    ax.bar(x + 0.2, boltzmann, width=0.4, label="Boltzmann exp(-E/T)/Z")
    ax.set_xticks(x, [f"E={e:g}" for e in energies])
    ax.set_ylabel("fraction of atoms")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
