r"""Entropy controls for policy-gradient training, one implementation for NumPy and torch.

Every function takes per-sample (per-token) arrays along the last axis — log-probs
``logp`` of the sampled actions, ``adv`` advantages, ``old_logp`` the log-probs
under the policy that sampled them, ``mask`` (1 for real samples, 0 for padding) —
and is written against the Python array API (``array_api_compat``): the bandit
learner calls it with NumPy arrays, the language-model loop with torch tensors whose
autograd flows through.

These are the kernels of the controls. Each control is one registered class in
:mod:`thermo_rl.entropy.methods` (:mod:`thermo_rl.entropy.registry`) whose hooks call
them; :mod:`thermo_rl.entropy.objective` assembles the policy loss from the hooks
(:func:`~thermo_rl.entropy.objective.policy_loss`, and its gradient weights for the
NumPy bandit learner, :func:`~thermo_rl.entropy.objective.policy_gradient_weights`).

Controls (the entropy mechanism, :mod:`thermo_rl.entropy.dynamics`: entropy falls by
``eta Cov(ln pi, A)`` per step, so each control acts on that covariance or on T):

entropy bonus (:func:`entropy_bonus`)
    Maximize ``<r> + T H``: the free energy ``-F`` of the package's story; the
    optimum is ``pi ∝ exp(Q/T)``.
target entropy (:class:`TargetEntropyControl`)
    T as the Lagrange multiplier of ``H = target``, moved by dual ascent
    (:class:`thermo_rl.schedules.TargetEntropy`; soft actor-critic's automatic
    temperature, Haarnoja et al., 2018), or by a fixed small step up when the entropy
    is below target and down otherwise (``step=``; the adaptive entropy coefficient
    of Skywork-OR1, He et al., 2025).
Clip-Cov and KL-Cov (:func:`clip_cov_band_mask`, :func:`clip_cov_mask`, :func:`kl_cov_penalty`)
    Cui et al. (2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning
    Language Models"): the few samples with the largest centered covariance
    ``(ln pi_i - mean)(A_i - mean)`` drive the entropy collapse; stop their gradient
    (Clip-Cov) or add ``coef |ln pi - ln pi_old|`` on them (KL-Cov).
    :func:`clip_cov_band_mask` is Clip-Cov as Cui et al. define it: a random
    ``ratio`` of the valid samples (at least one) drawn from those whose covariance
    lies in the band ``lb < cov < ub`` (their defaults 2e-4, 1, 5).
    :func:`clip_cov_mask` is a deterministic variant (``clip-cov-top``): the top
    ``fraction`` of valid samples by covariance.
high-entropy masking (:func:`high_entropy_mask`)
    Wang et al. (2025, "Beyond the 80/20 Rule: High-Entropy Minority Tokens Drive
    Effective Reinforcement Learning for LLM Reasoning"): the gradient flows only
    through the tokens whose entropy lies in the top ``top_quantile`` of the batch
    (TRL's ``top_entropy_quantile``; they keep 20%).
clip-higher (:func:`ppo_clip_objective`)
    DAPO (Yu et al., 2025, "DAPO: An Open-Source LLM Reinforcement Learning System at
    Scale"): the PPO ratio clip ``[1 - eps_low, 1 + eps_high]`` with
    ``eps_low < eps_high`` lets unlikely actions with positive advantage grow,
    which counters the collapse.
Entrocraft (:func:`entrocraft_mask`)
    "Addressing Performance Saturation for LLM RL via Precise Entropy Curve
    Control": reshape the batch's advantage distribution by rejection sampling so
    that the entropy follows a schedule. Our reading from the abstract: when the
    entropy is below its target, reject (zero the advantage of) samples whose
    covariance term lowers entropy (``c_i > 0``) with probability
    ``min(1, strength |gap|)``; above target, reject those that raise it
    (``c_i < 0``). This moves the expected first-order change toward the gap's sign.
sampling temperature (:func:`tempered_log_probs`)
    Sample from ``softmax(z / tau)``; anneal ``tau`` with any
    :mod:`thermo_rl.schedules` schedule.

See also "On the Entropy Dynamics in Reinforcement Fine-Tuning of LLMs" (the
covariance between action probability and logit change drives the entropy).
"""

