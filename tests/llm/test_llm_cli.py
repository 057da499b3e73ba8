"""`thermo-rl llm pretrain|sample` through the real entry point: JSON, text, one-line errors."""

import json

import pytest

from thermo_rl.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("pt")
    assert main(["llm", "pretrain", "--task", "pair-sum", "--size", "tiny", "--steps", "20",
                 "--batch-size", "16", "--out", str(d), "--no-progress", "--json"]) == 0
    return d


def test_pretrain_json_and_files(checkpoint, capsys):
    code, out, _err = _run(capsys, "llm", "pretrain", "--task", "pair-sum", "--size", "tiny",
                          "--steps", "3", "--batch-size", "8", "--json", "--no-progress")
    assert code == 0
    r = json.loads(out)
    assert r["steps"] == 3 and r["task"] == "pair-sum" and r["checkpoint"] is None
    assert 0.0 <= r["base"]["pass@1"] <= 1.0 and set(r["base"]["pass@k"]) == {"1", "8", "64"}
    assert (checkpoint / "checkpoint.pt").exists() and (checkpoint / "pretrain_loss.png").exists()


def test_sample_text_and_json(checkpoint, capsys):
    code, out, _ = _run(capsys, "llm", "sample", "--checkpoint", str(checkpoint), "--n", "6",
                        "--prompt", "N=09:", "--decoding", "top-k:3", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 6
    assert all(r["prompt"] == "N=09:" and r["decoding"] == "top-k:3" for r in rows)
    assert all(r["reward"] == float(len(r["answer"]) == 3 and r["answer"][1] == "+"
                                    and int(r["answer"][0]) + int(r["answer"][2]) == 9)
               for r in rows)
    code, out, _ = _run(capsys, "llm", "--seed", "1", "sample", "--checkpoint", str(checkpoint),
                        "--n", "4")
    assert code == 0 and "4 samples of N=09:" in out


@pytest.mark.parametrize("argv,msg", [
    (["llm", "sample", "--checkpoint", "/nonexistent/dir"], "no checkpoint"),
    (["llm", "sample", "--decoding", "top-q:3"], "unknown decoding method"),
    (["llm", "sample", "--n", "0"], "--n"),
    (["llm", "pretrain", "--task", "poems"], "invalid choice"),
    (["llm", "pretrain", "--resume"], "--resume needs --out"),
    (["llm"], "required"),
])
def test_bad_input_is_one_line_exit_2(argv, msg, capsys, checkpoint):
    if argv[:2] == ["llm", "sample"] and "--checkpoint" not in argv:
        argv = argv + ["--checkpoint", str(checkpoint)]
    try:
        code = main(argv)
    except SystemExit as e:          # argparse errors
        code = e.code
    _, err = capsys.readouterr()
    assert code == 2
    assert msg in err and len(err.strip().splitlines()) == 1


def test_corrupt_checkpoint_is_one_line(tmp_path, capsys):
    (tmp_path / "checkpoint.pt").write_bytes(b"garbage")
    code, _, err = _run(capsys, "llm", "sample", "--checkpoint", str(tmp_path))
    assert code == 2 and "corrupt or truncated" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "checkpoint.pt").read_bytes() == b"garbage"


def test_selftrain_json(checkpoint, capsys, tmp_path):
    code, out, _ = _run(capsys, "llm", "selftrain", "--checkpoint", str(checkpoint),
                        "--generations", "1", "--n", "4", "--steps", "2", "--mode", "filtered",
                        "--out", str(tmp_path), "--json", "--no-progress")
    r = json.loads(out)
    assert code == 0 and r["mode"] == "filtered" and len(r["history"]) == 2
    assert r["history"][0]["heterozygosity"] == r["theory_heterozygosity"][0]
    assert (tmp_path / "llm_selftrain.png").exists()


@pytest.mark.parametrize("argv,msg", [
    (("compare", "--lr", "-1"), "lr"), (("compare", "--lr", "nan"), "lr"),
    (("compare", "--group", "1"), "group"), (("compare", "--kl-penalty", "-0.5"), "kl_penalty"),
    (("compare", "--controls", "none,clip-cov:huge"), "clip-cov:huge"),
    (("rl", "--control", "clip-cov", "--control-arg", "ratio=7"), "ratio"),
    (("rl", "--steps", "100000000000"), "steps"),
    (("pretrain", "--steps", "100000000000"), "steps"),
    (("sample", "--decoding", "temperature:1e-320"), "temperature"),
])
def test_every_flag_is_checked_before_any_pretraining(argv, msg, tmp_path, capsys):
    """Bad RL, pretraining or decoding flags: one line, exit 2, and no model was trained
    (nothing cached under --out)."""
    rc = main(["llm", *argv, "--out", str(tmp_path), "--size", "tiny", "--task", "pair-sum"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and msg in err and len(err.splitlines()) == 1
    assert not (tmp_path / "models").exists()


def test_dry_run_prints_the_configs_with_their_presets(capsys):
    rc = main(["llm", "compare", "--dry-run", "--json", "--controls", "none,clip-cov:paper"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["dry_run"]
    paper = d["configs"]["clip-cov:paper"]
    assert paper["scale_rewards"] == "group"            # the paper's run setting
    assert paper["control_resolved"] == {"name": "clip-cov", "preset": "paper",
                                         "params": {"ratio": 0.0002, "lb": 1.0, "ub": 5.0}}
    assert d["configs"]["none"]["version"] == "0.2.0"
