import math

import numpy as np
import pytest

from thermo_rl.gibbs import boltzmann_probabilities
from thermo_rl.metrics import entropy
from thermo_rl.schedules import (
    Constant,
    Geometric,
    Linear,
    Logarithmic,
    Reheating,
    TargetAcceptance,
    TargetEntropy,
    parse_schedule,
)


def test_open_loop_end_points_and_shapes():
    assert Linear(2.0, 0.0).temperatures(5) == pytest.approx([2, 1.5, 1, 0.5, 0])
    g = Geometric(10.0, 0.01).temperatures(4)
    assert g == pytest.approx([10, 1, 0.1, 0.01])
    assert np.all(np.diff(np.log(g)) == pytest.approx(math.log(0.1)))
    assert Constant(0.3).temperatures(3) == pytest.approx([0.3] * 3)
    lg = Logarithmic(1.0).temperatures(100)
    assert lg[0] == 1.0 and lg[-1] == pytest.approx(math.log(2) / math.log(101))
    # the callable form and the array form are one schedule
    s = Geometric(5.0, 0.5)
    assert [s(k, 7) for k in range(7)] == pytest.approx(list(s.temperatures(7)))


def test_reheating_cycles():
    s = Reheating(Geometric(8.0, 1.0), cycles=3, peak_decay=0.5)
    T = s.temperatures(12)
    assert T[0] == 8.0 and T[4] == 4.0 and T[8] == 2.0       # peaks, lowered each cycle
    assert T[3] == pytest.approx(1.0) and T[11] == pytest.approx(0.25)
    assert np.all(np.diff(T[:4]) < 0)


def test_target_entropy_holds_a_softmax_policy_at_target():
    Q = np.array([1.0, 0.9, 0.2, -0.5, -1.0])
    target = 1.0
    sched = TargetEntropy(T0=0.01, target=target, rate=0.5)
    T = sched.reset()
    for _ in range(400):
        H = float(entropy(boltzmann_probabilities(-Q, T)))
        T = sched.update(T, H)
    assert float(entropy(boltzmann_probabilities(-Q, T))) == pytest.approx(target, abs=1e-6)


def test_target_acceptance_converges():
    sched = TargetAcceptance(T0=100.0, target=0.3, rate=2.0)
    T = sched.reset()
    for _ in range(300):
        T = sched.update(T, math.exp(-1.0 / T))       # acceptance of a unit uphill step
    assert math.exp(-1.0 / T) == pytest.approx(0.3, abs=1e-6)
    with pytest.raises(TypeError):
        sched.temperatures(3)


@pytest.mark.parametrize("spec,first,last", [("constant:2", 2, 2), ("linear:3:1", 3, 1),
                                             ("geometric:10:0.1", 10, 0.1),
                                             ("reheat:4:1:2", 4, 1)])
def test_parse_schedule(spec, first, last):
    T = parse_schedule(spec).temperatures(10)
    assert T[0] == pytest.approx(first) and T[-1] == pytest.approx(last)


@pytest.mark.parametrize("spec,exc", [("cosine:1", ValueError), ("geometric:1", ValueError),
                                      ("geometric:a:b", ValueError), ("linear:-1:0", ValueError),
                                      ("geometric:1:0", ValueError), (3, TypeError)])
def test_parse_schedule_errors(spec, exc):
    with pytest.raises(exc):
        parse_schedule(spec)
