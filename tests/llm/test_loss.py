"""Advantages and token-level loss aggregations on hand-computed numbers; the exact no-op of
ratio clipping, clip-higher and KL-Cov at one on-policy update."""

import math

import pytest
import torch

from thermo_rl.entropy import Context
from thermo_rl.llm.loss import compute_advantages, policy_loss_tokens

R = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])


def test_grpo_advantages_group_batch_none():
    s_group = math.sqrt(1 / 3)                  # Bessel std of (1, 0, 0, 1)
    a = compute_advantages(R, estimator="grpo", scale_rewards="group")
    assert torch.allclose(a[0], torch.tensor([0.5, -0.5, -0.5, 0.5]) / (s_group + 1e-4))
    assert torch.equal(a[1], torch.zeros(4))    # all equal: no signal
    s_batch = math.sqrt((6 * 0.25**2 + 2 * 0.75**2) / 7)
    a = compute_advantages(R, estimator="grpo", scale_rewards="batch")
    assert torch.allclose(a[0], torch.tensor([0.5, -0.5, -0.5, 0.5]) / (s_batch + 1e-4))
    a = compute_advantages(R, estimator="grpo", scale_rewards="none")
    assert torch.allclose(a[0], torch.tensor([0.5, -0.5, -0.5, 0.5]))


def test_rloo_is_reward_minus_mean_of_the_others():
    r = torch.tensor([[3.0, 1.0, 0.0, 2.0]])
    a = compute_advantages(r, estimator="rloo", scale_rewards="none")
    loo = torch.tensor([3 - 1.0, 1 - 5 / 3, 0 - 2.0, 2 - 4 / 3])
    assert torch.allclose(a[0], loo)
    assert torch.allclose(a, 4 / 3 * compute_advantages(r, estimator="grpo", scale_rewards="none"))


def test_advantage_input_checks():
    with pytest.raises(ValueError, match="n_groups"):
        compute_advantages(torch.zeros(4))
    with pytest.raises(ValueError, match="G >= 2"):
        compute_advantages(torch.zeros(3, 1), estimator="rloo")
    with pytest.raises(ValueError, match="estimator"):
        compute_advantages(R, estimator="ppo")


MASK = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
ADV = torch.tensor([1.0, -3.0])


@pytest.mark.parametrize("loss_type,expected", [
    ("grpo", (-1.0 + 3.0) / 2),                 # per sequence, then over sequences
    ("dapo", (-2.0 + 3.0) / 3),                 # over the 3 valid tokens
    ("dr_grpo", (-2.0 + 3.0) / (2 * 4)),        # / (B * max_completion_length)
])
def test_loss_aggregations(loss_type, expected):
    logp = torch.log(torch.full((2, 3), 0.5)).requires_grad_()
    loss, info = policy_loss_tokens(logp, None, ADV, MASK, loss_type=loss_type,
                                    max_completion_length=4)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert info["ratio"] == 1.0 and info["clip_fraction"] == 0.0 and info["tokens"] == 3


def test_k3_penalty_and_clipping_values():
    logp = torch.log(torch.full((1, 2), 0.25)).requires_grad_()
    ref = logp.detach() + math.log(2.0)          # k3 = 2 - ln 2 - 1 per token
    for est in ("k3", "k3-corrected"):        # rho = 1 on-policy: the same value
        loss, info = policy_loss_tokens(logp, None, torch.tensor([0.0]), torch.ones(1, 2),
                                        kl_penalty=0.5, kl_estimator=est, ref_logp=ref,
                                        loss_type="dapo")
        assert loss.item() == pytest.approx(0.5 * (1 - math.log(2)), abs=1e-6)
        assert info["kl"] == pytest.approx(1 - math.log(2), abs=1e-6)
    old = logp.detach() - math.log(1.5)           # ratio 1.5
    for control, eps_high, value in ((None, None, 1.2), ("clip-higher", None, 1.28),
                                     (None, 1.0, 1.5)):
        loss, info = policy_loss_tokens(logp, old, torch.tensor([2.0]), torch.ones(1, 2),
                                        eps_high=eps_high, control=control)
        assert loss.item() == pytest.approx(-value * 2.0, abs=1e-6)
        assert info["clip_fraction"] == (0.0 if value == 1.5 else 1.0)


def test_high_entropy_quantile_keeps_the_top_tokens():
    logp = torch.zeros(1, 5, requires_grad=True)
    ent = torch.tensor([[0.1, 0.5, 0.9, 1.3, 2.0]])
    loss, _ = policy_loss_tokens(logp, None, torch.tensor([1.0]), torch.ones(1, 5),
                                 entropies=ent, control="high-entropy", top_quantile=0.4,
                                 loss_type="dapo")
    loss.backward()
    assert torch.equal(logp.grad != 0, torch.tensor([[False, False, False, True, True]]))


def _rollout_batch(seed=0, B=32, T=4):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, T, 6, generator=g)
    tok = torch.randint(0, 6, (B, T), generator=g)
    mask = (torch.rand(B, T, generator=g) > 0.15).float()
    adv = torch.randn(B, generator=g)
    return z, tok, mask, adv


def _grad(z, tok, mask, adv, old, **kw):
    z = z.clone().requires_grad_()
    logp_all = torch.log_softmax(z, -1)
    logp = logp_all.gather(-1, tok[..., None]).squeeze(-1)
    loss, info = policy_loss_tokens(logp, old, adv, mask, **kw)
    loss.backward()
    return z.grad, info


@pytest.mark.parametrize("kw", [
    {"eps_low": 0.01}, {"control": "clip-higher"}, {"eps_low": 0.2, "eps_high": 5.0},
    {"control": "kl-cov", "fraction": 0.5, "kl_coef": 3.0},
])
def test_one_on_policy_update_clipping_is_an_exact_no_op(kw):
    """ratio = 1 at the first update: clipping, clip-higher and KL-Cov change nothing."""
    z, tok, mask, adv = _rollout_batch()
    g_ref, _ = _grad(z, tok, mask, adv, None)
    g, info = _grad(z, tok, mask, adv, None, **kw)
    assert torch.equal(g, g_ref)
    assert info["clip_fraction"] == 0.0
    # off-policy (a second update on the same rollout) the same settings do act
    old = torch.log_softmax(z + 0.5 * torch.randn(z.shape, generator=torch.Generator()
                                                  .manual_seed(1)), -1)
    old = old.gather(-1, tok[..., None]).squeeze(-1)
    g0, _ = _grad(z, tok, mask, adv, old)
    g1, info = _grad(z, tok, mask, adv, old, **kw)
    assert not torch.allclose(g0, g1)


def test_clip_cov_acts_on_policy_and_drops_the_chosen_tokens():
    z, tok, mask, adv = _rollout_batch(seed=2)
    g_ref, _ = _grad(z, tok, mask, adv, None)
    g, info = _grad(z, tok, mask, adv, None, control="clip-cov", ratio=0.1, lb=0.0, ub=10.0,
                    ctx=Context(rng=0))
    assert info["selected"] == math.floor(0.1 * mask.sum().item())
    changed = (g != g_ref).any(-1)                 # (B, T) positions whose gradient moved
    assert 0 < changed.sum() <= info["selected"]       # only the dropped tokens moved
