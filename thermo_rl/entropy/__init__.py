"""Entropy of softmax policies: how it moves under an update, and how to steer it.

One implementation, written against the Python array API (``array_api_compat``),
serves the bandits (NumPy arrays) and the language-model loop (torch tensors with
autograd):

* :mod:`thermo_rl.entropy.dynamics` — the first-order entropy change
  ``dH ≈ -Cov_pi(log pi, dz)`` of a softmax policy under a logit update ``dz``, the
  logit updates of the policy-gradient family and the empirical law
  ``R = -a exp(H) + b`` (Cui et al., 2025, "The Entropy Mechanism of Reinforcement
  Learning for Reasoning Language Models").
* :mod:`thermo_rl.entropy.controls` — entropy bonus, target entropy, Clip-Cov and
  KL-Cov (Cui et al., 2025), asymmetric PPO clipping (clip-higher, DAPO: Yu et al.,
  2025), advantage reshaping to follow an entropy schedule (Entrocraft, "Addressing
  Performance Saturation for LLM RL via Precise Entropy Curve Control") and
  sampling-temperature annealing.
"""

from .controls import (
    CONTROLS,
    TargetEntropyControl,
    centered_covariance,
    clip_cov_band_mask,
    clip_cov_mask,
    entrocraft_mask,
    entropy_bonus,
    high_entropy_mask,
    kl_cov_penalty,
    kl_cov_weights,
    masked_mean,
    policy_gradient_weights,
    policy_loss,
    ppo_clip_objective,
    ppo_clip_weights,
    select_top_covariance,
    tempered_log_probs,
)
from .dynamics import (
    EntropyLawFit,
    entropy_change_exact,
    entropy_change_predicted,
    entropy_gradient,
    fit_entropy_reward_law,
    pg_logit_update,
    predicted_pg_entropy_change,
)

__all__ = [
    "CONTROLS",
    "EntropyLawFit",
    "TargetEntropyControl",
    "centered_covariance",
    "clip_cov_band_mask",
    "clip_cov_mask",
    "entrocraft_mask",
    "entropy_bonus",
    "entropy_change_exact",
    "entropy_change_predicted",
    "entropy_gradient",
    "fit_entropy_reward_law",
    "high_entropy_mask",
    "kl_cov_penalty",
    "kl_cov_weights",
    "masked_mean",
    "pg_logit_update",
    "policy_gradient_weights",
    "policy_loss",
    "ppo_clip_objective",
    "ppo_clip_weights",
    "predicted_pg_entropy_change",
    "select_top_covariance",
    "tempered_log_probs",
]
