"""``kl-cov``: Cui et al.'s KL-Cov, a KL penalty on the top-covariance tokens."""

from .. import controls as C
from ..registry import Control, Param, register
from ._papers import CUI_2025


@register
class KLCov(Control):
    r"""verl's ``compute_policy_loss_kl_cov``: every valid token contributes the
    *unclipped* ``-A rho``; the top ``max(1, floor(fraction N))`` valid tokens by centered
    covariance ``(A - mean A)(ln pi - mean ln pi)``, whatever its sign, contribute
    ``-A rho + kl_coef |ln pi - ln pi_old|``; token-mean aggregation.

    With one on-policy update ``ln pi = ln pi_old``: the penalty and its gradient
    (``sign(0) = 0``) vanish and KL-Cov is plain REINFORCE. It acts from the second
    optimizer update on a rollout (mini-batches or several updates per rollout).
    """

    name = "kl-cov"
    summary = "KL penalty |ln pi - ln pi_old| on the top-covariance tokens (Cui et al.)"
    paper = CUI_2025
    params = (
        Param("fraction", 0.02, paper=2e-3, doc="share of the valid tokens penalized "
              "(verl's kl_cov_ratio; 2e-3 for 7B, 2e-4 for 32B models)", low=0.0, high=1.0),
        Param("kl_coef", 1.0, paper=1.0, doc="penalty coefficient (verl's ppo_kl_coef)",
              low=0.0),
    )
    hooks = ("unclipped", "token_penalty")
    entropy = "token"
    unclipped = True
    renamed = {"ratio": "fraction"}

    def token_penalty(self, logp, old_logp, adv, mask, ctx):
        v = self.values
        return C.kl_cov_penalty(logp, old_logp, adv, mask, v["fraction"], v["kl_coef"])

    def penalty_weights(self, logp, old_logp, adv, mask, ctx):
        v = self.values
        return C.kl_cov_weights(logp, old_logp, adv, mask, v["fraction"], v["kl_coef"])

    def selected(self, logp, adv, mask, ctx):
        return C.select_top_covariance(logp, adv, mask, self.values["fraction"])
