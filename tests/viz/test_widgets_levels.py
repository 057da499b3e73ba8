"""viz.levels and viz.widgets draw what they are given: no physics is called there, the
temperature explorer steps through a precomputed grid, and a slider redraws its figure."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pytest

from thermo_rl.gibbs import thermodynamics
from thermo_rl.viz import levels, widgets


def _grid():
    E, g = [0.0, 0.5, 1.0], [1, 2, 1]
    return E, g, thermodynamics(E, T=np.geomspace(0.05, 5.0, 31), degeneracy=g)


def test_viz_modules_import_no_physics():
    import re

    for mod in (levels, widgets):
        src = Path(mod.__file__).read_text()
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", src, flags=re.MULTILINE)
        assert not [m for m in imports if re.search(r"gibbs|physics|anneal|bandits", m)], imports


def test_thermo_curves_marker_sits_on_the_curves():
    _E, _g, th = _grid()
    fig = levels.thermo_curves(th)
    assert len(fig.axes) == 2
    import matplotlib.pyplot as plt

    _fig2, axes = plt.subplots(1, 2)
    levels.thermo_panels(th, axes, index=10)
    dots = [ln for ln in axes[0].lines if ln.get_marker() == "o"]
    ys = sorted(float(d.get_ydata()[0]) for d in dots)
    expect = sorted([th.U[10], th.T[10] * th.S[10], th.F[10]])
    assert np.allclose(ys, expect)
    plt.close("all")


def test_temperature_explorer_slider_moves_the_marker(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    E, g, th = _grid()
    drawn = []
    real = widgets._explorer_figure

    def spy(th_, energies, degeneracy, i, logx):
        drawn.append(i)
        return real(th_, energies, degeneracy, i, logx)

    monkeypatch.setattr(widgets, "_explorer_figure", spy)
    box = widgets.temperature_explorer(th, E, degeneracy=g, T0=1.0)
    slider, _out = box.children
    assert isinstance(slider, ipywidgets.SelectionSlider)
    assert th.T[slider.value] == pytest.approx(1.0, rel=0.1)
    slider.value = 3
    assert drawn == [int(np.argmin(np.abs(np.log(th.T)))), 3]


def test_slider_figure_calls_draw_with_the_value():
    pytest.importorskip("ipywidgets")
    import matplotlib.pyplot as plt

    seen = []

    def draw(v):
        seen.append(v)
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, v])
        return fig

    box = widgets.slider_figure(draw, value=2.0, min=1.0, max=10.0, log=True, description="x")
    box.children[0].value = 5.0
    assert seen[0] == pytest.approx(2.0) and seen[-1] == pytest.approx(5.0)


def test_explorer_needs_a_grid():
    E, g, _ = _grid()
    with pytest.raises(ValueError, match="grid"):
        widgets.temperature_explorer(thermodynamics(E, T=1.0, degeneracy=g), E)


def test_a_slider_stores_its_first_figure_as_a_static_png():
    """Beside the widget view, the display data carry the PNG of the figure at the starting
    value (and only that one), so a notebook stored without widget state still shows it."""
    pytest.importorskip("ipywidgets")
    import base64

    import matplotlib.pyplot as plt

    def draw(v):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [0, v])
        return fig

    box = widgets.slider_figure(draw, value=2.0, min=1.0, max=10.0, description="x")
    data = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert png.startswith(b"\x89PNG")
    box.children[0].value = 7.0                     # moving the slider keeps the first figure
    assert base64.b64decode(box._repr_mimebundle_()["image/png"]) == png
