"""``repo-r``: REPO's rescaled advantage with an adaptive ``zeta`` (Petrenko et al., 2026)."""

from array_api_compat import array_namespace

from .. import controls as C
from ..registry import register
from ._adaptive import DoublingControl, controller_params
from ._papers import PETRENKO_2026


@register
class RepoR(DoublingControl):
    r"""REPO-R: ``A' = A - zeta |A| ln pi(y)``, with ``zeta`` doubled or halved each step.

    The practical REPO variant of Petrenko et al. (2026, ICLR 2026, arXiv:2603.11682):
    ``beta = zeta |A|`` in ``A - beta ln pi``, i.e. ``A (1 - zeta ln pi)`` for a positive
    advantage (a rare correct answer is amplified) and ``A (1 + zeta ln pi)`` for a
    negative one (a rare wrong answer is penalized less). After each step ``zeta`` is
    doubled when the measured entropy is below the reference (the paper: the initial
    entropy) and halved above it. ``ln pi`` is the sequence
    log-probability of the sampled answer, so the control targets the **sequence**
    entropy (estimated by ``-mean ln pi(y)`` of the batch; on a bandit, the policy's).

    Not public, our choices: ``zeta0 = 0.05``, ``zeta`` kept in ``[1e-4, 1]``; the
    reference is ``target_fraction = 0.5`` x the initial entropy (the paper: the initial
    entropy itself, the ``paper`` preset). On a task whose correct answers are fewer
    than the initial spread the entropy must fall to learn it: against the initial
    entropy the controller grows ``zeta`` without end and the policy stops learning
    (equal_best(6, 3): best-arm rate 0.52 after 800 steps); the factor ``1 + zeta ln
    pi`` is not clipped (for ``zeta ln pi < -1`` a wrong rare answer is pushed up, as
    the formula says).

    Examples
    --------
    >>> import numpy as np
    >>> from thermo_rl.entropy import make_control, Context
    >>> c = make_control("repo-r", zeta0=0.5)
    >>> lp = np.log(np.array([[0.5, 0.25]])); A = np.array([[1.0, -1.0]])
    >>> np.round(c.advantages(A, lp, None, Context()), 4)      # 1 - 0.5 ln .5, -(1 + .5 ln .25)
    array([[ 1.3466, -0.3069]])
    """

    name = "repo-r"
    summary = "REPO-R: A (1 - zeta sign(A) ln pi), zeta doubled/halved to hold the entropy"
    paper = PETRENKO_2026
    params = controller_params("zeta", 0.05)
    coef_name = "zeta"
    hooks = ("advantages", "update")
    entropy = "sequence"
    notes = ("zeta0, its bounds and the sequence-level ln pi are our choices; the doubling/"
             "halving controller against the initial entropy is the paper's")

    def advantages(self, adv, seq_logp, mask, ctx):
        lp = C._stop(seq_logp)
        xp = array_namespace(lp, adv)
        return adv - self.zeta * xp.abs(adv) * lp

