"""Exactness of every move's energy change: delta vs full recomputation, randomized."""

import numpy as np
import pytest

from thermo_rl._rng import stream_states
from thermo_rl.anneal import EA, QUBO, SK, TSP, Continuous, MaxCut, load_instance, make_problem
from thermo_rl.anneal.continuous import evaluate


def _check(problem, n_moves=4000, seed=0):
    rng = np.random.default_rng(seed)
    S = np.ascontiguousarray(problem.random_states(1, rng))
    aux = np.zeros((1, problem.aux_width), dtype=S.dtype if S.dtype == np.int64 else float)
    E = np.zeros(1)
    problem.engine.sync(problem.data, S, aux, E)
    assert E[0] == pytest.approx(problem.energy(S[0]), rel=1e-12, abs=1e-9)
    out = np.zeros((n_moves, 2))
    problem.engine.delta_check(problem.data, S, aux, stream_states(seed, 1),
                               problem.moves_per_sweep, n_moves, out)
    ok = ~np.isnan(out[:, 0])
    assert ok.sum() > n_moves // 3
    scale = max(1.0, np.abs(out[ok, 1]).max())
    np.testing.assert_allclose(out[ok, 0], out[ok, 1], rtol=0, atol=1e-9 * scale)
    # after thousands of applied moves the state and the auxiliary arrays are consistent
    aux2 = aux.copy()
    E2 = np.zeros(1)
    problem.engine.sync(problem.data, S, aux2, E2)
    np.testing.assert_allclose(aux, aux2, atol=1e-8)
    assert E2[0] == pytest.approx(problem.energy(S[0]), rel=1e-12, abs=1e-9)
    return S[0], out[ok]


@pytest.mark.parametrize("p_or_opt", [0.0, 1.0, 0.3])
def test_tsp_moves_exact(p_or_opt):
    inst = load_instance("eil51")
    for p in (TSP(inst, p_or_opt=p_or_opt), TSP(inst, p_or_opt=p_or_opt, p_random=1.0),
              TSP(np.random.default_rng(1).random((7, 2)), p_or_opt=p_or_opt, neighbours=3)):
        tour, moves = _check(p)
        assert np.array_equal(np.sort(tour), np.arange(p.size))
        # TSPLIB distances are integers: the deltas are exact, not merely close
        if p.instance is not None:
            assert np.array_equal(moves[:, 0], moves[:, 1])


@pytest.mark.parametrize("make", [lambda: SK(24, seed=2), lambda: EA(5, 2, seed=3),
                                  lambda: EA(3, 3, couplings="gaussian", seed=4),
                                  lambda: QUBO(np.random.default_rng(5).standard_normal((12, 12))),
                                  lambda: make_problem("maxcut", 12, seed=6)])
def test_spin_flips_exact(make):
    _check(make())


@pytest.mark.parametrize("fn", ["sphere", "rastrigin", "ackley", "rosenbrock"])
def test_continuous_moves_exact(fn):
    p = Continuous(fn, 4)
    x, _ = _check(p)
    assert p.energy(x) == pytest.approx(float(evaluate(fn, x)))


def test_qubo_and_maxcut_energies_match_their_objectives():
    rng = np.random.default_rng(7)
    Q = rng.standard_normal((9, 9))
    q = QUBO(Q)
    for _ in range(20):
        s = rng.choice([-1.0, 1.0], size=9)
        x = QUBO.to_binary(s)
        assert q.energy(s) + q.offset == pytest.approx(x @ Q @ x)
    W = np.triu(rng.random((9, 9)), 1)
    W = W + W.T
    m = MaxCut(W)
    for _ in range(20):
        s = rng.choice([-1.0, 1.0], size=9)
        cut = sum(W[i, j] for i in range(9) for j in range(i + 1, 9) if s[i] != s[j])
        assert m.cut(s) == pytest.approx(cut)
        assert -(m.energy(s) + m.offset) == pytest.approx(cut)


def test_sparse_and_dense_engines_agree():
    from thermo_rl.anneal.spin import ENGINE, ENGINE_DENSE

    assert SK(16, seed=0).engine is ENGINE_DENSE
    assert EA(6, 2, seed=0).engine is ENGINE
