"""The notebooks in a real browser: JupyterLab on a free local port, headless Chromium.

For a subset of the notebooks (00_index, a plain one; 01_free_energy_not_reward, with the
temperature explorer; 02_ising_magnet, with a slider that reruns a simulation;
06_side_by_side, with the language model and a graded exercise) the test
opens the notebook in JupyterLab, runs all cells in fast mode (THERMO_RL_FAST=1) and asserts
that it opens without unsaved changes, that no cell printed an error, that no widget fell back
to its text form ("VBox(children=...")
and, where the notebook has a slider, that the slider rendered and that moving it (keyboard,
one step right) changes the figure below it. Screenshots are saved under the test's
temporary directory. The notebooks run from a copy there, so JupyterLab's autosave never
touches the repository. It takes about a minute on 2 cores.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``) and Selenium (the ``test`` extra); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[1]
# (notebook, has a slider whose move must redraw a figure)
NOTEBOOKS = [("00_index", False), ("01_free_energy_not_reward", True), ("02_ising_magnet", True),
             ("05_language_models", False), ("06_side_by_side", False)]

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip("no browser: install one with `apt-get install -y chromium chromium-driver`",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                "(pip install selenium, or the test extra)")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (notebooks extra)")
pytest.importorskip("ipywidgets", reason="ipywidgets is not installed (notebooks extra)")

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

TOKEN = "thermo-rl-browser-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, poll: float = 0.5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of notebooks/, and its base URL."""
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    port = _free_port()
    env = {**os.environ, "THERMO_RL_FAST": "1", "THERMO_RL_PROGRESS": "0",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                         if p),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    # render every cell (JupyterLab 4 attaches only the visible ones by default), no news
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    with open(home / "lab.log", "w") as log:
        yield from _serve(home, port, env, log)


def _serve(home, port, env, log):
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={home}", "--ServerApp.port_retries=0",
         "--LabApp.news_url=", *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0
                                  else []),
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                return True
        except OSError:
            return proc.poll() is not None
    try:
        _wait(up, 90, "JupyterLab to start")
        assert proc.poll() is None, (home / "lab.log").read_text()[-2000:]
        yield base, home
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(lab):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000"):
        opts.add_argument(arg)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=opts, service=service)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _code_prompts(driver):
    """The code cells' prompts; [] while JupyterLab is re-rendering them (a prompt found and
    then detached raises StaleElementReferenceException: poll again)."""
    try:
        return [e.text for e in driver.find_elements(
            By.CSS_SELECTOR,
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt")]
    except StaleElementReferenceException:
        return []


def _run_all(driver):
    run_menu = _wait(lambda: [e for e in driver.find_elements(
        By.CSS_SELECTOR, ".lm-MenuBar-item") if e.text.strip() == "Run"], 30, "the Run menu")
    run_menu[0].click()
    item = _wait(lambda: driver.find_elements(
        By.CSS_SELECTOR, 'li.lm-Menu-item[data-command="runmenu:run-all"]'),
        15, "Run All Cells")
    item[0].click()


def _widget_image(driver):
    """The src of the last figure inside a widget, read in one script call: an <img> found by
    find_elements can be replaced by the redraw before its attribute is read (stale element)."""
    return driver.execute_script(
        "const imgs = document.querySelectorAll('.widget-output img, "
        ".jupyter-widget-Output img, .widget-vbox img');"
        "return imgs.length ? imgs[imgs.length - 1].getAttribute('src') : null;")


@pytest.mark.parametrize(("name", "has_slider"), NOTEBOOKS, ids=[n for n, _ in NOTEBOOKS])
def test_notebook_in_jupyterlab(name, has_slider, lab, browser, tmp_path):
    base, _home = lab
    driver = browser
    driver.get(f"{base}/lab/tree/notebooks/{name}.ipynb?token={TOKEN}&reset")
    _wait(lambda: _code_prompts(driver), 120, "the notebook to open")
    time.sleep(2.0)             # JupyterLab marks a notebook dirty if it rewrites its metadata
    assert not driver.find_elements(By.CSS_SELECTOR, ".lm-TabBar-tab.jp-mod-dirty"), \
        f"{name} opens with unsaved changes (stored kernelspec or metadata out of date)"
    n_code = len(_code_prompts(driver))
    _run_all(driver)

    def finished():
        prompts = _code_prompts(driver)
        done = [p for p in prompts if p.strip().startswith("[") and p.strip()[1:-2].isdigit()]
        return len(done) == n_code and not any("*" in p for p in prompts)
    _wait(finished, 240, f"all {n_code} cells of {name} to run", poll=1.0)
    time.sleep(1.0)
    driver.save_screenshot(str(tmp_path / f"{name}.png"))

    # read in single script calls: an element found and then re-rendered would go stale
    errors = driver.execute_script(
        "return Array.from(document.querySelectorAll(\".jp-OutputArea-output[data-mime-type="
        "'application/vnd.jupyter.stderr']\")).map(e => e.innerText);")
    tracebacks = [e[:300] for e in errors if "Error" in e or "Traceback" in e]
    assert not tracebacks, f"{name}: error output {tracebacks}"
    text = driver.execute_script(
        "return document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)').innerText;")
    assert "VBox(children" not in text and "FloatLogSlider(" not in text, \
        f"{name}: a widget fell back to its text form"
    if not has_slider:
        return
    handles = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".widget-slider .noUi-handle"),
                    30, "a slider to render")
    before = _wait(lambda: _widget_image(driver), 60, "the slider's figure")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handles[0])
    for attempt in range(3):            # a key press can be lost while the page settles
        try:
            handles[0].click()
            handles[0].send_keys(Keys.ARROW_RIGHT)
        except StaleElementReferenceException:      # the widget re-rendered: find it again
            if attempt == 2:
                raise
            handles = driver.find_elements(By.CSS_SELECTOR, ".widget-slider .noUi-handle")
            continue
        try:
            _wait(lambda: _widget_image(driver) not in (None, before), 40,
                  "the figure to change after moving the slider")
            break
        except AssertionError:
            if attempt == 2:
                driver.save_screenshot(str(tmp_path / f"{name}_slider_failed.png"))
                raise
    driver.save_screenshot(str(tmp_path / f"{name}_slider_moved.png"))
