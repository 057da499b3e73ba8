"""Interactive notebook controls (ipywidgets); a static figure when ipywidgets is absent.

Drawing only: the notebook computes (calls the physics) and passes results, or a
function that computes, in.

Every control also carries the PNG of its first figure in its display data
(``image/png`` beside the widget view): JupyterLab shows the live widget, while a stored
notebook whose widget view was stripped (nbviewer, the docs site, a printed handout)
still shows the figure at the starting value.
"""

from __future__ import annotations

import numpy as np

from ._common import pyplot
from .levels import level_bars, thermo_panels

__all__ = ["slider_figure", "temperature_explorer"]

SLIDER_LAYOUT = {"width": "min(720px, 95%)"}      # a wide track: fine control by mouse
SLIDER_STYLE = {"description_width": "initial"}


def _widgets():
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


_BOX_CLASS = None


def _box_class():
    """``ipywidgets.VBox`` whose display data also carry a static PNG (``static_png``)."""
    global _BOX_CLASS
    if _BOX_CLASS is None:
        w = _widgets()

        class StaticFigureVBox(w.VBox):
            """A VBox displayed with ``image/png`` (its first figure) beside the widget view,
            so a notebook stored without widget state still shows a figure."""

            static_png = b""

            def _repr_mimebundle_(self, **kwargs):
                import base64

                data = super()._repr_mimebundle_(**kwargs)
                if data is not None and self.static_png:
                    data = dict(data)
                    data["image/png"] = base64.b64encode(self.static_png).decode("ascii")
                return data

        _BOX_CLASS = StaticFigureVBox
    return _BOX_CLASS


def _png(fig) -> bytes:
    """The figure as PNG bytes whatever the matplotlib backend (Agg included); closes it."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    pyplot().close(fig)
    return buf.getvalue()


def _output_box(slider, draw, value_of):
    """A VBox of ``slider`` over an Output that shows ``draw(value_of(slider.value))``;
    its display data carry the first figure as a static PNG too."""
    from IPython.display import Image, display

    w = _widgets()
    out = w.Output()
    first = []

    def show(change=None):
        png = _png(draw(value_of(slider.value)))
        if not first:
            first.append(png)
        with out:
            out.clear_output(wait=True)
            display(Image(data=png, format="png"))

    slider.observe(show, names="value")
    show()
    box = _box_class()([slider, out])
    box.static_png = first[0]
    return box


def slider_figure(draw, *, value: float, min: float, max: float, step: float | None = None,
                  description: str = "T", log: bool = False, readout_format: str = ".3g",
                  continuous_update: bool = False):
    """A slider that redraws a figure: ``draw(value)`` must return a Figure.

    ``draw`` may compute (a notebook's function calling the package); the widget only
    calls it. With ``log=True`` the slider moves in ``log10`` steps between ``min`` and
    ``max``. Returns the widget (display it as a cell's last value), or the static
    Figure ``draw(value)`` when ipywidgets is not installed.
    """
    w = _widgets()
    if w is None:
        return draw(value)
    common = {"value": value, "description": description, "readout_format": readout_format,
              "continuous_update": continuous_update, "layout": dict(SLIDER_LAYOUT),
              "style": dict(SLIDER_STYLE)}
    if log:
        slider = w.FloatLogSlider(base=10, min=np.log10(min), max=np.log10(max),
                                  step=step or 0.05, **common)
    else:
        slider = w.FloatSlider(min=min, max=max, step=step or (max - min) / 100, **common)
    return _output_box(slider, draw, float)


def _explorer_figure(th, energies, degeneracy, i, logx):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), layout="constrained",
                             gridspec_kw={"width_ratios": [0.8, 1.2, 1]})
    T = float(np.asarray(th.T)[i])
    U, S, F = (float(np.asarray(v)[i]) for v in (th.U, th.S, th.F))
    level_bars(np.asarray(th.probabilities)[i], energies, ax=axes[0], degeneracy=degeneracy,
               title=f"T = {T:.3g}: U = {U:.3f}, S = {S:.3f},\nF = U - TS = {F:.3f}")
    thermo_panels(th, axes[1:], index=i, logx=logx)
    return fig


def temperature_explorer(th, energies, *, degeneracy=None, T0: float = 1.0,
                         logx: bool = True):
    """A temperature slider over the Boltzmann bars of a few levels, with a marker
    moving along the curves ``U``, ``T S``, ``F`` and ``C``.

    Parameters
    ----------
    th : thermo_rl.gibbs.Thermo
        Thermodynamics of the levels on a grid of temperatures (computed by the
        caller, e.g. ``thermodynamics(E, T=np.geomspace(0.01, 5, 121), degeneracy=g)``);
        the slider steps through that grid.
    energies : array_like (k,)
        The level energies (tick labels).
    degeneracy : array_like (k,), optional
        Degeneracies (tick labels).
    T0 : float
        Starting temperature (the nearest grid point).
    logx : bool
        Logarithmic temperature axes.

    Returns
    -------
    The ipywidgets object (displayed by the notebook), or a static Figure at ``T0``
    when ipywidgets is not installed.
    """
    T = np.asarray(th.T, dtype=float)
    if T.ndim != 1 or T.size < 2:
        raise ValueError("th must hold thermodynamics over a grid of at least 2 temperatures")
    energies = list(np.asarray(energies, dtype=float))
    i0 = int(np.argmin(np.abs(np.log(T / T0)))) if T0 > 0 else 0

    def draw(i):
        return _explorer_figure(th, energies, degeneracy, int(i), logx)

    w = _widgets()
    if w is None:
        return draw(i0)
    slider = w.SelectionSlider(options=[(f"{t:.3g}", i) for i, t in enumerate(T)], value=i0,
                               description="T", continuous_update=False,
                               layout=dict(SLIDER_LAYOUT), style=dict(SLIDER_STYLE))
    return _output_box(slider, draw, int)
