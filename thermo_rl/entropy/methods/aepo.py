"""``aepo``: Arbitrary Entropy Policy Optimization (Wang et al., 2025, arXiv:2510.08141)."""

from array_api_compat import array_namespace

from ..registry import Control, Param, register
from ._papers import WANG_2025_AEPO, mean_entropy, target_entropy


@register
class Aepo(Control):
    r"""A REINFORCE term on samples drawn at a temperature chosen by the entropy's side
    of a target, in place of an entropy bonus.

    Wang, Li, Bai, Zhang, Cui, Zhao & Wang (2025, "Arbitrary Entropy Policy
    Optimization", arXiv:2510.08141 v1; code github.com/597358816/AEPO):

    .. math::

        \nabla J_{AEPO} = \nabla J_{GRPO}
          + \alpha\, E_{o \sim \pi^{T}}[\nabla \ln \pi_\theta(o|q)\, R(q, o)],
        \qquad T = T_{high} \text{ if } H(\pi_{old}) \le \mathcal{H} \text{ else } T_{low}.

    Each step an extra rollout (the ``extra_rollout`` hook) samples ``share`` of the
    prompts (the code: a quarter), ``group`` samples each, at ``T_high = 1.2`` when the
    measured **token** entropy is at or below the target ``H`` and at ``T_low = 0.8``
    above it. As in the code, the extra samples whose group advantage exceeds
    ``threshold = 0.05`` get advantage ``alpha = 1`` (a one-sided REINFORCE term on
    verified-good samples at the adjusted temperature), the others 0; above the target
    only half of them are kept. They are scored under the policy that learns (the
    run's temperature), so hot samples pull ``pi`` toward a flatter distribution over
    good answers and cold ones toward a sharper one: the entropy settles near ``H``.

    Differences from the code, our choices: the extra samples are *added* to the update
    (the code replaces the first ``sample_num`` samples of the main batch, the paper's
    formula adds the term); the code's cap of 60 samples (then halved above target) is
    replaced by keeping all selected samples below target and the first half of each
    row's above it; the default target is ``target_fraction`` x the initial token
    entropy (the paper sets ``H`` in nats, e.g. 0.75). On a bandit the extra rollout is
    one more group per run.

    Not to be confused with two other "AEPO"s: Agentic Entropy-Balanced Policy
    Optimization (Dong et al., 2025, arXiv:2510.14545) and the AEPO stage of ARES
    (adaptive entropy policy optimization for reasoning length).

    Examples
    --------
    >>> from thermo_rl.entropy import make_control, Context
    >>> c = make_control("aepo", target=1.0)
    >>> c.extra_rollout(Context(token_entropy=0.5)), c.extra_rollout(Context(token_entropy=2.0))
    (1.2, 0.8)
    """

    name = "aepo"
    summary = ("Arbitrary Entropy PO: REINFORCE on good samples drawn hot (H < target) or "
               "cold (H > target)")
    paper = WANG_2025_AEPO
    params = (
        Param("target", None, paper=0.75, doc="target token entropy H (nats); default "
              "target_fraction x initial", low=0.0, optional=True),
        Param("target_fraction", 0.75, doc="target as a fraction of the initial token "
              "entropy", low=0.0, low_open=True),
        Param("T_high", 1.2, paper=1.2, doc="extra-rollout temperature below target",
              low=0.0, low_open=True),
        Param("T_low", 0.8, paper=0.8, doc="extra-rollout temperature above target",
              low=0.0, low_open=True),
        Param("share", 0.25, paper=0.25, doc="share of the step's prompts in the extra "
              "rollout", low=0.0, low_open=True, high=1.0),
        Param("threshold", 0.05, paper=0.05, doc="an extra sample counts when its group "
              "advantage exceeds this"),
        Param("alpha", 1.0, paper=1.0, doc="advantage given to a selected extra sample",
              low=0.0),
    )
    hooks = ("extra_rollout",)
    entropy = "token"
    notes = ("extra samples are added to the update (the code replaces main samples); the "
             "60-sample cap is replaced by 'all below target, half above'; default target "
             "0.75 x initial token entropy")

    @property
    def extra_share(self) -> float:
        return float(self.values["share"])

    def _below(self, ctx) -> bool:
        return mean_entropy(ctx.token_entropy) <= target_entropy(self.values, ctx)

    def extra_rollout(self, ctx):
        v = self.values
        return float(v["T_high"] if self._below(ctx) else v["T_low"])

    def extra_advantages(self, adv, seq_logp, mask, ctx):
        xp = array_namespace(adv)
        sel = adv > self.values["threshold"]
        if not self._below(ctx):                # above target: keep half of each row's
            s = xp.astype(sel, adv.dtype)
            n = xp.sum(s, axis=-1, keepdims=True)
            sel = sel & (xp.cumsum(s, axis=-1) <= xp.floor(n / 2))
        return xp.where(sel, xp.full_like(adv, self.values["alpha"]), xp.zeros_like(adv))
