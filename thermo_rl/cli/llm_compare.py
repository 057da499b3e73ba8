"""``thermo-rl llm compare``: several entropy controls from one pretrained model, one seed or
several (``--seeds N``: mean and standard error over seeds at every evaluation)."""

from __future__ import annotations

from .llm_rl import check_controls, run_controls
from .llm_rl import render as render_one

HELP = ("RL fine-tune one pretrained model with several controls (one seed, or --seeds N "
        "with standard errors); table of pass@k, coverage, entropies, KL and a figure")

#: the file ``--seeds`` writes under ``--out``: every history with its mean and SE
SEEDS_FILE = "llm_compare_seeds.json"

__all__ = ["HELP", "SEEDS_FILE", "add_arguments", "check", "render", "rerun", "run"]


def add_arguments(p):
    from .llm_rl import add_rl_arguments

    p.add_argument("--controls", default="none,entropy-bonus,clip-cov",
                   help="comma-separated controls (default none,entropy-bonus,clip-cov), "
                        "each optionally with a preset (clip-cov:paper); `thermo-rl "
                        "controls` lists them")
    p.add_argument("--seeds", type=int, default=None,
                   help="RL seeds per control (--seed, --seed + 1, ...): mean and standard "
                        "error over them at every evaluation; with --out every history is "
                        f"saved to {SEEDS_FILE} with the command and the package version")
    add_rl_arguments(p)


def check(args) -> dict:
    from .._validation import check_int
    from ..errors import UserError

    if args.seeds is not None:
        try:
            check_int(args.seeds, "seeds", low=1, high=1000)
        except UserError:
            raise UserError(f"--seeds must be an integer from 1 to 1000, got "
                            f"{args.seeds}") from None
    from ._llm_common import check_model_arguments

    out = check_controls(args, _controls(args))
    check_model_arguments(args)
    if args.seeds is not None:
        out["seeds"] = [args.seed + i for i in range(args.seeds)]
    return out


def run(args):
    if args.seeds is None:
        return run_controls(args, _controls(args))
    return run_seeds(args, _controls(args))


def _controls(args) -> list:
    from ..errors import UserError
    from ..llm.rl_config import parse_runs

    try:
        return parse_runs(args.controls)
    except UserError as exc:
        raise UserError(f"--controls: {exc}") from None


def command_line(args) -> str:
    """The command that ran, as typed (``thermo-rl`` and the arguments main parsed)."""
    import shlex
    import sys

    argv = getattr(args, "_argv", None)
    return "thermo-rl " + shlex.join(sys.argv[1:] if argv is None else argv)


def run_seeds(args, controls) -> dict:
    """Check every flag, load or pretrain the model, run
    :func:`thermo_rl.llm.rl.compare_seeds`; save the JSON and the figures under --out."""
    import dataclasses
    import json

    from .. import __version__
    from ..llm.rl import compare_seeds
    from ._common import out_dir
    from ._llm_common import get_pretrained
    from .llm_rl import _configs

    configs, per = _configs(args, controls)
    folder = out_dir(args)
    pre = get_pretrained(args, progress=args.progress)
    first = configs[controls[0]]
    common = {f.name: getattr(first, f.name) for f in dataclasses.fields(first)
              if f.name not in ("control", "preset", "control_params", "seed")}
    res = compare_seeds(pre, controls, seeds=args.seeds, seed=args.seed,
                        progress=args.progress, control_kwargs=per, **common)
    out = {"version": __version__, "command": command_line(args), **res.as_dict()}
    out["task"], out["size"] = pre.task.name, pre.settings.get("size")
    out["files"] = []
    if folder is not None:
        from ..results import jsonable
        from ..viz.llm_rl import plot_seeds_history
        from ._common import save_figure

        path = folder / SEEDS_FILE
        path.write_text(json.dumps(jsonable(out), allow_nan=False, indent=1) + "\n")
        out["files"].append(str(path))
        fig = save_figure(plot_seeds_history(res), folder, "llm_compare_seeds.png")
        if fig:
            out["files"].append(fig)
    return out


def render(r) -> str:
    if r.get("dry_run") or "summary" not in r:
        return render_one(r)
    from ._common import num

    s = r["settings"]
    fin = r["final"]
    kmax = max(int(k) for k in r["base"]["pass@k"])
    lines = [(f"{r['task']} ({r['size']} GPT): {s['steps']} RL steps x {s['n_prompts']} "
              f"prompts x {s['group']} samples, seeds {s['seeds']}; mean +- standard error "
              f"over seeds of the exact metrics at the last step"),
             (f"{'run':<16}{'pass@1':>16}{f'pass@{kmax}':>16}{'coverage':>16}"
              f"{'answer H':>16}{'token H':>16}{'KL(pi||pi*)':>16}")]

    def ms(m, se):
        return f"{num(m, '.3f')} +- {num(se, '.3f')}".rjust(16)

    b = r["base"]
    lines.append(f"{'base':<16}{num(b['pass@1'], '16.3f')}"
                 f"{num(b['pass@k'][kmax], '16.3f')}{num(b['coverage'], '16.3f')}"
                 f"{num(b['answer_entropy'], '16.3f')}{'-':>16}{num(b['kl_star'], '16.3f')}")
    for name, row in fin.items():
        lines.append(f"{name:<16}" + "".join(
            ms(row[k], row[f"{k}_se"]) for k in ("pass@1", f"pass@{kmax}", "coverage",
                                                 "answer_entropy", "token_entropy",
                                                 "kl_star")))
    for name, c in r["crossovers"].items():
        parts = [f"{key} at k = {k}" for key, k in c.items() if k is not None]
        if parts:
            lines.append(f"the base model overtakes {name} (mean over seeds) in "
                         + " and ".join(parts))
    lines.append("pass@1 / coverage front: " + ", ".join(r["pareto"]))
    lines += [f"saved: {f}" for f in r.get("files", [])]
    return "\n".join(lines)


def rerun(out, *, command: str | None = None, progress: bool = False):
    """Run the command recorded in the shipped comparison
    (:func:`thermo_rl.llm.course.controls_comparison`) again, or ``command`` (a
    ``thermo-rl llm compare --seeds N ...`` line), writing under ``out`` (its ``--out``
    replaced); return the new :class:`~thermo_rl.llm.rl_results.SeedsResult`. Minutes on
    two cores: notebook 05's ``RERUN``."""
    import shlex
    from pathlib import Path

    from ..errors import UserError
    from ..llm.course import controls_comparison
    from . import main

    command = controls_comparison().settings["command"] if command is None else command
    argv = shlex.split(command)
    if argv[:3] != ["thermo-rl", "llm", "compare"] or "--seeds" not in argv:
        raise UserError(f"command must be a 'thermo-rl llm compare --seeds N ...' line, got "
                        f"{command!r}")
    argv = argv[1:]
    if "--out" in argv:
        i = argv.index("--out")
        del argv[i:i + 2]
    argv += ["--out", str(out)] + ([] if progress else ["--no-progress"])
    status = main(argv)
    if status != 0:
        raise RuntimeError(f"thermo-rl {' '.join(argv)} exited with status {status}")
    return controls_comparison(Path(out) / SEEDS_FILE)
