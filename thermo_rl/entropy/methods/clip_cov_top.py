"""``clip-cov-top``: the deterministic top-fraction variant of Clip-Cov."""

from .. import controls as C
from ..registry import Control, Param, register
from ._papers import CUI_2025


@register
class ClipCovTop(Control):
    r"""Weight 0 on the top ``max(1, floor(fraction N))`` valid tokens by centered
    covariance (whatever its sign; the selection KL-Cov uses), 1 elsewhere.

    Not a method of the paper: Cui et al. draw at random from a band (``clip-cov``).
    This variant is deterministic, which makes the bandit's entropy-change prediction
    exact; before version 0.2.0 the bandit learner called it ``clip-cov``.
    """

    name = "clip-cov-top"
    summary = "stop the gradient of the top-covariance tokens (deterministic variant)"
    paper = CUI_2025
    params = (Param("fraction", 0.02, paper=2e-4, doc="share of the valid tokens dropped",
                    low=0.0, high=1.0),)
    hooks = ("token_weights",)
    entropy = "token"
    notes = "deterministic variant of Clip-Cov (not in the paper)"

    def token_weights(self, logp, adv, mask, ctx):
        return C.clip_cov_mask(logp, adv, mask, self.values["fraction"])

    def selected(self, logp, adv, mask, ctx):
        return C.select_top_covariance(logp, adv, mask, self.values["fraction"])
