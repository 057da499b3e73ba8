"""Exact answer distributions against plain teacher forcing and against sampling;
the KL-regularized optimum against a brute-force maximization of <r> - beta KL."""

import math

import numpy as np
import pytest
import torch
from scipy import optimize, stats

from thermo_rl.llm.exact import (
    AnswerDistribution,
    answer_distribution,
    answer_log_probs,
    free_energy_objective,
    kl_regularized_optimum,
)
from thermo_rl.llm.model import build_model
from thermo_rl.llm.tasks import get_task
from thermo_rl.llm.tokenizer import CharTokenizer
from thermo_rl.metrics import pass_at_k


@pytest.mark.parametrize("name", ["digit-sum", "pair-sum", "multiples"])
def test_tree_scoring_equals_teacher_forcing(name):
    task, tok = get_task(name), CharTokenizer()
    m = build_model("tiny", vocab_size=18, seed=4).eval()
    prompts = [0, len(task.prompts) // 2]
    d = answer_distribution(m, task, prompts=prompts)
    for row, i in enumerate(prompts):
        x = torch.as_tensor(tok.encode_batch([task.prompts[i] + a for a in task.answers],
                                             eos=True))
        with torch.no_grad():
            lp = torch.log_softmax(m(x[:, :-1]), -1)
        Lp = task.prompt_length
        ref = lp[:, Lp - 1:].gather(-1, x[:, Lp:, None])[..., 0].sum(-1).double().numpy()
        np.testing.assert_allclose(np.log(d.probs[row]), ref, atol=2e-5)
    np.testing.assert_allclose(d.probs.sum(1) + d.invalid, 1.0, atol=1e-12)


def test_exact_distribution_matches_sampling(tiny_pair_sum):
    """Chi-square of 20,000 samples per prompt against the exact distribution."""
    res = tiny_pair_sum
    d = res.distribution()
    tok, task = res.tokenizer, res.task
    for i in (3, 9, 15):
        x = torch.as_tensor(tok.encode_batch([task.prompts[i]] * 20_000))
        out = res.model.generate(x, task.answer_length + 1, eos_id=tok.eos_id,
                                 generator=torch.Generator().manual_seed(i))
        ans = [tok.decode_answer(r) for r in out[:, task.prompt_length:].tolist()]
        j = np.array([task.answer_index(a) for a in ans])
        counts = np.bincount(np.where(j < 0, len(task.answers), j),
                             minlength=len(task.answers) + 1)
        p = d.full[i]
        big = p * 20_000 >= 5                              # pool rare states into one cell
        obs = np.append(counts[big], counts[~big].sum())
        exp = np.append(p[big], p[~big].sum()) * 20_000
        keep = exp > 0
        chi2 = ((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-3
        # pass@1 sampled vs exact, within 4 binomial standard errors
        p1 = d.pass_at_1()[i]
        c = task.correct[i, j[j >= 0]].sum()
        assert abs(c / 20_000 - p1) < 4 * math.sqrt(p1 * (1 - p1) / 20_000) + 1e-9
        # the unbiased pass@k estimator on these samples vs the exact pass@k
        k = 4
        est = np.mean([pass_at_k(500, int(task.correct[i, j[s:s + 500][j[s:s + 500] >= 0]].sum()),
                                 k) for s in range(0, 20_000, 500)])
        assert abs(est - d.pass_at_k(k)[i]) < 0.02


def test_pretrained_model_is_diverse_but_imperfect(tiny_pair_sum):
    m = tiny_pair_sum.distribution().metrics(ks=(1, 8))
    assert 0.1 < m["pass@1"] < 0.8
    assert m["coverage"] > 0.8 and m["invalid"] < 0.1
    assert m["pass@k"][8] > m["pass@1"]


def _toy(probs, correct_row, task="pair-sum", prompt=5):
    task = get_task(task)
    p = np.zeros((1, len(task.answers)))
    p[0, :len(probs)] = probs
    return AnswerDistribution.from_probs(task, [prompt], p)


def test_exact_metrics_on_a_hand_built_distribution():
    task = get_task("pair-sum")
    d = AnswerDistribution.from_probs(task, [2], np.eye(100)[[task.answer_index("1+1")]] * 0.5)
    # half the mass on the correct "1+1" (N=2 has 3 correct answers), half invalid
    assert d.pass_at_1()[0] == 0.5 and d.invalid[0] == 0.5
    assert d.pass_at_k(3)[0] == pytest.approx(1 - 0.5 ** 3)
    assert d.entropy()[0] == pytest.approx(math.log(2))
    assert d.coverage()[0] == pytest.approx(1 / 3)        # collapsed onto 1 of m = 3
    assert d.effective_correct()[0] == pytest.approx(1.0)
    assert d.expected_distinct_correct(2)[0] == pytest.approx(0.75)


def test_kl_optimum_is_the_brute_force_maximum(tiny_pair_sum):
    """pi* = pi_ref e^{r/beta}/Z maximizes <r> - beta KL; the maximum is beta ln Z."""
    ref = tiny_pair_sum.distribution()
    ref1 = AnswerDistribution(ref.task, ref.prompt_ids[[7]], ref.probs[[7]], ref.invalid[[7]])
    beta = 0.3
    star = kl_regularized_optimum(ref1, beta)
    best = free_energy_objective(star, ref1, beta)[0]
    Z = (ref1.full * np.exp(ref1.rewards / beta)).sum()
    assert best == pytest.approx(beta * math.log(Z), rel=1e-10)
    logq = np.log(ref1.full[0])
    r = ref1.rewards[0]

    def neg(z):                 # -(<r> - beta KL) over softmax logits, and its gradient
        lp = z - np.logaddexp.reduce(z)
        p = np.exp(lp)
        g = r - beta * (lp - logq + 1.0)            # d objective / d p
        return -(p @ r - beta * (p @ (lp - logq))), -p * (g - p @ g)

    rng = np.random.default_rng(0)
    found = -optimize.minimize(neg, rng.normal(size=r.size), jac=True, method="L-BFGS-B",
                               options={"gtol": 1e-12, "ftol": 1e-15}).fun
    assert found <= best + 1e-12                   # nothing beats pi*
    assert found == pytest.approx(best, abs=1e-8)  # and the optimizer reaches it
    # limits: large beta gives back pi_ref; small beta keeps only the correct answers
    np.testing.assert_allclose(kl_regularized_optimum(ref1, 1e6).full, ref1.full, atol=1e-5)
    assert kl_regularized_optimum(ref1, 1e-3).pass_at_1()[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="kl_penalty"):
        kl_regularized_optimum(ref1, 0.0)


def test_kl_requires_same_prompts(tiny_pair_sum):
    d = tiny_pair_sum.distribution()
    assert np.allclose(d.kl(d), 0.0)
    with pytest.raises(ValueError, match="same task"):
        d.kl(tiny_pair_sum.distribution(prompts=[0]))


def test_teacher_forcing_path_equals_the_tree():
    """The generic path (any model mapping ids to logits: Hugging Face models) against the
    KV-cache tree, plain and under a decoding filter (same -inf support)."""
    m = build_model("tiny", vocab_size=18, seed=5).eval()
    for decoding in (None, {"temperature": 0.7, "top_p": 0.8}):
        a = answer_log_probs(m, "pair-sum", prompts=[0, 9, 18], decoding=decoding)
        b = answer_log_probs(m, "pair-sum", prompts=[0, 9, 18], decoding=decoding, tree=False,
                             max_rows=70)                  # chunks that split a prompt
        assert torch.equal(torch.isfinite(a), torch.isfinite(b))
        torch.testing.assert_close(a[torch.isfinite(a)], b[torch.isfinite(b)], atol=2e-5,
                                   rtol=0)


def test_exact_scores_are_float32_inside_a_callers_autocast():
    """Exact means exact: a caller's bf16 autocast does not reach the exact scores (fp32
    forward, fp32 cache, fp64 sums), so they equal the plain ones bit for bit; a
    distribution whose probabilities overshoot 1 (scores not in fp32) is refused."""
    m = build_model("tiny", vocab_size=18, seed=5).eval()
    plain = answer_log_probs(m, "pair-sum", prompts=[0, 9])
    assert plain.dtype == torch.float64
    for tree in (True, False):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            inside = answer_log_probs(m, "pair-sum", prompts=[0, 9], tree=tree)
        torch.testing.assert_close(inside, plain, atol=2e-5, rtol=0)
        if tree:
            assert torch.equal(inside, plain)
    # what bf16 scoring would have given: visibly different numbers
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        z = m(torch.as_tensor(CharTokenizer().encode_batch(["S=03:"]))).float()
    with torch.no_grad():
        z32 = m(torch.as_tensor(CharTokenizer().encode_batch(["S=03:"])))
    assert (z - z32).abs().max() > 1e-4
    with pytest.raises(ValueError, match="float32"):
        AnswerDistribution.from_log_probs("pair-sum", [0], np.log(np.full((1, 100), 0.0101)))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_exact_distribution_on_cuda_equals_the_cpu():
    m = build_model("tiny", vocab_size=18, seed=5).eval()
    cpu = answer_log_probs(m, "pair-sum", prompts=[0, 9, 18])
    gpu = answer_log_probs(m.to("cuda"), "pair-sum", prompts=[0, 9, 18]).cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-4, rtol=0)     # TF32 off: fp32 agreement
