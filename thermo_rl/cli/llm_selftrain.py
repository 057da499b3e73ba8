"""``thermo-rl llm selftrain``: fine-tune a model on its own samples, generation after
generation, and compare the drift with Wright-Fisher."""

from __future__ import annotations

HELP = ("self-training collapse: fine-tune on the model's own samples (unfiltered or "
        "reward-filtered, optionally with fresh data) against Wright-Fisher drift")


def add_arguments(p):
    from ..llm.selftrain import SELFTRAIN_MODES
    from ._llm_common import add_model_arguments

    add_model_arguments(p)
    p.add_argument("--generations", type=int, default=8, help="default 8")
    p.add_argument("--n", type=int, default=32,
                   help="samples per prompt per generation, the population (default 32)")
    p.add_argument("--mode", default="unfiltered", choices=SELFTRAIN_MODES,
                   help="keep every sample or only the correct ones (default unfiltered)")
    p.add_argument("--fresh", type=float, default=0.0,
                   help="share of fresh pretraining data in each generation (default 0)")
    p.add_argument("--steps", type=int, default=60,
                   help="fine-tuning steps per generation (default 60)")


def check(args) -> dict:
    """``--dry-run``: self-training's and the pretraining's arguments, checked."""
    from .._validation import check_call
    from ..llm.selftrain import self_train_lm
    from ._llm_common import check_model_arguments

    check_call(self_train_lm, None, generations=args.generations, n_samples=args.n,
               mode=args.mode, fresh=args.fresh, steps=args.steps, seed=args.seed)
    check_model_arguments(args)
    return {"generations": args.generations, "mode": args.mode}


def run(args):
    from ..llm.selftrain import self_train_lm
    from ._common import out_dir
    from ._llm_common import get_pretrained

    folder = out_dir(args)
    base = get_pretrained(args, progress=args.progress)
    res = self_train_lm(base, generations=args.generations, n_samples=args.n, mode=args.mode,
                        fresh=args.fresh, steps=args.steps, seed=args.seed,
                        progress=args.progress)
    out = res.as_dict()
    out["task"] = base.task.name
    out["figures"] = []
    if folder is not None:
        from ..viz.llm_pretrain import self_training_curves

        out["figures"].append(self_training_curves(res, folder / "llm_selftrain.png"))
    return out


def render(r) -> str:
    lines = [f"self-training on {r['task']} ({r['mode']}, n = {r['n_samples']} per prompt, "
             f"fresh {r['fresh']:.2f}), {r['seconds']:.1f} s",
             f"{'gen':>4} {'pass@1':>7} {'coverage':>9} {'entropy':>8} {'h':>7} {'h (WF)':>7}"]
    for row, th in zip(r["history"], r["theory_heterozygosity"]):
        lines.append(f"{row['generation']:>4} {row['pass@1']:>7.3f} {row['coverage']:>9.3f} "
                     f"{row['answer_entropy']:>8.3f} {row['heterozygosity']:>7.3f} {th:>7.3f}")
    lines.append(f"h = 1 - sum pi^2 (heterozygosity); WF: Wright-Fisher with the samples kept; "
                 f"effective population {r['effective_population']:.1f}")
    lines += [f"figure: {f}" for f in r.get("figures", [])]
    return "\n".join(lines)
