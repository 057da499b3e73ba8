OK_FORMAT = True

# Exercise 5 of notebook 04: the gradient-bandit update (Sutton & Barto, section 2.8).
# A step worked out by hand, the conserved sum of preferences, the expected update against the
# exact gradient of <Q> (enumerating the arms), and a learning run on a 3-armed bandit.
test = {
    "name": "nb04_gradient_bandit",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import numpy as np
>>> z = np.zeros(3)
>>> new = np.asarray(gradient_bandit_update(z, 0, 1.0, 0.0, 0.5), dtype=float)
>>> bool(np.allclose(new, [1 / 3, -1 / 6, -1 / 6])), bool(np.all(z == 0))
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "From z = 0 (pi = 1/3 each), pulling arm 0 with r = 1, "
                    "r_bar = 0 and eta = 0.5 gives z = (0.5 * 2/3, -0.5/3, -0.5/3). The pulled "
                    "arm gets (1 - pi_a), every other arm -pi_b; return a new array and leave "
                    "the input unchanged (z.copy() or z + ...).",
                    "success_message": "one step by hand",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> z = rng.normal(size=6)
>>> new = np.asarray(gradient_bandit_update(z, 4, 0.3, 1.1, 0.2), dtype=float)
>>> pi = np.exp(z - z.max()); pi /= pi.sum()
>>> bool(abs(new.sum() - z.sum()) < 1e-12), bool(np.allclose(new - z, 0.2 * (0.3 - 1.1) * (np.eye(6)[4] - pi)))
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "sum_b (1_a - pi)_b = 0, so the update never changes the "
                    "sum of the preferences; check the softmax (subtract max(z) before exp) "
                    "and the sign of (r - r_bar): a reward below the baseline lowers z_a.",
                    "success_message": "the sum of preferences is conserved; a reward below the "
                    "baseline lowers the pulled arm",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> z, Q, r_bar, eta = np.array([0.3, -0.2, 0.5, 0.0]), np.array([1.0, 0.2, -0.5, 0.7]), 0.4, 0.1
>>> pi = np.exp(z - z.max()); pi /= pi.sum()
>>> expected = sum(pi[a] * (np.asarray(gradient_bandit_update(z, a, Q[a], r_bar, eta)) - z) for a in range(4))
>>> bool(np.allclose(expected, eta * pi * (Q - pi @ Q)))
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Averaged over the arm pulled (probability pi_a, reward "
                    "Q_a), the update must be eta pi_b (Q_b - <Q>): the exact gradient of <Q> "
                    "with respect to z_b, whatever the baseline r_bar. Use pi = softmax(z) "
                    "before the step, not after.",
                    "success_message": "the expected update is the exact gradient of <Q> "
                    "(enumerated over the arms)",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> rng = np.random.default_rng(7)
>>> Q = np.array([0.2, 1.0, 0.5])
>>> z, r_bar = np.zeros(3), 0.0
>>> for t in range(1, 3001):
...     pi = np.exp(z - z.max()); pi /= pi.sum()
...     a = rng.choice(3, p=pi)
...     r = Q[a] + rng.normal()
...     z = np.asarray(gradient_bandit_update(z, a, r, r_bar, 0.1), dtype=float)
...     r_bar += (r - r_bar) / t
>>> pi = np.exp(z - z.max()); pi /= pi.sum()
>>> bool(pi[1] > 0.8)
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "3000 steps of your update on a 3-armed bandit (true "
                    "values 0.2, 1.0, 0.5, unit noise, eta = 0.1, running-mean baseline) should "
                    "put more than 80 % of the policy on arm 1; check the sign of the update.",
                    "success_message": "it learns the best arm of a 3-armed bandit",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
