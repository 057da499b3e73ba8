"""Several RL seeds per control (`compare_seeds`, `thermo-rl llm compare --seeds`) and the
multi-seed comparison shipped for notebook 05 (`thermo_rl.llm.course.controls_comparison`)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("torch")

from thermo_rl.cli import main
from thermo_rl.cli.llm_compare import rerun
from thermo_rl.errors import UserError
from thermo_rl.llm import course
from thermo_rl.llm.rl import compare, compare_seeds
from thermo_rl.llm.rl_results import SEED_METRICS, SeedsResult


@pytest.fixture(scope="module")
def seeds_run(tiny_pair_sum):
    return compare_seeds(tiny_pair_sum, ("none", "kl-penalty"), seeds=3, seed=4, steps=2,
                         n_prompts=4, group=4, eval_every=1, progress=False)


def test_mean_and_standard_error_by_hand(seeds_run):
    """Every step's mean and std(ddof=1)/sqrt(3), recomputed from the three seeds' values."""
    for name, per in seeds_run.series.items():
        assert sorted(per) == [4, 5, 6]
        s = seeds_run.summary[name]
        assert s["step"] == [0, 1, 2] and s["n"] == 3
        for key in SEED_METRICS:
            vals = np.array([per[seed][key] for seed in (4, 5, 6)], dtype=float)   # (3, steps)
            for t in range(3):
                v = vals[:, t]
                se = math.sqrt(sum((x - v.mean()) ** 2 for x in v) / 2) / math.sqrt(3)
                assert s[key][t] == pytest.approx(v.mean(), abs=1e-12)
                assert s[f"{key}_se"][t] == pytest.approx(se, abs=1e-12)
        pk = np.array([per[seed]["pass@k"][4] for seed in (4, 5, 6)])
        assert s["pass@k"][4] == pytest.approx(pk.mean(0).tolist(), abs=1e-12)


def test_each_seed_is_the_single_seed_run(tiny_pair_sum, seeds_run):
    """Seed 5 of the three is compare(..., seed=5), bit for bit: the seeds are seed + i."""
    one = compare(tiny_pair_sum, ("none", "kl-penalty"), seed=5, steps=2, n_prompts=4,
                  group=4, eval_every=1, progress=False)
    for name in ("none", "kl-penalty"):
        got = seeds_run.series[name][5]
        want = [one[name].before["pass@1"]] + [r["pass@1"] for r in one[name].history]
        assert got["pass@1"] == want
        assert got["kl_star"][-1] == one[name].after["kl_star"]


def test_round_trip_and_derived_tables(seeds_run):
    d = json.loads(json.dumps(seeds_run.as_dict()))
    back = SeedsResult.from_dict(d)
    for name, row in seeds_run.final().items():
        assert back.final()[name] == pytest.approx(row)
    assert back.crossovers() == seeds_run.crossovers()
    fin = seeds_run.final()
    for name, row in fin.items():
        assert row["pass@1"] == seeds_run.summary[name]["pass@1"][-1]
    # the front holds the runs no other beats on both pass@1 and coverage
    for n in seeds_run.pareto():
        assert not any(fin[o]["pass@1"] > fin[n]["pass@1"]
                       and fin[o]["coverage"] >= fin[n]["coverage"] for o in fin if o != n)
    assert seeds_run.optimum["star_coef"] == 0.2
    assert seeds_run.optimum["pass@1"] > seeds_run.base["pass@1"]


def test_seeds_flag_is_checked_before_any_work(tmp_path, capsys):
    rc = main(["llm", "compare", "--seeds", "0", "--course-model", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "--seeds" in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())
    rc = main(["llm", "compare", "--course-model", "--checkpoint", str(tmp_path),
               "--dry-run"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "--course-model" in err
    rc = main(["llm", "compare", "--seeds", "2", "--course-model", "--dry-run", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["seeds"] == [0, 1]


def test_cli_saves_histories_with_the_command_and_version(tmp_path, capsys):
    import thermo_rl

    argv = ["llm", "compare", "--course-model", "--device", "cpu", "--controls", "none",
            "--seeds", "2", "--seed", "3", "--steps", "2", "--prompts", "4", "--group", "4",
            "--eval-every", "1", "--no-progress", "--out", str(tmp_path)]
    assert main(argv) == 0
    capsys.readouterr()
    d = json.loads((tmp_path / "llm_compare_seeds.json").read_text())
    assert d["version"] == thermo_rl.__version__
    assert d["command"] == "thermo-rl " + " ".join(argv)
    assert d["settings"]["seeds"] == [3, 4] and d["summary"]["none"]["n"] == 2
    assert (tmp_path / "llm_compare_seeds.png").exists()
    res = course.controls_comparison(tmp_path / "llm_compare_seeds.json")
    assert res.settings["command"] == d["command"]


# ----------------------------------------------------------------------------- shipped data
@pytest.fixture(scope="module")
def shipped():
    return course.controls_comparison()


def test_shipped_comparison_records_what_made_it(shipped):
    import thermo_rl

    s = shipped.settings
    assert s["version"] == thermo_rl.__version__
    cmd = s["command"]
    assert cmd.startswith("thermo-rl llm compare --course-model ")
    assert f"--seeds {len(s['seeds'])}" in cmd and len(s["seeds"]) >= 3
    for flag, value in (("--steps", s["steps"]), ("--prompts", s["n_prompts"]),
                        ("--group", s["group"]), ("--eval-every", s["eval_every"])):
        assert f"{flag} {value}" in cmd
    assert f"--controls {','.join(shipped.summary)}" in cmd
    assert s["task"] == "pair-sum" and s["size"] == "tiny"


def test_shipped_comparison_starts_from_the_shipped_model(shipped):
    """The base metrics in the file are those of course.base_model(), to float precision."""
    m = course.base_model().distribution().metrics(ks=(1, 8, 64))
    assert shipped.base["pass@1"] == pytest.approx(m["pass@1"], abs=1e-6)
    assert shipped.base["answer_entropy"] == pytest.approx(m["answer_entropy"], abs=1e-5)
    for s in shipped.summary.values():
        assert s["pass@1"][0] == pytest.approx(m["pass@1"], abs=1e-6)   # step 0: the base


def test_shipped_numbers_are_consistent(shipped):
    """SE >= 0, KL >= 0, probabilities in [0, 1], pass@k and distinct@k non-decreasing in k,
    every mean the mean of the stored seeds."""
    for name, s in shipped.summary.items():
        n = len(shipped.series[name])
        assert s["n"] == n >= 3
        for key in SEED_METRICS:
            se = np.asarray(s[f"{key}_se"], float)
            assert np.all(np.isfinite(se)) and np.all(se >= 0)
            vals = np.array([v[key] for v in shipped.series[name].values()], float)
            assert np.allclose(s[key], vals.mean(0), atol=1e-12)
            assert np.allclose(se, vals.std(0, ddof=1) / math.sqrt(n), atol=1e-12)
        assert np.all(np.asarray(s["kl_star"]) >= 0) and np.all(np.asarray(s["kl_ref"]) >= 0)
        for key in ("pass@1", "coverage"):
            assert np.all((np.asarray(s[key]) >= 0) & (np.asarray(s[key]) <= 1))
        for curve in ("pass@k", "distinct@k"):
            for seed_series in shipped.series[name].values():
                ks = sorted(seed_series[curve])
                arr = np.array([seed_series[curve][k] for k in ks])       # (k, steps)
                assert np.all(np.diff(arr, axis=0) >= -1e-12), (name, curve)
        assert np.allclose(s["pass@k"][1], s["pass@1"], atol=1e-12)


def test_shipped_kl_penalty_approaches_the_gibbs_optimum(shipped):
    """The claim notebook 05 makes: the KL penalty ends nearer pi* than the base model, and
    nearer than the reward alone, each by more than three standard errors combined."""
    fin = shipped.final()
    kl, none = fin["kl-penalty"], fin["none"]
    assert shipped.base["kl_star"] - kl["kl_star"] > 3 * kl["kl_star_se"]
    assert none["kl_star"] - kl["kl_star"] > 3 * math.hypot(kl["kl_star_se"],
                                                            none["kl_star_se"])


def test_shipped_command_is_the_module_constant(shipped):
    assert shipped.settings["command"] == course.COMPARE_COMMAND


def test_rerun_runs_a_recorded_command_into_another_folder(tmp_path, capsys):
    cmd = ("thermo-rl llm compare --course-model --device cpu --controls none --seeds 2 "
           "--steps 1 --prompts 4 --group 4 --eval-every 1 --out somewhere/else")
    res = rerun(tmp_path, command=cmd)
    capsys.readouterr()
    assert (tmp_path / "llm_compare_seeds.json").exists()
    assert not (tmp_path / "somewhere").exists()
    assert res.settings["seeds"] == [0, 1] and res.summary["none"]["step"] == [0, 1]
    assert res.settings["command"].endswith(f"--out {tmp_path} --no-progress")
    with pytest.raises(UserError):
        rerun(tmp_path, command="thermo-rl llm rl --steps 1")


def test_an_unreadable_comparison_is_one_clear_error(tmp_path):
    from thermo_rl.llm import course
    from thermo_rl.llm.train import CheckpointError

    bad = tmp_path / "llm_compare_seeds.json"
    for text in ("garbage", "[1, 2]", "{}"):
        bad.write_text(text)
        with pytest.raises(CheckpointError, match="not a comparison"):
            course.controls_comparison(bad)
    with pytest.raises(CheckpointError, match="no comparison at"):
        course.controls_comparison(tmp_path / "missing.json")
