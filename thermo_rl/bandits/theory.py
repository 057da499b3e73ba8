r"""Exact results for softmax policies: the free-energy optimum and its T -> 0 limit.

For action values ``Q`` and a temperature ``T``, the policy that maximizes the free
energy (the entropy-regularized objective)

.. math:: J(\pi) = \langle Q \rangle_\pi + T H(\pi) = -F

is the Gibbs policy ``pi ∝ exp(Q / T)`` and its maximum is ``T ln Z`` (the Gibbs
variational principle; :mod:`thermo_rl.gibbs` with energies ``-Q``). As ``T -> 0``
it tends to the uniform policy over the ``m`` best actions: the *optimum* of the
reward alone does not pick one of them. Pure reward maximization collapses onto one
mode through its *dynamics*, by two mechanisms (:func:`thermo_rl.bandits.run` with
``EntropyPG(T=0)`` ends with coverage 1/m). The exact vanilla policy gradient
``dz_a = eta pi_a (Q_a - <Q>)`` breaks the symmetry deterministically: for tied best
arms ``d(z_a - z_b) = eta (pi_a - pi_b)(Q* - <Q>)``, so the arm ahead gains while any
mass remains on worse arms (the natural gradient ``dz = eta (Q - <Q>)`` keeps their
ratio). On top of it, sampled steps are a random walk between equally good arms,
driven by the sampling and reward noise as genetic drift drives Wright-Fisher
fixation (:mod:`~thermo_rl.bandits.selftrain`). The entropy term is the restoring
force that keeps all m (Mei et al., 2020, "On the Global Convergence Rates of Softmax
Policy Gradient Methods", ICML: O(1/t) convergence without it, linear with it).

Examples
--------
>>> import warnings

import numpy as np
>>> gibbs_policy([1.0, 1.0, 0.0], T=0.0)        # the m = 2 best share
array([0.5, 0.5, 0. ])
>>> Q = np.array([1.0, 0.5, 0.0])
>>> bool(objective_J(gibbs_policy(Q, 0.5), Q, 0.5) >= objective_J([1.0, 0.0, 0.0], Q, 0.5))
True

The two functions return ``J = -F`` (larger is better); they were called
``free_energy`` and ``optimal_free_energy``, names that hid the sign. Those names
still work for one release (with a ``PendingDeprecationWarning``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import as_float_array, check_temperature
from ..errors import UserError
from ..gibbs import boltzmann_probabilities, log_partition
from ..metrics import entropy

__all__ = ["free_energy", "gibbs_policy", "max_objective_J", "objective_J",
           "optimal_free_energy"]


def gibbs_policy(Q, T):
    """The free-energy-optimal policy ``pi ∝ exp(Q / T)`` (``T = 0``: uniform over the best).

    Parameters
    ----------
    Q : array_like (k,)
        Action values (rewards).
    T : float or array_like (n,)
        Temperature(s) >= 0 (``inf``: uniform).

    Returns
    -------
    ndarray (k,) or (n, k)
    """
    Q = as_float_array(Q, "Q", ndim=1, min_size=2)
    return boltzmann_probabilities(-Q, T)


def objective_J(pi, Q, T):
    """The objective ``J = <Q>_pi + T H(pi) = -F`` (minus the Helmholtz free energy).

    ``pi`` is a probability vector (or a batch, last axis); ``T = 0`` gives the
    expected reward alone (the "enthalpy" of the package's essay: the reward, the
    quantity that pure maximization pursues; see the free-energy theory page).
    """
    Q = as_float_array(Q, "Q", ndim=1, min_size=2)
    pi = as_float_array(pi, "pi")
    if pi.shape[-1] != Q.size:
        raise UserError(f"pi has {pi.shape[-1]} actions but Q has {Q.size}")
    if np.any(pi < 0) or not np.allclose(pi.sum(axis=-1), 1.0, atol=1e-9):
        raise UserError("pi must be probabilities summing to 1 along the last axis")
    T = check_temperature(T, "T", allow_zero=True)
    return pi @ Q + (T * entropy(pi, axis=-1) if T > 0 else 0.0)


def max_objective_J(Q, T):
    """``max_pi J = T ln Z(Q / T) = -F_min`` (``T = 0``: ``max Q``)."""
    Q = as_float_array(Q, "Q", ndim=1, min_size=2)
    T = check_temperature(T, "T", allow_zero=True)
    if T == 0:
        return float(Q.max())
    return float(T * log_partition(-Q, T))


def free_energy(pi, Q, T):
    """Deprecated name of :func:`objective_J` (it returns ``J = -F``, not ``F``)."""
    warnings.warn("bandits.free_energy is deprecated (it returns J = -F); use objective_J",
                  PendingDeprecationWarning, stacklevel=2)
    return objective_J(pi, Q, T)


def optimal_free_energy(Q, T):
    """Deprecated name of :func:`max_objective_J` (it returns ``max J = -F_min``)."""
    warnings.warn("bandits.optimal_free_energy is deprecated (it returns max J = -F_min); "
                  "use max_objective_J", PendingDeprecationWarning, stacklevel=2)
    return max_objective_J(Q, T)
