"""Pretraining the tiny GPT on a task's corpus, with checkpoints that resume bit for bit.

:func:`pretrain` draws fresh (prompt, answer) pairs every step from
:meth:`thermo_rl.llm.tasks.Task.corpus` (correct answers and near-misses in known
proportions) and minimizes the cross-entropy of ``answer + EOS`` given the prompt
with AdamW, a linear warm-up and a cosine decay. Checkpoints hold the model, the
optimizer, the step, the loss history, the config, the tokenizer and every RNG
state (NumPy's, torch's CPU one and, on a GPU, the CUDA one: CPU byte tensors in the
file), the package version and the precision, are written atomically (a temporary
file, then a rename) and resume bit for bit on the same device (on a GPU, with
deterministic kernels: :func:`thermo_rl.llm._torch.deterministic`). Ctrl-C saves a
checkpoint before stopping.

A corrupt, truncated or incompatible checkpoint raises :class:`CheckpointError`
(one line) and nothing is overwritten; a checkpoint written by another version of
thermo_rl loads with a warning, but is not resumed, and :func:`cached_pretrain` never
reuses it.

Examples
--------
>>> res = pretrain("pair-sum", size="tiny", steps=5, progress=False)
>>> res.steps, len(res.history)
(5, 5)
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from .._progress import progress_bar
from .._validation import (
    check_choice,
    check_int,
    check_probability,
    check_real,
    checks_input,
    work_starts,
)
from ..errors import UserError
from ._torch import autocast, require_torch, resolve_device, resolve_precision
from .model import GPT, SIZES, GPTConfig
from .tasks import TASKS, Task, get_task
from .tokenizer import CharTokenizer

__all__ = ["CHECKPOINT_NAME", "CheckpointError", "Pretrained", "answer_loss", "cached_pretrain",
           "load_checkpoint", "make_optimizer", "pretrain", "save_checkpoint"]

CHECKPOINT_NAME = "checkpoint.pt"
_FORMAT = "thermo_rl.llm.checkpoint/1"
DEFAULT_STEPS = {"tiny": 600, "small": 400, "base": 400}


class CheckpointError(UserError):
    """A checkpoint that cannot be used: missing, corrupt, truncated or incompatible."""


@dataclass(eq=False)
class Pretrained:
    """A pretrained model with its task and tokenizer, and how it was trained.

    ``history`` is the training loss (nats per answer token) of every step;
    ``tokens_per_second`` counts every token fed to the model.
    """

    model: GPT
    task: Task
    tokenizer: CharTokenizer
    history: list = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    tokens_per_second: float = float("nan")
    seed: int = 0
    settings: dict = field(default_factory=dict)
    checkpoint: str | None = None

    @property
    def device(self):
        return next(self.model.parameters()).device

    def distribution(self, **kw):
        """The exact answer distribution (:func:`thermo_rl.llm.exact.answer_distribution`)."""
        from .exact import answer_distribution

        return answer_distribution(self.model, self.task, tokenizer=self.tokenizer, **kw)

    def as_dict(self) -> dict:
        """Plain JSON-ready summary with the base model's exact metrics."""
        return {"task": self.task.name, "size": self.settings.get("size"),
                "parameters": self.model.num_parameters(), "steps": self.steps,
                "seed": self.seed, "device": str(self.device),
                "final_loss": float(np.mean(self.history[-20:])) if self.history else None,
                "tokens_per_second": self.tokens_per_second, "seconds": self.seconds,
                "checkpoint": self.checkpoint, "base": self.distribution().metrics()}


def _lr_at(step: int, steps: int, lr: float, warmup: int) -> float:
    """Linear warm-up to ``lr`` over ``warmup`` steps, then cosine decay to ``lr / 10``."""
    if step < warmup:
        return lr * (step + 1) / warmup
    frac = (step - warmup) / max(1, steps - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(frac, 1.0))))


def _batch(task: Task, tok: CharTokenizer, rng, n: int, q: float, device):
    """Token ids (n, Lp + La + 1) of fresh corpus pairs and the loss mask of the answers."""
    torch = require_torch()
    pi, aj = task.corpus(n, correct_fraction=q, seed=rng)
    prompts = task._prompt_tokens(tok)[pi]
    answers = task._answer_tokens(tok)[aj]
    x = torch.as_tensor(np.concatenate([prompts, answers], axis=1), device=device)
    return x, task.prompt_length


