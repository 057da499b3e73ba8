"""Ising samplers against exact results. Tolerance: K = 4 error bars (binning with
tau_int, jackknife for derived quantities), fixed seeds."""

import numpy as np
import pytest

from thermo_rl.physics import exact as ex
from thermo_rl.physics.ising import IsingModel, IsingSampler, simulate, wolff_burn_in

K = 4.0


def close(est, exact, k=K, slack=0.0):
    assert abs(est.mean - exact) <= k * est.error + slack, (est, exact)


@pytest.fixture(scope="module")
def dos4():
    return ex.density_of_states(4)


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "sw", "msc"])
def test_4x4_against_enumeration(dos4, algorithm):
    sweeps = 2_000 if algorithm == "msc" else 30_000
    for T in (1.8, 2.5, 3.5):
        x = ex.enumeration_thermo(dos4, T)
        r = simulate(4, T, algorithm=algorithm, sweeps=sweeps, seed=11, progress=False)
        for key in ("energy_per_spin", "heat_capacity", "abs_m"):
            close(r.observables[key], x[key])
        assert r.energy_per_spin.tau_int >= 0.5


def test_16x16_at_tc_against_kaufman():
    k = ex.kaufman(16, ex.TC)
    r = simulate(16, ex.TC, algorithm="wolff", sweeps=20_000, seed=2, progress=False)
    close(r.energy_per_spin, k.energy_per_spin)
    close(r.heat_capacity, k.heat_capacity)


def test_large_lattice_below_tc_against_onsager():
    """L = 64 at T = 2.0: finite-size corrections to |m| are exponentially small."""
    T = 2.0
    r = simulate(64, T, sweeps=1_500, seed=3, progress=False)
    close(r.abs_m, ex.onsager_magnetization(T), slack=1e-3)
    close(r.energy_per_spin, ex.kaufman(64, T).energy_per_spin)


def test_wolff_and_metropolis_agree():
    a = simulate(8, 2.4, algorithm="wolff", sweeps=20_000, seed=4, progress=False)
    b = simulate(8, 2.4, algorithm="metropolis", sweeps=20_000, seed=5, progress=False)
    for key in ("energy_per_spin", "abs_m", "heat_capacity", "susceptibility", "binder"):
        ea, eb = a.observables[key], b.observables[key]
        assert abs(ea.mean - eb.mean) <= K * np.hypot(ea.error, eb.error), key
    # Wolff decorrelates |m| near Tc far faster than Metropolis
    assert a.abs_m.tau_int < b.abs_m.tau_int
    k = ex.kaufman(8, 2.4)
    close(a.energy_per_spin, k.energy_per_spin)


def test_wolff_burn_in_counts_sweeps_not_clusters():
    """Burn-in is ``n`` sweeps of ~N flipped spins: 5 of them melt an ordered start at T = 5
    (5 single clusters of a few spins each would not), and a random start at Tc on L = 128
    is equilibrated before the cluster count is fixed (it used to be fixed on the random
    start: ~2000 tiny clusters per sweep instead of a few large ones, minutes instead of
    seconds). The count is the work measure; the time itself is `thermo-rl bench ising`'s."""
    from thermo_rl.physics._cluster_kernels import wolff_clusters_per_sweep

    p_add = -np.expm1(-2.0 / 5.0)
    s = IsingSampler(IsingModel(64), 5.0, "wolff").init(6, "ordered")
    assert abs(wolff_burn_in(s, p_add, 0, 5).spins.mean()) < 0.2
    assert np.array_equal(wolff_burn_in(s, p_add, 0, 0).spins, s.spins)
    p_c = -np.expm1(-2.0 / ex.TC)
    start = IsingSampler(IsingModel(128), ex.TC, "wolff").init(6, "random")
    k_start = wolff_clusters_per_sweep(start, p_c, 0)
    k_burnt = wolff_clusters_per_sweep(wolff_burn_in(start, p_c, 0, 50), p_c, 0)
    assert k_start > 500 and k_burnt <= 20      # <cluster> at Tc ~ a sizable part of N


def test_field_lowers_energy_and_orders():
    r = simulate(8, 3.0, h=0.5, sweeps=3_000, seed=6, progress=False)
    assert r.abs_m.mean > 0.4
    assert r.energy_per_spin.mean < simulate(8, 3.0, sweeps=3_000, seed=6,
                                             progress=False).energy_per_spin.mean


def test_torch_cpu_path_against_kaufman():
    pytest.importorskip("torch")
    r = simulate(8, 2.3, device="torch", sweeps=1_000, replicas=8, seed=7, progress=False)
    close(r.energy_per_spin, ex.kaufman(8, 2.3).energy_per_spin)


@pytest.mark.gpu
def test_cuda_path_against_kaufman():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    r = simulate(16, ex.TC, device="cuda", sweeps=4_000, replicas=64, seed=8, progress=False)
    k = ex.kaufman(16, ex.TC)
    close(r.energy_per_spin, k.energy_per_spin)
    close(r.heat_capacity, k.heat_capacity)


