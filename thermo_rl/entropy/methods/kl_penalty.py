"""``kl-penalty``: maximize ``<r> - lambda KL(pi || pi_ref)``, free energy with a prior."""

from ..registry import Control, Paper, Param, register


@register
class KLPenalty(Control):
    r"""The KL-regularized objective ``<r> - lambda KL(pi || pi_ref)``: minus the free energy
    at temperature ``lambda`` with the base model as the prior, whose optimum is
    ``pi* = pi_ref e^{r / lambda} / Z`` (the closed form behind DPO, Rafailov et al.,
    2023). GRPO (Shao et al., 2024) uses ``lambda = 0.04`` with the k3 estimator; the
    learner's ``kl_estimator`` says how the KL enters (``reward``, ``k3``,
    ``k3-corrected``).
    """

    name = "kl-penalty"
    summary = "maximize <r> - lambda*KL(pi || pi_ref): free energy with the base as prior"
    paper = Paper("Shao et al.", 2024, "DeepSeekMath: Pushing the Limits of Mathematical "
                  "Reasoning in Open Language Models", arxiv="2402.03300")
    params = (Param("coef", 0.2, paper=0.04, doc="KL coefficient lambda", low=0.0,
                    low_open=True),)
    hooks = ("kl_coef",)
    entropy = "answer"
    renamed = {"beta": "coef"}

    def kl_coef(self) -> float:
        return self.values["coef"]
