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

import math
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import numba
import numpy as np

from .._progress import progress_bar
from .._rng import make_rng, seed_int, stream_states
from .._validation import check_int, check_memory
from ..errors import UserError, UserTypeError
from ..results import jsonable
from . import _kernels as K
from .envs import BanditEnv, make_env
from .pg import run_entropy_pg
from .policies import EntropyPG, Policy, make_policy

__all__ = ["BanditResult", "compare", "run"]

N_CHUNKS = 16


@dataclass
class BanditResult:
    """Per-step averages over ``runs`` independent runs (arrays of length ``steps``).

    Attributes
    ----------
    reward, reward_sem : average reward and its standard error over runs
    optimal : fraction of runs whose action was a best arm (of that run's true means)
    entropy : mean entropy (nats) of the action distribution (NaN for Thompson)
    coverage : mean share of the run's best arms holding at least ``0.1/m`` of the
        probability (:func:`thermo_rl.metrics.coverage`): 1/m collapsed, 1 all kept
    regret : mean per-step regret (best mean minus chosen mean)
    temperature : T per step where the policy has one (softmax, EntropyPG), else None
    dH_predicted, dH_measured : EntropyPG only: mean first-order prediction
        ``-Cov(ln pi, dz)`` and mean measured entropy change of each update
    counts : (runs, k) pulls of every arm
    final_probs : (runs, k) action distribution after the last step
    seconds : wall time (``elapsed_s`` is its deprecated name)
    """

    env: BanditEnv
    policy: Policy
    runs: int
    steps: int
    seed: object
    reward: np.ndarray
    reward_sem: np.ndarray
    optimal: np.ndarray
    entropy: np.ndarray
    coverage: np.ndarray
    regret: np.ndarray
    counts: np.ndarray
    final_probs: np.ndarray
    seconds: float
    temperature: np.ndarray | None = None
    dH_predicted: np.ndarray | None = None
    dH_measured: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    @property
    def elapsed_s(self) -> float:
        """Deprecated name of :attr:`seconds` (kept for one release)."""
        return self.seconds

    @property
    def cumulative_regret(self) -> np.ndarray:
        return np.cumsum(self.regret)

    @property
    def steps_per_second(self) -> float:
        """Run-steps simulated per second of wall time (runs x steps / elapsed)."""
        return self.runs * self.steps / max(self.seconds, 1e-12)

    def entropy_change_agreement(self, threshold: float = 0.1) -> dict:
        """How well the first-order law ``dH = -Cov(ln pi, dz)`` predicts an EntropyPG run.

        Per-step correlation of predicted and measured mean entropy changes, and the mean
        relative error ``|pred - meas| / |meas|`` over the steps where the entropy moves
        (``|meas| >= threshold * max |meas|``); the totals over the run; the means over the
        last 10% of the steps. Near a stationary policy the measured change is ~0 while the
        first-order drift balances the second-order (O(lr^2)) loss of entropy to sampling
        noise: there the prediction is biased by that second-order term.
        EntropyPG results only (they carry ``dH_predicted`` and ``dH_measured``).
        """
        if self.dH_predicted is None:
            raise UserError("entropy_change_agreement needs an EntropyPG result "
                             "(dH_predicted/dH_measured are recorded only by EntropyPG)")
        dp = np.asarray(self.dH_predicted, dtype=float)
        dm = np.asarray(self.dH_measured, dtype=float)
        corr = float(np.corrcoef(dp, dm)[0, 1]) if dp.size > 2 and dp.std() > 0 and dm.std() > 0 \
            else None
        big = np.abs(dm) >= threshold * np.abs(dm).max() if dm.size and np.any(dm != 0) \
            else np.zeros(dm.size, bool)
        rel = float(np.mean(np.abs(dp[big] - dm[big]) / np.abs(dm[big]))) if big.any() else None
        tail = slice(dp.size - max(1, dp.size // 10), dp.size)
        return {"entropy_change_correlation": corr,
                "entropy_change_relative_error": rel,
                "entropy_change_steps_compared": int(big.sum()),
                "entropy_change_predicted_nats": float(dp.sum()),
                "entropy_change_measured_nats": float(dm.sum()),
                "entropy_change_predicted_last_nats_per_step": float(dp[tail].mean()),
                "entropy_change_measured_last_nats_per_step": float(dm[tail].mean())}

    def as_dict(self, last: int | None = None, *, curves: bool = False) -> dict:
        """JSON-ready summary: averages over the last ``last`` steps (default the last 10%).

        Keys: ``policy, env, runs, steps, seed, seconds, last_steps, reward, reward_sem,
        optimal_fraction, entropy_nats, coverage, cumulative_regret, steps_per_us``
        (``None`` where a policy has no value, e.g. Thompson's entropy), ``final_T`` for
        policies with a temperature, and with ``curves=True`` the per-step arrays
        ``reward_curve, optimal_curve, entropy_curve, coverage_curve, regret_curve``.
        """
        n = max(1, self.steps // 10) if last is None else check_int(last, "last", low=1)
        n = min(n, self.steps)
        sl = slice(self.steps - n, self.steps)

        def avg(x):
            v = float(np.mean(x[sl]))
            return None if math.isnan(v) else v

        d = {"policy": repr(self.policy), "env": self.env.name, "runs": self.runs,
             "steps": self.steps, "seed": self.seed, "seconds": self.seconds,
             "last_steps": n, "reward": avg(self.reward),
             # steps of one run are correlated (same true means), so the error of
             # one step bounds the error of their average from above
             "reward_sem": float(np.mean(self.reward_sem[sl])),
             "optimal_fraction": avg(self.optimal), "entropy_nats": avg(self.entropy),
             "coverage": avg(self.coverage),
             "cumulative_regret": float(self.cumulative_regret[-1]),
             "steps_per_us": self.steps_per_second / 1e6}
        if self.temperature is not None:
            d["final_T"] = float(self.temperature[-1])
        if curves:
            d.update(reward_curve=self.reward, optimal_curve=self.optimal,
                     entropy_curve=self.entropy, coverage_curve=self.coverage,
                     regret_curve=self.regret)
        return jsonable(d)

    def summary(self, last: int | None = None) -> dict:
        """:meth:`as_dict` plus the older short keys ``optimal``, ``entropy``,
        ``elapsed_s``, ``steps_per_s`` (deprecated; kept for one release)."""
        d = self.as_dict(last)
        d.update(optimal=d["optimal_fraction"], entropy=d["entropy_nats"],
                 elapsed_s=d["seconds"], steps_per_s=self.steps_per_second)
        return d


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

    def chunk(c):
        policy.kernel(states, int(bounds[c]), int(bounds[c + 1]), means, env.means_std,
                      env.kind_code, env.noise, env.walk_std, params, temps_arr, accs[c],
                      counts, final)

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
