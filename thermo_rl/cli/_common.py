"""Argument helpers shared by the subcommands: ranges, lists and figure output."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

__all__ = ["float_list", "float_range", "out_dir", "save_figure"]


def float_range(text: str) -> np.ndarray:
    """Parse ``"2.0"`` (one value) or ``"1.5:3.0:16"`` (start:stop:count, inclusive)."""
    parts = text.split(":")
    try:
        if len(parts) == 1:
            return np.array([float(parts[0])])
        if len(parts) == 3:
            start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1:
                raise ValueError
            return np.linspace(start, stop, n)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f"expected a number or start:stop:count (e.g. 1.5:3.0:16), got {text!r}")


def float_list(text: str) -> np.ndarray:
    """Parse a comma-separated list of numbers, e.g. ``"0,1,1,2"``."""
    try:
        return np.array([float(t) for t in text.split(",") if t.strip() != ""])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers (e.g. 0,1,2), got {text!r}") from None


def out_dir(args, default: str | None = None) -> Path | None:
    """The folder for figures: ``--out`` if given, else ``default`` (None: save nothing)."""
    path = args.out if args.out is not None else default
    if path is None:
        return None
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p


def save_figure(fig, folder: Path | None, name: str) -> str | None:
    """Save ``fig`` as ``folder/name`` (PNG, 120 dpi) and close it; return the path."""
    import matplotlib.pyplot as plt

    if folder is None:
        plt.close(fig)
        return None
    path = os.fspath(Path(folder) / name)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
