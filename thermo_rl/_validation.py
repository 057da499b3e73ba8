"""Input checks shared by every public function.

Each helper raises a ``ValueError`` or ``TypeError`` whose message names the
argument and says what was expected, so that bad input never reaches a Numba
kernel (where it would surface as a NaN, a hang or an unreadable traceback).
"""

from __future__ import annotations

import contextvars
import math
import numbers
import os
from collections.abc import Iterable

import numpy as np

from .errors import UserError, UserTypeError

__all__ = [
    "MEMORY_FRACTION",
    "as_float_array",
    "check_call",
    "check_choice",
    "check_int",
    "check_lattice_side",
    "check_memory",
    "check_probability",
    "check_real",
    "check_temperature",
    "checking",
    "checks_input",
    "work_starts",
]


def check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False,
               allow_inf=False) -> float:
    """Return ``value`` as a float after checking it is a real number in range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating,
                                                                     np.integer)):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        else:
            raise UserTypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise UserError(f"{name} must be finite, got {v}")
    if low is not None and (v < low or (low_open and v == low)):
        op = ">" if low_open else ">="
        raise UserError(f"{name} must be {op} {low}, got {v}")
    if high is not None and (v > high or (high_open and v == high)):
        op = "<" if high_open else "<="
        raise UserError(f"{name} must be {op} {high}, got {v}")
    return v


def check_int(value, name: str, *, low=None, high=None) -> int:
    """Return ``value`` as an ``int`` after checking it is an integer in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise UserTypeError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if low is not None and v < low:
        raise UserError(f"{name} must be >= {low}, got {v}")
    if high is not None and v > high:
        raise UserError(f"{name} must be <= {high}, got {v}")
    return v


def check_lattice_side(L, name: str = "L") -> int:
    """An even lattice side ``>= 2`` (checkerboard updates need two equal sublattices)."""
    L = check_int(L, name, low=2)
    if L % 2:
        raise UserError(f"{name} must be even for checkerboard updates, got {L}")
    return L


def check_temperature(T, name: str = "T", *, allow_zero: bool = False,
                      allow_inf: bool = False) -> float:
    """Check a temperature (units of energy, k_B = 1): positive, optionally 0 or inf."""
    v = check_real(T, name, allow_inf=allow_inf)
    if v < 0 or (v == 0 and not allow_zero):
        need = ">= 0" if allow_zero else "> 0"
        raise UserError(f"{name} (temperature) must be {need}, got {v}")
    if 0 < v < _TINY:       # a subnormal T: beta = 1/T overflows to inf (and inf * 0 = NaN)
        raise UserError(f"{name} (temperature) must be >= {_TINY:.4g} (beta = 1/T must be "
                        f"finite){' or 0' if allow_zero else ''}, got {v}")
    return v


_TINY = float(np.finfo(np.float64).tiny)


def check_probability(p, name: str, *, open_low=False, open_high=False) -> float:
    """Check a number lies in [0, 1] (ends optionally open)."""
    return check_real(p, name, low=0.0, high=1.0, low_open=open_low, high_open=open_high)


def check_choice(value, name: str, choices: Iterable[str]) -> str:
    """Check ``value`` is one of ``choices`` (strings); the error lists them."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise UserError(f"unknown {name} {value!r}; expected one of: {', '.join(choices)}")
    return value


def as_float_array(x, name: str, *, ndim: int | None = None, min_size: int = 1,
                   finite: bool = True, positive: bool = False) -> np.ndarray:
    """Convert to a float64 array, checking dimension, size and finiteness."""
    if isinstance(x, str):
        raise UserTypeError(f"{name} must be an array of numbers, got a string")
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UserTypeError(f"{name} must be an array of real numbers ({exc})") from None
    if ndim is not None and a.ndim != ndim:
        raise UserError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    if a.size < min_size:
        raise UserError(f"{name} must have at least {min_size} element(s), got {a.size}")
    if finite and not np.all(np.isfinite(a)):
        raise UserError(f"{name} must contain only finite values (no NaN or inf)")
    if positive and np.any(a <= 0):
        raise UserError(f"{name} must be strictly positive")
    return a


#: a computation may plan to use at most this share of the machine's physical memory
MEMORY_FRACTION = 0.8


def machine_memory() -> int | None:
    """Physical memory of this machine in bytes (None where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``1.5 GiB``-style size."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024.0
    return f"{n:.3g} PiB"  # pragma: no cover


def check_memory(nbytes: float, what: str) -> float:
    """Refuse up front a computation that would need more memory than the machine has.

    ``nbytes`` is the planned peak (an estimate); above ``MEMORY_FRACTION`` of the
    physical memory a :class:`~thermo_rl.errors.UserError` says how much it needs.
    """
    total = machine_memory()
    if total is not None and nbytes > MEMORY_FRACTION * total:
        raise UserError(f"{what} needs about {format_bytes(nbytes)} of memory; this machine "
                        f"has {format_bytes(total)}: use a smaller size")
    return nbytes


# -- check-only calls: a function's input checks without its work ------------------------

_CHECK_ONLY = contextvars.ContextVar("thermo_rl_check_only", default=False)


class _InputChecked(BaseException):
    """Raised by :func:`work_starts` inside :func:`check_call` (a BaseException, like
    KeyboardInterrupt, so that no ``except Exception`` on the way swallows it)."""


def work_starts() -> None:
    """Mark where a public function's expensive work starts: every input check is above.

    A no-op, except inside :func:`check_call`, where it stops the function there. A
    function that calls it on every path is marked with :func:`checks_input`.
    """
    if _CHECK_ONLY.get():
        raise _InputChecked


def checking() -> bool:
    """True inside :func:`check_call` (the function is only checking its input)."""
    return _CHECK_ONLY.get()


def checks_input(fn):
    """Mark ``fn`` as reaching :func:`work_starts` after its checks on every path."""
    fn.__checks_input__ = True
    return fn


def check_call(fn, /, *args, **kwargs) -> None:
    """Run the input checks of ``fn(*args, **kwargs)`` and nothing else.

    Raises what ``fn`` raises on bad input (a :class:`~thermo_rl.errors.UserError`);
    returns None when the call would start its work. The command line's ``--dry-run``
    and a sweep's check of every point before it launches any use it, so the checks have
    one implementation: the function's own.

    Examples
    --------
    >>> from thermo_rl._validation import check_call
    >>> from thermo_rl.physics.ising import simulate
    >>> check_call(simulate, 16, 2.0, sweeps=10**6)          # checked, nothing simulated
    >>> check_call(simulate, 16, -2.0)
    Traceback (most recent call last):
    ...
    thermo_rl.errors.UserError: T (temperature) must be > 0, got -2.0
    """
    if not getattr(fn, "__checks_input__", False):
        raise TypeError(f"{getattr(fn, '__qualname__', fn)!r} has no check-only path "
                        "(mark it with checks_input after adding work_starts())")
    token = _CHECK_ONLY.set(True)
    try:
        fn(*args, **kwargs)
    except _InputChecked:
        return
    finally:
        _CHECK_ONLY.reset(token)
    raise RuntimeError(f"{getattr(fn, '__qualname__', fn)!r} returned without reaching "
                       "work_starts(): it ran its work inside check_call")
