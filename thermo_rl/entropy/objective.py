r"""The policy loss of the PPO/GRPO family, assembled from a registered control's hooks.

One implementation for NumPy (the bandit learner, through the gradient weights) and
torch (the language-model loop, through autograd), written against the Python array
API. Per sample (token) ``i`` with ``rho_i = exp(clamp(ln pi_i - ln pi_old_i, -20, 20))``
(verl's log-ratio clamp):

.. math::

    \ell_i = -w_i \min(\rho_i A_i, \mathrm{clip}(\rho_i, 1 - \epsilon_{lo}, 1 + \epsilon_{hi}) A_i)
             + \mathrm{pen}_i - c\,H_i + \lambda\,k3_i

with the control's token weights ``w`` (1 by default), clip bounds, per-token penalty
``pen``, entropy coefficient ``c`` (per-token entropies ``H_i``) and KL coefficient
``lambda`` (``k3 = e^{d} - d - 1``, ``d = ln pi_ref - ln pi``; ``k3-corrected`` multiplies
it by ``rho`` as TRL's default ``use_bias_correction_kl``). A control with
``unclipped = True`` (KL-Cov) uses ``rho A`` with no clip. The loss aggregates ``ell``
over the valid samples as verl's ``agg_loss``: ``token-mean`` (DAPO; TRL's ``dapo``),
``seq-mean-token-mean`` (GRPO) or ``seq-mean-token-sum-norm`` (Dr. GRPO: the sum over
all tokens divided by rows x ``max_length``).

**The three KL estimators** (Tang & Munos, 2025, "On a Few Pitfalls in KL Divergence
Gradient Estimation for RL"). Under on-policy sampling:

* ``reward`` — the KL enters the reward, ``r - lambda (ln pi(y) - ln pi_ref(y))`` per
  sequence (the caller subtracts it before the advantages): the REINFORCE gradient is
  exactly that of ``<r> - lambda KL(pi || pi_ref)``; fixed point ``pi*``.
* ``k3`` — ``lambda k3`` per token in the loss (TRL with
  ``use_bias_correction_kl=False``): its expected gradient is that of the *forward*
  KL(pi_ref || pi) per position; its fixed point is not ``pi*``.
* ``k3-corrected`` — ``lambda rho k3`` (TRL's default): the gradient of
  ``E_pi[(ln pi_t - ln pi_ref_t)]`` per position, the reverse KL of each next-token
  distribution at the sampled prefixes. For one-step actions (a bandit, a one-token
  answer) that is the gradient of KL(pi || pi_ref) and the fixed point is ``pi*``;
  over several tokens it omits the credit that later tokens' KL gives earlier ones.
"""

from __future__ import annotations

import math

from array_api_compat import array_namespace

from .._validation import check_choice, check_int, check_real
from ..errors import UserError
from ..metrics import _as_array as _arr
from . import controls as C
from .registry import Context, make_control

__all__ = ["AGGREGATIONS", "KL_ESTIMATORS", "LOG_RATIO_CLAMP", "policy_gradient_weights",
           "policy_loss"]

AGGREGATIONS = ("token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm")
KL_ESTIMATORS = ("reward", "k3", "k3-corrected")
#: verl clamps the log-ratio before exponentiating it.
LOG_RATIO_CLAMP = 20.0


def _pooled(x, pool):
    return x if (x is None or not pool) else x.reshape(1, -1) if hasattr(x, "reshape") else x


def _parts(logp, adv, mask, old_logp, keep, eps_low, eps_high, ctl):
    logp, adv = _arr(logp), C._stop(_arr(adv))
    xp = array_namespace(logp, adv)
    if tuple(adv.shape) != tuple(logp.shape):
        raise UserError(f"adv must have the shape of logp {tuple(logp.shape)}, got "
                        f"{tuple(adv.shape)}")
    m = C._mask(mask, logp, xp)
    if keep is not None:
        m = m * C._mask(keep, logp, xp)
    old = C._stop(logp) if old_logp is None else C._stop(_arr(old_logp))
    lo, hi = ctl.clip_bounds(eps_low, eps_high)
    lo, hi = C._check_eps(lo, lo if hi is None else hi)
    log_ratio = xp.clip(logp - old, -LOG_RATIO_CLAMP, LOG_RATIO_CLAMP)
    rho = xp.exp(log_ratio)
    return xp, logp, adv, m, old, lo, hi, rho


