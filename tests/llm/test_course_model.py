"""The course's shipped base model: the file is the one recorded, and its exact answer
distribution is what the module's docstring states."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from thermo_rl.llm import course
from thermo_rl.llm.train import CheckpointError


@pytest.fixture(scope="module")
def pre():
    return course.base_model()


def test_settings_match_the_recorded_command(pre):
    s = pre.settings
    assert (s["task"], s["size"], s["steps"], s["batch_size"], s["seed"]) == \
        ("pair-sum", "tiny", 3000, 128, 0)
    for flag in ("--task pair-sum", "--size tiny", "--steps 3000", "--batch-size 128",
                 "--seed 0"):
        assert flag in course.BASE_COMMAND
    assert s["version"]                      # the version that wrote it is recorded
    assert pre.model.num_parameters() == 100_672


def test_exact_metrics_as_documented(pre):
    # exact enumeration over every answer of every prompt (deterministic up to fp32
    # rounding, far below the 3 decimals the docstring prints)
    m = pre.distribution().metrics()
    assert m["pass@1"] == pytest.approx(0.553, abs=5e-4)
    assert m["coverage"] == pytest.approx(1.0, abs=5e-4)
    assert m["answer_entropy"] == pytest.approx(2.792, abs=5e-4)
    assert m["pass@1"] < 0.6                 # below the corpus's share of correct answers


def test_better_than_uniform_guessing_on_every_prompt(pre):
    task = pre.task
    d = pre.distribution()
    uniform = np.asarray(task.n_correct, float) / len(task.answers)
    assert np.all(d.pass_at_1() > uniform)


def test_a_changed_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "pair_sum_tiny.pt"
    shutil.copy(course.BASE_PATH, bad)
    with open(bad, "r+b") as f:
        f.seek(-10, 2)
        byte = f.read(1)
        f.seek(-10, 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(course, "BASE_PATH", bad)
    with pytest.raises(CheckpointError, match="SHA-256"):
        course.base_model()
    monkeypatch.setattr(course, "BASE_PATH", tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="missing"):
        course.base_model()
