"""Bandit policies as small parameter objects (scikit-learn style: ``__init__`` stores
checked parameters, nothing else).

The classic policies run in Numba kernels (:mod:`thermo_rl.bandits._kernels`);
:class:`EntropyPG`, the free-energy learner, runs a Python loop over a vectorized
batch of runs with the shared entropy controls (:mod:`thermo_rl.entropy.controls`).

References: Sutton & Barto (2018), *Reinforcement Learning: An Introduction*, 2nd ed.,
ch. 2 (epsilon-greedy, optimistic initial values, UCB, gradient bandit); Auer,
Cesa-Bianchi & Fischer (2002) (UCB1); Thompson (1933), Agrawal & Goyal (2012)
(Thompson sampling); Auer, Cesa-Bianchi, Freund & Schapire (2002) (EXP3);
Williams (1992) (REINFORCE).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_choice, check_int, check_probability, check_real, check_temperature
from ..errors import UserError, UserTypeError
from ..schedules import parse_schedule
from . import _kernels as K

__all__ = [
    "EXP3",
    "POLICIES",
    "UCB",
    "EntropyPG",
    "EpsilonGreedy",
    "GradientBandit",
    "Greedy",
    "Policy",
    "Softmax",
    "Thompson",
    "make_policy",
]


def _step_size(step_size):
    if step_size is None:
        return None
    return check_real(step_size, "step_size", low=0.0, high=1.0, low_open=True)


class Policy:
    """Base class: ``kernel`` (a Numba kernel; ``kernel_for(env)`` picks it for an
    environment) and ``kernel_params(env, steps)``."""

    kernel = None
    has_entropy = True

    def kernel_for(self, env):
        """The Numba kernel that runs this policy on ``env``."""
        return self.kernel

    def kernel_params(self, env, steps):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class EpsilonGreedy(Policy):
    """Epsilon-greedy with sample-average (or constant ``step_size``) action values.

    ``initial`` is the initial action value (S&B section 2.6: optimistic 5.0 with
    ``step_size=0.1`` explores early on).
    """

    kernel = staticmethod(K.epsilon_greedy_kernel)

    def __init__(self, epsilon: float = 0.1, initial: float = 0.0, step_size=None):
        self.epsilon = check_probability(epsilon, "epsilon")
        self.initial = check_real(initial, "initial")
        self.step_size = _step_size(step_size)

    def kernel_params(self, env, steps):
        return np.array([self.epsilon, self.initial, self.step_size or 0.0]), None


class Greedy(EpsilonGreedy):
    """Always the action with the largest estimate (ties at random): epsilon = 0."""

    def __init__(self, initial: float = 0.0, step_size=None):
        super().__init__(0.0, initial, step_size)

    def __repr__(self):
        return f"Greedy(initial={self.initial!r}, step_size={self.step_size!r})"


class Softmax(Policy):
    """Boltzmann exploration: ``pi ∝ exp(Q / T)`` over sample-average values.

    Give exactly one of ``T`` (fixed temperature >= 0; 0 is greedy) or ``schedule``
    (an open-loop :mod:`thermo_rl.schedules` schedule or its text, e.g.
    ``"geometric:1:0.01"``; T per step).
    """

    kernel = staticmethod(K.softmax_kernel)

    def __init__(self, T=None, schedule=None, initial: float = 0.0, step_size=None):
        if (T is None) == (schedule is None):
            raise UserError("Softmax needs exactly one of T (temperature) or schedule")
        self.T = None if T is None else check_temperature(T, "T", allow_zero=True,
                                                          allow_inf=True)
        if schedule is not None:
            schedule = parse_schedule(schedule)
            if schedule.adaptive:
                raise UserError("Softmax runs in a Numba kernel and needs an open-loop "
                                 "schedule; for a target entropy use EntropyPG("
                                 "control='target-entropy')")
        self.schedule = schedule
        self.initial = check_real(initial, "initial")
        self.step_size = _step_size(step_size)

    def kernel_params(self, env, steps):
        temps = (np.full(steps, self.T) if self.schedule is None
                 else self.schedule.temperatures(steps))
        return np.array([self.initial, self.step_size or 0.0]), np.ascontiguousarray(temps)


class GradientBandit(Policy):
    """Gradient bandit (S&B section 2.8): preferences ``H``, ``pi = softmax(H)``,
    ``H += alpha (R - baseline)(1{a = A} - pi)``; the baseline is the running
    average reward (or 0 with ``baseline=False``)."""

    kernel = staticmethod(K.gradient_kernel)

    def __init__(self, alpha: float = 0.1, baseline: bool = True):
        self.alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
        if not isinstance(baseline, (bool, np.bool_)):
            raise UserTypeError(f"baseline must be True or False, got {baseline!r}")
        self.baseline = bool(baseline)

    def kernel_params(self, env, steps):
        return np.array([self.alpha, 1.0 if self.baseline else 0.0]), None


class UCB(Policy):
    """UCB: ``argmax Q + c sqrt(ln t / N)``, untried arms first (UCB1 has ``c = sqrt 2``
    for rewards in [0, 1]; S&B use ``c = 2`` on the testbed). Entropy is that of the
    (deterministic) choice: 0 unless maxima tie."""

    kernel = staticmethod(K.ucb_kernel)

    def __init__(self, c: float = 2.0, initial: float = 0.0, step_size=None):
        self.c = check_real(c, "c", low=0.0)
        self.initial = check_real(initial, "initial")
        self.step_size = _step_size(step_size)

    def kernel_params(self, env, steps):
        return np.array([self.c, self.initial, self.step_size or 0.0]), None


class Thompson(Policy):
    """Thompson sampling: Gaussian arms with known noise and a ``N(prior_mean,
    prior_std^2)`` prior; Bernoulli arms with a ``Beta(prior_alpha, prior_beta)`` prior.
    Its action distribution is implicit, so entropy and coverage are NaN."""

    kernel = staticmethod(K.thompson_gauss_kernel)
    has_entropy = False

    def __init__(self, prior_mean: float = 0.0, prior_std: float = 1.0,
                 prior_alpha: float = 1.0, prior_beta: float = 1.0):
        self.prior_mean = check_real(prior_mean, "prior_mean")
        self.prior_std = check_real(prior_std, "prior_std", low=0.0, low_open=True)
        self.prior_alpha = check_real(prior_alpha, "prior_alpha", low=1.0)
        self.prior_beta = check_real(prior_beta, "prior_beta", low=1.0)

    def kernel_for(self, env):
        return K.thompson_bernoulli_kernel if env.kind == "bernoulli" else self.kernel

    def kernel_params(self, env, steps):
        if env.kind == "bernoulli":
            return np.array([self.prior_alpha, self.prior_beta, -1.0]), None
        if env.noise <= 0:
            raise UserError("Thompson sampling on Gaussian arms needs noise > 0")
        return np.array([self.prior_mean, self.prior_std, env.noise]), None


class EXP3(Policy):
    """EXP3 (adversarial bandits): exponential weights mixed with ``gamma`` uniform
    exploration, importance-weighted rewards rescaled from ``reward_range`` to [0, 1]
    (default: [0, 1] for Bernoulli arms; mean range +- 3 noise for Gaussian ones)."""

    kernel = staticmethod(K.exp3_kernel)

    def __init__(self, gamma: float = 0.1, reward_range=None):
        self.gamma = check_probability(gamma, "gamma", open_low=True)
        if reward_range is not None:
            lo, hi = (check_real(v, "reward_range") for v in reward_range)
            if not lo < hi:
                raise UserError(f"reward_range must be (low, high) with low < high, got "
                                 f"{reward_range}")
            reward_range = (lo, hi)
        self.reward_range = reward_range

    def kernel_params(self, env, steps):
        if self.reward_range is not None:
            lo, hi = self.reward_range
        elif env.kind == "bernoulli":
            lo, hi = 0.0, 1.0
        else:
            spread = 3.0 * (env.noise + env.means_std) + env.walk_std * np.sqrt(steps)
            lo, hi = env.means.min() - spread, env.means.max() + spread
            if hi <= lo:
                hi = lo + 1.0
        return np.array([self.gamma, lo, hi]), None


class EntropyPG(Policy):
    r"""Softmax policy gradient maximizing the free energy ``<r> + T H`` (nats).

    Each step every run samples a group of ``group`` actions from
    ``softmax(z / tau)`` (``tau`` the sampling temperature, default 1), computes
    advantages (``baseline="loo"``, the default: reward minus the mean of the *other*
    samples of the group, the unbiased leave-one-out baseline of RLOO, Kool et al.
    2019; ``"group"``: minus the group mean including the sample itself, as GRPO,
    which shrinks the expected gradient by ``1 - 1/G`` and so moves the fixed point to
    the Gibbs policy at ``T / (1 - 1/G)``;
    the raw reward with ``"none"``) and ascends

    .. math:: dz = lr\,\Big[\tfrac1G \sum_i w_i (e_{a_i} - \pi) + T\,\nabla_z H\Big]

    where ``w`` are the per-sample weights of
    :func:`thermo_rl.entropy.objective.policy_gradient_weights` (the same code the
    language-model loop differentiates with torch) and ``grad_z H = -pi (ln pi + H)``.
    ``T = 0`` with ``control=None`` is plain REINFORCE. Its fixed point for exact
    gradients is the Gibbs policy ``pi ∝ exp(Q / T)``.

    Parameters
    ----------
    T : float
        Entropy coefficient (temperature) >= 0, or the initial T of ``target-entropy``.
    lr : float
        Step size on the logits.
    group : int
        Samples per run and step (>= 2 with a group baseline).
    control : str or Control, optional
        A registered control (:func:`thermo_rl.entropy.control_names`; ``thermo-rl
        controls`` lists them with their papers and parameters). Its hooks act here as
        in the language-model loop: sampling temperature, clip bounds, advantages, token
        weights and penalties, the entropy coefficient (seeded by ``T``: the control's
        ``seed_param``) and a KL penalty to the initial (uniform) policy. With one
        epoch the PPO ratio is 1: clipping, clip-higher and KL-Cov act only with
        ``epochs > 1``.
    preset : {"toy", "paper"}, optional
        The control's parameter preset (default ``toy``).
    control_params : dict, optional
        The control's parameters (e.g. ``{"fraction": 0.2}`` for ``clip-cov-top``).
    schedule : schedule or str, optional
        Open-loop schedule for T instead of the fixed value.
    target_entropy : float, optional
        For ``target-entropy`` (default ``0.5 ln k``).
    entropy_schedule : schedule or str, optional
        Entropy target per step for ``entrocraft`` (default linear from ``ln k`` to
        ``0.5 ln k``).
    sampling_schedule : schedule or str, optional
        Sampling temperature per step (``anneal-temperature`` has its own). The policy
        that learns is the one that samples: log-probabilities and entropies are those
        of ``softmax(z / tau)``.
    eps_low, eps_high, epochs
        PPO ratio clip and the number of updates per group.
    fraction, kl_coef, strength, rate, target_entropy, entropy_schedule
        Deprecated (0.2.0): the controls' parameters, now in ``control_params``
        (``target_entropy`` -> ``target``, ``entropy_schedule`` -> ``schedule``).
    """

    has_entropy = True

    def __init__(self, T: float = 0.1, lr: float = 0.5, group: int = 8, control=None,
                 schedule=None, target_entropy=None, entropy_schedule=None,
                 sampling_schedule=None, baseline: str = "loo", fraction=None,
                 kl_coef=None, eps_low: float = 0.2, eps_high=None, epochs: int = 1,
                 strength=None, rate=None, preset: str | None = None,
                 control_params: dict | None = None):
        from ..entropy.registry import Control, control_class, make_control

        self.T = check_temperature(T, "T", allow_zero=True)
        self.lr = check_real(lr, "lr", low=0.0, low_open=True)
        self.group = check_int(group, "group", low=1)
        cls = type(control) if isinstance(control, Control) else control_class(
            "none" if control is None else control)
        self.control = cls.name
        self.preset = preset
        params = dict(control_params or {})
        legacy = {"fraction": fraction, "kl_coef": kl_coef, "strength": strength, "rate": rate,
                  "target_entropy": target_entropy, "entropy_schedule": entropy_schedule}
        moved = {"target_entropy": "target", "entropy_schedule": "schedule"}
        if cls.name == "clip-cov" and fraction is not None:
            warnings.warn("'clip-cov' is Cui et al.'s covariance-band rule since 0.2.0 (its "
                          "share is 'ratio'); the top-fraction rule is 'clip-cov-top'",
                          PendingDeprecationWarning, stacklevel=2)
            moved["fraction"] = "ratio"
        names = {p.name for p in cls.params}
        for old, v in legacy.items():
            if v is None:
                continue
            new = moved.get(old, old)
            warnings.warn(f"EntropyPG({old}=...) is deprecated since 0.2.0: pass "
                          f"control_params={{{new!r}: ...}}", PendingDeprecationWarning,
                          stacklevel=2)
            if new in names:
                params.setdefault(new, v)
        seed = cls.seed_param
        if seed is not None and seed not in params:
            params[seed] = self.T
        self.control_params = params
        self._control = make_control(control if isinstance(control, Control) else cls.name,
                                     preset=preset, **params)
        self.schedule = None if schedule is None else parse_schedule(schedule)
        if self.schedule is not None and self.schedule.adaptive:
            raise UserError("for an adaptive T use control='target-entropy'")
        self.sampling_schedule = (None if sampling_schedule is None
                                  else parse_schedule(sampling_schedule))
        self.baseline = check_choice(baseline, "baseline", ("loo", "group", "none"))
        if self.baseline != "none" and self.group < 2:
            raise UserError(f"baseline={self.baseline!r} needs group >= 2 samples per step")
        self.eps_low = check_real(eps_low, "eps_low", low=0.0, high=1.0)
        self.eps_high = None if eps_high is None else check_real(eps_high, "eps_high", low=0.0)
        self.epochs = check_int(epochs, "epochs", low=1)

    def make_control(self):
        """A fresh instance of the policy's control (its state starts anew each run)."""
        from ..entropy.registry import make_control

        return make_control(self.control, preset=self.preset, **self.control_params)


