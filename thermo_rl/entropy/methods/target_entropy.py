"""``target-entropy``: the entropy coefficient moved to hold a target entropy."""

from ..controls import TargetEntropyControl
from ..registry import Control, Paper, Param, register


@register
class TargetEntropy(Control):
    r"""An entropy bonus whose coefficient ``c`` is the Lagrange multiplier of ``H = target``.

    After each step ``c`` moves by a fixed ``step`` up when the measured token entropy is
    below target and down otherwise (the adaptive entropy coefficient of Skywork-OR1,
    He et al., 2025: step 0.005), or, with ``rate``, by dual ascent
    ``ln c += rate (target - H)`` (soft actor-critic's automatic temperature, Haarnoja
    et al., 2018). The target defaults to ``target_fraction`` times the initial entropy.
    """

    name = "target-entropy"
    summary = "entropy bonus whose coefficient holds a target entropy (adaptive)"
    paper = Paper("He et al.", 2025, "Skywork Open Reasoner 1 Technical Report",
                  arxiv="2505.22312")
    params = (
        Param("target", None, doc="target entropy (nats); default target_fraction x initial",
              low=0.0, optional=True),
        Param("target_fraction", 0.75, doc="target as a fraction of the initial entropy",
              low=0.0, low_open=True),
        Param("coef0", 0.0, paper=0.0, doc="initial coefficient", low=0.0),
        Param("step", 0.002, paper=0.005, doc="fixed step of the coefficient per RL step",
              low=0.0, low_open=True),
        Param("rate", None, doc="dual-ascent rate on ln c instead of the fixed step",
              low=0.0, low_open=True, optional=True),
    )
    seed_param = "coef0"
    hooks = ("entropy_coef", "update")
    entropy = "token"

    def reset(self) -> None:
        self._ctl = None

    def _control(self, ctx) -> TargetEntropyControl:
        if self._ctl is None:
            v = self.values
            target = v["target"]
            if target is None:
                target = v["target_fraction"] * float(ctx.initial["token_entropy"])
            if v["rate"] is None:
                self._ctl = TargetEntropyControl(target, T0=max(v["coef0"], 1e-8),
                                                 step=v["step"])
            else:
                self._ctl = TargetEntropyControl(target, T0=max(v["coef0"], 1e-3),
                                                 rate=v["rate"])
        return self._ctl

    @property
    def target(self):
        return None if self._ctl is None else self._ctl.target

    def entropy_coef(self, ctx) -> float:
        return self._control(ctx).T

    def update(self, ctx) -> None:
        self._control(ctx).update(ctx.token_entropy)