from __future__ import annotations

import math

import numpy as np
from array_api_compat import array_namespace, device

from .._rng import make_rng
from .._validation import check_real, check_temperature
from ..errors import UserError
from ..metrics import _as_array as _arr
from ..metrics import entropy_from_logits, log_softmax
from ..schedules import TargetEntropy

__all__ = [
    "TargetEntropyControl",
    "centered_covariance",
    "clip_cov_band_mask",
    "clip_cov_mask",
    "entrocraft_mask",
    "entropy_bonus",
    "high_entropy_mask",
    "kl_cov_penalty",
    "kl_cov_weights",
    "masked_mean",
    "ppo_clip_objective",
    "ppo_clip_weights",
    "select_top_covariance",
    "tempered_log_probs",
]

def _stop(x):
    """Stop the gradient (torch: ``detach``; NumPy: identity)."""
    return x.detach() if hasattr(x, "detach") else x


def _mask(mask, like, xp):
    if mask is None:
        return xp.ones_like(like)
    m = _arr(mask)
    if not hasattr(m, "shape") or m.shape != like.shape:
        m = xp.broadcast_to(xp.asarray(m, device=device(like)), like.shape)
    return xp.astype(m, like.dtype)


def masked_mean(x, mask=None, axis=None):
    """Mean of ``x`` over entries with ``mask = 1`` (0 where no entry is valid)."""
    x = _arr(x)
    xp = array_namespace(x)
    m = _mask(mask, x, xp)
    num = xp.sum(x * m, axis=axis)
    den = xp.sum(m, axis=axis)
    return num / xp.maximum(den, xp.ones_like(den))


def centered_covariance(logp, adv, mask=None):
    r"""Per-sample centered covariance ``(ln pi_i - mean ln pi)(A_i - mean A)`` (no gradient).

    Means are over the valid samples of the last axis. Their average is
    ``Cov(ln pi, A)``, whose size sets the entropy drop (Cui et al., 2025).
    Masked entries are 0.
    """
    logp, adv = _stop(_arr(logp)), _stop(_arr(adv))
    xp = array_namespace(logp, adv)
    m = _mask(mask, logp, xp)
    lc = logp - masked_mean(logp, m, axis=-1)[..., None]
    ac = adv - masked_mean(adv, m, axis=-1)[..., None]
    return lc * ac * m


def select_top_covariance(logp, adv, mask=None, fraction: float = 2e-3):
    """Boolean array: the top ``max(1, floor(fraction * n_valid))`` valid samples by
    centered covariance, whatever its sign, per row of the last axis.

    verl's KL-Cov selection (``torch.topk`` of ``(A - mean A)(ln pi - mean ln pi)`` over
    the valid tokens, ``k = max(1, int(N * kl_cov_ratio))``); ties go to the earlier
    sample. ``fraction = 0`` selects nothing. Before version 0.2.0 only samples with
    positive covariance could be chosen and the count was rounded up.

    Examples
    --------
    >>> import numpy as np
    >>> logp = np.log(np.array([0.9, 0.5, 0.1, 0.05]))
    >>> select_top_covariance(logp, np.array([2.0, 0.0, -1.0, 1.0]), fraction=0.5)
    array([ True, False,  True, False])
    """
    fraction = check_real(fraction, "fraction", low=0.0, high=1.0)
    logp = _stop(_arr(logp))
    xp = array_namespace(logp)
    m = _mask(mask, logp, xp)
    cov = centered_covariance(logp, adv, m)
    valid = m > 0
    if fraction == 0.0:
        return xp.zeros_like(valid)
    keyed = xp.where(valid, cov, xp.full_like(cov, -math.inf))
    order = xp.argsort(keyed, axis=-1, descending=True, stable=True)
    rank = xp.argsort(order, axis=-1, stable=True)
    n_valid = xp.sum(xp.astype(valid, logp.dtype), axis=-1, keepdims=True)
    n_sel = xp.floor(fraction * n_valid)
    n_sel = xp.where((n_sel < 1) & (n_valid > 0), xp.ones_like(n_sel), n_sel)
    return (xp.astype(rank, logp.dtype) < n_sel) & valid


