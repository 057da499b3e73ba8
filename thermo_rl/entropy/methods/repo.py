"""``repo``: REPO's decorrelated advantage ``A - beta L`` (Petrenko et al., 2026)."""

from array_api_compat import array_namespace

from .. import controls as C
from ..registry import register
from ._adaptive import DoublingControl, controller_params
from ._papers import PETRENKO_2026


@register
class Repo(DoublingControl):
    r"""Subtract from each advantage a multiple of its centered log-probability.

    Petrenko et al. (2026, "Entropy-Preserving Reinforcement Learning", ICLR 2026,
    arXiv:2603.11682) show that one policy-gradient step changes the entropy by
    ``dH ∝ -E_pi[A L]`` with ``L = ln pi(a) - E_pi[ln pi]``: a calibrated policy (likely
    answers rewarded) loses entropy. REPO, "a family of algorithms that modify the
    advantage function", uses

    .. math:: A_{REPO} = A - \beta\, L, \qquad L_i = \ln\pi(y_i) - \overline{\ln\pi}

    where the mean runs over the group of samples of the same prompt (the sample
    estimate of ``E_pi[ln pi] = -H``), so the group's sample covariance drops by
    ``beta Var(ln pi)`` and its mean advantage is unchanged. ``beta`` follows the paper's
    controller (as for ``repo-r``): doubled after a step whose entropy is below the
    reference, halved above. Here ``ln pi(y)`` is the sequence
    log-probability of the sampled answer (on a bandit, the action's), so this control
    targets the **sequence** entropy. ``beta = Cov(A, ln pi) / Var(ln pi)`` would remove
    the correlation entirely and freeze the entropy at first order, also the decrease
    that learning a task with fewer correct than possible answers needs.

    Not public, our choices: ``beta0 = 0.1`` and ``beta`` kept in ``[1e-4, 1]``; the
    reference is ``target_fraction = 0.5`` x the initial entropy (the paper: the initial
    entropy itself, the ``paper`` preset). On a task whose correct answers are fewer
    than the initial spread the entropy must fall to learn it: against the initial
    entropy the controller grows ``beta`` without end and the policy stops learning
    (equal_best(6, 3): best-arm rate 0.52 after 800 steps); ``repo-r`` (``beta = zeta
    |A|``) is the variant the paper runs.

    Examples
    --------
    >>> import numpy as np
    >>> from thermo_rl.entropy import make_control, Context
    >>> lp = np.log(np.array([[0.5, 0.25, 0.125, 0.125]])); A = np.array([[1., 1., -1., -1.]])
    >>> a = make_control("repo", beta0=1.0).advantages(A, lp, None, Context())
    >>> np.round(a, 4), round(float(a.sum()), 12)
    (array([[ 0.1336,  0.8267, -0.4801, -0.4801]]), 0.0)
    """

    name = "repo"
    summary = "REPO: A - beta (ln pi - group mean), beta doubled/halved to hold the entropy"
    paper = PETRENKO_2026
    params = controller_params("beta", 0.1)
    coef_name = "beta"
    hooks = ("advantages", "update")
    entropy = "sequence"
    notes = ("beta0 and its bounds are not public (our choice); ln pi is the sequence's, "
             "centered over the prompt's group")

    def advantages(self, adv, seq_logp, mask, ctx):
        lp = C._stop(seq_logp)
        xp = array_namespace(lp, adv)
        m = C._mask(mask, lp, xp)
        n = xp.maximum(xp.sum(m, axis=-1, keepdims=True), xp.ones_like(lp[..., :1]))
        L = (lp - xp.sum(lp * m, axis=-1, keepdims=True) / n) * m
        return adv - self.beta * L

