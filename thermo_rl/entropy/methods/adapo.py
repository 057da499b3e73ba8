"""``adapo``: ADAPO's adaptive upper clip bound (Petrenko et al., 2026)."""

from ..registry import Control, Param, register
from ._papers import PETRENKO_2026, mean_entropy, target_entropy


@register
class Adapo(Control):
    r"""Adaptive asymmetric clipping: ``eps_high`` moves step by step to hold a target entropy.

    Petrenko et al. (2026, ICLR 2026, arXiv:2603.11682): PPO's ratio clip
    ``[1 - eps_low, 1 + eps_high]`` bounds how far one update can move the entropy, and
    a larger ``eps_high`` lets unlikely tokens with positive advantage grow (DAPO's
    clip-higher, which at a fixed 0.28 lets the entropy run away, +298% in their runs).
    ADAPO raises ``eps_high`` when the measured **token** entropy is below the target and
    lowers it above.

    Not public, our choices: the additive step (``step``), the start at DAPO's 0.28,
    the range ``[eps_min, eps_max]`` and the target (``target_fraction`` x the
    initial token entropy). With one on-policy update per rollout the ratio is 1 and no
    clip is active: like clip-higher, ADAPO acts only with several updates per rollout
    (``epochs > 1`` on the bandit; ``updates_per_rollout`` or ``minibatches > 1``).

    Examples
    --------
    >>> from thermo_rl.entropy import make_control, Context
    >>> c = make_control("adapo", target=1.0, step=0.1)
    >>> c.clip_bounds(0.2, None)
    (0.2, 0.28)
    >>> c.update(Context(token_entropy=0.5)); round(c.eps_high, 2)   # below target: up
    0.38
    """

    name = "adapo"
    summary = "adaptive clip-higher: eps_high moves to hold a target token entropy (ADAPO)"
    paper = PETRENKO_2026
    params = (
        Param("eps_high0", 0.28, paper=0.28, doc="initial upper clip (DAPO's value)", low=0.0),
        Param("step", 0.05, doc="additive change of eps_high per step (not public)",
              low=0.0, low_open=True),
        Param("eps_min", 0.0, doc="smallest eps_high (our choice)", low=0.0),
        Param("eps_max", 5.0, doc="largest eps_high (our choice)", low=0.0),
        Param("target", None, doc="target token entropy (nats); default target_fraction x "
              "initial", low=0.0, optional=True),
        Param("target_fraction", 0.75, doc="target as a fraction of the initial token "
              "entropy", low=0.0, low_open=True),
    )
    hooks = ("clip_bounds", "update")
    entropy = "token"
    notes = ("the update rule of eps_high (additive step, range) and the default target are "
             "our choices; the paper states only its direction")

    def reset(self) -> None:
        self.eps_high = float(self.values["eps_high0"])

    def clip_bounds(self, eps_low, eps_high):
        return eps_low, self.eps_high

    def update(self, ctx) -> None:
        v = self.values
        below = mean_entropy(ctx.token_entropy) < target_entropy(v, ctx)
        e = self.eps_high + (v["step"] if below else -v["step"])
        self.eps_high = float(min(max(e, v["eps_min"]), v["eps_max"]))
