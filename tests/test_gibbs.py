import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermo_rl.gibbs import (
    boltzmann_probabilities,
    heat_capacity,
    log_partition,
    solve_beta,
    thermodynamics,
)


@pytest.mark.parametrize("g", [1.0, 3.0])
@pytest.mark.parametrize("T", [0.1, 0.7, 1.0, 5.0])
def test_two_level_closed_form(T, g):
    eps = 1.3
    b = 1.0 / T
    Z = 1.0 + g * math.exp(-b * eps)
    U = g * eps * math.exp(-b * eps) / Z
    S = math.log(Z) + b * U
    C = (b * eps) ** 2 * g * math.exp(-b * eps) / Z**2
    th = thermodynamics([0.0, eps], T=T, degeneracy=[1.0, g])
    assert th.log_Z == pytest.approx(math.log(Z), rel=1e-13)
    assert th.U == pytest.approx(U, rel=1e-13)
    assert th.S == pytest.approx(S, rel=1e-13)
    assert th.C == pytest.approx(C, rel=1e-12)
    assert th.F == pytest.approx(-T * math.log(Z), rel=1e-13)
    assert th.J == pytest.approx(-th.F)
    assert th.F == pytest.approx(th.U - T * th.S, rel=1e-12)
    assert th.probabilities == pytest.approx([1 / Z, 1 - 1 / Z], rel=1e-13)


def test_zero_temperature_limit_counts_ground_degeneracy():
    E = [2.0, -1.0, -1.0, 0.5]
    g = [1.0, 2.0, 1.0, 4.0]
    th = thermodynamics(E, T=0.0, degeneracy=g)
    assert th.probabilities == pytest.approx([0, 2 / 3, 1 / 3, 0])
    assert th.U == -1.0 and th.F == -1.0 and th.C == 0.0
    assert th.S == pytest.approx(math.log(3.0))           # ground manifold has g = 3 states
    tiny = thermodynamics(E, T=1e-300, degeneracy=g)
    assert np.all(np.isfinite([tiny.U, tiny.S, tiny.F, tiny.C]))
    assert tiny.S == pytest.approx(math.log(3.0))


def test_infinite_temperature_limit_is_uniform_over_states():
    E = np.array([0.0, 1.0, 5.0])
    g = np.array([1.0, 2.0, 5.0])
    th = thermodynamics(E, T=np.inf, degeneracy=g)
    assert th.probabilities == pytest.approx(g / g.sum())
    assert th.S == pytest.approx(math.log(8.0))
    assert th.U == pytest.approx((g * E).sum() / 8.0)
    assert th.C == 0.0 and th.F == -np.inf and th.J == np.inf
    huge = thermodynamics(E, T=1e300, degeneracy=g)
    assert huge.S == pytest.approx(math.log(8.0)) and np.isfinite(huge.F)


def test_large_energies_are_stable():
    E = np.array([0.0, 0.5, 2.0])
    T = np.array([0.01, 1.0, 100.0])
    ref = thermodynamics(E, T)
    big = thermodynamics(E + 1e6, T)
    assert big.probabilities == pytest.approx(ref.probabilities, rel=1e-9, abs=1e-300)
    assert big.U - 1e6 == pytest.approx(ref.U, abs=1e-9)
    assert big.S == pytest.approx(ref.S, rel=1e-9)
    assert big.F - 1e6 == pytest.approx(ref.F, rel=1e-6)
    assert np.all(np.isfinite(thermodynamics(E * 1e6, T).S))


def test_thermodynamic_identities_by_finite_differences():
    E = np.array([0.0, 0.3, 1.0, 1.1, 2.5])
    g = np.array([1, 3, 2, 2, 7.0])
    T, h = 0.8, 1e-5
    th = thermodynamics(E, np.array([T - h, T, T + h]), degeneracy=g)
    # S = -dF/dT and C = dU/dT (central differences, error O(h^2) ~ 1e-10)
    assert -(th.F[2] - th.F[0]) / (2 * h) == pytest.approx(th.S[1], rel=1e-7)
    assert (th.U[2] - th.U[0]) / (2 * h) == pytest.approx(th.C[1], rel=1e-7)
    assert heat_capacity(E, T, degeneracy=g) == pytest.approx(th.C[1])
    assert log_partition(E, T, degeneracy=g) == pytest.approx(th.log_Z[1])


