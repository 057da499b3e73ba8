"""The registry of entropy controls: every entry complete and constructible, presets and
renamed parameters, and KL-Cov / Clip-Cov against verl's definitions (transcribed from
verl 0.9.1, ``verl/trainer/ppo/core_algos.py``: ``compute_policy_loss_kl_cov`` and
``compute_policy_loss_clip_cov``) and against hand-computed values."""

import json
import math
import warnings

import numpy as np
import pytest

from thermo_rl.entropy import (
    HOOKS,
    REGISTRY,
    Context,
    Control,
    centered_covariance,
    control_names,
    describe_controls,
    make_control,
    policy_gradient_weights,
    policy_loss,
)
from thermo_rl.errors import UserError


def test_every_control_is_complete_and_constructible():
    names = control_names()
    assert names[0] == "none" and len(set(names)) == len(names) == len(REGISTRY)
    for d in describe_controls():
        cls = REGISTRY[d["name"]]
        assert d["summary"] and set(d["hooks"]) <= set(HOOKS)
        for preset in ("toy", "paper"):
            c = make_control(d["name"], preset=preset)
            assert isinstance(c, Control) and c.as_dict()["preset"] == preset
            for p in cls.params:                  # the paper preset uses the paper's values
                want = p.paper if (preset == "paper" and p.paper is not None) else p.default
                assert c.values[p.name] == want
        if d["name"] != "none":
            assert d["paper"] is not None or d["notes"] or d["name"] == "anneal-temperature"
        # every hook the control declares is overridden, and none it does not declare
        for hook in HOOKS:
            if hook == "unclipped":
                assert cls.unclipped == ("unclipped" in d["hooks"])
                continue
            overridden = getattr(cls, hook) is not getattr(Control, hook)
            assert overridden == (hook in d["hooks"]), (d["name"], hook)
    json.dumps(describe_controls())


def test_parameters_are_checked_and_old_names_warn():
    with pytest.raises(UserError, match="takes no argument"):
        make_control("clip-cov", fraction=0.1)              # the band rule's share is ratio
    with pytest.raises(UserError, match="ratio"):
        make_control("clip-cov", ratio=2.0)
    with pytest.raises(UserError, match="control"):
        make_control("clip_cov")
    with pytest.raises(UserError, match="preset"):
        make_control("kl-cov", preset="llm")
    with pytest.warns(PendingDeprecationWarning, match="fraction"):
        assert make_control("kl-cov", ratio=0.1).values["fraction"] == 0.1
    with pytest.warns(PendingDeprecationWarning, match="coef"):
        assert make_control("kl-penalty", beta=0.3).kl_coef() == 0.3


# ----------------------------------------------------------------------------- verl
def _verl_kl_cov(old_log_prob, log_prob, advantages, response_mask, kl_cov_ratio, ppo_kl_coef):
    """verl 0.9.1 compute_policy_loss_kl_cov (token-mean), transcribed line by line."""
    import torch

    negative_approx_kl = log_prob - old_log_prob
    abs_kl = negative_approx_kl.abs()
    ratio = torch.exp(negative_approx_kl)
    pg_losses1 = -advantages * ratio
    pg_losses_kl = -advantages * ratio + ppo_kl_coef * abs_kl
    pg_losses = pg_losses1.clone()
    all_valid = response_mask > 0
    all_valid_idx = torch.nonzero(all_valid.reshape(-1), as_tuple=True)[0]
    all_valid_adv = advantages[all_valid].detach().reshape(-1)
    all_valid_logp = log_prob[all_valid].detach().reshape(-1)
    cov_lst_all = (all_valid_adv - all_valid_adv.mean()) * (all_valid_logp - all_valid_logp.mean())
    k_percent_nums = max(1, int(len(cov_lst_all) * kl_cov_ratio))
    large_cov_idxs = torch.topk(cov_lst_all, k_percent_nums, largest=True).indices
    large_cov_idxs = all_valid_idx[large_cov_idxs]
    r, c = large_cov_idxs // advantages.shape[1], large_cov_idxs % advantages.shape[1]
    pg_losses[r, c] = pg_losses_kl[r, c]
    return (pg_losses * response_mask).sum() / response_mask.sum()


