"""``entrocraft-abstract``: our reading of Entrocraft's abstract (before its code was public)."""

from ...schedules import Linear, parse_schedule
from .. import controls as C
from ..registry import Control, Paper, Param, register


@register
class EntrocraftAbstract(Control):
    r"""Zero the advantage of samples whose covariance term pushes the entropy away
    from its scheduled value, with probability ``min(1, strength |gap|)``
    (:func:`thermo_rl.entropy.entrocraft_mask`).

    Our reading of the paper's abstract ("reshape the advantage distribution by
    rejection sampling so that the entropy follows a schedule"), registered as
    ``entrocraft`` until 0.2.0; the paper's own rule (Li et al., 2026, arXiv:2604.26326,
    and its public code) is now ``entrocraft``. The schedule defaults
    to a linear decay from the initial sequence entropy to ``final_fraction`` of it.
    The control moves the expected first-order entropy change toward the gap's sign
    (it has that sign only when every opposing sample is rejected).
    """

    name = "entrocraft-abstract"
    summary = "covariance-sign rejection toward a scheduled entropy (our reading of the abstract)"
    paper = Paper("Li et al.", 2026, "Addressing Performance Saturation for LLM RL via "
                  "Precise Entropy Curve Control", arxiv="2604.26326")
    params = (
        Param("schedule", None, kind="schedule", optional=True,
              doc="entropy target per step (a schedule spec); default linear decay"),
        Param("final_fraction", 0.75, doc="end of the default schedule, x initial entropy",
              low=0.0),
        Param("strength", 5.0, doc="rejection probability per nat of gap", low=0.0),
    )
    hooks = ("advantages",)
    entropy = "sequence"
    notes = ("read from the abstract; the rejection rule is our choice and differs from the "
             "paper's (see 'entrocraft')")

    def reset(self) -> None:
        self._targets = None

    def targets(self, ctx):
        if self._targets is None:
            s = self.values["schedule"]
            if s is None:
                h0 = float(ctx.initial["sequence_entropy"])
                s = Linear(h0, self.values["final_fraction"] * h0)
            self._targets = parse_schedule(s).temperatures(ctx.steps)
        return self._targets

    def advantages(self, adv, seq_logp, mask, ctx):
        target = float(self.targets(ctx)[ctx.step])
        keep = C.entrocraft_mask(seq_logp, adv, mask, entropy=ctx.sequence_entropy,
                                 target=target, strength=self.values["strength"], seed=ctx.rng)
        return adv * keep
