OK_FORMAT = True

# Exercise 5b of notebook 02: one Wolff cluster update of the 2D Ising model (K = 1).
# Exact limits (hot: one spin; cold: the whole aligned domain), then a chain of the student's
# updates on the 3x3 lattice against exact enumeration: <e>, and the mean cluster size, which
# equals N <m^2> exactly (Wolff 1989), within 4 standard errors.
test = {
    "name": "nb02_wolff",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import numpy as np
>>> s = np.ones((4, 4), dtype=np.int64)
>>> wolff_update(s, 1, 2, 1e9, np.random.default_rng(0)), int(s[1, 2]), int(s.sum())
(1, -1, 14)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "At a huge T the bond probability 1 - exp(-2/T) is ~0: "
                    "the cluster is the seed spin alone. Return the cluster size and flip the "
                    "cluster in place.",
                    "success_message": "hot: the cluster is one spin",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> s = np.ones((4, 4), dtype=np.int64); s[:, 2:] = -1         # two stripes (periodic)
>>> wolff_update(s, 0, 0, 0.01, np.random.default_rng(0)), int(s.sum())
(8, -16)
>>> wolff_update(s, 3, 3, 0.01, np.random.default_rng(0)), int(s.sum())
(16, 16)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "At T = 0.01 every aligned neighbour joins (1 - e^-200 = 1), "
                    "and no anti-aligned one does: from (0, 0) the cluster is the up stripe "
                    "(8 spins, across the periodic edge); after its flip the lattice is all down "
                    "and the next cluster is all 16 spins. Add only neighbours with the seed's "
                    "sign, each site at most once.",
                    "success_message": "cold: the cluster is the aligned domain, periodic",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> from thermo_rl.physics import exact
>>> from thermo_rl.stats import estimate
>>> rng = np.random.default_rng(1)
>>> L, T, steps = 3, 2.5, 8000
>>> seeds = rng.integers(L, size=(steps, 2)).tolist()
>>> s = np.ones((L, L), dtype=np.int64)
>>> e, size = [], []
>>> for i, j in seeds:
...     size.append(wolff_update(s, i, j, T, rng))
...     e.append(-(s * np.roll(s, 1, 0) + s * np.roll(s, 1, 1)).sum() / L**2)
>>> x = exact.enumeration_thermo(exact.density_of_states(L), T)
>>> ee, cc = estimate(np.array(e[200:])), estimate(np.array(size[200:], dtype=float))
>>> bool(abs(ee.mean - x["energy_per_spin"]) < 4 * ee.error), bool(abs(cc.mean - L**2 * x["m2"]) < 4 * cc.error)
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "A chain of your updates on the 3x3 lattice at T = 2.5 "
                    "does not give the exact <e> = -1.4621 or the mean cluster size "
                    "N <m^2> = 6.618 within 4 standard errors: the bond probability is "
                    "1 - exp(-2K/T) with K = 1, tried once per bond from each newly added "
                    "spin.",
                    "success_message": "the chain samples the Boltzmann distribution, and "
                    "<|C|> = N <m^2> (exact enumeration, 3x3, T = 2.5)",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
