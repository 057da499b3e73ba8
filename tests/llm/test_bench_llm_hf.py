"""`thermo-rl bench llm_hf` on a tiny budget, through the real entry point."""

import json

import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")
pytest.importorskip("trl", reason="the RL-vs-TRL rows need the [hf] extra (transformers, trl)")

from thermo_rl.cli import main


def test_bench_llm_hf_rows(capsys, monkeypatch):
    from thermo_rl.bench import llm_hf as bench

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setitem(bench.SIZES, "quick", {"batch": 8, "new_tokens": 4, "prompts": 2,
                                               "group": 2})
    rc = main(["bench", "llm_hf", "--quick", "--json", "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0
    rows = {r["name"]: r for r in json.loads(out)["rows"]}
    assert all(r["area"] == "llm_hf" and r["value"] > 0 for r in rows.values())
    for ours, ref in (("HFPolicy.generate", "transformers generate (reference)"),
                      ("HFPolicy.generate, temperature 0.8 top-p 0.9",
                       "transformers generate, temperature 0.8 top-p 0.9 (reference)"),
                      ("RL update: thermo_rl.llm", "RL update: TRL GRPOTrainer (reference)"),
                      ("RL step: thermo_rl.llm", "RL step: TRL GRPOTrainer (reference)")):
        assert rows[ref]["ratio"] is None
        assert rows[ours]["ratio"] == pytest.approx(rows[ours]["value"] / rows[ref]["value"])
        assert rows[ours]["unit"] == rows[ref]["unit"]
    assert "batch 8" in rows["HFPolicy.generate"]["note"]
    assert "2 prompts x 2 samples" in rows["RL step: thermo_rl.llm"]["note"]