def _batch(seed, B=6, T=7):
    import torch

    g = torch.Generator().manual_seed(seed)
    logp = torch.log(torch.rand(B, T, generator=g, dtype=torch.float64) * 0.9 + 0.05)
    old = logp + 0.3 * torch.randn(B, T, generator=g, dtype=torch.float64)
    adv = torch.randn(B, 1, generator=g, dtype=torch.float64).expand(B, T).contiguous()
    mask = (torch.rand(B, T, generator=g) > 0.2).double()
    return logp, old, adv, mask


@pytest.mark.parametrize("seed,fraction", [(0, 0.1), (1, 0.02), (2, 0.3)])
def test_kl_cov_is_verls_loss_and_gradient(seed, fraction):
    pytest.importorskip("torch")
    logp, old, adv, mask = _batch(seed)
    a = logp.clone().requires_grad_()
    ours = policy_loss(a, adv, mask, old_logp=old, control="kl-cov", fraction=fraction,
                       kl_coef=0.7, pool=True)
    ours.backward()
    b = logp.clone().requires_grad_()
    ref = _verl_kl_cov(old, b, adv, mask, fraction, 0.7)
    ref.backward()
    assert float(ours.detach()) == pytest.approx(float(ref.detach()), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_kl_cov_hand_computed():
    """Four tokens, one selected (floor(0.25 * 4) = 1): the largest centered covariance,
    here the negative-advantage unlikely token, not only a positive-covariance one."""
    logp = np.log(np.array([[0.5, 0.5, 0.5, 0.05]]))
    old = logp + np.array([[0.1, -0.1, 0.0, 0.2]])
    adv = np.array([[1.0, 1.0, 1.0, -3.0]])
    cov = centered_covariance(logp, adv)
    assert int(np.argmax(cov)) == 3 and cov[0, 3] > 0
    rho = np.exp(logp - old)
    want = (-(adv * rho).sum() + 2.0 * 0.2) / 4         # unclipped everywhere + the penalty
    got = policy_loss(logp, adv, old_logp=old, control="kl-cov", fraction=0.25, kl_coef=2.0)
    assert float(got) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_clip_cov_follows_verls_definition(seed):
    """verl's compute_policy_loss_clip_cov with its random draw replaced by ours: the
    dropped tokens are candidates (in the band, valid, not clipped by the ratio), there
    are min(max(1, floor(ratio N)), #candidates) of them, and the loss is the token mean of
    max(pg_losses1, pg_losses2) * corr."""
    torch = pytest.importorskip("torch")
    logp, old, adv, mask = _batch(seed)
    eps, ratio, lb, ub = 0.2, 0.15, 0.05, 2.0
    loss = policy_loss(logp, adv, mask, old_logp=old, control="clip-cov", ratio=ratio, lb=lb,
                       ub=ub, pool=True, ctx=Context(rng=seed))
    w = make_control("clip-cov", ratio=ratio, lb=lb, ub=ub)
    rho = torch.exp(logp - old)
    pg1, pg2 = -adv * rho, -adv * torch.clamp(rho, 1 - eps, 1 + eps)
    clip_by_origin = (pg2 > pg1) & (mask > 0)
    mean = (lambda x: (x * mask).sum() / mask.sum())
    cov_all = (adv - mean(adv)) * (logp - mean(logp))
    cand = (cov_all < ub) & (cov_all > lb) & (mask > 0) & ~clip_by_origin
    corr = w.token_weights(logp.reshape(1, -1), adv.reshape(1, -1), mask.reshape(1, -1),
                           Context(rng=seed, clipped=clip_by_origin.reshape(1, -1)))
    corr = corr.reshape(logp.shape)
    dropped = (corr == 0) & (mask > 0)
    clip_num = max(int(ratio * mask.sum().item()), 1)
    assert bool((dropped <= cand).all())
    assert int(dropped.sum()) == min(clip_num, int(cand.sum()))
    want = (torch.maximum(pg1, pg2) * corr * mask).sum() / mask.sum()
    assert float(loss) == pytest.approx(float(want), rel=1e-12)


def test_verl_itself_when_installed():
    """Against verl's own functions where verl imports (it pins transformers < 5.11, which
    conflicts with the hf extra, so it is not a test dependency)."""
    core = pytest.importorskip("verl.trainer.ppo.core_algos",
                               reason="verl is not installed (optional cross-check)")
    torch = pytest.importorskip("torch")
    from types import SimpleNamespace

    logp, old, adv, mask = _batch(5)
    cfg = SimpleNamespace(policy_loss=SimpleNamespace(kl_cov_ratio=0.1, ppo_kl_coef=1.0),
                          global_batch_info={})
    ref, _ = core.compute_policy_loss_kl_cov(old, logp, adv, mask, "token-mean", cfg)
    ours = policy_loss(logp, adv, mask, old_logp=old, control="kl-cov", fraction=0.1,
                       kl_coef=1.0, pool=True)
    assert float(ours) == pytest.approx(float(ref), rel=1e-10)
    del torch


def test_bandit_learner_reads_the_registry():
    """The bandit's control is the registry's object: its preset and parameters are
    recorded with the result, and clip-cov means the band rule there too."""
    from thermo_rl.bandits import EntropyPG, equal_best, run

    res = run(equal_best(k=4, m=2), EntropyPG(T=0.0, control="clip-cov", preset="paper"),
              runs=4, steps=5, seed=0, progress=False)
    assert res.extra["control"] == {"name": "clip-cov", "preset": "paper",
                                    "params": {"ratio": 2e-4, "lb": 1.0, "ub": 5.0}}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        pol = EntropyPG(T=0.0, control="clip-cov", fraction=0.3)
    assert any("clip-cov-top" in str(x.message) for x in w)
    assert pol.control_params == {"ratio": 0.3}


def test_weights_of_every_token_control_are_the_autograd_gradient():
    """For each registered control with token hooks, NumPy weights = -grad * sum(mask)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logp = np.log(rng.uniform(0.05, 0.9, size=(3, 40)))
    old = logp + rng.normal(scale=0.3, size=logp.shape)
    adv = rng.normal(size=logp.shape)
    mask = (rng.uniform(size=logp.shape) > 0.1).astype(float)
    ent = rng.uniform(0.1, 2.0, size=logp.shape)
    for name in control_names():
        ctl = make_control(name)
        if not {"token_weights", "token_penalty", "clip_bounds", "unclipped"} & set(ctl.hooks):
            continue
        t = torch.tensor(logp, requires_grad=True)
        loss = policy_loss(t, torch.tensor(adv), torch.tensor(mask), old_logp=torch.tensor(old),
                           control=name, entropies=torch.tensor(ent), ctx=Context(rng=1))
        loss.backward()
        w = policy_gradient_weights(logp, adv, mask, old_logp=old, control=name,
                                    entropies=ent, ctx=Context(rng=1))
        np.testing.assert_allclose(t.grad.numpy(), -w / mask.sum(), rtol=1e-9, atol=1e-13,
                                   err_msg=name)
    assert math.isfinite(float(loss))


def test_a_control_instance_keeps_its_state_through_the_loss():
    """A learner passes its run's instance at every step: the adaptive coefficient of
    target-entropy must survive policy_loss / policy_gradient_weights calls."""
    c = make_control("target-entropy", target=1.0, rate=0.5, coef0=0.1)
    ctx = Context(initial={"token_entropy": 2.0}, token_entropy=0.5)
    c.update(ctx)                                  # below target: the coefficient rises
    up = c.entropy_coef(ctx)
    assert up == pytest.approx(0.1 * math.exp(0.5 * 0.5))
    logp = np.log(np.array([[0.5, 0.25]]))
    policy_loss(logp, np.array([[1.0, -1.0]]), control=c, entropies=np.ones((1, 2)), ctx=ctx)
    policy_gradient_weights(logp, np.array([[1.0, -1.0]]), control=c, ctx=ctx)
    assert c.entropy_coef(ctx) == up
