"""Statistical physics: N-level systems, lattices, exact results, path integrals.

* :mod:`~thermo_rl.physics.levels` -- N atoms over k levels: counting, Stirling, the
  most probable occupation, Metropolis samples against Boltzmann;
* :mod:`~thermo_rl.physics.ising` and :mod:`~thermo_rl.physics.potts` -- 2D lattices with
  Metropolis, heat-bath, Wolff, Swendsen-Wang (and multi-spin coding for Ising);
  :func:`simulate_ising` and :func:`simulate_potts` are their ``simulate``;
* :mod:`~thermo_rl.physics.tempering` -- replica exchange;
* :mod:`~thermo_rl.physics.exact` -- Onsager, Kaufman, enumeration, the Potts ``Tc``;
* :mod:`~thermo_rl.physics.free_energy` -- ``ln Z`` measured: thermodynamic integration,
  annealed importance sampling, Wang-Landau, MBAR (against Kaufman and enumeration);
* :mod:`~thermo_rl.physics.paths` -- path-integral Monte Carlo of a harmonic well.

Examples
--------
>>> from thermo_rl.physics import TC, simulate_ising
>>> r = simulate_ising(8, 1.5, sweeps=200, seed=0, progress=False)
>>> bool(r.abs_m.mean > 0.9) and round(TC, 4)
2.2692
"""

from . import exact, free_energy, ising, levels, paths, potts, tempering
from ._results import SimulationResult
from .exact import (
    TC,
    DensityOfStates,
    KaufmanResult,
    density_of_states,
    enumeration_thermo,
    kaufman,
    onsager_energy,
    onsager_free_energy,
    onsager_heat_capacity,
    onsager_magnetization,
    potts_tc,
)
from .ising import IsingModel, IsingSampler, IsingState
from .ising import simulate as simulate_ising
from .levels import (
    LevelSample,
    MostProbable,
    ln_multiplicity,
    most_probable_occupation,
    multiplicity,
    sample_levels,
    stirling_ln_multiplicity,
    stirling_relative_error,
)
from .paths import PathResult, harmonic_pimc, x2_classical, x2_discrete, x2_exact
from .potts import PottsModel, PottsSampler, PottsState
from .potts import simulate as simulate_potts
from .tempering import TemperingResult, parallel_tempering

__all__ = [
    "TC", "DensityOfStates", "IsingModel", "IsingSampler", "IsingState", "KaufmanResult",
    "LevelSample", "MostProbable", "PathResult", "PottsModel", "PottsSampler", "PottsState",
    "SimulationResult", "TemperingResult", "density_of_states", "enumeration_thermo", "exact",
    "free_energy",
    "harmonic_pimc", "ising", "kaufman", "levels", "ln_multiplicity",
    "most_probable_occupation", "multiplicity", "onsager_energy", "onsager_free_energy",
    "onsager_heat_capacity", "onsager_magnetization", "parallel_tempering", "paths", "potts",
    "potts_tc", "sample_levels", "simulate_ising", "simulate_potts", "stirling_ln_multiplicity",
    "stirling_relative_error", "tempering", "x2_classical", "x2_discrete", "x2_exact",
]
