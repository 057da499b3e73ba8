"""Shared plumbing of the figure modules (private): pyplot on demand, panels."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import UserError

__all__ = ["legend_below", "panel_axes", "pyplot", "save_figure"]


def pyplot():
    """``matplotlib.pyplot``, imported on first use (the package imports without it)."""
    import matplotlib.pyplot as plt

    return plt


def panel_axes(axes, n: int, size):
    """``(axes, new)``: ``n`` axes, the given ones (checked) or a new row of panels of
    ``size = (width, height)`` inches each; ``new`` tells whether the figure was made here."""
    if axes is None:
        _, ax = pyplot().subplots(1, n, figsize=(size[0] * n, size[1]), squeeze=False)
        return list(ax[0]), True
    axes = list(np.ravel(axes))
    if len(axes) < n:
        raise UserError(f"axes must hold at least {n} axes, got {len(axes)}")
    return axes[:n], False


def legend_below(ax, *, ncol: int = 1, fontsize: float = 7, **kwargs):
    """The legend of ``ax`` below its x label, off the data (``tight_layout`` and
    ``constrained`` layouts make room for it); returns the Legend (None if nothing is
    labelled)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    # anchored at the bottom edge of the axes, pushed down by a fixed distance in points
    # (borderaxespad is in units of the font size): below tick labels and the x label
    # whatever the figure's height
    pad = 36.0 / fontsize
    return ax.legend(handles, labels, fontsize=fontsize, ncol=ncol, loc="upper center",
                     bbox_to_anchor=(0.5, 0.0), borderaxespad=pad, frameon=False, **kwargs)


def save_figure(fig, folder, name: str, *, dpi: int = 120) -> str | None:
    """Save ``fig`` as ``folder/name`` (PNG) and close it; return the path.

    ``folder=None`` saves nothing (the figure is closed) and returns None. The folder
    is created if missing; ``OSError`` propagates (the CLI reports it after printing).
    """
    plt = pyplot()
    if folder is None:
        plt.close(fig)
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    path = os.fspath(Path(folder) / name)
    try:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
