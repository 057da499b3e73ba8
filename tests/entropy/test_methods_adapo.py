"""ADAPO (Petrenko et al., 2026): the upper clip bound moves by its step toward the
target entropy, and the moved bound is the one the loss clips with (hand-computed)."""

import math

import numpy as np
import pytest

from thermo_rl.entropy import Context, make_control, policy_gradient_weights, policy_loss


def test_eps_high_moves_up_below_target_and_down_above_within_its_range():
    c = make_control("adapo", step=0.1, eps_max=0.5)
    ctx = Context(initial={"token_entropy": 2.0})          # target 0.75 x 2 = 1.5 nats
    assert c.clip_bounds(0.2, None) == (0.2, 0.28)
    ctx.token_entropy = 1.0
    c.update(ctx)
    assert c.clip_bounds(0.2, 0.2) == (0.2, pytest.approx(0.38))
    for _ in range(5):
        c.update(ctx)
    assert c.eps_high == 0.5                                # capped at eps_max
    ctx.token_entropy = np.array([1.6, 1.8])                # the bandit: one value per run
    c.update(ctx)
    assert c.eps_high == pytest.approx(0.4)
    for _ in range(10):
        c.update(ctx)
    assert c.eps_high == 0.0                                # floored at eps_min
    c.reset()
    assert c.eps_high == 0.28


def test_the_loss_clips_with_the_adapted_bound():
    """One token, A = +1, ratio pi/pi_old = 1.3: clipped (no gradient) while
    eps_high = 0.28, unclipped (gradient -rho A / N) once eps_high = 0.38."""
    torch = pytest.importorskip("torch")
    c = make_control("adapo", target=1.0, step=0.1)
    logp = np.array([[math.log(0.39), math.log(0.2)]])
    old = np.array([[math.log(0.3), math.log(0.2)]])      # ratios 1.3 and 1
    adv = np.array([[1.0, 1.0]])
    w = policy_gradient_weights(logp, adv, old_logp=old, control=c)
    np.testing.assert_allclose(w, [[0.0, 1.0]], atol=1e-15)
    c.update(Context(token_entropy=0.5))                    # below target: 0.28 -> 0.38
    w = policy_gradient_weights(logp, adv, old_logp=old, control=c)
    np.testing.assert_allclose(w, [[1.3, 1.0]], rtol=1e-12)
    t = torch.tensor(logp, requires_grad=True)
    policy_loss(t, torch.tensor(adv), old_logp=torch.tensor(old), control=c).backward()
    np.testing.assert_allclose(t.grad.numpy(), -w / 2, rtol=1e-12)


def test_holds_a_target_inside_its_levers_range_on_the_gaussian_bandit():
    """ADAPO moves eps_high, so it can hold only entropies that some eps_high in
    [eps_min, eps_max] holds. On the equal-best bandit with Gaussian rewards (4 epochs per
    group, 100 runs) a fixed eps_high = 0 ends near 0.23 nats and eps_high = 5 near 0.66
    (docs/bench/entropy_methods.json); a target of 0.44 between them is held: the mean
    entropy after warm-up within 10% of it. A controller moving eps_high the wrong way
    would pin it at a bound and end near 0.23 or 0.66 (40-50% off)."""
    from thermo_rl.bandits import EntropyPG, equal_best, run

    env = equal_best(k=6, m=3, kind="gaussian", gap=1.0)
    r = run(env, EntropyPG(T=0.0, control="adapo", control_params={"target": 0.44},
                           epochs=4), runs=100, steps=800, seed=9, progress=False)
    assert np.mean(r.entropy[200:]) == pytest.approx(0.44, rel=0.10)
