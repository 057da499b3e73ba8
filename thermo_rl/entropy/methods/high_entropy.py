"""``high-entropy``: train only on the high-entropy minority of tokens."""

from ...errors import UserError
from .. import controls as C
from ..registry import Control, Paper, Param, register


@register
class HighEntropy(Control):
    r"""Weight 1 on the valid tokens whose entropy is in the batch's top ``top_quantile``,
    0 elsewhere (TRL's ``top_entropy_quantile``; Wang et al., 2025, keep 20%).
    """

    name = "high-entropy"
    summary = "gradient only through the top-entropy 20% of tokens (80/20 rule)"
    paper = Paper("Wang et al.", 2025, "Beyond the 80/20 Rule: High-Entropy Minority Tokens "
                  "Drive Effective Reinforcement Learning for LLM Reasoning",
                  arxiv="2506.01939")
    params = (Param("top_quantile", 0.2, paper=0.2, doc="share of tokens kept", low=0.0,
                    high=1.0, low_open=True),)
    hooks = ("token_weights",)
    entropy = "token"

    def token_weights(self, logp, adv, mask, ctx):
        if ctx.entropies is None:
            raise UserError("high-entropy needs the per-token entropies")
        return C.high_entropy_mask(ctx.entropies, mask, self.values["top_quantile"])
