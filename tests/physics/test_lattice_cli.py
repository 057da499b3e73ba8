"""Smoke tests of the real entry points: thermo-rl ising / potts, bench ising, tour magnet."""

import json

import pytest

from thermo_rl.cli import main
from thermo_rl.physics import exact as ex


def run_json(capsys, argv):
    assert main(argv + ["--json", "--no-progress"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_ising_json_with_exact_and_figures(capsys, tmp_path):
    d = run_json(capsys, ["ising", "--L", "4", "--T", "2.0:3.0:2", "--sweeps", "4000",
                          "--algorithm", "heatbath", "--exact", "--out", str(tmp_path)])
    assert len(d["points"]) == 2 and len(d["figures"]) == 2
    for p in d["points"]:
        x = p["exact"]
        assert x["kaufman_energy_per_spin"] == pytest.approx(x["enumeration_energy_per_spin"])
        assert abs(p["energy_per_spin"] - x["kaufman_energy_per_spin"]) \
            <= 4 * p["energy_per_spin_error"]
        assert p["energy_per_spin_tau_int"] >= 0.5 and p["flips_per_ns"] > 0
    assert d["points"][0]["exact"]["Tc"] == pytest.approx(ex.TC)


def test_potts_json(capsys):
    d = run_json(capsys, ["potts", "--L", "8", "--q", "3", "--T", "0.9", "--sweeps", "500",
                          "--algorithm", "wolff", "--exact"])
    assert d["exact"]["Tc"] == pytest.approx(ex.potts_tc(3))
    assert {"energy_per_spin", "heat_capacity_error", "abs_m_tau_int"} <= set(d["points"][0])


def test_text_output(capsys):
    assert main(["ising", "--L", "8", "--sweeps", "200", "--exact", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Kaufman" in out and "flips/ns" in out


@pytest.mark.parametrize("argv, msg", [
    (["ising", "--L", "7"], "even"), (["ising", "--L", "1"], "--L"),
    (["ising", "--T", "-1"], "T"), (["ising", "--algorithm", "nope"], "algorithm"),
    (["potts", "--q", "1"], "--q"), (["potts", "--algorithm", "msc"], "algorithm"),
])
def test_bad_input_exits_2(capsys, argv, msg):
    assert main(argv + ["--sweeps", "100", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1


def test_bench_ising_quick(capsys):
    d = run_json(capsys, ["bench", "ising", "--quick"])
    rows = {r["name"]: r for r in d["rows"]}
    assert rows["numpy checkerboard metropolis"]["ratio"] is None
    assert all(r["value"] > 0 for r in d["rows"])
    assert any("multi-spin" in n for n in rows)
    assert d["machine"]["cpu"] and d["machine"]["threads"] >= 1      # the table names the CPU
    ind = {n.split(": ")[1].split(" ")[0]: r for n, r in rows.items()
           if n.startswith("independent samples at Tc")}
    assert set(ind) == {"metropolis", "heatbath", "msc", "wolff", "sw"}
    assert ind["metropolis"]["ratio"] is None and ind["wolff"]["reference"] == "metropolis"
    assert all(r["unit"] == "indep_samples_per_s" and r["value"] > 0 for r in ind.values())


def test_tour_magnet_fast(tmp_path):
    from thermo_rl.tour import run_tour

    (res,) = run_tour(tmp_path, fast=True, acts=["magnet"], progress=False)
    assert res.curve is not None and "F/N = U/N - T S/N" in res.curve.ys
    assert res.numbers["Tc"] == pytest.approx(ex.TC)
    assert (tmp_path / "act2_magnet.png").exists()
