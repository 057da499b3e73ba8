"""Benchmark: the language model's training and sampling throughput, in tokens per second.

Rows (all in one run, on the device ``auto`` picks, the same model weights throughout):

* training: a few AdamW steps of :func:`thermo_rl.llm.train.pretrain` on digit-sum
  (``small`` model, batch 128; ``--quick``: ``tiny``, batch 32), every token fed to the
  model counted; no reference (ratio empty);
* sampling, the reference: :meth:`GPT.generate` with ``use_cache=False``, which
  re-runs the whole sequence at every step (the plain loop);
* sampling with the KV cache (:meth:`GPT.generate`), as a ratio to the reference
  (the goal: >= 5x);
* Hugging Face transformers' ``generate`` (when installed) on a randomly initialized
  ``GPT2LMHeadModel`` built in code with the same vocabulary, width, depth, heads and
  context (nothing downloaded), KV cache on, plain sampling (``top_k=0``): the same
  work per token up to GPT-2's biases. The KV-cache row's note gives our speed over it.

Sampling: a batch of 512 prompts (``--quick``: 64) of digit-sum, 16 new tokens each
(``--quick``: 8), no EOS stop, so every row samples every token; throughput is new
tokens per second. Each note lists the sizes.

On the CPU every row runs on one thread (restored afterwards), the footing of the other
areas' single-core rows: the matrices are small (128-wide), and on a shared 2-core
machine two threads per process were measured 4-7x *slower* than one (both our
``generate`` and transformers', so their ratio holds either way).
"""

from __future__ import annotations

from . import BenchRow, best_times

AREA = "llm"
UNIT = "tokens_per_s"
SIZES = {"full": {"size": "small", "train_batch": 128, "train_steps": 6, "batch": 512,
                  "new_tokens": 16},
         "quick": {"size": "tiny", "train_batch": 32, "train_steps": 2, "batch": 64,
                   "new_tokens": 8}}


def _hf_model(cfg, device):
    """A GPT-2 of our model's shape, randomly initialized in code (None without transformers)."""
    try:
        from transformers import GPT2Config, GPT2LMHeadModel
        from transformers.utils import logging
    except ImportError:
        return None
    logging.set_verbosity_error()       # its padding hint: PAD is a token a random model samples
    hf_cfg = GPT2Config(vocab_size=cfg.vocab_size, n_positions=cfg.block_size,
                        n_embd=cfg.n_embd, n_layer=cfg.n_layer, n_head=cfg.n_head,
                        bos_token_id=None, eos_token_id=None, pad_token_id=0)
    return GPT2LMHeadModel(hf_cfg).to(device).eval()


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    from ..llm._torch import require_torch

    torch = require_torch()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                        # one core: see the module docstring
    try:
        return _run(quick, seed)
    finally:
        torch.set_num_threads(threads)


def _run(quick, seed):
    from ..llm._torch import require_torch, resolve_device
    from ..llm.model import build_model
    from ..llm.tasks import get_task
    from ..llm.tokenizer import CharTokenizer
    from ..llm.train import pretrain

    torch = require_torch()
    s = SIZES["quick" if quick else "full"]
    repeat = 1 if quick else 5
    device = resolve_device("auto")
    where = "cpu, 1 thread" if device.type == "cpu" else device.type
    rows = []

    # --- training ---------------------------------------------------------------------
    pretrain("digit-sum", size=s["size"], steps=1, batch_size=s["train_batch"], seed=seed,
             device=device, progress=False)                                   # warm up
    res = pretrain("digit-sum", size=s["size"], steps=s["train_steps"],
                   batch_size=s["train_batch"], seed=seed, device=device, progress=False)
    n_par = res.model.num_parameters()
    rows.append(BenchRow(AREA, f"train {s['size']} (AdamW step)", res.tokens_per_second, UNIT,
                         "-", None, res.seconds,
                         f"{n_par / 1e6:.2f}M parameters, batch {s['train_batch']} x "
                         f"{res.model.config.block_size - 1} tokens, {s['train_steps']} steps, "
                         f"{where}"))

    # --- sampling -----------------------------------------------------------------------
    task, tok = get_task("digit-sum"), CharTokenizer()
    B, new = s["batch"], s["new_tokens"]
    prompts = [task.prompts[i % len(task.prompts)] for i in range(B)]
    idx = torch.as_tensor(tok.encode_batch(prompts), device=device)             # (B, Lp)
    block = idx.shape[1] + new
    model = build_model(s["size"], vocab_size=tok.vocab_size, block_size=block, seed=seed,
                        device=device).eval()
    n_par = model.num_parameters()
    sizes = (f"{s['size']} ({n_par / 1e6:.2f}M parameters), batch {B}, prompt "
             f"{idx.shape[1]} + {new} new tokens, vocab {tok.vocab_size}, {where}")
    n_new = B * new

    def ours(use_cache):
        g = torch.Generator(device=device).manual_seed(seed)
        return lambda: model.generate(idx, new, use_cache=use_cache, generator=g)

    fns = {"ref": ours(False), "kv": ours(True)}
    hf = _hf_model(model.config, device)
    if hf is not None:
        mask = torch.ones_like(idx)

        def theirs():
            torch.manual_seed(seed)
            return hf.generate(idx, attention_mask=mask, do_sample=True, top_k=0,
                               max_new_tokens=new, min_new_tokens=new, use_cache=True,
                               pad_token_id=0)

        fns["hf"] = theirs
    for name, fn in fns.items():                                               # warm up
        out = fn()
        if out.shape != (B, idx.shape[1] + new):
            raise RuntimeError(f"{name} generate returned shape {tuple(out.shape)}")
    t = best_times(fns, repeat)                                    # interleaved rounds
    ref_v = n_new / t["ref"]
    rows.append(BenchRow(AREA, "generate, no cache (reference)", ref_v, UNIT, "-", None,
                         t["ref"], f"re-runs the whole sequence each step; {sizes}"))
    kv_v = n_new / t["kv"]
    kv = BenchRow(AREA, "generate, KV cache", kv_v, UNIT, "no cache", kv_v / ref_v, t["kv"],
                  sizes)
    rows.append(kv)
    if hf is not None:
        hf_par = sum(p.numel() for p in hf.parameters())
        hf_v = n_new / t["hf"]
        rows.append(BenchRow(AREA, "transformers generate (GPT-2)", hf_v, UNIT, "no cache",
                             hf_v / ref_v, t["hf"],
                             f"GPT2LMHeadModel, random init, {hf_par / 1e6:.2f}M parameters "
                             f"(biases), KV cache, do_sample top_k=0; {sizes}"))
        kv.note += f"; {kv_v / hf_v:.2f}x transformers generate"
    return rows
