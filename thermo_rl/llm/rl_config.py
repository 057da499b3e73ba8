r"""``RLConfig``: every setting of an RL fine-tuning run, validated once before any work.

It travels with every result (:attr:`thermo_rl.llm.rl.RLResult.config`), is printed by
``thermo-rl llm rl --json`` and is what the sweeps and ``docs/sweeps`` specs set. The
control is a name of the registry (:mod:`thermo_rl.entropy.registry`) with its preset
and parameters; ``kl_penalty`` is the KL coefficient ``lambda`` of
``<r> - lambda KL(pi || pi_ref)`` (the ``kl-penalty`` control sets it).

Examples
--------
>>> from thermo_rl.llm.rl_config import RLConfig
>>> c = RLConfig(control="clip-cov", preset="paper", steps=10)
>>> c.scale_rewards, c.make_control().values["ratio"]
('group', 0.0002)
>>> RLConfig(group=1)
Traceback (most recent call last):
...
thermo_rl.errors.UserError: estimator='rloo' needs group >= 2 samples per prompt, got 1
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

from .._validation import check_choice, check_int, check_real
from ..entropy.objective import KL_ESTIMATORS
from ..entropy.registry import PRESETS, control_class
from ..errors import UserError, UserTypeError

__all__ = ["DEFAULT_LR", "ESTIMATORS", "LOSS_TYPES", "OPTIMIZERS", "POLICY_PRECISIONS",
           "SCALE_REWARDS", "RLConfig"]

ESTIMATORS = ("rloo", "grpo")
SCALE_REWARDS = ("group", "batch", "none")
#: TRL's loss types and verl's names for the same aggregations.
LOSS_TYPES = {"grpo": "seq-mean-token-mean", "dr_grpo": "seq-mean-token-sum-norm",
              "dapo": "token-mean"}
#: Optimizers of the policy update: Adam (betas 0.9, 0.99) or plain SGD (no momentum).
OPTIMIZERS = ("adam", "sgd")
#: Precisions of the policy's logits and log-probabilities in scoring and update.
POLICY_PRECISIONS = ("fp32", "bf16", "fp16")
#: Adam step size by model size (measured on digit-sum and pair-sum).
DEFAULT_LR = {"tiny": 5e-4, "small": 3e-4, "base": 1e-4}
#: Old keyword names of ``finetune`` and what they became (0.2.0).
RENAMED = {"beta": "kl_penalty", "beta_star": "kl_star_coef"}


def parse_runs(controls) -> list[str]:
    """The run specs of a comparison: ``name`` or ``name:preset`` (``clip-cov:paper``),
    a list or one comma-separated string; each checked against the registry, none
    repeated, at least one."""
    if isinstance(controls, str):
        controls = [c.strip() for c in controls.split(",") if c.strip()]
    controls = list(controls)
    if not controls:
        raise UserError("controls must name at least one control")
    for c in controls:
        parse_run(c)
    if len(set(controls)) != len(controls):
        raise UserError(f"controls must not repeat a name, got {controls}")
    return controls


def parse_run(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name:preset`` -> ``(name, preset or None)``, checked."""
    from ..entropy.registry import control_names

    if not isinstance(spec, str):
        raise UserTypeError(f"a control must be a name, got {type(spec).__name__}")
    name, _, preset = spec.partition(":")
    if name not in control_names() or (preset and preset not in PRESETS):
        raise UserError(f"unknown control {spec!r}; expected NAME or NAME:PRESET with NAME "
                        f"one of {', '.join(control_names())} and PRESET one of "
                        f"{', '.join(PRESETS)}")
    return name, (preset or None)


