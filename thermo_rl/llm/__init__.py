"""Language models: a tiny GPT trained from scratch, measured exactly, then RL fine-tuned.

The language half of the package's story. Tasks have short answers, so a model's
whole distribution over answers is enumerable: it is a Boltzmann distribution over
answers (energy ``-ln pi``), and RL fine-tuning moves it exactly as a policy
gradient moves a bandit policy. Nothing is downloaded: tasks and data are
generated in code and models are trained from scratch in seconds on a CPU
(CUDA with bf16 autocast when present and asked for).

Modules (one idea each; torch is imported only by those that need it, with a
clear error when it is missing — ``pip install -e ".[llm]"``):

* :mod:`~thermo_rl.llm.tasks` — prompt/answer tasks with many correct answers
  (numpy only);
* :mod:`~thermo_rl.llm.tokenizer` — characters with PAD and EOS (numpy only);
* :mod:`~thermo_rl.llm.model` — the GPT with a KV cache;
* :mod:`~thermo_rl.llm.exact` — exact answer distributions, pass@k, coverage, KL
  and the KL-regularized optimum ``pi_ref exp(r/beta) / Z``;
* :mod:`~thermo_rl.llm.decoding` — temperature, top-k, top-p, min-p, top-h;
* :mod:`~thermo_rl.llm.train` — pretraining with atomic, resumable checkpoints;
* :mod:`~thermo_rl.llm.course` — the course's base model, shipped as package data;
* :mod:`~thermo_rl.llm.loss` — GRPO/RLOO advantages and the token-level policy loss
  (TRL's definitions) with the entropy controls of :mod:`thermo_rl.entropy`;
* :mod:`~thermo_rl.llm.rl` — RL fine-tuning: reward alone collapses the answers, the
  free energy ``<r> - beta KL`` and the entropy controls keep them;
* :mod:`~thermo_rl.llm.hf` — any local Hugging Face causal LM behind the GPT's
  interface (``load_hf``; the ``[hf]`` extra).
"""

from __future__ import annotations

import importlib

from .tasks import TASKS, Task, get_task
from .tokenizer import CharTokenizer

__all__ = ["TASKS", "CharTokenizer", "Task", "get_task"]

_LAZY = {
    "GPT": "model", "GPTConfig": "model", "SIZES": "model", "build_model": "model",
    "AnswerDistribution": "exact", "answer_distribution": "exact",
    "kl_regularized_optimum": "exact", "free_energy_objective": "exact",
    "Pretrained": "train", "pretrain": "train", "load_checkpoint": "train",
    "CheckpointError": "train", "base_model": "course",
    "filter_logits": "decoding", "sample": "decoding",
    "parse_decoding": "decoding", "decoding_frontier": "frontier", "pareto_front": "frontier",
    "finetune": "rl", "RLResult": "rl", "CompareResult": "rl", "collapse_demo": "rl",
    "compute_advantages": "loss", "policy_loss_tokens": "loss",
    "HFPolicy": "hf", "load_hf": "hf",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
