"""The seeds figures of notebook 05 (thermo_rl.viz.llm_rl) on the shipped comparison:
crossover lines labelled and apart, pi* inside the axes, legible legends."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from thermo_rl.llm.course import controls_comparison
from thermo_rl.viz.llm_rl import (
    LEGEND_FONTSIZE,
    plot_seeds_history,
    plot_seeds_pass_at_k,
)


@pytest.fixture(scope="module")
def res():
    return controls_comparison()


def test_every_crossover_is_labelled_and_runs_at_one_k_are_drawn_apart(res):
    fig, ax = plt.subplots()
    plot_seeds_pass_at_k(res, ax, key="distinct@k")
    cross = {n: c["distinct@k"] for n, c in res.crossovers().items()
             if c["distinct@k"] is not None}
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(cross)
    xs = {t.get_text(): t.xy[0] for t in ax.texts}
    for n, k in cross.items():                     # within half a factor 2 of its k
        assert abs(np.log2(xs[n] / k)) < 0.5
    same = [n for n in cross if list(cross.values()).count(cross[n]) > 1]
    assert same, "the shipped data has runs that cross at the same k"
    assert len({round(xs[n], 9) for n in same}) == len(same)
    plt.close(fig)


def test_the_optimum_line_is_inside_the_axes_not_on_the_frame(res):
    fig, axes = plt.subplots(1, 4)
    plot_seeds_history(res, axes)
    lo, hi = axes[0].get_ylim()
    p_star = res.optimum["pass@1"]
    assert lo < p_star < hi and hi - p_star > 0.01 * (hi - lo)
    lo, hi = axes[3].get_ylim()                    # KL(pi || pi*) = 0 at pi*
    assert lo < 0.0 < hi and 0.0 - lo > 0.01 * (hi - lo)
    assert r"\pi^*" in axes[3].get_ylabel()
    assert all(t.get_fontsize() >= LEGEND_FONTSIZE >= 10
               for lg in fig.legends for t in lg.get_texts())
    plt.close(fig)
