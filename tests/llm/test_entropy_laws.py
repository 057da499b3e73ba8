"""The entropy laws at language scale: the second-order term, the law's fit, the tabular
regime where law (ii) holds, precision of the policy's log-probabilities, the SGD option."""

import math

import numpy as np
import pytest

from thermo_rl.entropy import (
    entropy_change_exact,
    entropy_change_predicted,
    entropy_change_second_order,
)
from thermo_rl.errors import UserError
from thermo_rl.llm.entropy_laws import entropy_laws, fit_law, tabular_law
from thermo_rl.llm.rl_config import RLConfig

torch = pytest.importorskip("torch")


def test_second_order_term_leaves_a_third_order_residual():
    """exact - first - second = O(eps^3): halving the step divides it by 8 (the first-order
    residual alone by 4)."""
    rng = np.random.default_rng(0)
    z, d = rng.normal(size=(50, 9)), rng.normal(size=(50, 9))

    def residuals(eps):
        e = entropy_change_exact(z, eps * d)
        f = entropy_change_predicted(z, eps * d)
        return np.abs(e - f).sum(), np.abs(e - f - entropy_change_second_order(z, eps * d)).sum()

    (r1a, r2a), (r1b, r2b) = residuals(2e-3), residuals(1e-3)
    assert r1a / r1b == pytest.approx(4.0, rel=0.01)
    assert r2a / r2b == pytest.approx(8.0, rel=0.01)


def test_second_order_term_by_hand():
    """Two actions from pi = (1/2, 1/2), dz = (t, -t): pi_1 = 1/2 + x with x = tanh(t)/2,
    H = ln 2 - 2 x^2 + O(x^4) = ln 2 - t^2 / 2 + O(t^4): the first-order term is 0 and
    the second-order one is -t^2 / 2."""
    t = 0.01
    z, dz = np.zeros(2), np.array([t, -t])
    assert entropy_change_predicted(z, dz) == pytest.approx(0.0, abs=1e-15)
    assert entropy_change_second_order(z, dz) == pytest.approx(-t * t / 2, rel=1e-12)


def test_fit_law_by_hand():
    f = fit_law([1.0, 2.0, -1.0], [0.5, 1.0, -0.5], tests="ii-token")
    assert f["eta"] == 0.5 and f["r2"] == pytest.approx(1.0)
    assert f["predicted_total_nats"] == f["measured_total_nats"] == 1.0
    assert "token" in f["tests"]
    with pytest.raises(UserError):
        fit_law([1.0, 2.0], [1.0])


def test_tabular_law_holds_for_the_natural_step_and_breaks_for_plain_sgd():
    """No shared parameters. The natural step's first-order change is exactly
    -lr Cov_batch(ln pi, A), so the fitted eta is lr up to the O(lr) second-order share;
    plain SGD on the logits follows the pi-weighted covariance instead (eta = lr there),
    and the unweighted law fits it with an eta several times smaller."""
    rng = np.random.default_rng(1)
    lp = rng.normal(0, 1.5, (20, 30))
    lp -= np.log(np.exp(lp).sum(1, keepdims=True))
    ok = (rng.random((20, 30)) < 0.3).astype(float)
    r = tabular_law(lp, ok, lr=0.01, steps=100, prompts=8, seed=0).kinds
    assert r["natural"]["eta_over_lr"] == pytest.approx(1.0, abs=0.05)
    assert r["natural"]["law"]["r2"] > 0.95
    assert r["sgd"]["eta_weighted_over_lr"] == pytest.approx(1.0, abs=0.05)
    assert r["sgd"]["law_weighted"]["r2"] > 0.99
    assert r["sgd"]["eta_over_lr"] < 0.5


