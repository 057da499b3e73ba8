"""RL fine-tuning figures: pass@k against k, coverage and entropy over steps, and the
entropy mechanism (predicted against measured entropy change).

Drawing only: every number comes from :func:`thermo_rl.llm.rl.compare` (a
:class:`~thermo_rl.llm.rl.CompareResult` or its ``as_dict()``).
"""

from __future__ import annotations

import numpy as np

from ._common import panel_axes
from .atlas import control_styles, plot_plane

__all__ = ["plot_compare", "plot_entropy_mechanism", "plot_pass_at_k", "plot_reward_law",
           "plot_rl_history", "plot_seeds_front", "plot_seeds_history", "plot_seeds_pass_at_k"]


def _data(res):
    return res.as_dict() if hasattr(res, "as_dict") else res


def plot_pass_at_k(res, ax=None, *, key: str = "pass@k"):
    """``key`` (``pass@k`` or ``distinct@k``) against k, the base model and every run."""
    d = _data(res)
    (ax,), _new = panel_axes(ax, 1, (4.6, 3.6))
    base = d["base"][key]
    ks = sorted(int(k) for k in base)
    ax.plot(ks, [base[k] if k in base else base[str(k)] for k in ks], "k--o", ms=3,
            label="base")
    for name, run in d["runs"].items():
        a = run["after"][key]
        ax.plot(ks, [a[k] if k in a else a[str(k)] for k in ks], "-o", ms=3, label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("k (samples)")
    ax.set_ylabel("pass@k (exact)" if key == "pass@k"
                  else "expected distinct correct answers among k")
    ax.legend(fontsize=8)
    return ax.figure


def plot_rl_history(res, axes=None, *, metrics=("coverage", "answer_entropy")):
    """One panel per metric over RL steps, one line per run."""
    d = _data(res)
    axes, _new = panel_axes(axes, len(metrics), (4.6, 3.6))
    labels = {"coverage": "coverage of the correct answers",
              "answer_entropy": "answer entropy (nats)", "pass@1": "pass@1",
              "token_entropy": "token entropy (nats)", "kl_ref": "KL(pi || pi_ref) (nats)"}
    for ax, key in zip(axes, metrics):
        for name, run in d["runs"].items():
            h = run["history"]
            ax.plot([0] + [r["step"] for r in h], [run["before"][key]] + [r[key] for r in h],
                    label=name)
        ax.set_xlabel("RL step")
        ax.set_ylabel(labels.get(key, key))
    axes[0].legend(fontsize=8)
    return axes[0].figure


def plot_entropy_mechanism(res, ax=None):
    """Measured change of the exact answer entropy against the first-order prediction
    ``-Cov_pi(ln pi, d ln pi)``, every evaluation interval of every run."""
    from matplotlib.ticker import MaxNLocator

    d = _data(res)
    (ax,), _new = panel_axes(ax, 1, (4.6, 3.6))
    lo, hi = np.inf, -np.inf
    for name, run in d["runs"].items():
        h = [r for r in run["history"] if r.get("dH_measured") is not None]
        p = np.array([r["dH_predicted"] for r in h])
        m = np.array([r["dH_measured"] for r in h])
        c = run["entropy_change"]["entropy_change_correlation"]
        ax.plot(p, m, ".", ms=4, label=f"{name} (r = {c:.3f})")
        if len(p):
            lo, hi = min(lo, p.min(), m.min()), max(hi, p.max(), m.max())
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], "k:", lw=1)
    ax.set_xlabel(r"predicted $\Delta H = -\mathrm{Cov}(\ln\pi,\ \Delta\ln\pi)$ (nats)")
    ax.set_ylabel(r"measured $\Delta H$ of the answers (nats)")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))     # a wide range kept legible
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.legend(fontsize=LEGEND_FONTSIZE)
    return ax.figure


def plot_compare(res, axes=None):
    """The compare figure: pass@k against k, coverage and answer entropy over steps,
    predicted against measured entropy change (4 panels)."""
    axes, new = panel_axes(axes, 4, (4.4, 3.6))
    plot_pass_at_k(res, axes[0])
    plot_rl_history(res, axes[1:3])
    plot_entropy_mechanism(res, axes[3])
    fig = axes[0].figure
    if new:
        fig.suptitle("RL fine-tuning: reward alone collapses the answers, the controls keep "
                     "them", fontsize=11)
        fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- seeds
