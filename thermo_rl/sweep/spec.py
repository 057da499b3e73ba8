"""What a sweep is: a simulator, a grid or a list of parameter sets, replicas, a seed.

A spec in TOML (every field but ``simulator`` optional)::

    simulator = "ising"        # a registered simulator (thermo_rl.sweep.SIMULATORS)
    seed = 0                   # the sweep seed
    replicas = 4               # independent repetitions of every parameter set
    threads = 1                # Numba threads per point

    [fixed]                    # passed to every point
    sweeps = 2000

    [grid]                     # every combination (Cartesian product)
    L = [8, 16, 24, 32]
    T = "1.5:3.5:16"           # start:stop:count (inclusive), or a list,
                               # or {start = 1.5, stop = 3.5, num = 16, log = false}

    [[points]]                 # and/or explicit parameter sets, each crossed with the grid
    algorithm = "metropolis"

Each point's seed is derived from the sweep seed, the simulator, the point's parameters and
its replica index by SHA-256 (:func:`point_seed`): it does not depend on the order of the
points, the scheduler or the number of workers, and growing a grid leaves the seeds of the
old points unchanged. The same digest gives the point's ``key``, under which its row is
stored (a rerun skips the keys already done).

A spec file is data: it names only registered simulators. A ``"package.module:function"``
there is refused unless the file is read with ``allow_import=True`` (``thermo-rl sweep
--allow-import``), because importing and calling a function named by a file would let the
file run code (``simulator = "os:system"``). Sweeps built in Python
(``Sweep("mypackage.module:point", ...)``) may name any function.

Every point is checked before any point runs (:meth:`SweepSpec.validate`): a value that the
simulator refuses raises :class:`SweepPointError` naming the point.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError, UserTypeError
from .registry import RESERVED, SIMULATORS, get_simulator

__all__ = ["Point", "SweepPointError", "SweepSpec", "SweepSpecError", "canonical", "plain",
           "point_seed", "read_toml"]

FIELDS = ("simulator", "seed", "replicas", "threads", "fixed", "grid", "points", "out",
          "name", "description")


class SweepSpecError(UserError):
    """A malformed sweep spec; the message starts with the field: ``spec field 'grid.T': ...``."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"spec field {field_name!r}: {message}")


class SweepPointError(SweepSpecError):
    """A point that its simulator refuses, found before any point runs; the message names
    the point (its number in spec order, parameters and replica) and the simulator's check."""

    def __init__(self, point: Point, total: int, message: str):
        self.field, self.point = "points", point
        params = ", ".join(f"{k}={v!r}" for k, v in point.params.items())
        UserError.__init__(self, f"sweep point {point.index + 1} of {total} ({params}; "
                                 f"replica {point.replica}): {message}")


@dataclass(frozen=True)
class Point:
    """One call: ``params`` (fixed, grid and point values merged), ``replica``, ``seed``,
    ``key`` (hex digest identifying the point in the results) and ``index`` (spec order)."""

    index: int
    params: dict
    replica: int
    seed: int
    key: str


def plain(value, *, _ints: bool = False):
    """A parameter value as plain JSON-ready data: NumPy scalars and arrays become Python
    numbers and lists, tuples become lists, paths strings."""
    if isinstance(value, np.ndarray):
        return [plain(v, _ints=_ints) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise UserError(f"parameter values must be finite, got {v}")
        return int(v) if _ints and v.is_integer() and abs(v) < 2**53 else v
    if isinstance(value, (list, tuple)):
        return [plain(v, _ints=_ints) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, _ints=_ints) for k, v in sorted(value.items())}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise UserTypeError(f"parameter values must be numbers, strings, booleans or lists of them, "
                    f"got {type(value).__name__}")


def canonical(value):
    """The form of a parameter value that is hashed: :func:`plain`, and a float with an
    integer value as that int (``T = 2`` and ``T = 2.0`` are one point)."""
    return plain(value, _ints=True)


def _digest(simulator: str, params: dict, replica: int, sweep_seed: int) -> bytes:
    text = json.dumps({"simulator": simulator, "params": params, "replica": replica,
                       "sweep_seed": sweep_seed}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).digest()


