"""Cross-check: ``filter_logits`` against Hugging Face transformers' logits warpers.

transformers (5.24) has every rule we implement: ``TemperatureLogitsWarper``,
``TopHLogitsWarper``, ``TopKLogitsWarper``, ``TopPLogitsWarper``, ``MinPLogitsWarper``,
composed by ``GenerationMixin._get_logits_processor`` in the order temperature, top-h,
top-k, top-p, min-p (checked below on a real processor list, not assumed).

Where the definitions differ, the test states the difference and checks the conversion:

* top-p: transformers sorts ascending and removes the tokens whose ascending cumulative
  probability is ``<= 1 - top_p``; we keep the shortest descending prefix with cumulative
  probability ``>= top_p``. The two are the same set in exact arithmetic (a token is
  removed iff the mass strictly ahead of it is ``>= top_p``); in floating point they may
  differ only where that mass is within rounding of ``top_p``.
* top-p and top-h with ties: transformers cuts inside a group of tied tokens wherever its
  sort put them; we keep the whole group (ties at the boundary kept, as transformers'
  top-k does). Conversion: ours = every token whose logit is >= the smallest logit
  transformers kept.
* top-h: transformers looks at the 100 most probable tokens only (``top_n = 100``) and
  computes the entropy on them renormalized; we use the whole vocabulary. Conversion for
  V > 100: ours on the logits with all but the top 100 set to -inf. (Its docs speak of the
  *renormalized* entropy of the kept prefix; its code, and we, bound the partial sum
  ``-sum_{i in S} p_i ln p_i`` of the full distribution's terms.)
* temperature 0: transformers refuses it (greedy is ``do_sample=False``); ours is greedy.
"""

import math

import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")
transformers = pytest.importorskip(
    "transformers", reason="the cross-check against Hugging Face needs the [hf] extra "
    "(pip install -e \".[hf]\")")

