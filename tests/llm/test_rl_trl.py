"""Cross-check: our GRPO advantages, token log-probabilities, loss and gradient against TRL's
``GRPOTrainer`` (trl 1.16.0) on the same tiny Hugging Face model and the same batch.

TRL is driven through its own code paths, not re-implemented: a ``GRPOTrainer`` is built in
code on a tiny GPT-2 (saved to a temporary folder and loaded through ``thermo_rl.llm.hf``,
nothing downloaded), its ``rollout_func`` hook hands it our fixed completions and its reward
function our rewards; ``_generate_and_score_completions`` then computes, with TRL's code,
the group advantages, the old and the reference per-token log-probabilities; the weights
are moved (so that probability ratios leave 1 and both clip bounds act); and
``trainer.compute_loss`` gives the loss, whose gradient is compared with ours.

Ours: ``thermo_rl.llm.loss.compute_advantages`` and ``policy_loss_tokens`` with per-token
log-probabilities and entropies from ``thermo_rl.llm.rl.token_log_probs`` through the
``HFPolicy`` adapter.

Where the definitions meet (checked to float tolerance, 2e-6 relative on float32 losses):

* advantages: TRL ``(r - group mean) / (std + 1e-4)`` with a Bessel-corrected std
  (``scale_rewards="group"``), ``r - group mean`` (``"none"``) = ours with
  ``estimator="grpo"``;
* ``loss_type``: TRL's ``dapo`` divides by ``num_items_in_batch`` (the valid tokens of the
  whole generation batch) divided by the number of processes, times
  ``gradient_accumulation_steps / steps_per_generation``; on one process with both 1 (as
  here) that is our ``dapo``, the valid-token mean. ``dr_grpo`` divides by
  ``B * max_completion_length``: we pass ``max_completion_length`` (our default is the
  padded width T, which equals it only when some completion uses the whole budget).
  ``grpo`` is the mean of per-sequence token means, both sides;
* ``epsilon`` / ``epsilon_high`` = our ``eps_low`` / ``eps_high``; ``beta`` = our
  ``kl_penalty`` (lambda) with ``kl_estimator="k3"`` when TRL's
  ``use_bias_correction_kl=False`` and ``"k3-corrected"`` for TRL's *default* (True),
  which multiplies k3 by the differentiable ratio ``rho = pi / pi_old`` (the DeepSeek-V3.2
  correction: its expected gradient is then that of KL(pi || pi_ref));
  ``top_entropy_quantile`` = our ``high-entropy`` control's ``top_quantile``: the same
  quantile (linear interpolation) over the valid tokens of the whole batch, kept at or
  above it.

Not compared (TRL features we do not implement): ``scale_rewards="batch"`` with
``multi_objective_aggregation="normalize_then_sum"``, sequence-level importance sampling,
``delta`` two-sided clipping, vLLM importance-sampling corrections, ``loss_type`` bnpo,
cispo, sapo, vespo, luspo.
"""

import os
import tempfile

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="the cross-check needs the [hf] extra")
pytest.importorskip("trl", reason="the cross-check against TRL needs the [hf] extra (trl)")
pytest.importorskip("datasets", reason="TRL's trainer needs datasets (installed with trl)")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")            # rollout_func is "experimental"

from thermo_rl.llm.hf import load_hf, save_tiny_model
from thermo_rl.llm.loss import compute_advantages, policy_loss_tokens
from thermo_rl.llm.rl import token_log_probs
from thermo_rl.llm.tasks import get_task

G = 4                                                 # completions per prompt
PROMPTS = (4, 9, 13, 2)                               # pair-sum N = 4, 9, 13, 2
# per group: answers ("" + k chars: a malformed sample cut short before EOS)
ANSWERS = (("1+3", "2+2", "5+5", "3+"), ("4+5", "9+0", "4+4", "0+9"),
           ("8+5", "1+1", "6+", "2+9"), ("0+0", "9+9", "1+3", "5+"))
WIDTH = 4                                             # max_completion_length: answer + EOS


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("tiny"), arch="gpt2", seed=7)


@pytest.fixture(scope="module")
def batch(folder):
    """The fixed batch: prompt and completion token lists, rewards from the task."""
    task, tok = get_task("pair-sum"), load_hf(folder, device="cpu").tokenizer
    prompts, comps, rewards = [], [], []
    for i, group in zip(PROMPTS, ANSWERS):
        for a in group:
            ids = tok.encode(a, eos=len(a) == 3)      # short ones never emitted EOS
            prompts.append(task.prompts[i])
            comps.append(ids)
            rewards.append(task.reward(i, a) if len(a) == 3 else 0.0)
    r = np.array(rewards).reshape(len(PROMPTS), G)
    assert (r.std(1) > 0).sum() >= 2 and (r.std(1) == 0).sum() >= 1   # signal and none
    return prompts, comps, rewards


