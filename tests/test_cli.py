import json
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
    (["levels", "--seed", "-3"], "seed"),
    (["nonsense"], "invalid choice"),
])
def test_errors_are_one_line_with_status_2(capsys, argv, needle):
    with pytest.raises(SystemExit) if argv[0] == "nonsense" or "1:2:x" in argv else _noop():
        code = main(argv)
        assert code == 2
    out, err = capsys.readouterr()
    assert needle in err and len(err.strip().splitlines()) == 1 and out == ""


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


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
