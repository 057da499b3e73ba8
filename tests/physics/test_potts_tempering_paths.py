"""Potts, replica exchange and path-integral Monte Carlo. Tolerance K = 4 error bars."""

import numpy as np
import pytest

from thermo_rl.physics import exact as ex
from thermo_rl.physics.paths import harmonic_pimc, x2_classical, x2_discrete, x2_exact
from thermo_rl.physics.potts import simulate as potts
from thermo_rl.physics.tempering import parallel_tempering

K = 4.0


def test_potts_q3_heat_capacity_peak_near_tc():
    Tc = ex.potts_tc(3)
    Ts = Tc * np.array([0.8, 0.9, 1.0, 1.1, 1.25])
    C = [potts(8, T, q=3, algorithm="sw", sweeps=4_000, seed=1,
               progress=False).heat_capacity.mean for T in Ts]
    # finite-size peak is near Tc (shifted by O(1/L)): within 10 %
    assert abs(Ts[int(np.argmax(C))] / Tc - 1.0) <= 0.1
    assert max(C) > 1.5 * C[0] and max(C) > 1.5 * C[-1]


def test_potts_algorithms_agree():
    T = 1.05
    res = {a: potts(4, T, q=3, algorithm=a, sweeps=20_000, seed=2, progress=False)
           for a in ("metropolis", "heatbath", "wolff", "sw")}
    ref = res["sw"]
    for a, r in res.items():
        for key in ("energy_per_spin", "abs_m"):
            e, f = r.observables[key], ref.observables[key]
            assert abs(e.mean - f.mean) <= K * np.hypot(e.error, f.error), (a, key)


def test_potts_q2_is_ising_at_half_coupling():
    """q = 2 Potts with J = 2 equals Ising with J = 1 up to a constant: E_P = E_I - 2 N."""
    T = 2.6
    r = potts(4, T, q=2, J=2.0, algorithm="sw", sweeps=20_000, seed=3, progress=False)
    x = ex.enumeration_thermo(ex.density_of_states(4), T)
    assert abs(r.energy_per_spin.mean - (x["energy_per_spin"] - 2.0)) <= K * r.energy_per_spin.error


def test_potts_bad_input():
    with pytest.raises(ValueError, match="q"):
        potts(8, 1.0, q=1, sweeps=100)
    with pytest.raises(ValueError, match="even"):
        potts(5, 1.0, sweeps=100)
    with pytest.raises(ValueError, match="algorithm"):
        potts(8, 1.0, algorithm="msc", sweeps=100)


def test_tempering_against_kaufman_and_swap_rates():
    Ts = [2.0, 2.2, 2.4, 2.7]
    r = parallel_tempering(8, Ts, sweeps=4_000, seed=4, progress=False)
    assert r.swap_rates.shape == (3,) and np.all((r.swap_rates > 0.05) & (r.swap_rates < 1))
    for T, res in zip(r.T, r.results):
        e = res.energy_per_spin
        assert abs(e.mean - ex.kaufman(8, T).energy_per_spin) <= K * e.error
    with pytest.raises(ValueError, match="distinct"):
        parallel_tempering(8, [2.0, 2.0], sweeps=100)


def test_harmonic_x2():
    for beta, sweeps in ((0.5, 20_000), (4.0, 20_000)):
        r = harmonic_pimc(T=1.0 / beta, sweeps=sweeps, seed=5)
        assert abs(r.x2.mean - r.x2_discrete) <= K * r.x2.error, r
        assert r.x2_discrete == pytest.approx(r.x2_exact, rel=0.02)
    # imaginary time: long path -> zero-point 1/(2 omega); short path -> classical
    assert x2_exact(50.0) == pytest.approx(0.5, rel=1e-12)
    assert x2_exact(1e-3) == pytest.approx(x2_classical(1e-3), rel=1e-6)
    assert x2_discrete(2.0, 1.0, 2000) == pytest.approx(x2_exact(2.0), rel=1e-5)
    with pytest.raises(ValueError, match="T"):
        harmonic_pimc(T=0.0)
    with pytest.warns(PendingDeprecationWarning), pytest.raises(ValueError, match="beta"):
        harmonic_pimc(0.0)                     # the old positional beta still works


def test_harmonic_burn_in_zero_and_as_dict():
    r = harmonic_pimc(T=1.0, sweeps=64, burn_in=0, seed=1)      # was a ZeroDivisionError
    d = r.as_dict()
    assert d["T"] == 1.0 and d["beta"] == 1.0 and d["burn_in"] == 0 and d["sweeps"] == 64
    assert d["seed"] == 1 and 0 < d["acceptance"] < 1 and d["seconds"] >= 0
    with pytest.warns(PendingDeprecationWarning):
        old = harmonic_pimc(2.0, sweeps=64, seed=1)
    assert old.T == 0.5 and old.beta == 2.0
