r"""Exact answer distributions: the model's probability of every answer, by teacher forcing.

Answers are short, so the whole answer space of a prompt can be scored: the
log-probability of ``answer + EOS`` after the prompt is the sum of the log-probabilities
of its tokens and of EOS (teacher forcing, batched over the tree of answers). The result is the model's
distribution over answers,

.. math::  \pi(a \mid x) = \prod_t \pi(a_t \mid x, a_{<t}) \cdot \pi(\mathrm{EOS} \mid x, a),

a Boltzmann distribution over answers with energy ``-ln pi`` at T = 1. Any string
outside the answer space (wrong length, a stray character, no EOS) goes to one
*invalid* bucket with reward 0, so the distribution over ``answers + [invalid]``
sums to one.

From it, exactly and without sampling noise (:class:`AnswerDistribution`):
pass@1 (the expected reward), pass@k = 1 - (1 - pass@1)^k, the answer entropy, the
coverage of the correct set, the effective number of correct answers, the expected
number of distinct correct answers among n samples, the KL divergence to another
model, and the optimum of KL-regularized RL (:func:`kl_regularized_optimum`)

.. math::  \pi^*(a \mid x) = \pi_{\mathrm{ref}}(a \mid x)\, e^{r(x, a)/\lambda} / Z_\lambda(x),

the Gibbs distribution at temperature lambda (the KL coefficient) with the base model as
prior: it
maximizes :math:`\langle r\rangle_\pi - \lambda\,\mathrm{KL}(\pi\|\pi_{\mathrm{ref}})`,
whose maximum is :math:`\lambda \ln Z_\lambda` (minus the free energy). This is the
language twin of :func:`thermo_rl.bandits.theory.gibbs_policy`. Decoding filters
(:mod:`thermo_rl.llm.decoding`) apply per position, so the distribution that a
decoding method samples from is exact too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .. import metrics
from .._validation import check_int, check_real
from ..errors import UserError, UserTypeError
from ._torch import require_torch
from .tasks import Task, get_task
from .tokenizer import CharTokenizer

__all__ = ["AnswerDistribution", "answer_distribution", "answer_log_probs",
           "free_energy_objective", "kl_regularized_optimum"]


def answer_log_probs(model, task, *, prompts=None, tokenizer=None, decoding=None,
                     max_rows: int = 8192, tree: bool | None = None):
    """``ln pi(answer + EOS | prompt)`` for every prompt and every answer of ``task``.

    The answer space of every task is a product of per-position alphabets, so the
    answers form a tree: the prompt is run once, then each level of the tree one
    token at a time through the KV cache (:meth:`thermo_rl.llm.model.KVCache.expand`
    gives every node its children). For 3-digit answers that is 1 + 10 + 100 + 1000
    one-token steps per prompt instead of 1000 sequences of 8 tokens (7x less work);
    the tests check it against plain teacher forcing.

    Any other model that maps token ids ``(B, T)`` to logits ``(B, T, V)`` (a Hugging
    Face model through :class:`thermo_rl.llm.hf.HFPolicy`), or a tokenizer whose
    tokens are not single characters, is scored by plain batched teacher forcing:
    every ``prompt + answer + EOS``, each encoded on its own by the tokenizer (the
    canonical tokenization), right-padded, one forward pass per chunk of rows.

    Parameters
    ----------
    model : thermo_rl.llm.model.GPT
    task : Task or str
    prompts : sequence of int or str, optional
        A subset of the task's prompts (default all).
    tokenizer : CharTokenizer, optional
    decoding : dict, optional
        Filters of :func:`thermo_rl.llm.decoding.filter_logits` applied at every
        position (e.g. ``{"top_p": 0.9}``): the exact distribution that this
        decoding method samples from. Answers it can never produce get ``-inf``.
    max_rows : int
        Largest batch of tree nodes (or of sequences) evaluated at once (memory bound:
        prompts are processed in chunks).
    tree : bool, optional
        Score through the KV cache tree (the GPT with a character tokenizer) or by
        plain teacher forcing; default: the tree where it applies.

    Returns
    -------
    torch.Tensor (P, A), float64, on the model's device (no gradient)

    Notes
    -----
    Exact means exact on every device: the forward passes run in float32 without
    autocast (whatever precision the model samples in), the KV cache is float32, each
    position's ``log_softmax`` is float32 and the sums over an answer's tokens are
    accumulated in float64. (A Hugging Face model loaded in bf16 still computes in
    bf16; load it with the default float32 for exact metrics.)
    """
    torch = require_torch()
    from .model import GPT, KVCache

    task = get_task(task)
    tok = tokenizer or getattr(model, "tokenizer", None) or CharTokenizer()
    max_rows = check_int(max_rows, "max_rows", low=1)
    pidx = _prompt_ids(task, prompts)
    device = next(model.parameters()).device
    filt = None
    if decoding:
        from .decoding import filter_logits

        def filt(z):
            return filter_logits(z, **decoding)

    if tree is None:
        tree = isinstance(model, GPT) and isinstance(tok, CharTokenizer)
    if not tree:
        return _teacher_forcing_log_probs(model, task, pidx, tok, filt, max_rows)
    if not isinstance(model, GPT):
        raise UserTypeError("tree=True needs the package's GPT (its KV cache); other models "
                            "are scored by teacher forcing (tree=None or False)")
    alphabets, order = _answer_tree(task, tok)
    A = len(task.answers)

    def step_log_probs(logits):
        z = logits[:, -1].float()
        return torch.log_softmax(filt(z) if filt else z, dim=-1)

    chunk = max(1, max_rows // A)
    out = []
    with torch.no_grad(), _float32(device):
        for s in range(0, len(pidx), chunk):
            ids = torch.as_tensor(tok.encode_batch([task.prompts[i] for i in pidx[s:s + chunk]]),
                                  device=device)                      # (p, Lp)
            cache = KVCache(model.config, ids.shape[0], device, torch.float32,
                            length=ids.shape[1] + len(alphabets))
            lp = step_log_probs(model(ids, cache))                    # (nodes, V) float32
            acc = torch.zeros(ids.shape[0], device=device, dtype=torch.float64)
            for alpha in alphabets:                                   # one tree level
                acc = (acc[:, None] + lp[:, alpha].double()).reshape(-1)   # (nodes * c,)
                cache.expand(len(alpha))
                nxt = alpha.to(device).repeat(lp.shape[0])[:, None]  # children, in order
                lp = step_log_probs(model(nxt, cache))
            acc = acc + lp[:, tok.eos_id].double()                    # every leaf ends in EOS
            out.append(acc.view(ids.shape[0], A)[:, order])
    return torch.cat(out)


def _float32(device):
    """Autocast off (even inside a caller's autocast): exact scores run in float32."""
    return require_torch().autocast(device_type=device.type, enabled=False)


_OVERSHOOT = 1e-4                # largest sum of answer probabilities above 1 rescaled silently
_LOGIT_BUDGET = 1 << 25          # logits held at once by teacher forcing (128 MB in float32)


def _teacher_forcing_log_probs(model, task: Task, pidx, tok, filt, max_rows: int):
    """``ln pi(answer + EOS | prompt)`` (P, A) by batched teacher forcing of every pair.

    Rows are ``prompt tokens + answer tokens + EOS``, right-padded (a causal model never
    looks at the padding after a row's end); the scored positions are the answer's and
    EOS. Works for any tokenization, including answers of unequal token length.
    """
    torch = require_torch()
    device = next(model.parameters()).device
    answers = [tok.encode(a, eos=True) for a in task.answers]            # A lists
    prompts = [tok.encode(task.prompts[i]) for i in pidx]
    pairs = [(p, a) for p in prompts for a in answers]                    # (P * A) rows
    longest = max(len(p) for p in prompts) + max(len(a) for a in answers)
    rows = max(1, min(max_rows, _LOGIT_BUDGET // (longest * tok.vocab_size)))
    out = []
    with torch.no_grad(), _float32(device):
        for s in range(0, len(pairs), rows):
            chunk = pairs[s:s + rows]
            n = max(len(p) + len(a) for p, a in chunk)
            x = torch.full((len(chunk), n), tok.pad_id, dtype=torch.long)
            scored = torch.zeros((len(chunk), n), dtype=torch.bool)
            for r, (p, a) in enumerate(chunk):
                x[r, :len(p) + len(a)] = torch.as_tensor(p + a)
                scored[r, len(p):len(p) + len(a)] = True
            x, scored = x.to(device), scored.to(device)
            z = model(x[:, :-1]).float()                                  # (rows, n-1, V)
            lp = torch.log_softmax(filt(z) if filt else z, dim=-1)
            lp = lp.gather(-1, x[:, 1:, None])[..., 0].double()          # (rows, n-1)
            out.append(torch.where(scored[:, 1:], lp, torch.zeros_like(lp)).sum(-1))
    return torch.cat(out).view(len(prompts), len(answers))


def _answer_tree(task: Task, tok: CharTokenizer):
    """Per-position alphabets of the task's answers and the map from the product order
    of those alphabets to the task's answer order (checked: the answer space must be
    exactly the product)."""
    torch = require_torch()
    chars = [sorted({a[t] for a in task.answers}) for t in range(task.answer_length)]
    n_product = int(np.prod([len(c) for c in chars]))
    if n_product != len(task.answers):
        raise UserError(f"task {task.name!r}: the answer space is not a product of "
                         "per-position alphabets; exact scoring needs one")
    import itertools

    product = ["".join(t) for t in itertools.product(*chars)]
    pos = np.array([task.answer_index(a) for a in product])
    if (pos < 0).any():
        raise UserError(f"task {task.name!r}: the answer space is not a product of "
                         "per-position alphabets; exact scoring needs one")
    order = np.empty(len(pos), dtype=np.int64)
    order[pos] = np.arange(len(pos))             # task answer j sits at product index order[j]
    alphabets = [torch.as_tensor(tok.encode("".join(c))) for c in chars]
    return alphabets, torch.as_tensor(order)


def _prompt_ids(task: Task, prompts) -> list[int]:
    if prompts is None:
        return list(range(len(task.prompts)))
    if isinstance(prompts, (str, int, np.integer)):
        prompts = [prompts]
    ids = [task.prompt_index(p) for p in prompts]
    if not ids:
        raise UserError("prompts must name at least one prompt")
    return ids


def answer_distribution(model, task, *, prompts=None, tokenizer=None, decoding=None,
                        max_rows: int = 8192, tree: bool | None = None) -> AnswerDistribution:
    """The exact :class:`AnswerDistribution` of ``model`` on ``task`` (no gradient).

    Examples
    --------
    >>> from thermo_rl.llm.model import build_model
    >>> d = answer_distribution(build_model("tiny", vocab_size=18), "pair-sum")
    >>> d.probs.shape, bool(abs(d.probs.sum(1) + d.invalid - 1).max() < 1e-9)
    ((19, 100), True)
    """
    task = get_task(task)
    was_training = model.training
    model.eval()
    try:
        logp = answer_log_probs(model, task, prompts=prompts, tokenizer=tokenizer,
                                decoding=decoding, max_rows=max_rows, tree=tree)
    finally:
        model.train(was_training)
    pidx = _prompt_ids(task, prompts)
    return AnswerDistribution.from_log_probs(task, pidx, logp.double().cpu().numpy())


@dataclass(frozen=True, eq=False)
class AnswerDistribution:
    """A model's exact distribution over the answers of some prompts of a task.

    Attributes
    ----------
    task : Task
    prompt_ids : ndarray of int (P,)
    probs : ndarray (P, A)
        ``pi(answer | prompt)`` for every answer of the task's answer space.
    invalid : ndarray (P,)
        The mass on every other string (malformed samples), ``1 - probs.sum(1)``.
    """

    task: Task
    prompt_ids: np.ndarray
    probs: np.ndarray
    invalid: np.ndarray

    @classmethod
    def from_log_probs(cls, task, prompt_ids, logp) -> AnswerDistribution:
        p = np.exp(np.asarray(logp, dtype=np.float64))
        s = p.sum(axis=1)
        if s.size and s.max() > 1.0 + _OVERSHOOT:
            raise UserError(f"answer probabilities sum to {s.max():.6g} > 1: the scores were "
                            "not computed in float32 (exact metrics need it)")
        # float32 log-softmax rounding can overshoot 1 by ~1e-6: only that is rescaled
        scale = np.divide(1.0, s, out=np.ones_like(s), where=s > 1.0)
        p = p * scale[:, None]
        return cls(get_task(task), np.asarray(prompt_ids, dtype=np.int64), p,
                   np.clip(1.0 - p.sum(axis=1), 0.0, 1.0))

    @classmethod
    def from_probs(cls, task, prompt_ids, probs, invalid=None) -> AnswerDistribution:
        p = np.asarray(probs, dtype=np.float64)
        inv = np.clip(1.0 - p.sum(1), 0.0, 1.0) if invalid is None else np.asarray(invalid)
        return cls(get_task(task), np.asarray(prompt_ids, dtype=np.int64), p, inv)

    # --- the states: answers plus one invalid bucket -------------------------------
    @property
    def correct(self) -> np.ndarray:
        """``(P, A)`` bool: which answers are correct for each prompt."""
        return self.task.correct[self.prompt_ids]

    @property
    def full(self) -> np.ndarray:
        """``(P, A + 1)``: answer probabilities with the invalid bucket last."""
        return np.concatenate([self.probs, self.invalid[:, None]], axis=1)

    @property
    def rewards(self) -> np.ndarray:
        """``(P, A + 1)`` rewards of the states (the invalid bucket earns 0)."""
        r = self.correct.astype(np.float64)
        return np.concatenate([r, np.zeros((len(r), 1))], axis=1)

    # --- exact metrics, one value per prompt ----------------------------------------
    def pass_at_1(self) -> np.ndarray:
        """Probability that one sample is correct (= the expected reward)."""
        return (self.probs * self.correct).sum(axis=1)

    def pass_at_k(self, k: int) -> np.ndarray:
        """Probability that at least one of ``k`` independent samples is correct."""
        k = check_int(k, "k", low=1)
        return 1.0 - (1.0 - self.pass_at_1()) ** k

    def entropy(self) -> np.ndarray:
        """Answer-level entropy (nats) over the answers and the invalid bucket."""
        return metrics.entropy(self.full, axis=1)

    def correct_distribution(self) -> np.ndarray:
        """``(P, A)``: the distribution restricted to the correct answers, renormalized
        (zero rows where no correct answer has mass)."""
        pc = self.probs * self.correct
        s = pc.sum(axis=1, keepdims=True)
        return np.divide(pc, s, out=np.zeros_like(pc), where=s > 0)

    def coverage(self, threshold: float | None = None) -> np.ndarray:
        """Share of each prompt's correct answers holding at least ``threshold`` of the
        correct mass (default ``0.1 / m`` for m correct answers; see
        :func:`thermo_rl.metrics.coverage`). Collapse onto one answer gives 1/m."""
        pc = self.probs * self.correct
        out = np.zeros(len(pc))
        for i, row in enumerate(pc):
            good = np.flatnonzero(self.correct[i])
            if row.sum() > 0:
                out[i] = metrics.coverage(row, good, threshold=threshold)
        return out

    def effective_correct(self) -> np.ndarray:
        """``exp(H)`` of the distribution restricted to the correct answers: the
        effective number of correct answers the model uses (1 .. m)."""
        return np.exp(metrics.entropy(self.correct_distribution(), axis=1))

    def expected_distinct_correct(self, n: int) -> np.ndarray:
        """Expected number of distinct correct answers among ``n`` independent samples:
        ``sum_{a correct} 1 - (1 - pi_a)^n``."""
        n = check_int(n, "n", low=1)
        return ((1.0 - (1.0 - self.probs) ** n) * self.correct).sum(axis=1)

    def kl(self, other: AnswerDistribution) -> np.ndarray:
        """``KL(self || other)`` (nats) over answers and the invalid bucket, per prompt."""
        if not np.array_equal(self.prompt_ids, other.prompt_ids) or self.task is not other.task:
            raise UserError("KL needs two distributions over the same task and prompts")
        return metrics.kl_divergence(self.full, other.full, axis=1)

    def metrics(self, ks=(1, 8, 64)) -> dict:
        """Prompt-averaged metrics under the package's keys (exact values)."""
        ks = sorted({check_int(k, "k", low=1) for k in ks})
        p1 = self.pass_at_1()
        return {
            "reward": float(p1.mean()),
            "pass@1": float(p1.mean()),
            "pass@k": {int(k): float(self.pass_at_k(k).mean()) for k in ks},
            "coverage": float(self.coverage().mean()),
            "answer_entropy": float(self.entropy().mean()),
            "effective_correct": float(self.effective_correct().mean()),
            "invalid": float(self.invalid.mean()),
        }

    def as_dict(self) -> dict:
        """Plain JSON-ready summary: the task, the prompts and :meth:`metrics`."""
        return {"task": self.task.name,
                "prompts": [self.task.prompts[i] for i in self.prompt_ids],
                **self.metrics()}


def _renamed_beta(kl_penalty, beta, where):
    if beta is not None:
        warnings.warn(f"{where}(beta=...) is now kl_penalty= (the KL coefficient lambda; "
                      f"beta is 1/T in this package)", PendingDeprecationWarning, stacklevel=3)
        return beta if kl_penalty is None else kl_penalty
    if kl_penalty is None:
        raise UserTypeError(f"{where} needs kl_penalty (the KL coefficient lambda)")
    return kl_penalty


def kl_regularized_optimum(ref: AnswerDistribution, kl_penalty: float | None = None, *,
                           beta: float | None = None) -> AnswerDistribution:
    r"""``pi* = pi_ref exp(r / lambda) / Z``: the optimum of ``<r> - lambda KL(pi || pi_ref)``.

    The Gibbs distribution at temperature ``lambda`` (``kl_penalty``) with the reference
    model as the prior (degeneracy) of each answer. ``lambda -> inf`` gives back
    ``pi_ref``; ``lambda -> 0`` puts all mass on the correct answers in proportion to
    ``pi_ref`` (reward maximization with the base model as tie-breaker). Computed in
    log space: finite for any ``lambda > 0``. (``beta=`` is the pre-0.2.0 name.)
    """
    lam = check_real(_renamed_beta(kl_penalty, beta, "kl_regularized_optimum"), "kl_penalty",
                     low=0.0, low_open=True)
    full = ref.full
    with np.errstate(divide="ignore"):
        logw = np.log(full) + ref.rewards / lam
    logw -= logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    w /= w.sum(axis=1, keepdims=True)
    return AnswerDistribution(ref.task, ref.prompt_ids, w[:, :-1], w[:, -1])


def free_energy_objective(pi: AnswerDistribution, ref: AnswerDistribution,
                          kl_penalty: float | None = None, *,
                          beta: float | None = None) -> np.ndarray:
    r"""``<r>_pi - lambda KL(pi || pi_ref)`` per prompt (to maximize; ``lambda = kl_penalty``).

    Its maximum over ``pi`` is ``lambda ln Z`` with ``Z = sum_a pi_ref(a) e^{r(a)/lambda}``,
    reached at :func:`kl_regularized_optimum`; the gap to it is
    ``lambda KL(pi || pi*)``.
    """
    lam = check_real(_renamed_beta(kl_penalty, beta, "free_energy_objective"), "kl_penalty",
                     low=0.0)
    return (pi.full * pi.rewards).sum(axis=1) - lam * pi.kl(ref)
