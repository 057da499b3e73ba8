"""``thermo-rl tour``: the main story in about a minute."""

from __future__ import annotations

from ..tour import ACTS, run_tour

HELP = "guided tour: atoms, magnet, annealing, bandit (and language model), with figures"


def add_arguments(p):
    p.add_argument("--fast", action="store_true",
                   help="smoke-test sizes (also THERMO_RL_FAST=1)")
    p.add_argument("--acts", default=None,
                   help=f"comma-separated subset of: {','.join(ACTS)}")


def run(args):
    out = args.out or "tour_out"
    acts = None if args.acts is None else [a.strip() for a in args.acts.split(",") if a.strip()]
    echo = None if args.json else (lambda text: print(text, flush=True))
    if echo:
        print("thermo-rl tour: a system at temperature T maximizes free energy <r> + T*H, "
              "not reward alone.\n", flush=True)
    results = run_tour(out, seed=args.seed, fast=True if args.fast else None,
                       progress=args.progress, acts=acts, echo=echo)
    return {
        "out": str(out),
        "acts": [{"title": r.title, "seconds": r.seconds, "numbers": r.numbers,
                  "figures": r.figures} for r in results],
        "seconds": sum(r.seconds for r in results),
    }


def render(result):
    total = result["seconds"]
    return f"Tour done in {total:.1f} s; figures in {result['out']}/"
