"""Decoding filters: each rule on hand-computed distributions, ties, batching, limits, sampling."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")

from thermo_rl.llm.decoding import (
    DECODING_METHODS,
    check_decoding,
    filter_logits,
    format_decoding,
    parse_decoding,
    sample,
)

# p = [0.5, 0.3, 0.15, 0.05]; entropy terms -p ln p = 0.3466, 0.3612, 0.2846, 0.1498,
# cumulative 0.3466, 0.7078, 0.9923, 1.1421 = H(p)
P4 = torch.tensor([0.5, 0.3, 0.15, 0.05], dtype=torch.float64)
Z4 = torch.log(P4)


def kept(z, **kw):
    """Indices of the tokens ``filter_logits`` keeps (a 1-d input)."""
    return set(torch.nonzero(torch.isfinite(filter_logits(z, **kw))).flatten().tolist())


@pytest.mark.parametrize("k, expected", [(1, {0}), (2, {0, 1}), (3, {0, 1, 2}),
                                         (4, {0, 1, 2, 3}), (9, {0, 1, 2, 3})])
def test_top_k(k, expected):
    assert kept(Z4, top_k=k) == expected


def test_top_k_keeps_ties_at_the_boundary():
    z = torch.tensor([2.0, 1.0, 1.0, 0.0])
    assert kept(z, top_k=2) == {0, 1, 2}            # the 2nd and 3rd are tied
    assert kept(z, top_k=3) == {0, 1, 2}
    assert kept(torch.tensor([1.0, 0.0, 1.0]), top_k=1) == {0, 2}   # tied maxima


@pytest.mark.parametrize("top_p, expected", [
    (0.01, {0}), (0.4, {0}), (0.6, {0, 1}),        # 0.5 < 0.6 <= 0.8
    (0.79, {0, 1}), (0.81, {0, 1, 2}), (0.9, {0, 1, 2}), (0.96, {0, 1, 2, 3}),
    (1.0, {0, 1, 2, 3})])
def test_top_p(top_p, expected):
    assert kept(Z4, top_p=top_p) == expected


def test_top_p_keeps_ties_at_the_boundary():
    z = torch.log(torch.tensor([0.4, 0.2, 0.2, 0.2]))
    assert kept(z, top_p=0.5) == {0, 1, 2, 3}       # the prefix stops inside the tied group
    assert kept(z, top_p=0.3) == {0}
    uniform = torch.zeros(5)
    assert kept(uniform, top_p=0.1) == set(range(5))


@pytest.mark.parametrize("min_p, expected", [
    (0.0, {0, 1, 2, 3}), (0.05, {0, 1, 2, 3}),     # thresholds 0, 0.025
    (0.25, {0, 1, 2}), (0.5, {0, 1}), (0.7, {0}), (1.0, {0})])   # 0.125, 0.25, 0.35, 0.5
def test_min_p(min_p, expected):
    assert kept(Z4, min_p=min_p) == expected


def test_min_p_one_keeps_all_tied_maxima():
    assert kept(torch.tensor([3.0, 1.0, 3.0]), min_p=1.0) == {0, 2}


@pytest.mark.parametrize("top_h, expected", [
    (0.1, {0}),          # tau = 0.114 < 0.347: the top token is kept anyway
    (0.4, {0}),          # tau = 0.457
    (0.7, {0, 1}),       # tau = 0.799 >= 0.708
    (0.9, {0, 1, 2}),    # tau = 1.028 >= 0.992
    (0.99, {0, 1, 2}),   # tau = 1.131 < 1.142
    (1.0, {0, 1, 2, 3})])
def test_top_h(top_h, expected):
    assert kept(Z4, top_h=top_h) == expected


def test_top_h_keeps_ties_at_the_boundary():
    # uniform over 4: each term ln(4)/4 = 0.347, H = 1.386; alpha 0.4 -> tau 0.555 stops after
    # one token, inside the tied group: all four are kept
    assert kept(torch.zeros(4), top_h=0.4) == {0, 1, 2, 3}
    z = torch.log(torch.tensor([0.6, 0.2, 0.2]))     # cumulative terms 0.306, 0.628, 0.950
    assert kept(z, top_h=0.7) == {0, 1, 2}            # tau 0.665: stops after token 1 -> tie
    assert kept(z, top_h=0.5) == {0}                  # tau 0.475: after token 0, no tie
    assert kept(z, top_h=0.3) == {0}                  # tau 0.285 < 0.306: top token only


def test_temperature_divides_and_limits():
    z = torch.tensor([[2.0, 1.0, -1.0, 0.5]])
    assert torch.equal(filter_logits(z, temperature=0.5), z / 0.5)
    assert torch.equal(filter_logits(z), z)
    greedy = filter_logits(z, temperature=0)
    assert torch.isfinite(greedy).tolist() == [[True, False, False, False]]
    cold = torch.softmax(filter_logits(z, temperature=1e-3), -1)
    assert torch.allclose(cold, torch.softmax(greedy, -1), atol=1e-12)
    uniform = torch.softmax(filter_logits(z, temperature=math.inf), -1)
    assert torch.allclose(uniform, torch.full((1, 4), 0.25))
    hot = torch.softmax(filter_logits(z, temperature=1e6), -1)
    assert torch.allclose(hot, uniform, atol=1e-5)
    # T = inf keeps tokens that were removed before removed
    zi = torch.tensor([0.0, -math.inf, 3.0])
    assert torch.softmax(filter_logits(zi, temperature=math.inf), -1).tolist() == [0.5, 0.0, 0.5]
    # temperature acts before the truncation: p = [0.55, 0.25, 0.12, 0.08] needs one token for
    # top-p 0.5; at T = 2 it becomes [0.40, 0.27, 0.19, 0.15] and needs two
    zz = torch.log(torch.tensor([0.55, 0.25, 0.12, 0.08]))
    assert kept(zz, top_p=0.5) == {0}
    assert kept(zz, top_p=0.5, temperature=2.0) == {0, 1}


def test_greedy_keeps_tied_maxima_and_later_filters_change_nothing():
    z = torch.tensor([1.0, 3.0, 3.0, 2.0])
    assert kept(z, temperature=0) == {1, 2}
    assert kept(z, temperature=0, top_k=1, top_p=0.1, min_p=1.0, top_h=0.1) == {1, 2}


def _random_logits(gen, shape, ties=False):
    z = torch.randn(shape, generator=gen, dtype=torch.float64) * 2
    return torch.round(z * 2) / 2 if ties else z


SETTINGS = [{"top_k": 3}, {"top_p": 0.7}, {"min_p": 0.2}, {"top_h": 0.4},
            {"temperature": 0.7, "top_k": 5, "top_p": 0.9, "min_p": 0.05, "top_h": 0.8},
            {"temperature": 1.5, "top_p": 0.5}, {"temperature": 0.0}]


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("ties", [False, True])
def test_top_token_never_removed_and_batched_is_per_row(settings, ties):
    gen = torch.Generator().manual_seed(1)
    z = _random_logits(gen, (3, 5, 12), ties)
    out = filter_logits(z, **settings)
    assert out.shape == z.shape
    top = z == z.amax(-1, keepdim=True)
    assert bool(torch.isfinite(out)[top].all())                     # every tied maximum kept
    for i in range(3):
        for j in range(5):
            assert torch.equal(filter_logits(z[i, j], **settings), out[i, j])
    # a kept token is never less probable than a removed one (the rules cut a tail)
    fin = torch.isfinite(out)
    low_kept = torch.where(fin, z, torch.full_like(z, math.inf)).amin(-1)
    high_removed = torch.where(fin, torch.full_like(z, -math.inf), z).amax(-1)
    assert bool((low_kept > high_removed).all())                    # ties: all in or all out


def test_composition_is_sequential_in_transformers_order():
    gen = torch.Generator().manual_seed(2)
    z = _random_logits(gen, (64, 10), ties=True)
    kw = {"temperature": 0.8, "top_h": 0.9, "top_k": 6, "top_p": 0.85, "min_p": 0.1}
    step = filter_logits(z, temperature=0.8)
    for name in ("top_h", "top_k", "top_p", "min_p"):
        step = filter_logits(step, **{name: kw[name]})
    assert torch.equal(filter_logits(z, **kw), step)
    # the order matters: top-k before top-h would keep other tokens on some rows
    other = filter_logits(filter_logits(z, temperature=0.8, top_k=3), top_h=0.5)
    ours = filter_logits(z, temperature=0.8, top_k=3, top_h=0.5)
    assert not torch.equal(torch.isfinite(other), torch.isfinite(ours))


def test_numpy_in_numpy_out():
    z = np.log(np.array([[0.5, 0.3, 0.15, 0.05], [0.25, 0.25, 0.25, 0.25]]))
    out = filter_logits(z, top_p=0.6)
    assert isinstance(out, np.ndarray)
    assert np.isfinite(out).tolist() == [[True, True, False, False], [True] * 4]
    s = sample(z, top_k=1, generator=3)
    assert isinstance(s, np.ndarray) and s.shape == (2,) and s[0] == 0


@pytest.mark.parametrize("kw, name", [
    ({"temperature": -1.0}, "temperature"), ({"temperature": float("nan")}, "temperature"),
    ({"top_k": 0}, "top_k"), ({"top_k": 2.5}, "top_k"), ({"top_k": True}, "top_k"),
    ({"top_p": 0.0}, "top_p"), ({"top_p": 1.5}, "top_p"), ({"min_p": -0.1}, "min_p"),
    ({"min_p": 1.1}, "min_p"), ({"top_h": 0.0}, "top_h"), ({"top_h": 2.0}, "top_h"),
    ({"top_p": "0.9"}, "top_p")])
def test_bad_arguments_are_named(kw, name):
    with pytest.raises((ValueError, TypeError), match=name):
        filter_logits(torch.zeros(3), **kw)


@pytest.mark.parametrize("z", [torch.tensor([0.0, float("nan")]), torch.tensor([1.0, math.inf]),
                               torch.full((2, 3), -math.inf), torch.zeros((2, 0)),
                               torch.tensor(1.0)])
def test_bad_logits(z):
    with pytest.raises(ValueError, match="logits"):
        filter_logits(z)


def test_logits_type():
    with pytest.raises(TypeError, match="logits"):
        filter_logits(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="logits"):
        filter_logits([0.0, 1.0])
    with pytest.raises(TypeError):
        sample(torch.zeros(3), top_q=0.5)


def test_check_decoding_defaults():
    assert check_decoding() == {"temperature": 1.0, "top_k": None, "top_p": None,
                                "min_p": None, "top_h": None}
    assert check_decoding(temperature=None)["temperature"] == 1.0


# ---------------------------------------------------------------- sampling (chi-square)

N_DRAWS = 40_000
ROW = torch.tensor([2.0, 1.6, 1.6, 0.9, 0.3, -0.4, -1.0, -3.0], dtype=torch.float64)


@pytest.mark.parametrize("settings", [{}, {"top_k": 3}, {"top_p": 0.8}, {"min_p": 0.3},
                                      {"top_h": 0.6}, {"temperature": 0.6, "top_p": 0.95},
                                      {"temperature": 2.0, "top_k": 5, "min_p": 0.1}])
def test_sampling_frequencies_match_the_filtered_softmax(settings):
    from scipy.stats import chisquare

    probs = torch.softmax(filter_logits(ROW, **settings), -1).numpy()
    draws = sample(ROW.expand(N_DRAWS, -1), generator=7, **settings).numpy()
    counts = np.bincount(draws, minlength=ROW.numel())
    keep = probs > 0
    assert counts[~keep].sum() == 0                       # removed tokens are never drawn
    assert chisquare(counts[keep], N_DRAWS * probs[keep]).pvalue > 1e-4
    if keep.sum() < keep.size:                            # and the test has power: the
        full = torch.softmax(ROW / check_decoding(**settings)["temperature"], -1).numpy()
        assert chisquare(counts, N_DRAWS * full).pvalue < 1e-6   # unfiltered law is rejected


def test_sample_shapes_seeds_and_greedy():
    z = torch.randn(4, 3, 9, generator=torch.Generator().manual_seed(0))
    a = sample(z, generator=5, top_p=0.9)
    assert a.shape == (4, 3) and a.dtype == torch.int64
    assert torch.equal(a, sample(z, generator=5, top_p=0.9))
    g = torch.Generator().manual_seed(5)
    assert sample(z, generator=g).shape == (4, 3)
    assert torch.equal(sample(z, temperature=0), z.argmax(-1))
    assert sample(torch.zeros(0, 5)).shape == (0,)


# ---------------------------------------------------------------- the CLI spec

@pytest.mark.parametrize("spec, expected", [
    ("top-p:0.9", {"top_p": 0.9}), ("top-k:4", {"top_k": 4}), ("min-p:0.05", {"min_p": 0.05}),
    ("top-h:0.4", {"top_h": 0.4}), ("temperature:0.8", {"temperature": 0.8}),
    ("greedy", {"temperature": 0.0}), ("", {}), ("sample", {}),
    ("temperature:0.8,top-p:0.9", {"temperature": 0.8, "top_p": 0.9}),
    (" top-p:0.9 , temperature:inf ", {"temperature": math.inf, "top_p": 0.9}),
    ("min-p:0.1,top-k:5,top-h:0.5", {"top_h": 0.5, "top_k": 5, "min_p": 0.1})])
def test_parse_decoding(spec, expected):
    assert parse_decoding(spec) == expected


@pytest.mark.parametrize("spec, words", [
    ("top-q:0.9", "unknown decoding method"), ("top-p", "needs a value"),
    ("top-p:", "needs a value"), ("top-p:abc", "top-p must be a probability"),
    ("top-p:1.5", "top-p must be a probability"), ("top-k:2.5", "top-k must be an integer"),
    ("top-k:0", "top-k must be an integer"), ("temperature:-1", "temperature must be"),
    ("min-p:2", "min-p must be"), ("top-h:0", "top-h must be"),
    ("top-p:0.9,top-p:0.8", "twice"), ("greedy,temperature:0.5", "twice"),
    ("top-p:0.9,", "unknown decoding method")])
def test_parse_decoding_errors_are_one_line(spec, words):
    with pytest.raises(ValueError, match=words) as err:
        parse_decoding(spec)
    assert "\n" not in str(err.value)


def test_methods_constant_and_round_trip():
    assert DECODING_METHODS == ("greedy", "temperature", "top-h", "top-k", "top-p", "min-p")
    for spec in ("greedy", "top-k:4", "temperature:0.7,top-p:0.9", "top-h:0.4,min-p:0.05",
                 "temperature:1.5,top-h:0.4,top-k:7,top-p:0.95,min-p:0.01", "sample"):
        assert format_decoding(parse_decoding(spec)) == spec
    with pytest.raises(TypeError):
        parse_decoding(0.9)
