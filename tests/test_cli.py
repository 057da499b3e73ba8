import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from thermo_rl.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_through_the_installed_entry_point():
    exe = Path(sys.executable).parent / "thermo-rl"     # the console script pip installed
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "thermo_rl"]
    out = subprocess.run(cmd + ["--version"], capture_output=True, text=True, check=True).stdout
    from thermo_rl import __version__
    assert out.strip() == f"thermo-rl {__version__}"


def test_levels_json_is_one_object_with_exact_values(capsys):
    code, out, _err = run_cli(capsys, "levels", "--energies", "0,1", "--T", "1", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["mean_energy"][0] == pytest.approx(1 / (np.e + 1))
    assert d["free_energy"][0] == pytest.approx(-np.log(1 + np.exp(-1)))
    assert d["objective_J"][0] == pytest.approx(-d["free_energy"][0])


def test_levels_table_and_figure(capsys, tmp_path):
    code, out, _err = run_cli(capsys, "levels", "--energies", "0,1,2", "--g", "1,2,1",
                             "--T", "0.5:2:4", "--out", str(tmp_path))
    assert code == 0 and "F=U-TS" in out and (tmp_path / "levels.png").exists()
    assert len(out.strip().splitlines()) == 1 + 4 + 1


@pytest.mark.parametrize("argv,needle", [
    (["levels", "--T", "-1"], "--T"),
    (["levels", "--energies", "0,nan"], "energies"),
    (["levels", "--energies", "0,1", "--g", "1"], "degeneracy"),
    (["levels", "--T", "1:2:x"], "start:stop:count"),
    (["levels", "--T", "1:2:1000000000000"], "count"),
    (["levels", "--seed", "-3"], "--seed"),
    (["levels", "--energies", "1e308,-1e308"], "overflows"),
    (["nonsense"], "invalid choice"),
    (["ising", "--algorithm", "dragons"], "invalid choice"),
    (["ising", "--L", "3", "--sweeps", "64"], "even"),
    (["ising", "--device", "torch", "--algorithm", "wolff", "--sweeps", "64"], "Metropolis"),
    (["bench", "dragons"], "invalid choice"),
])
def test_errors_are_one_line_with_status_2(capsys, argv, needle):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and out == ""
    assert "Traceback" not in err


def test_help_and_version_return_0(capsys):
    assert main(["--help"]) == 0
    assert main(["--version"]) == 0
    assert main(["levels", "--help"]) == 0
    assert main([]) == 2             # no subcommand: the help on stderr, usage error


def test_choices_come_from_the_library(capsys):
    from thermo_rl.bandits import ENVS
    from thermo_rl.cli import build_parser
    from thermo_rl.physics.ising import ALGORITHMS

    sub = build_parser()._subparsers._group_actions[0].choices
    alg = next(a for a in sub["ising"]._actions if a.dest == "algorithm")
    env = next(a for a in sub["bandit"]._actions if a.dest == "env")
    assert tuple(alg.choices) == ALGORITHMS and tuple(env.choices) == ENVS


def test_levels_extreme_energies_give_finite_json_or_null(capsys):
    code, out, err = run_cli(capsys, "levels", "--energies", "1e300,-1e300", "--T",
                             "0:1e300:3", "--json")
    assert code == 0 and "Warning" not in err
    d = json.loads(out)                          # strict JSON: no NaN/Infinity tokens
    assert d["mean_energy"][0] == -1e300 and d["probabilities"][0] == [0.0, 1.0]
    assert all(x is None or np.isfinite(x) for x in d["free_energy"])


def test_json_is_strict_nonfinite_becomes_null():
    from thermo_rl.cli import dumps

    text = dumps({"a": np.array([1.0, np.inf, -np.inf, np.nan]), "b": float("inf")})
    assert json.loads(text) == {"a": [1.0, None, None, None], "b": None}
    assert "inf" not in text.lower() and "nan" not in text.lower()


def test_out_is_checked_before_computing(capsys, tmp_path, monkeypatch):
    from thermo_rl import gibbs

    called = []
    monkeypatch.setattr(gibbs, "thermodynamics", lambda *a, **k: called.append(1))
    afile = tmp_path / "a_file"
    afile.write_text("x")
    code, out, err = run_cli(capsys, "levels", "--out", str(afile))
    assert code == 2 and "is a file" in err and out == "" and not called
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):          # (root can write anywhere)
            code, out, err = run_cli(capsys, "levels", "--out", str(locked / "sub"))
            assert code == 2 and "not a writable folder" in err and not called
    finally:
        locked.chmod(0o700)


