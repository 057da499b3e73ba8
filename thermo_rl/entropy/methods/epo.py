"""``epo``: Entropy-regularized Policy Optimization (Xu et al., 2025, arXiv:2509.22576)."""

import math

from ..registry import Control, Param, register
from ._papers import XU_2025_EPO, mean_entropy


def phase_weight(step: int, steps: int) -> float:
    """EPO's phase weight: 1 -> 0.8 slowly over the first half, 0.8 -> 0 fast after.

    ``1 - 0.2 (1 - e^{-2p})`` for ``p = step / (steps // 2)`` in the first half and
    ``0.8 e^{-3p}`` over the second (the public code's
    ``_calculate_epoch_based_entropy_weight``, with the run's steps as its epochs).

    >>> phase_weight(0, 100), round(phase_weight(50, 100), 4), round(phase_weight(100, 100), 4)
    (1.0, 0.8271, 0.0398)
    """
    half = steps // 2
    step = max(0, min(step, steps))
    if step <= half:
        return 1.0 if half == 0 else 1.0 - 0.2 * (1.0 - math.exp(-2.0 * step / half))
    rest = steps - half
    return 0.8 * math.exp(-3.0 * (step - half) / rest)


@register
class Epo(Control):
    r"""An entropy bonus plus a smoothing term that holds the entropy in a band around
    its running average, weighted by training phase.

    Xu, Zhao, Wang, Li, Jin, Jin, Mei, Wan & Metaxas (2025, "EPO: Entropy-regularized
    Policy Optimization for LLM Agents Reinforcement Learning", arXiv:2509.22576; code
    github.com/WujiangXu/EPO). Three mechanisms: (1) an entropy bonus ``c H`` (``c =
    0.001`` in their scripts; trajectory-level over the turns of an agent episode, here
    the **token** entropy of single-turn answers); (2) an entropy-smoothing regularizer
    that penalizes an entropy outside ``[r_min Hbar, r_max Hbar]``, ``Hbar`` the
    average of the entropies measured at the previous steps (their code: 0.5 and 1.5);
    (3) phase-based weighting (:func:`phase_weight`), the smoothing term being active
    from ``phase_start`` (half) of the run on.

    The loss is ``L_PPO - c (H - kappa w_k D(H))`` with ``D`` the distance of the
    measured entropy from the band, so the gradient is that of an entropy bonus with
    coefficient

    .. math:: c_k = c\,(1 - \kappa\, w_k\, s_k), \quad
              s_k = +1 \ (H > r_{max}\bar H),\ -1 \ (H < r_{min}\bar H),\ 0 \text{ inside}:

    a weaker bonus (``kappa w_k >= 1``: a penalty) above the band, a stronger one below.
    Our choice: the public code's smoothing term is a constant (0 inside the band, 0.1
    outside, with no gradient), so it leaves the update unchanged; we use the distance,
    whose gradient is the one above. Working on the bandit (the exact ``c_k grad H``)
    and the language model (``c_k`` times the token entropies) alike.

    Examples
    --------
    >>> from thermo_rl.entropy import make_control, Context
    >>> c = make_control("epo", coef=0.1, phase_start=0.0, phase_weights=False)
    >>> c.update(Context(token_entropy=1.0))          # history: Hbar = 1
    >>> c.entropy_coef(Context(token_entropy=0.5, steps=10)),  \
    ...     c.entropy_coef(Context(token_entropy=1.5, steps=10))
    (0.2, 0.0)
    """

    name = "epo"
    summary = "entropy bonus + smoothing toward a band around the running entropy (EPO)"
    paper = XU_2025_EPO
    params = (
        Param("coef", 0.05, paper=0.001, doc="entropy coefficient c", low=0.0),
        Param("kappa", 1.0, paper=1.0, doc="smoothing coefficient (code: "
              "entropy_smooth_coeff)", low=0.0),
        Param("r_min", 0.8, paper=0.5, doc="lower edge of the band, x running mean",
              low=0.0),
        Param("r_max", 1.2, paper=1.5, doc="upper edge of the band, x running mean",
              low=0.0),
        Param("phase_start", 0.5, paper=0.5, doc="smoothing acts from this share of the "
              "run on", low=0.0, high=1.0),
        Param("phase_weights", True, paper=True, kind="bool",
              doc="weight the smoothing by phase_weight(step, steps)"),
    )
    seed_param = "coef"
    hooks = ("entropy_coef", "update")
    entropy = "token"
    notes = ("the smoothing term is the distance from the band (the public code's is a "
             "constant without gradient); single-turn: token entropy, not per turn")

    def reset(self) -> None:
        self.history = []

    def smoothing_sign(self, ctx) -> int:
        """+1 above the band, -1 below, 0 inside or before the smoothing phase."""
        v = self.values
        if not self.history or ctx.step < v["phase_start"] * ctx.steps:
            return 0
        hbar = sum(self.history) / len(self.history)
        h = mean_entropy(ctx.token_entropy)
        return 1 if h > v["r_max"] * hbar else -1 if h < v["r_min"] * hbar else 0

    def entropy_coef(self, ctx) -> float:
        v = self.values
        w = phase_weight(ctx.step, ctx.steps) if v["phase_weights"] else 1.0
        return v["coef"] * (1.0 - v["kappa"] * w * self.smoothing_sign(ctx))

    def update(self, ctx) -> None:
        self.history.append(mean_entropy(ctx.token_entropy))
