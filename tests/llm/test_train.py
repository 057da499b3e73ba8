"""Pretraining: checkpoints resume bit for bit after Ctrl-C; damaged checkpoints get
one clear error and are never overwritten."""

import pytest
import torch

from thermo_rl.llm import train
from thermo_rl.llm.train import CheckpointError, load_checkpoint, pretrain


def _same(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


def test_interrupted_and_resumed_run_equals_uninterrupted(tmp_path, monkeypatch):
    kw = dict(size="tiny", steps=8, batch_size=16, seed=3, progress=False)
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
    pretrain("pair-sum", size="tiny", steps=4, batch_size=8, out=tmp_path, checkpoint_every=2,
             progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]   # no temp files left


def test_damaged_checkpoints_get_one_line_errors_and_stay(tmp_path):
    pretrain("pair-sum", size="tiny", steps=2, batch_size=8, out=tmp_path, progress=False)
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
    pretrain("pair-sum", size="tiny", steps=2, batch_size=8, out=tmp_path, progress=False)
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
