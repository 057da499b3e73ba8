"""The one annealing loop (Numba). Problems plug in as four small kernel functions.

A problem supplies, as ``@njit`` functions (Numba compiles one specialization of the
loop per problem, the kernels inlined):

``energy(data, S, r) -> float``
    full energy of run ``r``'s state ``S[r]`` (used to re-synchronize and in tests);
``init_aux(data, S, aux, r)``
    rebuild the auxiliary arrays of run ``r`` (tour positions, local fields, sums);
``propose(data, S, aux, r, rng, k) -> (dE, m0, m1, m2, m3, f)``
    draw move number ``k`` of a sweep and return its *exact* energy change and a
    description (four ints and a float); ``dE = inf`` marks an invalid move;
``apply(data, S, aux, r, m0, m1, m2, m3, f)``
    perform the move.

``data`` is a tuple of arrays/scalars (the instance), ``S`` the ``(runs, size)`` states,
``aux`` the ``(runs, m)`` auxiliary arrays, ``rng`` the ``(runs, 4)`` xoshiro streams
(one per run, so runs are independent and reproducible). Moves are accepted with
:func:`thermo_rl._metropolis.metropolis_accept`.

The generic functions below are plain Python written against four global names
(``_energy``, ``_init_aux``, ``_propose``, ``_apply``); :func:`specialize` binds them to a
problem's kernels with :func:`thermo_rl._specialize.specialize`, so every problem gets
its own compiled, cached loop with the kernels inlined.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._metropolis import metropolis_accept
from .._rng import next_double
from .._specialize import specialize as _specialize

__all__ = ["EngineKernels", "delta_check", "run_chunk", "sample_deltas", "specialize", "sync"]


class EngineKernels(NamedTuple):
    """A problem's bound engine: the generic loop specialized to its kernels."""

    run_chunk: object       # (data, S, aux, B, E, Eb, rng, betas, restart, mps, acc)
    sync: object            # (data, S, aux, E)
    sample_deltas: object   # (data, S, aux, rng, mps, out)
    delta_check: object     # (data, S, aux, rng, mps, n_moves, out)


def run_chunk(data, S, aux, B, E, Eb, rng, betas, restart,
              moves_per_sweep, acc):
    """Anneal every run through ``len(betas)`` sweeps of ``moves_per_sweep`` moves.

    ``E``/``Eb`` (current and best energy per run) and ``B`` (best states) are updated
    in place; ``acc[r]`` receives the number of accepted moves. Where ``restart[s]`` is
    true, run ``r`` restarts from its best state before sweep ``s`` (reheating with
    restart). Energies are re-computed exactly at the end, so rounding never drifts.
    """
    runs = S.shape[0]
    n_sweeps = betas.shape[0]
    for r in range(runs):
        e = E[r]
        eb = Eb[r]
        a = 0
        for s in range(n_sweeps):
            if restart[s]:
                S[r, :] = B[r, :]
                _init_aux(data, S, aux, r)
                e = eb
            beta = betas[s]
            for k in range(moves_per_sweep):
                dE, m0, m1, m2, m3, f = _propose(data, S, aux, r, rng, k)
                # beta*dE > 40: exp(-40) = 4e-18 is below the 2^-53 resolution of u, so
                # the move is rejected without drawing u (the same decision, faster)
                if dE <= 0.0 or (beta * dE < 40.0
                                 and metropolis_accept(dE, beta, next_double(rng, r))):
                    _apply(data, S, aux, r, m0, m1, m2, m3, f)
                    e += dE
                    a += 1
                    if e < eb:
                        eb = e
                        B[r, :] = S[r, :]
        _init_aux(data, S, aux, r)
        E[r] = _energy(data, S, r)
        Eb[r] = _energy(data, B, r)
        acc[r] = a


def sync(data, S, aux, E):
    """Rebuild ``aux`` and the energies ``E`` of every run from the states ``S``."""
    for r in range(S.shape[0]):
        _init_aux(data, S, aux, r)
        E[r] = _energy(data, S, r)


def sample_deltas(data, S, aux, rng, moves_per_sweep, out):
    """Energy changes of ``out.size`` proposed (not applied) moves, cycling over runs."""
    runs = S.shape[0]
    for i in range(out.shape[0]):
        r = i % runs
        out[i] = _propose(data, S, aux, r, rng, (i // runs) % moves_per_sweep)[0]


def delta_check(data, S, aux, rng, moves_per_sweep,
                n_moves, out):
    """Apply ``n_moves`` proposed moves to run 0; ``out[i] = (dE, E_after - E_before)``.

    The second column is the full recomputation, so a correct kernel has the columns
    equal (invalid moves, dE = inf, are skipped and marked with NaN).
    """
    for i in range(n_moves):
        e0 = _energy(data, S, 0)
        dE, m0, m1, m2, m3, f = _propose(data, S, aux, 0, rng, i % moves_per_sweep)
        if not np.isfinite(dE):
            out[i, 0] = np.nan
            out[i, 1] = np.nan
            continue
        _apply(data, S, aux, 0, m0, m1, m2, m3, f)
        out[i, 0] = dE
        out[i, 1] = _energy(data, S, 0) - e0


def _missing(*args):  # placeholders until specialize() binds the kernels
    raise RuntimeError("engine function used before specialize()")


_energy = _init_aux = _propose = _apply = _missing


def specialize(prefix: str, energy, init_aux, propose, apply) -> EngineKernels:
    """The engine compiled for one problem's kernels (cached as ``<prefix>_run_chunk`` ...)."""
    kernels = {"_energy": energy, "_init_aux": init_aux, "_propose": propose,
               "_apply": apply}
    return EngineKernels(*(_specialize(fn, prefix, kernels)
                           for fn in (run_chunk, sync, sample_deltas, delta_check)))