def answer_loss(model, x, prompt_length: int, *, precision: str = "fp32"):
    """Mean cross-entropy (nats per token) of the answer tokens and EOS of sequences ``x``
    ``(B, Lp + La + 1)`` given their prompts: the supervised loss of pretraining and of
    self-training. The forward pass runs in ``precision``
    (:func:`~thermo_rl.llm._torch.resolve_precision`), the cross-entropy in float32."""
    torch = require_torch()
    with autocast(x.device, precision):
        logits = model(x[:, :-1])[:, prompt_length - 1:].float()   # (B, La + 1, V)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             x[:, prompt_length:].reshape(-1))


def make_optimizer(model, lr: float, weight_decay: float = 0.1):
    """AdamW with decoupled weight decay on the matrices only, betas (0.9, 0.95)."""
    torch = require_torch()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": other, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95))


#: More optimizer steps than any run of this package needs (~ days on a CPU): refused.
MAX_STEPS = 10**7


@checks_input
def pretrain(task="digit-sum", *, size: str = "small", steps: int | None = None,
             batch_size: int = 128, lr: float = 3e-3, warmup: int | None = None,
             weight_decay: float = 0.1, correct_fraction: float = 0.6, seed: int = 0,
             device="auto", rotary: bool = False, compile: bool = False,
             precision: str = "fp32", out=None, checkpoint_every: int | None = None,
             resume: bool = False, progress: bool = True) -> Pretrained:
    """Train a GPT of a named size from scratch on ``task``'s corpus.

    Parameters
    ----------
    task : str or Task
        One of :data:`thermo_rl.llm.tasks.TASKS`.
    size : str
        ``tiny`` (~0.1M parameters), ``small`` (~0.8M) or ``base`` (~4.7M).
    steps : int, optional
        Optimizer steps (default: 600 for tiny, 400 otherwise).
    batch_size : int
        (prompt, answer) pairs per step, drawn fresh from the corpus.
    lr, warmup, weight_decay : float, int, float
        AdamW peak learning rate, linear warm-up steps (default ``steps // 10``),
        decoupled weight decay of the matrices; cosine decay to ``lr / 10``.
    correct_fraction : float
        Share of correct answers in the corpus (the rest are near-misses).
    seed : int
        Seeds the weights and the data (same seed and device, same numbers).
    device : {"auto", "cpu", "cuda"}
        ``auto`` picks CUDA when present (bf16 autocast there).
    rotary : bool
        Rotary instead of learned position embeddings.
    compile : bool
        ``torch.compile`` the model (faster on CUDA after a compile of ~a minute).
    precision : {"fp32", "bf16", "auto"}
        Of the forward pass (:func:`~thermo_rl.llm._torch.resolve_precision`): fp32 by
        default on every device, like the sampler's default, so that the policy RL
        starts from is the one that was trained; ``auto`` is bf16 autocast on a GPU
        that supports it. Recorded in the settings (a resume must use the same).
    out : path, optional
        Folder for ``checkpoint.pt`` (written atomically).
    checkpoint_every : int, optional
        Steps between checkpoints (default: only at the end); needs ``out``.
    resume : bool
        Continue from ``out/checkpoint.pt`` (bit for bit on the same device).
    progress : bool
        Show a tqdm bar on stderr.

    Returns
    -------
    Pretrained
    """
    torch = require_torch()
    check_choice(task if isinstance(task, str) else task.name, "task", TASKS)
    task = get_task(task)
    dev = resolve_device(device)
    settings = _settings(task, size=size, steps=steps, batch_size=batch_size, lr=lr,
                         warmup=warmup, weight_decay=weight_decay,
                         correct_fraction=correct_fraction, seed=seed, device=dev,
                         rotary=rotary, precision=precision)
    steps, batch_size, lr, warmup, weight_decay, q, seed, precision = (
        settings[k] for k in ("steps", "batch_size", "lr", "warmup", "weight_decay",
                              "correct_fraction", "seed", "precision"))
    if checkpoint_every is not None:
        checkpoint_every = check_int(checkpoint_every, "checkpoint_every", low=1)
        if out is None:
            raise UserError("checkpoint_every needs out (a folder for the checkpoints)")
    if resume and out is None:
        raise UserError("resume needs out (the folder holding checkpoint.pt)")
    work_starts()
    path = None if out is None else _checkpoint_path(out, create=True)
    tok = CharTokenizer()
    state = None
    if resume:
        if path is None:
            raise UserError("resume needs out (the folder holding checkpoint.pt)")
        state = _read(path)
        if state.get("version") != __version__:
            raise CheckpointError(f"{path} was written by thermo_rl {state.get('version')}, "
                                  f"this is {__version__}: a resume would not be bit for bit; "
                                  "pretrain again into another --out")
        old = state["settings"]
        diff = {k: (old.get(k), v) for k, v in settings.items()
                if k != "steps" and old.get(k) != v}
        if diff:
            raise CheckpointError(f"{path}: cannot resume with different settings "
                                  + ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in diff.items()))
    cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=task.prompt_length
                    + task.answer_length + 1, rotary=bool(rotary), **SIZES[size])
    model = GPT(cfg, seed=seed).to(dev)
    opt = make_optimizer(model, lr, weight_decay)
    rng = np.random.default_rng(seed)
    history: list[float] = []
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        _set_rng_states(state["rng"], rng, dev)
        history = list(state["history"])
        start = int(state["step"])
    fwd = torch.compile(model) if compile else model
    model.train()
    n_tok = batch_size * (cfg.block_size - 1)
    t0 = time.perf_counter()
    finished = start          # optimizer steps completed (what a checkpoint records)

    pending = []              # losses still on the device: one host sync per flush, not per step

    def flush():
        if pending:
            history.extend(torch.stack(pending).tolist())
            pending.clear()

    def snapshot():
        flush()
        return {"format": _FORMAT, "version": __version__, "config": cfg.as_dict(),
                "tokenizer": tok.state_dict(), "settings": settings, "step": finished,
                "model": model.state_dict(), "optimizer": opt.state_dict(),
                "rng": _rng_states(rng, dev),
                "history": history}

    try:
        for step in progress_bar(range(start, steps), total=steps, initial=start,
                                 desc=f"pretrain {task.name} ({size})", progress=progress):
            for g in opt.param_groups:
                g["lr"] = _lr_at(step, steps, lr, warmup)
            x, lp = _batch(task, tok, rng, batch_size, q, dev)
            loss = answer_loss(fwd, x, lp, precision=precision)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            pending.append(loss.detach())
            finished = step + 1
            if checkpoint_every and finished % checkpoint_every == 0 and finished < steps:
                save_checkpoint(snapshot(), path)
    except KeyboardInterrupt:
        if path is not None:
            save_checkpoint(snapshot(), path)
        raise
    flush()
    seconds = time.perf_counter() - t0
    if path is not None:
        save_checkpoint(snapshot(), path)
    model.eval()
    done = steps - start
    return Pretrained(model, task, tok, history, steps, seconds,
                      done * n_tok / seconds if done and seconds > 0 else float("nan"),
                      seed, settings, None if path is None else os.fspath(path))


