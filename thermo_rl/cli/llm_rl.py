"""``thermo-rl llm rl``: RL fine-tune a pretrained model with one entropy control."""

from __future__ import annotations

from ..errors import UserError

HELP = ("RL fine-tune a pretrained model (one control): exact pass@k, coverage and entropy "
        "before and after")


def add_rl_arguments(p):
    """The RL options shared by ``llm rl``, ``llm compare`` and ``llm atlas`` (their
    ``--dry-run`` comes with their ``check(args)``)."""
    from ..entropy.objective import KL_ESTIMATORS
    from ..entropy.registry import PRESETS
    from ..llm.rl_config import ESTIMATORS, LOSS_TYPES, SCALE_REWARDS
    from ._llm_common import add_model_arguments

    add_model_arguments(p)
    g = p.add_argument_group("RL")
    g.add_argument("--steps", type=int, default=None,
                   help="RL steps (rollouts); default 200")
    g.add_argument("--prompts", type=int, default=64, help="prompts per rollout (default 64)")
    g.add_argument("--group", type=int, default=8,
                   help="samples per prompt G (default 8); pass@k up to k = G from them")
    g.add_argument("--lr", type=float, default=None,
                   help="Adam step size (default by size: 5e-4 tiny, 3e-4 small, 1e-4 base)")
    g.add_argument("--estimator", default="rloo", choices=ESTIMATORS,
                   help="advantages: rloo (leave-one-out, default) or grpo (group mean)")
    g.add_argument("--scale-rewards", default="none", choices=SCALE_REWARDS,
                   help="divide advantages by the group or batch std (default none)")
    g.add_argument("--loss-type", default="dapo", choices=LOSS_TYPES,
                   help="loss aggregation: grpo (per sequence), dr_grpo, dapo (per token; "
                        "default)")
    g.add_argument("--eps-low", type=float, default=0.2, help="PPO ratio clip below (0.2)")
    g.add_argument("--eps-high", type=float, default=None,
                   help="PPO ratio clip above (default eps-low; 0.28 with clip-higher)")
    g.add_argument("--updates-per-rollout", type=int, default=1,
                   help="passes over each rollout (default 1; with one update in all the "
                        "ratio is 1 and clipping does nothing)")
    g.add_argument("--minibatches", type=int, default=2,
                   help="optimizer steps per pass (default 2)")
    g.add_argument("--kl-penalty", type=float, default=None,
                   help="KL coefficient lambda: maximize <r> - lambda KL(pi || pi_ref) "
                        "(default 0; 0.2 with the kl-penalty control)")
    g.add_argument("--kl-estimator", default="reward", choices=KL_ESTIMATORS,
                   help="reward: lambda ln(pi/pi_ref) per sequence in the reward (fixed "
                        "point pi*); k3: TRL's per-token k3 in the loss (the forward KL's "
                        "gradient); k3-corrected: rho k3, TRL's default (default reward)")
    g.add_argument("--preset", default="toy", choices=PRESETS,
                   help="the control's parameters: toy-batch defaults or the paper's values "
                        "(default toy)")
    g.add_argument("--decoding", default="sample",
                   help="rollout decoding: sample, temperature:T, top-k:K, top-p:P, min-p:X, "
                        "top-h:A, or several joined by commas")
    g.add_argument("--eval-every", type=int, default=None,
                   help="steps between exact evaluations (default: every step for <= 100 "
                        "answers, else steps/10)")
    g.add_argument("--control-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="an argument of the controls that take it (repeatable), e.g. "
                        "coef=0.05, ratio=0.02, fraction=0.05, target=0.5, "
                        "schedule=linear:1.5:1 (`thermo-rl controls` lists them)")


def _value(text):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def control_args(items) -> dict:
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--control-arg must be KEY=VALUE, got {item!r}")
        out[key.strip().replace("-", "_")] = _value(val.strip())
    return out


def rl_config(args, control: str):
    """The :class:`~thermo_rl.llm.rl_config.RLConfig` of the flags (checked before any work)."""
    from ..llm.decoding import parse_decoding
    from ..llm.rl_config import RLConfig, parse_run

    kl = args.kl_penalty
    name, preset = parse_run(control)
    return RLConfig(control=name, preset=preset or args.preset,
                    steps=args.steps if args.steps is not None else 200,
                    n_prompts=args.prompts, group=args.group, lr=args.lr,
                    estimator=args.estimator, scale_rewards=args.scale_rewards,
                    loss_type=args.loss_type, eps_low=args.eps_low, eps_high=args.eps_high,
                    updates_per_rollout=args.updates_per_rollout,
                    minibatches=args.minibatches, kl_penalty=0.0 if kl is None else kl,
                    kl_estimator=args.kl_estimator, decoding=parse_decoding(args.decoding),
                    eval_every=args.eval_every, seed=args.seed)


