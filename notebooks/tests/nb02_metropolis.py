OK_FORMAT = True

# Exercise 5a of notebook 02: one Metropolis single-spin update of the 2D Ising model (K = 1).
# Exact cases (uphill, downhill, periodic neighbours), then a chain of the student's updates on
# the 3x3 lattice against the exact enumeration of its 512 states (within 4 standard errors).
test = {
    "name": "nb02_metropolis",
    "points": 4,
    "suites": [
        {
            "cases": [
                {
                    "code": r"""
>>> import numpy as np
>>> s = np.ones((3, 3), dtype=np.int64)
>>> metropolis_update(s, 1, 1, 1.0, 0.9), int(s[1, 1])        # dE = 8: exp(-8) < 0.9
(False, 1)
>>> metropolis_update(s, 1, 1, 1.0, 1e-4), int(s[1, 1])       # exp(-8) = 3.4e-4 > 1e-4
(True, -1)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "Flipping one spin of an aligned lattice costs dE = "
                    "2 s_ij (sum of its 4 neighbours) = 8. Accept when u < exp(-dE/T), flip "
                    "s[i, j] in place, and return True or False.",
                    "success_message": "uphill moves accepted with probability exp(-dE/T)",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> s = np.ones((3, 3), dtype=np.int64); s[1, 1] = -1
>>> metropolis_update(s, 1, 1, 1.0, 0.999), int(s.sum())      # dE = -8: always accepted
(True, 9)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "A move that lowers the energy (dE < 0) is always "
                    "accepted: min(1, exp(-dE/T)) = 1.",
                    "success_message": "downhill moves always accepted",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> s = np.ones((3, 3), dtype=np.int64); s[2, 0] = s[0, 2] = -1
>>> metropolis_update(s, 0, 0, 1.0, 0.999)                    # neighbours sum to 0: dE = 0
True
>>> s = np.ones((4, 4), dtype=np.int64); s[0, 3] = s[3, 0] = -1
>>> metropolis_update(s, 3, 3, 1.0, 0.999), int(s[3, 3])      # across the edges: 2 down
(True, -1)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "The lattice is periodic: the neighbours of (i, j) are "
                    "((i +- 1) % L, j) and (i, (j +- 1) % L), with L = s.shape[0] (not a "
                    "fixed 3).",
                    "success_message": "periodic neighbours on any L",
                },
                {
                    "code": r"""
>>> import numpy as np
>>> from thermo_rl.physics import exact
>>> from thermo_rl.stats import estimate
>>> rng = np.random.default_rng(0)
>>> L, T, sweeps = 3, 2.5, 2500
>>> sites, us = rng.integers(L, size=(sweeps, L * L, 2)).tolist(), rng.random((sweeps, L * L)).tolist()
>>> s = np.ones((L, L), dtype=np.int64)
>>> e, m2 = [], []
>>> for t in range(sweeps):
...     for (i, j), u in zip(sites[t], us[t]):
...         _ = metropolis_update(s, i, j, T, u)
...     e.append(-(s * np.roll(s, 1, 0) + s * np.roll(s, 1, 1)).sum() / L**2)
...     m2.append((s.sum() / L**2) ** 2)
>>> x = exact.enumeration_thermo(exact.density_of_states(L), T)
>>> ee, mm = estimate(np.array(e[300:])), estimate(np.array(m2[300:]))
>>> bool(abs(ee.mean - x["energy_per_spin"]) < 4 * ee.error), bool(abs(mm.mean - x["m2"]) < 4 * mm.error)
(True, True)
""",
                    "hidden": False,
                    "locked": False,
                    "failure_message": "A chain of your updates on the 3x3 lattice at T = 2.5 "
                    "does not reproduce the exact <e> = -1.4621 and <m^2> = 0.7353 (enumeration "
                    "of all 512 states) within 4 standard errors: check dE = 2 s_ij * (sum of "
                    "neighbours) with K = 1 and that the accepted spin really flips.",
                    "success_message": "the chain samples the Boltzmann distribution (exact "
                    "enumeration, 3x3, T = 2.5)",
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
