r"""How a softmax policy's entropy moves under a logit update (first order, and exactly).

Derivation
----------
For ``pi = softmax(z)`` over k actions and ``H(z) = -sum_a pi_a ln pi_a``,

.. math::

    \partial H / \partial z_b = -\pi_b (\ln \pi_b + H),

so a small logit update ``dz`` changes the entropy by

.. math::

    \Delta H = -\sum_b \pi_b (\ln\pi_b - \langle \ln\pi \rangle_\pi)\, dz_b + O(|dz|^2)
             = -\mathrm{Cov}_{a\sim\pi}(\ln \pi_a,\ dz_a) + O(|dz|^2)

(because ``<ln pi>_pi = -H``). Entropy falls when the update raises the logits of
actions that are already likely. This is the "entropy mechanism" of Cui et al.
(2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning Language
Models"), also derived in "On the Entropy Dynamics in Reinforcement Fine-Tuning of
LLMs" (a discriminant for the entropy change under a single logit update).

Which policy-gradient update gives which formula (``A`` an advantage, ``eta`` the
step size, :func:`pg_logit_update`):

``kind="natural"``  ``dz_a = eta A_a``
    Natural policy gradient for a tabular softmax (Kakade, 2001), the same step as
    mirror descent / soft policy iteration ``pi_new ∝ pi exp(eta A)``. Then
    ``dH ≈ -eta Cov_pi(ln pi, A)``.
``kind="softmax"``  ``dz_a = eta pi_a (A_a - <A>_pi)``
    The exact (expected) vanilla policy gradient of ``<A>_pi`` with respect to the
    logits, since ``d<A>/dz_a = pi_a (A_a - <A>)``. Then
    ``dH ≈ -eta Cov_pi(ln pi, pi (A - <A>)) = -eta sum_a pi_a^2 (ln pi_a + H)(A_a - <A>)``:
    the covariance gains the extra weight ``pi_a`` (Cui et al.'s vanilla-PG case,
    written with ``A`` centered under pi).
``kind="sample"``  ``dz = eta A_a (e_a - pi)``
    One REINFORCE sample ``a ~ pi`` (the gradient of ``A_a ln pi_a``). Its expectation
    over ``a ~ pi`` is the ``softmax`` update, so the expected first-order entropy
    change equals the ``softmax`` formula; each sample's own change is
    ``-Cov_pi(ln pi, dz)`` with this ``dz``.

The change predicted to first order differs from the exact change
(:func:`entropy_change_exact`) by ``O(eta^2)``, so the relative error falls
linearly with the step size (tested).

All functions take NumPy arrays or torch tensors (via ``array_api_compat``),
logits along the last axis, and broadcast over leading axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from array_api_compat import array_namespace, device

from .._validation import as_float_array, check_choice, check_real
from ..errors import UserError
from ..metrics import _as_array as _arr
from ..metrics import entropy_from_log_probs, log_softmax

__all__ = [
    "EntropyLawFit",
    "entropy_change_exact",
    "entropy_change_predicted",
    "entropy_change_second_order",
    "entropy_gradient",
    "fit_entropy_reward_law",
    "pg_logit_update",
    "predicted_pg_entropy_change",
]

PG_KINDS = ("natural", "softmax", "sample")


def entropy_gradient(logits):
    """``dH/dz_b = -pi_b (ln pi_b + H)`` for ``pi = softmax(z)`` (last axis).

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.allclose(entropy_gradient(np.zeros(3)), 0.0))  # uniform: H is stationary
    True
    >>> g = entropy_gradient(np.array([2.0, 0.0, 0.0]))
    >>> bool(g[0] < 0 < g[1])      # raising the likely action lowers H, the others raise it
    True
    """
    z = _arr(logits)
    xp = array_namespace(z)
    logp = log_softmax(z, axis=-1)
    H = entropy_from_log_probs(logp)
    return -xp.exp(logp) * (logp + H[..., None])


def entropy_change_predicted(logits, dz):
    """First-order entropy change ``-Cov_pi(ln pi, dz)`` of ``softmax(logits)`` under ``dz``.

    Parameters
    ----------
    logits, dz : array (..., k)
        Current logits and the logit update (same shape, or broadcastable).

    Returns
    -------
    array (...)
        Predicted ``H(z + dz) - H(z)`` to first order in ``dz`` (nats).
    """
    z, d = _arr(logits), _arr(dz)
    xp = array_namespace(z, d)
    logp = log_softmax(z, axis=-1)
    p = xp.exp(logp)
    mean_logp = xp.sum(p * logp, axis=-1, keepdims=True)
    mean_dz = xp.sum(p * d, axis=-1, keepdims=True)
    return -xp.sum(p * (logp - mean_logp) * (d - mean_dz), axis=-1)


def entropy_change_second_order(logits, dz):
    r"""The second-order term of the entropy change of ``softmax(logits)`` under ``dz``.

    With ``delta = dz - <dz>_pi``, ``V = Var_pi(dz)`` and ``l = ln pi``,

    .. math::

        \frac{d^2}{dt^2} H(z + t\,dz)\Big|_{t=0} = -\sum_a \pi_a \delta_a^2 (l_a + H) - V,

    so ``H(z + dz) - H(z) = -Cov_pi(ln pi, dz) + (this) + O(|dz|^3)``, this being half
    the second derivative (nats). It is what a sum of first-order predictions over
    intervals that are not small misses: the curvature of ``H`` along the update.

    Examples
    --------
    >>> import numpy as np
    >>> z, dz = np.array([1.0, 0.0, -1.0]), np.array([0.02, -0.01, 0.0])
    >>> exact = entropy_change_exact(z, dz)
    >>> first = entropy_change_predicted(z, dz)
    >>> miss = [exact - first, exact - first - entropy_change_second_order(z, dz)]
    >>> [f"{m:.1e}" for m in miss]          # O(dz^2) without the term, O(dz^3) with it
    ['-5.8e-05', '9.4e-07']
    """
    z, d = _arr(logits), _arr(dz)
    xp = array_namespace(z, d)
    logp = log_softmax(z, axis=-1)
    p = xp.exp(logp)
    H = -xp.sum(p * logp, axis=-1, keepdims=True)
    delta = d - xp.sum(p * d, axis=-1, keepdims=True)
    var = xp.sum(p * delta * delta, axis=-1)
    return -0.5 * (xp.sum(p * delta * delta * (logp + H), axis=-1) + var)


def entropy_change_exact(logits, dz):
    """Measured entropy change ``H(softmax(z + dz)) - H(softmax(z))`` (nats)."""
    z, d = _arr(logits), _arr(dz)
    return (entropy_from_log_probs(log_softmax(z + d, axis=-1))
            - entropy_from_log_probs(log_softmax(z, axis=-1)))


def pg_logit_update(logits, advantages, eta, kind: str = "natural", action=None):
    """The logit update ``dz`` of one policy-gradient step (see the module docstring).

    Parameters
    ----------
    logits : array (..., k)
    advantages : array (..., k)
        Advantage (or reward) of every action.
    eta : float
        Step size.
    kind : {"natural", "softmax", "sample"}
    action : int or integer array (...), required for ``kind="sample"``
        The sampled action(s).
    """
    check_choice(kind, "kind", PG_KINDS)
    eta = check_real(eta, "eta")
    z, A = _arr(logits), _arr(advantages)
    xp = array_namespace(z, A)
    if kind == "natural":
        return eta * (A + 0.0 * z)
    p = xp.exp(log_softmax(z, axis=-1))
    if kind == "softmax":
        return eta * p * (A - xp.sum(p * A, axis=-1, keepdims=True))
    if action is None:
        raise UserError("kind='sample' needs action (the sampled action index)")
    k = z.shape[-1]
    act = xp.asarray(action, device=device(z)) if not hasattr(action, "shape") else action
    onehot = xp.astype(xp.arange(k, device=device(z)) == act[..., None], z.dtype)
    a_adv = xp.sum(onehot * A, axis=-1, keepdims=True)
    return eta * a_adv * (onehot - p)


def predicted_pg_entropy_change(logits, advantages, eta, kind: str = "natural"):
    """Closed forms of the first-order entropy change of a PG step (expected over samples).

    ``natural``: ``-eta Cov_pi(ln pi, A)``; ``softmax`` and ``sample`` (its expectation):
    ``-eta sum_a pi_a^2 (ln pi_a + H)(A_a - <A>_pi)``.
    """
    check_choice(kind, "kind", PG_KINDS)
    eta = check_real(eta, "eta")
    z, A = _arr(logits), _arr(advantages)
    xp = array_namespace(z, A)
    logp = log_softmax(z, axis=-1)
    p = xp.exp(logp)
    H = entropy_from_log_probs(logp)[..., None]
    Ac = A - xp.sum(p * A, axis=-1, keepdims=True)
    if kind == "natural":
        return -eta * xp.sum(p * (logp + H) * Ac, axis=-1)
    return -eta * xp.sum(p * p * (logp + H) * Ac, axis=-1)


@dataclass(frozen=True)
class EntropyLawFit:
    """Least-squares fit of Cui et al.'s law ``R = -a exp(H) + b``.

    ``b - a`` is the predicted reward once entropy is exhausted (H = 0): the ceiling
    that entropy collapse puts on performance.
    """

    a: float
    b: float
    r2: float

    @property
    def ceiling(self) -> float:
        """Predicted reward at ``H = 0``: ``b - a``."""
        return self.b - self.a

    def predict(self, H):
        return -self.a * np.exp(np.asarray(H, dtype=np.float64)) + self.b


def fit_entropy_reward_law(entropy, reward) -> EntropyLawFit:
    """Fit ``R = -a exp(H) + b`` over a training run (Cui et al., 2025).

    Parameters
    ----------
    entropy, reward : array_like (n,)
        Policy entropy (nats) and reward (or accuracy) at the same steps, n >= 3.

    Returns
    -------
    EntropyLawFit
        ``a``, ``b`` and the coefficient of determination ``r2``.
    """
    H = as_float_array(entropy, "entropy", ndim=1, min_size=3)
    R = as_float_array(reward, "reward", ndim=1, min_size=3)
    if H.shape != R.shape:
        raise UserError(f"entropy and reward must have the same length, got {H.size} and "
                         f"{R.size}")
    x = np.exp(H)
    if np.ptp(x) == 0:
        raise UserError("entropy is constant over the run; the law cannot be fitted")
    X = np.column_stack([-x, np.ones_like(x)])
    (a, b), *_ = np.linalg.lstsq(X, R, rcond=None)
    res = R - X @ np.array([a, b])
    tot = np.sum((R - R.mean()) ** 2)
    r2 = 1.0 - float(res @ res) / float(tot) if tot > 0 else 1.0
    return EntropyLawFit(float(a), float(b), r2)
