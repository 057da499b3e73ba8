"""Bandit environments: small immutable descriptions, simulated inside the kernels.

A :class:`BanditEnv` is ``k`` arms with true means ``means``; rewards are Gaussian
``N(mean, noise^2)`` or Bernoulli(``mean``). Two optional features cover the
classic settings:

* ``means_std > 0``: every run draws its own true means ``means + means_std N(0,1)``
  (the 10-armed testbed of Sutton & Barto 2018, section 2.3: ``means_std = 1``);
* ``walk_std > 0``: after every step all means take an independent
  ``N(0, walk_std^2)`` random-walk step (non-stationary; S&B exercise 2.5).

Examples
--------
>>> env = testbed()
>>> env.k, env.means_std
(10, 1.0)
>>> equal_best(k=6, m=3).best_arms()
[0, 1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import as_float_array, check_choice, check_int, check_real
from ..errors import UserError

__all__ = ["ENVS", "BanditEnv", "bernoulli", "equal_best", "gaussian", "make_env",
           "random_walk", "testbed"]

KINDS = ("gaussian", "bernoulli")


@dataclass(frozen=True)
class BanditEnv:
    """A k-armed bandit.

    Parameters
    ----------
    means : array_like (k,)
        True mean reward of each arm (a probability for Bernoulli arms); with
        ``means_std > 0`` the center of each run's random means.
    kind : {"gaussian", "bernoulli"}
    noise : float
        Standard deviation of Gaussian rewards (ignored for Bernoulli).
    means_std : float
        Spread of the per-run means (0: every run sees ``means``).
    walk_std : float
        Random-walk step of the means after each step (0: stationary).
    name : str
        Label for figures and JSON.
    """

    means: np.ndarray
    kind: str = "gaussian"
    noise: float = 1.0
    means_std: float = 0.0
    walk_std: float = 0.0
    name: str = field(default="bandit", compare=False)

    def __post_init__(self):
        m = as_float_array(self.means, "means", ndim=1)
        if m.size < 2:
            raise UserError(f"a bandit needs k >= 2 arms, got means of size {m.size}")
        check_choice(self.kind, "kind", KINDS)
        noise = check_real(self.noise, "noise", low=0.0)
        ms = check_real(self.means_std, "means_std", low=0.0)
        ws = check_real(self.walk_std, "walk_std", low=0.0)
        if self.kind == "bernoulli" and (np.any(m < 0) or np.any(m > 1)):
            raise UserError("Bernoulli means must be probabilities in [0, 1]")
        if self.kind == "bernoulli" and ms > 0:
            raise UserError("means_std > 0 (random per-run means) needs Gaussian arms")
        m = m.copy()
        m.setflags(write=False)
        object.__setattr__(self, "means", m)
        object.__setattr__(self, "noise", noise)
        object.__setattr__(self, "means_std", ms)
        object.__setattr__(self, "walk_std", ws)

    @property
    def k(self) -> int:
        """Number of arms."""
        return int(self.means.size)

    @property
    def kind_code(self) -> int:
        return KINDS.index(self.kind)

    @property
    def stationary(self) -> bool:
        return self.walk_std == 0.0

    def best_arms(self) -> list[int]:
        """Indices of the arms with the largest (center) mean."""
        return [int(i) for i in np.flatnonzero(self.means == self.means.max())]

    def describe(self) -> dict:
        return {"name": self.name, "kind": self.kind, "k": self.k, "means": self.means.tolist(),
                "noise": self.noise, "means_std": self.means_std, "walk_std": self.walk_std}


def gaussian(means, noise: float = 1.0) -> BanditEnv:
    """k-armed Gaussian bandit with fixed means."""
    return BanditEnv(means, "gaussian", noise, name="gaussian")


def bernoulli(probs) -> BanditEnv:
    """k-armed Bernoulli bandit (reward 1 with probability ``probs[a]``)."""
    return BanditEnv(probs, "bernoulli", 0.0, name="bernoulli")


def equal_best(k: int = 10, m: int = 3, gap: float = 1.0, noise: float = 1.0,
               kind: str = "gaussian") -> BanditEnv:
    """``m`` equally good best arms (mean ``gap``; Bernoulli: 0.5 + gap/2) among ``k``.

    The other arms have mean 0 (Bernoulli: 0.5 - gap/2). Arms ``0 .. m-1`` are the best.
    """
    k = check_int(k, "k", low=2)
    m = check_int(m, "m", low=1, high=k)
    gap = check_real(gap, "gap", low=0.0, low_open=True)
    check_choice(kind, "kind", KINDS)
    if kind == "bernoulli":
        if gap > 1:
            raise UserError(f"a Bernoulli gap must be <= 1, got {gap}")
        means = np.where(np.arange(k) < m, 0.5 + gap / 2, 0.5 - gap / 2)
        return BanditEnv(means, "bernoulli", 0.0, name=f"equal-best(m={m})")
    means = np.where(np.arange(k) < m, gap, 0.0)
    return BanditEnv(means, "gaussian", noise, name=f"equal-best(m={m})")


def random_walk(k: int = 10, walk_std: float = 0.01, noise: float = 1.0,
                start: float = 0.0) -> BanditEnv:
    """Non-stationary bandit: all means start at ``start`` and random-walk (S&B ex. 2.5)."""
    k = check_int(k, "k", low=2)
    return BanditEnv(np.full(k, float(start)), "gaussian", noise,
                     walk_std=check_real(walk_std, "walk_std", low=0.0, low_open=True),
                     name="random-walk")


def testbed(k: int = 10, shift: float = 0.0, noise: float = 1.0) -> BanditEnv:
    """The k-armed testbed (Sutton & Barto 2018, section 2.3): per-run means
    ``q*(a) ~ N(shift, 1)``, rewards ``N(q*(a), 1)``; ``shift = 4`` for figure 2.5."""
    k = check_int(k, "k", low=2)
    return BanditEnv(np.full(k, check_real(shift, "shift")), "gaussian", noise, means_std=1.0,
                     name="testbed" + (f"+{shift:g}" if shift else ""))


ENVS = ("testbed", "gaussian", "bernoulli", "equal-best", "random-walk")
#: the most arms make_env builds (every run keeps a few arrays of k numbers)
MAX_ARMS = 1_000_000


def make_env(name: str, *, k: int = 10, m: int = 3, means=None, shift: float = 0.0,
             noise: float = 1.0, gap: float = 1.0, walk_std: float = 0.01) -> BanditEnv:
    """Build an environment by name (the CLI's ``--env``).

    ``gaussian`` and ``bernoulli`` need ``means`` (its length sets k; a given ``k``
    must match); ``testbed``, ``equal-best`` and ``random-walk`` use ``k``.
    """
    check_choice(name, "env", ENVS)
    k = check_int(k, "k", low=2, high=MAX_ARMS)
    if name in ("gaussian", "bernoulli"):
        if means is None:
            rng = np.random.default_rng(0)
            means = rng.normal(size=k) if name == "gaussian" else rng.uniform(size=k)
        means = as_float_array(means, "means", ndim=1)
        if means.size != k:
            raise UserError(f"means has {means.size} entries but k = {k}; they must match")
        return gaussian(means, noise) if name == "gaussian" else bernoulli(means)
    if name == "testbed":
        return testbed(k, shift, noise)
    if name == "equal-best":
        return equal_best(k, m, gap, noise)
    return random_walk(k, walk_std, noise)
