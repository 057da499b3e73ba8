OK_FORMAT = True

# Exercise 5 of notebook 06: pi* = pi_ref exp(r / lambda) / Z, the optimum of
# <r> - lambda KL(pi || pi_ref), from a base model's answer distribution. A case worked out by
# hand, enumerated answer distributions against thermo_rl.llm.exact.kl_regularized_optimum and
# the exact maximum lambda ln Z, the limits lambda -> 0 and lambda -> inf, and one prompt of the
# notebook's base model (`base`).
test = {
    "name": "nb06_pi_star",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import numpy as np
>>> p, r = np.array([0.5, 0.25, 0.25]), np.array([0.0, 1.0, 0.0])
>>> new = np.asarray(pi_star(p, r, 1 / np.log(2)), dtype=float)
>>> bool(np.allclose(new, [0.4, 0.4, 0.2])), bool(np.all(p == [0.5, 0.25, 0.25]))
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "With lambda = 1/ln 2, e^{r/lambda} = 2 for the correct "
                    "answer and 1 otherwise: pi_ref e^{r/lambda} = (0.5, 0.5, 0.25), Z = 1.25, "
                    "pi* = (0.4, 0.4, 0.2). Multiply pi_ref (not a uniform prior) by "
                    "e^{r/lambda}, divide by the sum, and leave the input unchanged.",
                    "success_message": "one case by hand",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> from thermo_rl.llm.exact import AnswerDistribution, kl_regularized_optimum
>>> from thermo_rl.llm.tasks import get_task
>>> task = get_task("pair-sum")
>>> A = len(task.answers)
>>> rng = np.random.default_rng(6)
>>> p = rng.dirichlet(np.full(A + 1, 0.3), size=4)
>>> ref = AnswerDistribution.from_probs(task, [0, 5, 9, 18], p[:, :A], p[:, A])
>>> ok = []
>>> for lam in (0.02, 0.3, 4.0):
...     star = kl_regularized_optimum(ref, kl_penalty=lam)
...     for j in range(4):
...         mine = np.asarray(pi_star(ref.full[j], ref.rewards[j], lam), dtype=float)
...         J = mine @ ref.rewards[j] - lam * np.sum(mine * np.log(mine / ref.full[j]))
...         lnZ = np.log(np.sum(ref.full[j] * np.exp(ref.rewards[j] / lam)))
...         ok.append(bool(np.allclose(mine, star.full[j], rtol=1e-8, atol=1e-14)
...                        and abs(J - lam * lnZ) < 1e-9))
>>> all(ok), len(ok)
(True, 12)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "On four enumerated pair-sum prompts (random base "
                    "distributions over the 100 answers and the invalid bucket) and lambda = "
                    "0.02, 0.3, 4, pi_star must equal kl_regularized_optimum and reach the "
                    "maximum <r> - lambda KL = lambda ln Z. Check that the reward divides by "
                    "lambda (not multiplies) and that the result sums to 1.",
                    "success_message": "equals kl_regularized_optimum on enumerated answer "
                    "distributions and reaches the maximum lambda ln Z",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> with np.errstate(over="raise", invalid="raise"):
...     p = np.array([0.3, 0.0, 0.1, 0.6])
...     r = np.array([1.0, 1.0, 1.0, 0.0])
...     cold = np.asarray(pi_star(p, r, 1e-3), dtype=float)
...     hot = np.asarray(pi_star(p, r, 1e6), dtype=float)
>>> bool(np.all(np.isfinite(cold))), bool(np.allclose(cold, [0.75, 0.0, 0.25, 0.0]))
(True, True)
>>> bool(np.allclose(hot, p, atol=1e-6)), float(cold[1]), float(hot[1])
(True, 0.0, 0.0)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "lambda = 1e-3 makes e^{r/lambda} = e^{1000}: it "
                    "overflows. Work in logs: ln pi_ref + r / lambda, subtract its maximum, "
                    "then exponentiate (an answer with pi_ref = 0 has ln pi_ref = -inf and "
                    "keeps probability 0; silence the log's warning with "
                    "np.errstate(divide='ignore')). As lambda -> 0, pi* is pi_ref on the "
                    "correct answers, renormalized; as lambda -> inf it is pi_ref.",
                    "success_message": "finite as lambda -> 0 (pi_ref on the correct "
                    "answers) and pi_ref as lambda -> inf",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> from thermo_rl.llm.exact import kl_regularized_optimum
>>> j = int(np.argmax(base.correct.sum(1)))
>>> star = kl_regularized_optimum(base, kl_penalty=0.1)
>>> mine = np.asarray(pi_star(base.full[j], base.rewards[j], 0.1), dtype=float)
>>> bool(np.allclose(mine, star.full[j], rtol=1e-8, atol=1e-14))
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "On the base model of this notebook (`base`, its exact "
                    "answer distribution), for the prompt with the most correct answers and "
                    "lambda = 0.1, pi_star(base.full[j], base.rewards[j], 0.1) must equal "
                    "kl_regularized_optimum(base, kl_penalty=0.1).full[j]. Run the cells "
                    "above first so that `base` exists.",
                    "success_message": "pi* of the notebook's base model on the prompt with "
                    "the most correct answers",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
