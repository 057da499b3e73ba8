"""Act 1. Atoms: counting microstates gives Boltzmann, and F = U - T S."""

from __future__ import annotations

import numpy as np

from ..gibbs import thermodynamics
from ..physics.levels import most_probable_occupation, sample_levels, stirling_relative_error
from . import ActResult, Curve


def run(ctx) -> ActResult:
    from ..viz import save_figure
    from ..viz.levels import atoms_figure

    energies = np.array([0, 1, 2])
    Ns = [30, 100, 300, 1000] if ctx.fast else [30, 100, 300, 1000, 3000, 10000]
    devs, stir, last = [], [], None
    for N in Ns:
        last = most_probable_occupation(energies, N, (2 * N) // 3)
        devs.append(last.max_deviation)
        stir.append(stirling_relative_error(last.occupation))
    T = 1.0 / last.beta
    samp = sample_levels(energies.astype(float), T, 5000 if ctx.fast else 40000,
                         seed=ctx.seed, progress=False)
    fig = atoms_figure(Ns, np.array(devs), np.array(stir), last.fractions, last.boltzmann,
                       energies)
    path = save_figure(fig, ctx.out, "act1_atoms.png")
    Ts = np.linspace(0.05, 3.0, 30)
    th = thermodynamics(energies.astype(float), Ts)
    lines = [
        (f"{Ns[-1]} atoms over levels E = 0, 1, 2 with mean energy 2/3: the occupation with the "
        f"most microstates is {last.fractions.round(4).tolist()}"),
        (f"Boltzmann at T = {T:.4f} (solve_beta) gives {last.boltzmann.round(4).tolist()}; "
        f"max gap falls from {devs[0]:.4f} (N={Ns[0]}) to {devs[-1]:.2e} (N={Ns[-1]})."),
        f"Stirling's ln W error falls from {stir[0]:.3f} to {stir[-1]:.1e}: entropy is ln(#states).",
        f"Metropolis walkers at that T: chi-square p = {samp.p_value:.2f} against Boltzmann.",
        "A system at fixed T settles where F = U - T S is lowest, not where U is.",
    ]
    return ActResult(
        title="Atoms: counting microstates gives Boltzmann",
        lines=lines,
        numbers={"N": Ns, "max_deviation": devs, "stirling_relative_error": stir,
                 "temperature": T, "chi2_p_value": samp.p_value},
        figures=[path] if path else [],
        curve=Curve(x=Ts.tolist(), ys={"U": th.U.tolist(), "F = U - TS": th.F.tolist()},
                    xlabel="T", ylabel="energy per atom", title="Atoms (3 levels)"),
    )
