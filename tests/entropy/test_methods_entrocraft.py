"""Entrocraft (Li et al., 2026): the scheduled band of the public code (linear, cosine,
constant), the sign rejection on each side of it (hand-computed), the relative band of
the toy preset, bad parameters, and the schedule study's table."""

import math

import numpy as np
import pytest

from thermo_rl.entropy import Context, make_control
from thermo_rl.entropy.methods.entrocraft import band_schedule
from thermo_rl.entropy.schedule_study import entrocraft_schedules
from thermo_rl.errors import UserError

A = np.array([[1.0, -1.0, 0.5, -0.5, 0.0]])


def test_band_schedules_are_the_codes():
    # grpo_range_linear with the paper's run: lower 0.6 -> 0.4, upper 0.7 -> 0.5
    assert band_schedule(0, 100) == (0.6, 0.7)
    assert band_schedule(25, 100) == pytest.approx((0.55, 0.65))
    assert band_schedule(100, 100) == pytest.approx((0.4, 0.5))
    # grpo_range_cos: progress (1 - cos(pi t / T)) / 2
    p = 0.5 * (1 - math.cos(math.pi * 0.25))
    assert band_schedule(25, 100, shape="cosine") == pytest.approx((0.6 - 0.2 * p, 0.7 - 0.2 * p))
    # grpo_range: a constant band
    assert band_schedule(70, 100, (0.5, 0.5), (0.5, 0.5)) == (0.5, 0.5)


def test_rejects_negative_advantages_above_the_band_positive_below():
    c = make_control("entrocraft", preset="paper")          # band at step 50/100: [0.5, 0.6]
    ctx = Context(step=50, steps=100)
    ctx.token_entropy = 0.65
    np.testing.assert_array_equal(c.advantages(A, None, None, ctx), [[1, 0, 0.5, 0, 0]])
    ctx.token_entropy = 0.45
    np.testing.assert_array_equal(c.advantages(A, None, None, ctx), [[0, -1, 0, -0.5, 0]])
    ctx.token_entropy = 0.55
    np.testing.assert_array_equal(c.advantages(A, None, None, ctx), A)
    torch = pytest.importorskip("torch")
    ctx.token_entropy = 0.65
    got = c.advantages(torch.tensor(A), None, None, ctx)
    np.testing.assert_array_equal(got.numpy(), [[1, 0, 0.5, 0, 0]])


def test_the_toy_band_is_relative_to_the_initial_entropy():
    c = make_control("entrocraft")
    ctx = Context(step=0, steps=10, initial={"token_entropy": 2.0})
    assert c.band(ctx) == pytest.approx((1.8, 2.0))
    ctx.step = 10
    assert c.band(ctx) == pytest.approx((1.4, 1.6))
    ctx.token_entropy = np.array([1.0, 1.2])              # bandit: mean 1.1 < 1.4
    np.testing.assert_array_equal(c.advantages(A, None, None, ctx), [[0, -1, 0, -0.5, 0]])


def test_a_band_edge_may_be_written_start_colon_end():
    c = make_control("entrocraft", lower="0.6:0.4", upper="0.7,0.5", relative="false")
    assert c.values["lower"] == (0.6, 0.4) and c.values["upper"] == (0.7, 0.5)
    assert c.values["relative"] is False


@pytest.mark.parametrize("bad", [{"lower": (0.5,)}, {"lower": "0.5"}, {"lower": (0.8, 0.8), "upper": (0.7, 0.9)},
                                 {"shape": "exp"}, {"upper": ("a", 1)},
                                 {"relative": "no"}, {"relative": 1}])
def test_bad_bands_are_refused(bad):
    with pytest.raises(UserError):
        make_control("entrocraft", **bad)


def test_schedule_study_table():
    out = entrocraft_schedules("bandit", schedules=["none", "linear", "constant-low"],
                               seeds=2, steps=40, runs=10)
    names = [r["schedule"] for r in out["rows"]]
    assert names == ["none", "linear", "constant-low"] and out["steps"] == 40
    none, lin = out["rows"][0], out["rows"][1]
    assert math.isnan(none["in_band"]) and 0.0 <= lin["in_band"] <= 1.0
    assert lin["coverage_se"] >= 0 and set(none) >= {"reward", "optimal", "entropy"}
    with pytest.raises(UserError, match="schedules"):
        entrocraft_schedules("bandit", schedules=["exponential"])
