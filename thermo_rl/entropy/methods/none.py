"""``none``: the reward alone (REINFORCE / GRPO without any entropy control)."""

from ..registry import Control, register


@register
class NoControl(Control):
    """Maximize the reward alone: ``T -> 0``, the policy collapses onto a few modes."""
