"""The tour: the package's one story, act by act, with measured numbers and figures.

Each act is a module ``thermo_rl.tour.<name>`` (listed in :data:`ACTS`, in order)
with a function ``run(ctx: TourContext) -> ActResult``. An act whose module has
not landed yet is simply absent. The tour ends with a side-by-side figure of the
curve every act returns in :attr:`ActResult.curve`: the same free-energy story
(J = <r> + T H, or F = U - T S) in each setting.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path

from .._progress import fast_mode
from ..errors import UserError

__all__ = ["ACTS", "ActResult", "Curve", "TourContext", "run_tour"]

ACTS = ("atoms", "magnet", "annealing", "bandit", "language")


@dataclass
class TourContext:
    """What every act receives: where to save figures, the seed, and the size switch."""

    out: Path
    seed: int = 0
    fast: bool = False
    progress: bool = True


@dataclass
class Curve:
    """One panel of the closing side-by-side figure (several labelled lines allowed)."""

    x: list
    ys: dict            # label -> list of y values
    xlabel: str
    ylabel: str
    title: str
    xscale: str = "linear"   # or "log"


@dataclass
class ActResult:
    """An act's outcome: a title, narrative lines with numbers, measured values, figures."""

    title: str
    lines: list[str]
    numbers: dict = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    curve: Curve | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """JSON-ready: ``title, seconds, numbers, figures`` (the narrative lines and the
        closing figure's curve are left out)."""
        from ..results import jsonable

        return jsonable({"title": self.title, "seconds": self.seconds, "numbers": self.numbers,
                         "figures": self.figures})


def available_acts():
    """Names of the acts whose modules are present, in tour order."""
    return [a for a in ACTS if importlib.util.find_spec(f"thermo_rl.tour.{a}") is not None]


def run_tour(out="tour_out", *, seed: int = 0, fast: bool | None = None,
             progress: bool = True, acts=None, echo=None) -> list[ActResult]:
    """Run the acts in order; return their results and save the closing figure.

    Parameters
    ----------
    out : path
        Folder for the figures (created).
    seed : int
        Seed for every act.
    fast : bool, optional
        Smoke-test sizes; default from ``THERMO_RL_FAST``.
    acts : list of str, optional
        A subset of :data:`ACTS`.
    echo : callable, optional
        Called with each act's text as soon as the act ends (the CLI prints it).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = TourContext(out=out, seed=seed, fast=fast_mode() if fast is None else bool(fast),
                      progress=progress)
    names = available_acts() if acts is None else list(acts)
    unknown = [a for a in names if a not in ACTS]
    if unknown:
        raise UserError(f"unknown act(s) {unknown}; expected some of: {', '.join(ACTS)}")
    results = []
    for name in names:
        i = ACTS.index(name) + 1            # act numbers follow the story, even with acts absent
        module = importlib.import_module(f"thermo_rl.tour.{name}")
        t0 = time.perf_counter()
        res = module.run(ctx)
        res.seconds = time.perf_counter() - t0
        results.append(res)
        if echo is not None:
            echo(format_act(i, res))
    if results:
        from ..viz.tour import side_by_side

        path = side_by_side([r for r in results if r.curve is not None], out / "tour_summary.png")
        if path:
            results[-1].figures.append(path)
    return results


def format_act(i: int, res: ActResult) -> str:
    head = f"Act {i}. {res.title}  ({res.seconds:.1f} s)"
    body = "\n".join(f"   {line}" for line in res.lines)
    figs = "".join(f"\n   figure: {f}" for f in res.figures)
    return f"{head}\n{body}{figs}\n"
