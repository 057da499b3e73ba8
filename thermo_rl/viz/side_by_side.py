"""Figures of notebooks 05 and 06: answer distributions as bars, and one grid of panels
that puts the same curve of every system side by side.

Drawing only: every number is computed by the package's public API and passed in.
Categorical states (answers) are drawn as bars; lines get distinct styles (not color
alone) and legends sit below their panel, off the data.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ._common import panel_axes, pyplot

__all__ = ["LINE_STYLES", "plot_answer_bars", "plot_panel", "plot_side_by_side"]

#: Line styles cycled through the lines of one panel (distinct without color).
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
_MARKERS = ("o", "s", "^", "v", "D", "P")


def _get(panel, key, default=None):
    return panel.get(key, default) if isinstance(panel, dict) else getattr(panel, key, default)


def plot_panel(panel, ax=None, *, legend: bool = True, legend_columns: int = 2):
    """Draw one panel: ``x`` and ``ys`` (label -> y values), axis labels, title, scale.

    ``panel`` is a dict or an object with attributes (:class:`thermo_rl.tour.Curve`):
    ``x``, ``ys``, ``xlabel``, ``ylabel``, ``title``, optional ``xscale``/``yscale``
    (``"linear"`` or ``"log"``), ``hlines`` (label -> y of a dotted reference line),
    ``markers`` (bool: mark the points, for short series) and ``xs`` (label -> its own
    x values, for lines on different grids). Each line gets its own style from
    :data:`LINE_STYLES`; the legend goes below the axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    (ax,), _ = panel_axes(ax, 1, (4.2, 3.4))
    ys = _get(panel, "ys")
    if not ys:
        raise UserError("a panel needs ys: a dict {label: y values}")
    x = _get(panel, "x")
    xs = _get(panel, "xs") or {}
    marks = bool(_get(panel, "markers", False))
    for i, (label, y) in enumerate(ys.items()):
        xi = np.asarray(xs.get(label, x), dtype=float)
        y = np.asarray(y, dtype=float)
        if xi.shape != y.shape:
            raise UserError(f"panel line {label!r}: x has shape {xi.shape}, y {y.shape}")
        ax.plot(xi, y, ls=LINE_STYLES[i % len(LINE_STYLES)], color=f"C{i % 10}", lw=1.6,
                marker=_MARKERS[i % len(_MARKERS)] if marks else None, ms=3.5, label=label)
    for j, (label, y0) in enumerate((_get(panel, "hlines") or {}).items()):
        ax.axhline(float(y0), color="0.35", ls=":", lw=1.0, label=label)
    ax.set_xscale(_get(panel, "xscale", "linear") or "linear")
    ax.set_yscale(_get(panel, "yscale", "linear") or "linear")
    ax.set_xlabel(_get(panel, "xlabel", ""))
    ax.set_ylabel(_get(panel, "ylabel", ""))
    ax.set_title(_get(panel, "title", ""), fontsize=10)
    ax.grid(alpha=0.3)
    if legend:
        n = len(ys) + len(_get(panel, "hlines") or {})
        ax.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=min(legend_columns, n))
    return ax.figure


def plot_side_by_side(rows, *, row_titles=None, title: str | None = None,
                      panel_size=(3.5, 3.1)):
    """A grid of panels: one row per question, one column per system.

    Parameters
    ----------
    rows : list of list of panel or None
        ``rows[i][j]`` is drawn by :func:`plot_panel`; ``None`` leaves the cell empty.
    row_titles : list of str, optional
        A heading above each row (the question the row answers).
    title : str, optional
    panel_size : (float, float)
        Inches per panel (width, height), legend room included.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not rows or not all(isinstance(r, (list, tuple)) for r in rows):
        raise UserError("rows must be a non-empty list of lists of panels")
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    if row_titles is not None and len(row_titles) != n_rows:
        raise UserError(f"row_titles must have one title per row ({n_rows})")
    plt = pyplot()
    fig = plt.figure(figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows + 0.6),
                     layout="constrained")
    subfigs = np.atleast_1d(fig.subfigures(n_rows, 1))
    for i, (sf, row) in enumerate(zip(subfigs, rows)):
        axes = sf.subplots(1, n_cols, squeeze=False)[0]
        for j, ax in enumerate(axes):
            panel = row[j] if j < len(row) else None
            if panel is None:
                ax.set_axis_off()
                continue
            plot_panel(panel, ax)
        if row_titles is not None:
            sf.suptitle(row_titles[i], fontsize=11, fontweight="bold")
    if title:
        fig.suptitle(title, fontsize=12)
    return fig


def plot_answer_bars(answers, probs: dict, correct=None, ax=None, *, top: int | None = None,
                     title: str | None = None, ylabel: str = "probability of the answer"):
    """Bars of one prompt's answer distribution(s), correct answers marked.

    Parameters
    ----------
    answers : sequence of str
        The answer labels (the task's answer space).
    probs : dict
        ``{label: probabilities}``, each of the same length as ``answers`` (several
        distributions are drawn as grouped bars).
    correct : array of bool, optional
        Which answers are correct: their labels are drawn bold and shaded.
    top : int, optional
        Show only the ``top`` answers by the largest probability in any entry (in the
        answer order), so that 100 answers stay readable.
    ax : matplotlib Axes, optional
    title, ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(probs, dict) or not probs:
        raise UserError("probs must be a non-empty dict {label: probabilities}")
    arrays = {k: np.asarray(v, dtype=float) for k, v in probs.items()}
    n = len(answers)
    if any(a.shape != (n,) for a in arrays.values()):
        raise UserError(f"every entry of probs must have {n} values (one per answer)")
    correct = np.zeros(n, dtype=bool) if correct is None else np.asarray(correct, dtype=bool)
    idx = np.arange(n)
    if top is not None and top < n:
        peak = np.max(np.stack(list(arrays.values())), axis=0)
        idx = np.sort(np.argsort(-peak, kind="stable")[:top])
    (ax,), _ = panel_axes(ax, 1, (max(5.0, 0.22 * len(idx) + 2), 3.4))
    k = len(arrays)
    width = 0.8 / k
    x = np.arange(len(idx))
    hatches = ("", "//", "..", "xx", "\\\\")
    for i, (label, a) in enumerate(arrays.items()):
        ax.bar(x - 0.4 + width * (i + 0.5), a[idx], width, color=f"C{i % 10}",
               hatch=hatches[i % len(hatches)], edgecolor="white", lw=0.3, label=label)
    for xi, j in zip(x, idx):
        if correct[j]:
            ax.axvspan(xi - 0.5, xi + 0.5, color="0.9", zorder=0)
    ax.set_xticks(x)
    ax.set_xticklabels([answers[j] for j in idx], rotation=90, fontsize=7)
    for lab, j in zip(ax.get_xticklabels(), idx):
        if correct[j]:
            lab.set_fontweight("bold")
    ax.set_xlim(-0.6, len(idx) - 0.4)
    ax.set_xlabel("answer (shaded, bold: correct)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.08 if title
              else 1.0), ncol=min(k, 4))
    return ax.figure
