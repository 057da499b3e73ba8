"""``clip-cov``: Cui et al.'s Clip-Cov, a random draw from a covariance band."""

from .. import controls as C
from ..registry import Control, Param, register
from ._papers import CUI_2025


@register
class ClipCov(Control):
    r"""Drop the loss of a few random tokens whose centered covariance lies in a band.

    verl's ``compute_policy_loss_clip_cov``: ``c_i = (A_i - mean A)(ln pi_i - mean ln pi)``
    over the valid tokens of the batch; the candidates are the valid tokens with
    ``lb < c_i < ub`` not already clipped by the PPO ratio; ``max(1, floor(ratio N))`` of
    them, drawn uniformly without replacement, get weight 0 (value and gradient), the
    others keep the clipped PPO loss. The paper's values (ratio 2e-4, band (1, 5), with
    group-normalized advantages) select one token per batch of a few thousand, or none
    when no covariance reaches 1; the ``toy`` preset (ratio 0.1, band (0.1, 5)) drops
    about 10% of a toy batch.
    """

    name = "clip-cov"
    summary = "stop the gradient of random tokens in a covariance band (Cui et al.)"
    paper = CUI_2025
    params = (
        Param("ratio", 0.1, paper=2e-4, doc="share of the valid tokens dropped", low=0.0,
              high=1.0),
        Param("lb", 0.1, paper=1.0, doc="lower edge of the covariance band"),
        Param("ub", 5.0, paper=5.0, doc="upper edge of the covariance band"),
    )
    hooks = ("token_weights",)
    entropy = "token"
    paper_run = {"scale_rewards": "group"}

    def token_weights(self, logp, adv, mask, ctx):
        v = self.values
        return C.clip_cov_band_mask(logp, adv, mask, lb=v["lb"], ub=v["ub"], ratio=v["ratio"],
                                    exclude=ctx.clipped, seed=ctx.rng)
