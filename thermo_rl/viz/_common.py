"""Shared plumbing of the figure modules (private): pyplot on demand, panels."""

from __future__ import annotations

import numpy as np

__all__ = ["panel_axes", "pyplot"]


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
        raise ValueError(f"axes must hold at least {n} axes, got {len(axes)}")
    return axes[:n], False