POLICIES = ("greedy", "epsilon-greedy", "softmax", "gradient", "gradient-no-baseline", "ucb",
            "thompson", "exp3", "pg", "reinforce")


def make_policy(name: str, *, T=None, schedule=None, epsilon: float = 0.1, alpha: float = 0.1,
                c: float = 2.0, gamma: float = 0.1, lr: float = 0.5, control=None,
                initial: float = 0.0) -> Policy:
    """Build a policy by name (the CLI's ``--policy``).

    ``softmax`` takes ``T`` or ``schedule`` (default T = 0.1); ``pg`` is the
    free-energy learner :class:`EntropyPG` (``T`` default 0.1); ``reinforce`` is
    :class:`EntropyPG` with ``T = 0``.
    """
    check_choice(name, "policy", POLICIES)
    if name == "greedy":
        return Greedy(initial=initial)
    if name == "epsilon-greedy":
        return EpsilonGreedy(epsilon, initial=initial)
    if name == "softmax":
        if T is None and schedule is None:
            T = 0.1
        return Softmax(T=T, schedule=schedule, initial=initial)
    if name == "gradient":
        return GradientBandit(alpha, True)
    if name == "gradient-no-baseline":
        return GradientBandit(alpha, False)
    if name == "ucb":
        return UCB(c, initial=initial)
    if name == "thompson":
        return Thompson()
    if name == "exp3":
        return EXP3(gamma)
    if name == "reinforce":
        return EntropyPG(T=0.0, lr=lr, control=control)
    return EntropyPG(T=0.1 if T is None else T, lr=lr, control=control, schedule=schedule)
