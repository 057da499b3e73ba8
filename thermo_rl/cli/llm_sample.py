"""``thermo-rl llm sample``: draw answers from a pretrained model with a decoding method."""

from __future__ import annotations

HELP = "sample answers of one prompt with a decoding method; print them with their rewards"


def add_arguments(p):
    from ._llm_common import add_model_arguments

    add_model_arguments(p)
    p.add_argument("--prompt", default=None,
                   help="a prompt of the model's task, e.g. S=14: (digit-sum), N=09: "
                        "(pair-sum), k=07: (multiples); default: the middle prompt")
    p.add_argument("--n", type=int, default=16, help="number of samples (default 16)")
    p.add_argument("--decoding", default="sample",
                   help="decoding method: sample, greedy, temperature:T, top-k:K, top-p:P, "
                        "min-p:X, top-h:A, or several joined by commas "
                        "(e.g. temperature:0.8,top-p:0.9)")


def check(args) -> dict:
    """``--dry-run``: the decoding, the sample count and the pretraining, checked."""
    from .._validation import check_int
    from ..llm.decoding import parse_decoding
    from ._llm_common import check_model_arguments

    check_int(args.n, "--n", low=1, high=10**6)
    check_model_arguments(args)
    return {"decoding": parse_decoding(args.decoding)}


def run(args):
    import torch

    from .._validation import check_int
    from ..llm.decoding import format_decoding, parse_decoding
    from ._llm_common import get_pretrained

    n = check_int(args.n, "--n", low=1, high=1_000_000)
    decoding = parse_decoding(args.decoding)
    res = get_pretrained(args, progress=args.progress)
    task, tok = res.task, res.tokenizer
    i = len(task.prompts) // 2 if args.prompt is None else task.prompt_index(args.prompt)
    prompt = task.prompts[i]
    x = torch.as_tensor(tok.encode_batch([prompt] * n), device=res.device)
    gen = torch.Generator(device=res.device).manual_seed(args.seed)
    ids = res.model.generate(x, task.answer_length + 1, eos_id=tok.eos_id, generator=gen,
                             **decoding)
    answers = [tok.decode_answer(r) for r in ids[:, x.shape[1]:].tolist()]
    rewards = task.rewards([i] * n, answers)
    spec = format_decoding(decoding)
    return [{"prompt": prompt, "answer": a, "reward": float(r), "decoding": spec}
            for a, r in zip(answers, rewards)]


def render(rows) -> str:
    if not rows:
        return "no samples"
    head = f"{len(rows)} samples of {rows[0]['prompt']} ({rows[0]['decoding']}):"
    body = [f"  {r['answer']:<8} reward {r['reward']:.0f}" for r in rows]
    good = sum(r["reward"] for r in rows)
    distinct = len({r["answer"] for r in rows if r["reward"] > 0})
    return "\n".join([head, *body, f"correct {good:.0f}/{len(rows)}, "
                                    f"{distinct} distinct correct answers"])
