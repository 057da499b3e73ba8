"""REPO's doubling/halving controller, shared by ``repo`` and ``repo-r``."""

from ..registry import Control, Param
from ._papers import mean_entropy, target_entropy


def controller_params(x: str, x0: float) -> tuple[Param, ...]:
    """The controller's parameters for the coefficient named ``x`` (start ``x0``)."""
    return (
        Param(f"{x}0", x0, doc=f"initial {x} (not public; our choice)", low=0.0),
        Param("factor", 2.0, paper=2.0, doc=f"{x} x factor below target, / factor above",
              low=1.0),
        Param("target", None, doc="reference entropy (nats); default target_fraction x "
              "initial", low=0.0, optional=True),
        Param("target_fraction", 0.5, paper=1.0, doc="reference as a fraction of the "
              "initial sequence entropy (paper: the initial entropy itself)", low=0.0,
              low_open=True),
        Param(f"{x}_min", 1e-4, doc=f"lower bound of {x} (our choice)", low=0.0),
        Param(f"{x}_max", 1.0, doc=f"upper bound of {x} (our choice)", low=0.0),
    )


class DoublingControl(Control):
    """A control with one coefficient (``coef_name``) that REPO's controller moves: times
    ``factor`` after a step whose sequence entropy is below the reference, divided by it
    above, kept in ``[<name>_min, <name>_max]``."""

    coef_name = "beta"

    def reset(self) -> None:
        setattr(self, self.coef_name, float(self.values[f"{self.coef_name}0"]))

    def update(self, ctx) -> None:
        v, name = self.values, self.coef_name
        x = getattr(self, name)
        below = mean_entropy(ctx.sequence_entropy) < target_entropy(v, ctx, "sequence_entropy")
        x = x * v["factor"] if below else x / v["factor"]
        setattr(self, name, float(min(max(x, v[f"{name}_min"]), v[f"{name}_max"])))
