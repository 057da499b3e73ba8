"""``thermo-rl bandit``: policies on a k-armed bandit, many independent runs at once."""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ._common import comma_choices, float_list, num, out_dir, save_figure

HELP = "k-armed bandits: greedy, epsilon-greedy, softmax, UCB, Thompson, ... and the " \
       "free-energy policy gradient"

# the policies that take --T/--schedule, --lr, --control
_PG = ("pg", "reinforce")
_TEMPERED = ("softmax", "pg")


def add_arguments(p):
    from ..bandits import ENVS, POLICIES
    from ..entropy.registry import control_names

    p.add_argument("--env", default="testbed", choices=ENVS,
                   help="environment (default testbed: the 10-armed testbed of "
                        "Sutton & Barto, per-run means N(shift, 1))")
    p.add_argument("--policy", default="greedy,epsilon-greedy,softmax,ucb,gradient",
                   help=f"a comma list of: {', '.join(POLICIES)}, or all "
                        "(default greedy,epsilon-greedy,softmax,ucb,gradient); pg is the "
                        "free-energy learner EntropyPG, reinforce is EntropyPG with T = 0")
    p.add_argument("--T", type=float, default=None,
                   help="temperature of softmax and pg (default 0.1); the entropy weight of "
                        "pg's objective <r> + T H")
    p.add_argument("--schedule", default=None,
                   help="temperature schedule for softmax and pg instead of --T, e.g. "
                        "geometric:1:0.01, linear:1:0")
    p.add_argument("--runs", type=int, default=2000, help="independent runs (default 2000)")
    p.add_argument("--steps", type=int, default=1000, help="steps per run (default 1000)")
    p.add_argument("--k", type=int, default=None,
                   help="number of arms (default 10, or the length of --means)")
    p.add_argument("--m", type=int, default=None,
                   help="equal-best: number of equally good best arms (default 3)")
    p.add_argument("--means", type=float_list, default=None,
                   help="gaussian/bernoulli: comma-separated true means (default: random)")
    p.add_argument("--shift", type=float, default=None,
                   help="testbed: center of the per-run means (4 for S&B figure 2.5)")
    p.add_argument("--epsilon", type=float, default=0.1,
                   help="epsilon-greedy exploration rate (default 0.1)")
    p.add_argument("--initial", type=float, default=0.0,
                   help="initial action values (5 for optimistic greedy; default 0)")
    p.add_argument("--alpha", type=float, default=0.1,
                   help="gradient bandit step size (default 0.1)")
    p.add_argument("--c", type=float, default=2.0, help="UCB exploration constant (default 2)")
    p.add_argument("--lr", type=float, default=0.5,
                   help="pg/reinforce step size on the logits (default 0.5)")
    p.add_argument("--control", default=None, choices=control_names(),
                   help="pg/reinforce entropy control (default none; `thermo-rl controls` "
                        "lists them)")
    p.add_argument("--preset", default=None, choices=("toy", "paper"),
                   help="the control's parameters: toy-batch defaults or the paper's")


def _policy_names(text):
    from ..bandits import POLICIES

    return comma_choices(text, POLICIES, "--policy", allow_all=True)


def _check_applies(args, names):
    if args.m is not None and args.env != "equal-best":
        raise UserError("--m applies to --env equal-best only")
    if args.shift is not None and args.env != "testbed":
        raise UserError("--shift applies to --env testbed only")
    if args.means is not None and args.env not in ("gaussian", "bernoulli"):
        raise UserError("--means applies to --env gaussian or bernoulli only")
    if args.control is not None and not set(names) & set(_PG):
        raise UserError("--control applies to --policy pg or reinforce only")
    if (args.T is not None or args.schedule is not None) and not set(names) & set(_TEMPERED):
        raise UserError("--T and --schedule apply to --policy softmax or pg only")
    if args.T is not None and args.schedule is not None:
        raise UserError("give --T or --schedule, not both")


def build(args):
    """The environment and ``{name: Policy}`` from the parsed arguments (checked)."""
    from .._validation import check_int, check_real, check_temperature
    from ..bandits import make_env, make_policy

    names = _policy_names(args.policy)
    _check_applies(args, names)
    check_int(args.runs, "--runs", low=1)
    check_int(args.steps, "--steps", low=1)
    k = args.k
    if k is None:
        k = 10 if args.means is None else int(args.means.size)
    k = check_int(k, "--k", low=2)
    m = 3 if args.m is None else check_int(args.m, "--m", low=1, high=k)
    if args.T is not None:
        check_temperature(args.T, "--T", allow_zero=True)
    check_real(args.epsilon, "--epsilon", low=0.0, high=1.0)
    check_real(args.alpha, "--alpha", low=0.0, low_open=True)
    check_real(args.c, "--c", low=0.0)
    check_real(args.lr, "--lr", low=0.0, low_open=True)
    env = make_env(args.env, k=k, m=min(m, k), means=args.means,
                   shift=0.0 if args.shift is None else args.shift)
    policies = {}
    for n in names:
        tempered = n in _TEMPERED
        policies[n] = make_policy(n, T=args.T if tempered else None,
                                  schedule=args.schedule if tempered else None,
                                  epsilon=args.epsilon, alpha=args.alpha, c=args.c, lr=args.lr,
                                  control=args.control if n in _PG else None,
                                  initial=args.initial)
    return env, policies


def check(args):
    """The environment and policies built, and ``run``'s own checks for each policy."""
    from .._validation import check_call
    from ..bandits import run as run_bandit

    env, policies = build(args)
    for pol in policies.values():
        check_call(run_bandit, env, pol, runs=args.runs, steps=args.steps, seed=args.seed,
                   progress=False)
    return {"env": env.name, "policies": list(policies), "runs": args.runs,
            "steps": args.steps}


