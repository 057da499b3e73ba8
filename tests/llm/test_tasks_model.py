"""Tasks, tokenizer and the GPT: answer counts from combinatorics, corpus proportions
against binomial error bars, reproducibility and the KV cache against the uncached loop."""

import math

import numpy as np
import pytest
import torch

from thermo_rl.llm.model import SIZES, build_model
from thermo_rl.llm.tasks import TASKS, get_task
from thermo_rl.llm.tokenizer import CharTokenizer


def _digit_sum_count(s):
    # number of (a, b, c) in 0..9 with a + b + c = s, by inclusion-exclusion
    return sum((-1) ** j * math.comb(3, j) * math.comb(s - 10 * j + 2, 2)
               for j in range(4) if s - 10 * j >= 0)


def test_correct_answer_counts_match_combinatorics():
    t = get_task("digit-sum")
    assert list(t.n_correct) == [_digit_sum_count(s) for s in range(28)]
    assert t.n_correct[13] == t.n_correct[14] == 75
    p = get_task("pair-sum")
    assert list(p.n_correct) == [min(n, 18 - n) + 1 for n in range(19)]
    m = get_task("multiples")
    assert list(m.n_correct) == [len(range(0, 100, k)) for k in range(2, 26)]


@pytest.mark.parametrize("name", TASKS)
def test_reward_agrees_with_the_table_and_rejects_malformed(name):
    t = get_task(name)
    rng = np.random.default_rng(0)
    for i, j in zip(rng.integers(0, len(t.prompts), 50), rng.integers(0, len(t.answers), 50)):
        assert t.reward(t.prompts[i], t.answers[j]) == float(t.correct[i, j])
    for bad in ("", "?", t.answers[0] + "0", t.answers[0][:-1], "abc"):
        assert t.reward(0, bad) == 0.0
    with pytest.raises(ValueError, match="unknown prompt"):
        t.reward("X=99:", t.answers[0])


def test_corpus_proportions_within_binomial_error_bars():
    t = get_task("digit-sum")
    n, q = 40_000, 0.6
    pi, aj = t.corpus(n, correct_fraction=q, seed=3)
    frac = t.correct[pi, aj].mean()
    assert abs(frac - q) < 4 * math.sqrt(q * (1 - q) / n)
    d = t.distance[pi, aj]
    assert set(np.unique(d)) <= {0, 1, 2}
    counts = np.bincount(pi, minlength=28)     # prompts uniform: chi-square
    chi2 = ((counts - n / 28) ** 2 / (n / 28)).sum()
    assert chi2 < 27 + 5 * math.sqrt(2 * 27)
    with pytest.raises(ValueError, match="correct_fraction"):
        t.corpus(10, correct_fraction=1.5)


def test_tokenizer_round_trip_and_errors():
    tok = CharTokenizer()
    ids = tok.encode("N=07:3+4", eos=True)
    assert tok.decode(ids) == "N=07:3+4" and ids[-1] == tok.eos_id
    assert tok.decode_answer(tok.encode("3+4")) == "3+4?"      # no EOS: malformed
    with pytest.raises(ValueError, match="alphabet"):
        tok.encode("x")


@pytest.mark.parametrize("size,low,high", [("tiny", 0.08e6, 0.15e6), ("small", 0.6e6, 1.0e6),
                                           ("base", 4e6, 6e6)])
def test_named_sizes(size, low, high):
    assert low < build_model(size, vocab_size=18).num_parameters() < high
    assert set(SIZES) == {"tiny", "small", "base"}


