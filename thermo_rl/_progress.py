"""Progress bars (tqdm, on stderr) and the fast-mode switch.

Long work shows a bar unless ``progress=False``; the environment variable
``THERMO_RL_PROGRESS=0`` switches every bar off (the test suite sets it), and
``THERMO_RL_FAST=1`` shrinks notebooks and the tour to a smoke-test size.
"""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm

__all__ = ["fast_mode", "progress_bar", "progress_enabled"]


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
