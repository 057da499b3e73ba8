"""Entropy controls: one implementation, NumPy weights equal torch autograd; effects."""

import math

import numpy as np
import pytest

from thermo_rl.bandits import EntropyPG, equal_best, run
from thermo_rl.entropy import (
    Context,
    TargetEntropyControl,
    centered_covariance,
    clip_cov_mask,
    entrocraft_mask,
    entropy_change_predicted,
    kl_cov_penalty,
    policy_gradient_weights,
    policy_loss,
    ppo_clip_objective,
    select_top_covariance,
    tempered_log_probs,
)

rng = np.random.default_rng(3)
N = 64
LOGP = np.log(rng.uniform(0.05, 0.9, size=(2, N)))
OLD = LOGP + rng.normal(scale=0.3, size=LOGP.shape)
ADV = rng.normal(size=LOGP.shape)
MASK = (rng.uniform(size=LOGP.shape) > 0.1).astype(float)


@pytest.mark.parametrize("control,kw", [
    (None, {}), ("clip-cov-top", {"fraction": 0.1}),
    ("clip-cov", {"ratio": 0.1, "lb": 0.0, "ub": 10.0}),
    ("kl-cov", {"fraction": 0.1, "kl_coef": 0.5}),
    ("clip-higher", {}), (None, {"eps_low": 0.1, "eps_high": 0.3}),
])
def test_numpy_weights_are_the_torch_gradient(control, kw):
    torch = pytest.importorskip("torch")
    lp = torch.tensor(LOGP, requires_grad=True)
    loss = policy_loss(lp, torch.tensor(ADV), torch.tensor(MASK), old_logp=torch.tensor(OLD),
                       control=control, ctx=Context(rng=5), **kw)
    loss.backward()
    w = policy_gradient_weights(LOGP, ADV, MASK, old_logp=OLD, control=control,
                                ctx=Context(rng=5), **kw)
    np.testing.assert_allclose(lp.grad.numpy(), -w / MASK.sum(), rtol=1e-10, atol=1e-14)
    # and the loss value is the same in both libraries
    np.testing.assert_allclose(float(loss.detach()), policy_loss(
        LOGP, ADV, MASK, old_logp=OLD, control=control, ctx=Context(rng=5), **kw), rtol=1e-12)


def test_top_covariance_selection():
    cov = centered_covariance(LOGP, ADV, MASK)
    sel = select_top_covariance(LOGP, ADV, MASK, fraction=0.1)
    for row in range(2):
        n_valid = MASK[row].sum()
        assert sel[row].sum() == max(1, math.floor(0.1 * n_valid))     # verl's k
        # the selected are the largest covariances among valid samples, whatever the sign
        assert cov[row][sel[row]].min() >= cov[row][(MASK[row] > 0) & ~sel[row]].max()
        assert np.all(MASK[row][sel[row]] == 1)
    m = clip_cov_mask(LOGP, ADV, MASK, fraction=0.1)
    np.testing.assert_array_equal(m, MASK * ~sel)
    pen = kl_cov_penalty(LOGP, OLD, ADV, MASK, fraction=0.1, coef=2.0)
    np.testing.assert_allclose(pen, 2.0 * np.abs(LOGP - OLD) * sel)


def test_clip_cov_removes_the_entropy_lowering_samples():
    """Stopping the top-covariance samples makes the predicted entropy change less negative."""
    z = rng.normal(size=6) * 2
    p = np.exp(z - z.max())
    p /= p.sum()
    a = rng.choice(6, size=256, p=p)
    adv = rng.normal(size=256) + (a == np.argmax(p))     # the likely action pays more
    logp = np.log(p[a])

    def dz(weights):
        g = np.zeros(6)
        np.add.at(g, a, weights)
        return 0.5 * (g - p * weights.sum()) / a.size

    full = entropy_change_predicted(z, dz(policy_gradient_weights(logp, adv)))
    clipped = entropy_change_predicted(
        z, dz(policy_gradient_weights(logp, adv, control="clip-cov-top", fraction=0.05)))
    assert full < 0 and clipped > full


def test_ppo_clip_higher():
    old = np.zeros(4)
    logp = np.log(np.array([1.5, 1.5, 0.5, 0.5]))
    adv = np.array([1.0, -1.0, 1.0, -1.0])
    # symmetric clip 0.2: positive advantage clipped at 1.2, negative at 0.8 (from below)
    np.testing.assert_allclose(ppo_clip_objective(logp, old, adv, 0.2, 0.2),
                               [1.2, -1.5, 0.5, -0.8])
    # clip-higher (DAPO 0.2 / 0.28): the upside can grow further
    np.testing.assert_allclose(ppo_clip_objective(logp, old, adv, 0.2, 0.28)[0], 1.28)


