"""``thermo-rl free-energy`` through its real entry point (small sizes)."""

import importlib.util
import json

import pytest

from thermo_rl.cli import main

KEYS = ("ln_z", "ln_z_error", "ln_z_exact", "free_energy_per_spin", "seconds", "T", "seed")


def _json(capsys, argv):
    assert main(argv + ["--json", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


@pytest.mark.parametrize("argv", [
    ["--method", "ais", "--L", "8", "--chains", "16", "--steps", "400"],
    ["--method", "ti", "--L", "8", "--points", "9", "--sweeps", "200"],
    ["--method", "wl", "--L", "4", "--ln-f", "1e-4", "--runs", "4"],
    ["--system", "potts", "--q", "2", "--T", "1.0", "--L", "8", "--chains", "16",
     "--steps", "800"],
    ["--system", "bandit", "--method", "is", "--T", "0.3"],
    ["--system", "bandit", "--method", "ais", "--T", "0.3", "--chains", "500"],
])
def test_json_has_the_keys_and_the_exact_value_within_four_errors(capsys, argv):
    r = _json(capsys, ["free-energy"] + argv)
    for k in KEYS:
        assert k in r
    assert r["ln_z_exact"] is not None
    assert abs(r["ln_z"] - r["ln_z_exact"]) <= 4 * r["ln_z_error"]


@pytest.mark.skipif(importlib.util.find_spec("pymbar") is None, reason="pymbar not installed")
def test_mbar_json(capsys):
    r = _json(capsys, ["free-energy", "--method", "mbar", "--L", "8", "--points", "9",
                       "--sweeps", "200"])
    assert abs(r["ln_z"] - r["ln_z_exact"]) <= 4 * r["ln_z_error"]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
def test_llm_json(capsys):
    # the default model is an untrained tiny GPT (seeded by --seed): its exact ln Z is
    # recomputed here from the same model; accuracy is tested in tests/llm with a
    # pretrained one (an untrained model almost never answers correctly)
    from thermo_rl.llm.exact import answer_distribution
    from thermo_rl.llm.free_energy import exact_log_z
    from thermo_rl.llm.model import build_model
    from thermo_rl.llm.tokenizer import CharTokenizer

    r = _json(capsys, ["free-energy", "--system", "llm", "--method", "ais", "--T", "0.5",
                       "--chains", "50", "--steps", "5", "--prompt", "3", "--seed", "2"])
    assert r["system"] == "llm" and "pass_at_1" in r and r["prompt"] == "N=03:"
    tok = CharTokenizer()
    ref = answer_distribution(build_model("tiny", vocab_size=tok.vocab_size, seed=2),
                              "pair-sum", prompts=[3], tokenizer=tok)
    assert r["ln_z_exact"] == pytest.approx(exact_log_z(ref, 0.5)[0], rel=1e-9)


def test_text_output_and_dry_run(capsys):
    assert main(["free-energy", "--L", "8", "--chains", "8", "--steps", "100",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "ln Z =" in out and "exact" in out and "F per spin" in out
    r = _json(capsys, ["free-energy", "--method", "wl", "--L", "64", "--dry-run"])
    assert r["dry_run"] is True and r["ln_f_final"] == 1e-6 and r["runs"] == 8


@pytest.mark.parametrize("argv,needle", [
    (["--method", "is"], "does not apply"),
    (["--system", "bandit", "--method", "wl"], "does not apply"),
    (["--L", "7"], "--L"),
    (["--method", "wl", "--L", "66"], "--L"),
    (["--ln-f", "0"], "--ln-f"),
    (["--chains", "1"], "--chains"),
    (["--T", "-1"], "--T"),
    (["--system", "bandit", "--Q", "1,nan"], "Q"),
    (["--system", "bandit", "--algorithm", "sw"], "--algorithm"),
    (["--system", "llm", "--checkpoint", "/nonexistent"], "--checkpoint"),
])
def test_errors_one_line_exit_2_before_any_work(capsys, argv, needle):
    assert main(["free-energy", "--dry-run"] + argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_bench_free_energy_rows(capsys):
    from thermo_rl.bench import AREAS, run_bench
    from thermo_rl.physics.free_energy import WL_CHECK, allowed_levels

    assert "free_energy" in AREAS
    rows = run_bench(["free_energy"], quick=True, progress=False)
    names = [r.name for r in rows]
    assert any("ln f<=1e-6" in n for n in names) and any("ln f<=1e-8" in n for n in names)
    proj = next(r for r in rows if "1e-8" in r.name)
    # the 1/t schedule stops after exactly levels / ln f moves (rounded to the check interval)
    moves = int(allowed_levels(8, 2).sum() / 1e-8 // WL_CHECK * WL_CHECK)
    assert f"{moves} moves" in proj.note
    ais = next(r for r in rows if r.name.startswith("ais"))
    assert "Kaufman" in ais.note and ais.value > 0
