OK_FORMAT = True

# Exercise 5 of notebook 01: the Boltzmann distribution from Lagrange multipliers.
# Checks against exact answers and against enumeration; each failed case prints its hint.
test = {
    "name": "nb01_maxent",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import numpy as np
>>> p = np.asarray(maxent([0.0, 1.0], [1, 1], 0.25), dtype=float)
>>> bool(np.allclose(p, [0.75, 0.25], atol=1e-8))
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Two levels E = (0, 1) with U = 1/4 need p = (3/4, 1/4): "
                    "p1/p0 = exp(-beta) = 1/3, beta = ln 3. Does your p sum to 1, and does "
                    "your bisection move beta up when sum(p E) is above U?",
                    "success_message": "two levels: p = (3/4, 1/4) at beta = ln 3",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> E, g = np.array([0.0, 0.5, 1.0, 2.0]), np.array([1.0, 3.0, 3.0, 1.0])
>>> p = np.asarray(maxent(E, g, 0.8), dtype=float)
>>> bool(abs(p.sum() - 1) < 1e-9 and abs(p @ E - 0.8) < 1e-8 and p.min() > 0)
True
>>> slopes = np.diff(np.log(p / g)) / np.diff(E)     # ln(p_i/g_i) = -beta E_i - ln Z
>>> bool(np.ptp(slopes) < 1e-6)
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "The constraints and the Lagrange condition: sum p = 1, "
                    "sum p E = U, and ln(p_i/g_i) linear in E_i with slope -beta. Did you "
                    "include the degeneracies g_i in p_i = g_i exp(-beta E_i)/Z?",
                    "success_message": "constraints met, ln(p/g) linear in E",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> p = np.asarray(maxent([0.0, 1.0, 2.0], [1, 2, 1], 1.0), dtype=float)
>>> bool(np.allclose(p, [0.25, 0.5, 0.25], atol=1e-8))
True
>>> q = np.asarray(maxent([0.0, 1.0, 2.0], [1, 1, 1], 1.5), dtype=float)
>>> bool(q[2] > q[1] > q[0] and abs(q @ [0.0, 1.0, 2.0] - 1.5) < 1e-8)
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "At the midpoint U = 1 of E = (0, 1, 2), beta = 0 and "
                    "p = g/sum(g) = (1/4, 1/2, 1/4); above the midpoint beta < 0 (a population "
                    "inversion): is your bracket for beta two-sided, e.g. [-50, 50]?",
                    "success_message": "beta = 0 and beta < 0 handled",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> E, U = np.array([0.0, 1.0, 2.0]), 0.6
>>> t = np.linspace(0.0, 0.3, 30001)                  # p = (0.4 + t, 0.6 - 2t, t): mean U
>>> P = np.stack([0.4 + t, 0.6 - 2 * t, t], axis=1)
>>> S = -np.sum(np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0), axis=1)
>>> p = np.asarray(maxent(E, [1, 1, 1], U), dtype=float)
>>> bool(-np.sum(p * np.log(p)) >= S.max() - 1e-9)
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Among all 30001 distributions with mean energy 0.6 on a "
                    "grid, one has a larger entropy than yours: maxent must return the maximum-"
                    "entropy distribution itself, not any distribution with the right mean.",
                    "success_message": "no distribution with the same mean has more entropy",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
