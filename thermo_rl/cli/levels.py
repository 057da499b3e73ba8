"""``thermo-rl levels``: the thermodynamics table of a few energy levels."""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..gibbs import thermodynamics
from ._common import float_list, float_range, num, out_dir, save_figure

HELP = "Boltzmann table (p, U, S, F, C, J) of energy levels over a range of temperatures"


def add_arguments(p):
    p.add_argument("--energies", type=float_list, default=np.array([0.0, 1.0]),
                   help="comma-separated level energies (default 0,1)")
    p.add_argument("--g", "--degeneracies", dest="g", type=float_list, default=None,
                   help="comma-separated degeneracies (default all 1)")
    p.add_argument("--T", type=float_range, default=float_range("0.1:3.0:8"),
                   help="temperature or range start:stop:count (default 0.1:3.0:8)")


def check(args):
    """The table itself is cheap: computing it is the check."""
    if np.any(args.T < 0):
        raise UserError("--T must be >= 0")
    thermodynamics(args.energies, args.T, degeneracy=args.g)
    return {"levels": int(np.size(args.energies)), "temperatures": int(np.size(args.T))}


def run(args):
    th = thermodynamics(args.energies, args.T, degeneracy=args.g)
    result = {"energies": args.energies, "degeneracies": args.g, **th.as_dict()}
    folder = out_dir(args)
    if folder is not None:
        from ..viz.levels import thermo_curves

        grid = thermodynamics(args.energies, np.linspace(1e-3, 3.0, 200), degeneracy=args.g)
        result["figure"] = save_figure(thermo_curves(grid), folder, "levels.png")
    return result


def render(r):
    head = f"{'T':>8s} {'U':>10s} {'S':>8s} {'F=U-TS':>10s} {'C':>8s}   p(levels)"
    rows = [head]
    for i, T in enumerate(r["T"]):
        p = " ".join(num(x, ".3f") for x in r["probabilities"][i])
        rows.append(f"{num(T, '8.3f')} {num(r['mean_energy'][i], '10.4f')} "
                    f"{num(r['entropy_nats'][i], '8.4f')} {num(r['free_energy'][i], '10.4f')} "
                    f"{num(r['heat_capacity'][i], '8.4f')}   {p}")
    if r.get("figure"):
        rows.append(f"figure: {r['figure']}")
    return "\n".join(rows)