def test_vector_temperatures_and_beta_agree():
    E = [0.0, 1.0, 3.0]
    T = np.array([0.5, 2.0])
    a = thermodynamics(E, T)
    b = thermodynamics(E, beta=1 / T)
    assert a.probabilities.shape == (2, 3)
    np.testing.assert_allclose(a.probabilities, b.probabilities, rtol=1e-14)
    np.testing.assert_allclose(a.F, b.F, rtol=1e-14)


def test_negative_beta_inverts_population():
    p = boltzmann_probabilities([0.0, 1.0], beta=-2.0)
    assert p[1] > p[0]
    assert boltzmann_probabilities([0.0, 1.0], beta=-np.inf) == pytest.approx([0, 1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=2, max_size=6, unique=True),
       st.floats(-3, 3))
def test_solve_beta_round_trip(energies, beta):
    E = np.array(energies)
    if np.ptp(E) < 1e-3:
        return
    U = float(thermodynamics(E, beta=beta).U)
    if not E.min() < U < E.max():
        return
    b = solve_beta(E, U)
    assert float(thermodynamics(E, beta=b).U) == pytest.approx(U, rel=1e-9, abs=1e-9)
    if abs(beta) * np.ptp(E) < 20:    # beta is identifiable while U - E_min >> rounding (e^-20)
        assert b == pytest.approx(beta, rel=1e-6, abs=1e-8)


def test_solve_beta_is_the_maximum_entropy_distribution():
    rng = np.random.default_rng(0)
    E = np.array([0.0, 0.4, 1.0, 1.7, 3.0])
    U = 0.9
    p = boltzmann_probabilities(E, beta=solve_beta(E, U))
    S_max = -(p * np.log(p)).sum()
    A = np.vstack([np.ones_like(E), E])
    null = np.linalg.svd(A)[2][2:]            # directions that keep sum and mean fixed
    worse = 0
    for _ in range(2000):
        q = p + null.T @ rng.normal(size=3) * rng.uniform(0.001, 0.2)
        if np.any(q <= 0):
            continue
        assert q.sum() == pytest.approx(1.0) and q @ E == pytest.approx(U)
        assert -(q * np.log(q)).sum() < S_max
        worse += 1
    assert worse > 500


def test_solve_beta_signs_ends_and_errors():
    E = [0.0, 1.0, 2.0]
    assert solve_beta(E, 1.0) == 0.0
    assert solve_beta(E, 0.5) > 0 > solve_beta(E, 1.5)
    assert solve_beta(E, 0.0) == np.inf and solve_beta(E, 2.0) == -np.inf
    with pytest.raises(ValueError, match="mean_energy"):
        solve_beta(E, 2.5)
    with pytest.raises(ValueError, match="all be equal"):
        solve_beta([1.0, 1.0], 1.0)
    # with degeneracy the midpoint moves to sum g E / sum g
    assert solve_beta(E, 4 / 3, degeneracy=[1, 2, 3]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"energies": [0, 1], "T": -1.0}, ValueError, "T"),
    ({"energies": [0, 1]}, TypeError, "exactly one"),
    ({"energies": [0, 1], "T": 1.0, "beta": 1.0}, TypeError, "exactly one"),
    ({"energies": [0, np.nan], "T": 1.0}, ValueError, "energies"),
    ({"energies": [0, np.inf], "T": 1.0}, ValueError, "energies"),
    ({"energies": [], "T": 1.0}, ValueError, "energies"),
    ({"energies": [[0, 1]], "T": 1.0}, ValueError, "energies"),
    ({"energies": [0, 1], "T": 1.0, "degeneracy": [1, 2, 3]}, ValueError, "degeneracy"),
    ({"energies": [0, 1], "T": 1.0, "degeneracy": [1, 0]}, ValueError, "degeneracy"),
    ({"energies": "abc", "T": 1.0}, TypeError, "energies"),
    ({"energies": [0, 1], "beta": np.nan}, ValueError, "beta"),
])
def test_bad_input_is_named(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        thermodynamics(**kwargs)
