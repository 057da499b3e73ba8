"""``clip-higher``: DAPO's asymmetric PPO clip."""

from ..registry import Control, Paper, Param, register


@register
class ClipHigher(Control):
    r"""The PPO ratio clip ``[1 - eps_low, 1 + eps_high]`` with ``eps_high > eps_low``
    lets unlikely tokens with positive advantage grow (Yu et al., 2025: 0.2 and 0.28).
    With one on-policy update the ratio is 1 and no clip is ever active.
    """

    name = "clip-higher"
    summary = "asymmetric PPO clip, eps_high > eps_low (DAPO)"
    paper = Paper("Yu et al.", 2025, "DAPO: An Open-Source LLM Reinforcement Learning "
                  "System at Scale", arxiv="2503.14476")
    params = (Param("eps_high", 0.28, paper=0.28, doc="upper clip 1 + eps_high", low=0.0),)
    hooks = ("clip_bounds",)
    entropy = "token"

    def clip_bounds(self, eps_low, eps_high):
        return eps_low, self.values["eps_high"]
