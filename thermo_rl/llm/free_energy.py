r"""``ln Z`` of the KL-regularized optimum of a language model, measured from samples.

KL-regularized RL with coefficient ``beta`` has the optimum
``pi*(a|x) = pi_ref(a|x) e^{r(x,a)/beta} / Z_beta(x)``
(:func:`thermo_rl.llm.exact.kl_regularized_optimum`), and its best objective is
``beta ln Z_beta`` (:func:`thermo_rl.llm.exact.free_energy_objective` at ``pi*``). The
answers here are few enough to sum over, so ``ln Z`` is exact; it is also *estimated*
the way it must be for a real model's unbounded answer space, by the estimators shared
with the bandits and the lattices (:mod:`thermo_rl.free_energy`):

* ``method="is"``: sample answers from the base model and average ``e^{r/beta}``
  (best-of-n style reweighting). The relative variance ``Z(beta/2)/Z(beta)^2 - 1``
  grows as ``beta`` falls, towards ``1/pass@1 - 1`` for a 0/1 reward: on a prompt the
  base model rarely solves, a few lucky samples decide the estimate.
* ``method="ais"``: anneal the inverse KL coefficient from 0 to ``1/beta`` with
  Metropolis moves over the enumerable answers, proposed by the base model.

The states are the task's answers plus the invalid bucket (reward 0), exactly as in
:class:`thermo_rl.llm.exact.AnswerDistribution`.

Examples
--------
>>> import numpy as np
>>> from thermo_rl.llm.exact import AnswerDistribution
>>> from thermo_rl.llm.tasks import get_task
>>> task = get_task("pair-sum")
>>> ref = AnswerDistribution.from_probs(task, [0], np.full((1, len(task.answers)), 0.009))
>>> r = estimate_log_z(ref, 0.5, method="ais", chains=400, steps=50, seed=0)
>>> bool(abs(r.ln_z - r.ln_z_exact) < 3 * r.ln_z_error)
True
"""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_int, check_real
from ..errors import UserError, UserTypeError
from ..free_energy import FreeEnergyResult, annealed_log_z, importance_log_z
from .exact import AnswerDistribution, free_energy_objective, kl_regularized_optimum

__all__ = ["METHODS", "estimate_log_z", "exact_log_z"]

#: estimators of ln Z over the answers
METHODS = ("is", "ais")


def _states(ref, prompt):
    if not isinstance(ref, AnswerDistribution):
        raise UserTypeError(f"ref must be an AnswerDistribution, got {type(ref).__name__}")
    prompt = check_int(prompt, "prompt", low=0)
    if prompt >= len(ref.prompt_ids):
        raise UserError(f"prompt must be < {len(ref.prompt_ids)} (the prompts of ref), "
                        f"got {prompt}")
    p = ref.full[prompt]
    with np.errstate(divide="ignore"):
        lp = np.log(p / p.sum())
    return lp, ref.rewards[prompt]


def exact_log_z(ref: AnswerDistribution, beta: float) -> np.ndarray:
    """``ln Z_beta`` of every prompt of ``ref``, from :mod:`thermo_rl.llm.exact` as it is:
    the best objective ``<r> - beta KL`` (at ``pi*``) divided by ``beta``."""
    beta = check_real(beta, "beta", low=0.0, low_open=True)
    return free_energy_objective(kl_regularized_optimum(ref, beta), ref, beta) / beta


def estimate_log_z(ref: AnswerDistribution, beta: float, *, prompt: int = 0,
                   method: str = "is", samples: int = 10_000, chains: int = 1000,
                   steps: int = 100, seed=0) -> FreeEnergyResult:
    """``ln Z_beta`` of one prompt estimated by ``method``, with the exact value.

    Parameters
    ----------
    ref : AnswerDistribution
        The base model's exact answer distribution (:func:`thermo_rl.llm.exact.answer_distribution`).
    beta : float, > 0
        The KL coefficient (the temperature of ``pi*``).
    prompt : int
        Row of ``ref`` (0 = its first prompt).
    method : {"is", "ais"}
    samples, chains, steps, seed : as in :func:`thermo_rl.bandits.free_energy.estimate_log_z`

    Returns
    -------
    FreeEnergyResult
        ``system="llm"``, ``T = beta``; ``extra["pass_at_1"]`` is the base model's.
    """
    beta = check_real(beta, "beta", low=0.0, low_open=True)
    check_choice(method, "method", METHODS)
    lp, r = _states(ref, prompt)
    if method == "is":
        res = importance_log_z(lp, r, beta, samples=samples, seed=seed, system="llm")
    else:
        res = annealed_log_z(lp, r, beta, chains=chains, steps=steps, seed=seed, system="llm")
    res.extra["prompt"] = ref.task.prompts[int(ref.prompt_ids[prompt])]
    res.extra["pass_at_1"] = float(ref.pass_at_1()[prompt])
    return res
