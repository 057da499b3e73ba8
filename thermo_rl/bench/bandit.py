"""Benchmark: every bandit policy on the 10-armed testbed, in run-steps per microsecond.

The testbed of Sutton & Barto (2018, section 2.3): 2000 runs x 1000 steps (``--quick``:
500 x 200), per-run means ``N(0, 1)``, rewards ``N(q*(a), 1)``. Every classic policy
runs through :func:`thermo_rl.bandits.run` (its Numba kernel, one run after another on
one core, the generator state in registers; epsilon-greedy also on all cores, chunks of
runs on threads) and is compared with **its own** NumPy reference,
:func:`thermo_rl.bench.bandit_reference.numpy_bandit`: the same policy written the
natural fast NumPy way (a Python loop over steps, every step vectorized over the runs,
recording what the kernel records: reward, optimal action, entropy, coverage, regret,
pulls), timed in the same run (``tests/bandits/test_reference.py`` checks that each
reference gives the kernel's curves). One-core rows and the references are timed in CPU
seconds of this process, interleaved (a shared machine's load then slows neither side's
clock); the all-core row in wall seconds against its reference's wall time. Run it
pinned to one core for the one-core claim: ``taskset -c 0 thermo-rl bench bandit``
(the table names the CPU and the thread counts). The free-energy learner
:class:`~thermo_rl.bandits.EntropyPG` is itself vectorized NumPy (8 samples per run and
step) and gets a row against the epsilon-greedy reference. Each note gives the average
reward over the last 10% of the steps, so that the rows can be seen to solve the same
problem.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from .._rng import make_rng
from . import BenchRow, best_times
from .bandit_reference import numpy_bandit

AREA = "bandit"
UNIT = "steps_per_us"
SIZES = {"full": (2000, 1000), "quick": (500, 200)}      # (runs, steps)


def numpy_epsilon_greedy(k: int, runs: int, steps: int, epsilon: float, rng):
    """Epsilon-greedy with sample averages on the ``k``-armed testbed, vectorized over runs.

    The epsilon-greedy case of :func:`~thermo_rl.bench.bandit_reference.numpy_bandit`;
    returns the average reward per step (length ``steps``) and the fraction of runs that
    chose their best arm.
    """
    from ..bandits import EpsilonGreedy, testbed

    r = numpy_bandit(testbed(k), EpsilonGreedy(epsilon), runs=runs, steps=steps, seed=rng)
    return r.reward, r.optimal


def _last(x):
    n = max(1, x.size // 10)
    return float(np.mean(x[-n:]))


def run(quick: bool = False, seed: int = 0, progress: bool = True):
    from ..bandits import EntropyPG, EpsilonGreedy, make_policy, testbed
    from ..bandits import run as run_bandit

    runs, steps = SIZES["quick" if quick else "full"]
    repeat = 1 if quick else 4      # best of 4 interleaved rounds: a VM's noise is +-10%
    n = runs * steps
    env = testbed()
    rows = []
    g = make_rng(seed)
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
    results, refs = {}, {}

    def job(label, pol, threads):
        def go():
            results[(label, threads)] = run_bandit(env, pol, runs=runs, steps=steps,
                                                   seed=seed, threads=threads, progress=False)
        return go

    def ref(label, pol):
        def go():
            refs[label] = numpy_bandit(env, pol, runs=runs, steps=steps, seed=g)
        return go

    fns = {}
    for label, pol in policies:
        run_bandit(env, pol, runs=4, steps=10, seed=seed, progress=False)   # compile / load
        numpy_bandit(env, pol, runs=4, steps=10, seed=g)                    # warm up
        fns[("numpy", label)] = ref(label, pol)
        fns[(label, 1)] = job(label, pol, 1)
    cpu = best_times(fns, repeat, clock=time.process_time)     # interleaved, CPU seconds
    ref_v = {}
    for label, pol in policies:
        t, r = cpu[("numpy", label)], refs[label]
        ref_v[label] = n / t / 1e6
        rows.append(BenchRow(AREA, f"numpy {label}", ref_v[label], UNIT, "-", None, t,
                             f"{runs} runs x {steps} steps vectorized over runs; last-10% "
                             f"reward {_last(r.reward):.3f}, optimal "
                             f"{100 * _last(r.optimal):.1f}%; CPU time"))
        t, r = cpu[(label, 1)], results[(label, 1)]
        v = n / t / 1e6
        kept = ("entropy, coverage and regret recorded" if pol.has_entropy else
                "regret recorded (no explicit distribution: entropy, coverage NaN)")
        rows.append(BenchRow(AREA, f"numba {label} (1 thr)", v, UNIT, f"numpy {label}",
                             v / ref_v[label], t,
                             f"last-10% reward {_last(r.reward):.3f}, optimal "
                             f"{100 * _last(r.optimal):.1f}%, {kept}; CPU time"))
    n_thr = numba.get_num_threads()
    eg_label, eg = policies[1]
    if n_thr > 1:                      # epsilon-greedy on all cores: wall time vs wall time
        wall = best_times({"reference": ref(eg_label, eg), "all": job(eg_label, eg, n_thr)},
                          repeat)
        v = n / wall["all"] / 1e6
        rows.insert(4, BenchRow(AREA, f"numba {eg_label} ({n_thr} thr)", v, UNIT,
                                f"numpy {eg_label}", v / (n / wall["reference"] / 1e6),
                                wall["all"], "wall time, against the reference's wall time"))

    pg = EntropyPG(T=0.1)
    run_bandit(env, pg, runs=4, steps=5, seed=seed, progress=False)
    r = run_bandit(env, pg, runs=runs, steps=steps, seed=seed, progress=progress)
    v = n / r.seconds / 1e6
    rows.append(BenchRow(AREA, "numpy EntropyPG (T=0.1, group 8)", v, UNIT,
                         f"numpy {eg_label}", v / ref_v[eg_label], r.seconds,
                         f"{runs} runs x {steps} steps, {pg.group} samples per run-step; "
                         f"last-10% reward {_last(r.reward):.3f}, optimal "
                         f"{100 * _last(r.optimal):.1f}%"))
    return rows
