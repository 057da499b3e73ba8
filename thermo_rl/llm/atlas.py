r"""The controls atlas: every registered entropy control, over seeds, language model beside bandit.

:func:`controls_atlas` reads the registry at run time
(:func:`thermo_rl.entropy.control_names`), so a control registered later is in the next
atlas without a change here. Each control runs ``seeds`` RL fine-tunings of one fixed
pretrained model (:func:`thermo_rl.llm.rl.finetune`; the seeds vary the RL run: prompts,
samples, the control's own randomness) through :mod:`thermo_rl.sweep` (the ``llm``
simulator: joblib processes on this machine or an existing Dask cluster, every point
written as it finishes, a rerun resumes). The table gives, per control, the mean and the
standard error over seeds (``std(ddof=1) / sqrt(n)``) of the exact metrics of the final
sampled policy: pass@1, pass@8, pass@64, coverage, answer entropy, KL to the base model
and KL to ``pi* = pi_ref e^{r/lambda} / Z`` (:func:`~thermo_rl.llm.exact.kl_regularized_optimum`).

Beside each language-model row, the same control (same name, ``toy`` preset) on the
equal-best bandit (:func:`thermo_rl.bandits.equal_best`: ``m`` equally good arms among
``k``) with :class:`thermo_rl.bandits.EntropyPG` (``T = 0``: the control alone), from the
final policy of every run: expected reward, coverage, entropy and KL to the Gibbs
optimum ``pi* ∝ e^{Q/lambda}`` (the bandit's ``pi*``: the same formula with a uniform
prior), mean and standard error over the bandit's independent runs.

:func:`pareto_front` picks the controls no other beats on both pass@1 and coverage.
:func:`target_entropy_sweep` runs AEPO (when registered) over target entropies, to see
whether pass@k first rises and then falls with the entropy it holds.

Examples
--------
>>> from thermo_rl.llm.atlas import pareto_front
>>> pareto_front({"a": (0.5, 0.9), "b": (0.7, 0.6), "c": (0.4, 0.5)})
['a', 'b']
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_int, check_real
from ..errors import UserError
from ..stats import mean_se

__all__ = ["ATLAS_METRICS", "BANDIT_METRICS", "AtlasResult", "TargetSweepResult",
           "atlas_sweep", "bandit_atlas_row", "bandit_policy_metrics", "controls_atlas", "mean_se", "pareto_front",
           "summarize_atlas", "target_entropy_sweep", "target_parameter"]

#: Table column -> the sweep row's column (the flattened ``RLResult.as_dict()``).
ATLAS_METRICS = {"pass@1": "after_pass@1", "pass@8": "after_pass@k_8",
                 "pass@64": "after_pass@k_64", "coverage": "after_coverage",
                 "answer_entropy": "after_answer_entropy", "kl_ref": "after_kl_ref",
                 "kl_star": "after_kl_star", "token_entropy": "after_token_entropy"}
#: The bandit's columns (per run of the final policy).
BANDIT_METRICS = ("reward", "coverage", "entropy", "kl_star")


def pareto_front(points: dict) -> list:
    """Names whose ``(x, y)`` no other point beats in both (>= in both, > in one), in
    order of ``x``: the controls worth having when pass@1 and coverage both count."""
    names = [n for n, (x, y) in points.items() if np.isfinite(x) and np.isfinite(y)]
    front = []
    for n in names:
        x, y = points[n]
        if not any((points[o][0] >= x and points[o][1] >= y)
                   and (points[o][0] > x or points[o][1] > y) for o in names if o != n):
            front.append(n)
    return sorted(front, key=lambda n: points[n][0])


# ----------------------------------------------------------------------------- bandit
def bandit_policy_metrics(probs, means, kl_star_coef: float = 0.2) -> dict:
    """Per row of ``probs`` (runs, k): ``reward`` ``= sum pi Q``, ``coverage`` of the best
    arms (:func:`thermo_rl.metrics.coverage`), ``entropy`` (nats) and ``kl_star`` ``=
    KL(pi || pi*)`` to the Gibbs optimum ``pi* ∝ e^{Q/lambda}`` (nats).

    >>> import numpy as np
    >>> m = bandit_policy_metrics(np.array([[0.5, 0.5, 0.0]]), [1.0, 1.0, 0.0], 1.0)
    >>> float(m["reward"][0]), float(m["coverage"][0]), round(float(m["entropy"][0]), 4)
    (1.0, 1.0, 0.6931)
    >>> round(float(m["kl_star"][0]), 6) == round(float(np.log(1 + np.exp(-1) / 2)), 6)
    True
    """
    from ..bandits import gibbs_policy
    from ..metrics import coverage

    lam = check_real(kl_star_coef, "kl_star_coef", low=0.0, low_open=True)
    p = np.asarray(probs, dtype=float)
    q = np.asarray(means, dtype=float)
    star = gibbs_policy(q, lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
        kl = (p * (lp - np.log(star))).sum(-1)
    return {"reward": p @ q,
            "coverage": coverage(p, np.broadcast_to(q == q.max(), p.shape)),
            "entropy": -(p * lp).sum(-1), "kl_star": kl}


def bandit_atlas_row(control: str, *, k: int = 10, m: int = 3, runs: int = 500,
                     steps: int = 300, lr: float = 0.5, group: int = 8,
                     kl_star_coef: float = 0.2, seed=0) -> dict:
    """The same control on the equal-best bandit: mean and standard error over ``runs``.

    :class:`~thermo_rl.bandits.EntropyPG` with ``T = 0`` (no entropy term of its own; a
    control that takes its coefficient from ``T`` gets its ``toy`` default), ``group``
    samples a step, ``steps`` steps, on :func:`~thermo_rl.bandits.equal_best` ``(k, m)``
    (Gaussian rewards, unit noise). Of the final policy ``pi`` of each run: ``reward``
    ``= sum pi Q``, ``coverage`` (share of the m best arms holding at least ``0.1/m``),
    ``entropy`` (nats) and ``kl_star`` ``= KL(pi || pi*)`` with ``pi* ∝ e^{Q/lambda}``,
    ``lambda = kl_star_coef`` (nats). Keys ``<metric>`` and ``<metric>_se``.
    """
    from ..bandits import EntropyPG, equal_best, run
    from ..entropy.registry import control_class

    cls = control_class(control)
    params = {}
    if cls.seed_param is not None:
        params[cls.seed_param] = next(p.default for p in cls.params
                                      if p.name == cls.seed_param)
    env = equal_best(k=k, m=m)
    pol = EntropyPG(T=0.0, lr=lr, group=group, control=cls.name, control_params=params)
    res = run(env, pol, runs=runs, steps=steps, seed=seed, progress=False)
    per = bandit_policy_metrics(res.final_probs, env.means, kl_star_coef)
    out = {"control": cls.name, "runs": runs, "steps": steps, "k": k, "m": m,
           "seconds": res.seconds}
    for key, v in per.items():
        out[key], out[f"{key}_se"] = mean_se(v)
    return out


# ----------------------------------------------------------------------------- LLM sweep
def atlas_sweep(controls, seeds: int, fixed: dict, *, sweep_seed: int = 0,
                grid: dict | None = None, per_control: dict | None = None):
    """The :class:`thermo_rl.sweep.Sweep` of the atlas: one point per control and seed.

    ``fixed`` holds the model (``checkpoint``) and the RL settings every point shares;
    the replicas are the seeds (each point's RL seed is derived from the sweep seed, the
    control and the replica index, :func:`thermo_rl.sweep.point_seed`); ``per_control``
    maps a control to its own parameters.
    """
    from ..sweep import Sweep

    seeds = check_int(seeds, "seeds", low=1, high=1000)
    per = per_control or {}
    return Sweep("llm", points=[{"control": c, **per.get(c, {})} for c in controls],
                 fixed=dict(fixed),
                 grid=dict(grid or {}), replicas=seeds, seed=int(sweep_seed))


def summarize_atlas(table, controls, *, by: str = "control") -> dict:
    """Per value of ``by``: ``n`` (seeds that finished), and for every metric of
    :data:`ATLAS_METRICS` its mean and standard error (``<metric>``, ``<metric>_se``)."""
    out = {}
    ok = table[table["status"] == "ok"] if len(table) else table
    for c in controls:
        sub = ok[ok[by] == c] if len(ok) else ok
        row = {"n": len(sub), "seeds": [int(s) for s in sub["seed"]] if len(sub) else []}
        for name, col in ATLAS_METRICS.items():
            vals = list(sub[col]) if col in sub.columns else []
            row[name], row[f"{name}_se"] = mean_se(vals)
        out[c] = row
    return out


@dataclass(eq=False)
class AtlasResult:
    """The atlas: ``rows`` (one per control: the language model's mean and standard error
    of every metric, ``bandit`` beside it), ``pareto`` (controls on the pass@1 against
    coverage front), the base model's metrics, the settings and the sweep's summary."""

    rows: dict
    base: dict
    pareto: list
    settings: dict
    sweep: dict
    seconds: float
    table: object = field(repr=False, default=None)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "base": self.base, "pareto": self.pareto,
                "settings": self.settings, "sweep": self.sweep, "seconds": self.seconds}


def controls_atlas(checkpoint, *, controls=None, seeds: int = 3, out=None, scheduler=None,
                   workers: int | None = None, retry_failed: bool = False,
                   bandit: dict | None = None, sweep_seed: int = 0, progress: bool = True,
                   per_control: dict | None = None, **rl) -> AtlasResult:
    """Run every registered control (or ``controls``) over ``seeds`` RL seeds; the table.

    Parameters
    ----------
    checkpoint : str or Path
        A pretrained model folder (``thermo-rl llm pretrain --out``; on a cluster one
        every worker can read): the base model, the same for every run.
    controls : list of str, optional
        Registry names; default every registered one, read now.
    seeds : int
        RL runs per control (default 3).
    out : str or Path, optional
        The sweep's results folder (resumable); None keeps the rows in memory.
    scheduler, workers, retry_failed, progress
        As :func:`thermo_rl.sweep.run_sweep`.
    bandit : dict or None
        Settings of :func:`bandit_atlas_row` (``{}`` for its defaults); None skips the
        bandit columns. A control the bandit learner cannot run (``high-entropy`` needs
        per-token entropies) gets NaN columns and its ``error``.
    per_control : dict, optional
        Control name -> its own parameters (``{"clip-cov": {"ratio": 0.05}}``).
    **rl
        Fields of :class:`~thermo_rl.llm.rl_config.RLConfig` every run shares (``steps``,
        ``n_prompts``, ``group``, ``lr``, ...; not ``control``/``seed``).

    Returns
    -------
    AtlasResult
    """
    from ..entropy.registry import control_names
    from ..sweep import run_sweep
    from .rl_config import RLConfig
    from .train import load_checkpoint

    t0 = time.perf_counter()
    names = list(control_names()) if controls is None else list(controls)
    if not names:
        raise UserError("controls must name at least one control")
    for bad in ("control", "seed"):
        if bad in rl:
            raise UserError(f"{bad} is set by the atlas, not a shared RL setting")
    per = dict(per_control or {})
    for c in names:                      # every config checked before any work
        RLConfig.from_kwargs(None, control=c, **rl, **per.get(c, {}))
    fixed = {"checkpoint": str(checkpoint), **rl}
    sw = atlas_sweep(names, seeds, fixed, sweep_seed=sweep_seed, per_control=per)
    res = run_sweep(sw, out, scheduler=scheduler, workers=workers,
                    retry_failed=retry_failed, progress=progress)
    summary = summarize_atlas(res.table, names)
    pre = load_checkpoint(checkpoint, device="cpu")
    cfg = RLConfig.from_kwargs(None, **rl)
    from .exact import kl_regularized_optimum
    from .rl_results import exact_metrics

    base_dist = pre.distribution()
    ks = (1, 8, 64)
    bm = exact_metrics(base_dist, base_dist, ks, kl_regularized_optimum(base_dist,
                                                                          cfg.star_coef))
    base = {"pass@1": bm["pass@1"], "pass@8": bm["pass@k"][8], "pass@64": bm["pass@k"][64],
            "coverage": bm["coverage"], "answer_entropy": bm["answer_entropy"],
            "kl_ref": 0.0, "kl_star": bm["kl_star"]}
    bsettings = None
    if bandit is not None:
        bsettings = {"kl_star_coef": cfg.star_coef, **bandit}
        for c in names:
            try:
                summary[c]["bandit"] = bandit_atlas_row(c, seed=sweep_seed, **bsettings)
            except UserError as exc:     # a control the bandit learner cannot run
                summary[c]["bandit"] = {"control": c, "error": str(exc), **{
                    k: float("nan") for m in BANDIT_METRICS for k in (m, f"{m}_se")}}
    pareto = pareto_front({c: (r["pass@1"], r["coverage"]) for c, r in summary.items()})
    settings = {"controls": names, "seeds": seeds, "task": pre.task.name,
                "size": pre.settings.get("size"), "checkpoint": str(checkpoint),
                "rl": cfg.as_dict(), "bandit": bsettings, "sweep_seed": sweep_seed}
    cpu = res.table["cpu_seconds"] if "cpu_seconds" in res.table else []
    sweep = {**res.as_dict(), "point_seconds": float(np.nansum(res.table["seconds"]))
             if len(res.table) else 0.0,
             "point_cpu_seconds": float(np.nansum(cpu)) if len(cpu) else 0.0}
    return AtlasResult(summary, base, pareto, settings, sweep, time.perf_counter() - t0,
                       res.table)


# ----------------------------------------------------------------------------- AEPO
def target_parameter(control: str = "aepo") -> str | None:
    """The name of ``control``'s target-entropy parameter (the first parameter whose name
    starts with ``target``), or None when the control is not registered or has none."""
    from ..entropy.registry import control_class, control_names

    if control not in control_names():
        return None
    return next((p.name for p in control_class(control).params
                 if p.name.startswith("target")), None)


@dataclass(eq=False)
class TargetSweepResult:
    """AEPO over target entropies: ``rows`` per target (mean and standard error over
    seeds of the atlas metrics), ``peak`` (the target of the highest mean pass@k for each
    k) and ``non_monotonic`` (per k: the peak lies strictly inside the targets and both
    ends are lower by more than two standard errors combined)."""

    control: str
    parameter: str
    rows: dict
    peak: dict
    non_monotonic: dict
    settings: dict
    seconds: float
    table: object = field(repr=False, default=None)

    def as_dict(self) -> dict:
        return {"control": self.control, "parameter": self.parameter,
                "rows": {str(k): v for k, v in self.rows.items()}, "peak": self.peak,
                "non_monotonic": self.non_monotonic, "settings": self.settings,
                "seconds": self.seconds}


def target_entropy_sweep(checkpoint, targets, *, control: str = "aepo", seeds: int = 3,
                         out=None, scheduler=None, workers: int | None = None,
                         sweep_seed: int = 0, progress: bool = True,
                         **rl) -> TargetSweepResult:
    """``control`` (AEPO) at each target entropy of ``targets``, ``seeds`` seeds each.

    Raises :class:`~thermo_rl.errors.UserError` when ``control`` is not registered or has
    no target parameter (:func:`target_parameter`).
    """
    from ..sweep import run_sweep
    from .rl_config import RLConfig

    t0 = time.perf_counter()
    param = target_parameter(control)
    if param is None:
        raise UserError(f"control {control!r} is not registered or has no target "
                        "parameter; the target-entropy sweep needs it")
    targets = [check_real(t, "targets", low=0.0) for t in targets]
    if len(targets) < 2:
        raise UserError("targets must hold at least two values")
    for t in targets:
        RLConfig.from_kwargs(None, control=control, **{param: t}, **rl)
    sw = atlas_sweep([control], seeds, {"checkpoint": str(checkpoint), **rl},
                     sweep_seed=sweep_seed, grid={param: targets})
    res = run_sweep(sw, out, scheduler=scheduler, workers=workers, progress=progress)
    rows = summarize_atlas(res.table, targets, by=param)
    peak, nonmono = {}, {}
    for k in ("pass@1", "pass@8", "pass@64"):
        m = np.array([rows[t][k] for t in targets])
        s = np.nan_to_num(np.array([rows[t][f"{k}_se"] for t in targets]))
        i = int(np.nanargmax(m))
        peak[k] = targets[i]
        nonmono[k] = bool(0 < i < len(targets) - 1
                          and m[i] - m[0] > 2 * math.hypot(s[i], s[0])
                          and m[i] - m[-1] > 2 * math.hypot(s[i], s[-1]))
    settings = {"targets": targets, "seeds": seeds, "checkpoint": str(checkpoint),
                "rl": {k: v for k, v in rl.items()}}
    return TargetSweepResult(control, param, rows, peak, nonmono, settings,
                             time.perf_counter() - t0, res.table)
