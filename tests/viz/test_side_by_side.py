"""thermo_rl.viz.side_by_side: slide-sized figures, error bars and bands, legends off the data.

The drawn numbers are read back from the artists and compared with what was passed in
(the figures compute nothing); the slide size and the legend placement are measured in
pixels on the rendered figure."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt

from thermo_rl.errors import UserError
from thermo_rl.viz.side_by_side import (
    SLIDE_DPI,
    SLIDE_SIZE,
    plot_panel,
    slide_figure,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _panel(**kw):
    x = np.array([1.0, 2.0, 3.0, 4.0])
    return {"x": x, "ys": {"mean": x ** 2, "other": x}, "xlabel": "$T$", "ylabel": "y",
            "title": "a panel", **kw}


def test_slide_figure_is_1280_by_720_pixels_with_legible_fonts(tmp_path):
    fig = slide_figure([_panel(), _panel(), _panel()], rows=2, cols=2, title="one idea")
    assert [round(v * SLIDE_DPI) for v in SLIDE_SIZE] == [1280, 720]
    path = tmp_path / "slide.png"
    fig.savefig(path, dpi=SLIDE_DPI)
    h, w = plt.imread(path).shape[:2]
    assert (w, h) == (1280, 720)
    ax = fig.axes[0]
    sizes = [ax.title.get_fontsize(), ax.xaxis.label.get_fontsize(),
             ax.yaxis.label.get_fontsize(), ax.get_legend().get_texts()[0].get_fontsize(),
             ax.get_xticklabels()[0].get_fontsize()]
    assert min(sizes) >= 10.0, sizes
    assert fig.axes[3].axison is False                     # the fourth cell is left empty


def test_legends_sit_below_their_panel_off_the_data():
    fig = slide_figure([_panel(), _panel(hlines={"limit": 2.0})], rows=1, cols=2)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend().get_window_extent(renderer)
        box = ax.get_window_extent(renderer)
        assert legend.y1 <= box.y0, "the legend overlaps the axes"


def test_errors_on_a_plain_line_draw_a_band_of_one_standard_error():
    se = np.array([0.1, 0.2, 0.3, 0.4])
    fig = plot_panel(_panel(errors={"mean": se}), fontsize=12)
    ax = fig.axes[0]
    bands = ax.collections
    assert len(bands) == 1
    verts = bands[0].get_paths()[0].vertices
    x = np.array([1.0, 2.0, 3.0, 4.0])
    for xi, lo, hi in zip(x, x ** 2 - se, x ** 2 + se):
        at = verts[np.isclose(verts[:, 0], xi)][:, 1]
        assert np.isclose(at.min(), lo) and np.isclose(at.max(), hi)


def test_errors_on_a_marked_line_draw_error_bars():
    se = np.array([0.5, 0.25, 0.125, 0.0])
    fig = plot_panel(_panel(errors={"mean": se}, markers=["mean"]))
    ax = fig.axes[0]
    (container,) = ax.containers
    segs = container.lines[2][0].get_segments()
    x = np.array([1.0, 2.0, 3.0, 4.0])
    for s, xi, e in zip(segs, x, se):
        assert np.allclose(s[:, 0], xi)
        assert np.allclose(sorted(s[:, 1]), [xi ** 2 - e, xi ** 2 + e])
    marked = {ln.get_label(): ln.get_marker() for ln in ax.lines}
    assert marked["other"] in (None, "None", "")             # only the listed line is marked


def test_bands_shade_between_two_curves():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    fig = plot_panel(_panel(bands={"gap": (x, x ** 2)}))
    verts = fig.axes[0].collections[0].get_paths()[0].vertices
    at3 = verts[np.isclose(verts[:, 0], 3.0)][:, 1]
    assert np.isclose(at3.min(), 3.0) and np.isclose(at3.max(), 9.0)


def test_a_styled_band_is_hatched_in_its_own_colour_and_listed_in_the_legend():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    fig = plot_panel(_panel(bands={"T S": (x, x ** 2), "lambda KL": (x, x ** 2,
                                                                      {"color": "C3",
                                                                       "hatch": "//"})}))
    ax = fig.axes[0]
    plain, styled = ax.collections
    assert plain.get_hatch() is None and styled.get_hatch() == "//"
    assert not np.allclose(plain.get_facecolor()[0][:3], styled.get_facecolor()[0][:3])
    assert np.allclose(styled.get_facecolor()[0][:3], matplotlib.colors.to_rgb("C3"))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "T S" in labels and "lambda KL" in labels


def test_points_are_not_joined_and_guides_take_their_line_colour():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    fig = plot_panel(_panel(points=["other"], guides={"target of mean": (x, 2 * x, "mean"),
                                                      "grey guide": (x, 3 * x, None)}))
    lines = {ln.get_label(): ln for ln in fig.axes[0].lines}
    assert lines["other"].get_linestyle() in ("None", "none", "")
    assert lines["other"].get_marker() not in (None, "None", "")
    assert lines["mean"].get_linestyle() not in ("None", "none", "")
    assert lines["target of mean"].get_color() == lines["mean"].get_color()
    assert np.allclose(lines["target of mean"].get_ydata(), 2 * x)
    assert matplotlib.colors.to_rgb(lines["grey guide"].get_color()) == (0.35, 0.35, 0.35)


@pytest.mark.parametrize(("kw", "match"), [
    ({"points": ["missing"]}, "points given for lines that are not in ys"),
    ({"guides": {"g": ([1.0], [1.0], "missing")}}, "line 'missing' is not in ys"),
    ({"guides": {"g": ([1.0, 2.0], [1.0], "mean")}}, "y has shape"),
    ({"bands": {"gap": ([0.0] * 4, [1.0] * 4, {"alpha": 1})}}, "style keys"),
    ({"errors": {"missing": [0.1] * 4}}, "not in ys"),
    ({"errors": {"mean": [0.1] * 3}}, "errors has shape"),
    ({"errors": {"mean": [-0.1] * 4}}, ">= 0"),
    ({"bands": {"gap": ([0.0] * 4, [1.0] * 2)}}, "upper has shape"),
])
def test_bad_panels_raise_user_errors(kw, match):
    with pytest.raises(UserError, match=match):
        plot_panel(_panel(**kw))


def test_slide_figure_checks_the_grid():
    with pytest.raises(UserError, match="rows \\* cols = 2"):
        slide_figure([_panel()] * 3, rows=1, cols=2)
    with pytest.raises(UserError, match=">= 1"):
        slide_figure([_panel()], rows=0, cols=2)
