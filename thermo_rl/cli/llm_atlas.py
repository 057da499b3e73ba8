"""``thermo-rl llm atlas``: every registered entropy control over seeds, bandit beside LM.

Runs :func:`thermo_rl.llm.atlas.controls_atlas` through :mod:`thermo_rl.sweep` (joblib on
this machine, an existing Dask cluster with ``--scheduler``; resumable: the points are
kept under ``<out>/atlas/llm_sweep``), then the AEPO target-entropy sweep when AEPO is
registered. Writes ``<out>/atlas/atlas.json``, ``atlas.png`` (pass@1 against coverage
with the Pareto front, the bandit beside) and ``aepo_targets.png``.
"""

from __future__ import annotations

HELP = ("every registered entropy control x N seeds (mean ± s.e. of pass@k, coverage, "
        "entropy, KL), the equal-best bandit beside, the Pareto front; resumable sweep")

__all__ = ["HELP", "add_arguments", "check", "render", "run"]

#: Defaults of the atlas (the model size they are timed with: tiny).
DEFAULT_SIZE = "tiny"
#: AEPO targets the mean token entropy (nats per token; the tiny digit-sum model starts
#: near 1.1).
DEFAULT_TARGETS = "0.2,0.4,0.6,0.8,1.0,1.2"


def add_arguments(p):
    from ._common import add_scheduler_arguments
    from .llm_rl import add_rl_arguments

    p.add_argument("--controls", default="all",
                   help="comma-separated registry names, or all (default: every control "
                        "registered now; `thermo-rl controls` lists them)")
    p.add_argument("--seeds", type=int, default=3,
                   help="RL runs per control (default 3); the base model is the same")
    add_scheduler_arguments(p)
    p.add_argument("--bandit-runs", type=int, default=500,
                   help="independent bandit runs per control (default 500)")
    p.add_argument("--bandit-steps", type=int, default=300,
                   help="bandit steps (default 300)")
    p.add_argument("--no-bandit", action="store_true", help="leave the bandit columns out")
    p.add_argument("--aepo-targets", default=DEFAULT_TARGETS,
                   help="target token entropies of the AEPO sweep (comma list, nats per "
                        f"token; default {DEFAULT_TARGETS}), or none to skip it")
    add_rl_arguments(p)
    for a in p._actions:                  # the atlas's default model is the tiny one
        if a.dest == "size":
            a.default, a.help = DEFAULT_SIZE, a.help.replace("default small",
                                                             f"default {DEFAULT_SIZE}")


def _targets(text):
    from ..errors import UserError

    if text.strip().lower() == "none":
        return []
    try:
        vals = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        vals = None
    if not vals or len(vals) < 2 or any(not (v >= 0 and v < 1e3) for v in vals):
        raise UserError(f"--aepo-targets must be at least two comma-separated entropies "
                        f">= 0 (nats) or none, got {text!r}")
    return vals


def _plan(args, *, create: bool = True):
    """Every flag checked: the controls, the shared RL settings, per-control arguments."""
    import dataclasses

    from ..entropy.registry import control_names
    from ..errors import UserError
    from ._common import check_out_dir, comma_choices
    from ._llm_common import cache_dir
    from .llm_rl import control_args, rl_config

    if getattr(args, "model", None):
        raise UserError("--model: the atlas runs the package's GPT (give --checkpoint or "
                        "the task and size to pretrain)")
    controls = comma_choices(args.controls, control_names(), "--controls", allow_all=True)
    for flag, v, lo, hi in (("--seeds", args.seeds, 1, 1000),
                            ("--bandit-runs", args.bandit_runs, 2, 10**6),
                            ("--bandit-steps", args.bandit_steps, 1, 10**6)):
        if not lo <= v <= hi:
            raise UserError(f"{flag} must be in [{lo}, {hi}], got {v}")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be >= 1, got {args.workers}")
    targets = _targets(args.aepo_targets)
    kw = control_args(args.control_arg)
    base = rl_config(args, "none")
    shared = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)
              if f.name not in ("control", "control_params", "seed")}
    shared = {k: (list(v) if isinstance(v, tuple) else v) for k, v in shared.items()
              if v is not None}
    per = {}
    for c in controls:
        cfg = rl_config(args, c)
        names = {p.name for p in type(cfg.make_control()).params}
        per[c] = {k: v for k, v in kw.items() if k in names}
        dataclasses.replace(cfg, control_params=per[c])           # checks the values
    unused = set(kw) - {k for d in per.values() for k in d}
    if unused:
        raise UserError(f"--control-arg {', '.join(sorted(unused))}: no control of the "
                        "atlas takes it")
    folder = check_out_dir(cache_dir(args) / "atlas", create=create)
    return controls, shared, per, targets, folder


