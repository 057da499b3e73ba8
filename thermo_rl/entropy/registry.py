r"""One registry of entropy controls: a name means one thing everywhere.

A control is one class in one file of :mod:`thermo_rl.entropy.methods`, registered
with :func:`register`. It states its name, a one-line summary, the paper it follows
(:class:`Paper`), its parameters with our default beside the paper's value
(:class:`Param`), which entropy it acts on, and the hooks it uses. The bandit learner
(:class:`thermo_rl.bandits.EntropyPG`), the language-model loop
(:func:`thermo_rl.llm.rl.finetune`), the sweeps and the CLI (``thermo-rl controls``)
read this registry and never branch on a control's name.

Hooks (each a method of :class:`Control`; the default does nothing):

==========================  ==========================================================
hook                        what it changes
==========================  ==========================================================
``sampling_temperature``    the temperature the rollout samples at (step by step)
``clip_bounds``             the PPO ratio clip ``[1 - eps_low, 1 + eps_high]``
``unclipped``               (attribute) the surrogate is ``rho A`` with no clipping
``advantages``              the advantages of the samples (reshape, reject, ...)
``token_weights``           a per-token multiplier of the surrogate loss (value and
                            gradient, as verl's ``corr``)
``token_penalty``           a per-token term added to the loss (aggregated with it)
``penalty_weights``         its derivative with respect to ``ln pi`` (NumPy learners)
``entropy_coef``            the coefficient ``c`` of an entropy bonus ``+ c H``
``kl_coef``                 the coefficient ``lambda`` of ``- lambda KL(pi || pi_ref)``
``update``                  an outer update after each step (adaptive coefficients)
``extra_rollout``           a second rollout at another temperature whose samples join
                            the update with the advantages of ``extra_advantages``
                            (AEPO's temperature-adjusted REINFORCE term)
==========================  ==========================================================

Presets: ``toy`` (our defaults, sized so that the control selects something in a toy
batch of a few thousand tokens or a bandit group) and ``paper`` (the paper's values,
which at LLM scale select e.g. one token in 5000 and in a toy batch often nothing).
Every result records the preset that ran (:meth:`Control.as_dict`).

Examples
--------
>>> from thermo_rl.entropy import make_control
>>> c = make_control("clip-cov", preset="paper")
>>> c.values["ratio"], c.values["lb"], c.values["ub"]
(0.0002, 1.0, 5.0)
>>> make_control("clip-cov").values["ratio"]     # the toy-batch preset
0.1
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .._validation import check_choice, check_int, check_real
from ..errors import UserError, UserTypeError

__all__ = ["HOOKS", "PRESETS", "REGISTRY", "Context", "Control", "Paper", "Param",
           "control_class", "control_names", "describe_controls", "make_control", "register"]

HOOKS = ("sampling_temperature", "clip_bounds", "unclipped", "advantages", "token_weights",
         "token_penalty", "entropy_coef", "kl_coef", "update", "extra_rollout")
PRESETS = ("toy", "paper")
#: Which entropy a control acts on or targets.
ENTROPY_LEVELS = ("token", "sequence", "answer", "policy")


@dataclass(frozen=True)
class Paper:
    """A citation: ``authors`` (short form), ``year``, ``title``, ``arxiv`` id, ``code``."""

    authors: str
    year: int
    title: str
    arxiv: str | None = None
    code: str | None = None

    def __str__(self) -> str:
        s = f"{self.authors} ({self.year}), \"{self.title}\""
        return s + (f", arXiv:{self.arxiv}" if self.arxiv else "")


@dataclass(frozen=True)
class Param:
    """One parameter of a control: our default (the ``toy`` preset) and the paper's value.

    ``kind`` is ``"real"``, ``"int"``, ``"str"``, ``"bool"`` (``"true"``/``"false"``
    accepted), ``"schedule"`` (a
    :mod:`thermo_rl.schedules` spec or object) or ``"any"``; ``low``/``high`` bound a
    number (``low_open`` excludes ``low``); ``optional`` allows ``None``.
    """

    name: str
    default: Any
    paper: Any = None
    doc: str = ""
    kind: str = "real"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    optional: bool = False

    def check(self, value):
        if value is None:
            if self.optional:
                return None
            raise UserError(f"{self.name} must not be None")
        if self.kind == "real":
            return check_real(value, self.name, low=self.low, high=self.high,
                              low_open=self.low_open)
        if self.kind == "int":
            return check_int(value, self.name, low=self.low, high=self.high)
        if self.kind == "bool":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"         # the CLI's --control-arg key=false
            if not isinstance(value, bool):
                raise UserTypeError(f"{self.name} must be true or false, got {value!r}")
            return value
        if self.kind == "str" and not isinstance(value, str):
            raise UserTypeError(f"{self.name} must be a string, got {type(value).__name__}")
        if self.kind == "schedule":
            from ..schedules import parse_schedule

            parse_schedule(value)
        return value


@dataclass
class Context:
    """What a hook may read about the current step (arrays in the learner's namespace).

    ``step`` (0-based) of ``steps``; ``rng`` (numpy Generator) for random controls;
    ``token_entropy`` (mean per-token entropy of the batch, nats), ``sequence_entropy``
    (``-mean ln pi(y)`` of the sampled sequences: an estimate of the answer entropy),
    ``initial`` (the same measures before the first step); ``entropies`` (per-token
    entropies, with autograd where available); ``clipped`` (tokens whose PPO clip is
    active); ``n_actions`` (the size of the action space where known: bandit arms).
    """

    step: int = 0
    steps: int = 1
    rng: Any = None
    token_entropy: float | None = None
    sequence_entropy: float | None = None
    initial: dict = field(default_factory=dict)
    entropies: Any = None
    clipped: Any = None
    n_actions: int | None = None


class Control:
    """Base class of the registered controls (the ``none`` control: reward alone).

    Parameters
    ----------
    preset : {"toy", "paper"}
        Our defaults or the paper's values for every parameter not given.
    **params
        Parameters of the control (:attr:`params`), overriding the preset.
    """

    name: ClassVar[str] = "none"
    summary: ClassVar[str] = "no control: maximize the reward alone (collapses as T -> 0)"
    paper: ClassVar[Paper | None] = None
    params: ClassVar[tuple[Param, ...]] = ()
    hooks: ClassVar[tuple[str, ...]] = ()
    entropy: ClassVar[str | None] = None
    #: Run settings the paper preset implies for the learner (recorded with the result).
    paper_run: ClassVar[dict] = {}
    #: Old parameter names mapped to new ones (a PendingDeprecationWarning when used).
    renamed: ClassVar[dict] = {}
    unclipped: ClassVar[bool] = False
    #: Free-text notes on choices where the paper is silent.
    notes: ClassVar[str] = ""
    #: The parameter a learner's own temperature T initializes (an entropy coefficient).
    seed_param: ClassVar[str | None] = None

    def __init__(self, preset: str = "toy", **params):
        self.preset = check_choice(preset, "preset", PRESETS)
        for old, new in self.renamed.items():
            if old in params:
                warnings.warn(f"control {self.name!r}: parameter {old!r} is now {new!r}",
                              PendingDeprecationWarning, stacklevel=3)
                params[new] = params.pop(old)
        known = {p.name: p for p in self.params}
        unknown = set(params) - set(known)
        if unknown:
            raise UserTypeError(f"control {self.name!r} takes no argument(s) "
                                f"{sorted(unknown)}; expected {sorted(known) or 'none'}")
        values = {}
        for p in self.params:
            v = params.get(p.name, p.paper if (preset == "paper" and p.paper is not None)
                           else p.default)
            values[p.name] = p.check(v)
        self.values = values
        self.given = sorted(params)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget the state of a previous run (adaptive coefficients)."""

    # ------------------------------------------------------------------ hooks
    def sampling_temperature(self, ctx: Context, T: float) -> float:
        return T

    def clip_bounds(self, eps_low: float, eps_high: float | None) -> tuple[float, float | None]:
        return eps_low, eps_high

    def advantages(self, adv, seq_logp, mask, ctx: Context):
        """``adv`` and ``seq_logp`` have shape (groups, G): one row per group of samples."""
        return adv

    def token_weights(self, logp, adv, mask, ctx: Context):
        """A (…, n) multiplier of the per-token surrogate loss, or None."""
        return

    def token_penalty(self, logp, old_logp, adv, mask, ctx: Context):
        """A (…, n) per-token loss term (autograd through ``logp``), or None."""
        return

    def penalty_weights(self, logp, old_logp, adv, mask, ctx: Context):
        """``-d token_penalty / d logp`` per token (for learners without autograd)."""
        return

    def entropy_coef(self, ctx: Context) -> float:
        return 0.0

    def kl_coef(self) -> float:
        return 0.0

    def update(self, ctx: Context) -> None:
        """Called once after each step with the step's measurements in ``ctx``."""

    def extra_rollout(self, ctx: Context) -> float | None:
        """The temperature of an extra rollout this step, or None (no extra rollout).

        When a temperature is returned, the learner samples an extra batch from
        ``softmax(z / temperature)`` (the language loop: ``extra_share`` of the step's
        prompts, ``group`` samples each; the bandit: one more group per run), scores it
        like the main batch (rewards, group advantages, log-probabilities under the
        policy that learns, at the run's own temperature), replaces its advantages by
        :meth:`extra_advantages` and adds its samples to the update. The measured
        entropies in ``ctx`` are those of the main batch.
        """
        return None

    #: Share of the step's prompts the extra rollout samples (language loop).
    extra_share: float = 1.0

    def extra_advantages(self, adv, seq_logp, mask, ctx: Context):
        """Advantages of the extra rollout's samples (shape (groups, G)); default as given."""
        return adv

    # ------------------------------------------------------------------ reporting
    def as_dict(self) -> dict:
        """Name, preset and parameter values: what every result records."""
        return {"name": self.name, "preset": self.preset, "params": dict(self.values)}

    @classmethod
    def describe(cls) -> dict:
        """The registry entry: summary, paper, parameters (ours and the paper's), hooks."""
        p = cls.paper
        return {"name": cls.name, "summary": cls.summary,
                "paper": None if p is None else {"authors": p.authors, "year": p.year,
                                                 "title": p.title, "arxiv": p.arxiv,
                                                 "code": p.code},
                "entropy": cls.entropy, "hooks": list(cls.hooks),
                "params": [{"name": q.name, "default": q.default, "paper": q.paper,
                            "doc": q.doc} for q in cls.params],
                "paper_run": dict(cls.paper_run), "notes": cls.notes}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in getattr(self, "values", {}).items())
        return f"<control {self.name} ({self.preset}){': ' + args if args else ''}>"