def _seed_and_key(simulator: str, params: dict, replica: int, sweep_seed: int):
    d = _digest(simulator, canonical(params), replica, sweep_seed)
    return int.from_bytes(d[16:24], "big") >> 1, d[:12].hex()


def point_seed(simulator: str, params: dict, replica: int = 0, sweep_seed: int = 0) -> int:
    """The seed of one point: 63 bits of SHA-256 over the sorted parameter JSON.

    Examples
    --------
    >>> point_seed("ising", {"L": 8, "T": 2.0}) == point_seed("ising", {"T": 2, "L": 8})
    True
    """
    return _seed_and_key(simulator, params, replica, sweep_seed)[0]


def _values(name: str, v):
    """A grid axis: a list, ``"start:stop:count"`` or ``{start, stop, num, log}``."""
    f = f"grid.{name}"
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, str):
        parts = v.split(":")
        if len(parts) != 3:
            raise SweepSpecError(f, f"expected a list or 'start:stop:count', got {v!r}")
        try:
            v = {"start": float(parts[0]), "stop": float(parts[1]), "num": int(parts[2])}
        except ValueError:
            raise SweepSpecError(f, f"expected numbers in 'start:stop:count', got {v!r}") \
                from None
    if isinstance(v, dict):
        extra = sorted(set(v) - {"start", "stop", "num", "log"})
        if extra or not {"start", "stop", "num"} <= set(v):
            raise SweepSpecError(f, "a range needs exactly start, stop, num (and optional "
                                 f"log); got keys {sorted(v)}")
        num = v["num"]
        if isinstance(num, bool) or not isinstance(num, numbers.Integral) or num < 1:
            raise SweepSpecError(f"{f}.num", f"expected a positive integer, got {num!r}")
        try:
            start, stop = float(v["start"]), float(v["stop"])
        except (TypeError, ValueError):
            raise SweepSpecError(f, "start and stop must be numbers") from None
        if v.get("log", False):
            if start <= 0 or stop <= 0:
                raise SweepSpecError(f, "a log range needs start, stop > 0")
            return [float(x) for x in np.geomspace(start, stop, int(num))]
        return [float(x) for x in np.linspace(start, stop, int(num))]
    if not isinstance(v, (list, tuple)) or len(v) == 0:
        raise SweepSpecError(f, f"expected a non-empty list of values, got {v!r}")
    return list(v)


def _check_name(name, where):
    if not isinstance(name, str) or not name.isidentifier():
        raise SweepSpecError(where, f"parameter names must be identifiers, got {name!r}")
    if name in RESERVED or name == "replica":
        raise SweepSpecError(where, f"{name!r} is set by the sweep; use 'replicas' for "
                             "repetitions and 'seed' for the sweep seed")


