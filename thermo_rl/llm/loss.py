r"""Advantages and the token-level policy loss of GRPO-family RL, as TRL defines them.

Two pure functions, checked against TRL's ``GRPOTrainer`` (trl 1.16: the advantage
block of ``_generate_and_score_completions`` and ``_compute_loss``):

:func:`compute_advantages`
    GRPO (Shao et al., 2024, "DeepSeekMath"): ``A_i = (r_i - mean_group r) / (std + 1e-4)``
    with the std of the group (``scale_rewards="group"``), of the whole batch
    (``"batch"``) or no division (``"none"``; Dr. GRPO, Liu et al., 2025,
    "Understanding R1-Zero-Like Training: A Critical Perspective"). Stds are
    Bessel-corrected (``ddof = 1``), as TRL's ``nanstd``.
    RLOO (Kool et al., 2019, "Buy 4 REINFORCE Samples, Get a Baseline for Free!";
    Ahmadian et al., 2024, "Back to Basics: Revisiting REINFORCE Style Optimization
    for Learning from Human Feedback in LLMs"): ``A_i = r_i - mean_{j != i} r_j
    = G/(G-1) (r_i - mean_group r)``, the unbiased leave-one-out baseline; the same
    ``scale_rewards`` division may follow. The GRPO group mean includes the sample
    itself, which shrinks the expected gradient by ``1 - 1/G`` (measured in the
    bandits, :class:`thermo_rl.bandits.EntropyPG`).

:func:`policy_loss_tokens`
    ``per_token_loss = -min(rho A, clip(rho, 1 - eps_low, 1 + eps_high) A)`` with
    ``rho = exp(logp - old_logp)`` (:func:`thermo_rl.entropy.ppo_clip_objective`),
    times the control's token weights (Clip-Cov, high-entropy), plus its token
    penalty (KL-Cov), minus an entropy bonus, plus ``lambda k3`` with
    ``k3 = exp(ref - logp) - (ref - logp) - 1`` (Schulman's estimator of
    ``KL(pi || pi_ref)``), aggregated as

    ``grpo``      mean over each sequence's valid tokens, then over sequences;
    ``dr_grpo``   sum over all valid tokens / (B * max_completion_length);
    ``dapo``      sum over all valid tokens / number of valid tokens.

    The entropy controls (``control=``) act inside it through their registered hooks
    (:mod:`thermo_rl.entropy.registry`); the loss itself is
    :func:`thermo_rl.entropy.policy_loss`, the one implementation the bandits share.

**One update per rollout is a no-op for every ratio-based control.** With a single
on-policy update, ``old_logp = logp`` (detached): ``rho = 1`` exactly, no token is
ever clipped, so PPO clipping, clip-higher (``eps_high``) and the KL-Cov penalty
``|ln pi - ln pi_old| = 0`` (whose gradient, ``sign(0) = 0``, vanishes too) change
nothing; the gradient is REINFORCE's ``A grad ln pi``. They act only from the second
optimizer update on the same rollout (``updates_per_rollout > 1`` or mini-batches in
:func:`thermo_rl.llm.rl.finetune`); ``tests/llm/test_rl.py`` checks the gradients are
bit-identical. Clip-Cov, high-entropy masking and the entropy bonus do act on-policy.

**The k3 penalty in the loss is not the gradient of KL(pi || pi_ref).** Its expected
gradient under ``pi`` is ``sum_y pi_ref(y) grad(-ln pi(y))`` per token, the gradient of
the *forward* KL(pi_ref || pi) (Tang & Munos, 2025, "On a Few Pitfalls in KL
Divergence Gradient Estimation for RL"); its fixed point is not the Gibbs optimum
``pi* = pi_ref e^{r/lambda}/Z``. The RL loop therefore also offers the penalty in the
reward, ``r - lambda (ln pi(y) - ln pi_ref(y))`` per sequence, whose REINFORCE gradient
is exactly that of ``<r> - lambda KL(pi || pi_ref)``, and TRL's default ``k3-corrected``
(``rho k3``); see :mod:`thermo_rl.entropy.objective`.
"""

from __future__ import annotations

import warnings

from .._validation import check_choice
from ..entropy.objective import policy_loss
from ..errors import UserError
from ._torch import require_torch
from .rl_config import ESTIMATORS, LOSS_TYPES, SCALE_REWARDS

torch = require_torch()

__all__ = ["ESTIMATORS", "LOSS_TYPES", "SCALE_REWARDS", "compute_advantages",
           "policy_loss_tokens"]


