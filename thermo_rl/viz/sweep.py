"""Figures of sweep tables: an observable against a parameter, one curve per group.

The usual two: an Ising observable against ``T`` per ``L`` (error bars over replicas), and
a language-model or bandit metric against a control's coefficient per control. The
averaging is :func:`thermo_rl.sweep.aggregate`; this module only draws.
"""

from __future__ import annotations

import numpy as np

from ._common import pyplot

__all__ = ["plot_sweep"]


def plot_sweep(table, y: str, *, x: str = "T", by=None, ax=None, logx: bool = False,
               exact=None):
    """Draw ``y`` against ``x``, one curve with error bars per value of ``by``.

    Parameters
    ----------
    table : pandas.DataFrame
        A sweep table (:attr:`thermo_rl.sweep.SweepResult.table` or
        :func:`thermo_rl.sweep.load_results`).
    y, x : str
        Columns: the observable and the swept parameter (e.g. ``"abs_m"``, ``"T"``; or
        ``"coverage"``, ``"coef"``).
    by : str, optional
        One curve per value of this column (``"L"``; ``"control"``).
    ax : matplotlib Axes, optional
        Draw here (default: a new figure).
    logx : bool
        Logarithmic x axis (coefficients spanning decades).
    exact : (x_values, y_values, label), optional
        A reference curve (e.g. Onsager's magnetization).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"L": [4, 4, 8, 8], "T": [2.0, 3.0, 2.0, 3.0],
    ...                   "abs_m": [0.9, 0.4, 0.95, 0.2], "abs_m_error": [0.01] * 4})
    >>> ax = plot_sweep(t, "abs_m", x="T", by="L")
    >>> len(ax.lines) >= 2
    True
    """
    from ..sweep.store import aggregate

    agg = aggregate(table, y, x=x, by=by)
    if ax is None:
        _, ax = pyplot().subplots(figsize=(5, 3.6))
    groups = [(None, agg)] if by is None else list(agg.groupby(by, sort=True))
    for value, g in groups:
        label = None if by is None else f"{by}={value}"
        err = g["error"].to_numpy(dtype=float)
        ax.errorbar(g[x], g[y], yerr=np.where(np.isfinite(err), err, 0.0), fmt="o-", ms=3.5,
                    lw=1, capsize=2, label=label)
    if exact is not None:
        xs, ys, label = exact
        ax.plot(xs, ys, "k--", lw=1, label=label)
    if logx:
        ax.set_xscale("log")
    n = agg["n"].max() if len(agg) else 0
    ax.set_xlabel(x)
    ax.set_ylabel(y.replace("_", " "))
    ax.set_title(f"{y} vs {x}" + (f" per {by}" if by else "") +
                 (f" (mean of {n} replicas)" if n > 1 else ""), fontsize=10)
    ax.grid(alpha=0.3)
    if by is not None or exact is not None:
        ax.legend(fontsize=7)
    ax.figure.tight_layout()
    return ax
