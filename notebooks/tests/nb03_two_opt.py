OK_FORMAT = True

# Exercise 5 of notebook 03: a 2-opt annealing move for the travelling salesman.
# The length change against brute force for every move of a 9-city tour, the Metropolis rule,
# and an anneal built on the move against the optimum found by enumerating every tour.
test = {
    "name": "nb03_two_opt",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import numpy as np
>>> rng = np.random.default_rng(11)
>>> xy = rng.random((9, 2)); D = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
>>> length = lambda t: D[t, np.roll(t, -1)].sum()
>>> tour = rng.permutation(9)
>>> ok = True
>>> for i in range(8):
...     for j in range(i + 1, 9):
...         new, dE, acc = two_opt_move(tour.copy(), D, i, j, 1e12, 0.0)
...         want = np.concatenate([tour[:i + 1], tour[i + 1:j + 1][::-1], tour[j + 1:]])
...         ok &= bool(acc) and np.array_equal(new, want) and abs(dE - (length(want) - length(tour))) < 1e-12
>>> bool(ok)
True
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "For every i < j the move reverses tour[i+1 .. j] and its "
                    "dE equals the brute-force length difference. Only two edges change: "
                    "(tour[i], tour[i+1]) and (tour[j], tour[(j+1) % n]) become (tour[i], "
                    "tour[j]) and (tour[i+1], tour[(j+1) % n]); mind the wrap at j = n - 1.",
                    "success_message": "dE is exact for all 36 moves of a 9-city tour",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> xy = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], dtype=float)   # a crossed square
>>> D = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
>>> tour = np.array([0, 1, 2, 3])
>>> new, dE, acc = two_opt_move(tour, D, 0, 2, 1e-9, 0.99)           # uncrossing: downhill
>>> bool(acc), round(float(dE), 6), np.asarray(new).tolist()
(True, -0.828427, [0, 2, 1, 3])
>>> back, dE2, acc2 = two_opt_move(np.asarray(new), D, 0, 2, 1e-9, 0.0)  # crossing again: uphill
>>> bool(acc2), round(float(dE2), 6), np.array_equal(back, new)
(False, 0.828427, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Downhill (dE <= 0) is always accepted; at T -> 0 an uphill "
                    "move never is, and a rejected move returns the tour unchanged. Uncrossing "
                    "the square 0-1-2-3 shortens it by 2 sqrt 2 - 2 = 0.828427.",
                    "success_message": "the crossing is removed; the cold chain refuses to "
                    "cross it again",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> xy = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], dtype=float)
>>> D = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
>>> tour = np.array([0, 2, 1, 3])                  # the square, uncrossed
>>> _, dE, _ = two_opt_move(tour, D, 0, 2, 1.0, 0.5)
>>> p = float(np.exp(-dE / 0.5))                   # Metropolis at T = 0.5
>>> bool(two_opt_move(tour, D, 0, 2, 0.5, 0.999 * p)[2]), bool(two_opt_move(tour, D, 0, 2, 0.5, 1.001 * p)[2])
(True, False)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "An uphill move is accepted exactly when u < exp(-dE/T).",
                    "success_message": "uphill moves accepted with probability exp(-dE/T)",
                },
                {
                    "code": r"""
>>> import itertools
>>> import numpy as np
>>> rng = np.random.default_rng(5)
>>> xy = rng.random((8, 2)); D = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
>>> length = lambda t: D[t, np.roll(t, -1)].sum()
>>> best = min(length(np.array((0,) + p)) for p in itertools.permutations(range(1, 8)))
>>> tour, steps = rng.permutation(8), 4000
>>> E = length(tour); E_best = E
>>> for s in range(steps):
...     i, j = sorted(rng.choice(8, size=2, replace=False))
...     T = 1.0 * (0.002 / 1.0) ** (s / steps)     # geometric cooling from 1 to 0.002
...     tour, dE, acc = two_opt_move(tour, D, i, j, T, rng.random())
...     E += dE if acc else 0.0
...     E_best = min(E_best, E)
>>> bool(abs(E - length(tour)) < 1e-9), bool(abs(E_best - best) < 1e-9)
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "An anneal of 4000 of your moves on 8 random cities should "
                    "keep its running length equal to the tour's length (your dE is the true "
                    "change) and reach the optimum found by enumerating all 5040 tours.",
                    "success_message": "annealing with your move finds the optimum of 8 cities "
                    "(checked by enumerating every tour)",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
