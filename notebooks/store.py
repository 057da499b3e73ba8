"""Execute notebooks top to bottom and store them with their outputs.

    python notebooks/store.py 02_ising_magnet solutions/02_ising_magnet_solutions
    THERMO_RL_FAST=1 python notebooks/store.py 01_free_energy_not_reward   # smoke-test size

Each notebook runs in its own folder (as JupyterLab runs it, so ``otter.Notebook`` finds
``notebooks/tests``), with progress bars off and the inline matplotlib backend. The stored
copy keeps every output except the widget views (a live widget needs a kernel; the
sliders of ``thermo_rl.viz.widgets`` carry a static PNG of their first figure beside the
view, which stays) and the widget state in the metadata. Prints each notebook's wall time,
the load average and the CPU, the numbers the course's closing note reports.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import nbclient
import nbformat

HERE = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_widgets(nb) -> None:
    """Drop widget views (keeping the other mime types of the same output), widget state
    and execution timestamps."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)            # timestamps: noise in the diff
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None and WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if set(data) <= {"text/plain"}:
                    continue                      # a widget with nothing static to show
            kept.append(out)
        cell.outputs = kept


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


CPU_CELL = ("import resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\n"
            "print('__cpu_seconds__', _u.ru_utime + _u.ru_stime)")


def store(name: str, timeout: int = 300) -> tuple[float, float]:
    """Execute and store one notebook; (wall seconds, CPU seconds of its kernel, all threads).

    On a machine shared with other work the CPU time is what a quiet machine with as many
    cores as the kernel's threads used would need, roughly; the wall time is what it took."""
    path = (HERE / name).with_suffix(".ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_CELL))
    env = {"THERMO_RL_PROGRESS": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                         resources={"metadata": {"path": str(path.parent)}})
        t0 = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - t0
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    probe = nb.cells.pop()
    cpu = float("nan")
    for out in probe.get("outputs", []):
        if out.get("output_type") == "stream" and "__cpu_seconds__" in out.get("text", ""):
            cpu = float(out["text"].split()[-1])
    strip_widgets(nb)
    nbformat.write(nb, path)
    return seconds, cpu


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    fast = os.environ.get("THERMO_RL_FAST", "") not in ("", "0")
    for name in argv:
        load = os.getloadavg()[0]
        seconds, cpu = store(name)
        print(f"{name}: {seconds:.1f} s wall, {cpu:.1f} s kernel CPU "
              f"({'fast' if fast else 'full size'}; load average "
              f"{load:.2f} before, {os.getloadavg()[0]:.2f} after; {os.cpu_count()} CPUs, "
              f"{cpu_name()})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
