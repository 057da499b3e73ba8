"""``thermo-rl sweep SPEC``: run a parameter sweep from a TOML file, resumable, on joblib or Dask."""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from ._common import Interrupted, add_scheduler_arguments, check_out_dir, num, save_figure

HELP = "parameter sweep from a TOML spec: joblib on this machine or a Dask cluster, resumable"


def add_arguments(p):
    p.add_argument("spec", metavar="SPEC", help="sweep spec (TOML; see thermo_rl.sweep.spec)")
    add_scheduler_arguments(p)
    p.add_argument("--allow-import", action="store_true",
                   help="let the spec name any Python function as 'module:function' (default: "
                        "registered simulators only, so that a spec file cannot run code; "
                        "use it only for a spec you trust)")
    p.add_argument("--plot", metavar="Y", action="append", default=None,
                   help="save a figure of column Y against --x per --by (repeatable)")
    p.add_argument("--x", default=None, help="x axis of --plot (default T, else the first "
                                             "grid parameter)")
    p.add_argument("--by", default=None, help="one curve per value of this parameter "
                                              "(default: another varying parameter)")
    p.add_argument("--logx", action="store_true", help="logarithmic x axis in --plot")


def _out(args, sweep) -> Path:
    """--out, else the spec's ``out`` (relative to the spec file), else SPEC-stem_sweep/."""
    if args.out is not None:
        return Path(args.out)
    if sweep.out is not None:
        out = Path(sweep.out)
        return out if out.is_absolute() else Path(args.spec).parent / out
    return Path(f"{Path(args.spec).stem}_sweep")


def _axes(sweep, args):
    vary = sweep.varying()
    x = args.x or ("T" if "T" in vary or "T" in sweep.axes else (vary[0] if vary else None))
    by = args.by or next((v for v in vary if v != x), None)
    return x, by


def _load(args):
    """The sweep of the spec file, every point checked (names and values), and its --out."""
    from ..sweep import Sweep
    from ..sweep.spec import read_toml

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be >= 1, got {args.workers}")
    spec = read_toml(args.spec)
    spec.setdefault("seed", args.seed)   # the spec's seed wins; --seed when it sets none
    sweep = Sweep.from_dict(spec, allow_import=args.allow_import).validate()
    return sweep, _out(args, sweep)


def check(args):
    """The spec read and every point checked; the points still to run counted."""
    from ..sweep.store import ParquetStore

    sweep, out = _load(args)
    points = sweep.expand()
    done = set()
    if out.is_dir():
        done = {r["key"] for r in ParquetStore(out).rows() if r.get("status") == "ok" or
                not args.retry_failed}
    else:
        check_out_dir(out, create=False)
    todo = [p for p in points if p.key not in done]
    return {"simulator": sweep.simulator_name, "out": str(out), "points": len(points),
            "to_run": len(todo), "varying": sweep.varying(),
            "first": [dict(p.params, replica=p.replica, seed=p.seed) for p in todo[:3]]}


def run(args):
    from ..sweep import SweepInterrupted, run_sweep

    sweep, out = _load(args)
    scheduler = None if args.scheduler == "joblib" else args.scheduler
    try:
        res = run_sweep(sweep, out, scheduler=scheduler, workers=args.workers,
                        retry_failed=args.retry_failed, progress=args.progress)
    except ImportError as exc:           # the optional extra is missing: one line, status 2
        raise UserError(str(exc)) from None
    except SweepInterrupted as exc:      # Ctrl-C: say what is saved and how to resume
        raise Interrupted(None, str(exc)) from None
    d = res.as_dict()
    d["table_rows"] = len(res.table)
    d["figures"] = _figures(args, sweep, res.table, out) if args.plot else []
    return d


def _figures(args, sweep, table, out):
    from ..viz.sweep import plot_sweep

    x, by = _axes(sweep, args)
    if x is None:
        raise UserError("--plot needs --x: the sweep has no varying parameter")
    paths = []
    for y in args.plot:
        fig = plot_sweep(table, y, x=x, by=by, logx=args.logx).figure
        paths.append(save_figure(fig, out, f"sweep_{y}_vs_{x}.png"))
    return paths


def render(r):
    lines = [(f"sweep {r['simulator']}: {r['points']} points ({r['done_before']} done before, "
              f"{r['ran']} run now, {r['failed']} failed) in {num(r['seconds'], '.1f')} s"
              + (f" on {r['scheduler']} ({r['workers']} workers)" if r["workers"] else "")),
             f"table: {r['out']} ({r['table_rows']} rows)"]
    if r.get("dashboard"):
        lines.append(f"dashboard: {r['dashboard']}")
    lines += [f"failed: {e}" for e in r["errors"]]
    lines += [f"figure: {f}" for f in r["figures"]]
    return "\n".join(lines)
