"""The result of :func:`thermo_rl.bandits.run`: per-step averages over many runs.

Its own module so that both runners (the Numba kernels in :mod:`.runner`, the
EntropyPG loop in :mod:`.pg`) build it without importing each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_int
from ..errors import UserError
from ..results import jsonable
from .envs import BanditEnv
from .policies import Policy

__all__ = ["BanditResult"]


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