@dataclass
class RLConfig:
    """Settings of :func:`thermo_rl.llm.rl.finetune` (all checked in ``__post_init__``).

    Attributes
    ----------
    control, preset, control_params
        A registered control (``thermo-rl controls``), ``toy`` or ``paper`` values, and
        parameters overriding them. The ``paper`` preset also applies the run settings
        the paper used (``Control.paper_run``, e.g. group-normalized advantages).
    steps, n_prompts, group
        RL steps (rollouts); prompts per rollout (uniform with replacement); samples
        per prompt G.
    lr : float or None
        Step size; None: by model size (:data:`DEFAULT_LR`, measured for Adam).
    optimizer : {"adam", "sgd"}
        Adam (betas 0.9, 0.99; the default) or plain SGD without momentum, whose step
        on the parameters is ``-lr`` times the gradient (the update the entropy law
        ``dH ~ -eta Cov(ln pi, A)`` is derived for, on the logits). Gradients are
        clipped to norm 1 either way.
    precision : {"fp32", "bf16", "fp16"}
        Precision of the policy's logits and log-probabilities when the rollouts are
        scored and the policy is updated (:func:`thermo_rl.llm.rl.token_log_probs`):
        the forward pass runs under ``torch.autocast`` to bfloat16 or float16 (both
        work on the CPU in torch >= 2.1), the logits are rounded to that dtype, and
        ``log_softmax``, the token log-probabilities and entropies are computed in it,
        then cast to float32 for the loss. The rollouts' old log-probabilities are
        rescored in that precision (as verl recomputes them in the trainer; in fp32 the
        sampler's own fp32 scores are used). The parameters, the optimizer state and the
        sampler stay float32 (the rollouts are drawn in fp32, as an inference engine in
        its own precision), and the exact metrics are fp32 with fp64 sums. Default
        fp32: nothing is rounded.
    estimator, scale_rewards
        Advantages: ``rloo`` (leave-one-out, unbiased) or ``grpo`` (group mean); divide
        by the group's or batch's std, or not.
    loss_type : {"dapo", "grpo", "dr_grpo"}
        Aggregation (TRL's names; verl's in :data:`LOSS_TYPES`).
    eps_low, eps_high
        PPO ratio clip (``eps_high`` default ``eps_low``; a control may set it).
    updates_per_rollout, minibatches
        Passes over each rollout and optimizer steps per pass. One update in all: the
        ratio is 1 and clipping, clip-higher and KL-Cov do nothing.
    kl_penalty : float
        ``lambda`` (>= 0) of ``- lambda KL(pi || pi_ref)`` to the untempered base model.
    kl_estimator : {"reward", "k3", "k3-corrected"}
        How the KL enters (:mod:`thermo_rl.entropy.objective`).
    temperature, decoding
        Sampling temperature and filters (``top_k``, ``top_p``, ``min_p``, ``top_h``): the
        policy that learns and is measured is the one that samples.
    eval_every : int or None
        Steps between exact evaluations (None: every step for <= 100 answers, else
        steps // 10).
    ks : tuple of int or None
        k of pass@k (None: 1, 2, 4, ..., 64 and G).
    kl_star_coef : float or None
        ``lambda`` of the optimum ``pi*`` that ``kl_star`` measures against (default
        ``kl_penalty`` when > 0, else 0.2).
    seed : int
    """

    control: str = "none"
    preset: str = "toy"
    control_params: dict = field(default_factory=dict)
    steps: int = 200
    n_prompts: int = 64
    group: int = 8
    lr: float | None = None
    optimizer: str = "adam"
    precision: str = "fp32"
    estimator: str = "rloo"
    scale_rewards: str = "none"
    loss_type: str = "dapo"
    eps_low: float = 0.2
    eps_high: float | None = None
    updates_per_rollout: int = 1
    minibatches: int = 2
    kl_penalty: float = 0.0
    kl_estimator: str = "reward"
    temperature: float = 1.0
    decoding: dict = field(default_factory=dict)
    eval_every: int | None = None
    ks: tuple | None = None
    kl_star_coef: float | None = None
    seed: int = 0

    def __post_init__(self):
        cls = control_class(self.control)
        self.control = cls.name
        self.preset = check_choice(self.preset, "preset", PRESETS)
        if not isinstance(self.control_params, dict):
            raise UserTypeError("control_params must be a dict")
        if self.preset == "paper":
            for k, v in cls.paper_run.items():
                setattr(self, k, v)
        self.steps = check_int(self.steps, "steps", low=1, high=10**7)
        self.n_prompts = check_int(self.n_prompts, "n_prompts", low=1, high=10**6)
        self.group = check_int(self.group, "group", low=1, high=10**5)
        if self.lr is not None:
            self.lr = check_real(self.lr, "lr", low=0.0, low_open=True, high=1.0)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_choice(self.precision, "precision", POLICY_PRECISIONS)
        check_choice(self.estimator, "estimator", ESTIMATORS)
        check_choice(self.scale_rewards, "scale_rewards", SCALE_REWARDS)
        check_choice(self.loss_type, "loss_type", tuple(LOSS_TYPES))
        if self.estimator == "rloo" and self.group < 2:
            raise UserError(f"estimator='rloo' needs group >= 2 samples per prompt, "
                            f"got {self.group}")
        self.eps_low = check_real(self.eps_low, "eps_low", low=0.0, high=1.0)
        if self.eps_high is not None:
            self.eps_high = check_real(self.eps_high, "eps_high", low=0.0, high=100.0)
        self.updates_per_rollout = check_int(self.updates_per_rollout, "updates_per_rollout",
                                             low=1, high=1000)
        self.minibatches = check_int(self.minibatches, "minibatches", low=1,
                                     high=self.n_prompts)
        ctl = self.make_control()            # checks the control's parameters
        self.kl_penalty = check_real(self.kl_penalty, "kl_penalty", low=0.0, high=1e6)
        if self.kl_penalty == 0.0:
            self.kl_penalty = ctl.kl_coef()
        check_choice(self.kl_estimator, "kl_estimator", KL_ESTIMATORS)
        from .decoding import check_decoding

        dec = dict(self.decoding or {})
        if "temperature" in dec:
            self.temperature = dec.pop("temperature")
        checked = check_decoding(temperature=self.temperature, **dec)
        self.temperature = checked.pop("temperature")
        if not 1e-3 <= self.temperature <= 1e3:
            raise UserError(f"temperature must be in [0.001, 1000] for RL (the policy is "
                            f"softmax(z / T)), got {self.temperature}")
        self.decoding = {k: v for k, v in checked.items() if v is not None}
        if self.eval_every is not None:
            self.eval_every = check_int(self.eval_every, "eval_every", low=1)
        if self.ks is not None:
            self.ks = tuple(sorted({check_int(k, "ks", low=1, high=10**6) for k in self.ks}))
        if self.kl_star_coef is not None:
            self.kl_star_coef = check_real(self.kl_star_coef, "kl_star_coef", low=0.0,
                                           low_open=True)
        self.seed = check_int(self.seed, "seed", low=0)

    # ------------------------------------------------------------------ helpers
    def make_control(self):
        """A fresh instance of the run's control."""
        from ..entropy.registry import make_control

        return make_control(self.control, preset=self.preset, **self.control_params)

    @property
    def aggregation(self) -> str:
        return LOSS_TYPES[self.loss_type]

    @property
    def star_coef(self) -> float:
        """``lambda`` of the ``pi*`` the runs are measured against."""
        if self.kl_penalty > 0:
            return self.kl_penalty
        return 0.2 if self.kl_star_coef is None else self.kl_star_coef

    def sampling(self) -> dict:
        """The decoding of the rollouts (temperature included): the sampled policy."""
        return {"temperature": self.temperature, **self.decoding}

    def as_dict(self) -> dict:
        from .. import __version__

        d = dataclasses.asdict(self)
        d["ks"] = None if self.ks is None else list(self.ks)
        d["control_resolved"] = self.make_control().as_dict()
        d["version"] = __version__
        return d

    @classmethod
    def from_kwargs(cls, config: RLConfig | None = None, **kwargs) -> RLConfig:
        """A config from keywords: its fields, old names (warned) and, for the rest,
        the control's parameters (``finetune(pre, control="kl-cov", fraction=0.1)``)."""
        for old, new in RENAMED.items():
            if old in kwargs:
                warnings.warn(f"finetune({old}=...) is now {new}= (0.2.0)",
                              PendingDeprecationWarning, stacklevel=3)
                kwargs[new] = kwargs.pop(old)
        q = kwargs.pop("top_entropy_quantile", None)
        if q is not None and q != 1.0:
            warnings.warn("top_entropy_quantile is now the 'high-entropy' control's "
                          "top_quantile (0.2.0)", PendingDeprecationWarning, stacklevel=3)
            kwargs.setdefault("control", "high-entropy")
            kwargs.setdefault("control_params", {})["top_quantile"] = q
        names = {f.name for f in dataclasses.fields(cls)}
        own = {k: v for k, v in kwargs.items() if k in names}
        extra = {k: v for k, v in kwargs.items() if k not in names}
        if config is not None:
            if not isinstance(config, RLConfig):
                raise UserTypeError(f"config must be an RLConfig, got {type(config).__name__}")
            own = {**{f.name: getattr(config, f.name) for f in dataclasses.fields(cls)},
                   **own}
        if extra:
            own["control_params"] = {**own.get("control_params", {}), **extra}
        return cls(**own)
