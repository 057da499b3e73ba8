"""Benchmark: one RL step of the language model (rollout, scoring, updates), in steps per second.

Rows (one run, the device ``auto`` picks, the ``small`` model on digit-sum; ``--quick``:
``tiny``, 16 prompts):

* reference: one teacher-forced training step of the same batch size (forward,
  cross-entropy, backward, AdamW) through :func:`thermo_rl.llm.train.pretrain`'s
  kernel: what a step costs without sampling;
* an RL step of :func:`thermo_rl.llm.rl.finetune` with its defaults (64 prompts x 8
  samples, KV-cache rollouts, RLOO, two optimizer updates on mini-batches), the median
  of its per-step wall times (``RLResult.trace["step_seconds"]``, exact evaluations
  excluded), as a ratio to the reference. The goal: under 0.5 s a step on 2 cores
  (>= 2 steps/s).

On the CPU every row runs on one thread (restored afterwards), as in
:mod:`thermo_rl.bench.llm`: with small matrices on a shared 2-core machine one thread
per process is faster than two.
"""

from __future__ import annotations

import time

import numpy as np

from . import BenchRow

AREA = "llm_rl"
UNIT = "steps_per_s"
SIZES = {"full": {"size": "small", "prompts": 64, "steps": 6},
         "quick": {"size": "tiny", "prompts": 16, "steps": 3}}


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    from ..llm._torch import require_torch

    torch = require_torch()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(quick, seed)
    finally:
        torch.set_num_threads(threads)


def _run(quick, seed):
    from ..llm.rl import finetune
    from ..llm.train import pretrain

    s = SIZES["quick" if quick else "full"]
    group = 8
    batch = s["prompts"] * group
    t0 = time.perf_counter()
    ref_steps = 4 if quick else 8
    pre = pretrain("digit-sum", size=s["size"], steps=ref_steps, batch_size=batch, seed=seed,
                   progress=False)
    ref_s = max(pre.seconds / ref_steps, 1e-9)
    where = "cpu, 1 thread" if pre.device.type == "cpu" else pre.device.type
    res = finetune(pre, steps=s["steps"] + 1, n_prompts=s["prompts"], group=group,
                   eval_every=s["steps"] + 1, seed=seed, progress=False)
    step_s = float(np.median(res.trace["step_seconds"][1:]))
    note = (f"{s['size']} GPT, digit-sum, {s['prompts']} prompts x {group} samples, "
            f"{where}")
    total = time.perf_counter() - t0
    return [
        BenchRow(AREA, "teacher-forced training step (reference)", 1.0 / ref_s, UNIT,
                 "teacher-forced training step (reference)", None, ref_s,
                 f"{batch} sequences, AdamW; {note}"),
        BenchRow(AREA, "RL step (rollout + RLOO + 2 updates)", 1.0 / step_s, UNIT,
                 "teacher-forced training step (reference)", ref_s / step_s, step_s,
                 f"{note}; {step_s:.3f} s a step (goal < 0.5 s on 2 cores); "
                 f"bench total {total:.1f} s"),
    ]
