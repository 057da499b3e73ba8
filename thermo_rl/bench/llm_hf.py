"""Benchmark: our RL step and sampler on a Hugging Face model, against TRL and transformers.

All rows run in one process on the same tiny GPT-2 (``save_tiny_model``: 2 layers, width
64, random initialization, saved to a temporary folder and loaded through
:func:`thermo_rl.llm.hf.load_hf`, nothing downloaded) and on the same digit-sum prompts;
each pair is timed in interleaved rounds (:func:`thermo_rl.bench.best_times`), so a
burst of background load slows both sides of a ratio alike.

* sampling: transformers' ``generate`` (the reference: ``do_sample``, ``top_k=0``, KV
  cache) against :meth:`HFPolicy.generate` (our decoding filters, the model's own KV
  cache), plain and with ``temperature 0.8, top-p 0.9``; every row samples every token
  (no EOS stop); tokens per second;
* RL update: one optimizer step on a fixed rollout: TRL's ``GRPOTrainer.compute_loss``
  (its fused LM head: log-probs and entropies) + backward + AdamW (the reference)
  against :func:`thermo_rl.llm.rl.token_log_probs` + :func:`~thermo_rl.llm.loss.policy_loss_tokens`
  + backward + AdamW; the same loss (``dapo``, ``beta = 0``, one update per rollout);
* RL step: the update plus the rollout: TRL's ``_generate_and_score_completions``
  (transformers' ``generate``, rewards, group advantages) against
  :func:`thermo_rl.llm.rl.rollout` (``HFPolicy.generate``, rewards) and
  :func:`~thermo_rl.llm.loss.compute_advantages`. Steps per second. TRL's ``Trainer``
  loop bookkeeping (callbacks, logging, the data loader) is not counted.
"""

from __future__ import annotations

import os
import tempfile

from . import BenchRow, best_times

AREA = "llm_hf"
SIZES = {"full": {"batch": 512, "new_tokens": 16, "prompts": 32, "group": 8},
         "quick": {"batch": 64, "new_tokens": 8, "prompts": 8, "group": 4}}


def _available():
    try:
        import transformers  # noqa: F401
        import trl  # noqa: F401
    except ImportError:
        return False
    return True


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    if not _available():          # the [hf] extra is optional: no rows without it
        return []
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    from ..llm._torch import require_torch, resolve_device
    from ..llm.hf import load_hf, save_tiny_model

    torch = require_torch()
    s = SIZES["quick" if quick else "full"]
    repeat = 2 if quick else 3
    device = resolve_device("auto")
    threads = torch.get_num_threads() if device.type == "cpu" else None
    where = f"{device.type}" + (f", {threads} threads" if threads else "")
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_tiny_model(os.path.join(tmp, "gpt2"), arch="gpt2", context=32, seed=seed)
        rows = _sampling(load_hf(folder, device=device), s, seed, repeat, where)
        rows += _rl(folder, os.path.join(tmp, "trl"), device, s, seed, repeat, where)
    return rows


def _sampling(policy, s, seed, repeat, where):
    import torch

    from ..llm.tasks import get_task

    task, tok = get_task("digit-sum"), policy.tokenizer
    B, new = s["batch"], s["new_tokens"]
    prompts = [task.prompts[i % len(task.prompts)] for i in range(B)]
    idx = torch.as_tensor(tok.encode_batch(prompts), device=policy.device)        # (B, Lp)
    mask = torch.ones_like(idx)
    hf = policy.model
    sizes = (f"GPT-2 {policy.num_parameters() / 1e6:.2f}M parameters, batch {B}, prompt "
             f"{idx.shape[1]} + {new} new tokens, vocab {tok.vocab_size}, {where}")
    rows = []
    for label, ours_kw, hf_kw in (
            ("", {}, {}),
            (", temperature 0.8 top-p 0.9", {"temperature": 0.8, "top_p": 0.9},
             {"temperature": 0.8, "top_p": 0.9})):
        def ours(kw=ours_kw):
            g = torch.Generator(device=policy.device).manual_seed(seed)
            return policy.generate(idx, new, eos_id=-1, generator=g, **kw)   # no EOS stop

        def theirs(kw=hf_kw):
            torch.manual_seed(seed)
            return hf.generate(idx, attention_mask=mask, do_sample=True, top_k=0,
                               max_new_tokens=new, min_new_tokens=new, use_cache=True,
                               pad_token_id=tok.pad_id, **kw)

        fns = {"hf": theirs, "ours": ours}
        for name, fn in fns.items():                                           # warm up
            out = fn()
            if out.shape != (B, idx.shape[1] + new):
                raise RuntimeError(f"{name} generate returned shape {tuple(out.shape)}")
        t = best_times(fns, repeat)
        n = B * new
        rows.append(BenchRow(AREA, f"transformers generate{label} (reference)", n / t["hf"],
                             "tokens_per_s", "-", None, t["hf"], f"KV cache; {sizes}"))
        rows.append(BenchRow(AREA, f"HFPolicy.generate{label}", n / t["ours"], "tokens_per_s",
                             "transformers generate", t["hf"] / t["ours"], t["ours"],
                             f"our filters, the model's KV cache; {sizes}"))
    return rows


