"""Benchmark: every bandit policy on the 10-armed testbed, in run-steps per microsecond.

The testbed of Sutton & Barto (2018, section 2.3): 2000 runs x 1000 steps (``--quick``:
500 x 200), per-run means ``N(0, 1)``, rewards ``N(q*(a), 1)``. Every classic policy
runs through :func:`thermo_rl.bandits.run` (its Numba kernel, one run after another on
one core; epsilon-greedy also on all cores, chunks of runs on threads); the reference is :func:`numpy_epsilon_greedy` below, epsilon-greedy written
the plain NumPy way (a Python loop over steps, every step vectorized over the runs),
timed in the same run. The free-energy learner :class:`~thermo_rl.bandits.EntropyPG`
is itself vectorized NumPy (8 samples per run and step) and gets a row too. Each note
gives the average reward over the last 10% of the steps, so that the rows can be seen
to solve the same problem.
"""

from __future__ import annotations

import numba
import numpy as np

from .._rng import make_rng
from . import BenchRow, best_time

AREA = "bandit"
UNIT = "steps_per_us"
SIZES = {"full": (2000, 1000), "quick": (500, 200)}      # (runs, steps)


def numpy_epsilon_greedy(k: int, runs: int, steps: int, epsilon: float, rng):
    """Epsilon-greedy with sample averages on the testbed, vectorized over runs (reference).

    Per step: explore with probability ``epsilon`` (uniform arm), else the greedy arm
    with ties broken at random (as the kernel does); Gaussian reward; incremental
    sample-average update. It records less than the kernels (reward and optimal action
    only, no entropy or coverage), which favors the reference.
    Returns the average reward per step (length ``steps``) and the fraction of runs that
    chose their best arm.
    """
    q = rng.standard_normal((runs, k))
    best = q.argmax(axis=1)
    Q = np.zeros((runs, k))
    N = np.zeros((runs, k))
    rows = np.arange(runs)
    reward = np.empty(steps)
    optimal = np.empty(steps)
    for t in range(steps):
        ties = Q == Q.max(axis=1, keepdims=True)
        greedy = np.argmax(np.where(ties, rng.random((runs, k)), -1.0), axis=1)
        explore = rng.random(runs) < epsilon
        a = np.where(explore, rng.integers(0, k, runs), greedy)
        R = q[rows, a] + rng.standard_normal(runs)
        N[rows, a] += 1.0
        Q[rows, a] += (R - Q[rows, a]) / N[rows, a]
        reward[t] = R.mean()
        optimal[t] = np.mean(a == best)
    return reward, optimal


def _last(x):
    n = max(1, x.size // 10)
    return float(np.mean(x[-n:]))


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    from ..bandits import EntropyPG, EpsilonGreedy, make_policy, testbed
    from ..bandits import run as run_bandit

    runs, steps = SIZES["quick" if quick else "full"]
    repeat = 1 if quick else 2
    n = runs * steps
    env = testbed()
    rows = []

    g = make_rng(seed)
    numpy_epsilon_greedy(10, 50, 10, 0.1, g)                               # warm up
    out = {}

    def ref():
        out["r"] = numpy_epsilon_greedy(10, runs, steps, 0.1, g)

    t_ref = best_time(ref, repeat)
    ref_v = n / t_ref / 1e6
    rows.append(BenchRow(AREA, "numpy epsilon-greedy (0.1)", ref_v, UNIT, "-", None, t_ref,
                         f"{runs} runs x {steps} steps vectorized over runs; last-10% reward "
                         f"{_last(out['r'][0]):.3f}, optimal {100 * _last(out['r'][1]):.1f}%"))

    policies = [("greedy", make_policy("greedy")),
                ("epsilon-greedy (0.1)", make_policy("epsilon-greedy", epsilon=0.1)),
                ("greedy optimistic Q0=5 a=0.1",
                 EpsilonGreedy(0.0, initial=5.0, step_size=0.1)),
                ("softmax (T=0.1)", make_policy("softmax", T=0.1)),
                ("gradient (alpha=0.1)", make_policy("gradient", alpha=0.1)),
                ("gradient no baseline", make_policy("gradient-no-baseline", alpha=0.1)),
                ("ucb (c=2)", make_policy("ucb", c=2.0)),
                ("thompson", make_policy("thompson")),
                ("exp3 (gamma=0.1)", make_policy("exp3", gamma=0.1))]
    n_thr = numba.get_num_threads()
    # every policy on one core (the reference's footing), the first one also on all cores
    jobs = [(label, pol, 1) for label, pol in policies]
    if n_thr > 1:
        jobs.insert(2, (policies[1][0], policies[1][1], n_thr))
    for label, pol, threads in jobs:
        run_bandit(env, pol, runs=4, steps=10, seed=seed, progress=False)   # compile / load
        res = {}

        def go(pol=pol, res=res, threads=threads):
            res["r"] = run_bandit(env, pol, runs=runs, steps=steps, seed=seed, threads=threads,
                                  progress=False)

        t = best_time(go, repeat)
        v = n / t / 1e6
        r = res["r"]
        rows.append(BenchRow(AREA, f"numba {label} ({threads} thr)", v, UNIT, "numpy",
                             v / ref_v, t, f"last-10% reward {_last(r.reward):.3f}, optimal "
                             f"{100 * _last(r.optimal):.1f}%"))

    pg = EntropyPG(T=0.1)
    run_bandit(env, pg, runs=4, steps=5, seed=seed, progress=False)
    r = run_bandit(env, pg, runs=runs, steps=steps, seed=seed, progress=progress)
    v = n / r.elapsed_s / 1e6
    rows.append(BenchRow(AREA, "numpy EntropyPG (T=0.1, group 8)", v, UNIT, "numpy",
                         v / ref_v, r.elapsed_s,
                         f"{runs} runs x {steps} steps, {pg.group} samples per run-step; "
                         f"last-10% reward {_last(r.reward):.3f}, optimal "
                         f"{100 * _last(r.optimal):.1f}%"))
    return rows
