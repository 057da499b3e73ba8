"""``thermo-rl tour``: the main story in about a minute."""

from __future__ import annotations

from ..tour import ACTS, run_tour
from ._common import comma_choices, num

HELP = "guided tour: atoms, magnet, annealing, bandit (and language model), with figures"

#: where the figures go without --out (checked before the tour starts)
DEFAULT_OUT = "tour_out"


def add_arguments(p):
    p.add_argument("--fast", action="store_true",
                   help="smoke-test sizes (also THERMO_RL_FAST=1)")
    p.add_argument("--acts", default=None,
                   help=f"comma-separated subset of: {','.join(ACTS)}")


def check(args):
    """The acts checked (``--out`` is checked by the shared layer)."""
    acts = ACTS if args.acts is None else comma_choices(args.acts, ACTS, "--acts")
    return {"acts": list(acts), "out": str(args.out or DEFAULT_OUT)}


def run(args):
    out = args.out or DEFAULT_OUT
    acts = None if args.acts is None else comma_choices(args.acts, ACTS, "--acts")
    echo = None if args.json else (lambda text: print(text, flush=True))
    if echo:
        print("thermo-rl tour: a system at temperature T maximizes free energy <r> + T*H, "
              "not reward alone.\n", flush=True)
    results = run_tour(out, seed=args.seed, fast=True if args.fast else None,
                       progress=args.progress, acts=acts, echo=echo)
    return {"out": str(out), "seed": args.seed, "acts": [r.as_dict() for r in results],
            "seconds": sum(r.seconds for r in results)}


def render(result):
    total = result["seconds"]
    return f"Tour done in {num(total, '.1f')} s; figures in {result['out']}/"
