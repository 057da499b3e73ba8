"""``entropy-bonus``: maximize ``<r> + c H``, the free energy of the package's story."""

from ..registry import Control, Paper, Param, register


@register
class EntropyBonus(Control):
    r"""Add ``c`` times the mean token entropy to the objective (subtract it from the loss).

    Maximizing ``<r> + c H`` is maximizing minus the free energy at temperature ``c``;
    for a softmax policy with exact gradients the optimum is ``pi ∝ exp(Q / c)``
    (Williams & Peng, 1991; Mnih et al., 2016, use ``c = 0.01``). In the bandit learner
    the bonus is the exact ``c grad_z H``; in the language loop ``c`` times the mean
    entropy of the sampled (tempered, filtered) per-token distributions, aggregated
    like the policy loss (verl's ``entropy_coeff``). A coefficient near 0.1 flattens
    the tiny model's format tokens and every answer turns malformed.
    """

    name = "entropy-bonus"
    summary = "maximize <r> + c*H (free energy at temperature c)"
    paper = Paper("Mnih et al.", 2016, "Asynchronous Methods for Deep Reinforcement Learning",
                  arxiv="1602.01783")
    params = (Param("coef", 0.05, paper=0.01, doc="entropy coefficient c (nats^-1 of reward)",
                    low=0.0),)
    seed_param = "coef"
    hooks = ("entropy_coef",)
    entropy = "token"

    def entropy_coef(self, ctx) -> float:
        return self.values["coef"]