@dataclass
class SweepSpec:
    """A parameter sweep over one simulator (see the module docstring for the fields);
    :class:`thermo_rl.sweep.Sweep` is this with a ``run`` method.

    Parameters
    ----------
    simulator : str or callable
        A name of :data:`thermo_rl.sweep.SIMULATORS`, ``"module:function"`` or a callable
        ``f(**params, seed)``.
    grid : dict, optional
        Parameter -> list of values (or ``"start:stop:count"``); every combination runs.
    points : list of dict, optional
        Explicit parameter sets, each crossed with the grid.
    fixed : dict, optional
        Parameters of every point.
    replicas : int or list of int
        Repetitions of every parameter set (the ``replica`` column; a list gives the
        labels); each repetition has its own derived seed.
    seed : int
        The sweep seed.
    threads : int
        Numba threads per point (default 1: the workers are the parallelism).
    out : str, optional
        Default results folder.

    Examples
    --------
    >>> sw = SweepSpec("ising", grid={"L": [4, 8], "T": "2:3:3"}, fixed={"sweeps": 64})
    >>> len(sw)
    6
    """

    simulator: object
    grid: dict = field(default_factory=dict)
    points: list | None = None
    fixed: dict = field(default_factory=dict)
    replicas: object = 1
    seed: int = 0
    threads: int = 1
    out: str | None = None
    name: str | None = None
    description: str | None = None

    def __post_init__(self):
        try:
            self.entry = get_simulator(self.simulator)
        except (TypeError, ValueError) as exc:
            raise SweepSpecError("simulator", str(exc)) from None
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) \
                or self.seed < 0:
            raise SweepSpecError("seed", f"expected a non-negative integer, got {self.seed!r}")
        if isinstance(self.threads, bool) or not isinstance(self.threads, numbers.Integral) \
                or self.threads < 1:
            raise SweepSpecError("threads", f"expected a positive integer, got "
                                 f"{self.threads!r}")
        r = self.replicas
        if isinstance(r, numbers.Integral) and not isinstance(r, bool):
            if r < 1:
                raise SweepSpecError("replicas", f"expected a positive integer, got {r}")
            self._replicas = list(range(int(r)))
        elif isinstance(r, (list, tuple)) and r and all(
                isinstance(x, numbers.Integral) and not isinstance(x, bool) and x >= 0
                for x in r) and len(set(r)) == len(r):
            self._replicas = [int(x) for x in r]
        else:
            raise SweepSpecError("replicas", "expected a positive integer or a list of "
                                 f"distinct non-negative integers, got {r!r}")
        if not isinstance(self.fixed, dict):
            raise SweepSpecError("fixed", f"expected a table of parameters, got {self.fixed!r}")
        if not isinstance(self.grid, dict):
            raise SweepSpecError("grid", f"expected a table of parameter -> values, got "
                                 f"{self.grid!r}")
        for k in self.fixed:
            _check_name(k, f"fixed.{k}")
        self._axes = {}
        for k, v in self.grid.items():
            _check_name(k, f"grid.{k}")
            if k in self.fixed:
                raise SweepSpecError(f"grid.{k}", "also set in 'fixed'")
            self._axes[k] = _values(k, v)
        pts = [{}] if self.points is None else self.points
        if not isinstance(pts, (list, tuple)) or not pts or \
                not all(isinstance(p, dict) for p in pts):
            raise SweepSpecError("points", "expected a non-empty list of parameter tables")
        for i, p in enumerate(pts):
            for k in p:
                _check_name(k, f"points[{i}].{k}")
                if k in self.fixed or k in self._axes:
                    raise SweepSpecError(f"points[{i}].{k}", "also set in 'fixed' or 'grid'")
        self._sets = list(pts)
        for where, params in self._all_params():
            for k, v in params.items():
                try:
                    canonical(v)
                except (TypeError, ValueError) as exc:
                    sep = "" if k.startswith("[") else "."
                    raise SweepSpecError(f"{where}{sep}{k}", str(exc)) from None
        if self.out is not None and not isinstance(self.out, (str, os.PathLike)):
            raise SweepSpecError("out", f"expected a folder path, got {self.out!r}")

    def _all_params(self):
        yield "fixed", self.fixed
        for k, vals in self._axes.items():
            yield f"grid.{k}", {f"[{i}]": v for i, v in enumerate(vals)}
        for i, p in enumerate(self._sets):
            yield f"points[{i}]", p

    @property
    def simulator_name(self) -> str:
        return self.entry.name

    @property
    def axes(self) -> dict:
        """Parameter -> values of the grid (ranges expanded)."""
        return dict(self._axes)

    def varying(self) -> list:
        """Names of the parameters that take more than one value, in spec order."""
        names = [k for k, v in self._axes.items() if len(v) > 1]
        for p in self._sets:
            names += [k for k in p if k not in names and
                      len({json.dumps(canonical(q.get(k))) for q in self._sets}) > 1]
        return names

    def validate(self) -> SweepSpec:
        """Check the parameter names against the simulator's signature (imports it), then
        every point's values with the simulator's own checks (nothing runs): a bad point
        raises :class:`SweepPointError` naming it."""
        try:
            known = self.entry.parameters()
        except (ImportError, ValueError) as exc:
            raise SweepSpecError("simulator", str(exc)) from None
        if known is None:
            return self
        names = [("fixed", k) for k in self.fixed] + [("grid", k) for k in self._axes] + \
            [(f"points[{i}]", k) for i, p in enumerate(self._sets) for k in p]
        for where, k in names:
            if k not in known:
                raise SweepSpecError(f"{where}.{k}", f"simulator {self.simulator_name!r} has no "
                                     f"parameter {k!r}; expected one of: {', '.join(known)}")
        return self.check_points()

    def check_points(self) -> SweepSpec:
        """Check every point's values with :meth:`Simulator.check` (runs nothing)."""
        points = self.expand()
        for p in points:
            try:
                self.entry.check(p.params, p.seed)
            except UserError as exc:
                raise SweepPointError(p, len(points), str(exc)) from None
        return self

    def expand(self) -> list[Point]:
        """Every point in spec order: parameter sets x grid (last axis fastest) x replicas."""
        out, seen = [], set()
        names = list(self._axes)
        for pset in self._sets:
            for combo in itertools.product(*(self._axes[n] for n in names)):
                params = {**self.fixed, **pset, **dict(zip(names, combo))}
                params = {k: plain(v) for k, v in params.items()}
                for r in self._replicas:
                    seed, key = _seed_and_key(self.simulator_name, params, r, int(self.seed))
                    if key in seen:
                        raise SweepSpecError("points" if self.points is not None else "grid",
                                             f"the parameter set {params} appears twice")
                    seen.add(key)
                    out.append(Point(len(out), params, r, seed, key))
        return out

    def __len__(self) -> int:
        n = len(self._sets) * len(self._replicas)
        for v in self._axes.values():
            n *= len(v)
        return n

    def as_dict(self) -> dict:
        """The spec as plain data (what ``from_dict`` reads)."""
        d = {"simulator": self.simulator_name, "seed": int(self.seed),
             "replicas": self.replicas if isinstance(self.replicas, int) else
             list(self.replicas), "threads": int(self.threads),
             "fixed": plain(self.fixed), "grid": plain(self._axes)}
        if self.points is not None:
            d["points"] = plain(list(self._sets))
        for k in ("out", "name", "description"):
            if getattr(self, k) is not None:
                d[k] = os.fspath(getattr(self, k)) if k == "out" else getattr(self, k)
        return d

    @classmethod
    def from_dict(cls, spec: dict, *, allow_import: bool = False) -> SweepSpec:
        """A sweep from plain data (a parsed TOML file); unknown fields are errors.

        The ``simulator`` must be registered (:data:`~thermo_rl.sweep.SIMULATORS`): data
        names no code to import unless ``allow_import`` is true (see the module docstring).
        """
        if not isinstance(spec, dict):
            raise SweepSpecError("spec", f"expected a table, got {type(spec).__name__}")
        for k in spec:
            if k not in FIELDS:
                raise SweepSpecError(k, f"unknown field; expected one of: {', '.join(FIELDS)}")
        if "simulator" not in spec:
            raise SweepSpecError("simulator", "missing (e.g. simulator = \"ising\")")
        sim = spec["simulator"]
        if not allow_import and not (isinstance(sim, str) and sim in SIMULATORS):
            if isinstance(sim, str) and ":" in sim:
                raise SweepSpecError(
                    "simulator", f"{sim!r} names a Python function; a spec file runs only "
                    f"the registered simulators ({', '.join(sorted(SIMULATORS))}), so that "
                    "a data file cannot run code. For a spec you trust, pass --allow-import "
                    "(allow_import=True), or build the Sweep in Python")
            raise SweepSpecError("simulator", f"unknown simulator {sim!r}; expected one of: "
                                              f"{', '.join(sorted(SIMULATORS))}")
        return cls(**spec)

    @classmethod
    def from_toml(cls, path, *, allow_import: bool = False) -> SweepSpec:
        """Read a spec file (TOML). Errors name the field, or the line of a syntax error.
        ``allow_import``: see :meth:`from_dict`."""
        return cls.from_dict(read_toml(path), allow_import=allow_import)


def read_toml(path) -> dict:
    """The plain data of a TOML spec file (a syntax error names its line)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"spec file not found: {path}")
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"spec {path}: invalid TOML: {' '.join(str(exc).split())}") from None