REGISTRY: dict[str, type[Control]] = {}
def register(cls: type[Control]) -> type[Control]:
    """Class decorator: add a control to :data:`REGISTRY` under ``cls.name``."""
    if not (isinstance(cls, type) and issubclass(cls, Control)):
        raise UserTypeError("register takes a Control subclass")
    bad = set(cls.hooks) - set(HOOKS)
    if bad:
        raise UserError(f"control {cls.name!r} names unknown hooks {sorted(bad)}")
    if cls.entropy is not None and cls.entropy not in ENTROPY_LEVELS:
        raise UserError(f"control {cls.name!r}: entropy must be one of {ENTROPY_LEVELS}")
    REGISTRY[cls.name] = cls
    return cls


def control_names() -> tuple[str, ...]:
    """Every registered control's name, ``none`` first (the package's ``__init__`` imports
    :mod:`thermo_rl.entropy.methods`, which registers them, before any of this runs)."""
    return ("none", *sorted(n for n in REGISTRY if n != "none"))


def control_class(name: str) -> type[Control]:
    """The registered class of ``name``."""
    if isinstance(name, type) and issubclass(name, Control):
        return name
    if not isinstance(name, str):
        raise UserTypeError(f"control must be a name, got {type(name).__name__}")
    return REGISTRY[check_choice(name, "control", control_names())]


def make_control(control=None, *, preset: str | None = None, **params) -> Control:
    """A fresh control instance: ``control`` is a name, a class, an instance or None.

    An instance is returned as it is, its state kept, when no ``preset`` or parameters
    are given: the learners pass their control to the loss at every step, and an
    adaptive control (``target-entropy``, ``adapo``, ``repo``, ``epo``) must keep its
    coefficient across steps. A fresh run makes a fresh instance (or calls
    :meth:`Control.reset`).
    """
    if isinstance(control, Control):
        if preset is not None or params:
            return type(control)(preset or control.preset, **{**control.values, **params})
        return control
    cls = control_class("none" if control is None else control)
    return cls(preset or "toy", **params)


def describe_controls() -> list[dict]:
    """:meth:`Control.describe` of every registered control (``thermo-rl controls``)."""
    return [control_class(n).describe() for n in control_names()]
