"""Entry points on a tiny budget: thermo-rl bandit, bench bandit, the tour's bandit act, viz."""

import json
import math

import numpy as np
import pytest

from thermo_rl.cli import main


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_bandit_json_equal_best_and_figures(capsys, tmp_path):
    rc, out, _ = _run(capsys, "bandit", "--env", "equal-best", "--policy", "greedy,reinforce,pg",
                      "--T", "0.2", "--lr", "1", "--runs", "40", "--steps", "200",
                      "--json", "--no-progress", "--out", str(tmp_path))
    assert rc == 0
    r = json.loads(out)                                   # one object, nothing else on stdout
    assert r["env"]["k"] == 10 and r["runs"] == 40 and r["steps"] == 200
    rows = {p["name"]: p for p in r["policies"]}
    assert list(rows) == ["greedy", "reinforce", "pg"]
    for p in rows.values():
        assert 0.0 <= p["optimal_fraction"] <= 1.0 and 0.0 <= p["coverage"] <= 1.0
        assert 0.0 <= p["entropy_nats"] <= math.log(10) + 1e-9
        assert p["seconds"] > 0 and p["steps_per_us"] > 0 and p["cumulative_regret"] >= 0
        assert sum(p["mean_final_probs"]) == pytest.approx(1.0)
    assert rows["pg"]["coverage"] > 0.9 > rows["reinforce"]["coverage"]
    assert rows["pg"]["entropy_nats"] > rows["reinforce"]["entropy_nats"]
    assert rows["reinforce"]["entropy_change_correlation"] > 0.9
    assert rows["reinforce"]["final_T"] == 0.0 and "final_temperature" not in rows[
        "greedy"]
    th = r["theory"]
    assert th["T"] == 0.2 and th["best_arms"] == [0, 1, 2]
    assert sum(th["gibbs_policy"]) == pytest.approx(1.0)
    names = sorted(p.rsplit("/", 1)[-1] for p in r["figures"])
    assert names == ["bandit_equal-best_curves.png", "bandit_equal-best_entropy_change_pg.png",
                     "bandit_equal-best_entropy_change_reinforce.png",
                     "bandit_equal-best_policy.png"]
    assert all((tmp_path / n).exists() for n in names)


def test_cli_bandit_testbed_json_and_text(capsys):
    rc, out, _ = _run(capsys, "bandit", "--policy", "epsilon-greedy,ucb,thompson", "--runs", "50",
                      "--steps", "100", "--json", "--no-progress")
    assert rc == 0
    r = json.loads(out)
    rows = {p["name"]: p for p in r["policies"]}
    assert r["env"]["name"] == "testbed" and "theory" not in r and "figures" not in r
    assert rows["thompson"]["entropy_nats"] is None and rows["thompson"]["coverage"] is None
    assert rows["epsilon-greedy"]["reward"] > 0.5 and "mean_final_probs" not in rows["ucb"]
    rc, out, _ = _run(capsys, "bandit", "--env", "bernoulli", "--means", "0.2,0.8",
                      "--policy", "softmax,exp3", "--T", "0.1", "--runs", "20", "--steps", "50",
                      "--no-progress")
    assert rc == 0
    assert "% optimal" in out and "softmax" in out and "Gibbs policy at T=0.1" in out


@pytest.mark.parametrize("argv,msg", [
    (("--k", "1"), "--k must be >= 2"),
    (("--policy", "softmax", "--T", "-1"), "--T"),
    (("--policy", "nope"), "unknown --policy 'nope'"),
    (("--policy", "greedy,greedy"), "twice"),
    (("--runs", "0"), "--runs"),
    (("--env", "nosuch"), "invalid choice"),
    (("--m", "2"), "--m applies"),
    (("--env", "equal-best", "--m", "11"), "--m must be <= 10"),
    (("--policy", "pg", "--control", "nope"), "control"),
    (("--policy", "greedy", "--control", "clip-cov"), "--control applies"),
    (("--policy", "greedy", "--T", "0.5"), "--T and --schedule apply"),
    (("--env", "gaussian", "--means", "0,1,2", "--k", "4"), "must match"),
    (("--policy", "epsilon-greedy", "--epsilon", "1.5"), "--epsilon"),
])
def test_cli_bandit_errors(capsys, argv, msg):
    rc, out, err = _run(capsys, "bandit", *argv, "--runs" if "--runs" not in argv else "--steps",
                        "5", "--no-progress")
    assert rc == 2 and out == ""
    assert msg in err and len(err.strip().splitlines()) == 1


