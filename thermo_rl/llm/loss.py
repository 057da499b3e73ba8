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
    times the high-entropy mask when ``top_entropy_quantile < 1``
    (:func:`thermo_rl.entropy.high_entropy_mask`), plus ``beta k3`` with
    ``k3 = exp(ref - logp) - (ref - logp) - 1`` (Schulman's estimator of
    ``KL(pi || pi_ref)``), aggregated as

    ``grpo``      mean over each sequence's valid tokens, then over sequences;
    ``dr_grpo``   sum over all valid tokens / (B * max_completion_length);
    ``dapo``      sum over all valid tokens / number of valid tokens.

    The entropy controls (``control=``) act inside it, all through
    :mod:`thermo_rl.entropy` (see :data:`LOSS_CONTROLS`).

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
``pi* = pi_ref e^{r/beta}/Z``. The RL loop therefore also offers the penalty in the
reward, ``r - beta (ln pi(y) - ln pi_ref(y))`` per sequence, whose REINFORCE gradient
is exactly that of ``<r> - beta KL(pi || pi_ref)``.
"""

from __future__ import annotations

from .._validation import check_choice, check_int, check_real
from ..entropy import controls as C
from ..errors import UserError, UserTypeError
from ._torch import require_torch

torch = require_torch()

__all__ = ["CONTROLS", "ESTIMATORS", "LOSS_CONTROLS", "LOSS_TYPES", "SCALE_REWARDS", "compute_advantages",
           "policy_loss_tokens"]

ESTIMATORS = ("rloo", "grpo")
SCALE_REWARDS = ("group", "batch", "none")
LOSS_TYPES = ("grpo", "dr_grpo", "dapo")

#: Controls that act inside the loss and their keyword arguments (defaults sized for
#: toy batches of a few thousand tokens; the papers' values in brackets)::
#:
#:     ``entropy-bonus`` / ``target-entropy``  ``coef`` 0.05: loss -= coef * mean token entropy
#:                       (a coefficient near 0.1 already flattens the format tokens of the tiny
#:                       model to near-uniform and every answer turns malformed)
#:     ``clip-cov``      ``ratio`` 0.1 [2e-4], ``lb`` 0.1 [1], ``ub`` 5 [5], ``seed``: Cui et
#:                       al.'s random draw from the covariance band (tokens already clipped by
#:                       the ratio excluded). Measured on a rollout of 64 prompts x 8 samples
#:                       (2048 tokens, two mini-batches of 1024) of the pretrained small
#:                       model: the band (0.1, 5) holds ~44% of the tokens and the defaults
#:                       drop ~102 per mini-batch (10%); Cui et al.'s band (1, 5) holds ~2%
#:                       and their ratio 2e-4 drops only the floor of one token per mini-batch
#:     ``clip-cov-top``  ``fraction`` 0.02 [2e-4]: the deterministic top fraction by covariance
#:     ``kl-cov``        ``fraction`` 0.02 [2e-3], ``kl_coef`` 1 [1]: ``kl_coef |ln pi - ln pi_old|``
#:                       on the top 2% of tokens by covariance (20 per mini-batch of 1024)
#:     ``clip-higher``   ``eps_high`` 0.28 (DAPO) unless given
#:     ``high-entropy``  ``top_entropy_quantile`` 0.2 unless given (the 80/20 paper)
#:
#: The other names of :data:`CONTROLS` act outside the loss and are
#: accepted here as no-ops.
LOSS_CONTROLS = ("none", "entropy-bonus", "target-entropy", "clip-cov", "clip-cov-top",
                 "kl-cov", "clip-higher", "high-entropy")

#: Every control of the RL loop, selectable by name (:func:`thermo_rl.llm.rl.finetune`):
#: the loss controls above, plus ``entrocraft`` (advantage rejection toward an entropy
#: schedule), ``anneal-temperature`` (a sampling-temperature schedule) and
#: ``kl-penalty`` (``beta KL(pi || pi_ref)``: the free-energy objective).
CONTROLS = LOSS_CONTROLS + ("entrocraft", "anneal-temperature", "kl-penalty")

CONTROL_DEFAULTS = {
    "entropy-bonus": {"coef": 0.05},
    "target-entropy": {"coef": 0.05},
    "clip-cov": {"ratio": 0.1, "lb": 0.1, "ub": 5.0, "seed": None},
    "clip-cov-top": {"fraction": 0.02},
    "kl-cov": {"fraction": 0.02, "kl_coef": 1.0},
}


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


def _flat(x, mask):
    """(B, T) -> (1, B*T): one row, so that covariances center over the whole batch."""
    return x.reshape(1, -1), mask.reshape(1, -1)


def policy_loss_tokens(logp, old_logp, advantages, mask, *, loss_type: str = "grpo",
                       eps_low: float = 0.2, eps_high: float | None = None, beta: float = 0.0,
                       ref_logp=None, entropies=None, top_entropy_quantile: float = 1.0,
                       max_completion_length: int | None = None, control: str | None = None,
                       **control_kwargs):
    """The scalar GRPO-family loss over completion tokens, and diagnostics.

    Parameters
    ----------
    logp : tensor (B, T)
        Log-probabilities of the sampled completion tokens under the current policy
        (autograd flows through it).
    old_logp : tensor (B, T) or None
        Under the policy that sampled them (None: ``logp`` detached, on-policy).
    advantages : tensor (B,) or (B, T)
        One advantage per sequence (broadcast over its tokens), or per token.
    mask : tensor (B, T)
        1 for the completion's tokens (up to and including EOS), 0 for padding.
    loss_type : {"grpo", "dr_grpo", "dapo"}
        Aggregation (module docstring).
    eps_low, eps_high : float
        Ratio clip ``[1 - eps_low, 1 + eps_high]``; ``eps_high`` defaults to
        ``eps_low`` (0.28 with ``control="clip-higher"``).
    beta : float
        Coefficient of the per-token k3 penalty to ``ref_logp``.
    ref_logp : tensor (B, T), optional
        The frozen reference model's log-probabilities (needed when ``beta > 0``).
    entropies : tensor (B, T), optional
        Per-token entropies of the current policy (nats; with autograd for the
        entropy bonus). Needed for ``top_entropy_quantile < 1`` and the entropy
        controls.
    top_entropy_quantile : float in (0, 1]
        Keep the loss only on the tokens in the top quantile of entropy
        (:func:`thermo_rl.entropy.high_entropy_mask`); 1 keeps all.
    max_completion_length : int, optional
        ``dr_grpo``'s constant denominator (default T).
    control : str, optional
        One of :data:`LOSS_CONTROLS` (others are accepted as no-ops), with its
        keyword arguments in ``control_kwargs`` (defaults in :data:`CONTROL_DEFAULTS`).

    Returns
    -------
    loss : 0-d tensor
    info : dict of floats
        ``clip_fraction`` (valid tokens whose clipped branch is active),
        ``selected`` (tokens chosen by Clip-Cov / KL-Cov), ``kl`` (mean k3 to the
        reference, 0 without one), ``entropy`` (mean token entropy), ``ratio``
        (mean rho), ``cov`` (token-level ``Cov(ln pi, A)`` over the batch: the
        entropy mechanism's ``dH ∝ -Cov``), ``tokens`` (valid tokens).
    """
    check_choice(loss_type, "loss_type", LOSS_TYPES)
    control = "none" if control is None else control
    check_choice(control, "control", CONTROLS)
    beta = check_real(beta, "beta", low=0.0)
    if logp.ndim != 2:
        raise UserError(f"logp must have shape (B, T), got {tuple(logp.shape)}")
    B, T = logp.shape
    for name, x in (("old_logp", old_logp), ("mask", mask), ("ref_logp", ref_logp),
                    ("entropies", entropies)):
        if x is not None and tuple(x.shape) != (B, T):
            raise UserError(f"{name} must have the shape of logp {(B, T)}, got "
                             f"{tuple(x.shape)}")
    if advantages.ndim == 1:
        if advantages.shape[0] != B:
            raise UserError(f"advantages must have shape (B,) = ({B},) or (B, T), got "
                             f"{tuple(advantages.shape)}")
        adv = advantages.detach()[:, None].expand(B, T)
    elif tuple(advantages.shape) == (B, T):
        adv = advantages.detach()
    else:
        raise UserError(f"advantages must have shape (B,) or (B, T), got "
                         f"{tuple(advantages.shape)}")
    kw = dict(CONTROL_DEFAULTS.get(control, {}))
    unknown = set(control_kwargs) - set(kw) - {"eps_high"}
    if unknown:
        raise UserTypeError(f"control {control!r} takes no argument(s) {sorted(unknown)}; "
                        f"expected {sorted(kw) or 'none'}")
    kw.update(control_kwargs)
    if control == "clip-higher" and eps_high is None:
        eps_high = 0.28
    eps_high = eps_low if eps_high is None else eps_high
    if control == "high-entropy" and top_entropy_quantile == 1.0:
        top_entropy_quantile = 0.2
    q = check_real(top_entropy_quantile, "top_entropy_quantile", low=0.0, high=1.0,
                   low_open=True)
    if (q < 1.0 or control in ("entropy-bonus", "target-entropy")) and entropies is None:
        raise UserError("entropies are needed for top_entropy_quantile < 1 and the entropy "
                         "controls")
    if beta > 0 and ref_logp is None:
        raise UserError("beta > 0 needs ref_logp (the reference model's log-probs)")
    m = mask.to(logp.dtype)
    old = logp.detach() if old_logp is None else old_logp.detach()

    surr = C.ppo_clip_objective(logp, old, adv, eps_low, eps_high)           # (B, T)
    per_token = -surr
    with torch.no_grad():
        rho = torch.exp(logp.detach() - old)
        unclipped = rho * adv
        clipped_on = (unclipped > surr.detach()) & (m > 0)                    # clip branch wins
    flp, fm = _flat(logp, m)
    fadv = adv.reshape(1, -1)
    selected = torch.zeros(())
    if control == "clip-cov":
        corr = C.clip_cov_band_mask(flp, fadv, fm, lb=kw["lb"], ub=kw["ub"], ratio=kw["ratio"],
                                    exclude=clipped_on.reshape(1, -1), seed=kw["seed"])
        corr = corr.reshape(B, T)
        selected = ((1.0 - corr) * m).sum()
        per_token = per_token * corr
    elif control == "clip-cov-top":
        flow = C.clip_cov_mask(flp, fadv, fm, kw["fraction"]).reshape(B, T)
        selected = (m - flow).sum()
        per_token = per_token * flow + per_token.detach() * (m - flow)      # value kept
    elif control == "kl-cov":
        pen = C.kl_cov_penalty(flp, old.reshape(1, -1), fadv, fm, kw["fraction"],
                               kw["kl_coef"]).reshape(B, T)
        selected = (C.select_top_covariance(flp, fadv, fm, kw["fraction"])).sum()
        per_token = per_token + pen
    if q < 1.0:
        per_token = per_token * C.high_entropy_mask(entropies, m, q)
    kl = torch.zeros(())
    if beta > 0:
        d = ref_logp.detach() - logp
        k3 = torch.exp(d) - d - 1.0
        per_token = per_token + beta * k3
        kl = C.masked_mean(k3.detach(), m)
    if loss_type == "grpo":
        loss = ((per_token * m).sum(-1) / m.sum(-1).clamp(min=1.0)).mean()
    elif loss_type == "dr_grpo":
        L = T if max_completion_length is None else check_int(max_completion_length,
                                                              "max_completion_length", low=1)
        loss = (per_token * m).sum() / (B * L)
    else:
        loss = (per_token * m).sum() / m.sum().clamp(min=1.0)
    if control in ("entropy-bonus", "target-entropy"):
        loss = loss - C.entropy_bonus(entropies=entropies, mask=m, coef=kw["coef"])
    with torch.no_grad():
        cov = C.masked_mean(C.centered_covariance(flp, fadv, fm), fm)
        info = {"clip_fraction": float(C.masked_mean(clipped_on.to(m.dtype), m)),
                "selected": float(selected), "kl": float(kl),
                "entropy": float(C.masked_mean(entropies.detach(), m)) if entropies is not None
                else float("nan"),
                "ratio": float(C.masked_mean(rho, m)), "cov": float(cov),
                "tokens": float(m.sum())}
    return loss, info
