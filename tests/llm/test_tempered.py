"""The policy that learns is the one that samples: tempered, filtered log-probabilities;
the exact expected update of each KL estimator against the gradient of
<r> - lambda KL(pi_T || pi_ref) of the tempered policy; pi* as the fixed point at T != 1
for ``reward`` and ``k3-corrected``, and ``k3``'s different fixed point; RLConfig checks
every setting before any work."""

import math
import warnings

import numpy as np
import pytest
import torch
from scipy.optimize import brentq

from thermo_rl.errors import UserError
from thermo_rl.llm.decoding import filter_logits
from thermo_rl.llm.loss import policy_loss_tokens
from thermo_rl.llm.rl import finetune, token_log_probs
from thermo_rl.llm.rl_config import RLConfig

T = 0.7
LAM = 0.3
R = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
Z_REF = torch.tensor([0.3, 1.2, -0.5, 0.8, 0.0, -1.0], dtype=torch.float64)
LOGP_REF = torch.log_softmax(Z_REF, 0)


def _expected_loss_grad(z, estimator):
    """Gradient of E_{y ~ pi_T}[loss(y)] over the V one-token actions, with the weights
    pi_T(y) held fixed (the expectation of the sampled update), through the package's
    policy_loss_tokens on a batch of one sample per action."""
    z = z.clone().requires_grad_()
    logp_all = torch.log_softmax(z / T, 0)
    V = z.shape[0]
    logp = logp_all[:, None]                                      # (V, 1): one token each
    adv = R.clone()
    if estimator == "reward":
        adv = R - LAM * (logp_all.detach() - LOGP_REF)           # KL in the reward
    total = 0.0
    w = logp_all.detach().exp()
    for y in range(V):
        loss, _ = policy_loss_tokens(logp[y:y + 1], None, adv[y:y + 1], torch.ones(1, 1),
                                     kl_penalty=0.0 if estimator == "reward" else LAM,
                                     kl_estimator=estimator, ref_logp=LOGP_REF[y:y + 1, None])
        total = total + w[y] * loss
    total.backward()
    return z.grad


def _objective_grad(z, kl):
    """-grad of <r>_pi_T - lambda KL(...) for the tempered policy, by autograd."""
    z = z.clone().requires_grad_()
    lp = torch.log_softmax(z / T, 0)
    p = lp.exp()
    if kl == "reverse":
        div = (p * (lp - LOGP_REF)).sum()
    else:                                                         # forward KL(pi_ref || pi)
        div = (LOGP_REF.exp() * (LOGP_REF - lp)).sum()
    (-(p * R).sum() + LAM * div).backward()
    return z.grad


Z = torch.tensor([0.5, -0.2, 1.0, 0.3, -1.0, 0.1], dtype=torch.float64)


@pytest.mark.parametrize("estimator,kl", [("reward", "reverse"), ("k3-corrected", "reverse"),
                                          ("k3", "forward")])
def test_expected_update_is_the_gradient_of_the_tempered_objective(estimator, kl):
    g = _expected_loss_grad(Z, estimator)
    np.testing.assert_allclose(g.numpy(), _objective_grad(Z, kl).numpy(), rtol=1e-10,
                               atol=1e-13)


def test_pi_star_is_the_fixed_point_at_T_not_1_and_k3_has_another():
    log_star = torch.log_softmax(LOGP_REF + R / LAM, 0)          # pi* = pi_ref e^{r/l}/Z
    z_star = T * log_star                                         # softmax(z/T) = pi*
    for est in ("reward", "k3-corrected"):
        assert float(_expected_loss_grad(z_star, est).abs().max()) < 1e-12, est
    g3 = _expected_loss_grad(z_star, "k3")
    assert float(g3.abs().max()) > 1e-3                           # not stationary for k3
    # k3's fixed point: pi_a = lambda pi_ref_a / (lambda - r_a + <r>) (the forward KL's)
    pr, r = LOGP_REF.exp().numpy(), R.numpy()
    c = brentq(lambda c: (LAM * pr / (LAM - r + c)).sum() - 1.0, 1 - LAM + 1e-12, 1.0 + 10)
    p3 = LAM * pr / (LAM - r + c)
    assert (p3 * r).sum() == pytest.approx(c, rel=1e-9)           # c is <r> under p3
    g = _expected_loss_grad(T * torch.log(torch.tensor(p3)), "k3")
    assert float(g.abs().max()) < 1e-12