def check(args) -> dict:
    """Every flag checked before any work (``--dry-run`` prints this and stops): the
    controls, the points to run (the sweep's store is read, nothing is written)."""
    from ..llm.atlas import atlas_sweep, target_parameter
    from ..sweep.store import ParquetStore
    from ._llm_common import pretrained_folder

    controls, shared, per, targets, folder = _plan(args, create=False)
    ckpt = pretrained_folder(args)
    sw = atlas_sweep(controls, args.seeds, {"checkpoint": str(ckpt), **shared},
                     sweep_seed=args.seed, per_control=per)
    points = sw.validate().expand()
    store = folder / "llm_sweep"
    done = ({r["key"] for r in ParquetStore(store).rows() if r.get("status") == "ok"}
            if store.is_dir() else set())
    return {"controls": controls, "seeds": args.seeds, "points": len(points),
            "to_run": sum(p.key not in done for p in points), "checkpoint": str(ckpt),
            "shared": shared, "control_args": per,
            "aepo": {"registered": target_parameter("aepo") is not None, "targets": targets},
            "out": str(folder)}


def run(args):
    from ..llm.atlas import controls_atlas, target_entropy_sweep, target_parameter
    from ._common import save_figure
    from ._llm_common import get_pretrained, pretrained_folder

    controls, shared, per, targets, folder = _plan(args)
    scheduler = None if args.scheduler == "joblib" else args.scheduler
    aepo = target_parameter("aepo")
    bandit = None if args.no_bandit else {"runs": args.bandit_runs, "steps": args.bandit_steps}
    pre = get_pretrained(args, progress=args.progress)
    ckpt = pretrained_folder(args)
    res = controls_atlas(ckpt, controls=controls, seeds=args.seeds, out=folder / "llm_sweep",
                         scheduler=scheduler, workers=args.workers,
                         retry_failed=args.retry_failed, bandit=bandit, sweep_seed=args.seed,
                         progress=args.progress, per_control=per, **shared)
    out = res.as_dict()
    out["figures"] = []
    from ..viz.atlas import plot_atlas, plot_target_sweep

    path = save_figure(plot_atlas(res), folder, "atlas.png")
    if path:
        out["figures"].append(path)
    out["aepo"] = None
    if not targets:
        out["aepo_note"] = "AEPO target sweep skipped (--aepo-targets none)"
    elif aepo is None:
        out["aepo_note"] = ("AEPO target sweep skipped: no control named 'aepo' with a "
                            "target parameter is registered")
    else:
        ts = target_entropy_sweep(ckpt, targets, seeds=args.seeds,
                                  out=folder / "aepo_sweep", scheduler=scheduler,
                                  workers=args.workers, sweep_seed=args.seed,
                                  progress=args.progress,
                                  **{k: v for k, v in shared.items() if k != "preset"})
        out["aepo"] = ts.as_dict()
        path = save_figure(plot_target_sweep(ts), folder, "aepo_targets.png")
        if path:
            out["figures"].append(path)
    del pre
    import json

    from ..results import jsonable

    (folder / "atlas.json").write_text(json.dumps(jsonable(out), indent=1))
    out["json"] = str(folder / "atlas.json")
    return out


def _pm(m, s, d=3):
    if m is None or m != m:
        return f"{'-':>13}"
    return f"{m:>6.{d}f}±{(s if s == s else 0.0):<6.{d}f}"


def render(r) -> str:
    s = r["settings"]
    cols = ("pass@1", "pass@8", "pass@64", "coverage", "answer_entropy", "kl_ref", "kl_star")
    bcols = ("reward", "coverage", "entropy", "kl_star")
    lines = [f"controls atlas: {s['task']} ({s['size']} GPT), {len(s['controls'])} controls x "
             f"{s['seeds']} seeds, {s['rl']['steps']} RL steps x {s['rl']['n_prompts']} "
             f"prompts x {s['rl']['group']} samples; mean ± standard error over seeds "
             f"(sweep {r['sweep']['seconds']:.0f} s wall, "
             f"{r['sweep']['point_cpu_seconds']:.0f} s CPU in the points)"]
    label = {"answer_entropy": "H_answer", "kl_ref": "KL_base", "kl_star": "KL_pi*",
             "entropy": "H"}
    head = f"{'control':<20}" + "".join(f"{label.get(c, c):>14}" for c in cols)
    if any("bandit" in row for row in r["rows"].values()):
        head += "  | bandit: " + "".join(f"{label.get(c, c):>14}" for c in bcols)
    lines.append(head)
    b = r["base"]
    lines.append(f"{'base model':<20}" + "".join(f"{b[c]:>14.3f}" for c in cols))
    for name, row in r["rows"].items():
        line = f"{name + ('*' if name in r['pareto'] else ''):<20}" + "".join(
            " " + _pm(row[c], row[f"{c}_se"]) for c in cols)
        if "bandit" in row:
            bb = row["bandit"]
            line += "  |         " + ("".join(" " + _pm(bb[c], bb[f"{c}_se"]) for c in bcols)
                                     if "error" not in bb else f" ({bb['error']})")
        lines.append(line)
    lines.append(f"* Pareto front of pass@1 against coverage: {', '.join(r['pareto'])}")
    if r.get("aepo"):
        a = r["aepo"]
        lines.append(f"AEPO target sweep ({a['parameter']}): peak pass@k at "
                     + ", ".join(f"{k} {v:g}" for k, v in a["peak"].items())
                     + "; rises then falls (2 s.e.): "
                     + ", ".join(f"{k} {v}" for k, v in a["non_monotonic"].items()))
    elif r.get("aepo_note"):
        lines.append(r["aepo_note"])
    lines += [f"figure: {f}" for f in r.get("figures", [])]
    lines.append(f"json: {r['json']}")
    return "\n".join(lines)