def test_a_failed_save_still_prints_the_result(capsys, tmp_path, monkeypatch):
    import thermo_rl.viz._common as vc

    def broken(fig, path, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken)
    code, out, err = run_cli(capsys, "levels", "--T", "1", "--out", str(tmp_path), "--json")
    assert code == 2
    d = json.loads(out)
    assert d["mean_energy"][0] == pytest.approx(1 / (np.e + 1)) and d["figure"] is None
    assert "could not save" in err and "No space left" in err
    assert len(err.strip().splitlines()) == 1
    assert vc.save_figure                     # the library's saver, shared with the tour


def test_bugs_are_not_usage_errors(capsys, monkeypatch):
    import thermo_rl.cli.levels as lv

    def buggy(args):
        return {}["missing"]                   # a KeyError is a bug, not bad input

    monkeypatch.setattr(lv, "run", buggy)
    code, _out, err = run_cli(capsys, "levels")
    assert code == 1 and "internal error" in err and "--traceback" in err
    assert len(err.strip().splitlines()) == 1
    code, _out, err = run_cli(capsys, "levels", "--traceback")
    assert code == 1 and "Traceback" in err and "KeyError" in err


def test_ctrl_c_in_a_scan_prints_the_finished_points(capsys, monkeypatch):
    from thermo_rl._validation import checking, checks_input
    from thermo_rl.physics import ising

    real = ising.simulate
    calls = []

    @checks_input
    def interrupted_at_third(*a, **k):
        if not checking():                 # the flags' check before the scan is no call
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(ising, "simulate", interrupted_at_third)
    code, out, err = run_cli(capsys, "ising", "--L", "4", "--T", "1:3:5", "--sweeps", "64",
                             "--no-progress", "--json")
    assert code == 130 and "2 of 5 temperatures" in err
    d = json.loads(out)
    assert d["interrupted"] is True and [p["T"] for p in d["points"]] == [1.0, 1.5]


def test_tour_fast_atoms_act(capsys, tmp_path):
    code, out, _err = run_cli(capsys, "tour", "--fast", "--acts", "atoms", "--out", str(tmp_path),
                             "--json")
    assert code == 0
    d = json.loads(out)
    act = d["acts"][0]
    assert act["numbers"]["max_deviation"][-1] < 1e-3
    assert (tmp_path / "act1_atoms.png").exists() and (tmp_path / "tour_summary.png").exists()


def test_tour_rejects_unknown_act(capsys, tmp_path):
    code, _out, err = run_cli(capsys, "tour", "--acts", "dragons", "--out", str(tmp_path))
    assert code == 2 and "dragons" in err


# -- issue 23: missing values, printing inside the error handling, library bugs, --dry-run --

