"""thermo_rl.llm.free_energy: ln Z of pi* over the answers, estimated against the exact sum."""

import numpy as np
import pytest

from thermo_rl import free_energy as core
from thermo_rl.errors import UserError
from thermo_rl.llm.exact import answer_distribution
from thermo_rl.llm.free_energy import estimate_log_z, exact_log_z


@pytest.fixture(scope="module")
def ref(tiny_pair_sum):
    return answer_distribution(tiny_pair_sum.model, tiny_pair_sum.task, prompts=[0, 9, 18])


def test_exact_matches_the_sum_over_answers(ref):
    for beta in (1.0, 0.2):
        z = exact_log_z(ref, beta)
        for i in range(3):
            lp = np.log(ref.full[i] / ref.full[i].sum())
            assert z[i] == pytest.approx(core.exact_log_z(lp, ref.rewards[i], beta), abs=1e-9)


@pytest.mark.parametrize("method", ["is", "ais"])
@pytest.mark.parametrize("beta", [1.0, 0.1])
def test_estimates_within_three_errors(ref, method, beta):
    r = estimate_log_z(ref, beta, prompt=1, method=method, samples=20_000, chains=1000,
                       steps=50, seed=0)
    assert r.ln_z_exact == pytest.approx(exact_log_z(ref, beta)[1], abs=1e-9)
    assert abs(r.ln_z - r.ln_z_exact) <= 3 * r.ln_z_error
    assert r.extra["prompt"] == ref.task.prompts[9]


def test_plain_variance_grows_as_beta_falls(ref):
    betas = [2.0, 0.5, 0.2, 0.05]
    rv = []
    for b in betas:
        lp = np.log(ref.full[1] / ref.full[1].sum())
        rv.append(core.importance_relative_variance(lp, ref.rewards[1], b))
    assert np.all(np.diff(rv) > 0)
    p1 = float(ref.pass_at_1()[1])
    assert rv[-1] < 1.0 / p1 - 1.0                          # the 0/1-reward limit
    errs = [estimate_log_z(ref, b, prompt=1, samples=2000, seed=1).ln_z_error for b in betas]
    assert errs[-1] > 2 * errs[0]


def test_bad_prompt(ref):
    with pytest.raises(UserError, match="prompt"):
        estimate_log_z(ref, 1.0, prompt=3)
