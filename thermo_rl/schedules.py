"""Temperature schedules shared by annealing, bandits and the language-model loop.

Two kinds, one interface:

* **Open-loop** schedules (:class:`Constant`, :class:`Linear`, :class:`Geometric`,
  :class:`Logarithmic`, :class:`Reheating`) are pure functions of the step:
  ``schedule(step, n_steps) -> T`` and ``schedule.temperatures(n_steps) -> ndarray``
  (what a Numba engine consumes, one T per step or sweep).
* **Adaptive** schedules (:class:`TargetAcceptance`, :class:`TargetEntropy`) close a
  feedback loop: ``T = schedule.reset()`` then, after each chunk of work,
  ``T = schedule.update(T, measured)``. Engines run a chunk at fixed T, measure
  the acceptance rate (or the policy entropy), and ask for the next T.

Every schedule has ``adaptive`` (bool) and works with plain Python floats, so a
torch training loop uses it unchanged (pass ``float(entropy)``).

Temperatures are in units of energy (k_B = 1); T = 0 is allowed as an end point.

Examples
--------
>>> from thermo_rl.schedules import Geometric, parse_schedule
>>> Geometric(10.0, 0.1).temperatures(3)
array([10. ,  1. ,  0.1])
>>> parse_schedule("linear:2:0")(1, 3)
1.0
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_choice, check_int, check_real, check_temperature
from .errors import UserError, UserTypeError

__all__ = [
    "SCHEDULES",
    "Constant",
    "Geometric",
    "Linear",
    "Logarithmic",
    "Reheating",
    "Schedule",
    "TargetAcceptance",
    "TargetEntropy",
    "parse_schedule",
]


class Schedule:
    """Base class. Subclasses implement :meth:`__call__` (open loop) or reset/update."""

    adaptive = False

    def __call__(self, step: int, n_steps: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def temperatures(self, n_steps: int) -> np.ndarray:
        """Temperatures for steps ``0 .. n_steps-1`` as a float64 array."""
        n = check_int(n_steps, "n_steps", low=1)
        return np.array([self(k, n) for k in range(n)], dtype=np.float64)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _frac(step, n_steps):
    return 0.0 if n_steps <= 1 else step / (n_steps - 1)


class Constant(Schedule):
    """``T(k) = T``."""

    def __init__(self, T: float):
        self.T = check_temperature(T, "T", allow_zero=True)

    def __call__(self, step, n_steps):
        return self.T

    def temperatures(self, n_steps):
        return np.full(check_int(n_steps, "n_steps", low=1), self.T)


class Linear(Schedule):
    """Straight line from ``T0`` (first step) to ``T1`` (last step)."""

    def __init__(self, T0: float, T1: float = 0.0):
        self.T0 = check_temperature(T0, "T0", allow_zero=True)
        self.T1 = check_temperature(T1, "T1", allow_zero=True)

    def __call__(self, step, n_steps):
        return self.T0 + (self.T1 - self.T0) * _frac(step, n_steps)

    def temperatures(self, n_steps):
        return np.linspace(self.T0, self.T1, check_int(n_steps, "n_steps", low=1))


class Geometric(Schedule):
    """Exponential cooling from ``T0`` to ``T1 > 0``: ``T(k) = T0 (T1/T0)^(k/(n-1))``.

    The classic ``T <- alpha T`` of Kirkpatrick, Gelatt & Vecchi (Science 1983),
    parameterized by its end points so that it does not depend on ``n_steps``.
    """

    def __init__(self, T0: float, T1: float):
        self.T0 = check_temperature(T0, "T0")
        self.T1 = check_temperature(T1, "T1")

    def __call__(self, step, n_steps):
        return self.T0 * (self.T1 / self.T0) ** _frac(step, n_steps)

    def temperatures(self, n_steps):
        return np.geomspace(self.T0, self.T1, check_int(n_steps, "n_steps", low=1))


class Logarithmic(Schedule):
    """``T(k) = c / ln(k + 2)`` with ``c = T0 ln 2`` (so ``T(0) = T0``): the logarithmic schedule.

    Geman & Geman (1984, IEEE TPAMI 6, 721) proved convergence for a large enough
    ``c``; Hajek (1988, "Cooling schedules for optimal annealing", Math. Oper. Res.
    13, 311) showed that the chain converges in probability to the ground states if
    and only if ``c >= d*``, the depth of the deepest local minimum that is not
    global. It converges too slowly to finish in practice; it is here to teach that
    trade-off.
    """

    def __init__(self, T0: float):
        self.T0 = check_temperature(T0, "T0")

    def __call__(self, step, n_steps):
        return self.T0 * math.log(2.0) / math.log(step + 2.0)


class Reheating(Schedule):
    """Repeat a base schedule in ``cycles`` cycles: heat, then cool again.

    Each cycle runs ``base`` over ``n_steps // cycles`` steps (the last cycle takes
    the remainder). With ``peak_decay < 1`` every new peak is lower by that factor
    (the whole cycle is scaled), so the system is heated less each time.
    """

    def __init__(self, base: Schedule, cycles: int = 3, peak_decay: float = 1.0):
        if not isinstance(base, Schedule) or base.adaptive:
            raise UserTypeError("base must be an open-loop Schedule (e.g. Geometric(T0, T1))")
        self.base = base
        self.cycles = check_int(cycles, "cycles", low=1)
        self.peak_decay = check_real(peak_decay, "peak_decay", low=0.0, high=1.0, low_open=True)

    def _locate(self, step, n_steps):
        per = max(n_steps // self.cycles, 1)
        c = min(step // per, self.cycles - 1)
        start = c * per
        length = (n_steps - start) if c == self.cycles - 1 else per
        return c, step - start, length

    def __call__(self, step, n_steps):
        c, k, length = self._locate(step, n_steps)
        return self.peak_decay ** c * self.base(k, length)


class TargetAcceptance(Schedule):
    """Adaptive: hold the Metropolis acceptance rate at ``target``.

    ``update`` multiplies T by ``exp(rate * (target - acceptance))``: too few
    accepted moves warm the system, too many cool it. With a decreasing
    ``target`` (e.g. from a :class:`Linear` schedule of targets) it anneals.
    """

    adaptive = True

    def __init__(self, T0: float, target: float = 0.44, rate: float = 1.0,
                 T_min: float = 1e-12, T_max: float = 1e12):
        self.T0 = check_temperature(T0, "T0")
        self.target = check_real(target, "target", low=0.0, high=1.0, low_open=True,
                                 high_open=True)
        self.rate = check_real(rate, "rate", low=0.0, low_open=True)
        self.T_min = check_temperature(T_min, "T_min")
        self.T_max = check_temperature(T_max, "T_max")

    def reset(self) -> float:
        return self.T0

    def update(self, T: float, measured: float) -> float:
        """New temperature after measuring acceptance rate ``measured`` in [0, 1] at ``T``."""
        a = check_real(measured, "measured (acceptance rate)", low=0.0, high=1.0)
        return float(min(max(T * math.exp(self.rate * (self.target - a)), self.T_min), self.T_max))

    def temperatures(self, n_steps):
        raise UserTypeError("an adaptive schedule has no fixed temperatures; use reset()/update()")

    def __call__(self, step, n_steps):
        raise UserTypeError("an adaptive schedule has no fixed temperatures; use reset()/update()")


class TargetEntropy(TargetAcceptance):
    """Adaptive: hold a policy's entropy (nats) at ``target`` by moving T.

    T acts as the Lagrange multiplier of the constraint H = target (the dual
    ascent of soft actor-critic's automatic temperature, Haarnoja et al. 2018):
    ``log T += rate * (target - H)``. Entropy below target raises T.
    """

    def __init__(self, T0: float, target: float, rate: float = 0.1,
                 T_min: float = 1e-8, T_max: float = 1e8):
        self.T0 = check_temperature(T0, "T0")
        self.target = check_real(target, "target", low=0.0)
        self.rate = check_real(rate, "rate", low=0.0, low_open=True)
        self.T_min = check_temperature(T_min, "T_min")
        self.T_max = check_temperature(T_max, "T_max")

    def update(self, T: float, measured: float) -> float:
        """New temperature after measuring entropy ``measured`` (nats) at ``T``."""
        h = check_real(measured, "measured (entropy)", low=0.0)
        return float(min(max(T * math.exp(self.rate * (self.target - h)), self.T_min), self.T_max))


SCHEDULES = ("constant", "linear", "geometric", "logarithmic", "reheat", "target-acceptance",
             "target-entropy")


def parse_schedule(spec) -> Schedule:
    """Build a schedule from a short text (the CLI's ``--schedule``) or pass one through.

    Forms: ``constant:T``, ``linear:T0:T1``, ``geometric:T0:T1``, ``logarithmic:T0``,
    ``reheat:T0:T1:cycles[:peak_decay]`` (geometric cycles),
    ``target-acceptance:T0:target``, ``target-entropy:T0:target``.
    """
    if isinstance(spec, Schedule):
        return spec
    if not isinstance(spec, str):
        raise UserTypeError(f"schedule must be a Schedule or a string, got {type(spec).__name__}")
    name, *rest = spec.split(":")
    check_choice(name, "schedule", SCHEDULES)
    try:
        vals = [float(v) for v in rest]
    except ValueError:
        raise UserError(f"schedule {spec!r}: parameters must be numbers") from None
    need = {"constant": (1, 1), "linear": (1, 2), "geometric": (2, 2), "logarithmic": (1, 1),
            "reheat": (3, 4), "target-acceptance": (1, 2), "target-entropy": (2, 2)}[name]
    if not need[0] <= len(vals) <= need[1]:
        raise UserError(f"schedule {spec!r}: {name} takes {need[0]}"
                         + (f" to {need[1]}" if need[1] != need[0] else "") + " parameter(s)")
    if name == "constant":
        return Constant(*vals)
    if name == "linear":
        return Linear(*vals)
    if name == "geometric":
        return Geometric(*vals)
    if name == "logarithmic":
        return Logarithmic(*vals)
    if name == "reheat":
        T0, T1, cycles = vals[:3]
        return Reheating(Geometric(T0, T1), int(cycles), *(vals[3:]))
    if name == "target-acceptance":
        return TargetAcceptance(*vals)
    return TargetEntropy(*vals)