def add_arguments(p):
    p.add_argument("--control", default="none",
                   help="entropy control, optionally with a preset (clip-cov:paper); "
                        "default none: reward alone; `thermo-rl controls` lists them")
    add_rl_arguments(p)


def check_controls(args, controls) -> dict:
    """Every flag checked (``--dry-run`` prints this and stops): the runs' configs."""
    configs, _ = _configs(args, controls)
    return {"configs": {c: cfg.as_dict() for c, cfg in configs.items()}}


def check(args) -> dict:
    return check_controls(args, [args.control])


def _configs(args, controls):
    import dataclasses

    kw = control_args(args.control_arg)
    configs = {c: rl_config(args, c) for c in controls}
    per = {}
    for c, cfg in configs.items():
        names = {p.name for p in type(cfg.make_control()).params}
        per[c] = {k: v for k, v in kw.items() if k in names}
        configs[c] = dataclasses.replace(cfg, control_params=per[c])   # checks the values
    unused = set(kw) - {k for d in per.values() for k in d}
    if unused:
        raise UserError(f"--control-arg {', '.join(sorted(unused))}: no control of "
                         f"{', '.join(controls)} takes it")
    return configs, per


def run_controls(args, controls) -> dict:
    """Check every flag, then pretrain or load the model, run :func:`thermo_rl.llm.rl.compare`
    and save the figure."""
    import dataclasses

    from ._common import out_dir
    from ._llm_common import get_pretrained

    configs, per = _configs(args, controls)
    folder = out_dir(args)
    from ..llm.rl import compare

    pre = get_pretrained(args, progress=args.progress)
    size = pre.settings.get("size", "small")
    first = configs[controls[0]]
    common = {f.name: getattr(first, f.name) for f in dataclasses.fields(first)
              if f.name not in ("control", "preset", "control_params", "seed")}
    res = compare(pre, controls, seed=args.seed, progress=args.progress, control_kwargs=per,
                  **common)
    out = res.as_dict()
    out["task"], out["size"] = pre.task.name, size
    out["figures"] = []
    if folder is not None:
        from ..viz.llm_rl import plot_compare
        from ._common import save_figure

        path = save_figure(plot_compare(res), folder, "llm_rl_compare.png")
        if path:
            out["figures"].append(path)
    return out


def run(args):
    return run_controls(args, [args.control])


def _fmt(v, w=8, d=3):
    return f"{'-':>{w}}" if v is None else f"{v:>{w}.{d}f}"


def render_table(r) -> str:
    rows = r["table"]
    keys = [k for k in rows[0] if k != "run"]
    head = f"{'run':<16}" + "".join(f"{k:>15}" for k in keys)
    lines = [head]
    for row in rows:
        lines.append(f"{row['run']:<16}" + "".join(_fmt(row[k], 15) for k in keys))
    return "\n".join(lines)


def render(r) -> str:
    if r.get("dry_run"):
        return "flags checked; configs:\n" + "\n".join(
            f"  {c}: {cfg['control_resolved']}" for c, cfg in r["configs"].items())
    s = r["settings"]
    lines = [(f"{r['task']} ({r['size']} GPT): {s['steps']} RL steps x {s['n_prompts']} prompts "
             f"x {s['group']} samples, {s['estimator']}/{s['loss_type']}, lr {s['lr']:g}, "
             f"KL penalty lambda {s['kl_penalty']:g}; exact metrics of the sampled policy "
             f"over every prompt and answer"),
             render_table(r)]
    for name, run in r["runs"].items():
        e = run["entropy_change"]
        b, a = run["before"], run["after"]
        kmax = max(int(k) for k in a["distinct@k"])
        lines.append(
            f"{name}: expected distinct correct answers among {kmax} samples "
            f"{b['distinct@k'][kmax]:.2f} -> {a['distinct@k'][kmax]:.2f}; entropy mechanism: "
            f"corr(measured dH, first-order) {e['entropy_change_correlation']:.3f}, "
            f"corr(measured dH, -Cov(ln pi, A)) {e['entropy_change_correlation_cov']:.3f}"
            + (f"; KL(pi || pi*) {b['kl_star']:.3f} -> {a['kl_star']:.3f}"
               if a.get("kl_star") is not None else ""))
    for name, c in r.get("crossovers", {}).items():
        parts = [f"{key} at k = {k}" for key, k in c.items() if k is not None]
        if parts:
            lines.append(f"pass@k crossover (Yue et al. 2025): the base model overtakes "
                         f"{name} in " + " and ".join(parts))
    lines += [f"figure: {f}" for f in r.get("figures", [])]
    return "\n".join(lines)
