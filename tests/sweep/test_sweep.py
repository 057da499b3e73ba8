"""Sweeps: spec errors, seeds, failures, joblib vs a LocalCluster, kill and resume."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("joblib")
distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

from thermo_rl.cli import main
from thermo_rl.sweep import (
    Sweep,
    SweepPointError,
    SweepSpecError,
    aggregate,
    load_results,
    point_seed,
    run_sweep,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# timing and bookkeeping columns differ between runs; everything else must not
VOLATILE = ["seconds", "cpu_seconds", "finished_at", "result_seconds", "flips_per_ns"]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), env.get("PYTHONPATH", "")])
    env["THERMO_RL_PROGRESS"] = "0"
    return env


@pytest.fixture(scope="module")
def client():
    """A 2-process LocalCluster, started once for the module."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = _env()["PYTHONPATH"]      # the workers import sweep_points
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def _ising():
    return Sweep("ising", grid={"L": [4, 6], "T": [1.8, 2.4, 3.2]},
                 fixed={"sweeps": 64, "burn_in": 16}, replicas=2, seed=7)


# -- spec ----------------------------------------------------------------------------------

def _cli_error(tmp_path, capsys, text):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0, err
    return err


@pytest.mark.parametrize("text, field", [
    ('simulator = "ising"\ngrid = {T = []}\n', "grid.T"),
    ('simulator = "ising"\n[grid]\nT = "1:2"\n', "grid.T"),
    ('simulator = "ising"\nreplica = 3\n', "replica"),
    ('simulator = "ising"\nreplicas = 0\n', "replicas"),
    ('simulator = "ising"\n[grid]\nTemp = [1.0, 2.0]\n', "grid.Temp"),
    ('simulator = "ising"\n[fixed]\nseed = 3\n', "fixed.seed"),
    ('simulator = "isnig"\n', "simulator"),
    ('[grid]\nT = [1.0]\n', "simulator"),
    ('simulator = "ising"\n[grid]\nT = {start = 1, stop = 2, num = 0}\n', "grid.T.num"),
    ('simulator = "ising"\n[fixed]\nL = 4\n[grid]\nL = [4, 8]\n', "grid.L"),
    ('simulator = "ising"\n[[points]]\nalgo = "wolff"\n', "points[0].algo"),
])
def test_malformed_spec_is_one_line_naming_the_field(tmp_path, capsys, text, field):
    err = _cli_error(tmp_path, capsys, text)
    assert f"spec field '{field}'" in err


def test_toml_syntax_error_names_the_line(tmp_path, capsys):
    err = _cli_error(tmp_path, capsys, 'simulator = "ising"\n[grid\n')
    assert "invalid TOML" in err and "line 2" in err


def test_grid_forms_and_order():
    sw = Sweep("ising", grid={"L": [4, 8], "T": "2:3:3"}, replicas=[5, 9])
    pts = sw.expand()
    assert len(pts) == len(sw) == 12
    assert [p.params["T"] for p in pts[:6:2]] == [2.0, 2.5, 3.0]       # last axis fastest
    assert [p.replica for p in pts[:2]] == [5, 9]
    assert sw.axes["T"] == Sweep("ising", grid={"T": {"start": 2, "stop": 3, "num": 3}}).axes["T"]
    assert len({p.key for p in pts}) == len({p.seed for p in pts}) == 12
    with pytest.raises(SweepSpecError, match="'grid'.*appears twice"):
        Sweep("ising", grid={"T": [2, 2.0]}).expand()


def test_seed_depends_on_parameters_not_order():
    a = {(p.params["L"], p.params["T"], p.replica): p.seed
         for p in Sweep("ising", grid={"L": [4, 8], "T": [2.0, 3.0]}, replicas=2).expand()}
    b = {(p.params["L"], p.params["T"], p.replica): p.seed
         for p in Sweep("ising", grid={"T": [3.0, 2.0, 2.5], "L": [8, 4]}, replicas=2).expand()}
    assert all(b[k] == v for k, v in a.items())          # reordered and grown grid
    assert point_seed("ising", {"L": 4, "T": 2}) == point_seed("ising", {"T": 2.0, "L": 4})
    assert point_seed("ising", {"L": 4, "T": 2}, sweep_seed=1) != point_seed(
        "ising", {"L": 4, "T": 2})
    # SHA-256 of the sorted JSON (not Python's salted hash()): stable across processes
    text = '{"params":{"L":4,"T":2},"replica":0,"simulator":"ising","sweep_seed":0}'
    expected = int.from_bytes(hashlib.sha256(text.encode()).digest()[16:24], "big") >> 1
    assert point_seed("ising", {"L": 4, "T": 2.0}, 0, 0) == expected == 8240395768439107632