def _checkpoint_path(out, *, create: bool) -> Path:
    p = Path(out)
    if p.suffix == ".pt":
        folder, path = p.parent, p
    else:
        folder, path = p, p / CHECKPOINT_NAME
    if folder.exists() and not folder.is_dir():
        raise UserError(f"out: {folder} exists and is not a folder")
    if create:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise UserError(f"out: {folder} is not writable")
    return path


def save_checkpoint(state: dict, path) -> str:
    """Write ``state`` to ``path`` atomically: a temporary file in the same folder,
    flushed to disk, then renamed over the old checkpoint."""
    torch = require_torch()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return os.fspath(path)


def _rng_states(rng, device) -> dict:
    """Every random state a run draws from: NumPy's (the data), torch's CPU generator and,
    on a GPU, the device's CUDA generator. The torch states are CPU ``uint8`` tensors
    (what ``torch.set_rng_state`` and ``torch.cuda.set_rng_state`` take)."""
    torch = require_torch()
    out = {"numpy": rng.bit_generator.state, "torch": torch.get_rng_state()}
    if device.type == "cuda":
        out["cuda"] = torch.cuda.get_rng_state(device)
    return out


def _set_rng_states(states: dict, rng, device) -> None:
    """Restore :func:`_rng_states` (the torch states as CPU byte tensors, whatever the
    device: ``torch.set_rng_state`` refuses a CUDA tensor)."""
    torch = require_torch()
    rng.bit_generator.state = states["numpy"]
    torch.set_rng_state(states["torch"].to("cpu", torch.uint8))
    if device.type == "cuda" and states.get("cuda") is not None:
        torch.cuda.set_rng_state(states["cuda"].to("cpu", torch.uint8), device)


def _read(path: Path) -> dict:
    """The checkpoint's contents, every tensor on the CPU (``load_state_dict`` moves the
    model's and the optimizer's to the device; the RNG states must stay CPU tensors)."""
    torch = require_torch()
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 (torch raises many types for a damaged file)
        kind = type(exc).__name__
        raise CheckpointError(f"{path} is corrupt or truncated ({kind}); delete it or "
                              "point --checkpoint elsewhere") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise CheckpointError(f"{path} is not a thermo_rl language-model checkpoint "
                              f"(expected format {_FORMAT!r})")
    missing = [k for k in ("config", "tokenizer", "settings", "step", "model", "optimizer",
                           "rng", "history") if k not in state]
    if missing:
        raise CheckpointError(f"{path} is incomplete: missing {', '.join(missing)}")
    return state


