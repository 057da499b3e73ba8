"""Drawing answers of many prompts at once: the rollouts of RL and self-training.

Examples
--------
>>> from thermo_rl.llm.model import build_model
>>> s = sample_answers(build_model("tiny", vocab_size=18), "pair-sum", n=2, seed=0)
>>> s.tokens.shape, len(s.answers), s.rewards.shape
(torch.Size([38, 9]), 38, (38,))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_int
from ._torch import require_torch
from .tasks import Task, get_task
from .tokenizer import CharTokenizer

__all__ = ["Samples", "sample_answers"]


@dataclass(eq=False)
class Samples:
    """``n`` samples of each prompt, grouped: rows ``i*n .. i*n+n-1`` belong to prompt
    ``prompt_ids[i*n]``.

    Attributes
    ----------
    prompt_ids : ndarray of int (B,)
    tokens : torch.Tensor (B, Lp + La + 1)
        Prompt and completion token ids (PAD after the first EOS).
    answers : list of str
        Completions up to EOS (a trailing ``'?'`` marks a sample without EOS).
    answer_ids : ndarray of int (B,)
        Index in the task's answer space, -1 for a malformed sample.
    rewards : ndarray (B,)
    n : int
        Samples per prompt (the group size).
    """

    task: Task
    prompt_ids: np.ndarray
    tokens: object
    answers: list
    answer_ids: np.ndarray
    rewards: np.ndarray
    n: int

    @property
    def completion_mask(self):
        """``(B, La + 1)`` float: 1 for the completion tokens up to and including the first
        EOS (the tokens a policy gradient acts on), 0 for the padding after it."""
        torch = require_torch()
        comp = self.tokens[:, self.task.prompt_length:]
        ended = torch.cumsum((comp == CharTokenizer.eos_id).int(), dim=1)
        before = torch.cat([torch.zeros_like(ended[:, :1]), ended[:, :-1]], dim=1)
        return (before == 0).float()

    def counts(self) -> np.ndarray:
        """``(P, A + 1)`` counts of each answer per prompt (malformed in the last column)."""
        P, A = len(self.task.prompts), len(self.task.answers)
        j = np.where(self.answer_ids < 0, A, self.answer_ids)
        out = np.zeros((P, A + 1), dtype=np.int64)
        np.add.at(out, (self.prompt_ids, j), 1)
        return out


def sample_answers(model, task, *, prompts=None, n: int = 8, tokenizer=None, seed=None,
                   generator=None, **decoding) -> Samples:
    """Draw ``n`` answers for each prompt (default every prompt of ``task``).

    ``decoding`` takes the filters of :func:`thermo_rl.llm.decoding.filter_logits`;
    ``generator`` (a ``torch.Generator`` on the model's device) or ``seed`` makes the
    draw reproducible.
    """
    torch = require_torch()
    task = get_task(task)
    tok = tokenizer or CharTokenizer()
    n = check_int(n, "n", low=1)
    pids = (np.arange(len(task.prompts)) if prompts is None
            else np.array([task.prompt_index(p) for p in prompts], dtype=np.int64))
    device = next(model.parameters()).device
    if generator is None:
        generator = torch.Generator(device=device)
        generator.manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0])
                              if seed is not None else int(torch.seed() % 2**63))
    rows = np.repeat(pids, n)
    x = torch.as_tensor(task._prompt_tokens(tok)[rows], device=device)
    was_training = model.training
    model.eval()
    try:
        tokens = model.generate(x, task.answer_length + 1, eos_id=tok.eos_id,
                                pad_id=tok.pad_id, generator=generator, **decoding)
    finally:
        model.train(was_training)
    answers = [tok.decode_answer(r) for r in tokens[:, task.prompt_length:].tolist()]
    aj = np.array([task.answer_index(a) for a in answers], dtype=np.int64)
    rewards = np.zeros(len(rows))
    ok = aj >= 0
    rewards[ok] = task.correct[rows[ok], aj[ok]]
    return Samples(task, rows, tokens, answers, aj, rewards, n)