def run(args):
    from ..bandits import EntropyPG, gibbs_policy, max_objective_J
    from ..bandits import run as run_bandit

    env, policies = build(args)
    results = {}
    rows = []
    for name, pol in policies.items():
        res = run_bandit(env, pol, runs=args.runs, steps=args.steps, seed=args.seed,
                         progress=args.progress)
        results[name] = res
        row = {"name": name, **res.as_dict()}
        if env.means_std == 0:            # fixed arms: the mean final policy is meaningful
            row["mean_final_probs"] = np.nanmean(res.final_probs, axis=0) \
                if not np.all(np.isnan(res.final_probs)) else None
        if isinstance(pol, EntropyPG):
            row.update(res.entropy_change_agreement())
        rows.append(row)
    out = {"env": env.describe(), "runs": args.runs, "steps": args.steps, "seed": args.seed,
           "last_steps": max(1, args.steps // 10), "policies": rows}
    T_theory = _theory_temperature(policies)
    if T_theory is not None and env.means_std == 0 and env.stationary:
        out["theory"] = {"T": T_theory,
                         "gibbs_policy": gibbs_policy(env.means, T_theory),
                         "max_objective_J": max_objective_J(env.means, T_theory),
                         "best_arms": env.best_arms()}
    folder = out_dir(args)
    if folder is not None:
        out["figures"] = _figures(env, results, out.get("theory"), folder)
    return out


def _theory_temperature(policies):
    """The fixed T of the first pg (or softmax) policy, for the Gibbs policy."""
    for name in ("pg", "softmax"):
        pol = policies.get(name)
        if pol is not None and getattr(pol, "schedule", None) is None \
                and getattr(pol, "control", "none") in ("none", "entropy-bonus"):
            return float(pol.T)
    return None


def _figures(env, results, theory, folder):
    from ..viz.bandits import plot_entropy_change, plot_learning_curves, plot_policy

    tag = env.name.split("(")[0].split("+")[0]
    metrics = ["reward", "optimal", "entropy", "coverage"]
    if any(r.temperature is not None and np.ptp(r.temperature) > 0 for r in results.values()):
        metrics.append("temperature")            # a schedule or a target-entropy control
    paths = [save_figure(plot_learning_curves(results, metrics), folder,
                         f"bandit_{tag}_curves.png")]
    for name, res in results.items():
        if res.dH_predicted is not None:
            fig = plot_entropy_change(res, label=f"{name} ({_temperature_text(res.policy)})")
            paths.append(save_figure(fig, folder, f"bandit_{tag}_entropy_change_{name}.png"))
    if env.means_std == 0:
        probs = {name: res.final_probs for name, res in results.items()
                 if not np.all(np.isnan(res.final_probs))}
        if theory is not None:
            probs[f"Gibbs policy exp(Q/T)/Z, T={theory['T']:g}"] = theory["gibbs_policy"]
        if probs:
            fig = plot_policy(probs, Q=env.means,
                              title=f"{env.name}: final action distributions")
            paths.append(save_figure(fig, folder, f"bandit_{tag}_policy.png"))
    return [p for p in paths if p]


def _temperature_text(pol):
    if pol.control == "target-entropy":
        return "T adapted to a target entropy"
    if pol.schedule is not None:
        return f"T schedule {pol.schedule!r}"
    return f"T={pol.T:g}" + ("" if pol.control == "none" else f", {pol.control}")


def render(r):
    e = r["env"]
    lines = [(f"{e['name']} (k={e['k']}, {e['kind']}): {r['runs']} runs x {r['steps']} "
              f"steps, seed {r['seed']}; averages over the last {r['last_steps']} steps"),
             (f"{'policy':22s} {'reward':>14s} {'% optimal':>9s} {'entropy':>8s} "
              f"{'coverage':>8s} {'cum.regret':>10s} {'time':>8s}")]

    f = num
    for p in r["policies"]:
        opt = None if p["optimal_fraction"] is None else 100 * p["optimal_fraction"]
        lines.append(f"{p['name']:22s} {f(p['reward'], '7.3f')}+-{f(p['reward_sem'], '.3f')} "
                     f"{f(opt, '8.1f')}% {f(p['entropy_nats'], '8.3f')} "
                     f"{f(p['coverage'], '8.3f')} {f(p['cumulative_regret'], '10.1f')} "
                     f"{f(p['seconds'], '7.2f')}s")
    for p in r["policies"]:
        if "entropy_change_correlation" in p:
            corr, rel = p["entropy_change_correlation"], p["entropy_change_relative_error"]
            lines.append(f"  {p['name']}: entropy change per step, predicted -Cov(ln pi, dz) vs "
                         f"measured: correlation {f(corr, '.3f')}, mean relative error "
                         f"{'-' if rel is None else format(100 * rel, '.0f') + '%'} over the "
                         f"{p['entropy_change_steps_compared']} steps where it moves "
                         f"(|dH| >= 10% of its max); last 10% of steps: predicted "
                         f"{f(p['entropy_change_predicted_last_nats_per_step'], '+.4f')}, "
                         "measured "
                         f"{f(p['entropy_change_measured_last_nats_per_step'], '+.4f')} "
                         "nats/step")
    th = r.get("theory")
    if th is not None:
        g = np.asarray(th["gibbs_policy"], dtype=float)
        lines.append(f"  Gibbs policy at T={f(th['T'], 'g')}: best arms {th['best_arms']} get "
                     f"{f(g[th['best_arms']].sum(), '.3f')} in all; max <r> + T H = "
                     f"{f(th['max_objective_J'], '.4f')}")
    lines += [f"  figure: {p}" for p in r.get("figures", [])]
    return "\n".join(lines)
