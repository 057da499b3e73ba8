r"""Prompt/answer tasks with many correct answers, generated in code, enumerable exactly.

Every task has a small finite answer space (all strings of one fixed length), a
reward checked in code (1 for a correct answer, 0 otherwise) and prompts of varying
difficulty: the number ``m`` of correct answers differs from prompt to prompt. In
the package's language, answers are *states*, the model's log-probability of an
answer is ``-E/T`` and ``m`` is the degeneracy of the ground level: a policy that
maximizes reward alone may put all its mass on one of the ``m`` equally good
answers (collapse), while the free-energy optimum spreads it over all of them.

Tasks (fixed-width prompts so that a batch of prompts is rectangular):

``digit-sum``
    prompt ``S=14:``; an answer is any 3-digit string whose digits sum to S
    (S = 0..27; from 1 correct answer for S = 0 or 27 to 75 for S = 13 or 14).
``pair-sum``
    prompt ``N=12:``; an answer is ``a+b`` with single digits a + b = N
    (N = 0..18; 1 to 10 correct answers, order matters: ``3+9`` and ``9+3``).
``multiples``
    prompt ``k=07:``; an answer is a 2-digit string ``00``..``99`` that is a multiple
    of k (k = 2..25; from 50 correct answers for k = 2 to 4 for k = 25).

The pretraining corpus (:meth:`Task.corpus`) mixes correct answers with near-misses
in known proportions, so that a model trained on it is diverse but imperfect: a
*near-miss* misses the target by a small amount (digit sum off by 1 or 2, a + b off
by 1 or 2, a number 1 or 2 away from a multiple).

Examples
--------
>>> t = get_task("digit-sum")
>>> t.prompts[14], int(t.n_correct[14]), t.reward("S=14:", "509")
('S=14:', 75, 1.0)
>>> t.reward("S=14:", "5x9"), t.reward("S=14:", "5091")
(0.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._rng import make_rng
from .._validation import check_choice, check_int, check_probability
from ..errors import UserError

__all__ = ["TASKS", "Task", "get_task"]

TASKS = ("digit-sum", "pair-sum", "multiples")


@dataclass(frozen=True, eq=False)
class Task:
    """A prompt/answer task: prompts, the enumerated answer space and the reward table.

    Attributes
    ----------
    name : str
    prompts : tuple of str
        All prompts, each of the same length.
    answers : tuple of str
        The whole answer space, each of the same length (the model must also emit EOS).
    targets : ndarray of int, shape (P,)
        The number each prompt asks for (S, N or k).
    correct : ndarray of bool, shape (P, A)
        ``correct[i, j]`` is True when ``answers[j]`` solves ``prompts[i]``; built by
        calling the checker on every pair, so it agrees with :meth:`reward`.
    distance : ndarray of int, shape (P, A)
        How far each answer misses its prompt (0 for correct); near-misses have 1 or 2.
    """

    name: str
    prompts: tuple
    answers: tuple
    targets: np.ndarray
    description: str
    _distance: object = field(repr=False)       # (target, answer) -> int distance

    @cached_property
    def distance(self) -> np.ndarray:
        return np.array([[self._distance(t, a) for a in self.answers] for t in self.targets],
                        dtype=np.int64)

    @cached_property
    def correct(self) -> np.ndarray:
        return self.distance == 0

    @cached_property
    def n_correct(self) -> np.ndarray:
        """Number of correct answers of each prompt (the degeneracy ``m``)."""
        return self.correct.sum(axis=1)

    @cached_property
    def _prompt_index(self) -> dict:
        return {p: i for i, p in enumerate(self.prompts)}

    @cached_property
    def _answer_index(self) -> dict:
        return {a: j for j, a in enumerate(self.answers)}

    @property
    def prompt_length(self) -> int:
        return len(self.prompts[0])

    @property
    def answer_length(self) -> int:
        return len(self.answers[0])

    def prompt_index(self, prompt) -> int:
        """Index of a prompt given as its text (``"S=14:"``) or as an index."""
        if isinstance(prompt, (int, np.integer)) and not isinstance(prompt, bool):
            return check_int(prompt, "prompt", low=0, high=len(self.prompts) - 1)
        if isinstance(prompt, str) and prompt in self._prompt_index:
            return self._prompt_index[prompt]
        raise UserError(f"unknown prompt {prompt!r} for task {self.name!r}; expected e.g. "
                         f"{self.prompts[0]!r} .. {self.prompts[-1]!r}")

    def answer_index(self, answer: str) -> int:
        """Index of ``answer`` in the answer space, or -1 for a malformed string."""
        return self._answer_index.get(answer, -1)

    def reward(self, prompt, answer: str) -> float:
        """1.0 when ``answer`` (a string, EOS stripped) solves ``prompt``, else 0.0."""
        i = self.prompt_index(prompt)
        j = self.answer_index(answer) if isinstance(answer, str) else -1
        return float(j >= 0 and self.correct[i, j])

    def rewards(self, prompt_ids, answers) -> np.ndarray:
        """Vectorized :meth:`reward` over paired prompt indices and answer strings."""
        j = np.array([self.answer_index(a) for a in answers], dtype=np.int64)
        i = np.asarray(prompt_ids, dtype=np.int64)
        ok = j >= 0
        out = np.zeros(len(j))
        out[ok] = self.correct[i[ok], j[ok]]
        return out

    def corpus(self, n: int, *, correct_fraction: float = 0.6, seed=None):
        """``n`` pretraining pairs ``(prompt_index, answer_index)`` in known proportions.

        Prompts are uniform; with probability ``correct_fraction`` the answer is a
        uniformly drawn correct answer, otherwise a uniformly drawn near-miss
        (distance 1 or 2). A model that learns the corpus perfectly has pass@1 =
        ``correct_fraction`` on every prompt and spreads its correct mass evenly.

        Returns
        -------
        prompt_ids, answer_ids : ndarray of int, shape (n,)
        """
        n = check_int(n, "n", low=1)
        q = check_probability(correct_fraction, "correct_fraction")
        rng = make_rng(seed)
        pi = rng.integers(0, len(self.prompts), size=n)
        use_correct = rng.random(n) < q
        u = rng.random(n)
        pools = self._pools
        aj = np.empty(n, dtype=np.int64)
        for i in range(len(self.prompts)):
            for flag, pool in ((True, pools[i][0]), (False, pools[i][1])):
                sel = (pi == i) & (use_correct == flag)
                aj[sel] = pool[(u[sel] * len(pool)).astype(np.int64)]
        return pi, aj

    @cached_property
    def _pools(self):
        d = self.distance
        return [(np.flatnonzero(d[i] == 0), np.flatnonzero((d[i] >= 1) & (d[i] <= 2)))
                for i in range(len(self.prompts))]

    def _prompt_tokens(self, tok) -> np.ndarray:
        """(P, Lp) token ids of every prompt (cached per tokenizer alphabet)."""
        return self._tokens(tok, "prompts", eos=False)

    def _answer_tokens(self, tok) -> np.ndarray:
        """(A, La + 1) token ids of every answer followed by EOS."""
        return self._tokens(tok, "answers", eos=True)

    def _tokens(self, tok, what, eos):
        cache = self.__dict__.setdefault("_token_cache", {})
        key = (tok.cache_key if hasattr(tok, "cache_key") else tok.chars, what)
        if key not in cache:
            cache[key] = tok.encode_batch(getattr(self, what), eos=eos)
        return cache[key]

    def __repr__(self):
        return (f"Task({self.name!r}: {len(self.prompts)} prompts, {len(self.answers)} answers, "
                f"{int(self.n_correct.min())}-{int(self.n_correct.max())} correct per prompt)")


def _digit_sum_task():
    answers = tuple(f"{i:03d}" for i in range(1000))
    return Task("digit-sum", tuple(f"S={s:02d}:" for s in range(28)), answers,
                np.arange(28), "3-digit answers whose digits sum to S",
                _distance=lambda t, a: abs(sum(map(int, a)) - int(t)))


def _pair_sum_task():
    answers = tuple(f"{a}+{b}" for a in range(10) for b in range(10))
    return Task("pair-sum", tuple(f"N={n:02d}:" for n in range(19)), answers,
                np.arange(19), "a+b with single digits a + b = N",
                _distance=lambda t, a: abs(int(a[0]) + int(a[2]) - int(t)))


def _multiples_task():
    answers = tuple(f"{i:02d}" for i in range(100))
    ks = np.arange(2, 26)

    def distance(k, a):
        v, k = int(a), int(k)
        r = v % k
        return min(r, k - r)

    return Task("multiples", tuple(f"k={k:02d}:" for k in ks), answers, ks,
                "2-digit multiples of k", _distance=distance)


_BUILDERS = {"digit-sum": _digit_sum_task, "pair-sum": _pair_sum_task,
             "multiples": _multiples_task}
_CACHE: dict = {}


def get_task(name: str) -> Task:
    """The task called ``name`` (one of :data:`TASKS`); built once and cached."""
    if isinstance(name, Task):
        return name
    check_choice(name, "task", TASKS)
    if name not in _CACHE:
        _CACHE[name] = _BUILDERS[name]()
    return _CACHE[name]
