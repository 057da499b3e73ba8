"""thermo_rl.physics.exact: Onsager, Kaufman and enumeration against each other."""

import math

import numpy as np
import pytest

from thermo_rl.physics import exact as ex


def test_critical_temperatures():
    assert ex.TC == pytest.approx(2.269185314213022, rel=1e-15)
    assert ex.potts_tc(3) == pytest.approx(1.0 / math.log(1.0 + math.sqrt(3.0)))
    # q = 2 Potts with J is Ising with J/2: Tc halves
    assert ex.potts_tc(2) == pytest.approx(ex.TC / 2.0)
    with pytest.raises(ValueError, match="q"):
        ex.potts_tc(1)


def test_onsager_energy_known_points():
    assert ex.onsager_energy(ex.TC) == pytest.approx(-math.sqrt(2.0), abs=1e-12)
    assert ex.onsager_energy(0.2) == pytest.approx(-2.0, abs=1e-12)         # ground state
    # high T: u ~ -2 tanh K (leading order), within O(K^3)
    assert ex.onsager_energy(100.0) == pytest.approx(-2.0 * math.tanh(0.01), abs=1e-5)
    assert ex.onsager_magnetization(ex.TC * 1.0001) == 0.0
    assert ex.onsager_magnetization(1.0) == pytest.approx(
        (1.0 - math.sinh(2.0) ** -4) ** 0.125, rel=1e-14)
    assert np.all(np.isfinite(ex.onsager_heat_capacity([1.0, 2.0, 3.0])))


def test_onsager_heat_capacity_is_derivative_of_energy():
    for T in (1.5, 2.0, 2.6, 4.0):
        h = 1e-5
        fd = (ex.onsager_energy(T + h) - ex.onsager_energy(T - h)) / (2 * h)
        assert ex.onsager_heat_capacity(T) == pytest.approx(fd, rel=1e-6)
        # S = (U - F) / T and dF/dT = -S
        fd_f = (ex.onsager_free_energy(T + h) - ex.onsager_free_energy(T - h)) / (2 * h)
        s = (ex.onsager_energy(T) - ex.onsager_free_energy(T)) / T
        assert -fd_f == pytest.approx(s, rel=1e-5)


def test_density_of_states_counts():
    d = ex.density_of_states(4)
    assert d.counts.sum() == 2 ** 16
    assert d.bond_sums.max() == 32 and d.magnetizations.max() == 16
    assert d.counts[-1, -1] == 1 and d.counts[-1, 0] == 1     # the two ground states


@pytest.mark.parametrize("L", [2, 3, 4])
def test_kaufman_matches_enumeration(L):
    d = ex.density_of_states(L)
    for T in (0.8, 1.5, 2.0, ex.TC, 2.5, 3.5, 10.0):
        e = ex.enumeration_thermo(d, T)
        k = ex.kaufman(L, T)
        assert k.log_Z == pytest.approx(e["log_Z"], abs=1e-10)
        assert k.energy_per_spin == pytest.approx(e["energy_per_spin"], abs=1e-10)
        assert k.heat_capacity == pytest.approx(e["heat_capacity"], abs=1e-10)
        assert k.free_energy_per_spin == pytest.approx(e["free_energy_per_spin"], abs=1e-10)


def test_kaufman_large_L_matches_onsager():
    for T in (1.5, 2.0, 2.5, 3.5):
        k = ex.kaufman(256, T)
        assert k.energy_per_spin == pytest.approx(ex.onsager_energy(T), abs=1e-10)
        assert k.heat_capacity == pytest.approx(ex.onsager_heat_capacity(T), abs=1e-8)
        # below Tc the finite lattice has both ground-state sectors: F/N - f = -T ln 2 / N
        assert k.free_energy_per_spin == pytest.approx(ex.onsager_free_energy(T), abs=1e-4)
    # at Tc: finite and growing like ln L (Ferdinand-Fisher)
    cs = [ex.kaufman(L, ex.TC).heat_capacity for L in (16, 32, 64, 128)]
    assert np.all(np.isfinite(cs)) and np.all(np.diff(cs) > 0)
    assert cs[-1] - cs[-2] == pytest.approx(8 / math.pi * (math.log(1 + math.sqrt(2)) / 2) ** 2
                                            * math.log(2), rel=0.02)


def test_kaufman_stable_and_validated():
    for L in (128, 512):
        for T in (0.05, 0.5, ex.TC, 50.0):
            k = ex.kaufman(L, T)
            assert all(np.isfinite([k.log_Z, k.energy_per_spin, k.heat_capacity]))
    with pytest.raises(ValueError, match="L"):
        ex.kaufman(1, 2.0)
    with pytest.raises(ValueError, match="T"):
        ex.kaufman(4, 0.0)
    with pytest.raises(ValueError, match="25"):
        ex.density_of_states(6)
