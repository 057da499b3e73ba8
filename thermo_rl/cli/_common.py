"""Argument helpers shared by the subcommands: ranges, lists, figure output, Ctrl-C."""

from __future__ import annotations

import argparse
import math
import numbers
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from ..errors import UserError

__all__ = ["MAX_LIST", "SAVE_ERRORS", "Interrupted", "add_scheduler_arguments", "check_out_dir",
           "comma_choices", "float_list", "float_range", "num", "out_dir", "save_figure", "scan",
           "short"]

#: the longest list or range a flag accepts (a guard against ``1:2:1e12``)
MAX_LIST = 100_000

#: figures that failed to save in this invocation (reported by ``main`` after the result)
SAVE_ERRORS: list[str] = []


class Interrupted(Exception):
    """Raised by ``run(args)`` on Ctrl-C with the part already computed (``partial``).

    ``main`` prints ``partial`` as it would print a full result, then ``what`` on stderr,
    and exits with status 130.
    """

    def __init__(self, partial: dict | None, what: str = "printed what was finished"):
        super().__init__(what)
        self.partial = partial
        self.what = what


def _finite(x: float, text: str) -> float:
    if not np.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected finite numbers, got {text!r}")
    return x


def float_range(text: str) -> np.ndarray:
    """Parse ``"2.0"`` (one value) or ``"1.5:3.0:16"`` (start:stop:count, inclusive)."""
    parts = text.split(":")
    try:
        if len(parts) == 1:
            return np.array([_finite(float(parts[0]), text)])
        if len(parts) == 3:
            start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
            _finite(start, text), _finite(stop, text)
            if 1 <= n <= MAX_LIST:
                return np.linspace(start, stop, n)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f"expected a finite number or start:stop:count with 1 <= count <= {MAX_LIST} "
        f"(e.g. 1.5:3.0:16), got {text!r}")


def float_list(text: str) -> np.ndarray:
    """Parse a comma-separated list of finite numbers, e.g. ``"0,1,1,2"``."""
    try:
        values = [float(t) for t in text.split(",") if t.strip() != ""]
    except ValueError:
        values = None
    if values is None or len(values) > MAX_LIST or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated finite numbers (e.g. 0,1,2), got {text!r}")
    return np.array(values, dtype=np.float64)


def comma_choices(text: str, choices, flag: str, *, allow_all: bool = False) -> list[str]:
    """Split a comma list and check every item is one of ``choices`` (``all``: every one)."""
    choices = list(choices)
    names = [t.strip() for t in str(text).split(",") if t.strip()]
    if allow_all and names == ["all"]:
        return choices
    expected = ", ".join(choices) + (" (or all)" if allow_all else "")
    if not names:
        raise UserError(f"{flag} must name at least one of: {expected}")
    for n in names:
        if n not in choices:
            raise UserError(f"unknown {flag} {n!r}; expected a comma list of: {expected}")
    if len(set(names)) != len(names):
        raise UserError(f"{flag} lists a value twice: {text!r}")
    return names


def add_scheduler_arguments(p):
    """``--scheduler``, ``--workers``, ``--retry-failed``: where a sweep's points run
    (``thermo-rl sweep`` and ``thermo-rl llm atlas``)."""
    p.add_argument("--scheduler", default="joblib",
                   help="joblib (local processes, default), local-dask (a LocalCluster with "
                        "its dashboard) or a Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--workers", type=int, default=None,
                   help="local processes or LocalCluster workers (default: the cores)")
    p.add_argument("--retry-failed", action="store_true",
                   help="run the points stored with an error again")


def num(x, fmt: str = "") -> str:
    """``format(x, fmt)`` for a number; ``-`` (padded to the width of ``fmt``) for a
    missing one: ``None`` (how a result's NaN or infinity reaches a renderer), NaN or inf.

    >>> num(1.23456, "8.3f"), num(None, "8.3f"), num(float("nan"), "+.2f")
    ('   1.235', '       -', '-')
    """
    if x is None or (isinstance(x, numbers.Real) and not math.isfinite(x)):
        m = re.match(r"^[^0-9]*?(\d+)", fmt.split(".")[0]) if fmt else None
        return "-".rjust(int(m.group(1)) if m else 0)
    return format(x, fmt)


def short(value, limit: int = 80) -> str:
    """A value on one line, cut at ``limit`` characters (for summaries)."""
    text = " ".join(str(value.tolist() if isinstance(value, np.ndarray) else value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def check_out_dir(path, *, create: bool = True) -> Path:
    """Check ``--out`` before computing: a folder (created if missing) we can write in.

    ``create=False`` (``--dry-run``) creates nothing: an existing folder must be
    writable, a missing one creatable in its nearest existing parent.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserError(f"--out {os.fspath(p)!r} is a file; expected a folder")
    if not create:
        q = p
        while not q.exists() and q != q.parent:
            q = q.parent
        if not q.is_dir() or not os.access(q, os.W_OK | os.X_OK):
            raise UserError(f"--out {os.fspath(p)!r} is not a writable folder")
        return p
    try:
        p.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=p, prefix=".thermo-rl-write-test-"):
            pass
    except OSError as exc:
        raise UserError(f"--out {os.fspath(p)!r} is not a writable folder "
                        f"({exc.strerror or exc})") from None
    return p


def out_dir(args, default: str | None = None) -> Path | None:
    """The folder for figures: ``--out`` if given, else ``default`` (None: save nothing)."""
    path = args.out if args.out is not None else default
    return None if path is None else check_out_dir(path)


def save_figure(fig, folder: Path | None, name: str) -> str | None:
    """:func:`thermo_rl.viz.save_figure`, but a failure is recorded, not raised.

    The result is then still printed; ``main`` reports the failure after it (status 2).
    """
    from ..viz import save_figure as _save

    try:
        return _save(fig, folder, name)
    except OSError as exc:
        SAVE_ERRORS.append(f"{os.fspath(Path(folder) / name)} ({exc.strerror or exc})")
        return None


def scan(values, point, head: dict):
    """``point(v) -> (row, result)`` for each value of a scan; ``(rows, last result)``.

    On Ctrl-C raises :class:`Interrupted` with ``{**head, "points": rows so far,
    "figures": [], "interrupted": True}``, so ``main`` prints the finished points.
    """
    rows, last = [], None
    try:
        for v in values:
            row, last = point(float(v))
            rows.append(row)
    except KeyboardInterrupt:
        raise Interrupted({**head, "points": rows, "figures": [], "interrupted": True},
                          f"{len(rows)} of {len(values)} temperatures finished") from None
    return rows, last
