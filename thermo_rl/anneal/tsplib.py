"""TSPLIB 95 reader and distance functions (Reinelt, *TSPLIB 95*, Universität Heidelberg).

Distances follow the TSPLIB documentation to the letter, so that the published optimal
tour lengths are reproduced exactly:

``EUC_2D`` / ``EUC_3D``
    ``nint(sqrt(dx^2 + dy^2 [+ dz^2]))`` with ``nint(x) = (int)(x + 0.5)``.
``CEIL_2D``
    ``ceil(sqrt(dx^2 + dy^2))``.
``MAN_2D`` / ``MAN_3D`` / ``MAX_2D`` / ``MAX_3D``
    ``nint`` of the Manhattan / maximum norm.
``GEO``
    coordinates are ``DDD.MM`` (degrees, minutes); with ``PI = 3.141592``,
    ``deg = (int) x`` (truncation, as in the TSPLIB FAQ and Concorde),
    ``lat = PI * (deg + 5 * (x - deg) / 3) / 180`` and ``RRR = 6378.388``::

        q1 = cos(lon_i - lon_j); q2 = cos(lat_i - lat_j); q3 = cos(lat_i + lat_j)
        d  = (int)(RRR * acos(0.5 * ((1 + q1) * q2 - (1 - q1) * q3)) + 1)

``ATT`` (pseudo-Euclidean)
    ``r = sqrt((dx^2 + dy^2) / 10)``, ``t = nint(r)``, ``d = t + 1 if t < r else t``.
``EXPLICIT``
    ``EDGE_WEIGHT_FORMAT`` one of ``FULL_MATRIX``, ``UPPER_ROW``, ``LOWER_ROW``,
    ``UPPER_DIAG_ROW``, ``LOWER_DIAG_ROW``, ``UPPER_COL``, ``LOWER_COL``,
    ``UPPER_DIAG_COL``, ``LOWER_DIAG_COL``.

Shipped instances (``thermo_rl/anneal/data``): eil51, berlin52, st70, pr76, kroA100
(EUC_2D), att48 (ATT), ulysses16 (GEO) and gr17 (EXPLICIT, LOWER_DIAG_ROW), with their
known optimal lengths and, where public copies exist, the optimal tours themselves
(``data/optima.json``).

Examples
--------
>>> from thermo_rl.anneal.tsplib import load_instance
>>> inst = load_instance("eil51")
>>> inst.dimension, inst.optimum
(51, 426)
>>> int(inst.tour_length(inst.opt_tour))
426
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import UserError, UserTypeError

__all__ = [
    "EDGE_WEIGHT_FORMATS",
    "EDGE_WEIGHT_TYPES",
    "TSPInstance",
    "TSPLIBError",
    "distance_matrix",
    "known_instances",
    "load_instance",
    "parse_tour",
    "parse_tsplib",
    "read_tour",
    "read_tsplib",
]

EDGE_WEIGHT_TYPES = ("EUC_2D", "EUC_3D", "CEIL_2D", "MAN_2D", "MAN_3D", "MAX_2D", "MAX_3D",
                     "GEO", "ATT", "EXPLICIT")
EDGE_WEIGHT_FORMATS = ("FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW",
                       "LOWER_DIAG_ROW", "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL",
                       "LOWER_DIAG_COL")
_COORD_DIM = {"EUC_2D": 2, "CEIL_2D": 2, "MAN_2D": 2, "MAX_2D": 2, "GEO": 2, "ATT": 2,
              "EUC_3D": 3, "MAN_3D": 3, "MAX_3D": 3}
MIN_CITIES = 5
PI_TSPLIB = 3.141592
RRR = 6378.388


class TSPLIBError(ValueError):
    """A malformed or unsupported TSPLIB file (a ``ValueError``)."""


# ---------------------------------------------------------------- distance functions


def _nint(x):
    """TSPLIB's ``nint``: ``(int)(x + 0.5)`` (distances are non-negative)."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5)


def _geo_radians(x):
    deg = np.trunc(x)
    return PI_TSPLIB * (deg + 5.0 * (x - deg) / 3.0) / 180.0


