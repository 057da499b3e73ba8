"""The correctness-diversity map: exact filtered distributions against sampling, the front."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="thermo_rl.llm needs the [llm] extra (torch)")

from thermo_rl.llm.exact import answer_distribution
from thermo_rl.llm.frontier import DIVERSITY, decoding_frontier, pareto_front
from thermo_rl.llm.tokenizer import CharTokenizer


@pytest.fixture(scope="module")
def trained(tiny_pair_sum):
    """The shared tiny pair-sum model (tests/llm/conftest.py), trained on one thread here."""
    return tiny_pair_sum


def test_exact_filtered_distribution_matches_sampling(trained):
    from scipy.stats import chisquare

    model, task, tok = trained.model, trained.task, CharTokenizer()
    decoding = {"temperature": 0.8, "top_p": 0.8}
    prompt = 9
    exact = answer_distribution(model, task, prompts=[prompt], decoding=decoding).full[0]
    plain = answer_distribution(model, task, prompts=[prompt]).full[0]
    n = 6000
    ids = torch.as_tensor(tok.encode_batch([task.prompts[prompt]] * n))
    out = model.generate(ids, task.answer_length + 1, eos_id=tok.eos_id,
                         generator=torch.Generator().manual_seed(3), **decoding)
    answers = [tok.decode_answer(row) for row in out[:, ids.shape[1]:].tolist()]
    j = np.array([task.answer_index(a) for a in answers])
    counts = np.bincount(np.where(j < 0, len(task.answers), j), minlength=exact.size)
    assert counts[exact == 0].sum() == 0               # filtered answers are never sampled
    expected = n * exact
    big = expected >= 5                                 # pool the rare states into one bin
    f_obs = np.append(counts[big], counts[~big].sum())
    f_exp = np.append(expected[big], expected[~big].sum())
    if f_exp[-1] == 0:
        f_obs, f_exp = f_obs[:-1], f_exp[:-1]
    assert chisquare(f_obs, f_exp).pvalue > 1e-4
    # power: the unfiltered distribution is rejected by the same samples
    exp_plain = n * plain * counts.sum() / (n * plain).sum()
    assert chisquare(counts[plain > 0], exp_plain[plain > 0]).pvalue < 1e-6


def test_frontier_rows_front_and_limits(trained):
    settings = ["greedy", "temperature:0.5", "sample", "top-k:2", "top-p:0.5", "min-p:0.3",
                {"top_h": 0.4}]
    f = decoding_frontier(trained.model, "pair-sum", settings, n=8, progress=False)
    assert [r["decoding"] for r in f.rows] == ["greedy", "temperature:0.5", "sample", "top-k:2",
                                              "top-p:0.5", "min-p:0.3", "top-h:0.4"]
    by = {r["decoding"]: r for r in f.rows}
    plain = answer_distribution(trained.model, "pair-sum")
    assert by["sample"]["pass@1"] == pytest.approx(plain.pass_at_1().mean(), abs=1e-12)
    assert by["sample"]["distinct_correct"] == pytest.approx(
        plain.expected_distinct_correct(8).mean(), abs=1e-12)
    assert by["greedy"]["answer_entropy"] < 1e-6          # one answer per prompt
    assert by["greedy"]["distinct_correct"] <= 1 + 1e-9
    assert by["greedy"]["answer_entropy"] < by["temperature:0.5"]["answer_entropy"] \
        < by["sample"]["answer_entropy"]
    # the front is non-dominated, and every row off it is dominated by a row on it
    pts = np.array([[r["pass@1"], r["distinct_correct"]] for r in f.rows])
    on = f.on_front
    assert on.any()
    for i in np.flatnonzero(on):
        assert not ((pts >= pts[i]).all(1) & (pts > pts[i]).any(1)).any()
    for i in np.flatnonzero(~on):
        assert ((pts[on] >= pts[i]).all(1) & (pts[on] > pts[i]).any(1)).any()
    d = f.as_dict()
    assert d["n"] == 8 and d["diversity"] == "distinct_correct" and len(d["rows"]) == 7
    assert [r["decoding"] for r in f.front()] == sorted(
        (r["decoding"] for r in f.rows if r["on_front"]), key=lambda s: by[s]["pass@1"])


def test_pareto_front_on_random_points():
    rng = np.random.default_rng(0)
    for d in (2, 3):
        pts = np.round(rng.random((60, d)), 1)          # rounding makes ties and duplicates
        on = pareto_front(pts)
        for i in range(len(pts)):
            dominated = ((pts >= pts[i]).all(1) & (pts > pts[i]).any(1)).any()
            assert on[i] == (not dominated)
    assert pareto_front([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.4, 0.4]]).tolist() == \
        [True, True, True, False]
    with pytest.raises(ValueError, match="points"):
        pareto_front(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        pareto_front([[np.nan, 1.0]])


def test_frontier_arguments_are_checked(trained):
    with pytest.raises(ValueError, match="diversity"):
        decoding_frontier(trained.model, "pair-sum", ["greedy"], diversity="fun")
    with pytest.raises(ValueError, match="n"):
        decoding_frontier(trained.model, "pair-sum", ["greedy"], n=0)
    with pytest.raises(ValueError, match="unknown decoding method"):
        decoding_frontier(trained.model, "pair-sum", ["top-z:3"])
    with pytest.raises(TypeError, match="setting"):
        decoding_frontier(trained.model, "pair-sum", [0.9])
    with pytest.raises(ValueError, match="at least one"):
        decoding_frontier(trained.model, "pair-sum", [])
    assert set(DIVERSITY) <= set(decoding_frontier(trained.model, "pair-sum", "top-k:3",
                                                   prompts=[3], progress=False).rows[0])


def test_plot_decoding_frontier(trained):
    from thermo_rl.viz.llm import plot_decoding_frontier

    f = decoding_frontier(trained.model, "pair-sum", ["greedy", "sample", "top-p:0.5",
                                                      "top-p:0.9"], prompts=[5, 9],
                          progress=False)
    fig = plot_decoding_frontier(f)
    ax = fig.axes[0]
    assert "Pareto front" in [t.get_text() for t in ax.get_legend().get_texts()]
    fig2 = plot_decoding_frontier(f.as_dict(), diversity="coverage", annotate=False)
    assert fig2.axes[0].get_ylabel().startswith("coverage")
    with pytest.raises(ValueError, match="diversity"):
        plot_decoding_frontier(f, diversity="fun")
    import matplotlib.pyplot as plt

    plt.close("all")