# -- running -------------------------------------------------------------------------------

def test_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    sys.path.insert(0, str(HERE))
    try:
        sw = Sweep("sweep_points:slow", grid={"x": [0, -1, 2]})
        res = run_sweep(sw, tmp_path, workers=1, progress=False)
        t = res.table.set_index("x")
        assert res.failed == 1 and list(t["status"]) == ["ok", "error", "ok"]
        assert "RuntimeError: boom at x=-1" in t.loc[-1, "error"]
        assert t.loc[2, "y"] == 4 and np.isnan(t.loc[-1, "y"])
        again = run_sweep(sw, tmp_path, workers=1, progress=False)     # failures are done
        assert (again.done_before, again.ran) == (3, 0)
        retry = run_sweep(sw, tmp_path, workers=1, progress=False, retry_failed=True)
        assert (retry.done_before, retry.ran, len(retry.table)) == (2, 1, 3)
    finally:
        sys.path.remove(str(HERE))


def test_joblib_and_localcluster_give_identical_tables(tmp_path, client):
    a = run_sweep(_ising(), tmp_path / "joblib", workers=2, progress=False)
    b = run_sweep(_ising(), tmp_path / "dask", scheduler=client, progress=False)
    c = run_sweep(_ising(), None, workers=1, progress=False)            # in process, memory
    assert a.failed == 0 and len(a.table) == 12 and a.table["key"].is_unique
    for other in (b, c):
        pd.testing.assert_frame_equal(a.table.drop(columns=VOLATILE),
                                      other.table.drop(columns=VOLATILE))
    # the stored table is the returned one
    stored = load_results(tmp_path / "dask").set_index("key").loc[b.table["key"]].reset_index()
    pd.testing.assert_frame_equal(stored[b.table.columns].drop(columns=VOLATILE),
                                  b.table.drop(columns=VOLATILE))


def _wait_for_rows(out: Path, n: int, proc, timeout=600.0):
    """Wait until exactly ``n`` rows are saved (the test released ``n`` points).
    The timeout only stops a broken test from hanging: released points finish at once."""
    t0 = time.monotonic()
    while len(list(out.glob("point-*.parquet"))) < n:
        if proc.poll() is not None:
            raise AssertionError(f"driver exited early: {proc.stderr.read()}")
        if time.monotonic() - t0 > timeout:
            raise AssertionError("no progress")
        time.sleep(0.05)
    assert len(list(out.glob("point-*.parquet"))) == n


def _spec(tmp_path, n=24, by="index"):
    """A sweep of ``n`` gated points: a point finishes only once the test has released it
    (sweep_points.release), so how many are done at each step does not depend on the
    machine's speed."""
    spec = tmp_path / "gated.toml"
    gate = tmp_path / "gate"
    gate.mkdir()
    spec.write_text(f'simulator = "sweep_points:gated"\nseed = 3\n[fixed]\n'
                    f'gate = "{gate.as_posix()}"\nby = "{by}"\n[grid]\nx = {list(range(n))}\n')
    return spec, gate


def _driver(spec, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "thermo_rl.cli", "sweep", str(spec),
                             "--out", str(out), "--no-progress", "--allow-import", *extra],
                            env=_env(), cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _check_complete(out, n):
    files = list(out.glob("point-*.parquet"))
    keys = [f.name for f in files]
    assert len(keys) == len(set(keys))
    t = load_results(out)
    assert len(t) == n and t["key"].is_unique and set(t["x"]) == set(range(n))
    assert (t["status"] == "ok").all() and (t["y"] == 2 * t["x"]).all()
    # each row computed from its own derived seed (nothing mixed up across points)
    u = [float(np.random.default_rng(s).random()) for s in t["seed"]]
    np.testing.assert_array_equal(t["u"].to_numpy(), u)
    return t


def _resume(spec, out, **kw):
    sys.path.insert(0, str(HERE))
    try:
        return run_sweep(Sweep.from_toml(spec, allow_import=True), out, progress=False, **kw)
    finally:
        sys.path.remove(str(HERE))