def load_checkpoint(path, *, device="auto") -> Pretrained:
    """Load a checkpoint written by :func:`pretrain` (a folder or a ``.pt`` file).

    Raises :class:`CheckpointError` (one line) for a missing, corrupt, truncated or
    incompatible file; warns (``UserWarning``, one line) when another version of
    thermo_rl wrote it. ``Pretrained.settings["version"]`` holds that version.
    """
    dev = resolve_device(device)
    p = _checkpoint_path(path, create=False)
    state = _read(p)
    try:
        cfg = GPTConfig(**state["config"])
        model = GPT(cfg).to(dev)
        model.load_state_dict(state["model"])
        tok = CharTokenizer.from_state_dict(state["tokenizer"])
        task = get_task(state["settings"]["task"])
    except (TypeError, ValueError, KeyError, RuntimeError) as exc:
        raise CheckpointError(f"{p} does not fit this version of thermo_rl "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
    version = state.get("version")
    if version != __version__:
        import warnings

        warnings.warn(f"{p} was written by thermo_rl {version}; this is {__version__}",
                      UserWarning, stacklevel=2)
    model.eval()
    s = {**state["settings"], "version": version}
    return Pretrained(model, task, tok, list(state["history"]), int(state["step"]), 0.0,
                      float("nan"), int(s.get("seed", 0)), s, os.fspath(p))


def cached_pretrain(folder, task="digit-sum", *, log=None, **kwargs) -> Pretrained:
    """The model :func:`pretrain` ``(task, out=folder, **kwargs)`` would train, reused from
    ``folder/checkpoint.pt`` when that checkpoint is exactly it, else trained (again).

    Reused only when the checkpoint was written by this version of thermo_rl, with the
    same settings (task, size, steps, batch size, learning rate, seed, precision...) and
    finished; a stale, unfinished, damaged or foreign entry is replaced, and ``log``
    (a callable taking one line, e.g. ``print`` to stderr) is told why in one line. Never
    reused silently: ``log`` also hears that the cache was used.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> a = cached_pretrain(d, "pair-sum", size="tiny", steps=2, batch_size=4, progress=False)
    >>> b = cached_pretrain(d, "pair-sum", size="tiny", steps=2, batch_size=4, progress=False,
    ...                     log=print)                          # doctest: +ELLIPSIS
    using the cached pretrained model .../checkpoint.pt
    """
    log = log or (lambda line: None)
    path = _checkpoint_path(folder, create=False)
    want = _settings(task, **kwargs)
    if path.exists():
        why = None
        try:
            state = _read(path)
            have, version = state["settings"], state.get("version")
            if version != __version__:
                why = f"written by thermo_rl {version}, this is {__version__}"
            elif have != want:
                diff = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))
                why = "other settings (" + ", ".join(
                    f"{k}: {have.get(k)!r} -> {want.get(k)!r}" for k in diff) + ")"
            elif int(state["step"]) != want["steps"]:
                why = f"unfinished ({state['step']} of {want['steps']} steps)"
        except CheckpointError as exc:
            why = str(exc)
        if why is None:
            res = load_checkpoint(path, device=kwargs.get("device", "auto"))
            log(f"using the cached pretrained model {path}")
            return res
        log(f"not reusing the cached model {path}: {why}; pretraining again")
        path.unlink()
    kwargs.pop("resume", None)
    res = pretrain(task, out=folder, **kwargs)
    log(f"pretrained model cached at {path}")
    return res


def _settings(task, *, size="small", steps=None, batch_size=128, lr=3e-3, warmup=None,
              weight_decay=0.1, correct_fraction=0.6, seed=0, device="auto", rotary=False,
              precision="fp32", **_ignored) -> dict:
    """The ``settings`` dict :func:`pretrain` records for these arguments (checked), with
    the package version."""
    task = get_task(task)
    check_choice(size, "size", SIZES)
    steps = (DEFAULT_STEPS[size] if steps is None
             else check_int(steps, "steps", low=1, high=MAX_STEPS))
    warmup = max(1, steps // 10) if warmup is None else check_int(warmup, "warmup", low=1)
    return {"task": task.name, "size": size, "steps": steps,
            "batch_size": check_int(batch_size, "batch_size", low=1, high=1 << 16),
            "lr": check_real(lr, "lr", low=0.0, low_open=True), "warmup": warmup,
            "weight_decay": check_real(weight_decay, "weight_decay", low=0.0),
            "correct_fraction": check_probability(correct_fraction, "correct_fraction"),
            "rotary": bool(rotary), "seed": check_int(seed, "seed", low=0),
            "precision": resolve_precision(precision, resolve_device(device)),
            "version": __version__}
