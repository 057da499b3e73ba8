"""Running a sweep: joblib on this machine, or a Dask cluster; rows saved as they arrive.

The driver (this process) sends every point not yet in ``out`` to the workers, receives
each row as soon as its point finishes, and writes it at once (:mod:`.store`). Workers
only compute; they need the package installed (same version: the ``version`` column
records theirs) and never touch ``out``, so a cluster on other machines needs no shared
filesystem. No scheduling is done here: joblib (loky processes) or Dask decide.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field

from .._progress import progress_bar, progress_enabled
from ..errors import UserError, UserTypeError
from .registry import point_threads, using_threads
from .spec import SweepSpec
from .store import LEAD, MIDDLE, TAIL, MemoryStore, ParquetStore, _frame

__all__ = ["Sweep", "SweepInterrupted", "SweepResult", "point_threads", "run_point", "run_sweep"]

#: Restarts of the joblib pool after a worker process died (e.g. killed), per run.
MAX_RESTARTS = 3


class Sweep(SweepSpec):
    """A :class:`~thermo_rl.sweep.spec.SweepSpec` that runs: ``Sweep(...).run(out)``.

    The fields, their checks and the points are the spec's (see its parameters); this
    class only adds :meth:`run`, so that the spec does not import the runner.

    Examples
    --------
    >>> from thermo_rl.sweep import Sweep
    >>> sw = Sweep("ising", grid={"L": [4, 8], "T": "2:3:3"}, fixed={"sweeps": 64},
    ...            replicas=2)
    >>> len(sw.expand())
    12
    >>> sw.expand()[0].params
    {'sweeps': 64, 'L': 4, 'T': 2.0}
    """

    def run(self, out=None, **kw) -> SweepResult:
        """:func:`run_sweep` of this sweep."""
        return run_sweep(self, out, **kw)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep; the message says how many points are saved and where.

    A ``KeyboardInterrupt``, so code that stops on Ctrl-C still stops. Attributes:
    ``saved``, ``points`` (counts) and ``out`` (the folder, None in memory).
    """

    def __init__(self, saved: int, points: int, out):
        self.saved, self.points, self.out = saved, points, out
        where = f" in {out}; run the same sweep again to resume" if out is not None else \
            " (in memory only: give out to keep them)"
        super().__init__(f"{saved} of {points} points are saved{where}")


@dataclass
class SweepResult:
    """What :func:`run_sweep` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per point of the sweep, in spec order: ``key``, ``simulator``,
        ``replica``, the parameters, ``seed``, ``status`` (``ok``/``error``), ``error``,
        the simulator's scalar results (a result key equal to a parameter's or a
        bookkeeping column's name is kept as ``result_<key>`` when the values differ),
        ``seconds`` (wall time of the point on its worker), ``cpu_seconds`` (CPU time of
        the worker process during the point: much less than ``seconds`` means the cores
        were shared), ``version`` (the worker's thermo_rl version) and ``finished_at``
        (UTC, ISO 8601).
    points, done_before, ran, failed : int
        Points in the spec, found done in ``out`` (skipped), run now, failed (in table).
    seconds : float
        Wall time of this run.
    """

    table: object = field(repr=False)
    simulator: str
    out: str | None
    points: int
    done_before: int
    ran: int
    failed: int
    seconds: float
    scheduler: str
    workers: int | None
    dashboard: str | None = None

    def as_dict(self) -> dict:
        """JSON-ready summary (the table is left out; see :attr:`table`)."""
        errors = []
        if self.failed:
            t = self.table[self.table["status"] == "error"]
            errors = [f"{r.key}: {r.error}" for r in t.head(5).itertuples()]
        return {"simulator": self.simulator, "out": self.out, "points": self.points,
                "done_before": self.done_before, "ran": self.ran, "failed": self.failed,
                "seconds": self.seconds, "scheduler": self.scheduler, "workers": self.workers,
                "dashboard": self.dashboard, "errors": errors}


def _cell(v):
    """Parameters that are lists or tables are stored as JSON text."""
    return json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v


def run_point(task: dict) -> dict:
    """Run one point on a worker; return its row. Exceptions become an ``error`` row."""
    from .. import __version__

    t0, c0 = time.perf_counter(), time.process_time()
    params = task["params"]
    row = {"key": task["key"], "simulator": task["simulator"].name,
           "replica": task["replica"], **{k: _cell(v) for k, v in params.items()},
           "seed": task["seed"], "status": "ok", "error": None}
    try:
        with using_threads(task.get("threads", 1)):
            result = task["simulator"](params, task["seed"])
        for k, v in result.items():
            if k in row or k in TAIL:
                if k in params and _same(v, params[k]):
                    continue
                k = f"result_{k}"
            row[k] = v
    except Exception as exc:   # noqa: BLE001 - a failing point is recorded, not raised
        row["status"] = "error"
        row["error"] = _describe(exc)
    row["seconds"] = time.perf_counter() - t0
    row["cpu_seconds"] = time.process_time() - c0
    row["version"] = __version__
    row["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + \
        f".{int(time.time() * 1e6) % 1_000_000:06d}Z"
    return row


def _same(a, b) -> bool:
    try:
        return a == b or float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _describe(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)
    loc = f" [{os.path.basename(where[-1].filename)}:{where[-1].lineno}]" if where else ""
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg}{loc}"[:2000]