def _hooks(ctl, logp, adv, m, old, ctx, pool):
    """The control's token weights and penalty, computed on the pooled view."""
    shape = logp.shape
    flat = (lambda x: _pooled(x, pool))
    w = ctl.token_weights(flat(logp), flat(adv), flat(m), ctx)
    pen = ctl.token_penalty(flat(logp), flat(old), flat(adv), flat(m), ctx)
    if w is not None:
        w = w.reshape(shape)
    if pen is not None:
        pen = pen.reshape(shape)
    return w, pen


def _context(ctx, entropies, clipped, pool):
    ctx = Context() if ctx is None else ctx
    ctx.entropies = None if entropies is None else _pooled(entropies, pool)
    ctx.clipped = _pooled(clipped, pool)
    return ctx


def policy_loss(logp, adv, mask=None, *, old_logp=None, eps_low: float = 0.2,
                eps_high: float | None = None, control=None, preset: str | None = None,
                keep=None, entropies=None, ref_logp=None, kl_coef_ref: float | None = None,
                kl_estimator: str = "k3-corrected", aggregation: str = "token-mean",
                max_length: int | None = None, pool: bool = False, ctx=None,
                return_info: bool = False, **params):
    """Scalar loss to minimize (torch: ``.backward()``), from a registered control's hooks.

    Parameters
    ----------
    logp : array (..., n)
        ``ln pi`` of the sampled actions/tokens under the current policy, as sampled
        (tempered, filtered); autograd flows through it.
    adv : array (..., n)
        Advantages (no gradient), one per sample (broadcast sequences' first).
    mask : array (..., n), optional
        1 for valid samples, 0 for padding.
    old_logp : array (..., n), optional
        ``ln pi`` under the policy that sampled them (default ``logp`` detached: on-policy,
        ``rho = 1``).
    eps_low, eps_high : float
        PPO ratio clip; ``eps_high`` defaults to ``eps_low``; a control may set them.
    control : str, Control or None
        A name of :func:`thermo_rl.entropy.control_names` (with ``preset`` and its
        parameters in ``**params``, e.g. ``fraction=``, ``kl_coef=`` for ``kl-cov``) or an
        instance (a stateful control keeps its state across steps).
    keep : array (..., n), optional
        Extra 0/1 weights on the valid samples.
    entropies : array (..., n), optional
        Per-sample entropies of the sampled distributions (nats, autograd), for
        entropy bonuses and entropy masks.
    ref_logp, kl_coef_ref, kl_estimator
        The reference model's ``ln pi_ref`` and the KL coefficient ``lambda`` for the
        ``k3``/``k3-corrected`` estimators (module docstring); ``kl_coef_ref`` defaults
        to the control's (``kl-penalty``). ``reward`` puts nothing in the loss.
    aggregation : {"token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm"}
    max_length : int, optional
        ``seq-mean-token-sum-norm``'s constant (default n).
    pool : bool
        Hooks see the whole batch as one row (LLM batches: Cui et al. center the
        covariance over every token of the batch); else each row on its own.
    ctx : Context, optional
        Step information for the hooks (step, rng, measured entropies).
    return_info : bool
        Also return a dict of diagnostics: ``clip_fraction``, ``selected``, ``kl``,
        ``ratio``, ``cov`` (mean centered covariance ``Cov(ln pi, A)``), ``tokens``.

    Examples
    --------
    >>> import numpy as np
    >>> logp = np.log(np.array([[0.5, 0.25, 0.25]])); adv = np.array([[1.0, -1.0, 0.5]])
    >>> float(policy_loss(logp, adv))          # -mean(A) on-policy
    -0.16666666666666666
    """
    ctl = make_control(control, preset=preset, **params)
    xp, logp, adv, m, old, lo, hi, rho = _parts(logp, adv, mask, old_logp, keep, eps_low,
                                                eps_high, ctl)
    check_choice(aggregation, "aggregation", AGGREGATIONS)
    check_choice(kl_estimator, "kl_estimator", KL_ESTIMATORS)
    if ctl.unclipped:
        surr = rho * adv
        clipped = xp.zeros_like(m) > 0
    else:
        clip = xp.clip(rho, 1.0 - lo, 1.0 + hi)
        surr = xp.minimum(rho * adv, clip * adv)
        clipped = (C._stop(rho * adv) > C._stop(surr)) & (m > 0)
    ctx = _context(ctx, entropies, clipped, pool)
    per_token = -surr
    w, pen = _hooks(ctl, logp, adv, m, old, ctx, pool)
    if w is not None:
        per_token = per_token * w
    if pen is not None:
        per_token = per_token + pen
    c = ctl.entropy_coef(ctx)
    if c:
        if entropies is None:
            raise UserError(f"control {ctl.name!r} needs the per-token entropies")
        per_token = per_token - c * _arr(entropies)
    lam = ctl.kl_coef() if kl_coef_ref is None else check_real(kl_coef_ref, "kl_coef_ref",
                                                               low=0.0)
    kl = None
    if lam > 0 and kl_estimator != "reward":
        if ref_logp is None:
            raise UserError("a KL penalty with the k3 estimators needs ref_logp")
        d = C._stop(_arr(ref_logp)) - logp
        kl = xp.exp(d) - d - 1.0
        per_token = per_token + lam * (kl * rho if kl_estimator == "k3-corrected" else kl)
    loss = _aggregate(per_token, m, aggregation, max_length, xp)
    if not return_info:
        return loss
    return loss, _info(ctl, logp, adv, m, rho, clipped, w, kl, ctx, pool, xp)


