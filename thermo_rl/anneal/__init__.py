"""Simulated annealing: one Numba engine, problems plug in.

    >>> from thermo_rl.anneal import anneal, make_problem
    >>> res = anneal(make_problem("eil51"), seed=0, progress=False)   # doctest: +SKIP
    >>> res.best_energy, res.gap                                      # doctest: +SKIP

Problems: the travelling salesman (:class:`TSP`, TSPLIB instances via
:func:`load_instance`), spin glasses (:class:`SK`, :class:`EA`), :class:`QUBO`,
:class:`MaxCut`, and continuous test functions (:class:`Continuous`). Temperatures come
from :mod:`thermo_rl.schedules`; the default is geometric between temperatures set from
sampled energy changes (:func:`default_temperatures`). The teaching experiments (quench
vs slow anneal vs reheat, cooling-rate scan, residual-energy scaling) are in
:mod:`thermo_rl.anneal.teaching`.
"""

from .continuous import FUNCTIONS, Continuous
from .core import AnnealResult, anneal, default_schedule, default_temperatures
from .instances import PROBLEMS, make_problem, problem_names
from .problems import Problem
from .spin import EA, PARISI_GROUND_STATE, QUBO, SK, Ising, MaxCut
from .tsp import TSP
from .tsplib import (
                     TSPInstance,
                     TSPLIBError,
                     known_instances,
                     load_instance,
                     parse_tour,
                     parse_tsplib,
                     read_tour,
                     read_tsplib,
)

__all__ = [
                     "EA",
                     "FUNCTIONS",
                     "PARISI_GROUND_STATE",
                     "PROBLEMS",
                     "QUBO",
                     "SK",
                     "TSP",
                     "AnnealResult",
                     "Continuous",
                     "Ising",
                     "MaxCut",
                     "Problem",
                     "TSPInstance",
                     "TSPLIBError",
                     "anneal",
                     "default_schedule",
                     "default_temperatures",
                     "known_instances",
                     "load_instance",
                     "make_problem",
                     "parse_tour",
                     "parse_tsplib",
                     "problem_names",
                     "read_tour",
                     "read_tsplib",
]
