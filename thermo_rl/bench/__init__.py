"""``thermo-rl bench``: each kernel timed against a plain NumPy reference in the same run.

Each area has a module ``thermo_rl.bench.<area>`` with
``run(quick: bool, seed: int, progress: bool) -> list[BenchRow]``; absent
modules are skipped. Speed claims live here and in the docs table, never in
timed tests.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .._validation import checks_input, work_starts
from ..errors import UserError

__all__ = ["AREAS", "BenchRow", "available_areas", "best_time", "best_times", "cpu_model",
           "machine", "run_bench"]

AREAS = ("levels", "ising", "free_energy", "anneal", "bandit", "llm", "llm_rl", "llm_hf", "gpu")


@dataclass
class BenchRow:
    """One timed kernel: throughput in ``unit`` and its ratio to the reference."""

    area: str
    name: str
    value: float | None   # throughput (higher is better) in `unit`; None: skipped
    unit: str             # e.g. "flips_per_ns", "steps_per_ns"
    reference: str        # name of the reference it is compared with
    ratio: float | None   # value / reference value (None for the reference itself)
    seconds: float        # wall time of the timed call
    note: str = ""

    def as_dict(self) -> dict:
        """JSON-ready: every field."""
        from ..results import jsonable

        return jsonable(asdict(self))


def best_time(fn, repeat: int = 3, *, clock=time.perf_counter) -> float:
    """Best time in seconds of ``fn()`` over ``repeat`` calls (call once first to warm up).

    ``clock``: wall time by default; ``time.process_time`` (CPU seconds of this process)
    compares one-core kernels fairly on a machine shared with other work.
    """
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def best_times(fns: dict, repeat: int = 3, *, clock=time.perf_counter) -> dict:
    """Best wall time of each ``fns[name]()`` over ``repeat`` rounds that call them in turn.

    Interleaving puts every candidate under the same background load (on a shared
    machine a burst of load then slows one round of all of them, not one of them).
    Call each once first to warm up. ``clock``: as in :func:`best_time`.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = clock()
            fn()
            best[name] = min(best[name], clock() - t0)
    return best


def cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``, as ``lscpu``'s "Model name";
    ``platform.processor()`` elsewhere): every speed figure names the machine it was
    measured on."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """Where a bench ran: ``cpu`` (model name), ``cores`` (logical cores of the machine),
    ``threads`` (Numba's thread count, what the multi-thread rows use; one-core rows
    say ``1 thr``) and ``numpy_threads`` (BLAS/OpenMP threads NumPy may use).

    Every bench table prints it: a speed figure means nothing without the CPU.
    """
    import sys

    import numba

    torch = sys.modules.get("torch")
    keep = torch.get_num_threads() if torch is not None else None
    threads = numba.get_num_threads()     # the first call starts Numba's OpenMP layer, which
    if keep is not None:                  # resets the OpenMP thread count torch shares
        torch.set_num_threads(keep)
    blas = next((os.environ[v] for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                         "MKL_NUM_THREADS") if os.environ.get(v)), None)
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "threads": threads,
            "numpy_threads": int(blas) if blas and blas.isdigit() else None}


def available_areas():
    return [a for a in AREAS if importlib.util.find_spec(f"thermo_rl.bench.{a}") is not None]


@checks_input
def run_bench(areas=None, *, quick: bool = False, seed: int = 0, progress: bool = True):
    """Run the benchmarks of ``areas`` (default all available) and return the rows.

    An area whose module has ``unavailable()`` returning a reason (``gpu`` without CUDA)
    is skipped with one row saying why when ``areas`` is None (all of them), and is an
    error (:class:`~thermo_rl.errors.UserError`, one line) when it was named.
    """
    names = available_areas() if areas is None else list(areas)
    modules, skipped = {}, {}
    for a in names:                             # every check before any long work
        if a not in AREAS:
            raise UserError(f"unknown bench area {a!r}; expected one of: {', '.join(AREAS)}")
        if importlib.util.find_spec(f"thermo_rl.bench.{a}") is None:
            raise UserError(f"bench area {a!r} is not available in this version")
        modules[a] = importlib.import_module(f"thermo_rl.bench.{a}")
        why = getattr(modules[a], "unavailable", lambda: None)()
        if why and areas is not None:
            raise UserError(f"bench {a} {why}")
        if why:
            skipped[a] = why
    work_starts()
    rows = []
    for a, module in modules.items():
        if a in skipped:
            rows.append(BenchRow(a, f"skipped: {a}", None, "-", "-", None, 0.0,
                                 f"{skipped[a]}; run `thermo-rl bench {a}` on a machine "
                                 "that has one"))
        else:
            rows.extend(module.run(quick=quick, seed=seed, progress=progress))
    return rows
