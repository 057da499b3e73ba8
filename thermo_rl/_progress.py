"""Progress bars (tqdm, on stderr) and the fast-mode switch.

Long work shows a bar unless ``progress=False``; the environment variable
``THERMO_RL_PROGRESS=0`` switches every bar off (the test suite sets it), and
``THERMO_RL_FAST=1`` shrinks notebooks and the tour to a smoke-test size.
"""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm

__all__ = ["LONG_RUN_SECONDS", "announce_estimate", "fast_mode", "format_seconds",
           "progress_bar", "progress_enabled"]

#: runs expected to take longer than this announce their estimate on stderr
LONG_RUN_SECONDS = 60.0


def fast_mode() -> bool:
    """True when ``THERMO_RL_FAST`` is set to a true value (1, yes, true)."""
    return os.environ.get("THERMO_RL_FAST", "").strip().lower() in {"1", "yes", "true", "on"}


def progress_enabled(progress: bool | None = True) -> bool:
    """Resolve a ``progress`` argument against the ``THERMO_RL_PROGRESS`` switch."""
    if os.environ.get("THERMO_RL_PROGRESS", "").strip().lower() in {"0", "no", "false", "off"}:
        return False
    return bool(progress)


def progress_bar(iterable=None, *, total=None, desc=None, progress: bool | None = True, **kw):
    """A tqdm bar on stderr, disabled when ``progress`` is false or switched off globally."""
    return tqdm(iterable, total=total, desc=desc, disable=not progress_enabled(progress),
                file=sys.stderr, leave=False, dynamic_ncols=True, **kw)


def format_seconds(s: float) -> str:
    """``45 s``, ``12 min``, ``3.2 h``, ``4.1 days``."""
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.3g} days"


def announce_estimate(seconds: float, what: str, progress: bool | None = True) -> bool:
    """Say on stderr, when a run starts, that it is expected to take long (a rough estimate).

    Printed when ``seconds >= LONG_RUN_SECONDS``, also with ``progress=False`` (one line
    worth seeing before a run of hours); only ``THERMO_RL_PROGRESS=0`` silences it.
    Returns whether it was printed.
    """
    if seconds < LONG_RUN_SECONDS or not progress_enabled(True):
        return False
    print(f"thermo-rl: {what} is expected to take about {format_seconds(seconds)} on this "
          "machine (a rough estimate; Ctrl-C stops it)", file=sys.stderr, flush=True)
    return True
