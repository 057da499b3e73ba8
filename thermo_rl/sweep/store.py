"""The results folder: one Parquet file per finished point, merged when a sweep completes.

Layout of ``out/``::

    spec.json                the last spec run into this folder (provenance)
    point-<key>.parquet      one row, written by the driver as soon as the point returns
    table-<stamp>.parquet    many rows: the point files merged at the end of a complete run

Every file is written to a temporary name and renamed into place (``os.replace`` is
atomic), so a killed driver leaves whole files only. Reading takes every row of every file
and keeps one row per ``key``: the latest successful one, else the latest failure. A point
is therefore never counted twice, even if the driver died while merging.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from ..errors import UserError

__all__ = ["MemoryStore", "ParquetStore", "aggregate", "load_results"]

#: Columns every row has, in this order, around the parameters and the results.
LEAD = ("key", "simulator", "replica")
MIDDLE = ("seed", "status", "error")
TAIL = ("seconds", "cpu_seconds", "version", "finished_at")


def _pa():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError("sweep results need pyarrow and pandas: pip install "
                          "'thermo-rl[dask]' (or pyarrow pandas)") from exc
    return pa, pq


def _frame(rows: list):
    import pandas as pd

    return pd.DataFrame.from_records(rows) if rows else pd.DataFrame(
        columns=[*LEAD, *MIDDLE, *TAIL])


def _dedupe(rows: list) -> list:
    """One row per key: the latest ``ok`` row, else the latest row."""
    best = {}
    for r in rows:
        k = r["key"]
        old = best.get(k)
        if old is None:
            best[k] = r
            continue
        rank_new = (r.get("status") == "ok", r.get("finished_at") or "")
        rank_old = (old.get("status") == "ok", old.get("finished_at") or "")
        if rank_new >= rank_old:
            best[k] = r
    return list(best.values())


class MemoryStore:
    """Rows kept in memory (a sweep without ``out``: nothing to resume)."""

    path = None

    def __init__(self):
        self._rows = []

    def write(self, row: dict) -> None:
        self._rows.append(row)

    def rows(self) -> list:
        return _dedupe(self._rows)

    def compact(self) -> None:
        pass


class ParquetStore:
    """The results folder (see the module docstring). Created and checked writable here."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / f".probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise UserError(f"out folder {os.fspath(self.path)!r} is not writable: "
                             f"{exc.strerror or exc}") from None
        _pa()

    def _files(self):
        return sorted(p for p in self.path.glob("*.parquet")
                      if p.name.startswith(("point-", "table-")))

    def _atomic_write(self, table, name: str) -> Path:
        _, pq = _pa()
        final = self.path / name
        tmp = self.path / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        return final

    def write(self, row: dict) -> None:
        """Write one finished point (atomically)."""
        pa, _ = _pa()
        self._atomic_write(pa.Table.from_pylist([row]), f"point-{row['key']}.parquet")

    def rows(self) -> list:
        """Every stored row, one per key (see :func:`_dedupe`)."""
        _, pq = _pa()
        rows = []
        for p in self._files():
            try:
                rows += pq.read_table(p).to_pylist()
            except (OSError, ValueError):   # a foreign or damaged file: skip, never crash
                continue
        return _dedupe(rows)

    def write_spec(self, spec: dict) -> None:
        tmp = self.path / f".spec.json.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(json.dumps(spec, indent=2))
        os.replace(tmp, self.path / "spec.json")

    def compact(self) -> None:
        """Merge every file into one ``table-*.parquet`` (then remove the merged files)."""
        pa, _ = _pa()
        files = self._files()
        if len(files) < 2:
            return
        rows = self.rows()
        names = list(dict.fromkeys(k for r in rows for k in r))   # from_pylist: 1st row's keys
        try:
            table = pa.Table.from_pylist([{k: r.get(k) for k in names} for r in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return                       # mixed types in a column: keep the point files
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        self._atomic_write(table, f"table-{stamp}-{uuid.uuid4().hex[:8]}.parquet")
        for p in files:
            p.unlink(missing_ok=True)


def load_results(out, *, status: str | None = None):
    """The results table of a folder (pandas), one row per point, in finishing order.

    Parameters
    ----------
    out : str or Path
        A sweep's ``out`` folder.
    status : {"ok", "error"}, optional
        Keep only these rows.
    """
    path = Path(out)
    if not path.is_dir():
        raise FileNotFoundError(f"no sweep results folder at {os.fspath(path)}")
    rows = ParquetStore(path).rows()
    rows.sort(key=lambda r: r.get("finished_at") or "")
    df = _frame(rows)
    if status is not None:
        df = df[df["status"] == status].reset_index(drop=True)
    return df


def aggregate(table, y: str, *, x: str = "T", by=None):
    """Mean of ``y`` and its error bar per (``by``, ``x``), over replicas.

    With several rows in a group the error is the standard error of their mean
    (``std(ddof=1) / sqrt(n)``, the replicas are independent); with one row it is that
    row's own ``<y>_error`` column where the simulator reports one (binning error of one
    run), else NaN. Failed points are left out. Other parameters that vary are averaged
    over too: select first (``table[table.q == 3]``).

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` (if given), ``x``, ``y`` (the mean), ``error`` and ``n``.
    """
    import numpy as np
    import pandas as pd

    if y not in table.columns:
        raise UserError(f"y: no column {y!r} in the table; columns: {', '.join(table.columns)}")
    keys = ([] if by is None else [by] if isinstance(by, str) else list(by)) + [x]
    for k in keys:
        if k not in table.columns:
            raise UserError(f"no column {k!r} in the table (parameters: "
                             f"{', '.join(c for c in table.columns if c not in LEAD)})")
    t = table[table["status"] == "ok"] if "status" in table.columns else table
    err_col = f"{y}_error" if f"{y}_error" in t.columns else None
    out = []
    for key, g in t.groupby(keys, sort=True):
        v = pd.to_numeric(g[y], errors="coerce").to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        n = v.size
        if n == 0:
            continue
        if n > 1:
            err = float(v.std(ddof=1) / np.sqrt(n))
        elif err_col is not None:
            err = float(pd.to_numeric(g[err_col], errors="coerce").iloc[0])
        else:
            err = float("nan")
        key = key if isinstance(key, tuple) else (key,)
        out.append({**dict(zip(keys, key)), y: float(v.mean()), "error": err, "n": n})
    return pd.DataFrame(out, columns=[*keys, y, "error", "n"])
