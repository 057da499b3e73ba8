"""The controls atlas: its table against the individual runs, resuming, the bandit columns,
the Pareto front, the CLI's flag checks; the AEPO target sweep's skip."""

import json
import math

import numpy as np
import pytest

from thermo_rl.cli import main
from thermo_rl.errors import UserError
from thermo_rl.llm.atlas import (
    bandit_atlas_row,
    bandit_policy_metrics,
    controls_atlas,
    mean_se,
    pareto_front,
    target_entropy_sweep,
    target_parameter,
)

pytest.importorskip("pyarrow")
pytest.importorskip("joblib")

RL = {"steps": 2, "n_prompts": 4, "group": 4, "lr": 1e-3}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from thermo_rl.llm.train import pretrain

    d = tmp_path_factory.mktemp("atlas_pt")
    pretrain("pair-sum", size="tiny", steps=20, batch_size=16, seed=0, out=d, progress=False)
    return d


def test_pareto_front_by_hand():
    pts = {"a": (0.5, 0.9), "b": (0.7, 0.6), "c": (0.4, 0.5), "d": (0.7, 0.6),
           "e": (0.6, 0.55)}
    # c is beaten by a; e by b; b and d tie (neither beats the other)
    assert pareto_front(pts) == ["a", "b", "d"]
    assert pareto_front({"x": (float("nan"), 1.0), "y": (0.1, 0.1)}) == ["y"]


def test_mean_se_by_hand():
    m, s = mean_se([1.0, 2.0, 4.0])
    assert m == pytest.approx(7 / 3)
    assert s == pytest.approx(math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2)
                                        / 2 / 3))
    assert math.isnan(mean_se([1.0])[1])


def test_bandit_metrics_by_hand():
    q = np.array([1.0, 1.0, 1.0, 0.0, 0.0])
    lam = 0.5
    star = np.exp(q / lam) / np.exp(q / lam).sum()
    p = np.array([star, [1 / 3, 1 / 3, 1 / 3, 0, 0], [1, 0, 0, 0, 0]])
    m = bandit_policy_metrics(p, q, lam)
    assert m["kl_star"][0] == pytest.approx(0.0, abs=1e-12)          # pi* itself
    # uniform over the m best: KL = ln(1 + (k - m) e^{-1/lambda} / m)
    assert m["kl_star"][1] == pytest.approx(math.log(1 + 2 * math.exp(-2) / 3))
    assert m["entropy"][1] == pytest.approx(math.log(3))
    assert list(m["coverage"]) == pytest.approx([1.0, 1.0, 1 / 3])
    assert list(m["reward"]) == pytest.approx([star[:3].sum(), 1.0, 1.0])


def test_bandit_row_reinforce_collapses_entropy_bonus_keeps():
    """On equal-best the reward alone narrows the best arms; the entropy bonus keeps more
    entropy (difference > 3 standard errors)."""
    a = bandit_atlas_row("none", runs=200, steps=150, seed=0)
    b = bandit_atlas_row("entropy-bonus", runs=200, steps=150, seed=0)
    assert b["entropy"] - a["entropy"] > 3 * math.hypot(a["entropy_se"], b["entropy_se"])
    assert {"reward", "coverage", "entropy", "kl_star"} <= set(a)


def test_atlas_bandit_columns_of_a_token_only_control(checkpoint):
    """high-entropy needs per-token entropies: its bandit columns are NaN with the reason."""
    res = controls_atlas(checkpoint, controls=["high-entropy"], seeds=1, workers=1,
                         bandit={"runs": 10, "steps": 5}, progress=False, **RL)
    b = res.rows["high-entropy"]["bandit"]
    assert "per-token entropies" in b["error"] and math.isnan(b["reward"])
    assert res.rows["high-entropy"]["n"] == 1


