"""Entropy of softmax policies: how it moves under an update, and how to steer it.

One implementation, written against the Python array API (``array_api_compat``),
serves the bandits (NumPy arrays) and the language-model loop (torch tensors with
autograd):

* :mod:`thermo_rl.entropy.dynamics` — the first-order entropy change
  ``dH ≈ -Cov_pi(log pi, dz)`` of a softmax policy under a logit update ``dz``, the
  logit updates of the policy-gradient family and the empirical law
  ``R = -a exp(H) + b`` (Cui et al., 2025, "The Entropy Mechanism of Reinforcement
  Learning for Reasoning Language Models").
* :mod:`thermo_rl.entropy.registry` — one registry of controls: each control is one
  class in one file of :mod:`thermo_rl.entropy.methods` with its name, summary, paper,
  parameters (ours beside the paper's) and hooks; :func:`make_control`,
  :func:`control_names`, :func:`describe_controls` (``thermo-rl controls``).
* :mod:`thermo_rl.entropy.objective` — the policy loss assembled from a control's hooks
  (:func:`policy_loss`; :func:`policy_gradient_weights` for NumPy learners).
* :mod:`thermo_rl.entropy.controls` — the kernels: entropy bonus, target entropy, Clip-Cov and
  KL-Cov (Cui et al., 2025), asymmetric PPO clipping (clip-higher, DAPO: Yu et al.,
  2025), advantage reshaping to follow an entropy schedule (Entrocraft, "Addressing
  Performance Saturation for LLM RL via Precise Entropy Curve Control") and
  sampling-temperature annealing.
"""

import warnings

from . import methods  # noqa: F401  (each method registers itself in the registry)
from .controls import (
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
    ppo_clip_objective,
    ppo_clip_weights,
    select_top_covariance,
    tempered_log_probs,
)
from .dynamics import (
    EntropyLawFit,
    entropy_change_exact,
    entropy_change_predicted,
    entropy_change_second_order,
    entropy_gradient,
    fit_entropy_reward_law,
    pg_logit_update,
    predicted_pg_entropy_change,
)
from .objective import AGGREGATIONS, KL_ESTIMATORS, policy_gradient_weights, policy_loss
from .registry import (
    HOOKS,
    PRESETS,
    REGISTRY,
    Context,
    Control,
    Paper,
    Param,
    control_class,
    control_names,
    describe_controls,
    make_control,
    register,
)

__all__ = [
    "AGGREGATIONS",
    "HOOKS",
    "KL_ESTIMATORS",
    "PRESETS",
    "REGISTRY",
    "Context",
    "Control",
    "EntropyLawFit",
    "Paper",
    "Param",
    "TargetEntropyControl",
    "centered_covariance",
    "clip_cov_band_mask",
    "clip_cov_mask",
    "control_class",
    "control_names",
    "describe_controls",
    "entrocraft_mask",
    "entropy_bonus",
    "entropy_change_exact",
    "entropy_change_predicted",
    "entropy_change_second_order",
    "entropy_gradient",
    "fit_entropy_reward_law",
    "high_entropy_mask",
    "kl_cov_penalty",
    "kl_cov_weights",
    "make_control",
    "masked_mean",
    "pg_logit_update",
    "policy_gradient_weights",
    "policy_loss",
    "ppo_clip_objective",
    "ppo_clip_weights",
    "predicted_pg_entropy_change",
    "register",
    "select_top_covariance",
    "tempered_log_probs",
]


def __getattr__(name):
    if name == "CONTROLS":
        warnings.warn("thermo_rl.entropy.CONTROLS is now control_names() (the registry)",
                      PendingDeprecationWarning, stacklevel=2)
        return control_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