def _error_row(task: dict, exc: BaseException) -> dict:
    """The row of a point whose worker never returned (killed, lost, cancelled)."""
    from .. import __version__

    return {"key": task["key"], "simulator": task["simulator"].name,
            "replica": task["replica"], **{k: _cell(v) for k, v in task["params"].items()},
            "seed": task["seed"], "status": "error", "error": _describe(exc),
            "seconds": None, "cpu_seconds": None, "version": __version__,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


# -- backends ----------------------------------------------------------------------------

def _joblib_rows(tasks, workers, done_keys, say):
    """Yield rows as points finish on a loky pool; restart it if a worker process dies."""
    try:
        from joblib import Parallel, delayed
        from joblib.externals.loky.process_executor import TerminatedWorkerError
    except ImportError as exc:  # pragma: no cover - joblib comes with the extra
        raise ImportError("the local scheduler needs joblib: pip install joblib "
                          "(or 'thermo-rl[dask]')") from exc
    pending = list(tasks)
    for attempt in range(MAX_RESTARTS + 1):
        par = Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered",
                       batch_size=1, pre_dispatch="2*n_jobs")
        results = par(delayed(run_point)(t) for t in pending)
        try:
            for row in results:
                done_keys.add(row["key"])
                yield row
            return
        except TerminatedWorkerError as exc:
            pending = [t for t in pending if t["key"] not in done_keys]
            if attempt == MAX_RESTARTS:
                raise RuntimeError(f"joblib worker processes died {MAX_RESTARTS + 1} times "
                                   f"({len(pending)} points left; finished points are saved): "
                                   f"{' '.join(str(exc).split())[:300]}") from None
            say(f"a worker process died; restarting the pool for the {len(pending)} points "
                "left")
        finally:
            # abandoned (Ctrl-C in the driver's loop, an error writing a row): joblib
            # kills the workers now, instead of the interpreter waiting for their points
            # at exit; its warning that points were cancelled is what the caller says
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                results.close()


