"""Hugging Face causal LMs through ``thermo_rl.llm.hf``: loading a local folder, exact answer
distributions by teacher forcing (against transformers' own loss), sampling with our filters
through the model's KV cache (against the exact distribution), left padding.

The models are built in the test (GPT-2 and Llama configs of ~0.1M parameters, a character
tokenizer made with ``tokenizers``), saved to a temporary folder and loaded like a user's
model; nothing is downloaded (HF_HUB_OFFLINE=1).
"""

import math
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")
pytest.importorskip("transformers", reason="Hugging Face models need the [hf] extra "
                    "(pip install -e \".[hf]\")")
os.environ["HF_HUB_OFFLINE"] = "1"

from scipy import stats

from thermo_rl.llm.exact import answer_distribution, answer_log_probs
from thermo_rl.llm.hf import HFPolicy, as_pretrained, char_tokenizer, load_hf, save_tiny_model
from thermo_rl.llm.tasks import get_task


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def folder(request, tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp(request.param), arch=request.param, seed=3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A GPT-2 trained briefly on pair-sum's corpus (so that its distribution is not flat),
    saved and loaded back through load_hf."""
    task = get_task("pair-sum")
    pol = load_hf(save_tiny_model(tmp_path_factory.mktemp("g"), seed=1), device="cpu")
    tok = pol.tokenizer
    opt = torch.optim.AdamW(pol.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    pol.train()
    for _ in range(150):
        pi, aj = task.corpus(64, seed=rng)
        x = torch.as_tensor(np.concatenate([task._prompt_tokens(tok)[pi],
                                            task._answer_tokens(tok)[aj]], axis=1))
        z = pol(x[:, :-1])[:, task.prompt_length - 1:]
        loss = torch.nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]),
                                                 x[:, task.prompt_length:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    pol.eval()
    out = tmp_path_factory.mktemp("trained")
    pol.model.save_pretrained(out)
    pol.tokenizer.hf.save_pretrained(out)
    return load_hf(out, device="cpu")


def hf_sequence_log_prob(model, prompt_ids, answer_ids):
    """ln pi(answer | prompt) from transformers' own loss: the mean cross-entropy over the
    labelled positions times their number (an independent computation)."""
    x = torch.as_tensor([prompt_ids + answer_ids])
    labels = x.clone()
    labels[:, :len(prompt_ids)] = -100
    with torch.no_grad():
        loss = model(input_ids=x, labels=labels).loss
    return -float(loss) * len(answer_ids)


def test_loads_as_a_policy_with_the_gpt_interface(folder):
    pol = load_hf(folder, device="cpu")
    assert isinstance(pol, HFPolicy) and not pol.training
    assert 20_000 < pol.num_parameters() < 300_000
    tok = pol.tokenizer
    ids = tok.encode("S=14:509", eos=True)
    assert len(ids) == 9 and ids[-1] == tok.eos_id and tok.decode(ids) == "S=14:509"
    assert tok.decode_answer(tok.encode("509")) == "509?"          # no EOS: malformed
    x = torch.as_tensor(tok.encode_batch(["S=14:", "S=03:"]))
    z = pol(x)
    assert z.shape == (2, 5, len(tok.hf)) and z.dtype == torch.float32
    with pytest.raises(ValueError, match="context"):
        pol(torch.zeros((1, 17), dtype=torch.long))


@pytest.mark.parametrize("name", ["pair-sum", "multiples"])
def test_exact_distribution_equals_transformers_loss(folder, name):
    pol = load_hf(folder, device="cpu")
    task, tok = get_task(name), pol.tokenizer
    prompts = [0, len(task.prompts) - 1]
    lp = answer_log_probs(pol, task, prompts=prompts).double().numpy()
    assert lp.shape == (2, len(task.answers))
    for row, i in enumerate(prompts):
        for j in (0, 17, len(task.answers) - 1):
            ref = hf_sequence_log_prob(pol.model, tok.encode(task.prompts[i]),
                                       tok.encode(task.answers[j], eos=True))
            assert lp[row, j] == pytest.approx(ref, abs=2e-5)
    d = answer_distribution(pol, task, prompts=prompts)
    np.testing.assert_allclose(d.probs.sum(1) + d.invalid, 1.0, atol=1e-12)
    assert 0 < d.probs.sum(1).min() < 1


def test_subword_tokens_of_unequal_length_are_scored(tmp_path):
    """With a merge ("1+" one token) answers have 3 or 4 tokens; each is scored in its
    canonical tokenization (the other spelling, "1" then "+", counts as invalid)."""
    tok = char_tokenizer(merges=("1+",))
    pol = load_hf(save_tiny_model(tmp_path, tokenizer=tok), device="cpu")
    task = get_task("pair-sum")
    assert len(pol.tokenizer.encode("1+3", eos=True)) == 3
    assert len(pol.tokenizer.encode("2+3", eos=True)) == 4
    lp = answer_log_probs(pol, task, prompts=[4]).double().numpy()[0]
    for a in ("1+3", "2+3", "9+1"):
        ref = hf_sequence_log_prob(pol.model, pol.tokenizer.encode(task.prompts[4]),
                                   pol.tokenizer.encode(a, eos=True))
        assert lp[task.answer_index(a)] == pytest.approx(ref, abs=2e-5)


def test_exact_distribution_matches_sampling_through_the_adapter(trained):
    """Chi-square of 8,000 samples (our filters, the model's KV cache) against the exact
    distribution, plain and with a decoding method."""
    task, tok = get_task("pair-sum"), trained.tokenizer
    d0 = answer_distribution(trained, task)
    assert d0.invalid.mean() < 0.1                   # the training took: answers, then EOS
    assert d0.metrics()["pass@1"] > 0.1              # (chance: 0.053)
    assert d0.entropy().mean() > 2.0                 # spread over many answers
    n = 8_000
    for i, decoding in ((4, {}), (9, {"temperature": 0.8, "top_p": 0.9})):
        d = answer_distribution(trained, task, prompts=[i], decoding=decoding)
        x = torch.as_tensor(tok.encode_batch([task.prompts[i]] * n))
        out = trained.generate(x, task.answer_length + 1,
                               generator=torch.Generator().manual_seed(i), **decoding)
        ans = [tok.decode_answer(r) for r in out[:, task.prompt_length:].tolist()]
        j = np.array([task.answer_index(a) for a in ans])
        counts = np.bincount(np.where(j < 0, len(task.answers), j),
                             minlength=len(task.answers) + 1)
        p = d.full[0]
        big = p * n >= 5
        obs = np.append(counts[big], counts[~big].sum())
        exp = np.append(p[big], p[~big].sum()) * n
        keep = exp > 0
        assert obs[~keep].sum() == 0                  # nothing outside the support
        chi2 = ((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-3
        p1 = d.pass_at_1()[0]
        c = task.correct[i, j[j >= 0]].sum()
        assert abs(c / n - p1) < 4 * math.sqrt(p1 * (1 - p1) / n) + 1e-9


def test_kv_cache_and_left_padding(folder):
    pol = load_hf(folder, device="cpu")
    tok = pol.tokenizer
    x = torch.as_tensor(tok.encode_batch(["N=03:", "N=17:"] * 8))
    a = pol.generate(x, 4, generator=torch.Generator().manual_seed(0), top_k=5)
    b = pol.generate(x, 4, generator=torch.Generator().manual_seed(0), top_k=5,
                     use_cache=False)
    assert torch.equal(a, b) and a.shape == (16, 9)
    # leading PAD tokens are padding: the same logits as the unpadded row
    short = tok.encode("N=03:")
    padded = torch.as_tensor([[tok.pad_id] * 3 + short, short + tok.encode("123")])
    z = pol(padded)
    ref = pol(torch.as_tensor([short]))
    torch.testing.assert_close(z[0, 3:], ref[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(z[1, :5], ref[0], atol=1e-5, rtol=1e-5)
    # and generation continues them alike (greedy)
    g = pol.generate(padded[:1], 3, temperature=0)
    g_ref = pol.generate(torch.as_tensor([short]), 3, temperature=0)
    assert torch.equal(g[0, 3:], g_ref[0])


def test_as_pretrained_gives_metrics(trained, tmp_path):
    res = as_pretrained(trained, "pair-sum")
    d = res.as_dict()
    assert d["task"] == "pair-sum" and d["parameters"] == trained.num_parameters()
    assert 0 < d["base"]["pass@1"] < 1
    with pytest.raises(ValueError, match="tokenizer does not know"):
        as_pretrained(load_hf(save_tiny_model(tmp_path, tokenizer=char_tokenizer(
            "0123456789+:="))), "digit-sum")


def test_bad_folders_are_one_line_errors(tmp_path):
    with pytest.raises(ValueError, match="config.json"):
        load_hf(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot load"):
        load_hf(tmp_path)
    tok = char_tokenizer()
    tok.eos_token = None
    with pytest.raises(ValueError, match="EOS"):
        HFPolicy(None, tok)


def test_cli_takes_a_hugging_face_folder(folder, capsys):
    import json

    from thermo_rl.cli import main

    code = main(["llm", "sample", "--model", folder, "--task", "pair-sum", "--n", "5",
                 "--prompt", "N=09:", "--device", "cpu", "--json", "--no-progress"])
    out, _ = capsys.readouterr()
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5 and all(r["prompt"] == "N=09:" for r in rows)
    assert main(["llm", "sample", "--model", folder + "-missing", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert "config.json" in err and len(err.splitlines()) == 1
    assert main(["llm", "sample", "--model", folder, "--checkpoint", folder]) == 2
    assert "not both" in capsys.readouterr().err


def test_rl_compare_runs_on_a_hugging_face_model(trained):
    """thermo_rl.llm.rl.compare through the adapter: plain RL raises the exact pass@1 and
    lowers the answer entropy (the collapse). Seeds 0-2 measured: pass@1 0.18 -> 0.30-0.36,
    answer entropy 3.61 -> 2.19-2.38 nats, KL to the base 0.87-1.0 nats."""
    from thermo_rl.llm.rl import compare

    res = compare(as_pretrained(trained, "pair-sum"), controls=("none",), steps=60,
                  n_prompts=32, group=8, lr=1e-3, eval_every=60, seed=0, progress=False)
    base, plain = res.as_dict()["base"], res["none"].as_dict()["after"]
    assert plain["pass@1"] > base["pass@1"] + 0.05
    assert plain["answer_entropy"] < 0.8 * base["answer_entropy"]
    assert plain["kl_ref"] > 0.3
    assert {r["run"] for r in res.table()} == {"base", "none"}