def clip_cov_mask(logp, adv, mask=None, fraction: float = 2e-4):
    """The top-fraction variant of Clip-Cov (``clip-cov-top``): 1 where the gradient
    flows, 0 for the stopped samples and for padding.

    The stopped samples are :func:`select_top_covariance`'s. Cui et al.'s Clip-Cov is
    :func:`clip_cov_band_mask`.
    """
    logp = _arr(logp)
    xp = array_namespace(logp)
    m = _mask(mask, logp, xp)
    sel = select_top_covariance(logp, adv, m, fraction)
    return m * (1.0 - xp.astype(sel, logp.dtype))


def clip_cov_band_mask(logp, adv, mask=None, *, lb: float = 1.0, ub: float = 5.0,
                       ratio: float = 2e-4, exclude=None, seed=None):
    """Clip-Cov as Cui et al. (2025) define it: 1 where the gradient flows, 0 for the
    dropped samples and for padding.

    Per row of the last axis (flatten a ``(B, T)`` batch of tokens first: Cui et
    al. center over the whole batch), the candidates are the valid samples whose
    centered covariance ``c_i = (ln pi_i - mean)(A_i - mean)``
    (:func:`centered_covariance`) lies strictly inside the band ``lb < c_i < ub``
    and that ``exclude`` does not name (verl passes the tokens already clipped by
    the PPO ratio). ``max(1, floor(ratio * n_valid))`` of them, drawn uniformly at
    random without replacement (all of them when there are fewer), are dropped:
    multiply the per-sample loss by the mask (value and gradient both go, as in
    verl's ``compute_policy_loss_clip_cov``).

    Parameters
    ----------
    logp, adv, mask : arrays (..., n)
    lb, ub : float
        The covariance band (Cui et al.: 1 and 5).
    ratio : float in [0, 1]
        Share of the valid samples to drop (Cui et al.: 2e-4, which with a few
        thousand tokens is the "at least one" floor: one token per batch).
    exclude : array (..., n) of bool or 0/1, optional
        Samples that may not be chosen.
    seed : None, int or numpy Generator

    Examples
    --------
    >>> import numpy as np
    >>> logp = np.log(np.array([0.9, 0.5, 0.1, 0.05]))
    >>> adv = np.array([2.0, 0.0, -1.0, 1.0])
    >>> centered_covariance(logp, adv).round(2)
    array([ 2.13, -0.42,  1.17, -0.74])
    >>> clip_cov_band_mask(logp, adv, lb=1.0, ub=5.0, ratio=0.5, seed=0)  # 2 of the 2 in band
    array([0., 1., 0., 1.])
    >>> int(clip_cov_band_mask(logp, adv, lb=1.0, ub=5.0, ratio=0.25, seed=0).sum())  # 1 of 2
    3
    """
    lb, ub = check_real(lb, "lb"), check_real(ub, "ub")
    if not lb < ub:
        raise UserError(f"the covariance band needs lb < ub, got lb={lb}, ub={ub}")
    ratio = check_real(ratio, "ratio", low=0.0, high=1.0)
    logp = _stop(_arr(logp))
    xp = array_namespace(logp)
    m = _mask(mask, logp, xp)
    cov = centered_covariance(logp, adv, m)
    cand = (m > 0) & (cov > lb) & (cov < ub)
    if exclude is not None:
        cand = cand & ~(_mask(exclude, logp, xp) > 0)
    u = make_rng(seed).random(tuple(logp.shape))
    key = xp.where(cand, xp.asarray(u, dtype=logp.dtype, device=device(logp)),
                   xp.full_like(logp, math.inf))
    order = xp.argsort(key, axis=-1, stable=True)
    rank = xp.astype(xp.argsort(order, axis=-1, stable=True), logp.dtype)
    n_valid = xp.sum(m, axis=-1, keepdims=True)
    n_sel = xp.maximum(xp.floor(ratio * n_valid), xp.ones_like(n_valid))
    if ratio == 0.0:
        n_sel = xp.zeros_like(n_valid)
    drop = cand & (rank < n_sel)
    return m * (1.0 - xp.astype(drop, logp.dtype))


