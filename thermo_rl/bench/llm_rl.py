"""Benchmark: one RL step of the language model against a teacher-forced step, in one run.

The ``small`` GPT on digit-sum (``--quick``: ``tiny`` on pair-sum, whose exact
evaluations are 10x cheaper, 16 prompts, one thread), at one
and at two CPU threads (``torch.set_num_threads``, restored afterwards), the CPU named
in every note. For each thread count, in this order (the reference before and after the
RL steps, its best time kept, so that a burst of background load hits both):

* reference: a teacher-forced training step on the same 512 sequences an RL step sees
  (64 prompts x 8 samples, prompt + completion, drawn once by the sampler): forward,
  cross-entropy of the completion tokens (:func:`thermo_rl.llm.train.answer_loss`),
  backward, gradient clipping, AdamW;
* an RL step of :func:`thermo_rl.llm.rl.finetune` at its defaults (rollout, RLOO,
  the update), the median of its per-step times (the first step and the exact
  evaluations excluded); the note gives it as a multiple of the reference (the goal of
  issue 19: at most 1.3x);
* TRL's ``GRPOTrainer`` step (generate, rewards, group advantages, loss, backward,
  AdamW; :func:`thermo_rl.bench.llm_hf.trl_grpo_step`) on a GPT-2 of the small GPT's
  shape (4 layers, width 128, 4 heads) at the same 64 x 8, when ``trl`` is installed;
  the RL step's note gives the ratio.

Clock: at one thread, CPU seconds of this process (``time.process_time``: a shared
machine's load does not inflate them); at two, wall seconds (what the second thread
buys). Each row's note says which.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from . import BenchRow, best_time, cpu_model

AREA = "llm_rl"
UNIT = "steps_per_s"
SIZES = {"full": {"task": "digit-sum", "size": "small", "prompts": 64, "group": 8, "steps": 6,
                  "repeat": 4, "threads": (1, 2)},
         "quick": {"task": "pair-sum", "size": "tiny", "prompts": 16, "group": 8, "steps": 3,
                   "repeat": 2, "threads": (1,)}}
REF = "teacher-forced step"


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    from ..llm._torch import require_torch
    from . import machine

    torch = require_torch()
    machine()                 # starts Numba's threads now, not mid-measurement (see machine)
    threads = torch.get_num_threads()
    try:
        return measure(SIZES["quick" if quick else "full"], seed)
    finally:
        torch.set_num_threads(threads)


def measure(s: dict, seed: int = 0) -> list:
    """The rows at sizes ``s`` (a value of :data:`SIZES`) on the CPU."""
    import torch

    from ..llm.train import pretrain

    pre = pretrain(s["task"], size=s["size"], steps=s.get("pretrain_steps", 30),
                   batch_size=128, seed=seed, device="cpu", progress=False)
    task, tok = pre.task, pre.tokenizer
    P, G = s["prompts"], s["group"]
    pidx = np.arange(P) % len(task.prompts)
    prompts = torch.as_tensor(task._prompt_tokens(tok)[pidx])
    g = torch.Generator().manual_seed(seed)
    tokens = pre.model.generate(prompts.repeat_interleave(G, 0), task.answer_length + 1,
                                eos_id=tok.eos_id, pad_id=tok.pad_id, generator=g)
    rows = []
    with tempfile.TemporaryDirectory(prefix="thermo_rl_bench_") as tmp:
        trl = _trl(pre, pidx, G, seed, tmp)
        for n in s["threads"]:
            torch.set_num_threads(n)
            clock = time.process_time if n == 1 else time.perf_counter
            rows += _rows(pre, tokens, task.prompt_length, trl, s, seed, n, clock)
    return rows


def _teacher_forced_step(pre, tokens, prompt_length):
    """A fresh copy of the model and its AdamW; the returned callable is one step."""
    import copy

    import torch

    from ..llm.train import answer_loss, make_optimizer

    model = copy.deepcopy(pre.model).train()
    opt = make_optimizer(model, 3e-4)

    def step():
        loss = answer_loss(model, tokens, prompt_length)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    return step


def _best(fn, repeat, clock):
    fn()                                                              # warm-up
    return best_time(fn, repeat, clock=clock)


def _rows(pre, tokens, prompt_length, trl, s, seed, n, clock):
    from ..llm.rl import finetune

    what = "CPU seconds" if clock is time.process_time else "wall seconds"
    where = f"{cpu_model()}, {n} thread{'s' if n > 1 else ''}, {what}"
    tf = _teacher_forced_step(pre, tokens, prompt_length)
    ref = _best(tf, s["repeat"], clock)
    res = finetune(pre, control="none", steps=s["steps"] + 1, n_prompts=s["prompts"],
                   group=s["group"], eval_every=s["steps"] + 1, seed=seed, progress=False)
    key = "step_cpu_seconds" if clock is time.process_time else "step_seconds"
    step = float(np.median(res.trace[key][1:]))
    ref = min(ref, _best(tf, s["repeat"], clock))
    B = s["prompts"] * s["group"]
    model = f"{pre.settings['size']} GPT, {s['task']}, {s['prompts']} prompts x {s['group']}"
    rows = [BenchRow(AREA, f"{REF}, {n} thread{'s' if n > 1 else ''} (reference)", 1 / ref,
                     UNIT, "-", None, ref, f"{B} sequences of an RL batch, AdamW; {model}; "
                     f"{where}"),
            BenchRow(AREA, f"RL step, {n} thread{'s' if n > 1 else ''}", 1 / step, UNIT, REF,
                     ref / step, step, f"rollout + RLOO + update (finetune defaults); "
                     f"{step / ref:.2f}x the {REF} (goal <= 1.3x); {model}; {where}")]
    if trl is not None:
        t = _best(trl, s["repeat"], clock)
        rows[-1].note += f"; TRL's GRPOTrainer step takes {t / step:.2f}x as long"
        rows.append(BenchRow(AREA, f"TRL GRPOTrainer step, {n} thread{'s' if n > 1 else ''}",
                             1 / t, UNIT, REF, ref / t, t,
                             f"generate + rewards + loss + backward + AdamW, GPT-2 of the "
                             f"same shape; {s['prompts']} prompts x {s['group']}; {where}"))
    return rows


def _trl(pre, pidx, G, seed, tmp):
    """TRL's step on a GPT-2 shaped like ``pre``'s model (files under ``tmp``), or None
    without trl."""
    try:
        import trl  # noqa: F401
    except ImportError:
        return None
    import os

    import torch

    from ..llm.hf import save_tiny_model
    from .llm_hf import trl_grpo_step

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    cfg = pre.model.config
    folder = save_tiny_model(os.path.join(tmp, "gpt2"), arch="gpt2", n_layer=cfg.n_layer,
                             n_embd=cfg.n_embd, n_head=cfg.n_head, context=32, seed=seed)
    texts = [pre.task.prompts[i] for i in np.repeat(pidx, G)]
    return trl_grpo_step(folder, os.path.join(tmp, "trl"), torch.device("cpu"), texts, G,
                         seed, task=pre.task)[1]
