"""thermo_rl: free energy, not reward, across statistical mechanics and reinforcement learning.

Sign convention (everywhere): ``energy`` E and ``reward = -energy``; ``beta = 1/T``
(k_B = 1, so temperature is in units of energy); entropies in nats.

    p(x) = exp(-E(x)/T) / Z = exp(r(x)/T) / Z
    F = U - T S        (physics minimizes)
    J = <r> + T H = -F (RL maximizes)

Subpackages: :mod:`thermo_rl.physics` (levels, lattices, exact results),
:mod:`thermo_rl.anneal`, :mod:`thermo_rl.bandits`, :mod:`thermo_rl.entropy`
(entropy dynamics and controls shared with the language-model loop), :mod:`thermo_rl.viz`.
"""

__version__ = "0.2.0"

from . import metrics, schedules
from ._progress import fast_mode
from .gibbs import Thermo, boltzmann_probabilities, log_partition, solve_beta, thermodynamics

__all__ = [
    "Thermo",
    "__version__",
    "boltzmann_probabilities",
    "fast_mode",
    "log_partition",
    "metrics",
    "schedules",
    "solve_beta",
    "thermodynamics",
]