def test_tempered_log_probs_limits():
    z = np.array([1.0, 1.0, 0.0])
    np.testing.assert_allclose(np.exp(tempered_log_probs(z, 0.0)), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(np.exp(tempered_log_probs(z, math.inf)), np.full(3, 1 / 3))
    np.testing.assert_allclose(np.exp(tempered_log_probs(z * 1e6, 1e6)),
                               np.exp(tempered_log_probs(z, 1.0)))
    with pytest.raises(ValueError, match="T"):
        tempered_log_probs(z, -1.0)


def test_entrocraft_rejects_samples_that_push_away_from_target():
    cov = centered_covariance(LOGP, ADV, MASK)
    below = entrocraft_mask(LOGP, ADV, MASK, entropy=0.5, target=1.5, strength=10, seed=0)
    assert np.all(below[cov > 0] == 0) and np.all(below[(cov < 0) & (MASK > 0)] == 1)
    above = entrocraft_mask(LOGP, ADV, MASK, entropy=1.5, target=0.5, strength=10, seed=0)
    assert np.all(above[cov < 0] == 0) and np.all(above[(cov > 0) & (MASK > 0)] == 1)
    on = entrocraft_mask(LOGP, ADV, MASK, entropy=1.0, target=1.0, seed=0)
    np.testing.assert_array_equal(on, MASK)


def test_target_entropy_control_moves_T_the_right_way():
    c = TargetEntropyControl(target=1.0, T0=0.1, rate=0.5)
    assert c.update(0.5) > 0.1
    T = c.T
    assert c.update(1.5) < T


@pytest.fixture(scope="module")
def controlled_runs():
    env = equal_best(k=6, m=3)
    pols = {"none": EntropyPG(T=0.0), "entropy-bonus": EntropyPG(T=0.05),
            "target-entropy": EntropyPG(T=0.05, control="target-entropy",
                                        control_params={"target": 0.9, "rate": 0.05}),
            "clip-cov-top": EntropyPG(T=0.0, control="clip-cov-top",
                                      control_params={"fraction": 0.2}),
            "entrocraft-abstract": EntropyPG(T=0.0, control="entrocraft-abstract")}
    return {k: run(env, p, runs=100, steps=800, seed=9, progress=False)
            for k, p in pols.items()}


def test_entropy_controls_keep_the_modes(controlled_runs):
    tail = {k: (r.coverage[-50:].mean(), r.entropy[-50:].mean())
            for k, r in controlled_runs.items()}
    cov0, h0 = tail["none"]
    for name in ("entropy-bonus", "target-entropy", "clip-cov-top", "entrocraft-abstract"):
        cov, h = tail[name]
        # coverage of one run is a multiple of 1/3; 100 runs: standard error <= 0.033
        assert cov > cov0 + 0.3, name
        assert h > h0 + 0.3, name
    # the target-entropy control holds H at its target
    assert abs(tail["target-entropy"][1] - 0.9) < 0.05
    # ...and none of them costs reward on this problem except Clip-Cov's frozen samples
    assert controlled_runs["entropy-bonus"].optimal[-50:].mean() > 0.9


def test_high_entropy_mask_is_trl_quantile_rule_numpy_and_torch():
    """Entries at or above the (1 - q) quantile of the valid entries, as TRL's
    GRPOTrainer.get_high_entropy_mask (torch.quantile, linear interpolation)."""
    torch = pytest.importorskip("torch")
    from thermo_rl.entropy import high_entropy_mask

    H = np.abs(rng.normal(size=(4, 9)))
    for q in (0.2, 0.5, 0.8, 1.0):
        got = high_entropy_mask(H, MASK[:, :9].repeat(2, 0), top_quantile=q)
        Ht, mt = torch.tensor(H), torch.tensor(MASK[:, :9].repeat(2, 0))
        thr = torch.quantile(Ht[mt.bool()], 1 - q)
        trl = ((Ht * mt) >= thr) & mt.bool()
        assert np.array_equal(got.astype(bool), trl.numpy())
        assert torch.equal(high_entropy_mask(Ht, mt, top_quantile=q).bool(), trl)
    with pytest.raises(ValueError, match="top_quantile"):
        high_entropy_mask(H, top_quantile=0.0)


def test_clip_cov_band_mask_draws_from_the_band():
    torch = pytest.importorskip("torch")
    from thermo_rl.entropy import clip_cov_band_mask

    logp, adv, mask = LOGP[:1], ADV[:1], MASK[:1]
    cov = centered_covariance(logp, adv, mask)
    band = (cov > 0.05) & (cov < 1.0) & (mask > 0)
    for ratio in (0.02, 0.1, 1.0):
        keep = clip_cov_band_mask(logp, adv, mask, lb=0.05, ub=1.0, ratio=ratio, seed=4)
        dropped = (keep == 0) & (mask > 0)
        n = max(1, math.floor(ratio * mask.sum()))
        assert dropped.sum() == min(n, band.sum())
        assert np.all(band[dropped])                      # only from the band
        assert np.all(keep[mask == 0] == 0)
        kt = clip_cov_band_mask(torch.tensor(logp), torch.tensor(adv), torch.tensor(mask),
                                lb=0.05, ub=1.0, ratio=ratio, seed=4)
        assert np.array_equal(kt.numpy(), keep)           # same draw in NumPy and torch
    excl = band.copy()
    keep = clip_cov_band_mask(logp, adv, mask, lb=0.05, ub=1.0, ratio=1.0, exclude=excl)
    assert np.all(keep == mask)                           # every candidate excluded
    assert clip_cov_band_mask(logp, adv, mask, ratio=0.0).sum() == mask.sum()
    with pytest.raises(ValueError, match="lb < ub"):
        clip_cov_band_mask(logp, adv, lb=1.0, ub=1.0)


def test_entropy_bonus_from_entropies_and_adaptive_step():
    from thermo_rl.entropy import entropy_bonus
    from thermo_rl.metrics import entropy_from_logits

    z = rng.normal(size=(3, 5))
    m = np.array([1.0, 0.0, 1.0])
    a = entropy_bonus(z, m, coef=0.3)
    b = entropy_bonus(entropies=entropy_from_logits(z), mask=m, coef=0.3)
    assert a == pytest.approx(b)
    with pytest.raises(ValueError, match="exactly one"):
        entropy_bonus()
    c = TargetEntropyControl(target=1.0, T0=0.02, step=0.01)
    assert [round(c.update(h), 3) for h in (0.5, 0.5, 2.0, 2.0, 2.0)] == [0.03, 0.04, 0.03,
                                                                          0.02, 0.01]