def _rl(folder, out, device, s, seed, repeat, where):
    import numpy as np
    import torch

    from ..llm.hf import load_hf
    from ..llm.loss import compute_advantages, policy_loss_tokens
    from ..llm.rl import rollout, token_log_probs
    from ..llm.tasks import get_task

    task = get_task("digit-sum")
    n_prompts, G = s["prompts"], s["group"]
    Tc, lr = task.answer_length + 1, 1e-4
    pidx = np.arange(n_prompts) % len(task.prompts)
    texts = [task.prompts[i] for i in np.repeat(pidx, G)]

    # --- TRL ------------------------------------------------------------------------
    trl_update, trl_step = trl_grpo_step(folder, out, device, texts, G, seed, lr=lr)

    # --- ours -------------------------------------------------------------------------
    policy = load_hf(folder, device=device)
    tok = policy.tokenizer
    opt = torch.optim.AdamW(policy.parameters(), lr=lr)
    g = torch.Generator(device=device).manual_seed(seed)
    policy.train()
    ro_fixed = rollout(policy, task, tok, pidx, G, generator=g)

    def our_update(ro=None):
        ro = ro_fixed if ro is None else ro
        adv = compute_advantages(ro.rewards, estimator="grpo", scale_rewards="group")
        logp, ent = token_log_probs(policy, ro.tokens, Tc)
        loss, _ = policy_loss_tokens(logp, None, adv.reshape(-1), ro.mask, loss_type="dapo",
                                     entropies=ent)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def our_step():
        our_update(rollout(policy, task, tok, pidx, G, generator=g))

    sizes = (f"GPT-2 {policy.num_parameters() / 1e6:.2f}M parameters, {n_prompts} prompts x "
             f"{G} samples, {Tc} completion tokens, dapo, beta 0, AdamW, {where}")
    rows = []
    for label, fns, what in (
            ("RL update", {"trl": trl_update, "ours": our_update},
             "loss (log-probs, entropies), backward, AdamW on a fixed rollout"),
            ("RL step", {"trl": trl_step, "ours": our_step},
             "rollout (generate, rewards, advantages) + update")):
        for fn in fns.values():                                                   # warm up
            fn()
        t = best_times(fns, repeat)
        rows.append(BenchRow(AREA, f"{label}: TRL GRPOTrainer (reference)", 1.0 / t["trl"],
                             "steps_per_s", "-", None, t["trl"], f"{what}; {sizes}"))
        rows.append(BenchRow(AREA, f"{label}: thermo_rl.llm", 1.0 / t["ours"], "steps_per_s",
                             "TRL GRPOTrainer", t["trl"] / t["ours"], t["ours"],
                             f"{what}; {sizes}"))
    return rows


def trl_grpo_step(folder, out, device, texts, group: int, seed: int = 0, *, lr: float = 1e-4,
                  task="digit-sum"):
    """TRL's ``GRPOTrainer`` on the Hugging Face model in ``folder``, set up for one step
    on the prompts ``texts`` (each repeated ``group`` times, prompt-major) of ``task``:
    returns ``(update, step)``, ``update()`` one optimizer step on a fixed rollout
    (``compute_loss`` + backward + AdamW), ``step()`` a rollout
    (``_generate_and_score_completions``: transformers' ``generate``, rewards, group
    advantages) and that update. The settings of :mod:`thermo_rl.bench.llm_hf`: ``dapo``
    loss, ``beta = 0``, temperature 1, every generated row in one batch."""
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from ..llm.hf import load_hf
    from ..llm.tasks import get_task

    task = get_task(task)
    B, Tc = len(texts), task.answer_length + 1
    trl_policy = load_hf(folder, device=device)

    def reward(prompts, completions, **kw):
        return [task.reward(p, c) for p, c in zip(prompts, completions)]

    args = GRPOConfig(output_dir=out, report_to="none", use_cpu=device.type == "cpu",
                      bf16=False, activation_checkpointing=False, num_generations=group,
                      per_device_train_batch_size=B, max_completion_length=Tc,
                      loss_type="dapo", beta=0.0, scale_rewards="group", learning_rate=lr,
                      temperature=1.0, top_k=0, logging_steps=1, seed=seed, disable_tqdm=True)
    trainer = GRPOTrainer(model=trl_policy.model, reward_funcs=reward, args=args,
                          train_dataset=Dataset.from_dict({"prompt": texts[::group]}),
                          processing_class=trl_policy.tokenizer.hf)
    trainer.current_gradient_accumulation_steps = 1      # set by Trainer's loop; one step
    trl_opt = torch.optim.AdamW(trl_policy.parameters(), lr=lr)
    trl_policy.train()
    fixed = trainer._generate_and_score_completions([{"prompt": p} for p in texts])

    def trl_update(inputs=None):
        loss = trainer.compute_loss(trainer.model, fixed if inputs is None else inputs)
        loss.backward()
        trl_opt.step()
        trl_opt.zero_grad(set_to_none=True)

    def trl_step():
        trl_update(trainer._generate_and_score_completions([{"prompt": p} for p in texts]))

    return trl_update, trl_step
