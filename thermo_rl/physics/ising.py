"""The 2D Ising model on a periodic square lattice: samplers and measurements.

    E = -J sum_<ij> s_i s_j - h sum_i s_i,     s_i = +-1,  T in units of J,  k_B = 1

Design (after NetKet's samplers): an immutable description -- :class:`IsingModel`
(lattice and couplings) and :class:`IsingSampler` (model, temperature, algorithm)
-- plus an explicit :class:`IsingState` (spins and generator streams) passed in
and returned by :meth:`IsingSampler.run`. The kernels live in private modules;
:func:`simulate` is the one-call entry point returning a :class:`SimulationResult`
with mean, error bar and ``tau_int`` of every observable.

Algorithms
----------
``metropolis``, ``heatbath``
    checkerboard single-spin updates (Numba, rows in parallel; even ``L``).
``wolff``, ``sw``
    Wolff single-cluster and Swendsen-Wang cluster updates (``h = 0`` only); one
    Wolff "sweep" flips clusters until at least ``N`` spins turned.
``msc``
    multi-spin coding: 64 independent replicas in the bits of ``uint64`` words
    (Metropolis, ``h = 0``); the observables average over the replicas.

``device="cuda"`` (or ``device="torch"`` on the CPU) runs checkerboard Metropolis
in PyTorch on ``replicas`` lattices at once (``algorithm="metropolis"`` only).

Antiferromagnets (``J < 0``) work with every algorithm; the cluster updates and
multi-spin coding use the exact sublattice gauge transformation onto the ferromagnet
(:mod:`~thermo_rl.physics._cluster_kernels`), and the ordered start is the Néel state.

Burn-in: unless given, ``max(100, sweeps // 10)`` sweeps are discarded. The
default start is ordered (all +1) below ``Tc`` and random above it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from .._progress import progress_bar
from .._rng import stream_states
from .._validation import (
    check_choice,
    check_int,
    check_lattice_side,
    check_real,
    check_temperature,
    checks_input,
    work_starts,
)
from ..errors import UserError, UserTypeError
from . import _cluster_kernels as _ck
from . import _ising_kernels as _ik
from ._cluster_kernels import wolff_burn_in, wolff_clusters_per_sweep  # noqa: F401 (moved)
from ._results import MAX_SWEEPS, SimulationResult, default_burn_in, plan_run, summarize
from .exact import TC

__all__ = ["ALGORITHMS", "DEVICES", "IsingModel", "IsingSampler", "IsingState", "SimulationResult",
           "simulate", "simulate_many"]

ALGORITHMS = ("metropolis", "heatbath", "wolff", "sw", "msc")
#: where :func:`simulate` runs: Numba on the CPU, or PyTorch (on the CPU or a CUDA GPU)
DEVICES = ("cpu", "cuda", "torch")


@dataclass(frozen=True)
class IsingModel:
    """Periodic ``L x L`` Ising lattice with coupling ``J`` and field ``h`` (immutable)."""

    L: int
    J: float = 1.0
    h: float = 0.0

    def __post_init__(self):
        L = check_lattice_side(self.L)
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "J", check_real(self.J, "J"))
        object.__setattr__(self, "h", check_real(self.h, "h"))

    @property
    def N(self) -> int:
        return self.L * self.L

    def energy(self, spins) -> float:
        """Total energy of a configuration (int8 array of +-1)."""
        b, m = _ik.observables_serial(np.ascontiguousarray(spins, dtype=np.int8))
        return float(-self.J * b - self.h * m)


@dataclass(frozen=True)
class IsingState:
    """Spins ``(L, L)`` int8 (``(L, L)`` uint64 words for ``msc``) and xoshiro streams."""

    spins: np.ndarray
    rng: np.ndarray


@dataclass(frozen=True)
class IsingSampler:
    """A Markov chain for ``model`` at temperature ``T`` with ``algorithm`` (immutable)."""

    model: IsingModel
    T: float
    algorithm: str = "metropolis"
    clusters_per_sweep: int = 1        # Wolff: clusters per recorded sample

    def __post_init__(self):
        check_int(self.clusters_per_sweep, "clusters_per_sweep", low=1)
        if not isinstance(self.model, IsingModel):
            raise UserTypeError(f"model must be an IsingModel, got {type(self.model).__name__}")
        object.__setattr__(self, "T", check_temperature(self.T))
        check_choice(self.algorithm, "algorithm", ALGORITHMS)
        if self.algorithm in ("wolff", "sw", "msc") and self.model.h != 0.0:
            raise UserError(f"algorithm {self.algorithm!r} needs h = 0; use metropolis "
                             "or heatbath with a field")

    @property
    def beta(self) -> float:
        return 1.0 / self.T

    def init(self, seed=0, start: str | None = None) -> IsingState:
        """A fresh state: ``start`` is ``"ordered"`` (all +1), ``"random"`` or None (ordered below Tc)."""
        L = self.model.L
        if start is None:
            start = "ordered" if self.T < TC * abs(self.model.J) else "random"
        check_choice(start, "start", ("ordered", "random"))
        if self.algorithm == "msc":
            from . import _msc_kernels as _mk

            rng = stream_states(seed, _mk.n_streams(L))
            spins = _mk.init_words(L, start == "random", rng)
            if self.model.J < 0 and start == "ordered":      # the Neel state
                spins ^= _mk.stagger_words(L)
            return IsingState(spins, rng)
        rng = stream_states(seed, L)
        if start == "ordered":          # all +1, or the Neel state of an antiferromagnet
            spins = np.ones((L, L), dtype=np.int8) if self.model.J >= 0 else \
                _ck.staggered_signs(L, L)
        else:
            r = np.random.default_rng(rng[0])
            spins = (2 * r.integers(0, 2, size=(L, L)) - 1).astype(np.int8)
        return IsingState(spins, rng)

    def run(self, state: IsingState, n_sweeps: int, measure: bool = True):
        """Advance ``n_sweeps`` sweeps; return ``(new_state, bonds, magnetization)``.

        ``bonds`` (``sum s_i s_j``) and ``magnetization`` (``sum s_i``) are recorded after
        every sweep (int64 arrays; for ``msc`` shape ``(n_sweeps, 64)``).
        """
        n = check_int(n_sweeps, "n_sweeps", low=0)
        spins, rng = state.spins.copy(), state.rng.copy()
        m = self.model
        alg = self.algorithm
        if alg in ("metropolis", "heatbath"):
            thr = _ik.flip_table(self.beta, m.J, m.h, alg)
            b = np.empty(n if measure else 0, np.int64)
            mg = np.empty_like(b)
            _ik.chain(spins, thr, rng, n, b, mg)
        elif alg == "msc":
            from . import _msc_kernels as _mk

            b = np.empty((n if measure else 0, 64), np.int64)
            mg = np.empty_like(b)
            # J < 0: the 64 replicas run on the gauge words of the ferromagnet |J|
            stagger = _mk.stagger_words(m.L) if m.J < 0 else None
            if stagger is not None:
                spins ^= stagger
            _mk.chain(spins, _mk.acceptance_digits(self.beta * abs(m.J)), rng, n, b, mg,
                      stagger is not None)
            if stagger is not None:
                spins ^= stagger
        else:
            # J < 0: clusters grow on the gauge spins g = s (-1)^(i+j) of the ferromagnet |J|
            gauge = _ck.staggered_signs(m.L, m.L) if m.J < 0 else None
            p_add = -math.expm1(-2.0 * self.beta * abs(m.J))
            if gauge is not None:
                spins *= gauge
            stack = np.empty(m.N, np.int64)
            labels = np.empty(m.N, np.int64)
            b = np.empty(n, np.int64)
            mg = np.empty(n, np.int64)
            for t in range(n):
                if alg == "wolff":
                    _ck.wolff_sweep(spins, p_add, 0, rng, stack, self.clusters_per_sweep)
                else:
                    _ck.sw_sweep(spins, p_add, 0, rng, labels, stack)
                b[t], mg[t] = _ik.observables_serial(spins)
                if gauge is not None:           # s_i s_j = -g_i g_j on every bond
                    b[t], mg[t] = -b[t], int(np.dot(spins.ravel(), gauge.ravel()))
            if gauge is not None:
                spins *= gauge
        return IsingState(spins, rng), b, mg


@checks_input
def simulate(L: int = 16, T: float = 2.0, *, J: float = 1.0, h: float = 0.0,
             algorithm: str = "metropolis", sweeps: int = 10_000, burn_in: int | None = None,
             seed=0, start: str | None = None, device: str | None = None,
             replicas: int = 16, progress: bool = True) -> SimulationResult:
    """Simulate the 2D Ising model and measure with error bars.

    Parameters
    ----------
    L : int, even, >= 2
        Lattice side (periodic).
    T : float, > 0
        Temperature (units of J).
    J, h : float
        Coupling and field.
    algorithm : {"metropolis", "heatbath", "wolff", "sw", "msc"}
    sweeps : int
        Measured sweeps (one sample after each).
    burn_in : int, optional
        Discarded sweeps; default ``max(100, sweeps // 10)``.
    seed : int or Generator
    start : {"ordered", "random"}, optional
        Default: ordered below ``Tc``, random above.
    device : {"cpu", "cuda", "torch"}, optional
        ``"cuda"`` runs the PyTorch checkerboard Metropolis kernel on the GPU,
        ``"torch"`` the same kernel on the CPU; both need ``algorithm="metropolis"``.
    replicas : int
        Lattices simulated at once by the PyTorch path (their samples are pooled).
    progress : bool
        tqdm bar on stderr.

    Returns
    -------
    SimulationResult
    """
    model = IsingModel(L, J, h)
    T = check_temperature(T)
    sweeps = check_int(sweeps, "sweeps", low=32, high=MAX_SWEEPS)
    burn_in = default_burn_in(sweeps) if burn_in is None else check_int(burn_in, "burn_in", low=0,
                                                                         high=MAX_SWEEPS)
    device = "cpu" if device is None else check_choice(device, "device", DEVICES)
    algorithm = check_choice(algorithm, "algorithm", ALGORITHMS)
    if device != "cpu" and algorithm != "metropolis":
        raise UserError(f"device {device!r} runs checkerboard Metropolis only; got "
                        f"algorithm {algorithm!r} (use device='cpu' for it)")
    plan_run("ising", model.L, sweeps, burn_in, "torch" if device != "cpu" else algorithm,
             replicas=check_int(replicas, "replicas", low=1) if device != "cpu" else 1,
             progress=progress)
    work_starts()
    if device != "cpu":
        from ._torch_ising import simulate_torch

        return simulate_torch(model, T, sweeps=sweeps, burn_in=burn_in, seed=seed,
                              start=start, device="cpu" if device == "torch" else device,
                              replicas=replicas, progress=progress)
    sampler = IsingSampler(model, T, algorithm)
    state = sampler.init(seed, start)
    if algorithm == "wolff":
        p_add = -math.expm1(-2.0 * abs(model.J) / T)
        gauge = _ck.staggered_signs(L, L) if model.J < 0 else None
        state = _ck.wolff_burn_in(state, p_add, 0, burn_in, gauge)
        sampler = replace(sampler, clusters_per_sweep=_ck.wolff_clusters_per_sweep(
            state, p_add, 0, gauge=gauge))
    else:
        state, _, _ = sampler.run(state, burn_in, measure=False)
    chunks = np.diff(np.linspace(0, sweeps, min(sweeps, 20) + 1).astype(int))
    bonds, mags = [], []
    t0 = time.perf_counter()
    for n in progress_bar(chunks, desc=f"ising T={T:.3f}", progress=progress):
        state, b, mg = sampler.run(state, int(n))
        bonds.append(b)
        mags.append(mg)
    seconds = time.perf_counter() - t0
    b = np.concatenate(bonds)
    mg = np.concatenate(mags)
    N = model.N
    if algorithm == "msc":                      # pool the 64 replicas, replica after replica
        b, mg = b.T.reshape(-1), mg.T.reshape(-1)
    e = (-J * b - h * mg) / N
    m = mg / N
    updates = sweeps * N * (64 if algorithm == "msc" else 1)
    return SimulationResult("ising", L, T, algorithm, sweeps, burn_in, summarize(e, m, N, 1.0 / T),
                            e, m, state.spins, seconds, updates / (seconds * 1e9), seed=seed)


def simulate_many(L: int, Ts, **kw) -> list[SimulationResult]:
    """:func:`simulate` at each temperature of ``Ts`` (same seed for each)."""
    Ts = np.atleast_1d(np.asarray(Ts, dtype=np.float64))
    return [simulate(L, float(t), **kw) for t in Ts]
