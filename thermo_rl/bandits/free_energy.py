r"""The partition function of a bandit's Gibbs policy, measured from samples.

The entropy-regularized optimum of a bandit with mean rewards ``Q`` and a base policy
``pi_ref`` (uniform by default) is ``pi*(a) = pi_ref(a) e^{Q(a)/T} / Z`` with
``Z = sum_a pi_ref(a) e^{Q(a)/T}`` (:func:`thermo_rl.bandits.theory.gibbs_policy` for the
uniform base; ``T ln Z`` is the optimal objective up to ``T ln k``). ``ln Z`` is a sum
over the arms, so it is known exactly; here it is *estimated* the way it must be where
the sum is out of reach (a language model's answers, a lattice's configurations), by
the shared estimators of :mod:`thermo_rl.free_energy`:

* ``method="is"``: sample arms from the base policy and average ``e^{Q/T}``. The weights'
  relative variance ``Z(T/2)/Z(T)^2 - 1`` grows as ``T`` falls: at low temperature a
  few samples of the best arm carry the whole estimate, the same failure as sampling a
  cold system directly.
* ``method="ais"``: anneal ``kappa = 1/T`` from 0 with Metropolis moves proposed by the
  base policy (Neal 2001); the weights stay near 1 at any ``T``.

Examples
--------
>>> r = estimate_log_z([1.0, 0.5, 0.0], T=0.2, method="ais", chains=400, steps=50, seed=0)
>>> bool(abs(r.ln_z - r.ln_z_exact) < 3 * r.ln_z_error)
True
"""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array, check_choice
from ..errors import UserError
from ..free_energy import FreeEnergyResult, annealed_log_z, importance_log_z

__all__ = ["METHODS", "estimate_log_z"]

#: estimators of ln Z over the arms
METHODS = ("is", "ais")


def estimate_log_z(Q, T: float, *, prior=None, method: str = "is", samples: int = 10_000,
                   chains: int = 1000, steps: int = 100, seed=0) -> FreeEnergyResult:
    """``ln Z = ln sum_a prior(a) e^{Q(a)/T}`` estimated by ``method``, with the exact value.

    Parameters
    ----------
    Q : array (k,)
        Mean reward of each arm.
    T : float, > 0
        Temperature (the entropy or KL coefficient).
    prior : array (k,), optional
        The base policy (sums to 1); default uniform.
    method : {"is", "ais"}
    samples : int
        Draws for ``is``.
    chains, steps : int
        Chains and annealing steps for ``ais``.
    seed : int, None or Generator

    Returns
    -------
    FreeEnergyResult
        ``system="bandit"``; ``free_energy_per_spin`` is ``-T ln Z`` (one "site").
    """
    Q = as_float_array(Q, "Q", ndim=1, min_size=1)
    check_choice(method, "method", METHODS)
    if prior is None:
        p = np.full(Q.size, 1.0 / Q.size)
    else:
        p = as_float_array(prior, "prior", ndim=1)
        if p.shape != Q.shape or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
            raise UserError(f"prior must be {Q.size} non-negative numbers summing to 1")
    with np.errstate(divide="ignore"):
        lp = np.log(p)
    if method == "is":
        return importance_log_z(lp, Q, T, samples=samples, seed=seed, system="bandit")
    return annealed_log_z(lp, Q, T, chains=chains, steps=steps, seed=seed, system="bandit")
