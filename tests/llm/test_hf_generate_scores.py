"""``HFPolicy.generate`` takes the GPT sampler's ``num_samples`` and ``return_scores``:
the same rows as repeated prompts, scores equal to teacher forcing of the filtered,
tempered distribution."""

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="Hugging Face models need the [hf] extra "
                    "(pip install -e \".[hf]\")")
os.environ["HF_HUB_OFFLINE"] = "1"

from thermo_rl.llm.decoding import filter_logits
from thermo_rl.llm.hf import load_hf, save_tiny_model


def test_num_samples_and_scores(tmp_path):
    pol = load_hf(save_tiny_model(tmp_path, arch="gpt2", seed=3), device="cpu")
    tok, G, Tc = pol.tokenizer, 6, 4
    x = torch.as_tensor(tok.encode_batch(["N=03:", "N=17:", "N=09:"]))
    kw = {"temperature": 0.7, "top_k": 5}
    a = pol.generate(x, Tc, num_samples=G, return_scores=True,
                     generator=torch.Generator().manual_seed(1), **kw)
    b = pol.generate(torch.as_tensor(np.repeat(x.numpy(), G, axis=0)), Tc,
                     generator=torch.Generator().manual_seed(1), **kw)
    assert torch.equal(a.tokens, b)
    Lp = x.shape[1]
    with torch.no_grad():
        logq = torch.log_softmax(filter_logits(pol(a.tokens[:, :-1])[:, Lp - 1:], **kw), -1)
    want = logq.gather(-1, a.tokens[:, Lp:, None])[..., 0]
    comp = a.tokens[:, Lp:]
    is_eos = (comp == tok.eos_id).long()
    alive = (torch.cumsum(is_eos, 1) - is_eos) == 0
    torch.testing.assert_close(a.logp, torch.where(alive, want, 0.0), rtol=0, atol=1e-5)
    assert a.entropy.dtype == torch.float32 and bool((a.entropy[alive] > 0).all())
