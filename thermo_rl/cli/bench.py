"""``thermo-rl bench [AREA ...]``: kernel throughput and ratios to NumPy references."""

from __future__ import annotations

import argparse

from ..bench import AREAS, available_areas, machine, run_bench
from ._common import num

HELP = "time every kernel against a plain NumPy reference in the same run"


def _area(text):
    # choices= with nargs="*" rejects the empty default on Python < 3.12; same check here
    if text not in AREAS:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from "
                                          f"{', '.join(AREAS)})")
    return text


def add_arguments(p):
    p.add_argument("areas", nargs="*", metavar="AREA", type=_area,
                   help=f"any of {', '.join(AREAS)} (default: all available)")
    p.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")


def check(args):
    """``run_bench``'s own checks (an area named but unavailable here, e.g. ``gpu``
    without CUDA, is refused); nothing timed."""
    from .._validation import check_call

    check_call(run_bench, args.areas or None, quick=args.quick, seed=args.seed,
               progress=False)
    return {"areas": list(args.areas or available_areas()), "quick": args.quick}


def run(args):
    rows = run_bench(args.areas or None, quick=args.quick, seed=args.seed,
                     progress=args.progress)
    return {"machine": machine(), "rows": [r.as_dict() for r in rows]}


def render(result):
    m = result.get("machine") or {}
    np_thr = m.get("numpy_threads")
    lines = [f"CPU: {m.get('cpu', '?')} ({m.get('cores', '?')} logical cores); "
             f"Numba threads: {m.get('threads', '?')}; NumPy threads: "
             f"{'default' if np_thr is None else np_thr}",
             f"{'area':8s} {'kernel':34s} {'throughput':>14s} {'unit':14s} {'vs reference':>14s}"]
    for r in result["rows"]:
        ratio = ("skipped" if r["value"] is None else "reference" if r["ratio"] is None
                 else f"{num(r['ratio'], '.1f')}x {r['reference']}")
        lines.append(f"{r['area']:8s} {r['name']:34s} {num(r['value'], '14.4g')} {r['unit']:14s} "
                     f"{ratio:>14s}" + (f"  ({r['note']})" if r["note"] else ""))
    return "\n".join(lines)
