"""The precision study and the entropy-law regimes behind docs/theory/entropy_dynamics.md.

    python docs/bench/entropy_studies.py precision OUT   # 3 precisions x 3 seeds (~4 CPU-min)
    python docs/bench/entropy_studies.py laws OUT        # 5 regimes x 3 seeds + the tabular check

Pair-sum, tiny GPT pretrained 300 steps (batch 64, seed 0), then 60 RL steps x 32 prompts
x 8 samples, lr 1e-3, an exact evaluation every 2 steps (the tour's act-5 setting); the
regimes change the optimizer, the step size and the evaluation interval. Writes
``OUT/precision.json`` (+ ``precision.png``) or ``OUT/laws.json``; one torch thread.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

RL = {"steps": 60, "n_prompts": 32, "group": 8, "lr": 1e-3, "eval_every": 2}
REGIMES = {"adam-1e-3-eval2": {}, "adam-1e-3-eval1": {"eval_every": 1},
           "adam-1e-4-eval1": {"eval_every": 1, "lr": 1e-4},
           "sgd-0.3-eval1": {"eval_every": 1, "optimizer": "sgd", "lr": 0.3},
           "sgd-0.03-eval1": {"eval_every": 1, "optimizer": "sgd", "lr": 0.03}}


def main(which: str, out: Path) -> None:
    import torch

    from thermo_rl.llm.entropy_laws import law_regimes, tabular_law
    from thermo_rl.llm.precision import precision_study
    from thermo_rl.llm.train import pretrain
    from thermo_rl.results import jsonable

    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    pre = pretrain("pair-sum", size="tiny", steps=300, batch_size=64, seed=0, progress=False)
    if which == "precision":
        from thermo_rl.viz import save_figure
        from thermo_rl.viz.atlas import plot_precision_study

        r = precision_study(pre, **RL)
        (out / "precision.json").write_text(json.dumps(jsonable(r.as_dict()), indent=1))
        save_figure(plot_precision_study(r), out, "precision.png")
        return
    base = pre.distribution()
    lp = np.log(np.clip(base.probs / base.probs.sum(1, keepdims=True), 1e-300, None))
    ok = pre.task.correct[base.prompt_ids]
    tab = {lr: tabular_law(lp, ok, lr=lr, steps=200, prompts=8).as_dict()
           for lr in (0.01, 0.1, 1.0)}
    reg = law_regimes(pre, REGIMES, seeds=(0, 1, 2), **RL)
    (out / "laws.json").write_text(json.dumps(jsonable({"tabular": tab, "regimes": reg}),
                                              indent=1))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else "."))