def __getattr__(name):
    if name in ("CONTROLS", "LOSS_CONTROLS", "CONTROL_DEFAULTS"):
        from ..entropy.registry import control_names, describe_controls

        warnings.warn(f"thermo_rl.llm.loss.{name} is replaced by the registry of "
                      f"thermo_rl.entropy (control_names(), describe_controls())",
                      PendingDeprecationWarning, stacklevel=2)
        if name == "CONTROL_DEFAULTS":
            return {d["name"]: {p["name"]: p["default"] for p in d["params"]}
                    for d in describe_controls()}
        return control_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def compute_advantages(rewards, *, estimator: str = "grpo", scale_rewards: str = "group"):
    """Advantages of ``G`` samples per prompt from their rewards.

    Parameters
    ----------
    rewards : tensor or array_like, shape (n_groups, G)
        Rewards of the G samples of each prompt (one group per row).
    estimator : {"grpo", "rloo"}
        ``grpo``: ``r - group mean``; ``rloo``: ``r - mean of the other G - 1``
        ``= G/(G-1) (r - group mean)`` (needs ``G >= 2``).
    scale_rewards : {"group", "batch", "none"}
        Divide by ``std + 1e-4``: the group's std, the whole batch's std, or not at
        all. Bessel-corrected stds (TRL's ``nanstd``).

    Returns
    -------
    torch.Tensor (n_groups, G), float (the rewards' float dtype, float32 otherwise)

    Examples
    --------
    >>> import torch
    >>> r = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    >>> compute_advantages(r, estimator="grpo", scale_rewards="none")
    tensor([[ 0.5000, -0.5000, -0.5000,  0.5000],
            [ 0.0000,  0.0000,  0.0000,  0.0000]])
    >>> compute_advantages(r, estimator="rloo", scale_rewards="none")[0]
    tensor([ 0.6667, -0.6667, -0.6667,  0.6667])
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    check_choice(scale_rewards, "scale_rewards", SCALE_REWARDS)
    r = rewards if isinstance(rewards, torch.Tensor) else torch.as_tensor(rewards)
    if not r.is_floating_point():
        r = r.float()
    if r.ndim != 2 or r.shape[0] < 1 or r.shape[1] < 1:
        raise UserError(f"rewards must have shape (n_groups, G), got {tuple(r.shape)}")
    G = r.shape[1]
    if estimator == "rloo" and G < 2:
        raise UserError("estimator='rloo' needs G >= 2 samples per group")
    if not bool(torch.isfinite(r).all()):
        raise UserError("rewards must be finite")
    adv = r - r.mean(dim=1, keepdim=True)
    if estimator == "rloo":
        adv = adv * (G / (G - 1.0))
    if scale_rewards == "group":
        std = r.std(dim=1, keepdim=True) if G > 1 else torch.zeros_like(r[:, :1])
        adv = adv / (std + 1e-4)
    elif scale_rewards == "batch":
        std = r.std() if r.numel() > 1 else torch.zeros((), dtype=r.dtype)
        adv = adv / (std + 1e-4)
    return adv


def policy_loss_tokens(logp, old_logp, advantages, mask, *, loss_type: str = "dapo",
                       eps_low: float = 0.2, eps_high: float | None = None,
                       kl_penalty: float = 0.0, kl_estimator: str = "k3-corrected",
                       ref_logp=None, entropies=None, max_completion_length: int | None = None,
                       control=None, preset: str | None = None, ctx=None, **control_params):
    """The scalar GRPO-family loss over completion tokens, and diagnostics.

    :func:`thermo_rl.entropy.policy_loss` on a (B, T) batch of tokens, pooled over the
    whole batch for the controls' covariances (Cui et al. center over every token).

    Parameters
    ----------
    logp : tensor (B, T)
        ``ln pi`` of the sampled completion tokens under the current (sampled: tempered,
        filtered) policy, with autograd.
    old_logp : tensor (B, T) or None
        Under the policy that sampled them (None: on-policy, ``rho = 1``).
    advantages : tensor (B,) or (B, T)
        One advantage per sequence (broadcast over its tokens), or per token.
    mask : tensor (B, T)
        1 for the completion's tokens (up to and including EOS), 0 for padding.
    loss_type : {"grpo", "dr_grpo", "dapo"}
        Aggregation (TRL's names).
    eps_low, eps_high : float
        PPO ratio clip.
    kl_penalty, kl_estimator, ref_logp
        ``lambda`` and the ``k3``/``k3-corrected`` penalty to the reference model's
        log-probabilities (``reward`` puts nothing in the loss).
    entropies : tensor (B, T), optional
        Per-token entropies of the sampled distributions (with autograd for bonuses).
    max_completion_length : int, optional
        ``dr_grpo``'s constant denominator (default T).
    control, preset, ctx, **control_params
        A registered control (name or instance) and its parameters; ``ctx`` the step's
        :class:`thermo_rl.entropy.Context`.

    Returns
    -------
    loss : 0-d tensor
    info : dict of floats
        ``clip_fraction``, ``selected``, ``kl``, ``ratio``, ``cov`` (token-level
        ``Cov(ln pi, A)`` over the batch), ``tokens``, ``entropy`` (mean token entropy).
    """
    check_choice(loss_type, "loss_type", tuple(LOSS_TYPES))
    if logp.ndim != 2:
        raise UserError(f"logp must have shape (B, T), got {tuple(logp.shape)}")
    B, T = logp.shape
    for name, x in (("old_logp", old_logp), ("mask", mask), ("ref_logp", ref_logp),
                    ("entropies", entropies)):
        if x is not None and tuple(x.shape) != (B, T):
            raise UserError(f"{name} must have the shape of logp {(B, T)}, got "
                            f"{tuple(x.shape)}")
    if advantages.ndim == 1 and advantages.shape[0] == B:
        adv = advantages.detach()[:, None].expand(B, T)
    elif tuple(advantages.shape) == (B, T):
        adv = advantages.detach()
    else:
        raise UserError(f"advantages must have shape (B,) = ({B},) or (B, T), got "
                        f"{tuple(advantages.shape)}")
    m = mask.to(logp.dtype)
    loss, info = policy_loss(logp, adv, m, old_logp=old_logp, eps_low=eps_low,
                             eps_high=eps_high, control=control, preset=preset,
                             entropies=entropies, ref_logp=ref_logp, kl_coef_ref=kl_penalty,
                             kl_estimator=kl_estimator, aggregation=LOSS_TYPES[loss_type],
                             max_length=max_completion_length, pool=True, ctx=ctx,
                             return_info=True, **control_params)
    with torch.no_grad():
        info["entropy"] = (float((entropies * m).sum() / m.sum().clamp(min=1.0))
                           if entropies is not None else float("nan"))
    return loss, info
