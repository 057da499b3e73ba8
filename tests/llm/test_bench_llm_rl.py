"""`thermo-rl bench llm_rl` on a tiny budget, through the real entry point: the RL step
against a teacher-forced step on the same sequences, per thread count, the CPU named."""

import json

import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")

from thermo_rl.bench import cpu_model
from thermo_rl.cli import main


def test_bench_llm_rl_rows(capsys, monkeypatch):
    from thermo_rl.bench import llm_rl as bench

    monkeypatch.setitem(bench.SIZES, "quick", {"task": "pair-sum", "size": "tiny", "prompts": 4,
                                               "group": 2, "steps": 1, "repeat": 1,
                                               "threads": (1, 2), "pretrain_steps": 2})
    threads = torch.get_num_threads()
    assert main(["bench", "llm_rl", "--quick", "--json", "--no-progress"]) == 0
    assert torch.get_num_threads() == threads                  # restored after the run
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    for n, label, clock in ((1, "1 thread", "CPU seconds"), (2, "2 threads", "wall seconds")):
        ref, rl = rows[f"teacher-forced step, {label} (reference)"], rows[f"RL step, {label}"]
        assert ref["ratio"] is None and ref["value"] > 0 and rl["value"] > 0
        assert rl["ratio"] == pytest.approx(rl["value"] / ref["value"])
        assert f"{1 / rl['ratio']:.2f}x the teacher-forced step" in rl["note"]
        assert "8 sequences" in ref["note"] and "4 prompts x 2" in rl["note"]
        assert cpu_model() in rl["note"] and clock in rl["note"]
        try:
            import trl  # noqa: F401
        except ImportError:
            assert f"TRL GRPOTrainer step, {label}" not in rows
        else:
            t = rows[f"TRL GRPOTrainer step, {label}"]
            assert f"{rl['value'] / t['value']:.2f}x as long" in rl["note"]
