"""``thermo-rl anneal``: simulated annealing of a TSP, a spin glass, a QUBO or a function."""

from __future__ import annotations

HELP = "simulated annealing: TSPLIB tours, spin glasses, QUBO/MAX-CUT, test functions"


def add_arguments(p):
    p.add_argument("--problem", default="eil51",
                   help="a shipped TSPLIB instance (eil51, berlin52, st70, pr76, kroA100, "
                        "att48, ulysses16, gr17), a path to a .tsp file, or one of: tsp, sk, "
                        "ea, qubo, maxcut, sphere, rastrigin, ackley, rosenbrock "
                        "(default eil51)")
    p.add_argument("--n", type=int, default=None,
                   help="size of a generated problem: cities, spins (ea: L^2), variables "
                        "or dimensions")
    p.add_argument("--sweeps", type=int, default=None,
                   help="sweeps per run (one move per variable each); default per problem")
    p.add_argument("--schedule", default=None,
                   help="temperature schedule, e.g. geometric:50:0.1, reheat:50:0.1:3, "
                        "target-acceptance:10:0.2 (default: geometric between temperatures "
                        "set from sampled energy changes)")
    p.add_argument("--restart", action="store_true",
                   help="at each reheating, restart every run from its best state")
    p.add_argument("--runs", type=int, default=4, help="independent runs (default 4)")


def _problem(args):
    from .._validation import check_int
    from ..anneal import make_problem

    check_int(args.runs, "--runs", low=1)
    if args.sweeps is not None:
        check_int(args.sweeps, "--sweeps", low=1)
    return make_problem(args.problem, args.n, seed=args.seed)


def _anneal_kw(args):
    return {"sweeps": args.sweeps, "schedule": args.schedule, "runs": args.runs,
            "seed": args.seed, "restart_from_best": args.restart}


def check(args):
    """The problem built (its size checked against memory) and ``anneal``'s own checks."""
    from .._validation import check_call
    from ..anneal import anneal

    problem = args._problem = _problem(args)        # built once: run() uses it
    check_call(anneal, problem, progress=False, **_anneal_kw(args))
    return {"problem": problem.name, "size": problem.size, "runs": args.runs}


def run(args):
    from ..anneal import TSP, anneal
    from ._common import out_dir, save_figure

    problem = getattr(args, "_problem", None) or _problem(args)
    res = anneal(problem, progress=args.progress, **_anneal_kw(args))
    out = {**res.as_dict(), "size": problem.size,
           "final_acceptance": float(res.trace_acceptance[-1].mean())}
    if isinstance(problem, TSP):
        out["tour"] = (res.best_state + 1).tolist()  # TSPLIB numbering
    else:
        out["energy_per_variable"] = res.best_energy / problem.size
    folder = out_dir(args)
    if folder is not None:
        from ..viz.anneal import plot_result

        coords = getattr(problem, "coords", None)
        fig = plot_result(res, coords=coords)
        out["figures"] = [save_figure(fig, folder, f"anneal_{res.problem}.png")]
    return out


def render(r):
    from ._common import num

    lines = [(f"{r['problem']}: best {num(r['best_energy'], '.6g')} over {r['runs']} runs "
             f"x {r['sweeps']} sweeps in {num(r['seconds'], '.2f')} s")]
    if r.get("optimum") is not None:
        gap = "" if r.get("gap") is None else f", gap {num(100 * r['gap'], '.3f')}%"
        lines.append(f"  known optimum {num(r['optimum'], '.6g')}{gap}")
    if "energy_per_variable" in r:
        lines.append(f"  energy per variable {num(r['energy_per_variable'], '.5f')}")
    if r.get("T0") is not None:
        lines.append(f"  default schedule: T0 = {num(r['T0'], '.4g')} (80% uphill accepted), "
                     f"T_end = {num(r['T_end'], '.4g')} (0.1%)")
    for f in r.get("figures", []):
        lines.append(f"  figure: {f}")
    return "\n".join(lines)
