"""Parameter sweeps: a grid of calls of the public API, on local cores or a Dask cluster.

A sweep names a simulator (:data:`SIMULATORS`: ``ising``, ``potts``, ``anneal``,
``bandit``, ``llm``; in Python also any ``"module:function"``, which a TOML spec may name
only with ``allow_import``, see :mod:`thermo_rl.sweep.spec`) and the parameter sets to
call it with: a grid, a list, or both, times ``replicas``. Each point is one call and one row of scalar results
(the result's ``as_dict()``), written to Parquet under ``out`` as soon as it finishes;
rerunning the same sweep skips the points already there. Each point's seed is derived from
the sweep seed and its parameters (SHA-256), so the table does not depend on the scheduler,
the number of workers or the order of completion.

    >>> from thermo_rl.sweep import Sweep
    >>> sw = Sweep("ising", grid={"L": [8, 16], "T": "1.5:3.5:16"},
    ...            fixed={"sweeps": 2000}, replicas=4)
    >>> len(sw)
    128
    >>> res = sw.run("ising_scan")                          # doctest: +SKIP
    >>> res = sw.run("ising_scan", scheduler="local-dask")  # doctest: +SKIP
    >>> res = sw.run("ising_scan", scheduler="tcp://head:8786")  # doctest: +SKIP

The same from the command line: ``thermo-rl sweep ising_scan.toml --scheduler local-dask``
(the spec format is in :mod:`thermo_rl.sweep.spec`). joblib, pandas, pyarrow, dask and
distributed come with the extra ``pip install 'thermo-rl[dask]'``. Figures:
:func:`thermo_rl.viz.sweep.plot_sweep` over :func:`aggregate`.
"""

from .registry import SIMULATORS, Simulator, get_simulator, register, result_row
from .run import Sweep, SweepInterrupted, SweepResult, run_point, run_sweep
from .spec import Point, SweepPointError, SweepSpec, SweepSpecError, point_seed
from .store import aggregate, load_results

__all__ = [
    "SIMULATORS",
    "Point",
    "Simulator",
    "Sweep",
    "SweepInterrupted",
    "SweepPointError",
    "SweepResult",
    "SweepSpec",
    "SweepSpecError",
    "aggregate",
    "get_simulator",
    "load_results",
    "point_seed",
    "register",
    "result_row",
    "run_point",
    "run_sweep",
]
