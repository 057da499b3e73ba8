"""The result contract: every result's as_dict() is plain, strict-JSON-ready, shared keys."""

import json

import numpy as np
import pytest

from thermo_rl.results import SHARED_KEYS, jsonable

PLAIN = (dict, list, str, int, float, bool, type(None))


def _assert_plain(x, path="result"):
    assert isinstance(x, PLAIN), f"{path} is a {type(x).__name__}"
    if isinstance(x, float):
        assert np.isfinite(x), f"{path} is {x}"
    if isinstance(x, dict):
        for k, v in x.items():
            assert isinstance(k, str)
            _assert_plain(v, f"{path}.{k}")
    if isinstance(x, list):
        for i, v in enumerate(x):
            _assert_plain(v, f"{path}[{i}]")


def _results():
    from thermo_rl.anneal import anneal, make_problem
    from thermo_rl.bandits import EpsilonGreedy, run, self_train, testbed
    from thermo_rl.gibbs import thermodynamics
    from thermo_rl.physics import ising, levels, paths, potts, tempering
    from thermo_rl.physics.exact import kaufman

    yield "ising", ising.simulate(4, 2.0, sweeps=64, seed=3, progress=False), \
        {"T", "seed", "seconds", "sweeps"}
    yield "potts", potts.simulate(4, 1.0, sweeps=64, seed=3, progress=False), \
        {"T", "seed", "seconds", "sweeps"}
    yield "tempering", tempering.parallel_tempering(4, [1.5, 3.0], sweeps=64, seed=3,
                                                    progress=False), \
        {"T", "seed", "seconds", "sweeps"}
    yield "paths", paths.harmonic_pimc(T=1.0, sweeps=64, seed=3), \
        {"T", "seed", "seconds", "sweeps"}
    yield "levels", levels.sample_levels([0.0, 1.0], 1.0, 100, seed=3, progress=False), \
        {"T", "seed", "seconds", "runs", "steps"}
    yield "most_probable", levels.most_probable_occupation([0, 1, 2], 30, 20), set()
    yield "thermo", thermodynamics([0.0, 1.0], T=[0.0, 1.0, np.inf]), {"T"}
    yield "kaufman", kaufman(4, 2.0), {"T"}
    yield "anneal", anneal(make_problem("sk", 16, seed=1), sweeps=20, runs=2, seed=3,
                           progress=False), {"seed", "seconds", "runs", "sweeps"}
    yield "bandit", run(testbed(), EpsilonGreedy(0.1), runs=20, steps=30, seed=3,
                        progress=False), {"seed", "seconds", "runs", "steps"}
    yield "self_train", self_train(k=3, n_samples=10, generations=20, runs=5, seed=3,
                                   progress=False), {"T", "seed", "seconds", "runs"}


@pytest.mark.parametrize("name,result,keys", list(_results()), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_as_dict_is_plain_strict_json_with_shared_keys(name, result, keys):
    d = result.as_dict()
    _assert_plain(d, name)
    json.dumps(d, allow_nan=False)
    assert keys <= set(d), f"{name} misses {keys - set(d)}"
    assert keys <= set(SHARED_KEYS) | {"T"}
    if "seed" in keys:
        assert d["seed"] == 3


def test_jsonable_handles_nested_results_and_nonfinite():
    from thermo_rl.stats import Estimate

    d = jsonable({"e": Estimate(1.0, float("nan"), 0.5, 10), "a": np.arange(3),
                  "x": (np.float32(2.5), -np.inf)})
    assert d == {"e": {"mean": 1.0, "error": None, "tau_int": 0.5, "n": 10}, "a": [0, 1, 2],
                 "x": [2.5, None]}


def test_seed_rule_default_is_zero_everywhere():
    import inspect

    from thermo_rl.anneal import anneal, make_problem
    from thermo_rl.bandits import compare, run, self_train
    from thermo_rl.physics import ising, levels, paths, potts, tempering

    for f in (anneal, make_problem, compare, run, self_train, ising.simulate, potts.simulate,
              tempering.parallel_tempering, paths.harmonic_pimc, levels.sample_levels):
        assert inspect.signature(f).parameters["seed"].default == 0, f.__qualname__