@pytest.mark.parametrize("rotary", [False, True])
def test_kv_cache_samples_equal_the_uncached_loop(rotary):
    m = build_model("tiny", vocab_size=18, rotary=rotary, seed=2).eval()
    tok = CharTokenizer()
    x = torch.as_tensor(tok.encode_batch(["S=14:"] * 64))
    a = m.generate(x, 4, eos_id=1, generator=torch.Generator().manual_seed(5))
    b = m.generate(x, 4, eos_id=1, use_cache=False, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    # and the cached logits equal a full forward pass
    seq = a[:, :8]
    from thermo_rl.llm.model import KVCache
    cache = KVCache(m.config, 64, "cpu", torch.float32)
    with torch.no_grad():
        full = m(seq)
        part = torch.cat([m(seq[:, :5], cache), m(seq[:, 5:6], cache), m(seq[:, 6:8], cache)], 1)
    torch.testing.assert_close(part, full, rtol=1e-5, atol=1e-5)


def test_same_seed_same_weights_and_samples():
    a, b = build_model("tiny", vocab_size=18, seed=7), build_model("tiny", vocab_size=18, seed=7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = build_model("tiny", vocab_size=18, seed=8)
    assert not torch.equal(a.wte.weight, c.wte.weight)


def test_bad_sizes_and_lengths():
    with pytest.raises(ValueError, match="size"):
        build_model("huge", vocab_size=18)
    m = build_model("tiny", vocab_size=18, block_size=8)
    with pytest.raises(ValueError, match="block_size"):
        m(torch.zeros(1, 9, dtype=torch.long))


def _prompts(n=5):
    tok = CharTokenizer()
    return torch.as_tensor(tok.encode_batch([f"S={s:02d}:" for s in range(3, 3 + n)]))


@pytest.mark.parametrize("decoding", [{}, {"temperature": 0.7, "top_k": 5}])
def test_num_samples_prefills_once_and_equals_repeated_prompts(decoding):
    # G samples of P prompts through one prefill per prompt and KVCache.expand: the same
    # rows (prompt-major, np.repeat order), the same random stream, hence the same tokens
    # and scores as sampling the repeated prompts, cached or not
    m = build_model("tiny", vocab_size=18, seed=3).eval()
    x, G = _prompts(), 8
    gen = lambda: torch.Generator().manual_seed(11)
    a = m.generate(x, 4, eos_id=1, num_samples=G, return_scores=True, generator=gen(),
                   **decoding)
    rep = torch.as_tensor(np.repeat(x.numpy(), G, axis=0))
    b = m.generate(rep, 4, eos_id=1, return_scores=True, generator=gen(), **decoding)
    c = m.generate(x, 4, eos_id=1, num_samples=G, use_cache=False, return_scores=True,
                   generator=gen(), **decoding)
    assert a.tokens.shape == (5 * G, x.shape[1] + 4)
    assert torch.equal(a.tokens[:, :x.shape[1]], rep)
    for other in (b, c):
        assert torch.equal(a.tokens, other.tokens)
        torch.testing.assert_close(a.logp, other.logp, rtol=0, atol=1e-6)
        torch.testing.assert_close(a.entropy, other.entropy, rtol=0, atol=1e-6)
    # the groups differ within a prompt (not one sample copied G times)
    assert len({tuple(r) for r in a.tokens[:G].tolist()}) > 1


@pytest.mark.parametrize("decoding", [{"temperature": 0.7, "top_k": 5}, {"temperature": 1.0},
                                      {"temperature": 1.3, "top_p": 0.8}])
def test_scores_equal_teacher_forcing_of_the_filtered_tempered_distribution(decoding):
    # logp and entropy of each sampled token under softmax(filter_logits(z)) recomputed
    # by one teacher-forced pass over the finished sequences; zero after the first EOS
    from thermo_rl.llm.decoding import filter_logits

    m = build_model("tiny", vocab_size=18, seed=4).eval()
    x, G, Tc, eos = _prompts(4), 16, 5, 1
    out = m.generate(x, Tc, eos_id=eos, num_samples=G, return_scores=True,
                     generator=torch.Generator().manual_seed(2), **decoding)
    Lp = x.shape[1]
    with torch.no_grad():
        z = filter_logits(m(out.tokens[:, :-1])[:, Lp - 1:], **decoding)   # (B, Tc, V)
    logq = torch.log_softmax(z, dim=-1)
    want = logq.gather(-1, out.tokens[:, Lp:, None])[..., 0]
    q = logq.exp()
    want_h = -(torch.special.xlogy(q, q)).sum(-1)
    comp = out.tokens[:, Lp:]
    is_eos = (comp == eos).long()
    alive = (torch.cumsum(is_eos, 1) - is_eos) == 0            # up to and including EOS
    assert (~alive).any() and alive.all(1).any()               # both kinds of rows occur
    torch.testing.assert_close(out.logp, torch.where(alive, want, 0.0), rtol=0, atol=1e-5)
    torch.testing.assert_close(out.entropy, torch.where(alive, want_h, 0.0), rtol=0, atol=1e-5)
    assert out.logp.dtype == out.entropy.dtype == torch.float32
    if "top_k" in decoding:                                    # at most k tokens: H <= ln k
        assert float(out.entropy.max()) <= math.log(decoding["top_k"]) + 1e-6


def test_scores_are_float32_under_bf16_autocast():
    # the forward pass in bf16 (CPU autocast), the log_softmax in float32: the scores
    # agree with the fp32 model's to bf16's resolution (2^-8 relative on the logits)
    m = build_model("tiny", vocab_size=18, seed=4).eval()
    x = _prompts(2)
    kw = {"num_samples": 8, "return_scores": True, "temperature": 0.7}
    lo = m.generate(x, 4, precision="bf16", generator=torch.Generator().manual_seed(0), **kw)
    assert lo.logp.dtype == lo.entropy.dtype == torch.float32
    from thermo_rl.llm.decoding import filter_logits
    with torch.no_grad():
        z = filter_logits(m(lo.tokens[:, :-1])[:, x.shape[1] - 1:], temperature=0.7)
    want = torch.log_softmax(z, -1).gather(-1, lo.tokens[:, x.shape[1]:, None])[..., 0]
    err = (lo.logp - want).abs().max()
    assert 0 < err < 0.05                     # bf16 moved the numbers, but only by a little


def test_generate_arguments_are_checked():
    m = build_model("tiny", vocab_size=18)
    x = _prompts(1)
    with pytest.raises(ValueError, match="num_samples"):
        m.generate(x, 2, num_samples=0)
    with pytest.raises(ValueError, match="precision"):
        m.generate(x, 2, precision="fp8")
    with pytest.raises(TypeError):
        m.generate(x, 2, top_z=3)
