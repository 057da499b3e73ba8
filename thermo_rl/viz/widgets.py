"""Interactive notebook controls (ipywidgets); a static figure when ipywidgets is absent."""

from __future__ import annotations

import numpy as np

from ..gibbs import thermodynamics


def _draw_levels(ax, energies, degeneracy, T):
    th = thermodynamics(energies, T, degeneracy=degeneracy)
    ax.clear()
    ax.bar(range(len(energies)), th.probabilities, color="C0")
    ax.set_xticks(range(len(energies)), [f"E={e:g}" for e in energies])
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability of level")
    ax.set_title(f"T={T:.2f}:  U={th.U:.3f}  S={th.S:.3f}  F=U-TS={th.F:.3f}", fontsize=10)


def temperature_explorer(energies, degeneracy=None, T_range=(0.01, 5.0)):
    """A temperature slider over the Boltzmann bars of a few levels.

    Returns the ipywidgets object (displayed by the notebook), or a static Figure at
    ``T = 1`` when ipywidgets is not installed.
    """
    import matplotlib.pyplot as plt

    energies = np.asarray(energies, dtype=float)
    try:
        import ipywidgets as w
    except ImportError:
        fig, ax = plt.subplots(figsize=(5, 3))
        _draw_levels(ax, energies, degeneracy, 1.0)
        return fig

    out = w.Output()
    slider = w.FloatLogSlider(value=1.0, base=10, min=np.log10(T_range[0]),
                              max=np.log10(T_range[1]), step=0.02, description="T")

    def show(change=None):
        with out:
            out.clear_output(wait=True)
            _fig, ax = plt.subplots(figsize=(5, 3))
            _draw_levels(ax, energies, degeneracy, slider.value)
            plt.show()

    slider.observe(show, names="value")
    show()
    return w.VBox([slider, out])
