"""Tour act 5 (language model) in fast mode: it runs, prints measured numbers, draws."""

import pytest

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
    # pi* = pi_base e^(r/lambda)/Z multiplies every correct answer by the same factor: the
    # correct answers keep the base model's proportions, so its coverage is exactly the base's
    assert n["kl_penalty"] > 0
    assert n["kl_optimum"]["coverage"] == pytest.approx(n["base"]["coverage"], abs=1e-12)
    # KL(pi || pi*) measured before and after: a divergence, zero only at pi*
    assert n["kl_star_before"] > 0 and n["kl_star_after"] > 0
    assert n["pretrain_steps"] == 60 and n["rl_steps"] == 8
    # the crossover it prints is the package's rule (the base strictly ahead), never a tie
    cross = n["pass_at_k_crossover"]
    line = next(x for x in res.lines if x.startswith("RL, reward only"))
    if cross is None:
        assert "no pass@k crossover" in line
    else:
        assert f"ahead from k = {cross} on" in line
