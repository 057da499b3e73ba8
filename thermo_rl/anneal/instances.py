"""Problems by name: what ``thermo-rl anneal --problem NAME`` accepts."""

from __future__ import annotations

import math
import os

import numpy as np

from .._rng import make_rng
from .._validation import check_int, check_memory
from ..errors import UserError, UserTypeError
from .continuous import FUNCTIONS, Continuous
from .problems import Problem
from .spin import EA, QUBO, SK, MaxCut
from .tsp import TSP
from .tsplib import known_instances, load_instance

__all__ = ["PROBLEMS", "make_problem", "problem_names"]

PROBLEMS = ("tsp", "sk", "ea", "qubo", "maxcut") + tuple(FUNCTIONS)
#: peak bytes per matrix entry while building a dense n x n problem (the matrix, its
#: CSR lists and the temporaries of the generator)
BYTES_PER_PAIR = 64
DEFAULT_SIZE = {"tsp": 50, "sk": 64, "ea": 64, "qubo": 64, "maxcut": 64}


def problem_names() -> list[str]:
    """Every accepted name (shipped TSPLIB instances, generators, test functions)."""
    return known_instances() + list(PROBLEMS)


def make_problem(name: str, n: int | None = None, *, seed=0) -> Problem:
    """Build a problem from a name.

    ``name`` is a shipped TSPLIB instance (``eil51``, ``berlin52``, ``st70``, ``pr76``,
    ``kroA100``, ``att48``, ``ulysses16``, ``gr17``), a path to a ``.tsp`` file, or a
    generator: ``tsp`` (n uniform random cities in the unit square), ``sk`` (n spins),
    ``ea`` (2-D +-J Edwards-Anderson glass with n = L^2 spins), ``qubo`` (random
    ``Q ~ N(0,1)``, n variables), ``maxcut`` (G(n, 1/2) with unit weights), or a test
    function ``sphere``, ``rastrigin``, ``ackley``, ``rosenbrock`` (n = dimension,
    default 10). Random instances depend on ``seed``.
    """
    if not isinstance(name, (str, os.PathLike)):
        raise UserTypeError(f"problem must be a name or a path, got {type(name).__name__}")
    name = os.fspath(name)
    if name in known_instances() or name.endswith(".tsp") or os.sep in name:
        if n is not None:
            raise UserError(f"--n does not apply to the TSPLIB instance {name!r}")
        return TSP(load_instance(name))
    if name not in PROBLEMS:
        raise UserError(f"unknown problem {name!r}; expected a .tsp path or one of: "
                         f"{', '.join(problem_names())}")
    rng = make_rng(seed)
    if name in FUNCTIONS:
        return Continuous(name, 10 if n is None else check_int(n, "n", low=2))
    n = DEFAULT_SIZE[name] if n is None else check_int(n, "n", low=1)
    check_memory(BYTES_PER_PAIR * float(n) ** 2, f"{name} with n = {n} (an n x n matrix)")
    if name == "tsp":
        if n < 5:
            raise UserError(f"n must be >= 5 cities for a TSP, got {n}")
        return TSP(rng.random((n, 2)), name=f"tsp{n}")
    if n < 4:
        raise UserError(f"n must be >= 4 for {name}, got {n}")
    if name == "sk":
        return SK(n, seed=rng)
    if name == "ea":
        L = math.isqrt(n)
        if L * L != n or L < 3:
            raise UserError(f"ea needs n = L^2 spins with L >= 3 (e.g. 64), got {n}")
        return EA(L, 2, seed=rng)
    if name == "qubo":
        return QUBO(rng.standard_normal((n, n)), name=f"qubo{n}")
    W = np.triu((rng.random((n, n)) < 0.5).astype(np.float64), 1)
    return MaxCut(W + W.T, name=f"maxcut{n}")