def _aggregate(per_token, m, aggregation, max_length, xp):
    one = xp.ones_like(xp.sum(m))
    if aggregation == "token-mean":
        return xp.sum(per_token * m) / xp.maximum(xp.sum(m), one)
    if aggregation == "seq-mean-token-mean":
        rows = xp.sum(per_token * m, axis=-1) / xp.maximum(xp.sum(m, axis=-1),
                                                           xp.ones_like(xp.sum(m, axis=-1)))
        return xp.mean(rows)
    n = per_token.shape[-1] if max_length is None else check_int(max_length, "max_length",
                                                                  low=1)
    rows = math.prod(per_token.shape[:-1]) or 1
    return xp.sum(per_token * m) / (rows * n)


def _info(ctl, logp, adv, m, rho, clipped, w, kl, ctx, pool, xp) -> dict:
    lp, a, mm = (C._stop(x) for x in (logp, adv, m))
    sel = 0.0
    if w is not None:
        sel += float(xp.sum(xp.astype((C._stop(w) == 0) & (mm > 0), mm.dtype)))
    chooser = getattr(ctl, "selected", None)
    if chooser is not None and w is None:
        s = chooser(_pooled(lp, pool), _pooled(a, pool), _pooled(mm, pool), ctx)
        sel += float(xp.sum(xp.astype(s, mm.dtype)))
    flp, fa, fm = _pooled(lp, True), _pooled(a, True), _pooled(mm, True)
    cov = C.masked_mean(C.centered_covariance(flp, fa, fm), fm)
    return {"clip_fraction": float(C.masked_mean(xp.astype(clipped, mm.dtype), mm)),
            "selected": sel,
            "kl": 0.0 if kl is None else float(C.masked_mean(C._stop(kl), mm)),
            "ratio": float(C.masked_mean(C._stop(rho), mm)), "cov": float(cov),
            "tokens": float(xp.sum(mm))}


def policy_gradient_weights(logp, adv, mask=None, *, old_logp=None, eps_low: float = 0.2,
                            eps_high: float | None = None, control=None,
                            preset: str | None = None, keep=None, entropies=None, ctx=None,
                            **params):
    """Per-sample weights ``w`` with ``d policy_loss / d logp_i = -w_i / sum(mask)``.

    For :func:`policy_loss` with ``aggregation="token-mean"`` and each row on its own
    (the entropy bonus and the KL to a reference act on the logits directly and are
    left to the learner). A softmax learner without autograd ascends with
    ``dz = lr * sum_i w_i (e_{a_i} - pi) / sum(mask)``.
    """
    ctl = make_control(control, preset=preset, **params)
    xp, logp, adv, m, old, lo, hi, rho = _parts(logp, adv, mask, old_logp, keep, eps_low,
                                                eps_high, ctl)
    if ctl.unclipped:
        g = rho * adv
        clipped = xp.zeros_like(m) > 0
    else:
        active = ((adv > 0) & (rho < 1.0 + hi)) | ((adv < 0) & (rho > 1.0 - lo))
        g = xp.where(active, rho * adv, xp.zeros_like(rho))
        clipped = ~active & (adv != 0) & (m > 0)
    ctx = _context(ctx, entropies, clipped, False)
    tw = ctl.token_weights(logp, adv, m, ctx)
    w = g * m if tw is None else g * tw * m
    pw = ctl.penalty_weights(logp, old, adv, m, ctx)
    if pw is not None:
        w = w + pw * m
    return w