def high_entropy_mask(entropies, mask=None, top_quantile: float = 0.2):
    """1 on the valid samples whose entropy is in the top ``top_quantile``, else 0.

    The threshold is the ``1 - top_quantile`` quantile (linear interpolation, as
    ``torch.quantile`` and ``numpy.quantile``) of the entropies of *all* valid
    entries (the whole batch, not per row); entries at or above it are kept:
    TRL's ``GRPOTrainer.get_high_entropy_mask``. Wang et al. (2025, "Beyond the
    80/20 Rule: High-Entropy Minority Tokens Drive Effective Reinforcement Learning
    for LLM Reasoning") train on the top 20% of tokens (``top_quantile = 0.2``);
    ``top_quantile = 1`` keeps every valid entry.

    Examples
    --------
    >>> import numpy as np
    >>> high_entropy_mask(np.array([0.1, 0.5, 0.9, 1.3, 2.0]), top_quantile=0.4)
    array([0., 0., 0., 1., 1.])
    """
    q = check_real(top_quantile, "top_quantile", low=0.0, high=1.0, low_open=True)
    H = _stop(_arr(entropies))
    xp = array_namespace(H)
    m = _mask(mask, H, xp)
    valid = m > 0
    vals = xp.sort(xp.reshape(H[valid], (-1,)))
    n = vals.shape[0]
    if n == 0:
        return xp.zeros_like(H)
    h = (n - 1) * (1.0 - q)
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    thr = vals[lo] + (h - lo) * (vals[hi] - vals[lo])
    return xp.astype((H >= thr) & valid, H.dtype)


def kl_cov_penalty(logp, old_logp, adv, mask=None, fraction: float = 2e-3, coef: float = 1.0):
    """KL-Cov (Cui et al., 2025): per-sample penalty ``coef |ln pi - ln pi_old|`` on the
    top-``fraction`` covariance samples, 0 elsewhere (autograd flows through ``logp``)."""
    coef = check_real(coef, "coef", low=0.0)
    logp, old_logp = _arr(logp), _arr(old_logp)
    xp = array_namespace(logp, old_logp)
    sel = xp.astype(select_top_covariance(logp, adv, mask, fraction), logp.dtype)
    return coef * xp.abs(logp - old_logp) * sel


def kl_cov_weights(logp, old_logp, adv, mask=None, fraction: float = 2e-3, coef: float = 1.0):
    """Gradient weights of ``-kl_cov_penalty`` with respect to ``logp``:
    ``-coef sign(ln pi - ln pi_old)`` on the selected samples."""
    coef = check_real(coef, "coef", low=0.0)
    logp, old_logp = _stop(_arr(logp)), _stop(_arr(old_logp))
    xp = array_namespace(logp, old_logp)
    sel = xp.astype(select_top_covariance(logp, adv, mask, fraction), logp.dtype)
    return -coef * xp.sign(logp - old_logp) * sel


