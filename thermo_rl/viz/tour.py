"""The tour's closing figure: each act's curve in its own panel, side by side."""

from __future__ import annotations

from pathlib import Path


def side_by_side(results, path) -> str | None:
    """Draw one panel per act curve and save to ``path``; return the path (None if no curves)."""
    import matplotlib.pyplot as plt

    curves = [r.curve for r in results if r.curve is not None]
    if not curves:
        return None
    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.6), squeeze=False)
    for ax, c in zip(axes[0], curves):
        for label, y in c.ys.items():
            ax.plot(c.x, y, marker="o", ms=3, label=label)
        ax.set_xscale(getattr(c, "xscale", "linear"))
        ax.set_xlabel(c.xlabel)
        ax.set_ylabel(c.ylabel)
        ax.set_title(c.title, fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle("Free energy, not reward: the same curve in every act", fontsize=12)
    fig.tight_layout()
    fig.savefig(Path(path), dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(path)