def test_policy_precision_rounds_the_log_probs(tiny_pair_sum):
    """Under bf16/fp16 the log-probabilities are computed in that dtype: every value is
    representable in it, and they differ from fp32's."""
    from thermo_rl.llm.rl import rollout, token_log_probs

    pre = tiny_pair_sum
    ro = rollout(pre.model, pre.task, pre.tokenizer, np.arange(8), 4,
                 generator=torch.Generator().manual_seed(0))
    Tc = ro.completion.shape[1]
    with torch.no_grad():
        ref, _ent = token_log_probs(pre.model, ro.tokens, Tc)
        for prec, dtype in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
            lp, h = token_log_probs(pre.model, ro.tokens, Tc, precision=prec)
            assert lp.dtype == torch.float32 and h.dtype == torch.float32
            assert torch.equal(lp.to(dtype).float(), lp)
            assert not torch.equal(lp, ref)
            assert float((lp - ref).abs().max()) < 0.5          # rounding, not a bug
        same, _ = token_log_probs(pre.model, ro.tokens, Tc, precision="fp32")
    assert torch.equal(same, ref)


def test_rl_config_checks_precision_and_optimizer():
    with pytest.raises(UserError, match="precision"):
        RLConfig(precision="fp8")
    with pytest.raises(UserError, match="optimizer"):
        RLConfig(optimizer="rmsprop")
    assert RLConfig().precision == "fp32" and RLConfig().optimizer == "adam"


def test_sgd_step_is_minus_lr_times_the_gradient(tiny_pair_sum):
    from thermo_rl.llm.rl import _start

    run = _start(tiny_pair_sum, RLConfig(optimizer="sgd", lr=0.1, steps=1), None)
    assert isinstance(run.opt, torch.optim.SGD)
    g = run.opt.param_groups[0]
    assert g["lr"] == 0.1 and g["momentum"] == 0 and g["weight_decay"] == 0


def test_entropy_laws_of_a_run(tiny_pair_sum):
    from thermo_rl.entropy import fit_entropy_reward_law
    from thermo_rl.llm.rl import finetune

    r = finetune(tiny_pair_sum, steps=5, n_prompts=8, group=4, lr=1e-3, eval_every=1,
                 progress=False, seed=0)
    laws = entropy_laws(r).as_dict()
    h = r.history
    fit = fit_entropy_reward_law([r.before["answer_entropy"]] + [x["answer_entropy"] for x in h],
                                 [r.before["pass@1"]] + [x["pass@1"] for x in h])
    assert laws["reward_law"]["ceiling"] == pytest.approx(fit.b - fit.a)
    ident = laws["identity"]
    assert ident["measured_total_nats"] == pytest.approx(
        r.after["answer_entropy"] - r.before["answer_entropy"], abs=1e-9)
    assert ident["predicted_second_order_total_nats"] == pytest.approx(
        sum(x["dH_predicted_2nd"] for x in h))
    cov = np.array(r.trace["cov"])
    assert laws["positive_cov"]["token"] == pytest.approx(float((cov > 0).mean()))
    for block in ("law_token", "law_answer"):
        assert "(ii)" in laws[block]["tests"]
        assert laws[block]["eta_over_lr"] == pytest.approx(laws[block]["eta"] / 1e-3)
    assert "(i)" in ident["tests"]
    assert math.isfinite(laws["law_token"]["eta"])


def test_precision_study_pairs_the_seeds(tiny_pair_sum):
    from thermo_rl.llm.precision import precision_study

    r = precision_study(tiny_pair_sum, precisions=("fp32", "bf16"), seeds=(0, 1), steps=2,
                        n_prompts=4, group=4, lr=1e-3)
    d = r.as_dict()["precisions"]
    assert d["fp32"]["d_coverage"] == 0.0 and d["fp32"]["d_answer_entropy"] == 0.0
    assert len(d["bf16"]["answer_entropy_mean"]) == len(d["bf16"]["steps"])
    assert d["bf16"]["steps"][0] == 0 and d["bf16"]["steps"][-1] == 2
    assert isinstance(d["bf16"]["moves_entropy"], bool)
    from thermo_rl.viz.atlas import plot_precision_study

    assert len(plot_precision_study(r).axes) == 3
