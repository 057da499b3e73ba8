"""Run a policy on a bandit over many independent runs at once.

:func:`run` is the one entry point: the classic policies go through their Numba
kernels (one xoshiro256** stream per run, runs in chunks under a progress bar), the
free-energy learner :class:`~thermo_rl.bandits.policies.EntropyPG` through a
vectorized NumPy loop that calls the shared entropy controls
(:mod:`thermo_rl.entropy`). Both return a :class:`BanditResult` of per-step
averages over runs.

Examples
--------
>>> from thermo_rl.bandits import run, testbed, EpsilonGreedy
>>> res = run(testbed(), EpsilonGreedy(0.1), runs=200, steps=100, seed=0, progress=False)
>>> res.reward.shape, res.counts.shape
((100,), (200, 10))
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import numba
import numpy as np

from .._progress import progress_bar
from .._rng import make_rng, seed_int, stream_states
from .._validation import check_int, check_memory, checks_input, work_starts
from ..errors import UserError, UserTypeError
from . import _kernels as K
from .envs import BanditEnv, make_env
from .pg import run_entropy_pg
from .policies import EntropyPG, Policy, make_policy
from .result import BanditResult

__all__ = ["BanditResult", "compare", "run"]

N_CHUNKS = 16


def _resolve(env, policy):
    if isinstance(env, str):
        env = make_env(env)
    if not isinstance(env, BanditEnv):
        raise UserTypeError(f"env must be a BanditEnv or a name, got {type(env).__name__}")
    if isinstance(policy, str):
        policy = make_policy(policy)
    if not isinstance(policy, Policy):
        raise UserTypeError(f"policy must be a Policy or a name, got {type(policy).__name__}")
    return env, policy


@checks_input
def run(env, policy, *, runs: int = 2000, steps: int = 1000, seed=0,
        threads: int | None = None, progress: bool = True) -> BanditResult:
    """Run ``policy`` on ``env`` for ``runs`` independent runs of ``steps`` steps.

    Parameters
    ----------
    env : BanditEnv or str
        An environment (:mod:`thermo_rl.bandits.envs`) or a name for ``make_env``.
    policy : Policy or str
        A policy (:mod:`thermo_rl.bandits.policies`) or a name for ``make_policy``.
    runs, steps : int
        Independent runs (each with its own random stream and, on the testbed, its own
        true means) and steps per run.
    seed : int (default 0), None or numpy Generator
        Same seed, same result (also for any number of threads).
    threads : int, optional
        Threads for the Numba kernels (chunks of runs in parallel; default: Numba's
        thread count, i.e. the cores). EntropyPG runs vectorized in NumPy.
    progress : bool
        Progress bar over chunks of runs (stderr).
    """
    env, policy = _resolve(env, policy)
    runs = check_int(runs, "runs", low=1)
    steps = check_int(steps, "steps", low=1)
    G = policy.group if isinstance(policy, EntropyPG) else 1
    # per run: streams, counts, final probabilities (+ EntropyPG's logits, probabilities,
    # cdf, group samples and the (runs, G, k) comparison); per step: the accumulators
    check_memory(runs * (32 + 8 * env.k * (3 if G == 1 else 12 + 2 * G)) + steps * 8 * 6
                 * (N_CHUNKS + 2), f"{runs} runs x {steps} steps of {type(policy).__name__}")
    threads = numba.get_num_threads() if threads is None else check_int(threads, "threads",
                                                                           low=1)
    rng = make_rng(seed)
    work_starts()
    t0 = time.perf_counter()
    if isinstance(policy, EntropyPG):
        res = run_entropy_pg(env, policy, runs, steps, rng, progress)
    else:
        res = _run_kernel(env, policy, runs, steps, rng, threads, progress)
    res.seed = seed
    res.seconds = time.perf_counter() - t0
    return res


def _run_kernel(env, policy, runs, steps, rng, threads, progress):
    params, temps = policy.kernel_params(env, steps)
    params = np.ascontiguousarray(params, dtype=np.float64)
    temps_arr = np.zeros(1) if temps is None else temps
    states = stream_states(rng, runs)
    counts = np.zeros((runs, env.k), dtype=np.int64)
    final = np.zeros((runs, env.k))
    # a fixed chunking (not tied to the thread count) keeps the float sums reproducible
    n_chunks = min(runs, N_CHUNKS)
    bounds = np.linspace(0, runs, n_chunks + 1).astype(np.int64)
    accs = np.zeros((n_chunks, steps, K.N_ACC))      # one cache line per step
    means = np.ascontiguousarray(env.means, dtype=np.float64)
    kernel = policy.kernel_for(env)

    def chunk(c):
        kernel(states, int(bounds[c]), int(bounds[c + 1]), means, env.means_std,
               env.kind_code, env.noise, env.walk_std, params, temps_arr, accs[c], counts,
               final)

    bar = progress_bar(total=n_chunks, desc=type(policy).__name__, progress=progress)
    with bar, ThreadPoolExecutor(max_workers=threads) as pool:
        for fut in as_completed([pool.submit(chunk, c) for c in range(n_chunks)]):
            fut.result()
            bar.update()
    acc = accs.sum(axis=0).T
    mean = acc[0] / runs
    var = np.maximum(acc[1] / runs - mean**2, 0.0)
    return BanditResult(env, policy, runs, steps, None, mean, np.sqrt(var / max(runs - 1, 1)),
                        acc[2] / runs, acc[3] / runs, acc[4] / runs, acc[5] / runs, counts,
                        final, 0.0, temperature=temps)


def compare(env, policies: dict, *, runs: int = 2000, steps: int = 1000, seed=0,
            progress: bool = True) -> dict:
    """Run several policies on the same environment; ``{label: BanditResult}``.

    Every policy gets the same seed, so on the testbed they face the same true means:
    a Generator (or ``None``) is turned into one integer seed first, shared by all.
    """
    if not isinstance(policies, dict) or not policies:
        raise UserError("policies must be a non-empty dict {label: Policy or name}")
    if seed is None or isinstance(seed, np.random.Generator):
        seed = seed_int(seed)
    return {label: run(env, p, runs=runs, steps=steps, seed=seed, progress=progress)
            for label, p in policies.items()}