def _null_numbers(x):
    """Every float of a result replaced by None (how NaN and inf reach a renderer)."""
    if isinstance(x, dict):
        return {k: _null_numbers(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_null_numbers(v) for v in x]
    if isinstance(x, float):
        return None
    return x


RESULTS_OF = {       # cheap real runs whose JSON feeds the renderers
    "levels": ["levels", "--T", "0.5:2:3"],
    "ising": ["ising", "--L", "4", "--sweeps", "32", "--burn-in", "4", "--T", "2", "--exact"],
    "potts": ["potts", "--L", "4", "--sweeps", "32", "--burn-in", "4", "--exact"],
    "anneal": ["anneal", "--problem", "sk", "--n", "8", "--sweeps", "4", "--runs", "1"],
    "bandit": ["bandit", "--runs", "2", "--steps", "8", "--policy", "greedy,pg", "--env",
               "equal-best"],
    "free-energy": ["free-energy", "--system", "bandit", "--method", "is", "--samples", "64"],
    "controls": ["controls"],          # a table of parameters: no measured number to miss
}
HAND_MADE = {        # the renderers of subcommands too slow to run here
    "bench": {"rows": [{"area": "ising", "name": "metropolis", "value": 1.0, "unit": "flips/ns",
                        "ratio": 2.0, "reference": "numpy", "note": ""}]},
    "tour": {"out": "tour_out", "seed": 0, "acts": [], "seconds": 1.0},
    "sweep": {"simulator": "ising", "out": "o", "points": 2, "done_before": 0, "ran": 2,
              "failed": 0, "seconds": 1.5, "scheduler": "joblib", "workers": 1,
              "dashboard": None, "errors": [], "table_rows": 2, "figures": []},
}


def _renderers():
    """Every subcommand module (and llm action) with a render(), read from the parser."""
    from thermo_rl.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices
    return sorted(name for name, p in sub.items()
                  if hasattr(p.get_default("_module"), "render") and name != "llm")


def test_every_renderer_is_checked_here():
    """A new subcommand's renderer needs a cheap result below (RESULTS_OF or HAND_MADE)."""
    assert set(_renderers()) <= set(RESULTS_OF) | set(HAND_MADE)


@pytest.mark.parametrize("name", sorted(RESULTS_OF) + sorted(HAND_MADE))
def test_every_renderer_prints_a_dash_for_a_missing_number(name, capsys):
    import importlib

    module = importlib.import_module(f"thermo_rl.cli.{name.replace('-', '_')}")
    if name in RESULTS_OF:
        code, out, err = run_cli(capsys, *RESULTS_OF[name], "--no-progress", "--json")
        assert code == 0, err
        result = json.loads(out)
    else:
        result = HAND_MADE[name]
    assert module.render(result)                           # with the numbers
    text = module.render(_null_numbers(result))            # without any
    assert text and (name == "controls" or " -" in text or text.startswith("-"))


def test_a_temperature_whose_inverse_overflows_is_refused_and_a_tiny_one_renders(capsys):
    for cmd in ("ising", "potts"):
        code, out, err = run_cli(capsys, cmd, "--L", "4", "--T", "1e-320")
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert "beta = 1/T must be finite" in err
    # T = 1e-300 is frozen: E/N = -2 (every bond satisfied), C = 0 (not inf * 0 = NaN)
    code, out, err = run_cli(capsys, "ising", "--L", "4", "--sweeps", "32", "--T", "1e-300",
                             "--no-progress", "--json")
    assert code == 0, err
    p = json.loads(out)["points"][0]
    assert (p["energy_per_spin"], p["heat_capacity"], p["abs_m"]) == (-2.0, 0.0, 1.0)


def test_a_value_error_inside_a_library_call_is_a_bug_not_a_usage_error(capsys, monkeypatch):
    from thermo_rl.cli import levels
    from thermo_rl.errors import UserError

    def raises(exc):
        def f(*a, **k):
            raise exc
        return f

    monkeypatch.setattr(levels, "thermodynamics", raises(ValueError("math domain error")))
    code, out, err = run_cli(capsys, "levels")
    assert code == 1 and out == "" and "internal error" in err and "ValueError" in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setattr(levels, "thermodynamics", raises(UserError("energies must be ...")))
    code, out, err = run_cli(capsys, "levels")
    assert code == 2 and err.strip() == "thermo-rl levels: error: energies must be ..."


def test_printing_is_inside_the_error_handling(capsys, monkeypatch):
    from thermo_rl.cli import levels

    def broken(result):
        return f"{None:8.3f}"                            # the bug of issue 23

    monkeypatch.setattr(levels, "render", broken)
    code, out, err = run_cli(capsys, "levels")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert "internal error" in err and "TypeError" in err


def test_dry_run_checks_every_flag_and_runs_nothing(capsys, monkeypatch, tmp_path):
    from thermo_rl.physics import ising

    def no_work(*a, **k):
        raise AssertionError("the dry run started the simulation")

    monkeypatch.setattr(ising, "IsingSampler", no_work)
    out_dir = tmp_path / "figs"
    code, out, err = run_cli(capsys, "ising", "--T", "1:3:5", "--sweeps", "100000",
                             "--out", str(out_dir), "--dry-run", "--json")
    assert code == 0, err
    assert json.loads(out) == {"dry_run": True, "L": 16, "temperatures": 5, "sweeps": 100000}
    assert not out_dir.exists()                            # --out checked, not created
    # a later temperature of a scan is bad (1, 0, -1): refused before the first one runs
    # (the simulation would fail the test: IsingSampler is still replaced)
    code, out, err = run_cli(capsys, "ising", "--T=1:-1:3", "--sweeps", "64", "--L", "4")
    assert code == 2 and "must be > 0, got 0.0" in err and out == ""
