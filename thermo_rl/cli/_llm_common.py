"""Options and helpers shared by the ``thermo-rl llm`` actions: which pretrained model to use."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError


def add_model_arguments(p, *, pretrain_options: bool = True):
    """``--checkpoint`` (a folder from ``llm pretrain --out``), or the task, size and
    device of a model pretrained on the spot and cached under ``--out``."""
    from ..llm._torch import DEVICES
    from ..llm.model import SIZES
    from ..llm.tasks import TASKS

    p.add_argument("--checkpoint", default=None, metavar="DIR",
                   help="a pretrained model (the --out folder of `thermo-rl llm pretrain`); "
                        "default: pretrain one (cached under --out, default thermo_rl_out)")
    p.add_argument("--course-model", action="store_true",
                   help="the course's base model shipped with the package (pair-sum, tiny; "
                        "thermo_rl.llm.course.base_model) instead of --checkpoint")
    p.add_argument("--model", default=None, metavar="DIR",
                   help="a local Hugging Face causal LM folder (save_pretrained: config, "
                        "weights, tokenizer with EOS) used instead of the GPT, on --task; "
                        "needs the [hf] extra")
    if pretrain_options:
        p.add_argument("--task", default="digit-sum", choices=TASKS,
                       help="task of the model pretrained when no --checkpoint is given "
                            "(default digit-sum)")
        p.add_argument("--size", default="small", choices=tuple(SIZES),
                       help="model size when pretraining: tiny ~0.1M, small ~0.8M, "
                            "base ~4.7M parameters (default small)")
        p.add_argument("--pretrain-steps", type=int, default=None,
                       help="pretraining steps when no --checkpoint is given "
                            "(default per size)")
    p.add_argument("--device", default="auto", choices=DEVICES,
                   help="auto (CUDA when present), cpu or cuda (default auto)")


def check_model_arguments(args) -> None:
    """``--dry-run``: the pretraining the action would run, checked (nothing trained)."""
    from .._validation import check_call

    if getattr(args, "course_model", False) and (getattr(args, "model", None)
                                                 or getattr(args, "checkpoint", None)):
        raise UserError("give --course-model, --checkpoint or --model, not two of them")
    if (getattr(args, "model", None) or getattr(args, "checkpoint", None)
            or getattr(args, "course_model", False)):
        return
    from ..llm.train import pretrain

    check_call(pretrain, args.task, size=args.size, steps=args.pretrain_steps, seed=args.seed,
               device=args.device)


def cache_dir(args) -> Path:
    return Path(args.out if getattr(args, "out", None) else "thermo_rl_out")


def pretrained_folder(args) -> Path:
    """The folder of the model: the shipped file with ``--course-model``, ``--checkpoint``,
    else the cache of the one pretrained on the spot,
    ``<out>/models/<task>-<size>-s<seed>-<steps>``."""
    if getattr(args, "course_model", False):
        from ..llm.course import BASE_PATH

        return BASE_PATH
    if getattr(args, "checkpoint", None):
        return Path(args.checkpoint)
    steps = args.pretrain_steps
    tag = f"{args.task}-{args.size}-s{args.seed}-{'default' if steps is None else steps}"
    return cache_dir(args) / "models" / tag


def get_pretrained(args, *, progress: bool = True):
    """The model named by ``--model`` (a Hugging Face folder, on ``--task``) or
    ``--checkpoint``, else one pretrained now (or found in the cache
    ``<out>/models/<task>-<size>-s<seed>-<steps>``)."""
    from ..llm.train import cached_pretrain, load_checkpoint

    if getattr(args, "course_model", False):
        if args.checkpoint or getattr(args, "model", None):
            raise UserError("give --course-model, --checkpoint or --model, not two of them")
        from ..llm.course import base_model

        return base_model(device=args.device)
    if getattr(args, "model", None):
        if args.checkpoint:
            raise UserError("give --model (a Hugging Face folder) or --checkpoint, not both")
        from ..llm.hf import as_pretrained, load_hf

        return as_pretrained(load_hf(args.model, device=args.device),
                             getattr(args, "task", "digit-sum"))
    if args.checkpoint:
        return load_checkpoint(args.checkpoint, device=args.device)
    steps = args.pretrain_steps
    return cached_pretrain(pretrained_folder(args), args.task, size=args.size,
                           steps=steps, seed=args.seed, device=args.device, progress=progress,
                           log=lambda line: print(f"thermo-rl llm: {line}", file=sys.stderr))
