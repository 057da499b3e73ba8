"""``thermo-rl ising``: 2D Ising model, measured with error bars, against exact results."""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ..physics.ising import ALGORITHMS, DEVICES
from ._common import float_range, num, out_dir, save_figure, scan

HELP = "2D Ising model: Metropolis/heat-bath/Wolff/Swendsen-Wang/MSC vs Onsager and Kaufman"


def add_arguments(p):
    p.add_argument("--L", type=int, default=16, help="lattice side (even, >= 2; default 16)")
    p.add_argument("--T", type=float_range, default=float_range("2.269"),
                   help="temperature or start:stop:count (default 2.269)")
    p.add_argument("--J", type=float, default=1.0, help="coupling (default 1)")
    p.add_argument("--h", type=float, default=0.0, help="field (default 0)")
    p.add_argument("--algorithm", default="metropolis", choices=ALGORITHMS,
                   help="update algorithm (default metropolis)")
    p.add_argument("--sweeps", type=int, default=5000, help="measured sweeps (default 5000)")
    p.add_argument("--burn-in", type=int, default=None, help="default max(100, sweeps/10)")
    p.add_argument("--device", default="cpu", choices=DEVICES,
                   help="cpu (Numba), cuda or torch (PyTorch on the GPU or the CPU; "
                        "metropolis only); default cpu")
    p.add_argument("--exact", action="store_true",
                   help="add exact values at the same (L, T): Kaufman, Onsager, enumeration")


def exact_values(L, T, J=1.0, h=0.0):
    """Exact values at (L, T) where they exist (h = 0, J > 0)."""
    from ..physics import exact as ex

    if h != 0.0 or J <= 0:
        return {}
    k = ex.kaufman(L, T, J)
    out = {"kaufman_energy_per_spin": k.energy_per_spin,
           "kaufman_heat_capacity": k.heat_capacity,
           "kaufman_free_energy_per_spin": k.free_energy_per_spin,
           "onsager_energy_per_spin": ex.onsager_energy(T, J),
           "onsager_heat_capacity": ex.onsager_heat_capacity(T, J),
           "onsager_abs_m": ex.onsager_magnetization(T, J),
           "Tc": ex.TC * J}
    if L * L <= 16:
        th = ex.enumeration_thermo(ex.density_of_states(L), T, J)
        out.update({f"enumeration_{k}": th[k] for k in ("energy_per_spin", "heat_capacity",
                                                        "abs_m", "susceptibility", "binder")})
    return out


def _simulate_kw(args):
    return {"J": args.J, "h": args.h, "algorithm": args.algorithm, "sweeps": args.sweeps,
            "burn_in": args.burn_in, "seed": args.seed, "device": args.device}


def check(args):
    """Every temperature checked by ``simulate``'s own checks; nothing simulated."""
    from .._validation import check_call
    from ..physics.ising import simulate

    check_int(args.L, "--L", low=2)
    for T in args.T:
        check_call(simulate, args.L, float(T), progress=False, **_simulate_kw(args))
    return {"L": args.L, "temperatures": len(args.T), "sweeps": args.sweeps}


def run(args):
    from ..physics.ising import simulate

    check_int(args.L, "--L", low=2)
    head = {"model": "ising", "L": args.L, "J": args.J, "h": args.h,
            "algorithm": args.algorithm, "sweeps": args.sweeps, "seed": args.seed}

    def point(T):
        r = simulate(args.L, T, progress=args.progress, **_simulate_kw(args))
        d = r.as_dict()
        if args.exact:
            d["exact"] = exact_values(args.L, T, args.J, args.h)
        return d, r

    points, last = scan(args.T, point, head)
    figures = []
    folder = out_dir(args)
    if folder is not None:
        figures = _figures(args, points, last, folder)
    return {**head, "points": points, "figures": figures}


def _figures(args, points, last, folder):
    from ..physics import exact as ex
    from ..viz.lattice import curves_figure, snapshot_figure

    spins = last.spins if last.spins.dtype == np.int8 else \
        np.where((last.spins & np.uint64(1)) > 0, 1, -1)
    paths = [save_figure(snapshot_figure(spins, f"L={args.L}, T={points[-1]['T']:.3f}"),
                         folder, "ising_snapshot.png")]
    T = np.array([p["T"] for p in points])
    if T.size > 1:
        tf = np.linspace(T.min(), T.max(), 200)
        exact = {}
        if args.h == 0 and args.J > 0:
            exact = {"energy_per_spin": (tf, [ex.kaufman(args.L, t, args.J).energy_per_spin
                                              for t in tf], f"Kaufman L={args.L}"),
                     "heat_capacity": (tf, [ex.kaufman(args.L, t, args.J).heat_capacity
                                            for t in tf], f"Kaufman L={args.L}"),
                     "abs_m": (tf, ex.onsager_magnetization(tf, args.J), "Onsager L=inf")}
        meas = {k: (np.array([p[k] for p in points]), np.array([p[f"{k}_error"] for p in points]))
                for k in ("energy_per_spin", "heat_capacity", "abs_m")}
        paths.append(save_figure(curves_figure(T, meas, exact, f"2D Ising, L={args.L}, "
                                               f"{args.algorithm}"), folder, "ising_curves.png"))
    return [p for p in paths if p]


def render(result):
    lines = [f"2D Ising L={result['L']} ({result['algorithm']}, {result['sweeps']} sweeps)",
             f"{'T':>7s} {'E/N':>18s} {'C/N':>16s} {'<|m|>':>16s} {'tau_E':>7s} {'flips/ns':>9s}"]
    for p in result["points"]:
        lines.append(f"{num(p['T'], '7.4f')} {num(p['energy_per_spin'], '10.5f')}+-"
                     f"{num(p['energy_per_spin_error'], '.5f')}"
                     f" {num(p['heat_capacity'], '8.4f')}+-{num(p['heat_capacity_error'], '.4f')}"
                     f" {num(p['abs_m'], '8.5f')}+-{num(p['abs_m_error'], '.5f')}"
                     f" {num(p['energy_per_spin_tau_int'], '7.2f')} "
                     f"{num(p['flips_per_ns'], '9.4f')}")
        if p.get("exact"):
            x = p["exact"]
            lines.append(f"{'exact':>7s} Kaufman E/N={num(x['kaufman_energy_per_spin'], '.5f')} "
                         f"C/N={num(x['kaufman_heat_capacity'], '.4f')}; Onsager E/N="
                         f"{num(x['onsager_energy_per_spin'], '.5f')} "
                         f"|m|={num(x['onsager_abs_m'], '.5f')}")
    lines += [f"figure: {f}" for f in result["figures"]]
    return "\n".join(lines)
