r"""Does numerical precision move entropy? The same RL run in fp32, bf16 and fp16.

The REPO paper (Entropy-Preserving Reinforcement Learning, ICLR 2026, arXiv 2603.11682)
reports that the precision of the policy's log-probabilities alone moves the entropy of
an RL run: bf16 rounds ``ln pi`` to 8 bits of mantissa (a relative error up to
``2^-9``, e.g. 0.01 nats at ``ln pi = -3``), fp16 to 11. :func:`precision_study` runs one
RL configuration with ``precision`` of :class:`~thermo_rl.llm.rl_config.RLConfig` set
to each precision, over the same seeds (paired: seed ``s`` draws the same first prompts
in every precision), and compares the exact answer-entropy trajectories, the rollouts'
token entropy and the final coverage, pass@1 and answer entropy, each as the mean and
standard error over seeds, with the paired difference to fp32 and its standard error.

What the precision changes (:func:`thermo_rl.llm.rl.token_log_probs`): the logits, the
log-probabilities and the entropies of the scoring and the update; the parameters, the
optimizer, the sampler and the exact metrics stay float32 (fp64 sums).

Examples
--------
>>> from thermo_rl.llm.precision import paired_difference
>>> [round(v, 4) for v in paired_difference([1.0, 2.0, 3.5], [1.0, 1.5, 3.0])]
[0.3333, 0.1667]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from .rl_config import POLICY_PRECISIONS

__all__ = ["PrecisionResult", "paired_difference", "precision_study"]


def paired_difference(x, ref) -> tuple[float, float]:
    """Mean of ``x - ref`` over paired seeds and its standard error (NaN for one pair)."""
    d = np.asarray(x, float) - np.asarray(ref, float)
    if d.size == 0:
        return float("nan"), float("nan")
    se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else float("nan")
    return float(d.mean()), se


def _mse(v):
    v = np.asarray(v, float)
    return float(v.mean()), (float(v.std(ddof=1, axis=0) / math.sqrt(v.shape[0]))
                             if v.shape[0] > 1 else float("nan"))


@dataclass(eq=False)
class PrecisionResult:
    """Per precision: ``steps`` and the mean/s.e. trajectories (``answer_entropy_mean``,
    ``answer_entropy_se``, ``token_entropy_mean``, ``token_entropy_se``), the final
    ``coverage``, ``pass@1``, ``answer_entropy`` (each with ``_se``), the paired
    differences to fp32 (``d_<metric>``, ``d_<metric>_se``, ``z_<metric>``) and
    ``moves_entropy``: whether ``|z|`` of the final answer entropy exceeds 2."""

    precisions: dict
    settings: dict
    seconds: float

    def as_dict(self) -> dict:
        return {"precisions": self.precisions, "settings": self.settings,
                "seconds": self.seconds}


def precision_study(pretrained, *, precisions=POLICY_PRECISIONS, seeds=(0, 1, 2),
                    progress: bool = False, **rl) -> PrecisionResult:
    """The same RL run at every precision of ``precisions``, ``seeds`` each (paired).

    ``rl`` are the :class:`~thermo_rl.llm.rl_config.RLConfig` fields every run shares
    (``steps``, ``n_prompts``, ``lr``, ``eval_every``, ...). The first precision is the
    reference of the paired differences (fp32 by default).
    """
    from .rl import finetune

    t0 = time.perf_counter()
    precisions = list(precisions)
    seeds = list(seeds)
    if not precisions or any(p not in POLICY_PRECISIONS for p in precisions):
        raise UserError(f"precisions must be some of {POLICY_PRECISIONS}, got {precisions}")
    if not seeds:
        raise UserError("seeds must hold at least one seed")
    if "precision" in rl or "seed" in rl:
        raise UserError("precision and seed are set by the study")
    base = pretrained.distribution()
    runs = {p: [finetune(pretrained, base=base, precision=p, seed=s, progress=progress, **rl)
                for s in seeds] for p in precisions}
    final = {p: {k: [r.after[k] for r in rs] for k in ("coverage", "pass@1",
                                                       "answer_entropy", "token_entropy")}
             for p, rs in runs.items()}
    out = {}
    ref = precisions[0]
    for p, rs in runs.items():
        steps = [0] + [h["step"] for h in rs[0].history]
        ae = np.array([[r.before["answer_entropy"]] + [h["answer_entropy"] for h in r.history]
                       for r in rs])
        te = np.array([[r.before["token_entropy"]] + [h["token_entropy"] for h in r.history]
                       for r in rs])
        row = {"steps": steps,
               "answer_entropy_mean": ae.mean(0).tolist(),
               "answer_entropy_se": (ae.std(0, ddof=1) / math.sqrt(len(rs))).tolist()
               if len(rs) > 1 else [float("nan")] * len(steps),
               "token_entropy_mean": te.mean(0).tolist(),
               "token_entropy_se": (te.std(0, ddof=1) / math.sqrt(len(rs))).tolist()
               if len(rs) > 1 else [float("nan")] * len(steps)}
        for k, v in final[p].items():
            row[k], row[f"{k}_se"] = _mse(v)
            d, s = paired_difference(v, final[ref][k])
            row[f"d_{k}"], row[f"d_{k}_se"] = d, s
            row[f"z_{k}"] = d / s if s and s == s and s > 0 else float("nan")
        z = row["z_answer_entropy"]
        row["moves_entropy"] = bool(z == z and abs(z) > 2)
        row["seconds"] = float(sum(r.seconds for r in rs))
        out[p] = row
    settings = {"seeds": seeds, "reference": ref, "task": pretrained.task.name,
                "size": getattr(pretrained, "settings", {}).get("size"), **rl}
    return PrecisionResult(out, settings, time.perf_counter() - t0)