_LABELS = {"pass@1": "pass@1 (exact)", "coverage": "coverage of the correct answers",
           "answer_entropy": "answer entropy $H$ (nats)",
           "token_entropy": "token entropy $H$ (nats per token)",
           "kl_star": r"$\mathrm{KL}(\pi\,\|\,\pi^*)$ (nats)",
           "kl_ref": r"$\mathrm{KL}(\pi\,\|\,\pi_{\rm ref})$ (nats)",
           "effective_correct": "effective correct answers $e^H$"}
#: Line styles cycled over the controls (dotted is kept for pi* and guides).
_DASHES = ("-", "--", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (10, 3)))
#: Smallest legend font on a 1280x720 slide.
LEGEND_FONTSIZE = 10


def _star_label(opt) -> str:
    return rf"$\pi^*$ ($\lambda$ = {opt.get('star_coef', '?')})"


def _legend_right(fig, ax, fontsize=LEGEND_FONTSIZE):
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5),
                   fontsize=fontsize, frameon=False)


def plot_seeds_history(res, axes=None, *, metrics=("pass@1", "coverage", "answer_entropy",
                                                   "kl_star"), controls=None):
    """One panel per metric over RL steps: per control (all, or ``controls``) the mean over
    seeds with a band of one standard error (:func:`thermo_rl.llm.rl.compare_seeds`); the
    optimum ``pi*`` (dotted, where it has the metric; KL(pi || pi*) is 0 there; the axis
    extends to show it) and one legend to the right of the panels. Each control has its
    colour, marker and line style, so that curves that overlap stay distinguishable."""
    d = _data(res)
    summ = d["summary"]
    names = list(summ) if controls is None else list(controls)
    st = control_styles(list(summ))
    axes, new = panel_axes(axes, len(metrics), (4.0, 3.4))
    opt = d.get("optimum") or {}
    for ax, key in zip(axes, metrics):
        for n in names:
            s = summ[n]
            x = np.asarray(s["step"], float)
            m = np.asarray(s[key], float)
            se = np.nan_to_num(np.asarray(s[f"{key}_se"], float))
            c, mk = st[n]
            ls = _DASHES[list(summ).index(n) % len(_DASHES)]
            ax.plot(x, m, color=c, ls=ls, marker=mk, ms=5, markevery=max(1, len(x) // 6),
                    label=n)
            ax.fill_between(x, m - se, m + se, color=c, alpha=0.2, lw=0)
        ref = 0.0 if key == "kl_star" else opt.get(key)
        if ref is not None:
            ax.axhline(ref, color="k", ls=":", lw=1.2, label=_star_label(opt))
            lo, hi = ax.get_ylim()
            pad = 0.04 * (hi - lo)
            ax.set_ylim(min(lo, ref - pad), max(hi, ref + pad))
        ax.set_xlabel("RL step")
        ax.set_ylabel(_LABELS.get(key, key))
    fig = axes[0].figure
    n_seeds = len(d["settings"].get("seeds", [])) or "?"
    if new:
        fig.suptitle(f"mean over {n_seeds} seeds, band: one standard error", fontsize=10)
        fig.tight_layout()
    _legend_right(fig, axes[-1] if "kl_star" in metrics else axes[0])
    return fig


def plot_seeds_pass_at_k(res, ax=None, *, key: str = "pass@k", controls=None):
    """``key`` (``pass@k`` or ``distinct@k``) of the final policies against k: mean over
    seeds with error bars of one standard error, the base model dashed black, the
    crossover (the k from which the base model is ahead, :meth:`SeedsResult.crossovers`:
    by more than 0.001 and two standard errors)
    marked on each run that has one."""
    d = _data(res)
    (ax,), new = panel_axes(ax, 1, (5.0, 3.8))
    summ = d["summary"]
    names = list(summ) if controls is None else list(controls)
    st = control_styles(list(summ))
    b = {int(k): v for k, v in d["base"][key].items()}
    ks = sorted(b)
    ax.plot(ks, [b[k] for k in ks], "k--", lw=1.5, label="base model")
    cross = d.get("crossovers", {})
    marks = []                                   # (k, name, colour) of each crossover
    for n in names:
        s = summ[n]
        m = [s[key][k][-1] if k in s[key] else s[key][str(k)][-1] for k in ks]
        se = [s[f"{key}_se"][k][-1] if k in s[f"{key}_se"] else s[f"{key}_se"][str(k)][-1]
              for k in ks]
        c, mk = st[n]
        ax.errorbar(ks, m, yerr=np.nan_to_num(np.asarray(se, float)), fmt="-" + mk,
                    color=c, ms=4, capsize=2, label=n)
        kc = (cross.get(n) or {}).get(key)
        if kc is not None:
            marks.append((kc, n, c))
    # crossovers at the same k are drawn side by side (offset by a fifth of a factor 2)
    # and each is labelled at the top with its run's name
    for kc in sorted({m[0] for m in marks}):
        here = [m for m in marks if m[0] == kc]
        for j, (_, n, c) in enumerate(here):
            xk = kc * 2 ** (0.2 * (j - (len(here) - 1) / 2))
            ax.axvline(xk, color=c, ls=":", lw=1.5)
            ax.annotate(n, (xk, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                        ha="center", va="top", fontsize=9, color=c,
                        bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 0.5})
    ax.set_xscale("log", base=2)
    ax.set_xlabel("samples per prompt (the k of pass@k)")
    ax.set_ylabel("pass@k (exact)" if key == "pass@k"
                  else "expected distinct correct answers\namong the samples")
    fig = ax.figure
    if new:
        fig.tight_layout()
        _legend_right(fig, ax)
    return fig


def plot_reward_law(res, ax=None, *, controls=None):
    """Cui et al.'s law ``R = -kappa e^H + mu`` (they write ``a``, ``b``): every (answer
    entropy, pass@1) point of every seed, per control, with its fitted curve
    (:meth:`SeedsResult.reward_law`, keys ``a``, ``b``); the fitted values in the legend."""
    d = _data(res)
    (ax,), new = panel_axes(ax, 1, (5.0, 3.8))
    names = list(d["summary"]) if controls is None else list(controls)
    st = control_styles(list(d["summary"]))
    law = d["reward_law"]
    for n in names:
        c, mk = st[n]
        H = np.concatenate([np.asarray(s["answer_entropy"], float)
                            for s in d["series"][n].values()])
        R = np.concatenate([np.asarray(s["pass@1"], float) for s in d["series"][n].values()])
        ax.plot(H, R, mk, color=c, ms=3, alpha=0.6)
        f = law.get(n)
        if f:
            h = np.linspace(H.min(), H.max(), 100)
            ax.plot(h, -f["a"] * np.exp(h) + f["b"], "-", color=c,
                    label=rf"{n}: $\kappa$ = {f['a']:.3f}, $\mu$ = {f['b']:.3f}")
    ax.set_xlabel("answer entropy $H$ (nats)")
    ax.set_ylabel("pass@1 (exact)")
    ax.set_title(r"$R = -\kappa\, e^H + \mu$ (Cui et al., 2025), every seed and step",
                 fontsize=11)
    fig = ax.figure
    if new:
        fig.tight_layout()
        _legend_right(fig, ax)
    return fig


def plot_seeds_front(res, ax=None, *, controls=None):
    """The correctness-diversity plane: final pass@1 against coverage, mean over seeds
    with error bars of one standard error both ways, the base model and ``pi*`` as
    stars, the Pareto front of the runs drawn (all, or ``controls``;
    :func:`thermo_rl.llm.atlas.pareto_front`) dashed."""
    from ..llm.atlas import pareto_front

    d = _data(res)
    (ax,), new = panel_axes(ax, 1, (5.0, 4.0))
    fin = d["final"]
    names = list(fin) if controls is None else list(controls)
    rows = {n: fin[n] for n in names}
    front = pareto_front({n: (r["pass@1"], r["coverage"]) for n, r in rows.items()})
    plot_plane(ax, rows, front, control_styles(list(fin)))
    b = d["base"]
    ax.plot(b["coverage"], b["pass@1"], "k*", ms=12, label="base model", zorder=4)
    opt = d.get("optimum") or {}
    if opt:
        ax.plot(opt["coverage"], opt["pass@1"], "*", color="0.55", mec="k", ms=12,
                label=_star_label(opt), zorder=4)
    ax.set_xlabel("coverage of the correct answers (exact)")
    ax.set_ylabel("pass@1 (exact)")
    fig = ax.figure
    if new:
        fig.tight_layout()
        _legend_right(fig, ax)
    return fig
