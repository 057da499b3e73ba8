"""Entry points on a tiny budget: thermo-rl anneal, bench anneal, the tour act."""

import json

import pytest

from thermo_rl.cli import main


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_anneal_json_and_figure(capsys, tmp_path):
    rc, out, _ = _run(capsys, "anneal", "--problem", "eil51", "--sweeps", "300", "--runs", "2",
                      "--json", "--out", str(tmp_path))
    assert rc == 0
    r = json.loads(out)
    assert r["optimum"] == 426 and r["best_length"] >= 426
    assert r["gap"] == pytest.approx(r["best_length"] / 426 - 1)
    assert r["sweeps"] == 300 and r["seconds"] > 0 and len(r["tour"]) == 51
    assert (tmp_path / "anneal_eil51.png").exists()


@pytest.mark.parametrize("argv", [
    ("--problem", "sk", "--n", "16", "--sweeps", "50"),
    ("--problem", "ea", "--n", "16", "--sweeps", "50", "--schedule", "geometric:3:0.1"),
    ("--problem", "rastrigin", "--n", "3", "--sweeps", "50",
     "--schedule", "target-acceptance:5:0.3"),
    ("--problem", "maxcut", "--n", "10", "--sweeps", "50", "--schedule", "reheat:3:0.1:2",
     "--restart"),
])
def test_cli_anneal_other_problems(capsys, argv):
    rc, out, _ = _run(capsys, "anneal", *argv, "--json")
    assert rc == 0
    r = json.loads(out)
    assert "energy_per_variable" in r


def test_cli_anneal_tsp_file_and_text_output(capsys, tmp_path):
    p = tmp_path / "five.tsp"
    p.write_text("NAME: five\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                 "NODE_COORD_SECTION\n1 0 0\n2 0 10\n3 10 10\n4 10 0\n5 5 -3\nEOF\n")
    rc, out, _ = _run(capsys, "anneal", "--problem", str(p), "--sweeps", "100")
    assert rc == 0 and "five: best" in out


@pytest.mark.parametrize("argv,msg", [
    (("--problem", "nosuch"), "unknown problem"),
    (("--problem", "sk", "--n", "2"), "n must be"),
    (("--problem", "eil51", "--runs", "0"), "--runs"),
    (("--problem", "eil51", "--schedule", "geometric:1"), "parameter"),
    (("--problem", "eil51", "--n", "10"), "does not apply"),
    (("--problem", "missing/file.tsp"), "not found"),
])
def test_cli_anneal_errors(capsys, argv, msg):
    rc, out, err = _run(capsys, "anneal", *argv, "--sweeps", "5")
    assert rc == 2 and out == ""
    assert msg in err and len(err.strip().splitlines()) == 1


def test_bench_anneal_spin_rows_or_skip_message(capsys, monkeypatch):
    from thermo_rl.bench import anneal as bench

    monkeypatch.setattr(bench, "_have_dwave", lambda: False)
    rows = bench._spin_rows(True, 0, False)
    assert "skipped" in rows[0].note
    assert "dwave-samplers is not installed" in capsys.readouterr().err
    rows = bench._tsp_rows(True, 0, False)
    assert all("gap" in r.note for r in rows)


def test_bench_anneal_vs_dwave_when_installed(monkeypatch):
    pytest.importorskip("dwave.samplers")
    from thermo_rl.anneal import SK
    from thermo_rl.bench import anneal as bench

    rows = bench._dwave_rows(SK(16, seed=0), "sk16", 20, 4, 0)
    assert rows[0].ratio > 0 and rows[1].ratio is None


def test_tour_act(tmp_path):
    from thermo_rl.tour import TourContext
    from thermo_rl.tour.annealing import run

    res = run(TourContext(out=tmp_path, seed=0, fast=True, progress=False))
    assert res.curve is not None and len(res.curve.x) == len(res.numbers["scan_sweeps"])
    assert res.numbers["optimum"] == 426
    assert res.numbers["slow_anneal_best_length"] >= 426
    assert all(p.endswith(".png") for p in res.figures)
    assert any("quench" in line for line in res.lines)
