"""The annealing engine and API: TSPLIB gaps, continuous minima, schedules, errors."""

import time

import numpy as np
import pytest

from thermo_rl.anneal import (
    SK,
    TSP,
    Continuous,
    anneal,
    default_temperatures,
    load_instance,
    make_problem,
)
from thermo_rl.schedules import Constant, Geometric, Reheating, TargetAcceptance


@pytest.mark.parametrize("name", ["eil51", "berlin52"])
def test_tsplib_gap_with_default_settings(name):
    problem = make_problem(name)
    anneal(problem, sweeps=5, runs=1, seed=0, progress=False)   # load compiled kernels
    t0 = time.perf_counter()
    res = anneal(problem, seed=0, progress=False)
    seconds = time.perf_counter() - t0
    print(f"{name}: length {res.best_energy:.0f}, optimum {res.optimum:.0f}, "
          f"gap {100 * res.gap:.2f}%, {seconds:.2f} s")
    assert res.optimum == load_instance(name).optimum
    assert res.gap <= 0.01
    assert problem.energy(res.best_state) == res.best_energy
    # its time (goal < 2 s) is a benchmark: `thermo-rl bench anneal`, row "tsp ... (default
    # settings)", not a wall-clock assertion here


def test_result_fields_and_reproducibility():
    p = make_problem("eil51")
    a = anneal(p, sweeps=300, runs=3, seed=5, chunks=7, progress=False)
    b = anneal(p, sweeps=300, runs=3, seed=5, chunks=7, progress=False)
    np.testing.assert_array_equal(a.best_energies, b.best_energies)
    np.testing.assert_array_equal(a.trace_energy, b.trace_energy)
    assert a.trace_T.shape == (7,) and a.trace_energy.shape == (7, 3)
    assert a.trace_sweeps[-1] == 300 and a.sweeps == 300
    assert np.all(np.diff(a.trace_best, axis=0) <= 0)            # best never gets worse
    assert np.all((a.trace_acceptance >= 0) & (a.trace_acceptance <= 1))
    assert a.T0 > a.T_end > 0
    assert a.best_energy == a.best_energies.min()
    d = a.as_dict(trace=True)
    assert d["gap"] == a.gap and len(d["trace_T"]) == 7


def test_default_temperature_rule():
    p = make_problem("eil51")
    T0, T1 = default_temperatures(p, seed=0)
    assert T0 > 10 * T1 > 0
    # at T0 about 80 % of uphill moves from random tours are accepted
    res = anneal(p, sweeps=50, runs=4, schedule=Constant(T0), seed=1, chunks=1, progress=False)
    assert 0.6 < res.trace_acceptance.mean() <= 1.0


def test_quench_at_zero_temperature_never_goes_up():
    p = make_problem("sk", 32, seed=0)
    res = anneal(p, sweeps=40, runs=3, schedule=Constant(0.0), seed=0, chunks=40,
                 progress=False)
    assert np.all(np.diff(res.trace_energy, axis=0) <= 1e-9)


def test_reheating_with_restart_and_adaptive_schedule():
    p = make_problem("eil51")
    T0, T1 = default_temperatures(p, seed=0)
    res = anneal(p, sweeps=900, runs=2, schedule=Reheating(Geometric(T0, T1), 3, 0.5),
                 restart_from_best=True, seed=0, chunks=30, progress=False)
    jumps = np.flatnonzero(np.diff(res.trace_T) > 0)
    assert len(jumps) == 2
    res = anneal(p, sweeps=400, runs=2, schedule=TargetAcceptance(T0, 0.2), seed=0,
                 chunks=40, progress=False)
    assert abs(res.trace_acceptance[-10:].mean() - 0.2) < 0.1
    res = anneal(p, sweeps=100, runs=1, schedule="reheat:40:0.5:2", seed=0, progress=False)
    assert res.sweeps == 100


@pytest.mark.parametrize("fn,dim", [("rastrigin", 5), ("ackley", 5), ("sphere", 3)])
def test_continuous_known_minimum(fn, dim):
    p = Continuous(fn, dim)
    res = anneal(p, sweeps=5000, runs=4, seed=0, progress=False)
    assert res.optimum == 0.0
    assert res.best_energy < 1e-3
    np.testing.assert_allclose(res.best_state, 0.0, atol=1e-2)


def test_rosenbrock_valley():
    res = anneal(Continuous("rosenbrock", 2), sweeps=5000, runs=4, seed=0, progress=False)
    assert res.best_energy < 1e-2
    np.testing.assert_allclose(res.best_state, 1.0, atol=0.1)


def test_sk_energy_per_spin_is_glassy():
    res = anneal(SK(64, seed=0), sweeps=500, runs=4, seed=0, progress=False)
    assert -0.80 < res.extra["energy_per_spin"] < -0.65


def test_init_and_problem_by_name():
    p = make_problem("eil51")
    res = anneal(p, sweeps=10, runs=2, init=p.instance.opt_tour, schedule=Constant(0.0),
                 seed=0, progress=False)
    assert res.best_energy == 426
    res = anneal("tsp", sweeps=20, runs=1, seed=0, progress=False)
    assert res.problem == "tsp50"


def test_bad_input_raises_clear_errors():
    p = make_problem("eil51")
    with pytest.raises(ValueError, match="runs"):
        anneal(p, runs=0)
    with pytest.raises(ValueError, match="sweeps"):
        anneal(p, sweeps=0)
    with pytest.raises(ValueError, match="unknown schedule"):
        anneal(p, sweeps=5, schedule="cubic:1:2")
    with pytest.raises(ValueError, match="init"):
        anneal(p, sweeps=5, init=np.arange(10))
    with pytest.raises(ValueError, match="exactly once"):
        anneal(p, sweeps=5, init=np.zeros(51, dtype=int))
    with pytest.raises(TypeError, match="problem"):
        anneal(3.0)
    with pytest.raises(ValueError, match="unknown problem"):
        make_problem("eil5l")
    with pytest.raises(ValueError, match="at least 5"):
        TSP(np.random.default_rng(0).random((4, 2)))
    with pytest.raises(ValueError, match="finite"):
        TSP(np.array([[0, 0], [1, np.nan], [2, 2], [3, 1], [4, 0]]))
    with pytest.raises(ValueError, match="L\\^2"):
        make_problem("ea", 10)
    with pytest.raises(ValueError, match="function"):
        Continuous("himmelblau")
    with pytest.raises(ValueError, match="bounds"):
        Continuous("sphere", 2, bounds=(1, -1))


def test_every_run_keeps_its_best_state_and_the_median_run_is_typical():
    """best_states[i] is run i's best tour (its exact length is best_energies[i]); the median
    run's length is the median of the runs' lengths (odd number of runs)."""
    p = make_problem("eil51")
    res = anneal(p, sweeps=60, runs=5, seed=3, progress=False)
    assert res.best_states.shape == (5, p.size)
    for state, e in zip(res.best_states, res.best_energies):
        assert sorted(state) == list(range(p.size))               # a tour
        assert p.energy(state) == pytest.approx(e, rel=1e-12)
    i = res.median_run()
    assert res.best_energies[i] == np.median(res.best_energies)
    np.testing.assert_array_equal(res.best_states[int(np.argmin(res.best_energies))],
                                  res.best_state)
