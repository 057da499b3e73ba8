r"""The correctness-diversity map of decoding methods, computed exactly.

Each decoding method (temperature, top-k, top-p, min-p, top-h, combinations) reshapes
the model's next-token distribution; on tasks with enumerable answers the resulting
*answer* distribution is exact (:func:`thermo_rl.llm.exact.answer_distribution`
applies :func:`~thermo_rl.llm.decoding.filter_logits` at every position by teacher
forcing). From it, per setting and averaged over prompts, without sampling noise:

``pass@1``
    the probability that one sample is correct (the expected reward);
``distinct_correct``
    the expected number of distinct correct answers among ``n`` samples,
    ``sum_{a correct} 1 - (1 - pi_a)^n``;
``coverage``
    the share of the correct answers holding at least 0.1/m of the correct mass;
``answer_entropy``
    the entropy (nats) of the answer distribution (invalid strings one bucket);
``effective_correct``
    ``exp`` of the entropy of the distribution restricted to the correct answers.

Lowering the temperature or cutting the tail raises pass@1 and lowers diversity: the
same trade as ``T -> 0`` in a Boltzmann distribution, where only the ground state
survives (greedy decoding is the ``T = 0`` limit). The Pareto front
(:func:`pareto_front`) is the set of settings that no other setting beats on both
pass@1 and the chosen diversity measure.

Examples
--------
>>> import numpy as np
>>> pareto_front(np.array([[0.9, 1.0], [0.5, 3.0], [0.4, 2.0], [0.9, 1.0]])).tolist()
[True, True, False, True]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .._progress import progress_bar
from .._validation import check_choice, check_int
from ..errors import UserError, UserTypeError
from .decoding import check_decoding, format_decoding, parse_decoding

__all__ = ["DEFAULT_SETTINGS", "DIVERSITY", "DecodingFrontier", "decoding_frontier",
           "pareto_front"]

#: A sweep of every method over its usual range (spec strings of
#: :func:`~thermo_rl.llm.decoding.parse_decoding`).
DEFAULT_SETTINGS = (
    "greedy", "temperature:0.5", "temperature:0.7", "sample", "temperature:1.5",
    "top-k:2", "top-k:4", "top-k:8", "top-k:16",
    "top-p:0.5", "top-p:0.8", "top-p:0.9", "top-p:0.95",
    "min-p:0.4", "min-p:0.2", "min-p:0.1", "min-p:0.05",
    "top-h:0.2", "top-h:0.4", "top-h:0.6", "top-h:0.8",
)

#: Diversity measures a front can be drawn against (keys of every row).
DIVERSITY = ("distinct_correct", "coverage", "answer_entropy", "effective_correct")


def pareto_front(points) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (every column maximized).

    Row ``i`` is dominated when another row is ``>=`` in every column and ``>`` in at
    least one; equal rows do not dominate each other (both stay on the front).

    Parameters
    ----------
    points : array (n, d)

    Returns
    -------
    ndarray of bool (n,)
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] == 0:
        raise UserError(f"points must be a non-empty 2-d array (n, d), got shape {pts.shape}")
    if np.isnan(pts).any():
        raise UserError("points must not contain NaN")
    ge = (pts[:, None, :] >= pts[None, :, :]).all(-1)      # ge[j, i]: j >= i everywhere
    gt = (pts[:, None, :] > pts[None, :, :]).any(-1)       # gt[j, i]: j > i somewhere
    return ~(ge & gt).any(axis=0)


def _method(settings: dict) -> str:
    """The family a setting belongs to in the figure: its truncation rule(s), else
    ``temperature`` (greedy and plain sampling included)."""
    names = [n.replace("_", "-") for n in ("top_h", "top_k", "top_p", "min_p")
             if settings[n] is not None]
    if settings["temperature"] == 0.0 or not names:
        return "temperature"
    return "+".join(names)


def _as_settings(item) -> dict:
    if isinstance(item, str):
        return check_decoding(**parse_decoding(item))
    if isinstance(item, dict):
        return check_decoding(**item)
    raise UserTypeError(f"each decoding setting must be a spec string such as 'top-p:0.9' or a "
                    f"dict of filter_logits arguments, got {item!r}")


@dataclass(eq=False)
class DecodingFrontier:
    """pass@1 against diversity for each decoding setting, and the Pareto front.

    Attributes
    ----------
    task : str
    n : int
        Samples per prompt behind ``distinct_correct`` and ``pass@k``.
    diversity : str
        The measure the front is taken on (one of :data:`DIVERSITY`).
    rows : list of dict
        One per setting: ``decoding`` (spec string), ``method`` (family), ``settings``
        (the filter arguments), ``pass@1``, ``pass@k`` ({n: value}), ``coverage``,
        ``answer_entropy``, ``distinct_correct``, ``effective_correct``, ``invalid``,
        all averaged over the prompts, and ``on_front`` (bool).
    seconds : float
    """

    task: str
    n: int
    diversity: str
    rows: list = field(repr=False)
    seconds: float = 0.0

    @property
    def on_front(self) -> np.ndarray:
        return np.array([r["on_front"] for r in self.rows], dtype=bool)

    def front(self) -> list:
        """The rows on the Pareto front, from the most diverse to the most correct."""
        return sorted((r for r in self.rows if r["on_front"]), key=lambda r: r["pass@1"])

    def as_dict(self) -> dict:
        return {"task": self.task, "n": self.n, "diversity": self.diversity,
                "rows": [dict(r, settings=dict(r["settings"])) for r in self.rows],
                "seconds": self.seconds}


def decoding_frontier(model, task, settings=DEFAULT_SETTINGS, *, n: int = 16,
                      diversity: str = "distinct_correct", prompts=None, tokenizer=None,
                      progress: bool = True) -> DecodingFrontier:
    """Exact pass@1 and diversity of ``model`` on ``task`` under each decoding setting.

    Parameters
    ----------
    model : thermo_rl.llm.model.GPT
    task : Task or str
    settings : sequence of str or dict
        Decoding settings: spec strings (``"top-p:0.9"``, ``"temperature:0.8,top-k:4"``,
        ``"greedy"``, ``"sample"``) or dicts of
        :func:`~thermo_rl.llm.decoding.filter_logits` arguments. Default
        :data:`DEFAULT_SETTINGS`.
    n : int
        Samples per prompt for ``distinct_correct`` and ``pass@k``.
    diversity : str
        Measure the Pareto front is taken on, one of :data:`DIVERSITY`.
    prompts : sequence of int or str, optional
        A subset of the task's prompts (default all).
    tokenizer : CharTokenizer, optional
    progress : bool
        A progress bar over the settings.

    Returns
    -------
    DecodingFrontier

    Examples
    --------
    >>> from thermo_rl.llm.model import build_model
    >>> from thermo_rl.llm.tokenizer import CharTokenizer
    >>> m = build_model("tiny", vocab_size=CharTokenizer().vocab_size, seed=0)
    >>> f = decoding_frontier(m, "pair-sum", ["greedy", "sample", "top-k:2"], progress=False)
    >>> [r["decoding"] for r in f.rows], f.rows[0]["method"]
    (['greedy', 'sample', 'top-k:2'], 'temperature')
    """
    from .exact import answer_distribution

    n = check_int(n, "n", low=1)
    check_choice(diversity, "diversity", DIVERSITY)
    if isinstance(settings, (str, dict)):
        settings = [settings]
    parsed = [_as_settings(s) for s in settings]
    if not parsed:
        raise UserError("settings must name at least one decoding setting")
    t0 = time.perf_counter()
    rows = []
    task_name = None
    for s in progress_bar(parsed, desc="decoding settings", progress=progress):
        dec = {k: v for k, v in s.items() if v is not None}
        d = answer_distribution(model, task, prompts=prompts, tokenizer=tokenizer,
                                decoding=dec)
        task_name = d.task.name
        m = d.metrics(ks=(1, n))
        rows.append({"decoding": format_decoding(s), "method": _method(s), "settings": dec,
                     "pass@1": m["pass@1"], "pass@k": {n: m["pass@k"][n]},
                     "coverage": m["coverage"], "answer_entropy": m["answer_entropy"],
                     "distinct_correct": float(d.expected_distinct_correct(n).mean()),
                     "effective_correct": m["effective_correct"], "invalid": m["invalid"]})
    mask = pareto_front([[r["pass@1"], r[diversity]] for r in rows])
    for r, on in zip(rows, mask):
        r["on_front"] = bool(on)
    return DecodingFrontier(task_name, n, diversity, rows, time.perf_counter() - t0)
