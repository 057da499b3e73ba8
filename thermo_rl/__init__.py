"""thermo_rl: free energy, not reward, across statistical mechanics and reinforcement learning.

Sign convention (everywhere): ``energy`` E and ``reward = -energy``; ``beta = 1/T``
(k_B = 1, so temperature is in units of energy); entropies in nats.

    p(x) = exp(-E(x)/T) / Z = exp(r(x)/T) / Z
    F = U - T S        (physics minimizes)
    J = <r> + T H = -F (RL maximizes)
"""

__version__ = "0.1.0"

from ._progress import fast_mode  # noqa: E402

__all__ = ["__version__", "fast_mode"]
