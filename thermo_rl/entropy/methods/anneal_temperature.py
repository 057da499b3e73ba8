"""``anneal-temperature``: a sampling-temperature schedule."""

from ...schedules import parse_schedule
from ..registry import Control, Param, register


@register
class AnnealTemperature(Control):
    r"""Sample at a temperature that follows a schedule (default ``linear:1.5:1``).

    The policy that learns is the tempered one that samples (log-probabilities,
    entropies and KL of ``softmax(z / tau)``), as TRL and verl score rollouts; only the
    temperature moves. Heating first, then cooling: simulated annealing of the policy.
    """

    name = "anneal-temperature"
    summary = "sampling temperature follows a schedule (heat, then cool)"
    params = (Param("schedule", "linear:1.5:1", kind="schedule",
                    doc="sampling temperature per step"),)
    hooks = ("sampling_temperature",)
    entropy = "token"

    def reset(self) -> None:
        self._temps = None

    def sampling_temperature(self, ctx, T):
        if self._temps is None or len(self._temps) != ctx.steps:
            self._temps = parse_schedule(self.values["schedule"]).temperatures(ctx.steps)
        return float(self._temps[ctx.step])
