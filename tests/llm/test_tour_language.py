"""Tour act 5 (language model) in fast mode: it runs, prints measured numbers, draws."""

from thermo_rl.tour import run_tour


def test_tour_language_act_fast(tmp_path):
    (res,) = run_tour(tmp_path, fast=True, acts=["language"], progress=False)
    n = res.numbers
    assert res.figures and (tmp_path / "act5_language.png").exists()
    assert 0.0 <= n["base"]["pass@1"] <= 1.0 and 0.0 <= n["none"]["coverage"] <= 1.0
    # the exact KL-regularized optimum: more correct than the base model, every answer kept
    assert n["kl_optimum"]["pass@1"] > n["base"]["pass@1"]
    assert res.curve is not None and len(res.curve.ys) == 2
    assert any("pass@1" in line for line in res.lines)
