"""The problem interface: what a problem hands to the engine.

A :class:`Problem` bundles the instance data (a tuple for the Numba kernels), its four
kernels (see :mod:`thermo_rl.anneal._engine`), how to draw random initial states, and a
plain NumPy energy (the reference the tests compare the kernels with).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Problem"]


class Problem:
    """Base class. Subclasses set the attributes below in ``__init__``.

    Attributes
    ----------
    name : str
    size : int
        Number of variables (cities, spins, coordinates).
    moves_per_sweep : int
        Moves in one sweep (a sweep proposes about one move per variable).
    data : tuple
        Instance arrays passed to the kernels.
    engine : EngineKernels
        The generic loop bound to the problem's kernels ``(energy, init_aux, propose,
        apply)`` (see :mod:`thermo_rl.anneal._engine`).
    aux_width : int
        Columns of the auxiliary array per run.
    state_dtype : numpy dtype
    optimum : float or None
        Known minimum energy (TSPLIB optimum, global minimum of a test function).
    offset : float
        Added to kernel energies to report the problem's own objective (QUBO, MAX-CUT).
    default_sweeps : int
        Sweeps used when none are given (chosen to meet the quality goals).
    """

    name = "problem"
    size = 0
    moves_per_sweep = 0
    data: tuple = ()
    engine = None
    aux_width = 1
    state_dtype = np.float64
    optimum = None
    offset = 0.0
    default_sweeps = 1000
    energy_label = "energy"

    def random_states(self, runs: int, rng: np.random.Generator) -> np.ndarray:
        """``(runs, size)`` random initial states."""
        raise NotImplementedError

    def energy(self, state) -> float:
        """Energy of one state, recomputed in plain NumPy (reference for the kernels)."""
        raise NotImplementedError

    def summary(self, best_energy: float, best_state) -> dict:
        """Problem-specific numbers for a result (e.g. tour length and gap)."""
        out = {}
        if self.optimum is not None:
            out["optimum"] = float(self.optimum)
            denom = abs(self.optimum)
            out["gap"] = (float(best_energy - self.optimum) / denom if denom > 0
                          else float(best_energy - self.optimum))
        return out

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, size={self.size})"
