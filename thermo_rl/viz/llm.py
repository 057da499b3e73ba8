"""Language-model figures: the correctness-diversity map of decoding methods.

Drawing only: every number comes from :func:`thermo_rl.llm.frontier.decoding_frontier`
(a :class:`~thermo_rl.llm.frontier.DecodingFrontier` or its ``as_dict()``). The
function returns the Figure; pass ``ax`` to draw into a figure of your own.
"""

from __future__ import annotations

from ..errors import UserError
from ._common import panel_axes

__all__ = ["plot_decoding_frontier"]

_LABELS = {
    "distinct_correct": "expected distinct correct answers among {n} samples",
    "coverage": "coverage of the correct answers",
    "answer_entropy": "answer entropy (nats)",
    "effective_correct": "effective number of correct answers exp(H)",
}
_MARKERS = {"temperature": "o", "top-k": "s", "top-p": "^", "min-p": "v", "top-h": "D"}


def plot_decoding_frontier(frontier, ax=None, *, diversity: str | None = None,
                           annotate: bool = True, title: str | None = None):
    """pass@1 (x) against a diversity measure (y), one marker and line per method.

    Parameters
    ----------
    frontier : DecodingFrontier or dict
        From :func:`thermo_rl.llm.frontier.decoding_frontier` (or its ``as_dict()``).
    ax : matplotlib Axes, optional
    diversity : str, optional
        Row key on the y axis (default: the measure the front was taken on). The
        dashed Pareto front is drawn only for that measure.
    annotate : bool
        Write each setting's parameter value next to its point.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = frontier.as_dict() if hasattr(frontier, "as_dict") else dict(frontier)
    rows = d.get("rows") or []
    if not rows:
        raise UserError("frontier has no rows to draw")
    key = d["diversity"] if diversity is None else diversity
    if key not in _LABELS:
        raise UserError(f"unknown diversity {key!r}; expected one of: {', '.join(_LABELS)}")
    (ax,), _ = panel_axes(ax, 1, (6.0, 4.5))
    families = list(dict.fromkeys(r["method"] for r in rows))
    for i, fam in enumerate(families):
        pts = [r for r in rows if r["method"] == fam]
        x = [r["pass@1"] for r in pts]
        y = [r[key] for r in pts]
        ax.plot(x, y, "-", marker=_MARKERS.get(fam, "P"), color=f"C{i % 10}", lw=1, ms=6,
                alpha=0.85, label=fam)
        if annotate:
            for r, xi, yi in zip(pts, x, y):
                label = r["decoding"].replace(f"{fam}:", "") if fam != "temperature" else \
                    {"greedy": "T=0", "sample": "T=1"}.get(r["decoding"],
                                                          r["decoding"].replace("temperature:",
                                                                                "T="))
                ax.annotate(label, (xi, yi), textcoords="offset points", xytext=(4, 3),
                            fontsize=7, color=f"C{i % 10}")
    if key == d["diversity"]:
        front = sorted((r for r in rows if r.get("on_front")), key=lambda r: r["pass@1"])
        if front:
            ax.plot([r["pass@1"] for r in front], [r[key] for r in front], "k--", lw=1.2,
                    zorder=0, label="Pareto front")
    ax.set_xlabel("pass@1 (exact)")
    ax.set_ylabel(_LABELS[key].format(n=d.get("n", "n")))
    ax.set_title(title if title is not None else
                 f"decoding methods on {d.get('task', '')}: correctness vs diversity")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax.figure
