r"""Self-training collapse: a categorical model refit again and again on its own samples.

Each generation draws ``n`` samples from the current model (optionally sharpened or
flattened by a sampling temperature, and mixed with a share of fresh data from the
true distribution) and refits the model to the sample frequencies. Without fresh
data this is Wright-Fisher genetic drift: types are lost one by one and the model
ends on a single type (support 1) — the toy version of a language model trained on
its own outputs ("model collapse", Shumailov et al., 2024, Nature 631, 755).

Theory (diffusion limit; two types: Kimura & Ohta, 1969, Genetics 61, 763; ``k``
types: Littler, 1975, Math. Biosci. 25, 151): starting from frequencies ``p``, the
mean number of generations until one type has taken over is

.. math:: \bar t = -2n \sum_i (1 - p_i) \ln(1 - p_i),

``2n (k - 1) \ln(k / (k - 1))`` from the uniform start, which grows linearly with
the sample size ``n`` (:func:`wright_fisher_fixation_time`);
:func:`exact_fixation_time` solves the finite chain instead. Fresh data (``mix > 0``)
gives every type a way back. A sampling temperature does not: ``0^(1/T) = 0``, so a
lost type never returns at any ``T`` and the chain still fixes with probability one;
``T > 1`` (``p^(1/T)``, flatter) only delays the fixation (``n = 10``, ``k = 3``: a
mean of 14.8 generations at ``T = 1``, 59.4 at ``T = 1.5``), ``T < 1`` speeds it.

Examples
--------
>>> round(wright_fisher_fixation_time([0.5, 0.5], 100), 1)
138.6
>>> res = self_train(k=4, n_samples=20, generations=400, runs=200, seed=0, progress=False)
>>> res.fraction_fixed
1.0
>>> round(exact_fixation_time([1, 1, 1], 10, T=1.5), 1)    # still fixes, only later
59.4
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._progress import progress_bar
from .._rng import make_rng, stream_states
from .._validation import (
    as_float_array,
    check_int,
    check_memory,
    check_probability,
    check_temperature,
)
from ..errors import UserError
from ..results import jsonable
from . import _kernels as K

__all__ = ["SelfTrainingResult", "exact_fixation_time", "self_train",
           "wright_fisher_fixation_time"]


def wright_fisher_fixation_time(p0, n_samples) -> float:
    """Mean generations until one type takes over, ``-2n sum (1-p_i) ln(1-p_i)`` (diffusion).

    Parameters
    ----------
    p0 : array_like (k,)
        Initial frequencies (normalized here).
    n_samples : int
        Samples per generation (the population size of the haploid Wright-Fisher model).
    """
    p = _probabilities(p0, "p0")
    n = check_int(n_samples, "n_samples", low=1)
    q = 1.0 - p[p < 1.0]
    return float(-2.0 * n * np.sum(q * np.log(q)))


def exact_fixation_time(p0, n_samples, *, T: float = 1.0, max_states: int = 3_000) -> float:
    """Exact mean generations until one type takes over, from the finite Markov chain.

    The counts ``c`` (``sum c = n``) of :func:`self_train` without fresh data form a
    Markov chain: ``c' ~ Multinomial(n, q(c))`` with ``q = (c/n)^(1/T) / Z``. Every
    count vector with one type is absorbing, and every other one reaches one with
    positive probability in one generation (all ``n`` samples of one present type),
    so absorption is certain at every ``T``: ``0^(1/T) = 0`` keeps lost types lost.
    The mean absorption times ``t`` solve ``(I - Q) t = 1`` over the transient states
    (``Q``: the transition matrix among them); the first generation samples from
    ``p0`` itself. Same counting as :meth:`SelfTrainingResult.fixation_time`
    (generation 1 is the first refit).

    Parameters
    ----------
    p0 : array_like (k,)
        Initial model (normalized here).
    n_samples : int
        Samples per generation.
    T : float > 0
        Sampling temperature.
    max_states : int
        Refuse chains with more count vectors (``C(n + k - 1, k - 1)``).

    Returns
    -------
    float
        Mean number of generations (units: generations).

    Examples
    --------
    >>> round(exact_fixation_time([1, 1, 1], 10), 2)      # the diffusion formula: 16.2
    14.85
    """
    from scipy.stats import multinomial

    p0 = _probabilities(p0, "p0")
    n = check_int(n_samples, "n_samples", low=1)
    T = check_temperature(T, "T")
    max_states = check_int(max_states, "max_states", low=1)
    k = p0.size
    n_states = math.comb(n + k - 1, k - 1)
    if n_states > max_states:
        raise UserError(f"n_samples={n} with {k} types gives {n_states} count vectors "
                        f"(more than max_states={max_states}); use self_train")
    states = np.array([c for c in itertools.product(range(n + 1), repeat=k) if sum(c) == n],
                      dtype=np.int64)

    def sampling(p):
        w = np.where(p > 0, p ** (1.0 / T), 0.0)
        return w / w.sum()

    def row(p):
        return multinomial.pmf(states, n, sampling(p))

    transient = (states > 0).sum(axis=1) > 1
    tr = states[transient]
    Q = np.array([row(c / n)[transient] for c in tr]).reshape(len(tr), len(tr))
    t = np.linalg.solve(np.eye(len(tr)) - Q, np.ones(len(tr))) if len(tr) else np.zeros(0)
    first = row(p0)
    return float(1.0 + first[transient] @ t)


def _probabilities(p, name):
    p = as_float_array(p, name, ndim=1, min_size=2)
    if np.any(p < 0) or p.sum() <= 0:
        raise UserError(f"{name} must be non-negative with a positive sum")
    return p / p.sum()


@dataclass
class SelfTrainingResult:
    """Outcome of :func:`self_train` over ``runs`` independent runs.

    ``support[r, g]``: number of types still present after generation ``g + 1``;
    ``fixation[r]``: generation at which one type took over (-1: never);
    ``first_loss[r]``: generation of the first lost type (-1: never);
    ``final_p``: (runs, k) model after the last generation.
    """

    n_samples: int
    generations: int
    mix: float
    T: float
    support: np.ndarray
    fixation: np.ndarray
    first_loss: np.ndarray
    final_p: np.ndarray
    seconds: float
    seed: object = None

    @property
    def runs(self) -> int:
        return int(self.support.shape[0])

    @property
    def temperature(self) -> float:
        """Deprecated name of :attr:`T` (kept for one release)."""
        return self.T

    @property
    def elapsed_s(self) -> float:
        """Deprecated name of :attr:`seconds` (kept for one release)."""
        return self.seconds

    def as_dict(self) -> dict:
        """JSON-ready summary: ``T, runs, n_samples, generations, mix, seed, seconds,
        fraction_fixed, fixation_time, fixation_time_error, final_mean_support``."""
        ft, fe = self.fixation_time()
        return jsonable({"T": self.T, "runs": self.runs, "n_samples": self.n_samples,
                         "generations": self.generations, "mix": self.mix, "seed": self.seed,
                         "seconds": self.seconds, "fraction_fixed": self.fraction_fixed,
                         "fixation_time": ft, "fixation_time_error": fe,
                         "final_mean_support": float(self.mean_support[-1])})

    @property
    def mean_support(self) -> np.ndarray:
        """Mean support size after every generation (length ``generations``)."""
        return self.support.mean(axis=0)

    @property
    def fraction_fixed(self) -> float:
        """Share of runs that collapsed onto one type within ``generations``."""
        return float(np.mean(self.fixation > 0))

    def fixation_time(self) -> tuple[float, float]:
        """Mean generation of collapse over the runs that collapsed, and its standard error.

        Biased low when some runs did not collapse within ``generations``; check
        :attr:`fraction_fixed` first.
        """
        t = self.fixation[self.fixation > 0].astype(np.float64)
        if t.size == 0:
            return math.nan, math.nan
        sem = float(t.std(ddof=1) / math.sqrt(t.size)) if t.size > 1 else math.nan
        return float(t.mean()), sem


def self_train(p0=None, *, k: int = 10, n_samples: int = 100, generations: int = 1000,
               runs: int = 500, mix: float = 0.0, T: float = 1.0, p_true=None,
               seed=0, progress: bool = True, temperature: float | None = None
               ) -> SelfTrainingResult:
    """Refit a categorical model on its own samples, generation after generation.

    Parameters
    ----------
    p0 : array_like (k,), optional
        Initial model (default uniform over ``k`` types).
    k : int
        Number of types when ``p0`` is not given.
    n_samples : int
        Samples drawn (and refit on) per generation.
    generations, runs : int
    mix : float in [0, 1]
        Share of every generation's sampling distribution taken from ``p_true`` (fresh
        data); 0 is pure self-training.
    T : float > 0
        Sampling temperature: samples come from ``p^(1/T) / Z`` (1: the model itself).
    temperature : float, deprecated
        The old name of ``T`` (kept for one release).
    p_true : array_like (k,), optional
        The fresh-data distribution (default ``p0``).
    seed : int (default 0), None or numpy Generator
    """
    p0 = np.full(check_int(k, "k", low=2), 1.0 / k) if p0 is None else _probabilities(p0, "p0")
    p_true = p0 if p_true is None else _probabilities(p_true, "p_true")
    if p_true.size != p0.size:
        raise UserError(f"p_true has {p_true.size} types but p0 has {p0.size}")
    n = check_int(n_samples, "n_samples", low=1)
    gens = check_int(generations, "generations", low=1)
    runs = check_int(runs, "runs", low=1)
    check_memory(runs * (24.0 * gens + 16 * p0.size + 56), f"{runs} runs x {gens} generations")
    mix = check_probability(mix, "mix")
    if temperature is not None:
        warnings.warn("self_train(temperature=...) is deprecated; use T=...",
                      PendingDeprecationWarning, stacklevel=2)
        T = temperature
    T = check_temperature(T, "T")
    states = stream_states(make_rng(seed), runs)
    support = np.zeros((runs, gens), dtype=np.int64)
    fixation = np.full(runs, -1, dtype=np.int64)
    first_loss = np.full(runs, -1, dtype=np.int64)
    final_p = np.zeros((runs, p0.size))
    t0 = time.perf_counter()
    n_chunks = min(runs, 20)
    bounds = np.linspace(0, runs, n_chunks + 1).astype(np.int64)
    for c in progress_bar(range(n_chunks), desc="self-training", progress=progress):
        sl = slice(int(bounds[c]), int(bounds[c + 1]))
        K.self_training_kernel(states[sl], p0, p_true, n, gens, mix, 1.0 / T, support[sl],
                               fixation[sl], first_loss[sl], final_p[sl])
    return SelfTrainingResult(n, gens, mix, T, support, fixation, first_loss, final_p,
                              time.perf_counter() - t0, seed)
