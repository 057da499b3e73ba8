"""Figures of notebooks 05 and 06: answer distributions as bars, one grid of panels that
puts the same curve of every system side by side, and slide-sized figures of a few panels.

Drawing only: every number is computed by the package's public API and passed in.
Categorical states (answers) are drawn as bars; lines get distinct styles (not color
alone), sampled quantities carry their standard errors (bars or bands), and legends sit
below their panel, off the data. :func:`slide_figure` sizes a figure for one 1280x720
slide (12.8 x 7.2 inches at 100 dpi) with fonts that stay legible there.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ._common import legend_below, panel_axes, pyplot

__all__ = ["LINE_STYLES", "SLIDE_DPI", "SLIDE_SIZE", "plot_answer_bars", "plot_panel",
           "plot_side_by_side", "slide_figure"]

#: Line styles cycled through the lines of one panel (distinct without color).
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
_MARKERS = ("o", "s", "^", "v", "D", "P")
#: A 1280x720 slide: figure size in inches at :data:`SLIDE_DPI` dots per inch.
SLIDE_SIZE = (12.8, 7.2)
SLIDE_DPI = 100


def _get(panel, key, default=None):
    return panel.get(key, default) if isinstance(panel, dict) else getattr(panel, key, default)


def _series(label, values, shape, what):
    v = np.asarray(values, dtype=float)
    if v.shape != shape:
        raise UserError(f"panel line {label!r}: {what} has shape {v.shape}, the line {shape}")
    return v


def plot_panel(panel, ax=None, *, legend: bool = True, legend_columns: int = 2,
               fontsize: float | None = None):
    """Draw one panel: ``x`` and ``ys`` (label -> y values), axis labels, title, scale.

    ``panel`` is a dict or an object with attributes (:class:`thermo_rl.tour.Curve`):
    ``x``, ``ys``, ``xlabel``, ``ylabel``, ``title``, optional ``xscale``/``yscale``
    (``"linear"`` or ``"log"``), ``hlines`` (label -> y of a dotted reference line),
    ``markers`` (bool, or the labels of the lines to mark: mark the points of short
    series), ``points`` (labels of lines drawn as markers alone, not joined: a few
    measured points that do not trace a path), ``xs`` (label -> its own x values, for
    lines on different grids), ``errors`` (label -> one standard error of each point:
    error bars on a marked line, a shaded band of +-1 standard error on a plain one),
    ``bands`` (label -> ``(lower, upper)`` curves on the panel's ``x``, a lightly shaded
    region such as the gap ``T H`` between two lines, or ``(lower, upper, style)`` with
    ``style`` a dict of ``color`` and ``hatch``, so that a band of another meaning looks
    different), ``guides`` (label -> ``(x, y, line)``: a broad pale track drawn in the
    colour of the line labelled ``line`` of ``ys``, under it, such as the target a controlled
    quantity is steered to; ``line`` None draws it grey) and ``ylim``.
    Each line gets its own style from :data:`LINE_STYLES`; the legend goes below the
    axes. ``fontsize`` scales the title, labels and legend (default: matplotlib's).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_panel({"x": [1, 2, 3], "ys": {"mean": [1.0, 2.0, 2.5]},
    ...                   "errors": {"mean": [0.1, 0.1, 0.2]}, "markers": True})
    >>> len(fig.axes[0].containers)          # one errorbar container
    1
    """
    (ax,), _ = panel_axes(ax, 1, (4.2, 3.4))
    ys = _get(panel, "ys")
    if not ys:
        raise UserError("a panel needs ys: a dict {label: y values}")
    x = _get(panel, "x")
    xs = _get(panel, "xs") or {}
    errors = _get(panel, "errors") or {}
    unknown = set(errors) - set(ys)
    if unknown:
        raise UserError(f"errors given for lines that are not in ys: {sorted(unknown)}")
    marks = _get(panel, "markers", False)
    points = set(_get(panel, "points") or ())
    unknown = points - set(ys)
    if unknown:
        raise UserError(f"points given for lines that are not in ys: {sorted(unknown)}")
    fs = fontsize
    colors = {}
    for i, (label, y) in enumerate(ys.items()):
        xi = np.asarray(xs.get(label, x), dtype=float)
        y = _series(label, y, xi.shape, "y")
        marked = (bool(marks) if isinstance(marks, bool) else label in marks) or label in points
        colors[label] = f"C{i % 10}"
        style = {"ls": "none" if label in points else LINE_STYLES[i % len(LINE_STYLES)],
                 "color": f"C{i % 10}", "lw": 1.8,
                 "marker": _MARKERS[i % len(_MARKERS)] if marked else None, "ms": 5,
                 "label": label}
        if label in errors:
            err = _series(label, errors[label], y.shape, "errors")
            if np.any(err < 0):
                raise UserError(f"panel line {label!r}: standard errors must be >= 0")
            if marked:
                ax.errorbar(xi, y, yerr=err, capsize=3, elinewidth=1.2, **style)
                continue
            ax.fill_between(xi, y - err, y + err, color=style["color"], alpha=0.25, lw=0)
        ax.plot(xi, y, **style)
    for i, (label, y) in enumerate((_get(panel, "bands") or {}).items()):    # under the lines
        if len(y) not in (2, 3):
            raise UserError(f"band {label!r}: give (lower, upper) or (lower, upper, style)")
        lo, hi = y[0], y[1]
        style = dict(y[2]) if len(y) == 3 else {}
        bad = set(style) - {"color", "hatch"}
        if bad:
            raise UserError(f"band {label!r}: style keys are color and hatch, got {sorted(bad)}")
        color = style.get("color", f"C{(i + 7) % 10}")
        hatch = style.get("hatch")
        xb = np.asarray(x, dtype=float)
        ax.fill_between(xb, _series(label, lo, xb.shape, "lower"),
                        _series(label, hi, xb.shape, "upper"),
                        facecolor=color, alpha=0.18 if hatch is None else 0.3,
                        edgecolor=color if hatch else "none", hatch=hatch, lw=0,
                        label=label, zorder=1)
    for label, g in (_get(panel, "guides") or {}).items():
        if len(g) != 3:
            raise UserError(f"guide {label!r}: give (x, y, line)")
        gx, gy, of = g
        if of is not None and of not in colors:
            raise UserError(f"guide {label!r}: line {of!r} is not in ys")
        gx = np.asarray(gx, dtype=float)
        ax.plot(gx, _series(label, gy, gx.shape, "y"), ls="-", lw=5.0, alpha=0.3,
                color=colors.get(of, "0.35"), label=label, zorder=1.5, solid_capstyle="butt")
    for j, (label, y0) in enumerate((_get(panel, "hlines") or {}).items()):
        ax.axhline(float(y0), color="0.35", ls=(0, (1, 1.5)) if j % 2 == 0 else (0, (4, 2)),
                   lw=1.2, label=label)
    ax.set_xscale(_get(panel, "xscale", "linear") or "linear")
    ax.set_yscale(_get(panel, "yscale", "linear") or "linear")
    ylim = _get(panel, "ylim")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(_get(panel, "xlabel", ""), fontsize=fs)
    ax.set_ylabel(_get(panel, "ylabel", ""), fontsize=fs)
    ax.set_title(_get(panel, "title", ""), fontsize=fs if fs else 10)
    if fs:
        ax.tick_params(labelsize=0.9 * fs)
    ax.grid(alpha=0.3)
    if legend:
        n = (len(ys) + len(_get(panel, "hlines") or {}) + len(_get(panel, "bands") or {})
             + len(_get(panel, "guides") or {}))
        if fs:
            legend_below(ax, ncol=min(legend_columns, n), fontsize=0.85 * fs)
        else:
            ax.legend(fontsize=7.5, frameon=False, loc="upper center",
                      bbox_to_anchor=(0.5, -0.2), ncol=min(legend_columns, n))
    return ax.figure


def slide_figure(panels, *, rows: int, cols: int, title: str | None = None,
                 fontsize: float = 12.0, legend_columns: int = 2):
    """A figure of ``rows x cols`` panels sized for one 1280x720 slide.

    The figure is :data:`SLIDE_SIZE` inches at :data:`SLIDE_DPI` dpi (1280x720 pixels
    when saved at that dpi), with titles, labels and legends at ``fontsize`` points
    (ticks 0.9x, legends 0.85x): at least 10 points on the slide for the default. Each
    panel is drawn by :func:`plot_panel` (its own x-variable, its own legend below it).

    Parameters
    ----------
    panels : list of panel or None
        ``rows * cols`` panels in reading order (``None`` leaves a cell empty).
    rows, cols : int
    title : str, optional
        The figure's one idea, above the panels.
    fontsize : float
    legend_columns : int

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = slide_figure([{"x": [0, 1], "ys": {"a": [0, 1]}}] * 2, rows=1, cols=2)
    >>> [round(v * fig.dpi) for v in fig.get_size_inches()]
    [1280, 720]
    """
    if rows < 1 or cols < 1:
        raise UserError(f"rows and cols must be >= 1, got {rows} x {cols}")
    panels = list(panels)
    if len(panels) > rows * cols or not panels:
        raise UserError(f"panels must hold 1 to rows * cols = {rows * cols} panels, "
                        f"got {len(panels)}")
    plt = pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=SLIDE_SIZE, dpi=SLIDE_DPI, squeeze=False,
                             layout="constrained")
    for k, ax in enumerate(axes.ravel()):
        panel = panels[k] if k < len(panels) else None
        if panel is None:
            ax.set_axis_off()
            continue
        plot_panel(panel, ax, fontsize=fontsize, legend_columns=legend_columns)
    if title:
        fig.suptitle(title, fontsize=1.15 * fontsize, fontweight="bold")
    return fig


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
