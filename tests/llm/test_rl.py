"""RL fine-tuning of the tiny pair-sum model: reward alone collapses the answers, the KL
penalty (free energy) keeps them and moves toward pi*, the entropy mechanism predicts the
measured entropy change, one update per rollout makes clipping a no-op, and the CLI.

Margins come from the run-to-run spread measured over seeds 0 and 1 (RL with 32 prompts x
8 samples, 60 steps, lr 1e-3 on the session's tiny model, pass@1 0.26): without control
coverage 1.0 -> 0.60-0.69, answer entropy 3.35 -> 1.66-1.77 nats, pass@1 0.26 -> 0.45-0.46,
first-order entropy-change correlation 0.83-0.95; with the KL penalty (beta = 0.2)
coverage stays 0.95-0.99 at pass@1 0.38. The thresholds sit well outside that spread
(e.g. coverage < 0.85, correlation > 0.6).
"""

import json

import numpy as np
import pytest
import torch

from thermo_rl.llm.rl import compare, finetune

FAST = {"steps": 60, "n_prompts": 32, "group": 8, "lr": 1e-3, "eval_every": 2,
        "progress": False}


@pytest.fixture(scope="module")
def runs(tiny_pair_sum):
    return compare(tiny_pair_sum, ("none", "kl-penalty"), seed=0, **FAST)


def test_reward_alone_collapses_the_answers(runs):
    b, a = runs["none"].before, runs["none"].after
    assert a["pass@1"] > b["pass@1"] + 0.1
    assert a["answer_entropy"] < 0.7 * b["answer_entropy"]
    assert a["coverage"] < 0.85 * b["coverage"]
    assert a["distinct@k"][64] < 0.7 * b["distinct@k"][64]      # fewer distinct answers
    assert a["token_entropy"] < b["token_entropy"]
    assert a["kl_ref"] > 0.5


def test_kl_penalty_keeps_coverage_and_approaches_pi_star(runs):
    none, kl = runs["none"].after, runs["kl-penalty"].after
    assert kl["coverage"] > none["coverage"] + 0.15
    assert kl["coverage"] > 0.9
    assert kl["pass@1"] > runs["kl-penalty"].before["pass@1"] + 0.05
    assert kl["kl_star"] < runs["kl-penalty"].before["kl_star"]
    assert kl["kl_ref"] < none["kl_ref"]
    assert kl["kl_star"] < none["kl_star"]          # both measured against pi* at beta 0.2


def test_entropy_mechanism_predicts_the_measured_change(runs):
    agree = runs["none"].entropy_change_agreement()
    assert agree["entropy_change_intervals"] == 30
    assert agree["entropy_change_correlation"] > 0.6
    assert agree["entropy_change_measured_nats"] < -1.0


def test_history_and_json_shape(runs):
    d = runs.as_dict()
    assert set(d) >= {"base", "runs", "settings", "table", "crossovers"}
    run = d["runs"]["none"]
    assert set(run) >= {"before", "after", "history"}
    for key in ("reward", "pass@1", "pass@k", "coverage", "answer_entropy", "token_entropy",
                "kl_ref", "seconds"):
        assert key in run["after"] and key in run["history"][-1]
    assert sorted(run["after"]["pass@k"]) == [1, 2, 4, 8, 16, 32, 64]
    json.dumps(d)
    steps = [r["step"] for r in run["history"]]
    assert steps == list(range(2, 61, 2))
    trace = runs["none"].trace
    assert len(trace["batch_reward"]) == 60 and 0 <= min(trace["no_signal"])


def test_one_update_per_rollout_makes_clipping_a_no_op(tiny_pair_sum):
    """Same seed, one update per rollout: clip-higher, a tight clip and KL-Cov leave the
    trained weights bit-identical; with two updates they change them."""
    kw = {"steps": 3, "n_prompts": 8, "lr": 1e-3, "eval_every": 3, "progress": False}
    base = tiny_pair_sum.distribution()

    def weights(**extra):
        r = finetune(tiny_pair_sum, base=base, **{**kw, **extra})
        return torch.cat([p.detach().flatten() for p in r.model.parameters()])

    ref = weights(minibatches=1)
    for extra in ({"control": "clip-higher"}, {"eps_low": 0.001, "eps_high": 0.001},
                  {"control": "kl-cov", "fraction": 0.5, "kl_coef": 5.0}):
        assert torch.equal(weights(minibatches=1, **extra), ref)
    ref2 = weights(minibatches=1, updates_per_rollout=2)
    assert not torch.equal(weights(minibatches=1, updates_per_rollout=2, eps_low=0.001,
                                   eps_high=0.001), ref2)


def test_input_checks(tiny_pair_sum):
    with pytest.raises(ValueError, match="control"):
        finetune(tiny_pair_sum, control="magic", steps=1)
    with pytest.raises(TypeError, match="coef"):
        finetune(tiny_pair_sum, control="clip-cov", coef=0.1, steps=1)
    with pytest.raises(ValueError, match="steps"):
        finetune(tiny_pair_sum, steps=0)


def test_cli_llm_rl_json(tiny_pair_sum, tmp_path, capsys):
    from thermo_rl.cli import main
    from thermo_rl.llm import train

    ck = tmp_path / "model"
    ck.mkdir()                      # the session model as a checkpoint the CLI can load

    state = {"format": train._FORMAT, "version": "test", "config":
             tiny_pair_sum.model.config.as_dict(), "tokenizer":
             tiny_pair_sum.tokenizer.state_dict(), "settings": tiny_pair_sum.settings,
             "step": tiny_pair_sum.steps, "model": tiny_pair_sum.model.state_dict(),
             "optimizer": {}, "rng": {}, "history": []}
    train.save_checkpoint(state, ck / "checkpoint.pt")
    rc = main(["llm", "compare", "--checkpoint", str(ck), "--controls", "none,clip-cov",
               "--steps", "2", "--prompts", "4", "--eval-every", "1", "--device", "cpu",
               "--json", "--no-progress", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0
    d = json.loads(out)
    assert set(d["runs"]) == {"none", "clip-cov"}
    assert {"before", "after", "history"} <= set(d["runs"]["clip-cov"])
    assert np.isfinite(d["runs"]["none"]["after"]["pass@1"])
    assert d["figures"] and (tmp_path / "out" / "llm_rl_compare.png").exists()
