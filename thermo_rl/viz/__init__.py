"""Figures (matplotlib) and notebook controls; this package only draws, never computes."""

from ._common import save_figure

__all__ = ["save_figure"]
