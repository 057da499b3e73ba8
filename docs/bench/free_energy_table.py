"""Measure the free-energy estimators at T_c, L = 16 and 32: error and CPU time, one thread.

Prints the markdown table of ``docs/theory/free_energy.md`` ("Measured")::

    NUMBA_NUM_THREADS=1 python docs/bench/free_energy_table.py          # ~6 CPU minutes
    NUMBA_NUM_THREADS=1 python docs/bench/free_energy_table.py ais wl   # some methods

Every method runs with its defaults (seed 1); times are CPU seconds of this process
(``time.process_time``), so a machine shared with other work inflates them less than
wall time. The CPU is printed first.
"""

from __future__ import annotations

import sys
import time

from thermo_rl.bench import cpu_model
from thermo_rl.physics import free_energy as fe
from thermo_rl.physics.exact import TC

RUNS = {
    "ais": ("AIS, 32 chains x 64 N steps", lambda L: fe.ais(L, TC, seed=1, progress=False)),
    "ti": ("TI, 33 points x 2000 Wolff sweeps",
           lambda L: fe.thermodynamic_integration(L, TC, seed=1, progress=False)),
    "mbar": ("MBAR, 33 points x 2000 Wolff sweeps",
             lambda L: fe.mbar(L, TC, seed=1, progress=False)),
    "wl": ("Wang-Landau, 4 walkers to ln f = 1e-6",
           lambda L: fe.wang_landau(L, ln_f_final=1e-6, runs=4, seed=1,
                                    progress=False).free_energy(TC)),
}


def main(which):
    fe.ais(4, TC, chains=2, steps=10, progress=False)                         # compile
    fe.wang_landau(4, ln_f_final=1e-2, runs=1, progress=False)
    fe.thermodynamic_integration(4, TC, points=5, sweeps=50, progress=False)
    print(f"CPU: {cpu_model()}")
    print("| method | L | ln Z - exact | error | F/N - exact | error | CPU s |")
    print("|---|---|---|---|---|---|---|")
    for L in (16, 32):
        for key in which:
            name, run = RUNS[key]
            t0 = time.process_time()
            r = run(L)
            cpu = time.process_time() - t0
            d = r.ln_z - r.ln_z_exact
            print(f"| {name} | {L} | {d:+.3f} | {r.ln_z_error:.3f} | "
                  f"{-TC * d / (L * L):+.1e} | {r.free_energy_per_spin_error:.1e} | "
                  f"{cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(RUNS))