def test_killed_worker_and_interrupted_driver_resume_without_loss(tmp_path):
    from sweep_points import release

    n = 24
    out = tmp_path / "out"
    spec, gate = _spec(tmp_path, n)
    proc = _driver(spec, out, "--workers", "2")
    try:
        release(gate, 3)
        _wait_for_rows(out, 3, proc)                       # both workers now wait
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True)
                   if "loky" in " ".join(c.cmdline()) and
                   "resource_tracker" not in " ".join(c.cmdline())]
        assert workers, "no loky worker found"
        workers[0].kill()                                  # a worker dies mid-sweep
        release(gate, 8)
        _wait_for_rows(out, 8, proc)                       # the pool restarted, rows go on
        proc.send_signal(signal.SIGINT)                    # Ctrl-C: 16 points cannot finish
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 130, err
        assert "8 of 24 points are saved in" in err and "again to resume" in err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert len(list(out.glob("point-*.parquet"))) == 8
    release(gate, 10**6)
    res = _resume(spec, out, workers=2)
    assert res.done_before == 8 and res.ran == n - 8
    _check_complete(out, n)


def test_dask_worker_killed_and_driver_killed_resume(tmp_path, client):
    from sweep_points import release

    n = 16
    out = tmp_path / "out"
    spec, gate = _spec(tmp_path, n, by="count")
    proc = _driver(spec, out, "--scheduler", client.scheduler.address)
    try:
        release(gate, 2)
        _wait_for_rows(out, 2, proc)
        pid = next(iter(client.run(os.getpid).values()))
        psutil.Process(pid).kill()                          # a Dask worker dies
        release(gate, 5)
        _wait_for_rows(out, 5, proc)
        os.killpg(proc.pid, signal.SIGKILL)                 # the driver is killed hard
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    client.wait_for_workers(2, timeout=600)                # the nanny restarted it
    assert len(list(out.glob("point-*.parquet"))) == 5
    release(gate, 10**6)
    res = _resume(spec, out, scheduler=client)
    assert res.done_before == 5 and res.ran == n - 5 and res.failed == 0
    _check_complete(out, n)


