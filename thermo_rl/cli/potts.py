"""``thermo-rl potts``: the 2D q-state Potts model, measured with error bars."""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ..physics.potts import ALGORITHMS
from ._common import float_range, num, out_dir, save_figure, scan

HELP = "2D q-state Potts model: Metropolis/heat-bath/Wolff/Swendsen-Wang; Tc = 1/ln(1+sqrt q)"


def add_arguments(p):
    p.add_argument("--L", type=int, default=16, help="lattice side (even, >= 2; default 16)")
    p.add_argument("--q", type=int, default=3, help="number of states (>= 2; default 3)")
    p.add_argument("--T", type=float_range, default=float_range("0.995"),
                   help="temperature or start:stop:count (default 0.995 ~ Tc for q=3)")
    p.add_argument("--J", type=float, default=1.0, help="coupling (> 0; default 1)")
    p.add_argument("--algorithm", default="metropolis", choices=ALGORITHMS,
                   help="update algorithm (default metropolis)")
    p.add_argument("--sweeps", type=int, default=5000, help="measured sweeps (default 5000)")
    p.add_argument("--burn-in", type=int, default=None, help="default max(100, sweeps/10)")
    p.add_argument("--exact", action="store_true", help="add the exact Tc = J/ln(1+sqrt q)")


def _simulate_kw(args):
    return {"q": args.q, "J": args.J, "algorithm": args.algorithm, "sweeps": args.sweeps,
            "burn_in": args.burn_in, "seed": args.seed}


def check(args):
    """Every temperature checked by ``simulate``'s own checks; nothing simulated."""
    from .._validation import check_call
    from ..physics.potts import simulate

    check_int(args.L, "--L", low=2)
    check_int(args.q, "--q", low=2)
    for T in args.T:
        check_call(simulate, args.L, float(T), progress=False, **_simulate_kw(args))
    return {"L": args.L, "q": args.q, "temperatures": len(args.T), "sweeps": args.sweeps}


def run(args):
    from ..physics.exact import potts_tc
    from ..physics.potts import simulate

    check_int(args.L, "--L", low=2)
    check_int(args.q, "--q", low=2)
    head = {"model": "potts", "L": args.L, "q": args.q, "J": args.J,
            "algorithm": args.algorithm, "sweeps": args.sweeps, "seed": args.seed}

    def point(T):
        r = simulate(args.L, T, progress=args.progress, **_simulate_kw(args))
        return r.as_dict(), r

    points, last = scan(args.T, point, head)
    out = {**head, "points": points, "figures": []}
    if args.exact:
        out["exact"] = {"Tc": potts_tc(args.q, args.J)}
    folder = out_dir(args)
    if folder is not None:
        from ..viz.lattice import curves_figure, snapshot_figure

        figs = [save_figure(snapshot_figure(last.spins, f"q={args.q}, T={points[-1]['T']:.3f}"),
                            folder, "potts_snapshot.png")]
        T = np.array([p["T"] for p in points])
        if T.size > 1:
            meas = {k: (np.array([p[k] for p in points]),
                        np.array([p[f"{k}_error"] for p in points]))
                    for k in ("energy_per_spin", "heat_capacity", "abs_m")}
            figs.append(save_figure(curves_figure(T, meas, None, f"{args.q}-state Potts, "
                                                  f"L={args.L}"), folder, "potts_curves.png"))
        out["figures"] = [f for f in figs if f]
    return out


def render(result):
    lines = [(f"{result['q']}-state Potts L={result['L']} ({result['algorithm']}, "
             f"{result['sweeps']} sweeps)")]
    if "exact" in result:
        lines.append(f"exact Tc = {num(result['exact']['Tc'], '.5f')}")
    lines.append(f"{'T':>7s} {'E/N':>18s} {'C/N':>16s} {'order m':>16s} {'tau_E':>7s}")
    for p in result["points"]:
        lines.append(f"{num(p['T'], '7.4f')} {num(p['energy_per_spin'], '10.5f')}+-"
                     f"{num(p['energy_per_spin_error'], '.5f')}"
                     f" {num(p['heat_capacity'], '8.4f')}+-{num(p['heat_capacity_error'], '.4f')}"
                     f" {num(p['abs_m'], '8.5f')}+-{num(p['abs_m_error'], '.5f')}"
                     f" {num(p['energy_per_spin_tau_int'], '7.2f')}")
    lines += [f"figure: {f}" for f in result["figures"]]
    return "\n".join(lines)