def distance_matrix(coords, edge_weight_type: str = "EUC_2D") -> np.ndarray:
    """All pairwise TSPLIB distances (float64 holding integers) for ``coords`` (n, 2|3)."""
    ewt = str(edge_weight_type).upper()
    if ewt not in _COORD_DIM:
        raise TSPLIBError(f"edge_weight_type {edge_weight_type!r} has no coordinate formula; "
                          f"expected one of: {', '.join(_COORD_DIM)}")
    c = np.asarray(coords, dtype=np.float64)
    k = _COORD_DIM[ewt]
    if c.ndim != 2 or c.shape[1] < k:
        raise TSPLIBError(f"{ewt} needs coordinates of shape (n, {k}), got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise TSPLIBError("coordinates must be finite (no NaN or inf)")
    c = c[:, :k]
    if ewt == "GEO":
        lat = _geo_radians(c[:, 0])
        lon = _geo_radians(c[:, 1])
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        d = np.trunc(RRR * np.arccos(arg) + 1.0)
        np.fill_diagonal(d, 0.0)  # TSPLIB's formula gives 1 on the diagonal; never used
        return d
    diff = c[:, None, :] - c[None, :, :]
    if ewt == "ATT":
        r = np.sqrt((diff ** 2).sum(-1) / 10.0)
        t = _nint(r)
        return np.where(t < r, t + 1.0, t)
    if ewt in ("EUC_2D", "EUC_3D"):
        return _nint(np.sqrt((diff ** 2).sum(-1)))
    if ewt == "CEIL_2D":
        return np.ceil(np.sqrt((diff ** 2).sum(-1)))
    if ewt in ("MAN_2D", "MAN_3D"):
        return _nint(np.abs(diff).sum(-1))
    return _nint(np.abs(diff).max(-1))  # MAX_2D, MAX_3D


def _explicit_matrix(values: np.ndarray, n: int, fmt: str) -> np.ndarray:
    """Build the symmetric n x n matrix from an EDGE_WEIGHT_SECTION in format ``fmt``."""
    need = {"FULL_MATRIX": n * n,
            "UPPER_ROW": n * (n - 1) // 2, "LOWER_ROW": n * (n - 1) // 2,
            "UPPER_COL": n * (n - 1) // 2, "LOWER_COL": n * (n - 1) // 2,
            "UPPER_DIAG_ROW": n * (n + 1) // 2, "LOWER_DIAG_ROW": n * (n + 1) // 2,
            "UPPER_DIAG_COL": n * (n + 1) // 2, "LOWER_DIAG_COL": n * (n + 1) // 2}[fmt]
    if values.size != need:
        raise TSPLIBError(f"EDGE_WEIGHT_SECTION in {fmt} for DIMENSION {n} needs {need} "
                          f"numbers, got {values.size}")
    if fmt == "FULL_MATRIX":
        d = values.reshape(n, n).copy()
        if not np.array_equal(d, d.T):
            raise TSPLIBError("FULL_MATRIX is not symmetric (asymmetric problems, ATSP, are "
                              "not supported)")
        return d
    # UPPER_COL lists the upper triangle column by column = LOWER_ROW of the transpose, etc.
    alias = {"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
             "UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW"}
    fmt = alias.get(fmt, fmt)
    d = np.zeros((n, n))
    if fmt == "UPPER_ROW":
        idx = np.triu_indices(n, 1)
    elif fmt == "UPPER_DIAG_ROW":
        idx = np.triu_indices(n, 0)
    elif fmt == "LOWER_ROW":
        idx = np.tril_indices(n, -1)
    else:  # LOWER_DIAG_ROW
        idx = np.tril_indices(n, 0)
    d[idx] = values
    d = d + d.T
    np.fill_diagonal(d, 0.0)
    return d


# ---------------------------------------------------------------- the instance


@dataclass
class TSPInstance:
    """A symmetric TSP: a name, its distances, coordinates (if any) and known optimum.

    ``opt_tour`` and tours in general are 0-based city indices (TSPLIB files count from 1).
    """

    name: str
    dimension: int
    edge_weight_type: str
    distances: np.ndarray = field(repr=False)
    coords: np.ndarray | None = field(default=None, repr=False)
    comment: str = ""
    edge_weight_format: str | None = None
    optimum: int | None = None
    opt_tour: np.ndarray | None = field(default=None, repr=False)

    def tour_length(self, tour) -> float:
        """Length of a closed tour given as a permutation of ``0..n-1``."""
        t = check_tour(tour, self.dimension)
        return float(self.distances[t, np.roll(t, -1)].sum())

    def gap(self, length: float) -> float | None:
        """Relative excess ``length / optimum - 1`` (None when the optimum is unknown)."""
        return None if self.optimum is None else float(length) / self.optimum - 1.0


def check_tour(tour, n: int) -> np.ndarray:
    """Return ``tour`` as an int64 array after checking it is a permutation of ``0..n-1``."""
    t = np.asarray(tour)
    if t.ndim != 1 or t.size != n or not np.issubdtype(t.dtype, np.integer):
        raise UserError(f"tour must be a 1-D integer array of length {n}, got shape "
                         f"{t.shape} and dtype {t.dtype}")
    t = t.astype(np.int64)
    if not np.array_equal(np.sort(t), np.arange(n)):
        raise UserError(f"tour must visit each of the {n} cities 0..{n - 1} exactly once")
    return t


# ---------------------------------------------------------------- parsing


def _sections(text: str, source: str):
    """Split a TSPLIB text into header dict and {section: [tokens]}."""
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.upper() == "EOF":
            break
        word = line.split(":", 1)[0].strip().upper()
        if word.endswith("_SECTION"):
            current = word
            sections.setdefault(current, [])
            rest = line[len(line.split()[0]):].strip().lstrip(":").strip()
            if rest:
                sections[current].extend(rest.split())
            continue
        if ":" in line and not _is_number(line.split()[0]):
            key, value = line.split(":", 1)
            header[key.strip().upper()] = value.strip()
            current = None
            continue
        if current is None:
            raise TSPLIBError(f"{source}, line {lineno}: expected 'KEY : value' or a "
                              f"*_SECTION keyword, got {line[:40]!r}")
        sections[current].extend(line.split())
    return header, sections


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def _numbers(tokens, what: str, source: str) -> np.ndarray:
    try:
        a = np.array([float(t) for t in tokens], dtype=np.float64)
    except ValueError as exc:
        raise TSPLIBError(f"{source}: {what} must contain only numbers ({exc})") from None
    if not np.all(np.isfinite(a)):
        raise TSPLIBError(f"{source}: {what} contains a non-finite value (NaN or inf)")
    return a


def _dimension(header, source) -> int:
    if "DIMENSION" not in header:
        raise TSPLIBError(f"{source}: missing DIMENSION")
    try:
        n = int(header["DIMENSION"])
    except ValueError:
        raise TSPLIBError(f"{source}: DIMENSION must be an integer, got "
                          f"{header['DIMENSION']!r}") from None
    return n


def parse_tsplib(text: str, *, name: str | None = None, source: str = "<string>") -> TSPInstance:
    """Parse the text of a symmetric TSPLIB ``.tsp`` file into a :class:`TSPInstance`.

    Raises :class:`TSPLIBError` (a ``ValueError``) naming the problem for malformed files:
    missing or bad DIMENSION, fewer than 5 cities, unknown EDGE_WEIGHT_TYPE/FORMAT,
    missing sections, wrong counts, duplicate or out-of-range node ids, non-numbers,
    NaN or inf.
    """
    if not isinstance(text, str):
        raise UserTypeError(f"text must be a str, got {type(text).__name__}")
    header, sections = _sections(text, source)
    typ = header.get("TYPE", "TSP").split()[0].upper() if header.get("TYPE") else "TSP"
    if typ != "TSP":
        raise TSPLIBError(f"{source}: TYPE {typ} is not supported (only symmetric TSP)")
    n = _dimension(header, source)
    if n < MIN_CITIES:
        raise TSPLIBError(f"{source}: DIMENSION {n} is too small; need at least "
                          f"{MIN_CITIES} cities")
    ewt = header.get("EDGE_WEIGHT_TYPE", "").upper()
    if not ewt:
        raise TSPLIBError(f"{source}: missing EDGE_WEIGHT_TYPE")
    if ewt not in EDGE_WEIGHT_TYPES:
        raise TSPLIBError(f"{source}: unsupported EDGE_WEIGHT_TYPE {ewt!r}; expected one of: "
                          f"{', '.join(EDGE_WEIGHT_TYPES)}")
    coords = None
    fmt = None
    if "NODE_COORD_SECTION" in sections or ewt != "EXPLICIT":
        if "NODE_COORD_SECTION" not in sections:
            raise TSPLIBError(f"{source}: EDGE_WEIGHT_TYPE {ewt} needs a NODE_COORD_SECTION")
        k = _COORD_DIM.get(ewt, 2)
        vals = _numbers(sections["NODE_COORD_SECTION"], "NODE_COORD_SECTION", source)
        if vals.size != n * (k + 1):
            raise TSPLIBError(f"{source}: NODE_COORD_SECTION must hold {n} lines of "
                              f"'id {' '.join('xyz'[:k])}' ({n * (k + 1)} numbers), got "
                              f"{vals.size} numbers")
        rows = vals.reshape(n, k + 1)
        ids = rows[:, 0]
        if not np.all(ids == np.round(ids)) or not np.array_equal(np.sort(ids.astype(int)),
                                                                  np.arange(1, n + 1)):
            raise TSPLIBError(f"{source}: node ids must be 1..{n}, each exactly once")
        coords = np.empty((n, k))
        coords[ids.astype(int) - 1] = rows[:, 1:]
    if ewt == "EXPLICIT":
        fmt = header.get("EDGE_WEIGHT_FORMAT", "").upper()
        if fmt not in EDGE_WEIGHT_FORMATS:
            raise TSPLIBError(f"{source}: EDGE_WEIGHT_TYPE EXPLICIT needs EDGE_WEIGHT_FORMAT "
                              f"in {', '.join(EDGE_WEIGHT_FORMATS)}, got {fmt or None!r}")
        if "EDGE_WEIGHT_SECTION" not in sections:
            raise TSPLIBError(f"{source}: EXPLICIT weights need an EDGE_WEIGHT_SECTION")
        vals = _numbers(sections["EDGE_WEIGHT_SECTION"], "EDGE_WEIGHT_SECTION", source)
        if np.any(vals < 0):
            raise TSPLIBError(f"{source}: EDGE_WEIGHT_SECTION has negative distances")
        d = _explicit_matrix(vals, n, fmt)
        if coords is None and "DISPLAY_DATA_SECTION" in sections:
            dv = _numbers(sections["DISPLAY_DATA_SECTION"], "DISPLAY_DATA_SECTION", source)
            if dv.size == 3 * n:
                rows = dv.reshape(n, 3)
                coords = np.empty((n, 2))
                coords[rows[:, 0].astype(int) - 1] = rows[:, 1:]
    else:
        d = distance_matrix(coords, ewt)
    nm = name or header.get("NAME", "").replace(".tsp", "") or "unnamed"
    inst = TSPInstance(name=nm, dimension=n, edge_weight_type=ewt, distances=d,
                       coords=coords, comment=header.get("COMMENT", ""),
                       edge_weight_format=fmt)
    known = _optima().get(nm)
    if known is not None and len(known.get("opt_tour", range(n))) == n:
        inst.optimum = int(known["optimum"])
        if "opt_tour" in known:
            inst.opt_tour = np.asarray(known["opt_tour"], dtype=np.int64) - 1
    return inst


def read_tsplib(path) -> TSPInstance:
    """Read a ``.tsp`` file (see :func:`parse_tsplib`)."""
    p = Path(os.fspath(path))
    if not p.is_file():
        raise FileNotFoundError(f"TSPLIB file not found: {p}")
    return parse_tsplib(p.read_text(errors="replace"), source=str(p))


def parse_tour(text: str, n: int | None = None, *, source: str = "<string>") -> np.ndarray:
    """Parse a TSPLIB ``.tour`` text (TOUR_SECTION ending with -1); return 0-based ids."""
    header, sections = _sections(text, source)
    if "TOUR_SECTION" not in sections:
        raise TSPLIBError(f"{source}: missing TOUR_SECTION")
    vals = _numbers(sections["TOUR_SECTION"], "TOUR_SECTION", source).astype(np.int64)
    if -1 in vals:
        vals = vals[:list(vals).index(-1)]
    if n is None:
        n = _dimension(header, source) if "DIMENSION" in header else vals.size
    try:
        return check_tour(vals - 1, n)
    except ValueError as exc:
        raise TSPLIBError(f"{source}: {exc} (ids counted from 1)") from None


def read_tour(path, n: int | None = None) -> np.ndarray:
    """Read a ``.opt.tour`` / ``.tour`` file (see :func:`parse_tour`)."""
    p = Path(os.fspath(path))
    if not p.is_file():
        raise FileNotFoundError(f"tour file not found: {p}")
    return parse_tour(p.read_text(errors="replace"), n, source=str(p))


# ---------------------------------------------------------------- shipped instances


@lru_cache(maxsize=1)
def _optima() -> dict:
    with resources.files("thermo_rl.anneal").joinpath("data/optima.json").open() as f:
        return json.load(f)["instances"]


def known_instances() -> list[str]:
    """Names of the TSPLIB instances shipped with the package."""
    return sorted(_optima(), key=str.lower)


def load_instance(name_or_path) -> TSPInstance:
    """A shipped instance by name (``"eil51"``) or any ``.tsp`` file by path."""
    if isinstance(name_or_path, (str, os.PathLike)):
        s = os.fspath(name_or_path)
        if s in _optima():
            res = resources.files("thermo_rl.anneal").joinpath(f"data/{s}.tsp")
            return parse_tsplib(res.read_text(), source=f"{s}.tsp")
        if s.endswith(".tsp") or os.sep in s or Path(s).exists():
            return read_tsplib(s)
        raise UserError(f"unknown TSP instance {s!r}; expected a path to a .tsp file or one "
                         f"of: {', '.join(known_instances())}")
    raise UserTypeError(f"instance must be a name or a path, got {type(name_or_path).__name__}")