def test_cli_sweep_json_and_figure(tmp_path, capsys):
    spec = tmp_path / "ising.toml"
    spec.write_text('simulator = "ising"\nreplicas = 2\n[fixed]\nsweeps = 64\nburn_in = 16\n'
                    '[grid]\nL = [4]\nT = "2:3:2"\n')
    out = tmp_path / "res"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--json",
                 "--no-progress", "--plot", "abs_m"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["points"], d["ran"], d["failed"], d["table_rows"]) == (4, 4, 0, 4)
    assert Path(d["figures"][0]).is_file()
    assert main(["sweep", str(spec), "--out", str(out), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["to_run"] == 0


def test_registry_entries_run_one_point_each():
    cases = [("potts", {"L": 4, "T": 1.0, "q": 3, "sweeps": 64, "burn_in": 16}, "abs_m"),
             ("anneal", {"problem": "tsp", "n": 8, "instance": 1, "sweeps": 20, "runs": 2},
              "best_energy"),
             ("bandit", {"env": "equal-best", "k": 4, "m": 2, "policy": "pg", "T": 0.2,
                         "control": "entropy-bonus", "runs": 8, "steps": 20}, "coverage"),
             ("bandit", {"policy": "softmax", "T": 0.1, "runs": 8, "steps": 20}, "reward")]
    for name, params, col in cases:
        res = run_sweep(Sweep(name, fixed=params), workers=1, progress=False)
        row = res.table.iloc[0]
        assert row["status"] == "ok", row["error"]
        assert np.isfinite(row[col])
    with pytest.raises(SweepSpecError, match="fixed.epsilonn"):
        Sweep("bandit", fixed={"policy": "pg", "epsilonn": 0.1}).validate()
    # a parameter of another policy: refused before any point runs, naming the point
    with pytest.raises(SweepPointError, match=r"sweep point 1 of 2 \(.*policy='pg'.*'epsilon'"):
        run_sweep(Sweep("bandit", fixed={"runs": 2, "steps": 4, "epsilon": 0.1},
                        grid={"policy": ["pg", "epsilon-greedy"]}), workers=1, progress=False)


def test_an_invalid_point_stops_the_sweep_before_any_point_runs(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('simulator = "ising"\n[fixed]\nsweeps = 64\n[grid]\nL = [16, -4]\n'
                    'T = [2.0, 3.0]\n')
    out = tmp_path / "o"
    for extra in ([], ["--dry-run"]):
        code = main(["sweep", str(spec), "--out", str(out), "--no-progress", *extra])
        captured = capsys.readouterr()
        assert code == 2 and captured.out == ""
        assert captured.err.strip().splitlines() == [(
            "thermo-rl sweep: error: sweep point 3 of 4 (sweeps=64, L=-4, T=2.0; replica 0): "
            "L must be >= 2, got -4")]
    assert not list(out.glob("point-*.parquet"))                    # nothing ran
    # every built-in but llm checks its values without running (the same checks as a run)
    for name, bad in [("potts", {"q": 1}), ("anneal", {"problem": "tsp", "n": 2}),
                      ("bandit", {"policy": "softmax", "T": -1.0})]:
        with pytest.raises(SweepPointError, match="sweep point 1 of 1"):
            Sweep(name, fixed=bad).validate()


def test_a_spec_file_names_no_code_unless_allowed(tmp_path, capsys):
    """A TOML spec naming os:system must not call it: refused in one line, nothing run."""
    marker = tmp_path / "ran"
    spec = tmp_path / "evil.toml"
    spec.write_text(f'simulator = "os:system"\n[fixed]\ncommand = ["touch {marker}"]\n')
    out = tmp_path / "o"
    code = main(["sweep", str(spec), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "'os:system' names a Python function" in err and "--allow-import" in err
    assert not marker.exists() and not out.exists()
    with pytest.raises(SweepSpecError, match="names a Python function"):
        Sweep.from_toml(spec)
    with pytest.raises(SweepSpecError, match="names a Python function"):
        run_sweep({"simulator": "sweep_points:slow", "fixed": {"x": 1}}, workers=1,
                  progress=False)
    # a spec of the registered simulators needs no flag; one naming code runs with it
    ok = tmp_path / "mine.toml"
    ok.write_text('simulator = "sweep_points:slow"\n[grid]\nx = [1, 2]\n')
    sys.path.insert(0, str(HERE))
    try:
        assert Sweep.from_toml(ok, allow_import=True).simulator_name == "sweep_points:slow"
        assert main(["sweep", str(ok), "--out", str(tmp_path / "m"), "--no-progress",
                     "--allow-import", "--workers", "1", "--json"]) == 0
    finally:
        sys.path.remove(str(HERE))
    assert json.loads(capsys.readouterr().out)["ran"] == 2


def test_aggregate_mean_and_error():
    t = pd.DataFrame({"L": [4, 4, 4, 8], "T": [2.0, 2.0, 2.0, 2.0], "status": "ok",
                      "e": [1.0, 2.0, 3.0, 5.0], "e_error": [9.0, 9.0, 9.0, 0.5]})
    a = aggregate(t, "e", x="T", by="L").set_index("L")
    assert a.loc[4, "e"] == 2.0 and a.loc[4, "error"] == pytest.approx(1 / np.sqrt(3))
    assert a.loc[8, "error"] == 0.5 and a.loc[8, "n"] == 1      # one replica: its own error
    with pytest.raises(ValueError, match="y: no column"):
        aggregate(t, "m")


def test_llm_entry_runs_controls_by_coefficient():
    pytest.importorskip("torch")
    sw = Sweep("llm", fixed={"task": "multiples", "size": "tiny", "pretrain_steps": 10,
                             "steps": 1, "n_prompts": 4, "group": 4},
               points=[{"control": "none"}, {"control": "entropy-bonus", "coef": 0.1}])
    res = run_sweep(sw.validate(), workers=1, progress=False)
    t = res.table
    assert list(t["status"]) == ["ok", "ok"], list(t["error"])
    assert np.isfinite(t["after_pass@1"]).all() and np.isfinite(t["after_coverage"]).all()
    # both runs start from the same pretrained model (pretrained once, kept by the worker)
    assert t["before_pass@1"].nunique() == 1
    with pytest.raises(SweepSpecError, match="fixed.coeff"):
        Sweep("llm", fixed={"coeff": 0.1}).validate()
