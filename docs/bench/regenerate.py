"""Regenerate ``docs/bench/bench.json``, the data behind the benchmarks page.

Runs ``thermo-rl bench --json`` (all arguments are passed through, e.g. ``--quick`` or a
list of areas) in this Python, and stores its rows together with the machine it ran
on and the command that produced them::

    python docs/bench/regenerate.py            # the full table (minutes; run on a quiet machine)
    python docs/bench/regenerate.py --quick    # smoke-test sizes

The docs build only reads the file; it never runs a benchmark.
"""

from __future__ import annotations

import datetime
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from thermo_rl.bench import cpu_model

OUT = Path(__file__).with_name("bench.json")


def versions() -> dict:
    out = {"python": platform.python_version()}
    import thermo_rl

    # the package's own version: an editable install's metadata keeps the version it was
    # installed at, not the source tree's that runs
    out["thermo-rl"] = thermo_rl.__version__
    for name in ("numpy", "numba", "scipy", "torch", "dwave-samplers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def machine(ran_on: dict) -> dict:
    """The bench's own record of where it ran (CPU, cores, thread counts) and the system."""
    return {
        "cpu": cpu_model(),
        **ran_on,
        "system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "versions": versions(),
    }


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cmd = [sys.executable, "-m", "thermo_rl", "bench", "--json", "--no-progress", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    result = json.loads(proc.stdout)
    data = {
        "command": " ".join(["thermo-rl", "bench", *args]),
        "regenerate": " ".join(["python", "docs/bench/regenerate.py", *args]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(result.get("machine", {})),
        "rows": result["rows"],
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({len(data['rows'])} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
