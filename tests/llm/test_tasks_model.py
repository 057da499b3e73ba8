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