def trl_side(folder, batch, **config):
    """TRL's advantages, old/ref log-probs (before the move), loss and gradient (after)."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    prompts, comps, rewards = batch
    policy = load_hf(folder, device="cpu")
    tok = policy.tokenizer

    def rollout(prompts_in, trainer):
        assert list(prompts_in) == prompts            # TRL repeats each prompt G times
        return {"prompt_ids": [tok.encode(p) for p in prompts],
                "completion_ids": [list(c) for c in comps], "logprobs": None}

    def reward(prompts, completions, **kw):
        return list(rewards)

    args = GRPOConfig(output_dir=tempfile.mkdtemp(), report_to="none", use_cpu=True,
                      bf16=False, activation_checkpointing=False, num_generations=G,
                      per_device_train_batch_size=len(prompts), max_completion_length=WIDTH,
                      num_iterations=2,               # TRL then computes old log-probs
                      logging_steps=1, **config)
    trainer = GRPOTrainer(model=policy.model, reward_funcs=reward, args=args,
                          train_dataset=Dataset.from_dict({"prompt": list(PROMPTS)}),
                          processing_class=tok.hf, rollout_func=rollout)
    assert trainer.model is policy.model
    trainer.current_gradient_accumulation_steps = 1  # set by Trainer's loop; one step here
    trainer.model.train()
    inputs = trainer._generate_and_score_completions([{"prompt": p} for p in prompts])
    move(policy)
    loss = trainer.compute_loss(trainer.model, inputs)
    loss.backward()
    return policy, inputs, loss.detach(), grads(policy)


def move(policy, scale=0.08, seed=11):
    """Shift every weight (seeded) so that the ratios pi / pi_old leave 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)


def grads(policy):
    out = {n: p.grad.detach().clone() for n, p in policy.named_parameters() if p.grad is not None}
    policy.zero_grad(set_to_none=True)
    return out


CASES = [{"epsilon": 0.2, "beta": 0.0, "top_entropy_quantile": 1.0},
         {"epsilon": 0.2, "epsilon_high": 0.28, "beta": 0.04, "top_entropy_quantile": 0.5,
          "use_bias_correction_kl": False}]


@pytest.mark.parametrize("scale_rewards", ["group", "none"])
@pytest.mark.parametrize("loss_type", ["grpo", "dr_grpo", "dapo"])
@pytest.mark.parametrize("case", [0, 1, "bias-corrected-kl"])
def test_loss_and_gradient_equal_trl(folder, batch, loss_type, scale_rewards, case):
    """Equal for every setting; TRL's default ``use_bias_correction_kl=True`` (the k3 term
    times the differentiable ratio rho, DeepSeek-V3.2) is our ``k3-corrected``."""
    corrected = case == "bias-corrected-kl"
    cfg = {**CASES[1], "use_bias_correction_kl": True} if corrected else CASES[case]
    policy, inputs, trl_loss, trl_grads = trl_side(folder, batch, loss_type=loss_type,
                                                   scale_rewards=scale_rewards, **cfg)
    rewards = batch[2]
    x = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], dim=1)
    mask = inputs["completion_mask"].float()
    m = mask > 0

    # our advantages from the rewards: TRL's, to float32 rounding
    adv = compute_advantages(torch.tensor(rewards).view(len(PROMPTS), G), estimator="grpo",
                             scale_rewards=scale_rewards).reshape(-1)
    torch.testing.assert_close(adv, inputs["advantages"], atol=1e-6, rtol=1e-6)

    # our old / reference log-probs, before the move (a fresh copy of the saved model)
    fresh = load_hf(folder, device="cpu")
    with torch.no_grad():
        old, _ = token_log_probs(fresh, x, WIDTH, with_entropy=False)
    torch.testing.assert_close(old[m], inputs["old_per_token_logps"][m], atol=2e-6, rtol=0)
    if cfg["beta"] > 0:
        torch.testing.assert_close(old[m], inputs["ref_per_token_logps"][m], atol=2e-6, rtol=0)

    # our loss on the moved model, with TRL's conventions
    policy.train()
    logp, ent = token_log_probs(policy, x, WIDTH)
    q = cfg["top_entropy_quantile"]
    ctl = {"control": "high-entropy", "top_quantile": q} if q < 1 else {}
    loss, info = policy_loss_tokens(
        logp, old, adv, mask, loss_type=loss_type, eps_low=cfg["epsilon"],
        eps_high=cfg.get("epsilon_high"), kl_penalty=cfg["beta"],
        kl_estimator="k3-corrected" if corrected else "k3", ref_logp=old,
        entropies=ent, max_completion_length=WIDTH, **ctl)
    assert 0.05 < info["clip_fraction"] < 0.95       # the clip bounds act on this batch
    torch.testing.assert_close(loss.detach(), trl_loss, atol=1e-7, rtol=2e-6)
    loss.backward()
    ours = grads(policy)
    assert set(ours) == set(trl_grads)
    for name, g in trl_grads.items():
        torch.testing.assert_close(ours[name], g, atol=1e-7, rtol=1e-5, msg=name)
    total = sum(float(g.abs().sum()) for g in trl_grads.values())
    assert total > 1e-3                               # a gradient that could differ
