r"""Entrocraft's schedule study: which entropy curve to hold (Li et al., 2026, arXiv:2604.26326).

The paper drives the entropy along a band that moves with training (its ``entrocraft``
rule, :class:`thermo_rl.entropy.methods.entrocraft.Entrocraft`) and compares curves:
"linear annealing, which starts high and decays to a slightly lower target, performs
best". :func:`entrocraft_schedules` runs the same study on a bandit (NumPy, seconds) or
on the language model (torch, minutes): each schedule of :data:`SCHEDULES` (bands as
fractions of the initial token entropy) and the uncontrolled run, over several seeds,
with the mean and standard error of the final reward or pass@k, coverage, entropy and
the share of post-warm-up steps whose entropy lay in the scheduled band.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._validation import check_choice, check_int
from ..errors import UserError
from ..stats import mean_se

__all__ = ["SCHEDULES", "entrocraft_schedules"]

#: The compared curves: ``lower``/``upper`` band edges (start, end) in units of the
#: initial token entropy, ``shape`` linear or cosine; ``none`` is the uncontrolled run.
SCHEDULES = {
    "none": None,
    "constant-high": {"lower": (0.9, 0.9), "upper": (1.0, 1.0)},
    "constant-low": {"lower": (0.7, 0.7), "upper": (0.8, 0.8)},
    "linear": {"lower": (0.9, 0.7), "upper": (1.0, 0.8)},
    "cosine": {"lower": (0.9, 0.7), "upper": (1.0, 0.8), "shape": "cosine"},
    "linear-steep": {"lower": (0.9, 0.4), "upper": (1.0, 0.5)},
}


def _in_band(H, spec, h0, warmup) -> float:
    """Share of the steps from ``warmup`` on whose entropy lay in the scheduled band."""
    if spec is None:
        return float("nan")
    from .methods.entrocraft import band_schedule

    steps = len(H)
    ok = [lo * h0 <= H[t] <= hi * h0 for t in range(warmup, steps)
          for lo, hi in [band_schedule(t, steps, spec["lower"], spec["upper"],
                                       spec.get("shape", "linear"))]]
    return float(np.mean(ok)) if ok else float("nan")


def _scaled(spec, ref):
    return {**spec, "relative": False, "lower": tuple(ref * x for x in spec["lower"]),
            "upper": tuple(ref * x for x in spec["upper"])}


def _bandit_row(spec, seed, steps, runs, env, ref):
    from ..bandits import EntropyPG, run

    pol = EntropyPG(T=0.0) if spec is None else EntropyPG(
        T=0.0, control="entrocraft", control_params=_scaled(spec, ref))
    r = run(env, pol, runs=runs, steps=steps, seed=seed, progress=False)
    tail = slice(int(0.9 * steps), steps)
    return {"reward": float(r.reward[tail].mean()), "optimal": float(r.optimal[tail].mean()),
            "coverage": float(r.coverage[tail].mean()), "entropy": float(r.entropy[tail].mean()),
            "in_band": _in_band(r.entropy, spec, ref, steps // 5)}


def _llm_row(spec, seed, steps, pretrained, base, kwargs):
    from ..llm.rl import finetune

    extra = {} if spec is None else {"control": "entrocraft",
                                     "control_params": {**spec, "relative": True}}
    r = finetune(pretrained, steps=steps, seed=seed, base=base, progress=False,
                 **kwargs, **extra)
    H = np.asarray(r.trace["token_entropy"], dtype=float)
    a = r.after
    pk = {int(k): v for k, v in a["pass@k"].items()}
    return {"pass@1": a["pass@1"], "pass@8": pk.get(8, float("nan")),
            "coverage": a["coverage"], "answer_entropy": a["answer_entropy"],
            "token_entropy": float(H[-max(1, steps // 10):].mean()),
            "in_band": _in_band(H, spec, float(H[0]), steps // 5)}


def entrocraft_schedules(learner: str = "bandit", *, schedules=None, seeds: int = 3,
                         steps: int | None = None, runs: int = 100, env=None,
                         pretrained=None, seed: int = 0, progress: bool = False,
                         **kwargs) -> dict:
    """Entrocraft's entropy schedules side by side, ``seeds`` runs each.

    Parameters
    ----------
    learner : {"bandit", "llm"}
        The bandit learner (:class:`thermo_rl.bandits.EntropyPG` at ``T = 0``, ``runs``
        runs per seed; default ``equal_best(k=6, m=3)``, where reward alone collapses
        the three best arms; bands in units of ``ln m``, the entropy of the uniform
        policy over the ``m`` best arms, the most an optimal policy has) or the language
        model
        (:func:`thermo_rl.llm.rl.finetune` of ``pretrained``; default the tiny pair-sum
        model pretrained 300 steps of 64, seed ``seed``; ``kwargs`` go to ``finetune``).
    schedules : list of str, optional
        Names of :data:`SCHEDULES` (default all).
    seeds : int
        Seeds ``seed, seed + 1, ...`` of the RL runs (the base model is fixed).
    steps : int, optional
        RL steps (bandit default 600, language model default 60).

    Returns
    -------
    dict
        ``rows``: one per schedule with the mean and standard error over seeds
        (``<metric>``, ``<metric>_se``) of the final (last 10% of steps) reward, optimal
        rate, coverage and entropy on the bandit, or pass@1, pass@8, coverage, answer
        and token entropy on the language model, and ``in_band`` (share of the steps
        after the first fifth with the token entropy inside the band); ``learner``,
        ``seed``, ``seeds``, ``steps``, ``seconds``.

    Examples
    --------
    >>> out = entrocraft_schedules("bandit", schedules=["none", "linear"], seeds=2,
    ...                            steps=50, runs=20)
    >>> [r["schedule"] for r in out["rows"]], out["seeds"]
    (['none', 'linear'], 2)
    """
    check_choice(learner, "learner", ("bandit", "llm"))
    seeds = check_int(seeds, "seeds", low=1)
    names = list(SCHEDULES) if schedules is None else list(schedules)
    for n in names:
        if n not in SCHEDULES:
            raise UserError(f"schedules: unknown {n!r}; expected some of {list(SCHEDULES)}")
    t0 = time.perf_counter()
    if learner == "bandit":
        from ..bandits import equal_best

        steps = 600 if steps is None else check_int(steps, "steps", low=2)
        env = equal_best(k=6, m=3) if env is None else env
        ref = math.log(int(np.sum(env.means == np.max(env.means))))
        one = (lambda spec, s: _bandit_row(spec, s, steps, runs, env, ref))
    else:
        from ..llm.train import pretrain

        steps = 60 if steps is None else check_int(steps, "steps", low=2)
        if pretrained is None:
            pretrained = pretrain("pair-sum", size="tiny", steps=300, batch_size=64,
                                  seed=seed, progress=progress)
        base = pretrained.distribution()
        kw = {"n_prompts": 32, "group": 8, "lr": 1e-3, "eval_every": steps, **kwargs}
        one = (lambda spec, s: _llm_row(spec, s, steps, pretrained, base, kw))
    rows = []
    for name in names:
        per = [one(SCHEDULES[name], seed + i) for i in range(seeds)]
        row = {"schedule": name}
        for k in per[0]:
            row[k], row[f"{k}_se"] = mean_se([p[k] for p in per])
        rows.append(row)
    return {"learner": learner, "rows": rows, "seed": seed, "seeds": seeds, "steps": steps,
            "seconds": time.perf_counter() - t0}