def _check_eps(eps_low, eps_high):
    lo = check_real(eps_low, "eps_low", low=0.0, high=1.0)
    hi = check_real(eps_high, "eps_high", low=0.0)
    return lo, hi


def ppo_clip_objective(logp, old_logp, adv, eps_low: float = 0.2, eps_high: float = 0.2):
    """Per-sample PPO surrogate ``min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A)``.

    ``rho = exp(ln pi - ln pi_old)``. ``eps_low < eps_high`` is DAPO's clip-higher
    (Yu et al., 2025; they use 0.2 and 0.28). Maximize it (autograd flows through
    ``logp``).
    """
    lo, hi = _check_eps(eps_low, eps_high)
    logp, old_logp, adv = _arr(logp), _arr(old_logp), _arr(adv)
    xp = array_namespace(logp, old_logp, adv)
    rho = xp.exp(logp - old_logp)
    clipped = xp.minimum(xp.maximum(rho, xp.full_like(rho, 1.0 - lo)), xp.full_like(rho, 1.0 + hi))
    return xp.minimum(rho * adv, clipped * adv)


def ppo_clip_weights(logp, old_logp, adv, eps_low: float = 0.2, eps_high: float = 0.2):
    """``d ppo_clip_objective / d logp``: ``rho A`` where the unclipped branch is active,
    else 0 (``A > 0`` and ``rho >= 1 + eps_high``, or ``A < 0`` and ``rho <= 1 - eps_low``)."""
    lo, hi = _check_eps(eps_low, eps_high)
    logp, old_logp, adv = _stop(_arr(logp)), _stop(_arr(old_logp)), _stop(_arr(adv))
    xp = array_namespace(logp, old_logp, adv)
    rho = xp.exp(logp - old_logp)
    active = ((adv > 0) & (rho < 1.0 + hi)) | ((adv < 0) & (rho > 1.0 - lo))
    return xp.where(active, rho * adv, xp.zeros_like(rho))


def entropy_bonus(logits=None, mask=None, coef: float = 1.0, *, entropies=None):
    """``coef`` times the mean entropy (nats) of ``softmax(logits)`` over valid positions.

    ``logits`` has shape ``(..., k)`` and ``mask`` shape ``(...)``. Add it to the
    objective (subtract from the loss): maximizing ``<r> + T H`` with ``coef = T``.
    Give ``entropies`` (shape ``(...)``, computed with autograd) instead of
    ``logits`` when the per-position entropies are already at hand.
    """
    coef = check_real(coef, "coef")
    if (logits is None) == (entropies is None):
        raise UserError("entropy_bonus needs exactly one of logits or entropies")
    H = entropy_from_logits(_arr(logits), axis=-1) if entropies is None else _arr(entropies)
    return coef * masked_mean(H, mask)


def tempered_log_probs(logits, T: float):
    """Log-probabilities of ``softmax(logits / T)`` (sampling temperature ``T``).

    ``T = 0`` is greedy (uniform over the tied maxima, ``-inf`` elsewhere) and
    ``T = inf`` uniform; both are finite-safe.
    """
    T = check_temperature(T, "T", allow_zero=True, allow_inf=True)
    z = _arr(logits)
    xp = array_namespace(z)
    if T == 0.0:
        top = z == xp.max(z, axis=-1, keepdims=True)
        n = xp.sum(xp.astype(top, z.dtype), axis=-1, keepdims=True)
        return xp.where(top, -xp.log(n) + 0.0 * z, xp.full_like(z, -math.inf))
    if math.isinf(T):
        return xp.zeros_like(z) - math.log(z.shape[-1])
    return log_softmax(z / T, axis=-1)