def test_state_passing_and_reproducibility():
    s = IsingSampler(IsingModel(8), 2.2)
    st0 = s.init(seed=1, start="random")
    st1, b1, m1 = s.run(st0, 50)
    st2, b2, _ = s.run(st0, 50)            # the input state is not modified
    assert np.array_equal(b1, b2) and np.array_equal(st1.spins, st2.spins)
    bonds, mag = IsingModel(8).energy(st1.spins), st1.spins.sum()
    assert -bonds == b1[-1] and mag == m1[-1]
    r1 = simulate(8, 2.2, sweeps=200, seed=9, progress=False)
    r2 = simulate(8, 2.2, sweeps=200, seed=9, progress=False)
    assert np.array_equal(r1.energy, r2.energy)
    d = r1.as_dict()
    assert {"energy_per_spin_error", "abs_m_tau_int", "flips_per_ns"} <= set(d)


@pytest.mark.parametrize("kw, match", [
    ({"L": 7}, "even"), ({"L": 1}, "L"), ({"T": 0.0}, "T"), ({"T": -1.0}, "T"),
    ({"algorithm": "glauber"}, "algorithm"), ({"algorithm": "wolff", "h": 0.1}, "h = 0"),
    ({"sweeps": 5}, "sweeps"), ({"device": "tpu"}, "device"),
])
def test_bad_input(kw, match):
    args = {"L": 8, "T": 2.0, "sweeps": 100, "progress": False}
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        simulate(**args)


@pytest.mark.parametrize("algorithm", ["wolff", "sw", "metropolis", "msc"])
def test_antiferromagnet_4x4_against_enumeration(dos4, algorithm):
    """J < 0: the cluster updates and multi-spin coding run in the sublattice gauge
    (exact on even periodic lattices); before, Wolff/SW sampled at infinite temperature
    (E/N ~ 0) and msc refused J < 0."""
    for T in (1.0, 2.5):
        x = ex.enumeration_thermo(dos4, T, -1.0)
        r = simulate(4, T, J=-1.0, algorithm=algorithm,
                     sweeps=2_000 if algorithm == "msc" else 8_000, seed=5, progress=False)
        for key in ("energy_per_spin", "heat_capacity", "abs_m"):
            close(r.observables[key], x[key], slack=1e-9)
    assert x["energy_per_spin"] == pytest.approx(ex.enumeration_thermo(dos4, 2.5, 1.0)[
        "energy_per_spin"])                       # the gauge symmetry itself


@pytest.mark.parametrize("L", [4, 66])          # 66: the parallel kernel, lanes wrap
def test_msc_antiferromagnet_is_the_ferromagnet_through_the_gauge(L):
    """The sublattice gauge g = s (-1)^(i+j) maps J = -1 onto J = +1 exactly: from the
    Neel state (the gauge image of all up) with the same seed, the J < 0 chain's bonds
    are minus the J > 0 chain's, sweep by sweep, its magnetization is the J > 0
    chain's staggered magnetization, and its spins are the gauge image of the J > 0 spins."""
    from thermo_rl.physics._cluster_kernels import staggered_signs
    from thermo_rl.physics._msc_kernels import stagger_words

    T, n = 2.0, 40
    af = IsingSampler(IsingModel(L, J=-1.0), T, "msc")
    fm = IsingSampler(IsingModel(L, J=1.0), T, "msc")
    s_af, b_af, m_af = af.run(af.init(3, "ordered"), n)
    s_fm, b_fm, m_fm = fm.run(fm.init(3, "ordered"), n)
    assert np.array_equal(b_af, -b_fm) and not np.array_equal(m_af, m_fm)
    assert np.array_equal(s_af.spins, s_fm.spins ^ stagger_words(L))
    g = staggered_signs(L, L).astype(np.int64)
    for r in (0, 31, 63):                     # staggered magnetization of the J > 0 replicas
        spins = 2 * ((s_fm.spins >> np.uint64(r)) & np.uint64(1)).astype(np.int64) - 1
        assert m_af[-1, r] == (g * spins).sum()
    assert b_fm[-1].mean() > 1.5 * L * L      # ordered at T = 2 < Tc: not a trivial check


def test_torch_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="Metropolis only"):
        simulate(4, 1.0, algorithm="wolff", device="torch", sweeps=64, progress=False)


def test_sizes_beyond_memory_are_refused_up_front_and_long_runs_announced(capsys, monkeypatch):
    import tracemalloc

    from thermo_rl.anneal import make_problem

    tracemalloc.start()                  # NumPy reports its allocations to tracemalloc
    try:
        with pytest.raises(ValueError, match=r"needs about .*iB of memory"):
            simulate(1_000_000, 2.0, sweeps=64, progress=False)      # 1e12 spins
        with pytest.raises(ValueError, match=r"sk with n = 10000000 .* needs about"):
            make_problem("sk", 10_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20             # nothing was allocated (1e12 spins: ~1 TB)
    from thermo_rl.physics._results import plan_run

    monkeypatch.setenv("THERMO_RL_PROGRESS", "1")
    plan_run("ising", 100_000, 5000, 500, "metropolis", progress=False)
    err = capsys.readouterr().err
    assert "expected to take about" in err and "days" in err
    plan_run("ising", 16, 5000, 500, "metropolis")
    assert capsys.readouterr().err == ""
