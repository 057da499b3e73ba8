r"""Self-training collapse in a language model: fine-tuning on its own samples, generation
after generation.

Every generation draws ``n_samples`` answers per prompt from the current model,
keeps them all (``mode="unfiltered"``) or only the correct ones
(``mode="filtered"``, rejection-sampling fine-tuning as in STaR, Zelikman et al.,
2022), replaces a share ``fresh`` of the training set by fresh pretraining data,
and fine-tunes the model on that set. Its exact answer distribution is measured
after every generation.

The theory is the Wright-Fisher drift of :mod:`thermo_rl.bandits.selftrain`:
with no selection between answers (unfiltered; or filtered, among the equally
good correct answers), a model that refits its own ``n`` samples exactly is the
haploid Wright-Fisher model of population ``n``, whose expected heterozygosity
(Gini-Simpson index) ``h = 1 - sum_a pi_a^2`` decays exactly as

.. math:: E[h_{g}] = (1 - 1/n)^{g}\, h_0 ,

so that answers are lost one by one until one takes over, after about
``-2n sum (1 - p) ln(1 - p)`` generations (Kimura). Filtered, the population of a
prompt is the number of correct samples kept, about ``n pass@1``: a prompt the model
rarely solves drifts fast. A network that fits its
samples only partly (a step ``lambda`` of the way, ``pi' = (1 - lambda) pi + lambda
pi_hat``) drifts with the effective population ``n_e = n / lambda^2``:
:attr:`LMSelfTrainingResult.effective_population` measures it from the decay of
``h``. Fresh data is migration: it holds ``h`` up (Shumailov et al., 2024, "AI
models collapse when trained on recursively generated data", Nature 631, 755;
Gerstgrasser et al., 2024, "Is Model Collapse Inevitable?": accumulating real data
avoids it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._progress import progress_bar
from .._validation import (
    check_choice,
    check_int,
    check_probability,
    check_real,
    checks_input,
    work_starts,
)
from ._torch import require_torch
from .train import answer_loss, make_optimizer

__all__ = ["SELFTRAIN_MODES", "LMSelfTrainingResult", "gini_simpson", "self_train_lm"]

SELFTRAIN_MODES = ("unfiltered", "filtered")


def gini_simpson(p, axis: int = -1):
    """Heterozygosity ``1 - sum p_i^2`` (the chance that two draws differ)."""
    p = np.asarray(p, dtype=np.float64)
    return 1.0 - np.sum(p * p, axis=axis)


@dataclass(eq=False)
class LMSelfTrainingResult:
    """Per-generation exact metrics of :func:`self_train_lm` (row 0: the start).

    ``history`` rows hold ``generation``, ``pass@1``, ``coverage``,
    ``answer_entropy``, ``effective_correct``, ``heterozygosity`` (mean over prompts
    of ``1 - sum pi^2`` over the answers the drift acts on: all answers when
    unfiltered, the renormalized correct ones when filtered), ``sample_pass@1`` (the share
    of correct answers among the samples drawn in that generation, before any filter: the
    pass@1 an exact refit of them would have, unfiltered; NaN in row 0) and
    ``seconds``.
    """

    mode: str
    n_samples: int
    fresh: float
    generations: int
    seed: int
    history: list = field(default_factory=list)
    seconds: float = 0.0

    def series(self, key: str) -> np.ndarray:
        return np.array([row[key] for row in self.history], dtype=float)

    @property
    def population(self) -> np.ndarray:
        """Wright-Fisher population of each generation: ``n_samples`` unfiltered; the
        expected number of correct samples kept, ``n_samples * pass@1``, filtered."""
        if self.mode == "unfiltered":
            return np.full(len(self.history) - 1, float(self.n_samples))
        return np.maximum(1.0, self.n_samples * self.series("pass@1")[:-1])

    @property
    def theory_heterozygosity(self) -> np.ndarray:
        """Wright-Fisher drift of a model that refits its samples exactly:
        ``h_g = h_0 prod_{j <= g} (1 - 1/n_j)`` with :attr:`population` ``n_j``."""
        h0 = self.series("heterozygosity")[0]
        return h0 * np.concatenate([[1.0], np.cumprod(1.0 - 1.0 / self.population)])

    @property
    def effective_population(self) -> float:
        """``n_e`` from a least-squares fit of ``ln h_g = ln h_0 + g ln(1 - 1/n_e)``
        (``inf`` when ``h`` does not decay)."""
        h = self.series("heterozygosity")
        g = np.arange(h.size)
        if h.size < 2 or np.any(h <= 0):
            return math.nan
        slope = float(np.sum(g * (np.log(h) - np.log(h[0]))) / np.sum(g * g))
        return math.inf if slope >= 0 else 1.0 / (1.0 - math.exp(slope))

    def as_dict(self) -> dict:
        return {"mode": self.mode, "n_samples": self.n_samples, "fresh": self.fresh,
                "generations": self.generations, "seed": self.seed, "seconds": self.seconds,
                "effective_population": self.effective_population,
                "history": self.history,
                "theory_heterozygosity": self.theory_heterozygosity.tolist()}


def _row(g, dist, mode, t0, sampled=float("nan")):
    m = dist.metrics(ks=(1,))
    if mode == "filtered":
        h = gini_simpson(dist.correct_distribution(), axis=1)
    else:
        h = gini_simpson(dist.full, axis=1)
    return {"generation": g, "pass@1": m["pass@1"], "coverage": m["coverage"],
            "answer_entropy": m["answer_entropy"], "effective_correct": m["effective_correct"],
            "heterozygosity": float(h.mean()), "sample_pass@1": sampled,
            "seconds": time.perf_counter() - t0}


@checks_input
def self_train_lm(pretrained, *, generations: int = 8, n_samples: int = 32,
                  mode: str = "unfiltered", fresh: float = 0.0, steps: int = 60,
                  batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
                  progress: bool = True) -> LMSelfTrainingResult:
    """Fine-tune a copy of a pretrained model on its own samples for ``generations``.

    Parameters
    ----------
    pretrained : thermo_rl.llm.train.Pretrained
        The starting model (not modified: a copy is trained).
    generations : int
    n_samples : int
        Samples per prompt per generation (the Wright-Fisher population).
    mode : {"unfiltered", "filtered"}
        Keep every well-formed sample, or only the correct ones.
    fresh : float in [0, 1]
        Share of each generation's training set drawn fresh from the pretraining
        corpus (0: pure self-training).
    steps, batch_size, lr : int, int, float
        Fine-tuning per generation: AdamW steps on mini-batches drawn from the set.
    seed : int

    Returns
    -------
    LMSelfTrainingResult
    """
    torch = require_torch()
    import copy

    gens = check_int(generations, "generations", low=1, high=10**4)
    n = check_int(n_samples, "n_samples", low=2, high=10**6)
    check_choice(mode, "mode", SELFTRAIN_MODES)
    fresh = check_probability(fresh, "fresh")
    steps = check_int(steps, "steps", low=1, high=10**7)
    batch_size = check_int(batch_size, "batch_size", low=1, high=10**6)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    seed = check_int(seed, "seed", low=0)
    work_starts()
    model = copy.deepcopy(pretrained.model)
    task, tok = pretrained.task, pretrained.tokenizer
    q = float(pretrained.settings.get("correct_fraction", 0.6))
    device = next(model.parameters()).device
    rng = np.random.default_rng(seed)
    gen = torch.Generator(device=device).manual_seed(seed)
    opt = make_optimizer(model, lr)
    from .exact import answer_distribution
    from .rl import rollout

    t0 = time.perf_counter()
    res = LMSelfTrainingResult(mode, n, fresh, gens, seed)
    res.history.append(_row(0, answer_distribution(model, task, tokenizer=tok), mode, t0))
    for g in progress_bar(range(1, gens + 1), desc=f"self-training ({mode})", progress=progress):
        ro = rollout(model, task, tok, np.arange(len(task.prompts)), n, generator=gen)
        rewards = ro.rewards.reshape(-1).cpu().numpy()
        keep = ro.answers >= 0 if mode == "unfiltered" else rewards > 0
        own = np.stack([ro.prompt_ids[keep], ro.answers[keep]], axis=1)
        n_fresh = round(fresh * len(ro.answers))
        if n_fresh:
            pi, aj = task.corpus(n_fresh, correct_fraction=q, seed=rng)
            own = np.concatenate([own, np.stack([pi, aj], axis=1)])
        if len(own) == 0:
            raise RuntimeError("no sample survived the filter: nothing to train on")
        data = torch.as_tensor(np.concatenate([task._prompt_tokens(tok)[own[:, 0]],
                                               task._answer_tokens(tok)[own[:, 1]]], axis=1),
                               device=device)
        model.train()
        for _ in range(steps):
            idx = torch.as_tensor(rng.integers(0, len(data), size=batch_size), device=device)
            loss = answer_loss(model, data[idx], task.prompt_length)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        # the share of correct answers among this generation's samples (all prompts, before
        # the filter): the pass@1 an exact unfiltered refit would give the model
        res.history.append(_row(g, answer_distribution(model, task, tokenizer=tok), mode, t0,
                                float(rewards.mean())))
    res.seconds = time.perf_counter() - t0
    return res
