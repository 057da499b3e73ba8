"""Figures of pretraining and self-training (viz only draws)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import pyplot, save_figure

__all__ = ["loss_curve", "self_training_curves"]


def _save_or_return(fig, path):
    """The figure itself when ``path`` is None, else saved there (:func:`save_figure`)."""
    if path is None:
        return fig
    path = Path(path)
    return save_figure(fig, path.parent, path.name)


def loss_curve(history, path=None, *, title: str = "", window: int = 20):
    """Training loss per step (nats per answer token) with a running mean; saved to
    ``path`` (PNG) and closed when given, else returned as a figure."""
    plt = pyplot()
    h = np.asarray(history, dtype=float)
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.plot(np.arange(1, h.size + 1), h, lw=0.8, alpha=0.5, label="step")
    if h.size >= window:
        run = np.convolve(h, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window, h.size + 1), run, lw=2, label=f"mean of {window}")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (nats per answer token)")
    ax.set_title(f"pretraining {title}".strip())
    ax.legend(frameon=False)
    fig.tight_layout()
    return _save_or_return(fig, path)


def self_training_curves(res, path=None):
    """Heterozygosity against Wright-Fisher, and pass@1 / coverage per generation, of a
    :class:`thermo_rl.llm.selftrain.LMSelfTrainingResult`."""
    plt = pyplot()
    g = res.series("generation")
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.plot(g, res.series("heterozygosity"), "o-", label="model (exact)")
    a.plot(g, res.theory_heterozygosity, "k--", label="Wright-Fisher")
    a.set_xlabel("generation")
    a.set_ylabel(r"heterozygosity $1-\sum\pi^2$")
    a.legend(frameon=False)
    b.plot(g, res.series("pass@1"), "o-", label="pass@1")
    b.plot(g, res.series("coverage"), "s--", label="coverage")
    b.set_xlabel("generation")
    b.set_ylim(0, 1.02)
    b.legend(frameon=False)
    fig.suptitle(f"self-training ({res.mode}, n = {res.n_samples}, fresh {res.fresh:.2f})")
    fig.tight_layout()
    return _save_or_return(fig, path)
