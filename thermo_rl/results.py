"""The result contract shared by every simulator, learner and benchmark.

Every result object of the package (Ising, Potts, tempering, path integrals, level
samples, annealing, bandits, self-training, the tour, the benchmarks) has an
``as_dict()`` method that returns plain, JSON-ready Python types -- ``dict``,
``list``, ``str``, ``int``, ``float``, ``bool`` and ``None`` -- built with
:func:`jsonable`: arrays become lists, NumPy scalars Python numbers and non-finite
floats ``None`` (strict JSON has no NaN or infinity). The CLI prints exactly that
dict with ``--json``; :mod:`thermo_rl.sweep` tabulates it.

Shared key names (the same word for the same quantity everywhere):

``T``        temperature (energy units, k_B = 1); an array of them for a ladder or scan
``seed``     the seed the result was computed from (see the seed rule below)
``seconds``  wall time of the computation
``runs``     independent runs (replicas, walkers) averaged over
``steps``    steps per run (bandits, RL)
``sweeps``   measured sweeps (one attempted update per variable each)

The seed rule (one for the whole package): every random routine takes ``seed``, an
``int >= 0``, ``None`` or a ``numpy.random.Generator``; **the default is ``0``**, so
the same call gives the same numbers (as does the CLI's ``--seed``, default 0). Pass
``seed=None`` for fresh OS entropy.

Examples
--------
>>> import numpy as np
>>> jsonable({"T": np.array([1.0, np.inf]), "n": np.int64(3), "x": float("nan")})
{'T': [1.0, None], 'n': 3, 'x': None}
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import PurePath

import numpy as np

__all__ = ["DEFAULT_SEED", "SHARED_KEYS", "jsonable"]

#: the default ``seed`` of every random routine (and of the CLI's ``--seed``)
DEFAULT_SEED = 0

#: key names every ``as_dict()`` uses for these quantities
SHARED_KEYS = ("T", "seed", "seconds", "runs", "steps", "sweeps")


def jsonable(obj):
    """``obj`` as plain JSON-ready Python types (non-finite floats become ``None``).

    Handles dicts (keys become strings), lists, tuples, NumPy arrays and scalars,
    paths (strings), numpy Generators (``None``: not reproducible from JSON), objects
    with an ``as_dict()`` method and dataclasses.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, (PurePath, os.PathLike)):
        return os.fspath(obj)
    if isinstance(obj, np.random.Generator):
        return None
    if hasattr(obj, "as_dict"):
        return jsonable(obj.as_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    return str(obj)
