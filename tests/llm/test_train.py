"""Pretraining: checkpoints resume bit for bit after Ctrl-C; damaged checkpoints get
one clear error and are never overwritten; RNG states are CPU byte tensors; the cache
of pretrained models reuses only an entry of this version with the same settings.

Bit-for-bit checks run on the CPU (device="cpu"): "auto" would pick a GPU where one is
present, whose kernels are not deterministic by default (the GPU twin below turns
deterministic algorithms on)."""

import os

import pytest
import torch

from thermo_rl import __version__
from thermo_rl.llm import train
from thermo_rl.llm._torch import deterministic
from thermo_rl.llm.train import CheckpointError, cached_pretrain, load_checkpoint, pretrain


def _same(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


def test_interrupted_and_resumed_run_equals_uninterrupted(tmp_path, monkeypatch):
    kw = {"size": "tiny", "steps": 8, "batch_size": 16, "seed": 3, "progress": False,
          "device": "cpu"}
    full = pretrain("pair-sum", **kw)
    real = train._batch
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 6:                       # Ctrl-C during step 6
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(train, "_batch", flaky)
    with pytest.raises(KeyboardInterrupt):
        pretrain("pair-sum", out=tmp_path, **kw)
    monkeypatch.setattr(train, "_batch", real)
    assert load_checkpoint(tmp_path, device="cpu").steps == 5
    resumed = pretrain("pair-sum", out=tmp_path, resume=True, **kw)
    assert resumed.history == full.history
    assert _same(resumed, full)
    again = load_checkpoint(tmp_path, device="cpu")
    assert again.steps == 8 and _same(again, full)


def test_checkpoint_every_writes_atomically(tmp_path):
    pretrain("pair-sum", size="tiny", steps=4, batch_size=8, device="cpu", out=tmp_path,
             checkpoint_every=2, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]   # no temp files left


def test_damaged_checkpoints_get_one_line_errors_and_stay(tmp_path):
    pretrain("pair-sum", size="tiny", steps=2, batch_size=8, device="cpu", out=tmp_path,
             progress=False)
    ck = tmp_path / "checkpoint.pt"
    data = ck.read_bytes()
    for damaged in (data[: len(data) // 2], b"not a checkpoint", b""):
        ck.write_bytes(damaged)
        with pytest.raises(CheckpointError, match="corrupt or truncated") as e:
            load_checkpoint(tmp_path, device="cpu")
        assert "\n" not in str(e.value)
        with pytest.raises(CheckpointError):
            pretrain("pair-sum", size="tiny", steps=4, batch_size=8, out=tmp_path, resume=True,
                     progress=False)
        assert ck.read_bytes() == damaged          # nothing overwritten
    torch.save({"format": "something else"}, ck)
    with pytest.raises(CheckpointError, match="not a thermo_rl"):
        load_checkpoint(ck, device="cpu")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing", device="cpu")


def test_resume_with_other_settings_is_refused(tmp_path):
    pretrain("pair-sum", size="tiny", steps=2, batch_size=8, device="cpu", out=tmp_path,
             progress=False)
    with pytest.raises(CheckpointError, match="different settings"):
        pretrain("pair-sum", size="tiny", steps=4, batch_size=16, out=tmp_path, resume=True,
                 progress=False)


def test_bad_arguments():
    with pytest.raises(ValueError, match="task"):
        pretrain("poems", steps=1)
    with pytest.raises(ValueError, match="CUDA"):
        if torch.cuda.is_available():
            pytest.skip("CUDA present")
        pretrain("pair-sum", size="tiny", steps=1, device="cuda")
    with pytest.raises(ValueError, match="checkpoint_every needs out"):
        pretrain("pair-sum", size="tiny", steps=1, checkpoint_every=1)


def test_rng_states_are_cpu_byte_tensors_and_the_version_is_recorded(tmp_path):
    # torch.set_rng_state takes a CPU ByteTensor only: the file holds exactly that (and,
    # after a run on a GPU, the CUDA generator's state too), whatever device loads it
    pretrain("pair-sum", size="tiny", steps=2, batch_size=8, out=tmp_path, progress=False,
             device="cpu")
    raw = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    rng = raw["rng"]
    assert rng["torch"].dtype == torch.uint8 and rng["torch"].device.type == "cpu"
    assert "cuda" not in rng                               # a CPU run has no CUDA state
    assert raw["version"] == raw["settings"]["version"] == __version__
    assert raw["settings"]["precision"] == "fp32"
    assert raw["config"]["n_layer"] == 2
    torch.set_rng_state(train._read(tmp_path / "checkpoint.pt")["rng"]["torch"])


def _rewrite(path, **changes):
    state = torch.load(path, weights_only=True)
    for key, value in changes.items():
        if key == "settings":
            state["settings"] = {**state["settings"], **value}
        else:
            state[key] = value
    torch.save(state, path)


def test_other_versions_warn_and_are_not_resumed(tmp_path):
    kw = {"size": "tiny", "steps": 2, "batch_size": 8, "progress": False, "device": "cpu"}
    pretrain("pair-sum", out=tmp_path, **kw)
    _rewrite(tmp_path / "checkpoint.pt", version="0.0.1", settings={"version": "0.0.1"})
    with pytest.warns(UserWarning, match="0.0.1"):
        assert load_checkpoint(tmp_path, device="cpu").settings["version"] == "0.0.1"
    with pytest.raises(CheckpointError, match="0.0.1") as e:
        pretrain("pair-sum", out=tmp_path, resume=True, **{**kw, "steps": 4})
    assert "\n" not in str(e.value)


def test_cached_pretrain_reuses_only_what_it_would_train(tmp_path):
    kw = {"size": "tiny", "steps": 3, "batch_size": 8, "progress": False, "device": "cpu",
          "seed": 2}
    ck = tmp_path / "checkpoint.pt"
    lines = []
    first = cached_pretrain(tmp_path, "pair-sum", log=lines.append, **kw)
    assert lines == [f"pretrained model cached at {ck}"]
    again = cached_pretrain(tmp_path, "pair-sum", log=lines.append, **kw)
    assert lines[-1] == f"using the cached pretrained model {ck}"
    assert again.history == first.history
    # other settings, another version, an unfinished run, a damaged file: retrained, one
    # line saying why, and the result equals a fresh run with these settings
    cases = [({}, {**kw, "seed": 3}, "seed: 2 -> 3"),
             ({"version": "0.0.1", "settings": {"version": "0.0.1"}}, kw, "thermo_rl 0.0.1"),
             ({"step": 1}, kw, "unfinished (1 of 3 steps)"),
             ({"settings": {"precision": "bf16"}}, kw, "precision: 'bf16' -> 'fp32'")]
    for change, args, why in cases:
        cached_pretrain(tmp_path, "pair-sum", **kw)
        if change:
            _rewrite(ck, **change)
        n = len(lines)
        res = cached_pretrain(tmp_path, "pair-sum", log=lines.append, **args)
        assert len(lines) == n + 2 and why in lines[n] and "pretraining again" in lines[n]
        assert all("\n" not in line for line in lines)
        assert res.history == pretrain("pair-sum", **args).history
    ck.write_bytes(b"junk")
    cached_pretrain(tmp_path, "pair-sum", log=lines.append, **kw)
    assert "corrupt or truncated" in lines[-2]
    assert load_checkpoint(tmp_path, device="cpu").steps == 3


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_resume_on_cuda_equals_the_uninterrupted_run(tmp_path):
    # the bug this guards: the CPU RNG state was loaded onto the GPU and set_rng_state raised
    kw = {"size": "tiny", "steps": 6, "batch_size": 16, "seed": 3, "progress": False,
          "device": "cuda"}
    with deterministic():
        full = pretrain("pair-sum", **kw)
        pretrain("pair-sum", out=tmp_path, **{**kw, "steps": 3})
        raw = torch.load(tmp_path / "checkpoint.pt", weights_only=True, map_location="cpu")
        assert raw["rng"]["cuda"].dtype == torch.uint8
        _rewrite(tmp_path / "checkpoint.pt", settings={"steps": 6})
        resumed = pretrain("pair-sum", out=tmp_path, resume=True, **kw)
    assert resumed.history == full.history and _same(resumed, full)


def test_deterministic_restores_the_settings(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    assert not torch.are_deterministic_algorithms_enabled()
    with deterministic():
        assert torch.are_deterministic_algorithms_enabled()
        assert not torch.is_deterministic_algorithms_warn_only_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    with deterministic(warn_only=True):
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    assert not torch.are_deterministic_algorithms_enabled()
    assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
