"""``thermo-rl llm pretrain``: train a tiny GPT from scratch and measure it exactly."""

from __future__ import annotations

from ..errors import UserError

HELP = ("pretrain a tiny GPT on a task's corpus (correct answers and near-misses); "
        "print its exact valid rate, answer entropy and coverage")


def add_arguments(p):
    from ..llm._torch import DEVICES
    from ..llm.model import SIZES
    from ..llm.tasks import TASKS

    p.add_argument("--task", default="digit-sum", choices=TASKS, help="default digit-sum")
    p.add_argument("--size", default="small", choices=tuple(SIZES),
                   help="tiny ~0.1M, small ~0.8M, base ~4.7M parameters (default small)")
    p.add_argument("--steps", type=int, default=None,
                   help="optimizer steps (default 600 for tiny, 400 otherwise)")
    p.add_argument("--batch-size", type=int, default=128, help="pairs per step (default 128)")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (default 3e-3)")
    p.add_argument("--correct-fraction", type=float, default=0.6,
                   help="share of correct answers in the corpus, the rest near-misses "
                        "(default 0.6)")
    p.add_argument("--device", default="auto", choices=DEVICES, help="default auto")
    p.add_argument("--rotary", action="store_true", help="rotary position embeddings")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--checkpoint-every", type=int, default=None,
                   help="steps between checkpoints (needs --out; default: at the end)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --out, bit for bit")


def _kwargs(args) -> dict:
    return dict(size=args.size, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                correct_fraction=args.correct_fraction, seed=args.seed, device=args.device,
                rotary=args.rotary, compile=args.compile,
                checkpoint_every=args.checkpoint_every, resume=args.resume)


def check(args) -> dict:
    """``--dry-run``: every flag checked by :func:`thermo_rl.llm.train.pretrain` itself."""
    from .._validation import check_call
    from ..llm.train import pretrain

    if args.resume and not args.out:
        raise UserError("--resume needs --out (the folder holding checkpoint.pt)")
    check_call(pretrain, args.task, out=args.out, **_kwargs(args))
    return {"task": args.task, "size": args.size}


def run(args):
    from ..llm.train import pretrain
    from ._common import out_dir

    if args.resume and not args.out:
        raise UserError("--resume needs --out (the folder holding checkpoint.pt)")
    folder = out_dir(args)
    res = pretrain(args.task, size=args.size, steps=args.steps, batch_size=args.batch_size,
                   lr=args.lr, correct_fraction=args.correct_fraction, seed=args.seed,
                   device=args.device, rotary=args.rotary, compile=args.compile, out=folder,
                   checkpoint_every=args.checkpoint_every, resume=args.resume,
                   progress=args.progress)
    out = res.as_dict()
    out["figures"] = []
    if folder is not None:
        from ..viz.llm_pretrain import loss_curve

        out["figures"].append(loss_curve(res.history, folder / "pretrain_loss.png",
                                         title=f"{res.task.name}, {res.settings['size']}"))
    return out


def render(r) -> str:
    b = r["base"]
    lines = [
        f"pretrained a {r['size']} GPT ({r['parameters']:,} parameters) on {r['task']}: "
        f"{r['steps']} steps in {r['seconds']:.1f} s "
        f"({r['tokens_per_second']:,.0f} training tokens/s, device {r['device']})",
        f"final loss {r['final_loss']:.3f} nats/token",
        "base model, exact over every answer of every prompt:",
        f"  valid rate (pass@1) {b['pass@1']:.3f}    pass@8 {b['pass@k'][8]:.3f}",
        f"  answer entropy {b['answer_entropy']:.3f} nats    coverage {b['coverage']:.3f}    "
        f"effective correct answers {b['effective_correct']:.1f}    "
        f"malformed mass {b['invalid']:.4f}",
    ]
    if r.get("checkpoint"):
        lines.append(f"checkpoint: {r['checkpoint']}")
    lines += [f"figure: {f}" for f in r.get("figures", [])]
    return "\n".join(lines)