def test_token_log_probs_score_the_sampled_distribution(tiny_pair_sum):
    model, task, tok = tiny_pair_sum.model, tiny_pair_sum.task, tiny_pair_sum.tokenizer
    ids = torch.as_tensor(task._prompt_tokens(tok)[:4])
    torch.manual_seed(0)
    out = model.generate(ids, task.answer_length + 1, eos_id=tok.eos_id, pad_id=tok.pad_id,
                         temperature=T, top_k=5)
    Tc = task.answer_length + 1
    with torch.no_grad():
        logp, ent = token_log_probs(model, out, Tc, temperature=T, decoding={"top_k": 5})
        z = filter_logits(model(out[:, :-1])[:, -Tc:].float(), temperature=T, top_k=5)
        lp_all = torch.log_softmax(z, -1)
    want = lp_all.gather(-1, out[:, -Tc:, None])[..., 0]
    assert torch.isfinite(logp).all()                              # sampled tokens are kept
    torch.testing.assert_close(logp, want)
    p = lp_all.exp()
    torch.testing.assert_close(ent, -(p * lp_all.masked_fill(p == 0, 0)).sum(-1))
    assert float(ent.max()) <= math.log(5) + 1e-6                  # at most 5 tokens kept


def test_finetune_measures_the_sampled_policy(tiny_pair_sum):
    from thermo_rl.llm.exact import answer_distribution
    from thermo_rl.llm.rl import exact_metrics

    r = finetune(tiny_pair_sum, steps=2, n_prompts=4, temperature=T, eval_every=2,
                 progress=False)
    base = tiny_pair_sum.distribution()
    hot = answer_distribution(tiny_pair_sum.model, tiny_pair_sum.task,
                              decoding={"temperature": T})
    want = exact_metrics(hot, base, r.settings["ks"], r.optimum)
    assert r.before["pass@1"] == pytest.approx(want["pass@1"], abs=1e-12)
    assert r.before["kl_ref"] == pytest.approx(want["kl_ref"], abs=1e-12)
    assert r.before["untempered"]["kl_ref"] == 0.0               # the raw model beside
    assert "untempered" in r.after and r.config.temperature == T
    assert r.trace["temperature"] == [T, T]


@pytest.mark.parametrize("kw,match", [
    ({"lr": -1}, "lr"), ({"lr": float("nan")}, "lr"), ({"group": 1}, "group"),
    ({"kl_penalty": -0.5}, "kl_penalty"), ({"control": "magic"}, "control"),
    ({"preset": "huge"}, "preset"), ({"control": "clip-cov", "control_params":
                                      {"ratio": 3}}, "ratio"),
    ({"temperature": 1e-320}, "temperature"), ({"minibatches": 9, "n_prompts": 4},
                                               "minibatches"),
    ({"kl_estimator": "k2"}, "kl_estimator"), ({"steps": 10**11}, "steps"),
])
def test_config_refuses_bad_settings_before_any_work(kw, match):
    with pytest.raises(UserError, match=match):
        RLConfig(**kw)


def test_old_keywords_map_with_a_warning():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = RLConfig.from_kwargs(None, beta=0.1, control="kl-cov", fraction=0.1)
    assert c.kl_penalty == 0.1 and c.control_params == {"fraction": 0.1}
    assert any(issubclass(x.category, PendingDeprecationWarning) for x in w)
    assert RLConfig(control="kl-penalty").kl_penalty == 0.2       # the control's lambda
    assert RLConfig(control="clip-cov", preset="paper").scale_rewards == "group"