def test_bench_bandit_rows(capsys, monkeypatch):
    from thermo_rl.bench import bandit as bench

    monkeypatch.setitem(bench.SIZES, "quick", (40, 20))
    rc, out, _ = _run(capsys, "bench", "bandit", "--quick", "--json", "--no-progress")
    assert rc == 0
    d = json.loads(out)
    assert d["machine"]["cpu"] and d["machine"]["threads"] >= 1
    rows = {r["name"]: r for r in d["rows"]}
    for name in ("greedy", "epsilon-greedy (0.1)", "softmax (T=0.1)", "gradient (alpha=0.1)",
                 "ucb (c=2)", "thompson", "exp3 (gamma=0.1)"):
        ref = rows[f"numpy {name}"]                 # every policy against its own twin
        assert ref["ratio"] is None and ref["unit"] == "steps_per_us"
        row = rows[f"numba {name} (1 thr)"]
        assert row["reference"] == f"numpy {name}"
        assert row["value"] > 0 and row["ratio"] == pytest.approx(row["value"] / ref["value"])
    assert rows["numpy EntropyPG (T=0.1, group 8)"]["value"] > 0
    assert all(r["area"] == "bandit" for r in rows.values())


def test_numpy_reference_learns():
    from thermo_rl.bench.bandit import numpy_epsilon_greedy

    reward, optimal = numpy_epsilon_greedy(10, 200, 200, 0.1, np.random.default_rng(0))
    assert reward[-20:].mean() > 1.0 and optimal[-20:].mean() > 0.5 > optimal[0]


def test_tour_bandit_act_fast(capsys, tmp_path):
    rc, out, _ = _run(capsys, "tour", "--fast", "--acts", "bandit", "--out", str(tmp_path),
                      "--json", "--no-progress")
    assert rc == 0
    act = json.loads(out)["acts"][0]
    x = act["numbers"]
    assert x["m"] == 3 and x["one_over_m"] == pytest.approx(1 / 3)
    assert x["reinforce_coverage"] < 0.6 and x["greedy_coverage"] < 0.5   # collapse towards 1/m
    assert x["free_energy_coverage"] > 0.95                               # keeps all m
    assert x["reinforce_top_arm_probability"] > 0.9
    assert x["free_energy_entropy_nats"] > math.log(3) - 0.2 > x["reinforce_entropy_nats"]
    assert x["free_energy_tv_to_gibbs_mean_policy"] < 0.15
    assert x["reinforce_entropy_change_correlation"] > 0.9
    assert "Bandit" in act["title"] and act["seconds"] > 0
    assert (tmp_path / "act4_bandit.png").exists() and (tmp_path / "tour_summary.png").exists()


def test_viz_functions(tmp_path):
    import matplotlib.pyplot as plt

    from thermo_rl.bandits import Greedy, equal_best, gibbs_policy, run, self_train
    from thermo_rl.bandits import wright_fisher_fixation_time as wf
    from thermo_rl.viz.bandits import (
        plot_entropy_change,
        plot_learning_curves,
        plot_policy,
        plot_self_training,
    )

    env = equal_best(4, 2)
    res = run(env, Greedy(), runs=5, steps=10, seed=0, progress=False)
    fig = plot_learning_curves({"greedy": res}, metrics=("reward", "regret"))
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="EntropyPG"):
        plot_entropy_change(res)
    with pytest.raises(ValueError, match="metric"):
        plot_learning_curves({"greedy": res}, metrics=("nope",))
    fig = plot_policy({"greedy": res.final_probs, "gibbs": gibbs_policy(env.means, 0.5)},
                      Q=env.means)
    assert fig.axes[0].get_xlabel().startswith("arm")
    st = {f"n={n}": self_train(k=3, n_samples=n, generations=50, runs=5, seed=0, progress=False)
          for n in (5, 10)}
    fig = plot_self_training(st, theory={k: wf([1, 1, 1], int(k[2:])) for k in st})
    assert fig.axes[0].get_xscale() == "log"
    fig.savefig(tmp_path / "st.png")
    plt.close("all")