def test_atlas_table_matches_individual_runs_and_resumes(checkpoint, tmp_path):
    from thermo_rl.llm.rl import finetune
    from thermo_rl.llm.train import load_checkpoint

    out = tmp_path / "sweep"
    res = controls_atlas(checkpoint, controls=["none", "entropy-bonus"], seeds=2, out=out,
                         workers=1, bandit={"runs": 20, "steps": 20}, progress=False, **RL)
    assert res.sweep["ran"] == 4 and res.sweep["failed"] == 0
    pre = load_checkpoint(checkpoint, device="cpu")
    for c in ("none", "entropy-bonus"):
        row = res.rows[c]
        assert row["n"] == 2 and len(set(row["seeds"])) == 2
        runs = [finetune(pre, control=c, seed=s, progress=False, **RL) for s in row["seeds"]]
        for key, get in (("pass@1", lambda r: r.after["pass@1"]),
                         ("pass@64", lambda r: r.after["pass@k"][64]),
                         ("coverage", lambda r: r.after["coverage"]),
                         ("answer_entropy", lambda r: r.after["answer_entropy"]),
                         ("kl_ref", lambda r: r.after["kl_ref"]),
                         ("kl_star", lambda r: r.after["kl_star"])):
            v = [get(r) for r in runs]
            assert row[key] == pytest.approx(np.mean(v), rel=1e-6, abs=1e-9), (c, key)
            assert row[f"{key}_se"] == pytest.approx(np.std(v, ddof=1) / math.sqrt(2),
                                                     rel=1e-5, abs=1e-9), (c, key)
        assert {"reward", "coverage", "entropy", "kl_star"} <= set(row["bandit"])
    assert set(res.pareto) <= {"none", "entropy-bonus"} and res.pareto
    again = controls_atlas(checkpoint, controls=["none", "entropy-bonus"], seeds=2, out=out,
                           workers=1, bandit=None, progress=False, **RL)
    assert again.sweep["ran"] == 0 and again.sweep["done_before"] == 4
    assert again.rows["none"]["pass@1"] == res.rows["none"]["pass@1"]
    json.dumps(res.as_dict())
    from thermo_rl.viz.atlas import plot_atlas

    fig = plot_atlas(res)
    assert len(fig.axes) == 2


def test_atlas_refuses_bad_settings_before_work(checkpoint):
    with pytest.raises(UserError, match="seeds"):
        controls_atlas(checkpoint, controls=["none"], seeds=0, progress=False, **RL)
    with pytest.raises(UserError, match="control"):
        controls_atlas(checkpoint, controls=["no-such"], seeds=1, progress=False, **RL)
    with pytest.raises(UserError, match="seed is set by the atlas"):
        controls_atlas(checkpoint, controls=["none"], seed=3, progress=False, **RL)


def test_target_sweep_needs_a_registered_target():
    assert target_parameter("no-such-control") is None
    assert target_parameter("none") is None
    with pytest.raises(UserError, match="not registered"):
        target_entropy_sweep("unused", [1.0, 2.0], control="none")


def test_aepo_target_sweep_tiny(checkpoint):
    """Two targets, two seeds: one row per target, each the mean of its two runs."""
    if target_parameter("aepo") is None:
        pytest.skip("AEPO is not registered")
    res = target_entropy_sweep(checkpoint, [0.2, 1.5], seeds=2, workers=1, progress=False,
                               **RL)
    assert res.parameter == "target" and set(res.rows) == {0.2, 1.5}
    assert all(r["n"] == 2 for r in res.rows.values())
    assert set(res.peak) == {"pass@1", "pass@8", "pass@64"}
    from thermo_rl.viz.atlas import plot_target_sweep

    plot_target_sweep(res)
    json.dumps(res.as_dict())


def _cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_dry_run_counts_every_registered_control(checkpoint, tmp_path, capsys):
    from thermo_rl.entropy import control_names

    code, out, _ = _cli(capsys, "llm", "atlas", "--checkpoint", str(checkpoint), "--out",
                        str(tmp_path), "--seeds", "2", "--dry-run", "--json")
    assert code == 0
    r = json.loads(out)
    assert r["controls"] == list(control_names()) and r["points"] == 2 * len(control_names())
    assert r["to_run"] == r["points"]


@pytest.mark.parametrize("argv,msg", [
    (["--seeds", "0"], "--seeds"),
    (["--controls", "none,nope"], "--controls"),
    (["--aepo-targets", "1"], "--aepo-targets"),
    (["--bandit-runs", "1"], "--bandit-runs"),
    (["--control-arg", "nosuch=1"], "--control-arg"),
    (["--steps", "0"], "steps"),
])
def test_cli_bad_flags_one_line_exit_2(argv, msg, checkpoint, tmp_path, capsys):
    code, _, err = _cli(capsys, "llm", "atlas", "--checkpoint", str(checkpoint), "--out",
                        str(tmp_path), "--dry-run", *argv)
    assert code == 2
    assert msg in err and len(err.strip().splitlines()) == 1
