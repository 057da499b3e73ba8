"""Every notebook and every solutions notebook runs top to bottom in fast mode
(THERMO_RL_FAST=1) without errors, draws its figures, prints lines that fit a laptop-width
page, and is stored clean: the kernelspec that ipykernel installs, no widget or progress-bar
output left over from a run.

The "implement it yourself" exercises are graded in the notebook by otter-grader
(``grader.check``, OK-format test files in ``notebooks/tests/``): a notebook's check reports
the unsolved exercise as failed (without an error in the run), and the solutions notebook's
check passes every case."""

import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(ROOT.glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
ALL = NOTEBOOKS + SOLUTIONS
IDS = [p.stem for p in ALL]
MAX_LINE = 90          # printed characters per line that fit JupyterLab's page on a laptop
OTTER_TESTS = ROOT / "tests"
CHECK = re.compile(r"""grader\.check\(["'](\w+)["']\)""")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _checks(nb):
    """(test name, its result text) of every ``grader.check`` cell of an executed notebook."""
    out = []
    for c in nb.cells:
        m = CHECK.search(c.source) if c.cell_type == "code" else None
        if m:
            text = "".join(o.get("data", {}).get("text/plain", "") for o in c.get("outputs", []))
            out.append((m.group(1), text))
    return out


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_notebook_runs_in_fast_mode(path, monkeypatch, tmp_path):
    monkeypatch.setenv("THERMO_RL_FAST", "1")
    monkeypatch.setenv("THERMO_RL_PROGRESS", "0")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    # run from a copy of the layout, so otter finds tests/ and writes its log under tmp
    shutil.copytree(OTTER_TESTS, tmp_path / "tests")
    cwd = tmp_path / "solutions" if path.parent.name == "solutions" else tmp_path
    cwd.mkdir(exist_ok=True)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    outputs = _outputs(nb)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, [f"{o['ename']}: {o['evalue']}" for o in errors]
    stderr = [o["text"] for o in outputs if o.get("output_type") == "stream"
              and o.get("name") == "stderr" and "%|" in o["text"]]
    assert not stderr, f"a progress bar was printed: {stderr[0][:200]}"
    long = [line for o in outputs if o.get("output_type") == "stream"
            for line in o["text"].splitlines() if len(line) > MAX_LINE]
    assert not long, f"{len(long)} printed lines longer than {MAX_LINE} characters: {long[0]!r}"
    if path.parent == ROOT and path.stem != "00_index":
        images = sum("image/png" in o.get("data", {}) for o in outputs)
        assert images >= 2, "the notebook should draw its figures"
    for name, text in _checks(nb):
        assert f"{name} results" in text or f"{name} passed" in text, \
            f"grader.check({name!r}) printed no result: {text[:300]!r}"
        if path.parent.name == "solutions":
            assert "All test cases passed" in text, f"the solution fails {name}: {text[:1500]}"
        else:
            assert "Test case failed" in text, \
                f"the unsolved exercise {name} passes its check (the test cannot fail)"


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_notebook_is_stored_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec") == KERNELSPEC
    assert "widgets" not in nb.metadata, "stale widget state stored in the notebook"
    for o in _outputs(nb):
        assert WIDGET_VIEW not in o.get("data", {}), "a stale widget output is stored"
        text = o.get("text", "") if o.get("output_type") == "stream" else ""
        assert "%|" not in text, "a stale progress bar is stored"


PHYSICS = [p for p in NOTEBOOKS if p.stem[:2] in {"01", "02", "03", "04", "05", "06"}]


@pytest.mark.parametrize("path", PHYSICS, ids=[p.stem for p in PHYSICS])
def test_notebook_has_a_graded_exercise_with_a_solution(path):
    """Each physics notebook, and 06, has an "implement it yourself" exercise checked by otter,
    and its solutions notebook runs the same checks; every check has its OK-format test file."""
    names = {n for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
             for n in CHECK.findall(c.source)}
    assert names, f"{path.name} has no grader.check exercise"
    sol = ROOT / "solutions" / f"{path.stem}_solutions.ipynb"
    sol_names = {n for c in nbformat.read(sol, as_version=4).cells if c.cell_type == "code"
                 for n in CHECK.findall(c.source)}
    assert names <= sol_names, f"{sol.name} does not run {names - sol_names}"
    for n in names:
        assert (OTTER_TESTS / f"{n}.py").exists(), f"notebooks/tests/{n}.py is missing"


def test_every_notebook_links_its_neighbours_and_has_exercises():
    names = [p.name for p in NOTEBOOKS]
    for i, path in enumerate(NOTEBOOKS):
        text = "".join(c.source for c in nbformat.read(path, as_version=4).cells
                       if c.cell_type == "markdown")
        if i + 1 < len(names):
            assert f"({names[i + 1]})" in text, f"{path.name} does not link to {names[i + 1]}"
        if i > 0:
            assert f"({names[i - 1]})" in text, f"{path.name} does not link to {names[i - 1]}"
        if path.stem != "00_index":
            assert "## Exercises" in text, f"{path.name} has no exercises"
            sol = ROOT / "solutions" / f"{path.stem}_solutions.ipynb"
            assert sol.exists(), f"{sol.name} is missing"
            assert f"(solutions/{sol.name})" in text
