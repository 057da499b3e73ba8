"""Act 3. Annealing: quench vs slow anneal vs reheat on a TSPLIB tour.

The same instance (eil51), the same budget of sweeps, three ways of lowering T. A
quench freezes in the first local minimum it falls into; slow cooling keeps the walk
near equilibrium (free energy F = U - T S is what is minimized at each T, so entropy
keeps the search broad while T is high) and ends near the optimum; reheating gives
second chances. Then the cooling-rate scan: the slower the cooling, the lower the
final length.
"""

from __future__ import annotations

import numpy as np

from . import ActResult, Curve


def run(ctx) -> ActResult:
    from ..anneal import make_problem
    from ..anneal.teaching import compare_schedules, cooling_rate_scan
    from ..viz.anneal import plot_comparison, plot_cooling_scan

    problem = make_problem("eil51")
    sweeps = 600 if ctx.fast else 3000
    runs = 4 if ctx.fast else 8
    comp = compare_schedules(problem, sweeps=sweeps, runs=runs, seed=ctx.seed,
                             progress=False)
    scan_sweeps = (10, 30, 100, 300, 1000) if ctx.fast else (10, 30, 100, 300, 1000, 3000,
                                                             10000)
    scan = cooling_rate_scan(problem, scan_sweeps, runs=runs, seed=ctx.seed, progress=False)
    opt = problem.optimum
    lines = [(f"eil51 (51 cities, known optimum {opt}); {runs} runs x {sweeps} sweeps each, "
             f"T from {scan['T0']:.3g} down to {scan['T_end']:.3g}:")]
    numbers = {"optimum": opt}
    for label, res in comp.items():
        mean = float(np.mean(res.best_energies))
        lines.append(f"  {label:12s} best {res.best_energy:.0f} (gap {100 * res.gap:5.2f}%), "
                     f"mean over runs {mean:.1f} (gap {100 * (mean / opt - 1):5.2f}%)")
        key = label.replace(" ", "_")
        numbers[f"{key}_best_length"] = res.best_energy
        numbers[f"{key}_mean_gap"] = mean / opt - 1
    gaps = (scan["mean_best"] / opt - 1) * 100
    lines.append("  cooling-rate scan (mean best gap): " + ", ".join(
        f"{int(s)} sweeps {g:.1f}%" for s, g in zip(scan["sweeps"], gaps)))
    lines.append("  slower cooling -> lower energy: the walk has time to follow the free-energy "
                 "minimum as T falls.")
    numbers["scan_sweeps"] = scan["sweeps"].tolist()
    numbers["scan_mean_gap_percent"] = gaps.tolist()
    fig = plot_comparison(comp, coords=problem.coords)
    ax = fig.axes[-1]
    ax.axis("on")
    plot_cooling_scan(scan, optimum=opt, ax=ax)
    path = ctx.out / "act3_annealing.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    curve = Curve(x=scan["sweeps"].tolist(), ys={"mean best gap (%)": gaps.tolist()},
                  xlabel="sweeps (slower cooling ->)", ylabel="gap to optimum (%)",
                  title="Annealing: slower cooling, lower energy", xscale="log")
    return ActResult(title="Annealing: quench vs slow anneal vs reheat (eil51)", lines=lines,
                     numbers=numbers, figures=[str(path)], curve=curve)