def _dask_client(scheduler, workers, say):
    """``(client, owned, dashboard)`` for a Client, an address or ``"local-dask"``."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError("a Dask scheduler needs dask and distributed: pip install "
                          "'thermo-rl[dask]'") from exc
    if isinstance(scheduler, distributed.Client):
        return scheduler, [], scheduler.dashboard_link
    owned = []
    if scheduler == "local-dask":
        # the workers are the parallelism: one thread each (Numba threads are set per point)
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                           threads_per_worker=1, processes=True,
                                           dashboard_address=":8787")
        owned.append(cluster)
        client = distributed.Client(cluster)
    elif hasattr(scheduler, "scheduler_address"):      # a Cluster object
        client = distributed.Client(scheduler)
    else:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot reach the Dask scheduler at {scheduler!r}: "
                             f"{' '.join(str(exc).split())[:200]}") from None
    owned.insert(0, client)
    link = client.dashboard_link
    msg = f"dask: {len(client.nthreads())} workers at {client.scheduler.address}; " \
          f"dashboard {link}"
    if owned[1:]:               # a cluster started here: always show where its dashboard is
        print(f"sweep: {msg}", file=sys.stderr)
    else:
        say(msg)
    return client, owned, link


def _dask_rows(client, tasks, done_keys):
    from distributed import as_completed

    futures = {}
    for t in tasks:
        f = client.submit(run_point, t, key=f"thermo-rl-point-{t['key']}", pure=False)
        futures[f] = t
    try:
        for fut in as_completed(list(futures)):
            t = futures[fut]
            try:
                row = fut.result()
            except Exception as exc:   # noqa: BLE001 - KilledWorker, lost, cancelled
                row = _error_row(t, exc)
            done_keys.add(row["key"])
            fut.release()
            yield row
    finally:
        left = [f for f in futures if f.status == "pending"]
        if left:
            client.cancel(left)


def _scheduler_name(scheduler) -> str:
    if scheduler is None or scheduler == "joblib":
        return "joblib"
    if isinstance(scheduler, str):
        return scheduler
    return type(scheduler).__name__


def _order(rows: list, sweep_points, param_names) -> object:
    """The table of ``rows`` in spec order, columns: lead, parameters, results, tail."""
    index = {p.key: p.index for p in sweep_points}
    rows = sorted(rows, key=lambda r: index[r["key"]])
    df = _frame(rows)
    fixed = [*LEAD, *param_names, *MIDDLE]
    rest = [c for c in df.columns if c not in fixed and c not in TAIL]
    return df[[c for c in fixed if c in df.columns] + rest + [c for c in TAIL if c in df.columns]]


def run_sweep(sweep, out=None, *, scheduler=None, workers: int | None = None,
              retry_failed: bool = False, progress: bool = True) -> SweepResult:
    """Run every point of ``sweep`` not yet in ``out``; return the whole table.

    Parameters
    ----------
    sweep : Sweep or dict
        The sweep (a dict is read by :meth:`Sweep.from_dict`: registered simulators
        only). Every point is checked (:meth:`Sweep.validate`) before any point runs: a
        point its simulator refuses raises :class:`SweepPointError`, naming it.
    out : str or Path, optional
        Results folder (default ``sweep.out``). Each point's row is written there as
        soon as it finishes; points already there are skipped, so rerunning an
        interrupted sweep resumes it. None: keep the rows in memory only.
    scheduler : None, "joblib", "local-dask", address or distributed.Client
        Where the points run: local processes through joblib (default); a new
        ``LocalCluster`` with its dashboard (``"local-dask"``); an existing Dask
        cluster by scheduler address (``"tcp://host:8786"``) or by ``Client``.
    workers : int, optional
        joblib processes or LocalCluster workers (default: the cores); ignored for an
        existing cluster.
    retry_failed : bool
        Run the points stored with an error again.
    progress : bool
        A bar counting points (stderr).

    Returns
    -------
    SweepResult
        ``.table`` (pandas) has one row per point; failed points carry their error.

    Examples
    --------
    >>> from thermo_rl.sweep import Sweep, run_sweep
    >>> sw = Sweep("ising", grid={"T": [2.0, 3.0]}, fixed={"L": 4, "sweeps": 64})
    >>> res = run_sweep(sw, workers=1, progress=False)
    >>> res.table[["T", "status"]].values.tolist()
    [[2.0, 'ok'], [3.0, 'ok']]
    """
    t0 = time.perf_counter()
    if isinstance(sweep, dict):
        sweep = Sweep.from_dict(sweep)
    if not isinstance(sweep, SweepSpec):
        raise UserTypeError(f"sweep must be a Sweep or a dict, got {type(sweep).__name__}")
    sweep.validate()                     # names and every point's values, before any runs
    if workers is not None:
        from .._validation import check_int

        workers = check_int(workers, "workers", low=1)
    out = sweep.out if out is None else out
    store = MemoryStore() if out is None else ParquetStore(out)
    points = sweep.expand()
    keys = {p.key for p in points}
    stored = store.rows()
    done = {r["key"] for r in stored if r["key"] in keys and
            (r.get("status") == "ok" or not retry_failed)}
    todo = [p for p in points if p.key not in done]
    if out is not None:
        store.write_spec(sweep.as_dict())
    tasks = [{"simulator": sweep.entry, "params": p.params, "seed": p.seed, "key": p.key,
              "replica": p.replica, "threads": sweep.threads} for p in todo]

    def say(msg):
        if progress_enabled(progress):
            print(f"sweep: {msg}", file=sys.stderr)

    name = _scheduler_name(scheduler)
    client, owned, dashboard = None, [], None
    if todo and name != "joblib":
        client, owned, dashboard = _dask_client(scheduler, workers, say)
        n_workers = len(client.nthreads())
    elif todo:
        import joblib

        n_workers = workers or joblib.cpu_count()
    else:
        n_workers = None                 # nothing to run: no pool, no cluster contacted
    finished = set()
    ran = 0
    bar = progress_bar(total=len(points), initial=len(done), desc=f"sweep {sweep.simulator_name}",
                       progress=progress, unit="pt")
    rows = None
    try:
        rows = _joblib_rows(tasks, n_workers, finished, say) if client is None else \
            _dask_rows(client, tasks, finished)
        with bar:
            for row in rows:
                store.write(row)
                ran += 1
                bar.update(1)
    except KeyboardInterrupt:
        raise SweepInterrupted(len(done) + ran, len(points),
                               None if out is None else os.fspath(out)) from None
    finally:
        if rows is not None:
            rows.close()                 # stops the workers' pending points at once
        for obj in owned:
            with contextlib.suppress(Exception):
                obj.close()
    store.compact()
    rows = [r for r in store.rows() if r["key"] in keys]
    table = _order(rows, points, list(dict.fromkeys(k for p in points for k in p.params)))
    failed = int((table["status"] == "error").sum()) if len(table) else 0
    return SweepResult(table, sweep.simulator_name, None if out is None else os.fspath(out),
                       len(points), len(done), ran, failed, time.perf_counter() - t0, name,
                       n_workers, dashboard)
