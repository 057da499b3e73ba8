"""``thermo-rl free-energy``: ln Z measured by TI, AIS, Wang-Landau, MBAR or importance sampling.

Lattices (``--system ising|potts``) take ``--method ti|ais|wl|mbar``; the bandit and the
language model (``--system bandit|llm``: ``ln Z`` of ``pi* ∝ pi_ref e^{r/T}``) take
``--method is|ais``. ``--json`` prints ``ln_z``, ``ln_z_error``, ``ln_z_exact`` (where
known), ``free_energy_per_spin`` (``-T ln Z / N``; ``N = 1`` outside the lattices),
``seconds`` and the method's own numbers. Every argument is checked before any work
starts; ``--dry-run`` does only that.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np

from .._validation import (
    check_choice,
    check_int,
    check_lattice_side,
    check_memory,
    check_real,
    check_temperature,
)
from ..errors import UserError
from ..free_energy import GRIDS
from ._common import float_list

HELP = "free energy (ln Z) measured: TI, AIS, Wang-Landau, MBAR, importance sampling"

SYSTEMS = ("ising", "potts", "bandit", "llm")
METHODS = ("ti", "ais", "wl", "mbar", "is")
LATTICE_METHODS = ("ti", "ais", "wl", "mbar")
POLICY_METHODS = ("is", "ais")
#: the bandit's arm means when --Q is not given (two nearly equal best arms)
DEFAULT_Q = "1,0.8,0.2,0,0,-0.5"


def add_arguments(p):
    from ..llm.tasks import TASKS

    p.add_argument("--system", default="ising", choices=SYSTEMS,
                   help="ising, potts (lattices), bandit or llm (ln Z of pi*) (default ising)")
    p.add_argument("--method", default="ais", choices=METHODS,
                   help="ti, ais, wl, mbar (lattices); is, ais (bandit, llm) (default ais)")
    p.add_argument("--T", type=float, default=None,
                   help="temperature (the KL coefficient for bandit/llm); default Tc of the "
                        "lattice, 0.1 otherwise")
    p.add_argument("--L", type=int, default=16, help="lattice side (even; default 16)")
    p.add_argument("--q", type=int, default=3, help="Potts states (>= 2; default 3)")
    p.add_argument("--J", type=float, default=1.0, help="coupling (> 0; default 1)")
    p.add_argument("--chains", type=int, default=None,
                   help="AIS chains (default 32 on a lattice, 1000 otherwise)")
    p.add_argument("--steps", type=int, default=None,
                   help="AIS steps (default 64 N on a lattice, 100 otherwise)")
    p.add_argument("--grid", default="quadratic", choices=GRIDS,
                   help="spacing in beta of the AIS steps and of the TI/MBAR scan "
                        "(default quadratic: finer at the target)")
    p.add_argument("--algorithm", default=None,
                   help="lattice sampler: AIS metropolis|heatbath|sw (default metropolis); "
                        "TI/MBAR scan: metropolis|heatbath|wolff|sw (default wolff)")
    p.add_argument("--points", type=int, default=33,
                   help="TI/MBAR temperatures from beta = 0 (default 33)")
    p.add_argument("--sweeps", type=int, default=2000,
                   help="TI/MBAR measured sweeps per temperature (default 2000)")
    p.add_argument("--ln-f", type=float, default=1e-6, dest="ln_f",
                   help="Wang-Landau final ln f (default 1e-6)")
    p.add_argument("--runs", type=int, default=8,
                   help="Wang-Landau independent walkers, for the error bar (default 8)")
    p.add_argument("--samples", type=int, default=10_000,
                   help="importance samples for --method is (default 10000)")
    p.add_argument("--Q", type=float_list, default=None,
                   help=f"bandit arm means, comma-separated (default {DEFAULT_Q})")
    p.add_argument("--task", default="pair-sum", choices=TASKS,
                   help="llm task when no --checkpoint is given (default pair-sum)")
    p.add_argument("--checkpoint", default=None, metavar="DIR",
                   help="llm: a pretrained model (`thermo-rl llm pretrain --out`); default: "
                        "a freshly initialized tiny GPT (seeded by --seed), which almost "
                        "never answers correctly: neither estimator then sees a reward")
    p.add_argument("--prompt", type=int, default=0, help="llm prompt index (default 0)")


def _plan(args) -> dict:
    """Every cheap check, in one place; returns the settings the run will use."""
    from ..physics.exact import TC, potts_tc

    system = check_choice(args.system, "--system", SYSTEMS)
    method = check_choice(args.method, "--method", METHODS)
    lattice = system in ("ising", "potts")
    allowed = LATTICE_METHODS if lattice else POLICY_METHODS
    if method not in allowed:
        raise UserError(f"--method {method} does not apply to --system {system}; "
                        f"use one of: {', '.join(allowed)}")
    plan = {"system": system, "method": method, "seed": args.seed}
    # every flag is checked whether or not this method uses it (a typo never passes)
    points = check_int(args.points, "--points", low=3, high=100_000)
    sweeps = check_int(args.sweeps, "--sweeps", low=32, high=10**9)
    ln_f = check_real(args.ln_f, "--ln-f", low=1e-12, high=1.0, high_open=True)
    runs = check_int(args.runs, "--runs", low=1, high=10_000)
    samples = check_int(args.samples, "--samples", low=2, high=10**9)
    check_int(args.prompt, "--prompt", low=0)
    for flag, v in (("--chains", args.chains), ("--steps", args.steps)):
        if v is not None:
            check_int(v, flag, low=1 if flag == "--steps" else 2, high=10**9)
    check_real(args.J, "--J", low=0.0, low_open=True)
    check_int(args.q, "--q", low=2, high=127)
    check_lattice_side(args.L, "--L")
    if args.T is not None:
        check_temperature(args.T, "--T")
    if lattice:
        L = check_lattice_side(args.L, "--L")
        J = check_real(args.J, "--J", low=0.0, low_open=True)
        q = 2 if system == "ising" else check_int(args.q, "--q", low=2, high=127)
        Tc = TC * J if system == "ising" else potts_tc(q, J)
        T = Tc if args.T is None else check_temperature(args.T, "--T")
        plan.update(L=L, q=q, J=J, T=T)
        N = L * L
        if method == "ais":
            chains = 32 if args.chains is None else check_int(args.chains, "--chains", low=2,
                                                               high=1_000_000)
            steps = max(1000, 64 * N) if args.steps is None else check_int(
                args.steps, "--steps", low=1, high=10**9)
            alg = "metropolis" if args.algorithm is None else check_choice(
                args.algorithm, "--algorithm", ("metropolis", "heatbath", "sw"))
            check_memory(chains * N * 2 + chains * L * 32 + 8 * steps * 11, "AIS chains")
            plan.update(chains=chains, steps=steps, grid=args.grid, algorithm=alg)
        elif method in ("ti", "mbar"):
            alg = "wolff" if args.algorithm is None else check_choice(
                args.algorithm, "--algorithm", ("metropolis", "heatbath", "wolff", "sw"))
            check_memory(points * sweeps * 120, f"{points} x {sweeps} samples")
            if method == "mbar" and importlib.util.find_spec("pymbar") is None:
                raise UserError("--method mbar needs pymbar: pip install "
                                "'thermo-rl[freeenergy]' (or pip install pymbar)")
            plan.update(points=points, sweeps=sweeps, grid=args.grid, algorithm=alg)
        else:
            check_int(L, "--L", low=4, high=64)
            if args.algorithm is not None:
                raise UserError("--algorithm does not apply to --method wl (single-spin "
                                "Wang-Landau moves)")
            plan.update(ln_f_final=ln_f, runs=runs)
        return plan
    T = 0.1 if args.T is None else check_temperature(args.T, "--T")
    plan["T"] = T
    if args.algorithm is not None:
        raise UserError(f"--algorithm applies to the lattices, not --system {system}")
    if method == "is":
        plan["samples"] = samples
    else:
        plan["chains"] = 1000 if args.chains is None else check_int(args.chains, "--chains",
                                                                    low=2, high=10**8)
        plan["steps"] = 100 if args.steps is None else check_int(args.steps, "--steps", low=1,
                                                                 high=10**7)
        plan["grid"] = args.grid
    if system == "bandit":
        Q = float_list(DEFAULT_Q) if args.Q is None else np.asarray(args.Q, dtype=float)
        if Q.size < 1 or not np.all(np.isfinite(Q)):
            raise UserError("--Q must be finite arm means, comma-separated")
        plan["Q"] = Q
    else:
        if importlib.util.find_spec("torch") is None:
            raise UserError("--system llm needs torch: pip install 'thermo-rl[llm]'")
        from ..llm.tasks import get_task

        if args.checkpoint is not None:
            if not (Path(args.checkpoint) / "checkpoint.pt").exists():
                raise UserError(f"--checkpoint {args.checkpoint!r} has no checkpoint.pt")
            plan["checkpoint"] = args.checkpoint
        else:
            plan["task"] = args.task
        n_prompts = None if args.checkpoint else len(get_task(args.task).prompts)
        prompt = args.prompt
        if n_prompts is not None and prompt >= n_prompts:
            raise UserError(f"--prompt must be < {n_prompts} (the prompts of {args.task})")
        plan["prompt"] = prompt
    return plan


def _llm_ref(plan):
    from ..llm.exact import answer_distribution

    if "checkpoint" in plan:
        from ..llm.train import load_checkpoint

        pre = load_checkpoint(plan["checkpoint"], device="cpu")
        model, task, tok = pre.model, pre.task, pre.tokenizer
        if plan["prompt"] >= len(task.prompts):
            raise UserError(f"--prompt must be < {len(task.prompts)} (the prompts of "
                            f"{task.name})")
    else:
        from ..llm.model import build_model
        from ..llm.tasks import get_task
        from ..llm.tokenizer import CharTokenizer

        task, tok = get_task(plan["task"]), CharTokenizer()
        model = build_model("tiny", vocab_size=tok.vocab_size, seed=plan["seed"])
    return answer_distribution(model, task, prompts=[plan["prompt"]], tokenizer=tok)


def check(args) -> dict:
    """Every flag checked (``--dry-run`` prints this plan; see :mod:`thermo_rl.cli`)."""
    return _plan(args)


def run(args):
    plan = _plan(args)
    system, method = plan["system"], plan["method"]
    if system in ("ising", "potts"):
        from ..physics import free_energy as fe

        common = dict(model=system, q=plan["q"], J=plan["J"], seed=args.seed,
                      progress=args.progress)
        L, T = plan["L"], plan["T"]
        if method == "ais":
            r = fe.ais(L, T, chains=plan["chains"], steps=plan["steps"], grid=plan["grid"],
                       algorithm=plan["algorithm"], **common)
        elif method == "ti":
            r = fe.thermodynamic_integration(L, T, points=plan["points"], sweeps=plan["sweeps"],
                                             grid=plan["grid"], algorithm=plan["algorithm"],
                                             **common)
        elif method == "mbar":
            r = fe.mbar(L, T, points=plan["points"], sweeps=plan["sweeps"], grid=plan["grid"],
                        algorithm=plan["algorithm"], **common)
        else:
            r = fe.wang_landau(L, ln_f_final=plan["ln_f_final"], runs=plan["runs"],
                               **common).free_energy(T)
        out = {"L": L, **r.as_dict()}
    else:
        kw = ({"samples": plan["samples"]} if method == "is" else
              {"chains": plan["chains"], "steps": plan["steps"]})
        if system == "bandit":
            from ..bandits.free_energy import estimate_log_z

            r = estimate_log_z(plan["Q"], plan["T"], method=method, seed=args.seed, **kw)
        else:
            from ..llm.free_energy import estimate_log_z

            r = estimate_log_z(_llm_ref(plan), plan["T"], method=method, seed=args.seed, **kw)
        out = r.as_dict()
    out.pop("log_weights", None)
    return out


def render(r):
    from ._common import num

    head = f"{r['system']} {r['method']}" + (f" L={r['L']}" if "L" in r else "") + \
        f" T={num(r['T'], '.6g')}"
    lines = [head, f"ln Z = {num(r['ln_z'], '.6f')} +- {num(r['ln_z_error'], '.2g')}"]
    if r.get("ln_z_exact") is not None:
        dev = None if r["ln_z"] is None else r["ln_z"] - r["ln_z_exact"]
        z = r.get("z_score")
        lines.append(f"exact  {num(r['ln_z_exact'], '.6f')}  (estimate - exact = "
                     f"{num(dev, '+.3g')}"
                     + (f", {z:+.2f} error bars)" if z is not None and math.isfinite(z) else ")"))
    lines.append(f"F per spin = {num(r['free_energy_per_spin'], '.7f')} +- "
                 f"{num(r['free_energy_per_spin_error'], '.2g')}")
    if r.get("ess") is not None:
        lines.append(f"effective sample size {num(r['ess'], '.1f')} of {r['samples']}")
    lines.append(f"{num(r['seconds'], '.2f')} s")
    return "\n".join(lines)