def entrocraft_mask(logp, adv, mask=None, *, entropy, target, strength: float = 5.0,
                    seed=0):
    """Entrocraft-style rejection of samples to steer the entropy toward ``target``.

    Parameters
    ----------
    logp, adv, mask : arrays (..., n)
    entropy : float or array (...)
        The policy's current entropy (nats), one value or one per row.
    target : float or array (...)
        The scheduled entropy for this step (e.g. from a :class:`~thermo_rl.schedules.Linear`).
    strength : float
        Rejection probability per nat of gap (capped at 1).
    seed : int (default 0), None or numpy Generator

    Returns
    -------
    array (..., n)
        1 for accepted samples, 0 for rejected ones and padding; multiply the
        advantages by it.
    """
    strength = check_real(strength, "strength", low=0.0)
    logp = _stop(_arr(logp))
    xp = array_namespace(logp)
    m = _mask(mask, logp, xp)
    cov = centered_covariance(logp, adv, m)
    H, target = _row_values(entropy, "entropy", logp, xp), _row_values(target, "target", logp, xp)
    gap = (target - H)[..., None]
    p_rej = xp.minimum(strength * xp.abs(gap), xp.ones_like(gap))
    u = make_rng(seed).random(tuple(logp.shape))
    u = xp.asarray(u, dtype=logp.dtype, device=device(logp))
    opposing = xp.where(gap > 0, cov > 0, cov < 0)
    reject = opposing & (u < p_rej)
    return m * (1.0 - xp.astype(reject, logp.dtype))


def _row_values(v, name, like, xp):
    """A float or an array of one value per row (shape ``like.shape[:-1]``), checked >= 0."""
    if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool):
        check_real(v, name, low=0.0)
        return xp.full(like.shape[:-1], float(v), dtype=like.dtype, device=device(like))
    a = _stop(_arr(v))
    if hasattr(a, "shape") and tuple(a.shape) == tuple(like.shape[:-1]):
        a = xp.asarray(a, dtype=like.dtype, device=device(like))
        if not bool(xp.all(a >= 0)):
            raise UserError(f"{name} must be >= 0 (nats)")
        return a
    raise UserError(f"{name} must be a number or one value per row, shape "
                     f"{tuple(like.shape[:-1])}")


class TargetEntropyControl:
    """Hold the entropy at ``target`` with T (the entropy-bonus coefficient) as the
    Lagrange multiplier.

    By default T moves by dual ascent, ``log T += rate (target - H)``
    (:class:`thermo_rl.schedules.TargetEntropy`). With ``step`` it moves by a fixed
    amount instead: ``T += step`` when the entropy is below target, ``T -= step``
    otherwise, clipped to ``[T_min, T_max]`` (the adaptive entropy coefficient of
    Skywork-OR1, He et al., 2025, "Skywork Open Reasoner 1 Technical Report").

    Examples
    --------
    >>> c = TargetEntropyControl(target=1.0, T0=0.1, rate=0.5)
    >>> c.update(0.5) > 0.1     # entropy below target: T goes up
    True
    >>> c = TargetEntropyControl(target=1.0, T0=0.1, step=0.01)
    >>> round(c.update(0.5), 3), round(c.update(1.5), 3)
    (0.11, 0.1)
    """

    def __init__(self, target: float, T0: float = 0.1, rate: float = 0.1,
                 T_min: float = 1e-8, T_max: float = 1e8, step: float | None = None):
        self.schedule = TargetEntropy(T0, target, rate=rate, T_min=T_min, T_max=T_max)
        self.step = None if step is None else check_real(step, "step", low=0.0, low_open=True)
        self.T = self.schedule.reset()

    @property
    def target(self) -> float:
        return self.schedule.target

    def update(self, measured_entropy) -> float:
        """Update and return T after measuring the entropy (nats; a float or 0-d array)."""
        if self.step is None:
            self.T = self.schedule.update(self.T, float(measured_entropy))
        else:
            h = check_real(float(measured_entropy), "measured (entropy)", low=0.0)
            T = self.T + (self.step if h < self.target else -self.step)
            self.T = float(min(max(T, self.schedule.T_min), self.schedule.T_max))
        return self.T
