"""``entrocraft``: Entrocraft's advantage-sign rejection to follow an entropy schedule."""

import math

from array_api_compat import array_namespace

from ...errors import UserError
from ..registry import Control, Param, register
from ._papers import LI_2026_ENTROCRAFT, mean_entropy

SHAPES = ("linear", "cosine")


def band_schedule(step: int, steps: int, lower=(0.6, 0.4), upper=(0.7, 0.5),
                  shape: str = "linear") -> tuple[float, float]:
    """Entrocraft's entropy band ``(lower, upper)`` at ``step`` of ``steps``.

    Each edge moves from its first value to its second, linearly in ``step / steps``
    (``grpo_range_linear``) or along ``(1 - cos(pi step / steps)) / 2``
    (``grpo_range_cos``); equal values give a constant band (``grpo_range``).

    >>> band_schedule(0, 10), band_schedule(5, 10)
    ((0.6, 0.7), (0.5, 0.6))
    >>> [round(x, 4) for x in band_schedule(5, 10, shape="cosine")]
    [0.5, 0.6]
    """
    if shape not in SHAPES:
        raise UserError(f"shape must be one of {SHAPES}, got {shape!r}")
    p = step / steps if steps > 0 else 0.0
    if shape == "cosine":
        p = 0.5 * (1.0 - math.cos(math.pi * p))
    return (lower[0] + (lower[1] - lower[0]) * p, upper[0] + (upper[1] - upper[0]) * p)


def _pair(v, name):
    if isinstance(v, str):                     # the CLI's --control-arg lower=0.6:0.4
        v = v.replace(",", ":").split(":")
    try:
        a, b = (float(x) for x in v)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a pair (start, end) of numbers, got {v!r}") from None
    if a < 0 or b < 0:
        raise UserError(f"{name} must be >= 0, got {v!r}")
    return (a, b)


@register
class Entrocraft(Control):
    r"""Keep only positive-advantage samples when the entropy is above a scheduled band,
    only negative-advantage ones when it is below, all of them inside.

    Li, Wang, Ding, Lochab, Grama & Zhang (2026, "Addressing Performance Saturation for
    LLM RL via Precise Entropy Curve Control", arXiv:2604.26326; code
    github.com/lblaoke/entrocraft). A positive-advantage update of a likely sample lowers
    the entropy and a negative-advantage one raises it, so rejecting one sign of the
    advantage distribution steers the entropy. With the measured **token** entropy
    ``H`` (the batch's token mean, as their trainer's ``current_entropy``) and the band
    ``[lower_k, upper_k]`` of step ``k`` (:func:`band_schedule`):

    * ``H > upper_k``: samples with ``A <= 0`` are rejected (advantage 0);
    * ``H < lower_k``: samples with ``A >= 0`` are rejected;
    * otherwise the advantages are unchanged.

    The paper's reference run (``grpo_range_linear``): lower 0.6 -> 0.4, upper 0.7 ->
    0.5 nats, linear: "linear annealing, which starts high and decays to a slightly
    lower target, performs best". Their code switches the estimator instead (RAFT++ above
    the band: the positive part of the reward, no baseline; NSR below: the negative
    part); rejecting by the sign of the given advantages is the paper's
    estimator-agnostic statement of it, and our choice. The ``toy`` preset gives the
    band as fractions of the initial token entropy (``relative``): 0.9 -> 0.7 and 1.0 ->
    0.8. The earlier reading of the abstract is ``entrocraft-abstract``.

    Examples
    --------
    >>> import numpy as np
    >>> from thermo_rl.entropy import make_control, Context
    >>> c = make_control("entrocraft", preset="paper")
    >>> A = np.array([[1.0, -1.0, 0.5, -0.5]]); lp = np.zeros((1, 4))
    >>> c.advantages(A, lp, None, Context(step=0, steps=10, token_entropy=0.9))
    array([[1. , 0. , 0.5, 0. ]])
    >>> c.advantages(A, lp, None, Context(step=0, steps=10, token_entropy=0.3))
    array([[ 0. , -1. ,  0. , -0.5]])
    """

    name = "entrocraft"
    summary = ("Entrocraft: reject one advantage sign when the entropy leaves a scheduled "
               "band (paper's rule)")
    paper = LI_2026_ENTROCRAFT
    params = (
        Param("lower", (0.9, 0.7), paper=(0.6, 0.4), kind="any",
              doc="lower band edge (start, end), or 'start:end'; fractions of the initial "
                  "entropy when relative"),
        Param("upper", (1.0, 0.8), paper=(0.7, 0.5), kind="any",
              doc="upper band edge (start, end)"),
        Param("relative", True, paper=False, kind="bool",
              doc="band in units of the initial token entropy (else nats)"),
        Param("shape", "linear", paper="linear", kind="str", doc="linear or cosine"),
    )
    hooks = ("advantages",)
    entropy = "token"
    notes = ("rejection by the sign of the given advantages (the code swaps in RAFT++ / NSR "
             "estimators); the toy band is relative to the initial entropy")

    def __init__(self, preset: str = "toy", **params):
        super().__init__(preset, **params)
        v = self.values
        v["lower"], v["upper"] = _pair(v["lower"], "lower"), _pair(v["upper"], "upper")
        if v["shape"] not in SHAPES:
            raise UserError(f"shape must be one of {SHAPES}, got {v['shape']!r}")
        if any(lo > hi for lo, hi in zip(v["lower"], v["upper"])):
            raise UserError(f"lower {v['lower']} must not exceed upper {v['upper']}")

    def band(self, ctx) -> tuple[float, float]:
        """The band ``(lower, upper)`` in nats at the step of ``ctx``."""
        v = self.values
        lo, hi = band_schedule(ctx.step, ctx.steps, v["lower"], v["upper"], v["shape"])
        if v["relative"]:
            h0 = float(ctx.initial["token_entropy"])
            lo, hi = lo * h0, hi * h0
        return lo, hi

    def advantages(self, adv, seq_logp, mask, ctx):
        lo, hi = self.band(ctx)
        h = mean_entropy(ctx.token_entropy)
        xp = array_namespace(adv)
        if h > hi:
            return xp.where(adv > 0, adv, xp.zeros_like(adv))
        if h < lo:
            return xp.where(adv < 0, adv, xp.zeros_like(adv))
        return adv
