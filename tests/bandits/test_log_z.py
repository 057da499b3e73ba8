"""thermo_rl.bandits.free_energy: ln Z of the Gibbs policy estimated against the exact sum."""

import math

import numpy as np
import pytest

from thermo_rl.bandits import max_objective_J
from thermo_rl.bandits.free_energy import estimate_log_z
from thermo_rl.errors import UserError

Q = np.array([1.0, 0.8, 0.2, 0.0, 0.0, -0.5])


@pytest.mark.parametrize("method", ["is", "ais"])
@pytest.mark.parametrize("T", [1.0, 0.1])
def test_estimate_within_three_errors(method, T):
    r = estimate_log_z(Q, T, method=method, samples=20_000, chains=1000, steps=50, seed=0)
    # exact: the theory module's optimum J* = T ln sum e^{Q/T}, minus T ln k (uniform base)
    assert r.ln_z_exact == pytest.approx(max_objective_J(Q, T) / T - math.log(Q.size))
    assert abs(r.ln_z - r.ln_z_exact) <= 3 * r.ln_z_error
    assert r.as_dict()["system"] == "bandit"


def test_plain_estimate_degrades_as_T_falls_and_annealing_does_not():
    Ts = [1.0, 0.3, 0.1, 0.03]
    plain = [estimate_log_z(Q, T, method="is", samples=2000, seed=1) for T in Ts]
    ais = [estimate_log_z(Q, T, method="ais", chains=2000, steps=50, seed=1) for T in Ts]
    assert plain[-1].ess < plain[0].ess / 2
    assert plain[-1].ln_z_error > 2 * plain[0].ln_z_error
    assert all(a.ess > p.ess for a, p in zip(ais, plain))   # same number of samples
    assert ais[-1].ln_z_error < plain[-1].ln_z_error


def test_prior_and_errors():
    p = np.array([0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
    r = estimate_log_z(Q, 0.5, prior=p, samples=20_000, seed=2)
    assert r.ln_z_exact == pytest.approx(math.log(np.sum(p * np.exp(Q / 0.5))))
    assert abs(r.ln_z - r.ln_z_exact) <= 3 * r.ln_z_error
    with pytest.raises(UserError, match="prior"):
        estimate_log_z(Q, 0.5, prior=[1.0])
    with pytest.raises(UserError, match="method"):
        estimate_log_z(Q, 0.5, method="wl")
