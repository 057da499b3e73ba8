"""`thermo-rl bench llm` on a tiny budget, through the real entry point."""

import json

import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")

from thermo_rl.cli import main


def test_bench_llm_rows(capsys, monkeypatch):
    from thermo_rl.bench import llm as bench

    monkeypatch.setitem(bench.SIZES, "quick", {"size": "tiny", "train_batch": 8,
                                               "train_steps": 1, "batch": 8, "new_tokens": 4})
    threads = torch.get_num_threads()
    rc = main(["bench", "llm", "--quick", "--json", "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0
    assert torch.get_num_threads() == threads                 # restored after the run
    rows = {r["name"]: r for r in json.loads(out)["rows"]}
    assert all(r["area"] == "llm" and r["unit"] == "tokens_per_s" and r["value"] > 0
               for r in rows.values())
    train = rows["train tiny (AdamW step)"]
    assert train["ratio"] is None and "batch 8" in train["note"]
    ref = rows["generate, no cache (reference)"]
    kv = rows["generate, KV cache"]
    assert ref["ratio"] is None
    assert kv["ratio"] == pytest.approx(kv["value"] / ref["value"])
    assert "batch 8" in kv["note"] and "4 new tokens" in kv["note"]
    try:
        import transformers  # noqa: F401
    except ImportError:
        assert "transformers generate (GPT-2)" not in rows
    else:
        hf = rows["transformers generate (GPT-2)"]
        assert hf["ratio"] == pytest.approx(hf["value"] / ref["value"])
        assert "x transformers generate" in kv["note"]