from transformers.generation.logits_process import (
    MinPLogitsWarper,
    TemperatureLogitsWarper,
    TopHLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from thermo_rl.llm.decoding import filter_logits

BATCH = 512


def logits(seed, V, *, ties, dtype=torch.float32, batch=BATCH):
    """Random logits; with ``ties`` rounded to steps of 0.5 (many tied tokens per row)."""
    z = torch.randn(batch, V, generator=torch.Generator().manual_seed(seed), dtype=dtype) * 2.0
    return torch.round(z * 2.0) / 2.0 if ties else z


def hf(warper, z):
    return warper(None, z.clone())


def with_ties_kept(z, out):
    """Our convention applied to a transformers result: keep every token whose logit is >= the
    smallest logit transformers kept (the whole tied group at the boundary)."""
    kept = torch.isfinite(out)
    low = torch.where(kept, z, torch.full_like(z, math.inf)).amin(-1, keepdim=True)
    return torch.where(z >= low, z, torch.full_like(z, -math.inf))


def assert_same(ours, theirs):
    diff_rows = (torch.isfinite(ours) != torch.isfinite(theirs)).any(-1)
    assert int(diff_rows.sum()) == 0, f"{int(diff_rows.sum())} of {len(diff_rows)} rows differ"
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("V", [18, 100])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_temperature_top_k_min_p_agree_exactly(V, ties, dtype):
    z = logits(1, V, ties=ties, dtype=dtype)
    for T in (0.3, 1.0, 2.5):
        assert_same(filter_logits(z, temperature=T), hf(TemperatureLogitsWarper(T), z))
    for k in (1, 3, 10, V):
        assert_same(filter_logits(z, top_k=k), hf(TopKLogitsWarper(k), z))   # both keep ties
    for x in (0.0, 0.05, 0.3, 0.9, 1.0):
        assert_same(filter_logits(z, min_p=x), hf(MinPLogitsWarper(x), z))


@pytest.mark.parametrize("name, warper, values", [
    ("top_p", TopPLogitsWarper, (0.1, 0.5, 0.9, 0.99)),
    ("top_h", TopHLogitsWarper, (0.2, 0.4, 0.7, 0.95))])
@pytest.mark.parametrize("V", [18, 100])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_top_p_top_h_agree_and_the_tie_conversion_holds(name, warper, values, V, dtype):
    for value in values:
        z = logits(2, V, ties=False, dtype=dtype)
        assert_same(filter_logits(z, **{name: value}), hf(warper(value), z))
        zt = logits(3, V, ties=True, dtype=dtype)
        theirs = hf(warper(value), zt)
        ours = filter_logits(zt, **{name: value})
        assert not torch.equal(ours, theirs)         # the tied cut differs on many rows
        assert bool((torch.isfinite(theirs) <= torch.isfinite(ours)).all())  # theirs within ours
        assert_same(ours, with_ties_kept(zt, theirs))


def test_top_h_beyond_100_tokens_is_ours_on_the_top_100():
    z = logits(6, 300, ties=False, batch=256)
    top100 = torch.topk(z, 100, dim=-1).indices
    restricted = torch.full_like(z, -math.inf).scatter(-1, top100, z.gather(-1, top100))
    for alpha in (0.4, 0.8):
        theirs = hf(TopHLogitsWarper(alpha), z)
        assert_same(filter_logits(restricted, top_h=alpha), theirs)
        # without the restriction we differ on some rows: the full entropy is larger
        assert not torch.equal(torch.isfinite(filter_logits(z, top_h=alpha)),
                               torch.isfinite(theirs))


SETTINGS = [{"temperature": 0.7, "top_k": 8, "top_p": 0.9, "min_p": 0.05},
            {"temperature": 1.3, "top_h": 0.6, "top_p": 0.95},
            {"temperature": 0.9, "top_h": 0.8, "top_k": 5, "top_p": 0.8, "min_p": 0.1},
            {"top_k": 3, "min_p": 0.5}, {"temperature": 2.0, "top_h": 0.4, "min_p": 0.02}]


def hf_processors(settings):
    """transformers' warper list for ``settings``, as ``generate`` builds it."""
    from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(vocab_size=16, n_positions=8, n_embd=8, n_layer=1,
                                       n_head=1))
    config = GenerationConfig(do_sample=True, **{"top_k": None, **settings})
    return model._get_logits_processor(generation_config=config, input_ids_seq_length=1,
                                       device="cpu")


def test_transformers_order_is_temperature_top_h_top_k_top_p_min_p():
    procs = hf_processors({"temperature": 0.7, "top_h": 0.5, "top_k": 4, "top_p": 0.9,
                           "min_p": 0.1})
    assert [type(p).__name__ for p in procs] == [
        "TemperatureLogitsWarper", "TopHLogitsWarper", "TopKLogitsWarper", "TopPLogitsWarper",
        "MinPLogitsWarper"]


@pytest.mark.parametrize("settings", SETTINGS)
def test_composition_agrees_with_generate_processors(settings):
    procs = hf_processors(settings)
    z = logits(7, 50, ties=False)
    assert_same(filter_logits(z, **settings), procs(None, z.clone()))
    # with ties: each transformers warper followed by the tie conversion, in its order
    zt = logits(8, 50, ties=True)
    step = zt
    for p in procs:
        out = p(None, step.clone())
        step = with_ties_kept(step, out) if isinstance(p, (TopPLogitsWarper,
                                                             TopHLogitsWarper)) else out
    assert_same(filter_logits(zt, **settings), step)


def test_temperature_zero_is_greedy_here_and_refused_there():
    with pytest.raises(ValueError):
        TemperatureLogitsWarper(0.0)
    z = logits(9, 18, ties=True)
    out = filter_logits(z, temperature=0.0)
    assert torch.equal(torch.isfinite(out), z == z.amax(-1, keepdim=True))
