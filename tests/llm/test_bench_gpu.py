"""`thermo-rl bench gpu`: without CUDA, named it stops with one line (exit 2) and in a
plain `thermo-rl bench` it is one row saying why; its measurements run on the CPU at toy
sizes (the same code, no compile) so that the GPU run has nothing left to discover but
the GPU; on a GPU, the real thing (marked gpu)."""

import json

import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")

from thermo_rl import bench
from thermo_rl.bench import gpu
from thermo_rl.cli import main

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


@no_cuda
def test_named_without_cuda_is_one_line_and_exit_2(capsys):
    for argv in (["bench", "gpu"], ["bench", "levels", "gpu", "--json"]):
        rc = main(argv)
        cap = capsys.readouterr()
        assert rc == 2 and cap.out == ""        # levels did not run first: checked up front
        assert len(cap.err.strip().splitlines()) == 1
        assert "bench gpu needs a CUDA device" in cap.err


@no_cuda
def test_plain_bench_skips_it_with_a_row(capsys, monkeypatch):
    monkeypatch.setattr(bench, "AREAS", ("gpu",))          # all areas = this one, here
    rc = main(["bench", "--json", "--no-progress"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rc == 0 and len(rows) == 1
    (row,) = rows
    assert row["area"] == "gpu" and row["value"] is None and row["ratio"] is None
    assert "CUDA" in row["note"] and row["name"] == "skipped: gpu"
    assert main(["bench", "--no-progress"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_the_measurements_run_on_the_cpu_at_toy_sizes():
    s = {"size": "tiny", "steps": 4, "prompts": 4, "group": 2, "rl_steps": 2, "L": 16,
         "replicas": 2, "sweeps": 32, "compile": False}
    rows = {r.name: r for r in gpu.measure(s, seed=0, device="cpu")}
    assert all(r.area == "gpu" for r in rows.values())
    assert all(r.value > 0 and r.seconds > 0 for r in rows.values()), rows
    kv = rows["generate, KV cache"]
    assert kv.ratio == pytest.approx(kv.value / rows["generate, no KV cache (reference)"].value)
    assert "generate, KV cache, num_samples=2 (one prefill a prompt)" in rows
    assert "bit for bit equal to the uninterrupted run: yes" in \
        rows["pretrain resumed from a checkpoint"].note
    ising = rows["ising: torch checkerboard metropolis, cpu"]
    assert ising.ratio is not None and "Onsager" in ising.note
    assert set(rows) >= {"pretrain, eager, fp32 (reference)",
                         "exact scoring (fp32, KV-cache tree)",
                         "2 RL steps (finetune, control none)"}


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_bench_gpu_quick_on_cuda(capsys):
    assert main(["bench", "gpu", "--quick", "--json", "--no-progress"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert "yes" in rows["pretrain resumed from a checkpoint"]["note"]
    assert rows["generate, KV cache"]["ratio"] > 1


def test_a_failing_part_is_one_row_and_the_others_run(monkeypatch):
    from thermo_rl.bench import BenchRow

    def boom(*a):
        raise RuntimeError("CUDA error: an illegal memory access\nsecond line")

    ok = [BenchRow("gpu", "fine", 1.0, "x", "-", None, 1.0)]
    monkeypatch.setattr(gpu, "_pretraining", lambda *a: ok)
    monkeypatch.setattr(gpu, "_sampling", boom)
    monkeypatch.setattr(gpu, "_rl_and_resume", lambda *a: ok)
    monkeypatch.setattr(gpu, "_ising", lambda *a: ok)
    rows = gpu.measure(gpu.SIZES["quick"], device="cpu")
    assert [r.name for r in rows] == ["fine", "failed: sampling", "fine", "fine"]
    assert rows[1].value is None
    assert rows[1].note == "RuntimeError: CUDA error: an illegal memory access; cpu"
